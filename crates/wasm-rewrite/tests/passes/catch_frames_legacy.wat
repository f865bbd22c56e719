;; PLAN: generation=G1 export_stack_pointer=0
;; The legacy-EH twin of catch_frames_exnref.wat: the abort pads of
;; `panic_now` and of the function the `greet` shim forwards to become
;; `rethrow 0` (at the top of their catch_all handler, so the depth is exact,
;; `delegate` next to them untouched); the panic_in_cleanup pad nested in a
;; cleanup handler and the pad of the unexported `dealloc` stay; wrappers use
;; `try`/`catch $rust`, never exnref (V8 rejects mixed modules), not even an
;; unused exnref local in the handler; `catch_inside` and `add` get no frame.
(module
  (import "wbg" "__wbg_callJs_1234" (func $call_js (param i32) (result i32)))
  (memory 17)
  (table 4 4 funcref)
  (elem (i32.const 1) func $drop_payload)
  (tag $rust (param i32))
  (global $sp (mut i32) (i32.const 1048576))

  ;; _Unwind_RaiseException: the only throw.
  (func $raise (param i32)
    local.get 0
    throw $rust)
  ;; std's catch_unwind::cleanup(out, exception).
  (func $cleanup (param i32 i32)
    local.get 0
    local.get 1
    i32.store
    local.get 0
    i32.const 0
    i32.store offset=4)
  (func $drop_payload (param i32))
  (func $rust_panics
    i32.const 64
    call $raise)
  ;; panic_cannot_unwind and panic_in_cleanup.
  (func $abort_a unreachable)
  (func $abort_b unreachable)

  ;; catch_unwind's landing pad: the handler's first call is the cleanup.
  (func $rust_try (param i32) (result i32)
    (local i32)
    try (result i32)
      call $rust_panics
      i32.const 0
    catch $rust
      local.set 1
      local.get 0
      local.get 1
      call $cleanup
      i32.const 1
    end)

  (func $panic_now (export "panic_now") (param i32)
    (local i32)
    global.get $sp
    local.set 1
    try
      try
        try
          call $rust_panics
        delegate 0
      catch_all
        try
          local.get 0
          call $drop_payload
        catch_all
          call $abort_b
          unreachable
        end
        rethrow 0
      end
    catch_all
      local.get 1
      global.set $sp
      call $abort_a
      unreachable
    end)

  (func $greet_inner (export "greet_inner") (param i32 i32)
    try
      local.get 1
      call $call_js
      drop
      call $rust_panics
    catch_all
      call $abort_a
      unreachable
    end
    local.get 0
    i32.const 7
    i32.store
    local.get 0
    local.get 1
    i32.store offset=4)
  (func $greet (export "greet") (param i32) (result i32 i32)
    (local i32)
    global.get $sp
    i32.const 16
    i32.sub
    local.tee 1
    global.set $sp
    local.get 1
    local.get 0
    call $greet_inner
    local.get 1
    i32.load
    local.get 1
    i32.load offset=4
    local.get 1
    i32.const 16
    i32.add
    global.set $sp)

  (func $dealloc (param i32)
    try
      local.get 0
      call $drop_payload
    catch_all
      call $abort_a
      unreachable
    end)
  (func (export "__wbindgen_free") (param i32 i32 i32)
    local.get 1
    if
      local.get 0
      call $dealloc
    end)
  (func (export "catch_inside") (result i32)
    i32.const 16
    call $rust_try)
  ;; A `delegate` to the function's label: once the frame is in place it
  ;; delegates to the frame's `try`, which rethrows what it does not catch.
  (func (export "delegate_out")
    try
      call $rust_panics
    delegate 0)
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
