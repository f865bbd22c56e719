// @rollup/wasm-node 4.68.4 (rollup with its Rust parser as wasm, wasm-bindgen
// 0.2.130, nodejs target, loaded by rollup's own dist/native.js). Loaded as
// users do: `require("@rollup/wasm-node")`, `import("@rollup/wasm-node")`
// and the `parseAst` subpath export.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const require = createRequire(import.meta.url);
const rollupCjs = require("@rollup/wasm-node");
const rollupEsm = await import("@rollup/wasm-node");
const { parseAst } = require("@rollup/wasm-node/parseAst");
const t = new Transcript();

// A bundle of in-memory modules through the public `rollup()` API.
const files = {
  "main.js": "import { add } from './math.js';\nimport def from './def.js';\nexport const answer = add(40, 2) + def;\n",
  "math.js": "export const add = (a, b) => a + b;\nexport const unused = () => 'dropped';\n",
  "def.js": "export default 0;\n",
};
const memory = (sources) => ({
  name: "memory",
  resolveId: (id) => id.replace(/^\.\//, ""),
  load: (id) => (id in sources ? sources[id] : null),
});
async function bundle(api, sources, format) {
  const build = await api.rollup({ input: "main.js", plugins: [memory(sources)], onwarn: () => {} });
  const { output } = await build.generate({ format });
  await build.close();
  return output.map((chunk) => [chunk.fileName, chunk.code]);
}

t.call("parseAst(const a = 1)", () => parseAst("const a = 1;"));
t.call("parseAst(class, arrow, template)", () => parseAst("class A { #p = 1; m = () => `x${this.#p}`; }"));
t.call("parseAst(jsx) with jsx option", () => parseAst("const e = <div a='1'>t</div>;", { jsx: true }));
t.call("parseAst(syntax error)", () => parseAst("const = ;"));
t.call("parseAst(unicode)", () => parseAst("const s = 'héllo 東京 🚀';"));
await t.callAsync("require: rollup() es", () => bundle(rollupCjs, files, "es"));
await t.callAsync("import: rollup() cjs", () => bundle(rollupEsm, files, "cjs"));
await t.callAsync("rollup() with a syntax error", () => bundle(rollupCjs, { "main.js": "export const = 1;" }, "es"));
await t.callAsync("rollup() with a missing export", () => bundle(rollupCjs, { "main.js": "import { nope } from './def.js'; nope();", "def.js": "export default 1;" }, "es"));
t.call("VERSION", () => rollupCjs.VERSION === rollupEsm.VERSION && rollupCjs.VERSION);

// 100,000 nested parentheses: the parser runs out of stack and the wasm
// traps with "memory access out of bounds". The first one bricks the
// original: every later parse traps too. So the loop (which records the
// normal call before its first abort) comes before any other abort.
const deep = "(".repeat(100000) + ")".repeat(100000);
await t.abortLoop("deep parse x1000 between parses", {
  abort: () => parseAst(deep),
  normal: () => parseAst("let b = [1, 2, 3].map((x) => x * 2);"),
});
// The instance the loop left behind (bricked, in the original).
t.abort("parseAst(100,000 nested parentheses)", () => parseAst(deep));
t.print();
