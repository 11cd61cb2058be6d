;; unreachable traps; nothing after it is emitted.
(module
  (func (export "f") (result i32)
    unreachable))
