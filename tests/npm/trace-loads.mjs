// Preloaded with `node --import ./trace-loads.mjs <script>` by tests/npm.rs:
// records every file under node_modules/ that the run loads as a module or
// reads (the wasm a glue reads with fs, the wasm a user hands to `initWasm`)
// and writes the list, relative to node_modules/, as JSON to the file named by
// NPM_TRACE_OUT when the process exits. It proves that a package's `loads`
// are what its entry points really use, so "hardening changed them" means
// the hardened code is the code that runs.
import fs from "node:fs";
import { registerHooks, syncBuiltinESMExports } from "node:module";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("./node_modules/", import.meta.url));
const seen = new Set();
function note(target) {
  let path;
  if (target instanceof URL) path = target.protocol === "file:" ? fileURLToPath(target) : null;
  else if (typeof target === "string") path = target.startsWith("file:") ? fileURLToPath(target) : target;
  if (path && path.startsWith(root)) seen.add(path.slice(root.length));
}
for (const name of ["readFileSync", "readFile", "openSync", "open", "createReadStream"]) {
  const original = fs[name];
  fs[name] = function (target, ...rest) {
    note(target);
    return original.call(this, target, ...rest);
  };
}
const readFile = fs.promises.readFile;
fs.promises.readFile = function (target, ...rest) {
  note(target);
  return readFile.call(this, target, ...rest);
};
syncBuiltinESMExports();
registerHooks({
  load(url, context, next) {
    note(url);
    return next(url, context);
  },
});
process.on("exit", () => {
  fs.writeFileSync(process.env.NPM_TRACE_OUT, JSON.stringify([...seen].sort()));
});
