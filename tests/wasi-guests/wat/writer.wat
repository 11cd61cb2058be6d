;; writer.wat: the article's first hand-written WASI program, kept exactly as the
;; article wrote it (imports the old `wasi_unstable` namespace).
;;
;; Memory layout:
;;   0..4   iovec.buf     = 12
;;   4..8   iovec.buf_len = 20
;;   12..29 "Hooray it's WASI\n" (17 bytes)
;;   20..24 nwritten, written by the host AFTER the write (it overlaps the string)
;;
;; Note: the article's buf_len is 20 while the string is 17 bytes long, so the
;; guest writes 20 bytes: "Hooray it's WASI\n" followed by three NUL bytes
;; (bytes 29..32 of memory are zero). The host stores nwritten = 20 at offset 20
;; only after it has copied the bytes out, so the output is not affected.
;; Expected stdout (exact bytes): "Hooray it's WASI\n\0\0\0"; exit code 0.
(module
 (import "wasi_unstable" "fd_write" (func $fdw (param i32 i32 i32 i32) (result i32)))

 (memory 1)
 (export "memory" (memory 0))

 (data (i32.const 12) "Hooray it's WASI\n")

 (func $main (export "_start")
  (i32.store (i32.const 0) (i32.const 12))
  (i32.store (i32.const 4) (i32.const 20))
  (call $fdw
   (i32.const 1)
   (i32.const 0)
   (i32.const 1)
   (i32.const 20)
  )
  drop
 )
)
