;; Defined mutable, defined immutable and imported globals.
(module
  (import "env" "g" (global $imp (mut i64)))
  (global $m (mut i32) (i32.const 0))
  (global $c f64 (f64.const 1.5))
  (func (export "f") (result f64)
    global.get $m i32.const 1 i32.add global.set $m
    global.get $imp i64.const 2 i64.mul global.set $imp
    global.get $c))
