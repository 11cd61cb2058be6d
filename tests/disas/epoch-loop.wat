;; flags: epoch
;; Epoch checks at the function entry and at the loop header: load the
;; engine's epoch through the store context, compare with the deadline,
;; and call `new_epoch` (trapping with Interrupt on failure) when reached.
(module
  (func (export "spin") (param i32)
    (loop $l (br_if $l (local.get 0)))))
