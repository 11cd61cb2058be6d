;; A block with a result, and a branch out of it.
(module
  (func (export "block") (param i32) (result i32)
    (block (result i32)
      i32.const 1
      local.get 0
      br_if 0
      drop
      i32.const 2)))
