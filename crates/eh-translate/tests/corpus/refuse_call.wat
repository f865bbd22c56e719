;; REFUSE: its signature passes an exnref across calls
(module
  (import "env" "step" (func $step (param i32)))
  (func $rethrow (param exnref) (throw_ref (local.get 0)))
  (func (export "run") (param $k i32) (result i32)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        br $done
      end
      call $rethrow
    end
    i32.const 1))
