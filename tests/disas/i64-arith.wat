;; i64 arithmetic and bitwise operators.
(module
  (func (export "arith") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.add
    local.get 1 i64.sub
    local.get 0 i64.mul
    local.get 1 i64.div_s
    local.get 1 i64.div_u
    local.get 1 i64.rem_s
    local.get 1 i64.rem_u)
  (func (export "bits") (param i64 i64) (result i64)
    local.get 0 local.get 1 i64.and
    local.get 1 i64.or
    local.get 1 i64.xor
    local.get 1 i64.shl
    local.get 1 i64.shr_s
    local.get 1 i64.shr_u
    local.get 1 i64.rotl
    local.get 1 i64.rotr
    i64.clz i64.ctz i64.popcnt))
