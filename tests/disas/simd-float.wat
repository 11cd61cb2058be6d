;; Float lanes: pmin as Cranelift's compare-and-select pattern, and the
;; f64x2 conversions that go through i64x2 and narrow into the low half.
(module
  (func (export "pmin") (param v128 v128) (result v128)
    (f32x4.pmin (local.get 0) (local.get 1)))
  (func (export "arith") (param v128 v128) (result v128)
    (f64x2.nearest (f64x2.min (f64x2.mul (local.get 0) (local.get 1)) (local.get 1))))
  (func (export "convert") (param v128) (result v128)
    (i32x4.trunc_sat_f64x2_u_zero (f64x2.promote_low_f32x4 (f32x4.demote_f64x2_zero (local.get 0))))))
