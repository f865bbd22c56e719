// A strict TypeScript consumer of a hardened output's recovery API, as a user
// writes it. tests/types.rs copies it next to each hardened target, replacing
// `__MODULE__` with the target's glue, and type-checks it with the real `tsc`.
// Every `@ts-expect-error` line must be an error: if the declarations let it
// through (say, `AbortError` lost its constructor signature and fell back to
// `Error`'s), tsc reports the directive as unused and the test fails.
import {
  AbortError,
  PanicError,
  StaleObjectError,
  set_on_abort,
  __wbg_reset_state,
  Counter,
  add,
} from "__MODULE__";

const previous: ((error: AbortError) => void) | null = set_on_abort((error) => {
  const entry: string = error.entry;
  const cause: unknown = error.cause;
  const name: "AbortError" = error.name;
  console.log(entry, cause, name);
});
set_on_abort(previous);
set_on_abort(null);

export function classify(error: unknown): string {
  if (error instanceof AbortError) return `abort in ${error.entry}: ${String(error.cause)}`;
  if (error instanceof PanicError) return `panic in ${error.entry ?? "?"}: ${error.message}`;
  if (error instanceof StaleObjectError) return `stale: ${error.message}`;
  return "not ours";
}

export function narrowsByName(error: AbortError | PanicError | StaleObjectError): string {
  switch (error.name) {
    case "AbortError":
      return error.entry;
    case "PanicError":
      return error.entry ?? "";
    case "StaleObjectError":
      return error.message;
  }
}

const made = new AbortError("add", new WebAssembly.RuntimeError("unreachable"));
const stale = new StaleObjectError("Counter.increment()", made);
const bare = new StaleObjectError("a closure");
const panic = new PanicError("boom", "panic_now");
const unnamed = new PanicError();
console.log(classify(made), classify(stale), classify(bare), classify(panic), classify(unnamed));

__wbg_reset_state();
const sum: number = add(1, 2);
const counter: Counter = new Counter("c");
console.log(sum, counter.increment());

// @ts-expect-error AbortError takes the export that was running and the cause
new AbortError();
// @ts-expect-error `entry` is read-only
made.entry = "other";
// @ts-expect-error `entry` is a string
const notANumber: number = made.entry;
// @ts-expect-error a handler receives an AbortError, not a number
set_on_abort((error: number) => console.log(error));
// @ts-expect-error StaleObjectError names what was used
new StaleObjectError();
// @ts-expect-error the reset takes no argument
__wbg_reset_state(1);
console.log(notANumber);
