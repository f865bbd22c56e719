// @matrix-org/matrix-sdk-crypto-wasm 18.9.0 (Matrix end-to-end encryption,
// wasm-bindgen 0.2.128 bundler glue, converted to CommonJS as
// pkg/matrix_sdk_crypto_wasm_bg.cjs; the package's own loaders node.cjs and
// node.mjs hand it the wasm through a Proxy that instantiates
// pkg/matrix_sdk_crypto_wasm_bg.wasm on first use, or through `initAsync`).
// Loaded with `require` (node.cjs) and `import` (node.mjs): two instances.
// Keys are random: the transcript records only their shape.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const cjs = createRequire(import.meta.url)("@matrix-org/matrix-sdk-crypto-wasm");
const esm = await import("@matrix-org/matrix-sdk-crypto-wasm");
const t = new Transcript();

t.call("require: getVersions() before initAsync (lazy sync load)", () => {
  const v = cjs.getVersions();
  return [v.vodozemac, v.matrix_sdk_crypto];
});
await t.callAsync("import: initAsync()", () => esm.initAsync());
t.call("import: getVersions()", () => esm.getVersions().matrix_sdk_crypto);
t.call("UserId parts", () => {
  const user = new cjs.UserId("@alice:example.org");
  return [user.localpart, user.serverName.host, user.toString(), user.isHistorical()];
});
t.call("UserId without sigil", () => new cjs.UserId("alice"));
t.call("RoomId / DeviceId", () => [new cjs.RoomId("!abc:example.org").toString(), new cjs.DeviceId("ABCDEF").toString()]);
t.call("Curve25519PublicKey(bad base64 length)", () => new cjs.Curve25519PublicKey("nope"));
t.call("BackupDecryptionKey.createRandomKey() algorithm", () => cjs.BackupDecryptionKey.createRandomKey().megolmV1PublicKey.algorithm);
t.call("BackupDecryptionKey.fromBase64(!!)", () => cjs.BackupDecryptionKey.fromBase64("!!"));
t.call("QrCodeData.fromBytes(3 bytes)", () => cjs.QrCodeData.fromBytes(new Uint8Array([1, 2, 3])));
t.call("Attachment round trip", () => {
  const plain = new Uint8Array([1, 2, 3, 4, 5, 250]);
  const encrypted = cjs.Attachment.encrypt(plain);
  const info = JSON.parse(encrypted.mediaEncryptionInfo);
  const decrypted = cjs.Attachment.decrypt(encrypted);
  return { keys: Object.keys(info).sort(), decrypted: [...decrypted] };
});
t.call("Attachment.decrypt(bad info)", () => cjs.Attachment.decrypt(new cjs.EncryptedAttachment(new Uint8Array([1, 2]), "{}")));
await t.callAsync("OlmMachine.initialize: ids and key sizes", async () => {
  const machine = await cjs.OlmMachine.initialize(new cjs.UserId("@alice:example.org"), new cjs.DeviceId("DEV"));
  const result = [machine.userId.toString(), machine.deviceId.toString(), machine.identityKeys.ed25519.toBase64().length, machine.identityKeys.curve25519.toBase64().length];
  machine.close();
  return result;
});
await t.callAsync("import: OlmMachine.initialize with an empty device id", async () => {
  const machine = await esm.OlmMachine.initialize(new esm.UserId("@bob:example.org"), new esm.DeviceId(""));
  const result = [machine.userId.toString(), machine.deviceId.toString()];
  machine.close();
  return result;
});
t.print();
