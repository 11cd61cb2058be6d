;; i32 comparisons produce 0 or 1.
(module
  (func (export "cmp") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.eq
    local.get 0 local.get 1 i32.ne i32.add
    local.get 0 local.get 1 i32.lt_s i32.add
    local.get 0 local.get 1 i32.lt_u i32.add
    local.get 0 local.get 1 i32.gt_s i32.add
    local.get 0 local.get 1 i32.gt_u i32.add
    local.get 0 local.get 1 i32.le_s i32.add
    local.get 0 local.get 1 i32.le_u i32.add
    local.get 0 local.get 1 i32.ge_s i32.add
    local.get 0 local.get 1 i32.ge_u i32.add
    local.get 0 i32.eqz i32.add))
