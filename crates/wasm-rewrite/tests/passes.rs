//! Snapshot tests of the whole pass pipeline, one test per `tests/passes/*.wat`.
//!
//! Each input starts with a directive that builds the [`Plan`]:
//!
//! ```text
//! ;; PLAN: generation=G1 export_stack_pointer=0 stack_pointer_export=__wbr_stack_pointer reset=manual
//! ;; PLAN: stack_pointer_setter=0:__wbr_set_stack_pointer
//! ;; PLAN: generation=G1
//! ```
//!
//! (every key is optional; an empty `;; PLAN:` runs the passes on a G0 plan
//! with nothing to export; `generation=G1` gives the plan the catch frames
//! that `Plan::from_wasm` decides for a G1 module). The harness hardens the module, validates the output with EH
//! features on, checks that the EH encoding did not change (and is not mixed),
//! hardens the output again and requires the same bytes with no pass reporting
//! a change, and compares the report plus the printed module with
//! `<name>.wat.expected`. A case whose harden fails expects `error: <message>`.
//! `BLESS=1` rewrites the expectations.

use std::path::{Path, PathBuf};

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_model::{
    names, Generation, HardenedMark, Options, Plan, ResetMode, StackPointer, Target, WasmFacts,
};
use wasmparser::{Validator, WasmFeatures};

fn main() {
    let args = Arguments::from_args();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/passes");
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/passes exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "wat"))
        .collect();
    inputs.sort();
    let trials = inputs
        .into_iter()
        .map(|path| {
            let name = path
                .file_stem()
                .expect("a .wat file has a stem")
                .to_string_lossy()
                .into_owned();
            Trial::test(name, move || run(&path))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn run(path: &Path) -> Result<(), Failed> {
    let text = std::fs::read_to_string(path)?;
    let plan = plan_from_directive(&text)?;
    let input = wat::parse_str(&text).map_err(|e| format!("bad test input: {e}"))?;
    let actual = match wasm_recover_wasm_rewrite::harden(&input, &plan) {
        Ok(hardened) => {
            check_output(&input, &hardened.wasm, &plan)?;
            let again = wasm_recover_wasm_rewrite::harden(&hardened.wasm, &plan)
                .map_err(|e| format!("second run failed: {e}"))?;
            if again.wasm != hardened.wasm {
                return Err("second run changed the bytes".into());
            }
            if let Some(pass) = again.report.passes.iter().find(|p| p.changed) {
                return Err(format!(
                    "second run: pass `{}` reported a change: {}",
                    pass.name, pass.summary
                )
                .into());
            }
            let mut out = String::new();
            for pass in &hardened.report.passes {
                let what = if pass.changed { "changed" } else { "unchanged" };
                out.push_str(&format!(";; {}: {what}: {}\n", pass.name, pass.summary));
            }
            out.push_str(&wasmprinter::print_bytes(&hardened.wasm)?);
            out
        }
        Err(e) => format!("error: {e}\n"),
    };
    compare(path, &actual)
}

/// Builds the plan from the `;; PLAN:` line.
fn plan_from_directive(text: &str) -> Result<Plan, Failed> {
    let directive = text
        .lines()
        .find_map(|line| line.strip_prefix(";; PLAN:"))
        .ok_or("the test has no `;; PLAN:` line")?;
    let mut export_stack_pointer = None;
    let mut stack_pointer_export = None;
    let mut stack_pointer_setter = None;
    let mut reset = ResetMode::Auto;
    let mut generation = Generation::G0;
    for setting in directive.split_whitespace() {
        let (key, value) = setting
            .split_once('=')
            .ok_or_else(|| format!("`{setting}` is not key=value"))?;
        match key {
            "export_stack_pointer" => export_stack_pointer = Some(value.parse()?),
            "stack_pointer_export" => stack_pointer_export = Some(value.to_string()),
            "stack_pointer_setter" => {
                let (global, name) = value
                    .split_once(':')
                    .ok_or("stack_pointer_setter=<global>:<name>")?;
                stack_pointer_setter = Some((global.parse()?, name.to_string()));
            }
            "generation" => {
                generation = match value {
                    "G0" => Generation::G0,
                    "G1" => Generation::G1,
                    "G2" => Generation::G2,
                    _ => return Err(format!("unknown generation `{value}`").into()),
                }
            }
            "reset" => {
                reset = match value {
                    "auto" => ResetMode::Auto,
                    "manual" => ResetMode::Manual,
                    _ => return Err(format!("unknown reset mode `{value}`").into()),
                }
            }
            _ => return Err(format!("unknown PLAN key `{key}`").into()),
        }
    }
    let mut plan = Plan::from_wasm(
        &WasmFacts::scan(&wat::parse_str(text)?)?,
        Target::Web,
        generation,
        &Options {
            reset,
            ..Options::default()
        },
    );
    // The directive, not the scan, decides what the passes are asked to do.
    let setter = stack_pointer_setter
        .as_ref()
        .map(|(_, name): &(u32, String)| name.clone());
    plan.stack_pointer = match (
        export_stack_pointer,
        stack_pointer_export,
        stack_pointer_setter,
    ) {
        (Some(global), export, _) => Some(StackPointer {
            global,
            export: export.unwrap_or_else(|| names::STACK_POINTER_EXPORT.to_string()),
            add_export: true,
            setter,
        }),
        (None, Some(export), _) => Some(StackPointer {
            global: 0,
            export,
            add_export: false,
            setter,
        }),
        (None, None, Some((global, _))) => Some(StackPointer {
            global,
            export: names::STACK_POINTER_EXPORT.to_string(),
            add_export: false,
            setter,
        }),
        (None, None, None) => None,
    };
    // A fixed version keeps the expectations stable across releases.
    plan.mark = HardenedMark {
        tool_version: "TEST".to_string(),
        reset: reset.as_str().to_string(),
    };
    Ok(plan)
}

/// The output validates, keeps the input's (unmixed) EH encoding, and carries the mark.
fn check_output(input: &[u8], output: &[u8], plan: &Plan) -> Result<(), Failed> {
    let features = WasmFeatures::default()
        | WasmFeatures::EXCEPTIONS
        | WasmFeatures::LEGACY_EXCEPTIONS
        | WasmFeatures::REFERENCE_TYPES;
    Validator::new_with_features(features)
        .validate_all(output)
        .map_err(|e| format!("output does not validate: {e}"))?;
    let before = WasmFacts::scan(input).map_err(|e| format!("input: {e}"))?;
    let after = WasmFacts::scan(output).map_err(|e| format!("output: {e}"))?;
    if before.eh != after.eh {
        return Err(format!("EH encoding changed: {:?} -> {:?}", before.eh, after.eh).into());
    }
    if after.hardened.as_ref() != Some(&plan.mark) {
        return Err(format!("mark is {:?}, not the plan's", after.hardened).into());
    }
    Ok(())
}

fn compare(input: &Path, actual: &str) -> Result<(), Failed> {
    let mut expected_path = input.as_os_str().to_owned();
    expected_path.push(".expected");
    let expected_path = PathBuf::from(expected_path);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&expected_path, actual)?;
        return Ok(());
    }
    let expected = std::fs::read_to_string(&expected_path).map_err(|e| {
        format!(
            "cannot read `{}` ({e}); run with BLESS=1 to create it",
            expected_path.display()
        )
    })?;
    if expected != actual {
        return Err(format!(
            "output differs from `{}` (BLESS=1 rewrites it)\n{}",
            expected_path.display(),
            diff(&expected, actual)
        )
        .into());
    }
    Ok(())
}

/// A line diff good enough to read a failure: every line that differs, with its number.
fn diff(expected: &str, actual: &str) -> String {
    let expected: Vec<&str> = expected.lines().collect();
    let actual: Vec<&str> = actual.lines().collect();
    let mut out = String::new();
    for i in 0..expected.len().max(actual.len()) {
        let (e, a) = (expected.get(i), actual.get(i));
        if e != a {
            if let Some(e) = e {
                out.push_str(&format!("{:>4} - {e}\n", i + 1));
            }
            if let Some(a) = a {
                out.push_str(&format!("{:>4} + {a}\n", i + 1));
            }
        }
    }
    out
}
