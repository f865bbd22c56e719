//! The glue of a threads build: how it takes the pool's shared memory.
//!
//! wasm-bindgen's threads glue lets the caller hand each worker the module
//! and the memory the owning thread made (`initSync({ module, memory })`).
//! The rewrite wraps exactly those init functions so that each worker is also
//! handed the pool's poison flag (docs/threads.md). Only the layouts read
//! here are accepted; any other shared-memory glue stays refused, because a
//! worker initialised through an init function the rewrite did not wrap
//! would run unguarded on the memory.

use super::Target;

/// The init functions of a threads glue that take the shared memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ThreadsInit {
    /// The bindings the rewrite re-assigns to wrapped versions, in order:
    /// `exports.initSync` (nodejs), `initSync` and `__wbg_init` (web).
    pub init_bindings: Vec<&'static str>,
}

/// Text every accepted layout has: the imports take the memory as a
/// parameter and make a shared one only when none is given.
const IMPORTS_TAKE_MEMORY: &[&str] = &[
    "function __wbg_get_imports(memory)",
    "memory: memory || new WebAssembly.Memory({",
    "shared:true})",
];

/// wasm-bindgen 0.2.130's `nodejs` threads glue: `initSync(opts)` reads
/// `opts.memory`, and only the main thread initialises itself at load.
const NODEJS: &[&str] = &[
    "exports.initSync = function(opts) {",
    "let mem = opts.memory;",
    "const wasmImports = __wbg_get_imports(mem);",
    "if (require('worker_threads').isMainThread) {",
];

/// wasm-bindgen 0.2.130's `web` threads glue: both init functions take an
/// options object (or the deprecated `(module, memory)`).
const WEB: &[&str] = &[
    "function initSync(module, memory) {",
    "({module, memory, thread_stack_size} = module)",
    "async function __wbg_init(module_or_path, memory) {",
    "({module_or_path, memory, thread_stack_size} = module_or_path)",
    "export { initSync, __wbg_init as default };",
];

/// The threads layout of `glue`, when it is one the rewrite knows.
pub(crate) fn detect(glue: &str, target: Target) -> Option<ThreadsInit> {
    let has_all = |texts: &[&str]| texts.iter().all(|t| glue.contains(t));
    if !has_all(IMPORTS_TAKE_MEMORY) {
        return None;
    }
    match target {
        Target::Nodejs if has_all(NODEJS) => Some(ThreadsInit {
            init_bindings: vec!["exports.initSync"],
        }),
        Target::Web if has_all(WEB) => Some(ThreadsInit {
            init_bindings: vec!["initSync", "__wbg_init"],
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(target: &str) -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../tests/fixtures/threads-out/"
        );
        std::fs::read_to_string(format!("{path}{target}/recover_threads.js")).expect("fixture glue")
    }

    #[test]
    fn the_fixture_glue_of_each_target_is_read_as_threads_glue() {
        assert_eq!(
            detect(&fixture("nodejs"), Target::Nodejs).map(|t| t.init_bindings),
            Some(vec!["exports.initSync"])
        );
        assert_eq!(
            detect(&fixture("web"), Target::Web).map(|t| t.init_bindings),
            Some(vec!["initSync", "__wbg_init"])
        );
    }

    #[test]
    fn glue_whose_init_does_not_take_the_memory_is_not_threads_glue() {
        // The same glue with the memory parameter gone: a worker could not be
        // handed the pool's memory, so nothing here may be taken for it.
        let glue = fixture("web").replace(
            "function __wbg_get_imports(memory)",
            "function __wbg_get_imports()",
        );
        assert_eq!(detect(&glue, Target::Web), None);
        // Another target's reading of the same text.
        assert_eq!(detect(&fixture("web"), Target::Nodejs), None);
    }
}
