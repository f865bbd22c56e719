;; rethrow to an outer catch from an inner catch, from a try body nested in
;; a catch, and from inside a try-delegate body.
(module
  (import "env" "step" (func $step (param i32)))
  (tag $e (export "e") (param i32))
  (func (export "throw_e") (param i32) (local.get 0) (throw $e))
  (func (export "run_outer") (param $k i32) (result i32)
    try (result i32)
      (call $step (i32.const 0))
      i32.const 1
    catch $e
      drop
      try (result i32)
        (call $step (i32.const 1))
        i32.const 2
      catch_all
        (call $step (i32.const 2))
        rethrow 1
      end
    end)
  (func (export "run_body") (param $k i32) (result i32)
    (local $r i32)
    try
      (call $step (i32.const 0))
    catch_all
      try
        (call $step (i32.const 1))
        (if (i32.eq (local.get $k) (i32.const 60)) (then rethrow 2))
        (call $step (i32.const 2))
      catch $e
        local.set $r
        (call $step (i32.const 3))
        rethrow 1
      end
    end
    (i32.add (local.get $r) (i32.const 9)))
  (func (export "run_delegate") (param $k i32) (result i32)
    try (result i32)
      (call $step (i32.const 0))
      i32.const 1
    catch_all
      try
        (call $step (i32.const 1))
        (if (i32.eq (local.get $k) (i32.const 61)) (then rethrow 2))
        try
          (call $step (i32.const 2))
          (if (i32.eq (local.get $k) (i32.const 62)) (then rethrow 3))
        delegate 0
      catch $e
        drop
        (call $step (i32.const 3))
      end
      i32.const 5
    end))
