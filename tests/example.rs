//! The README's first path, as a user walks it: `examples/hello-recover` is a
//! crate with `[package.metadata.wasm-recover] reset = "manual"`, and `pkg/`
//! its wasm-bindgen output (committed; `cargo xtask example` rebuilds it bit
//! for bit). wasm-recover runs on `pkg/` in a copy of the crate, is configured
//! by that crate's Cargo.toml, and the example's own `demo.mjs` then shows
//! what a host sees: before hardening the tally is bricked by one bad input;
//! after it, the abort is reported, every call throws until the host resets,
//! old objects are stale and new ones work.

use std::path::Path;
use std::process::Command;

use wasm_recover_test_support as support;

fn copy_example(to: &Path) {
    let example = support::project_root().join("examples/hello-recover");
    for part in ["src", "pkg"] {
        support::copy_dir(&example.join(part), &to.join(part)).expect("copy the example");
    }
    std::fs::copy(example.join("Cargo.toml"), to.join("Cargo.toml")).expect("copy Cargo.toml");
}

fn demo(pkg: &Path) -> Vec<String> {
    let node = support::require_engine("node-26").expect("node-26 is installed");
    let script = support::project_root().join("examples/hello-recover/demo.mjs");
    let out = Command::new(node)
        .arg(script)
        .arg(pkg)
        .output()
        .expect("run demo.mjs");
    assert!(
        out.status.success(),
        "demo.mjs failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn unhardened_one_bad_input_bricks_the_tally() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_example(dir.path());
    let lines = demo(&dir.path().join("pkg"));
    assert_eq!(lines[0], "add('the cat and the hat') -> 5");
    assert_eq!(lines[1], "count('the') -> 2");
    assert_eq!(lines[2], "add('well ... ok') -> RuntimeError: unreachable");
    // The panic left the object borrowed: wasm-bindgen refuses it from now on.
    assert!(
        lines[3].starts_with("count('the') after the abort -> Error: recursive use of an object"),
        "{lines:#?}"
    );
}

#[test]
fn hardened_with_the_crates_own_configuration() {
    let dir = tempfile::tempdir().expect("tempdir");
    copy_example(dir.path());
    let pkg = dir.path().join("pkg");
    let run = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .arg(&pkg)
        .output()
        .expect("run wasm-recover");
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    assert!(
        run.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let manifest = std::fs::canonicalize(dir.path().join("Cargo.toml")).expect("exists");
    assert!(
        stdout.starts_with(&format!(
            "configuration: [package.metadata.wasm-recover] in `{}`",
            manifest.display()
        )),
        "{stdout}"
    );
    assert!(stdout.contains("reset=manual"), "{stdout}");

    let lines = demo(&pkg);
    let aborted = "AbortError: aborted in Tally.add()";
    assert_eq!(
        lines,
        [
            "add('the cat and the hat') -> 5".to_string(),
            "count('the') -> 2".to_string(),
            "on_abort: Tally.add() cause RuntimeError".to_string(),
            format!("add('well ... ok') -> {aborted}"),
            // reset = "manual": every call throws the abort until the host resets.
            format!("count('the') after the abort -> {aborted}"),
            format!("new Tally() after the abort -> {aborted}"),
            "reset".to_string(),
            lines[7].clone(),
            "add('a fresh start') -> 3".to_string(),
            "distinct -> 3".to_string(),
            "aborts reported: 1".to_string(),
        ]
    );
    assert!(
        lines[7].starts_with("the old tally after the reset -> StaleObjectError: "),
        "{lines:#?}"
    );
}
