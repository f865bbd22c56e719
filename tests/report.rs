//! The run's report: `--format json` validated against
//! docs/report.schema.json on real runs (a package with a refused output,
//! `--check`, an already-hardened output, an inline base64 output), every
//! PATH getting its verdict, `-q`, and colour only when asked.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use wasm_recover_test_support as support;

const BUILD: &str = "0.2.130-abort";

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .expect("run wasm-recover")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn copy_target(target: &str, to: &Path) {
    support::copy_dir(&support::fixtures_dir().join(BUILD).join(target), to).expect("copy");
}

fn validator() -> jsonschema::Validator {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read schema")).expect("json");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// Runs with `--format json`; the document, checked against the schema and
/// against the process's own exit status.
fn json_run(args: &[&std::ffi::OsStr]) -> Value {
    let mut all: Vec<&std::ffi::OsStr> = vec!["--format".as_ref(), "json".as_ref()];
    all.extend_from_slice(args);
    let out = run(&all);
    let doc: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is one JSON document ({e}): {}", text(&out.stdout)));
    let errors: Vec<String> = validator()
        .iter_errors(&doc)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}\n{doc:#}");
    assert_eq!(
        doc["exit_status"].as_i64(),
        out.status.code().map(i64::from),
        "the document's exit status is the process's"
    );
    doc
}

fn outputs(doc: &Value) -> &Vec<Value> {
    doc["outputs"].as_array().expect("outputs")
}

fn by_wasm<'d>(doc: &'d Value, suffix: &str) -> &'d Value {
    outputs(doc)
        .iter()
        .find(|o| {
            o["files"]["wasm"]
                .as_str()
                .is_some_and(|w| w.ends_with(suffix))
        })
        .unwrap_or_else(|| panic!("no output `{suffix}` in {doc:#}"))
}

/// A package whose `./bad` export loads glue that is not JavaScript.
fn package_with_a_refused_output(tmp: &Path) -> PathBuf {
    let pkg = tmp.join("node_modules/example");
    copy_target("nodejs", &pkg.join("good"));
    copy_target("nodejs", &pkg.join("bad"));
    let bad = pkg.join("bad/recover_fixture.js");
    let mut broken = std::fs::read_to_string(&bad).expect("read");
    broken.push_str("\nfunction (\n");
    std::fs::write(&bad, &broken).expect("write");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","exports":{".":"./good/recover_fixture.js","./bad":"./bad/recover_fixture.js"}}"#,
    )
    .expect("write package.json");
    pkg
}

#[test]
fn a_package_run_check_and_rerun_give_valid_reports_with_each_verdict() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = package_with_a_refused_output(tmp.path());

    let check = json_run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check["check"], true);
    assert_eq!(check["exit_status"], 2, "{check:#}");
    assert_eq!(
        by_wasm(&check, "good/recover_fixture_bg.wasm")["status"],
        "needs-hardening"
    );

    let doc = json_run(&[pkg.as_os_str()]);
    assert_eq!(doc["exit_status"], 2);
    assert_eq!(doc["refused"], 1);
    let bad = by_wasm(&doc, "bad/recover_fixture_bg.wasm");
    assert_eq!(bad["status"], "refused");
    let refusal = &bad["refusal"];
    assert!(
        refusal["file"]
            .as_str()
            .is_some_and(|f| f.ends_with("bad/recover_fixture.js")),
        "the refusal names the glue that is not JavaScript: {refusal:#}"
    );
    assert_eq!(refusal["shape"], bad["shape"]);
    assert!(refusal["shape"].is_string());
    assert!(refusal["reason"]
        .as_str()
        .is_some_and(|r| r.contains("not valid JavaScript")));
    let good = by_wasm(&doc, "good/recover_fixture_bg.wasm");
    assert_eq!(good["status"], "hardened");
    assert_eq!(good["entry_points"], serde_json::json!(["exports[\".\"]"]));
    assert_eq!(good["facts"]["target"], "nodejs");
    assert_eq!(good["facts"]["bindgen_version"], "0.2.130");
    assert!(
        good["added"]["wasm_passes"]
            .as_array()
            .is_some_and(|p| p.iter().any(|p| p["name"] == "mark_hardened")),
        "{good:#}"
    );
    let entries = doc["packages"][0]["entry_points"]
        .as_array()
        .expect("entries");
    let dot = entries
        .iter()
        .find(|e| e["condition"] == "exports[\".\"]")
        .expect(".");
    let index = dot["outputs"][0].as_u64().expect("index") as usize;
    assert_eq!(outputs(&doc)[index]["files"]["wasm"], good["files"]["wasm"]);

    let again = json_run(&[pkg.as_os_str()]);
    assert_eq!(
        by_wasm(&again, "good/recover_fixture_bg.wasm")["status"],
        "already-hardened"
    );
    let check = json_run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(
        by_wasm(&check, "good/recover_fixture_bg.wasm")["status"],
        "up-to-date"
    );
}

#[test]
fn an_inline_base64_output_reports_its_span() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    let node = support::require_engine("node-26").expect("node");
    let (holder, prefix) = support::base64_fed_package(&pkg, &node);
    let encoded_len = holder.len() - prefix.len() - "\";\n".len();

    let doc = json_run(&[pkg.as_os_str()]);
    assert_eq!(doc["exit_status"], 0, "{doc:#}");
    let output = by_wasm(&doc, "lib/recover_fixture_wasm.js");
    assert_eq!(output["status"], "hardened");
    let inline = &output["files"]["inline"];
    assert_eq!(inline["start"], prefix.len(), "{inline:#}");
    assert_eq!(inline["end"], prefix.len() + encoded_len, "{inline:#}");
    assert_eq!(output["entry_points"], serde_json::json!(["main"]));
}

#[test]
fn the_schema_rejects_a_document_that_breaks_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = package_with_a_refused_output(tmp.path());
    let good = json_run(&["--check".as_ref(), pkg.as_os_str()]);
    let validator = validator();
    let mut unknown_status = good.clone();
    unknown_status["outputs"][0]["status"] = "done".into();
    assert!(!validator.is_valid(&unknown_status));
    let mut refused_without_reason = good.clone();
    let refused = outputs(&good)
        .iter()
        .position(|o| o["status"] == "refused")
        .expect("a refused output");
    refused_without_reason["outputs"][refused]["refusal"] = Value::Null;
    assert!(!validator.is_valid(&refused_without_reason));
    let mut no_version = good;
    no_version
        .as_object_mut()
        .expect("object")
        .remove("schema_version");
    assert!(!validator.is_valid(&no_version));
}

/// Two output directories, the second with a truncated module.
fn two_outputs(tmp: &Path) -> (PathBuf, PathBuf) {
    let (good, bad) = (tmp.join("good"), tmp.join("bad"));
    copy_target("web", &good);
    copy_target("web", &bad);
    let wasm = bad.join("recover_fixture_bg.wasm");
    let bytes = std::fs::read(&wasm).expect("read");
    std::fs::write(&wasm, &bytes[..100]).expect("truncate");
    (good, bad)
}

fn glue_hardened(dir: &Path) -> bool {
    std::fs::read_to_string(dir.join("recover_fixture.js"))
        .expect("read")
        .starts_with(wasm_recover_model::names::GLUE_MARKER)
}

#[test]
fn every_path_gets_a_verdict_and_fail_fast_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (good, bad) = two_outputs(tmp.path());
    let out = run(&["--fail-fast".as_ref(), bad.as_os_str(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!glue_hardened(&good), "--fail-fast writes nothing");

    let out = run(&[bad.as_os_str(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(
        glue_hardened(&good),
        "the PATH after the refused one is hardened"
    );
    assert!(!glue_hardened(&bad));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("REFUSED") && stdout.contains(": hardened ("),
        "{stdout}"
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad/recover_fixture_bg.wasm") && stderr.contains("refused"),
        "{stderr}"
    );
    assert!(
        !stderr.contains('\x1b'),
        "no colour off a terminal: {stderr:?}"
    );
}

#[test]
fn quiet_prints_only_refusals_and_colour_is_only_when_asked() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (good, bad) = two_outputs(tmp.path());
    let out = run(&["-q".as_ref(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), "", "-q: nothing on success");
    assert_eq!(text(&out.stderr), "");
    let out = run(&["-q".as_ref(), "--color=always".as_ref(), bad.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stdout), "");
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("\x1b[31merror\x1b[0m: ") && stderr.contains("refused"),
        "{stderr:?}"
    );
    let out = run(&["-v".as_ref(), "--check".as_ref(), good.as_os_str()]);
    assert!(
        text(&out.stdout).contains("exception handling: "),
        "{}",
        text(&out.stdout)
    );
}
