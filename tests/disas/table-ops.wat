;; table.get/set/size inline; grow, fill, copy, init and elem.drop are
;; libcalls.
(module
  (table $t 1 10 funcref)
  (table $u 1 externref)
  (func $f)
  (elem $e func $f)
  (func (export "f") (param i32 externref) (result i32)
    (table.set $t (local.get 0) (table.get $t (i32.const 0)))
    (table.set $u (i32.const 0) (local.get 1))
    (table.fill $t (i32.const 0) (ref.null func) (i32.const 1))
    (table.copy $t $t (i32.const 0) (i32.const 0) (i32.const 1))
    (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 1))
    (elem.drop $e)
    (table.grow $t (ref.null func) (i32.const 2))
    table.size $t
    i32.add))
