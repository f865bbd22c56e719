// `node:test` for a browser page: the part of Node's test runner that the
// suites in tests/node/ use. suite.html maps the specifier here with an
// import map, imports one suite (which registers its tests while its module
// evaluates) and then calls `run()`.
//
// Semantics follow Node: tests run one at a time in registration order;
// `beforeEach`/`afterEach` hooks of enclosing suites run around each test;
// `{ skip }` (true or a reason) and `t.skip(reason)` mark a test skipped;
// an error thrown, a rejected promise, or an uncaught error or unhandled
// rejection in the page while a test runs fails that test.

/** A describe() block, or the file itself. */
function newSuite(name, parent) {
  return { name, parent, children: [], hooks: { before: [], after: [], beforeEach: [], afterEach: [] } };
}

const root = newSuite("", null);
let collecting = root;

/** `test(name?, options?, fn?)`, in any of Node's argument orders. */
function parseArgs(args) {
  let [name, options, fn] = [undefined, {}, undefined];
  for (const arg of args) {
    if (typeof arg === "string") name = arg;
    else if (typeof arg === "function") fn = arg;
    else if (arg && typeof arg === "object") options = arg;
  }
  return { name: name ?? fn?.name ?? "<anonymous>", options, fn };
}

export function test(...args) {
  const { name, options, fn } = parseArgs(args);
  collecting.children.push({ kind: "test", name, options, fn, suite: collecting });
}

export function describe(...args) {
  const { name, options, fn } = parseArgs(args);
  const suite = newSuite(name, collecting);
  suite.options = options;
  collecting.children.push({ kind: "suite", suite });
  const outer = collecting;
  collecting = suite;
  try {
    fn?.();
  } finally {
    collecting = outer;
  }
}

export const it = test;
export const suite = describe;
export const before = (fn) => collecting.hooks.before.push(fn);
export const after = (fn) => collecting.hooks.after.push(fn);
export const beforeEach = (fn) => collecting.hooks.beforeEach.push(fn);
export const afterEach = (fn) => collecting.hooks.afterEach.push(fn);

test.skip = (...args) => test(...args, { skip: true });
test.todo = (...args) => test(...args, { todo: true });
Object.assign(test, { test, it, describe, suite, before, after, beforeEach, afterEach });
export default test;

// Uncaught errors and unhandled rejections: Node's runner fails the running
// test with them, and so does this one; those that arrive between tests fail
// the file.
let uncaught = [];
const stray = [];
addEventListener("error", (event) => uncaught.push(event.error ?? new Error(event.message)));
addEventListener("unhandledrejection", (event) => uncaught.push(event.reason));

function describeError(error) {
  if (error instanceof Error) {
    const cause = error.cause === undefined ? "" : `\n  cause: ${String(error.cause)}`;
    // V8's stack starts with "Name: message".
    return `${error.stack ?? `${error.name}: ${error.message}`}${cause}`;
  }
  return `thrown non-Error: ${String(error)}`;
}

/** The hooks of `suite` and every suite around it, outermost first. */
function enclosing(suite, kind) {
  const chain = [];
  for (let s = suite; s; s = s.parent) chain.unshift(s.hooks[kind]);
  return kind === "afterEach" ? chain.reverse().flat() : chain.flat();
}

function fullName(suite, name) {
  const names = [];
  for (let s = suite; s && s.parent; s = s.parent) names.unshift(s.name);
  return [...names, name].join(" > ");
}

async function runTest(entry, report) {
  const name = fullName(entry.suite, entry.name);
  const { skip, todo } = entry.options;
  if (skip) return report({ name, status: "skip", message: typeof skip === "string" ? skip : "" });
  report({ name, status: "start" });
  let skipped = null;
  const context = {
    name: entry.name,
    skip: (message = "") => {
      skipped = message;
    },
    todo: (message = "") => {
      skipped = `TODO ${message}`;
    },
    diagnostic: (message) => console.log(`# ${name}: ${message}`),
  };
  const started = performance.now();
  stray.push(...uncaught);
  uncaught = [];
  let error = null;
  try {
    for (const hook of enclosing(entry.suite, "beforeEach")) await hook(context);
    await entry.fn?.(context);
    for (const hook of enclosing(entry.suite, "afterEach")) await hook(context);
  } catch (thrown) {
    error = thrown;
  }
  // Let errors from timers and rejections that the test left behind surface.
  await new Promise((resolve) => setTimeout(resolve, 0));
  const ms = Math.round(performance.now() - started);
  if (error === null && uncaught.length > 0) {
    error = new Error(`uncaught during the test: ${uncaught.map(describeError).join("\n")}`);
  }
  if (error !== null && !todo) return report({ name, status: "fail", message: describeError(error), ms });
  if (skipped !== null) return report({ name, status: "skip", message: skipped, ms });
  return report({ name, status: "pass", ms });
}

async function runSuite(suite, report) {
  for (const hook of suite.hooks.before) await hook();
  for (const child of suite.children) {
    if (child.kind === "test") await runTest(child, report);
    else if (child.suite.options?.skip) report({ name: fullName(child.suite, ""), status: "skip", message: "suite skipped" });
    else await runSuite(child.suite, report);
  }
  for (const hook of suite.hooks.after) await hook();
}

/**
 * Runs every registered test; `report` gets `{ name, status, message?, ms? }`
 * with status `start`, then one of `pass`, `fail`, `skip`. A failing
 * `before`/`after` hook is reported as a failure of the file.
 */
export async function run(report) {
  try {
    await runSuite(root, report);
  } catch (error) {
    report({ name: "<hooks>", status: "fail", message: describeError(error) });
  }
  stray.push(...uncaught);
  if (stray.length > 0) {
    report({ name: "<outside any test>", status: "fail", message: `uncaught: ${stray.map(describeError).join("\n")}` });
  }
}
