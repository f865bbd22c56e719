// amaro 1.2.1 (Node's TypeScript stripper): swc's wasm (wasm-bindgen 0.2.100,
// nodejs target) inlined as base64 in the bundled glue dist/internal.js,
// which dist/index.js requires: the only loader Node uses (lib/wasm.js is an
// unused copy). Loaded with `require("amaro")` and
// `import("amaro")` (one CommonJS entry point for both).
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const amaro = createRequire(import.meta.url)("amaro");
const imported = await import("amaro");
const t = new Transcript();
const strip = (code) => amaro.transformSync(code, { mode: "strip-only" }).code;

t.call("import() and require() give the same transformSync", () => imported.default.transformSync === amaro.transformSync);
t.call("strip-only: annotations", () => strip("const x: number = 1;\nfunction f<T>(a: T): T { return a; }\n"));
t.call("strip-only: interface and type", () => strip("interface A { b: string }\ntype C = A | null;\nlet d: C = null;\n"));
t.call("strip-only: enum is refused", () => strip("enum E { A }"));
t.call("strip-only: namespace is refused", () => strip("namespace N { export const a = 1 }"));
t.call("transform: enum", () => amaro.transformSync("enum E { A, B }", { mode: "transform" }).code);
t.call("transform: parameter properties", () => amaro.transformSync("class P { constructor(private a: number) {} }", { mode: "transform" }).code);
t.call("syntax error", () => strip("let = ;"));
t.call("unknown mode", () => amaro.transformSync("let a", { mode: "xx" }));
t.call("a number as the source", () => amaro.transformSync(42).code);
t.call("imported: strip-only", () => imported.default.transformSync("let y: string = 'x'", { mode: "strip-only" }).code);
t.call("empty source", () => strip(""));
t.call("unicode source", () => strip("const s: string = 'héllo 東京 🚀';"));

// 100,000 nested parentheses overflow the parser's stack inside wasm: an
// abort (a RangeError from the engine, not a Rust error).
const deep = "(".repeat(100000) + ")".repeat(100000);
t.abort("strip(100,000 nested parentheses)", () => strip(deep));
t.call("strip after the abort", () => strip("const z: boolean = true;"));
await t.abortLoop("stack overflow x1000 between strips", {
  abort: () => strip(deep),
  normal: () => strip("const x: number = 1;"),
});
t.print();
