;; Loops whose header only tests a bound, rotated by `loop_rotate`: the
;; bound is tested again on the back edge (in the latch for `br`, in a
;; block of the edge for `br_if`), the stepped index is what goes round,
;; and the body recovers the index from it.
(module
  (memory (export "memory") 1)
  ;; A byte search's shape: `while i + 16 <= n`, closed by a `br_if` on
  ;; "no match yet".
  (func (export "find") (param $p i32) (param $n i32) (param $needle i32) (result i32)
    (local $i i32) (local $mask i32)
    (block $done
      (loop $next
        (br_if $done (i32.gt_u (i32.add (local.get $i) (i32.const 16)) (local.get $n)))
        (local.set $mask
          (i8x16.bitmask
            (i8x16.eq (v128.load (i32.add (local.get $p) (local.get $i)))
                      (i8x16.splat (local.get $needle)))))
        (local.set $i (i32.add (local.get $i) (i32.const 16)))
        (br_if $next (i32.eqz (local.get $mask))))
      (return (i32.add (i32.sub (local.get $i) (i32.const 16)) (i32.ctz (local.get $mask)))))
    (i32.const -1))
  ;; A `while` loop closed by a `br`: sum the bytes below `n`.
  (func (export "sum") (param $n i32) (result i32) (local $i i32) (local $s i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (i32.add (local.get $i) (i32.const 1)) (local.get $n)))
        (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $s)))
