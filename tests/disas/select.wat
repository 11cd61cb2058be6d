;; select, untyped and typed.
(module
  (func (export "select") (param i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 select)
  (func (export "typed") (param f64 f64 i32) (result f64)
    local.get 0 local.get 1 local.get 2 select (result f64)))
