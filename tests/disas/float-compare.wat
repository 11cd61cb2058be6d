;; Float comparisons.
(module
  (func (export "f32") (param f32 f32) (result i32)
    local.get 0 local.get 1 f32.eq
    local.get 0 local.get 1 f32.ne i32.add
    local.get 0 local.get 1 f32.lt i32.add
    local.get 0 local.get 1 f32.gt i32.add
    local.get 0 local.get 1 f32.le i32.add
    local.get 0 local.get 1 f32.ge i32.add)
  (func (export "f64") (param f64 f64) (result i32)
    local.get 0 local.get 1 f64.eq
    local.get 0 local.get 1 f64.lt i32.add
    local.get 0 local.get 1 f64.ge i32.add))
