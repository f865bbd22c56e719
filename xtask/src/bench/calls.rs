//! Per-call overhead and reset latency, measured by the JS scripts in
//! `xtask/bench/` on a plain and a hardened copy of one nodejs output.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result};
use serde_json::Value;

use crate::util;

const CALLS: &str = "5000000";
const CALL_ROUNDS: &str = "11";
const RESETS: &str = "200";
const RESET_ROUNDS: &str = "11";
const GLUE: &str = "recover_fixture.js";

/// A plain copy of a fixture and a hardened one, in a temporary directory.
pub(crate) struct Pair {
    dir: PathBuf,
}

impl Pair {
    pub(crate) fn prepare(binary: &Path, fixture: &Path) -> Result<Pair> {
        let dir = std::env::temp_dir().join(format!("wasm-recover-bench-{}", std::process::id()));
        util::remove_dir_all(&dir)?;
        util::copy_dir(fixture, &dir.join("plain"))?;
        util::output(
            Command::new(binary)
                .arg(fixture)
                .arg("--out-dir")
                .arg(dir.join("hardened")),
        )?;
        eprintln!(
            "bench: {} (plain and hardened copies in {})",
            fixture.display(),
            dir.display()
        );
        Ok(Pair { dir })
    }

    fn glue(&self, which: &str) -> PathBuf {
        self.dir.join(which).join(GLUE)
    }
}

impl Drop for Pair {
    fn drop(&mut self) {
        // Best effort: a leftover temporary directory is harmless.
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub(crate) fn per_call(node: &Path, pair: &Pair) -> Result<()> {
    let result = script(node, "calls.cjs", pair, &[CALLS, CALL_ROUNDS])?;
    for (case, what) in [
        ("add", "trivial export `add(a, b)`"),
        ("method", "class getter `counter.count`"),
    ] {
        let plain = number(&result, &[case, "plain"])?;
        let hardened = number(&result, &[case, "hardened"])?;
        println!(
            "calls  {what:<30} plain {plain:6.2} ns  hardened {hardened:6.2} ns  ratio {:.3}  (goal <= 1.10)",
            hardened / plain
        );
    }
    Ok(())
}

pub(crate) fn reset(node: &Path, pair: &Pair) -> Result<()> {
    let result = script(node, "reset.cjs", pair, &[RESETS, RESET_ROUNDS])?;
    let bare = number(&result, &["bare"])?;
    let reset = number(&result, &["reset"])?;
    println!(
        "reset  __wbg_reset_state()            bare  {bare:6.1} us  reset    {reset:6.1} us  ratio {:.3}  (goal <= 1.20)",
        reset / bare
    );
    Ok(())
}

fn script(node: &Path, name: &str, pair: &Pair, extra: &[&str]) -> Result<Value> {
    let path = util::project_root().join("xtask/bench").join(name);
    let printed = util::output(
        Command::new(node)
            .arg(&path)
            .arg(pair.glue("plain"))
            .arg(pair.glue("hardened"))
            .args(extra),
    )?;
    serde_json::from_str(printed.trim()).with_context(|| format!("{name} printed `{printed}`"))
}

fn number(value: &Value, path: &[&str]) -> Result<f64> {
    path.iter()
        .try_fold(value, |v, key| v.get(key))
        .and_then(Value::as_f64)
        .with_context(|| format!("no number at {path:?} in {value}"))
}
