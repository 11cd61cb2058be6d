;; Integer lanes: shifts mask their count, a dot product is the widened
;; multiply-and-pairwise-add Cranelift turns into pmaddwd, narrowing
;; saturates.
(module
  (func (export "dot") (param v128 v128) (result v128)
    (i32x4.dot_i16x8_s (local.get 0) (local.get 1)))
  (func (export "shift") (param v128 i32) (result v128)
    (i16x8.shr_s (local.get 0) (local.get 1)))
  (func (export "misc") (param v128 v128) (result v128)
    (i8x16.narrow_i16x8_u
      (i16x8.extmul_high_i8x16_s (local.get 0) (local.get 1))
      (i16x8.q15mulr_sat_s (i16x8.extadd_pairwise_i8x16_u (local.get 0)) (local.get 1)))))
