;; Compute kernels for the `code` benchmark: the same algorithms as the
;; native Rust in code.rs, so their times compare generated code with rustc's.
(module
  (memory (export "memory") 8)

  ;; Recursive Fibonacci: calls and branches.
  (func $fib (export "fib") (param $n i32) (result i32)
    (if (result i32) (i32.lt_u (local.get $n) (i32.const 2))
      (then (local.get $n))
      (else (i32.add (call $fib (i32.sub (local.get $n) (i32.const 1)))
                     (call $fib (i32.sub (local.get $n) (i32.const 2)))))))

  ;; Sieve of Eratosthenes over bytes at address 0: the number of primes
  ;; below $n (at most 512 KiB). Byte loads and stores in nested loops.
  (func (export "sieve") (param $n i32) (result i32)
    (local $i i32) (local $j i32) (local $count i32)
    (memory.fill (i32.const 0) (i32.const 1) (local.get $n))
    (local.set $i (i32.const 2))
    (block $done
      (loop $outer
        (br_if $done (i32.gt_u (i32.mul (local.get $i) (local.get $i)) (local.get $n)))
        (if (i32.load8_u (local.get $i))
          (then
            (local.set $j (i32.mul (local.get $i) (local.get $i)))
            (block $inner_done
              (loop $inner
                (br_if $inner_done (i32.ge_u (local.get $j) (local.get $n)))
                (i32.store8 (local.get $j) (i32.const 0))
                (local.set $j (i32.add (local.get $j) (local.get $i)))
                (br $inner)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $outer)))
    (local.set $i (i32.const 2))
    (block $counted
      (loop $count_loop
        (br_if $counted (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $count (i32.add (local.get $count) (i32.load8_u (local.get $i))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $count_loop)))
    (local.get $count))

  ;; $n x $n f64 matrix product C = A * B with A[k] = k % 7 and B[k] = k % 5,
  ;; row-major at 0, n*n*8 and 2*n*n*8; returns the sum of C.
  (func (export "matmul") (param $n i32) (result f64)
    (local $i i32) (local $j i32) (local $k i32) (local $nn i32)
    (local $a i32) (local $b i32) (local $c i32) (local $acc f64) (local $sum f64)
    (local.set $nn (i32.mul (local.get $n) (local.get $n)))
    (local.set $b (i32.shl (local.get $nn) (i32.const 3)))
    (local.set $c (i32.shl (local.get $nn) (i32.const 4)))
    (local.set $k (i32.const 0))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $k) (local.get $nn)))
        (f64.store (i32.shl (local.get $k) (i32.const 3))
          (f64.convert_i32_u (i32.rem_u (local.get $k) (i32.const 7))))
        (f64.store (i32.add (local.get $b) (i32.shl (local.get $k) (i32.const 3)))
          (f64.convert_i32_u (i32.rem_u (local.get $k) (i32.const 5))))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $fill)))
    (local.set $i (i32.const 0))
    (loop $rows
      (local.set $j (i32.const 0))
      (loop $cols
        (local.set $acc (f64.const 0))
        (local.set $k (i32.const 0))
        (loop $dot
          (local.set $acc (f64.add (local.get $acc)
            (f64.mul
              (f64.load (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $k)) (i32.const 3)))
              (f64.load (i32.add (local.get $b)
                (i32.shl (i32.add (i32.mul (local.get $k) (local.get $n)) (local.get $j)) (i32.const 3)))))))
          (local.set $k (i32.add (local.get $k) (i32.const 1)))
          (br_if $dot (i32.lt_u (local.get $k) (local.get $n))))
        (f64.store (i32.add (local.get $c)
          (i32.shl (i32.add (i32.mul (local.get $i) (local.get $n)) (local.get $j)) (i32.const 3)))
          (local.get $acc))
        (local.set $sum (f64.add (local.get $sum) (local.get $acc)))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $cols (i32.lt_u (local.get $j) (local.get $n))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $rows (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $sum))

  ;; FNV-1a (64-bit) over $len bytes at address 0, after filling them with
  ;; byte k = k * 31 mod 256: i64 arithmetic in a tight loop.
  (func (export "fnv") (param $len i32) (result i64)
    (local $k i32) (local $h i64)
    (local.set $k (i32.const 0))
    (block $filled
      (loop $fill
        (br_if $filled (i32.ge_u (local.get $k) (local.get $len)))
        (i32.store8 (local.get $k) (i32.mul (local.get $k) (i32.const 31)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $fill)))
    (local.set $h (i64.const 0xcbf29ce484222325))
    (local.set $k (i32.const 0))
    (block $done
      (loop $hash
        (br_if $done (i32.ge_u (local.get $k) (local.get $len)))
        (local.set $h (i64.mul (i64.xor (local.get $h) (i64.load8_u (local.get $k)))
                               (i64.const 0x100000001b3)))
        (local.set $k (i32.add (local.get $k) (i32.const 1)))
        (br $hash)))
    (local.get $h))
)
