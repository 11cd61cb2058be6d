;; The v128 memory forms: each addresses memory like a scalar access of its
;; width, so offsets inside the guard region need no bounds check.
(module
  (memory 1)
  (func (export "copy") (param i32 i32)
    (v128.store offset=16 (local.get 0) (v128.load offset=32 (local.get 1))))
  (func (export "forms") (param i32) (result v128)
    (i32x4.add
      (i16x8.add (v128.load8x8_s (local.get 0)) (v128.load16_splat offset=2 (local.get 0)))
      (v128.load32_zero offset=4 (local.get 0))))
  (func (export "lanes") (param i32 v128) (result v128)
    (v128.store8_lane offset=1 15 (local.get 0) (local.get 1))
    (v128.load64_lane 1 (local.get 0) (local.get 1))))
