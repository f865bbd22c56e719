//! Real npm packages, built by others, exercised through their own public API
//! before and after hardening (issue #2: "one real npm package"; issue #3:
//! a `panic=unwind` one).
//!
//! `tests/npm/packages.json` pins each package (installed into
//! `.cache/npm/<name>@<version>/` by `cargo xtask npm-packages install`, which
//! `.ci/setup` runs) and names its script in `tests/npm/`. A script prints a
//! JSON transcript of a dozen calls, error paths included. Trials:
//! - `<name>@<version>/before`: the original package gives the same transcript
//!   on the oldest and the newest Node (so the script is deterministic and the
//!   comparison below means something);
//! - `<name>@<version>/wasm-bindgen-version`: the version recorded in
//!   packages.json is what the `producers` section of every wasm in `loads`
//!   says (a `.wasm` file, or one inlined as base64 in a `.js` file);
//! - `<name>@<version>/loads-traced`: every file of `loads` is loaded or read
//!   by the script's run (traced on Node 26);
//! - `<name>@<version>/after/<engine>`: a copy hardened by the real binary at
//!   the package root (`wasm-recover <package dir>`, as a user runs it) gives
//!   the same transcript as the original on that engine, through the package's
//!   own `require`/`import` entry points; the files those entry points load were
//!   changed; each call that aborts the instance throws an `AbortError` whose
//!   cause is what the original threw; and the script's abort loop (1,000
//!   aborts between normal calls) never changes a normal call's result. A
//!   package the tool cannot harden at the root yet has these trials ignored,
//!   with the CLI's own refusal (`after_pending`) as the trial's kind;
//!   `-- --ignored` runs them.
//! - `<name>@<version>/after-subdirs/<engine>`: the same checks on a copy
//!   hardened directory by directory (`harden`), kept only for packages whose
//!   root the tool refuses today (`harden_why` says why).
//! - `<name>@<version>/after-renamed/<engine>`: the same checks on a copy
//!   whose files are renamed as `renamed` says (and `package.json`'s paths
//!   with them), before and after: the package's own bundle, unchanged but
//!   for its name, as a file not named after the wasm it loads (issue #9).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use wasm_recover_test_support as support;

const ENGINES: &[&str] = &["node-20", "node-26"];

/// One entry of `tests/npm/packages.json`.
#[derive(Clone)]
struct Package {
    name: String,
    version: String,
    script: String,
    /// Directories inside the package for the extra `after-subdirs` trials
    /// (empty: only the root is hardened).
    harden: Vec<String>,
    /// Other pinned packages the entry point imports (`with`), laid out
    /// beside it in `node_modules/`.
    with: Vec<(String, String)>,
    /// Files the package's Node entry point loads: hardening must change them,
    /// or the "after" run would test the original code.
    loads: Vec<String>,
    /// The CLI's exact refusal at the package root, if it refuses.
    after_pending: Option<String>,
    /// How the root hardening is known to be wrong although the CLI reports
    /// success, if so.
    after_known_broken: Option<String>,
    /// The wasm-bindgen version recorded for it (`wasm_bindgen`).
    wasm_bindgen: String,
    /// Whether its wasm uses legacy exception handling: the package, its wasm
    /// translated to exnref by `wasm-recover eh`, must then give the same
    /// transcript on an engine without legacy EH (issue #4).
    translate: bool,
    /// Files renamed (from, to) in the `after-renamed` trials (`renamed`).
    renamed: Vec<(String, String)>,
}

impl Package {
    fn spec(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    fn installed_dir(&self) -> PathBuf {
        support::project_root().join(".cache/npm").join(self.spec())
    }
}

fn main() {
    let args = Arguments::from_args();
    let packages = match read_packages() {
        Ok(packages) => packages,
        Err(err) => {
            eprintln!("error: {err}");
            std::process::exit(2);
        }
    };
    let mut trials = Vec::new();
    for package in packages {
        let spec = package.spec();
        if package.translate {
            let translated = package.clone();
            trials.push(Trial::test(
                format!("{spec}/translated-to-exnref/node-26-exnref-only"),
                move || run_translated(&translated),
            ));
        }
        let before = package.clone();
        trials.push(Trial::test(format!("{spec}/before"), move || {
            run_before(&before)
        }));
        let facts = package.clone();
        trials.push(Trial::test(
            format!("{spec}/wasm-bindgen-version"),
            move || check_wasm_bindgen_version(&facts),
        ));
        let traced = package.clone();
        trials.push(Trial::test(format!("{spec}/loads-traced"), move || {
            run_traced(&traced)
        }));
        for engine in ENGINES {
            if !package.harden.is_empty() {
                let after = package.clone();
                trials.push(Trial::test(
                    format!("{spec}/after-subdirs/{engine}"),
                    move || run_after(&after, engine, &after.harden, &[]),
                ));
            }
            if !package.renamed.is_empty() {
                let renamed = package.clone();
                trials.push(Trial::test(
                    format!("{spec}/after-renamed/{engine}"),
                    move || run_after(&renamed, engine, &[String::new()], &renamed.renamed),
                ));
            }
            let after = package.clone();
            let trial = Trial::test(format!("{spec}/after/{engine}"), move || {
                run_after(&after, engine, &[String::new()], &[])
            });
            trials.push(
                match (&package.after_pending, &package.after_known_broken) {
                    (Some(reason), _) => trial
                        .with_ignored_flag(true)
                        .with_kind(format!("pending: {reason}")),
                    (None, Some(reason)) => trial
                        .with_ignored_flag(true)
                        .with_kind(format!("known broken: {reason}")),
                    (None, None) => trial,
                },
            );
        }
        if let Some(reason) = &package.after_pending {
            let refused = package.clone();
            let reason = reason.clone();
            trials.push(Trial::test(format!("{spec}/root-refusal"), move || {
                check_refusal(&refused, &reason)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

fn read_packages() -> Result<Vec<Package>, String> {
    let path = support::project_root().join("tests/npm/packages.json");
    let text = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let json: Value =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    let packages = json
        .get("packages")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("{}: no `packages` array", path.display()))?;
    packages
        .iter()
        .map(|p| {
            let string = |key: &str| {
                p.get(key)
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| format!("{}: a package lacks `{key}`", path.display()))
            };
            let strings = |key: &str| -> Result<Vec<String>, String> {
                p.get(key)
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(|v| v.as_str().map(String::from))
                            .collect()
                    })
                    .ok_or_else(|| format!("{}: a package lacks `{key}`", path.display()))
            };
            Ok(Package {
                name: string("name")?,
                version: string("version")?,
                script: string("script")?,
                wasm_bindgen: string("wasm_bindgen")?,
                harden: strings("harden")?,
                loads: strings("loads")?,
                after_pending: p
                    .get("after_pending")
                    .and_then(Value::as_str)
                    .map(String::from),
                after_known_broken: p
                    .get("after_known_broken")
                    .and_then(Value::as_str)
                    .map(String::from),
                translate: p.get("eh").and_then(Value::as_str) == Some("legacy"),
                renamed: p
                    .get("renamed")
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .filter_map(|(from, to)| Some((from.clone(), to.as_str()?.to_string())))
                    .collect(),
                with: p
                    .get("with")
                    .and_then(Value::as_array)
                    .map_or(&[][..], Vec::as_slice)
                    .iter()
                    .map(|w| {
                        let field = |key: &str| {
                            w.get(key)
                                .and_then(Value::as_str)
                                .map(String::from)
                                .ok_or_else(|| {
                                    format!("{}: a `with` entry lacks `{key}`", path.display())
                                })
                        };
                        Ok((field("name")?, field("version")?))
                    })
                    .collect::<Result<_, String>>()?,
            })
        })
        .collect()
}

fn require_installed(package: &Package) -> Result<PathBuf, Failed> {
    let dir = package.installed_dir();
    if dir.join("package.json").is_file() {
        Ok(dir)
    } else {
        Err(format!(
            "{} is not installed in {}: run `bash .ci/setup` (or `cargo xtask npm-packages install`)",
            package.spec(),
            dir.display()
        )
        .into())
    }
}

/// The original package: the same transcript on every engine.
fn run_before(package: &Package) -> Result<(), Failed> {
    let original = require_installed(package)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = lay_out(scratch.path(), package, &original)?;
    let mut first: Option<(&str, Value)> = None;
    for engine in ENGINES {
        let report = run_script(&root, package, engine)?;
        let transcript = transcript_of(&report)?;
        if transcript.as_array().is_none_or(|a| a.is_empty()) {
            return Err(format!("{}: empty transcript on {engine}", package.script).into());
        }
        match &first {
            None => first = Some((engine, report)),
            Some((first_engine, first_report)) => compare(
                &format!("{first_engine} (original)"),
                first_report,
                &format!("{engine} (original)"),
                &report,
            )?,
        }
    }
    Ok(())
}

/// A copy hardened by running `wasm-recover` on each of `dirs` (relative to
/// the package root; "" is the root itself) against the original, on one
/// engine.
/// `renamed`: files renamed in both copies (empty: the package as published).
fn run_after(
    package: &Package,
    engine: &str,
    dirs: &[String],
    renamed: &[(String, String)],
) -> Result<(), Failed> {
    let original = require_installed(package)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;

    let before_root = lay_out(&scratch.path().join("before"), package, &original)?;
    rename(&before_root, package, renamed)?;
    let before = run_script(&before_root, package, engine)?;

    let after_root = lay_out(&scratch.path().join("after"), package, &original)?;
    rename(&after_root, package, renamed)?;
    let hardened = after_root.join("node_modules").join(&package.name);
    for dir in dirs {
        let target = if dir.is_empty() {
            hardened.clone()
        } else {
            hardened.join(dir)
        };
        let output = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
            .arg(&target)
            .output()
            .map_err(|e| format!("cannot run wasm-recover: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "wasm-recover <package>/{dir} failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
    }
    for file in &package.loads {
        let read = |p: &Path| std::fs::read(p).map_err(|e| format!("{}: {e}", p.display()));
        let now = renamed
            .iter()
            .find(|(from, _)| from == file)
            .map_or(file, |(_, to)| to);
        if read(&original.join(file))? == read(&hardened.join(now))? {
            return Err(format!(
                "hardening left {file} unchanged, but the package's entry point loads it"
            )
            .into());
        }
    }
    let after = run_script(&after_root, package, engine)?;

    compare("original", &before, "hardened", &after)?;
    check_aborts(&before, &after)?;
    check_abort_loop(&before, &after)
}

/// Every file of `loads` is one the script's run really loads or reads (traced
/// on Node 26 by `trace-loads.mjs`): otherwise "hardening changed it" would
/// prove nothing about the code that runs.
fn run_traced(package: &Package) -> Result<(), Failed> {
    let original = require_installed(package)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let root = lay_out(&scratch.path().join("run"), package, &original)?;
    let trace = scratch.path().join("trace.json");
    let node = support::require_engine("node-26")?;
    let output = Command::new(&node)
        .arg("--import")
        .arg(root.join("trace-loads.mjs"))
        .arg(root.join(&package.script))
        .env("NPM_TRACE_OUT", &trace)
        .current_dir(&root)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    if !output.status.success() {
        return Err(format!(
            "{} with the load tracer failed ({}):\n{}",
            package.script,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let text = std::fs::read(&trace).map_err(|e| format!("{}: {e}", trace.display()))?;
    let loaded: Vec<String> =
        serde_json::from_slice(&text).map_err(|e| format!("{}: {e}", trace.display()))?;
    let missing: Vec<&String> = package
        .loads
        .iter()
        .filter(|file| !loaded.contains(&format!("{}/{file}", package.name)))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "`loads` names files the entry points never load: {missing:?}; loaded: {loaded:?}"
        )
        .into())
    }
}

/// The package with every wasm of `loads` translated to exnref, on Node 26
/// with legacy EH switched off, against the original on Node 26.
fn run_translated(package: &Package) -> Result<(), Failed> {
    let original = require_installed(package)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let before_root = lay_out(&scratch.path().join("before"), package, &original)?;
    let before = run_script(&before_root, package, "node-26")?;

    let after_root = lay_out(&scratch.path().join("after"), package, &original)?;
    let copy = after_root.join("node_modules").join(&package.name);
    let mut translated = 0;
    for file in package.loads.iter().filter(|f| f.ends_with(".wasm")) {
        let wasm = copy.join(file);
        let output = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
            .args(["eh", "--to", "exnref"])
            .arg(&wasm)
            .arg("-o")
            .arg(&wasm)
            .output()
            .map_err(|e| format!("cannot run wasm-recover eh: {e}"))?;
        if !output.status.success() {
            return Err(format!(
                "wasm-recover eh --to exnref {file} failed ({}):\n{}",
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        translated += 1;
    }
    if translated == 0 {
        return Err("the package's `loads` name no .wasm to translate".into());
    }
    let after = run_script_with(
        &after_root,
        package,
        "node-26",
        &["--no-experimental-wasm-legacy-eh"],
    )?;
    compare("original", &before, "translated to exnref", &after)
}

/// `<root>/node_modules/<name>` holds a copy of the package and `<root>` the
/// scripts, so they import the package by name, as a user's code does.
fn lay_out(root: &Path, package: &Package, original: &Path) -> Result<PathBuf, Failed> {
    support::copy_dir(&support::project_root().join("tests/npm"), root)
        .map_err(|e| format!("copying tests/npm: {e}"))?;
    support::copy_dir(original, &root.join("node_modules").join(&package.name))
        .map_err(|e| format!("copying {}: {e}", original.display()))?;
    for (name, version) in &package.with {
        let dependency = support::project_root()
            .join(".cache/npm")
            .join(format!("{name}@{version}"));
        if !dependency.join("package.json").is_file() {
            return Err(format!(
                "{name}@{version} (a dependency of {}) is not installed: run `cargo xtask npm-packages install`",
                package.spec()
            )
            .into());
        }
        support::copy_dir(&dependency, &root.join("node_modules").join(name))
            .map_err(|e| format!("copying {}: {e}", dependency.display()))?;
    }
    Ok(root.to_path_buf())
}

/// Renames files of the package laid out under `root`, and every
/// `package.json` path naming them (`"./index.js"` → `"./resvg.js"`).
fn rename(root: &Path, package: &Package, renamed: &[(String, String)]) -> Result<(), Failed> {
    if renamed.is_empty() {
        return Ok(());
    }
    let dir = root.join("node_modules").join(&package.name);
    for (from, to) in renamed {
        std::fs::rename(dir.join(from), dir.join(to))
            .map_err(|e| format!("renaming {from} to {to}: {e}"))?;
    }
    // As text, so the order of `exports` conditions (which Node honours) stays.
    let manifest = dir.join("package.json");
    let mut text =
        std::fs::read_to_string(&manifest).map_err(|e| format!("{}: {e}", manifest.display()))?;
    for (from, to) in renamed {
        for prefix in ["\"", "\"./"] {
            text = text.replace(&format!("{prefix}{from}\""), &format!("{prefix}{to}\""));
        }
    }
    std::fs::write(&manifest, text).map_err(|e| format!("{}: {e}", manifest.display()).into())
}

fn run_script(root: &Path, package: &Package, engine: &str) -> Result<Value, Failed> {
    run_script_with(root, package, engine, &[])
}

/// How long a package script may run before it is stopped and run again
/// without its abort loop (`TRANSCRIPT_SKIP_LOOP`, tests/npm/transcript.mjs).
const SCRIPT_LIMIT: Duration = Duration::from_secs(300);

fn run_script_with(
    root: &Path,
    package: &Package,
    engine: &str,
    flags: &[&str],
) -> Result<Value, Failed> {
    let node = support::require_engine(engine)?;
    let run = |skip: Option<String>| -> Result<Option<std::process::Output>, Failed> {
        let mut command = Command::new(&node);
        command
            .args(flags)
            .arg(root.join(&package.script))
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(why) = skip {
            command.env("TRANSCRIPT_SKIP_LOOP", why);
        }
        let mut child = command
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
        // Read the pipes on threads so that a full pipe cannot stall the child.
        let mut out = child.stdout.take().expect("piped");
        let mut err = child.stderr.take().expect("piped");
        let out = std::thread::spawn(move || {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut out, &mut buf).map(|_| buf)
        });
        let err = std::thread::spawn(move || {
            let mut buf = Vec::new();
            std::io::Read::read_to_end(&mut err, &mut buf).map(|_| buf)
        });
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
                break Some(status);
            }
            if started.elapsed() > SCRIPT_LIMIT {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stdout = out.join().expect("reader").map_err(|e| e.to_string())?;
        let stderr = err.join().expect("reader").map_err(|e| e.to_string())?;
        Ok(status.map(|status| std::process::Output {
            status,
            stdout,
            stderr,
        }))
    };
    let output = match run(None)? {
        Some(output) => output,
        None => run(Some(format!(
            "the script did not finish in {} s with its abort loop (an abort corrupted the \
             instance, which then ran without end); run again without it",
            SCRIPT_LIMIT.as_secs()
        )))?
        .ok_or_else(|| {
            format!(
                "{} on {engine} did not finish in {} s even without its abort loop",
                package.script,
                SCRIPT_LIMIT.as_secs()
            )
        })?,
    };
    if !output.status.success() {
        return Err(format!(
            "{} on {engine} failed ({}):\n{}",
            package.script,
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    serde_json::from_slice(&output.stdout).map_err(|e| {
        format!(
            "{} on {engine} printed no JSON transcript ({e}):\n{}",
            package.script,
            String::from_utf8_lossy(&output.stdout)
        )
        .into()
    })
}

fn transcript_of(report: &Value) -> Result<&Value, Failed> {
    report
        .get("transcript")
        .ok_or_else(|| "the script's output has no `transcript`".into())
}

fn aborts_of(report: &Value) -> &[Value] {
    report
        .get("aborts")
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// Fails with every call whose result differs, side by side.
fn compare(a_name: &str, a: &Value, b_name: &str, b: &Value) -> Result<(), Failed> {
    let (a, b) = (transcript_of(a)?, transcript_of(b)?);
    if a == b {
        return Ok(());
    }
    let empty = Vec::new();
    let (a, b) = (
        a.as_array().unwrap_or(&empty),
        b.as_array().unwrap_or(&empty),
    );
    let mut message = format!(
        "transcripts differ ({} calls in {a_name}, {} in {b_name}):\n",
        a.len(),
        b.len()
    );
    for i in 0..a.len().max(b.len()) {
        if a.get(i) != b.get(i) {
            let show = |v: Option<&Value>| v.map_or("(none)".to_string(), Value::to_string);
            message.push_str(&format!(
                "  call {i}:\n    {a_name}: {}\n    {b_name}: {}\n",
                show(a.get(i)),
                show(b.get(i))
            ));
        }
    }
    Err(message.into())
}

/// Each call that aborts: the original throws a `RuntimeError` (a trap); the
/// hardened copy throws an `AbortError` whose cause is that same error.
fn check_aborts(before: &Value, after: &Value) -> Result<(), Failed> {
    let (before, after) = (aborts_of(before), aborts_of(after));
    if before.len() != after.len() {
        return Err(format!(
            "{} aborting calls before hardening, {} after",
            before.len(),
            after.len()
        )
        .into());
    }
    for (b, a) in before.iter().zip(after) {
        let call = b.get("call").and_then(Value::as_str).unwrap_or("?");
        let original = b.get("threw");
        if !is_abort(original) {
            return Err(format!("{call}: expected a trap from the original, got {b}").into());
        }
        let hardened = a.get("threw");
        if hardened.and_then(|t| t.get("type")).and_then(Value::as_str) != Some("AbortError")
            || hardened.and_then(|t| t.get("cause")) != original
        {
            return Err(format!(
                "{call}: expected an AbortError caused by {}, got {a}",
                original.map_or("?".to_string(), Value::to_string)
            )
            .into());
        }
    }
    Ok(())
}

/// The abort loop: the original's record is whatever it did (its first abort
/// must be a trap); the hardened copy must throw an `AbortError` caused by that
/// same trap in every round and never change the normal call's result.
fn check_abort_loop(before: &Value, after: &Value) -> Result<(), Failed> {
    let (before, after) = match (before.get("abortLoop"), after.get("abortLoop")) {
        (None, None) => return Ok(()),
        (Some(b), Some(a)) => (b, a),
        _ => return Err("the abort loop ran on one side only".into()),
    };
    let call = before.get("call").and_then(Value::as_str).unwrap_or("?");
    if let Some(why) = after.get("skipped") {
        return Err(format!("{call}: the hardened copy's abort loop was skipped: {why}").into());
    }
    let rounds = after.get("rounds").and_then(Value::as_u64).unwrap_or(0);
    if rounds < 1000 {
        return Err(format!("{call}: the abort loop has {rounds} rounds, expected >= 1000").into());
    }
    // The original's first trap, from its loop; when its loop was skipped (it
    // never ended), from the hardened copy's cause, which must still be a trap.
    let first_trap = if before.get("skipped").is_some() {
        after
            .get("outcomes")
            .and_then(|o| o.get(0))
            .and_then(|o| o.get("threw"))
            .and_then(|t| t.get("cause"))
            .filter(|t| is_abort(Some(t)))
            .ok_or_else(|| format!("{call}: the hardened copy's abort is not caused by a trap"))?
    } else {
        if after.get("normalBefore") != before.get("normalBefore") {
            return Err(format!("{call}: the normal call differs before the loop").into());
        }
        before
            .get("outcomes")
            .and_then(|o| o.get(0))
            .and_then(|o| o.get("threw"))
            .filter(|t| is_abort(Some(t)))
            .ok_or_else(|| format!("{call}: the original's first abort is not a trap: {before}"))?
    };
    let changed = after.get("normalChanged").and_then(Value::as_u64);
    if changed != Some(0) {
        return Err(format!(
            "{call}: the normal call changed in {} of {rounds} rounds after hardening, first: {}",
            changed.map_or("?".to_string(), |c| c.to_string()),
            after.get("firstChange").unwrap_or(&Value::Null)
        )
        .into());
    }
    let outcomes = after
        .get("outcomes")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    let every_round_aborted = match outcomes {
        [only] => {
            let threw = only.get("threw");
            threw.and_then(|t| t.get("type")).and_then(Value::as_str) == Some("AbortError")
                && threw.and_then(|t| t.get("cause")) == Some(first_trap)
                && only.get("times").and_then(Value::as_u64) == Some(rounds)
        }
        _ => false,
    };
    if !every_round_aborted {
        return Err(format!(
            "{call}: expected {rounds} AbortErrors caused by {first_trap}, got {}",
            Value::Array(outcomes.to_vec())
        )
        .into());
    }
    Ok(())
}

/// What an abort throws in the original: a trap (`RuntimeError`), or a stack
/// overflow inside wasm, which V8 reports as a `RangeError`.
fn is_abort(threw: Option<&Value>) -> bool {
    match threw.and_then(|t| t.get("type")).and_then(Value::as_str) {
        Some("RuntimeError") => true,
        Some("RangeError") => threw
            .and_then(|t| t.get("message"))
            .and_then(Value::as_str)
            .is_some_and(|m| m.contains("Maximum call stack size exceeded")),
        _ => false,
    }
}

/// The CLI still refuses the package root with exactly the recorded reason:
/// the pending trials wait for that refusal, and a changed or vanished one
/// means `after_pending` (and docs/npm-corpus.md) must be updated.
fn check_refusal(package: &Package, reason: &str) -> Result<(), Failed> {
    let original = require_installed(package)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let output = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .arg(&original)
        .arg("--out-dir")
        .arg(scratch.path().join("out"))
        .output()
        .map_err(|e| format!("cannot run wasm-recover: {e}"))?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    let said = stderr
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or("")
        .replace(&format!("{}/", original.display()), "")
        .replace(&original.display().to_string(), "<package>");
    if output.status.success() {
        return Err(format!(
            "wasm-recover now hardens the root of {}: run its after trials (`-- --ignored`) and drop `after_pending`",
            package.spec()
        )
        .into());
    }
    if said != reason {
        return Err(format!(
            "wasm-recover refuses the root of {} with a different reason:\n  now:      {said}\n  recorded: {reason}",
            package.spec()
        )
        .into());
    }
    Ok(())
}

/// The recorded `wasm_bindgen` is the version in the `producers` section of
/// each wasm the entry points load: a `.wasm` of `loads`, or the base64 module
/// inlined in a `.js` of `loads`.
fn check_wasm_bindgen_version(package: &Package) -> Result<(), Failed> {
    let original = require_installed(package)?;
    let mut found = Vec::new();
    for file in &package.loads {
        let bytes = std::fs::read(original.join(file)).map_err(|e| format!("{file}: {e}"))?;
        let module = if file.ends_with(".wasm") {
            Some(bytes)
        } else {
            inlined_wasm(&bytes).map_err(|e| format!("{file}: {e}"))?
        };
        if let Some(module) = module {
            let version = wasm_bindgen_of(&module).map_err(|e| format!("{file}: {e}"))?;
            found.push((file.as_str(), version));
        }
    }
    if found.is_empty() {
        return Err("no wasm among `loads` (as a file or inlined as base64)".into());
    }
    for (file, version) in &found {
        if version.as_deref() != Some(package.wasm_bindgen.as_str()) {
            return Err(format!(
                "{file}: producers say wasm-bindgen {version:?}, packages.json records {}",
                package.wasm_bindgen
            )
            .into());
        }
    }
    Ok(())
}

/// `processed-by` → `wasm-bindgen`'s version, without the commit hash.
fn wasm_bindgen_of(module: &[u8]) -> Result<Option<String>, String> {
    for payload in wasmparser::Parser::new(0).parse_all(module) {
        let payload = payload.map_err(|e| e.to_string())?;
        if let wasmparser::Payload::CustomSection(section) = payload {
            if let wasmparser::KnownCustom::Producers(reader) = section.as_known() {
                for field in reader {
                    let field = field.map_err(|e| e.to_string())?;
                    for value in field.values {
                        let value = value.map_err(|e| e.to_string())?;
                        if field.name == "processed-by" && value.name == "wasm-bindgen" {
                            let version = value.version.split_whitespace().next();
                            return Ok(version.map(String::from));
                        }
                    }
                }
            }
        }
    }
    Ok(None)
}

/// The wasm module a JS file inlines as a base64 string literal (it starts
/// with `AGFzbQ`, the base64 of `\0asm`), decoded; none if there is none.
fn inlined_wasm(js: &[u8]) -> Result<Option<Vec<u8>>, String> {
    let Some(start) = js.windows(6).position(|w| w == b"AGFzbQ") else {
        return Ok(None);
    };
    let end = js[start..]
        .iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='))
        .map_or(js.len(), |n| start + n);
    decode_base64(&js[start..end]).map(Some)
}

/// Standard base64 (RFC 4648 §4), padding optional.
fn decode_base64(text: &[u8]) -> Result<Vec<u8>, String> {
    let value = |b: u8| -> Result<u32, String> {
        Ok(match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return Err(format!("not base64: byte {b:#04x}")),
        } as u32)
    };
    let text: Vec<u8> = text.iter().copied().filter(|&b| b != b'=').collect();
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    for chunk in text.chunks(4) {
        let mut n = 0u32;
        for (i, &b) in chunk.iter().enumerate() {
            n |= value(b)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Ok(out)
}
