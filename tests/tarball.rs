//! npm tarballs as PATHs, on a real one: lol-html 2.3.0 as `npm pack`
//! fetches it (pinned by the sha512 integrity in tests/npm/packages.json).
//! Hardened in place and with --out-dir, the tar keeps every entry (order,
//! mode, mtime, owner) and every other file byte for byte, and the hardened
//! package works in Node.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use sha2::{Digest, Sha512};
use wasm_recover_test_support as support;

const NAME: &str = "lol-html";
const VERSION: &str = "2.3.0";

fn run(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .args(args)
        .output()
        .expect("run wasm-recover")
}

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

/// The pinned integrity of the package, from tests/npm/packages.json.
fn integrity() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/npm/packages.json");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).expect("read")).expect("json");
    let package = doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == NAME && p["version"] == VERSION)
        .expect("lol-html is pinned");
    package["integrity"]
        .as_str()
        .expect("integrity")
        .to_string()
}

/// `npm pack`s the pinned tarball into `dir` and checks its integrity.
fn real_tarball(dir: &Path) -> PathBuf {
    let out = Command::new("npm")
        .args(["pack", "--silent", &format!("{NAME}@{VERSION}")])
        .current_dir(dir)
        .output()
        .expect("npm");
    assert!(out.status.success(), "npm pack: {}", text(&out.stderr));
    let tarball = dir.join(format!("{NAME}-{VERSION}.tgz"));
    let bytes = std::fs::read(&tarball).expect("read tarball");
    let digest = Sha512::digest(&bytes);
    let expected = integrity();
    let got = format!("sha512-{}", base64(&digest));
    assert_eq!(got, expected, "the tarball is the pinned one");
    tarball
}

/// Standard base64 (the integrity's encoding); tiny, so not a dependency.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().fold(0u32, |n, &b| n << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
        out.push_str(&"=".repeat(3 - chunk.len()));
    }
    out
}

/// `tar -tvzf`: one line per entry (mode, owner, size, mtime, name).
fn listing(tarball: &Path) -> Vec<String> {
    let out = Command::new("tar")
        .arg("-tvzf")
        .arg(tarball)
        .output()
        .expect("tar");
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout).lines().map(str::to_string).collect()
}

/// Every entry's name and contents, read by system `gzip`-aware `tar`.
fn contents(tarball: &Path, into: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::create_dir_all(into).expect("mkdir");
    let out = Command::new("tar")
        .arg("-xzf")
        .arg(tarball)
        .arg("-C")
        .arg(into)
        .output()
        .expect("tar");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let mut files = BTreeMap::new();
    for line in listing(tarball) {
        let name = line.split_whitespace().last().expect("name").to_string();
        let mut bytes = Vec::new();
        std::fs::File::open(into.join(&name))
            .expect("open")
            .read_to_end(&mut bytes)
            .expect("read");
        files.insert(name, bytes);
    }
    files
}

/// The listing with the size column blanked for `hardened` entries.
fn without_sizes(listing: &[String], hardened: &[&str]) -> Vec<String> {
    listing
        .iter()
        .map(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            if hardened.iter().any(|h| fields.last() == Some(h)) {
                let mut fields = fields;
                fields[2] = "SIZE";
                fields.join(" ")
            } else {
                fields.join(" ")
            }
        })
        .collect()
}

const HARDENED: [&str; 3] = [
    "package/lol_html.js",
    "package/lol_html_bg.wasm",
    "package/lol_html.d.ts",
];

fn assert_rebuilt_faithfully(original: &Path, hardened: &Path, tmp: &Path) {
    assert_eq!(
        without_sizes(&listing(original), &HARDENED),
        without_sizes(&listing(hardened), &HARDENED),
        "same entries, order, modes, owners and mtimes"
    );
    let before = contents(original, &tmp.join("before"));
    let after = contents(hardened, &tmp.join("after"));
    for (name, bytes) in &before {
        let changed = after[name] != *bytes;
        assert_eq!(changed, HARDENED.contains(&name.as_str()), "{name}");
    }
    // The hardened package loads and works in Node, abort handling included.
    let node = support::require_engine("node-26").expect("node");
    let out = Command::new(node)
        .current_dir(tmp.join("after"))
        .args([
            "-e",
            r#"const m = require('./package');
const chunks = [];
const r = new m.HTMLRewriter('utf8', (c) => chunks.push(Buffer.from(c).toString()));
r.on('p', { element(e) { e.setAttribute('x', '1'); } });
r.write(Buffer.from('<p>hi</p>'));
r.end();
console.log(chunks.join(''), typeof m.set_on_abort, typeof m.__wbg_reset_state);"#,
        ])
        .output()
        .expect("node");
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).trim(),
        r#"<p x="1">hi</p> function function"#
    );
}

#[test]
fn a_real_npm_tarball_is_hardened_in_place_keeping_every_other_byte() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tarball = real_tarball(tmp.path());
    let original = tmp.path().join("original.tgz");
    std::fs::copy(&tarball, &original).expect("copy");

    let check = run(&["--check".as_ref(), tarball.as_os_str()]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stdout));
    assert_eq!(
        std::fs::read(&tarball).expect("read"),
        std::fs::read(&original).expect("read")
    );

    let out = run(&[tarball.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("lol-html-2.3.0.tgz:package/lol_html_bg.wasm"),
        "{}",
        text(&out.stdout)
    );
    assert_rebuilt_faithfully(&original, &tarball, tmp.path());

    let check = run(&["--check".as_ref(), tarball.as_os_str()]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}

#[test]
fn out_dir_writes_the_hardened_tarball_under_the_same_name() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let input = tmp.path().join("in");
    std::fs::create_dir_all(&input).expect("mkdir");
    let tarball = real_tarball(&input);
    let before = std::fs::read(&tarball).expect("read");
    let out_dir = tmp.path().join("out");
    let out = run(&[
        "--out-dir".as_ref(),
        out_dir.as_os_str(),
        tarball.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        std::fs::read(&tarball).expect("read"),
        before,
        "the input is untouched"
    );
    let written: Vec<_> = std::fs::read_dir(&out_dir)
        .expect("out")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(
        written,
        vec![std::ffi::OsString::from("lol-html-2.3.0.tgz")]
    );
    let hardened = out_dir.join("lol-html-2.3.0.tgz");
    assert_rebuilt_faithfully(&tarball, &hardened, tmp.path());

    // Already hardened: --out-dir gets the tarball byte for byte.
    let again = tmp.path().join("again");
    let out = run(&[
        "--out-dir".as_ref(),
        again.as_os_str(),
        hardened.as_os_str(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("already hardened"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(
        std::fs::read(again.join("lol-html-2.3.0.tgz")).expect("read"),
        std::fs::read(&hardened).expect("read")
    );
}

#[test]
fn a_tarball_is_configured_by_its_own_package_json_field() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let tarball = real_tarball(tmp.path());
    let dir = tmp.path().join("x");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let tar = |args: &[&std::ffi::OsStr]| {
        let out = Command::new("tar").args(args).output().expect("tar");
        assert!(out.status.success(), "{}", text(&out.stderr));
    };
    tar(&[
        "-xzf".as_ref(),
        tarball.as_os_str(),
        "-C".as_ref(),
        dir.as_os_str(),
    ]);
    let manifest = dir.join("package/package.json");
    let mut json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest).expect("read")).expect("json");
    json["wasm-recover"] = serde_json::json!({ "reset": "manual" });
    std::fs::write(&manifest, json.to_string()).expect("write");
    let configured = tmp.path().join("configured.tgz");
    tar(&[
        "-czf".as_ref(),
        configured.as_os_str(),
        "-C".as_ref(),
        dir.as_os_str(),
        "package".as_ref(),
    ]);

    let out = run(&["--format".as_ref(), "json".as_ref(), configured.as_os_str()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let schema_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema_path).expect("read")).expect("json");
    let validator = jsonschema::validator_for(&schema).expect("schema");
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(doc["configuration"]["reset"], "manual", "{doc:#}");
    assert_eq!(doc["outputs"][0]["added"]["reset"], "manual", "{doc:#}");
    assert_eq!(
        doc["outputs"][0]["tarball"],
        configured.display().to_string()
    );
}

#[test]
fn a_tarball_that_is_not_an_npm_package_is_refused_untouched_and_the_next_path_judged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("src/other");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("x.js"), "1").expect("write");
    let odd = tmp.path().join("odd.tgz");
    let out = Command::new("tar")
        .arg("-czf")
        .arg(&odd)
        .arg("-C")
        .arg(tmp.path().join("src"))
        .arg("other")
        .output()
        .expect("tar");
    assert!(out.status.success());
    let before = std::fs::read(&odd).expect("read");
    let good = tmp.path().join("good");
    support::copy_dir(&support::fixtures_dir().join("0.2.130-abort/nodejs"), &good).expect("copy");

    let out = run(&[odd.as_os_str(), good.as_os_str()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("odd.tgz") && stderr.contains("not under `package/`"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&odd).expect("read"), before);
    assert!(
        text(&out.stdout).contains(": hardened ("),
        "{}",
        text(&out.stdout)
    );
}
