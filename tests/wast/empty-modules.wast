;; Regression: a module without any code has no .text section at all; the
;; loader must accept it.
(module)
(module (memory 1) (data (i32.const 0) "x"))
(module (global (export "g") i32 (i32.const 7)))
(assert_return (get "g") (i32.const 7))
