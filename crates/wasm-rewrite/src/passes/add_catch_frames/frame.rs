//! The code a catch frame adds: one shared handler, and per export a frame
//! in place or a wrapper.
//!
//! A frame saves `__stack_pointer` on entry and runs the export's body (in
//! place) or calls the original function (a wrapper) inside a `try` (legacy)
//! or `try_table` (exnref). A Rust panic goes to the handler with the saved
//! stack pointer; any other exception (a JS one, or wasm-bindgen 0.2.107+'s
//! own `PanicError`, thrown from JS) leaves unchanged after the stack pointer
//! is put back. Traps are not exceptions and pass untouched. When JS is the
//! only caller of an export, the frame goes inside the function instead
//! ([`frame_in_place`]): no extra call.
//!
//! Frames are repeated once per export, so they are kept small (issue #3:
//! the hardening must not grow the module by more than 1 %), and what can be
//! shared lives in the handler. Both shapes keep the saved stack pointer in a
//! local and tell a Rust panic from anything else in the frame itself:
//! - legacy: `catch $rust` + `catch_all` (which restores the stack pointer
//!   and rethrows);
//! - exnref: `catch $rust` + `catch_all_ref` (the same, with `throw_ref`).
//!   Handing the exnref to the handler would save a few bytes per frame, but
//!   legacy cannot pass an exception to a call, so `wasm-recover eh --to
//!   legacy` could not translate such a module; this shape translates to the
//!   legacy one.
//!
//! The handler, `(exn: i32, saved_sp: i32)` with the exception pointer, never
//! returns (abort pads made frames call it too, see `abort_pads`):
//! 1. takes 16 bytes of scratch below the saved stack pointer and calls std's
//!    `catch_unwind::cleanup(scratch, exn)`, which frees the exception object,
//!    decrements the panic count and writes the payload `Box<dyn Any + Send>`
//!    (data, vtable) to the scratch;
//! 2. reads the panic message while the payload is alive and copies up to
//!    [`MESSAGE_MAX`] bytes of it (cut on a UTF-8 boundary) below the
//!    scratch: a `&'static str` payload (size 8, align 4) is `(ptr, len)`; a
//!    `String` (size 12, align 4) is `(cap, ptr, len)` on wasm32, accepted only
//!    when `len <= cap`. Any other payload (`panic_any(42u32)`) gives no
//!    message; so does a message that does not lie in memory. Size and align
//!    are all a `dyn Any` vtable tells without calling `type_id`, so another
//!    payload type of the same size and align whose words pass these checks
//!    would be read as text: the JS side must decode leniently;
//! 3. drops the payload (`vtable[0]`, `drop_in_place`, through the function
//!    table; null when the type needs no drop) and frees it with
//!    `__wbindgen_free(data, vtable[1], vtable[2])` when its size is not 0;
//! 4. restores the saved stack pointer and calls the `__wbr_panic(ptr, len)`
//!    import, which throws the `PanicError` in JS. The message copy lies
//!    below the restored stack pointer: valid until wasm runs again, which it
//!    does not before the import has decoded it.
//!
//! Nothing added gets a name in the name section: names are bytes in every
//! output, and a stack trace through a frame shows the export's own name.

use walrus::ir::{
    BinaryOp, Block, ExtendedLoad, InstrSeqId, InstrSeqType, LegacyCatch, LoadKind, MemArg,
    Rethrow, ThrowRef, Try, TryTable, TryTableCatch, UnaryOp,
};
use walrus::{FunctionBuilder, FunctionId, LocalId, Module, RefType, ValType};
use wasm_recover_model::EhEncoding;

use super::analyse::Facts;

/// Longest panic message passed to JS, in bytes.
pub(super) const MESSAGE_MAX: i32 = 1024;
/// Bytes of scratch for the cleanup's output (a `Box<dyn Any>`, 8 bytes),
/// kept 16-aligned like the shadow stack.
const SCRATCH: i32 = 16;

fn mem(offset: u64) -> MemArg {
    MemArg { align: 4, offset }
}

/// Adds the handler `(exn: i32, saved_sp: i32)`, which every legacy and
/// translatable frame and every abort pad made a frame calls; `panic` is the
/// `__wbr_panic` import.
///
/// Needs `facts.cleanup`; without it, [`add_abort_handler`] takes its place.
pub(super) fn add_handler(
    module: &mut Module,
    facts: &Facts,
    cleanup: FunctionId,
    panic: FunctionId,
) -> FunctionId {
    let i32_load = LoadKind::I32 { atomic: false };
    let memory = facts.memory;
    let sp_global = facts.stack_pointer;
    let drop_ty = module.types.add(&[ValType::I32], &[]);
    let exn = module.locals.add(ValType::I32);
    let saved_sp = module.locals.add(ValType::I32);
    let [scratch, data, vtable, src, len, copy, dst, word]: [LocalId; 8] =
        std::array::from_fn(|_| module.locals.add(ValType::I32));
    let args = vec![exn, saved_sp];
    let mut builder = FunctionBuilder::new(&mut module.types, &[ValType::I32, ValType::I32], &[]);

    let mut body = builder.func_body();
    // 1. std's cleanup writes (data, vtable) to the scratch.
    body.local_get(saved_sp)
        .i32_const(SCRATCH)
        .binop(BinaryOp::I32Sub)
        .local_tee(scratch)
        .global_set(sp_global)
        .local_get(scratch)
        .local_get(exn)
        .call(cleanup)
        .local_get(scratch)
        .load(memory, i32_load, mem(0))
        .local_set(data)
        .local_get(scratch)
        .load(memory, i32_load, mem(4))
        .local_set(vtable);

    // 2. The message, when the payload is a `&str` or a `String`.
    body.local_get(vtable)
        .load(memory, i32_load, mem(8))
        .i32_const(4)
        .binop(BinaryOp::I32Eq)
        .if_else(
            None,
            |then| {
                then.local_get(vtable)
                    .load(memory, i32_load, mem(4))
                    .local_tee(word)
                    .i32_const(8)
                    .binop(BinaryOp::I32Eq)
                    .if_else(
                        None,
                        |str_payload| {
                            str_payload
                                .local_get(data)
                                .load(memory, i32_load, mem(0))
                                .local_set(src)
                                .local_get(data)
                                .load(memory, i32_load, mem(4))
                                .local_set(len);
                        },
                        |other| {
                            other
                                .local_get(word)
                                .i32_const(12)
                                .binop(BinaryOp::I32Eq)
                                .if_else(
                                    None,
                                    |string| {
                                        // (cap, ptr, len); a len above cap is not a String.
                                        string
                                            .local_get(data)
                                            .load(memory, i32_load, mem(4))
                                            .local_set(src)
                                            .local_get(data)
                                            .load(memory, i32_load, mem(8))
                                            .local_tee(len)
                                            .local_get(data)
                                            .load(memory, i32_load, mem(0))
                                            .binop(BinaryOp::I32GtU)
                                            .if_else(
                                                None,
                                                |bad| {
                                                    bad.i32_const(0).local_set(len);
                                                },
                                                |_| {},
                                            );
                                    },
                                    |_| {},
                                );
                        },
                    );
            },
            |_| {},
        );
    // The message must lie in memory: src + len <= memory size (in u64, no overflow).
    body.local_get(src)
        .unop(UnaryOp::I64ExtendUI32)
        .local_get(len)
        .unop(UnaryOp::I64ExtendUI32)
        .binop(BinaryOp::I64Add)
        .memory_size(memory)
        .unop(UnaryOp::I64ExtendUI32)
        .i64_const(16)
        .binop(BinaryOp::I64Shl)
        .binop(BinaryOp::I64GtU)
        .if_else(
            None,
            |outside| {
                outside.i32_const(0).local_set(len);
            },
            |_| {},
        );
    // copy = min(len, MESSAGE_MAX), then back off to a UTF-8 boundary when cut.
    body.local_get(len)
        .i32_const(MESSAGE_MAX)
        .local_get(len)
        .i32_const(MESSAGE_MAX)
        .binop(BinaryOp::I32LtU)
        .select(None)
        .local_set(copy);
    body.block(None, |done| {
        let done_id = done.id();
        done.loop_(None, |back_off| {
            let again = back_off.id();
            back_off
                .local_get(copy)
                .local_get(len)
                .binop(BinaryOp::I32GeU)
                .br_if(done_id)
                .local_get(copy)
                .unop(UnaryOp::I32Eqz)
                .br_if(done_id)
                .local_get(src)
                .local_get(copy)
                .binop(BinaryOp::I32Add)
                .load(
                    memory,
                    LoadKind::I32_8 {
                        kind: ExtendedLoad::ZeroExtend,
                    },
                    MemArg {
                        align: 1,
                        offset: 0,
                    },
                )
                .i32_const(0xC0)
                .binop(BinaryOp::I32And)
                .i32_const(0x80)
                .binop(BinaryOp::I32Ne)
                .br_if(done_id)
                .local_get(copy)
                .i32_const(1)
                .binop(BinaryOp::I32Sub)
                .local_set(copy)
                .br(again);
        });
    });
    // The copy sits below the scratch; the stack pointer goes below both
    // while the payload's drop and free run.
    body.local_get(scratch)
        .i32_const(MESSAGE_MAX)
        .binop(BinaryOp::I32Sub)
        .local_tee(dst)
        .global_set(sp_global)
        .local_get(dst)
        .local_get(src)
        .local_get(copy)
        .memory_copy(memory, memory);

    // 3. Drop and free the payload.
    body.local_get(vtable)
        .load(memory, i32_load, mem(0))
        .local_tee(word)
        .if_else(
            None,
            |drop| {
                drop.local_get(data)
                    .local_get(word)
                    .call_indirect(drop_ty, facts.table);
            },
            |_| {},
        );
    body.local_get(vtable)
        .load(memory, i32_load, mem(4))
        .local_tee(word)
        .if_else(
            None,
            |free| {
                free.local_get(data)
                    .local_get(word)
                    .local_get(vtable)
                    .load(memory, i32_load, mem(8))
                    .call(facts.free);
            },
            |_| {},
        );

    // 4. Restore the stack pointer and throw the PanicError in JS.
    body.local_get(saved_sp)
        .global_set(sp_global)
        .local_get(dst)
        .local_get(copy)
        .call(panic)
        .unreachable();
    builder.finish(args, &mut module.funcs)
}

/// Adds a handler `(exn: i32, saved_sp: i32)` that traps, for a module whose
/// `catch_unwind` cleanup could not be identified: without it the panic
/// payload cannot be taken out of the exception object, so the panic is
/// turned into an abort (the glue reports an `AbortError` and replaces the
/// instance) instead of leaving wasm as an exception JS cannot read.
pub(super) fn add_abort_handler(module: &mut Module) -> FunctionId {
    let exn = module.locals.add(ValType::I32);
    let saved_sp = module.locals.add(ValType::I32);
    let mut builder = FunctionBuilder::new(&mut module.types, &[ValType::I32, ValType::I32], &[]);
    builder.func_body().unreachable();
    builder.finish(vec![exn, saved_sp], &mut module.funcs)
}

/// Adds the wrapper of `original` (an export's function).
pub(super) fn add_wrapper(
    module: &mut Module,
    facts: &Facts,
    original: FunctionId,
    handler: FunctionId,
    encoding: EhEncoding,
) -> FunctionId {
    let ty = module.funcs.get(original).ty();
    let (params, results) = {
        let (p, r) = module.types.params_results(ty);
        (p.to_vec(), r.to_vec())
    };
    let args: Vec<LocalId> = params.iter().map(|&t| module.locals.add(t)).collect();
    let body_ty = InstrSeqType::new(&mut module.types, &[], &results);
    let catch_ty = InstrSeqType::new(&mut module.types, &[ValType::I32], &results);
    let mut builder = FunctionBuilder::new(&mut module.types, &params, &results);

    // The call itself, the same in both encodings.
    let mut call = builder.dangling_instr_seq(body_ty);
    for &arg in &args {
        call.local_get(arg);
    }
    call.call(original);
    let call = call.id();

    let entry = builder.func_body_id();
    let frame = Frame {
        body_ty,
        catch_ty,
        returns: !results.is_empty(),
        facts,
        handler,
        encoding,
    };
    frame.build(&mut builder, &mut module.locals, entry, call);
    builder.finish(args, &mut module.funcs)
}

/// Puts the frame inside `func` itself (an export that only JS calls): its
/// body moves into the `try`/`try_table`, so a call costs no extra frame.
///
/// Branches and `return`s in the body keep working (walrus branches name
/// their target block, and the function's own label is still the outermost).
/// In legacy code, a `delegate` to the function's label now delegates to the
/// new `try`, which rethrows what it does not catch: the same outcome.
/// `rethrow` only targets catches inside the body, so its depth is unchanged.
pub(super) fn frame_in_place(
    module: &mut Module,
    facts: &Facts,
    func: FunctionId,
    handler: FunctionId,
    encoding: EhEncoding,
) {
    let ty = module.funcs.get(func).ty();
    let results = module.types.results(ty).to_vec();
    let body_ty = InstrSeqType::new(&mut module.types, &[], &results);
    let catch_ty = InstrSeqType::new(&mut module.types, &[ValType::I32], &results);
    let local = module.funcs.get_mut(func).kind.unwrap_local_mut();
    let entry = local.entry_block();
    let original = std::mem::take(&mut local.block_mut(entry).instrs);
    let builder = local.builder_mut();
    let mut body = builder.dangling_instr_seq(body_ty);
    let body_id = body.id();
    body.instrs_mut().extend(original);

    let frame = Frame {
        body_ty,
        catch_ty,
        returns: !results.is_empty(),
        facts,
        handler,
        encoding,
    };
    frame.build(builder, &mut module.locals, entry, body_id);
}

/// What a frame is made of, apart from where it goes.
struct Frame<'a> {
    /// The type of the framed code: no parameters, the function's results.
    body_ty: InstrSeqType,
    /// The type of a legacy `catch $rust` handler: the tag's payload (the
    /// exception pointer) comes in as a parameter, as walrus types the
    /// handlers it parses; `eh-translate` relies on that type.
    catch_ty: InstrSeqType,
    /// Whether the function returns values (a path that ends in a call of
    /// the handler then needs an `unreachable` to type-check).
    returns: bool,
    facts: &'a Facts,
    handler: FunctionId,
    encoding: EhEncoding,
}

impl Frame<'_> {
    /// Fills the (empty) sequence `entry` with the frame around sequence `body`:
    ///
    /// ```text
    /// Exnref:                                     Legacy:
    /// global.get $sp  local.set $saved            global.get $sp  local.set $saved
    /// block $other (result exnref)                try (type body)
    ///   block $caught (result i32)                  <body>
    ///     try_table (type body)                   catch $rust
    ///         (catch $rust $caught)                 local.get $saved  call $handler
    ///         (catch_all_ref $other)                unreachable
    ///       <body>                                catch_all
    ///     end                                       local.get $saved  global.set $sp
    ///     return                                    rethrow 0
    ///   end                                       end
    ///   local.get $saved  call $handler  unreachable
    /// end
    /// local.get $saved  global.set $sp  throw_ref
    /// ```
    ///
    /// (Legacy: `unreachable` after the handler only where results are
    /// expected.) Any other exception than a Rust panic (a JS one) leaves with
    /// the stack pointer put back, as the entry's frame is balanced on every
    /// normal exit; traps are not exceptions and pass untouched.
    fn build(
        &self,
        builder: &mut FunctionBuilder,
        locals: &mut walrus::ModuleLocals,
        entry: InstrSeqId,
        body: InstrSeqId,
    ) {
        let facts = self.facts;
        let exnref = ValType::Ref(RefType::EXNREF);
        match self.encoding {
            EhEncoding::Exnref => {
                let saved_sp = locals.add(ValType::I32);
                let other = builder.dangling_instr_seq(exnref).id();
                let mut caught = builder.dangling_instr_seq(ValType::I32);
                let caught_id = caught.id();
                caught
                    .instr(TryTable {
                        seq: body,
                        catches: vec![
                            TryTableCatch::Catch {
                                tag: facts.tag,
                                label: caught_id,
                            },
                            TryTableCatch::CatchAllRef { label: other },
                        ],
                    })
                    .return_();
                // `unreachable` whatever the results: this block yields an exnref.
                builder
                    .instr_seq(other)
                    .instr(Block { seq: caught_id })
                    .local_get(saved_sp)
                    .call(self.handler)
                    .unreachable();
                builder
                    .instr_seq(entry)
                    .global_get(facts.stack_pointer)
                    .local_set(saved_sp)
                    .instr(Block { seq: other })
                    .local_get(saved_sp)
                    .global_set(facts.stack_pointer)
                    .instr(ThrowRef {});
            }
            // Legacy: the plan gives catch frames only one of the two encodings.
            _ => {
                let saved_sp = locals.add(ValType::I32);
                let mut catch = builder.dangling_instr_seq(self.catch_ty);
                catch.local_get(saved_sp).call(self.handler);
                if self.returns {
                    catch.unreachable();
                }
                let catch = catch.id();
                let mut catch_all = builder.dangling_instr_seq(self.body_ty);
                catch_all
                    .local_get(saved_sp)
                    .global_set(facts.stack_pointer)
                    .instr(Rethrow { relative_depth: 0 });
                let catch_all = catch_all.id();
                builder
                    .instr_seq(entry)
                    .global_get(facts.stack_pointer)
                    .local_set(saved_sp)
                    .instr(Try {
                        seq: body,
                        catches: vec![
                            LegacyCatch::Catch {
                                tag: facts.tag,
                                handler: catch,
                            },
                            LegacyCatch::CatchAll { handler: catch_all },
                        ],
                    });
            }
        }
    }
}
