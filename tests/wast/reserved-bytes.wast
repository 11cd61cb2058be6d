;; Regression: in WebAssembly 2.0 the memory index of memory.size is a single
;; zero byte; an overlong LEB128 zero is malformed (wasmparser accepts it for
;; multi-memory).
(assert_malformed
  (module binary
    "\00asm" "\01\00\00\00"
    "\01\05\01\60\00\01\7f"    ;; type 0: [] -> [i32]
    "\03\02\01\00"             ;; func 0: type 0
    "\05\03\01\00\00"          ;; memory 0 0
    "\0a\07\01\05\00\3f\80\00\0b" ;; memory.size with index 0x80 0x00
  )
  "zero byte expected")
(module binary
  "\00asm" "\01\00\00\00"
  "\01\05\01\60\00\01\7f"
  "\03\02\01\00"
  "\05\03\01\00\00"
  "\07\05\01\01\73\00\00"      ;; export "s" func 0
  "\0a\06\01\04\00\3f\00\0b")
(assert_return (invoke "s") (i32.const 0))
