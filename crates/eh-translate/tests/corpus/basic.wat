;; try/catch/catch_all with results, rethrow 0 from catch_all, catch that
;; swallows, a try with no handlers.
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (tag $f (export "f"))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_catch") (param $k i32) (result i32)
    (call $step (i32.const 0))
    try (result i32)
      (call $step (i32.const 1))
      (call $step (i32.const 2))
      i32.const 10
    catch $e
      (call $step (i32.const 3))
      i32.const 1000
      i32.add
    catch_all
      (call $step (i32.const 4))
      rethrow 0
    end
    (call $step (i32.const 5)))
  (func (export "run_swallow") (param $k i32) (result i32)
    try
      (call $step (i32.const 0))
      try
        (call $step (i32.const 1))
      end
    catch_all
      (call $step (i32.const 2))
    end
    i32.const 7)
  (func (export "run_tag_f") (param $k i32) (result i32)
    try (result i32)
      (call $step (i32.const 0))
      (if (i32.eq (local.get $k) (i32.const 50)) (then (throw $f)))
      i32.const 1
    catch $f
      i32.const 2
    end))
