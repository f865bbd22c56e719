;; PLAN: export_stack_pointer=3 stack_pointer_export=__wbr_stack_pointer
;; A plan made for another module: the global does not exist.
(module
  (import "wbg" "__wbg_log_1234" (func (param i32 i32)))
  (global (mut i32) (i32.const 1048576)))
