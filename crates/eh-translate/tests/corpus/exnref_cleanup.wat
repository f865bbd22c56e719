;; exnref: the shapes LLVM emits for Rust: a cleanup pad (catch_all_ref then
;; throw_ref), catch_ref of a tag with its payload next to a catch_all_ref,
;; a pad that drops the exception, nested pads.
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_cleanup") (param $k i32) (result i32)
    (local $x exnref)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
          (call $step (i32.const 1))
        end
        br $done
      end
      local.set $x
      (call $step (i32.const 10))
      local.get $x
      throw_ref
    end
    i32.const 5)
  (func (export "run_catch_ref") (param $k i32) (result i32)
    (local $x exnref) (local $v i32)
    block $out (result i32)
      block $all (result exnref)
        block $c (result i32 exnref)
          try_table (result i32) (catch_ref $e $c) (catch_all_ref $all)
            (call $step (i32.const 0))
            i32.const 1
          end
          br $out
        end
        local.set $x
        local.set $v
        (call $step (i32.const 20))
        (if (i32.gt_u (local.get $v) (i32.const 5))
          (then (throw_ref (local.get $x))))
        local.get $v
        br $out
      end
      local.set $x
      (call $step (i32.const 30))
      local.get $x
      throw_ref
    end)
  (func (export "run_drop") (param $k i32) (result i32)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        br $done
      end
      drop
      (call $step (i32.const 40))
      (return (i32.const 9))
    end
    i32.const 8)
  (func (export "run_nested_pads") (param $k i32) (result i32)
    (local $x exnref) (local $y exnref)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
          block $done2
            block $pad2 (result exnref)
              try_table (catch_all_ref $pad2)
                (call $step (i32.const 1))
              end
              br $done2
            end
            local.set $y
            (call $step (i32.const 11))
            local.get $y
            throw_ref
          end
          (call $step (i32.const 2))
        end
        br $done
      end
      local.set $x
      (call $step (i32.const 10))
      local.get $x
      throw_ref
    end
    i32.const 5)
  (func (export "run_immediate") (param $k i32) (result i32)
    block $done
      block $pad (result exnref)
        try_table (catch_all_ref $pad)
          (call $step (i32.const 0))
        end
        br $done
      end
      throw_ref
    end
    i32.const 3))
