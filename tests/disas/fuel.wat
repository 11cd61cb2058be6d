;; flags: fuel
;; Fuel: loaded into a variable at entry and checked, operator costs summed
;; per straight-line run (nop, drop, block, loop, end are free), the sum
;; checked at the loop header, written back before the call and the
;; return, and reloaded after the call.
(module
  (func $leaf (result i32) nop (i32.add (i32.const 1) (i32.const 2)))
  (func (export "f") (param i32) (result i32)
    (block
      (loop $l
        (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
        (br_if $l (local.get 0))))
    (drop (call $leaf))
    (local.get 0)))
