// @astral-sh/ruff-wasm-nodejs 0.17.4 (the Ruff linter and formatter,
// wasm-bindgen 0.2.123, nodejs target, a 10 MB wasm). Loaded with `require`
// and `import`.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const ruff = createRequire(import.meta.url)("@astral-sh/ruff-wasm-nodejs");
const imported = await import("@astral-sh/ruff-wasm-nodejs");
const t = new Transcript();
const workspace = (options = { "line-length": 88 }) => new ruff.Workspace(options, ruff.PositionEncoding.Utf16);

t.call("import() and require() give the same Workspace", () => imported.Workspace === ruff.Workspace);
t.call("check: unused import", () => workspace().check("import os\nx = 1\n"));
t.call("check: clean code", () => workspace().check("def f(a):\n    return a + 1\n"));
t.call("check: syntax error", () => workspace().check("def (:\n"));
t.call("format", () => workspace().format("x = [1,2,\n3]\ndef  f( a ):\n  return a\n"));
t.call("format: line-length 20", () => workspace({ "line-length": 20 }).format("call(argument_one, argument_two, argument_three)\n"));
t.call("format: syntax error", () => workspace().format("def (:\n"));
t.call("unknown option", () => workspace({ "no-such-option": 1 }));
t.call("invalid line-length", () => workspace({ "line-length": -5 }));
t.call("check with select E,W", () => workspace({ lint: { select: ["E", "W"] } }).check("x=1 \n"));
t.call("tokens", () => workspace().tokens("a = 1\n"));
t.call("imported format", () => new imported.Workspace({}, imported.PositionEncoding.Utf8).format("y=( 2 )\n"));

// Deeply nested brackets overflow the engine's stack inside the parser (an
// abort: V8 throws a RangeError out of wasm). The original keeps working.
const deep = "x = " + "[".repeat(5000) + "]".repeat(5000);
t.abort("check(5,000 nested brackets)", () => workspace().check(deep));
t.call("format after the abort", () => workspace().format("y=( 2 )\n"));
await t.abortLoop("stack overflow x1000 between formats", {
  abort: () => workspace().check(deep),
  normal: () => workspace().format("def  f( a ):\n  return a\n"),
});
t.print();
