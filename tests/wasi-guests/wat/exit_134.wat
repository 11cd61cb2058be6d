;; Exits with status 134, which a shell reads as "killed by SIGABRT".
;; A WASI host must not pass it on as the process's status: kiln (like
;; wasmtime) refuses proc_exit statuses of 126 and more with an error.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")
    (call $exit (i32.const 134))
    unreachable))
