;; nop emits nothing; drop discards a value.
(module
  (func (export "f") (param i32) (result i32)
    nop
    local.get 0 i32.const 1 i32.add drop
    nop
    local.get 0))
