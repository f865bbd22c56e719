//! Reference outputs: what hardening changes, as reviewable diffs.
//!
//! Each `tests/reference/<case>/case.toml` names a committed fixture output and
//! the flags to harden it with. The harness hardens a copy with the real
//! binary and compares, file by file:
//! - `glue.diff`, `entry.diff` (split targets' `x.js`) and `d.ts.diff`:
//!   unified diffs from the original files to the hardened ones, so a review
//!   reads only what changed. The
//!   embedded runtime (`js-runtime/src/recovery.js`, tested on its own) is
//!   folded into one placeholder line;
//! - `wasm.txt`: the hardened module's interface (imports, exports, custom
//!   sections) and what differs from the original's;
//! - `output`: what the binary printed, paths replaced by `$OUT`/`$FIXTURE`/`$ROOT`.
//!
//! `BLESS=1 cargo test --test reference` rewrites the expectations. A blessed
//! file is the code's own output, not proof: read its diff in review; every
//! case here has behaviour tests in `tests/node/`.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use similar::TextDiff;
use wasm_recover_test_support as support;
use wasmparser::{Parser, Payload};

fn main() {
    let args = Arguments::from_args();
    let dir = support::project_root().join("tests/reference");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/reference exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("case.toml").is_file())
        .collect();
    cases.sort();
    let trials = cases
        .into_iter()
        .map(|case| {
            let name = case
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            Trial::test(name, move || run(&case))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

struct Case {
    fixture: PathBuf,
    flags: Vec<String>,
}

fn read_case(case: &Path) -> Result<Case, Failed> {
    let text = std::fs::read_to_string(case.join("case.toml")).map_err(|e| e.to_string())?;
    let mut fixture = None;
    let mut flags = Vec::new();
    // Two keys, one per line: `fixture = "<build>/<target>"`, `flags = ["--x", "y"]`.
    for line in text.lines().map(str::trim) {
        if let Some(value) = line.strip_prefix("fixture = ") {
            fixture = Some(value.trim_matches('"').to_string());
        } else if let Some(value) = line.strip_prefix("flags = ") {
            flags = serde_json::from_str(value).map_err(|e| format!("flags: {e}"))?;
        } else if !line.is_empty() && !line.starts_with('#') {
            return Err(format!("case.toml: unknown line `{line}`").into());
        }
    }
    let fixture = fixture.ok_or("case.toml has no `fixture`")?;
    Ok(Case {
        fixture: support::fixtures_dir().join(fixture),
        flags,
    })
}

fn run(case_dir: &Path) -> Result<(), Failed> {
    let case = read_case(case_dir)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = scratch.path().join("out");
    let output = Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .arg(&case.fixture)
        .arg("--out-dir")
        .arg(&out)
        .args(&case.flags)
        .output()
        .map_err(|e| e.to_string())?;
    if !output.status.success() {
        return Err(format!(
            "wasm-recover failed: {}",
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let sanitize = |bytes: &[u8]| {
        String::from_utf8_lossy(bytes)
            .replace(&out.display().to_string(), "$OUT")
            .replace(&case.fixture.display().to_string(), "$FIXTURE")
            .replace(&support::project_root().display().to_string(), "$ROOT")
            .replace(env!("CARGO_PKG_VERSION"), "$VERSION")
    };
    let printed = format!(
        "stdout:\n{}stderr:\n{}",
        sanitize(&output.stdout),
        sanitize(&output.stderr)
    );

    let mut failures = Vec::new();
    let mut check = |name: &str, actual: String| {
        if let Err(e) = compare(&case_dir.join(name), &actual) {
            failures.push(e);
        }
    };
    let (glue, dts, wasm) = files_of(&case.fixture)?;
    check(
        "glue.diff",
        diff(
            &fold_runtime(&read(&case.fixture.join(&glue))?),
            &fold_runtime(&read(&out.join(&glue))?),
            &glue,
        ),
    );
    // Split targets: the entry `x.js` beside the `x_bg.js` glue.
    let entry = glue.replace("_bg.js", ".js");
    if entry != glue && case.fixture.join(&entry).is_file() {
        check(
            "entry.diff",
            diff(
                &read(&case.fixture.join(&entry))?,
                &read(&out.join(&entry))?,
                &entry,
            ),
        );
    }
    if let Some(dts) = dts {
        check(
            "d.ts.diff",
            diff(
                &read(&case.fixture.join(&dts))?,
                &read(&out.join(&dts))?,
                &dts,
            ),
        );
    }
    check(
        "wasm.txt",
        interface_change(&case.fixture.join(&wasm), &out.join(&wasm))?,
    );
    check("output", printed);
    if failures.is_empty() {
        Ok(())
    } else {
        Err(failures.join("\n\n").into())
    }
}

/// The glue that instantiates (`x_bg.js` when there is one), the `.d.ts`, the wasm.
fn files_of(dir: &Path) -> Result<(String, Option<String>, String), Failed> {
    let names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .collect();
    let wasm = names
        .iter()
        .find(|n| n.ends_with("_bg.wasm"))
        .ok_or("no _bg.wasm")?
        .clone();
    let stem = wasm.trim_end_matches("_bg.wasm");
    let bg = format!("{stem}_bg.js");
    let glue = if names.contains(&bg) {
        bg
    } else {
        format!("{stem}.js")
    };
    let dts = format!("{stem}.d.ts");
    Ok((glue, names.contains(&dts).then_some(dts), wasm))
}

fn read(path: &Path) -> Result<String, Failed> {
    std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()).into())
}

/// Replaces the embedded runtime with one line: it is reviewed and tested as
/// `js-runtime/src/recovery.js`, and would drown every diff.
fn fold_runtime(glue: &str) -> String {
    let mut out = Vec::new();
    let mut folding = false;
    for line in glue.lines() {
        let text = line.trim_start();
        if !folding && text.starts_with("const __wbr_runtime = (function () {") {
            folding = true;
        } else if folding && text == "})();" {
            let indent = &line[..line.len() - text.len()];
            out.push(format!(
                "{indent}const __wbr_runtime = /* js-runtime/src/recovery.js */;"
            ));
            folding = false;
        } else if !folding {
            out.push(line.to_string());
        }
    }
    out.join("\n") + "\n"
}

fn diff(before: &str, after: &str, name: &str) -> String {
    TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(2)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
        // The glue's header names the tool version.
        .replace(
            &format!("wasm-recover {} ", env!("CARGO_PKG_VERSION")),
            "wasm-recover $VERSION ",
        )
}

/// Imports, exports and custom sections of the hardened module, each line
/// marked `+` when the original lacks it and `-` when the hardened one does.
fn interface_change(before: &Path, after: &Path) -> Result<String, Failed> {
    let before = interface(&std::fs::read(before).map_err(|e| e.to_string())?)?;
    let after = interface(&std::fs::read(after).map_err(|e| e.to_string())?)?;
    let mut text = String::new();
    for line in &after {
        let mark = if before.contains(line) { ' ' } else { '+' };
        text.push_str(&format!("{mark} {line}\n"));
    }
    for line in before.iter().filter(|l| !after.contains(l)) {
        text.push_str(&format!("- {line}\n"));
    }
    Ok(text)
}

fn interface(wasm: &[u8]) -> Result<Vec<String>, Failed> {
    let mut lines = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(|e| e.to_string())?;
                    lines.push(format!(
                        "import {:?} {:?} {:?}",
                        import.module,
                        import.name,
                        kind_of(&import.ty)
                    ));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export.map_err(|e| e.to_string())?;
                    lines.push(format!(
                        "export {:?} {:?} {}",
                        export.name, export.kind, export.index
                    ));
                }
            }
            Payload::CustomSection(reader) => {
                let data = match reader.name() {
                    // Our mark is short JSON; print it with the version sanitised.
                    "wasm-recover" => String::from_utf8_lossy(reader.data())
                        .replace(env!("CARGO_PKG_VERSION"), "$VERSION"),
                    _ => format!("{} bytes", reader.data().len()),
                };
                lines.push(format!("custom {:?} {data}", reader.name()));
            }
            _ => {}
        }
    }
    Ok(lines)
}

fn kind_of(ty: &wasmparser::TypeRef) -> &'static str {
    match ty {
        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_) => "func",
        wasmparser::TypeRef::Table(_) => "table",
        wasmparser::TypeRef::Memory(_) => "memory",
        wasmparser::TypeRef::Global(_) => "global",
        wasmparser::TypeRef::Tag(_) => "tag",
    }
}

fn compare(expected_path: &Path, actual: &str) -> Result<(), String> {
    if support::bless() {
        std::fs::write(expected_path, actual).map_err(|e| e.to_string())?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(expected_path).unwrap_or_default();
    if expected == actual {
        Ok(())
    } else {
        Err(format!(
            "{} differs (BLESS=1 rewrites it):\n{}",
            expected_path.display(),
            TextDiff::from_lines(expected.as_str(), actual)
                .unified_diff()
                .context_radius(1)
        ))
    }
}
