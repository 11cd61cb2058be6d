;; br_table over nested blocks, and one whose targets include the
;; function body (a return).
(module
  (func (export "switch") (param i32) (result i32)
    (block $b2
      (block $b1
        (block $b0
          local.get 0
          br_table $b0 $b1 $b2)
        i32.const 10 return)
      i32.const 20 return)
    i32.const 30)
  (global $g (mut i32) (i32.const 0))
  (func (export "ret") (param i32)
    (block $b
      local.get 0
      br_table $b 1 $b)
    (global.set $g (i32.const 1))))
