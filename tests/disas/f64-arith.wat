;; f64 arithmetic.
(module
  (func (export "binary") (param f64 f64) (result f64)
    local.get 0 local.get 1 f64.add
    local.get 1 f64.sub
    local.get 1 f64.mul
    local.get 1 f64.div
    local.get 1 f64.min
    local.get 1 f64.max
    local.get 1 f64.copysign)
  (func (export "unary") (param f64) (result f64)
    local.get 0 f64.abs f64.neg f64.sqrt f64.ceil f64.floor f64.trunc f64.nearest))
