;; memory.size, memory.grow and the bulk memory operators are libcalls
;; (size is inline).
(module
  (memory 1)
  (data $d "hello")
  (func (export "f") (param i32) (result i32)
    (memory.fill (i32.const 0) (i32.const 7) (local.get 0))
    (memory.copy (i32.const 16) (i32.const 0) (local.get 0))
    (memory.init $d (i32.const 32) (i32.const 0) (i32.const 5))
    (data.drop $d)
    (memory.grow (local.get 0))
    memory.size
    i32.add))
