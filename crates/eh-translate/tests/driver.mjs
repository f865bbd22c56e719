// Runs every `run*` export of each module given on the command line for many
// values of `k` and prints one JSON line per module: for each call, the value
// returned or the exception that escaped, and the steps logged on the way.
//
// `k & 1023` picks where an exception starts: `env.step(pos)` throws a JS
// object (compared by identity) when pos equals it, and makes wasm throw its
// tag `e` with payload pos (through the exported `throw_e`) when pos + 100 does.
// Some modules also throw by themselves for particular values of k.
import { readFileSync } from 'node:fs';

const TOKEN = { what: 'the JS exception' };
// The low 10 bits of k pick the throw position; bits 10 and 11 are flags
// that generated modules test to take a branch or rethrow.
const ks = [-1];
for (let i = 0; i < 16; i++) ks.push(i, i + 100);
ks.push(50, 60, 61, 62, 70);
for (const flags of [1024, 2048, 3072]) {
  ks.push(1023 + flags);
  for (let i = 0; i < 16; i++) ks.push(i + flags, i + 100 + flags);
}

function describe(e, tags) {
  if (e === TOKEN) return 'js-token';
  if (e instanceof WebAssembly.Exception) {
    for (const [name, tag] of tags) {
      if (!e.is(tag)) continue;
      const args = [];
      for (let i = 0; i < 4; i++) {
        try { args.push(String(e.getArg(tag, i))); } catch { break; }
      }
      return `tag:${name}(${args.join(',')})`;
    }
    return 'wasm-exception:unknown-tag';
  }
  if (e instanceof WebAssembly.RuntimeError) return `trap:${e.message}`;
  return `other:${e && e.constructor && e.constructor.name}:${String(e)}`;
}

for (const file of process.argv.slice(2)) {
  const module = new WebAssembly.Module(readFileSync(file));
  let k = -1;
  let log = [];
  let instance;
  const env = {
    step(pos) {
      log.push(pos);
      const target = k & 1023;
      if (pos === target) throw TOKEN;
      if (pos + 100 === target && instance.exports.throw_e) instance.exports.throw_e(pos);
    },
  };
  instance = new WebAssembly.Instance(module, { env });
  const tags = Object.entries(instance.exports).filter(([, v]) => v instanceof WebAssembly.Tag);
  const results = {};
  for (const name of Object.keys(instance.exports).filter((n) => n.startsWith('run')).sort()) {
    results[name] = ks.map((kk) => {
      k = kk;
      log = [];
      let out;
      try {
        out = `ret:${instance.exports[name](kk)}`;
      } catch (e) {
        out = describe(e, tags);
      }
      return `k=${kk} ${out} log=${log.join(',')}`;
    });
  }
  console.log(JSON.stringify({ file, results }));
}
