// The no-modules target declares a global `wasm_bindgen` namespace: the same
// consumer as consumer.ts, written against it (tests/types.rs).
const { AbortError, PanicError, StaleObjectError, set_on_abort, __wbg_reset_state, add } = wasm_bindgen;

const previous: ((error: wasm_bindgen.AbortError) => void) | null = set_on_abort((error) => {
  const entry: string = error.entry;
  const name: "AbortError" = error.name;
  console.log(entry, error.cause, name);
});
set_on_abort(previous);

function classify(error: unknown): string {
  if (error instanceof AbortError) return `abort in ${error.entry}`;
  if (error instanceof PanicError) return `panic in ${error.entry ?? "?"}`;
  if (error instanceof StaleObjectError) return `stale: ${error.message}`;
  return "not ours";
}

const made = new AbortError("add", new Error("x"));
console.log(classify(made), classify(new PanicError()), classify(new StaleObjectError("x")));
__wbg_reset_state();
const sum: number = add(1, 2);
console.log(sum);

// @ts-expect-error AbortError takes the export that was running and the cause
new AbortError();
// @ts-expect-error `entry` is read-only
made.entry = "other";
