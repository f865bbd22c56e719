// @resvg/resvg-wasm 2.6.2 (SVG renderer, wasm-bindgen 0.2.92 web glue bundled
// by esbuild with the package's own code: index.js, index.mjs, index.min.js;
// `initWasm` takes the wasm, which the user reads from index_bg.wasm). The
// constructor takes a JS object of options. Loaded with `require` and `import`.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { Transcript } from "./transcript.mjs";

const require = createRequire(import.meta.url);
const resvgCjs = require("@resvg/resvg-wasm");
const resvgEsm = await import("@resvg/resvg-wasm");
const wasm = readFileSync(require.resolve("@resvg/resvg-wasm/index_bg.wasm"));
const t = new Transcript();
const svg = "<svg xmlns='http://www.w3.org/2000/svg' width='20' height='10'><rect x='2' y='2' width='16' height='6' fill='#c33'/><circle cx='10' cy='5' r='3' fill='blue'/></svg>";

await t.callAsync("require: initWasm(index_bg.wasm)", () => resvgCjs.initWasm(wasm));
await t.callAsync("import: initWasm(index_bg.wasm)", () => resvgEsm.initWasm(wasm));
const render = (api, source, options) => {
  const resvg = new api.Resvg(source, options);
  const image = resvg.render();
  const result = { width: image.width, height: image.height, png: image.asPng(), pixels: image.pixels };
  image.free();
  resvg.free();
  return result;
};
t.call("render(svg)", () => render(resvgCjs, svg));
t.call("render(svg, {fitTo: width 40, background})", () => render(resvgCjs, svg, { fitTo: { mode: "width", value: 40 }, background: "white" }));
t.call("render(svg bytes, {shapeRendering: 0})", () => render(resvgCjs, new TextEncoder().encode(svg), { shapeRendering: 0 }));
t.call("import: render(svg, {fitTo: zoom 2})", () => render(resvgEsm, svg, { fitTo: { mode: "zoom", value: 2 } }));
t.call("Resvg getters", () => { const r = new resvgCjs.Resvg(svg); const inner = r.innerBBox(); const out = [r.width, r.height, inner.x, inner.y, inner.width, inner.height, r.getBBox()?.width]; r.free(); return out; });
t.call("toString()", () => { const r = new resvgCjs.Resvg(svg); const s = r.toString(); r.free(); return s; });
t.call("not an svg", () => render(resvgCjs, "<html>"));
t.call("empty svg string", () => render(resvgCjs, ""));
t.call("bad option type", () => render(resvgCjs, svg, { fitTo: { mode: "nope" } }));
t.call("render after the errors", () => render(resvgCjs, svg));

// A zoom of 100,000 asks for a pixmap too large to allocate: a panic
// (panic=abort: a trap).
const huge = { fitTo: { mode: "zoom", value: 100000 } };
t.abort("render(svg, {fitTo: zoom 100000})", () => render(resvgCjs, svg, huge));
t.call("render after the abort", () => render(resvgCjs, svg));
await t.abortLoop("zoom 100000 x1000 between renders", {
  abort: () => render(resvgCjs, svg, huge),
  normal: () => render(resvgCjs, svg, { fitTo: { mode: "width", value: 30 } }),
});
t.print();
