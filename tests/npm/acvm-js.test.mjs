// @noir-lang/acvm_js 0.55.0 (Noir's ACVM, wasm-bindgen 0.2.86, nodejs and web
// targets; `main` is the nodejs one). Loaded with `require` and `import`.
// Its panic hook prints each panic to stderr; the transcript is stdout only.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const acvm = createRequire(import.meta.url)("@noir-lang/acvm_js");
const imported = await import("@noir-lang/acvm_js");
const t = new Transcript();
const bytes = (n, f) => Uint8Array.from({ length: n }, (_, i) => f(i));

t.call("import() and require() give the same `and`", () => imported.and === acvm.and);
t.call("buildInfo()", () => acvm.buildInfo());
t.call("and(0x1, 0x3)", () => acvm.and("0x1", "0x3"));
t.call("xor(0xff, 0x0f)", () => acvm.xor("0xff", "0x0f"));
t.call("sha256_compression(zeros)", () => acvm.sha256_compression(new Uint32Array(16), new Uint32Array(8)));
t.call("sha256_compression(counting)", () =>
  acvm.sha256_compression(Uint32Array.from({ length: 16 }, (_, i) => i * 7919), Uint32Array.from({ length: 8 }, (_, i) => i)));
t.call("blake2s256([1,2,3])", () => acvm.blake2s256(new Uint8Array([1, 2, 3])));
t.call("blake2s256(1 KiB)", () => acvm.blake2s256(bytes(1024, (i) => i * 31)));
t.call("ecdsa_secp256k1_verify(zeros)", () => acvm.ecdsa_secp256k1_verify(new Uint8Array(32), new Uint8Array(32), new Uint8Array(32), new Uint8Array(64)));
t.call("ecdsa_secp256r1_verify(zeros)", () => acvm.ecdsa_secp256r1_verify(new Uint8Array(32), new Uint8Array(32), new Uint8Array(32), new Uint8Array(64)));
t.call("compressWitness(empty map)", () => acvm.compressWitness(new Map()));
t.call("decompressWitness(garbage)", () => acvm.decompressWitness(new Uint8Array([1, 2, 3, 4])));
t.call("imported xor(0x5, 0x6)", () => imported.xor("0x5", "0x6"));

// `and` unwraps its hex parse: a panic (panic=abort: a trap).
t.abort("and(zz, 0x3)", () => acvm.and("zz", "0x3"));
t.call("and(0x1, 0x3) after the abort", () => acvm.and("0x1", "0x3"));
await t.abortLoop("and(zz) x1000 between blake2s256", {
  abort: () => acvm.and("zz", "0x3"),
  normal: () => acvm.blake2s256(new Uint8Array([4, 5, 6])),
});
t.print();
