;; multi-value tags, block types with params, branches out of handlers.
(module
  (import "env" "step" (func $step (param i32)))
  (type $pair (func (param i32 i64)))
  (type $i32_to_i32 (func (param i32) (result i32)))
  (type $i32i64_to_i32 (func (param i32 i64) (result i32)))
  (tag $e (export "e") (param i32))
  (tag $p (export "p") (type $pair))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_pair") (param $k i32) (result i32)
    block $out (result i32)
      i32.const 5
      try (param i32) (result i32)
        (call $step (i32.const 0))
        (if (i32.eq (local.get $k) (i32.const 70)) (then (throw $p (i32.const 3) (i64.const 4))))
        (call $step (i32.const 1))
      catch $p
        i32.wrap_i64
        i32.add
        br $out
      catch $e
        (i32.mul (i32.const 2))
      end
      (i32.add (i32.const 1))
    end)
  (func (export "run_params") (param $k i32) (result i32)
    i32.const 40
    try (type $i32_to_i32)
      (call $step (i32.const 0))
      (i32.add (i32.const 2))
    catch $e
      (i32.add (i32.const 1000))
    end))
