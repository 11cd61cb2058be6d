;; i32 arithmetic and bitwise operators.
(module
  (func (export "arith") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add
    local.get 1 i32.sub
    local.get 0 i32.mul
    local.get 1 i32.div_s
    local.get 1 i32.div_u
    local.get 1 i32.rem_s
    local.get 1 i32.rem_u)
  (func (export "bits") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.and
    local.get 1 i32.or
    local.get 1 i32.xor
    local.get 1 i32.shl
    local.get 1 i32.shr_s
    local.get 1 i32.shr_u
    local.get 1 i32.rotl
    local.get 1 i32.rotr
    i32.clz i32.ctz i32.popcnt))
