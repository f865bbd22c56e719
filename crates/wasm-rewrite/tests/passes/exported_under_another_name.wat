;; PLAN: stack_pointer_export=sp
;; The module exports the stack pointer itself, so the plan only names that
;; export for the glue and asks for no new one.
(module
  (import "wbg" "__wbg_log_1234" (func (param i32 i32)))
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "sp" (global $__stack_pointer)))
