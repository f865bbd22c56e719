//! `cargo xtask npm-packages survey`: where the current tool stands on every
//! package of `tests/npm/packages.json`, as the Markdown table of
//! docs/npm-corpus.md.
//!
//! For each package it runs the CLI built from this tree
//! (`target/debug/wasm-recover`, run `cargo build` first) at the package
//! root with `--out-dir` (the installed copy stays untouched), then `--check`
//! on the result. When the root is hardened, it runs the package's script on
//! Node 26 against the original and the hardened copy, both laid out under
//! `node_modules/` and loaded through the package's own entry points, and
//! reports whether the transcripts are identical and whether the abort loop
//! held (no normal call changed, every abort an `AbortError`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result};
use serde_json::Value;

use crate::{engines, util};

pub(crate) fn run() -> Result<ExitCode> {
    let root = util::project_root();
    let cli = root.join("target/debug/wasm-recover");
    anyhow::ensure!(
        cli.is_file(),
        "{} is missing: run `cargo build` first",
        cli.display()
    );
    let node = engines::installed("node-26")?;
    let json: Value = serde_json::from_slice(&util::read(&root.join("tests/npm/packages.json"))?)?;
    let packages = json["packages"].as_array().context("no `packages` array")?;
    println!("| package | version | shapes | wasm-bindgen | generation | hardened at root? / refusal | transcript identical? | abort loop? |");
    println!("|---|---|---|---|---|---|---|---|");
    for package in packages {
        let row = survey(&root, &cli, &node, package)?;
        println!("{row}");
    }
    Ok(ExitCode::SUCCESS)
}

fn text(package: &Value, key: &str) -> String {
    package[key].as_str().unwrap_or("?").to_string()
}

fn survey(root: &Path, cli: &Path, node: &Path, package: &Value) -> Result<String> {
    let (name, version) = (text(package, "name"), text(package, "version"));
    let installed = root.join(".cache/npm").join(format!("{name}@{version}"));
    let shapes: Vec<&str> = package["shapes"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let prefix = format!(
        "| {name} | {version} | {} | {} | {} |",
        shapes.join(", "),
        text(package, "wasm_bindgen"),
        text(package, "generation")
    );
    if !installed.join("package.json").is_file() {
        return Ok(format!("{prefix} not installed | – | – |"));
    }
    // Scratch space under target/, emptied per package.
    let scratch = root
        .join("target/npm-survey")
        .join(format!("{name}@{version}").replace('/', "+"));
    util::remove_dir_all(&scratch)?;
    let out = scratch.join("hardened");
    let harden = Command::new(cli)
        .arg(&installed)
        .arg("--out-dir")
        .arg(&out)
        .output()?;
    if !harden.status.success() {
        return Ok(format!(
            "{prefix} refused: {} | – | – |",
            first_error(&harden.stderr, &installed)
        ));
    }
    let check = Command::new(cli).arg("--check").arg(&out).output()?;
    if !check.status.success() {
        return Ok(format!(
            "{prefix} hardened, but `--check` disagrees: {} | – | – |",
            first_error(&check.stdout, &out)
        ));
    }
    // A success that leaves a file the entry points load unchanged is a
    // partial hardening: say so rather than "yes".
    let mut unchanged = Vec::new();
    for file in package["loads"].as_array().map_or(&[][..], Vec::as_slice) {
        let file = file.as_str().unwrap_or_default();
        if util::read(&installed.join(file))? == util::read(&out.join(file))? {
            unchanged.push(file);
        }
    }
    let hardened = if unchanged.is_empty() {
        "yes".to_string()
    } else {
        format!(
            "yes, but left {} unchanged (the entry points load it)",
            unchanged.join(", ")
        )
    };
    let before = run_script(root, node, package, &installed, &scratch.join("before"))?;
    let after = run_script(root, node, package, &out, &scratch.join("after"))?;
    let (before, after) = match (before, after) {
        (Ok(b), Ok(a)) => (b, a),
        (Err(e), _) => return Ok(format!("{prefix} {hardened} | original fails: {e} | – |")),
        (_, Err(e)) => {
            return Ok(format!(
                "{prefix} {hardened} | no: hardened fails: {e} | – |"
            ))
        }
    };
    let identical = if before["transcript"] == after["transcript"] {
        "yes".to_string()
    } else {
        let calls = before["transcript"].as_array().map_or(0, Vec::len);
        let differing = (0..calls)
            .filter(|&i| before["transcript"][i] != after["transcript"][i])
            .count();
        format!("no ({differing} of {calls} calls differ)")
    };
    let abort_loop = match (&before.get("abortLoop"), &after.get("abortLoop")) {
        (Some(b), Some(a)) => {
            let held = a["normalChanged"].as_u64() == Some(0)
                && a["outcomes"].as_array().is_some_and(|o| {
                    o.len() == 1 && o[0]["threw"]["type"].as_str() == Some("AbortError")
                });
            format!(
                "{} (original: {} of {} normal calls changed)",
                if held { "held" } else { "FAILED" },
                b["normalChanged"],
                b["rounds"]
            )
        }
        _ => "none".to_string(),
    };
    Ok(format!(
        "{prefix} {hardened} | {identical} | {abort_loop} |"
    ))
}

/// The CLI's first `error:` line, with the package path made relative.
fn first_error(output: &[u8], dir: &Path) -> String {
    let text = String::from_utf8_lossy(output);
    let line = text
        .lines()
        .find(|l| l.starts_with("error:") || l.contains("needs hardening"))
        .or_else(|| text.lines().next())
        .unwrap_or("(no output)");
    line.replace(&format!("{}/", dir.display()), "")
        .replace(&dir.display().to_string(), "<package>")
        .replace('|', "\\|")
}

/// Lays out tests/npm and `package_dir` as `node_modules/<name>` (and its
/// `with` dependencies) under `at`, runs the script on `node`.
fn run_script(
    root: &Path,
    node: &Path,
    package: &Value,
    package_dir: &Path,
    at: &Path,
) -> Result<Result<Value, String>> {
    util::copy_dir(&root.join("tests/npm"), at)?;
    util::copy_dir(
        package_dir,
        &at.join("node_modules").join(text(package, "name")),
    )?;
    for dependency in package["with"].as_array().map_or(&[][..], Vec::as_slice) {
        let (name, version) = (text(dependency, "name"), text(dependency, "version"));
        let dir: PathBuf = root.join(".cache/npm").join(format!("{name}@{version}"));
        util::copy_dir(&dir, &at.join("node_modules").join(&name))?;
    }
    let output = Command::new(node)
        .arg(at.join(text(package, "script")))
        .current_dir(at)
        .output()?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr
            .lines()
            .rev()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("");
        return Ok(Err(format!(
            "exit {}: {}",
            output.status,
            last.replace('|', "\\|")
        )));
    }
    Ok(serde_json::from_slice(&output.stdout).map_err(|e| format!("no JSON transcript: {e}")))
}
