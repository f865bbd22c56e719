//! Legacy → exnref: every `try` becomes a `try_table` inside one block per
//! handler; `rethrow` becomes `throw_ref` of the exception its handler saved;
//! `delegate` becomes a `catch_all_ref` to a trampoline at the target label.
//!
//! The scheme (learned from Binaryen's `TranslateEH.cpp`, written anew on
//! walrus's id-based labels):
//!
//! ```text
//! try (P -> R)                 block $outer (P -> R)
//!   BODY                         block $h0 (P -> T0 [exnref])
//! catch $t0                        block $h1 (P -> T1 [exnref])
//!   H0                               try_table (P -> R) (catch[_ref] $t0 $h0) (catch_all[_ref] $h1)
//! catch_all                            BODY
//!   H1                               end
//! end                                br $outer
//!                                  end
//!                                  [local.set $exn] block H1 end br $outer
//!                                end
//!                                [local.set $exn] block H0 end
//!                              end
//! ```
//!
//! A handler keeps its own sequence (now a `block`), so branches into it,
//! which walrus stores as sequence ids, need no fixing. `_ref` clauses and the
//! `$exn` local are used only for handlers that some `rethrow` targets; one
//! local per handler nesting depth is enough, since a rethrow can only target
//! a handler that encloses it. `delegate N` to label `S` wraps the contents of
//! `S` as `block $ok (block $d (result exnref) CONTENTS br $ok) throw_ref`,
//! and the delegating `try` catches everything to `$d`: the exception is
//! thrown again right inside `S`, past every handler in between, which is what
//! `delegate` means (and, when `S` is the function body, to the caller).
//!
//! Depths are never carried: `rethrow` and `delegate` are resolved to
//! sequence ids while walking the original nesting, then dropped.

use crate::func::{Map as HashMap, Set as HashSet};

use walrus::ir::{self, Instr, InstrLocId, InstrSeqId, LegacyCatch, TryTableCatch};
use walrus::{LocalFunction, LocalId, ModuleLocals, ModuleTags, ModuleTypes, ValType};

use crate::func::{new_seq, offset, seq_sig, FuncAt, EXNREF};
use crate::{Error, FunctionReport};

/// What the walk over the original nesting found.
#[derive(Default)]
struct Analysis {
    stack: Vec<InstrSeqId>,
    /// Handler sequence → how many handlers enclose it.
    handler_depth: HashMap<InstrSeqId, usize>,
    /// `(sequence, index)` of a `rethrow` → the handler it rethrows.
    rethrows: HashMap<(InstrSeqId, usize), InstrSeqId>,
    /// Handlers that need the caught exnref (a `rethrow` targets them).
    needs_ref: HashSet<InstrSeqId>,
    /// Body of a delegating `try` → the sequence it delegates to.
    delegates: HashMap<InstrSeqId, InstrSeqId>,
    /// Delegate targets in the order found.
    targets: Vec<InstrSeqId>,
    /// Every sequence, in the order walked.
    seqs: Vec<InstrSeqId>,
    tries: usize,
    /// Offset of an exnref instruction, if the function has one.
    exnref_at: Option<u32>,
}

impl Analysis {
    fn walk(
        &mut self,
        func: &LocalFunction,
        at: &FuncAt,
        seq: InstrSeqId,
        depth: usize,
    ) -> Result<(), Error> {
        self.stack.push(seq);
        self.seqs.push(seq);
        for (i, (instr, loc)) in func.block(seq).instrs.iter().enumerate() {
            match instr {
                Instr::Try(t) => {
                    self.tries += 1;
                    self.walk(func, at, t.seq, depth)?;
                    for c in &t.catches {
                        match c {
                            LegacyCatch::Catch { handler, .. }
                            | LegacyCatch::CatchAll { handler } => {
                                self.handler_depth.insert(*handler, depth);
                                self.walk(func, at, *handler, depth + 1)?;
                            }
                            LegacyCatch::Delegate { relative_depth } => {
                                // The try's own label is already popped here.
                                let target = self.label(*relative_depth, at, loc, "delegate")?;
                                if !self.delegates.values().any(|t| *t == target) {
                                    self.targets.push(target);
                                }
                                self.delegates.insert(t.seq, target);
                            }
                        }
                    }
                }
                Instr::Rethrow(r) => {
                    let target = self.label(r.relative_depth, at, loc, "rethrow")?;
                    if !self.handler_depth.contains_key(&target) {
                        return Err(malformed(
                            at,
                            loc,
                            "rethrow names a label that is not a catch",
                        ));
                    }
                    self.rethrows.insert((seq, i), target);
                    self.needs_ref.insert(target);
                }
                other => {
                    if matches!(other, Instr::TryTable(_) | Instr::ThrowRef(_)) {
                        self.exnref_at.get_or_insert(offset(loc));
                    }
                    for child in crate::func::child_seqs(other) {
                        self.walk(func, at, child, depth)?;
                    }
                }
            }
        }
        self.stack.pop();
        Ok(())
    }

    fn label(
        &self,
        depth: u32,
        at: &FuncAt,
        loc: &InstrLocId,
        what: &str,
    ) -> Result<InstrSeqId, Error> {
        let len = self.stack.len();
        let depth = depth as usize;
        if depth >= len {
            return Err(malformed(
                at,
                loc,
                &format!("{what} depth {depth} exceeds the {len} enclosing labels"),
            ));
        }
        Ok(self.stack[len - 1 - depth])
    }
}

fn malformed(at: &FuncAt, loc: &InstrLocId, why: &str) -> Error {
    Error::MalformedLegacy {
        function: at.index,
        name: at.name.clone(),
        offset: offset(loc),
        why: why.to_string(),
    }
}

/// Translates one function; returns what it did (nothing when it has no legacy code).
pub(crate) fn function(
    func: &mut LocalFunction,
    at: &FuncAt,
    types: &mut ModuleTypes,
    locals: &mut ModuleLocals,
    tags: &ModuleTags,
) -> Result<FunctionReport, Error> {
    let mut a = Analysis::default();
    a.walk(func, at, func.entry_block(), 0)?;
    let mut report = FunctionReport::default();
    if a.exnref_at.is_some() {
        report.foreign = Some(at.index);
    }
    if a.tries == 0 && a.rethrows.is_empty() {
        return Ok(report);
    }

    // The trampoline of every delegate target, made before any rewrite so
    // the delegating tries can name it.
    let mut trampolines: HashMap<InstrSeqId, (InstrSeqId, InstrSeqId)> = HashMap::default();
    for &target in &a.targets {
        let (params, results) = seq_sig(func, types, target);
        let ok = new_seq(func, types, &params, &results);
        let caught = new_seq(func, types, &params, &[EXNREF]);
        trampolines.insert(target, (ok, caught));
    }

    let mut exn_locals: Vec<LocalId> = Vec::new();
    for &seq in &a.seqs {
        let old = std::mem::take(&mut func.block_mut(seq).instrs);
        let mut new = Vec::with_capacity(old.len());
        for (i, (instr, loc)) in old.into_iter().enumerate() {
            match instr {
                Instr::Try(t) => {
                    report.tries += 1;
                    let replaced = lower_try(
                        func,
                        types,
                        locals,
                        tags,
                        &a,
                        &trampolines,
                        &mut exn_locals,
                        t,
                    )?;
                    new.push((replaced, loc));
                }
                Instr::Rethrow(_) => {
                    let handler = a.rethrows[&(seq, i)];
                    let local = exn_local(locals, &mut exn_locals, a.handler_depth[&handler]);
                    report.rethrows += 1;
                    new.push((ir::LocalGet { local }.into(), loc));
                    new.push((ir::ThrowRef {}.into(), loc));
                }
                other => new.push((other, loc)),
            }
        }
        func.block_mut(seq).instrs = new;
    }

    for (&target, &(ok, caught)) in &trampolines {
        report.delegates += 1;
        let mut contents = std::mem::take(&mut func.block_mut(target).instrs);
        contents.push((ir::Br { block: ok }.into(), InstrLocId::default()));
        func.block_mut(caught).instrs = contents;
        func.block_mut(ok).instrs = vec![
            (ir::Block { seq: caught }.into(), InstrLocId::default()),
            (ir::ThrowRef {}.into(), InstrLocId::default()),
        ];
        func.block_mut(target).instrs = vec![(ir::Block { seq: ok }.into(), InstrLocId::default())];
    }
    Ok(report)
}

fn exn_local(locals: &mut ModuleLocals, exn_locals: &mut Vec<LocalId>, depth: usize) -> LocalId {
    while exn_locals.len() <= depth {
        exn_locals.push(locals.add(EXNREF));
    }
    exn_locals[depth]
}

#[allow(clippy::too_many_arguments)]
fn lower_try(
    func: &mut LocalFunction,
    types: &mut ModuleTypes,
    locals: &mut ModuleLocals,
    tags: &ModuleTags,
    a: &Analysis,
    trampolines: &HashMap<InstrSeqId, (InstrSeqId, InstrSeqId)>,
    exn_locals: &mut Vec<LocalId>,
    t: ir::Try,
) -> Result<Instr, Error> {
    let body = t.seq;
    if let Some(target) = a.delegates.get(&body) {
        let (_, caught) = trampolines[target];
        return Ok(ir::TryTable {
            seq: body,
            catches: vec![TryTableCatch::CatchAllRef { label: caught }],
        }
        .into());
    }
    if t.catches.is_empty() {
        return Ok(ir::Block { seq: body }.into());
    }
    let (params, results) = seq_sig(func, types, body);
    let outer = new_seq(func, types, &params, &results);

    struct Clause {
        tag: Option<walrus::TagId>,
        handler: InstrSeqId,
        label: InstrSeqId,
        exn: Option<LocalId>,
    }
    let mut clauses = Vec::new();
    for c in &t.catches {
        let (tag, handler) = match c {
            LegacyCatch::Catch { tag, handler } => (Some(*tag), *handler),
            LegacyCatch::CatchAll { handler } => (None, *handler),
            LegacyCatch::Delegate { .. } => continue,
        };
        let mut carried: Vec<ValType> = match tag {
            Some(tag) => types.params(tags.get(tag).ty).to_vec(),
            None => Vec::new(),
        };
        let exn = if a.needs_ref.contains(&handler) {
            carried.push(EXNREF);
            Some(exn_local(locals, exn_locals, a.handler_depth[&handler]))
        } else {
            None
        };
        let label = new_seq(func, types, &params, &carried);
        clauses.push(Clause {
            tag,
            handler,
            label,
            exn,
        });
    }

    let catches = clauses
        .iter()
        .map(|c| match (c.tag, c.exn.is_some()) {
            (Some(tag), false) => TryTableCatch::Catch {
                tag,
                label: c.label,
            },
            (Some(tag), true) => TryTableCatch::CatchRef {
                tag,
                label: c.label,
            },
            (None, false) => TryTableCatch::CatchAll { label: c.label },
            (None, true) => TryTableCatch::CatchAllRef { label: c.label },
        })
        .collect();
    let none = InstrLocId::default;
    let mut inner = vec![
        (ir::TryTable { seq: body, catches }.into(), none()),
        (ir::Br { block: outer }.into(), none()),
    ];
    for (k, c) in clauses.iter().enumerate().rev() {
        func.block_mut(c.label).instrs = inner;
        inner = vec![(ir::Block { seq: c.label }.into(), none())];
        if let Some(local) = c.exn {
            inner.push((ir::LocalSet { local }.into(), none()));
        }
        inner.push((ir::Block { seq: c.handler }.into(), none()));
        if k > 0 {
            inner.push((ir::Br { block: outer }.into(), none()));
        }
    }
    func.block_mut(outer).instrs = inner;
    Ok(ir::Block { seq: outer }.into())
}
