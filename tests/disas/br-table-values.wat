;; br_table passing a value to every target.
(module
  (func (export "f") (param i32) (result i32)
    (block $a (result i32)
      (block $b (result i32)
        i32.const 5
        local.get 0
        br_table $a $b $a)
      i32.const 1 i32.add)))
