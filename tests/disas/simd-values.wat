;; v128 as a parameter, result, local, global and select operand: always
;; i8x16 between operators, bitcast to the lane type an operator works on.
(module
  (global $g (mut v128) (v128.const i32x4 1 2 3 4))
  (func (export "add") (param v128 v128) (result v128) (local v128)
    (local.set 2 (i32x4.add (local.get 0) (local.get 1)))
    (global.set $g (local.get 2))
    (select (local.get 2) (global.get $g) (i32.const 1)))
  (func (export "lanes") (param v128 i32) (result v128)
    (i16x8.replace_lane 3
      (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31 (local.get 0) (i8x16.splat (local.get 1)))
      (i8x16.extract_lane_s 5 (local.get 0))))
  (func (export "bits") (param v128 v128 v128) (result i32)
    (i32.add
      (v128.any_true (v128.bitselect (local.get 0) (local.get 1) (v128.andnot (local.get 2) (local.get 0))))
      (i32x4.bitmask (local.get 0)))))
