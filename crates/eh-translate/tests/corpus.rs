//! The .wat corpus: every module translated both ways, validated, checked to
//! hold only the target encoding, round-tripped, and run in Node (original,
//! translated, round trip and Binaryen's translation side by side).

mod common;

use std::path::{Path, PathBuf};

use common::{behaviour, engine, oracle_path, print, Case};
use wasm_recover_eh_translate::{detect_bytes, translate, EhEncoding, Error};

fn cases() -> Vec<Case> {
    common::corpus()
}

fn other(e: EhEncoding) -> EhEncoding {
    match e {
        EhEncoding::Legacy => EhEncoding::Exnref,
        _ => EhEncoding::Legacy,
    }
}

#[test]
fn every_module_translates_both_ways_and_validates() {
    let mut failures = Vec::new();
    for case in cases().iter().filter(|c| c.refuse.is_none()) {
        let from = detect_bytes(&case.wasm).expect("corpus parses");
        assert!(
            matches!(from, EhEncoding::Legacy | EhEncoding::Exnref),
            "{}: corpus modules use one encoding, found {from:?}",
            case.name
        );
        let to = other(from);
        let result = (|| -> Result<(), String> {
            let there = translate(&case.wasm, to).map_err(|e| format!("to {to:?}: {e}"))?;
            assert_only(&there, to)?;
            let back = translate(&there, from).map_err(|e| format!("back to {from:?}: {e}"))?;
            assert_only(&back, from)?;
            let again = translate(&there, to).map_err(|e| format!("again: {e}"))?;
            if again != there {
                return Err("a second translation to the same encoding changed the module".into());
            }
            let there_again = translate(&back, to).map_err(|e| format!("round trip again: {e}"))?;
            assert_only(&there_again, to)?;
            Ok(())
        })();
        if let Err(e) = result {
            failures.push(format!("{}: {e}", case.name));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The module validates (translate checked it) and its text holds no
/// instruction or type of the other encoding.
fn assert_only(wasm: &[u8], want: EhEncoding) -> Result<(), String> {
    let found = detect_bytes(wasm).map_err(|e| e.to_string())?;
    if found != want {
        return Err(format!("expected {want:?}, found {found:?}"));
    }
    let text = print(wasm);
    // Instructions start a line in wasmprinter's output; types can be anywhere.
    let banned_ops: &[&str] = match want {
        EhEncoding::Legacy => &["try_table", "throw_ref"],
        _ => &["try", "catch", "catch_all", "rethrow", "delegate"],
    };
    for line in text.lines() {
        let op = line
            .trim_start()
            .split([' ', '('])
            .next()
            .unwrap_or_default();
        if banned_ops.contains(&op) {
            return Err(format!("{want:?} output contains `{op}`:\n{text}"));
        }
    }
    if want == EhEncoding::Legacy && (text.contains("exnref") || text.contains("(ref null exn)")) {
        return Err(format!("legacy output mentions exnref:\n{text}"));
    }
    Ok(())
}

#[test]
fn exnref_outside_the_structural_subset_is_refused_with_a_location() {
    let refusals: Vec<Case> = cases().into_iter().filter(|c| c.refuse.is_some()).collect();
    assert!(refusals.len() >= 4, "the corpus has refusal cases");
    for case in refusals {
        let want = case.refuse.as_deref().unwrap_or_default();
        match translate(&case.wasm, EhEncoding::Legacy) {
            Err(e @ Error::ExnrefNotTranslatable { .. }) => {
                let message = e.to_string();
                assert!(
                    message.contains(want),
                    "{}: `{message}` does not say `{want}`",
                    case.name
                );
                assert!(
                    message.contains("function "),
                    "{}: `{message}` names no function",
                    case.name
                );
            }
            other => panic!(
                "{}: expected a refusal saying `{want}`, got {other:?}",
                case.name
            ),
        }
        // The other direction has nothing to do: the module is exnref already.
        assert_eq!(
            translate(&case.wasm, EhEncoding::Exnref).expect("no-op"),
            case.wasm
        );
    }
}

#[test]
fn mixed_modules_are_refused() {
    let wasm = wat::parse_str(
        r#"(module (tag $e)
            (func try nop catch_all end)
            (func block $l try_table (catch_all $l) nop end end))"#,
    )
    .expect("wat");
    assert_eq!(detect_bytes(&wasm).expect("parses"), EhEncoding::Mixed);
    for to in [EhEncoding::Legacy, EhEncoding::Exnref] {
        assert!(
            matches!(translate(&wasm, to), Err(Error::MixedEncodings { .. })),
            "{to:?}"
        );
    }
    // The module-level API refuses too (it finds out while rewriting).
    let parse = || {
        walrus::ModuleConfig::new()
            .parse(&wasm)
            .expect("walrus parses")
    };
    let err = wasm_recover_eh_translate::to_exnref(&mut parse()).expect_err("mixed");
    assert!(
        matches!(
            err,
            Error::MixedEncodings {
                legacy_function: 0,
                exnref_function: 1
            }
        ),
        "{err}"
    );
    let err = wasm_recover_eh_translate::to_legacy(&mut parse()).expect_err("mixed");
    assert!(
        matches!(
            err,
            Error::MixedEncodings {
                legacy_function: 0,
                exnref_function: 1
            }
        ),
        "{err}"
    );
}

/// Runs every corpus module in Node 26: the original, its translation, its
/// round trip and (legacy inputs) Binaryen's translation must behave the same
/// for every position an exception can start at.
#[test]
fn translations_behave_like_the_original_in_node_26() {
    let node = engine("node-26");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for case in cases().iter().filter(|c| c.refuse.is_none()) {
        let from = detect_bytes(&case.wasm).expect("parses");
        let to = other(from);
        let there = translate(&case.wasm, to).expect("translates");
        let back = translate(&there, from).expect("translates back");
        let mut files = vec![
            write(dir.path(), &format!("{}.orig.wasm", case.name), &case.wasm),
            write(dir.path(), &format!("{}.there.wasm", case.name), &there),
            write(dir.path(), &format!("{}.back.wasm", case.name), &back),
        ];
        let oracle = oracle_path(&case.name);
        if from == EhEncoding::Legacy {
            assert!(
                oracle.is_file(),
                "{}: no Binaryen output: run `cargo xtask eh-oracle`",
                case.name
            );
        }
        if oracle.is_file() {
            // Binaryen's shapes are exnref code we did not write: they must
            // come back to legacy too.
            let binaryen = std::fs::read(&oracle).expect("read oracle");
            let legacy = translate(&binaryen, EhEncoding::Legacy)
                .unwrap_or_else(|e| panic!("{}: Binaryen's output to legacy: {e}", case.name));
            files.push(write(
                dir.path(),
                &format!("{}.binaryen-legacy.wasm", case.name),
                &legacy,
            ));
            files.push(oracle);
        }
        groups.push((case.name.clone(), files));
    }
    let all: Vec<&Path> = groups
        .iter()
        .flat_map(|(_, f)| f.iter().map(PathBuf::as_path))
        .collect();
    let results = behaviour(&node, &[], &all);
    for (name, files) in &groups {
        let reference = &results[&files[0]];
        for file in &files[1..] {
            assert_eq!(
                &results[file],
                reference,
                "{name}: {} behaves differently from the original",
                file.display()
            );
        }
    }
}

/// The legacy side of every pair also runs on Node 20, which has no exnref.
#[test]
fn legacy_outputs_run_on_node_20() {
    let node = engine("node-20");
    let node26 = engine("node-26");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut pairs = Vec::new();
    for case in cases().iter().filter(|c| c.refuse.is_none()) {
        let from = detect_bytes(&case.wasm).expect("parses");
        let legacy = translate(&case.wasm, EhEncoding::Legacy).expect("translates");
        let legacy = write(dir.path(), &format!("{}.legacy.wasm", case.name), &legacy);
        let orig = write(dir.path(), &format!("{}.orig.wasm", case.name), &case.wasm);
        pairs.push((case.name.clone(), from, orig, legacy));
    }
    let legacy: Vec<&Path> = pairs.iter().map(|p| p.3.as_path()).collect();
    let on20 = behaviour(&node, &[], &legacy);
    let originals: Vec<&Path> = pairs.iter().map(|p| p.2.as_path()).collect();
    let on26 = behaviour(&node26, &[], &originals);
    for (name, _, orig, legacy) in &pairs {
        assert_eq!(
            on20[legacy], on26[orig],
            "{name}: the legacy translation on Node 20 differs from the original on Node 26"
        );
    }
}

/// Spot checks that the driver really exercises the handlers: values worked
/// out by hand from basic.wat and delegate.wat.
#[test]
fn the_driver_sees_handlers_run() {
    let node = engine("node-26");
    let case = cases()
        .into_iter()
        .find(|c| c.name == "basic")
        .expect("basic.wat");
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write(dir.path(), "basic.wasm", &case.wasm);
    let results = behaviour(&node, &[], &[file.as_path()]);
    let run = &results[&file]["results"]["run_catch"];
    let lines: Vec<&str> = run
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|v| v.as_str())
        .collect();
    assert!(lines.contains(&"k=-1 ret:10 log=0,1,2,5"), "{lines:?}");
    assert!(lines.contains(&"k=101 ret:1001 log=0,1,3,5"), "{lines:?}");
    assert!(lines.contains(&"k=1 js-token log=0,1,4"), "{lines:?}");
    assert!(lines.contains(&"k=5 js-token log=0,1,2,5"), "{lines:?}");
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).expect("write");
    path
}
