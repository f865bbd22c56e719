;; PLAN: export_stack_pointer=0 stack_pointer_export=__wbr_stack_pointer
;; Our export name is taken by a function: refuse rather than shadow it.
(module
  (import "wbg" "__wbg_log_1234" (func (param i32 i32)))
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (func (export "__wbr_stack_pointer")))
