;; exnref: plain catch/catch_all clauses to several labels, a catch to a
;; label outside a loop, a try_table with clauses after catch_all (dead).
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_plain") (param $k i32) (result i32)
    block $ca
      block $c (param) (result i32)
        try_table (catch $e $c) (catch_all $ca)
          (call $step (i32.const 0))
          (call $step (i32.const 1))
        end
        i32.const 1
        return
      end
      (i32.add (i32.const 100))
      return
    end
    i32.const 2)
  (func (export "run_loop") (param $k i32) (result i32)
    (local $i i32)
    block $c (result i32)
      block $ca
      loop $l
        try_table (catch $e $c) (catch_all $ca)
          (call $step (local.get $i))
        end
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 3)))
      end
      (return (local.get $i))
      end
      (return (i32.const -1))
    end)
  (func (export "run_nested") (param $k i32) (result i32)
    block $outer (result i32)
      block $inner (result i32)
        try_table (result i32) (catch $e $outer)
          try_table (result i32) (catch $e $inner)
            (call $step (i32.const 0))
            i32.const 1
          end
          (call $step (i32.const 1))
        end
        return
      end
      (i32.add (i32.const 20))
      return
    end
    (i32.add (i32.const 40))))
