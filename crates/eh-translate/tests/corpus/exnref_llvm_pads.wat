;; exnref: LLVM's landing pads. One pad block reached by catch_all_ref from
;; several try_tables nested at different depths, calls between them that
;; must not reach the pad, a catch of the tag in between (its own clause
;; first, the pad's after), and a pad that copies its exnref through a local.
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_shared_pad") (param $k i32) (result i32)
    (local $x exnref)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        (call $step (i32.const 1))
        block $inner
          try_table (catch_all_ref $pad)
            (call $step (i32.const 2))
          end
          (call $step (i32.const 3))
          (br_if $inner (i32.and (local.get $k) (i32.const 1024)))
          try_table (catch_all_ref $pad)
            (call $step (i32.const 4))
          end
        end
        (call $step (i32.const 5))
        br $done
      end
      local.set $x
      (call $step (i32.const 20))
      local.get $x
      throw_ref
    end
    i32.const 7)
  (func (export "run_catch_between") (param $k i32) (result i32)
    (local $x exnref)
    block $done (result i32)
      block $pad (result exnref)
        block $caught (result i32)
          try_table (catch $e $caught)
            (call $step (i32.const 0))
            try_table (catch_all_ref $pad)
              (call $step (i32.const 1))
            end
            (call $step (i32.const 2))
          end
          (call $step (i32.const 3))
          (br $done (i32.const 1))
        end
        (call $step (i32.const 30))
        (br $done (i32.add (i32.const 100)))
      end
      local.set $x
      (call $step (i32.const 20))
      (throw_ref (local.get $x))
    end)
  (func (export "run_tag_and_pad") (param $k i32) (result i32)
    (local $x exnref)
    block $done (result i32)
      block $pad (result exnref)
        block $caught (result i32)
          try_table (catch $e $caught) (catch_all_ref $pad)
            (call $step (i32.const 0))
            (call $step (i32.const 1))
          end
          (br $done (i32.const 1))
        end
        (br $done (i32.add (i32.const 200)))
      end
      local.set $x
      (call $step (i32.const 20))
      (throw_ref (local.get $x))
    end)
  (func (export "run_copy") (param $k i32) (result i32)
    (local $x exnref) (local $y exnref)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        br $done
      end
      local.set $x
      (call $step (i32.const 20))
      (local.set $y (local.get $x))
      (call $step (i32.const 21))
      (throw_ref (local.get $y))
    end
    i32.const 4))
