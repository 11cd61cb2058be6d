;; The guest the example links into its crate: a small inventory with its
;; initial stock in a data segment, a host import it reports through, a
;; mutable global, and a function that traps on a bad index.
(module $inventory
  (import "host" "restock" (func $restock (param i32 i32)))
  (memory (export "memory") 1)
  ;; Eight i32 counts at offset 0.
  (data (i32.const 0) "\05\00\00\00\00\00\00\00\0c\00\00\00\01\00\00\00\07\00\00\00\00\00\00\00\03\00\00\00\09\00\00\00")
  (global $taken (mut i32) (i32.const 0))

  ;; The total of all counts.
  (func $total (export "total") (result i32)
    (local $i i32) (local $sum i32)
    (loop $next
      (local.set $sum (i32.add (local.get $sum) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $i) (i32.const 8))))
    (local.get $sum))

  ;; Takes one of item `i`; when it runs out, asks the host to restock it.
  ;; Traps (unreachable) for an item that does not exist.
  (func $take (export "take") (param $i i32) (result i32)
    (local $addr i32) (local $left i32)
    (if (i32.ge_u (local.get $i) (i32.const 8)) (then unreachable))
    (local.set $addr (i32.shl (local.get $i) (i32.const 2)))
    (local.set $left (i32.sub (i32.load (local.get $addr)) (i32.const 1)))
    (if (i32.lt_s (local.get $left) (i32.const 0))
      (then (call $restock (local.get $i) (local.get $addr)) (local.set $left (i32.sub (i32.load (local.get $addr)) (i32.const 1)))))
    (i32.store (local.get $addr) (local.get $left))
    (global.set $taken (i32.add (global.get $taken) (i32.const 1)))
    (local.get $left))

  (func $taken (export "taken") (result i32) (global.get $taken)))
