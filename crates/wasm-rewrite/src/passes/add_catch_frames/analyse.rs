//! Finds what a catch frame needs in a module, by structure, not by name
//! (npm packages are often stripped, docs/exception-handling.md).
//!
//! - the Rust panic tag: the one defined `(param i32)` tag that a `throw`
//!   throws (`_Unwind_RaiseException` holds the only `throw`);
//! - std's `catch_unwind::cleanup`: the function every `catch <rust tag>`
//!   handler calls first, of type `(i32 i32)` (sret out, exception pointer);
//! - `__wbindgen_free(ptr, size, align)`, the memory, the function table and
//!   the `__stack_pointer` global;
//! - the abort pads of `extern "C"` functions: a `catch_all` whose handler
//!   ends in `call $f; unreachable`, where `$f` is a function that never
//!   returns and is called from nowhere else (`panic_cannot_unwind`). Rust
//!   uses the same shape for `panic_in_cleanup` (a panic while a destructor
//!   runs during unwinding), which must keep aborting: its pads sit inside
//!   another handler, so a pad is an `extern "C"` pad only when no enclosing
//!   handler region holds it.

use std::collections::{HashMap, HashSet};

use walrus::ir::{Instr, InstrSeqId, LegacyCatch, TryTableCatch};
use walrus::{
    ElementItems, ExportItem, FunctionId, FunctionKind, GlobalId, LocalFunction, MemoryId, Module,
    TableId, TagId, TagKind, ValType,
};
use wasm_recover_model::Plan;

use super::seqs::{ends_unreachably, SeqTree};
use crate::Error;

/// The export that frees memory allocated by Rust, with `(ptr, size, align)`.
pub(super) const FREE_EXPORT: &str = "__wbindgen_free";

/// What the frames are built from.
pub(super) struct Facts {
    pub(super) tag: TagId,
    /// std's `catch_unwind::cleanup`, or why it could not be identified
    /// (then the frames abort instead, see [`super::frame::add_abort_handler`]).
    pub(super) cleanup: Result<FunctionId, String>,
    pub(super) free: FunctionId,
    pub(super) memory: MemoryId,
    pub(super) table: TableId,
    pub(super) stack_pointer: GlobalId,
}

/// One abort pad: a `catch_all` whose handler ends in `call $f; unreachable`.
#[derive(Debug, Clone)]
pub(super) struct Pad {
    /// The function holding the pad.
    pub(super) func: FunctionId,
    /// exnref: the block the `catch_all` clause branches to; legacy: the
    /// `catch_all` handler sequence.
    pub(super) target: InstrSeqId,
    /// The sequence and index of the `call $f` that aborts.
    pub(super) call: (InstrSeqId, usize),
    /// The function called, `$f`.
    pub(super) callee: FunctionId,
    /// Whether the pad lies inside another handler region (a cleanup pad):
    /// then it guards code that runs during unwinding and must keep aborting.
    pub(super) nested: bool,
}

/// Reads the facts a catch frame needs; refuses with [`Error::CatchFrames`]
/// naming what is missing.
pub(super) fn facts(module: &Module, plan: &Plan) -> Result<Facts, Error> {
    let tag = rust_tag(module)?;
    let cleanup = cleanup(module, tag);
    let free = free(module)?;
    let memory = match module.memories.iter().next() {
        Some(memory) => memory.id(),
        None => return Err(missing("the module has no memory")),
    };
    let table = module
        .tables
        .main_function_table()
        .map_err(|e| missing(format!("cannot pick the function table: {e}")))?
        .ok_or_else(|| {
            missing("the module has no function table (needed to drop the panic payload)")
        })?;
    let stack_pointer = stack_pointer(module, plan)?;
    Ok(Facts {
        tag,
        cleanup,
        free,
        memory,
        table,
        stack_pointer,
    })
}

fn missing(what: impl Into<String>) -> Error {
    Error::CatchFrames { what: what.into() }
}

fn func_label(module: &Module, id: FunctionId) -> String {
    let index = module
        .funcs
        .iter()
        .position(|f| f.id() == id)
        .unwrap_or_default();
    match &module.funcs.get(id).name {
        Some(name) => format!("function {index} `{name}`"),
        None => format!("function {index}"),
    }
}

fn is_type(module: &Module, func: FunctionId, params: &[ValType], results: &[ValType]) -> bool {
    let ty = module.types.get(module.funcs.get(func).ty());
    ty.params() == params && ty.results() == results
}

/// The defined `(param i32)` tag that the module throws.
fn rust_tag(module: &Module) -> Result<TagId, Error> {
    let mut thrown = HashSet::new();
    for (_, func) in module.funcs.iter_local() {
        let tree = SeqTree::of(func);
        for &seq in &tree.order {
            for (instr, _) in &func.block(seq).instrs {
                if let Instr::Throw(t) = instr {
                    thrown.insert(t.tag);
                }
            }
        }
    }
    let candidates: Vec<TagId> = thrown
        .into_iter()
        .filter(|&tag| {
            let tag = module.tags.get(tag);
            let ty = module.types.get(tag.ty());
            matches!(tag.kind, TagKind::Local) && ty.params() == [ValType::I32]
        })
        .collect();
    match candidates.as_slice() {
        [tag] => Ok(*tag),
        [] => Err(missing(
            "no Rust panic tag: no `throw` of a defined `(param i32)` tag in the module",
        )),
        _ => Err(missing(format!(
            "{} defined `(param i32)` tags are thrown; cannot tell which one is Rust's",
            candidates.len()
        ))),
    }
}

/// The first function each `catch <rust tag>` handler calls, or why there is
/// no single one.
fn cleanup(module: &Module, tag: TagId) -> Result<FunctionId, String> {
    let mut found: HashMap<FunctionId, usize> = HashMap::new();
    for (_, func) in module.funcs.iter_local() {
        let tree = SeqTree::of(func);
        for &seq in &tree.order {
            for (instr, _) in &func.block(seq).instrs {
                let handler_start = match instr {
                    Instr::TryTable(t) => t
                        .catches
                        .iter()
                        .filter_map(|c| match c {
                            TryTableCatch::Catch { tag: t, label } if *t == tag => {
                                tree.place(*label).map(|p| (p.parent, p.index + 1))
                            }
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                    Instr::Try(t) => t
                        .catches
                        .iter()
                        .filter_map(|c| match c {
                            LegacyCatch::Catch { tag: t, handler } if *t == tag => {
                                Some((*handler, 0))
                            }
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for (handler, start) in handler_start {
                    if let FirstCall::Direct(callee) = first_call(func, handler, start) {
                        *found.entry(callee).or_default() += 1;
                    }
                }
            }
        }
    }
    let fitting: Vec<FunctionId> = found
        .keys()
        .copied()
        .filter(|&f| is_type(module, f, &[ValType::I32, ValType::I32], &[]))
        .collect();
    match fitting.as_slice() {
        [cleanup] => Ok(*cleanup),
        [] => Err(
            "no `catch` of the Rust panic tag calls an `(i32 i32)` function first \
             (the crate never uses catch_unwind)"
                .to_string(),
        ),
        _ => Err(format!(
            "`catch` handlers of the Rust panic tag call {} different `(i32 i32)` functions \
             first",
            fitting.len()
        )),
    }
}

/// What a handler calls first.
pub(super) enum FirstCall {
    /// A direct `call` of this function.
    Direct(FunctionId),
    /// A `call_indirect` comes first: the callee is not known here.
    Indirect,
    /// No call at all.
    None,
}

/// The first call made by the instructions of `seq` from `start`, looking
/// into nested `block`, `loop`, `try` and `try_table` bodies, which run before
/// what follows them. Without LTO, std's `catch_unwind` handler wraps its
/// cleanup call in a `try` whose `catch_all` aborts (the cleanup must not
/// unwind), so the call is not at the handler's top level; and std's
/// `__rust_try` intrinsic, when it is not inlined, calls the catch closure
/// through the table (`Indirect`: that handler says nothing about which
/// function is the cleanup).
pub(super) fn first_call(func: &LocalFunction, seq: InstrSeqId, start: usize) -> FirstCall {
    for (instr, _) in &func.block(seq).instrs[start..] {
        let body = match instr {
            Instr::Call(c) => return FirstCall::Direct(c.func),
            Instr::CallIndirect(_) => return FirstCall::Indirect,
            Instr::Block(b) => b.seq,
            Instr::Loop(l) => l.seq,
            Instr::Try(t) => t.seq,
            Instr::TryTable(t) => t.seq,
            _ => continue,
        };
        match first_call(func, body, 0) {
            FirstCall::None => {}
            found => return found,
        }
    }
    FirstCall::None
}

fn free(module: &Module) -> Result<FunctionId, Error> {
    let export = module
        .exports
        .iter()
        .find(|e| e.name == FREE_EXPORT)
        .ok_or_else(|| missing(format!("the module does not export `{FREE_EXPORT}`")))?;
    match export.item {
        ExportItem::Function(f)
            if is_type(module, f, &[ValType::I32, ValType::I32, ValType::I32], &[]) =>
        {
            Ok(f)
        }
        _ => Err(missing(format!(
            "`{FREE_EXPORT}` is not a function `(i32 i32 i32)` (ptr, size, align)"
        ))),
    }
}

fn stack_pointer(module: &Module, plan: &Plan) -> Result<GlobalId, Error> {
    let sp = plan
        .stack_pointer
        .as_ref()
        .ok_or_else(|| missing("the plan names no `__stack_pointer` global"))?;
    // walrus keeps globals in index order, imported ones first.
    let global = module
        .globals
        .iter()
        .nth(sp.global as usize)
        .ok_or_else(|| missing(format!("global {} does not exist", sp.global)))?;
    if global.ty != ValType::I32 || !global.mutable {
        return Err(missing(format!(
            "global {} is not a mutable i32, so it is not the stack pointer",
            sp.global
        )));
    }
    Ok(global.id())
}

/// Every abort pad of the module, and the functions that only abort pads call.
pub(super) struct AbortPads {
    pub(super) pads: Vec<Pad>,
    /// Functions that never return, called only as the last act of `catch_all`
    /// pads, at least one of which is outside any handler
    /// (`panic_cannot_unwind`; `panic_in_cleanup`, whose pads all sit in
    /// cleanup handlers, is not one). Some pads of such a function may sit in
    /// a handler: at opt-level 3 with LTO a call that must not unwind is
    /// inlined into cleanup code, pad and all. Only pads outside handlers
    /// become frames or rethrow (`Pad::nested`); one inside a handler keeps
    /// aborting, as a panic during unwinding must.
    pub(super) cannot_unwind: HashSet<FunctionId>,
}

/// Finds the abort pads and classifies the functions they call.
pub(super) fn abort_pads(module: &Module) -> AbortPads {
    let mut pads = Vec::new();
    let mut calls: HashMap<FunctionId, usize> = HashMap::new();
    for (id, func) in module.funcs.iter_local() {
        let tree = SeqTree::of(func);
        let regions = handler_regions(func, &tree);
        for &seq in &tree.order {
            for (index, (instr, _)) in func.block(seq).instrs.iter().enumerate() {
                match instr {
                    Instr::Call(c) => *calls.entry(c.func).or_default() += 1,
                    Instr::ReturnCall(c) => *calls.entry(c.func).or_default() += 1,
                    Instr::RefFunc(r) => *calls.entry(r.func).or_default() += 1,
                    _ => {}
                }
                let starts: Vec<(InstrSeqId, InstrSeqId, usize)> = match instr {
                    Instr::TryTable(t) => t
                        .catches
                        .iter()
                        .filter_map(|c| match c {
                            TryTableCatch::CatchAll { label } if ends_unreachably(func, *label) => {
                                tree.place(*label).map(|p| (*label, p.parent, p.index + 1))
                            }
                            _ => None,
                        })
                        .collect(),
                    Instr::Try(t) => t
                        .catches
                        .iter()
                        .filter_map(|c| match c {
                            LegacyCatch::CatchAll { handler } => Some((*handler, *handler, 0)),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for (target, region, start) in starts {
                    if let Some((at, callee)) = terminal_call(func, region, start) {
                        pads.push(Pad {
                            func: id,
                            target,
                            call: (region, at),
                            callee,
                            nested: in_region(&tree, &regions, seq, index),
                        });
                    }
                }
            }
        }
    }
    let exported: HashSet<FunctionId> = module
        .exports
        .iter()
        .filter_map(|e| match e.item {
            ExportItem::Function(f) => Some(f),
            _ => None,
        })
        .collect();
    let in_tables: HashSet<FunctionId> = module
        .elements
        .iter()
        .flat_map(|e| match &e.items {
            ElementItems::Functions(fs) => fs.clone(),
            ElementItems::Expressions(..) => Vec::new(),
        })
        .collect();
    let mut by_callee: HashMap<FunctionId, Vec<&Pad>> = HashMap::new();
    for pad in &pads {
        by_callee.entry(pad.callee).or_default().push(pad);
    }
    let cannot_unwind = by_callee
        .into_iter()
        .filter(|(callee, pads)| {
            calls.get(callee) == Some(&pads.len())
                && pads.iter().any(|p| !p.nested)
                && !exported.contains(callee)
                && !in_tables.contains(callee)
                && never_returns(module, *callee)
        })
        .map(|(callee, _)| callee)
        .collect();
    AbortPads {
        pads,
        cannot_unwind,
    }
}

/// Where handler code runs in a function: for each sequence, the index from
/// which its instructions run only after a `catch_all`/`catch_all_ref` caught
/// something (legacy `catch_all` handlers run from index 0).
fn handler_regions(func: &LocalFunction, tree: &SeqTree) -> HashMap<InstrSeqId, usize> {
    let mut regions: HashMap<InstrSeqId, usize> = HashMap::new();
    let mut note = |seq: InstrSeqId, start: usize| {
        let entry = regions.entry(seq).or_insert(start);
        *entry = (*entry).min(start);
    };
    for &handler in &tree.catch_all_handlers {
        note(handler, 0);
    }
    for &seq in &tree.order {
        for (instr, _) in &func.block(seq).instrs {
            if let Instr::TryTable(t) = instr {
                for catch in &t.catches {
                    if let TryTableCatch::CatchAll { label }
                    | TryTableCatch::CatchAllRef { label } = catch
                    {
                        // Code after the target block is handler code only
                        // when nothing falls into it from the block's body.
                        if ends_unreachably(func, *label) {
                            if let Some(place) = tree.place(*label) {
                                note(place.parent, place.index + 1);
                            }
                        }
                    }
                }
            }
        }
    }
    regions
}

/// Whether the instruction at `index` of `seq` runs inside a handler region.
fn in_region(
    tree: &SeqTree,
    regions: &HashMap<InstrSeqId, usize>,
    mut seq: InstrSeqId,
    mut index: usize,
) -> bool {
    loop {
        if regions.get(&seq).is_some_and(|&start| index >= start) {
            return true;
        }
        match tree.place(seq) {
            Some(place) => {
                seq = place.parent;
                index = place.index;
            }
            None => return false,
        }
    }
}

/// The first `call $f; unreachable` among the top-level instructions of
/// `seq` from `start`: its index and `$f`.
fn terminal_call(
    func: &LocalFunction,
    seq: InstrSeqId,
    start: usize,
) -> Option<(usize, FunctionId)> {
    let instrs = &func.block(seq).instrs;
    (start..instrs.len().saturating_sub(1)).find_map(|i| match (&instrs[i].0, &instrs[i + 1].0) {
        (Instr::Call(c), Instr::Unreachable(_)) => Some((i, c.func)),
        _ => None,
    })
}

/// Whether `func` is a defined `() -> ()` function whose body cannot return:
/// it ends in `unreachable` and holds no `return` and no branch to its body.
pub(super) fn never_returns(module: &Module, func: FunctionId) -> bool {
    let FunctionKind::Local(local) = &module.funcs.get(func).kind else {
        return false;
    };
    if !is_type(module, func, &[], &[]) || !ends_unreachably(local, local.entry_block()) {
        return false;
    }
    let entry = local.entry_block();
    let tree = SeqTree::of(local);
    tree.order.iter().all(|&seq| {
        local
            .block(seq)
            .instrs
            .iter()
            .all(|(instr, _)| match instr {
                Instr::Return(_) => false,
                Instr::Br(b) => b.block != entry,
                Instr::BrIf(b) => b.block != entry,
                Instr::BrTable(b) => b.default != entry && !b.blocks.contains(&entry),
                _ => true,
            })
    })
}

/// The functions whose abort pads a frame must neutralise for `export`: the
/// exported function itself and, when it is a shim (straight-line code, like
/// wasm-bindgen's multivalue and externref shims), every defined function it
/// calls, recursively through shims.
pub(super) fn entry_chain(module: &Module, export: FunctionId) -> Vec<FunctionId> {
    let mut chain = vec![export];
    let mut next = 0;
    while next < chain.len() {
        for callee in shim_callees(module, chain[next]) {
            if !chain.contains(&callee) {
                chain.push(callee);
            }
        }
        next += 1;
    }
    chain
}

/// The defined functions a shim calls; nothing when `func` has control flow.
pub(super) fn shim_callees(module: &Module, func: FunctionId) -> Vec<FunctionId> {
    let FunctionKind::Local(local) = &module.funcs.get(func).kind else {
        return Vec::new();
    };
    let mut callees = Vec::new();
    for (instr, _) in &local.block(local.entry_block()).instrs {
        match instr {
            Instr::Block(_)
            | Instr::Loop(_)
            | Instr::IfElse(_)
            | Instr::TryTable(_)
            | Instr::Try(_)
            | Instr::Br(_)
            | Instr::BrIf(_)
            | Instr::BrTable(_)
            | Instr::CallIndirect(_) => return Vec::new(),
            Instr::Call(c) if matches!(module.funcs.get(c.func).kind, FunctionKind::Local(_)) => {
                callees.push(c.func)
            }
            _ => {}
        }
    }
    callees
}

/// For each function that code of the module calls (or takes a reference
/// to), the functions that do. Table elements are not counted: G1 glue
/// enters the functions of a table from JS (closures), through exports.
pub(super) fn callers(module: &Module) -> HashMap<FunctionId, Vec<FunctionId>> {
    let mut callers: HashMap<FunctionId, Vec<FunctionId>> = HashMap::new();
    for (id, func) in module.funcs.iter_local() {
        let tree = SeqTree::of(func);
        for &seq in &tree.order {
            for (instr, _) in &func.block(seq).instrs {
                let callee = match instr {
                    Instr::Call(c) => c.func,
                    Instr::ReturnCall(c) => c.func,
                    Instr::RefFunc(r) => r.func,
                    _ => continue,
                };
                callers.entry(callee).or_default().push(id);
            }
        }
    }
    callers
}

/// A readable name for errors and reports.
pub(super) fn describe(module: &Module, func: FunctionId) -> String {
    func_label(module, func)
}

/// The functions the module itself uses: called, referenced (`ref.func`) or
/// placed in a table. A frame may go inside an exported function only when
/// JS is its only caller; otherwise a Rust caller would see a `PanicError`
/// (a JS exception) where it expects to unwind.
pub(super) fn used_inside(module: &Module) -> HashSet<FunctionId> {
    let mut used = HashSet::new();
    for (_, func) in module.funcs.iter_local() {
        let tree = SeqTree::of(func);
        for &seq in &tree.order {
            for (instr, _) in &func.block(seq).instrs {
                match instr {
                    Instr::Call(c) => {
                        used.insert(c.func);
                    }
                    Instr::ReturnCall(c) => {
                        used.insert(c.func);
                    }
                    Instr::RefFunc(r) => {
                        used.insert(r.func);
                    }
                    _ => {}
                }
            }
        }
    }
    for element in module.elements.iter() {
        match &element.items {
            ElementItems::Functions(fs) => used.extend(fs.iter().copied()),
            // `ref.func` in a constant expression: treat every function as used
            // would be too coarse; these are not produced by rustc for wasm32.
            ElementItems::Expressions(..) => {}
        }
    }
    used
}
