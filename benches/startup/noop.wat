;; The no-op WASI command of the start-up benchmark: a memory, an import
;; of proc_exit it never calls, and an empty `_start`.
(module
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (func (export "_start")))
