;; if/else with a result, and an if without else.
(module
  (func (export "max") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.gt_s
    (if (result i32) (then local.get 0) (else local.get 1)))
  (func (export "maybe") (param i32) (result i32)
    (if (local.get 0) (then (local.set 0 (i32.const 7))))
    local.get 0))
