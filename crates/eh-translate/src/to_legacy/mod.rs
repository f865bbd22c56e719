//! Exnref → legacy, for the structural subset LLVM and Binaryen emit.
//!
//! Legacy code has no exnref value: a caught exception can only be rethrown
//! lexically inside its `catch`. So each `try_table` becomes a `try` whose
//! handlers hold the code that ran after the clause's label, in one of four
//! shapes, tried in this order:
//!
//! 1. **Plain clauses** (`catch`, `catch_all`, any label): `try BODY catch $t
//!    (br $label) … end`, in clause order.
//! 2. **Trampoline** (`block $d (result exnref) … end throw_ref`, reached only
//!    through `catch_all_ref $d`): every such `try_table` becomes `try …
//!    delegate` to the label that holds the `throw_ref`, and the `throw_ref`
//!    an `unreachable`. Plain clauses before it become an inner `try`.
//! 3. **Landing pad** ([`pad`]; LLVM's cleanup pads: `block $p (result
//!    exnref)` reached only through `catch_all_ref $p` from any number of
//!    try_tables inside it): `try … catch_all <code after $p> end` where `$p`
//!    was; the try_tables lose their clause to `$p`, and code inside `$p`
//!    that may throw without such a clause is wrapped in `try … delegate` so
//!    it still skips the pad, as LLVM's own legacy lowering does.
//! 4. **Lifted handler** ([`lift`]; `catch_ref`/`catch_all_ref` with payloads,
//!    several clauses to nested blocks, as Binaryen and `to_exnref` write):
//!    the `try` goes where the outermost such block was, and the code after
//!    each target block becomes a handler. Sound only when nothing else
//!    between the `try_table` and that block can throw, which is checked.
//!
//! In shapes 3 and 4 the handler code starts with the exnref on the stack;
//! the instruction that takes it off must store it in a local, drop it or
//! rethrow it. Reads of that local (or of copies of it) followed by
//! `throw_ref` become `rethrow` of that handler ([`fix`]); when such a read
//! comes after the enclosing blocks end (Binaryen copies the exnref through
//! locals), the handler grows to cover those blocks.
//!
//! Anything else (an exnref in a global, table, parameter or result, a
//! `throw_ref` of an exception outside the handler that caught it, a branch to
//! a handler's block from elsewhere) is refused with
//! [`Error::ExnrefNotTranslatable`].
//!
//! `rethrow` and `delegate` depths are computed at the end from the final
//! nesting (walrus keeps them raw); until then they hold indices into side
//! tables.

mod fix;
mod lift;
mod pad;

use crate::func::{Map as HashMap, Set as HashSet};

use walrus::ir::{self, Instr, InstrLocId, InstrSeqId, InstrSeqType, LegacyCatch, TryTableCatch};
use walrus::{LocalFunction, LocalId, ModuleLocals, ModuleTags, ModuleTypes, ValType};

use crate::func::{child_seqs, new_seq, offset, seq_has_exnref, seq_sig, FuncAt, EXNREF};
use crate::{Error, FunctionReport};

/// Where a `delegate` written by this pass goes, resolved to a depth last.
#[derive(Clone, Copy, Debug)]
enum DelegateTo {
    /// The label just outside this trampoline block (where its `throw_ref` was).
    ParentOf(InstrSeqId),
    /// This label itself.
    Label(InstrSeqId),
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    Entry,
    Block,
    Other,
}

struct Lower<'a> {
    at: &'a FuncAt,
    types: &'a mut ModuleTypes,
    locals: &'a ModuleLocals,
    tags: &'a ModuleTags,
    func_types: &'a HashMap<walrus::FunctionId, walrus::TypeId>,
    parent: HashMap<InstrSeqId, InstrSeqId>,
    kind: HashMap<InstrSeqId, Kind>,
    /// Branches and clauses that target each label.
    refs: HashMap<InstrSeqId, u32>,
    /// `catch_all_ref` clauses that target each label.
    all_refs: HashMap<InstrSeqId, u32>,
    try_tables: Vec<InstrSeqId>,
    trampolines: HashSet<InstrSeqId>,
    /// Placeholder index of a `rethrow` → the handler it rethrows.
    rethrow_targets: Vec<InstrSeqId>,
    /// Body of a delegating `try` → where it delegates to.
    delegates: HashMap<InstrSeqId, DelegateTo>,
    /// Blocks whose type holds an exnref, as first found.
    exnref_blocks: Vec<InstrSeqId>,
    /// Trampoline → the label its delegates go to instead of its parent
    /// (set when a pad's conversion finds it outside every clause to the pad).
    tramp_redirect: HashMap<InstrSeqId, InstrSeqId>,
    /// Label → the bodies of the tries that delegate to it (`Label` only).
    delegating_to: HashMap<InstrSeqId, Vec<InstrSeqId>>,
    /// Handler → the exnref local its first instruction stored.
    binds: HashMap<InstrSeqId, LocalId>,
    /// Sequences that hold a clause to the pad being converted.
    reaching: HashSet<InstrSeqId>,
    report: FunctionReport,
}

/// Translates one function; returns what it did (nothing when it has no exnref code).
pub(crate) fn function(
    func: &mut LocalFunction,
    at: &FuncAt,
    types: &mut ModuleTypes,
    locals: &ModuleLocals,
    tags: &ModuleTags,
    func_types: &HashMap<walrus::FunctionId, walrus::TypeId>,
) -> Result<FunctionReport, Error> {
    let mut l = Lower {
        at,
        types,
        locals,
        tags,
        func_types,
        parent: HashMap::default(),
        kind: HashMap::default(),
        refs: HashMap::default(),
        all_refs: HashMap::default(),
        try_tables: Vec::new(),
        trampolines: HashSet::default(),
        rethrow_targets: Vec::new(),
        delegates: HashMap::default(),
        exnref_blocks: Vec::new(),
        tramp_redirect: HashMap::default(),
        delegating_to: HashMap::default(),
        binds: HashMap::default(),
        reaching: HashSet::default(),
        report: FunctionReport::default(),
    };
    let entry = func.entry_block();
    l.kind.insert(entry, Kind::Entry);
    let mut uses_exnref = false;
    l.scan(func, entry, &mut uses_exnref);
    if l.report.foreign.is_some() || (l.try_tables.is_empty() && !uses_exnref) {
        return Ok(l.report);
    }
    for t in std::mem::take(&mut l.try_tables) {
        l.lower(func, t)?;
    }
    let exnref_blocks = std::mem::take(&mut l.exnref_blocks);
    if exnref_blocks
        .iter()
        .any(|b| l.refs.get(b).copied().unwrap_or(0) == 0)
    {
        l.drop_dead_exnref_blocks(func, entry);
    }
    let mut stack = Vec::new();
    let mut scope = HashMap::default();
    l.fix(func, entry, &mut stack, &mut scope)?;
    Ok(l.report)
}

impl Lower<'_> {
    fn scan(&mut self, func: &LocalFunction, seq: InstrSeqId, uses_exnref: &mut bool) {
        for (instr, _) in &func.block(seq).instrs {
            let mut bump = |s: &InstrSeqId| *self.refs.entry(*s).or_default() += 1;
            match instr {
                Instr::Br(b) => bump(&b.block),
                Instr::BrIf(b) => bump(&b.block),
                Instr::BrOnNull(b) => bump(&b.block),
                Instr::BrOnNonNull(b) => bump(&b.block),
                Instr::BrOnCast(b) => bump(&b.block),
                Instr::BrOnCastFail(b) => bump(&b.block),
                Instr::BrTable(b) => {
                    b.blocks.iter().for_each(&mut bump);
                    bump(&b.default);
                }
                Instr::TryTable(t) => {
                    for c in &t.catches {
                        bump(clause_label(c));
                    }
                    for c in &t.catches {
                        if let TryTableCatch::CatchAllRef { label } = c {
                            *self.all_refs.entry(*label).or_default() += 1;
                        }
                    }
                    self.try_tables.push(t.seq);
                }
                // Anything exnref counts: such a function must be rewritten
                // (or refused) even with no try_table, since V8 treats
                // exnref itself as the new encoding.
                Instr::ThrowRef(_) => *uses_exnref = true,
                Instr::LocalGet(ir::LocalGet { local })
                | Instr::LocalSet(ir::LocalSet { local })
                | Instr::LocalTee(ir::LocalTee { local })
                    if self.locals.get(*local).ty() == EXNREF =>
                {
                    *uses_exnref = true
                }
                Instr::Try(_) | Instr::Rethrow(_) => self.report.foreign = Some(self.at.index),
                _ => {}
            }
            let kind = if matches!(instr, Instr::Block(_)) {
                Kind::Block
            } else {
                Kind::Other
            };
            for child in child_seqs(instr) {
                self.parent.insert(child, seq);
                self.kind.insert(child, kind);
                if seq_has_exnref(func, self.types, child) {
                    *uses_exnref = true;
                    if kind == Kind::Block {
                        self.exnref_blocks.push(child);
                    }
                }
                self.scan(func, child, uses_exnref);
            }
        }
    }

    /// A `block (result exnref)` that no clause targets can only end by
    /// falling through with an exnref, which nothing but exnref code can
    /// produce: its end is unreachable, and so is the code after it, which
    /// would otherwise keep exnref locals alive. Both go.
    fn drop_dead_exnref_blocks(&mut self, func: &mut LocalFunction, seq: InstrSeqId) {
        let mut i = 0;
        while i < func.block(seq).instrs.len() {
            let instr = &func.block(seq).instrs[i].0;
            let mut children = child_seqs(instr).peekable();
            if children.peek().is_none() {
                i += 1;
                continue;
            }
            let children: Vec<InstrSeqId> = children.collect();
            if let Instr::Block(b) = instr {
                let b = b.seq;
                let (params, results) = seq_sig(func, self.types, b);
                if results.contains(&EXNREF) && self.refs.get(&b).copied().unwrap_or(0) == 0 {
                    func.block_mut(b).ty = InstrSeqType::new(self.types, &params, &[]);
                    let instrs = &mut func.block_mut(seq).instrs;
                    instrs.truncate(i + 1);
                    instrs.push((ir::Unreachable {}.into(), InstrLocId::default()));
                }
            }
            for child in children {
                self.drop_dead_exnref_blocks(func, child);
            }
            i += 1;
        }
    }

    fn refuse(&self, loc: &InstrLocId, why: impl Into<String>) -> Error {
        Error::ExnrefNotTranslatable {
            function: self.at.index,
            name: self.at.name.clone(),
            offset: offset(loc),
            why: why.into(),
        }
    }

    /// Index in `parent` of the instruction that holds `child`.
    fn position(&self, func: &LocalFunction, parent: InstrSeqId, child: InstrSeqId) -> usize {
        func.block(parent)
            .instrs
            .iter()
            .position(|(i, _)| child_seqs(i).any(|s| s == child))
            .expect("the parent map names the sequence that holds each child")
    }

    fn lower(&mut self, func: &mut LocalFunction, t: InstrSeqId) -> Result<(), Error> {
        let p0 = self.parent[&t];
        let i0 = self.position(func, p0, t);
        let loc = func.block(p0).instrs[i0].1;
        let Instr::TryTable(tt) = &func.block(p0).instrs[i0].0 else {
            unreachable!("try_tables lists only try_table bodies")
        };
        let mut clauses = tt.catches.clone();
        if let Some(all) = clauses.iter().position(|c| {
            matches!(
                c,
                TryTableCatch::CatchAll { .. } | TryTableCatch::CatchAllRef { .. }
            )
        }) {
            // Clauses after a catch-all never match.
            clauses.truncate(all + 1);
        }
        self.report.try_tables += 1;
        let is_ref = |c: &TryTableCatch| {
            matches!(
                c,
                TryTableCatch::CatchRef { .. } | TryTableCatch::CatchAllRef { .. }
            )
        };
        let (_, results) = seq_sig(func, self.types, t);

        if clauses.is_empty() {
            func.block_mut(p0).instrs[i0].0 = ir::Block { seq: t }.into();
            self.kind.insert(t, Kind::Block);
            return Ok(());
        }
        if !clauses.iter().any(is_ref) {
            let catches = self.plain_handlers(func, &clauses, &results, p0);
            func.block_mut(p0).instrs[i0].0 = ir::Try { seq: t, catches }.into();
            return Ok(());
        }

        let (last, prefix) = clauses.split_last().expect("clauses has a ref clause");
        if let TryTableCatch::CatchAllRef { label } = last {
            if !prefix.iter().any(is_ref) && self.take_trampoline(func, *label) {
                self.report.delegates += 1;
                let body = if prefix.is_empty() {
                    t
                } else {
                    let (params, _) = seq_sig(func, self.types, t);
                    let nb = new_seq(func, self.types, &params, &results);
                    let catches = self.plain_handlers(func, prefix, &results, nb);
                    func.block_mut(nb).instrs = vec![(ir::Try { seq: t, catches }.into(), loc)];
                    self.parent.insert(t, nb);
                    self.parent.insert(nb, p0);
                    nb
                };
                self.set_delegate(body, DelegateTo::ParentOf(*label));
                let catches = vec![LegacyCatch::Delegate { relative_depth: 0 }];
                func.block_mut(p0).instrs[i0].0 = ir::Try { seq: body, catches }.into();
                return Ok(());
            }
        }
        if let TryTableCatch::CatchAllRef { label } = last {
            if !prefix.iter().any(is_ref) && self.is_pad(func, *label) {
                self.pad(func, *label, loc)?;
                // Its clause to the pad is gone: lower what is left of it.
                return self.lower_again(func, t);
            }
        }
        self.lift(func, t, p0, i0, loc, &clauses)
    }

    /// Lowers a try_table whose ref clause a pad conversion removed.
    fn lower_again(&mut self, func: &mut LocalFunction, t: InstrSeqId) -> Result<(), Error> {
        self.report.try_tables -= 1;
        self.lower(func, t)
    }

    /// Handlers that branch to the clause labels, for plain clauses.
    fn plain_handlers(
        &mut self,
        func: &mut LocalFunction,
        clauses: &[TryTableCatch],
        results: &[ValType],
        parent: InstrSeqId,
    ) -> Vec<LegacyCatch> {
        clauses
            .iter()
            .map(|c| {
                let tag = clause_tag(c);
                let params = self.tag_params(tag);
                let handler = new_seq(func, self.types, &params, results);
                func.block_mut(handler).instrs = vec![(
                    ir::Br {
                        block: *clause_label(c),
                    }
                    .into(),
                    InstrLocId::default(),
                )];
                self.parent.insert(handler, parent);
                self.kind.insert(handler, Kind::Other);
                legacy_catch(tag, handler)
            })
            .collect()
    }

    fn tag_params(&self, tag: Option<walrus::TagId>) -> Vec<ValType> {
        tag.map(|tag| self.types.params(self.tags.get(tag).ty).to_vec())
            .unwrap_or_default()
    }

    /// Whether `label` is a trampoline block (`block (result exnref) … end
    /// throw_ref`, reached only by `catch_all_ref`); the first time, also turns
    /// it into a block with no result followed by `unreachable`.
    fn take_trampoline(&mut self, func: &mut LocalFunction, label: InstrSeqId) -> bool {
        if self.trampolines.contains(&label) {
            return true;
        }
        if self.kind.get(&label) != Some(&Kind::Block)
            || self.refs.get(&label) != self.all_refs.get(&label)
        {
            return false;
        }
        let (params, results) = seq_sig(func, self.types, label);
        if results != [EXNREF] {
            return false;
        }
        let x = self.parent[&label];
        let j = self.position(func, x, label);
        if !matches!(
            func.block(x).instrs.get(j + 1),
            Some((Instr::ThrowRef(_), _))
        ) {
            return false;
        }
        func.block_mut(x).instrs[j + 1].0 = ir::Unreachable {}.into();
        func.block_mut(label).ty = InstrSeqType::new(self.types, &params, &[]);
        self.trampolines.insert(label);
        true
    }

    /// Sets the contents of `seq`, keeping the parent map right.
    fn place(
        &mut self,
        func: &mut LocalFunction,
        seq: InstrSeqId,
        instrs: Vec<(Instr, InstrLocId)>,
    ) {
        for (instr, _) in &instrs {
            for child in child_seqs(instr) {
                self.parent.insert(child, seq);
            }
        }
        func.block_mut(seq).instrs = instrs;
    }
}

fn clause_label(c: &TryTableCatch) -> &InstrSeqId {
    match c {
        TryTableCatch::Catch { label, .. }
        | TryTableCatch::CatchRef { label, .. }
        | TryTableCatch::CatchAll { label }
        | TryTableCatch::CatchAllRef { label } => label,
    }
}

fn clause_tag(c: &TryTableCatch) -> Option<walrus::TagId> {
    match c {
        TryTableCatch::Catch { tag, .. } | TryTableCatch::CatchRef { tag, .. } => Some(*tag),
        TryTableCatch::CatchAll { .. } | TryTableCatch::CatchAllRef { .. } => None,
    }
}

fn legacy_catch(tag: Option<walrus::TagId>, handler: InstrSeqId) -> LegacyCatch {
    match tag {
        Some(tag) => LegacyCatch::Catch { tag, handler },
        None => LegacyCatch::CatchAll { handler },
    }
}

/// Whether any branch in `instrs` (nested ones included) targets one of `labels`.
fn branches_to(
    func: &LocalFunction,
    instrs: &[(Instr, InstrLocId)],
    labels: &HashSet<InstrSeqId>,
) -> bool {
    instrs.iter().any(|(instr, _)| {
        let direct = match instr {
            Instr::Br(b) => labels.contains(&b.block),
            Instr::BrIf(b) => labels.contains(&b.block),
            Instr::BrOnNull(b) => labels.contains(&b.block),
            Instr::BrOnNonNull(b) => labels.contains(&b.block),
            Instr::BrOnCast(b) => labels.contains(&b.block),
            Instr::BrOnCastFail(b) => labels.contains(&b.block),
            Instr::BrTable(b) => b
                .blocks
                .iter()
                .chain([&b.default])
                .any(|s| labels.contains(s)),
            Instr::TryTable(t) => t.catches.iter().any(|c| labels.contains(clause_label(c))),
            _ => false,
        };
        direct
            || child_seqs(instr)
                .into_iter()
                .any(|s| branches_to(func, &func.block(s).instrs, labels))
    })
}
