//! LLVM's landing pads (see the parent module): one block reached by
//! `catch_all_ref` from any number of try_tables inside it, with code that
//! may throw in between. Lowered the way LLVM lowers them to legacy code: a
//! `try … catch_all` at the pad, `delegate` where an exception must skip it.

use walrus::ir::{self, Instr, InstrLocId, InstrSeqId, InstrSeqType, LegacyCatch, TryTableCatch};
use walrus::{LocalFunction, ValType};

use super::{clause_label, DelegateTo, Kind, Lower};
use crate::func::{child_seqs, may_throw, new_seq, seq_sig, Set as HashSet, EXNREF};
use crate::Error;

impl Lower<'_> {
    /// Whether `label` is a landing pad in LLVM's shape: a block whose only
    /// result is the exnref, reached only through `catch_all_ref` clauses
    /// (from any number of try_tables inside it).
    pub(super) fn is_pad(&self, func: &LocalFunction, label: InstrSeqId) -> bool {
        self.kind.get(&label) == Some(&Kind::Block)
            && self.refs.get(&label) == self.all_refs.get(&label)
            && seq_sig(func, self.types, label).1 == [EXNREF]
    }

    /// Converts a landing pad (see [`Self::is_pad`]) the way LLVM lowers one
    /// to legacy code: a `try … catch_all <the code after the pad> end` where
    /// the pad block was; every try_table inside it loses its clause to the
    /// pad (and delegates to the new try when a handler in between would
    /// otherwise catch first); every instruction inside the pad that may
    /// throw but was not covered by such a clause is wrapped in `try …
    /// delegate` to the label outside the new try, so it still skips the pad.
    pub(super) fn pad(
        &mut self,
        func: &mut LocalFunction,
        label: InstrSeqId,
        loc: InstrLocId,
    ) -> Result<(), Error> {
        let p = self.parent[&label];
        let j = self.position(func, p, label);
        if !self.head_consumes(&func.block(p).instrs[j + 1..]) {
            return Err(self.refuse(&loc, "the caught exnref is not stored, dropped or rethrown by the first instruction after its block"));
        }
        let levels = self.extent(func, label, p, j, &loc)?;
        let (a, _) = *levels.last().expect("at least one level");
        let try_results = self.try_results(func, a);
        let handler = new_seq(func, self.types, &[], &try_results);
        let mut tail = func.block_mut(p).instrs.split_off(j + 1);
        self.consume_head(handler, &mut tail, &loc)?;
        self.report.lifted += 1;
        let (label_params, _) = seq_sig(func, self.types, label);
        func.block_mut(label).ty = InstrSeqType::new(self.types, &label_params, &[]);
        let body = self.install(
            func,
            label,
            &levels,
            handler,
            &[],
            tail,
            vec![LegacyCatch::CatchAll { handler }],
            &[handler],
        );
        let mut reaching = HashSet::default();
        self.mark_reaching(func, label, label, &mut reaching);
        self.reaching = reaching;
        self.guard(func, label, label, body, a, false, false)?;
        Ok(())
    }

    /// Walks the contents of pad `pad` (see [`Self::pad`]). `covered`: the
    /// code here cannot leak an exception to the pad's level (it is inside a
    /// try_table that had a clause to the pad, or inside a handler region
    /// that is itself wrapped). `catchers`: a handler lies between here and
    /// the pad.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn guard(
        &mut self,
        func: &mut LocalFunction,
        seq: InstrSeqId,
        pad: InstrSeqId,
        try_body: InstrSeqId,
        outside: InstrSeqId,
        covered: bool,
        catchers: bool,
    ) -> Result<(), Error> {
        if !covered {
            // Exceptions that an earlier conversion delegates to this label
            // arrive outside every clause to this pad: they must skip it too.
            self.retarget(seq, outside);
        }
        let mut i = 0;
        while i < func.block(seq).instrs.len() {
            let (instr, loc) = func.block(seq).instrs[i].clone();
            match &instr {
                Instr::TryTable(tt)
                    if tt.catches.iter().any(
                        |c| matches!(c, TryTableCatch::CatchAllRef { label } if *label == pad),
                    ) =>
                {
                    let mut catches = tt.catches.clone();
                    if let Some(all) = catches.iter().position(|c| {
                        matches!(
                            c,
                            TryTableCatch::CatchAll { .. } | TryTableCatch::CatchAllRef { .. }
                        )
                    }) {
                        catches.truncate(all + 1);
                    }
                    let Some(TryTableCatch::CatchAllRef { label }) = catches.last() else {
                        return Err(self.refuse(
                            &loc,
                            "a clause to a landing pad is shadowed by an earlier catch_all",
                        ));
                    };
                    if *label != pad {
                        return Err(self.refuse(
                            &loc,
                            "a clause to a landing pad is shadowed by an earlier catch_all",
                        ));
                    }
                    catches.pop();
                    let still_catches = !catches.is_empty();
                    let inner = tt.seq;
                    if let Instr::TryTable(tt) = &mut func.block_mut(seq).instrs[i].0 {
                        tt.catches = catches;
                    }
                    if catchers {
                        self.wrap(func, seq, i, DelegateTo::Label(try_body))?;
                    }
                    self.guard(
                        func,
                        inner,
                        pad,
                        try_body,
                        outside,
                        true,
                        catchers || still_catches,
                    )?;
                }
                Instr::Block(b)
                    if !covered && seq_sig(func, self.types, b.seq).1.contains(&EXNREF) =>
                {
                    // Another pad or trampoline, not converted yet: it and the
                    // code after it (which takes its exnref) move together
                    // into one `try … delegate` out of this pad.
                    let rest = &func.block(seq).instrs[i..];
                    if may_throw(func, rest) {
                        let reaches = rest
                            .iter()
                            .any(|(instr, _)| self.reaches(instr) || self.targets(instr, pad));
                        let (params, _) = seq_sig(func, self.types, b.seq);
                        let (_, results) = seq_sig(func, self.types, seq);
                        let to = DelegateTo::Label(outside);
                        let w = self.wrap_range(func, seq, i, &params, &results, to);
                        if reaches {
                            // Clauses to this pad inside now cross the wrapper.
                            self.guard(func, w, pad, try_body, outside, true, true)?;
                        }
                    }
                    break;
                }
                Instr::Block(_) | Instr::Loop(_) | Instr::IfElse(_) if self.reaches(&instr) => {
                    if let Instr::Block(b) = &instr {
                        if !covered && self.trampolines.contains(&b.seq) {
                            // A converted trampoline's `throw_ref` stood here,
                            // outside every clause to this pad: its delegates
                            // must skip the pad too.
                            // (Also those of try_tables lowered later.)
                            self.tramp_redirect.insert(b.seq, outside);
                            let moved: Vec<InstrSeqId> = self
                                .delegates
                                .iter()
                                .filter(
                                    |(_, to)| matches!(to, DelegateTo::ParentOf(t) if *t == b.seq),
                                )
                                .map(|(body, _)| *body)
                                .collect();
                            for body in moved {
                                self.set_delegate(body, DelegateTo::Label(outside));
                            }
                        }
                    }
                    for child in child_seqs(&instr) {
                        self.guard(func, child, pad, try_body, outside, covered, catchers)?;
                    }
                }
                Instr::TryTable(_) | Instr::Try(_) => {
                    // A handler region: its own clauses see its exceptions
                    // first; what it lets through must skip the pad.
                    if !covered && may_throw(func, std::slice::from_ref(&(instr.clone(), loc))) {
                        self.wrap(func, seq, i, DelegateTo::Label(outside))?;
                    }
                    if self.reaches(&instr) {
                        for child in child_seqs(&instr) {
                            self.guard(func, child, pad, try_body, outside, true, true)?;
                        }
                    }
                }
                Instr::ReturnCall(_) | Instr::ReturnCallIndirect(_) | Instr::ReturnCallRef(_) => {
                    // The frame is gone before the callee can throw.
                }
                Instr::ThrowRef(_) if !covered && i > 0 => {
                    // `local.get $e throw_ref` of another handler's exception
                    // (a nested pad's code not converted yet): wrap the pair,
                    // which `fix` later turns into one `rethrow`.
                    // Or a trampoline block and its `throw_ref`: the
                    // trampoline's delegate then lands in the wrapper, which
                    // passes the exception on outside the pad.
                    let params = match &func.block(seq).instrs[i - 1].0 {
                        Instr::LocalGet(g) if self.locals.get(g.local).ty() == EXNREF => Vec::new(),
                        Instr::Block(b) if seq_sig(func, self.types, b.seq).1 == [EXNREF] => {
                            seq_sig(func, self.types, b.seq).0
                        }
                        _ => {
                            return Err(self.refuse(
                                &loc,
                                "throw_ref of an exnref that comes neither from a local nor from a trampoline block",
                            ))
                        }
                    };
                    self.wrap_range_to(
                        func,
                        seq,
                        i - 1,
                        i + 1,
                        &params,
                        &[],
                        DelegateTo::Label(outside),
                    );
                    // The pair is one instruction now: stay on the next one.
                    continue;
                }
                _ => {
                    if !covered && may_throw(func, std::slice::from_ref(&(instr.clone(), loc))) {
                        self.wrap(func, seq, i, DelegateTo::Label(outside))?;
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }

    /// Whether a clause to the pad being converted sits anywhere inside
    /// `instr` (see [`Self::mark_reaching`]).
    pub(super) fn reaches(&self, instr: &Instr) -> bool {
        child_seqs(instr).any(|s| self.reaching.contains(&s))
    }

    /// Collects into `out` every sequence under `seq` that holds, at any
    /// depth, a try_table with a clause to `pad`; returns whether `seq` does.
    pub(super) fn mark_reaching(
        &self,
        func: &LocalFunction,
        seq: InstrSeqId,
        pad: InstrSeqId,
        out: &mut HashSet<InstrSeqId>,
    ) -> bool {
        let mut found = false;
        for (instr, _) in &func.block(seq).instrs {
            if let Instr::TryTable(tt) = instr {
                if tt.catches.iter().any(|c| *clause_label(c) == pad) {
                    found = true;
                }
            }
            for child in child_seqs(instr) {
                found |= self.mark_reaching(func, child, pad, out);
            }
        }
        if found {
            out.insert(seq);
        }
        found
    }

    /// Wraps instruction `i` of `seq` in `try (its type) … delegate to`.
    pub(super) fn wrap(
        &mut self,
        func: &mut LocalFunction,
        seq: InstrSeqId,
        i: usize,
        to: DelegateTo,
    ) -> Result<(), Error> {
        let (instr, loc) = func.block(seq).instrs[i].clone();
        let (params, results): (Vec<ValType>, Vec<ValType>) =
            match &instr {
                Instr::Call(c) => {
                    let ty = self.func_types[&c.func];
                    (
                        self.types.params(ty).to_vec(),
                        self.types.results(ty).to_vec(),
                    )
                }
                Instr::CallIndirect(c) => {
                    let mut params = self.types.params(c.ty).to_vec();
                    params.push(ValType::I32);
                    (params, self.types.results(c.ty).to_vec())
                }
                Instr::Throw(t) => (self.tag_params(Some(t.tag)), vec![]),
                Instr::Rethrow(_) => (vec![], vec![]),
                Instr::Block(b) => seq_sig(func, self.types, b.seq),
                Instr::Loop(l) => seq_sig(func, self.types, l.seq),
                Instr::TryTable(t) => seq_sig(func, self.types, t.seq),
                Instr::Try(t) => seq_sig(func, self.types, t.seq),
                Instr::IfElse(e) => {
                    let (mut params, results) = seq_sig(func, self.types, e.consequent);
                    params.push(ValType::I32);
                    (params, results)
                }
                _ => return Err(self.refuse(
                    &loc,
                    "an instruction that may throw inside a landing pad's block cannot be wrapped",
                )),
            };
        let w = new_seq(func, self.types, &params, &results);
        self.place(func, w, vec![(instr, loc)]);
        self.parent.insert(w, seq);
        self.kind.insert(w, Kind::Other);
        self.set_delegate(w, to);
        self.report.delegates += 1;
        func.block_mut(seq).instrs[i].0 = ir::Try {
            seq: w,
            catches: vec![LegacyCatch::Delegate { relative_depth: 0 }],
        }
        .into();
        Ok(())
    }

    /// Wraps instructions `start..` of `seq` in one `try (params -> results)
    /// … delegate to`.
    fn wrap_range(
        &mut self,
        func: &mut LocalFunction,
        seq: InstrSeqId,
        start: usize,
        params: &[ValType],
        results: &[ValType],
        to: DelegateTo,
    ) -> InstrSeqId {
        let end = func.block(seq).instrs.len();
        self.wrap_range_to(func, seq, start, end, params, results, to)
    }

    /// Whether `instr` itself is a try_table with a clause to `pad`.
    fn targets(&self, instr: &Instr, pad: InstrSeqId) -> bool {
        matches!(instr, Instr::TryTable(tt) if tt.catches.iter().any(|c| *clause_label(c) == pad))
    }

    /// Wraps instructions `start..end` of `seq` in one `try (params ->
    /// results) … delegate to`.
    #[allow(clippy::too_many_arguments)]
    fn wrap_range_to(
        &mut self,
        func: &mut LocalFunction,
        seq: InstrSeqId,
        start: usize,
        end: usize,
        params: &[ValType],
        results: &[ValType],
        to: DelegateTo,
    ) -> InstrSeqId {
        let w = new_seq(func, self.types, params, results);
        let loc = func.block(seq).instrs[start].1;
        let moved: Vec<_> = func.block_mut(seq).instrs.drain(start..end).collect();
        self.place(func, w, moved);
        self.parent.insert(w, seq);
        self.kind.insert(w, Kind::Other);
        self.set_delegate(w, to);
        self.report.delegates += 1;
        let wrapper = ir::Try {
            seq: w,
            catches: vec![LegacyCatch::Delegate { relative_depth: 0 }],
        };
        func.block_mut(seq)
            .instrs
            .insert(start, (wrapper.into(), loc));
        w
    }

    /// Records that the `try` with body `body` delegates to `to`.
    pub(super) fn set_delegate(&mut self, body: InstrSeqId, to: DelegateTo) {
        let to = match to {
            DelegateTo::ParentOf(t) => match self.tramp_redirect.get(&t) {
                Some(label) => DelegateTo::Label(*label),
                None => to,
            },
            other => other,
        };
        if let DelegateTo::Label(label) = to {
            self.delegating_to.entry(label).or_default().push(body);
        }
        self.delegates.insert(body, to);
    }

    /// Makes every delegate to `from` go to `to` instead.
    fn retarget(&mut self, from: InstrSeqId, to: InstrSeqId) {
        if from == to {
            return;
        }
        let Some(bodies) = self.delegating_to.remove(&from) else {
            return;
        };
        for body in &bodies {
            self.delegates.insert(*body, DelegateTo::Label(to));
        }
        self.delegating_to.entry(to).or_default().extend(bodies);
    }
}
