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
//! the body of a legacy `try` with a `catch` of the tag or a `catch_all`. The
//! handler code of those catches is analysed like any other code outside the
//! region: what it calls may raise the tag again (wasm-bindgen 0.2.107+ calls
//! `panic_to_panic_error` there, which drops the payload through the table).
//! The body of a legacy `try … delegate` counts as catching nothing, which is
//! never wrong (the delegate's target may catch nothing either); so does a
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

/// What some code can raise the tag through, before looking at callees.
#[derive(Default)]
struct Raisers {
    /// A `throw` of the tag, or a call whose target is unknown.
    throws: bool,
    /// Defined functions called.
    calls: Vec<FunctionId>,
    /// Types of `call_indirect`s through the fixed function table.
    indirect: Vec<TypeId>,
}

impl Raisers {
    fn raise(
        &self,
        escapes: &HashSet<FunctionId>,
        by_type: &HashMap<TypeId, Vec<FunctionId>>,
    ) -> bool {
        self.throws
            || self.calls.iter().any(|f| escapes.contains(f))
            || self.indirect.iter().any(|t| {
                by_type
                    .get(t)
                    .is_some_and(|fs| fs.iter().any(|f| escapes.contains(f)))
            })
    }
}

/// What one function's code can raise.
#[derive(Default)]
struct Sites {
    /// Outside any region catching the tag.
    uncaught: Raisers,
    /// Anywhere, caught or not: what a rethrow can pass on.
    anywhere: Raisers,
    /// A `throw_ref`/`rethrow` outside any region catching the tag.
    rethrows: bool,
}

impl Sites {
    fn note(&mut self, caught: bool, note: impl Fn(&mut Raisers)) {
        if !caught {
            note(&mut self.uncaught);
        }
        note(&mut self.anywhere);
    }
}

/// The defined functions that can let the Rust tag escape.
pub(super) fn escaping(module: &Module, tag: TagId) -> HashSet<FunctionId> {
    let fixed = fixed_function_table(module);
    let sites: HashMap<FunctionId, Sites> = module
        .funcs
        .iter_local()
        .map(|(id, func)| (id, sites(func, tag, fixed)))
        .collect();
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

    let mut escapes: HashSet<FunctionId> = HashSet::new();
    loop {
        let newly: Vec<FunctionId> = sites
            .iter()
            .filter(|(id, _)| !escapes.contains(id))
            .filter(|(_, s)| {
                s.uncaught.raise(&escapes, &by_type)
                    || (s.rethrows && s.anywhere.raise(&escapes, &by_type))
            })
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

/// The sites of one function, walking its sequences with whether a region
/// catching the tag encloses them.
fn sites(func: &LocalFunction, tag: TagId, fixed: Option<TableId>) -> Sites {
    let mut sites = Sites::default();
    let mut stack: Vec<(InstrSeqId, bool)> = vec![(func.entry_block(), false)];
    while let Some((seq, caught)) = stack.pop() {
        for (instr, _) in &func.block(seq).instrs {
            match instr {
                Instr::Throw(t) if t.tag == tag => sites.note(caught, |r| r.throws = true),
                Instr::Call(walrus::ir::Call { func: callee }) => {
                    sites.note(caught, |r| r.calls.push(*callee))
                }
                Instr::CallIndirect(c) if Some(c.table) == fixed => {
                    sites.note(caught, |r| r.indirect.push(c.ty))
                }
                Instr::CallIndirect(_) | Instr::CallRef(_) => {
                    sites.note(caught, |r| r.throws = true)
                }
                // A tail call leaves this function, and its handlers, first.
                Instr::ReturnCall(walrus::ir::ReturnCall { func: callee }) => {
                    sites.note(false, |r| r.calls.push(*callee))
                }
                Instr::ReturnCallIndirect(c) if Some(c.table) == fixed => {
                    sites.note(false, |r| r.indirect.push(c.ty))
                }
                Instr::ReturnCallIndirect(_) | Instr::ReturnCallRef(_) => {
                    sites.note(false, |r| r.throws = true)
                }
                Instr::ThrowRef(_) | Instr::Rethrow(_) => sites.rethrows |= !caught,
                Instr::TryTable(t) => {
                    let catches = t.catches.iter().any(|c| match c {
                        TryTableCatch::Catch { tag: t, .. }
                        | TryTableCatch::CatchRef { tag: t, .. } => *t == tag,
                        TryTableCatch::CatchAll { .. } | TryTableCatch::CatchAllRef { .. } => true,
                    });
                    stack.push((t.seq, caught || catches));
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
                    stack.push((t.seq, !delegates && (caught || catches)));
                    for catch in &t.catches {
                        if let LegacyCatch::Catch { handler, .. }
                        | LegacyCatch::CatchAll { handler } = catch
                        {
                            stack.push((*handler, caught));
                        }
                    }
                }
                other => {
                    for child in super::seqs::children(other) {
                        stack.push((child, caught));
                    }
                }
            }
        }
    }
    sites
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
        names(&module, super::escaping(&module, tag))
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
