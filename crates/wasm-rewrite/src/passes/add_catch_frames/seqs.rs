//! The tree of instruction sequences of one function: who contains whom.
//!
//! walrus stores a function body as sequences (blocks, loop bodies, `if`
//! arms, `try`/`try_table` bodies, legacy catch handlers) that refer to each
//! other by id. The analyses here need the reverse link too: in which
//! sequence, at which position, a nested sequence starts.

use std::collections::HashMap;

use walrus::ir::{Instr, InstrSeqId, LegacyCatch};
use walrus::LocalFunction;

/// Where a sequence sits: its parent and the index of the instruction that opens it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Place {
    pub(super) parent: InstrSeqId,
    pub(super) index: usize,
}

/// Every sequence of one function, with its place (the entry has none).
pub(super) struct SeqTree {
    /// Sequences in pre-order, the entry first.
    pub(super) order: Vec<InstrSeqId>,
    places: HashMap<InstrSeqId, Place>,
    /// Legacy `catch_all` handler sequences.
    pub(super) catch_all_handlers: Vec<InstrSeqId>,
}

impl SeqTree {
    pub(super) fn of(func: &LocalFunction) -> SeqTree {
        let mut tree = SeqTree {
            order: Vec::new(),
            places: HashMap::new(),
            catch_all_handlers: Vec::new(),
        };
        let mut stack = vec![func.entry_block()];
        while let Some(seq) = stack.pop() {
            tree.order.push(seq);
            for (index, (instr, _)) in func.block(seq).instrs.iter().enumerate() {
                let place = Place { parent: seq, index };
                for child in children(instr) {
                    tree.places.insert(child, place);
                    stack.push(child);
                }
                if let Instr::Try(t) = instr {
                    for catch in &t.catches {
                        if let LegacyCatch::CatchAll { handler } = catch {
                            tree.catch_all_handlers.push(*handler);
                        }
                    }
                }
            }
        }
        tree
    }

    /// Where `seq` sits; `None` for the entry sequence.
    pub(super) fn place(&self, seq: InstrSeqId) -> Option<Place> {
        self.places.get(&seq).copied()
    }
}

/// The sequences an instruction opens, in order.
pub(super) fn children(instr: &Instr) -> Vec<InstrSeqId> {
    match instr {
        Instr::Block(b) => vec![b.seq],
        Instr::Loop(l) => vec![l.seq],
        Instr::IfElse(i) => vec![i.consequent, i.alternative],
        Instr::TryTable(t) => vec![t.seq],
        Instr::Try(t) => {
            let mut seqs = vec![t.seq];
            for catch in &t.catches {
                match catch {
                    LegacyCatch::Catch { handler, .. } | LegacyCatch::CatchAll { handler } => {
                        seqs.push(*handler)
                    }
                    LegacyCatch::Delegate { .. } => {}
                }
            }
            seqs
        }
        _ => Vec::new(),
    }
}

/// Whether control cannot fall off the end of `seq` (its last instruction
/// is `unreachable`, a branch, a return or a throw).
pub(super) fn ends_unreachably(func: &LocalFunction, seq: InstrSeqId) -> bool {
    matches!(
        func.block(seq).instrs.last(),
        Some((
            Instr::Unreachable(_)
                | Instr::Br(_)
                | Instr::Return(_)
                | Instr::Throw(_)
                | Instr::ThrowRef(_)
                | Instr::Rethrow(_),
            _
        ))
    )
}
