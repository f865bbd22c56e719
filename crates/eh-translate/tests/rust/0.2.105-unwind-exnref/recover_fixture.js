
let imports = {};
imports['__wbindgen_placeholder__'] = module.exports;

let cachedUint8ArrayMemory0 = null;

function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true, fatal: true });

cachedTextDecoder.decode();

function decodeText(ptr, len) {
    return cachedTextDecoder.decode(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(ptr, len);
}

function addToExternrefTable0(obj) {
    const idx = wasm.__externref_table_alloc();
    wasm.__wbindgen_externrefs.set(idx, obj);
    return idx;
}

function handleError(f, args) {
    try {
        return f.apply(this, args);
    } catch (e) {
        const idx = addToExternrefTable0(e);
        wasm.__wbindgen_exn_store(idx);
    }
}

function isLikeNone(x) {
    return x === undefined || x === null;
}

const CLOSURE_DTORS = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(state => state.dtor(state.a, state.b));

function makeMutClosure(arg0, arg1, dtor, f) {
    const state = { a: arg0, b: arg1, cnt: 1, dtor };
    const real = (...args) => {

        // First up with a closure we increment the internal reference
        // count. This ensures that the Rust closure environment won't
        // be deallocated while we're invoking it.
        state.cnt++;
        const a = state.a;
        state.a = 0;
        try {
            return f(a, state.b, ...args);
        } finally {
            state.a = a;
            real._wbg_cb_unref();
        }
    };
    real._wbg_cb_unref = () => {
        if (--state.cnt === 0) {
            state.dtor(state.a, state.b);
            state.a = 0;
            CLOSURE_DTORS.unregister(state);
        }
    };
    CLOSURE_DTORS.register(real, state, state);
    return real;
}
/**
 * Holds two guards while calling `fixtureHost.callJs(n)`; when the host
 * throws, an unwinding build logs `drop inner`, then `drop outer`, and the
 * line after the call never runs.
 * @param {number} n
 * @returns {number}
 */
exports.call_js_with_guards = function(n) {
    const ret = wasm.call_js_with_guards(n);
    return ret >>> 0;
};

/**
 * @param {number} ms
 * @param {number} value
 * @returns {Promise<any>}
 */
exports.delayed_value = function(ms, value) {
    const ret = wasm.delayed_value(ms, value);
    return ret;
};

let WASM_VECTOR_LEN = 0;

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    }
}

function passStringToWasm0(arg, malloc, realloc) {

    if (realloc === undefined) {
        const buf = cachedTextEncoder.encode(arg);
        const ptr = malloc(buf.length, 1) >>> 0;
        getUint8ArrayMemory0().subarray(ptr, ptr + buf.length).set(buf);
        WASM_VECTOR_LEN = buf.length;
        return ptr;
    }

    let len = arg.length;
    let ptr = malloc(len, 1) >>> 0;

    const mem = getUint8ArrayMemory0();

    let offset = 0;

    for (; offset < len; offset++) {
        const code = arg.charCodeAt(offset);
        if (code > 0x7F) break;
        mem[ptr + offset] = code;
    }

    if (offset !== len) {
        if (offset !== 0) {
            arg = arg.slice(offset);
        }
        ptr = realloc(ptr, len, len = offset + arg.length * 3, 1) >>> 0;
        const view = getUint8ArrayMemory0().subarray(ptr + offset, ptr + len);
        const ret = cachedTextEncoder.encodeInto(arg, view);

        offset += ret.written;
        ptr = realloc(ptr, len, offset, 1) >>> 0;
    }

    WASM_VECTOR_LEN = offset;
    return ptr;
}
/**
 * Panics inside the future, after an await: the poll runs in a microtask.
 * @param {number} ms
 * @param {string} message
 * @returns {Promise<any>}
 */
exports.panic_after = function(ms, message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.panic_after(ms, ptr0, len0);
    return ret;
};

/**
 * Awaits a promise the host returns from `callJs`-style code: a JS
 * exception thrown while the future is polled rejects the promise.
 * @param {Promise<any>} promise
 * @returns {Promise<any>}
 */
exports.await_host = function(promise) {
    const ret = wasm.await_host(promise);
    return ret;
};

/**
 * Fires `fixtureHost.log` (or panics) from a timer, `ms` from now.
 * @param {number} ms
 * @param {boolean} panic
 */
exports.schedule = function(ms, panic) {
    wasm.schedule(ms, panic);
};

/**
 * Returns a JS function backed by a Rust closure.
 * @param {number} n
 * @returns {any}
 */
exports.make_adder = function(n) {
    const ret = wasm.make_adder(n);
    return ret;
};

/**
 * The trivial export the per-call benchmark measures.
 * @param {number} a
 * @param {number} b
 * @returns {number}
 */
exports.add = function(a, b) {
    const ret = wasm.add(a, b);
    return ret >>> 0;
};

/**
 * How many calls this instance has served (counting this one).
 * @returns {number}
 */
exports.calls = function() {
    const ret = wasm.calls();
    return ret >>> 0;
};

/**
 * Overflows the engine's call stack (a `RangeError` in V8).
 * @returns {bigint}
 */
exports.overflow_stack = function() {
    const ret = wasm.overflow_stack();
    return BigInt.asUintN(64, ret);
};

/**
 * Calls `fixtureHost.callJs(n)`, then keeps running Rust code and logs it.
 * Tests re-enter the module from `callJs` to check that no Rust code of
 * this frame runs after a nested abort.
 * @param {number} n
 * @returns {number}
 */
exports.call_js = function(n) {
    const ret = wasm.call_js(n);
    return ret >>> 0;
};

/**
 * Uses a `Mutex` that a panicking call held.
 * @param {string} message
 */
exports.lock_shared_and_panic = function(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.lock_shared_and_panic(ptr0, len0);
};

/**
 * @returns {string}
 */
exports.shared_state = function() {
    let deferred1_0;
    let deferred1_1;
    try {
        const ret = wasm.shared_state();
        deferred1_0 = ret[0];
        deferred1_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
    }
};

/**
 * @returns {boolean}
 */
exports.is_panicking = function() {
    const ret = wasm.is_panicking();
    return ret !== 0;
};

/**
 * Clears the poison a panicking [`lock_shared_and_panic`] left on the
 * `Mutex`, so a test can poison it again.
 */
exports.clear_shared_poison = function() {
    wasm.clear_shared_poison();
};

/**
 * Panics inside `std::panic::catch_unwind` and reports what it caught. With
 * panic=unwind the panic never leaves Rust (`"caught: <message>"`, and
 * `is_panicking()` is false again afterwards); with panic=abort it aborts.
 * @param {string} message
 * @returns {string}
 */
exports.catch_inside = function(message) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.catch_inside(ptr0, len0);
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
};

/**
 * Panics with a payload that is not a message (`panic_any(42u32)`), for
 * tests of what a boundary reports when it cannot recover a message.
 */
exports.panic_with_payload = function() {
    wasm.panic_with_payload();
};

/**
 * Holds two guards, then panics: an unwinding build logs `drop inner`, then
 * `drop outer`.
 * @param {string} message
 */
exports.panic_with_guards = function(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.panic_with_guards(ptr0, len0);
};

/**
 * @param {string} name
 * @returns {string}
 */
exports.greet = function(name) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.greet(ptr0, len0);
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
    }
};

let cachedUint32ArrayMemory0 = null;

function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function getArrayU32FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint32ArrayMemory0().subarray(ptr / 4, ptr / 4 + len);
}
/**
 * @param {Uint32Array} values
 * @returns {Uint32Array}
 */
exports.reverse = function(values) {
    const ptr0 = passArray32ToWasm0(values, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.reverse(ptr0, len0);
    var v2 = getArrayU32FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v2;
};

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}
/**
 * @param {Uint8Array} bytes
 * @returns {number}
 */
exports.sum_bytes = function(bytes) {
    const ptr0 = passArray8ToWasm0(bytes, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.sum_bytes(ptr0, len0);
    return ret >>> 0;
};

/**
 * Appends to instance state and returns its length: tests use it to show
 * that state is exactly what the successful calls left.
 * @param {string} line
 * @returns {number}
 */
exports.remember = function(line) {
    const ptr0 = passStringToWasm0(line, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.remember(ptr0, len0);
    return ret >>> 0;
};

let cachedDataViewMemory0 = null;

function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}

function getArrayJsValueFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    const mem = getDataViewMemory0();
    const result = [];
    for (let i = ptr; i < ptr + 4 * len; i += 4) {
        result.push(wasm.__wbindgen_externrefs.get(mem.getUint32(i, true)));
    }
    wasm.__externref_drop_slice(ptr, len);
    return result;
}
/**
 * @returns {any[]}
 */
exports.history = function() {
    const ret = wasm.history();
    var v1 = getArrayJsValueFromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v1;
};

/**
 * @param {string} message
 */
exports.panic_now = function(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    wasm.panic_now(ptr0, len0);
};

/**
 * Panics while a `RefCell` borrow of instance state is held.
 * @param {string} message
 * @returns {number}
 */
exports.panic_while_borrowed = function(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    const ret = wasm.panic_while_borrowed(ptr0, len0);
    return ret >>> 0;
};

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}
/**
 * A `Result::Err` becomes an ordinary JS exception thrown by the glue.
 * @param {number} a
 * @param {number} b
 * @returns {number}
 */
exports.checked_div = function(a, b) {
    const ret = wasm.checked_div(a, b);
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return ret[0];
};

/**
 * Runs out of memory: wasm32 memory cannot grow past 4 GiB, so the third
 * 2 GiB allocation fails and the allocator aborts.
 * @returns {number}
 */
exports.exhaust_memory = function() {
    const ret = wasm.exhaust_memory();
    return ret >>> 0;
};

function wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___wasm_bindgen_68688f7b3efe4a4f___JsValue_____(arg0, arg1, arg2) {
    wasm.wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___wasm_bindgen_68688f7b3efe4a4f___JsValue_____(arg0, arg1, arg2);
}

function wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke______(arg0, arg1) {
    wasm.wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke______(arg0, arg1);
}

function wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___u32__u32_(arg0, arg1, arg2) {
    const ret = wasm.wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___u32__u32_(arg0, arg1, arg2);
    return ret >>> 0;
}

function wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___wasm_bindgen_68688f7b3efe4a4f___JsValue__wasm_bindgen_68688f7b3efe4a4f___JsValue_____(arg0, arg1, arg2, arg3) {
    wasm.wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___wasm_bindgen_68688f7b3efe4a4f___JsValue__wasm_bindgen_68688f7b3efe4a4f___JsValue_____(arg0, arg1, arg2, arg3);
}

const CounterFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_counter_free(ptr >>> 0, 1));
/**
 * A class with state, `&mut self` methods, a getter and a setter.
 */
class Counter {

    __destroy_into_raw() {
        const ptr = this.__wbg_ptr;
        this.__wbg_ptr = 0;
        CounterFinalization.unregister(this);
        return ptr;
    }

    free() {
        const ptr = this.__destroy_into_raw();
        wasm.__wbg_counter_free(ptr, 0);
    }
    /**
     * Panics when `label` is `"panic"`, so a constructor can abort.
     * @param {string} label
     */
    constructor(label) {
        const ptr0 = passStringToWasm0(label, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.counter_new(ptr0, len0);
        this.__wbg_ptr = ret >>> 0;
        CounterFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Panics while `&mut self` is borrowed by the glue.
     * @param {string} message
     * @returns {number}
     */
    fail(message) {
        const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        const ret = wasm.counter_fail(this.__wbg_ptr, ptr0, len0);
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    get count() {
        const ret = wasm.counter_count(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * @returns {string}
     */
    get label() {
        let deferred1_0;
        let deferred1_1;
        try {
            const ret = wasm.counter_label(this.__wbg_ptr);
            deferred1_0 = ret[0];
            deferred1_1 = ret[1];
            return getStringFromWasm0(ret[0], ret[1]);
        } finally {
            wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
        }
    }
    /**
     * Panics inside a getter.
     * @returns {number}
     */
    get broken() {
        const ret = wasm.counter_broken(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Calls into JS while `&mut self` is borrowed.
     * @param {number} n
     * @returns {number}
     */
    call_js(n) {
        const ret = wasm.counter_call_js(this.__wbg_ptr, n);
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    increment() {
        const ret = wasm.counter_increment(this.__wbg_ptr);
        return ret >>> 0;
    }
    /**
     * Panics on `u32::MAX`, so a setter can abort.
     * @param {number} value
     */
    set count(value) {
        wasm.counter_set_count(this.__wbg_ptr, value);
    }
}
if (Symbol.dispose) Counter.prototype[Symbol.dispose] = Counter.prototype.free;

exports.Counter = Counter;

exports.__wbg___wbindgen_is_function_ee8a6c5833c90377 = function(arg0) {
    const ret = typeof(arg0) === 'function';
    return ret;
};

exports.__wbg___wbindgen_is_undefined_2d472862bd29a478 = function(arg0) {
    const ret = arg0 === undefined;
    return ret;
};

exports.__wbg___wbindgen_throw_b855445ff6a94295 = function(arg0, arg1) {
    throw new Error(getStringFromWasm0(arg0, arg1));
};

exports.__wbg__wbg_cb_unref_2454a539ea5790d9 = function(arg0) {
    arg0._wbg_cb_unref();
};

exports.__wbg_callJs_73b05ac295b11467 = function(arg0) {
    const ret = fixtureHost.callJs(arg0 >>> 0);
    return ret;
};

exports.__wbg_call_525440f72fbfc0ea = function() { return handleError(function (arg0, arg1, arg2) {
    const ret = arg0.call(arg1, arg2);
    return ret;
}, arguments) };

exports.__wbg_call_e762c39fa8ea36bf = function() { return handleError(function (arg0, arg1) {
    const ret = arg0.call(arg1);
    return ret;
}, arguments) };

exports.__wbg_log_c0965d1e0c47f476 = function(arg0, arg1) {
    fixtureHost.log(getStringFromWasm0(arg0, arg1));
};

exports.__wbg_new_3c3d849046688a66 = function(arg0, arg1) {
    try {
        var state0 = {a: arg0, b: arg1};
        var cb0 = (arg0, arg1) => {
            const a = state0.a;
            state0.a = 0;
            try {
                return wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___wasm_bindgen_68688f7b3efe4a4f___JsValue__wasm_bindgen_68688f7b3efe4a4f___JsValue_____(a, state0.b, arg0, arg1);
            } finally {
                state0.a = a;
            }
        };
        const ret = new Promise(cb0);
        return ret;
    } finally {
        state0.a = state0.b = 0;
    }
};

exports.__wbg_new_no_args_ee98eee5275000a4 = function(arg0, arg1) {
    const ret = new Function(getStringFromWasm0(arg0, arg1));
    return ret;
};

exports.__wbg_queueMicrotask_34d692c25c47d05b = function(arg0) {
    const ret = arg0.queueMicrotask;
    return ret;
};

exports.__wbg_queueMicrotask_9d76cacb20c84d58 = function(arg0) {
    queueMicrotask(arg0);
};

exports.__wbg_resolve_caf97c30b83f7053 = function(arg0) {
    const ret = Promise.resolve(arg0);
    return ret;
};

exports.__wbg_setTimeout_b02f3f831b04d784 = function(arg0, arg1) {
    const ret = setTimeout(arg0, arg1 >>> 0);
    return ret;
};

exports.__wbg_static_accessor_GLOBAL_89e1d9ac6a1b250e = function() {
    const ret = typeof global === 'undefined' ? null : global;
    return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
};

exports.__wbg_static_accessor_GLOBAL_THIS_8b530f326a9e48ac = function() {
    const ret = typeof globalThis === 'undefined' ? null : globalThis;
    return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
};

exports.__wbg_static_accessor_SELF_6fdf4b64710cc91b = function() {
    const ret = typeof self === 'undefined' ? null : self;
    return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
};

exports.__wbg_static_accessor_WINDOW_b45bfc5a37f6cfa2 = function() {
    const ret = typeof window === 'undefined' ? null : window;
    return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
};

exports.__wbg_then_4f46f6544e6b4a28 = function(arg0, arg1) {
    const ret = arg0.then(arg1);
    return ret;
};

exports.__wbg_then_70d05cf780a18d77 = function(arg0, arg1, arg2) {
    const ret = arg0.then(arg1, arg2);
    return ret;
};

exports.__wbindgen_cast_2241b6af4c4b2941 = function(arg0, arg1) {
    // Cast intrinsic for `Ref(String) -> Externref`.
    const ret = getStringFromWasm0(arg0, arg1);
    return ret;
};

exports.__wbindgen_cast_4e8e5f8084b65dbf = function(arg0, arg1) {
    // Cast intrinsic for `Closure(Closure { dtor_idx: 3, function: Function { arguments: [U32], shim_idx: 4, ret: U32, inner_ret: Some(U32) }, mutable: true }) -> Externref`.
    const ret = makeMutClosure(arg0, arg1, wasm.wasm_bindgen_68688f7b3efe4a4f___closure__destroy___dyn_core_df6708aeee80d9b4___ops__function__FnMut__u32____Output___u32__, wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___u32__u32_);
    return ret;
};

exports.__wbindgen_cast_ce1738ca1cf90a8c = function(arg0, arg1) {
    // Cast intrinsic for `Closure(Closure { dtor_idx: 3, function: Function { arguments: [], shim_idx: 6, ret: Unit, inner_ret: Some(Unit) }, mutable: true }) -> Externref`.
    const ret = makeMutClosure(arg0, arg1, wasm.wasm_bindgen_68688f7b3efe4a4f___closure__destroy___dyn_core_df6708aeee80d9b4___ops__function__FnMut__u32____Output___u32__, wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke______);
    return ret;
};

exports.__wbindgen_cast_d6cd19b81560fd6e = function(arg0) {
    // Cast intrinsic for `F64 -> Externref`.
    const ret = arg0;
    return ret;
};

exports.__wbindgen_cast_fc3da82b7ff1aaaf = function(arg0, arg1) {
    // Cast intrinsic for `Closure(Closure { dtor_idx: 28, function: Function { arguments: [Externref], shim_idx: 29, ret: Unit, inner_ret: Some(Unit) }, mutable: true }) -> Externref`.
    const ret = makeMutClosure(arg0, arg1, wasm.wasm_bindgen_68688f7b3efe4a4f___closure__destroy___dyn_core_df6708aeee80d9b4___ops__function__FnMut__wasm_bindgen_68688f7b3efe4a4f___JsValue____Output_______, wasm_bindgen_68688f7b3efe4a4f___convert__closures_____invoke___wasm_bindgen_68688f7b3efe4a4f___JsValue_____);
    return ret;
};

exports.__wbindgen_init_externref_table = function() {
    const table = wasm.__wbindgen_externrefs;
    const offset = table.grow(4);
    table.set(0, undefined);
    table.set(offset + 0, undefined);
    table.set(offset + 1, null);
    table.set(offset + 2, true);
    table.set(offset + 3, false);
    ;
};

const wasmPath = `${__dirname}/recover_fixture_bg.wasm`;
const wasmBytes = require('fs').readFileSync(wasmPath);
const wasmModule = new WebAssembly.Module(wasmBytes);
const wasm = exports.__wasm = new WebAssembly.Instance(wasmModule, imports).exports;

wasm.__wbindgen_start();

