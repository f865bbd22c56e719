//! `cargo xtask real-crates [--check] [--only CELL|VERSION|PROFILE] [--missing]`: builds the thin
//! `#[wasm_bindgen]` wrappers of `tests/fixtures/real-crates/` (ropey, chrono,
//! petgraph: crates we did not write) with `panic=unwind` over the matrix of
//! docs/real-crates.md and commits each CLI's `nodejs` output in
//! `tests/fixtures/real-crates/out/<crate>/<cell>/`, recorded in
//! `tests/fixtures/real-crates/manifest.json`.
//!
//! A cell is a wasm-bindgen version, an exception-handling encoding, an
//! opt-level and an LTO setting (`0.2.130-exnref-os-ltofat`). The matrix is
//! the whole cross product: 5 versions x 2 encodings x 3 opt-levels x 2 LTO,
//! 60 cargo builds (about 45 minutes from nothing on 2 idle cores; `--missing`
//! builds only the cells the manifest lacks).
//!
//! The workspace is copied to one fixed directory (`target/real-crates/ws`,
//! remapped to `/real-crates`) and built into one target directory for every
//! cell, so std (rebuilt by `-Zbuild-std`) is compiled once per profile and
//! encoding, not once per version. Reproducibility rests on the same things
//! as `cargo xtask fixtures` (lockfile per version, exact nightly, path
//! remapping, CLIs from their own lockfiles). A CLI that fails on a build, or
//! writes a module that does not validate, is recorded in the manifest as a
//! finding about that CLI (`cli_error`), not built further.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::fixtures::{ensure_cli, ensure_wasm_target, locked_version, pin_wasm_bindgen};
use crate::util;

/// The wrapped crates: workspace member directory and cdylib name.
const CRATES: &[(&str, &str)] = &[
    ("ropey", "real_ropey"),
    ("chrono", "real_chrono"),
    ("petgraph", "real_petgraph"),
];
const NIGHTLY: &str = "nightly";
const OUT_NAME: &str = "real_crate";
const BUILD_STD: &str = "std,panic_unwind";
/// CLIs that order their output differently from run to run (see
/// xtask/src/fixtures.rs): `--check` compares only the cargo build for them.
const CLI_UNREPRODUCIBLE: &[&str] = &["0.2.105"];

/// One build of the matrix.
#[derive(Clone, Copy)]
struct Cell {
    wasm_bindgen: &'static str,
    /// `legacy` or `exnref`.
    eh: &'static str,
    /// `3`, `s` or `z`.
    opt: &'static str,
    /// `off` or `fat`.
    lto: &'static str,
}

impl Cell {
    fn id(&self) -> String {
        format!(
            "{}-{}-o{}-lto{}",
            self.wasm_bindgen, self.eh, self.opt, self.lto
        )
    }

    fn rustflags(&self) -> &'static [&'static str] {
        match self.eh {
            "legacy" => &["-Cpanic=unwind", "-Cllvm-args=-wasm-use-legacy-eh=true"],
            _ => &["-Cpanic=unwind"],
        }
    }
}

const fn cell(
    wasm_bindgen: &'static str,
    eh: &'static str,
    opt: &'static str,
    lto: &'static str,
) -> Cell {
    Cell {
        wasm_bindgen,
        eh,
        opt,
        lto,
    }
}

/// The wasm-bindgen versions of the matrix: the G1 versions issue #10 names
/// (0.2.105 and 0.2.106 without std's cleanup in the module, 0.2.110 and
/// 0.2.113 with it) and the newest (G2), newest first.
const VERSIONS: &[&str] = &["0.2.130", "0.2.113", "0.2.110", "0.2.106", "0.2.105"];
const ENCODINGS: &[&str] = &["legacy", "exnref"];
/// opt-level x LTO, the fixtures' profile (`s`, fat) first.
const PROFILES: &[(&str, &str)] = &[
    ("s", "fat"),
    ("s", "off"),
    ("3", "fat"),
    ("3", "off"),
    ("z", "fat"),
    ("z", "off"),
];

/// The whole cross product (docs/real-crates.md): 6 profiles x 2 encodings x
/// 5 versions = 60 cells, a profile at a time, so an interrupted run has
/// every version at the profiles it finished.
fn matrix() -> Vec<Cell> {
    let mut cells = Vec::new();
    for &(opt, lto) in PROFILES {
        for &eh in ENCODINGS {
            for &version in VERSIONS {
                cells.push(cell(version, eh, opt, lto));
            }
        }
    }
    cells
}

struct Flags {
    check: bool,
    only: Option<String>,
    /// Build only the cells the manifest does not record yet.
    missing: bool,
}

fn parse(args: &[String]) -> Result<Flags> {
    let mut flags = Flags {
        check: false,
        only: None,
        missing: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--check" => flags.check = true,
            "--missing" => flags.missing = true,
            "--only" => {
                flags.only = Some(
                    args.next()
                        .context("`--only` needs a cell id or a version")?
                        .clone(),
                )
            }
            other => bail!("unknown flag `{other}` for `real-crates`"),
        }
    }
    if let Some(only) = &flags.only {
        ensure!(
            matrix().iter().any(|c| selected(c, only)),
            "`--only {only}`: no cell of the matrix has that id or version"
        );
    }
    Ok(flags)
}

/// `--only` takes a version (`0.2.105`), a cell (`0.2.105-legacy-o3-ltooff`)
/// or what follows the version in cell ids (`legacy-o3-ltooff`, `o3-ltooff`).
fn selected(cell: &Cell, only: &str) -> bool {
    let id = cell.id();
    only == cell.wasm_bindgen || only == id || id.ends_with(&format!("-{only}"))
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    if args.first().map(String::as_str) == Some("report") {
        return report(&args[1..]);
    }
    let flags = parse(args)?;
    let root = util::project_root();
    let src = root.join("tests/fixtures/real-crates");
    let build = root.join("target").join(if flags.check {
        "real-crates-check"
    } else {
        "real-crates"
    });
    let out = if flags.check {
        build.join("out")
    } else {
        src.join("out")
    };
    let manifest_path = src.join("manifest.json");
    let mut manifest: BTreeMap<String, Value> = if manifest_path.exists() {
        serde_json::from_slice(&util::read(&manifest_path)?).context("manifest.json")?
    } else {
        BTreeMap::new()
    };
    if flags.check {
        util::remove_dir_all(&build)?;
    }
    let sysroot = ensure_wasm_target(NIGHTLY, true)?;
    let rustc = util::output(Command::new("rustup").args(["run", NIGHTLY, "rustc", "--version"]))?
        .trim()
        .to_string();
    let mut fresh = BTreeMap::new();
    for cell in &matrix() {
        if flags.only.as_deref().is_some_and(|o| !selected(cell, o)) {
            continue;
        }
        let id = cell.id();
        if flags.missing && !flags.check && manifest.contains_key(&id) {
            continue;
        }
        eprintln!("==> {id}");
        let entry = build_cell(cell, &src, &build, &out, &sysroot, &rustc, flags.check)
            .with_context(|| format!("failed to build cell `{id}`"))?;
        if !flags.check {
            // After every cell, so an interrupted run keeps what it built.
            manifest.insert(id.clone(), entry.clone());
            util::write(
                &manifest_path,
                serde_json::to_string_pretty(&manifest)? + "\n",
            )?;
        }
        fresh.insert(id, entry);
    }
    if flags.check {
        return check(&manifest, &fresh, &src.join("out"), &out);
    }
    eprintln!("wrote {}", manifest_path.display());
    Ok(ExitCode::SUCCESS)
}

/// Builds the workspace for one cell and runs the cell's CLI on each crate.
fn build_cell(
    cell: &Cell,
    src: &Path,
    build: &Path,
    out: &Path,
    sysroot: &Path,
    rustc: &str,
    check: bool,
) -> Result<Value> {
    let v = cell.wasm_bindgen;
    let ws = build.join("ws");
    util::remove_dir_all(&ws)?;
    let mut sources = Vec::new();
    for rel in util::list_files(src)? {
        if rel.starts_with("out/")
            || rel.starts_with("locks/")
            || rel.starts_with("target/")
            || rel == "manifest.json"
            || rel == "Cargo.lock"
        {
            continue;
        }
        let bytes = util::read(&src.join(&rel))?;
        sources.push(json!({ "path": rel, "sha256": util::sha256_hex(&bytes) }));
        if rel == "Cargo.toml" {
            let text = String::from_utf8(bytes).context("Cargo.toml is not UTF-8")?;
            util::write(&ws.join(&rel), pin_wasm_bindgen(&text, v)?)?;
        } else {
            util::write(&ws.join(&rel), bytes)?;
        }
    }
    let lock = src.join("locks").join(format!("{v}.lock"));
    if lock.exists() {
        util::copy(&lock, &ws.join("Cargo.lock"))?;
    } else if check {
        bail!(
            "`{}` is missing: run `cargo xtask real-crates --only {v}` first",
            lock.display()
        );
    } else {
        util::run(
            util::cargo(NIGHTLY)
                .arg("generate-lockfile")
                .current_dir(&ws),
        )?;
        let text = String::from_utf8(util::read(&ws.join("Cargo.lock"))?)?;
        ensure!(
            locked_version(&text, "wasm-bindgen") == Some(v),
            "the generated Cargo.lock does not lock wasm-bindgen {v}"
        );
        util::copy(&ws.join("Cargo.lock"), &lock)?;
    }

    util::create_dir_all(build)?;
    let build = build.canonicalize()?;
    let ws = build.join("ws");
    let target_dir = build.join("target");
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let sysroot = sysroot.canonicalize().unwrap_or(sysroot.to_path_buf());
    let mut rustflags = vec![
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/real-crates", ws.display()),
        format!("--remap-path-prefix={}=/sysroot", sysroot.display()),
    ];
    rustflags.extend(cell.rustflags().iter().map(|f| f.to_string()));
    util::run(
        util::cargo(NIGHTLY)
            .args(["build", "--release", "--locked", "--workspace", "--target"])
            .arg(crate::fixtures::WASM_TARGET)
            .arg(format!("-Zbuild-std={BUILD_STD}"))
            .current_dir(&ws)
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", cell.opt)
            .env("CARGO_PROFILE_RELEASE_LTO", cell.lto)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f")),
    )?;

    let cli = ensure_cli(v, "stable")?;
    let cli_version = util::output(Command::new(&cli).arg("--version"))?
        .trim()
        .to_string();
    let mut crates = serde_json::Map::new();
    for &(dir, lib) in CRATES {
        let wasm = target_dir
            .join(crate::fixtures::WASM_TARGET)
            .join("release")
            .join(format!("{lib}.wasm"));
        let wasm_bytes = util::read(&wasm)?;
        let dest = out.join(dir).join(cell.id());
        util::remove_dir_all(&dest)?;
        let ran = Command::new(&cli)
            .arg(&wasm)
            .args(["--out-dir"])
            .arg(&dest)
            .args(["--out-name", OUT_NAME, "--target", "nodejs"])
            .output()
            .with_context(|| format!("failed to start `{}`", cli.display()))?;
        let mut entry = json!({
            "wasm": { "sha256": util::sha256_hex(&wasm_bytes), "size": wasm_bytes.len() },
        });
        let map = entry.as_object_mut().expect("object");
        if !ran.status.success() {
            // A finding about this CLI: nothing is committed for the cell.
            util::remove_dir_all(&dest)?;
            let failure = cli_failure(&String::from_utf8_lossy(&ran.stderr));
            eprintln!("    {dir}: {cli_version} failed: {failure}");
            map.insert("cli_error".into(), json!(failure));
        } else {
            let mut files = Vec::new();
            for rel in util::list_files(&dest)? {
                let bytes = util::read(&dest.join(&rel))?;
                files.push(
                    json!({ "path": rel, "sha256": util::sha256_hex(&bytes), "size": bytes.len() }),
                );
            }
            map.insert("files".into(), json!(files));
        }
        crates.insert(dir.to_string(), entry);
    }
    Ok(json!({
        "build_std": BUILD_STD,
        "cli": cli_version,
        "crates": crates,
        "eh": cell.eh,
        "lockfile": {
            "path": format!("tests/fixtures/real-crates/locks/{v}.lock"),
            "sha256": util::sha256_hex(&util::read(&lock)?),
        },
        "lto": cell.lto,
        "opt_level": cell.opt,
        "panic": "unwind",
        "rustc": rustc,
        "rustflags": format!(
            "--remap-path-prefix=${{CARGO_HOME}}=/cargo --remap-path-prefix=${{BUILD_DIR}}=/real-crates \
             --remap-path-prefix=${{SYSROOT}}=/sysroot {}",
            cell.rustflags().join(" ")
        ),
        "sources": sources,
        "toolchain": NIGHTLY,
        "wasm_bindgen": v,
    }))
}

/// What a failed CLI run is recorded as: its first line of stderr, and for a
/// Rust panic the panic's message too (the line after `panicked at …:`),
/// without the thread id and the cargo registry's directory, which change
/// from run to run and machine to machine and would make `--check` see a
/// different verdict.
fn cli_failure(stderr: &str) -> String {
    let mut lines = stderr.lines().map(str::trim).filter(|l| !l.is_empty());
    let first = lines.next().unwrap_or("");
    let Some((_, at)) = first.split_once(" panicked at ") else {
        return first.to_string();
    };
    // `<CARGO_HOME>/registry/src/<index>-<hash>/<crate>-<version>/…`
    let at = match at.split_once("/registry/src/") {
        Some((_, rest)) => rest.split_once('/').map_or(rest, |(_, source)| source),
        None => at,
    };
    match lines.next() {
        Some(message) => format!("panicked at {at} {message}"),
        None => format!("panicked at {at}"),
    }
}

/// Compares a from-scratch build with the committed manifest and outputs.
fn check(
    committed: &BTreeMap<String, Value>,
    fresh: &BTreeMap<String, Value>,
    committed_out: &Path,
    fresh_out: &Path,
) -> Result<ExitCode> {
    let mut differences = Vec::new();
    for (id, entry) in fresh {
        let Some(old) = committed.get(id) else {
            differences.push(format!("{id}: not in the committed manifest"));
            continue;
        };
        let v = entry["wasm_bindgen"].as_str().unwrap_or_default();
        for &(dir, _) in CRATES {
            let (new_c, old_c) = (&entry["crates"][dir], &old["crates"][dir]);
            if new_c["wasm"] != old_c["wasm"] {
                differences.push(format!("{id}/{dir}: the cargo build differs"));
            }
            if new_c["cli_error"] != old_c["cli_error"] {
                differences.push(format!("{id}/{dir}: the CLI's verdict differs"));
            }
            if CLI_UNREPRODUCIBLE.contains(&v) {
                continue;
            }
            let rel: PathBuf = [dir, id.as_str()].iter().collect();
            for file in util::list_files(&fresh_out.join(&rel))? {
                let a = util::read(&fresh_out.join(&rel).join(&file))?;
                let b = std::fs::read(committed_out.join(&rel).join(&file)).unwrap_or_default();
                if a != b {
                    differences.push(format!(
                        "{id}/{dir}/{file}: differs from the committed file"
                    ));
                }
            }
        }
    }
    if differences.is_empty() {
        eprintln!("real-crates: {} cells up to date", fresh.len());
        Ok(ExitCode::SUCCESS)
    } else {
        for d in &differences {
            eprintln!("{d}");
        }
        Ok(ExitCode::from(1))
    }
}

/// `cargo xtask real-crates report [--bench CELL]... [--node NAME]`: hardens
/// every committed output with `target/debug/wasm-recover` (build it first)
/// and prints docs/real-crates.md's table: the CLI's verdict, the summary
/// line's frames (or `ABORT SEMANTICS`), module growth; with `--bench`, the
/// per-call cost of the named cells against their unhardened copy.
fn report(args: &[String]) -> Result<ExitCode> {
    let mut bench: Vec<String> = Vec::new();
    let mut node_name = "node-26".to_string();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--bench" => bench.push(args.next().context("--bench needs a cell id")?.clone()),
            "--node" => node_name = args.next().context("--node needs an engine")?.clone(),
            other => bail!("unknown flag `{other}` for `real-crates report`"),
        }
    }
    let root = util::project_root();
    let binary = root.join("target/debug/wasm-recover");
    ensure!(
        binary.is_file(),
        "`{}` is missing: run `cargo build -p wasm-recover`",
        binary.display()
    );
    let node = root
        .join(".cache/engines")
        .join(&node_name)
        .join("bin/node");
    let src = root.join("tests/fixtures/real-crates");
    let manifest: BTreeMap<String, Value> =
        serde_json::from_slice(&util::read(&src.join("manifest.json"))?)
            .context("manifest.json")?;
    let scratch = std::env::temp_dir().join(format!("wasm-recover-real-{}", std::process::id()));
    println!("| crate | cell | CLI | wasm-recover summary | wasm bytes | hardened | growth |");
    println!("|---|---|---|---|---:|---:|---:|");
    let mut costs = Vec::new();
    for (id, entry) in &manifest {
        for &(dir, _) in CRATES {
            let c = &entry["crates"][dir];
            if let Some(err) = c["cli_error"].as_str() {
                println!(
                    "| {dir} | {id} | fails: `{err}` | - | {} | - | - |",
                    c["wasm"]["size"]
                );
                continue;
            }
            let fixture = src.join("out").join(dir).join(id);
            let out = scratch.join(dir).join(id);
            util::remove_dir_all(&out)?;
            let ran = Command::new(&binary)
                .arg(&fixture)
                .arg("--out-dir")
                .arg(&out)
                .output()?;
            let stdout = String::from_utf8_lossy(&ran.stdout);
            let summary = stdout
                .lines()
                .find(|l| l.contains("_bg.wasm:"))
                .map(|l| l.split_once("_bg.wasm: ").map_or(l, |(_, s)| s).to_string());
            let plain = util::read(&fixture.join(format!("{OUT_NAME}_bg.wasm")))?.len();
            match summary {
                Some(summary) if ran.status.success() => {
                    let hardened = util::read(&out.join(format!("{OUT_NAME}_bg.wasm")))?.len();
                    let growth = hardened as f64 - plain as f64;
                    println!(
                        "| {dir} | {id} | ok | {} | {plain} | {hardened} | {growth:+} ({:+.2}%) |",
                        summary.replace('|', "\\|"),
                        100.0 * growth / plain as f64
                    );
                }
                _ => {
                    let stderr = String::from_utf8_lossy(&ran.stderr);
                    let reason = stderr.lines().last().unwrap_or("").replace('|', "\\|");
                    println!("| {dir} | {id} | ok | REFUSED: {reason} | {plain} | - | - |");
                    continue;
                }
            }
            if bench.iter().any(|b| b == id) {
                let printed = util::output(
                    Command::new(&node)
                        .arg(root.join("xtask/bench/real-calls.cjs"))
                        .arg(fixture.join(format!("{OUT_NAME}.js")))
                        .arg(out.join(format!("{OUT_NAME}.js")))
                        .args(["200000", "7"]),
                )?;
                costs.push(format!("{dir} {id}: {}", printed.trim()));
            }
        }
    }
    for line in costs {
        println!("calls {line}");
    }
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::cli_failure;

    #[test]
    fn a_cli_panic_is_recorded_with_its_message_and_without_the_thread_id() {
        let stderr = "\nthread 'main' (27584) panicked at /root/.cargo/registry/src/index.crates.io-1949cf8c6b5b557f/\
                      wasm-bindgen-cli-support-0.2.105/src/interpreter/mod.rs:209:17:\n\
                      __wbindgen_describe_f: unknown instruction TryTable\nstack backtrace:\n";
        assert_eq!(
            cli_failure(stderr),
            "panicked at wasm-bindgen-cli-support-0.2.105/src/interpreter/mod.rs:209:17: \
             __wbindgen_describe_f: unknown instruction TryTable"
        );
        assert_eq!(
            cli_failure("thread 'main' panicked at src/main.rs:3:5:\nboom"),
            "panicked at src/main.rs:3:5: boom"
        );
        assert_eq!(cli_failure("error: bad input\nmore"), "error: bad input");
        assert_eq!(cli_failure(""), "");
    }
}
