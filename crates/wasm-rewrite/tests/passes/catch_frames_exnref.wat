;; PLAN: generation=G1 export_stack_pointer=0
;; A panic=unwind exnref module shaped like wasm-bindgen 0.2.105 output, with
;; no names the pass could lean on (`$`-names here are only for reading):
;; - `panic_now` is `extern "C"` and only JS calls it: its abort pad
;;   (catch_all -> restore the stack pointer -> call $abort_a; unreachable)
;;   becomes its catch frame (catch $rust into the pad's block, now
;;   `(result i32)`; the call becomes `local.get $entry_sp; call $handler`),
;;   so it needs no other frame;
;; - the `catch_all` pad inside its cleanup (catch_all_ref ... throw_ref)
;;   calls $abort_b, a panic in a destructor during unwinding: it stays;
;; - `greet` is a multivalue shim of `greet_inner`, which JS also calls
;;   directly: the pad of `greet_inner` becomes a rethrow (its shape gives
;;   no entry stack pointer), and `greet_inner` gets a frame;
;; - `dealloc` is not reachable through shims from an export: its pad stays;
;; - `add` cannot let a panic escape: it keeps its export, unwrapped; nor can
;;   `catch_inside`, whose catch_unwind catches the panic and calls only the
;;   cleanup afterwards;
;; - every other export gets a frame (`catch $rust` hands the exception and
;;   the saved stack pointer to the shared handler, `catch_all_ref` restores
;;   the stack pointer and rethrows anything else): inside the function when
;;   only JS calls it, as a wrapper when wasm calls it too (`greet_inner`,
;;   which the `greet` shim calls).
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
  ;; panic_cannot_unwind and panic_in_cleanup: they never return and are
  ;; called only from catch_all pads.
  (func $abort_a unreachable)
  (func $abort_b unreachable)

  ;; catch_unwind's landing pad: the first call after the caught block is the cleanup.
  (func $rust_try (param i32) (result i32)
    (local i32)
    block $done
      block $caught (result i32)
        try_table (catch $rust $caught)
          call $rust_panics
          br $done
        end
        unreachable
      end
      local.set 1
      local.get 0
      local.get 1
      call $cleanup
      i32.const 1
      return
    end
    i32.const 0)

  (func $panic_now (export "panic_now") (param i32)
    (local i32 exnref)
    global.get $sp
    local.set 1
    block $ok
      block $abort
        try_table (catch_all $abort)
          block $unwind (result exnref)
            try_table (catch_all_ref $unwind)
              call $rust_panics
              br $ok
            end
            unreachable
          end
          local.set 2
          block $in_cleanup
            try_table (catch_all $in_cleanup)
              local.get 0
              call $drop_payload
            end
            local.get 2
            throw_ref
          end
          call $abort_b
          unreachable
        end
        unreachable
      end
      local.get 1
      global.set $sp
      call $abort_a
      unreachable
    end)

  (func $greet_inner (export "greet_inner") (param i32 i32)
    block $ok
      block $abort
        try_table (catch_all $abort)
          local.get 1
          call $call_js
          drop
          call $rust_panics
          br $ok
        end
        unreachable
      end
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
    block $ok
      block $abort
        try_table (catch_all $abort)
          local.get 0
          call $drop_payload
          br $ok
        end
        unreachable
      end
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
  (func (export "add") (param i32 i32) (result i32)
    local.get 0
    local.get 1
    i32.add))
