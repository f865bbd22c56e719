//! Which functions can let a Rust panic (the Rust tag) escape to their caller.
//!
//! An export needs a catch frame only when a panic can leave it: every frame
//! costs bytes and a `try` on every call. A function lets the tag escape when
//! one of its instructions that is not inside a region catching the tag can
//! raise it:
//!
//! - `throw` of the tag;
//! - a call of a defined function that lets it escape (imports never do: a
//!   Rust panic in a wasm entry an import calls back into ends at that
//!   entry's own frame, as a JS exception);
//! - `call_indirect` through the function table: when the table cannot change
//!   after instantiation (not imported, not exported, no instruction writes
//!   it), only the table's functions of the call's type can run, so the call
//!   raises the tag when one of them does; otherwise (another table, a table
//!   that can change, `call_ref`) any function can run, and it may;
//! - `throw_ref`/`rethrow` of a caught exception, when any instruction of the
//!   function, caught or not, can raise the tag (the caught exception may be
//!   a Rust panic that a cleanup rethrows).
//!
//! A region catches the tag when it is the body of a `try_table` with a
//! `catch`/`catch_ref` of the tag or a `catch_all`/`catch_all_ref` clause, or
//! the body of a legacy `try` with a `catch` of the tag or a `catch_all`.
//!
//! Handler code of a catch of the tag (the handler of a legacy `catch` of the
//! tag; in exnref, the code after the block that a `catch`/`catch_ref` clause
//! of the tag branches to, when nothing falls into that point from the
//! block's body, as in every Rust handler) lies outside the region too, but
//! in it, and in every function it calls, a call through a table is taken not
//! to raise. So is every call of those functions elsewhere (the catch frames'
//! handler, which abort pads call, counts as one of them). That code converts
//! a caught panic: wasm-bindgen 0.2.107+ calls `panic_to_panic_error` there
//! (or right after `catch_unwind` returned the payload), which reads the
//! payload's `type_id` and drops the payload through the function table;
//! counting those calls (some function of the same type in the table can
//! always panic) would frame nearly every export of a module whose exports
//! already catch their panics themselves. What it could raise is a panic
//! from a panic payload's destructor while a caught panic is converted: with
//! no frame, it leaves wasm as a raw Rust exception, which the runtime
//! classifies as an abort (`js-runtime/src/recovery.js`, `escape`), so the
//! instance is replaced, as it is in G2 modules (0.2.114+), which have no
//! frames by design. The rule is structural, so it also covers a crate's own
//! `catch_unwind` handler: a panic raised there through a `dyn` call
//! (outside any wasm-bindgen 0.2.107+ export's own catch) aborts the same way
//! instead of becoming a `PanicError`.
//!
//! The body of a legacy `try … delegate` counts as catching nothing, which is
//! never wrong (the delegate's target may catch nothing either); so does the
//! body of its exnref equivalent, a `try_table` whose clauses all go to
//! blocks that only `throw_ref` what they caught, and that `throw_ref` is no
//! rethrow of its own (what it throws was counted in those bodies); so does a
//! tail call (`return_call*`), which leaves the function, and its handlers,
//! before the callee runs.
//!
//! The result is a fixed point over the call graph, so recursion is handled.

use std::collections::{HashMap, HashSet};

use walrus::ir::{Instr, InstrSeqId, LegacyCatch, TryTableCatch};
use walrus::{
    ElementItems, ElementKind, ExportItem, FunctionId, LocalFunction, Module, TableId, TagId,
    TypeId,
};

use super::seqs::{ends_unreachably, SeqTree};

/// What some code can raise the tag through, before looking at callees.
#[derive(Default)]
struct Raisers {
    /// A `throw` of the tag.
    throws: bool,
    /// A call whose target is unknown (`call_ref`, another table).
    unknown: bool,
    /// Defined functions called.
    calls: Vec<FunctionId>,
    /// Types of `call_indirect`s through the fixed function table.
    indirect: Vec<TypeId>,
}

/// How calls through a table are judged.
#[derive(Clone, Copy)]
enum Table<'a> {
    /// As raising when a function of the call's type in the fixed table
    /// raises (`by_type`), or always for an unknown target.
    Counted(&'a HashMap<TypeId, Vec<FunctionId>>),
    /// As not raising: code that converts a caught panic (see the module
    /// documentation).
    Ignored,
}

impl Raisers {
    fn raise(&self, escapes: &HashSet<FunctionId>, table: Table) -> bool {
        self.throws
            || self.calls.iter().any(|f| escapes.contains(f))
            || match table {
                Table::Ignored => false,
                Table::Counted(by_type) => {
                    self.unknown
                        || self.indirect.iter().any(|t| {
                            by_type
                                .get(t)
                                .is_some_and(|fs| fs.iter().any(|f| escapes.contains(f)))
                        })
                }
            }
    }
}

/// What one function's code can raise.
#[derive(Default)]
struct Sites {
    /// Outside any region catching the tag, not handler code.
    uncaught: Raisers,
    /// Outside any region catching the tag, in the handler code of a catch
    /// of the tag: judged with calls through a table ignored.
    handling: Raisers,
    /// Anywhere, caught or not: what a rethrow can pass on.
    anywhere: Raisers,
    /// A `throw_ref`/`rethrow` outside any region catching the tag.
    rethrows: bool,
}

impl Sites {
    fn note(&mut self, at: Where, note: impl Fn(&mut Raisers)) {
        if !at.caught {
            if at.handling {
                note(&mut self.handling);
            } else {
                note(&mut self.uncaught);
            }
        }
        note(&mut self.anywhere);
    }

    /// Whether the function lets the tag escape, given the functions known
    /// to (`escapes`) and the functions known to even with calls through a
    /// table ignored (`converting`).
    fn raise(
        &self,
        escapes: &HashSet<FunctionId>,
        converting: &HashSet<FunctionId>,
        table: Table,
    ) -> bool {
        self.uncaught.raise(escapes, table)
            || self.handling.raise(converting, Table::Ignored)
            || (self.rethrows && self.anywhere.raise(escapes, table))
    }
}

/// Where an instruction sits.
#[derive(Clone, Copy)]
struct Where {
    /// Inside a region catching the tag.
    caught: bool,
    /// In handler code of a catch of the tag (or code nested in it).
    handling: bool,
}

/// The defined functions that can let the Rust tag escape.
///
/// `handlers` are functions known to convert a caught panic (the catch
/// frames' handler, which pads call): their calls count as handler code.
pub(super) fn escaping(
    module: &Module,
    tag: TagId,
    handlers: &[FunctionId],
) -> HashSet<FunctionId> {
    let fixed = fixed_function_table(module);
    let mut sites: HashMap<FunctionId, Sites> = module
        .funcs
        .iter_local()
        .map(|(id, func)| (id, sites(func, tag, fixed)))
        .collect();
    // A function that handler code calls converts a caught panic wherever
    // it is called (0.2.107+ call `panic_to_panic_error` after
    // `catch_unwind` returns as well as in handlers it was inlined into).
    let converters: HashSet<FunctionId> = sites
        .values()
        .flat_map(|s| s.handling.calls.iter().copied())
        .chain(handlers.iter().copied())
        .collect();
    for s in sites.values_mut() {
        let (converting, other) = std::mem::take(&mut s.uncaught.calls)
            .into_iter()
            .partition(|f| converters.contains(f));
        s.uncaught.calls = other;
        s.handling.calls.extend::<Vec<FunctionId>>(converting);
    }
    // The functions of each type in the fixed table.
    let mut by_type: HashMap<TypeId, Vec<FunctionId>> = HashMap::new();
    if let Some(table) = fixed {
        for element in module.elements.iter() {
            let in_table =
                matches!(element.kind, ElementKind::Active { table: t, .. } if t == table);
            if let (true, ElementItems::Functions(funcs)) = (in_table, &element.items) {
                for &f in funcs {
                    by_type.entry(module.funcs.get(f).ty()).or_default().push(f);
                }
            }
        }
    }

    // First what escapes when no call through a table raises (what handler
    // code and its callees are judged by), then what escapes at all.
    let converting = fixed_point(&sites, |s, escapes| {
        s.raise(escapes, escapes, Table::Ignored)
    });
    fixed_point(&sites, |s, escapes| {
        s.raise(escapes, &converting, Table::Counted(&by_type))
    })
}

/// The least set of functions closed under `raises`.
fn fixed_point(
    sites: &HashMap<FunctionId, Sites>,
    raises: impl Fn(&Sites, &HashSet<FunctionId>) -> bool,
) -> HashSet<FunctionId> {
    let mut escapes: HashSet<FunctionId> = HashSet::new();
    loop {
        let newly: Vec<FunctionId> = sites
            .iter()
            .filter(|(id, s)| !escapes.contains(id) && raises(s, &escapes))
            .map(|(&id, _)| id)
            .collect();
        if newly.is_empty() {
            return escapes;
        }
        escapes.extend(newly);
    }
}

/// The module's function table when nothing can change it after
/// instantiation: then its active element segments say all it can hold.
fn fixed_function_table(module: &Module) -> Option<TableId> {
    let table = module.tables.main_function_table().ok()??;
    if module.tables.get(table).import.is_some()
        || module
            .exports
            .iter()
            .any(|e| matches!(e.item, ExportItem::Table(t) if t == table))
        || module
            .elements
            .iter()
            .any(|e| !matches!(e.kind, ElementKind::Active { .. }))
    {
        return None;
    }
    let writes = |func: &LocalFunction| {
        let mut stack = vec![func.entry_block()];
        while let Some(seq) = stack.pop() {
            for (instr, _) in &func.block(seq).instrs {
                match instr {
                    Instr::TableSet(i) if i.table == table => return true,
                    Instr::TableGrow(i) if i.table == table => return true,
                    Instr::TableFill(i) if i.table == table => return true,
                    Instr::TableInit(i) if i.table == table => return true,
                    Instr::TableCopy(i) if i.dst == table => return true,
                    _ => {}
                }
                stack.extend(super::seqs::children(instr));
            }
        }
        false
    };
    if module.funcs.iter_local().any(|(_, f)| writes(f)) {
        return None;
    }
    Some(table)
}

/// The sites of one function, walking its sequences with where they sit.
fn sites(func: &LocalFunction, tag: TagId, fixed: Option<TableId>) -> Sites {
    let handlers = exnref_handler_code(func, tag);
    let (forwarders, forwarding) = exnref_forwarders(func);
    let mut sites = Sites::default();
    let top = Where {
        caught: false,
        handling: false,
    };
    let mut stack: Vec<(InstrSeqId, Where)> = vec![(func.entry_block(), top)];
    while let Some((seq, outer)) = stack.pop() {
        for (index, (instr, _)) in func.block(seq).instrs.iter().enumerate() {
            let at = Where {
                caught: outer.caught,
                handling: outer.handling || handlers.get(&seq).is_some_and(|&start| index >= start),
            };
            // A tail call leaves this function, and its handlers, first.
            let tail = Where {
                caught: false,
                ..at
            };
            match instr {
                Instr::Throw(t) if t.tag == tag => sites.note(at, |r| r.throws = true),
                Instr::Call(walrus::ir::Call { func: callee }) => {
                    sites.note(at, |r| r.calls.push(*callee))
                }
                Instr::CallIndirect(c) if Some(c.table) == fixed => {
                    sites.note(at, |r| r.indirect.push(c.ty))
                }
                Instr::CallIndirect(_) | Instr::CallRef(_) => sites.note(at, |r| r.unknown = true),
                Instr::ReturnCall(walrus::ir::ReturnCall { func: callee }) => {
                    sites.note(tail, |r| r.calls.push(*callee))
                }
                Instr::ReturnCallIndirect(c) if Some(c.table) == fixed => {
                    sites.note(tail, |r| r.indirect.push(c.ty))
                }
                Instr::ReturnCallIndirect(_) | Instr::ReturnCallRef(_) => {
                    sites.note(tail, |r| r.unknown = true)
                }
                // What a forwarder throws was counted where it was raised.
                Instr::ThrowRef(_) if forwarding.contains(&(seq, index)) => {}
                Instr::ThrowRef(_) | Instr::Rethrow(_) => sites.rethrows |= !at.caught,
                Instr::TryTable(t) => {
                    let catches = t.catches.iter().any(|c| match c {
                        TryTableCatch::Catch { tag: t, .. } => *t == tag,
                        TryTableCatch::CatchRef { tag: t, label } => {
                            *t == tag && !forwarders.contains(label)
                        }
                        TryTableCatch::CatchAll { .. } => true,
                        TryTableCatch::CatchAllRef { label } => !forwarders.contains(label),
                    });
                    // Like a delegate, a forwarder skips the enclosing handlers.
                    let forwards = t.catches.iter().all(|c| match c {
                        TryTableCatch::CatchRef { label, .. }
                        | TryTableCatch::CatchAllRef { label } => forwarders.contains(label),
                        TryTableCatch::Catch { .. } | TryTableCatch::CatchAll { .. } => false,
                    });
                    stack.push((
                        t.seq,
                        Where {
                            caught: catches || (at.caught && (t.catches.is_empty() || !forwards)),
                            ..at
                        },
                    ));
                }
                Instr::Try(t) => {
                    let delegates = t
                        .catches
                        .iter()
                        .any(|c| matches!(c, LegacyCatch::Delegate { .. }));
                    let catches = t.catches.iter().any(|c| match c {
                        LegacyCatch::Catch { tag: t, .. } => *t == tag,
                        LegacyCatch::CatchAll { .. } => true,
                        LegacyCatch::Delegate { .. } => false,
                    });
                    // A delegate skips the enclosing handlers up to its target.
                    stack.push((
                        t.seq,
                        Where {
                            caught: !delegates && (at.caught || catches),
                            ..at
                        },
                    ));
                    for catch in &t.catches {
                        match catch {
                            LegacyCatch::Catch { tag: t, handler } => stack.push((
                                *handler,
                                Where {
                                    handling: at.handling || *t == tag,
                                    ..at
                                },
                            )),
                            LegacyCatch::CatchAll { handler } => stack.push((*handler, at)),
                            LegacyCatch::Delegate { .. } => {}
                        }
                    }
                }
                other => {
                    for child in super::seqs::children(other) {
                        stack.push((child, at));
                    }
                }
            }
        }
    }
    sites
}

/// The exnref equivalent of a legacy `delegate`: blocks that a
/// `catch_ref`/`catch_all_ref` clause branches to and whose handler code
/// only throws the caught exception again (`throw_ref`, or `local.set $e;
/// local.get $e; throw_ref`), as LLVM emits for code whose exceptions
/// must skip the enclosing handlers. A body whose clauses all lead to such
/// blocks catches nothing, and the `throw_ref` raises only what those bodies
/// raised. Returns the blocks and the places of their `throw_ref`s.
fn exnref_forwarders(func: &LocalFunction) -> (HashSet<InstrSeqId>, HashSet<(InstrSeqId, usize)>) {
    let tree = SeqTree::of(func);
    let mut labels = HashSet::new();
    let mut branched = HashSet::new();
    for &seq in &tree.order {
        for (instr, _) in &func.block(seq).instrs {
            match instr {
                Instr::TryTable(t) => {
                    for catch in &t.catches {
                        if let TryTableCatch::CatchRef { label, .. }
                        | TryTableCatch::CatchAllRef { label } = catch
                        {
                            labels.insert(*label);
                        }
                    }
                }
                Instr::Br(b) => {
                    branched.insert(b.block);
                }
                Instr::BrIf(b) => {
                    branched.insert(b.block);
                }
                Instr::BrTable(b) => {
                    branched.insert(b.default);
                    branched.extend(b.blocks.iter().copied());
                }
                _ => {}
            }
        }
    }
    let mut blocks = HashSet::new();
    let mut throws = HashSet::new();
    for label in labels {
        if branched.contains(&label) || !ends_unreachably(func, label) {
            continue;
        }
        let Some(place) = tree.place(label) else {
            continue;
        };
        let after = &func.block(place.parent).instrs[place.index + 1..];
        let throw = match after {
            [(Instr::ThrowRef(_), _), ..] => Some(place.index + 1),
            [(Instr::LocalSet(set), _), (Instr::LocalGet(get), _), (Instr::ThrowRef(_), _), ..]
                if set.local == get.local =>
            {
                Some(place.index + 3)
            }
            _ => None,
        };
        if let Some(at) = throw {
            blocks.insert(label);
            throws.insert((place.parent, at));
        }
    }
    (blocks, throws)
}

/// Where exnref handler code of a catch of the tag starts: for each
/// sequence, the index after the block a `catch`/`catch_ref` clause of the
/// tag branches to, when nothing falls into that point from the block's body
/// (Rust's shape: the block's body ends in `unreachable`, `br` or `return`).
/// Everything from there to the end of the sequence runs only after a Rust
/// panic was caught.
fn exnref_handler_code(func: &LocalFunction, tag: TagId) -> HashMap<InstrSeqId, usize> {
    let tree = SeqTree::of(func);
    let mut starts: HashMap<InstrSeqId, usize> = HashMap::new();
    for &seq in &tree.order {
        for (instr, _) in &func.block(seq).instrs {
            let Instr::TryTable(t) = instr else { continue };
            for catch in &t.catches {
                if let TryTableCatch::Catch { tag: t, label }
                | TryTableCatch::CatchRef { tag: t, label } = catch
                {
                    if *t != tag || !ends_unreachably(func, *label) {
                        continue;
                    }
                    if let Some(place) = tree.place(*label) {
                        let start = starts.entry(place.parent).or_insert(place.index + 1);
                        *start = (*start).min(place.index + 1);
                    }
                }
            }
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use walrus::Module;

    fn escaping(wat: &str) -> HashSet<String> {
        let wasm = wat::parse_str(wat).expect("test module parses");
        let module = crate::ir::parse(&wasm).expect("walrus parses it");
        let tag = module.tags.iter().next().expect("a tag").id();
        let names = |module: &Module, set: HashSet<walrus::FunctionId>| {
            set.into_iter()
                .filter_map(|f| module.funcs.get(f).name.clone())
                .collect()
        };
        names(&module, super::escaping(&module, tag, &[]))
    }

    #[test]
    fn what_escapes_and_what_is_caught() {
        let found = escaping(
            r#"(module
              (type $drop (func (param i32)))
              (tag $rust (param i32))
              (table 3 3 funcref)
              (elem (i32.const 0) func $quiet_drop $other_sig)
              (func $raise (param i32) local.get 0 throw $rust)
              (func $calls_raise i32.const 0 call $raise)
              ;; catch_all: the panic ends here.
              (func $catches_all
                block
                  try_table (catch_all 0)
                    call $calls_raise
                  end
                end)
              ;; A cleanup pad rethrows what its body raised.
              (func $cleanup_pad
                block (result exnref)
                  try_table (catch_all_ref 0)
                    call $calls_raise
                    return
                  end
                  unreachable
                end
                throw_ref)
              ;; A tail call runs after the handlers are gone.
              (func $tail_call
                block
                  try_table (catch_all 0)
                    i32.const 0
                    return_call $raise
                  end
                end)
              (func $quiet_drop (param i32))
              (func $other_sig (param i32 i32) local.get 0 call $raise)
              ;; Only $quiet_drop has the type of this call in the fixed table.
              (func $indirect_quiet i32.const 0 i32.const 0 call_indirect (type $drop))
              (func $indirect_raising
                i32.const 0 i32.const 0 i32.const 1 call_indirect (param i32 i32))
              (export "a" (func $catches_all))
            )"#,
        );
        let expected: HashSet<String> = [
            "raise",
            "calls_raise",
            "cleanup_pad",
            "tail_call",
            "other_sig",
            "indirect_raising",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn calls_through_the_table_in_handler_code_do_not_raise() {
        let found = escaping(
            r#"(module
              (type $drop (func (param i32)))
              (tag $rust (param i32))
              (tag $other (param i32))
              (table 1 1 funcref)
              (elem (i32.const 0) func $raising_drop)
              (func $raise (param i32) local.get 0 throw $rust)
              (func $raising_drop (param i32) local.get 0 call $raise)
              ;; What wasm-bindgen 0.2.107+ calls to convert a caught panic.
              (func $convert (param i32)
                local.get 0 i32.const 0 call_indirect (type $drop))
              (func $legacy_handler
                try
                  i32.const 0 call $raise
                catch $rust
                  call $convert
                end)
              (func $exnref_handler
                block (result i32)
                  try_table (catch $rust 0)
                    i32.const 0 call $raise
                  end
                  return
                end
                call $convert)
              ;; Handler code still raises what it throws or directly calls.
              (func $handler_raises
                try
                  i32.const 0 call $raise
                catch $rust
                  call $raise
                end)
              ;; Handler code calls $convert: it converts wherever it is called.
              (func $after_catch i32.const 0 call $convert)
              ;; Outside handler code, a call through the table counts.
              (func $not_handler
                i32.const 0 i32.const 0 call_indirect (type $drop))
              ;; A catch of another tag is no handler of a Rust panic.
              (func $other_handler
                try
                  nop
                catch $other
                  drop
                  i32.const 0 i32.const 0 call_indirect (type $drop)
                end)
            )"#,
        );
        let expected: HashSet<String> = [
            "raise",
            "raising_drop",
            "convert",
            "handler_raises",
            "not_handler",
            "other_handler",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn an_exnref_forwarder_is_a_delegate() {
        let found = escaping(
            r#"(module
              (tag $rust (param i32))
              (func $raise (param i32) local.get 0 throw $rust)
              (func $quiet)
              ;; LLVM's trampoline: exceptions of $quiet skip the catch_all.
              (func $forwards_quiet
                (local $e exnref)
                block (result exnref)
                  block
                    try_table (catch_all 0)
                      try_table (catch_all_ref 2)
                        call $quiet
                      end
                      i32.const 0 call $raise
                    end
                  end
                  return
                end
                local.set $e
                local.get $e
                throw_ref)
              ;; The same shape forwards a panic of what it wraps.
              (func $forwards_raise
                block (result exnref)
                  try_table (catch_all_ref 0)
                    i32.const 0 call $raise
                  end
                  return
                end
                throw_ref)
            )"#,
        );
        let expected: HashSet<String> = ["raise", "forwards_raise"]
            .into_iter()
            .map(String::from)
            .collect();
        assert_eq!(found, expected);
    }

    #[test]
    fn a_table_the_module_writes_can_hold_anything() {
        let found = escaping(
            r#"(module
              (type $drop (func (param i32)))
              (tag $rust (param i32))
              (table 2 2 funcref)
              (elem (i32.const 0) func $quiet_drop)
              (func $raise (param i32) local.get 0 throw $rust)
              (func $quiet_drop (param i32))
              (func $indirect i32.const 0 i32.const 0 call_indirect (type $drop))
              (func $writes i32.const 1 ref.null func table.set 0)
            )"#,
        );
        assert!(found.contains("indirect"), "{found:?}");
    }
}
