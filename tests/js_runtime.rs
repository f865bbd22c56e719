//! Runs the JS runtime's own node:test suite (`js-runtime/test/`) so that
//! `cargo test` covers it, on the oldest supported Node.

use std::process::Command;

use wasm_recover_test_support as support;

#[test]
fn js_runtime_unit_tests_pass_on_node_20() {
    let node = support::require_engine("node-20").unwrap_or_else(|e| panic!("{e}"));
    let root = support::project_root().join("js-runtime");
    let output = Command::new(node)
        .args(["--expose-gc", "--test", "test/"])
        .current_dir(&root)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "js-runtime tests failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
