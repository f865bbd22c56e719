//! The hardened `.d.ts` tells the truth: a strict TypeScript consumer of the
//! recovery API (`tests/types/consumer.ts`) type-checks against the hardened
//! output of every committed fixture build and target, with the real `tsc`
//! (npm `typescript`, installed by `cargo xtask engines install`) and
//! `skipLibCheck` off, so the declarations themselves are checked too.
//!
//! The consumer constructs each error class with its real arguments, narrows
//! with `instanceof` and by `name`, and carries `@ts-expect-error` lines for
//! what must not compile (an `AbortError` without its arguments, writing its
//! `entry`, a handler of the wrong type): a declaration that lets one through
//! makes tsc report an unused directive, and the trial fails.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_test_support as support;

fn main() {
    let args = Arguments::from_args();
    let trials = support::fixture_builds()
        .into_iter()
        .map(|build| Trial::test(build.clone(), move || check_build(&build)))
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn tsc() -> Result<(PathBuf, PathBuf), Failed> {
    let tsc = support::project_root().join(".cache/engines/typescript/bin/tsc");
    let node = support::require_engine("node-26")?;
    if !tsc.is_file() {
        return Err(format!(
            "`{}` is missing: run `bash .ci/setup` (or `cargo xtask engines install`)",
            tsc.display()
        )
        .into());
    }
    Ok((node, tsc))
}

fn check_build(build: &str) -> Result<(), Failed> {
    let (node, tsc) = tsc()?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = scratch.path().join("out");
    support::harden(
        Path::new(env!("CARGO_BIN_EXE_wasm-recover")),
        &support::fixtures_dir().join(build),
        &out,
        &[],
    )?;
    let consumers = support::project_root().join("tests/types");
    let mut files = Vec::new();
    for target in targets(&out)? {
        let dts = format!("{target}/recover_fixture.d.ts");
        if !out.join(&dts).is_file() {
            continue;
        }
        if target == "no-modules" {
            copy(
                &consumers.join("consumer-no-modules.ts"),
                &out.join("consumer-no-modules.ts"),
                None,
            )?;
            files.push(dts);
            files.push("consumer-no-modules.ts".to_string());
        } else {
            let name = format!("consumer-{target}.ts");
            let module = format!("./{target}/recover_fixture.js");
            copy(
                &consumers.join("consumer.ts"),
                &out.join(&name),
                Some(&module),
            )?;
            files.push(name);
        }
    }
    if files.is_empty() {
        return Err(format!("{build}: no hardened `.d.ts` to check").into());
    }
    let config = serde_json::json!({
        "compilerOptions": {
            "strict": true,
            "noEmit": true,
            "skipLibCheck": false,
            "target": "es2022",
            "module": "esnext",
            "moduleResolution": "bundler",
            "lib": ["esnext", "dom"],
            "types": [],
        },
        "files": files,
    });
    std::fs::write(out.join("tsconfig.json"), config.to_string()).map_err(|e| e.to_string())?;
    let result = Command::new(node)
        .arg(tsc)
        .arg("-p")
        .arg(out.join("tsconfig.json"))
        .current_dir(&out)
        .output()
        .map_err(|e| format!("cannot run tsc: {e}"))?;
    if !result.status.success() {
        return Err(format!(
            "tsc rejected the hardened declarations of {build}:\n{}{}",
            String::from_utf8_lossy(&result.stdout),
            String::from_utf8_lossy(&result.stderr)
        )
        .into());
    }
    Ok(())
}

/// The target directories of a hardened build, sorted.
fn targets(out: &Path) -> Result<Vec<String>, Failed> {
    let mut targets: Vec<String> = std::fs::read_dir(out)
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    targets.sort();
    Ok(targets)
}

fn copy(from: &Path, to: &Path, module: Option<&str>) -> Result<(), Failed> {
    let text = std::fs::read_to_string(from).map_err(|e| e.to_string())?;
    let text = match module {
        Some(module) => text.replace("__MODULE__", module),
        None => text,
    };
    std::fs::write(to, text).map_err(|e| e.to_string())?;
    Ok(())
}
