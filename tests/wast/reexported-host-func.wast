;; Regression: a host function re-exported by one instance and called from the
;; host, from another instance, and through a table.
(module $a
  (import "spectest" "print_i32" (func $p (param i32)))
  (export "p" (func $p))
  (table (export "t") 1 funcref)
  (elem (i32.const 0) $p))
(register "a" $a)
(invoke $a "p" (i32.const 5))
(module $b
  (import "a" "p" (func $p (param i32)))
  (import "a" "t" (table 1 funcref))
  (type $t (func (param i32)))
  (func (export "direct") (call $p (i32.const 1)))
  (func (export "indirect") (call_indirect (type $t) (i32.const 2) (i32.const 0))))
(invoke $b "direct")
(invoke $b "indirect")
