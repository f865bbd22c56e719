;; PLAN: export_stack_pointer=1 stack_pointer_export=__wbr_stack_pointer
;; No export section at all: a new one goes after the globals and before the
;; start, element, code and data sections. One imported global comes first in
;; the index space, so the stack pointer is global 1.
(module
  (import "wbg" "__wbindgen_init" (func $init))
  (import "env" "g" (global i32))
  (table 1 funcref)
  (memory 1)
  (global (mut i32) (i32.const 65536))
  (start $init)
  (elem (i32.const 0) func $f)
  (func $f)
  (data (i32.const 0) "x"))
