;; reactor.wat: a WASI reactor (no _start). The host calls _initialize once after
;; instantiation, then any export.
;; - _initialize: sets the global $value from 0 to 42.
;; - get: returns $value (42 after _initialize, 0 before).
;; - greet: writes "hello from a reactor\n" (21 bytes) to stdout with
;;   wasi_snapshot_preview1.fd_write and returns its errno (0 on success).
(module
 (import "wasi_snapshot_preview1" "fd_write" (func $fdw (param i32 i32 i32 i32) (result i32)))

 (memory 1)
 (export "memory" (memory 0))
 (global $value (mut i32) (i32.const 0))

 (data (i32.const 16) "hello from a reactor\n")

 (func (export "_initialize")
  (global.set $value (i32.const 42)))

 (func (export "get") (result i32)
  (global.get $value))

 (func (export "greet") (result i32)
  (i32.store (i32.const 0) (i32.const 16))
  (i32.store (i32.const 4) (i32.const 21))
  (call $fdw (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
)
