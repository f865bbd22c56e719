//! The fault matrix (issue #12): every fault × entry of
//! `tests/node/fault-matrix/cells.mjs`, run on hardened committed fixtures of
//! every generation (G0 panic=abort, G1, G2 in both EH encodings) in real
//! Node, each cell checked against what the contract says; then the table
//! a user reads, `docs/faults.md`, must be exactly what the runs produced.
//!
//! `BLESS=1 cargo test --test fault_matrix` rewrites `docs/faults.md`.
//! One trial per run (`0.2.130-abort/node-26`) and `docs/faults.md` last, so
//! `cargo test --test fault_matrix -- 0.2.105` runs one build.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;
use wasm_recover_test_support as support;

/// One column of the table: a committed build of a crate, its generation,
/// the Node that runs it.
struct Run {
    krate: Crate,
    build: &'static str,
    generation: &'static str,
    engine: &'static str,
}

/// Which crate's committed outputs a run hardens.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Crate {
    /// `tests/fixtures/out/<build>` (`cargo xtask fixtures`).
    Fixture,
    /// `tests/fixtures/fault-out/<build>` (`cargo xtask fault-fixture`): a
    /// crate whose every entry can be armed to trap, run out of memory,
    /// overflow the stack, panic or call a throwing import, and whose start
    /// function can fault.
    Fault,
}

const fn fixture(build: &'static str, generation: &'static str, engine: &'static str) -> Run {
    Run {
        krate: Crate::Fixture,
        build,
        generation,
        engine,
    }
}

const fn fault_crate(build: &'static str, generation: &'static str, engine: &'static str) -> Run {
    Run {
        krate: Crate::Fault,
        build,
        generation,
        engine,
    }
}

const RUNS: &[Run] = &[
    fixture("0.2.84-abort", "G0", "node-26"),
    fixture("0.2.130-abort", "G0", "node-26"),
    fixture("0.2.105-unwind-exnref", "G1", "node-26"),
    fixture("0.2.113-unwind-legacy", "G1", "node-26"),
    fixture("0.2.130-unwind-legacy", "G2", "node-20"),
    fixture("0.2.130-unwind-legacy", "G2", "node-26"),
    fixture("0.2.130-unwind-exnref", "G2", "node-26"),
    fault_crate("0.2.130-abort", "G0", "node-26"),
    fault_crate("0.2.113-unwind-legacy", "G1", "node-20"),
    fault_crate("0.2.113-unwind-legacy", "G1", "node-26"),
    fault_crate("0.2.113-unwind-exnref", "G1", "node-26"),
    fault_crate("0.2.130-unwind-legacy", "G2", "node-20"),
    fault_crate("0.2.130-unwind-legacy", "G2", "node-26"),
    fault_crate("0.2.130-unwind-exnref", "G2", "node-26"),
];

/// How the table and [`FINDINGS`] name the fault crate's builds
/// (`fault-crate <build>`).
const FAULT_CRATE: &str = "fault-crate";

impl Run {
    /// The build as the table and the trial names show it: the fault crate's
    /// prefixed with `fault-crate`.
    fn label(&self) -> String {
        match self.krate {
            Crate::Fixture => self.build.to_string(),
            Crate::Fault => format!("{FAULT_CRATE} {}", self.build),
        }
    }

    /// The committed nodejs output the run hardens, and its name.
    fn fixture(&self) -> (std::path::PathBuf, &'static str) {
        match self.krate {
            Crate::Fault => (
                root()
                    .join("tests/fixtures/fault-out")
                    .join(self.build)
                    .join("nodejs"),
                "recover_fault",
            ),
            Crate::Fixture => (
                root()
                    .join("tests/fixtures/out")
                    .join(self.build)
                    .join("nodejs"),
                "recover_fixture",
            ),
        }
    }
}

const DOC: &str = "docs/faults.md";

/// This checkout's root. Not `support::project_root()`: that is fixed when
/// test-support is compiled, and a `target/` shared between checkouts (git
/// worktrees) keeps the first one's.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What one run printed: the axes and one cell per fault × entry.
#[derive(Default)]
struct Results {
    faults: Vec<(String, String)>,
    entries: Vec<(String, String)>,
    cells: BTreeMap<(String, String), Value>,
}

type Shared = Arc<Mutex<BTreeMap<usize, Results>>>;

fn main() {
    let args = Arguments::from_args();
    let shared: Shared = Arc::default();
    let mut trials: Vec<Trial> = RUNS
        .iter()
        .enumerate()
        .map(|(index, run)| {
            let shared = Arc::clone(&shared);
            Trial::test(format!("{}/{}", run.label(), run.engine), move || {
                let results = execute(&RUNS[index])?;
                check(&RUNS[index], &results)?;
                shared
                    .lock()
                    .map_err(|_| "another trial panicked")?
                    .insert(index, results);
                Ok(())
            })
        })
        .collect();
    // libtest-mimic runs trials in order with --test-threads=1 and on a pool
    // otherwise; the doc trial waits for its runs by running missing ones itself.
    let doc_shared = Arc::clone(&shared);
    trials.push(Trial::test("docs/faults.md", move || {
        check_doc(&doc_shared)
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// Hardens the run's fixture and runs every cell in Node.
fn execute(run: &Run) -> Result<Results, Failed> {
    let node = support::require_engine(run.engine)?;
    let (fixture, stem) = run.fixture();
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let hardened = scratch.path().join("out");
    support::harden(
        Path::new(env!("CARGO_BIN_EXE_wasm-recover")),
        &fixture,
        &hardened,
        &["--reset", "auto"],
    )?;
    let script = root().join("tests/node/fault-matrix/run.mjs");
    let panic = if run.generation == "G0" {
        "abort"
    } else {
        "unwind"
    };
    let output = Command::new(&node)
        .arg("--expose-gc")
        .arg(&script)
        .env("RECOVER_DIR", &hardened)
        .env("RECOVER_TARGET", "nodejs")
        .env("RECOVER_RESET", "auto")
        .env("RECOVER_PANIC", panic)
        .env("RECOVER_STEM", stem)
        .env("FAULT_GENERATION", run.generation)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}):\n{stdout}\n{}",
            script.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let results = parse(&stdout)?;
    if run.krate == Crate::Fault {
        // The first call after an abort with every argument kind (issue #9):
        // the fault crate's exports take each kind. And a start function
        // that fails the load (its start fires what the host armed).
        node_suites(
            run,
            &node,
            &hardened,
            stem,
            &["argument-kinds.test.mjs", "start-at-load.test.mjs"],
        )?;
    } else {
        // The security suites (issue #12 point 7) drive the fixture crate's
        // exports: `no-eval.test.mjs` (no string evaluated as code, no global
        // changed) and `security.test.mjs` (crafted arguments and reentrant
        // callbacks never run Rust code on a dead instance).
        node_suites(
            run,
            &node,
            &hardened,
            stem,
            &["no-eval.test.mjs", "security.test.mjs"],
        )?;
    }
    Ok(results)
}

/// `node --test` on `suites` (in tests/node/fault-matrix) over the same
/// hardened output.
fn node_suites(
    run: &Run,
    node: &Path,
    hardened: &Path,
    stem: &str,
    suites: &[&str],
) -> Result<(), Failed> {
    let dir = root().join("tests/node/fault-matrix");
    let panic = if run.generation == "G0" {
        "abort"
    } else {
        "unwind"
    };
    let output = Command::new(node)
        .arg("--expose-gc")
        .arg("--test")
        .arg("--test-reporter=spec")
        .args(suites.iter().map(|suite| dir.join(suite)))
        .env("RECOVER_DIR", hardened)
        .env("RECOVER_TARGET", "nodejs")
        .env("RECOVER_RESET", "auto")
        .env("RECOVER_PANIC", panic)
        .env("RECOVER_STEM", stem)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{} failed ({}):\n{}\n{}",
            suites.join(", "),
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}

fn parse(stdout: &str) -> Result<Results, Failed> {
    let mut results = Results::default();
    for line in stdout.lines() {
        if let Some(json) = line.strip_prefix("FAULT-AXES ") {
            let axes: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let pairs = |key: &str| -> Vec<(String, String)> {
                axes[key]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap_or_default().to_string(),
                            p[1].as_str().unwrap_or_default().to_string(),
                        )
                    })
                    .collect()
            };
            results.faults = pairs("faults");
            results.entries = pairs("entries");
        } else if let Some(json) = line.strip_prefix("FAULT-CELL ") {
            let cell: Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
            let key = (
                cell["fault"].as_str().unwrap_or_default().to_string(),
                cell["entry"].as_str().unwrap_or_default().to_string(),
            );
            if results.cells.insert(key.clone(), cell).is_some() {
                return Err(format!("cell {key:?} reported twice").into());
            }
        }
    }
    Ok(results)
}

/// Cells whose run contradicts their expectation, kept failing on purpose
/// (issue #12: a finding is reported, the expectation is not weakened): the
/// builds (as [`Run::label`] shows them) where it was found, fault, entry,
/// what was found. The table shows them as failing; a listed cell that starts
/// to pass fails the suite, so the list is emptied as the runtime is fixed.
/// Empty since the two host-reset findings (async, finalizer) were fixed.
const FINDINGS: &[(&[&str], &str, &str, &str)] = &[];

/// The finding recorded for a cell, if any.
fn finding(run: &Run, fault: &str, entry: &str) -> Option<&'static str> {
    let label = run.label();
    FINDINGS
        .iter()
        .find(|(labels, f, e, _)| labels.contains(&label.as_str()) && *f == fault && *e == entry)
        .map(|(_, _, _, why)| *why)
}

/// Every cell of the cross product is verified or carries a reason; none
/// failed unless it is a recorded finding; none is extra.
fn check(run: &Run, results: &Results) -> Result<(), Failed> {
    if results.faults.len() != 6 || results.entries.len() < 13 {
        return Err(format!(
            "the matrix lost axes: {} faults, {} entries (issue #12 names 6 faults, 13 entries)",
            results.faults.len(),
            results.entries.len()
        )
        .into());
    }
    let mut problems = Vec::new();
    for (fault, _) in &results.faults {
        for (entry, _) in &results.entries {
            let Some(cell) = results.cells.get(&(fault.clone(), entry.clone())) else {
                problems.push(format!(
                    "{fault} × {entry}: neither run nor a recorded reason"
                ));
                continue;
            };
            let found = finding(run, fault, entry);
            match cell["status"].as_str() {
                Some("verified") if found.is_some() => problems.push(format!(
                    "{fault} × {entry} now passes: remove its entry from FINDINGS"
                )),
                Some("verified") => {}
                Some("failed") if found.is_some() => {}
                Some("not-exercised") if cell["reason"].as_str().is_some_and(|r| !r.is_empty()) => {
                }
                _ => problems.push(format!("{fault} × {entry}: {cell}")),
            }
        }
    }
    let expected = results.faults.len() * results.entries.len();
    if results.cells.len() != expected {
        problems.push(format!(
            "{} cells reported, {expected} in the matrix",
            results.cells.len()
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n").into())
    }
}

fn check_doc(shared: &Shared) -> Result<(), Failed> {
    let mut done = shared.lock().map_err(|_| "another trial panicked")?;
    for (index, run) in RUNS.iter().enumerate() {
        if let std::collections::btree_map::Entry::Vacant(slot) = done.entry(index) {
            let results = execute(run)?;
            check(run, &results)?;
            slot.insert(results);
        }
    }
    let text = render(&done);
    let path = root().join(DOC);
    if support::bless() {
        std::fs::write(&path, &text).map_err(|e| format!("{}: {e}", path.display()))?;
        return Ok(());
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    if committed == text {
        return Ok(());
    }
    let diff = similar::TextDiff::from_lines(&committed, &text)
        .unified_diff()
        .header(DOC, "what the runs produced")
        .to_string();
    Err(format!("{DOC} is not what the fault matrix produced; regenerate with `BLESS=1 cargo test --test fault_matrix`:\n{diff}").into())
}

/// The markdown table: one section per fault, one row per entry, one column per run.
fn render(done: &BTreeMap<usize, Results>) -> String {
    let first = &done[&0];
    let mut reasons: Vec<String> = Vec::new();
    let mut note = |reason: &str| -> usize {
        match reasons.iter().position(|r| r == reason) {
            Some(i) => i + 1,
            None => {
                reasons.push(reason.to_string());
                reasons.len()
            }
        }
    };
    let (mut verified, mut skipped, mut failing) = (0, 0, 0);
    let mut body = String::new();
    for (fault, fault_title) in &first.faults {
        body.push_str(&format!("\n## {fault_title}\n\n| entry |"));
        for run in RUNS {
            body.push_str(&format!(
                " {} {} ({}) |",
                run.generation,
                run.label(),
                run.engine
            ));
        }
        body.push_str("\n|---|");
        body.push_str(&"---|".repeat(RUNS.len()));
        body.push('\n');
        for (entry, entry_title) in &first.entries {
            body.push_str(&format!("| {entry_title} |"));
            for index in 0..RUNS.len() {
                let cell = &done[&index].cells[&(fault.clone(), entry.clone())];
                let text = if cell["status"] == "verified" {
                    verified += 1;
                    outcome(&cell["observed"])
                } else if cell["status"] == "failed" {
                    failing += 1;
                    let why = finding(&RUNS[index], fault, entry).unwrap_or_default();
                    let broken: Vec<&str> = cell["problems"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(Value::as_str)
                        .collect();
                    format!(
                        "**contradicts the contract** [{}]: observed {}; broken: {}",
                        note(&format!("finding: {why}")),
                        outcome_text(&cell["observed"]),
                        broken.join("; ")
                    )
                } else {
                    skipped += 1;
                    format!(
                        "not exercised [{}]",
                        note(cell["reason"].as_str().unwrap_or_default())
                    )
                };
                body.push_str(&format!(" {text} |"));
            }
            body.push('\n');
        }
    }
    let mut text = String::from(HEADER);
    text.push_str(&format!(
        "\n{verified} cells verified, {failing} contradict the contract (findings below), \
         {skipped} not exercised (reasons below), over {} runs.\n",
        RUNS.len()
    ));
    text.push_str(&body);
    text.push_str("\n## Findings, and why a cell is not exercised\n\n");
    for (i, reason) in reasons.iter().enumerate() {
        text.push_str(&format!("{}. {reason}\n", i + 1));
    }
    text.push_str(SECURITY);
    text
}

/// One verified cell: what the caller sees, the instance, the handler.
fn outcome(observed: &Value) -> String {
    format!("{}; **verified**", outcome_text(observed))
}

/// What the caller sees, the instance, the handler (observed or expected).
fn outcome_text(observed: &Value) -> String {
    let mut parts = vec![
        observed["caller"].as_str().unwrap_or_default().to_string(),
        format!("state {}", observed["state"].as_str().unwrap_or_default()),
        format!("handler ×{}", observed["handler"]),
    ];
    if let Some(inner) = observed["inner"].as_str() {
        parts.push(format!("the call from the handler {inner}"));
    }
    parts.join("; ")
}

const SECURITY: &str = "
## Security checks (same runs)

`tests/node/fault-matrix/no-eval.test.mjs`: the glue is loaded with `eval`,
`Function` and the async / generator function constructors replaced by traps
and `require(\"vm\")` watched; the own property descriptors of the global
object, `WebAssembly` and its classes, `Promise`, `Function.prototype`,
`Object`, `Array.prototype`, `Error`, `FinalizationRegistry`, `WeakRef`,
`Reflect` and the text codecs must be unchanged after the load, and again after
an abort, a reset and async calls. Passes on every fixture-crate run above
(the suites drive that crate's exports; the fault-crate runs have none of them).

`tests/node/fault-matrix/security.test.mjs`: crafted arguments (`valueOf`,
`Symbol.toPrimitive`, a `Proxy` array) that abort, throw or re-enter while the
glue converts them; imports that swallow a nested `AbortError` or the trap of a
dead frame and return normally; an abort handler that re-enters, resets and
throws; a function taken from an exports object before its instance was
replaced, and an exports object kept across `__wbg_reset_state()`. The dead
instance's own call counter, read from its raw exports, must not move. Passes
on every run above. Fixed with this table (each a `todo` test first, failing on
the runtime before the fix):

- the two exports-object cases above (both ran on the replaced instance);
- **a number argument whose `valueOf` aborts the instance**: the engine
  converted it inside the raw wasm call, after the entry's poison check, so the
  dead instance's Rust code ran until its first import or its return. The
  generated guards now convert each numeric argument themselves, as the engine
  would for its wasm parameter type (`ToNumber` for `i32`, `f32`, `f64`;
  `ToBigInt` for `i64`), then check the flag, then call; the raw call gets
  primitives, whose conversion runs no JS. Exports of unknown type (`...args`
  guards, and the runtime's own guards for table entries) still check the
  flag after the call, so the result at least never reaches the caller;
- **an abort while the glue copies an argument into memory it already
  allocated** (a `Proxy` array read by `passArray32ToWasm0`): the entry's next
  wasm call reached the trapdoor, which reset and forwarded it, so the fresh
  instance got a pointer into the dead one's memory (it read it, then freed
  what it never allocated: a second abort). After an abort the glue's own
  `wasm` binding is now a door that throws the `AbortError` in the abort's own
  synchronous run (every public entry settles the abort before converting, so
  a glue call that meets one then comes from an entry caught in the middle);
  only the next entry resets. Exports objects a caller kept (`__wasm`) still
  reset lazily, and so does the door after that run.
";

const HEADER: &str = "# What happens on each fault

Generated by `tests/fault_matrix.rs` from the runs of
`tests/node/fault-matrix/run.mjs` on the hardened committed fixtures
(`tests/fixtures/out/<build>/nodejs`, `--reset auto`) and on the fault
crate's (`tests/fixtures/fault-out/<build>/nodejs`, the `fault-crate` columns:
G0 (panic=abort), and G1 (wasm-bindgen 0.2.113) and G2 each in both EH encodings; every
entry, the start function included, can be armed to trap with a bare
`unreachable`, run out of memory, overflow the stack, panic or call a throwing
import); the test fails when this
file differs from what the runs produce. Regenerate with
`BLESS=1 cargo test --test fault_matrix`.

Each cell's expectation is written in `tests/node/fault-matrix/cells.mjs` from
the contract (README \"Behaviour after hardening\", `docs/reset.md`), not from a
run; **verified** means a run observed exactly that, and also that:

- every `AbortError` the handler received is the one the caller got, and its
  `cause` is the original `WebAssembly.RuntimeError` or `RangeError`;
- no raw export of an instance was called after that instance aborted or was
  replaced (every instance's exports are wrapped and record such calls);
- no Rust code of an outer frame went on after the fault (`… continued` log
  lines of `call_js`);
- nothing reached the event loop, unless the cell says so;
- the next normal calls (`add`, `greet`) are correct.

Reading a cell: *state kept* means the instance and its state survived (a
`remember` history and a `Counter` made before the fault go on); *replaced*
means the next call ran on a fresh instance and the old `Counter` threw
`StaleObjectError`. *handler ×N* counts calls of the `set_on_abort` handler.
Generations (`docs/inputs.md`): G0 panic=abort; G1 panic=unwind before
wasm-bindgen's own guards (0.2.105–0.2.113, wasm-recover adds catch frames);
G2 panic=unwind with them (0.2.114+), legacy or exnref EH.
";
