;; REFUSE: global 0 holds an exnref
(module
  (import "env" "step" (func $step (param i32)))
  (global $g (mut exnref) (ref.null exn))
  (func (export "run") (param $k i32) (result i32)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        br $done
      end
      global.set $g
    end
    i32.const 1))
