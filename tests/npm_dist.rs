//! The npm package (`cargo xtask npm-dist --debug`): installed offline from
//! its tarball into a scratch npm project and run with `npx wasm-recover`, it
//! writes the same files, prints the same lines and exits with the same codes
//! as the native binary on the same inputs.
//!
//! Cost: the debug wasm32-wasip1 build of the CLI (from scratch about as long
//! as the native debug build, then only when the CLI's sources change), the
//! `npm pack` of a ~35 MB tarball (~10 s) and a few runs under node:wasi
//! (~2 s each on the fixture).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use wasm_recover_test_support as support;

const FIXTURE: &str = "0.2.130-abort";

fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// Builds and packs the package; returns the tarball.
fn pack() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = cargo()
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "xtask",
            "--",
            "npm-dist",
            "--debug",
        ])
        .output()
        .expect("run cargo xtask npm-dist");
    assert!(
        out.status.success(),
        "cargo xtask npm-dist --debug failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed = String::from_utf8_lossy(&out.stdout);
    let tarball = PathBuf::from(printed.lines().last().expect("tarball path").trim());
    assert!(tarball.is_file(), "{} not written", tarball.display());
    tarball
}

/// A scratch npm project with the tarball installed without the registry.
fn install(tarball: &Path, project: &Path) {
    std::fs::create_dir_all(project).expect("mkdir");
    std::fs::write(
        project.join("package.json"),
        "{\"name\":\"scratch\",\"version\":\"1.0.0\",\"private\":true}\n",
    )
    .expect("write package.json");
    let out = Command::new("npm")
        .args(["install", "--offline", "--no-audit", "--no-fund"])
        .arg(tarball)
        .current_dir(project)
        .output()
        .expect("run npm install");
    assert!(
        out.status.success(),
        "npm install --offline failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn npx(project: &Path, args: &[&str]) -> Output {
    Command::new("npx")
        .args(["--offline", "--no-install", "wasm-recover"])
        .args(args)
        .current_dir(project)
        .output()
        .expect("run npx wasm-recover")
}

fn native(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wasm-recover"))
        .args(args)
        .current_dir(cwd)
        .output()
        .expect("run wasm-recover")
}

/// Every file under `dir` (relative path, bytes), sorted.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("inside").to_path_buf();
                found.push((rel, std::fs::read(&path).expect("read")));
            }
        }
    }
    found.sort();
    found
}

/// The two runs agree: exit code, stdout, stderr (each run's own directory
/// written as `<dir>`: the scratch project and the reference differ there).
fn same_run(what: &str, npm: (&Output, &Path), native: (&Output, &Path)) {
    let (npm, npm_dir) = npm;
    let (native, native_dir) = native;
    let text =
        |b: &[u8], dir: &Path| String::from_utf8_lossy(b).replace(&*dir.to_string_lossy(), "<dir>");
    assert_eq!(
        npm.status.code(),
        native.status.code(),
        "{what}: exit codes differ\nnpm stderr:\n{}\nnative stderr:\n{}",
        text(&npm.stderr, npm_dir),
        text(&native.stderr, native_dir)
    );
    assert_eq!(
        text(&npm.stdout, npm_dir),
        text(&native.stdout, native_dir),
        "{what}: stdout differs"
    );
    assert_eq!(
        text(&npm.stderr, npm_dir),
        text(&native.stderr, native_dir),
        "{what}: stderr differs"
    );
}

fn same_files(what: &str, a: &Path, b: &Path) {
    let (a, b) = (files(a), files(b));
    let names = |f: &[(PathBuf, Vec<u8>)]| f.iter().map(|(p, _)| p.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b), "{what}: different files");
    for ((path, x), (_, y)) in a.iter().zip(&b) {
        assert!(x == y, "{what}: `{}` differs", path.display());
    }
}

#[test]
fn npx_wasm_recover_from_the_packed_tarball_behaves_as_the_native_binary() {
    let tarball = pack();
    let tmp = tempfile::tempdir().expect("tempdir");
    let project = tmp.path().join("project");
    let reference = tmp.path().join("native");
    install(&tarball, &project);
    // The same package.json as the scratch project: configuration is found alike.
    std::fs::create_dir_all(&reference).expect("mkdir");
    std::fs::copy(project.join("package.json"), reference.join("package.json")).expect("copy");
    let fixture = support::fixtures_dir().join(FIXTURE);
    for dir in [&project, &reference] {
        support::copy_dir(&fixture, &dir.join("pkg")).expect("copy fixture");
        support::copy_dir(&fixture.join("nodejs"), &dir.join("bad")).expect("copy fixture");
        // A wasm cut in half: refused, exit 2, nothing written.
        let wasm = dir.join("bad/recover_fixture_bg.wasm");
        let bytes = std::fs::read(&wasm).expect("read wasm");
        std::fs::write(&wasm, &bytes[..bytes.len() / 2]).expect("truncate wasm");
    }

    // Relative paths resolve against the caller's directory.
    let (n, r) = (
        npx(&project, &["--check", "pkg"]),
        native(&reference, &["--check", "pkg"]),
    );
    assert_eq!(r.status.code(), Some(1), "the fixture needs hardening");
    same_run("--check before", (&n, &project), (&r, &reference));

    let (n, r) = (npx(&project, &["pkg"]), native(&reference, &["pkg"]));
    assert_eq!(r.status.code(), Some(0));
    same_run("harden", (&n, &project), (&r, &reference));
    same_files("harden", &project.join("pkg"), &reference.join("pkg"));

    let (n, r) = (
        npx(&project, &["--check", "pkg"]),
        native(&reference, &["--check", "pkg"]),
    );
    assert_eq!(r.status.code(), Some(0), "hardened");
    same_run("--check after", (&n, &project), (&r, &reference));

    let (n, r) = (npx(&project, &["bad"]), native(&reference, &["bad"]));
    assert_eq!(r.status.code(), Some(2), "a truncated wasm is refused");
    same_run("refused", (&n, &project), (&r, &reference));
    same_files("refused", &project.join("bad"), &reference.join("bad"));

    // An absolute path works too (the launcher preopens `/`).
    let absolute = project.join("bad");
    let n = npx(&project, &[absolute.to_str().expect("utf-8 path")]);
    assert_eq!(
        n.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&n.stderr)
    );
    assert!(
        String::from_utf8_lossy(&n.stderr).contains(&*absolute.to_string_lossy()),
        "the refusal names the file: {}",
        String::from_utf8_lossy(&n.stderr)
    );

    // WASI has no flock: a lock file left by a killed run blocks, and the
    // refusal says which file to remove (docs/npm.md); nothing is written.
    support::copy_dir(&fixture.join("nodejs"), &project.join("locked")).expect("copy fixture");
    std::fs::write(project.join("locked/.wasm-recover.lock"), "").expect("write lock");
    let before = files(&project.join("locked"));
    let n = Command::new("npx")
        .args(["--offline", "--no-install", "wasm-recover", "locked"])
        .env("WASM_RECOVER_LOCK_WAIT", "1")
        .current_dir(&project)
        .output()
        .expect("run npx wasm-recover");
    let stderr = String::from_utf8_lossy(&n.stderr);
    assert_eq!(n.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("If no run is live, remove") && stderr.contains(".wasm-recover.lock"),
        "{stderr}"
    );
    assert!(
        before == files(&project.join("locked")),
        "a locked tree was written"
    );
}
