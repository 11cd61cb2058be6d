;; Locals of every type start zeroed; local.tee leaves its value.
(module
  (func (export "f") (param i32) (result i32) (local i64 f32 f64 i32)
    local.get 1 i32.wrap_i64
    local.get 2 i32.trunc_sat_f32_s i32.add
    local.get 3 i32.trunc_sat_f64_s i32.add
    local.get 0 local.tee 4 i32.add))
