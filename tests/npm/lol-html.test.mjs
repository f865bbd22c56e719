// lol-html 2.3.0 (Cloudflare's streaming HTML rewriter, wasm-bindgen 0.2.99,
// nodejs target). Loaded with `require("lol-html")` and `import("lol-html")`.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const lol = createRequire(import.meta.url)("lol-html");
const imported = await import("lol-html");
const t = new Transcript();

function rewrite(html, handlers, chunks = 1) {
  const out = [];
  const rewriter = new lol.HTMLRewriter("utf8", (chunk) => out.push(Buffer.from(chunk)));
  for (const [selector, handler] of handlers) rewriter.on(selector, handler);
  const bytes = Buffer.from(html);
  const step = Math.ceil(bytes.length / chunks);
  for (let i = 0; i < bytes.length; i += step) rewriter.write(bytes.subarray(i, i + step));
  rewriter.end();
  return Buffer.concat(out).toString();
}
const page = "<html><body><a href='/x'>link</a><p class=c>text &amp; more</p><!-- note --><img src=i.png></body></html>";

t.call("import() and require() give the same HTMLRewriter", () => imported.HTMLRewriter === lol.HTMLRewriter);
t.call("pass-through", () => rewrite(page, []));
t.call("setAttribute on a", () => rewrite(page, [["a", { element(e) { e.setAttribute("rel", "nofollow"); } }]]));
t.call("remove img, 7 chunks", () => rewrite(page, [["img", { element(e) { e.remove(); } }]], 7));
t.call("text handler", () => {
  const seen = [];
  rewrite(page, [["p", { text(c) { seen.push([c.text, c.lastInTextNode]); } }]]);
  return seen;
});
t.call("comments handler", () => rewrite(page, [["body", { comments(c) { c.text = " replaced "; } }]]));
t.call("element properties", () => {
  const seen = [];
  rewrite(page, [["p.c", { element(e) { seen.push(e.tagName, e.getAttribute("class"), e.hasAttribute("id"), [...e.attributes]); } }]]);
  return seen;
});
t.call("prepend/append html", () => rewrite(page, [["body", { element(e) { e.prepend("<h1>t</h1>", { html: true }); e.append("<&>"); } }]]));
t.call("invalid selector", () => rewrite(page, [["a[", { element() {} }]]));
t.call("invalid encoding", () => new lol.HTMLRewriter("nope", () => {}));
t.call("handler throws", () => rewrite(page, [["a", { element() { throw new Error("from the handler"); } }]]));
t.call("write after end", () => {
  const rewriter = new lol.HTMLRewriter("utf8", () => {});
  rewriter.end();
  rewriter.write(Buffer.from("<a>"));
});
t.call("rewrite still works", () => rewrite(page, [["a", { element(e) { e.setInnerContent("done"); } }]]));
t.print();
