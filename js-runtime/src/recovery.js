// The recovery runtime that hardened wasm-bindgen glue runs.
//
// wasm-recover embeds this file into every hardened glue file. It is a plain
// ES module so that it can be tested on its own (`node --test` in js-runtime/);
// the embedder drops the `export ` keywords and wraps it in a function, which
// makes the same text valid in CommonJS, ES modules and classic scripts. Keep it
// that way: no `import`, no top-level `await`, `export` only at the start of a
// top-level declaration.
//
// The model: each wasm instance has an `InstanceState`. Every export of the
// instance is wrapped so that an error escaping wasm is classified:
// - a JS exception that an import threw (the import wrapper saw it leave JS)
//   passes through unchanged, and the shadow stack pointer is restored when no
//   wasm frame is left below it;
// - anything else (a trap, a stack overflow, an exception no import threw) is
//   an abort: the instance is dead for good, the caller gets an `AbortError`
//   carrying the original error as `cause`, the abort handler runs once, and
//   the glue's `wasm` binding is switched to a trapdoor that either resets to a
//   fresh instance on the next call (`reset: "auto"`) or throws the
//   `AbortError` without entering wasm (`reset: "manual"`).
// Import wrappers stop a stack from re-entering a dead instance: when an import
// returns (or throws) into a dead instance they throw the original trap error,
// which V8 does not let wasm `catch_all` handlers catch, so no landing pad of
// the dead instance runs either.
//
// Nothing global is patched: the glue is rewritten to call this runtime's
// `FinalizationRegistry` and `newPromise` instead of the globals.

/** Thrown to the caller when the wasm instance aborted (trap, OOM, stack overflow, panic=abort). */
export class AbortError extends Error {
  constructor(entry, cause) {
    super(`wasm instance aborted in ${entry}: ${describe(cause)}`, { cause });
    this.name = "AbortError";
    /** The export, method or closure that was running when the instance aborted. */
    this.entry = entry;
    if (this.cause !== cause) this.cause = cause;
  }
}

/** Thrown when an object or closure of an instance that was replaced is used. */
export class StaleObjectError extends Error {
  constructor(what, cause) {
    super(`${what} belongs to a wasm instance that was ${cause instanceof AbortError ? "aborted" : "reset"}; create a new one`, cause === undefined ? undefined : { cause });
    this.name = "StaleObjectError";
  }
}

/**
 * Thrown to the caller when Rust code panicked and the module unwound (a
 * `panic=unwind` build): the call ended, the instance is intact and usable.
 */
export class PanicError extends Error {
  constructor(message, entry) {
    super(message || "Rust code panicked");
    this.name = "PanicError";
    /** The export, method or closure that was running, when known. */
    this.entry = entry;
  }
}

function describe(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return String(error);
  } catch {
    return typeof error;
  }
}

const PTR = Symbol("wasm-recover.ptr");
const GEN = Symbol("wasm-recover.generation");

class InstanceState {
  constructor(generation) {
    this.generation = generation;
    this.raw = null; // the instance's own exports
    this.exports = null; // the guarded exports the glue calls
    this.dead = false;
    this.abort = null; // the AbortError of this instance, once dead by abort
    this.cause = undefined; // what killed it
    // What import wrappers throw into this instance once it is dead: a trap's
    // RuntimeError, which V8 lets no wasm handler catch, so no code of the
    // dead instance (not even a cleanup pad) runs again.
    this.unwind = undefined;
    this.importDepth = 0; // JS import frames of this instance on the stack
    // True while the abort handler runs: the export guard that detected the
    // abort, and the glue entry around it, are still on the stack below it.
    this.handlingAbort = false;
    // `reset()` was asked for while frames of this dead instance were still
    // on the stack: the next entry resets, whatever the reset mode.
    this.resetRequested = false;
    // After an abort: the instance's own non-function exports (memory,
    // globals, guarded tables), which its exports object no longer holds as
    // data properties (see `installTrapdoor`).
    this.values = null;
    this.hasForeign = false;
    this.foreign = undefined; // the last JS exception an import threw
    this.passed = undefined; // the last JS exception an export let through to JS
    this.stackPointer = null;
    this.restingStackPointer = 0;
    this.tag = null; // the tag JS exceptions cross this instance with (EH modules only)
    this.pending = new Set(); // promises created by this instance's Rust code
    // The instance's end (its AbortError, or the StaleObjectError of a reset
    // that replaced it mid-call) reached a promise or a handler.
    this.delivered = false;
  }
}

/**
 * The state of one worker's instance on a shared memory: it is dead once it
 * aborted itself, or once the pool's poison flag says another worker did.
 * Every guard, import wrapper and the classifier read `dead`, so each of
 * them also reads the flag: an export guard before and after its call, an
 * import wrapper when the import returns into wasm.
 */
class PoolInstanceState extends InstanceState {
  constructor(generation, recovery) {
    super(generation);
    this.recovery = recovery;
  }

  get dead() {
    if (this.ownDead) return true;
    const flag = this.recovery.poison;
    if (flag === null || Atomics.load(flag, 0) === 0) return false;
    this.recovery.poisoned(this);
    return true;
  }

  set dead(value) {
    this.ownDead = value;
  }
}

/**
 * Creates the runtime of one wasm-bindgen output.
 *
 * config: { reset: "auto" | "manual", stackPointer: string | null,
 *           stackPointerSetter?: string | null,
 *           functionTables: string[], start: string | null,
 *           releases: string[], entries: { [exportName]: string },
 *           eh: boolean (the module uses exception handling),
 *           importsJsTag: boolean (it imports `__wbindgen_jstag`) }
 * hooks:  { setWasm(exports), resetGlue(), getImports(),
 *           guardExports?(escape(state, error, name)) -> bind(raw, state, guardTable(table, name)) -> exports,
 *           glueTag?() -> WebAssembly.Tag (wasm-bindgen 0.2.114+: see `glueTag`) }
 */
export function createRecovery(config, hooks) {
  return new Recovery(config, hooks);
}

class Recovery {
  constructor(config, hooks) {
    // Read first by every public glue entry, which calls `settleAbort()`
    // when it is set: a plain boolean data property (one load on every call),
    // true from an abort of the current instance until the reset after it.
    this.aborted = false;
    // Non-null from the current instance's abort until the microtask
    // checkpoint after it: the window in which a glue entry caught in the
    // middle of its argument conversion can still call wasm (see `glueDoor`).
    this.midEntryWindow = null;
    this.config = config;
    this.hooks = hooks;
    this.module = null;
    this.current = null; // state of the instance the glue uses now
    this.staging = null; // state whose imports were wrapped, not yet adopted
    this.liveGeneration = 0; // 0 while the current instance is dead
    this.nextGeneration = 1;
    this.onAbort = null;
    this.moduleReady = null; // compiling the module for resets (prepareReset)
    this.moduleError = undefined; // why that failed
    this.FinalizationRegistry = registryClass(this);
    this.importDescriptors = null;
    this.importDescriptorsOf = null;
    this.bindExports = null; // made from hooks.guardExports on first use
    // Import wrappers are made once and serve every instance: each reads the
    // instance it serves from this slot when it is entered (only the current
    // instance can call an import: a dead one is unwound by a trap). V8 ties
    // work to each imported function object, so fresh wrappers per reset made
    // instantiation about 40% slower than with the glue's own functions.
    this.slot = { state: null };
    this.sharedImports = null;
    this.resetTrap = null;
    // wasm-bindgen 0.2.114+ (its own guards) ends a call on purpose by
    // throwing a wasm exception of a tag its glue makes and the module
    // imports: a JS exception an import threw, the `PanicError` of a panic its
    // export shims caught, `throw_str`. An exception of it is never an abort.
    // Asked for when first needed: the glue declares it below the runtime.
    this.glueTag = null;
    // A module with exception handling sees JS exceptions from imports as
    // wasm exceptions of this tag (externref payload): its cleanups run, and
    // the export wrapper tells them from a raw Rust exception or a trap.
    // A module that imports wasm-bindgen's JS tag (0.2.110+) catches JS
    // exceptions with `WebAssembly.JSTag` itself: tagging them would hide them
    // from those handlers, so they cross untagged. On an engine without
    // `JSTag` (Node 20) the glue passes this tag in its place, which makes
    // tagged JS exceptions exactly what those handlers expect.
    const canTag = typeof WebAssembly.Tag === "function" && typeof WebAssembly.Exception === "function";
    const engineJsTag = typeof WebAssembly.JSTag !== "undefined";
    this.jsTag =
      config.eh && canTag && !(config.importsJsTag && engineJsTag)
        ? new WebAssembly.Tag({ parameters: ["externref"] })
        : null;
    // A threads build (config.shared): every worker runs its own instance
    // of the module on one shared memory, so an abort anywhere poisons the
    // memory for all of them. The pool's poison flag is one Int32 in a
    // SharedArrayBuffer every worker's glue is handed at `initSync`; 0 while
    // the memory is sound, 1 once some worker aborted (docs/threads.md).
    this.poison = null; // Int32Array over the flag, once this thread is initialised
    this.poisonBuffer = null;
    this.nextPoison = null; // what `initSync` was handed, for `adopt`
    if (config.shared) {
      // Every public entry reads `aborted` first: here it also reads the flag
      // (one atomic load per call), so no entry runs Rust code on a memory
      // another worker poisoned.
      let aborted = false;
      Object.defineProperty(this, "aborted", {
        get: () => aborted || (this.poison !== null && Atomics.load(this.poison, 0) !== 0),
        set: (value) => {
          aborted = value;
        },
      });
    }
  }

  /** The state of a new instance: on a shared memory, one that sees the pool's poison. */
  newState() {
    const generation = this.nextGeneration++;
    return this.config.shared ? new PoolInstanceState(generation, this) : new InstanceState(generation);
  }

  /**
   * Wraps a threads glue's `initSync` or `init`: reads the memory and the
   * poison flag it is handed before the glue instantiates. A worker given
   * the pool's memory without the pool's flag is refused here: it would run
   * Rust code on that memory with no way to learn of another worker's abort.
   */
  poolInit(init) {
    const recovery = this;
    return function (options, ...rest) {
      let memory;
      let poison;
      if (options != null && Object.getPrototypeOf(options) === Object.prototype) {
        ({ memory, poison } = options);
      } else {
        memory = rest[0]; // the web glue's deprecated `(module, memory)`
      }
      recovery.takePoison(memory, poison);
      return init.call(this, options, ...rest);
    };
  }

  takePoison(memory, poison) {
    if (this.poison !== null) return; // initialised already: the glue returns its instance
    if (poison instanceof SharedArrayBuffer && poison.byteLength >= 4) {
      this.nextPoison = { buffer: poison, owner: false };
    } else if (poison === "owner" || (poison === undefined && memory === undefined)) {
      // This thread owns the pool: the glue makes the memory (or the host
      // made it here), and this glue makes the flag the workers get.
      this.nextPoison = { buffer: new SharedArrayBuffer(4), owner: true };
    } else if (poison === undefined) {
      throw new TypeError(
        "wasm-recover: initSync({ module, memory }) on a shared memory needs `poison` too: the pool's poison flag " +
          "(`__wbg_poison()` of the thread that owns the memory), or `poison: \"owner\"` on the thread that made " +
          "the memory itself; without it this worker would run Rust code on the memory after another worker aborted",
      );
    } else {
      throw new TypeError("wasm-recover: `poison` must be the SharedArrayBuffer `__wbg_poison()` returned, or \"owner\"");
    }
  }

  /** Takes the flag `initSync` was handed into use (the owner watches it). */
  attachPoison() {
    const next = this.nextPoison || { buffer: new SharedArrayBuffer(4), owner: true };
    this.nextPoison = null;
    this.poisonBuffer = next.buffer;
    this.poison = new Int32Array(next.buffer, 0, 1);
    if (next.owner) this.watchPoison();
  }

  /** The pool's flag, for the host to hand every worker with the memory. */
  poisonFlag() {
    if (this.poisonBuffer === null) throw new Error("wasm-recover: the module is not initialised yet: no poison flag");
    return this.poisonBuffer;
  }

  /**
   * The owning thread learns of an abort in any worker without a call of its
   * own: its abort handler runs once, whichever worker aborted. Engines
   * without `Atomics.waitAsync` learn at the owner's next entry instead.
   */
  watchPoison() {
    if (typeof Atomics.waitAsync !== "function") return;
    const learn = () => {
      const state = this.current;
      if (state !== null) void state.dead; // reading it records the abort and runs the handler
    };
    const wait = Atomics.waitAsync(this.poison, 0, 0);
    if (wait.async) wait.value.then(learn);
    else learn();
  }

  /** `state` is alive but another worker poisoned the shared memory: it is dead too. */
  poisoned(state) {
    const cause = new Error("an abort elsewhere in the pool poisoned the shared memory; rebuild the pool");
    cause.name = "PoolPoisonedError";
    this.abort(state, cause, "another worker");
    // What import wrappers throw into a frame of this instance: a genuine
    // trap, which no wasm handler catches.
    state.unwind = this.resetTrap || (this.resetTrap = genuineTrap());
  }

  /**
   * Wraps the functions of an imports object for the next instance. With
   * `module`, only what the module imports is wrapped (CommonJS glue passes
   * `module.exports`, which holds much more).
   */
  wrapImports(raw, module) {
    const state = this.newState();
    state.tag = this.jsTag;
    this.staging = state;
    this.slot.state = state;
    if (this.sharedImports) return this.sharedImports;
    const slot = this.slot;
    const wrapped = {};
    const descriptors = module ? this.importsOf(module) : allImports(raw);
    for (const { module: from, name, kind } of descriptors) {
      const source = raw[from];
      const value = source == null ? undefined : source[name];
      const target = wrapped[from] || (wrapped[from] = {});
      target[name] = kind === "function" && typeof value === "function" ? guardImport(value, slot) : value;
    }
    if (this.config.eh) {
      // The catch frames wasm-recover adds call this import, from the glue's
      // own import module, to end a call whose Rust code panicked.
      for (const from of Object.keys(wrapped)) {
        if (wrapped[from][PANIC_IMPORT] === undefined) {
          wrapped[from][PANIC_IMPORT] = (ptr, len) => panicImport(slot.state)(ptr, len);
        }
      }
    }
    this.sharedImports = wrapped;
    return wrapped;
  }

  /** The import descriptors of `module`, read once: a reset must be cheap. */
  importsOf(module) {
    if (this.importDescriptors === null || this.importDescriptorsOf !== module) {
      this.importDescriptors = WebAssembly.Module.imports(module);
      this.importDescriptorsOf = module;
    }
    return this.importDescriptors;
  }

  /**
   * For hosts that instantiate the wasm themselves and link its imports to the
   * glue's exported functions (a bundler or Node's wasm ESM integration for
   * the `bundler` target; `x.js` of `experimental-nodejs-module` ≤ 0.2.10x).
   * Stages the state of the instance the host is about to create and returns
   * guarded versions of `raw` under the same names, for the glue to export in
   * place of the originals. Resets build their own imports from `getImports`.
   */
  hostImports(raw) {
    const state = this.newState();
    state.tag = this.jsTag;
    this.staging = state;
    this.slot.state = state;
    const guarded = {};
    for (const name of Object.keys(raw)) {
      const value = raw[name];
      guarded[name] = typeof value === "function" ? guardImport(value, this.slot) : value;
    }
    return guarded;
  }

  /**
   * Takes the host's instance into use (`__wbg_set_wasm`): `exports` are its
   * exports or its module namespace; `module` is its compiled module when the
   * host passes it (otherwise `prepareReset` provides one).
   */
  adoptHost(exports, module) {
    return this.adopt(module || null, { exports });
  }

  /**
   * Compiles the module that resets will instantiate, in the background, for
   * hosts that never hand the glue a `WebAssembly.Module` (the `bundler`
   * target). Starts once, at load; a reset never fetches or compiles. Until
   * the module is ready a reset is impossible: `reset()` throws, and a call
   * through the trapdoor of an aborted instance (reset "auto") throws that
   * instance's `AbortError` without entering wasm, as reset "manual" does.
   */
  prepareReset(url) {
    if (this.module || this.moduleReady) return;
    this.moduleReady = compileModule(url).then(
      (module) => {
        if (!this.module) this.module = module;
      },
      (error) => {
        this.moduleError = error;
        throw error;
      },
    );
    // A failure is reported by reset() and resetReady(), never as an unhandled rejection.
    this.moduleReady.catch(() => undefined);
  }

  /** Resolves once a reset is possible; rejects when the module for resets could not be compiled. */
  resetReady() {
    if (this.module) return Promise.resolve();
    if (this.moduleReady) return this.moduleReady.then(() => undefined);
    return Promise.reject(this.notReady());
  }

  notReady() {
    if (this.moduleError !== undefined) {
      return new Error("wasm-recover: cannot reset: compiling the wasm module for resets failed", { cause: this.moduleError });
    }
    if (this.moduleReady) {
      return new Error("wasm-recover: cannot reset yet: the wasm module for resets is still compiling (await __wbg_reset_ready())");
    }
    return new Error("wasm-recover: cannot reset before the module has been instantiated");
  }

  /** Takes a new instance into use and returns the exports the glue must call. */
  adopt(module, instance) {
    const state = this.staging || this.newState();
    this.staging = null;
    if (module) this.module = module;
    state.raw = instance.exports;
    if (this.config.shared && this.poison === null) this.attachPoison();
    const sp = this.config.stackPointer ? state.raw[this.config.stackPointer] : undefined;
    if (sp instanceof WebAssembly.Global) {
      state.stackPointer = sp;
      state.restingStackPointer = sp.value;
    } else if (typeof sp === "number" && typeof state.raw[this.config.stackPointerSetter] === "function") {
      // Node's wasm ESM integration exposes an exported global as its value at
      // instantiation, read-only; the setter export writes the real global.
      state.stackPointer = setterAsGlobal(state.raw[this.config.stackPointerSetter]);
      state.restingStackPointer = sp;
    }
    state.exports = this.guardExports(state);
    this.current = state;
    this.liveGeneration = state.generation;
    this.aborted = false;
    return state.exports;
  }

  guardExports(state) {
    // Hardened glue brings guards written out per export (fast: see
    // crates/glue-rewrite/src/guards.rs); the loop below serves the rest.
    const generated = this.hooks.guardExports;
    if (generated) {
      if (!this.bindExports) this.bindExports = generated((owner, error, name) => this.escape(owner, error, name));
      return this.bindExports(state.raw, state, (table, name) => guardTable(table, state, this, name));
    }
    // Built in one go: an object filled key by key drops to dictionary mode
    // past a few dozen keys, and every `wasm.<export>` lookup pays for it.
    const tables = this.config.functionTables || [];
    const guarded = Object.keys(state.raw).map((name) => {
      const value = state.raw[name];
      if (typeof value === "function") return [name, guardExport(value, state, this, name)];
      if (tables.includes(name)) return [name, guardTable(value, state, this, name)];
      return [name, value];
    });
    return Object.fromEntries(guarded);
  }

  /**
   * Classifies an error that escaped wasm through export `name` of `state`.
   * The start function (the module's initialiser) is the one export whose
   * non-abort failure also ends the instance: see `discardUnstarted`.
   */
  escape(state, error, name) {
    const escaped = this.classify(state, error, name);
    if (name === this.config.start && !state.dead) this.discardUnstarted(state);
    return escaped;
  }

  /**
   * An instance whose start function did not return (a panic, a JS exception
   * from an import) is never entered again: its initialisation is unfinished,
   * and wasm-bindgen's own glue never calls into such an instance either (the
   * load that ran the start fails). The caller gets what the start threw,
   * unchanged, and no abort handler runs (nothing aborted); the next entry
   * makes a fresh instance and runs its start, in either reset mode (the
   * instance came from the load or a reset, which asked for a working one).
   * A shared-memory module is never reset (`poolReset`), so it keeps the
   * instance.
   */
  discardUnstarted(state) {
    if (this.config.shared || this.current !== state) return;
    state.dead = true;
    state.cause = new StaleObjectError("an instance whose start function failed");
    state.unwind = this.resetTrap || (this.resetTrap = genuineTrap());
    state.resetRequested = true;
    this.liveGeneration = 0;
    this.aborted = true;
    // No entry is in the middle of converting arguments into this instance:
    // its only call so far was the start.
    this.midEntryWindow = null;
    this.installTrapdoor(state);
    this.hooks.setWasm(this.glueDoor(state));
  }

  classify(state, error, name) {
    // A dead instance's own cause, thrown back by its import wrappers, becomes
    // its AbortError; anything else (what a forwarded call on the fresh
    // instance raised, the AbortError itself) passes unchanged.
    if (state.dead) {
      const own = Object.is(error, state.cause) || Object.is(error, state.unwind);
      // On a shared memory nothing is forwarded to a fresh instance: a trap
      // of a worker that another worker's abort poisoned in the meantime is
      // that worker's abort too.
      if (!own && this.config.shared && raisedByWasm(error)) return state.abort;
      return own ? state.abort || state.cause : error;
    }
    if (state.tag && error instanceof WebAssembly.Exception && error.is(state.tag)) {
      error = error.getArg(state.tag, 0);
    }
    const glueTag = this.glueTag || (this.hooks.glueTag && (this.glueTag = this.hooks.glueTag()));
    if (glueTag && error instanceof WebAssembly.Exception && error.is(glueTag)) {
      // The module ended the call on purpose (see `glueTag`): its payload is
      // what the caller gets.
      return this.passThrough(state, error.getArg(glueTag, 0), name);
    }
    if (state.hasForeign && Object.is(error, state.foreign)) return this.passThrough(state, error, name);
    if (error instanceof PanicError) {
      // Raised by a catch frame's `__wbr_panic` import: the call ended, the
      // instance is intact.
      if (error.entry === undefined) error.entry = this.label(name);
      return error;
    }
    if (!raisedByWasm(error)) {
      // Thrown while JS converted the arguments (a BigInt or Symbol for a
      // number, a throwing valueOf): no wasm code ran, nothing is poisoned.
      return error;
    }
    return this.abort(state, error, this.label(name));
  }

  /**
   * A value that leaves export `name` of `state` as it was thrown, not as an
   * abort: a JS exception an import threw, or what a wasm-bindgen 0.2.114+
   * module threw on purpose (such a JS exception, its `PanicError`, a
   * `throw_str` error). The shadow stack pointer is put back once no wasm
   * frame is left below.
   */
  passThrough(state, value, name) {
    state.hasForeign = false;
    state.foreign = undefined;
    state.passed = value;
    if (state.importDepth === 0 && state.stackPointer) {
      state.stackPointer.value = state.restingStackPointer;
    }
    if (value instanceof PanicError && value.entry === undefined) value.entry = this.label(name);
    return value;
  }

  label(name) {
    const entries = this.config.entries;
    return (entries && entries[name]) || name;
  }

  abort(state, cause, entry) {
    const error = new AbortError(entry, cause);
    state.dead = true;
    if (this.poison !== null && Atomics.compareExchange(this.poison, 0, 0, 1) === 0) {
      // The first abort of the pool: wake the owner's watch.
      Atomics.notify(this.poison, 0);
    }
    state.cause = cause;
    state.unwind = cause;
    state.abort = error;
    if (this.current === state) {
      this.liveGeneration = 0;
      this.aborted = true;
      this.installTrapdoor(state);
      // The microtask holds a token, not `state`: a synchronous loop of
      // aborts would otherwise keep every dead instance and its memory alive
      // until the loop ends (Chromium runs out of wasm memory reservations
      // after a few hundred).
      const window = {};
      this.midEntryWindow = window;
      queueMicrotask(() => {
        if (this.midEntryWindow === window) this.midEntryWindow = null;
      });
      this.hooks.setWasm(this.glueDoor(state));
    }
    if (this.settle(state, error)) state.delivered = true;
    const handler = this.onAbort;
    if (handler) {
      state.delivered = true;
      // The aborted call's glue entry is still below the handler, its
      // `finally` blocks not yet run: a reset asked for from here waits.
      state.handlingAbort = true;
      try {
        handler(error);
      } catch (handlerError) {
        // The handler's own failure must not replace the abort the caller gets.
        reportLater(handlerError);
      } finally {
        state.handlingAbort = false;
      }
    }
    return error;
  }

  /**
   * Whether frames of the dead instance `state` are still on the stack: a
   * wasm frame below a JS import that has not returned (a nested abort), or
   * the export guard that runs the abort handler. Their glue `finally` blocks
   * (`__wbindgen_add_to_stack_pointer(16)`, deferred frees, `heap[stack_pointer++]
   * = undefined`) have yet to run against the glue's `wasm`, which must still
   * be the dead instance's trapdoor then: no reset until they are gone.
   */
  framesLeft(state) {
    return state.importDepth !== 0 || state.handlingAbort;
  }

  /**
   * Called by a public entry when `aborted` is true, before it converts its
   * arguments: resets now (reset "auto", or a reset requested while the
   * aborted call was unwinding) so that nothing the entry converts (a heap
   * slot, a borrowed object, a string copied into memory) is lost to a reset
   * in the middle of the conversion. Throws the instance's `AbortError`
   * without entering wasm when no reset is possible now: reset "manual",
   * frames of the dead instance still on the stack (a call from JS in between
   * a nested abort), or (bundler) the module for resets not compiled yet.
   */
  settleAbort() {
    const state = this.current;
    if (!this.aborted || state === null || !state.dead) {
      this.aborted = false;
      return;
    }
    if (!this.canSettle(state)) throw state.abort;
    this.reset();
  }

  /** Whether the dead current instance `state` may be replaced right now. */
  canSettle(state) {
    if (this.config.shared || this.framesLeft(state) || !this.module) return false;
    return this.config.reset !== "manual" || state.resetRequested;
  }

  /**
   * Whether `error`, leaving a call the host made with no wasm frame below
   * (a closure fired by a timer or a promise job, a finalizer), is the end of
   * `state` that already reached a pending promise or the abort handler: its
   * `AbortError`, or the `StaleObjectError` of a reset asked for during the
   * call (which the frames of `state` end with). Thrown again, it would be an
   * uncaught exception, which ends a Node process. Any other error, or one
   * nobody received, still goes to the host.
   */
  alreadyDelivered(state, error) {
    return state.dead && state.delivered && error === (state.abort || state.cause);
  }

  /** Rejects every promise the instance's Rust code created and did not settle. */
  settle(state, reason) {
    if (state.pending.size === 0) return false;
    const pending = [...state.pending];
    state.pending.clear();
    for (const entry of pending) entry.reject(reason);
    return true;
  }

  /**
   * The exports the glue sees after an abort. The dead instance's exports
   * object itself becomes the forwarding object: a reference to it that the
   * glue handed out (`__wasm`, `init()`'s result) or that a package's own JS
   * kept keeps working across any number of resets. Its functions go through
   * the trapdoor (reset, then the live instance's function); its memory,
   * globals and tables become accessors that read the live instance's. The
   * glue's own `wasm` binding gets the fresh object at the reset, so only
   * holders of this object pay for the accessors.
   */
  installTrapdoor(state) {
    const door = this.trapdoor(state);
    const exports = state.exports;
    const values = {};
    for (const name of Object.keys(exports)) {
      const value = exports[name];
      if (typeof value === "function") {
        exports[name] = door[name];
        continue;
      }
      values[name] = value;
      this.forwardValue(exports, name);
    }
    state.values = values;
    return exports;
  }

  /**
   * A call through the glue's door of `state` while an abort is pending:
   * refused in the abort's own window (an entry caught in the middle), else
   * settled as a trapdoor call is.
   */
  settleFromGlue(state) {
    if (this.current === state && this.midEntryWindow !== null) throw state.abort;
    this.settleAbort();
  }

  /** Makes `target[name]` an accessor that reads the live instance's value (see `liveValue`). */
  forwardValue(target, name) {
    const recovery = this;
    Object.defineProperty(target, name, {
      configurable: true,
      enumerable: true,
      get() {
        return recovery.liveValue(name);
      },
    });
  }

  /**
   * What the glue's own `wasm` binding holds from an abort of `state` (after
   * `installTrapdoor`) until the reset after it. Every public entry settles
   * a pending abort before it converts its arguments, so a glue call that
   * meets the abort in the same synchronous run (before the microtask
   * checkpoint that ends `midEntryWindow`) comes from an entry that was
   * converting when the instance died (a `Proxy` array's element read, a
   * `valueOf`): it may have put its arguments into the dead instance's memory
   * already (`malloc`, then the copy that aborted). Forwarding that call to
   * a fresh instance would hand it pointers into the dead memory, so it
   * throws the `AbortError` instead; the next entry resets as usual. Argument
   * conversion never awaits, so such an entry cannot outlive the window.
   * Later, this object is a trapdoor like the exports object: the glue hands
   * its binding out in places (`export { wasm as __wasm }`, `init()` called
   * again), and such a holder must not be refused for good. Frees and the
   * shadow stack give-back are dropped, as in the trapdoor.
   */
  glueDoor(state) {
    const door = {};
    const releases = this.config.releases || [];
    for (const name of Object.keys(state.exports)) {
      const forwarding = Object.getOwnPropertyDescriptor(state.exports, name);
      if (typeof forwarding.value !== "function") {
        this.forwardValue(door, name);
      } else if (releases.includes(name)) {
        door[name] = () => undefined;
      } else if (name === STACK_ADJUST) {
        door[name] = (delta) => {
          if (delta >= 0) return 0;
          if (this.aborted) this.settleFromGlue(state);
          return this.current.exports[name](delta);
        };
      } else {
        door[name] = (...args) => {
          if (this.aborted) this.settleFromGlue(state);
          return this.current.exports[name](...args);
        };
      }
    }
    return door;
  }

  /**
   * What a forwarding object's `name` (memory, a global, a table) reads: the
   * live instance's; while an abort is pending, the dead current instance's
   * own. A read never resets: the glue's `finally` blocks of the aborted call
   * read `wasm.<table>` to run closure destructors, which must reach the
   * dead instance's guarded table (whose functions are no-ops), never a
   * fresh instance.
   */
  liveValue(name) {
    const state = this.current;
    return this.aborted ? state.values[name] : state.exports[name];
  }

  /** The trapdoor's functions, by export name. */
  trapdoor(state) {
    const door = {};
    const releases = this.config.releases || [];
    for (const name of Object.keys(state.raw)) {
      if (typeof state.raw[name] !== "function") continue;
      if (releases.includes(name)) {
        // Glue `finally` blocks free while the abort unwinds; freeing into a
        // dead instance is pointless and into a fresh one corrupts it.
        door[name] = () => undefined;
      } else if (name === STACK_ADJUST) {
        // Glue of 0.2.9x and older reserves return slots with
        // `add_to_stack_pointer(-n)` before its call and gives them back with
        // `add_to_stack_pointer(n)` in a `finally`: that give-back runs while
        // the abort unwinds and belongs to the dead instance (on a fresh one
        // it would move the stack pointer into static data).
        door[name] = (delta) => {
          if (delta >= 0) return 0;
          if (this.aborted) this.settleAbort();
          return this.current.exports[name](delta);
        };
      } else {
        // The lazy reset for callers that reach the exports without a
        // public glue entry (a package's own JS holding this object; the
        // glue itself calls through `glueDoor`). Refused, like the entry
        // check, while frames of the dead instance are on the stack or in
        // manual mode.
        door[name] = (...args) => {
          if (this.aborted) this.settleAbort();
          return this.current.exports[name](...args);
        };
      }
    }
    return door;
  }

  /** Replaces the instance with a fresh one from the same compiled module. */
  reset() {
    if (this.config.shared) throw this.poolReset();
    if (!this.module) throw this.notReady();
    const old = this.current;
    if (this.aborted && old && this.framesLeft(old)) {
      // Asked for while the aborted call (or a call below a nested abort)
      // is still unwinding, e.g. from the abort handler: replacing the
      // instance now would let those calls' `finally` blocks run against the
      // fresh one. The next entry resets instead, in either reset mode.
      old.resetRequested = true;
      return;
    }
    if (old && !old.dead) {
      old.dead = true;
      old.cause = new StaleObjectError("a pending call");
      // One trap error serves every reset: it only has to be uncatchable.
      old.unwind = this.resetTrap || (this.resetTrap = genuineTrap());
      // A frame of `old` still on the stack (the host reset from an import)
      // ends with this same error: `alreadyDelivered` keeps it from reaching
      // the event loop a second time when a promise already got it.
      if (this.settle(old, old.cause)) old.delivered = true;
      // Holders of the replaced instance's exports object (`__wasm`,
      // `init()`'s result) reach the fresh instance through it, as after an
      // abort; its guards now refuse the replaced instance.
      if (old.exports) this.installTrapdoor(old);
    }
    const imports = this.wrapImports(this.hooks.getImports(), this.module);
    const instance = new WebAssembly.Instance(this.module, imports);
    this.hooks.resetGlue();
    const exports = this.adopt(this.module, instance);
    this.hooks.setWasm(exports);
    const start = this.config.start;
    if (start && typeof exports[start] === "function") exports[start]();
  }

  /**
   * The `__wbr_panic` import for hosts that link the wasm to the glue's own
   * functions (bundler): throws the PanicError of the instance being called.
   */
  raisePanic(ptr, len) {
    return panicImport(this.staging || this.current)(ptr, len);
  }

  /**
   * Why a shared-memory module is never reset: the memory is every worker's,
   * workers blocked in Rust never acknowledge, and freeing a worker's stack
   * and TLS would run Rust code on the poisoned memory. The host rebuilds
   * the pool instead (docs/threads.md).
   */
  poolReset() {
    const state = this.current;
    const error = new AbortError("__wbg_reset_state()", state && state.dead ? state.cause : undefined);
    error.message =
      "wasm-recover: a shared-memory (threads) module cannot be reset: the pool must be rebuilt: terminate every " +
      "worker, then initialise new ones on a new memory and a new poison flag";
    return error;
  }

  setOnAbort(handler) {
    if (handler != null && typeof handler !== "function") {
      throw new TypeError("set_on_abort expects a function, null or undefined");
    }
    const previous = this.onAbort;
    this.onAbort = handler == null ? null : handler;
    return previous;
  }

  /**
   * Makes `cls` objects remember their instance (stale ones throw on use),
   * and settles a pending abort at the start of every public method, getter,
   * setter and static method, before the glue converts their arguments.
   */
  guardClass(cls, field) {
    const recovery = this;
    settleFirst(cls.prototype, this, field);
    settleFirst(cls, this, field);
    Object.defineProperty(cls.prototype, field, {
      configurable: true,
      get() {
        if (this[GEN] !== recovery.liveGeneration) recovery.staleObject(this[GEN], `${cls.name} object`);
        return this[PTR];
      },
      set(value) {
        this[PTR] = value;
        this[GEN] = recovery.liveGeneration;
      },
    });
  }

  staleObject(generation, what) {
    const state = this.current;
    if (state && state.dead && state.generation === generation && this.config.reset === "manual") {
      throw state.abort;
    }
    const cause = state && state.generation === generation ? state.abort : undefined;
    throw new StaleObjectError(what, cause);
  }

  /**
   * Wraps a closure factory of the glue (`makeMutClosure`, `makeClosure`) so
   * that the JS functions it returns belong to the instance that made them.
   */
  guardClosureFactory(factory) {
    const recovery = this;
    return function () {
      return recovery.guardClosure(factory.apply(this, arguments));
    };
  }

  guardClosure(real) {
    const recovery = this;
    const generation = this.liveGeneration;
    const guarded = function (...args) {
      if (generation !== recovery.liveGeneration) return recovery.staleClosure(generation, args);
      const state = recovery.current;
      if (state.importDepth !== 0) return real.apply(this, args);
      // Called with no wasm frame below: by a timer, a promise job, an event
      // or user code. An abort that already reached a promise or a handler is
      // not thrown again into the event loop, where it would end a Node process.
      try {
        return real.apply(this, args);
      } catch (error) {
        if (recovery.alreadyDelivered(state, error)) return undefined;
        // A panic that a catch frame ended, or a JS exception an import threw,
        // while the host polled a future (wasm-bindgen-futures lets both
        // leave its task): the future's promise would stay pending forever
        // and the error end a Node process. Reject the instance's pending
        // promises with it instead. Which of them the polled future fed is
        // not known here, so every pending one is rejected (README).
        const escaped = error instanceof PanicError || (state.passed !== undefined && Object.is(error, state.passed));
        state.passed = undefined;
        if (escaped && recovery.settle(state, error)) return undefined;
        throw error;
      }
    };
    Object.assign(guarded, real);
    return guarded;
  }

  staleClosure(generation, args) {
    // A dead instance's promise reactions run when `settle` rejects its
    // promises; they receive our own error and must not throw it again.
    const reason = args[0];
    if (reason instanceof AbortError || reason instanceof StaleObjectError) return undefined;
    // Every closure is stale while an abort is pending (they all belong to
    // an older instance): settle it where that is possible now, as any entry
    // does, then report the closure. Never throws an AbortError of its own
    // from here: reset "manual" keeps the rule of `staleObject`.
    if (this.aborted && this.canSettle(this.current)) this.reset();
    this.staleObject(generation, "closure");
  }

  /** `new Promise(executor)` for promises that the instance's Rust code creates. */
  newPromise(executor) {
    // During instantiation (a start section) the promise belongs to the new instance.
    const state = this.staging || this.current;
    return new Promise((resolve, reject) => {
      if (!state) return executor(resolve, reject);
      const entry = { reject };
      state.pending.add(entry);
      const done = () => state.pending.delete(entry);
      try {
        executor(
          (value) => {
            done();
            resolve(value);
          },
          (reason) => {
            done();
            reject(reason);
          },
        );
      } catch (error) {
        done();
        throw error;
      }
    });
  }
}

/**
 * Wraps the public functions and accessors of `target` (a class's prototype
 * or the class itself) so that each settles a pending abort before the glue
 * behind it converts its arguments. wasm-bindgen's own helpers (`__wrap`,
 * `__destroy_into_raw`, names starting with `__`) and the pointer field are
 * internal: the glue calls them in the middle of a call, never as an entry.
 */
function settleFirst(target, recovery, field) {
  for (const key of Reflect.ownKeys(target)) {
    if (key === "constructor" || key === "prototype" || key === "length" || key === "name" || key === field) continue;
    if (typeof key === "string" && key.startsWith("__")) continue;
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (!descriptor.configurable) continue;
    let changed = false;
    for (const part of ["value", "get", "set"]) {
      if (typeof descriptor[part] === "function" && !settlesItself(descriptor[part])) {
        descriptor[part] = settling(descriptor[part], recovery, part);
        changed = true;
      }
    }
    if (changed) Object.defineProperty(target, key, descriptor);
  }
}

/**
 * Whether the glue rewriter already wrote the settle check into `f`'s body:
 * then a wrapper would only read `aborted` twice per call.
 */
function settlesItself(f) {
  try {
    return Function.prototype.toString.call(f).includes(SETTLE_CALL);
  } catch {
    return false;
  }
}

/** What the glue's own check calls (`__wbr` is the glue's name for the runtime). */
const SETTLE_CALL = "__wbr" + ".settleAbort()";

/**
 * `f`, settling a pending abort first (`recovery.aborted` is one load when
 * none is). Accessors get fixed-arity wrappers: a getter sits on hot paths.
 */
function settling(f, recovery, part) {
  let wrapped;
  if (part === "get") {
    wrapped = function () {
      if (recovery.aborted) recovery.settleAbort();
      return f.call(this);
    };
  } else if (part === "set") {
    wrapped = function (value) {
      if (recovery.aborted) recovery.settleAbort();
      f.call(this, value);
    };
  } else {
    wrapped = function () {
      if (recovery.aborted) recovery.settleAbort();
      return f.apply(this, arguments);
    };
  }
  Object.defineProperty(wrapped, "name", { value: f.name, configurable: true });
  Object.defineProperty(wrapped, "length", { value: f.length, configurable: true });
  return wrapped;
}

/**
 * What wasm code itself can raise with no import involved: a trap
 * (RuntimeError), an exhausted stack or allocation (RangeError), or a wasm
 * exception. Anything else that reaches an export wrapper without having left
 * an import was thrown before wasm was entered.
 */
function raisedByWasm(error) {
  return (
    error instanceof WebAssembly.RuntimeError ||
    error instanceof RangeError ||
    (typeof WebAssembly.Exception === "function" && error instanceof WebAssembly.Exception)
  );
}

/** The part of a `WebAssembly.Global` the runtime uses (`value = …`), over a setter function. */
function setterAsGlobal(set) {
  return {
    set value(value) {
      set(value);
    },
  };
}

/** Compiles the wasm at `url`: from the file system under Node, else with `fetch`. */
async function compileModule(url) {
  const href = String(url);
  const fs = nodeFs();
  if (fs && href.startsWith("file:")) {
    return WebAssembly.compile(await fs.promises.readFile(new URL(href)));
  }
  const response = await fetch(href);
  if (!response.ok) {
    throw new Error(`wasm-recover: fetching ${href} for resets failed: ${response.status} ${response.statusText}`);
  }
  const type = (response.headers.get("Content-Type") || "").split(";")[0].trim();
  if (typeof WebAssembly.compileStreaming === "function" && type === "application/wasm") {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

/** Node's `fs` without an `import` (which would break browsers and bundlers). */
function nodeFs() {
  const proc = typeof process === "object" && process !== null ? process : null;
  return proc && typeof proc.getBuiltinModule === "function" ? proc.getBuiltinModule("node:fs") : null;
}

function allImports(raw) {
  const descriptors = [];
  for (const from of Object.keys(raw)) {
    const source = raw[from];
    if (source == null) continue;
    for (const name of Object.keys(source)) {
      descriptors.push({ module: from, name, kind: typeof source[name] === "function" ? "function" : "other" });
    }
  }
  return descriptors;
}

function reportLater(error) {
  if (typeof console !== "undefined" && console.error) {
    console.error("wasm-recover: the abort handler threw", error);
  }
}

// Import wrappers: count the JS frames between wasm frames, remember the JS
// exception leaving JS, and refuse to return into a dead instance. Specialised
// by arity because these sit on every import call.
function importEscape(state, error) {
  if (state.dead) return state.unwind;
  if (state.tag && error instanceof WebAssembly.Exception && error.is(state.tag)) {
    // Already tagged: thrown by a nested export of this instance and not
    // unwrapped by JS in between. Pass it on as it is.
    return error;
  }
  state.hasForeign = true;
  state.foreign = error;
  // A wasm exception of another tag (wasm-bindgen 0.2.114+ glue throws its
  // own) crosses as it is: the module catches it by that tag.
  if (!state.tag || error instanceof WebAssembly.Exception) return error;
  return new WebAssembly.Exception(state.tag, [error]);
}

/**
 * wasm-bindgen's export that moves the shadow stack pointer for return slots
 * (glue of 0.2.9x and older: `-n` before a call, `n` in its `finally`).
 */
const STACK_ADJUST = "__wbindgen_add_to_stack_pointer";

/** Name of the import the catch frames call (also in `model::names`). */
const PANIC_IMPORT = "__wbr_panic";

/** The `__wbr_panic(ptr, len)` import of one instance: throws the PanicError. */
function panicImport(state) {
  return (ptr, len) => {
    let message = "";
    try {
      const memory = state.raw && state.raw.memory;
      if (memory && len > 0) message = new TextDecoder().decode(new Uint8Array(memory.buffer, ptr >>> 0, len >>> 0));
    } catch {
      // An unreadable message must not replace the panic itself.
    }
    throw new PanicError(message ? `Rust code panicked: ${message}` : "Rust code panicked");
  };
}

function guardImport(f, slot) {
  switch (f.length) {
    case 0:
      return function () {
        const state = slot.state;
        if (state.dead) throw state.unwind;
        state.importDepth++;
        try {
          const result = arguments.length === 0 ? f() : f.apply(this, arguments);
          if (state.dead) throw state.unwind;
          return result;
        } catch (error) {
          throw importEscape(state, error);
        } finally {
          state.importDepth--;
        }
      };
    case 1:
      return function (a) {
        const state = slot.state;
        if (state.dead) throw state.unwind;
        state.importDepth++;
        try {
          // Forward extra arguments to functions whose length undercounts them.
          const result = arguments.length > 1 ? f.apply(this, arguments) : f(a);
          if (state.dead) throw state.unwind;
          return result;
        } catch (error) {
          throw importEscape(state, error);
        } finally {
          state.importDepth--;
        }
      };
    case 2:
      return function (a, b) {
        const state = slot.state;
        if (state.dead) throw state.unwind;
        state.importDepth++;
        try {
          // Forward extra arguments to functions whose length undercounts them.
          const result = arguments.length > 2 ? f.apply(this, arguments) : f(a, b);
          if (state.dead) throw state.unwind;
          return result;
        } catch (error) {
          throw importEscape(state, error);
        } finally {
          state.importDepth--;
        }
      };
    case 3:
      return function (a, b, c) {
        const state = slot.state;
        if (state.dead) throw state.unwind;
        state.importDepth++;
        try {
          // Forward extra arguments to functions whose length undercounts them.
          const result = arguments.length > 3 ? f.apply(this, arguments) : f(a, b, c);
          if (state.dead) throw state.unwind;
          return result;
        } catch (error) {
          throw importEscape(state, error);
        } finally {
          state.importDepth--;
        }
      };
    default:
      return function (...args) {
        const state = slot.state;
        if (state.dead) throw state.unwind;
        state.importDepth++;
        try {
          const result = f(...args);
          if (state.dead) throw state.unwind;
          return result;
        } catch (error) {
          throw importEscape(state, error);
        } finally {
          state.importDepth--;
        }
      };
  }
}

/**
 * A trap's RuntimeError, made by running `unreachable`: unlike one built with
 * `new WebAssembly.RuntimeError()`, V8 lets no wasm `catch_all` catch it.
 */
function genuineTrap() {
  // (module (func (export "t") unreachable))
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    0x01, 0x04, 0x01, 0x60, 0x00, 0x00, // type 0: () -> ()
    0x03, 0x02, 0x01, 0x00, // one function of type 0
    0x07, 0x05, 0x01, 0x01, 0x74, 0x00, 0x00, // export "t"
    0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b, // body: unreachable
  ]);
  try {
    new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports.t();
  } catch (error) {
    return error;
  }
  return new WebAssembly.RuntimeError("unreachable");
}

// Export wrappers: the hot path is one try block around the call, with the
// poison flag read before it (a function taken from an exports object before
// an abort never enters the dead instance) and after it (the engine converts
// number arguments inside the call, and a `valueOf` there can abort or reset
// the instance: the dead instance's result must not reach the caller).
function guardExport(f, state, recovery, name) {
  const dead = () => state.abort || state.cause;
  switch (f.length) {
    case 0:
      return function () {
        try {
          if (state.dead) throw dead();
          const r = f();
          if (state.dead) throw dead();
          return r;
        } catch (error) {
          throw recovery.escape(state, error, name);
        }
      };
    case 1:
      return function (a) {
        try {
          if (state.dead) throw dead();
          const r = f(a);
          if (state.dead) throw dead();
          return r;
        } catch (error) {
          throw recovery.escape(state, error, name);
        }
      };
    case 2:
      return function (a, b) {
        try {
          if (state.dead) throw dead();
          const r = f(a, b);
          if (state.dead) throw dead();
          return r;
        } catch (error) {
          throw recovery.escape(state, error, name);
        }
      };
    case 3:
      return function (a, b, c) {
        try {
          if (state.dead) throw dead();
          const r = f(a, b, c);
          if (state.dead) throw dead();
          return r;
        } catch (error) {
          throw recovery.escape(state, error, name);
        }
      };
    case 4:
      return function (a, b, c, d) {
        try {
          if (state.dead) throw dead();
          const r = f(a, b, c, d);
          if (state.dead) throw dead();
          return r;
        } catch (error) {
          throw recovery.escape(state, error, name);
        }
      };
    default:
      return function (...args) {
        try {
          if (state.dead) throw dead();
          const r = f(...args);
          if (state.dead) throw dead();
          return r;
        } catch (error) {
          throw recovery.escape(state, error, name);
        }
      };
  }
}

// Closures' destructors and some invoke shims are called through an exported
// function table (`wasm.__wbindgen_export_N.get(i)(a, b)`): guard what `get` returns.
function guardTable(table, state, recovery, name) {
  return new Proxy(table, {
    get(target, key) {
      if (key === "get") {
        return (index) => {
          // A dead instance's closure destructors are released, never run.
          if (state.dead) return () => undefined;
          const f = target.get(index);
          return typeof f === "function" ? guardExport(f, state, recovery, `${name}[${index}]`) : f;
        };
      }
      const value = Reflect.get(target, key, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function registryClass(recovery) {
  // A FinalizationRegistry whose callbacks only run for objects of the live
  // instance: a finalizer must never free an old pointer into a new instance.
  // A finalizer is called by the engine with no wasm frame below, like a
  // timer's closure, and its errors follow the same rule (`guardClosure`):
  // an abort that reached the handler or a pending promise is not thrown
  // again; anything else (an abort nobody received, the StaleObjectError of
  // a reset the host asked for while `Drop` ran) reaches the event loop,
  // where the host sees it.
  return class GuardedFinalizationRegistry {
    constructor(cleanup) {
      this.inner = new FinalizationRegistry((held) => {
        if (held.generation !== recovery.liveGeneration) return;
        const state = recovery.current;
        try {
          cleanup(held.value);
        } catch (error) {
          if (!recovery.alreadyDelivered(state, error)) throw error;
        }
      });
    }
    register(target, value, token) {
      this.inner.register(target, { generation: recovery.liveGeneration, value }, token);
    }
    unregister(token) {
      return this.inner.unregister(token);
    }
  };
}
