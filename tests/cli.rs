//! The command-line contract: exit codes, messages that name the file and the
//! problem, inputs left untouched on error, atomic and idempotent writes.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha256};
use wasm_recover_test_support as support;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
}

fn run(args: &[&std::ffi::OsStr]) -> Output {
    bin().args(args).output().expect("run wasm-recover")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// A scratch copy of a committed fixture output.
fn fixture(build: &str, target: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("pkg");
    support::copy_dir(&support::fixtures_dir().join(build).join(target), &out)
        .expect("copy fixture");
    (dir, out)
}

/// Every file under `dir` with its hash: "nothing modified, nothing left behind".
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, String> {
    let mut files = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let hash = format!("{:x}", Sha256::digest(std::fs::read(&path).expect("read")));
                files.insert(path, hash);
            }
        }
    }
    files
}

const NEWEST: &str = "0.2.130-abort";
const OLD: &str = "0.2.100-abort";

#[test]
fn hardens_in_place_and_a_second_run_changes_nothing() {
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    let first = run(&[pkg.as_os_str()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let summary = String::from_utf8_lossy(&first.stdout);
    assert!(
        summary.contains("nodejs, wasm-bindgen 0.2.100, G0: hardened"),
        "{summary}"
    );
    let after_first = snapshot(&pkg);
    let second = run(&[pkg.as_os_str()]);
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(String::from_utf8_lossy(&second.stdout).contains("already hardened, unchanged"));
    assert_eq!(
        snapshot(&pkg),
        after_first,
        "a second run must be byte-identical"
    );
}

#[test]
fn out_dir_leaves_the_input_untouched_and_copies_the_rest() {
    let (tmp, pkg) = fixture(NEWEST, "web");
    let before = snapshot(&pkg);
    let out = tmp.path().join("hardened");
    let result = run(&[pkg.as_os_str(), "--out-dir".as_ref(), out.as_os_str()]);
    assert!(result.status.success(), "{}", stderr(&result));
    assert_eq!(snapshot(&pkg), before);
    for name in [
        "recover_fixture.js",
        "recover_fixture_bg.wasm",
        "recover_fixture.d.ts",
        "recover_fixture_bg.wasm.d.ts",
    ] {
        assert!(out.join(name).is_file(), "{name} missing from --out-dir");
    }
    let dts = std::fs::read_to_string(out.join("recover_fixture.d.ts")).expect("d.ts");
    assert!(dts.contains("export function set_on_abort("));
    assert!(dts.contains("export class AbortError extends Error"));
}

#[test]
fn check_reports_what_needs_hardening() {
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    let before = snapshot(&pkg);
    let check = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stdout).contains("needs hardening"));
    assert_eq!(snapshot(&pkg), before, "--check changes nothing");
    assert!(run(&[pkg.as_os_str()]).status.success());
    assert_eq!(
        run(&["--check".as_ref(), pkg.as_os_str()]).status.code(),
        Some(0)
    );
    let other = run(&[
        "--check".as_ref(),
        "--reset".as_ref(),
        "manual".as_ref(),
        pkg.as_os_str(),
    ]);
    assert_eq!(
        other.status.code(),
        Some(1),
        "hardened with reset=auto is not what reset=manual asks for"
    );
}

fn assert_refused(pkg: &Path, args: &[&std::ffi::OsStr], needles: &[&str]) {
    let before = snapshot(pkg);
    let out = run(args);
    assert_eq!(
        out.status.code(),
        Some(2),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let message = stderr(&out);
    for needle in needles {
        assert!(message.contains(needle), "`{needle}` not in: {message}");
    }
    assert_eq!(
        snapshot(pkg),
        before,
        "a refused input must be left as it was, with no temporary file"
    );
}

#[test]
fn truncated_wasm_is_refused_with_its_name() {
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    let wasm = pkg.join("recover_fixture_bg.wasm");
    let bytes = std::fs::read(&wasm).expect("read");
    std::fs::write(&wasm, &bytes[..bytes.len() / 2]).expect("truncate");
    assert_refused(
        &pkg,
        &[pkg.as_os_str()],
        &["recover_fixture_bg.wasm", "invalid wasm"],
    );
}

#[test]
fn wasm_that_parses_but_does_not_validate_is_refused_with_its_offset() {
    // One `i32.add` of a real output turned into `i64.add`: every section and
    // body still parses (discovery reads it), but the types no longer check.
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    let wasm = pkg.join("recover_fixture_bg.wasm");
    let bytes = std::fs::read(&wasm).expect("read");
    let features = wasmparser::WasmFeatures::default()
        | wasmparser::WasmFeatures::EXCEPTIONS
        | wasmparser::WasmFeatures::LEGACY_EXCEPTIONS;
    let broken = (bytes.len() / 4..bytes.len())
        .filter(|&i| bytes[i] == 0x6a)
        .map(|i| {
            let mut b = bytes.clone();
            b[i] = 0x7c;
            b
        })
        .find(|b| {
            wasm_recover_model::WasmFacts::scan(b).is_ok()
                && wasmparser::Validator::new_with_features(features)
                    .validate_all(b)
                    .is_err()
        })
        .expect("some i32.add can be broken that way");
    std::fs::write(&wasm, broken).expect("write");
    assert_refused(
        &pkg,
        &[pkg.as_os_str()],
        &[
            "recover_fixture_bg.wasm",
            "invalid wasm at offset 0x",
            "type mismatch",
        ],
    );
}

#[test]
fn wasm_that_is_not_wasm_bindgen_output_is_refused() {
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    // A valid module with no wasm-bindgen imports or exports.
    std::fs::write(pkg.join("recover_fixture_bg.wasm"), b"\0asm\x01\0\0\0").expect("write");
    assert_refused(
        &pkg,
        &[pkg.as_os_str()],
        &["recover_fixture_bg.wasm", "wasm-bindgen"],
    );
}

#[test]
fn glue_of_another_build_is_refused() {
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    let newer = support::fixtures_dir()
        .join(NEWEST)
        .join("nodejs/recover_fixture.js");
    std::fs::copy(newer, pkg.join("recover_fixture.js")).expect("copy glue");
    assert_refused(
        &pkg,
        &[pkg.as_os_str()],
        &["recover_fixture", "another build"],
    );
}

#[test]
fn unknown_glue_shape_is_refused_with_a_line() {
    let (_tmp, pkg) = fixture(OLD, "nodejs");
    let glue = pkg.join("recover_fixture.js");
    let text = std::fs::read_to_string(&glue).expect("read");
    std::fs::write(
        &glue,
        text.replace(
            "let WASM_VECTOR_LEN = 0;",
            "let WASM_VECTOR_LEN = compute();",
        ),
    )
    .expect("write");
    assert_refused(
        &pkg,
        &[pkg.as_os_str()],
        &[
            "recover_fixture.js",
            "unknown glue shape",
            "WASM_VECTOR_LEN",
        ],
    );
}

#[test]
fn an_unwritable_destination_fails_without_touching_anything() {
    let (tmp, pkg) = fixture(OLD, "nodejs");
    // A file where the output directory should be: every write fails (this
    // holds even for root, whom directory permissions do not stop).
    let blocker = tmp.path().join("blocker");
    std::fs::write(&blocker, "not a directory").expect("write");
    let out = blocker.join("out");
    assert_refused(
        &pkg,
        &[pkg.as_os_str(), "--out-dir".as_ref(), out.as_os_str()],
        &["failed to"],
    );
    assert_eq!(
        std::fs::read_to_string(&blocker).expect("read"),
        "not a directory"
    );
}

#[test]
fn split_and_single_file_node_targets_are_hardened_and_named_right() {
    for (build, target) in [
        (NEWEST, "bundler"),
        (OLD, "experimental-nodejs-module"),
        (NEWEST, "experimental-nodejs-module"),
        (NEWEST, "module"),
    ] {
        let (_tmp, pkg) = fixture(build, target);
        let first = run(&[pkg.as_os_str()]);
        assert!(
            first.status.success(),
            "{build}/{target}: {}",
            stderr(&first)
        );
        let summary = String::from_utf8_lossy(&first.stdout);
        assert!(
            summary.contains(&format!(": {target}, wasm-bindgen"))
                && summary.contains("G0: hardened"),
            "{build}/{target}: {summary}"
        );
        let after_first = snapshot(&pkg);
        let second = run(&[pkg.as_os_str()]);
        assert!(second.status.success(), "{}", stderr(&second));
        assert_eq!(
            snapshot(&pkg),
            after_first,
            "{build}/{target}: a second run must be byte-identical"
        );
    }
    // 0.2.130's bundler entry re-exports the glue name by name: the API must be added there.
    let (_tmp, pkg) = fixture(NEWEST, "bundler");
    assert!(run(&[pkg.as_os_str()]).status.success());
    let entry = std::fs::read_to_string(pkg.join("recover_fixture.js")).expect("read entry");
    let reexport = entry
        .lines()
        .find(|l| {
            l.starts_with("export { set_on_abort")
                && l.ends_with("from \"./recover_fixture_bg.js\";")
        })
        .unwrap_or_else(|| panic!("no re-export of the recovery API:\n{entry}"));
    for name in [
        "set_on_abort",
        "__wbg_reset_state",
        "AbortError",
        "StaleObjectError",
        "PanicError",
        "__wbg_reset_ready",
    ] {
        assert!(reexport.contains(name), "{name} missing from {reexport}");
    }
}

/// A real cargo workspace with one member crate whose wasm-bindgen output is
/// `crate/pkg`: `(tempdir, workspace Cargo.toml, crate Cargo.toml, pkg)`.
fn workspace(
    workspace_table: &str,
    package_table: &str,
) -> (tempfile::TempDir, PathBuf, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("ws");
    let krate = root.join("crate");
    std::fs::create_dir_all(krate.join("src")).expect("mkdir");
    std::fs::write(krate.join("src/lib.rs"), "").expect("write");
    let root_manifest = root.join("Cargo.toml");
    std::fs::write(
        &root_manifest,
        format!("[workspace]\nmembers = [\"crate\"]\nresolver = \"2\"\n{workspace_table}"),
    )
    .expect("write");
    let crate_manifest = krate.join("Cargo.toml");
    std::fs::write(
        &crate_manifest,
        format!("[package]\nname = \"my_crate\"\nversion = \"0.1.0\"\nedition = \"2021\"\n{package_table}"),
    )
    .expect("write");
    let pkg = krate.join("pkg");
    support::copy_dir(&support::fixtures_dir().join(OLD).join("nodejs"), &pkg).expect("copy");
    (dir, root_manifest, crate_manifest, pkg)
}

#[test]
fn configuration_is_read_as_cargo_reads_it_and_flags_win() {
    let (_dir, root_manifest, crate_manifest, pkg) = workspace(
        "[workspace.metadata.wasm-recover]\nreset = \"manual\"\neh = \"legacy\"\n",
        "[package.metadata.wasm-recover]\neh = \"keep\"\n",
    );
    // The workspace's reset is inherited, the package's eh wins over the
    // workspace's, and `config` says where each value came from.
    let config = run(&["config".as_ref(), pkg.as_os_str()]);
    assert!(config.status.success(), "{}", stderr(&config));
    let root = std::fs::canonicalize(&root_manifest).expect("exists");
    let krate = std::fs::canonicalize(&crate_manifest).expect("exists");
    let text = String::from_utf8_lossy(&config.stdout).into_owned();
    assert!(
        text.contains(&format!(
            "reset = \"manual\"  # [workspace.metadata.wasm-recover] in `{}`",
            root.display()
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "eh = \"keep\"  # [package.metadata.wasm-recover] in `{}`",
            krate.display()
        )),
        "{text}"
    );
    let flagged = run(&[
        "config".as_ref(),
        pkg.as_os_str(),
        "--reset".as_ref(),
        "auto".as_ref(),
    ]);
    assert!(
        String::from_utf8_lossy(&flagged.stdout).contains("reset = \"auto\"  # flag"),
        "{}",
        String::from_utf8_lossy(&flagged.stdout)
    );

    // A run says which tables configured it, and uses them.
    let out = run(&[pkg.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("reset=manual"), "{stdout}");
    assert!(
        stdout.lines().next().is_some_and(|l| l
            .starts_with("configuration: [workspace.metadata.wasm-recover] in ")
            && l.contains(", [package.metadata.wasm-recover] in ")),
        "{stdout}"
    );
    let check = |reset: &str| {
        run(&[
            "--check".as_ref(),
            "--reset".as_ref(),
            reset.as_ref(),
            pkg.as_os_str(),
        ])
        .status
        .code()
    };
    assert_eq!(
        check("manual"),
        Some(0),
        "hardened with the inherited reset"
    );
    assert_eq!(check("auto"), Some(1), "a flag wins over the tables");
}

#[test]
fn an_unknown_key_is_refused_with_a_suggestion() {
    let (_dir, _root, crate_manifest, pkg) =
        workspace("", "[package.metadata.wasm-recover]\nrest = \"auto\"\n");
    let before = snapshot(&pkg);
    let bad = run(&[
        pkg.as_os_str(),
        "--manifest-path".as_ref(),
        crate_manifest.as_os_str(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        stderr(&bad).contains("unknown key `rest` in [package.metadata.wasm-recover]")
            && stderr(&bad).contains("did you mean `reset`?")
            && stderr(&bad).contains("valid keys: reset, eh"),
        "{}",
        stderr(&bad)
    );
    assert_eq!(snapshot(&pkg), before, "nothing written");
}

#[test]
fn an_npm_package_is_never_configured_by_an_enclosing_crate() {
    let (_dir, _root, _crate_manifest, pkg) = workspace(
        "[workspace.metadata.wasm-recover]\nreset = \"manual\"\n",
        "",
    );
    // Another package vendored into the crate: its package.json names it.
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name": "someone-elses-package"}"#,
    )
    .expect("write");
    let out = run(&[pkg.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("reset=auto"), "{stdout}");
    assert!(
        stdout.contains("configuration: flags and defaults (")
            && stdout.contains("not the output of the crate"),
        "{stdout}"
    );

    // Its own package.json field configures it.
    let (_dir2, _root2, _crate2, other) = workspace(
        "[workspace.metadata.wasm-recover]\nreset = \"manual\"\n",
        "",
    );
    std::fs::write(
        other.join("package.json"),
        r#"{"name": "someone-elses-package", "wasm-recover": {"reset": "manual"}}"#,
    )
    .expect("write");
    let out = run(&[other.as_os_str()]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(stdout.contains("reset=manual"), "{stdout}");
    assert!(
        stdout.contains("configuration: \"wasm-recover\" in `"),
        "{stdout}"
    );

    // wasm-pack's own pkg/package.json is named after the crate: the crate configures it.
    let (_dir3, _root3, _crate3, own) = workspace(
        "[workspace.metadata.wasm-recover]\nreset = \"manual\"\n",
        "",
    );
    std::fs::write(own.join("package.json"), r#"{"name": "@me/my-crate"}"#).expect("write");
    let out = run(&[own.as_os_str()]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("reset=manual"));
}

#[test]
fn an_npm_package_directory_is_searched_for_outputs() {
    let dir = tempfile::tempdir().expect("tempdir");
    let package = dir.path().join("package");
    support::copy_dir(
        &support::fixtures_dir().join(OLD).join("nodejs"),
        &package.join("dist/node"),
    )
    .expect("copy");
    support::copy_dir(
        &support::fixtures_dir().join(OLD).join("web"),
        &package.join("dist/web"),
    )
    .expect("copy");
    std::fs::write(package.join("package.json"), "{\"name\":\"example\"}").expect("write");
    let out = run(&[package.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        stdout.lines().filter(|l| l.contains("hardened")).count(),
        2,
        "{stdout}"
    );
    let empty = tempfile::tempdir().expect("tempdir");
    let none = run(&[empty.path().as_os_str()]);
    assert_eq!(none.status.code(), Some(2));
    assert!(stderr(&none).contains("no wasm-bindgen output"));
}

/// A real exnref `panic=unwind` build (nightly, wasm-bindgen 0.2.130), committed
/// by `cargo xtask eh-rust-inputs`.
fn exnref_module() -> PathBuf {
    support::fixtures_dir().join("0.2.130-unwind-exnref/nodejs/recover_fixture_bg.wasm")
}

#[test]
fn eh_translates_a_real_module_both_ways_and_leaves_the_input_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in.wasm");
    std::fs::copy(exnref_module(), &input).expect("copy");
    let before = std::fs::read(&input).expect("read");
    let legacy = tmp.path().join("legacy.wasm");
    let out = run(&[
        "eh".as_ref(),
        "--to".as_ref(),
        "legacy".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        legacy.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    // The same place as the main command's lines: stdout.
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("exnref -> legacy"), "{said}");
    assert_eq!(
        std::fs::read(&input).expect("read"),
        before,
        "the input is untouched"
    );
    let bytes = std::fs::read(&legacy).expect("read output");
    let mut features = wasmparser::WasmFeatures::default();
    features |= wasmparser::WasmFeatures::EXCEPTIONS | wasmparser::WasmFeatures::LEGACY_EXCEPTIONS;
    wasmparser::Validator::new_with_features(features)
        .validate_all(&bytes)
        .expect("the output validates");
    let has = |op: fn(&wasmparser::Operator) -> bool| {
        wasmparser::Parser::new(0)
            .parse_all(&bytes)
            .any(|p| match p {
                Ok(wasmparser::Payload::CodeSectionEntry(body)) => body
                    .get_operators_reader()
                    .expect("ops")
                    .into_iter()
                    .any(|o| o.as_ref().is_ok_and(op)),
                _ => false,
            })
    };
    assert!(has(|o| matches!(o, wasmparser::Operator::Try { .. })));
    assert!(!has(|o| matches!(
        o,
        wasmparser::Operator::TryTable { .. } | wasmparser::Operator::ThrowRef
    )));

    let back = tmp.path().join("exnref.wasm");
    let out = run(&[
        "eh".as_ref(),
        "--to".as_ref(),
        "exnref".as_ref(),
        legacy.as_os_str(),
        "-o".as_ref(),
        back.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("legacy -> exnref"), "{said}");
}

#[test]
fn eh_fails_on_a_truncated_module_naming_it_and_writes_nothing() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let bytes = std::fs::read(exnref_module()).expect("read");
    let input = tmp.path().join("truncated.wasm");
    std::fs::write(&input, &bytes[..bytes.len() / 2]).expect("write");
    let output = tmp.path().join("out.wasm");
    std::fs::write(&output, b"previous contents").expect("write");
    let before = snapshot(tmp.path());
    let out = run(&[
        "eh".as_ref(),
        "--to".as_ref(),
        "legacy".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        output.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("truncated.wasm"), "{}", stderr(&out));
    assert_eq!(
        snapshot(tmp.path()),
        before,
        "nothing written, nothing left behind"
    );
}

#[test]
fn eh_subcommand_keeps_the_flat_form_working() {
    // `wasm-recover PATH...` still parses as hardening: an unknown path is an
    // IO error about that path, not a clap error about a subcommand.
    let out = run(&["no-such-dir".as_ref()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no-such-dir"), "{}", stderr(&out));
    let out = run(&["eh".as_ref(), "--help".as_ref()]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("--to <ENCODING>"));
}

#[test]
fn eh_refusal_names_the_file_and_the_function() {
    // Function 1 passes an exnref across a call: no legacy equivalent.
    let wat = "(module (func $r (param exnref) (throw_ref (local.get 0)))
        (func block $p (result exnref) try_table (catch_all_ref $p) end unreachable end call $r))";
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("refused.wasm");
    std::fs::write(&input, wat::parse_str(wat).expect("wat")).expect("write");
    let output = tmp.path().join("out.wasm");
    let out = run(&[
        "eh".as_ref(),
        "--to".as_ref(),
        "legacy".as_ref(),
        input.as_os_str(),
        "-o".as_ref(),
        output.as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let message = stderr(&out);
    assert!(
        message.contains("refused.wasm") && message.contains("function 0"),
        "{message}"
    );
    assert!(!output.exists());
}

#[test]
fn g2_glue_and_its_commonjs_copy_are_hardened_once_and_a_second_run_changes_nothing() {
    // wasm-bindgen 0.2.130 panic=unwind: its own guards (G2). Packages that
    // ship `require` and `import` entry points have the nodejs glue twice
    // (automerge: `x.js` and `x.cjs`); both must be hardened.
    let (_tmp, pkg) = fixture("0.2.130-unwind-legacy", "nodejs");
    let js = pkg.join("recover_fixture.js");
    let cjs = pkg.join("recover_fixture.cjs");
    std::fs::copy(&js, &cjs).expect("copy glue");
    let out = run(&[pkg.as_os_str()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("G2: hardened") && summary.contains("recover_fixture.cjs"),
        "{summary}"
    );
    for glue in [&js, &cjs] {
        let text = std::fs::read_to_string(glue).expect("read glue");
        assert!(
            text.starts_with(wasm_recover_model::names::GLUE_MARKER),
            "{}",
            glue.display()
        );
        // The native guards are taken over, not doubled: no `Module terminated` can reach a caller.
        assert!(!text.contains("Module terminated"), "{}", glue.display());
    }
    let before = snapshot(&pkg);
    let again = run(&[pkg.as_os_str()]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(snapshot(&pkg), before, "a second run changed the output");
    assert_eq!(
        run(&[pkg.as_os_str(), "--check".as_ref()]).status.code(),
        Some(0)
    );
}

#[test]
fn g2_glue_whose_native_guard_is_missing_is_refused_untouched() {
    // Half-taken-over guards would turn aborts into `Module terminated`.
    let (_tmp, pkg) = fixture("0.2.130-unwind-exnref", "nodejs");
    let glue = pkg.join("recover_fixture.js");
    let text = std::fs::read_to_string(&glue).expect("read glue");
    let renamed = text.replace("function __wbg_call_guard() {", "function __wbg_check() {");
    assert_ne!(renamed, text, "the fixture's glue has the native guard");
    std::fs::write(&glue, renamed).expect("write glue");
    assert_refused(
        &pkg,
        &[pkg.as_os_str()],
        &[
            "recover_fixture.js",
            "unknown glue shape",
            "__wbg_call_guard",
        ],
    );
}

#[test]
fn eh_flag_translates_a_hardened_unwind_module_and_check_sees_the_encoding() {
    let (_tmp, pkg) = fixture("0.2.113-unwind-exnref", "nodejs");
    let out = run(&[pkg.as_os_str(), "--eh".as_ref(), "legacy".as_ref()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("catch frames") && summary.contains("translated"),
        "{summary}"
    );
    let wasm = std::fs::read(pkg.join("recover_fixture_bg.wasm")).expect("read");
    let facts = wasm_recover_model::WasmFacts::scan(&wasm).expect("hardened wasm scans");
    assert_eq!(facts.eh, Some(wasm_recover_model::EhEncoding::Legacy));
    let check = |eh: &str| {
        run(&[
            pkg.as_os_str(),
            "--check".as_ref(),
            "--eh".as_ref(),
            eh.as_ref(),
        ])
    };
    assert_eq!(check("legacy").status.code(), Some(0));
    let exnref = check("exnref");
    assert_eq!(exnref.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&exnref.stdout).contains("configured exnref"));
    // A second run with the same settings changes nothing.
    let before = snapshot(&pkg);
    assert!(run(&[pkg.as_os_str(), "--eh".as_ref(), "legacy".as_ref()])
        .status
        .success());
    assert_eq!(snapshot(&pkg), before);
}
