//! Catch frames in a real engine: every G1 panic=unwind `nodejs` fixture
//! under `tests/fixtures/out/*-unwind-*/` (wasm-bindgen 0.2.105–0.2.113; G2
//! outputs, with native guards, are not this pass's input), hardened, then
//! loaded with its original glue by `tests/catch_frames/nodejs.cjs`
//! (node:test) on Node 26 (exnref modules with `--no-experimental-wasm-legacy-eh`,
//! an exnref-only engine), and on Node 20 too for legacy-EH fixtures (Node 20
//! has no exnref). The `catch_frames_*.wat` cases of `tests/passes/` run too.
//!
//! Engines come from `cargo xtask engines install` (`.cache/engines/`).

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_model::{EhEncoding, Generation, Options, Plan, Target, WasmFacts};

const WASM: &str = "recover_fixture_bg.wasm";

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn main() {
    let args = Arguments::from_args();
    let fixtures = root().join("tests/fixtures/out");
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&fixtures)
        .expect("tests/fixtures/out exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| {
            path.file_name()
                .is_some_and(|name| name.to_string_lossy().contains("-unwind-"))
        })
        .map(|path| path.join("nodejs"))
        .filter(|path| path.join(WASM).is_file())
        .filter(|path| is_g1(&path.join(WASM)))
        .collect();
    dirs.sort();
    let mut trials = Vec::new();
    for dir in dirs {
        let id = dir
            .parent()
            .and_then(Path::file_name)
            .expect("a fixture directory has a name")
            .to_string_lossy()
            .into_owned();
        // Node 20 has no exnref and no `WebAssembly.Tag` import support
        // (0.2.110+ legacy outputs import `__wbindgen_jstag`).
        let engines: &[&str] = if id.ends_with("-legacy") && !imports_tag(&dir.join(WASM)) {
            &["node-26", "node-20"]
        } else {
            &["node-26"]
        };
        for &engine in engines {
            let dir = dir.clone();
            trials.push(Trial::test(format!("{id}/nodejs/{engine}"), move || {
                run(&dir, engine)
            }));
        }
    }
    // The .wat cases of tests/passes/, executed: Node 20 runs the legacy one.
    for (case, engines) in [
        ("catch_frames_exnref", &["node-26"][..]),
        ("catch_frames_legacy", &["node-26", "node-20"][..]),
    ] {
        for &engine in engines {
            trials.push(Trial::test(format!("wat/{case}/{engine}"), move || {
                run_wat(case, engine)
            }));
        }
    }
    trials.push(Trial::test("wat/catch_frames_no_cleanup/node-26", || {
        run_wat_with("catch_frames_no_cleanup", "node-26", "wat_abort.cjs")
    }));
    // Real modules whose `catch_unwind` callers no longer show std's cleanup
    // (see `hide_cleanup`): the pass emits the cleanup from std's panic
    // machinery; with that hidden too (`hide_panic_count`), the modules are
    // hardened anyway, with abort semantics where a frame is needed.
    for (id, expect) in [
        ("0.2.105-unwind-exnref", Hidden::Emitted),
        ("0.2.105-unwind-exnref", Hidden::Aborts),
        ("0.2.113-unwind-legacy", Hidden::OwnPanicError),
    ] {
        let what = match expect {
            Hidden::Emitted => "hidden-cleanup",
            _ => "hidden-cleanup-and-count",
        };
        trials.push(Trial::test(
            format!("{what}/{id}/nodejs/node-26"),
            move || run_hidden_cleanup(id, expect),
        ));
    }
    libtest_mimic::run(&args, trials).exit();
}

/// What a fixture whose cleanup is hidden does when an export panics.
#[derive(Debug, Clone, Copy)]
enum Hidden {
    /// Only std's cleanup is hidden (0.2.105): the pass emits its own from
    /// std's panic machinery, and a panic is a `PanicError` again.
    Emitted,
    /// Its exports let panics escape (0.2.105): the frames abort.
    Aborts,
    /// Its export shims catch their own panics (0.2.107+): wasm-bindgen's
    /// own `PanicError` still reaches JS.
    OwnPanicError,
}

/// Makes std's `catch_unwind` cleanup unrecognisable without changing what
/// the module does: every handler of a `(param i32)` tag (Rust's) first
/// calls a new empty function, so no `catch` of the Rust tag calls an
/// `(i32 i32)` function first (the crate's code, compiled differently,
/// could look like this; the module still catches and cleans up).
fn hide_cleanup(wasm: &[u8], panic_count: bool) -> Result<Vec<u8>, Failed> {
    use walrus::ir::{Instr, LegacyCatch, TryTableCatch};
    let mut config = walrus::ModuleConfig::new();
    config
        .legacy_exceptions(true)
        .generate_producers_section(false);
    let mut module = config.parse(wasm).map_err(|e| e.to_string())?;
    let rust_tags: Vec<walrus::TagId> = module
        .tags
        .iter()
        .filter(|t| module.types.params(t.ty()) == [walrus::ValType::I32])
        .map(|t| t.id())
        .collect();
    let nop_ty = module.types.add(&[], &[]);
    let nop = {
        let builder = walrus::FunctionBuilder::new(&mut module.types, &[], &[]);
        let _ = nop_ty;
        builder.finish(vec![], &mut module.funcs)
    };
    let mut hidden = 0;
    let ids: Vec<walrus::FunctionId> = module.funcs.iter_local().map(|(id, _)| id).collect();
    for id in ids {
        let func = module.funcs.get_mut(id).kind.unwrap_local_mut();
        let seqs = seq_ids(func);
        // (sequence, index) where a Rust-tag handler starts.
        let mut starts = Vec::new();
        for &seq in &seqs {
            for (instr, _) in &func.block(seq).instrs {
                match instr {
                    Instr::TryTable(t) => {
                        for c in &t.catches {
                            if let TryTableCatch::Catch { tag, label } = c {
                                if rust_tags.contains(tag) {
                                    // The handler follows the `block` the clause branches to.
                                    for &outer in &seqs {
                                        let at = func.block(outer).instrs.iter().position(
                                            |(i, _)| matches!(i, Instr::Block(b) if b.seq == *label),
                                        );
                                        if let Some(at) = at {
                                            starts.push((outer, at + 1));
                                        }
                                    }
                                }
                            }
                        }
                    }
                    Instr::Try(t) => {
                        for c in &t.catches {
                            if let LegacyCatch::Catch { tag, handler } = c {
                                if rust_tags.contains(tag) {
                                    starts.push((*handler, 0));
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
        // Later positions first, so earlier indices stay right.
        starts.sort_by(|a, b| b.cmp(a));
        starts.dedup();
        for (seq, at) in starts {
            func.block_mut(seq).instrs.insert(
                at,
                (walrus::ir::Call { func: nop }.into(), Default::default()),
            );
            hidden += 1;
        }
    }
    if hidden == 0 {
        return Err("the fixture has no handler of the Rust tag to hide".into());
    }
    if panic_count && hide_panic_count(&mut module) == 0 {
        return Err("the fixture has no panic count increment to hide".into());
    }
    Ok(module.emit_wasm())
}

/// Every instruction sequence of `func`, in order.
fn seq_ids(func: &walrus::LocalFunction) -> Vec<walrus::ir::InstrSeqId> {
    struct Seqs(Vec<walrus::ir::InstrSeqId>);
    impl<'i> walrus::ir::Visitor<'i> for Seqs {
        fn start_instr_seq(&mut self, seq: &'i walrus::ir::InstrSeq) {
            self.0.push(seq.id());
        }
    }
    let mut seqs = Seqs(Vec::new());
    walrus::ir::dfs_in_order(&mut seqs, func, func.entry_block());
    seqs.0
}

/// Makes std's panic count increment unrecognisable without changing what it
/// does: every `i32.load; local.tee $t; i32.const 1; i32.add` gets a second
/// `local.tee $t` (another compiler could emit that), so the pass cannot
/// emit std's cleanup either. Returns how many it changed.
fn hide_panic_count(module: &mut walrus::Module) -> usize {
    use walrus::ir::{BinaryOp, Instr, LoadKind, Value};
    let mut changed = 0;
    let ids: Vec<walrus::FunctionId> = module.funcs.iter_local().map(|(id, _)| id).collect();
    for id in ids {
        let func = module.funcs.get_mut(id).kind.unwrap_local_mut();
        for seq in seq_ids(func) {
            let instrs = &mut func.block_mut(seq).instrs;
            let mut at = 0;
            while at + 4 <= instrs.len() {
                let matched = match (
                    &instrs[at].0,
                    &instrs[at + 1].0,
                    &instrs[at + 2].0,
                    &instrs[at + 3].0,
                ) {
                    (Instr::Load(l), Instr::LocalTee(t), Instr::Const(c), Instr::Binop(b))
                        if matches!(l.kind, LoadKind::I32 { .. })
                            && matches!(c.value, Value::I32(1))
                            && matches!(b.op, BinaryOp::I32Add) =>
                    {
                        Some(t.local)
                    }
                    _ => None,
                };
                if let Some(local) = matched {
                    instrs.insert(
                        at + 2,
                        (walrus::ir::LocalTee { local }.into(), Default::default()),
                    );
                    changed += 1;
                    at += 5;
                } else {
                    at += 1;
                }
            }
        }
    }
    changed
}

fn run_hidden_cleanup(id: &str, expect: Hidden) -> Result<(), Failed> {
    let node = node("node-26")?;
    let fixture = root().join("tests/fixtures/out").join(id).join("nodejs");
    let wasm = hide_cleanup(
        &std::fs::read(fixture.join(WASM))?,
        !matches!(expect, Hidden::Emitted),
    )?;
    let facts = WasmFacts::scan(&wasm)?;
    let plan = Plan::from_wasm(&facts, Target::Nodejs, Generation::G1, &Options::default());
    let hardened = wasm_recover_wasm_rewrite::harden(&wasm, &plan)?;
    let frames = hardened
        .report
        .passes
        .iter()
        .find(|p| p.name == "add_catch_frames")
        .ok_or("no add_catch_frames report")?;
    // std's cleanup is never found; it is emitted unless its parts are
    // hidden too, and nothing is refused.
    let emitted = frames.summary.contains("catch_unwind cleanup emitted");
    if matches!(expect, Hidden::Emitted) != emitted
        || (!emitted
            && !frames
                .summary
                .contains("catch_unwind cleanup not identified"))
    {
        return Err(format!("unexpected for {expect:?}: {}", frames.summary).into());
    }
    // 0.2.105's `extern "C"` exports keep their abort pads: a warning.
    if matches!(expect, Hidden::Aborts)
        && !(frames.warns && frames.summary.starts_with("ABORT SEMANTICS"))
    {
        return Err(format!("expected abort semantics, got: {}", frames.summary).into());
    }
    let out = tempfile::tempdir()?;
    for entry in std::fs::read_dir(&fixture)? {
        let entry = entry?;
        std::fs::copy(entry.path(), out.path().join(entry.file_name()))?;
    }
    std::fs::write(out.path().join(WASM), &hardened.wasm)?;
    let expect = match expect {
        Hidden::Emitted => "panic",
        Hidden::Aborts => "abort",
        Hidden::OwnPanicError => "own",
    };
    run_script(
        &node,
        flags(facts.eh),
        "hidden_cleanup.cjs",
        out.path(),
        &[("HIDDEN_CLEANUP_EXPECT", expect)],
    )
}

/// Whether the module imports an exception tag.
fn imports_tag(wasm: &Path) -> bool {
    let Ok(bytes) = std::fs::read(wasm) else {
        return false;
    };
    let found = wasmparser::Parser::new(0)
        .parse_all(&bytes)
        .filter_map(Result::ok)
        .any(|payload| match payload {
            wasmparser::Payload::ImportSection(reader) => reader
                .into_imports()
                .filter_map(Result::ok)
                .any(|import| matches!(import.ty, wasmparser::TypeRef::Tag(_))),
            _ => false,
        });
    found
}

/// Whether a fixture comes from wasm-bindgen 0.2.105–0.2.113 (G1, by
/// version: 0.2.113 already imports `__wbindgen_jstag`, which the scan takes
/// for native guards). An unreadable one stays listed so its trial says why.
fn is_g1(wasm: &Path) -> bool {
    let Some(facts) = std::fs::read(wasm)
        .ok()
        .and_then(|bytes| WasmFacts::scan(&bytes).ok())
    else {
        return true;
    };
    let patch = facts
        .bindgen_version
        .as_deref()
        .and_then(|v| v.strip_prefix("0.2."))
        .and_then(|patch| patch.parse::<u32>().ok());
    patch.is_some_and(|patch| (105..=113).contains(&patch))
}

fn node(engine: &str) -> Result<PathBuf, Failed> {
    let node = root().join(".cache/engines").join(engine).join("bin/node");
    if !node.is_file() {
        return Err(format!(
            "{} is missing: run `cargo xtask engines install`",
            node.display()
        )
        .into());
    }
    Ok(node)
}

/// Node flags for a module in `encoding`: exnref modules run on an
/// exnref-only engine, which proves the frames added no legacy instruction.
fn flags(encoding: Option<EhEncoding>) -> &'static [&'static str] {
    match encoding {
        Some(EhEncoding::Exnref) => &["--no-experimental-wasm-legacy-eh"],
        _ => &[],
    }
}

fn run_script(
    node: &Path,
    flags: &[&str],
    script: &str,
    arg: &Path,
    env: &[(&str, &str)],
) -> Result<(), Failed> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/catch_frames")
        .join(script);
    let output = Command::new(node)
        .envs(env.iter().copied())
        .args(flags)
        .arg("--test-reporter=tap")
        .arg(&script)
        .arg(arg)
        .output()?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}

fn run_wat(case: &str, engine: &str) -> Result<(), Failed> {
    run_wat_with(case, engine, "wat.cjs")
}

fn run_wat_with(case: &str, engine: &str, script: &str) -> Result<(), Failed> {
    let node = node(engine)?;
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/passes")
        .join(format!("{case}.wat"));
    let wasm = wat::parse_file(&path)?;
    let facts = WasmFacts::scan(&wasm)?;
    let plan = Plan::from_wasm(&facts, Target::Web, Generation::G1, &Options::default());
    let hardened = wasm_recover_wasm_rewrite::harden(&wasm, &plan)?;
    let out = tempfile::tempdir()?;
    let module = out.path().join(format!("{case}.wasm"));
    std::fs::write(&module, &hardened.wasm)?;
    run_script(&node, flags(facts.eh), script, &module, &[])
}

fn run(fixture: &Path, engine: &str) -> Result<(), Failed> {
    let node = node(engine)?;
    let wasm = std::fs::read(fixture.join(WASM))?;
    let features = wasmparser::WasmFeatures::default()
        | wasmparser::WasmFeatures::EXCEPTIONS
        | wasmparser::WasmFeatures::LEGACY_EXCEPTIONS;
    wasmparser::Validator::new_with_features(features)
        .validate_all(&wasm)
        .map_err(|e| format!("the fixture itself does not validate: {e}"))?;
    let facts = WasmFacts::scan(&wasm)?;
    if facts.eh.is_none() {
        return Err("the fixture has no exception handling: not a panic=unwind build".into());
    }
    let plan = Plan::from_wasm(&facts, Target::Nodejs, Generation::G1, &Options::default());
    let hardened = wasm_recover_wasm_rewrite::harden(&wasm, &plan)?;
    let after = WasmFacts::scan(&hardened.wasm)?;
    if after.eh != facts.eh {
        return Err(format!("EH encoding changed: {:?} -> {:?}", facts.eh, after.eh).into());
    }
    let again = wasm_recover_wasm_rewrite::harden(&hardened.wasm, &plan)?;
    if again.wasm != hardened.wasm || again.report.changed() {
        return Err("a second run changed the hardened module".into());
    }
    if engine == "node-20" && facts.eh == Some(EhEncoding::Exnref) {
        return Err("Node 20 cannot run exnref".into());
    }

    let out = tempfile::tempdir()?;
    for entry in std::fs::read_dir(fixture)? {
        let entry = entry?;
        std::fs::copy(entry.path(), out.path().join(entry.file_name()))?;
    }
    std::fs::write(out.path().join(WASM), &hardened.wasm)?;
    // 0.2.107+ catch panics in every export themselves and throw their own
    // `PanicError` from JS: the frame then only sees it pass.
    let own_panic_error = facts
        .bindgen_version
        .as_deref()
        .and_then(|v| v.strip_prefix("0.2."))
        .and_then(|patch| patch.parse::<u32>().ok())
        .is_some_and(|patch| patch >= 107);
    let own = if own_panic_error { "1" } else { "0" };
    run_script(
        &node,
        flags(facts.eh),
        "nodejs.cjs",
        out.path(),
        &[("CATCH_FRAMES_OWN_PANIC_ERROR", own)],
    )
}
