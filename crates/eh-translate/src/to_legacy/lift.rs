//! The lifted-handler shape (see the parent module): a legacy `try` goes
//! where the outermost block a `catch_ref`/`catch_all_ref` clause targets
//! was, and the code after each target block becomes a handler. Also the
//! pieces the pad shape shares: placing the `try` (`install`), how far a
//! handler reaches (`extent`), and taking the exnref off the stack.

use walrus::ir::{self, Instr, InstrLocId, InstrSeqId, InstrSeqType, LegacyCatch, TryTableCatch};
use walrus::{LocalFunction, LocalId, ValType};

use super::{branches_to, clause_label, clause_tag, legacy_catch, Kind, Lower};
use crate::func::{
    child_seqs, ends_unreachable, may_throw, new_seq, seq_sig, Set as HashSet, EXNREF,
};
use crate::Error;

impl Lower<'_> {
    pub(super) fn lift(
        &mut self,
        func: &mut LocalFunction,
        t: InstrSeqId,
        p0: InstrSeqId,
        i0: usize,
        loc: InstrLocId,
        clauses: &[TryTableCatch],
    ) -> Result<(), Error> {
        // The enclosing sequences from the try_table up to the outermost
        // block a ref clause targets, plus that block's parent.
        let ref_labels: HashSet<InstrSeqId> = clauses
            .iter()
            .filter(|c| {
                matches!(
                    c,
                    TryTableCatch::CatchRef { .. } | TryTableCatch::CatchAllRef { .. }
                )
            })
            .map(|c| *clause_label(c))
            .collect();
        let mut frames = vec![(p0, i0)];
        let mut seen = usize::from(ref_labels.contains(&p0));
        let mut cur = p0;
        while seen < ref_labels.len() {
            let Some(&p) = self.parent.get(&cur) else {
                return Err(self.refuse(&loc, "a catch_ref/catch_all_ref clause targets a label that is not an enclosing block"));
            };
            let j = self.position(func, p, cur);
            frames.push((p, j));
            cur = p;
            seen += usize::from(ref_labels.contains(&p));
        }
        let m = frames.len() - 1;
        let lmax = frames[m].0;
        if self.kind.get(&lmax) != Some(&Kind::Block) {
            return Err(self.refuse(
                &loc,
                "a catch_ref/catch_all_ref clause targets a loop, an if or a function body",
            ));
        }
        let pmax = self.parent[&lmax];
        let im1 = self.position(func, pmax, lmax);
        let path: Vec<InstrSeqId> = frames.iter().map(|f| f.0).collect();

        // Which clauses get their tail lifted into a handler.
        let mut lifted = HashSet::default();
        for c in clauses {
            let label = *clause_label(c);
            if !path.contains(&label) {
                continue;
            }
            if self.kind.get(&label) != Some(&Kind::Block) {
                return Err(self.refuse(
                    &loc,
                    "a clause targets a loop or an if between the try_table and its handlers",
                ));
            }
            if !lifted.insert(label) {
                return Err(self.refuse(
                    &loc,
                    "two clauses of one try_table lead to the same handler block",
                ));
            }
            if self.refs.get(&label) != Some(&1) {
                return Err(self.refuse(
                    &loc,
                    "a handler block is also the target of other branches or clauses",
                ));
            }
        }

        // Soundness: nothing between the try_table and the outermost handler
        // block may throw, or the new `try` would catch it.
        for (k, &(q, i)) in frames.iter().enumerate() {
            let instrs = &func.block(q).instrs;
            if k > 0 && !matches!(instrs[i].0, Instr::Block(_)) {
                return Err(self.refuse(&loc, "a loop, an if or a try_table lies between the try_table and the block its clause targets"));
            }
            if may_throw(func, &instrs[..i]) {
                return Err(self.refuse(&loc, "code that may throw lies between the try_table and the block its catch_ref/catch_all_ref clause targets"));
            }
            let after = &instrs[i + 1..];
            if k > 0 && lifted.contains(&frames[k - 1].0) {
                if !ends_unreachable(after) {
                    return Err(self.refuse(
                        &loc,
                        "the code after a handler block falls through into the enclosing block",
                    ));
                }
                let inner: HashSet<InstrSeqId> = path[k..].iter().copied().collect();
                if branches_to(func, after, &inner) {
                    return Err(self.refuse(&loc, "a handler branches to a block between the try_table and its outermost handler"));
                }
            } else if may_throw(func, after) {
                return Err(self.refuse(&loc, "code that may throw follows the try_table inside the block its catch_ref/catch_all_ref clause targets"));
            }
        }

        // How far the outermost handler reaches: up through enclosing blocks
        // while their code after it still uses the caught exception.
        let levels = self.extent(func, lmax, pmax, im1, &loc)?;
        let (a, _) = *levels.last().expect("extent has at least one level");

        // Build the handlers, in clause order.
        let try_results = self.try_results(func, a);
        let mut catches = Vec::new();
        let mut new_handlers = Vec::new();
        let mut lmax_tail = None;
        for c in clauses {
            let label = *clause_label(c);
            let tag = clause_tag(c);
            let params = self.tag_params(tag);
            let handler = new_seq(func, self.types, &params, &try_results);
            new_handlers.push(handler);
            catches.push(legacy_catch(tag, handler));
            if !lifted.contains(&label) {
                func.block_mut(handler).instrs =
                    vec![(ir::Br { block: label }.into(), InstrLocId::default())];
                continue;
            }
            let k = path
                .iter()
                .position(|s| *s == label)
                .expect("lifted labels are on the path");
            let mut tail = if k < m {
                let (q, i) = frames[k + 1];
                let tail = func.block_mut(q).instrs.split_off(i + 1);
                func.block_mut(q)
                    .instrs
                    .push((ir::Unreachable {}.into(), InstrLocId::default()));
                tail
            } else {
                func.block_mut(pmax).instrs.split_off(im1 + 1)
            };
            let (label_params, _) = seq_sig(func, self.types, label);
            func.block_mut(label).ty = InstrSeqType::new(self.types, &label_params, &[]);
            if matches!(
                c,
                TryTableCatch::CatchRef { .. } | TryTableCatch::CatchAllRef { .. }
            ) {
                self.report.lifted += 1;
                self.consume_head(handler, &mut tail, &loc)?;
            }
            if k == m {
                lmax_tail = Some((handler, params, tail));
            } else {
                self.place(func, handler, tail);
            }
        }

        // The try_table itself is now a plain block.
        func.block_mut(p0).instrs[i0].0 = ir::Block { seq: t }.into();
        self.kind.insert(t, Kind::Block);

        let (handler, tag_params, tail0) =
            lmax_tail.expect("the outermost handler block is lifted");
        self.install(
            func,
            lmax,
            &levels,
            handler,
            &tag_params,
            tail0,
            catches,
            &new_handlers,
        );
        Ok(())
    }

    /// Puts the legacy `try` around `lmax` (already retyped to give no
    /// result) at the outermost of `levels`, with `tail0` (the code after
    /// `lmax`, its exnref already consumed) as the handler code of `handler`.
    ///
    /// Each level between `lmax` and that outermost one splits in two: its
    /// code before `lmax` stays in the try body (in a new sequence), and its
    /// own id, which the handler code may branch to, holds the code after it,
    /// inside the handler. Returns the try body.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn install(
        &mut self,
        func: &mut LocalFunction,
        lmax: InstrSeqId,
        levels: &[(InstrSeqId, usize)],
        handler: InstrSeqId,
        tag_params: &[ValType],
        tail0: Vec<(Instr, InstrLocId)>,
        catches: Vec<LegacyCatch>,
        new_handlers: &[InstrSeqId],
    ) -> InstrSeqId {
        let (a, pos_a) = *levels.last().expect("at least one level");
        let try_results = self.try_results(func, a);
        let (_, a_results) = seq_sig(func, self.types, a);
        let mut head = lmax;
        let mut carried = tail0;
        for &(level, pos) in &levels[..levels.len() - 1] {
            let mut instrs = std::mem::take(&mut func.block_mut(level).instrs);
            let tail = instrs.split_off(pos + 1);
            instrs.truncate(pos);
            let (params, results) = seq_sig(func, self.types, level);
            let new_head = new_seq(func, self.types, &params, &[]);
            instrs.push((ir::Block { seq: head }.into(), InstrLocId::default()));
            instrs.push((ir::Unreachable {}.into(), InstrLocId::default()));
            self.place(func, new_head, instrs);
            self.kind.insert(new_head, Kind::Block);
            head = new_head;
            func.block_mut(level).ty = InstrSeqType::new(self.types, tag_params, &results);
            let mut inside = carried;
            inside.extend(tail);
            self.place(func, level, inside);
            carried = vec![(ir::Block { seq: level }.into(), InstrLocId::default())];
        }
        let a_tail = func.block_mut(a).instrs.split_off(pos_a + 1);
        carried.extend(a_tail);
        self.place(func, handler, carried);

        let (head_params, _) = seq_sig(func, self.types, head);
        let body = new_seq(func, self.types, &head_params, &try_results);
        self.place(
            func,
            body,
            vec![
                (ir::Block { seq: head }.into(), InstrLocId::default()),
                (ir::Unreachable {}.into(), InstrLocId::default()),
            ],
        );
        func.block_mut(a).instrs[pos_a].0 = ir::Try { seq: body, catches }.into();
        if try_results != a_results {
            func.block_mut(a)
                .instrs
                .push((ir::Unreachable {}.into(), InstrLocId::default()));
        }
        self.parent.insert(body, a);
        self.kind.insert(body, Kind::Other);
        for &h in new_handlers {
            self.parent.insert(h, a);
            self.kind.insert(h, Kind::Other);
        }
        body
    }

    /// The handler code starts with the exnref on the stack. The instruction
    /// that takes it off must store it (the handler then names that local),
    /// drop it, or rethrow it; simple stack-neutral code may come first
    /// (wasm-bindgen restores `__stack_pointer` before rethrowing).
    pub(super) fn consume_head(
        &mut self,
        handler: InstrSeqId,
        tail: &mut Vec<(Instr, InstrLocId)>,
        loc: &InstrLocId,
    ) -> Result<(), Error> {
        let Some(at) = self.exn_consumer(tail) else {
            let where_ = tail.first().map(|o| o.1).unwrap_or(*loc);
            return Err(self.refuse(
                &where_,
                "the caught exnref is not stored, dropped or rethrown right after its block",
            ));
        };
        match tail[at].0.clone() {
            Instr::LocalSet(s) => {
                tail.remove(at);
                self.binds.insert(handler, s.local);
            }
            Instr::Drop(_) => {
                tail.remove(at);
            }
            _ => {
                let l = tail[at].1;
                tail[at] = (self.rethrow_placeholder(handler), l);
            }
        }
        Ok(())
    }

    pub(super) fn head_consumes(&self, tail: &[(Instr, InstrLocId)]) -> bool {
        self.exn_consumer(tail).is_some()
    }

    /// The index of the instruction that takes the exnref (on top of the
    /// stack at the start of `tail`) off the stack, if it is one we can map.
    pub(super) fn exn_consumer(&self, tail: &[(Instr, InstrLocId)]) -> Option<usize> {
        let mut height: i64 = 0;
        for (i, (instr, _)) in tail.iter().enumerate() {
            if height == 0 {
                match instr {
                    Instr::LocalSet(s) if self.locals.get(s.local).ty() == EXNREF => {
                        return Some(i)
                    }
                    Instr::Drop(_) | Instr::ThrowRef(_) => return Some(i),
                    _ => {}
                }
            }
            let (pops, pushes): (i64, i64) = match instr {
                Instr::LocalGet(_) | Instr::GlobalGet(_) | Instr::Const(_) => (0, 1),
                Instr::LocalSet(_) | Instr::GlobalSet(_) | Instr::Drop(_) => (1, 0),
                Instr::LocalTee(_) | Instr::Unop(_) | Instr::Load(_) => (1, 1),
                Instr::Binop(_) => (2, 1),
                Instr::Store(_) => (2, 0),
                Instr::Call(c) => {
                    let ty = self.func_types[&c.func];
                    (
                        self.types.params(ty).len() as i64,
                        self.types.results(ty).len() as i64,
                    )
                }
                _ => return None,
            };
            if pops > height {
                return None;
            }
            height += pushes - pops;
        }
        None
    }

    /// The results of the `try` placed at the end of `a`: `a`'s own, unless
    /// they hold an exnref (`a` is itself a trampoline or pad block that a
    /// later step retypes); then none, and `install` puts an `unreachable`
    /// after the try, which is sound because such a block's end is reached
    /// only through a clause: the handler code never falls through.
    pub(super) fn try_results(&self, func: &LocalFunction, a: InstrSeqId) -> Vec<ValType> {
        let (_, results) = seq_sig(func, self.types, a);
        if results.contains(&EXNREF) {
            Vec::new()
        } else {
            results
        }
    }

    /// The levels the outermost handler spans: `[(C1, position of Lmax in
    /// C1), (C2, position of C1 in C2), ...]`. It grows past C1 only while
    /// the code after the current level still reads an exnref local that the
    /// handler code so far reads or writes (Binaryen copies the caught exnref
    /// through locals and rethrows it after the enclosing blocks end).
    pub(super) fn extent(
        &self,
        func: &LocalFunction,
        lmax: InstrSeqId,
        pmax: InstrSeqId,
        im1: usize,
        loc: &InstrLocId,
    ) -> Result<Vec<(InstrSeqId, usize)>, Error> {
        let mut levels = vec![(pmax, im1)];
        // The local the handler stores the exception in, and its copies.
        let tail0 = &func.block(pmax).instrs[im1 + 1..];
        let mut live = HashSet::default();
        if let Some((Instr::LocalSet(s), _)) = self.exn_consumer(tail0).map(|at| &tail0[at]) {
            live.insert(s.local);
        }
        self.add_copies(func, tail0, &mut live);
        loop {
            let (c, pos) = *levels.last().expect("non-empty");
            if live.is_empty() || self.kind.get(&c) != Some(&Kind::Block) {
                break;
            }
            let Some(&g) = self.parent.get(&c) else { break };
            let gpos = self.position(func, g, c);
            let tail = &func.block(g).instrs[gpos + 1..];
            let mut written = HashSet::default();
            if !self.reads_before_write(func, tail, &live, &mut written)
                || may_throw(func, &func.block(c).instrs[..pos])
            {
                break;
            }
            self.add_copies(func, tail, &mut live);
            levels.push((g, gpos));
        }
        if levels.len() > 1 {
            // Code that stays in the try body must not branch to a level
            // whose id moves into the handler.
            let split: HashSet<InstrSeqId> =
                levels[..levels.len() - 1].iter().map(|l| l.0).collect();
            let mut head_side = branches_to(func, &func.block(lmax).instrs, &split);
            for &(level, pos) in &levels[..levels.len() - 1] {
                head_side |= branches_to(func, &func.block(level).instrs[..pos], &split);
            }
            if head_side {
                return Err(self.refuse(
                    loc,
                    "code on the normal path branches into the code that handles a caught exnref",
                ));
            }
        }
        Ok(levels)
    }

    /// Whether `instrs`, in order (nested ones included), read one of `live`
    /// before writing it: the value the handler left there still matters.
    /// A write anywhere counts as overwriting (a sibling handler reusing the
    /// local); when that guess is wrong, `fix` refuses the read it missed.
    pub(super) fn reads_before_write(
        &self,
        func: &LocalFunction,
        instrs: &[(Instr, InstrLocId)],
        live: &HashSet<LocalId>,
        written: &mut HashSet<LocalId>,
    ) -> bool {
        for (instr, _) in instrs {
            match instr {
                Instr::LocalGet(g) if live.contains(&g.local) && !written.contains(&g.local) => {
                    return true
                }
                Instr::LocalSet(ir::LocalSet { local })
                | Instr::LocalTee(ir::LocalTee { local }) => {
                    written.insert(*local);
                }
                _ => {}
            }
            for child in child_seqs(instr) {
                if self.reads_before_write(func, &func.block(child).instrs, live, written) {
                    return true;
                }
            }
        }
        false
    }

    /// Adds to `live` every exnref local that `instrs` copy a `live` one into
    /// (`local.get $a local.set $b`, as Binaryen writes tuple extracts).
    pub(super) fn add_copies(
        &self,
        func: &LocalFunction,
        instrs: &[(Instr, InstrLocId)],
        live: &mut HashSet<LocalId>,
    ) {
        for pair in instrs.windows(2) {
            if let [(Instr::LocalGet(g), _), (Instr::LocalSet(s), _)] = pair {
                if live.contains(&g.local) && self.locals.get(s.local).ty() == EXNREF {
                    live.insert(s.local);
                }
            }
        }
        for (instr, _) in instrs {
            for child in child_seqs(instr) {
                self.add_copies(func, &func.block(child).instrs, live);
            }
        }
    }

    pub(super) fn rethrow_placeholder(&mut self, handler: InstrSeqId) -> Instr {
        self.rethrow_targets.push(handler);
        ir::Rethrow {
            relative_depth: (self.rethrow_targets.len() - 1) as u32,
        }
        .into()
    }
}
