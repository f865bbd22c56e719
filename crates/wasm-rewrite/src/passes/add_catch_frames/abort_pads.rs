//! Turns the abort pads of `extern "C"` functions into catch frames or
//! rethrows.
//!
//! In exnref, a pad of a function that only JS enters becomes the function's
//! catch frame ([`into_frame`]): a Rust panic goes from the pad to the
//! handler, anything else passes the pad. LLVM puts a pad around every call
//! that can unwind in an `extern "C"` function, so the pads catch every Rust
//! panic that can leave it and the function needs no frame of its own (the
//! escape analysis, which runs afterwards, checks that). The handler needs the stack pointer of the function's entry, which
//! [`entry_sp`] reads from LLVM's prologue (or the single export shim's
//! prologue, for a function a shim forwards to); a function whose shape does
//! not match keeps its pads as rethrows and gets an ordinary frame.
//!
//! Otherwise, a pad rethrows. A pad `catch_all → … → call $panic_cannot_unwind; unreachable` aborts on
//! any exception, a Rust panic or a JS exception alike (docs/exception-handling.md). The
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

use walrus::ir::{
    BinaryOp, Binop, Block, Call, Const, Instr, InstrLocId, InstrSeqId, InstrSeqType, LocalGet,
    LocalSet, LocalTee, Rethrow, ThrowRef, TryTableCatch, Value,
};
use walrus::{FunctionId, GlobalId, LocalFunction, LocalId, Module, RefType, TagId, ValType};
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
        // Legacy: the plan gives catch frames only one of the two encodings.
        _ => None,
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

/// Where an exported function's entry stack pointer can be read in its exnref
/// abort pads: `local + offset`, from its prologue.
#[derive(Debug, Clone, Copy)]
pub(super) struct EntrySp {
    local: LocalId,
    offset: i32,
}

impl EntrySp {
    /// The entry stack pointer of a shim that calls the function once,
    /// `frame` bytes above the function's own.
    pub(super) fn plus(self, frame: i32) -> EntrySp {
        EntrySp {
            offset: self.offset.wrapping_add(frame),
            ..self
        }
    }
}

/// How many bytes of shadow stack the shim `shim` holds when it calls
/// `callee`: 0 when it does not touch the stack pointer before the call, `N`
/// when it opens with LLVM's prologue (`global.get $sp; i32.const N;
/// i32.sub; local.tee $x; global.set $sp`) and sets it nowhere else before
/// the call; `None` otherwise, or when it calls `callee` more than once.
pub(super) fn shim_frame(
    shim: &LocalFunction,
    callee: FunctionId,
    stack_pointer: GlobalId,
) -> Option<i32> {
    let instrs = &shim.block(shim.entry_block()).instrs;
    let calls: Vec<usize> = instrs
        .iter()
        .enumerate()
        .filter(|(_, (i, _))| matches!(i, Instr::Call(c) if c.func == callee))
        .map(|(at, _)| at)
        .collect();
    let [call] = calls.as_slice() else {
        return None;
    };
    let sets = instrs[..*call]
        .iter()
        .filter(|(i, _)| matches!(i, Instr::GlobalSet(s) if s.global == stack_pointer))
        .count();
    if sets == 0 {
        return Some(0);
    }
    let (_, frame) = llvm_prologue(instrs, stack_pointer)?;
    (sets == 1).then_some(frame)
}

/// LLVM's prologue at the start of `instrs`, `global.get $sp; i32.const N;
/// i32.sub; local.tee $x; global.set $sp`: `($x, N)`.
fn llvm_prologue(
    instrs: &[(Instr, InstrLocId)],
    stack_pointer: GlobalId,
) -> Option<(LocalId, i32)> {
    let shape: Vec<&Instr> = instrs.iter().take(5).map(|(i, _)| i).collect();
    match shape.as_slice() {
        [Instr::GlobalGet(g), Instr::Const(Const {
            value: Value::I32(n),
        }), Instr::Binop(Binop {
            op: BinaryOp::I32Sub,
        }), Instr::LocalTee(LocalTee { local: x }), Instr::GlobalSet(s)]
            if g.global == stack_pointer && s.global == stack_pointer =>
        {
            Some((*x, *n))
        }
        _ => None,
    }
}

/// Whether the exnref pads `pads` (all of `func`, a function only JS calls)
/// can become the function's catch frame, and how it reads its entry stack
/// pointer then.
///
/// LLVM's shapes, all required (anything else keeps the pads as rethrows
/// and gives the function an ordinary frame):
/// - the prologue `global.get $sp; i32.const N; i32.sub; local.tee $x;
///   global.set $sp` (entry = `$x + N`) or `global.get $sp; local.set $x`
///   (entry = `$x`) first, inside any blocks that open the body, and no
///   other write of `$x`;
/// - each pad starts `local.get $x; global.set $sp` (the stack pointer put
///   back to the function's frame) right before its `call $f; unreachable`;
/// - only `catch_all` clauses, no branch, reach each pad's block.
pub(super) fn entry_sp(
    local: &LocalFunction,
    pads: &[&Pad],
    stack_pointer: GlobalId,
) -> Option<EntrySp> {
    // The first instructions that run: LLVM may open the body with blocks
    // (the exnref trampoline of a `delegate`) before the prologue.
    let mut first = local.entry_block();
    while let Some((Instr::Block(b), _)) = local.block(first).instrs.first() {
        first = b.seq;
    }
    let entry = &local.block(first).instrs;
    let found = match (llvm_prologue(entry, stack_pointer), entry.as_slice()) {
        (Some((local, offset)), _) => EntrySp { local, offset },
        (None, [(Instr::GlobalGet(g), _), (Instr::LocalSet(LocalSet { local: x }), _), ..])
            if g.global == stack_pointer =>
        {
            EntrySp {
                local: *x,
                offset: 0,
            }
        }
        _ => return None,
    };
    let tree = SeqTree::of(local);
    let targets: HashSet<InstrSeqId> = pads.iter().map(|p| p.target).collect();
    let mut writes = 0;
    for &seq in &tree.order {
        for (instr, _) in &local.block(seq).instrs {
            match instr {
                Instr::LocalSet(LocalSet { local: l }) | Instr::LocalTee(LocalTee { local: l })
                    if *l == found.local =>
                {
                    writes += 1
                }
                Instr::Br(b) if targets.contains(&b.block) => return None,
                Instr::BrIf(b) if targets.contains(&b.block) => return None,
                Instr::BrTable(b)
                    if targets.contains(&b.default)
                        || b.blocks.iter().any(|t| targets.contains(t)) =>
                {
                    return None
                }
                Instr::TryTable(t) => {
                    let other_clause = t.catches.iter().any(|c| match c {
                        TryTableCatch::CatchAll { .. } => false,
                        TryTableCatch::Catch { label, .. }
                        | TryTableCatch::CatchRef { label, .. }
                        | TryTableCatch::CatchAllRef { label } => targets.contains(label),
                    });
                    if other_clause {
                        return None;
                    }
                }
                _ => {}
            }
        }
    }
    if writes != 1 {
        return None;
    }
    for pad in pads {
        let place = tree.place(pad.target)?;
        let (seq, at) = pad.call;
        let instrs = &local.block(seq).instrs;
        let restores = seq == place.parent
            && at >= place.index + 3
            && matches!(&instrs[place.index + 1].0, Instr::LocalGet(LocalGet { local }) if *local == found.local)
            && matches!(&instrs[place.index + 2].0, Instr::GlobalSet(s) if s.global == stack_pointer);
        if !restores {
            return None;
        }
    }
    Some(found)
}

/// Makes the exnref pads `pads` of `func` its catch frame: each `catch_all`
/// of a pad becomes a `catch` of the Rust tag, whose exception pointer the
/// pad's block now yields (kept on the operand stack, or in a new local when
/// the pad runs drops), and `call $f` becomes `[local.get $exn;] local.get
/// $x; i32.const N; i32.add; call $handler` (the
/// exception pointer and the entry stack pointer; LLVM's pad has put the
/// stack pointer back to the function's frame and run its drops by then).
/// Any other exception (a JS one) no longer stops at the pad: it leaves the
/// function as from code without a pad, and the runtime puts the stack
/// pointer back when it reaches JS.
pub(super) fn into_frame(
    module: &mut Module,
    func: FunctionId,
    pads: &[&Pad],
    entry: EntrySp,
    tag: TagId,
    handler: FunctionId,
) {
    let local = module.funcs.get_mut(func).kind.unwrap_local_mut();
    let tree = SeqTree::of(local);
    let mut exn = None;
    // Per pad block: the `local.set` after it, and the call that replaces
    // `call $f`; inserted at (sequence, position, how many replaced).
    let mut blocks = HashSet::new();
    let mut edits: Vec<(InstrSeqId, usize, usize, Vec<Instr>)> = Vec::new();
    for pad in pads.iter().filter(|p| blocks.insert(p.target)) {
        let Some(place) = tree.place(pad.target) else {
            continue;
        };
        local.block_mut(pad.target).ty = InstrSeqType::Simple(Some(ValType::I32));
        let (seq, at) = pad.call;
        let mut call = Vec::new();
        // When the pad only puts the stack pointer back before the call, the
        // exception pointer can wait under it on the operand stack; when it
        // runs drops, a local keeps it.
        if (seq, at) != (place.parent, place.index + 3) {
            let exn = *exn.get_or_insert_with(|| module.locals.add(ValType::I32));
            let store = vec![Instr::LocalSet(LocalSet { local: exn })];
            edits.push((place.parent, place.index + 1, 0, store));
            call.push(Instr::LocalGet(LocalGet { local: exn }));
        }
        call.push(Instr::LocalGet(LocalGet { local: entry.local }));
        if entry.offset != 0 {
            call.push(Instr::Const(Const {
                value: Value::I32(entry.offset),
            }));
            call.push(Instr::Binop(Binop {
                op: BinaryOp::I32Add,
            }));
        }
        call.push(Instr::Call(Call { func: handler }));
        edits.push((seq, at, 1, call));
    }
    for seq in &tree.order {
        for (instr, _) in local.block_mut(*seq).instrs.iter_mut() {
            if let Instr::TryTable(t) = instr {
                for catch in t.catches.iter_mut() {
                    if let TryTableCatch::CatchAll { label } = *catch {
                        if blocks.contains(&label) {
                            *catch = TryTableCatch::Catch { tag, label };
                        }
                    }
                }
            }
        }
    }
    // Last position first: an edit moves what follows it in its sequence.
    edits.sort_by_key(|(seq, at, _, _)| (seq.index(), std::cmp::Reverse(*at)));
    for (seq, at, replaced, code) in edits {
        let code = code.into_iter().map(|i| (i, Default::default()));
        local.block_mut(seq).instrs.splice(at..at + replaced, code);
    }
}
