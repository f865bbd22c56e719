;; PLAN: reset=manual
;; Hardened twice before (a bug in some old version): both marks go, one new
;; mark is appended last.
(module
  (@custom "wasm-recover" (before first) "{\"tool_version\":\"0.0.1\",\"reset\":\"auto\"}")
  (import "wbg" "__wbg_log_1234" (func (param i32 i32)))
  (@custom "keep-me" (after import) "unrelated")
  (func (export "f"))
  (@custom "wasm-recover" (after code) "{\"tool_version\":\"0.0.2\",\"reset\":\"auto\"}"))
