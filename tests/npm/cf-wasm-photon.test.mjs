// @cf-wasm/photon 0.4.0 (photon for edge runtimes: wasm-bindgen 0.2.126 web
// glue in dist/lib/ beside the package's own loaders per runtime,
// dist/node.js, dist/workerd.js, dist/edge-light.js; on Node the wasm comes
// from dist/lib/photon_rs_bg.wasm.inline.js, base64). Its entry point imports
// @cf-wasm/internals (pinned beside it). An ES module package: loaded with
// `import` and with `require` (Node 20.19+ and 22.12+ require ES modules).
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const photon = await import("@cf-wasm/photon");
const required = createRequire(import.meta.url)("@cf-wasm/photon");
const t = new Transcript();

const pixels = (w, h) => Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 53) & 255);
const image = () => new photon.PhotonImage(pixels(8, 6), 8, 6);

t.call("import() and require() give the same PhotonImage", () => required.PhotonImage === photon.PhotonImage);
t.call("require: sepia", () => { const i = new required.PhotonImage(pixels(4, 4), 4, 4); required.sepia(i); return i.get_raw_pixels(); });

t.call("PhotonImage size", () => { const i = image(); return [i.get_width(), i.get_height(), i.get_raw_pixels()]; });
t.call("grayscale", () => { const i = image(); photon.grayscale(i); return i.get_raw_pixels(); });
t.call("invert", () => { const i = image(); photon.invert(i); return i.get_raw_pixels(); });
t.call("resize to 4x3", () => { const r = photon.resize(image(), 4, 3, photon.SamplingFilter.Nearest); return [r.get_width(), r.get_raw_pixels()]; });
t.call("crop 2..6", () => { const r = photon.crop(image(), 2, 2, 6, 5); return [r.get_width(), r.get_height(), r.get_raw_pixels()]; });
t.call("flipv", () => { const i = image(); photon.flipv(i); return i.get_raw_pixels(); });
t.call("box_blur", () => { const i = image(); photon.box_blur(i); return i.get_raw_pixels(); });
t.call("Rgba getters", () => { const c = new photon.Rgba(1, 2, 3, 4); return [c.get_red(), c.get_green(), c.get_blue(), c.get_alpha()]; });
t.call("get_bytes (PNG)", () => image().get_bytes());
t.call("pixels shorter than width x height", () => new photon.PhotonImage(new Uint8Array(3), 4, 4).get_raw_pixels());

// Decoding bytes that are no image unwraps an error: a panic (a trap).
await t.abortLoop("new_from_byteslice(garbage) x1000 between grayscale", {
  abort: () => photon.PhotonImage.new_from_byteslice(new Uint8Array([1, 2, 3])),
  normal: () => { const i = image(); photon.grayscale(i); return i.get_raw_pixels(); },
});
t.abort("new_from_byteslice([1,2,3])", () => photon.PhotonImage.new_from_byteslice(new Uint8Array([1, 2, 3])));
t.print();
