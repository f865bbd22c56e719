//! The bounded soak (issue #12 point 6): the driver `cargo xtask soak` runs
//! for a million calls, here for 20,000 at 1 % aborts on Node 26, as a
//! correctness check only (no timing or memory assertions: the machine is
//! shared). The driver itself compares every normal result of the hardened
//! fixture with a never-aborted unhardened reference and fails on the first
//! difference; this test checks that it ran to the end, that every abort was
//! followed by exactly one reset, and that the live instance's memory stayed
//! at the size normal calls give it.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

#[test]
fn twenty_thousand_mixed_calls_with_one_percent_aborts_match_a_never_aborted_reference() {
    let node = root().join(".cache/engines/node-26/bin/node");
    assert!(
        node.is_file(),
        "Node 26 is missing: run `cargo xtask engines install`"
    );
    let fixture = root().join("tests/fixtures/out/0.2.130-abort/nodejs");
    let dir = tempfile::tempdir().expect("temp dir");
    let hardened = dir.path().join("hardened");
    let cli = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .arg(&fixture)
        .arg("--out-dir")
        .arg(&hardened)
        .output()
        .expect("the CLI runs");
    assert!(
        cli.status.success(),
        "{}",
        String::from_utf8_lossy(&cli.stderr)
    );
    let soak = root().join("xtask/soak");
    let run = Command::new(&node)
        .arg("--expose-gc")
        .arg(soak.join("driver.cjs"))
        .arg(soak.join("fixture.cjs"))
        .arg(&fixture)
        .arg(&hardened)
        .args(["20000", "0.01", "7"])
        .output()
        .expect("node runs");
    assert!(
        run.status.success(),
        "the soak failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report: serde_json::Value =
        serde_json::from_slice(&run.stdout).expect("the driver prints a JSON report");
    let count = |key: &str| report[key].as_u64().expect(key);
    assert_eq!(count("normal") + count("aborts"), 20_000);
    // 1 % of 20,000, give or take the seeded draw.
    assert!((100..=300).contains(&count("aborts")), "{report}");
    assert_eq!(count("resets"), count("aborts"), "one reset per abort");
    let kinds = report["byKind"].as_object().expect("byKind");
    for kind in [
        "panic_now",
        "overflow_stack",
        "add",
        "greet",
        "reverse",
        "Counter",
    ] {
        assert!(kinds.contains_key(kind), "{kind} never ran: {report}");
    }
    // The fixture's normal calls never grow memory past what instantiation
    // gives it (1.1 MiB): a fresh instance after each abort starts there too.
    for sample in report["samples"].as_array().expect("samples") {
        // null: sampled between an abort and its reset.
        let Some(bytes) = sample["memory"].as_u64() else {
            continue;
        };
        assert!(bytes <= 2 << 20, "live wasm memory {bytes} bytes: {sample}");
    }
}
