;; PLAN: generation=G1 export_stack_pointer=0
;; Without `__wbindgen_free` the frame could not free the panic payload: refused.
(module
  (import "wbg" "__wbg_callJs_1234" (func $call_js (param i32) (result i32)))
  (memory 17)
  (table 1 funcref)
  (tag $rust (param i32))
  (global $sp (mut i32) (i32.const 1048576))
  (func $raise (param i32)
    local.get 0
    throw $rust)
  (func $cleanup (param i32 i32))
  (func (export "catch_inside") (result i32)
    try (result i32)
      i32.const 64
      call $raise
      i32.const 0
    catch $rust
      i32.const 16
      call $cleanup
      i32.const 1
    end))
