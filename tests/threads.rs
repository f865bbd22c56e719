//! The threads fixture (`tests/fixtures/threads-out/`, built by `cargo xtask
//! threads-fixture`): wasm-bindgen 0.2.130 outputs of a crate built with
//! atomics and one shared, imported memory.
//!
//! - wasm-recover hardens each of them as a pool: one poison flag shared by
//!   every worker, reset always refused (docs/threads.md); threads glue of
//!   any other layout is refused by name and left as it is.
//! - `tests/node/threads/shared-memory.test.mjs` runs the outputs as they
//!   are on real workers (Node 26 and Node 20), pinning down the facts the
//!   hardening rests on; `hardened.test.mjs` runs the hardened outputs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasm_recover_test_support as support;

const TARGETS: &[&str] = &["nodejs", "web"];
const WASM: &str = "recover_threads_bg.wasm";

/// This checkout's root. Not `support::project_root()`: that is baked into
/// test-support when it is compiled, and a `target/` copied from another
/// checkout keeps pointing there.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(target: &str) -> PathBuf {
    root().join("tests/fixtures/threads-out").join(target)
}

/// A copy of one target's output in a scratch directory (the web target gets
/// the `package.json` that makes its `.js` an ES module in Node).
fn scratch_copy(target: &str) -> (tempfile::TempDir, PathBuf) {
    let scratch = tempfile::tempdir().expect("scratch dir");
    let dir = scratch.path().join(target);
    support::copy_dir(&fixture(target), &dir).unwrap_or_else(|e| {
        panic!(
            "copy {} to {}: {e}",
            fixture(target).display(),
            dir.display()
        )
    });
    if target == "web" {
        std::fs::write(dir.join("package.json"), "{\"type\":\"module\"}\n")
            .expect("write package.json");
    }
    (scratch, dir)
}

fn wasm_recover(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .args(args)
        .output()
        .expect("run wasm-recover")
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("list the output")
        .map(|e| {
            let path = e.expect("list the output").path();
            let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
            let bytes = std::fs::read(&path).expect("read an output file");
            (name.unwrap_or_default(), bytes)
        })
        .collect();
    files.sort();
    files
}

fn stdout(run: &Output) -> String {
    String::from_utf8_lossy(&run.stdout).into_owned()
}

fn stderr(run: &Output) -> String {
    String::from_utf8_lossy(&run.stderr).into_owned()
}

#[test]
fn every_threads_output_is_hardened_as_a_pool_with_no_reset() {
    for (target, inits) in [
        ("nodejs", &["exports.initSync"][..]),
        ("web", &["initSync", "__wbg_init"][..]),
    ] {
        let (_scratch, dir) = scratch_copy(target);
        let run = wasm_recover(&[&dir]);
        assert_eq!(run.status.code(), Some(0), "{target}: {}", stderr(&run));
        let verdict = stdout(&run);
        assert!(
            verdict.contains(&format!(
                "{WASM}: {target}, wasm-bindgen 0.2.130, G0: hardened (reset=manual;"
            )) && verdict
                .contains("shared-memory pool: one poison flag for every worker, no reset"),
            "{target}: the verdict says it is a pool, never reset: {verdict}"
        );
        // Every init function a worker can be initialised through takes the
        // pool's flag: one left unwrapped would let a worker run unguarded.
        let glue = std::fs::read_to_string(dir.join("recover_threads.js")).expect("read the glue");
        for init in inits {
            assert!(
                glue.contains(&format!("{init} = __wbr.poolInit({init});")),
                "{target}: `{init}` takes the poison flag"
            );
        }

        let again = wasm_recover(&[&dir]);
        assert!(
            stdout(&again).contains("already hardened, unchanged"),
            "{target}: {}{}",
            stdout(&again),
            stderr(&again)
        );
        let check = wasm_recover(&[Path::new("--check"), &dir]);
        assert_eq!(
            check.status.code(),
            Some(0),
            "{target} --check: {}",
            stderr(&check)
        );
    }
}

#[test]
fn threads_glue_of_a_layout_the_rewrite_does_not_know_is_refused_and_left_as_it_is() {
    // The same glue with its init function named: identical behaviour, but
    // not the layout whose init functions the rewrite wraps, so a worker
    // could be initialised without the poison flag. Refused, not guessed.
    let (_scratch, dir) = scratch_copy("nodejs");
    let glue_path = dir.join("recover_threads.js");
    let glue = std::fs::read_to_string(&glue_path).expect("read the glue");
    let renamed = glue.replace(
        "exports.initSync = function(opts) {",
        "exports.initSync = function initSync(opts) {",
    );
    assert_ne!(glue, renamed);
    std::fs::write(&glue_path, renamed).expect("write the glue");
    let before = snapshot(&dir);
    let run = wasm_recover(&[&dir]);
    assert_eq!(run.status.code(), Some(2), "{}", stderr(&run));
    assert!(
        stderr(&run).contains(&format!(
            "{WASM}`: shared memory: the memory imported as `./recover_threads_bg.js`.`memory` is shared \
             (a threads build), and its glue is not a threads layout wasm-recover knows"
        )),
        "the refusal names the file, the memory and the reason: {}",
        stderr(&run)
    );
    assert!(stdout(&run).contains(&format!("{WASM}: REFUSED, left as it is")));
    assert_eq!(snapshot(&dir), before, "a refused output is untouched");
    let check = wasm_recover(&[Path::new("--check"), &dir]);
    assert_eq!(check.status.code(), Some(2), "--check: {}", stderr(&check));
}

#[test]
fn an_npm_package_loading_a_threads_output_is_hardened_at_its_entry_point() {
    let (_scratch, dir) = scratch_copy("nodejs");
    std::fs::write(
        dir.join("package.json"),
        "{\"name\":\"threads-pkg\",\"version\":\"1.0.0\",\"main\":\"recover_threads.js\"}\n",
    )
    .expect("write package.json");
    let run = wasm_recover(&[&dir]);
    assert_eq!(run.status.code(), Some(0), "{}", stderr(&run));
    assert!(
        stdout(&run).contains("main -> ") && stdout(&run).contains("shared-memory pool"),
        "{}",
        stdout(&run)
    );
}

/// Runs one suite of tests/node/threads on one engine over both targets:
/// the outputs as built (`shared-memory.test.mjs`, the facts hardening rests
/// on) or hardened first (`hardened.test.mjs`).
fn worker_suite(engine: &str, suite: &str, harden: bool) {
    let node = support::require_engine(engine).expect("engine installed by .ci/setup");
    let suite = root().join("tests/node/threads").join(suite);
    for target in TARGETS {
        let (_scratch, dir) = scratch_copy(target);
        if harden {
            let run = wasm_recover(&[&dir]);
            assert_eq!(run.status.code(), Some(0), "{target}: {}", stderr(&run));
        }
        let run = Command::new(&node)
            .arg("--test")
            .arg("--test-reporter=spec")
            .arg(&suite)
            .env("THREADS_DIR", &dir)
            .env("THREADS_TARGET", target)
            .output()
            .expect("run node");
        assert!(
            run.status.success(),
            "{engine} {target}:\n{}\n{}",
            stdout(&run),
            stderr(&run)
        );
    }
}

#[test]
fn unhardened_workers_share_one_memory_on_node_26() {
    worker_suite("node-26", "shared-memory.test.mjs", false);
}

#[test]
fn unhardened_workers_share_one_memory_on_node_20() {
    worker_suite("node-20", "shared-memory.test.mjs", false);
}

#[test]
fn a_hardened_pool_is_poisoned_by_one_abort_and_rebuilt_on_node_26() {
    worker_suite("node-26", "hardened.test.mjs", true);
}

#[test]
fn a_hardened_pool_is_poisoned_by_one_abort_and_rebuilt_on_node_20() {
    worker_suite("node-20", "hardened.test.mjs", true);
}
