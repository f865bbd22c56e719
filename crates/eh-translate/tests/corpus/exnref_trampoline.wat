;; exnref: the trampoline shape (catch_all_ref to a block followed by
;; throw_ref) that LLVM emits for unwind mismatches: a delegate in legacy.
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_caller") (param $k i32) (result i32)
    block $t (result exnref)
      block $h
        try_table (catch_all $h)
          (call $step (i32.const 0))
          try_table (catch_all_ref $t)
            (call $step (i32.const 1))
          end
          (call $step (i32.const 2))
        end
        (return (i32.const 1))
      end
      (return (i32.const 2))
    end
    throw_ref)
  (func (export "run_outer_catch") (param $k i32) (result i32)
    block $c (result i32)
      try_table (catch $e $c)
        block $t2 (result i32)
        block $t (result exnref)
          block $h
            try_table (catch_all $h)
              (call $step (i32.const 0))
              try_table (catch $e $t2) (catch_all_ref $t)
                (call $step (i32.const 1))
              end
              try_table (catch_all_ref $t)
                (call $step (i32.const 2))
              end
            end
            (return (i32.const 1))
          end
          (return (i32.const 2))
        end
        throw_ref
        end
        (return (i32.add (i32.const 200)))
      end
      (return (i32.const 3))
    end
    (i32.add (i32.const 100))))
