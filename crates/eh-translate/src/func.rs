//! Small helpers shared by both directions: block types, new sequences,
//! where a function is, and which instructions may throw.

use walrus::ir::{Instr, InstrLocId, InstrSeqId, InstrSeqType};
use walrus::{LocalFunction, ModuleTypes, RefType, ValType};

/// `exnref`, the only type that has no legacy equivalent.
pub(crate) const EXNREF: ValType = ValType::Ref(RefType::EXNREF);

/// Where a function is, for error messages.
#[derive(Debug, Clone)]
pub(crate) struct FuncAt {
    pub(crate) index: u32,
    pub(crate) name: Option<String>,
}

/// The parameters and results of an instruction sequence.
pub(crate) fn seq_sig(
    func: &LocalFunction,
    types: &ModuleTypes,
    seq: InstrSeqId,
) -> (Vec<ValType>, Vec<ValType>) {
    match func.block(seq).ty {
        InstrSeqType::Simple(None) => (vec![], vec![]),
        InstrSeqType::Simple(Some(t)) => (vec![], vec![t]),
        InstrSeqType::MultiValue(ty) => {
            let (p, r) = types.params_results(ty);
            (p.to_vec(), r.to_vec())
        }
    }
}

/// A new, empty instruction sequence of type `params -> results`.
pub(crate) fn new_seq(
    func: &mut LocalFunction,
    types: &mut ModuleTypes,
    params: &[ValType],
    results: &[ValType],
) -> InstrSeqId {
    let ty = InstrSeqType::new(types, params, results);
    func.builder_mut().dangling_instr_seq(ty).id()
}

/// The byte offset an instruction had in the input, or 0 for one we made.
pub(crate) fn offset(loc: &InstrLocId) -> u32 {
    if loc.is_default() {
        0
    } else {
        loc.data()
    }
}

/// The sequences nested directly in an instruction (bodies, arms, handlers),
/// without allocating: the passes ask this of every instruction.
pub(crate) fn child_seqs(instr: &Instr) -> ChildSeqs<'_> {
    let (first, catches): ([Option<InstrSeqId>; 2], &[walrus::ir::LegacyCatch]) = match instr {
        Instr::Block(b) => ([Some(b.seq), None], &[]),
        Instr::Loop(l) => ([Some(l.seq), None], &[]),
        Instr::IfElse(i) => ([Some(i.consequent), Some(i.alternative)], &[]),
        Instr::TryTable(t) => ([Some(t.seq), None], &[]),
        Instr::Try(t) => ([Some(t.seq), None], &t.catches),
        _ => ([None, None], &[]),
    };
    ChildSeqs {
        first,
        next: 0,
        catches,
    }
}

/// Iterator of [`child_seqs`].
pub(crate) struct ChildSeqs<'a> {
    first: [Option<InstrSeqId>; 2],
    next: usize,
    catches: &'a [walrus::ir::LegacyCatch],
}

impl Iterator for ChildSeqs<'_> {
    type Item = InstrSeqId;

    fn next(&mut self) -> Option<InstrSeqId> {
        while self.next < 2 {
            self.next += 1;
            if let Some(seq) = self.first[self.next - 1] {
                return Some(seq);
            }
        }
        while let Some((c, rest)) = self.catches.split_first() {
            self.catches = rest;
            match c {
                walrus::ir::LegacyCatch::Catch { handler, .. }
                | walrus::ir::LegacyCatch::CatchAll { handler } => return Some(*handler),
                walrus::ir::LegacyCatch::Delegate { .. } => {}
            }
        }
        None
    }
}

/// Whether running `instrs` can raise an exception (a trap cannot be caught,
/// so only calls and throws count). Conservative: a nested handler region
/// counts as throwing whenever anything inside it can throw.
pub(crate) fn may_throw(func: &LocalFunction, instrs: &[(Instr, InstrLocId)]) -> bool {
    instrs.iter().any(|(instr, _)| match instr {
        Instr::Call(_)
        | Instr::CallIndirect(_)
        | Instr::CallRef(_)
        | Instr::ReturnCall(_)
        | Instr::ReturnCallIndirect(_)
        | Instr::ReturnCallRef(_)
        | Instr::Throw(_)
        | Instr::ThrowRef(_)
        | Instr::Rethrow(_) => true,
        other => child_seqs(other).any(|s| may_throw(func, &func.block(s).instrs)),
    })
}

/// Whether control never falls off the end of `instrs`.
pub(crate) fn ends_unreachable(instrs: &[(Instr, InstrLocId)]) -> bool {
    matches!(
        instrs.last(),
        Some((
            Instr::Br(_)
                | Instr::BrTable(_)
                | Instr::Return(_)
                | Instr::Unreachable(_)
                | Instr::Throw(_)
                | Instr::ThrowRef(_)
                | Instr::Rethrow(_)
                | Instr::ReturnCall(_)
                | Instr::ReturnCallIndirect(_)
                | Instr::ReturnCallRef(_),
            _
        ))
    )
}

/// A fast hasher for the id-keyed maps of the two passes (ids are small
/// integers; SipHash's DoS resistance buys nothing here and costs time on
/// modules with thousands of handlers).
#[derive(Default, Clone, Copy)]
pub(crate) struct IdHasher(u64);

impl std::hash::Hasher for IdHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
}

/// `HashMap` with [`IdHasher`].
pub(crate) type Map<K, V> =
    std::collections::HashMap<K, V, std::hash::BuildHasherDefault<IdHasher>>;
/// `HashSet` with [`IdHasher`].
pub(crate) type Set<K> = std::collections::HashSet<K, std::hash::BuildHasherDefault<IdHasher>>;

/// Whether a sequence's parameters or results hold an exnref (no allocation).
pub(crate) fn seq_has_exnref(func: &LocalFunction, types: &ModuleTypes, seq: InstrSeqId) -> bool {
    match func.block(seq).ty {
        InstrSeqType::Simple(None) => false,
        InstrSeqType::Simple(Some(t)) => t == EXNREF,
        InstrSeqType::MultiValue(ty) => {
            let (p, r) = types.params_results(ty);
            p.contains(&EXNREF) || r.contains(&EXNREF)
        }
    }
}
