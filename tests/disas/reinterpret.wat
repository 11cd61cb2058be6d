;; Reinterpretation between ints and floats.
(module
  (func (export "f2i") (param f32 f64) (result i64)
    local.get 0 i32.reinterpret_f32 i64.extend_i32_u
    local.get 1 i64.reinterpret_f64 i64.add)
  (func (export "i2f") (param i32 i64) (result f64)
    local.get 0 f32.reinterpret_i32 f64.promote_f32
    local.get 1 f64.reinterpret_i64 f64.add))
