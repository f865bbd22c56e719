//! std's `catch_unwind` cleanup, emitted from the parts of std's panic
//! machinery that every panic=unwind module contains, for a module that has
//! no cleanup of its own to call (a crate that never calls `catch_unwind`,
//! built by wasm-bindgen 0.2.105/0.2.106, whose exports do not call it
//! either).
//!
//! std's cleanup does three things (docs/real-crates.md, "What std's cleanup
//! needs"): it takes the payload `Box<dyn Any + Send>` out of the exception
//! object, frees the exception object, and undoes the panic count's
//! increment. All three are read from the module by what its code does:
//!
//! - **the exception object**: the only function that `throw`s the Rust tag
//!   (`__rust_start_panic`, with `_Unwind_RaiseException` inlined) builds it
//!   and stores the exception class `b"MOZ\0RUST"` as an `i64` with the
//!   word after it holding the table slot of its `exception_cleanup`. That
//!   function (in the table at the slot) calls first the exception's
//!   destructor, which drops the payload at `exn + C` (a call of an `(i32)`
//!   function with `exn + C`) and frees `exn` with a constant size and
//!   alignment (a call of an `(i32 i32 i32)` function with `exn, S, A`).
//!   The size must be the one `__rust_start_panic` copies the object with.
//! - **the panic counts**: std's `panic_count::increase`, inlined where a
//!   panic starts, is the one place that adds 1 to a word of static memory
//!   (`GLOBAL_PANIC_COUNT`, then tested for its always-abort high bit with
//!   `< 0`), and, unless an `in_panic_hook` byte is set, sets that byte and
//!   adds 1 to the word before it (`LOCAL_PANIC_COUNT`, a `(usize, bool)`
//!   cell: the thread-local is plain static memory on wasm32 without
//!   threads). The function holding both must reach the `throw` by direct
//!   calls.
//!
//! Every part must be found exactly once; anything else is a reason, and the
//! pass keeps its fallback (abort semantics). The emitted cleanup has std's
//! signature `(out: i32, exn: i32)`: it writes the payload's (data, vtable)
//! to `out`, frees the exception with the destructor's own deallocation call
//! and decrements both counts (clearing `in_panic_hook`, as std's
//! `decrease` does), so the shared handler (see `frame`) uses it exactly as
//! it uses std's.

use std::collections::{HashSet, VecDeque};

use walrus::ir::{BinaryOp, Instr, LoadKind, MemArg, StoreKind, Value};
use walrus::{
    ConstExpr, ElementItems, ElementKind, FunctionBuilder, FunctionId, FunctionKind, LocalFunction,
    MemoryId, Module, TableId, TagId, ValType,
};

use super::analyse::{first_call, FirstCall};
use super::seqs::SeqTree;

/// `RUST_EXCEPTION_CLASS` of std's `panic_unwind`: the bytes `MOZ\0RUST`.
const RUST_EXCEPTION_CLASS: i64 = i64::from_le_bytes(*b"MOZ\0RUST");

/// What the emitted cleanup is made of, all read from the module.
#[derive(Debug, Clone)]
pub(super) struct StdPanicParts {
    /// Where the payload `Box<dyn Any + Send>` lies in the exception object.
    pub(super) cause_offset: u32,
    /// Size and alignment the exception object is freed with; no alignment
    /// where LTO dropped that constant argument of the deallocation function
    /// (`__rust_dealloc(exn, 40)`).
    pub(super) exception_size: i32,
    pub(super) exception_align: Option<i32>,
    /// The deallocation function the exception's destructor calls.
    pub(super) dealloc: FunctionId,
    /// The exception's destructor (only reported).
    pub(super) destructor: FunctionId,
    /// The function that increments the panic counts (only reported).
    pub(super) counted_in: FunctionId,
    /// Addresses of `GLOBAL_PANIC_COUNT`, `LOCAL_PANIC_COUNT`'s count and its
    /// `in_panic_hook` flag.
    pub(super) global_count: u64,
    pub(super) local_count: u64,
    pub(super) in_panic_hook: u64,
}

/// Finds the parts of std's cleanup, or says which one is missing.
pub(super) fn find(module: &Module, tag: TagId, table: TableId) -> Result<StdPanicParts, String> {
    let raiser = raiser(module, tag)?;
    let (raiser_body, slot) = builder(module, raiser).ok_or(
        "neither the function that throws the Rust tag nor one function calling it stores a \
         `MOZ\\0RUST` exception class followed by its cleanup's table slot",
    )?;
    let exception_cleanup = table_slot(module, table, slot)
        .ok_or_else(|| format!("table slot {slot} (the exception's cleanup) holds no function"))?;
    if !has_type(module, exception_cleanup, &[ValType::I32, ValType::I32]) {
        return Err("the exception's cleanup is not an `(i32 i32)` function".to_string());
    }
    let destructor = match first_direct_call(module, exception_cleanup) {
        Some(f) if has_type(module, f, &[ValType::I32]) => f,
        _ => {
            return Err(
                "the exception's cleanup does not call an `(i32)` destructor first".to_string(),
            )
        }
    };
    let (cause_offset, exception_size, exception_align, dealloc) =
        destructor_parts(module, destructor)?;
    if !copies_whole(raiser_body, exception_size) {
        return Err(format!(
            "the exception is freed with size {exception_size}, which is not the size it is \
             built with"
        ));
    }
    let (counted_in, counts) = panic_counts(module, raiser)?;
    Ok(StdPanicParts {
        cause_offset,
        exception_size,
        exception_align,
        dealloc,
        destructor,
        counted_in,
        global_count: counts.global,
        local_count: counts.local,
        in_panic_hook: counts.in_hook,
    })
}

/// Adds the cleanup `(out: i32, exn: i32)` and returns it.
pub(super) fn emit(module: &mut Module, parts: &StdPanicParts, memory: MemoryId) -> FunctionId {
    let i32_load = LoadKind::I32 { atomic: false };
    let i32_store = StoreKind::I32 { atomic: false };
    let word = |offset| MemArg { align: 4, offset };
    let out = module.locals.add(ValType::I32);
    let exn = module.locals.add(ValType::I32);
    let mut builder = FunctionBuilder::new(&mut module.types, &[ValType::I32, ValType::I32], &[]);
    let mut body = builder.func_body();
    // The payload's (data, vtable), before the object holding it is freed.
    for field in [0, 4] {
        body.local_get(out)
            .local_get(exn)
            .load(
                memory,
                i32_load,
                word(u64::from(parts.cause_offset) + field),
            )
            .store(memory, i32_store, word(field));
    }
    body.local_get(exn).i32_const(parts.exception_size);
    if let Some(align) = parts.exception_align {
        body.i32_const(align);
    }
    body.call(parts.dealloc);
    // panic_count::decrease: both counts down by one, not in the hook.
    for address in [parts.global_count, parts.local_count] {
        body.i32_const(0)
            .i32_const(0)
            .load(memory, i32_load, word(address))
            .i32_const(1)
            .binop(BinaryOp::I32Sub)
            .store(memory, i32_store, word(address));
    }
    body.i32_const(0).i32_const(0).store(
        memory,
        StoreKind::I32_8 { atomic: false },
        MemArg {
            align: 1,
            offset: parts.in_panic_hook,
        },
    );
    builder.finish(vec![out, exn], &mut module.funcs)
}

fn has_type(module: &Module, func: FunctionId, params: &[ValType]) -> bool {
    let ty = module.types.get(module.funcs.get(func).ty());
    ty.params() == params && ty.results().is_empty()
}

fn local(module: &Module, func: FunctionId) -> Option<&LocalFunction> {
    match &module.funcs.get(func).kind {
        FunctionKind::Local(local) => Some(local),
        _ => None,
    }
}

/// Every instruction of `func`, sequence by sequence.
fn sequences(func: &LocalFunction) -> impl Iterator<Item = Vec<&Instr>> + '_ {
    SeqTree::of(func)
        .order
        .into_iter()
        .map(move |seq| func.block(seq).instrs.iter().map(|(i, _)| i).collect())
}

fn i32_const(instr: &Instr) -> Option<i32> {
    match instr {
        Instr::Const(c) => match c.value {
            Value::I32(v) => Some(v),
            _ => None,
        },
        _ => None,
    }
}

/// The only function that throws the Rust tag.
fn raiser(module: &Module, tag: TagId) -> Result<FunctionId, String> {
    let throwing: Vec<FunctionId> = module
        .funcs
        .iter_local()
        .filter(|(_, func)| {
            sequences(func).any(|seq| {
                seq.iter()
                    .any(|i| matches!(i, Instr::Throw(t) if t.tag == tag))
            })
        })
        .map(|(id, _)| id)
        .collect();
    match throwing.as_slice() {
        [raiser] => Ok(*raiser),
        _ => Err(format!(
            "{} functions throw the Rust tag, not one (`__rust_start_panic`)",
            throwing.len()
        )),
    }
}

/// The function that builds the exception and the table slot of its cleanup:
/// the raiser itself (`__rust_start_panic` with LTO), or, when the throw sits
/// in a function of its own (`_Unwind_RaiseException` without LTO), the one
/// direct caller of the raiser that stores the class.
fn builder(module: &Module, raiser: FunctionId) -> Option<(&LocalFunction, u32)> {
    let body = local(module, raiser)?;
    if let Some(slot) = exception_cleanup_slot(body) {
        return Some((body, slot));
    }
    let building: Vec<(&LocalFunction, u32)> = module
        .funcs
        .iter_local()
        .filter(|(_, func)| {
            sequences(func).any(|seq| {
                seq.iter()
                    .any(|i| matches!(i, Instr::Call(c) if c.func == raiser))
            })
        })
        .filter_map(|(_, func)| exception_cleanup_slot(func).map(|slot| (func, slot)))
        .collect();
    match building.as_slice() {
        [one] => Some(*one),
        _ => None,
    }
}

/// The table slot stored in the word after the exception class.
fn exception_cleanup_slot(raiser: &LocalFunction) -> Option<u32> {
    let mut class_at = Vec::new();
    let mut words = Vec::new();
    for seq in sequences(raiser) {
        for w in seq.windows(3) {
            let (Instr::LocalGet(base), Instr::Const(c), Instr::Store(s)) = (w[0], w[1], w[2])
            else {
                continue;
            };
            match (c.value, s.kind) {
                (Value::I64(RUST_EXCEPTION_CLASS), StoreKind::I64 { atomic: false }) => {
                    class_at.push((base.local, s.arg.offset))
                }
                (Value::I32(v), StoreKind::I32 { atomic: false }) if v > 0 => {
                    words.push((base.local, s.arg.offset, v as u32))
                }
                _ => {}
            }
        }
    }
    let [(base, offset)] = class_at.as_slice() else {
        return None;
    };
    let slots: HashSet<u32> = words
        .iter()
        .filter(|(b, o, _)| b == base && *o == offset + 8)
        .map(|&(_, _, slot)| slot)
        .collect();
    match slots.into_iter().collect::<Vec<_>>().as_slice() {
        [slot] => Some(*slot),
        _ => None,
    }
}

/// The function at `slot` of `table`, from its active element segments.
fn table_slot(module: &Module, table: TableId, slot: u32) -> Option<FunctionId> {
    module.elements.iter().find_map(|element| {
        let ElementKind::Active {
            table: t,
            offset: ConstExpr::Value(Value::I32(base)),
        } = &element.kind
        else {
            return None;
        };
        let ElementItems::Functions(funcs) = &element.items else {
            return None;
        };
        let index = slot.checked_sub(u32::try_from(*base).ok()?)?;
        (*t == table)
            .then(|| funcs.get(index as usize).copied())
            .flatten()
    })
}

/// The first function `func` calls, looking into nested bodies.
fn first_direct_call(module: &Module, func: FunctionId) -> Option<FunctionId> {
    let func = local(module, func)?;
    match first_call(func, func.entry_block(), 0) {
        FirstCall::Direct(f) => Some(f),
        FirstCall::Indirect | FirstCall::None => None,
    }
}

/// From the exception's destructor `(exn)`: the payload's offset (it drops
/// `exn + C`) and the deallocation call `(exn, S, A)`. Three shapes occur:
///
/// - the destructor calls a drop function with `exn + C` and frees with
///   `(exn, S, A)` itself (opt-level `s`);
/// - the free sits in a `(i32)` function the destructor calls with `exn`
///   (`<Box<Exception> as Drop>::drop`, opt-level `z` with LTO);
/// - the payload's drop is inlined: the destructor loads the payload's data
///   and vtable from `exn + C` and `exn + C + 4` and drops it through the
///   table; the free has lost its constant alignment to LTO: `(exn, S)`
///   (opt-level 3 with LTO).
fn destructor_parts(
    module: &Module,
    destructor: FunctionId,
) -> Result<(u32, i32, Option<i32>, FunctionId), String> {
    let func = local(module, destructor).ok_or("the exception's destructor is imported")?;
    let exn = func.args[0];
    let mut dropped = HashSet::new();
    let mut loaded = HashSet::new();
    for seq in sequences(func) {
        for w in seq.windows(4) {
            if let (Instr::LocalGet(g), c, Instr::Binop(op), next) = (w[0], w[1], w[2], w[3]) {
                if g.local != exn || !matches!(op.op, BinaryOp::I32Add) {
                    continue;
                }
                let Some(offset) = i32_const(c) else { continue };
                match next {
                    Instr::Call(call) if has_type(module, call.func, &[ValType::I32]) => {
                        dropped.insert(offset);
                    }
                    Instr::Load(l) if l.arg.offset == 0 && is_i32_load(next).is_some() => {
                        loaded.insert(offset);
                    }
                    _ => {}
                }
            }
        }
    }
    // The inlined drop reads the payload's two words, at `exn + C` and
    // `exn + C + 4`: one such pair, and no drop call.
    let causes: Vec<i32> = if dropped.is_empty() {
        loaded
            .iter()
            .copied()
            .filter(|c| loaded.contains(&(c + 4)))
            .collect()
    } else {
        dropped.iter().copied().collect()
    };
    let mut frees = frees_of(module, func, exn);
    if frees.is_empty() {
        // One level down: a `(i32)` function called with `exn` that frees it.
        for seq in sequences(func) {
            for w in seq.windows(2) {
                if let (Instr::LocalGet(g), Instr::Call(call)) = (w[0], w[1]) {
                    if g.local == exn && has_type(module, call.func, &[ValType::I32]) {
                        if let Some(callee) = local(module, call.func) {
                            frees.extend(frees_of(module, callee, callee.args[0]));
                        }
                    }
                }
            }
        }
    }
    let (&[cause], &[(size, align, dealloc)]) = (
        causes.as_slice(),
        frees.iter().copied().collect::<Vec<_>>().as_slice(),
    ) else {
        return Err(format!(
            "the exception's destructor drops {} payload offsets and frees with {} calls, not \
             one each",
            causes.len(),
            frees.len()
        ));
    };
    let cause = u32::try_from(cause).map_err(|_| "negative payload offset".to_string())?;
    let align_ok = align.is_none_or(|a| a > 0 && a & (a - 1) == 0);
    if !align_ok || i64::from(cause) + 8 > i64::from(size) {
        return Err(format!(
            "the exception's layout does not hold together (payload at {cause}, size {size}, \
             align {align:?})"
        ));
    }
    Ok((cause, size, align, dealloc))
}

/// The deallocation calls of `ptr` in `func`: `(ptr, S, A)` through a
/// three-argument function, or `(ptr, S)` through a two-argument one.
fn frees_of(
    module: &Module,
    func: &LocalFunction,
    ptr: walrus::LocalId,
) -> HashSet<(i32, Option<i32>, FunctionId)> {
    let mut frees = HashSet::new();
    let three = [ValType::I32, ValType::I32, ValType::I32];
    let two = [ValType::I32, ValType::I32];
    for seq in sequences(func) {
        for w in seq.windows(4) {
            if let (Instr::LocalGet(g), size, align, Instr::Call(call)) = (w[0], w[1], w[2], w[3]) {
                if g.local == ptr && has_type(module, call.func, &three) {
                    if let (Some(size), Some(align)) = (i32_const(size), i32_const(align)) {
                        frees.insert((size, Some(align), call.func));
                    }
                }
            }
        }
        for w in seq.windows(3) {
            if let (Instr::LocalGet(g), size, Instr::Call(call)) = (w[0], w[1], w[2]) {
                if g.local == ptr && has_type(module, call.func, &two) {
                    if let Some(size) = i32_const(size) {
                        frees.insert((size, None, call.func));
                    }
                }
            }
        }
    }
    frees
}

/// Whether the raiser builds an object of `size` bytes: it builds the
/// exception on its stack, then copies it to the allocation it throws
/// (`memory.copy` of `size` bytes), or, inlined at opt-level 3, allocates
/// `size` bytes (`malloc(size)` / `alloc(size, align)`) and stores the fields
/// into the allocation.
fn copies_whole(raiser: &LocalFunction, size: i32) -> bool {
    sequences(raiser).any(|seq| {
        let copies = seq
            .windows(2)
            .any(|w| i32_const(w[0]) == Some(size) && matches!(w[1], Instr::MemoryCopy(_)));
        let allocates = seq
            .windows(2)
            .any(|w| i32_const(w[0]) == Some(size) && matches!(w[1], Instr::Call(_)))
            || seq.windows(3).any(|w| {
                i32_const(w[0]) == Some(size)
                    && i32_const(w[1]).is_some()
                    && matches!(w[2], Instr::Call(_))
            });
        copies || allocates
    })
}

struct Counts {
    global: u64,
    local: u64,
    in_hook: u64,
}

/// The one function that increments both panic counts, and their addresses.
fn panic_counts(module: &Module, raiser: FunctionId) -> Result<(FunctionId, Counts), String> {
    let mut found = Vec::new();
    for (id, func) in module.funcs.iter_local() {
        let seqs: Vec<Vec<&Instr>> = sequences(func).collect();
        let globals: HashSet<u64> = global_increments(&seqs).into_iter().collect();
        let locals: HashSet<(u64, u64)> =
            seqs.iter().flat_map(|seq| local_increments(seq)).collect();
        if let (&[global], &[(local, in_hook)]) = (
            globals.iter().copied().collect::<Vec<_>>().as_slice(),
            locals.iter().copied().collect::<Vec<_>>().as_slice(),
        ) {
            found.push((id, global, local, in_hook));
        }
    }
    let &[(id, global, local, in_hook)] = found.as_slice() else {
        return Err(format!(
            "{} functions increment a global and a thread-local panic count, not one \
             (`panic_count::increase`)",
            found.len()
        ));
    };
    if global == local || global == in_hook {
        return Err("the panic counts overlap".to_string());
    }
    if !reaches(module, id, raiser) {
        return Err(
            "the function incrementing the panic counts does not reach `__rust_start_panic`"
                .to_string(),
        );
    }
    Ok((
        id,
        Counts {
            global,
            local,
            in_hook,
        },
    ))
}

fn is_i32_load(instr: &Instr) -> Option<u64> {
    match instr {
        Instr::Load(l) if matches!(l.kind, LoadKind::I32 { atomic: false }) => Some(l.arg.offset),
        _ => None,
    }
}

fn is_i32_store(instr: &Instr) -> Option<u64> {
    match instr {
        Instr::Store(s) if matches!(s.kind, StoreKind::I32 { atomic: false }) => Some(s.arg.offset),
        _ => None,
    }
}

fn is_add(instr: &Instr) -> bool {
    matches!(instr, Instr::Binop(b) if matches!(b.op, BinaryOp::I32Add))
}

/// `GLOBAL_PANIC_COUNT.fetch_add(1)` at a static address, its old value then
/// tested for the always-abort bit: `0 0 load[G] tee t 1 add store[G]`, and
/// somewhere in the function `get t 0 lt_s br_if`.
fn global_increments(seqs: &[Vec<&Instr>]) -> Vec<u64> {
    let mut found = Vec::new();
    for seq in seqs {
        for w in seq.windows(7) {
            let (Some(0), Some(0), Some(g), Instr::LocalTee(t), Some(1), true, Some(s)) = (
                i32_const(w[0]),
                i32_const(w[1]),
                is_i32_load(w[2]),
                w[3],
                i32_const(w[4]),
                is_add(w[5]),
                is_i32_store(w[6]),
            ) else {
                continue;
            };
            let tested = seqs.iter().any(|seq| {
                seq.windows(4).any(|v| {
                    matches!(v[0], Instr::LocalGet(x) if x.local == t.local)
                        && i32_const(v[1]) == Some(0)
                        && matches!(v[2], Instr::Binop(b) if matches!(b.op, BinaryOp::I32LtS))
                        && matches!(v[3], Instr::BrIf(_))
                })
            });
            if g == s && tested {
                found.push(g);
            }
        }
    }
    found
}

/// `LOCAL_PANIC_COUNT`'s `(count, in_panic_hook)`: unless the flag byte is
/// set, set it and add 1 to the count word just before it:
/// `0 load8_u[F] br_if 0 1 store8[F] 0 0 load[L] 1 add store[L]`, L + 4 = F.
fn local_increments(seq: &[&Instr]) -> Vec<(u64, u64)> {
    let byte = |instr: &Instr, load: bool| match instr {
        Instr::Load(l) if load && matches!(l.kind, LoadKind::I32_8 { .. }) => Some(l.arg.offset),
        Instr::Store(s) if !load && matches!(s.kind, StoreKind::I32_8 { atomic: false }) => {
            Some(s.arg.offset)
        }
        _ => None,
    };
    seq.windows(12)
        .filter_map(|w| {
            let flag = byte(w[1], true)?;
            let ok = i32_const(w[0]) == Some(0)
                && matches!(w[2], Instr::BrIf(_))
                && i32_const(w[3]) == Some(0)
                && i32_const(w[4]) == Some(1)
                && byte(w[5], false) == Some(flag)
                && i32_const(w[6]) == Some(0)
                && i32_const(w[7]) == Some(0)
                && i32_const(w[9]) == Some(1)
                && is_add(w[10]);
            let count = is_i32_load(w[8])?;
            (ok && is_i32_store(w[11]) == Some(count) && count + 4 == flag).then_some((count, flag))
        })
        .collect()
}

/// Whether `from` reaches `to` by direct calls.
fn reaches(module: &Module, from: FunctionId, to: FunctionId) -> bool {
    let mut seen = HashSet::from([from]);
    let mut queue = VecDeque::from([from]);
    while let Some(f) = queue.pop_front() {
        if f == to {
            return true;
        }
        let Some(func) = local(module, f) else {
            continue;
        };
        for seq in sequences(func) {
            for instr in seq {
                if let Instr::Call(c) = instr {
                    if seen.insert(c.func) {
                        queue.push_back(c.func);
                    }
                }
            }
        }
    }
    false
}
