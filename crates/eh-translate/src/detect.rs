//! Which exception-handling encoding a module uses, read from its code: the
//! `target_features` section says the same for both encodings (docs/exception-handling.md).

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
        f.write_str(self.as_str())
    }
}

impl EhEncoding {
    /// The spelling used on the command line, in configuration and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            EhEncoding::None => "none",
            EhEncoding::Legacy => "legacy",
            EhEncoding::Exnref => "exnref",
            EhEncoding::Mixed => "mixed",
        }
    }

    /// Whether the module uses any exception-handling instruction of its own
    /// (`throw` alone does not count).
    pub fn has_handlers(self) -> bool {
        !matches!(self, EhEncoding::None)
    }

    /// The encoding of both: `Mixed` when they differ and neither is `None`.
    pub fn join(self, other: EhEncoding) -> EhEncoding {
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
/// IR (one pass over the operators with [`EhClassifier`]; no validation).
pub fn detect_bytes(wasm: &[u8]) -> Result<EhEncoding, wasmparser::BinaryReaderError> {
    use wasmparser::{OperatorsReader, Parser, Payload};
    let mut encoding = EhEncoding::None;
    for payload in Parser::new(0).parse_all(wasm) {
        if let Payload::CodeSectionEntry(body) = payload? {
            let mut ops = OperatorsReader::new(body.get_binary_reader_for_operators()?);
            while !ops.eof() {
                if let Some(found) = ops.visit_operator(&mut EhClassifier)? {
                    encoding = encoding.join(found);
                    if encoding == EhEncoding::Mixed {
                        return Ok(encoding);
                    }
                }
            }
        }
    }
    Ok(encoding)
}

/// Tells which EH encoding one instruction belongs to (`Legacy` or
/// `Exnref`), if any: the one classifier behind every detector of the
/// workspace (`detect_bytes`, and the model's scan, which also wants the
/// offset of each). Visiting instead of calling `OperatorsReader::read`
/// skips building an `Operator` for each of the millions of instructions of
/// a big module: about four times faster.
///
/// ```
/// use wasm_recover_eh_translate::{EhClassifier, EhEncoding};
/// use wasmparser::VisitOperator;
/// assert_eq!(EhClassifier.visit_try_table(wasmparser::TryTable {
///     ty: wasmparser::BlockType::Empty, catches: vec![] }), Some(EhEncoding::Exnref));
/// assert_eq!(EhClassifier.visit_throw(0), None);
/// ```
pub struct EhClassifier;

/// The encoding of an instruction, from the proposal wasmparser files it under.
macro_rules! eh_encoding_of {
    (legacy_exceptions $op:ident) => {
        Some(EhEncoding::Legacy)
    };
    // `throw` belongs to both encodings.
    (exceptions Throw) => {
        None
    };
    (exceptions $op:ident) => {
        Some(EhEncoding::Exnref)
    };
    ($proposal:ident $op:ident) => {
        None
    };
}

macro_rules! define_visit_operator {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        $(
            #[inline]
            #[allow(unused_variables)]
            fn $visit(&mut self $($(, $arg: $argty)*)?) -> Self::Output {
                eh_encoding_of!($proposal $op)
            }
        )*
    };
}

impl<'a> wasmparser::VisitOperator<'a> for EhClassifier {
    type Output = Option<EhEncoding>;

    fn simd_visitor(
        &mut self,
    ) -> Option<&mut dyn wasmparser::VisitSimdOperator<'a, Output = Self::Output>> {
        Some(self)
    }

    wasmparser::for_each_visit_operator!(define_visit_operator);
}

impl<'a> wasmparser::VisitSimdOperator<'a> for EhClassifier {
    wasmparser::for_each_visit_simd_operator!(define_visit_operator);
}
