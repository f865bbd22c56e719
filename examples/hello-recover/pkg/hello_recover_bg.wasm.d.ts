/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_tally_free: (a: number, b: number) => void;
export const tally_add: (a: number, b: number, c: number) => number;
export const tally_count: (a: number, b: number, c: number) => number;
export const tally_distinct: (a: number) => number;
export const tally_new: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_start: () => void;
