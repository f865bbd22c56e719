// @silvia-odwyer/photon-node 0.3.4 (image processing, wasm-bindgen 0.2.95,
// nodejs target photon_rs.js; photon_rs_bg.js is a leftover of a bundler
// build that `main` does not load). Loaded with `require` and `import`.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const photon = createRequire(import.meta.url)("@silvia-odwyer/photon-node");
const imported = await import("@silvia-odwyer/photon-node");
const t = new Transcript();
const pixels = (w, h) => Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 37) & 255);
const image = () => new photon.PhotonImage(pixels(8, 6), 8, 6);

t.call("import() and require() give the same PhotonImage", () => imported.PhotonImage === photon.PhotonImage);
t.call("PhotonImage size", () => { const i = image(); return [i.get_width(), i.get_height(), i.get_raw_pixels()]; });
t.call("grayscale", () => { const i = image(); photon.grayscale(i); return i.get_raw_pixels(); });
t.call("invert", () => { const i = image(); photon.invert(i); return i.get_raw_pixels(); });
t.call("resize to 4x3 (Nearest)", () => { const r = photon.resize(image(), 4, 3, photon.SamplingFilter.Nearest); return [r.get_width(), r.get_raw_pixels()]; });
t.call("crop 2..6", () => { const r = photon.crop(image(), 2, 2, 6, 5); return [r.get_width(), r.get_height(), r.get_raw_pixels()]; });
t.call("fliph", () => { const i = image(); photon.fliph(i); return i.get_raw_pixels(); });
t.call("gaussian_blur 1", () => { const i = image(); photon.gaussian_blur(i, 1); return i.get_raw_pixels(); });
t.call("Rgb getters", () => { const c = new photon.Rgb(1, 2, 3); return [c.get_red(), c.get_green(), c.get_blue()]; });
t.call("pixels shorter than width x height", () => new photon.PhotonImage(new Uint8Array(3), 4, 4).get_raw_pixels());
t.call("get_base64", () => image().get_base64().length);
t.call("imported sepia", () => { const i = image(); imported.sepia(i); return i.get_raw_pixels(); });

// Decoding bytes that are no image unwraps an error: a panic (a trap).
t.abort("new_from_byteslice([1,2,3])", () => photon.PhotonImage.new_from_byteslice(new Uint8Array([1, 2, 3])));
t.call("grayscale after the abort", () => { const i = image(); photon.grayscale(i); return i.get_raw_pixels(); });
await t.abortLoop("new_from_byteslice(garbage) x1000 between grayscale", {
  abort: () => photon.PhotonImage.new_from_byteslice(new Uint8Array([1, 2, 3])),
  normal: () => { const i = image(); photon.grayscale(i); return i.get_raw_pixels(); },
});
t.print();
