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
use wasm_recover_test_support::glue_variants_tools;

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

/// Regression (found by the terser variant of the 0.2.100 `deno` glue, whose
/// `wasm` binding terser renamed): a glue whose entries reach the exports
/// through a binding the reader does not know gave no `wasm.x` use, and was
/// hardened with nothing guarded. It must be refused.
#[test]
fn a_glue_whose_wasm_binding_is_renamed_is_refused() {
    for output in outputs() {
        let renamed = output
            .glue
            .replace("wasm.", "w$x.")
            .replace("let wasm", "let w$x")
            .replace("wasm =", "w$x =");
        let entry = output.entry.as_ref().map(|e| e.replace("wasm.", "w$x."));
        let result = harden(&output, &renamed, entry.as_deref());
        assert!(
            result.is_err(),
            "{}: a glue with its `wasm` binding renamed was hardened",
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

/// Where each (tool variant, fixture output) outcome is committed:
/// `<variant> <build>/<target> -> hardened|refused:<kind>`.
const TOOL_OUTCOMES: &str = "tests/glue_tool_outcomes.txt";
/// The table in docs/glue.md generated from the same outcomes.
const DOC: &str = "docs/glue.md";
const DOC_BEGIN: &str =
    "<!-- glue-tool-outcomes:begin (generated by tests/glue_variants.rs; BLESS=1 rewrites) -->";
const DOC_END: &str = "<!-- glue-tool-outcomes:end -->";

/// Every file under `dir` with its bytes: the inputs a run must leave as they are.
fn snapshot(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut files = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).expect("read"));
            }
        }
    }
    files
}

/// Reads `dir`'s glue and entry as the library reads an output (see [`outputs`]).
fn glue_and_entry(dir: &Path) -> (String, Option<String>) {
    let read = |name: &str| std::fs::read_to_string(dir.join(name)).ok();
    match read("recover_fixture_bg.js") {
        Some(bg) => (bg, read("recover_fixture.js")),
        None => (read("recover_fixture.js").unwrap_or_default(), None),
    }
}

/// The library's own verdict on a glue the CLI refused: the kind of the
/// reader's or the plan's error, or `rewrite-<variant>` for the rewrite's,
/// or `cli` when the library hardens it (the CLI refused the package).
fn refusal_kind(output: &Output, glue: &str, entry: Option<&str>) -> String {
    let read = match BindgenOutput::discover(&output.wasm, glue, entry) {
        Ok(read) => read,
        Err(e) => return format!("{:?}", e.kind()),
    };
    let plan = match Plan::new(&read, &Options::default()) {
        Ok(plan) => plan,
        Err(e) => return format!("plan-{:?}", e.kind()),
    };
    match wasm_recover_glue_rewrite::rewrite(glue, entry, &read, &plan) {
        Ok(_) => "cli".to_string(),
        Err(e) => {
            let debug = format!("{e:?}");
            let variant: String = debug.chars().take_while(|c| c.is_alphanumeric()).collect();
            format!("rewrite-{variant}")
        }
    }
}

/// The output directory (`<build>/<target>`) a report path lies in.
fn output_of(path: &str) -> String {
    let path = Path::new(path);
    let dir = if path.extension().is_some() {
        path.parent().unwrap_or(path)
    } else {
        path
    };
    name(dir)
}

/// One tool variant over every fixture output the tool applies to: the CLI
/// must, for each output, either harden it with the facts the original gives
/// (and a marked glue), or refuse it naming a file inside it; the inputs stay
/// as they were; the exit status says whether anything was refused. Returns
/// `(output, outcome)` per output, and the failures.
fn tool_outcomes(
    tools: &glue_variants_tools::Tools,
    variant: &glue_variants_tools::ToolVariant,
    outputs: &[Output],
    scratch: &Path,
) -> (Vec<(String, String)>, Vec<String>) {
    let tree = scratch.join("in");
    let mut dirs = Vec::new();
    for output in outputs {
        let target = output.dir.file_name().unwrap_or_default().to_string_lossy();
        if !(variant.applies)(&target) {
            continue;
        }
        let copy = tree.join(name(&output.dir));
        support::copy_dir(&output.dir, &copy).expect("copy fixture");
        dirs.push((copy, output));
    }
    let tool_scratch = scratch.join("tool");
    std::fs::create_dir_all(&tool_scratch).expect("mkdir");
    let copies: Vec<PathBuf> = dirs.iter().map(|(d, _)| d.clone()).collect();
    variant
        .apply(tools, &copies, &tool_scratch)
        .unwrap_or_else(|e| panic!("[{variant:?}] the tool failed: {e}"));

    let before = snapshot(&tree);
    let out_dir = scratch.join("out");
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .args([".", "--out-dir"])
        .arg(&out_dir)
        .args(["--format", "json"])
        .current_dir(&tree)
        .output()
        .expect("run wasm-recover");
    let mut failures = Vec::new();
    let label = format!("[{variant:?}]");
    if snapshot(&tree) != before {
        failures.push(format!("{label}: the run changed its inputs"));
    }
    let report: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap_or_else(|e| {
        panic!(
            "{label}: no JSON report ({e}): {}",
            String::from_utf8_lossy(&run.stderr)
        )
    });
    let mut outcomes = Vec::new();
    let mut refused = 0;
    for reported in report["outputs"].as_array().expect("outputs") {
        let files = &reported["files"];
        let at = files["glue"]
            .as_str()
            .or(files["wasm"].as_str())
            .unwrap_or_default();
        let output_name = output_of(at);
        let Some((copy, original)) = dirs.iter().find(|(d, _)| name(d) == output_name) else {
            failures.push(format!(
                "{label}: the report names an unknown output `{at}`"
            ));
            continue;
        };
        let label = format!("{output_name} {label}");
        let outcome = match reported["status"].as_str() {
            Some("hardened") => {
                let (glue, entry) = glue_and_entry(copy);
                let expected = summary(
                    &GlueFacts::scan(&original.glue, original.entry.as_deref()).expect("original"),
                );
                match GlueFacts::scan(&glue, entry.as_deref()) {
                    Ok(facts) if summary(&facts) == expected => {}
                    Ok(facts) => failures.push(format!(
                        "{label}: hardened with other facts\n  original {expected:?}\n  variant  {:?}",
                        summary(&facts)
                    )),
                    Err(e) => failures.push(format!("{label}: hardened, but not read: {e}")),
                }
                let (hardened, hardened_entry) = glue_and_entry(&out_dir.join(&output_name));
                match GlueFacts::scan(&hardened, hardened_entry.as_deref()) {
                    Ok(facts) if facts.hardened => {}
                    Ok(_) => failures.push(format!("{label}: hardened glue not marked")),
                    Err(e) => failures.push(format!("{label}: hardened glue does not parse: {e}")),
                }
                "hardened".to_string()
            }
            Some("refused") => {
                refused += 1;
                let file = reported["refusal"]["file"].as_str().unwrap_or_default();
                let reason = reported["refusal"]["reason"].as_str().unwrap_or_default();
                if output_of(file) != output_name || reason.is_empty() {
                    failures.push(format!(
                        "{label}: refused without naming a file of the output: `{file}`: {reason}"
                    ));
                }
                let (glue, entry) = glue_and_entry(copy);
                let kind = refusal_kind(original, &glue, entry.as_deref());
                format!("refused:{kind}")
            }
            other => {
                failures.push(format!("{label}: status {other:?}"));
                format!("{other:?}")
            }
        };
        outcomes.push((output_name, outcome));
    }
    for (copy, _) in &dirs {
        if !outcomes.iter().any(|(n, _)| *n == name(copy)) {
            failures.push(format!("{} {label}: not in the report", name(copy)));
        }
    }
    let expected_status = if refused > 0 { 2 } else { 0 };
    if run.status.code() != Some(expected_status) {
        failures.push(format!(
            "{label}: exit status {:?} with {refused} refusals",
            run.status.code()
        ));
    }
    (outcomes, failures)
}

/// The docs table: per variant and target, the outcome, and the builds when
/// they differ.
fn outcome_table(lines: &[(String, String, String)]) -> String {
    let mut table = String::from("| variant | target | outcome | builds |\n|---|---|---|---|\n");
    let mut groups: Vec<(String, String, String, Vec<String>)> = Vec::new();
    for (variant, output, outcome) in lines {
        let (build, target) = output.split_once('/').unwrap_or((output, ""));
        match groups
            .iter_mut()
            .find(|g| g.0 == *variant && g.1 == target && g.2 == *outcome)
        {
            Some(g) => g.3.push(build.to_string()),
            None => groups.push((
                variant.clone(),
                target.to_string(),
                outcome.clone(),
                vec![build.to_string()],
            )),
        }
    }
    for (variant, target, outcome, builds) in groups {
        let split = lines
            .iter()
            .any(|(v, o, r)| *v == variant && o.ends_with(&format!("/{target}")) && *r != outcome);
        let builds = if split {
            builds.join(", ")
        } else {
            "all".to_string()
        };
        table.push_str(&format!(
            "| {variant} | {target} | {outcome} | {builds} |\n"
        ));
    }
    table
}

/// Parses the committed outcomes: `(variant, output, outcome)` per line.
fn committed_outcomes(text: &str) -> Vec<(String, String, String)> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let (variant, rest) = l.split_once(' ')?;
            let (output, outcome) = rest.split_once(" -> ")?;
            Some((variant.to_string(), output.to_string(), outcome.to_string()))
        })
        .collect()
}

const OUTCOMES_HEADER: &str =
    "# What wasm-recover does with every committed fixture glue rewritten by a real tool\n\
# (tests/glue_variants.rs, one test per variant). `BLESS=1 cargo test --test glue_variants tool_`\n\
# rewrites this file and the table in docs/glue.md when the tool learns a shape.\n";

fn outcomes_text(lines: &[(String, String, String)]) -> String {
    let mut text = String::from(OUTCOMES_HEADER);
    for variant in glue_variants_tools::TOOL_VARIANTS {
        for (v, o, r) in lines.iter().filter(|l| l.0 == variant.name) {
            text.push_str(&format!("{v} {o} -> {r}\n"));
        }
    }
    text
}

/// docs/glue.md with its table generated from `lines`.
fn doc_with_table(doc: &str, lines: &[(String, String, String)]) -> String {
    let (head, rest) = doc
        .split_once(DOC_BEGIN)
        .expect("docs/glue.md has the table's begin marker");
    let (_, tail) = rest
        .split_once(DOC_END)
        .expect("docs/glue.md has the table's end marker");
    format!("{head}{DOC_BEGIN}\n{}{DOC_END}{tail}", outcome_table(lines))
}

/// Blessing tests run in parallel and share the two files.
static BLESS_LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs tool variant `name` over every fixture output, checks each outcome
/// (see [`tool_outcomes`]) and compares them with the committed ones.
fn check_tool_variant(name: &str) {
    let variant = glue_variants_tools::tool_variant(name).expect("a tool variant");
    let tools = glue_variants_tools::Tools::require().unwrap_or_else(|e| panic!("{e}"));
    let mut outputs = outputs();
    outputs.sort_by_key(|o| self::name(&o.dir));
    let scratch = tempfile::tempdir().expect("tempdir");
    let (mut outcomes, failures) = tool_outcomes(&tools, variant, &outputs, scratch.path());
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    outcomes.sort();
    let ours: Vec<(String, String, String)> = outcomes
        .into_iter()
        .map(|(o, r)| (name.to_string(), o, r))
        .collect();

    let root = support::project_root();
    if support::bless() {
        let _guard = BLESS_LOCK.lock().unwrap_or_else(|e| e.into_inner());
        let committed = std::fs::read_to_string(root.join(TOOL_OUTCOMES)).unwrap_or_default();
        let mut lines: Vec<_> = committed_outcomes(&committed)
            .into_iter()
            .filter(|l| l.0 != name)
            .collect();
        lines.extend(ours);
        std::fs::write(root.join(TOOL_OUTCOMES), outcomes_text(&lines)).expect("write outcomes");
        let doc = std::fs::read_to_string(root.join(DOC)).expect("docs/glue.md");
        let lines = committed_outcomes(&outcomes_text(&lines));
        std::fs::write(root.join(DOC), doc_with_table(&doc, &lines)).expect("write docs");
        return;
    }
    let committed = std::fs::read_to_string(root.join(TOOL_OUTCOMES)).unwrap_or_default();
    let theirs: Vec<_> = committed_outcomes(&committed)
        .into_iter()
        .filter(|l| l.0 == name)
        .collect();
    let show = |lines: &[(String, String, String)]| -> String {
        lines
            .iter()
            .map(|(v, o, r)| format!("{v} {o} -> {r}\n"))
            .collect()
    };
    let diff: Vec<String> = similar::TextDiff::from_lines(&show(&theirs), &show(&ours))
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| format!("{}{}", c.tag(), c.value().trim_end()))
        .collect();
    assert!(
        diff.is_empty(),
        "the outcomes of `{name}` differ from {TOOL_OUTCOMES} (a refusal the tool now hardens, \
         or the reverse; if intended, rerun with BLESS=1 and commit both files):\n{}",
        diff.join("\n")
    );
}

#[test]
fn tool_prettier() {
    check_tool_variant("prettier");
}

#[test]
fn tool_prettier_wide_nosemi_single() {
    check_tool_variant("prettier-wide-nosemi-single");
}

#[test]
fn tool_esbuild_minify() {
    check_tool_variant("esbuild-minify");
}

#[test]
fn tool_esbuild_minify_toplevel() {
    check_tool_variant("esbuild-minify-toplevel");
}

#[test]
fn tool_terser() {
    check_tool_variant("terser");
}

#[test]
fn tool_terser_toplevel() {
    check_tool_variant("terser-toplevel");
}

#[test]
fn tool_esbuild_bundle_esm() {
    check_tool_variant("esbuild-bundle-esm");
}

#[test]
fn tool_esbuild_bundle_cjs() {
    check_tool_variant("esbuild-bundle-cjs");
}

/// Every tool variant has its test and its committed outcomes, and the table
/// in docs/glue.md is the one those outcomes give.
#[test]
fn tool_outcomes_cover_every_variant_and_the_docs_table_is_current() {
    let root = support::project_root();
    let source = std::fs::read_to_string(root.join("tests/glue_variants.rs")).expect("read");
    let committed = std::fs::read_to_string(root.join(TOOL_OUTCOMES)).expect("outcomes");
    let lines = committed_outcomes(&committed);
    for variant in glue_variants_tools::TOOL_VARIANTS {
        assert!(
            source.contains(&format!("check_tool_variant(\"{}\")", variant.name)),
            "no test runs tool variant `{}`",
            variant.name
        );
        assert!(
            lines.iter().any(|l| l.0 == variant.name),
            "{TOOL_OUTCOMES} has no outcome of `{}`: run its test with BLESS=1",
            variant.name
        );
    }
    if support::bless() {
        return;
    }
    let doc = std::fs::read_to_string(root.join(DOC)).expect("docs/glue.md");
    assert!(
        doc == doc_with_table(&doc, &lines),
        "the table in {DOC} is stale: rerun the tool_ tests with BLESS=1"
    );
}
