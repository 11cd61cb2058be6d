;; i64 comparisons produce an i32 0 or 1.
(module
  (func (export "cmp") (param i64 i64) (result i32)
    local.get 0 local.get 1 i64.eq
    local.get 0 local.get 1 i64.lt_s i32.add
    local.get 0 local.get 1 i64.gt_u i32.add
    local.get 0 local.get 1 i64.le_s i32.add
    local.get 0 local.get 1 i64.ge_u i32.add
    local.get 0 i64.eqz i32.add))
