// Runs the example's library as a host would: `node demo.mjs <pkg dir>`.
// Prints one line per step; tests/example.rs compares them with what a
// hardened output with `reset = "manual"` must do.
import { createRequire } from "node:module";
import path from "node:path";

const dir = path.resolve(process.argv[2] ?? new URL("./pkg", import.meta.url).pathname);
const lib = createRequire(import.meta.url)(path.join(dir, "hello_recover.js"));

const say = (...parts) => console.log(parts.join(" "));
const attempt = (what, fn) => {
  try {
    say(what, "->", JSON.stringify(fn()));
  } catch (error) {
    say(what, "->", `${error.name}: ${error.constructor === lib.AbortError ? `aborted in ${error.entry}` : error.message}`);
  }
};

let aborts = 0;
if (typeof lib.set_on_abort === "function") {
  lib.set_on_abort((error) => {
    aborts += 1;
    say("on_abort:", error.entry, "cause", error.cause?.constructor?.name);
  });
}

let tally = new lib.Tally();
attempt("add('the cat and the hat')", () => tally.add("the cat and the hat"));
attempt("count('the')", () => tally.count("the"));
attempt("add('well ... ok')", () => tally.add("well ... ok"));
attempt("count('the') after the abort", () => tally.count("the"));
attempt("new Tally() after the abort", () => new lib.Tally());
if (typeof lib.__wbg_reset_state === "function") {
  lib.__wbg_reset_state();
  say("reset");
}
attempt("the old tally after the reset", () => tally.count("the"));
tally = new lib.Tally();
attempt("add('a fresh start')", () => tally.add("a fresh start"));
attempt("distinct", () => tally.distinct);
say("aborts reported:", aborts);
