;; An if with a parameter and no else: the implicit else passes it on.
(module
  (func (export "f") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    (if (param i32) (result i32) (then i32.const 2 i32.mul))))
