;; Code after br, return and unreachable is not translated, but the
;; blocks it opens still nest.
(module
  (func (export "f") (param i32) (result i32)
    (block $out (result i32)
      i32.const 1
      br $out
      i32.const 99
      (block (loop (if (i32.const 0) (then nop) (else nop))))
      i32.add
      drop)
    (if (local.get 0) (then unreachable i32.const 5 drop)))
  (func (export "g") (result i32)
    i32.const 4
    return
    i32.const 5
    i32.add))
