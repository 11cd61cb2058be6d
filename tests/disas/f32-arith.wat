;; f32 arithmetic.
(module
  (func (export "binary") (param f32 f32) (result f32)
    local.get 0 local.get 1 f32.add
    local.get 1 f32.sub
    local.get 1 f32.mul
    local.get 1 f32.div
    local.get 1 f32.min
    local.get 1 f32.max
    local.get 1 f32.copysign)
  (func (export "unary") (param f32) (result f32)
    local.get 0 f32.abs f32.neg f32.sqrt f32.ceil f32.floor f32.trunc f32.nearest))
