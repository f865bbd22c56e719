;; PLAN: export_stack_pointer=0 stack_pointer_export=__wbr_stack_pointer
;; Legacy EH bodies, `delegate` included, go through untouched: the pass
;; works on sections, so relative depths cannot be retargeted.
(module
  (import "wbg" "__wbg_call_1234" (func $call))
  (tag $rust (param i32))
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (func (export "run")
    try
      try
        call $call
      delegate 0
    catch $rust
      drop
    catch_all
      rethrow 0
    end))
