//! Decoding a module into walrus IR, for the passes that rewrite bodies.
//!
//! The settings keep the output close to the input: the name section is
//! kept, both EH encodings parse (docs/exception-handling.md), and walrus adds no
//! `producers` section of its own ([`harden`](crate::harden) puts every
//! custom section of the input back, in order).

use crate::Error;

/// Parses `wasm` into walrus IR.
pub(crate) fn parse(wasm: &[u8]) -> Result<walrus::Module, Error> {
    let mut config = walrus::ModuleConfig::new();
    config
        .generate_producers_section(false)
        .generate_name_section(true)
        .legacy_exceptions(true);
    config.parse(wasm).map_err(|source| Error::Ir { source })
}
