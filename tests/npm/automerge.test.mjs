// @automerge/automerge 3.x (panic=unwind, legacy exception handling, native
// guards of wasm-bindgen 0.2.114+: generation G2), imported the way a Node ES
// module user does (`import * as A from "@automerge/automerge"`, which loads
// the `nodejs` target output). Actors and timestamps are fixed, so saved
// documents and hashes are deterministic.
import * as A from "@automerge/automerge";
import { Transcript } from "./transcript.mjs";

const t = new Transcript();
const alice = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const bob = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const at = (message) => ({ time: 0, message });

// `from()` would stamp its change with the current time; `change` takes one.
let doc = t.call("init(alice) + change: title, tags, counter", () =>
  A.change(A.init({ actor: alice }), at("create"), (d) => {
    d.title = "shopping";
    d.tags = ["a", "b"];
    d.count = new A.Counter(1);
  }),
);
t.call("toJS(doc)", () => A.toJS(doc));
t.call("getActorId(doc)", () => A.getActorId(doc));

doc = t.call("change: push, splice text, increment counter, nested map", () =>
  A.change(doc, at("edit"), (d) => {
    d.tags.push("c");
    A.splice(d, ["title"], 0, 0, "weekly ");
    d.count.increment(41);
    d.meta = { owner: "alice", due: 20260101 };
  }),
);
t.call("toJS(doc) after change", () => A.toJS(doc));
const saved = t.call("save(doc)", () => A.save(doc));
t.call("load(save(doc)) equals doc", () => JSON.stringify(A.toJS(A.load(saved))) === JSON.stringify(A.toJS(doc)));
t.call("getHistory(doc) messages", () => A.getHistory(doc).map((state) => state.change.message));

// Concurrent edits by two actors, then merge: conflicts are resolved the same way.
let other = t.call("clone(doc) as bob", () => A.clone(doc, { actor: bob }));
doc = A.change(doc, at("alice title"), (d) => {
  d.meta.owner = "alice again";
});
other = t.call("bob edits concurrently", () =>
  A.change(other, at("bob title"), (d) => {
    d.meta.owner = "bob";
    d.tags.insertAt(0, "first");
    d.count.increment(-2);
  }),
);
const merged = t.call("merge(doc, bob)", () => A.merge(A.clone(doc), other));
t.call("getConflicts(merged.meta, 'owner')", () => A.getConflicts(merged.meta, "owner"));
t.call("getHeads(merged)", () => A.getHeads(merged).sort());
t.call("save(merged)", () => A.save(merged));

// Views and diffs between versions.
const headsBefore = A.getHeads(doc);
t.call("view(merged, heads of doc)", () => A.toJS(A.view(merged, headsBefore)));
t.call("diff(merged, heads of doc, heads of merged)", () =>
  A.diff(merged, headsBefore, A.getHeads(merged)),
);

// The sync protocol, to convergence.
t.call("sync alice and bob to convergence", () => {
  let [a, b] = [A.clone(doc), A.clone(other)];
  let [sa, sb] = [A.initSyncState(), A.initSyncState()];
  const rounds = [];
  for (let i = 0; i < 10; i++) {
    const [nsa, toB] = A.generateSyncMessage(a, sa);
    sa = nsa;
    if (toB) [b, sb] = A.receiveSyncMessage(b, sb, toB);
    const [nsb, toA] = A.generateSyncMessage(b, sb);
    sb = nsb;
    if (toA) [a, sa] = A.receiveSyncMessage(a, sa, toA);
    rounds.push([toB ? toB.length : 0, toA ? toA.length : 0]);
    if (!toA && !toB) break;
  }
  return { rounds, converged: JSON.stringify(A.getHeads(a).sort()) === JSON.stringify(A.getHeads(b).sort()), value: A.toJS(a) };
});

// Error paths: errors the library reports, not aborts.
t.call("load(garbage)", () => A.load(new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8])));
t.call("change: assign undefined", () =>
  A.change(doc, at("bad"), (d) => {
    d.meta.owner = undefined;
  }),
);
t.call("change: insertAt past the end of a list", () =>
  A.change(doc, at("bad"), (d) => {
    d.tags.insertAt(100, "x");
  }),
);
t.call("from(actor that is not hex)", () => A.from({ a: 1 }, { actor: "not hex" }));
t.call("receiveSyncMessage(garbage)", () =>
  A.receiveSyncMessage(A.init(), A.initSyncState(), new Uint8Array([0x42, 1, 2])),
);
t.call("doc still usable after the errors", () =>
  A.toJS(A.change(doc, at("after"), (d) => { d.tags.push("d"); })),
);

t.print();
