;; Loads the x86-64 backend folds into their users: no jump separates
;; the add from its load (merge_blocks), the vector loads have the lane
;; type of the operator reading them, no bitcast between, and a
;; commutative integer operator takes its load second (load_fold).
(module
  (memory 1)
  (func (export "add_i32") (param i32 i32) (result i32)
    (i32.add (local.get 1) (i32.load (local.get 0))))
  (func (export "mul_f32x4") (param i32 i32) (result v128)
    (f32x4.mul (v128.load (local.get 0)) (v128.load (local.get 1))))
  (func (export "add_i32x4_load_first") (param i32 v128) (result v128)
    (i32x4.add (v128.load (local.get 0)) (local.get 1)))
  (func (export "shared_load") (param i32) (result v128)
    ;; Read as two lane types: stays an i8x16 load.
    (local v128)
    (local.set 1 (v128.load (local.get 0)))
    (f32x4.add (local.get 1) (local.get 1))
    (i32x4.add (local.get 1))))
