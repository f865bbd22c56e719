// @next/swc-wasm-nodejs 16.3.7 (Next.js's swc build, wasm-bindgen 0.2.114,
// nodejs target named wasm.js, first line `/* @ts-self-types="./wasm.d.ts" */`,
// a 30 MB wasm). Loaded with `require` and `import`.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const swc = createRequire(import.meta.url)("@next/swc-wasm-nodejs");
const imported = await import("@next/swc-wasm-nodejs");
const t = new Transcript();
const ts = { jsc: { parser: { syntax: "typescript", tsx: true }, target: "es2019" } };

t.call("import() and require() give the same transformSync", () => imported.transformSync === swc.transformSync);
t.call("transformSync(ts)", () => swc.transformSync("const a: number = 1; export default a;", ts).code);
t.call("transformSync(tsx)", () => swc.transformSync("export const C = () => <div id='x'>{1 + 1}</div>;", ts).code);
t.call("transformSync(class fields, es5)", () => swc.transformSync("class A { x = 1; static y = 2 }", { jsc: { target: "es5" } }).code);
t.call("transformSync(syntax error)", () => swc.transformSync("let = ;", {}));
t.call("minifySync", () => swc.minifySync("function add(first, second) { return first + second }\nexport { add }", { module: true }).code);
t.call("parseSync", () => swc.parseSync("let a = [1, 2]", { syntax: "ecmascript" }));
t.call("parseSync(syntax error)", () => swc.parseSync("let = ;", { syntax: "ecmascript" }));
t.call("transformSync(bad option)", () => swc.transformSync("let a", { jsc: { target: "es1999" } }));
await t.callAsync("transform (async)", () => swc.transform("const b: string = 'x'", ts).then((r) => r.code));
t.call("imported minifySync", () => imported.minifySync("var x = 1 + 2; console.log(x)", {}).code);

// 100,000 nested parentheses: swc's parser runs out of stack inside wasm;
// the first one bricks the original (every later call traps), so the loop,
// which records the normal call before its first abort, comes first.
const deep = "(".repeat(100000) + ")".repeat(100000);
await t.abortLoop("deep parse x1000 between minifies", {
  abort: () => swc.transformSync(deep, {}),
  normal: () => swc.minifySync("function f(a) { return a * 2 }", {}).code,
});
// The instance the loop left behind (bricked, in the original).
t.abort("transformSync(100,000 nested parentheses)", () => swc.transformSync(deep, {}));
t.print();
