//! Behaviour tests: every committed fixture, hardened by the real binary, runs
//! the node:test suites in `tests/node/` on real Node versions.
//!
//! One trial per (fixture build, target, engine, reset mode), named like
//! `0.2.100-abort/nodejs/node-20/auto`, so `cargo test --test node -- 0.2.84`
//! filters.
//!
//! - panic=abort builds: the nodejs target on every Node, the other targets on
//!   the oldest and newest Node that load them. The full 100,000-round stress
//!   runs on the newest build and newest Node for `nodejs` and for `bundler`
//!   (whose host, Node's wasm ESM integration, exposes the stack pointer global
//!   as a number: only the setter export restores it); other trials run 2,000.
//! - panic=unwind builds (G1 with catch frames, G2 with wasm-bindgen's own
//!   guards taken over): the nodejs target with legacy EH on Node 20 to 26,
//!   exnref on Node 22, 24, 26 and on Node 26 with legacy EH switched off
//!   (`node-26-exnref-only`), plus each exnref build hardened with
//!   `--eh legacy` on Node 20, which has no exnref; the other targets on
//!   Node 26. The full 10,000 panics in a row run on one trial per build.
//! - variants (the same wasm through the CLI with other flags, e.g.
//!   `0.2.130-abort-reset-state`) change only the glue: Node 26.
//! - transformed glue (`…/variant-<name>`): the 0.2.100 and 0.2.130 abort
//!   builds' `nodejs` and `web` glue with CRLF, a BOM and regex literals, or
//!   with `var X = class X` classes (test-support's `glue_variants`),
//!   hardened and run like the original: Node 26.
//! - glue through real tools (`…/tool-<name>`, test-support's
//!   `glue_variants_tools`: prettier, esbuild's minifier and bundler): every
//!   output `tests/glue_tool_outcomes.txt` records as hardened among the same
//!   0.2.100 and 0.2.130 `nodejs` and `web` outputs, plus every hardened
//!   output of a minifier or bundler variant whatever its build (the risky
//!   ones: a rewrite that missed a renamed binding shows only in behaviour).
//!   Refused variants have no behaviour to run. Node 26.

use std::path::{Path, PathBuf};
use std::process::Command;

use libtest_mimic::{Arguments, Failed, Trial};
use wasm_recover_test_support as support;
use wasm_recover_test_support::glue_variants;
use wasm_recover_test_support::glue_variants_tools::{self, ToolVariant};

/// Targets Node can load directly (the others run in Deno or a browser).
/// `bundler` runs through Node's wasm ESM integration, which plays the bundler.
const NODE_TARGETS: &[&str] = &[
    "nodejs",
    "web",
    "no-modules",
    "bundler",
    "experimental-nodejs-module",
    "module",
];
const ALL_NODES: &[&str] = &["node-20", "node-22", "node-24", "node-26"];
const FULL_STRESS: &str = "100000";
const QUICK_STRESS: &str = "2000";
const FULL_PANICS: &str = "10000";
const QUICK_PANICS: &str = "2000";
/// Node 26 with legacy exception handling switched off.
const EXNREF_ONLY: &str = "node-26-exnref-only";

/// What one trial runs.
#[derive(Clone)]
struct Run {
    target: String,
    engine: String,
    reset: String,
    fixture: PathBuf,
    panic: &'static str,
    extra_flags: Vec<String>,
    stress: &'static str,
    panics: &'static str,
    /// A transformation applied to the fixture's glue before hardening.
    variant: Option<glue_variants::Variant>,
    /// A real tool run over the fixture's glue before hardening.
    tool: Option<&'static ToolVariant>,
}

/// Builds whose transformed glue runs the suites, and the transformations.
const VARIANT_BUILDS: &[&str] = &["0.2.100-abort", "0.2.130-abort"];
const VARIANT_TARGETS: &[&str] = &["nodejs", "web"];
const NODE_VARIANTS: &[glue_variants::Variant] = &[
    ("crlf-bom-regex", glue_variants::crlf_bom_regex),
    ("var-class", glue_variants::var_class),
];

fn main() {
    let args = Arguments::from_args();
    let builds = support::fixture_builds();
    let newest_abort = builds
        .iter()
        .rfind(|b| b.ends_with("-abort"))
        .cloned()
        .unwrap_or_default();
    let mut trials = Vec::new();
    for build in &builds {
        let unwind = build.contains("-unwind-");
        let exnref = build.contains("-unwind-exnref");
        let variant = support::is_variant(build);
        for target in NODE_TARGETS {
            let fixture = support::fixtures_dir().join(build).join(target);
            if !fixture.is_dir() {
                continue;
            }
            let run = |engine: &str, reset: &str| Run {
                target: target.to_string(),
                engine: engine.to_string(),
                reset: reset.to_string(),
                fixture: fixture.clone(),
                panic: if unwind { "unwind" } else { "abort" },
                extra_flags: Vec::new(),
                stress: QUICK_STRESS,
                panics: QUICK_PANICS,
                variant: None,
                tool: None,
            };
            if VARIANT_BUILDS.contains(&build.as_str()) && VARIANT_TARGETS.contains(target) {
                for variant in NODE_VARIANTS {
                    let mut r = run("node-26", "auto");
                    r.variant = Some(*variant);
                    trials.push(trial(build, r));
                }
            }
            for tool in hardened_tool_variants(build, target) {
                let mut r = run("node-26", "auto");
                r.tool = Some(tool);
                trials.push(trial(build, r));
            }
            if unwind {
                let engines: &[&str] = match (*target, exnref) {
                    _ if variant => &["node-26"],
                    ("nodejs", true) => &["node-22", "node-24", "node-26", EXNREF_ONLY],
                    ("nodejs", false) => ALL_NODES,
                    _ => &["node-26"],
                };
                for engine in engines {
                    let mut r = run(engine, "auto");
                    if *target == "nodejs" && *engine == "node-26" && !variant {
                        r.panics = FULL_PANICS;
                    }
                    trials.push(trial(build, r));
                }
                if *target == "nodejs" {
                    trials.push(trial(build, run("node-26", "manual")));
                    if exnref && !variant {
                        // Hardened, then translated whole to legacy EH.
                        let mut r = run("node-20", "auto");
                        r.extra_flags = vec!["--eh".into(), "legacy".into()];
                        trials.push(trial(build, r));
                    }
                }
                continue;
            }
            // The nodejs target runs on every Node; the others on the oldest
            // and newest that load them.
            let engines: &[&str] = match *target {
                _ if variant => &["node-26"],
                "nodejs" => ALL_NODES,
                // `import source` of a wasm module: Node 24+.
                "module" => &["node-24", "node-26"],
                _ => &["node-20", "node-26"],
            };
            for engine in engines {
                let mut r = run(engine, "auto");
                // bundler too: its host hides the stack pointer global (see node_flags).
                if *build == newest_abort
                    && matches!(*target, "nodejs" | "bundler")
                    && *engine == "node-26"
                {
                    r.stress = FULL_STRESS;
                }
                trials.push(trial(build, r));
            }
            // reset=manual changes the runtime's behaviour, not the glue's shape.
            trials.push(trial(build, run("node-26", "manual")));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}

/// The tool variants of `build/target` that tests/glue_variants.rs records as
/// hardened and that run the suites (see the module comment).
fn hardened_tool_variants(build: &str, target: &str) -> Vec<&'static ToolVariant> {
    let outcomes =
        std::fs::read_to_string(support::project_root().join("tests/glue_tool_outcomes.txt"))
            .unwrap_or_default();
    let output = format!("{build}/{target}");
    let representative = VARIANT_BUILDS.contains(&build) && VARIANT_TARGETS.contains(&target);
    outcomes
        .lines()
        .filter_map(|line| {
            let (variant, rest) = line.split_once(' ')?;
            (rest == format!("{output} -> hardened")).then_some(variant)
        })
        .filter(|variant| representative || !variant.starts_with("prettier"))
        .filter_map(glue_variants_tools::tool_variant)
        .collect()
}

fn trial(build: &str, run: Run) -> Trial {
    let eh = if run.extra_flags.is_empty() {
        String::new()
    } else {
        format!("/{}", run.extra_flags.join("-").trim_start_matches("--"))
    };
    let variant = run
        .variant
        .map(|(name, _)| format!("/variant-{name}"))
        .unwrap_or_default();
    let tool = run
        .tool
        .map(|tool| format!("/tool-{}", tool.name))
        .unwrap_or_default();
    let name = format!(
        "{build}/{}/{}/{}{eh}{variant}{tool}",
        run.target, run.engine, run.reset
    );
    Trial::test(name, move || execute(&run))
}

fn execute(run: &Run) -> Result<(), Failed> {
    let (engine, engine_flags): (&str, &[&str]) = if run.engine == EXNREF_ONLY {
        ("node-26", &["--no-experimental-wasm-legacy-eh"])
    } else {
        (&run.engine, &[])
    };
    let node = support::require_engine(engine)?;
    let scratch = tempfile::tempdir().map_err(|e| e.to_string())?;
    let hardened = scratch.path().join("out");
    let mut flags = vec!["--reset", run.reset.as_str()];
    flags.extend(run.extra_flags.iter().map(String::as_str));
    let input = match (run.variant, run.tool) {
        (_, Some(tool)) => {
            // The fixture with its glue run through the tool, hardened like
            // the original; the directory keeps the target's name, which a
            // tool variant may choose its options by.
            let input = scratch.path().join("in").join(&run.target);
            support::copy_dir(&run.fixture, &input).map_err(|e| e.to_string())?;
            let tools = glue_variants_tools::Tools::require()?;
            let tool_scratch = scratch.path().join("tool");
            std::fs::create_dir_all(&tool_scratch).map_err(|e| e.to_string())?;
            tool.apply(&tools, std::slice::from_ref(&input), &tool_scratch)?;
            input
        }
        (Some((_, transform)), None) => {
            // The fixture with its glue transformed, hardened like the original.
            let input = scratch.path().join("in");
            support::copy_dir(&run.fixture, &input).map_err(|e| e.to_string())?;
            for file in glue_variants::glue_files(&input) {
                let text = std::fs::read_to_string(&file).map_err(|e| e.to_string())?;
                std::fs::write(&file, transform(&text)).map_err(|e| e.to_string())?;
            }
            input
        }
        (None, None) => run.fixture.clone(),
    };
    support::harden(
        Path::new(env!("CARGO_BIN_EXE_wasm-recover")),
        &input,
        &hardened,
        &flags,
    )?;
    if matches!(run.target.as_str(), "web" | "bundler" | "module") {
        // These targets are ES modules without a package.json of their own.
        std::fs::write(hardened.join("package.json"), "{\"type\":\"module\"}\n")
            .map_err(|e| e.to_string())?;
    }
    let suites: Vec<PathBuf> = std::fs::read_dir(support::project_root().join("tests/node"))
        .map_err(|e| e.to_string())?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    let output = Command::new(&node)
        .args(engine_flags)
        .args(node_flags(&run.target, engine))
        .arg("--expose-gc")
        .arg("--test")
        .arg("--test-reporter=spec")
        .args(&suites)
        .env("RECOVER_DIR", &hardened)
        .env("RECOVER_TARGET", &run.target)
        .env("RECOVER_RESET", &run.reset)
        .env("RECOVER_PANIC", run.panic)
        .env("RECOVER_STRESS_ROUNDS", run.stress)
        .env("RECOVER_PANIC_ROUNDS", run.panics)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", node.display()))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "node:test failed ({}):\n{}\n{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .into())
    }
}

/// Flags a target needs on an engine: Node 20 imports `.wasm` (the bundler
/// target's `import * as wasm from "./x_bg.wasm"`) only behind a flag; Node
/// 22+ does so by default.
fn node_flags(target: &str, engine: &str) -> &'static [&'static str] {
    match (target, engine) {
        ("bundler", "node-20") => &["--experimental-wasm-modules"],
        _ => &[],
    }
}
