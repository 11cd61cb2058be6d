;; Loads with small static offsets: the guard region covers them, no
;; explicit bounds check.
(module
  (memory 1)
  (func (export "f") (param i32) (result i64)
    local.get 0 i32.load offset=4 i64.extend_i32_u
    local.get 0 i64.load offset=16 i64.add
    local.get 0 i32.load8_s i64.extend_i32_s i64.add
    local.get 0 i64.load16_u offset=2 i64.add
    local.get 0 i64.load32_s i64.add)
  (func (export "floats") (param i32) (result f64)
    local.get 0 f32.load f64.promote_f32
    local.get 0 f64.load offset=8 f64.add))
