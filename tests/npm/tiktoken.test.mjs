// tiktoken 1.0.22 (wasm-bindgen 0.2.100, bundler glue converted to CommonJS:
// tiktoken.cjs requires tiktoken_bg.cjs and loads tiktoken_bg.wasm itself).
// Loaded as users do: `require("tiktoken")` and `import("tiktoken")` (Node's
// `node` export condition maps both to tiktoken.cjs).
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const required = createRequire(import.meta.url)("tiktoken");
const imported = await import("tiktoken");
const t = new Transcript();

t.call("import() and require() give the same functions", () => imported.get_encoding === required.get_encoding);
// The name, not the object: its own properties are the raw pointer, an
// address in wasm memory rather than anything the API promises.
const enc = required.get_encoding("cl100k_base");
t.call("get_encoding(cl100k_base).name", () => enc.name);
t.call("encode(hello world)", () => [...enc.encode("hello world")]);
t.call("encode(unicode)", () => [...enc.encode("naïve café — 東京 🚀")]);
t.call("decode(encode(text))", () => new TextDecoder().decode(enc.decode(enc.encode("round trip, with numbers 12345"))));
t.call("encode(<|endoftext|>) not allowed", () => enc.encode("<|endoftext|>"));
t.call("encode(<|endoftext|>, all)", () => [...enc.encode("<|endoftext|>", "all")]);
t.call("encode_ordinary(<|endoftext|>)", () => [...enc.encode_ordinary("<|endoftext|>")]);
t.call("decode_single_token_bytes(15339)", () => enc.decode_single_token_bytes(15339));
t.call("token_byte_values().length", () => enc.token_byte_values().length);
t.call("get_encoding(nope)", () => required.get_encoding("nope"));
t.call("get_encoding_name_for_model(gpt-4o)", () => required.get_encoding_name_for_model("gpt-4o"));
t.call("encoding_for_model(unknown)", () => required.encoding_for_model("no-such-model"));
const o200k = t.call("imported get_encoding(o200k_base) encode", () => [...imported.get_encoding("o200k_base").encode("hello world")]);

// An out-of-range token id makes the decoder panic (panic=abort: a trap).
t.abort("decode([99999999])", () => enc.decode(new Uint32Array([99999999])));
t.call("encode(hello world) after the abort", () => [...required.get_encoding("cl100k_base").encode("hello world")]);
// The loop uses a two-token encoding built in place (`new Tiktoken(ranks,
// special, pattern)`): loading a real one takes a second, the loop does it
// 2,000 times.
const tiny = () => new required.Tiktoken("IQ== 0\nIg== 1", { "<|end|>": 2 }, "\\S");
t.call("tiny Tiktoken encode(!\"!, all)", () => [...tiny().encode('!"!<|end|>', "all")]);
await t.abortLoop("decode([99999999]) x1000 between encode()", {
  abort: () => tiny().decode(new Uint32Array([99999999])),
  normal: () => [...tiny().encode('!"!<|end|>', "all")],
});
t.print();
