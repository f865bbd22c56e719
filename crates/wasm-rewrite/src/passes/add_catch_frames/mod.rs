//! Gives every JS→wasm entry of a panic=unwind module a catch frame that turns
//! a Rust panic reaching the boundary into a `PanicError`.
//!
//! **Does**: puts each exported function that can let a Rust panic escape in
//! a frame that catches the Rust panic tag, runs std's cleanup, drops and
//! frees the payload, restores the stack pointer and calls
//! [`names::PANIC_IMPORT`] (which throws in JS), and that puts the stack
//! pointer back before any other exception leaves; and makes the `extern
//! "C"` abort pads of exported functions that frame themselves, or rethrow.
//!
//! **Input**: a G1 module (`plan.catch_frames` set), either EH encoding. It
//! needs, found by structure (see [`analyse`]): the Rust panic tag, the
//! `__wbindgen_free` export, one memory, one function table and
//! `plan.stack_pointer`; it refuses with [`Error::CatchFrames`] (naming what
//! is missing) a module without one of them. It wants std's
//! `catch_unwind::cleanup` too, but does not refuse without it: a module
//! that never uses `catch_unwind` has none to call (wasm-bindgen 0.2.107+
//! use it in every export; 0.2.105/0.2.106 modules only when the crate
//! does). Then:
//! - when no export can let a Rust panic escape, nothing is framed;
//! - otherwise those exports get frames whose handler traps: **abort
//!   semantics** (the glue sees a trap, reports an `AbortError` and
//!   replaces the instance), abort pads stay as they are, and the summary
//!   says `ABORT SEMANTICS` and why. A panic is then never a `PanicError`,
//!   but it never runs Rust code on a poisoned instance either.
//!
//! **Output**:
//! - a function import [`names::PANIC_IMPORT`] `(i32 i32) -> ()` from
//!   `plan.catch_frames.import_module`;
//! - one handler function (see [`frame`]), unnamed;
//! - for each exported defined function that can let a panic escape, a
//!   frame: inside the function itself when JS is its only caller (no extra
//!   call per entry), otherwise in a new wrapper with the same type that
//!   every export of the function now names (exports keep their names and
//!   order; wasm callers keep calling the original and keep unwinding);
//! - in each exported function, and in the functions a shim export forwards
//!   to, every `catch_all … call $panic_cannot_unwind; unreachable` pad that
//!   is not nested in another handler (see [`abort_pads`]), unless other Rust
//!   code of the module calls that function:
//!   - exnref, when no Rust code calls the function (or only the one export
//!     shim that forwards to it) and LLVM's prologue says where its entry
//!     stack pointer is: catches the Rust tag and calls the handler itself,
//!     so the function is its own frame and needs no other (wasm-bindgen
//!     0.2.105, whose exports are all `extern "C"`, then needs no frame);
//!   - otherwise rethrows instead, and the export gets a frame.
//!
//! **Invariants**: the output validates; it uses only the module's own EH
//! encoding (V8 rejects a mix); a second run finds the import and changes
//! nothing; export names are stable, so the glue's `wasm.<export>` uses keep
//! working; function table slots keep their contents. Function indices do
//! change (the new import comes first, and walrus orders bodies by size),
//! but walrus renumbers every call, element and export; the glue uses only
//! export names and table slots.
//!
//! **Leaves alone**:
//! - exports of imported functions (`__wbindgen_start` may re-export an
//!   import): no Rust code runs in them;
//! - functions reached through a function table (closures called through an
//!   exported table): not exports; G1 glue calls closures through exports;
//! - `panic_in_cleanup` pads (a panic while unwinding must still abort) and
//!   abort pads outside the exports' reach (`__rust_dealloc` and other
//!   `nounwind` std internals keep aborting);
//! - the abort pads of an exported `extern "C"` function that Rust code of
//!   the module calls (other than a shim forwarding an export), such as
//!   wasm-bindgen's `__externref_table_alloc`: rustc compiled those calls as
//!   calls that cannot unwind, with no cleanup of the caller for them, so a
//!   panic there keeps aborting;
//! - exports that cannot let a Rust panic escape (see [`escape`]: no path
//!   of calls to the `throw` of the Rust tag outside a region that catches
//!   it, as in `add(a, b)` or an export that runs `catch_unwind` and calls
//!   nothing that can panic afterwards), which would only pay for a frame
//!   they never use. Every other export is framed,
//!   `__wbindgen_malloc`/`__wbindgen_free` and the `__wbg_*_free`
//!   destructors included: a `Drop` impl can panic, and a structural rule
//!   is easier to check than a list of names.
//!
//! **Level**: IR (walrus): it adds functions and rewrites bodies.
//!
//! [`names::PANIC_IMPORT`]: wasm_recover_model::names::PANIC_IMPORT

mod abort_pads;
mod analyse;
mod escape;
mod frame;
mod seqs;
mod std_cleanup;

use std::collections::{HashMap, HashSet};

use walrus::{ExportItem, FunctionId, FunctionKind, Module, ValType};
use wasm_recover_model::{names, EhEncoding, Plan};

use super::Outcome;
use crate::Error;

/// Whether the plan asks for catch frames.
pub(crate) fn wants(plan: &Plan) -> bool {
    plan.catch_frames.is_some()
}

pub(crate) fn run(module: &mut Module, plan: &Plan) -> Result<Outcome, Error> {
    let Some(frames) = plan.catch_frames.as_ref() else {
        return Ok(Outcome::unchanged("not a panic=unwind (G1) module"));
    };
    if module
        .imports
        .find(&frames.import_module, names::PANIC_IMPORT)
        .is_some()
    {
        return Ok(Outcome::unchanged(format!(
            "already has catch frames (imports `{}`)",
            names::PANIC_IMPORT
        )));
    }

    // Analyse.
    let mut facts = analyse::facts(module, plan)?;
    // Without a cleanup of std's to call (a crate that never uses
    // catch_unwind), emit the equivalent from std's panic machinery, which
    // every panic=unwind module holds; only when that cannot be found either
    // do panics fall back to abort semantics.
    // Found here, emitted below once the pads are classified.
    let mut to_emit = None;
    if let Err(why) = &facts.cleanup {
        match std_cleanup::find(module, facts.tag, facts.table) {
            Ok(parts) => to_emit = Some(parts),
            Err(also) => {
                facts.cleanup = Err(format!("{why}; nor can it be emitted: {also}"));
            }
        }
    }
    let found = analyse::abort_pads(module);
    let exported: Vec<FunctionId> = {
        let mut seen = HashSet::new();
        module
            .exports
            .iter()
            .filter_map(|e| match e.item {
                ExportItem::Function(f) => Some(f),
                _ => None,
            })
            .filter(|&f| matches!(module.funcs.get(f).kind, FunctionKind::Local(_)))
            .filter(|&f| seen.insert(f))
            .collect()
    };
    let mut in_reach = HashSet::new();
    for &f in &exported {
        in_reach.extend(analyse::entry_chain(module, f));
    }
    // Rust code compiles its calls of an `extern "C"` function as calls that
    // cannot unwind (no cleanup of the caller runs for them): only a function
    // that no Rust code calls, or that only the shims forwarding an export
    // call, may start to unwind.
    let callers = analyse::callers(module);
    let entered_only_from_js = |f: FunctionId| {
        callers.get(&f).is_none_or(|callers| {
            callers.iter().all(|&caller| {
                in_reach.contains(&caller) && analyse::shim_callees(module, caller).contains(&f)
            })
        })
    };
    // A pad a panic from JS's call can reach: outside any handler, in an
    // exported function (or its shim's callee) that only JS enters.
    let reachable_pad = |pad: &analyse::Pad| {
        !pad.nested && in_reach.contains(&pad.func) && entered_only_from_js(pad.func)
    };
    let mut pads_by_func: HashMap<FunctionId, Vec<&analyse::Pad>> = HashMap::new();
    for pad in &found.pads {
        if reachable_pad(pad) && found.cannot_unwind.contains(&pad.callee) {
            pads_by_func.entry(pad.func).or_default().push(pad);
        }
    }

    // An exported function that only JS calls (or only its export shim)
    // needs no frame of its own when its exnref pads can call the handler
    // themselves (see `abort_pads::entry_sp`). Table elements do not count
    // as callers here, as for the pads above.
    let exported_set: HashSet<FunctionId> = exported.iter().copied().collect();
    let mut pads_as_frame = HashMap::new();
    if frames.encoding == EhEncoding::Exnref {
        let js_only = |f: FunctionId| exported_set.contains(&f) && !callers.contains_key(&f);
        for (&func, pads) in &pads_by_func {
            // The frame's stack pointer: the function's own entry when JS
            // calls it, the shim's when it is one export shim's callee.
            let above = if js_only(func) {
                Some(0)
            } else {
                match callers.get(&func).map(Vec::as_slice) {
                    // Not when JS calls it directly too: its entry differs.
                    Some(&[shim]) if js_only(shim) && !exported_set.contains(&func) => {
                        let shim = module.funcs.get(shim).kind.unwrap_local();
                        abort_pads::shim_frame(shim, func, facts.stack_pointer)
                    }
                    _ => None,
                }
            };
            let local = module.funcs.get(func).kind.unwrap_local();
            let entry = above.and_then(|above| {
                abort_pads::entry_sp(local, pads, facts.stack_pointer).map(|e| e.plus(above))
            });
            if let Some(entry) = entry {
                pads_as_frame.insert(func, entry);
            }
        }
    }

    // Without std's cleanup a pad has nothing better to do than abort, which
    // it does already: every pad stays, and a panic reaching an `extern "C"`
    // export keeps aborting. When no export can let a panic escape either
    // (wasm-bindgen 0.2.107+ shims catch their own), nothing needs a frame.
    // Every exported function with a pad that ends in a function that never
    // returns, also where that function is called elsewhere too, so that the
    // strict `cannot_unwind` classification (needed to make a pad a frame)
    // left it out: at opt-level 3 with LTO, `panic_cannot_unwind` is also
    // called from pads inlined into handlers. Such a pad still turns a panic
    // into a trap, and the summary must say so.
    let aborting: HashSet<FunctionId> = found
        .pads
        .iter()
        .filter(|pad| {
            reachable_pad(pad)
                && (found.cannot_unwind.contains(&pad.callee)
                    || analyse::never_returns(module, pad.callee))
        })
        .map(|pad| pad.func)
        .collect();
    let kept_pads = aborting
        .iter()
        .filter(|f| !pads_by_func.contains_key(f))
        .count();
    // A module that needs an emitted cleanup has no `catch_unwind` anywhere
    // (wasm-bindgen 0.2.105/0.2.106 exports do not call it): a panic in an
    // export whose pads stay reaches them and traps. Frames for the other
    // exports would make panics a `PanicError` in some exports and an abort
    // in others, under one summary; the whole module gets abort semantics
    // instead, and says why.
    let mut emitted = None;
    if let Some(parts) = to_emit {
        if kept_pads == 0 {
            facts.cleanup = Ok(std_cleanup::emit(module, &parts, facts.memory));
            emitted = Some(parts);
        } else if let Err(why) = &facts.cleanup {
            facts.cleanup = Err(format!(
                "{why}; one could be emitted from std's panic machinery, but the abort pads of \
                 {kept_pads} exported `extern \"C\"` function{} cannot be made frames (their \
                 abort function is also called outside abort pads)",
                plural(kept_pads)
            ));
        }
    }
    let mut aborting_pads = 0;
    if let Err(why) = &facts.cleanup {
        aborting_pads = aborting.len();
        pads_by_func.clear();
        pads_as_frame.clear();
        let escaping = escape::escaping(module, facts.tag, &[]);
        if !exported.iter().any(|f| escaping.contains(f)) {
            return Ok(Outcome::unchanged(if aborting_pads == 0 {
                format!(
                    "no export can let a Rust panic escape: no catch frame needed (std's \
                     catch_unwind cleanup not identified: {why})"
                )
            } else {
                format!(
                    "ABORT SEMANTICS for Rust panics: std's catch_unwind cleanup not identified \
                     ({why}), so the abort pads of {aborting_pads} exported `extern \"C\"` \
                     function{} stay: a panic reaching them traps (AbortError, and the instance \
                     is replaced); no other export can let a panic escape",
                    plural(aborting_pads)
                )
            })
            .warning());
        }
    }

    // Mutate: the handler, then pads (they refer to the original bodies),
    // then frames.
    let panic_ty = module.types.add(&[ValType::I32, ValType::I32], &[]);
    // No name for the import in the name section (see `frame`).
    let (panic, _) = module.add_import_func(&frames.import_module, names::PANIC_IMPORT, panic_ty);
    let handler = match facts.cleanup {
        Ok(cleanup) => frame::add_handler(module, &facts, cleanup, panic),
        Err(_) => frame::add_abort_handler(module),
    };
    let mut rewritten = 0;
    let mut funcs: Vec<FunctionId> = pads_by_func.keys().copied().collect();
    funcs.sort_by_key(|f| f.index());
    for func in funcs {
        let pads = &pads_by_func[&func];
        match pads_as_frame.get(&func) {
            Some(&entry) => abort_pads::into_frame(module, func, pads, entry, facts.tag, handler),
            None => {
                rewritten += abort_pads::neutralise(module, func, pads, frames.encoding);
            }
        }
    }
    // After the pads: a neutralised pad rethrows what it used to swallow.
    let throwing = escape::escaping(module, facts.tag, &[handler]);
    let framed: Vec<FunctionId> = exported
        .iter()
        .copied()
        .filter(|f| throwing.contains(f))
        .collect();
    let used_inside = analyse::used_inside(module);
    let mut wrappers = HashMap::new();
    for &f in &framed {
        if used_inside.contains(&f) {
            let wrapper = frame::add_wrapper(module, &facts, f, handler, frames.encoding);
            wrappers.insert(f, wrapper);
        } else {
            frame::frame_in_place(module, &facts, f, handler, frames.encoding);
        }
    }
    for export in module.exports.iter_mut() {
        if let ExportItem::Function(f) = export.item {
            if let Some(&wrapper) = wrappers.get(&f) {
                export.item = ExportItem::Function(wrapper);
            }
        }
    }
    if let Err(why) = &facts.cleanup {
        let summary = format!(
            "ABORT SEMANTICS for Rust panics: std's catch_unwind cleanup not identified ({why}), \
             so a panic leaving {} of {} exported function{} ({} in place, {} as wrappers; the \
             others cannot throw a Rust panic) traps, as does one reaching the kept abort pads \
             of {aborting_pads} `extern \"C\"` function{}: AbortError, and the instance is \
             replaced",
            framed.len(),
            exported.len(),
            plural(exported.len()),
            framed.len() - wrappers.len(),
            wrappers.len(),
            plural(aborting_pads),
        );
        return Ok(Outcome::changed(summary).warning());
    }
    let summary = format!(
        "gave {} of {} exported function{} {} catch frames ({} in place, {} as wrappers; {} cannot \
         throw a Rust panic); made the `extern \"C\"` abort pads of {} function{} their frame; \
         rewrote {rewritten} abort pad{} to rethrow",
        framed.len(),
        exported.len(),
        plural(exported.len()),
        frames.encoding,
        framed.len() - wrappers.len(),
        wrappers.len(),
        exported.len() - framed.len(),
        pads_as_frame.len(),
        plural(pads_as_frame.len()),
        plural(rewritten),
    );
    // Pads the classification could not make frames or rethrow: a panic
    // reaching one still traps, whatever the frames do.
    let summary = if kept_pads == 0 {
        summary
    } else {
        format!(
            "{summary}; KEPT the abort pads of {kept_pads} exported `extern \"C\"` function{} \
             (their abort function is also called outside abort pads): a panic reaching them \
             traps (AbortError, and the instance is replaced)",
            plural(kept_pads)
        )
    };
    let summary = match &emitted {
        None => summary,
        Some(parts) => format!(
            "{summary}; std's catch_unwind cleanup emitted from the module's panic machinery \
             (payload at +{} of the {}-byte exception object; panic counts at {}, {})",
            parts.cause_offset, parts.exception_size, parts.global_count, parts.local_count
        ),
    };
    if let Some(parts) = &emitted {
        log::debug!(
            "emitted cleanup: exception destructor {}, deallocation {}, panic counts incremented \
             in {}",
            analyse::describe(module, parts.destructor),
            analyse::describe(module, parts.dealloc),
            analyse::describe(module, parts.counted_in)
        );
    }
    log::debug!(
        "{summary}; cleanup {}, abort functions {:?}",
        facts
            .cleanup
            .as_ref()
            .map_or_else(Clone::clone, |&f| analyse::describe(module, f)),
        found
            .cannot_unwind
            .iter()
            .map(|&f| analyse::describe(module, f))
            .collect::<Vec<_>>()
    );
    Ok(Outcome::changed(summary))
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    //! The structural analysis, checked against the names a real fixture
    //! still carries (the analysis itself never reads them).

    use std::collections::HashSet;
    use std::path::Path;

    use super::analyse;
    use wasm_recover_model::{Generation, Options, Plan, Target, WasmFacts};

    fn fixture(id: &str) -> Option<Vec<u8>> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/out")
            .join(id)
            .join("nodejs/recover_fixture_bg.wasm");
        std::fs::read(path).ok()
    }

    fn name(module: &walrus::Module, f: walrus::FunctionId) -> String {
        module.funcs.get(f).name.clone().unwrap_or_default()
    }

    fn real_crate(crate_name: &str, cell: &str) -> Vec<u8> {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures/real-crates/out")
            .join(crate_name)
            .join(cell)
            .join("real_crate_bg.wasm");
        std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    fn analysed(wasm: &[u8]) -> (walrus::Module, analyse::Facts) {
        let facts = WasmFacts::scan(wasm).expect("module scans");
        let plan = Plan::from_wasm(&facts, Target::Nodejs, Generation::G1, &Options::default());
        let module = crate::ir::parse(wasm).expect("module parses");
        let found = analyse::facts(&module, &plan).expect("everything a frame needs is there");
        (module, found)
    }

    #[test]
    fn finds_std_cleanup_behind_the_no_lto_try_wrapper() {
        // Without LTO, std's handler calls its cleanup inside a `try` whose
        // `catch_all` aborts, and `__rust_try` calls the catch closure
        // through the table.
        for crate_name in ["ropey", "chrono", "petgraph"] {
            for cell in ["0.2.113-legacy-oz-ltooff", "0.2.113-legacy-o3-ltooff"] {
                let (module, facts) = analysed(&real_crate(crate_name, cell));
                let cleanup = facts.cleanup.expect("std's cleanup is identified");
                assert!(
                    name(&module, cleanup).ends_with("::panicking::catch_unwind::cleanup"),
                    "{crate_name} {cell}: cleanup is `{}`",
                    name(&module, cleanup)
                );
            }
        }
    }

    #[test]
    fn finds_the_parts_of_std_cleanup_at_opt_level_3_and_z_with_lto() {
        // `z`: the free sits in `<Box<Exception> as Drop>::drop`, one call
        // down. `3`: the payload's drop is inlined, LTO dropped the free's
        // constant alignment, the raiser allocates the object itself.
        for crate_name in ["ropey", "chrono", "petgraph"] {
            for (cell, align) in [
                ("0.2.105-legacy-oz-ltofat", Some(8)),
                ("0.2.106-exnref-oz-ltofat", Some(8)),
                ("0.2.105-legacy-o3-ltofat", None),
                ("0.2.106-exnref-o3-ltofat", None),
            ] {
                let (module, facts) = analysed(&real_crate(crate_name, cell));
                assert!(
                    facts.cleanup.is_err(),
                    "{crate_name} {cell}: no std cleanup"
                );
                let parts = super::std_cleanup::find(&module, facts.tag, facts.table)
                    .unwrap_or_else(|why| panic!("{crate_name} {cell}: {why}"));
                assert_eq!(
                    (
                        parts.cause_offset,
                        parts.exception_size,
                        parts.exception_align
                    ),
                    (28, 40, align),
                    "{crate_name} {cell}"
                );
                let dealloc = name(&module, parts.dealloc);
                assert!(
                    dealloc.ends_with("dealloc"),
                    "{crate_name} {cell}: `{dealloc}`"
                );
            }
        }
    }

    #[test]
    fn finds_the_parts_of_std_cleanup_in_crates_that_never_catch() {
        for crate_name in ["ropey", "chrono", "petgraph"] {
            for cell in [
                "0.2.105-legacy-os-ltofat",
                "0.2.105-exnref-os-ltofat",
                "0.2.106-legacy-os-ltofat",
                "0.2.106-exnref-os-ltofat",
            ] {
                let (module, facts) = analysed(&real_crate(crate_name, cell));
                assert!(
                    facts.cleanup.is_err(),
                    "{crate_name} {cell}: no std cleanup"
                );
                let parts = super::std_cleanup::find(&module, facts.tag, facts.table)
                    .unwrap_or_else(|why| panic!("{crate_name} {cell}: {why}"));
                // panic_unwind's `Exception` on wasm32: `_Unwind_Exception`
                // (u64 class, cleanup fn, two private words), canary, then
                // the `Box<dyn Any + Send>`: 40 bytes, 8-aligned.
                assert_eq!(
                    (
                        parts.cause_offset,
                        parts.exception_size,
                        parts.exception_align
                    ),
                    (28, 40, Some(8)),
                    "{crate_name} {cell}"
                );
                let destructor = name(&module, parts.destructor);
                assert!(
                    destructor.contains("drop_glue::<alloc")
                        && destructor.contains("panic_unwind")
                        && destructor.contains("Exception>>"),
                    "{crate_name} {cell}: destructor `{destructor}`"
                );
                let dealloc = name(&module, parts.dealloc);
                assert!(
                    dealloc.ends_with("dealloc"),
                    "{crate_name} {cell}: `{dealloc}`"
                );
                let counted_in = name(&module, parts.counted_in);
                assert!(
                    counted_in.ends_with("::panicking::panic_with_hook"),
                    "{crate_name} {cell}: counts in `{counted_in}`"
                );
                // LOCAL_PANIC_COUNT is a `(usize, bool)`: the flag follows the count.
                assert_eq!(parts.in_panic_hook, parts.local_count + 4);
            }
        }
    }

    #[test]
    fn finds_cleanup_and_abort_functions_of_0_2_105_by_structure() {
        let wasm = fixture("0.2.105-unwind-exnref").expect("the 0.2.105 exnref fixture exists");
        let facts = WasmFacts::scan(&wasm).expect("fixture scans");
        let plan = Plan::from_wasm(&facts, Target::Nodejs, Generation::G1, &Options::default());
        let module = crate::ir::parse(&wasm).expect("fixture parses");

        let found = analyse::facts(&module, &plan).expect("everything a frame needs is there");
        let cleanup = found.cleanup.clone().expect("std's cleanup is identified");
        assert!(
            name(&module, cleanup).ends_with("::panicking::catch_unwind::cleanup"),
            "cleanup is `{}`",
            name(&module, cleanup)
        );
        assert_eq!(name(&module, found.free), "__wbindgen_free");

        let pads = analyse::abort_pads(&module);
        let cannot_unwind: Vec<String> = pads
            .cannot_unwind
            .iter()
            .map(|&f| name(&module, f))
            .collect();
        assert_eq!(cannot_unwind.len(), 1, "{cannot_unwind:?}");
        assert!(
            cannot_unwind[0].ends_with("::panicking::panic_cannot_unwind"),
            "{cannot_unwind:?}"
        );
        // Every pad calling panic_in_cleanup is nested in a cleanup handler.
        let in_cleanup: Vec<&analyse::Pad> = pads
            .pads
            .iter()
            .filter(|p| name(&module, p.callee).ends_with("::panicking::panic_in_cleanup"))
            .collect();
        assert!(!in_cleanup.is_empty());
        assert!(in_cleanup.iter().all(|p| p.nested));

        // Pads of std's `nounwind` internals are out of the exports' reach.
        let mut reach = HashSet::new();
        for export in module.exports.iter() {
            if let walrus::ExportItem::Function(f) = export.item {
                reach.extend(analyse::entry_chain(&module, f));
            }
        }
        let reached: Vec<String> = reach.iter().map(|&f| name(&module, f)).collect();
        for internal in [
            "__rust_dealloc",
            "__rust_realloc",
            "exception_cleanup",
            "panic_nounwind_fmt",
        ] {
            assert!(
                !reached.iter().any(|n| n.ends_with(internal)),
                "{internal} is reached: {reached:?}"
            );
        }
        // The multivalue shim `greet` forwards to the `extern "C"` `greet`.
        assert!(reached.iter().any(|n| n == "greet"), "{reached:?}");
    }
}
