;; PLAN: export_stack_pointer=0 stack_pointer_export=__wbr_stack_pointer
;; The stack pointer is exported under our name already (a module hardened
;; before the mark existed): the export section must stay as it is.
(module
  (import "wbg" "__wbg_log_1234" (func (param i32 i32)))
  (memory 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory 0))
  (export "__wbr_stack_pointer" (global $__stack_pointer)))
