;; Static offsets the guard region does not cover get an explicit bounds
;; check against the memory's current length.
(module
  (memory 1)
  (func (export "load") (param i32) (result i32)
    local.get 0 i32.load offset=0xfffffff0)
  (func (export "store") (param i32)
    local.get 0 i64.const 1 i64.store offset=0x80000000))
