;; REFUSE: code on the normal path branches into the code that handles a caught exnref
(module
  (import "env" "step" (func $step (param i32)))
  (func (export "run") (param $k i32) (result i32)
    (local $x exnref)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        br $done
      end
      local.set $x
      (call $step (i32.const 1))
    end
    (if (i32.eqz (ref.is_null (local.get $x))) (then (throw_ref (local.get $x))))
    i32.const 1))
