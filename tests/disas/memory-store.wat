;; Stores of every width.
(module
  (memory 1)
  (func (export "f") (param i32 i64 f32 f64)
    local.get 0 local.get 0 i32.store
    local.get 0 local.get 0 i32.store8 offset=1
    local.get 0 local.get 0 i32.store16 offset=2
    local.get 0 local.get 1 i64.store offset=8
    local.get 0 local.get 1 i64.store8
    local.get 0 local.get 1 i64.store16
    local.get 0 local.get 1 i64.store32
    local.get 0 local.get 2 f32.store
    local.get 0 local.get 3 f64.store))
