//! The glue reader and rewrite on transformed real glue: every committed
//! fixture's glue, with CRLF line endings, a BOM, comments, regex literals,
//! a `@ts-self-types` line, `var X = class X` classes, `let heap` (see
//! `wasm_recover_test_support::glue_variants`). Each variant must give the
//! same facts as the original and harden; a glue that is not valid
//! JavaScript must be refused at a line of the glue. The hardened variants'
//! behaviour runs in tests/node.rs (`…/variant-…` trials).

use std::path::{Path, PathBuf};

use wasm_recover_model::{BindgenOutput, ErrorKind, GlueFacts, Location, Options, Plan};
use wasm_recover_test_support as support;
use wasm_recover_test_support::glue_variants::{self, VARIANTS};

/// One fixture output: its wasm, its glue and (split targets) its entry.
struct Output {
    dir: PathBuf,
    wasm: Vec<u8>,
    glue: String,
    entry: Option<String>,
}

fn outputs() -> Vec<Output> {
    let mut found = Vec::new();
    for build in support::fixture_builds() {
        let build_dir = support::fixtures_dir().join(&build);
        let mut targets: Vec<PathBuf> = std::fs::read_dir(&build_dir)
            .expect("fixture build dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        targets.sort();
        for dir in targets {
            let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
            let Ok(wasm) = std::fs::read(dir.join("recover_fixture_bg.wasm")) else {
                continue;
            };
            let (glue, entry) = match read("recover_fixture_bg.js") {
                Some(bg) => (bg, read("recover_fixture.js")),
                None => match read("recover_fixture.js").or_else(|| read("recover_fixture.cjs")) {
                    Some(glue) => (glue, None),
                    None => continue,
                },
            };
            found.push(Output {
                dir,
                wasm,
                glue,
                entry,
            });
        }
    }
    assert!(
        found.len() >= 40,
        "expected the committed fixtures, found {}",
        found.len()
    );
    found
}

/// What a variant must not change.
#[derive(Debug, PartialEq, Eq)]
struct Summary {
    target: String,
    classes: Vec<String>,
    state: Vec<String>,
    heap: bool,
    wasm_uses: Vec<String>,
    imports: Vec<String>,
    entries: Vec<String>,
    labels: Vec<(String, String)>,
}

fn summary(facts: &GlueFacts) -> Summary {
    Summary {
        target: facts.target.to_string(),
        classes: facts.classes.iter().map(|c| c.name.clone()).collect(),
        state: facts
            .state_vars
            .iter()
            .map(|v| format!("{}={}", v.name, v.init))
            .collect(),
        heap: facts.heap.is_some(),
        wasm_uses: facts.wasm_uses.keys().cloned().collect(),
        imports: facts.import_names.iter().cloned().collect(),
        entries: facts.entries.iter().map(|e| e.label.clone()).collect(),
        labels: facts.labels.clone().into_iter().collect(),
    }
}

fn harden(output: &Output, glue: &str, entry: Option<&str>) -> Result<String, String> {
    let read = BindgenOutput::discover(&output.wasm, glue, entry).map_err(|e| e.to_string())?;
    let plan = Plan::new(&read, &Options::default()).map_err(|e| e.to_string())?;
    let hardened =
        wasm_recover_glue_rewrite::rewrite(glue, entry, &read, &plan).map_err(|e| e.to_string())?;
    Ok(hardened.glue)
}

fn name(dir: &Path) -> String {
    let target = dir.file_name().unwrap_or_default().to_string_lossy();
    let build = dir
        .parent()
        .and_then(Path::file_name)
        .unwrap_or_default()
        .to_string_lossy();
    format!("{build}/{target}")
}

#[test]
fn every_variant_of_every_fixture_glue_reads_the_same_and_hardens() {
    let mut failures = Vec::new();
    for output in outputs() {
        let original = GlueFacts::scan(&output.glue, output.entry.as_deref())
            .unwrap_or_else(|e| panic!("{}: {e}", name(&output.dir)));
        let expected = summary(&original);
        assert!(
            !expected.entries.is_empty() && !expected.wasm_uses.is_empty(),
            "{}: the original has entries and wasm uses",
            name(&output.dir)
        );
        for (variant, transform) in VARIANTS {
            let glue = transform(&output.glue);
            let label = format!("{} [{variant}]", name(&output.dir));
            match GlueFacts::scan(&glue, output.entry.as_deref()) {
                Ok(facts) if summary(&facts) == expected => {}
                Ok(facts) => failures.push(format!(
                    "{label}: other facts\n  original {expected:?}\n  variant  {:?}",
                    summary(&facts)
                )),
                Err(e) => failures.push(format!("{label}: not read: {e}")),
            }
            match harden(&output, &glue, output.entry.as_deref()) {
                Ok(hardened) => {
                    // The hardened text is valid JavaScript, marked, and every
                    // byte of the variant outside the edits survived.
                    match GlueFacts::scan(&hardened, output.entry.as_deref()) {
                        Ok(facts) if facts.hardened => {}
                        Ok(_) => failures.push(format!("{label}: hardened glue not marked")),
                        Err(e) => {
                            failures.push(format!("{label}: hardened glue does not parse: {e}"))
                        }
                    }
                    let settles = hardened
                        .matches("if (__wbr.aborted) __wbr.settleAbort();")
                        .count();
                    if settles != expected.entries.len() {
                        failures.push(format!(
                            "{label}: {settles} settle points for {} entries",
                            expected.entries.len()
                        ));
                    }
                    // Comments are outside every edit: each one survives as it was.
                    for comment in [
                        "// wasm.not_an_export(); }}} ((( '",
                        "/* } wasm.also_not_one { \" */",
                    ] {
                        if hardened.matches(comment).count() != glue.matches(comment).count() {
                            failures.push(format!("{label}: a comment `{comment}` was lost"));
                        }
                    }
                    if glue.starts_with('\u{feff}') && !hardened.starts_with('\u{feff}') {
                        failures.push(format!("{label}: the BOM was lost"));
                    }
                    if glue.contains("\r\n")
                        && hardened.matches('\n').count() != hardened.matches("\r\n").count()
                    {
                        failures.push(format!("{label}: mixed line endings"));
                    }
                }
                Err(e) => failures.push(format!("{label}: not hardened: {e}")),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn a_glue_that_is_not_javascript_is_refused_at_a_line() {
    for output in outputs() {
        let broken = glue_variants::broken(&output.glue);
        let err = BindgenOutput::discover(&output.wasm, &broken, output.entry.as_deref())
            .err()
            .unwrap_or_else(|| {
                panic!(
                    "{}: a glue without its last `}}` was read",
                    name(&output.dir)
                )
            });
        assert_eq!(
            err.kind(),
            ErrorKind::UnknownGlueShape,
            "{}: {err}",
            name(&output.dir)
        );
        assert!(
            matches!(err.location(), Location::Glue { line, .. } if *line > 1),
            "{}: {err} names no line",
            name(&output.dir)
        );
    }
}

/// How long reading a large glue takes: `GLUE_TIMING=<file>[:<file>…] cargo
/// test --test glue_variants -- --ignored --nocapture timing`.
#[test]
#[ignore = "a measurement, run by hand on large real glue"]
fn timing() {
    let files = std::env::var("GLUE_TIMING").unwrap_or_default();
    for file in files.split(':').filter(|f| !f.is_empty()) {
        let text = std::fs::read_to_string(file).expect("readable glue");
        let start = std::time::Instant::now();
        let read = GlueFacts::scan(&text, None);
        let elapsed = start.elapsed();
        println!(
            "{file}: {} bytes, {:.1} ms, {}",
            text.len(),
            elapsed.as_secs_f64() * 1000.0,
            match &read {
                Ok(f) => format!(
                    "read: {} classes, {} entries, {} wasm uses, {} state",
                    f.classes.len(),
                    f.entries.len(),
                    f.wasm_uses.len(),
                    f.state_vars.len()
                ),
                Err(e) => format!("refused: {e}"),
            }
        );
    }
}
