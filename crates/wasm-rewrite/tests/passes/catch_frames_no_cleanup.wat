;; PLAN: generation=G1 export_stack_pointer=0
;; No `catch` of the Rust tag anywhere (the crate never uses catch_unwind):
;; std's cleanup cannot be identified, so the export that can let a panic
;; escape gets a frame whose handler traps (abort semantics: AbortError, the
;; instance is replaced), the report says so, and nothing is refused.
(module
  (import "wbg" "__wbg_callJs_1234" (func $call_js (param i32) (result i32)))
  (memory 17)
  (table 1 funcref)
  (tag $rust (param i32))
  (global $sp (mut i32) (i32.const 1048576))
  (func $raise (param i32)
    local.get 0
    throw $rust)
  (func (export "panic_now")
    block $unwind (result exnref)
      try_table (catch_all_ref $unwind)
        i32.const 64
        call $raise
        return
      end
      unreachable
    end
    throw_ref)
  (func (export "__wbindgen_free") (param i32 i32 i32)))
