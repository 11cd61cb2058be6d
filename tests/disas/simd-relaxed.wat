;; Relaxed SIMD, deterministic (the default): the same result on every host.
(module
  (func (export "madd") (param v128 v128 v128) (result v128)
    (f32x4.relaxed_nmadd (local.get 0) (local.get 1) (local.get 2)))
  (func (export "dot") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 1) (local.get 2)))
  (func (export "select") (param v128 v128 v128) (result v128)
    (i32x4.relaxed_laneselect (i8x16.relaxed_swizzle (local.get 0) (local.get 1)) (local.get 1) (local.get 2)))
  (func (export "trunc") (param v128) (result v128)
    (f32x4.relaxed_min (i32x4.relaxed_trunc_f32x4_s (local.get 0)) (local.get 0))))
