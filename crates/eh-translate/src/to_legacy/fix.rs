//! The last step of exnref → legacy: over the final nesting, turns
//! `local.get $e throw_ref` into `rethrow`, resolves every placeholder depth,
//! and refuses whatever exnref is left.

use walrus::ir::{self, Instr, InstrLocId, InstrSeqId, LegacyCatch};
use walrus::{LocalFunction, LocalId};

use super::{DelegateTo, Lower};
use crate::func::{child_seqs, seq_has_exnref, Map as HashMap, EXNREF};
use crate::Error;

impl Lower<'_> {
    /// Last pass over the final nesting: turns `local.get $e throw_ref` into
    /// `rethrow`, resolves the placeholders to depths, and refuses any exnref
    /// left.
    pub(super) fn fix(
        &mut self,
        func: &mut LocalFunction,
        seq: InstrSeqId,
        stack: &mut Vec<InstrSeqId>,
        scope: &mut HashMap<LocalId, Option<InstrSeqId>>,
    ) -> Result<(), Error> {
        stack.push(seq);
        let carries_exnref = seq_has_exnref(func, self.types, seq);
        let old = std::mem::take(&mut func.block_mut(seq).instrs);
        if carries_exnref {
            let loc = old.first().map(|o| o.1).unwrap_or_default();
            return Err(self.refuse(&loc, "a block carries an exnref value"));
        }
        let mut new = Vec::with_capacity(old.len());
        let mut it = old.into_iter().peekable();
        while let Some((instr, loc)) = it.next() {
            match instr {
                Instr::LocalGet(g)
                    if self.locals.get(g.local).ty() == EXNREF
                        && matches!(it.peek(), Some((Instr::LocalSet(s), _)) if self.locals.get(s.local).ty() == EXNREF) =>
                {
                    // A copy of a caught exception: the copy names the same handler.
                    let Some((Instr::LocalSet(s), _)) = it.next() else {
                        unreachable!("peeked")
                    };
                    let bound = scope.get(&g.local).copied().flatten();
                    if bound.is_none() {
                        return Err(self.refuse(
                            &loc,
                            "an exnref is copied outside the handler that caught it",
                        ));
                    }
                    scope.insert(s.local, bound);
                }
                Instr::LocalGet(g) if self.locals.get(g.local).ty() == EXNREF => {
                    if !matches!(it.peek(), Some((Instr::ThrowRef(_), _))) {
                        return Err(self.refuse(
                            &loc,
                            "an exnref local is read for something other than throw_ref",
                        ));
                    }
                    it.next();
                    let Some(Some(handler)) = scope.get(&g.local).copied() else {
                        return Err(self.refuse(
                            &loc,
                            "throw_ref of an exception outside the handler that caught it",
                        ));
                    };
                    let depth = self.depth(stack, handler, &loc)?;
                    self.report.rethrows += 1;
                    new.push((
                        ir::Rethrow {
                            relative_depth: depth,
                        }
                        .into(),
                        loc,
                    ));
                }
                Instr::LocalSet(ir::LocalSet { local })
                | Instr::LocalTee(ir::LocalTee { local })
                    if self.locals.get(local).ty() == EXNREF =>
                {
                    return Err(self.refuse(&loc, "an exnref is stored in a local outside the first instruction of its handler"));
                }
                Instr::ThrowRef(_) => {
                    return Err(self.refuse(
                        &loc,
                        "throw_ref of an exnref that does not come from a handler's own clause",
                    ));
                }
                Instr::RefNull(r) if r.ty == walrus::RefType::EXNREF => {
                    return Err(self.refuse(&loc, "ref.null exn has no legacy equivalent"));
                }
                Instr::CallIndirect(ir::CallIndirect { ty, .. })
                | Instr::ReturnCallIndirect(ir::ReturnCallIndirect { ty, .. })
                | Instr::CallRef(ir::CallRef { ty })
                | Instr::ReturnCallRef(ir::ReturnCallRef { ty })
                    if self.types.params(ty).contains(&EXNREF)
                        || self.types.results(ty).contains(&EXNREF) =>
                {
                    return Err(self.refuse(&loc, "an indirect call passes an exnref across calls"));
                }
                Instr::Rethrow(r) => {
                    let handler = self.rethrow_targets[r.relative_depth as usize];
                    let depth = self.depth(stack, handler, &loc)?;
                    self.report.rethrows += 1;
                    new.push((
                        ir::Rethrow {
                            relative_depth: depth,
                        }
                        .into(),
                        loc,
                    ));
                }
                Instr::Try(mut t) => {
                    if let Some(to) = self.delegates.get(&t.seq).copied() {
                        // The stack here is the try's enclosing labels (its
                        // own is not pushed yet), as `delegate` counts them.
                        let pos = match to {
                            // The label that held the trampoline's `throw_ref`.
                            DelegateTo::ParentOf(tramp) => stack
                                .iter()
                                .rposition(|s| *s == tramp)
                                .filter(|p| *p > 0)
                                .map(|p| p - 1),
                            DelegateTo::Label(label) => stack.iter().rposition(|s| *s == label),
                        };
                        let Some(pos) = pos else {
                            return Err(
                                self.refuse(&loc, "a delegate's target does not enclose it")
                            );
                        };
                        let depth = (stack.len() - 1 - pos) as u32;
                        t.catches = vec![LegacyCatch::Delegate {
                            relative_depth: depth,
                        }];
                    }
                    self.fix(func, t.seq, stack, scope)?;
                    for c in &t.catches {
                        if let LegacyCatch::Catch { handler, .. }
                        | LegacyCatch::CatchAll { handler } = c
                        {
                            let bound = self.binds.get(handler).copied();
                            if let Some(local) = bound {
                                scope.insert(local, Some(*handler));
                            }
                            self.fix(func, *handler, stack, scope)?;
                            if let Some(local) = bound {
                                // The local now holds this handler's exception
                                // in the original: a later read outside it would
                                // see that one, which no rethrow can name.
                                scope.insert(local, None);
                            }
                        }
                    }
                    new.push((Instr::Try(t), loc));
                }
                other => {
                    for child in child_seqs(&other) {
                        self.fix(func, child, stack, scope)?;
                    }
                    new.push((other, loc));
                }
            }
        }
        func.block_mut(seq).instrs = new;
        stack.pop();
        Ok(())
    }

    pub(super) fn depth(
        &self,
        stack: &[InstrSeqId],
        handler: InstrSeqId,
        loc: &InstrLocId,
    ) -> Result<u32, Error> {
        match stack.iter().rev().position(|s| *s == handler) {
            Some(d) => Ok(d as u32),
            None => Err(self.refuse(
                loc,
                "throw_ref of an exception outside the handler that caught it",
            )),
        }
    }
}
