//! Which exception-handling encoding a module uses, read from its code: the
//! `target_features` section says the same for both encodings (FIELD-NOTES §3).

use walrus::ir::{self, Visitor};
use walrus::Module;

/// The exception-handling encoding of a module's code. `throw` and tags are
/// shared by both encodings, so they do not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EhEncoding {
    /// No `try`, `try_table`, `rethrow`, `delegate` or `throw_ref`.
    None,
    /// `try`/`catch`/`catch_all`/`rethrow`/`delegate` (the phase-1 proposal).
    Legacy,
    /// `try_table` and `throw_ref` (the standardised proposal).
    Exnref,
    /// Both; V8 refuses to compile such a module.
    Mixed,
}

impl std::fmt::Display for EhEncoding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EhEncoding::None => "no exception handling",
            EhEncoding::Legacy => "legacy exception handling",
            EhEncoding::Exnref => "exnref exception handling",
            EhEncoding::Mixed => "mixed legacy and exnref exception handling",
        })
    }
}

impl EhEncoding {
    /// Whether the module uses any exception-handling instruction of its own
    /// (`throw` alone does not count).
    pub fn has_handlers(self) -> bool {
        !matches!(self, EhEncoding::None)
    }

    fn join(self, other: EhEncoding) -> EhEncoding {
        match (self, other) {
            (a, EhEncoding::None) => a,
            (EhEncoding::None, b) => b,
            (a, b) if a == b => a,
            _ => EhEncoding::Mixed,
        }
    }
}

/// Where the first instruction of each encoding was found, by function index.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sightings {
    pub(crate) legacy: Option<u32>,
    pub(crate) exnref: Option<u32>,
}

impl Sightings {
    pub(crate) fn encoding(&self) -> EhEncoding {
        let legacy = self.legacy.map_or(EhEncoding::None, |_| EhEncoding::Legacy);
        let exnref = self.exnref.map_or(EhEncoding::None, |_| EhEncoding::Exnref);
        legacy.join(exnref)
    }
}

/// The encoding of a walrus module's code.
pub fn detect(module: &Module) -> EhEncoding {
    sightings(module).encoding()
}

pub(crate) fn sightings(module: &Module) -> Sightings {
    let mut found = Sightings::default();
    for (id, func) in module.funcs.iter_local() {
        let mut seen = Seen::default();
        ir::dfs_in_order(&mut seen, func, func.entry_block());
        let index = id.index() as u32;
        if seen.legacy && found.legacy.is_none() {
            found.legacy = Some(index);
        }
        if seen.exnref && found.exnref.is_none() {
            found.exnref = Some(index);
        }
        if found.legacy.is_some() && found.exnref.is_some() {
            break;
        }
    }
    found
}

#[derive(Default)]
struct Seen {
    legacy: bool,
    exnref: bool,
}

impl<'i> Visitor<'i> for Seen {
    fn visit_try(&mut self, _: &ir::Try) {
        self.legacy = true;
    }
    fn visit_rethrow(&mut self, _: &ir::Rethrow) {
        self.legacy = true;
    }
    fn visit_try_table(&mut self, _: &ir::TryTable) {
        self.exnref = true;
    }
    fn visit_throw_ref(&mut self, _: &ir::ThrowRef) {
        self.exnref = true;
    }
}

/// The encoding of a module's code, read with wasmparser without building an
/// IR (one pass over the operators; no validation).
pub fn detect_bytes(wasm: &[u8]) -> Result<EhEncoding, wasmparser::BinaryReaderError> {
    use wasmparser::{Operator, Parser, Payload};
    let mut encoding = EhEncoding::None;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload? {
            let mut ops = body.get_operators_reader()?;
            while !ops.eof() {
                let found = match ops.read()? {
                    Operator::Try { .. }
                    | Operator::Catch { .. }
                    | Operator::CatchAll
                    | Operator::Delegate { .. }
                    | Operator::Rethrow { .. } => EhEncoding::Legacy,
                    Operator::TryTable { .. } | Operator::ThrowRef => EhEncoding::Exnref,
                    _ => continue,
                };
                encoding = encoding.join(found);
                if encoding == EhEncoding::Mixed {
                    return Ok(encoding);
                }
            }
        }
    }
    Ok(encoding)
}
