;; delegate to an enclosing try (skipping one), to a block, to a catch label,
;; to a loop, and to the caller.
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_skip") (param $k i32) (result i32)
    try (result i32)
      try (result i32)
        try
          (call $step (i32.const 0))
        delegate 1
        (call $step (i32.const 1))
        i32.const 1
      catch_all
        i32.const 2
      end
    catch $e
      (i32.add (i32.const 100))
    end)
  (func (export "run_caller") (param $k i32) (result i32)
    try (result i32)
      block
        try
          (call $step (i32.const 0))
        delegate 2
      end
      i32.const 3
    catch_all
      i32.const 4
    end)
  (func (export "run_block") (param $k i32) (result i32)
    try (result i32)
      block $b
        try
          try
            (call $step (i32.const 0))
          delegate $b
        catch_all
          (call $step (i32.const 1))
        end
      end
      i32.const 6
    catch_all
      i32.const 7
    end)
  (func (export "run_catch_label") (param $k i32) (result i32)
    try (result i32)
      try (result i32)
        (call $step (i32.const 0))
        i32.const 1
      catch_all
        try
          (call $step (i32.const 1))
        delegate 0
        i32.const 2
      end
    catch_all
      (call $step (i32.const 2))
      i32.const 3
    end)
  (func (export "run_loop") (param $k i32) (result i32)
    (local $i i32)
    try (result i32)
      loop $l
        try
          try
            (call $step (local.get $i))
          delegate $l
        catch_all
          (call $step (i32.const 50))
        end
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br_if $l (i32.lt_u (local.get $i) (i32.const 3)))
      end
      (local.get $i)
    catch $e
    end))
