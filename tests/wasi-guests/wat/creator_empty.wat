;; creator_empty.wat: a variant of the article's creator.wat ("wasi_unstable").
;;
;; Passes a path of length 0: expected exit code 44 (ENOENT), as the article says.
;;
;; The errno of path_create_directory(3, 12, 0) is made observable twice:
;; - it is stored in the exported mutable global "errno" (and at memory offset 0);
;; - _start ends with proc_exit(errno), so the exit code is the errno.
;; Needs a preopened directory at fd 3.
(module
 (import "wasi_unstable" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))
 (import "wasi_unstable" "proc_exit" (func $exit (param i32)))

 (memory 1)
 (export "memory" (memory 0))
 (global $errno (export "errno") (mut i32) (i32.const -1))

 (data (i32.const 12) "wasi-folder")

 (func $main (export "_start")
  (global.set $errno
   (call $mkdir
    (i32.const 3)
    (i32.const 12)
    (i32.const 0)))
  (i32.store (i32.const 0) (global.get $errno))
  (call $exit (global.get $errno))
 )
)
