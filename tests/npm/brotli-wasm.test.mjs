// brotli-wasm 3.0.1 (wasm-bindgen 0.2.80, panic=abort: generation G0), used
// the way its README shows for Node: `require("brotli-wasm")`, which loads
// the `nodejs` target output in pkg.node/. Every call is deterministic.
import { createRequire } from "node:module";
import { Transcript, pseudoRandomBytes } from "./transcript.mjs";

const require = createRequire(import.meta.url);
const brotli = require("brotli-wasm");
const t = new Transcript();
const text = new TextEncoder().encode("It was the best of times, it was the worst of times. ".repeat(40));
const random = pseudoRandomBytes(64 * 1024, 7);

t.call("BrotliStreamResultCode", () => ({ ...brotli.BrotliStreamResultCode }));

// One-shot API at each end of the quality range and the default.
const compressed = t.call("compress(text)", () => brotli.compress(text));
t.call("decompress(compress(text)) == text", () =>
  Buffer.from(brotli.decompress(compressed)).equals(Buffer.from(text)),
);
for (const quality of [0, 5, 11]) {
  t.call(`compress(text, {quality: ${quality}})`, () => brotli.compress(text, { quality }));
}
t.call("compress(empty)", () => brotli.compress(new Uint8Array(0)));
t.call("decompress(compress(empty))", () => brotli.decompress(brotli.compress(new Uint8Array(0))));
const randomPacked = t.call("compress(64 KiB pseudo-random)", () => brotli.compress(random, { quality: 4 }));
t.call("decompress(compress(64 KiB pseudo-random)) == input", () =>
  Buffer.from(brotli.decompress(randomPacked)).equals(Buffer.from(random)),
);

// Error paths: Result::Err values the glue throws.
t.call("decompress(garbage)", () => brotli.decompress(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])));
t.call("decompress(truncated)", () => brotli.decompress(compressed.subarray(0, compressed.length >> 1)));

// A panic (the options are deserialised with `unwrap()`): an abort. Later
// calls must keep returning what they return without it.
t.abort("compress(text, {quality: 'high'})", () => brotli.compress(text, { quality: "high" }));

// Streaming: small output buffers force NeedsMoreOutput round trips.
function compressStream(input, quality, chunk, outSize) {
  const stream = new brotli.CompressStream(quality);
  const codes = [];
  const parts = [];
  for (let offset = 0; offset < input.length; ) {
    const result = stream.compress(input.subarray(offset, offset + chunk), outSize);
    codes.push(result.code);
    parts.push(result.buf);
    offset += result.input_offset;
  }
  for (;;) {
    const result = stream.compress(undefined, outSize);
    codes.push(result.code);
    parts.push(result.buf);
    if (result.code === brotli.BrotliStreamResultCode.ResultSuccess) break;
  }
  const totalOut = stream.total_out();
  stream.free();
  return { codes, output: Buffer.concat(parts), totalOut };
}
const streamed = t.call("CompressStream(q=6), 1000-byte chunks, 256-byte output", () =>
  compressStream(text, 6, 1000, 256),
);

function decompressStream(input, chunk, outSize) {
  const stream = new brotli.DecompressStream();
  const codes = [];
  const parts = [];
  let offset = 0;
  for (let rounds = 0; rounds < 10000; rounds++) {
    const result = stream.decompress(input.subarray(offset, offset + chunk), outSize);
    codes.push(result.code);
    parts.push(result.buf);
    offset += result.input_offset;
    if (result.code === brotli.BrotliStreamResultCode.ResultSuccess) break;
  }
  const totalOut = stream.total_out();
  stream.free();
  return { codes, output: Buffer.concat(parts), totalOut };
}
t.call("DecompressStream(streamed), 100-byte chunks, 512-byte output", () => {
  const result = decompressStream(streamed.output, 100, 512);
  return { ...result, equalsInput: result.output.equals(Buffer.from(text)) };
});
t.call("DecompressStream(garbage)", () => decompressStream(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 4, 64));

// A stream object: getters and setters of the result class, and a freed object.
t.call("BrotliStreamResult fields", () => {
  const stream = new brotli.CompressStream(1);
  const result = stream.compress(new Uint8Array([1, 2, 3]), 64);
  const fields = { code: result.code, input_offset: result.input_offset, buf: result.buf };
  result.code = 3;
  fields.codeAfterSet = result.code;
  result.free();
  stream.free();
  return fields;
});
t.call("CompressStream used after free()", () => {
  const stream = new brotli.CompressStream(1);
  stream.free();
  return stream.total_out();
});
t.call("compress(text) still works after the errors", () => brotli.compress(text));

t.print();
