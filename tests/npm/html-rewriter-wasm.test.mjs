// html-rewriter-wasm 0.4.1 (lol-html for Miniflare, wasm-bindgen 0.2.74,
// nodejs target, wrapped by asyncify: dist/asyncify.js is handed the
// instance's exports at load so handlers may be async). Loaded with
// `require` and `import`.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const { HTMLRewriter } = createRequire(import.meta.url)("html-rewriter-wasm");
const imported = await import("html-rewriter-wasm");
const t = new Transcript();
const encoder = new TextEncoder();

async function rewrite(html, handlers, { chunks = 1, documentHandlers } = {}) {
  let out = "";
  const decoder = new TextDecoder();
  const rewriter = new HTMLRewriter((chunk) => (out += decoder.decode(chunk)));
  for (const [selector, handler] of handlers) rewriter.on(selector, handler);
  if (documentHandlers) rewriter.onDocument(documentHandlers);
  const bytes = encoder.encode(html);
  const step = Math.ceil(bytes.length / chunks);
  try {
    for (let i = 0; i < bytes.length; i += step) await rewriter.write(bytes.subarray(i, i + step));
    await rewriter.end();
  } finally {
    rewriter.free();
  }
  return out;
}
const page = "<!DOCTYPE html><html><body><a href='/x'>link</a><p class=c>text</p><!-- c --><img src=i.png></body></html>";

t.call("import() and require() give the same HTMLRewriter", () => imported.HTMLRewriter === HTMLRewriter);
await t.callAsync("pass-through", () => rewrite(page, []));
await t.callAsync("setAttribute, 5 chunks", () => rewrite(page, [["a", { element(e) { e.setAttribute("rel", "nofollow"); } }]], { chunks: 5 }));
await t.callAsync("async handler (asyncify)", () =>
  rewrite(page, [["p", { async element(e) { await new Promise((r) => setTimeout(r, 1)); e.setInnerContent("later"); } }]]));
await t.callAsync("remove img, replace a", () =>
  rewrite(page, [["img", { element(e) { e.remove(); } }], ["a", { element(e) { e.replace("<b>x</b>", { html: true }); } }]]));
await t.callAsync("text chunks", async () => {
  const seen = [];
  await rewrite(page, [["p", { text(c) { seen.push([c.text, c.lastInTextNode]); } }]]);
  return seen;
});
await t.callAsync("document handlers", async () => {
  const seen = [];
  await rewrite(page, [], { documentHandlers: { doctype(d) { seen.push(d.name); }, comments(c) { seen.push(c.text); }, end(e) { e.append("<!-- end -->", { html: true }); } } });
  return seen;
});
await t.callAsync("invalid selector", () => rewrite(page, [["p[", { element() {} }]]));
await t.callAsync("handler throws", () => rewrite(page, [["a", { element() { throw new Error("from the handler"); } }]]));
await t.callAsync("rewrite still works", () => rewrite(page, [["a", { element(e) { e.setInnerContent("done"); } }]]));

// Ending a rewriter twice panics in Rust (panic=abort: a trap), inside the
// asyncify wrapper's async `end()`.
async function endTwice() {
  const rewriter = new HTMLRewriter(() => {});
  await rewriter.end();
  await rewriter.end();
}
await t.abortAsync("end() twice", endTwice);
await t.callAsync("rewrite after the abort", () => rewrite(page, [["p", { element(e) { e.setAttribute("id", "after"); } }]]));
await t.abortLoop("end() twice x1000 between rewrites", {
  abort: endTwice,
  normal: () => rewrite(page, [["a", { element(e) { e.setAttribute("rel", "x"); } }]]),
});
t.print();
