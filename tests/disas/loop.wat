;; A counting loop: the header is a join point with a block parameter
;; only for loop params; locals become SSA through the frontend.
(module
  (func (export "sum") (param i32) (result i32) (local i32)
    (loop $top
      local.get 1 local.get 0 i32.add local.set 1
      local.get 0 i32.const 1 i32.sub local.tee 0
      br_if $top)
    local.get 1))
