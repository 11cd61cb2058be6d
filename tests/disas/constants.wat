;; Constants of every numeric type, including NaN bit patterns.
(module
  (func (export "i32") (result i32) i32.const -7)
  (func (export "i64") (result i64) i64.const 0x123456789abcdef0)
  (func (export "f32") (result f32) f32.const nan:0x200000)
  (func (export "f64") (result f64) f64.const -0x1.8p1))
