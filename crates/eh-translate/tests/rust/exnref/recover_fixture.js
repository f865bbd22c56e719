/* @ts-self-types="./recover_fixture.d.ts" */

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
        __wbg_call_guard();
        try {
            wasm.__wbg_counter_free(ptr, 0);
        } catch(e) {
            __wbg_handle_catch(e);
        }

    }
    /**
     * Panics inside a getter.
     * @returns {number}
     */
    get broken() {
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.counter_broken(this.__wbg_ptr);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        return ret >>> 0;
    }
    /**
     * Calls into JS while `&mut self` is borrowed.
     * @param {number} n
     * @returns {number}
     */
    call_js(n) {
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.counter_call_js(this.__wbg_ptr, n);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    get count() {
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.counter_count(this.__wbg_ptr);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        return ret >>> 0;
    }
    /**
     * Panics while `&mut self` is borrowed by the glue.
     * @param {string} message
     * @returns {number}
     */
    fail(message) {
        const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.counter_fail(this.__wbg_ptr, ptr0, len0);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        return ret >>> 0;
    }
    /**
     * @returns {number}
     */
    increment() {
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.counter_increment(this.__wbg_ptr);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        return ret >>> 0;
    }
    /**
     * @returns {string}
     */
    get label() {
        let deferred1_0;
        let deferred1_1;
        try {
            let ret;
            __wbg_call_guard();
            try {
                ret = wasm.counter_label(this.__wbg_ptr);
            } catch(e) {
                __wbg_handle_catch(e);
            }
            deferred1_0 = ret[0];
            deferred1_1 = ret[1];
            return getStringFromWasm0(ret[0], ret[1]);
        } finally {
            __wbg_call_guard();
            try {
                wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
            } catch(e) {
                __wbg_handle_catch(e);
            }
        }
    }
    /**
     * Panics when `label` is `"panic"`, so a constructor can abort.
     * @param {string} label
     */
    constructor(label) {
        const ptr0 = passStringToWasm0(label, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.counter_new(ptr0, len0);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        this.__wbg_ptr = ret;
        CounterFinalization.register(this, this.__wbg_ptr, this);
        return this;
    }
    /**
     * Panics on `u32::MAX`, so a setter can abort.
     * @param {number} value
     */
    set count(value) {
        __wbg_call_guard();
        try {
            wasm.counter_set_count(this.__wbg_ptr, value);
        } catch(e) {
            __wbg_handle_catch(e);
        }
    }
}
if (Symbol.dispose) Counter.prototype[Symbol.dispose] = Counter.prototype.free;
exports.Counter = Counter;

/**
 * The trivial export the per-call benchmark measures.
 * @param {number} a
 * @param {number} b
 * @returns {number}
 */
function add(a, b) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.add(a, b);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.add = add;

/**
 * Awaits a promise the host returns from `callJs`-style code: a JS
 * exception thrown while the future is polled rejects the promise.
 * @param {Promise<any>} promise
 * @returns {Promise<any>}
 */
function await_host(promise) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.await_host(promise);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret;
}
exports.await_host = await_host;

/**
 * Calls `fixtureHost.callJs(n)`, then keeps running Rust code and logs it.
 * Tests re-enter the module from `callJs` to check that no Rust code of
 * this frame runs after a nested abort.
 * @param {number} n
 * @returns {number}
 */
function call_js(n) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.call_js(n);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.call_js = call_js;

/**
 * How many calls this instance has served (counting this one).
 * @returns {number}
 */
function calls() {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.calls();
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.calls = calls;

/**
 * A `Result::Err` becomes an ordinary JS exception thrown by the glue.
 * @param {number} a
 * @param {number} b
 * @returns {number}
 */
function checked_div(a, b) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.checked_div(a, b);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    if (ret[2]) {
        throw takeFromExternrefTable0(ret[1]);
    }
    return ret[0];
}
exports.checked_div = checked_div;

/**
 * @param {number} ms
 * @param {number} value
 * @returns {Promise<any>}
 */
function delayed_value(ms, value) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.delayed_value(ms, value);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret;
}
exports.delayed_value = delayed_value;

/**
 * Runs out of memory: wasm32 memory cannot grow past 4 GiB, so the third
 * 2 GiB allocation fails and the allocator aborts.
 * @returns {number}
 */
function exhaust_memory() {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.exhaust_memory();
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.exhaust_memory = exhaust_memory;

/**
 * @param {string} name
 * @returns {string}
 */
function greet(name) {
    let deferred2_0;
    let deferred2_1;
    try {
        const ptr0 = passStringToWasm0(name, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
        const len0 = WASM_VECTOR_LEN;
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.greet(ptr0, len0);
        } catch(e) {
            __wbg_handle_catch(e);
        }
        deferred2_0 = ret[0];
        deferred2_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        __wbg_call_guard();
        try {
            wasm.__wbindgen_free(deferred2_0, deferred2_1, 1);
        } catch(e) {
            __wbg_handle_catch(e);
        }
    }
}
exports.greet = greet;

/**
 * @returns {any[]}
 */
function history() {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.history();
    } catch(e) {
        __wbg_handle_catch(e);
    }
    var v1 = getArrayJsValueFromWasm0(ret[0], ret[1]);
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v1;
}
exports.history = history;

/**
 * @returns {boolean}
 */
function is_panicking() {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.is_panicking();
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret !== 0;
}
exports.is_panicking = is_panicking;

/**
 * Uses a `Mutex` that a panicking call held.
 * @param {string} message
 */
function lock_shared_and_panic(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    __wbg_call_guard();
    try {
        wasm.lock_shared_and_panic(ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
}
exports.lock_shared_and_panic = lock_shared_and_panic;

/**
 * Returns a JS function backed by a Rust closure.
 * @param {number} n
 * @returns {any}
 */
function make_adder(n) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.make_adder(n);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret;
}
exports.make_adder = make_adder;

/**
 * Overflows the engine's call stack (a `RangeError` in V8).
 * @returns {bigint}
 */
function overflow_stack() {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.overflow_stack();
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return BigInt.asUintN(64, ret);
}
exports.overflow_stack = overflow_stack;

/**
 * Panics inside the future, after an await: the poll runs in a microtask.
 * @param {number} ms
 * @param {string} message
 * @returns {Promise<any>}
 */
function panic_after(ms, message) {
    const val2 = +ms;
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.panic_after(val2, ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret;
}
exports.panic_after = panic_after;

/**
 * @param {string} message
 */
function panic_now(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    __wbg_call_guard();
    try {
        wasm.panic_now(ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
}
exports.panic_now = panic_now;

/**
 * Panics while a `RefCell` borrow of instance state is held.
 * @param {string} message
 * @returns {number}
 */
function panic_while_borrowed(message) {
    const ptr0 = passStringToWasm0(message, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.panic_while_borrowed(ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.panic_while_borrowed = panic_while_borrowed;

/**
 * Appends to instance state and returns its length: tests use it to show
 * that state is exactly what the successful calls left.
 * @param {string} line
 * @returns {number}
 */
function remember(line) {
    const ptr0 = passStringToWasm0(line, wasm.__wbindgen_malloc, wasm.__wbindgen_realloc);
    const len0 = WASM_VECTOR_LEN;
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.remember(ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.remember = remember;

/**
 * @param {Uint32Array | number[]} values
 * @returns {Uint32Array}
 */
function reverse(values) {
    const ptr0 = passArray32ToWasm0(values, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.reverse(ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    var v2 = getArrayU32FromWasm0(ret[0], ret[1]).slice();
    wasm.__wbindgen_free(ret[0], ret[1] * 4, 4);
    return v2;
}
exports.reverse = reverse;

/**
 * Fires `fixtureHost.log` (or panics) from a timer, `ms` from now.
 * @param {number} ms
 * @param {boolean} panic
 */
function schedule(ms, panic) {
    __wbg_call_guard();
    try {
        wasm.schedule(ms, panic);
    } catch(e) {
        __wbg_handle_catch(e);
    }
}
exports.schedule = schedule;

/**
 * @returns {string}
 */
function shared_state() {
    let deferred1_0;
    let deferred1_1;
    try {
        let ret;
        __wbg_call_guard();
        try {
            ret = wasm.shared_state();
        } catch(e) {
            __wbg_handle_catch(e);
        }
        deferred1_0 = ret[0];
        deferred1_1 = ret[1];
        return getStringFromWasm0(ret[0], ret[1]);
    } finally {
        __wbg_call_guard();
        try {
            wasm.__wbindgen_free(deferred1_0, deferred1_1, 1);
        } catch(e) {
            __wbg_handle_catch(e);
        }
    }
}
exports.shared_state = shared_state;

/**
 * @param {Uint8Array | number[]} bytes
 * @returns {number}
 */
function sum_bytes(bytes) {
    const ptr0 = passArray8ToWasm0(bytes, wasm.__wbindgen_malloc);
    const len0 = WASM_VECTOR_LEN;
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.sum_bytes(ptr0, len0);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}
exports.sum_bytes = sum_bytes;
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_Error_208446807d0d1e30: function(arg0, arg1) {
            const ret = Error(getStringFromWasm0(arg0, arg1));
            return ret;
        },
        __wbg___wbindgen_is_function_741ff2bb612836f5: function(arg0) {
            const ret = typeof(arg0) === 'function';
            return ret;
        },
        __wbg___wbindgen_is_undefined_be5b34249ff1fc15: function(arg0) {
            const ret = arg0 === undefined;
            return ret;
        },
        __wbg___wbindgen_panic_error_0057a448c5707437: function(arg0) {
            const ret = new PanicError(arg0);
            return ret;
        },
        __wbg___wbindgen_rethrow_d953c34c2e20677f: function(arg0) {
            throw new WebAssembly.Exception(__wbindgen_wrapped_jstag, [arg0]);
        },
        __wbg___wbindgen_throw_4c88d8bf264fd984: function(arg0, arg1) {
            throw new WebAssembly.Exception(__wbindgen_wrapped_jstag, [new Error(getStringFromWasm0(arg0, arg1))]);
        },
        __wbg__wbg_cb_unref_09736879a3f67559: function(arg0) {
            arg0._wbg_cb_unref();
        },
        __wbg_callJs_bb158a8a9152d840: function(arg0) {
            const ret = fixtureHost.callJs(arg0 >>> 0);
            return ret;
        },
        __wbg_call_a410eb4b59ed5965: function(arg0, arg1, arg2) {
            const ret = arg0.call(arg1, arg2);
            return ret;
        },
        __wbg_log_ffc755021d5dad18: function(arg0, arg1) {
            fixtureHost.log(getStringFromWasm0(arg0, arg1));
        },
        __wbg_new_ba40181b3f24ac80: function(arg0, arg1) {
            try {
                var state0 = {a: arg0, b: arg1};
                var cb0 = (arg0, arg1) => {
                    const a = state0.a;
                    state0.a = 0;
                    try {
                        return wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___js_sys_213bb550c5fb85d1___Function_fn_wasm_bindgen_56be4593b8ffaf2c___JsValue_____wasm_bindgen_56be4593b8ffaf2c___sys__Undefined___js_sys_213bb550c5fb85d1___Function_fn_wasm_bindgen_56be4593b8ffaf2c___JsValue_____wasm_bindgen_56be4593b8ffaf2c___sys__Undefined_______true_(a, state0.b, arg0, arg1);
                    } finally {
                        state0.a = a;
                    }
                };
                const ret = new Promise(cb0);
                return ret;
            } finally {
                state0.a = 0;
            }
        },
        __wbg_queueMicrotask_1e8503a8a690f0a3: function(arg0) {
            const ret = arg0.queueMicrotask;
            return ret;
        },
        __wbg_queueMicrotask_4a1a4d8dd332373b: function(arg0) {
            queueMicrotask(arg0);
        },
        __wbg_resolve_dbf78ab4942478b0: function(arg0) {
            const ret = Promise.resolve(arg0);
            return ret;
        },
        __wbg_setTimeout_afe1ac223c40ab19: function(arg0, arg1) {
            const ret = setTimeout(arg0, arg1 >>> 0);
            return ret;
        },
        __wbg_static_accessor_GLOBAL_THIS_003ee833af9699fc: function() {
            const ret = typeof globalThis === 'undefined' ? undefined : globalThis;
            return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
        },
        __wbg_static_accessor_GLOBAL_e4293fb22cbe77da: function() {
            const ret = typeof global === 'undefined' ? undefined : global;
            return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
        },
        __wbg_static_accessor_SELF_53bb20457401453d: function() {
            const ret = typeof self === 'undefined' ? undefined : self;
            return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
        },
        __wbg_static_accessor_WINDOW_b5e0810bfecb7feb: function() {
            const ret = typeof window === 'undefined' ? undefined : window;
            return isLikeNone(ret) ? 0 : addToExternrefTable0(ret);
        },
        __wbg_then_656f253a5dd7d8ea: function(arg0, arg1, arg2) {
            const ret = arg0.then(arg1, arg2);
            return ret;
        },
        __wbg_then_e3f7f2d365708be8: function(arg0, arg1) {
            const ret = arg0.then(arg1);
            return ret;
        },
        __wbindgen_generic_0000000000000001: function(arg0, arg1) {
            // Cast intrinsic for `Closure(Closure { owned: true, function: Function { arguments: [Externref], shim_idx: 15, ret: Result(Unit), inner_ret: Some(Result(Unit)) }, mutable: true }) -> Externref`.
            const ret = makeMutClosure(arg0, arg1, wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___wasm_bindgen_56be4593b8ffaf2c___JsValue__core_df6708aeee80d9b4___result__Result_____wasm_bindgen_56be4593b8ffaf2c___JsError___true_);
            return ret;
        },
        __wbindgen_generic_0000000000000002: function(arg0, arg1) {
            // Cast intrinsic for `Closure(Closure { owned: true, function: Function { arguments: [U32], shim_idx: 3, ret: U32, inner_ret: Some(U32) }, mutable: true }) -> Externref`.
            const ret = makeMutClosure(arg0, arg1, wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___u32__u32__true_);
            return ret;
        },
        __wbindgen_generic_0000000000000003: function(arg0, arg1) {
            // Cast intrinsic for `Closure(Closure { owned: true, function: Function { arguments: [], shim_idx: 5, ret: Unit, inner_ret: Some(Unit) }, mutable: true }) -> Externref`.
            const ret = makeMutClosure(arg0, arg1, wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke_______true_);
            return ret;
        },
        __wbindgen_generic_0000000000000004: function(arg0) {
            // Cast intrinsic for `F64 -> Externref`.
            const ret = arg0;
            return ret;
        },
        __wbindgen_generic_0000000000000005: function(arg0, arg1) {
            // Cast intrinsic for `Ref(String) -> Externref`.
            const ret = getStringFromWasm0(arg0, arg1);
            return ret;
        },
        __wbindgen_init_externref_table: function() {
            const table = wasm.__wbindgen_externrefs;
            table.set(0, undefined);
            table.set(1024, undefined);
            table.set(1025, null);
            table.set(1026, true);
            table.set(1027, false);
        },
        __wbindgen_jstag: WebAssembly.JSTag,
        __wbindgen_wrapped_jstag: __wbindgen_wrapped_jstag,
    };
    return {
        __proto__: null,
        "./recover_fixture_bg.js": import0,
    };
}

const __wbindgen_wrapped_jstag = new WebAssembly.Tag({ parameters: ['externref'] });


let __wbg_terminated_addr;
let __wbg_called_abort = false;
function __wbg_call_abort_hook() {
    __wbg_called_abort = true;
    try {
        const idx = getInt32ArrayMemory0()[wasm.__abort_handler.value / 4];
        if (idx) wasm.__wbindgen_export.get(idx)();
    } catch(_) {}
}

function __wbg_handle_catch(e) {
    if (e instanceof WebAssembly.Exception && e.is(__wbindgen_wrapped_jstag)) {
        throw e.getArg(__wbindgen_wrapped_jstag, 0);
    }
    getInt32ArrayMemory0()[__wbg_terminated_addr] = 1;
    __wbg_call_abort_hook();
    throw e;
}


function __wbg_call_guard() {
    __wbg_terminated_addr ??= wasm.__instance_terminated.value / 4;
    const flag = getInt32ArrayMemory0()[__wbg_terminated_addr];
    if (flag) {
        if (!__wbg_called_abort) {
            __wbg_call_abort_hook();
        }throw new Error('Module terminated');
    }
}
function wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke_______true_(arg0, arg1) {
    __wbg_call_guard();
    try {
        wasm.wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke_______true_(arg0, arg1);
    } catch(e) {
        __wbg_handle_catch(e);
    }
}

function wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___wasm_bindgen_56be4593b8ffaf2c___JsValue__core_df6708aeee80d9b4___result__Result_____wasm_bindgen_56be4593b8ffaf2c___JsError___true_(arg0, arg1, arg2) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___wasm_bindgen_56be4593b8ffaf2c___JsValue__core_df6708aeee80d9b4___result__Result_____wasm_bindgen_56be4593b8ffaf2c___JsError___true_(arg0, arg1, arg2);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    if (ret[1]) {
        throw takeFromExternrefTable0(ret[0]);
    }
}

function wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___js_sys_213bb550c5fb85d1___Function_fn_wasm_bindgen_56be4593b8ffaf2c___JsValue_____wasm_bindgen_56be4593b8ffaf2c___sys__Undefined___js_sys_213bb550c5fb85d1___Function_fn_wasm_bindgen_56be4593b8ffaf2c___JsValue_____wasm_bindgen_56be4593b8ffaf2c___sys__Undefined_______true_(arg0, arg1, arg2, arg3) {
    __wbg_call_guard();
    try {
        wasm.wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___js_sys_213bb550c5fb85d1___Function_fn_wasm_bindgen_56be4593b8ffaf2c___JsValue_____wasm_bindgen_56be4593b8ffaf2c___sys__Undefined___js_sys_213bb550c5fb85d1___Function_fn_wasm_bindgen_56be4593b8ffaf2c___JsValue_____wasm_bindgen_56be4593b8ffaf2c___sys__Undefined_______true_(arg0, arg1, arg2, arg3);
    } catch(e) {
        __wbg_handle_catch(e);
    }
}

function wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___u32__u32__true_(arg0, arg1, arg2) {
    let ret;
    __wbg_call_guard();
    try {
        ret = wasm.wasm_bindgen_56be4593b8ffaf2c___convert__closures_____invoke___u32__u32__true_(arg0, arg1, arg2);
    } catch(e) {
        __wbg_handle_catch(e);
    }
    return ret >>> 0;
}

const CounterFinalization = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(ptr => wasm.__wbg_counter_free(ptr, 1));

function addToExternrefTable0(obj) {
    const idx = wasm.__externref_table_alloc();
    wasm.__wbindgen_externrefs.set(idx, obj);
    return idx;
}

const CLOSURE_DTORS = (typeof FinalizationRegistry === 'undefined')
    ? { register: () => {}, unregister: () => {} }
    : new FinalizationRegistry(state => wasm.__wbindgen_destroy_closure(state.a, state.b));

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

function getArrayU32FromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return getUint32ArrayMemory0().subarray(ptr / 4, ptr / 4 + len);
}

let cachedDataViewMemory0 = null;
function getDataViewMemory0() {
    if (cachedDataViewMemory0 === null || cachedDataViewMemory0.buffer.detached === true || (cachedDataViewMemory0.buffer.detached === undefined && cachedDataViewMemory0.buffer !== wasm.memory.buffer)) {
        cachedDataViewMemory0 = new DataView(wasm.memory.buffer);
    }
    return cachedDataViewMemory0;
}

let cachedInt32ArrayMemory0 = null;
function getInt32ArrayMemory0() {
    if (cachedInt32ArrayMemory0 === null || cachedInt32ArrayMemory0.byteLength === 0) {
        cachedInt32ArrayMemory0 = new Int32Array(wasm.memory.buffer);
    }
    return cachedInt32ArrayMemory0;
}

function getStringFromWasm0(ptr, len) {
    ptr = ptr >>> 0;
    return decodeText(getUint8ArrayMemory0().subarray(ptr, ptr + len));
}

let cachedUint32ArrayMemory0 = null;
function getUint32ArrayMemory0() {
    if (cachedUint32ArrayMemory0 === null || cachedUint32ArrayMemory0.byteLength === 0) {
        cachedUint32ArrayMemory0 = new Uint32Array(wasm.memory.buffer);
    }
    return cachedUint32ArrayMemory0;
}

let cachedUint8ArrayMemory0 = null;
function getUint8ArrayMemory0() {
    if (cachedUint8ArrayMemory0 === null || cachedUint8ArrayMemory0.byteLength === 0) {
        cachedUint8ArrayMemory0 = new Uint8Array(wasm.memory.buffer);
    }
    return cachedUint8ArrayMemory0;
}

function isLikeNone(x) {
    return x === undefined || x === null;
}

function makeMutClosure(arg0, arg1, f) {
    const state = { a: arg0, b: arg1, cnt: 1 };
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
            wasm.__wbindgen_destroy_closure(state.a, state.b);
            state.a = 0;
            CLOSURE_DTORS.unregister(state);
        }
    };
    CLOSURE_DTORS.register(real, state, state);
    return real;
}

class PanicError extends Error {}
Object.defineProperty(PanicError.prototype, 'name', {
    value: 'PanicError',
});

function passArray32ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 4, 4) >>> 0;
    getUint32ArrayMemory0().set(arg, ptr / 4);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
}

function passArray8ToWasm0(arg, malloc) {
    const ptr = malloc(arg.length * 1, 1) >>> 0;
    getUint8ArrayMemory0().set(arg, ptr / 1);
    WASM_VECTOR_LEN = arg.length;
    return ptr;
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

function takeFromExternrefTable0(idx) {
    const value = wasm.__wbindgen_externrefs.get(idx);
    wasm.__externref_table_dealloc(idx);
    return value;
}

let cachedTextDecoder = new TextDecoder('utf-8', { ignoreBOM: true });
cachedTextDecoder.decode();
function decodeText(bytes) {
    return cachedTextDecoder.decode(bytes);
}

const cachedTextEncoder = new TextEncoder();

if (!('encodeInto' in cachedTextEncoder)) {
    cachedTextEncoder.encodeInto = function (arg, view) {
        const buf = cachedTextEncoder.encode(arg);
        view.set(buf);
        return {
            read: arg.length,
            written: buf.length
        };
    };
}

let WASM_VECTOR_LEN = 0;

const wasmPath = `${__dirname}/recover_fixture_bg.wasm`;
const wasmBytes = require('fs').readFileSync(wasmPath);
const wasmModule = new WebAssembly.Module(wasmBytes);
let wasmInstance = new WebAssembly.Instance(wasmModule, __wbg_get_imports());
let wasm = wasmInstance.exports;
wasm.__wbindgen_start();
