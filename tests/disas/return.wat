;; Early returns: return, a conditional return via br_if to the body.
(module
  (func (export "f") (param i32) (result i32)
    local.get 0
    (if (then (return (i32.const 1))))
    i32.const 2
    local.get 0
    br_if 0
    drop
    i32.const 3))
