/* tslint:disable */
/* eslint-disable */

/**
 * A class with state, `&mut self` methods, a getter and a setter.
 */
export class Counter {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Calls into JS while `&mut self` is borrowed.
     */
    call_js(n: number): number;
    /**
     * Panics while `&mut self` is borrowed by the glue.
     */
    fail(message: string): number;
    increment(): number;
    /**
     * Panics when `label` is `"panic"`, so a constructor can abort.
     */
    constructor(label: string);
    /**
     * Panics inside a getter.
     */
    readonly broken: number;
    /**
     * Panics on `u32::MAX`, so a setter can abort.
     */
    count: number;
    readonly label: string;
}

/**
 * The trivial export the per-call benchmark measures.
 */
export function add(a: number, b: number): number;

/**
 * Awaits a promise the host returns from `callJs`-style code: a JS
 * exception thrown while the future is polled rejects the promise.
 */
export function await_host(promise: Promise<any>): Promise<any>;

/**
 * Calls `fixtureHost.callJs(n)`, then keeps running Rust code and logs it.
 * Tests re-enter the module from `callJs` to check that no Rust code of
 * this frame runs after a nested abort.
 */
export function call_js(n: number): number;

/**
 * How many calls this instance has served (counting this one).
 */
export function calls(): number;

/**
 * A `Result::Err` becomes an ordinary JS exception thrown by the glue.
 */
export function checked_div(a: number, b: number): number;

export function delayed_value(ms: number, value: number): Promise<any>;

/**
 * Runs out of memory: wasm32 memory cannot grow past 4 GiB, so the third
 * 2 GiB allocation fails and the allocator aborts.
 */
export function exhaust_memory(): number;

export function greet(name: string): string;

export function history(): any[];

export function is_panicking(): boolean;

/**
 * Uses a `Mutex` that a panicking call held.
 */
export function lock_shared_and_panic(message: string): void;

/**
 * Returns a JS function backed by a Rust closure.
 */
export function make_adder(n: number): any;

/**
 * Overflows the engine's call stack (a `RangeError` in V8).
 */
export function overflow_stack(): bigint;

/**
 * Panics inside the future, after an await: the poll runs in a microtask.
 */
export function panic_after(ms: number, message: string): Promise<any>;

export function panic_now(message: string): void;

/**
 * Panics while a `RefCell` borrow of instance state is held.
 */
export function panic_while_borrowed(message: string): number;

/**
 * Appends to instance state and returns its length: tests use it to show
 * that state is exactly what the successful calls left.
 */
export function remember(line: string): number;

export function reverse(values: Uint32Array | number[]): Uint32Array;

/**
 * Fires `fixtureHost.log` (or panics) from a timer, `ms` from now.
 */
export function schedule(ms: number, panic: boolean): void;

export function shared_state(): string;

export function sum_bytes(bytes: Uint8Array | number[]): number;
