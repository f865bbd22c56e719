// Soak target: npm @rollup/wasm-node (rollup's Rust parser, wasm-bindgen
// 0.2.130, nodejs target), through its public `parseAst`. parseAst is a pure
// function of its input, so a reset instance must return exactly the AST the
// never-aborted reference returns. The abort is the one tests/npm
// records: 100,000 nested parentheses run the parser out of stack and the
// wasm traps ("memory access out of bounds"); in the original the first one
// bricks the instance for good.
"use strict";
const path = require("node:path");

exports.load = (root) => {
  const { parseAst } = require(path.join(root, "dist/parseAst.js"));
  const glue = require(path.join(root, "dist/wasm-node/bindings_wasm.js"));
  return { parseAst, AbortError: glue.AbortError };
};

const int = (random, max) => Math.floor(random() * max);
const identifiers = ["a", "b", "value", "ÿ", "東京", "$x", "_"];
const id = (r) => identifiers[int(r, identifiers.length)];
const expression = (r, depth) => {
  switch (depth > 3 ? 0 : int(r, 6)) {
    case 0:
      return String(int(r, 1000));
    case 1:
      return id(r);
    case 2:
      return `(${expression(r, depth + 1)} + ${expression(r, depth + 1)})`;
    case 3:
      return `[${expression(r, depth + 1)}, '${id(r)}🚀']`;
    case 4:
      return `(${id(r)}) => ${expression(r, depth + 1)}`;
    default:
      return `\`t\${${expression(r, depth + 1)}}\``;
  }
};
// A few statements; one in 20 has a syntax error (an ordinary thrown error).
const program = (r) => {
  const lines = [];
  for (let n = 1 + int(r, 4); n > 0; n--) lines.push(`const ${id(r)}${n} = ${expression(r, 0)};`);
  if (int(r, 20) === 0) lines.push("const = ;");
  return lines.join("\n");
};

exports.normal = [{ name: "parseAst", weight: 1, input: program, run: (api, source) => api.parseAst(source) }];

const deep = "(".repeat(100000) + ")".repeat(100000);
exports.aborting = [{ name: "parseAst(100,000 nested parentheses)", weight: 1, run: (api) => api.parseAst(deep) }];

exports.show = (value) => JSON.stringify(value);
