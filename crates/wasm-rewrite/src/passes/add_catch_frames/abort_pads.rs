//! Turns the abort pads of `extern "C"` functions into rethrows.
//!
//! A pad `catch_all → … → call $panic_cannot_unwind; unreachable` aborts on
//! any exception, a Rust panic or a JS exception alike (FIELD-NOTES §3). The
//! rewrite keeps everything the pad does before the call (LLVM restores the
//! stack pointer and runs drops there) and replaces the call by a rethrow of
//! the caught exception, so a Rust panic reaches the catch frame and a JS
//! exception reaches JS unchanged:
//!
//! - legacy: `call $f` at the top of the `catch_all` handler becomes
//!   `rethrow 0` (the handler's own `try`, so the relative depth is exact);
//! - exnref: `catch_all $l` becomes `catch_all_ref $n`, where `$n` is a new
//!   `(result exnref)` block wrapping the body of `$l` and followed by
//!   `local.set $exn`; `call $f` becomes `local.get $exn; throw_ref` (it
//!   replaces `call $f; unreachable`, so no index moves). The body of `$l`
//!   ends unreachably (checked during analysis), so `$n` validates; any plain
//!   `br $l` still skips the `local.set` and ends in `throw_ref` of a null
//!   exnref, a trap, as the original aborted too. exnref modules hold no
//!   `rethrow`/`delegate`, whose raw depths the new block would shift.

use std::collections::HashSet;

use walrus::ir::{Block, Instr, InstrSeqId, LocalGet, LocalSet, Rethrow, ThrowRef, TryTableCatch};
use walrus::{FunctionId, LocalFunction, Module, RefType, ValType};
use wasm_recover_model::EhEncoding;

use super::analyse::Pad;
use super::seqs::SeqTree;

/// Rewrites `pads` (all in `func`); returns how many were rewritten.
pub(super) fn neutralise(
    module: &mut Module,
    func: FunctionId,
    pads: &[&Pad],
    encoding: EhEncoding,
) -> usize {
    if pads.is_empty() {
        return 0;
    }
    let exn = match encoding {
        EhEncoding::Exnref => Some(module.locals.add(ValType::Ref(RefType::EXNREF))),
        EhEncoding::Legacy => None,
    };
    let local = module.funcs.get_mut(func).kind.unwrap_local_mut();
    for pad in pads {
        let (seq, at) = pad.call;
        let instrs = &mut local.block_mut(seq).instrs;
        match exn {
            None => instrs[at].0 = Instr::Rethrow(Rethrow { relative_depth: 0 }),
            Some(exn) => {
                instrs[at].0 = Instr::LocalGet(LocalGet { local: exn });
                instrs[at + 1].0 = Instr::ThrowRef(ThrowRef {});
            }
        }
    }
    if let Some(exn) = exn {
        let targets: HashSet<InstrSeqId> = pads.iter().map(|p| p.target).collect();
        for target in targets {
            capture_exnref(local, target, exn);
        }
    }
    pads.len()
}

/// Wraps the body of block `target` in a new `(result exnref)` block that
/// every `catch_all target` clause now reaches with `catch_all_ref`, and
/// stores the exnref in `exn`.
fn capture_exnref(local: &mut LocalFunction, target: InstrSeqId, exn: walrus::LocalId) {
    let body = std::mem::take(&mut local.block_mut(target).instrs);
    let inner = local
        .builder_mut()
        .dangling_instr_seq(ValType::Ref(RefType::EXNREF))
        .id();
    local.block_mut(inner).instrs = body;
    local.block_mut(target).instrs = vec![
        (Instr::Block(Block { seq: inner }), Default::default()),
        (Instr::LocalSet(LocalSet { local: exn }), Default::default()),
    ];
    let tree = SeqTree::of(local);
    for seq in tree.order {
        for (instr, _) in local.block_mut(seq).instrs.iter_mut() {
            if let Instr::TryTable(t) = instr {
                for catch in t.catches.iter_mut() {
                    if matches!(catch, TryTableCatch::CatchAll { label } if *label == target) {
                        *catch = TryTableCatch::CatchAllRef { label: inner };
                    }
                }
            }
        }
    }
}
