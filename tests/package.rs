//! npm packages: outputs found from what the entry points load, each judged
//! on its own. Packages are assembled at test time from the committed real
//! fixture outputs, or copied from the real npm packages in `.cache/npm`, and
//! the results are loaded through their entry points with real Node.

use std::path::Path;
use std::process::{Command, Output};

use wasm_recover_model::names::GLUE_MARKER;
use wasm_recover_test_support as support;

const BUILD: &str = "0.2.130-abort";

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .args(args)
        .output()
        .expect("run wasm-recover")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn copy_target(target: &str, to: &Path) {
    support::copy_dir(&support::fixtures_dir().join(BUILD).join(target), to).expect("copy");
}

fn hardened(glue: &Path) -> bool {
    std::fs::read_to_string(glue)
        .expect("read glue")
        .starts_with(GLUE_MARKER)
}

/// Runs `script` (an ES module) with Node 26 in `dir`; returns its stdout.
fn node(dir: &Path, script: &str) -> String {
    let node = support::require_engine("node-26").expect("node");
    let file = dir.join("probe.mjs");
    std::fs::write(&file, script).expect("write probe");
    let out = Command::new(node)
        .arg(&file)
        .current_dir(dir)
        .output()
        .expect("node");
    assert!(out.status.success(), "node failed: {}", text(&out.stderr));
    text(&out.stdout)
}

#[test]
fn exports_conditions_harden_what_require_and_import_load() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    copy_target("nodejs", &pkg.join("nodejs"));
    copy_target("web", &pkg.join("web"));
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","exports":{".":{"require":"./nodejs/recover_fixture.js","import":"./web/recover_fixture.js"}}}"#,
    )
    .expect("write package.json");
    let check = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    let out = run(&[pkg.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let summary = text(&out.stdout);
    assert!(summary.contains("exports[\".\"].require"), "{summary}");
    assert!(summary.contains("exports[\".\"].import"), "{summary}");
    assert!(hardened(&pkg.join("nodejs/recover_fixture.js")));
    assert!(hardened(&pkg.join("web/recover_fixture.js")));
    let probe = node(
        tmp.path(),
        r#"
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
const required = createRequire(import.meta.url)("example");
const imported = await import("example");
imported.initSync({ module: readFileSync("node_modules/example/web/recover_fixture_bg.wasm") });
for (const m of [required, imported]) {
  console.log(typeof m.set_on_abort, typeof m.__wbg_reset_state, m.add(2, 3));
}
"#,
    );
    assert_eq!(probe, "function function 5\nfunction function 5\n");
    let again = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}

#[test]
fn a_leftover_split_glue_beside_the_loaded_one_is_left_alone() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    copy_target("nodejs", &pkg.join("pkg"));
    // The bundler target's `x_bg.js`, left over from another build: the
    // file names alone would pick it as the glue.
    let leftover = pkg.join("pkg/recover_fixture_bg.js");
    std::fs::copy(
        support::fixtures_dir()
            .join(BUILD)
            .join("bundler/recover_fixture_bg.js"),
        &leftover,
    )
    .expect("copy leftover");
    let before = std::fs::read(&leftover).expect("read");
    // And a whole output of another target that nothing loads.
    copy_target("web", &pkg.join("old"));
    let old_glue = std::fs::read(pkg.join("old/recover_fixture.js")).expect("read");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","main":"pkg/recover_fixture.js"}"#,
    )
    .expect("write package.json");
    let out = run(&[pkg.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(hardened(&pkg.join("pkg/recover_fixture.js")));
    assert_eq!(std::fs::read(&leftover).expect("read"), before);
    assert_eq!(
        std::fs::read(pkg.join("old/recover_fixture.js")).expect("read"),
        old_glue
    );
    let summary = text(&out.stdout);
    assert!(
        summary.contains("old/recover_fixture_bg.wasm: loaded by no entry point, left alone"),
        "{summary}"
    );
    let probe = node(
        tmp.path(),
        r#"
import { createRequire } from "node:module";
const m = createRequire(import.meta.url)("example");
console.log(typeof m.set_on_abort, m.add(1, 1));
"#,
    );
    assert_eq!(probe, "function 2\n");
}

#[test]
fn a_refused_output_is_named_and_the_other_is_still_hardened() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    copy_target("nodejs", &pkg.join("good"));
    copy_target("nodejs", &pkg.join("bad"));
    let bad = pkg.join("bad/recover_fixture.js");
    let mut broken = std::fs::read_to_string(&bad).expect("read");
    broken.push_str("\nfunction (\n");
    std::fs::write(&bad, &broken).expect("write");
    let bad_wasm = std::fs::read(pkg.join("bad/recover_fixture_bg.wasm")).expect("read");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","exports":{".":"./good/recover_fixture.js","./bad":"./bad/recover_fixture.js"}}"#,
    )
    .expect("write package.json");
    let check = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stdout));
    let out = run(&[pkg.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad/recover_fixture")
            && stderr.contains("refused")
            && stderr.contains("not valid JavaScript"),
        "{stderr}"
    );
    assert!(hardened(&pkg.join("good/recover_fixture.js")));
    assert_eq!(std::fs::read_to_string(&bad).expect("read"), broken);
    assert_eq!(
        std::fs::read(pkg.join("bad/recover_fixture_bg.wasm")).expect("read"),
        bad_wasm
    );
    let probe = node(
        tmp.path(),
        r#"
import { createRequire } from "node:module";
const m = createRequire(import.meta.url)("example");
console.log(typeof m.set_on_abort, m.add(20, 22));
"#,
    );
    assert_eq!(probe, "function 42\n");
    // --fail-fast: the same refusal stops the run and nothing is written.
    let (_tmp2, copy) = {
        let tmp2 = tempfile::tempdir().expect("tempdir");
        let copy = tmp2.path().join("example");
        support::copy_dir(&pkg, &copy).expect("copy");
        std::fs::write(
            copy.join("good/recover_fixture.js"),
            std::fs::read(
                support::fixtures_dir()
                    .join(BUILD)
                    .join("nodejs/recover_fixture.js"),
            )
            .expect("read"),
        )
        .expect("write");
        (tmp2, copy)
    };
    let fast = run(&["--fail-fast".as_ref(), copy.as_os_str()]);
    assert_eq!(fast.status.code(), Some(2));
    assert!(!hardened(&copy.join("good/recover_fixture.js")));
}

/// `@automerge/automerge` 3.5.0 ships its wasm as a file, as base64 in JS
/// (the `import` entry outside Node) and inside esbuild bundles (`require`).
#[test]
fn automerge_base64_copy_is_hardened_in_place_and_bundles_are_refused() {
    let source = support::project_root().join(".cache/npm/@automerge/automerge@3.5.0");
    assert!(source.is_dir(), "run `cargo xtask npm-packages install`");
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/@automerge/automerge");
    support::copy_dir(&source, &pkg).expect("copy");
    let holder = pkg.join("dist/mjs/wasm_bindgen_output/web/automerge_wasm_bg_base64.js");
    let original = std::fs::read_to_string(&holder).expect("read");
    let bundle = pkg.join("dist/cjs/fullfat_node.cjs");
    let bundle_before = std::fs::read(&bundle).expect("read");

    let out = run(&[pkg.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("fullfat_node.cjs") && stderr.contains("glue bundled into a larger file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&bundle).expect("read"), bundle_before);
    // The workerd glue is also fed by a custom loader (refused): it stands
    // or falls with it, so it is left as it is too.
    let workerd = pkg.join("dist/mjs/wasm_bindgen_output/workerd/automerge_wasm.js");
    assert!(!hardened(&workerd));
    assert!(stderr.contains("shares files with"), "{stderr}");

    // The literal is replaced, quotes and the rest of the file byte for byte.
    let rewritten = std::fs::read_to_string(&holder).expect("read");
    let prefix = "export const automergeWasmBase64 = \"";
    assert!(original.starts_with(prefix) && rewritten.starts_with(prefix));
    let tail = |s: &str| s[s.rfind('"').expect("quote")..].to_string();
    assert_eq!(tail(&rewritten), tail(&original));
    let payload = &rewritten[prefix.len()..rewritten.rfind('"').expect("quote")];
    assert_ne!(
        payload,
        &original[prefix.len()..original.rfind('"').expect("quote")]
    );

    let probe = node(
        tmp.path(),
        r#"
import * as glue from "./node_modules/@automerge/automerge/dist/mjs/wasm_bindgen_output/web/index.js";
import * as viaBase64 from "./node_modules/@automerge/automerge/dist/mjs/entrypoints/fullfat_base64.js";
import * as viaRoot from "@automerge/automerge";
const probe = new TextDecoder("latin1").decode(Uint8Array.from(atob((await import("./node_modules/@automerge/automerge/dist/mjs/wasm_bindgen_output/web/automerge_wasm_bg_base64.js")).automergeWasmBase64), c => c.charCodeAt(0)));
console.log(typeof glue.set_on_abort, probe.includes("wasm-recover"));
for (const A of [viaBase64, viaRoot]) {
  let doc = A.from({ n: 1 });
  doc = A.change(doc, d => { d.n = 2; });
  console.log(doc.n, A.save(doc).length > 0);
}
"#,
    );
    assert_eq!(probe, "function true\n2 true\n2 true\n");
    // `import` of the root under Node loads the nodejs glue (`.cjs`).
    assert!(hardened(
        &pkg.join("dist/mjs/wasm_bindgen_output/nodejs/automerge_wasm.cjs")
    ));
}

/// The bundler glue converted to CommonJS by a package's own build, as some
/// packages ship it for `require`: `x.cjs` requires `x_bg.cjs` and
/// instantiates the wasm itself. It is refused, never reported hardened.
#[test]
fn a_commonjs_conversion_of_bundler_glue_is_refused_untouched() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    let dist = pkg.join("dist");
    std::fs::create_dir_all(&dist).expect("mkdir");
    let bundler = support::fixtures_dir().join(BUILD).join("bundler");
    std::fs::copy(
        bundler.join("recover_fixture_bg.wasm"),
        dist.join("recover_fixture_bg.wasm"),
    )
    .expect("copy");
    let esm = std::fs::read_to_string(bundler.join("recover_fixture_bg.js")).expect("read");
    let mut names = Vec::new();
    let mut cjs = String::new();
    for line in esm.lines() {
        let line = match line.strip_prefix("export ") {
            Some(rest) => {
                let name = rest.split(['(', ' ', '{']).nth(1).expect("exported name");
                names.push(name.to_string());
                rest
            }
            None => line,
        };
        cjs.push_str(line);
        cjs.push('\n');
    }
    cjs.push_str(&format!("module.exports = {{ {} }};\n", names.join(", ")));
    std::fs::write(dist.join("recover_fixture_bg.cjs"), &cjs).expect("write");
    let loader = r#"const bg = require("./recover_fixture_bg.cjs");
const bytes = require("fs").readFileSync(require("path").join(__dirname, "recover_fixture_bg.wasm"));
const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { "./recover_fixture_bg.js": bg });
bg.__wbg_set_wasm(instance.exports);
instance.exports.__wbindgen_start();
module.exports = bg;
"#;
    std::fs::write(dist.join("recover_fixture.cjs"), loader).expect("write");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","exports":{"require":"./dist/recover_fixture.cjs"}}"#,
    )
    .expect("write package.json");
    let probe = r#"
import { createRequire } from "node:module";
const m = createRequire(import.meta.url)("example");
console.log(typeof m.set_on_abort, m.add(3, 4));
"#;
    assert_eq!(
        node(tmp.path(), probe),
        "undefined 7\n",
        "the conversion works before"
    );

    let check = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stdout));
    let out = run(&[pkg.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains(".cjs conversion of bundler glue") && stderr.contains("recover_fixture"),
        "{stderr}"
    );
    assert!(
        !text(&out.stdout).contains(": hardened"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read_to_string(dist.join("recover_fixture_bg.cjs")).expect("read"),
        cjs
    );
    assert_eq!(
        std::fs::read_to_string(dist.join("recover_fixture.cjs")).expect("read"),
        loader
    );
    assert_eq!(node(tmp.path(), probe), "undefined 7\n");
}

/// A loader that picks its output with a computed `require`: what it loads
/// cannot be followed, so the wasm it may load is not called "left alone".
#[test]
fn a_wasm_that_a_computed_require_may_load_is_refused() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    copy_target("nodejs", &pkg.join("node"));
    std::fs::write(
        pkg.join("index.js"),
        "module.exports = require(`./${process.release.name}/recover_fixture.js`);\n",
    )
    .expect("write loader");
    std::fs::write(
        pkg.join("package.json"),
        r#"{"name":"example","main":"index.js"}"#,
    )
    .expect("write package.json");
    let glue = std::fs::read(pkg.join("node/recover_fixture.js")).expect("read");
    let check = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check.status.code(), Some(2), "{}", text(&check.stdout));
    let out = run(&[pkg.as_os_str()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stdout));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("node/recover_fixture_bg.wasm") && stderr.contains("index.js:1"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(pkg.join("node/recover_fixture.js")).expect("read"),
        glue
    );
}

/// The nodejs glue reading its module from a base64 string in another file
/// (the only Node loader some packages ship): the string is decoded, hardened
/// with the glue's plan and written back; an abort then resets the instance.
#[test]
fn a_nodejs_glue_fed_from_base64_is_hardened_with_its_string() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let pkg = tmp.path().join("node_modules/example");
    let lib = pkg.join("lib");
    let node_bin = support::require_engine("node-26").expect("node");
    let (holder, _) = support::base64_fed_package(&pkg, &node_bin);

    let check = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    let out = run(&[pkg.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("inlined wasm + glue): hardened"),
        "{}",
        text(&out.stdout)
    );
    assert!(hardened(&lib.join("recover_fixture.js")));
    let rewritten = std::fs::read_to_string(lib.join("recover_fixture_wasm.js")).expect("read");
    assert!(rewritten.starts_with("module.exports = \"") && rewritten.ends_with("\";\n"));
    assert_ne!(rewritten, holder);
    let probe = node(
        tmp.path(),
        r#"
import { createRequire } from "node:module";
const m = createRequire(import.meta.url)("example");
let aborted = "";
try { m.panic_now("boom"); } catch (e) { aborted = e.name; }
console.log(typeof m.set_on_abort, aborted, m.add(2, 2));
"#,
    );
    assert_eq!(probe, "function AbortError 4\n");
    let again = run(&["--check".as_ref(), pkg.as_os_str()]);
    assert_eq!(again.status.code(), Some(0), "{}", text(&again.stdout));
}
