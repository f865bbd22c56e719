// @dimforge/rapier2d-compat 0.21.0 (2D physics, wasm-bindgen 0.2.129 web glue
// with `let heap`, rolled up with the package's own classes into
// dist/rapier.cjs and dist/rapier.mjs, the wasm inlined as base64; `init()`
// instantiates it). Constructors take JS objects (`new World({x, y})`).
// Loaded with `require` and `import`.
import { createRequire } from "node:module";
import { Transcript } from "./transcript.mjs";

const cjs = createRequire(import.meta.url)("@dimforge/rapier2d-compat");
const esm = (await import("@dimforge/rapier2d-compat")).default;
const t = new Transcript();

await t.callAsync("require: init()", () => cjs.init());
await t.callAsync("import: init()", () => esm.init());
t.call("version()", () => cjs.version());
function simulate(R, steps) {
  const world = new R.World({ x: 0, y: -9.81 });
  world.createCollider(R.ColliderDesc.cuboid(10, 0.1));
  const body = world.createRigidBody(R.RigidBodyDesc.dynamic().setTranslation(0, 5));
  world.createCollider(R.ColliderDesc.ball(0.5).setRestitution(0.5), body);
  const trace = [];
  for (let i = 0; i < steps; i++) {
    world.step();
    if (i % 20 === 0) trace.push([body.translation().x, body.translation().y, body.linvel().y]);
  }
  const counts = [world.bodies.len(), world.colliders.len()];
  world.free();
  return { trace, counts };
}
t.call("require: ball falls 200 steps", () => simulate(cjs, 200));
t.call("import: ball falls 100 steps", () => simulate(esm, 100));
t.call("ray cast", () => {
  const world = new cjs.World({ x: 0, y: 0 });
  world.createCollider(cjs.ColliderDesc.cuboid(1, 1).setTranslation(5, 0));
  world.step();
  const hit = world.castRay(new cjs.Ray({ x: 0, y: 0 }, { x: 1, y: 0 }), 100, true);
  const result = hit && [hit.timeOfImpact, hit.collider.handle];
  world.free();
  return result;
});
t.call("gravity getter", () => { const w = new cjs.World({ x: 1, y: 2 }); const g = w.gravity; w.free(); return [g.x, g.y]; });
t.call("World({x: 'a'})", () => { const w = new cjs.World({ x: "a", y: 0 }); const g = [w.gravity.x, w.gravity.y]; w.free(); return g; });
t.call("World(undefined)", () => { const w = new cjs.World(undefined); const g = [w.gravity.x, w.gravity.y]; w.free(); return g; });
t.call("rigid body of a freed world", () => { const w = new cjs.World({ x: 0, y: 0 }); w.free(); return w.createRigidBody(cjs.RigidBodyDesc.fixed()); });
t.call("simulation after the errors", () => simulate(cjs, 40));

// A polyline whose index buffer points past its vertices: an out-of-bounds
// index in Rust, a panic (panic=abort: a trap).
function badPolyline() {
  const world = new cjs.World({ x: 0, y: 0 });
  world.createCollider(cjs.ColliderDesc.polyline(new Float32Array([1, 2, 3]), new Uint32Array([0, 5])));
  world.free();
}
t.abort("polyline with an index past its vertices", badPolyline);
t.call("simulation after the abort", () => simulate(cjs, 40));
await t.abortLoop("bad polyline x1000 between simulations", {
  abort: badPolyline,
  normal: () => simulate(cjs, 21),
});
t.print();
