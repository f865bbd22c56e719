//! What a wasm-bindgen output is, and what hardening it needs.
//!
//! This crate reads; it never rewrites. [`BindgenOutput::discover`] turns the
//! bytes of a `.wasm` and the text of its JS glue into facts (wasm-bindgen
//! version, target, generation G0–G2, EH encoding, glue shape), and
//! [`Plan::new`] turns those facts and the user's [`Options`] into the one
//! [`Plan`] that both rewriters (`wasm-rewrite`, `glue-rewrite`) follow. Names
//! that the wasm and the glue must agree on are constants in [`names`].
//!
//! Architecture invariants:
//! - no IO: inputs are `&[u8]` and `&str`, outputs are values;
//! - every error names a location (byte offset in the wasm, line:column in the glue).
#![deny(missing_docs)]

mod discover;
mod error;
mod plan;

pub use discover::glue::{
    line_column, Anchors, ByteSpan, ClassFacts, EntryFacts, FunctionBody, GlueFacts, GlueShape,
    HandOver, HeapSlab, InstanceCall, Kept, ModuleSystem, PanicErrorClass, PublicEntry, SetWasm,
    StateVar, ThreadsInit, TopLevelInstantiation, WasmAssignment,
};
pub use discover::wasm::{
    ArgConversion, Export, ExportKind, HardenedMark, Import, SharedMemory, WasmFacts,
};
pub use discover::{BindgenOutput, Generation, Target};
pub use error::{Error, ErrorKind, Location};
pub use plan::{
    names, CatchFrames, GlueExport, GlueExportKind, Options, Plan, ResetMode, StackPointer,
};
/// The one exception-handling encoding type of the workspace, owned by
/// `wasm-recover-eh-translate` (re-exported so plan users need one import).
pub use wasm_recover_eh_translate::EhEncoding;
