;; Direct calls of a defined function and of an import.
(module
  (import "env" "host" (func $host (param i32) (result i32)))
  (func $double (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
  (func (export "f") (param i32) (result i32)
    local.get 0 call $double call $host))
