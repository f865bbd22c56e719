// Runs the fixture crate's API (tests/fixtures/crate, nodejs target) through
// scenarios where Rust panics, JS throws through Rust frames, and drops run,
// and prints what each returned or threw as one JSON line. The eh-translate
// tests run it on an original build and on its translations and compare.
'use strict';
const path = require('node:path');

const dir = process.argv[2];
const log = [];
let hostCall = (n) => n * 2;
globalThis.fixtureHost = {
  callJs: (n) => hostCall(n),
  log: (line) => log.push(line),
};
const m = require(path.resolve(dir, 'recover_fixture.js'));

const thrown = new Error('thrown by the host');
const results = [];
function run(name, f) {
  log.length = 0;
  let out;
  try {
    const value = f();
    out = `ret:${typeof value === 'bigint' ? `${value}n` : JSON.stringify(value)}`;
  } catch (e) {
    if (e === thrown) out = 'threw the host error (same object)';
    else out = `threw ${e && e.name}: ${e && e.message}`;
  }
  results.push({ name, out, log: log.slice() });
}

run('add', () => m.add(2, 3));
run('greet', () => m.greet('eh'));
run('call_js returns', () => m.call_js(4));
run('call_js host throws', () => {
  hostCall = () => { throw thrown; };
  try { return m.call_js(5); } finally { hostCall = (n) => n * 2; }
});
run('call_js host throws a string', () => {
  hostCall = () => { throw 'plain string'; };
  try { return m.call_js(6); } catch (e) { return `caught ${typeof e}: ${e}`; } finally { hostCall = (n) => n * 2; }
});
run('remember', () => [m.remember('one'), m.remember('two'), m.history()]);
run('counter', () => {
  const c = new m.Counter('a');
  const r = [c.increment(), c.increment(), c.count, c.label];
  c.free();
  return r.concat([m.history()]);
});
run('counter call_js host throws', () => {
  const c = new m.Counter('b');
  hostCall = () => { throw thrown; };
  try { return c.call_js(1); } finally { hostCall = (n) => n * 2; }
});
run('history after', () => m.history());
run('reverse', () => Array.from(m.reverse([1, 2, 3])));
run('checked_div', () => m.checked_div(7, 2));
if (m.catch_inside) run('catch_inside', () => m.catch_inside('inside'));
run('adder', () => { const f = m.make_adder(10); return f(5); });
run('is_panicking before', () => m.is_panicking());
run('panic_now', () => m.panic_now('boom'));
run('is_panicking after', () => m.is_panicking());
run('counter fail', () => { const c = new m.Counter('c'); try { c.fail('fail'); } catch (e) { return [`${e.name}: ${e.message}`, (() => { try { return c.increment(); } catch (e2) { return `${e2.name}: ${e2.message}`; } })()]; } });
run('shared', () => { try { m.lock_shared_and_panic('poison'); } catch (e) { /* compared below */ } return m.shared_state(); });
run('calls', () => m.calls());
run('add at the end', () => m.add(40, 2));
console.log(JSON.stringify(results));
