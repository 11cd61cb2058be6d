;; Wrapping, extension and the sign-extension operators.
(module
  (func (export "wrap") (param i64) (result i32) local.get 0 i32.wrap_i64)
  (func (export "extend_s") (param i32) (result i64) local.get 0 i64.extend_i32_s)
  (func (export "extend_u") (param i32) (result i64) local.get 0 i64.extend_i32_u)
  (func (export "sign_ext") (param i32 i64) (result i64)
    local.get 0 i32.extend8_s i32.extend16_s i64.extend_i32_u
    local.get 1 i64.extend8_s i64.extend16_s i64.extend32_s i64.add))
