;; call_indirect: bounds check, null check, type id check.
(module
  (type $t (func (param i32) (result i32)))
  (table 2 funcref)
  (func $id (type $t) local.get 0)
  (elem (i32.const 0) $id)
  (func (export "f") (param i32 i32) (result i32)
    local.get 0 local.get 1 call_indirect (type $t)))
