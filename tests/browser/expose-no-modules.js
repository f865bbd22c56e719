// Loaded as a classic script after the no-modules glue: its `let wasm_bindgen`
// is a global lexical binding that module code cannot name, so this hands it
// over. A file, not `new Function(...)`: the page runs under a Content Security
// Policy without 'unsafe-eval' (see run.mjs).
globalThis.__recoverNoModulesApi = wasm_bindgen;
