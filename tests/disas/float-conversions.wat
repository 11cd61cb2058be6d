;; Trapping and saturating float-to-int conversions, int-to-float,
;; demotion and promotion.
(module
  (func (export "trunc") (param f32 f64) (result i64)
    local.get 0 i32.trunc_f32_s i64.extend_i32_u
    local.get 1 i64.trunc_f64_u i64.add
    local.get 0 i64.trunc_f32_u i64.add
    local.get 1 i32.trunc_f64_s i64.extend_i32_u i64.add)
  (func (export "trunc_sat") (param f32 f64) (result i64)
    local.get 0 i32.trunc_sat_f32_s i64.extend_i32_u
    local.get 1 i64.trunc_sat_f64_u i64.add
    local.get 0 i64.trunc_sat_f32_s i64.add
    local.get 1 i32.trunc_sat_f64_u i64.extend_i32_u i64.add)
  (func (export "convert") (param i32 i64) (result f64)
    local.get 0 f32.convert_i32_s f64.promote_f32
    local.get 1 f64.convert_i64_u f64.add
    local.get 1 f32.convert_i64_s f64.promote_f32 f64.add
    local.get 0 f64.convert_i32_u f64.add)
  (func (export "demote") (param f64) (result f32) local.get 0 f32.demote_f64))
