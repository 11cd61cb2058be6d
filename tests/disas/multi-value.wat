;; Functions and blocks with several results.
(module
  (func $swap (param i32 i64) (result i64 i32) local.get 1 local.get 0)
  (func (export "f") (param i32 i64) (result i64 i32)
    local.get 0 local.get 1 call $swap
    (block (param i64 i32) (result i64 i32))))
