// svg2png-wasm 1.4.1 (wasm-bindgen 0.2.87 web glue bundled with the package's
// own code: dist/index.cjs, dist/index.mjs, dist/index.min.js; `initialize`
// takes the wasm, which the user reads from svg2png_wasm_bg.wasm). Loaded with
// `require` and `import`.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { Transcript } from "./transcript.mjs";

const require = createRequire(import.meta.url);
const cjs = require("svg2png-wasm");
const esm = await import("svg2png-wasm");
const wasm = readFileSync(require.resolve("svg2png-wasm/svg2png_wasm_bg.wasm"));
const t = new Transcript();
const svg = "<svg xmlns='http://www.w3.org/2000/svg' width='20' height='10'><rect x='2' y='2' width='16' height='6' fill='#3c3'/></svg>";

await t.callAsync("require: initialize(wasm)", () => cjs.initialize(wasm));
await t.callAsync("import: initialize(wasm)", () => esm.initialize(wasm));
await t.callAsync("require: initialize twice", () => cjs.initialize(wasm));
await t.callAsync("svg2png(svg)", () => cjs.svg2png(svg));
await t.callAsync("svg2png(svg, {scale: 3})", () => cjs.svg2png(svg, { scale: 3 }));
await t.callAsync("svg2png(svg, {width: 50, height: 50, backgroundColor})", () => cjs.svg2png(svg, { width: 50, height: 50, backgroundColor: "#ffffff" }));
await t.callAsync("import: svg2png(svg)", () => esm.svg2png(svg));
await t.callAsync("createSvg2png: default font-less text", async () => {
  const convert = cjs.createSvg2png({});
  const png = await convert("<svg xmlns='http://www.w3.org/2000/svg' width='8' height='8'><circle cx='4' cy='4' r='3'/></svg>");
  convert.dispose();
  return png;
});
await t.callAsync("svg2png(not an svg)", () => cjs.svg2png("<html>"));
await t.callAsync("svg2png(empty)", () => cjs.svg2png(""));
await t.callAsync("svg2png after the errors", () => cjs.svg2png(svg));
t.print();
