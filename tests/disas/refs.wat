;; ref.func, ref.null and ref.is_null.
(module
  (import "env" "imp" (func $imp))
  (func $f)
  (elem declare func $f $imp)
  (func (export "f") (result i32)
    ref.func $f ref.is_null
    ref.func $imp ref.is_null i32.add
    ref.null extern ref.is_null i32.add))
