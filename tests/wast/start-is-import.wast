;; Regression: the start function may be an imported host function; it must
;; be called with a real caller context.
(module
  (import "spectest" "print" (func $print))
  (start $print))
(module
  (import "spectest" "print_i32" (func $p (param i32)))
  (func $start (call $p (i32.const 1)))
  (start $start))
