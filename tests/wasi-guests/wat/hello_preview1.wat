;; hello_preview1.wat: writer.wat for the current namespace, `wasi_snapshot_preview1`.
;;
;; Unlike the article's writer.wat, it writes exactly the 17 bytes of the string
;; (no trailing NULs), and keeps nwritten clear of the string (at offset 32).
;; It then exits with proc_exit(0) if fd_write succeeded and wrote all 17 bytes,
;; and with proc_exit(1) otherwise.
;; Expected stdout (exact bytes): "Hooray it's WASI\n"; exit code 0.
(module
 (import "wasi_snapshot_preview1" "fd_write" (func $fdw (param i32 i32 i32 i32) (result i32)))
 (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))

 (memory 1)
 (export "memory" (memory 0))

 (data (i32.const 12) "Hooray it's WASI\n")

 (func $main (export "_start")
  (i32.store (i32.const 0) (i32.const 12))
  (i32.store (i32.const 4) (i32.const 17))
  (if (i32.or
       (call $fdw (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 32))
       (i32.ne (i32.load (i32.const 32)) (i32.const 17)))
   (then (call $exit (i32.const 1))))
  (call $exit (i32.const 0))
 )
)
