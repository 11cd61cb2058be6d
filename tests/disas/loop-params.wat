;; A loop with parameters and results (multi-value block types).
(module
  (func (export "f") (param i32) (result i32)
    local.get 0
    (loop $l (param i32) (result i32)
      i32.const 1 i32.sub
      local.tee 0
      local.get 0
      br_if $l)))
