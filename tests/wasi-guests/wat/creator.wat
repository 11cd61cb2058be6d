;; creator.wat: the article's mkdir program, kept as the article wrote it
;; (`wasi_unstable` namespace, the two unused stores included).
;;
;; Run with a preopened directory at fd 3 (`--dir=.`): it creates the directory
;; "wasi-folder" (11 bytes at offset 12) inside it. The errno is dropped, so the
;; exit code is 0 either way; a test checks that the directory now exists.
(module
 (import "wasi_unstable" "path_create_directory" (func $mkdir (param i32 i32 i32) (result i32)))

 (memory 1)
 (export "memory" (memory 0))

 (data (i32.const 12) "wasi-folder")

 (func $main (export "_start")
  (i32.store (i32.const 0) (i32.const 12))
  (i32.store (i32.const 4) (i32.const 20))

  (call $mkdir
   (i32.const 3)
   (i32.const 12)
   (i32.const 11)
  )
  drop
 )
)
