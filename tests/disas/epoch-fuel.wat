;; flags: epoch fuel
;; Both deadlines: the fuel is written back before the cold `new_epoch`
;; call (whose callback may read or set it) and reloaded after.
(module
  (func (export "spin") (loop $l (br $l))))
