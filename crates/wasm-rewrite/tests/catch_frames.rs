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
    libtest_mimic::run(&args, trials).exit();
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
    run_script(&node, flags(facts.eh), "wat.cjs", &module, &[])
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
