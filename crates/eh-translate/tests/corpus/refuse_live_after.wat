;; REFUSE: throw_ref of an exception outside the handler that caught it
(module
  (import "env" "step" (func $step (param i32)))
  (func (export "run") (param $k i32) (result i32)
    (local $x exnref)
    (if (local.get $k) (then
      block $done
        block $pad (result exnref)
          try_table (catch_all_ref $pad)
            (call $step (i32.const 0))
          end
          br $done
        end
        local.set $x
      end))
    (if (i32.eq (local.get $k) (i32.const 5)) (then (throw_ref (local.get $x))))
    i32.const 1))
