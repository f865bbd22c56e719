;; PLAN: export_stack_pointer=0 stack_pointer_export=__wbr_stack_pointer stack_pointer_setter=0:__wbr_set_stack_pointer
;; The bundler target: Node exposes exported globals as numbers, so a setter function is added too (appended: every index keeps its meaning).
(module
  (type $t0 (func (param i32 i32) (result i32)))
  (import "wbg" "__wbg_log_1234" (func $log (param i32 i32)))
  (table $t 2 2 funcref)
  (memory $m 17)
  (global $__stack_pointer (mut i32) (i32.const 1048576))
  (export "memory" (memory $m))
  (export "add" (func $add))
  (export "__wbindgen_export_0" (table $t))
  (elem (i32.const 1) func $add)
  (func $add (type $t0)
    (local $sp i32)
    global.get $__stack_pointer
    i32.const 16
    i32.sub
    local.tee $sp
    global.set $__stack_pointer
    local.get 0
    local.get 1
    i32.add
    local.get $sp
    i32.const 16
    i32.add
    global.set $__stack_pointer)
  (data (i32.const 1048576) "panicked at src/lib.rs"))
