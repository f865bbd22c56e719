//! Writes as one transaction per run: a run killed (SIGKILL) or failing
//! (EIO, ENOSPC) at any step leaves, once the next run has looked at the
//! tree, every file original or every file hardened; never a mix, never a
//! temp file. Also: owners and modes kept, concurrent runs serialised,
//! non-regular inputs refused, `--out-dir` copies faithful.
//!
//! The faults are injected with `WASM_RECOVER_FAULT` (read by debug builds
//! only): `trace` lists the steps, `kill@N` / `eio@N` / `enospc@N` act at step N.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use wasm_recover_test_support as support;

const BIN: &str = env!("CARGO_BIN_EXE_wasm-recover");

/// Two real outputs (a G0 nodejs one and a G2 web one) in one package, so
/// one run replaces files in two directories.
fn package() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("tempdir");
    let pkg = dir.path().join("pkg");
    let fixtures = support::fixtures_dir();
    support::copy_dir(&fixtures.join("0.2.130-abort/nodejs"), &pkg.join("a")).expect("copy");
    support::copy_dir(&fixtures.join("0.2.130-unwind-legacy/web"), &pkg.join("b")).expect("copy");
    std::fs::write(pkg.join("package.json"), "{\"name\":\"two-outputs\"}\n").expect("write");
    (dir, pkg)
}

fn run_env(pkg: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(extra).arg(pkg).env_remove("WASM_RECOVER_FAULT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run wasm-recover")
}

fn run(pkg: &Path, extra: &[&str]) -> Output {
    run_env(pkg, extra, &[])
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

/// Every file under `dir` (relative path -> bytes), dot files included.
fn files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let entry = entry.expect("entry");
            let path = entry.path();
            if entry.file_type().expect("type").is_dir() {
                stack.push(path);
            } else {
                let rel = path.strip_prefix(dir).expect("prefix").to_path_buf();
                found.insert(rel, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    found
}

/// Files of this tool left in the tree (temps, journal, lock).
fn leftovers(dir: &Path) -> Vec<PathBuf> {
    files(dir)
        .into_keys()
        .filter(|p| p.to_string_lossy().contains(".wasm-recover"))
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum State {
    Original,
    Hardened,
}

/// Which complete state `pkg` is in, ignoring this tool's own files;
/// panics on a mix.
fn state(
    pkg: &Path,
    original: &BTreeMap<PathBuf, Vec<u8>>,
    hardened: &BTreeMap<PathBuf, Vec<u8>>,
    what: &str,
) -> State {
    let now: BTreeMap<_, _> = files(pkg)
        .into_iter()
        .filter(|(p, _)| !p.to_string_lossy().contains(".wasm-recover"))
        .collect();
    if now == *original {
        State::Original
    } else if now == *hardened {
        State::Hardened
    } else {
        let mixed: Vec<String> = now
            .iter()
            .map(|(p, b)| {
                let s = if original.get(p) == Some(b) && hardened.get(p) == Some(b) {
                    "same"
                } else if original.get(p) == Some(b) {
                    "original"
                } else if hardened.get(p) == Some(b) {
                    "hardened"
                } else {
                    "OTHER"
                };
                format!("{}: {s}", p.display())
            })
            .collect();
        panic!(
            "{what}: a mix of original and hardened files:\n{}",
            mixed.join("\n")
        );
    }
}

struct Reference {
    original: BTreeMap<PathBuf, Vec<u8>>,
    hardened: BTreeMap<PathBuf, Vec<u8>>,
}

fn reference() -> Reference {
    let (_tmp, pkg) = package();
    let original = files(&pkg);
    let out = run(&pkg, &[]);
    assert!(out.status.success(), "{}", text(&out));
    let hardened = files(&pkg);
    assert_ne!(original, hardened);
    assert!(leftovers(&pkg).is_empty(), "{:?}", leftovers(&pkg));
    Reference { original, hardened }
}

/// After whatever happened to `pkg`: `--check` finishes the interrupted
/// run and agrees with the files; a plain run then hardens; nothing of ours left.
fn assert_recovers(pkg: &Path, r: &Reference, what: &str) -> State {
    let check = run(pkg, &["--check"]);
    let code = check.status.code();
    assert!(
        code == Some(0) || code == Some(1),
        "{what}: --check: {}",
        text(&check)
    );
    let after_check = state(
        pkg,
        &r.original,
        &r.hardened,
        &format!("{what}, after --check"),
    );
    let expected = if code == Some(0) {
        State::Hardened
    } else {
        State::Original
    };
    assert_eq!(
        after_check,
        expected,
        "{what}: --check disagrees with the files: {}",
        text(&check)
    );
    assert_eq!(
        leftovers(pkg),
        Vec::<PathBuf>::new(),
        "{what}: left after --check"
    );
    let again = run(pkg, &[]);
    assert!(
        again.status.success(),
        "{what}: the next run: {}",
        text(&again)
    );
    assert_eq!(
        state(pkg, &r.original, &r.hardened, what),
        State::Hardened,
        "{what}"
    );
    assert_eq!(
        leftovers(pkg),
        Vec::<PathBuf>::new(),
        "{what}: left after the next run"
    );
    let check = run(pkg, &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{what}: {}", text(&check));
    after_check
}

/// The steps of a run on a fresh package, in order (`fault step N: name`).
fn trace_steps() -> Vec<String> {
    let (_tmp, pkg) = package();
    let out = run_env(&pkg, &[], &[("WASM_RECOVER_FAULT", "trace")]);
    assert!(out.status.success(), "{}", text(&out));
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter_map(|l| l.strip_prefix("fault step "))
        .filter_map(|l| Some(l.split_once(": ")?.1.to_string()))
        .collect()
}

fn count_steps() -> usize {
    trace_steps().len()
}

/// The number of the first step called `name`.
fn first_step(name: &str) -> usize {
    let steps = trace_steps();
    1 + steps
        .iter()
        .position(|s| s == name)
        .unwrap_or_else(|| panic!("no step `{name}` in {steps:?}"))
}

#[test]
fn a_committed_run_whose_staged_file_vanished_is_undone() {
    let r = reference();
    let rename = first_step("rename");
    let (_tmp, pkg) = package();
    let out = run_env(
        &pkg,
        &[],
        &[("WASM_RECOVER_FAULT", &format!("kill@{rename}"))],
    );
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    assert!(
        pkg.join(".wasm-recover-journal").is_file(),
        "killed after the commit point"
    );
    let staged = leftovers(&pkg)
        .into_iter()
        .find(|p| p.to_string_lossy().ends_with(".wasm-recover-new"))
        .expect("a staged file");
    std::fs::remove_file(pkg.join(staged)).expect("remove");
    let check = run(&pkg, &["--check"]);
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert!(text(&check).contains("undone"), "{}", text(&check));
    assert_eq!(
        state(&pkg, &r.original, &r.hardened, "vanished"),
        State::Original
    );
    assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new());
}

#[test]
fn a_run_killed_while_undoing_its_own_failure_is_undone_by_the_next() {
    let r = reference();
    let steps = trace_steps();
    // The second rename fails: the run starts putting the originals back.
    let fail = first_step("rename") + 1;
    let mut outcomes = BTreeMap::new();
    for k in 1..=12 {
        let (_tmp, pkg) = package();
        let what = format!("eio@{fail},kill@{}", fail + k);
        let out = run_env(&pkg, &[], &[("WASM_RECOVER_FAULT", &what)]);
        if out.status.signal() != Some(9) {
            // The undo had fewer steps than k: it finished by itself.
            assert_eq!(out.status.code(), Some(2), "{what}: {}", text(&out));
            assert_eq!(
                state(&pkg, &r.original, &r.hardened, &what),
                State::Original
            );
            break;
        }
        let after = assert_recovers(&pkg, &r, &what);
        *outcomes.entry(after).or_insert(0) += 1;
    }
    eprintln!(
        "killed while undoing (steps: {}): next run found {outcomes:?}",
        steps.len()
    );
    assert!(outcomes.contains_key(&State::Original), "{outcomes:?}");
}

#[test]
fn a_run_killed_at_any_step_is_finished_or_undone_by_the_next() {
    let r = reference();
    let steps = count_steps();
    // create/write/chmod/fsync per file, links, journal, 6 renames, cleanup.
    assert!(steps >= 40, "only {steps} steps traced");
    let mut outcomes = BTreeMap::new();
    for n in 1..=steps {
        let (_tmp, pkg) = package();
        let out = run_env(&pkg, &[], &[("WASM_RECOVER_FAULT", &format!("kill@{n}"))]);
        assert_eq!(
            out.status.signal(),
            Some(9),
            "kill@{n} did not fire: {}",
            text(&out)
        );
        if n % 2 == 0 {
            // Killed again while finishing the first run's work.
            let again = run_env(&pkg, &[], &[("WASM_RECOVER_FAULT", "kill@1")]);
            assert!(
                again.status.signal() == Some(9) || again.status.success(),
                "{}",
                text(&again)
            );
        }
        let after = assert_recovers(&pkg, &r, &format!("kill@{n}"));
        *outcomes.entry(after).or_insert(0) += 1;
    }
    eprintln!("SIGKILL at each of {steps} steps: next run found {outcomes:?}");
    assert!(outcomes.contains_key(&State::Original) && outcomes.contains_key(&State::Hardened));
}

#[test]
fn a_run_failing_at_any_step_leaves_all_or_nothing_itself() {
    let r = reference();
    let steps = count_steps();
    for (kind, message) in [
        ("eio", "Input/output error"),
        ("enospc", "No space left on device"),
    ] {
        let mut outcomes = BTreeMap::new();
        for n in 1..=steps {
            let (_tmp, pkg) = package();
            let what = format!("{kind}@{n}");
            let out = run_env(&pkg, &[], &[("WASM_RECOVER_FAULT", &what)]);
            assert!(
                text(&out).contains(message),
                "{what} did not fire: {}",
                text(&out)
            );
            let now = state(&pkg, &r.original, &r.hardened, &what);
            match out.status.code() {
                // Refused: every file as it was, and nothing of ours left.
                Some(2) => {
                    assert_eq!(now, State::Original, "{what}: {}", text(&out));
                    assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new(), "{what}");
                }
                // Failed only while cleaning up: every file written, and said so.
                Some(0) => {
                    assert_eq!(now, State::Hardened, "{what}: {}", text(&out));
                    assert!(text(&out).contains("warning"), "{what}: {}", text(&out));
                }
                _ => panic!("{what}: {}", text(&out)),
            }
            assert_recovers(&pkg, &r, &what);
            *outcomes.entry((out.status.code(), now)).or_insert(0) += 1;
        }
        eprintln!("{kind} at each of {steps} steps: (exit, state) {outcomes:?}");
    }
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| m.uid() == 0)
}

const NOBODY: u32 = 65534;

#[test]
fn owner_and_mode_of_each_file_are_kept() {
    if !is_root() {
        eprintln!("skipped: needs root to give files away");
        return;
    }
    let (_tmp, pkg) = package();
    let modes = [
        ("a/recover_fixture.js", 0o640),
        ("a/recover_fixture_bg.wasm", 0o604),
        ("b/recover_fixture.js", 0o664),
    ];
    for (file, mode) in modes {
        let path = pkg.join(file);
        std::os::unix::fs::chown(&path, Some(NOBODY), Some(NOBODY)).expect("chown");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).expect("chmod");
    }
    let before: BTreeMap<_, _> = files(&pkg)
        .into_keys()
        .map(|p| {
            let m = std::fs::metadata(pkg.join(&p)).expect("meta");
            (p, (m.uid(), m.gid(), m.mode() & 0o7777))
        })
        .collect();
    let out = run(&pkg, &[]);
    assert!(out.status.success(), "{}", text(&out));
    for (p, owner_mode) in &before {
        let m = std::fs::metadata(pkg.join(p)).expect("meta");
        assert_eq!(
            (m.uid(), m.gid(), m.mode() & 0o7777),
            *owner_mode,
            "{}",
            p.display()
        );
    }
    // --out-dir: copies and hardened files take their input's mode.
    let (tmp, fresh) = package();
    std::fs::set_permissions(
        fresh.join("a/recover_fixture.js"),
        std::fs::Permissions::from_mode(0o640),
    )
    .expect("chmod");
    std::fs::set_permissions(
        fresh.join("package.json"),
        std::fs::Permissions::from_mode(0o664),
    )
    .expect("chmod");
    let dest = tmp.path().join("out");
    let out = run(&fresh, &["--out-dir", dest.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out));
    for p in files(&fresh).into_keys() {
        let mode = |d: &Path| std::fs::metadata(d.join(&p)).expect("meta").mode() & 0o7777;
        assert_eq!(mode(&dest), mode(&fresh), "{}", p.display());
    }
}

/// Runs `pkg` through the CLI as user nobody.
fn run_as_nobody(args: &[&Path]) -> Option<Output> {
    let id = NOBODY.to_string();
    let out = Command::new("setpriv")
        .args(["--reuid", &id, "--regid", &id, "--clear-groups", BIN])
        .args(args)
        .output()
        .ok()?;
    Some(out)
}

#[test]
fn a_read_only_directory_refuses_the_run_and_changes_nothing() {
    if !is_root() || Command::new("setpriv").arg("--help").output().is_err() {
        eprintln!("skipped: needs root and setpriv to run as another user");
        return;
    }
    let r = reference();
    let (tmp, pkg) = package();
    std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    for p in files(&pkg)
        .into_keys()
        .chain([PathBuf::new(), "a".into(), "b".into()])
    {
        std::os::unix::fs::chown(pkg.join(p), Some(NOBODY), Some(NOBODY)).expect("chown");
    }
    // The second output's directory cannot take new names: the first one is
    // staged already when the run finds out.
    std::fs::set_permissions(pkg.join("b"), std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let out = run_as_nobody(&[&pkg]).expect("setpriv");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains("Permission denied") && text(&out).contains("/b/"),
        "{}",
        text(&out)
    );
    assert_eq!(
        state(&pkg, &r.original, &r.hardened, "read-only b/"),
        State::Original
    );
    assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new());
    // The whole package read-only: not even the lock can be made; --check still reads it.
    std::fs::set_permissions(pkg.join("b"), std::fs::Permissions::from_mode(0o755)).expect("chmod");
    std::fs::set_permissions(&pkg, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    let out = run_as_nobody(&[&pkg]).expect("setpriv");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(text(&out).contains(".wasm-recover.lock"), "{}", text(&out));
    let check = Command::new("setpriv")
        .args([
            "--reuid",
            &NOBODY.to_string(),
            "--regid",
            &NOBODY.to_string(),
            "--clear-groups",
            BIN,
            "--check",
        ])
        .arg(&pkg)
        .output()
        .expect("setpriv");
    assert_eq!(check.status.code(), Some(1), "{}", text(&check));
    assert_eq!(
        state(&pkg, &r.original, &r.hardened, "read-only pkg/"),
        State::Original
    );
    assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new());
    // A read-only input is only read by --out-dir: it works, and the copy is complete.
    let out_dir = tmp.path().join("out");
    std::fs::create_dir(&out_dir).expect("mkdir");
    std::os::unix::fs::chown(&out_dir, Some(NOBODY), Some(NOBODY)).expect("chown");
    let out = run_as_nobody(&[&pkg, Path::new("--out-dir"), &out_dir]).expect("setpriv");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        state(
            &out_dir,
            &r.original,
            &r.hardened,
            "--out-dir of a read-only input"
        ),
        State::Hardened
    );
    assert_eq!(
        state(&pkg, &r.original, &r.hardened, "read-only input"),
        State::Original
    );
    assert_eq!(leftovers(&out_dir), Vec::<PathBuf>::new());
}

#[test]
fn concurrent_runs_on_one_package_are_serialised() {
    let r = reference();
    for round in 0..5 {
        let (_tmp, pkg) = package();
        let spawn = || {
            Command::new(BIN)
                .arg(&pkg)
                .env_remove("WASM_RECOVER_FAULT")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        };
        let (a, b) = (spawn(), spawn());
        let outs = [
            a.wait_with_output().expect("wait"),
            b.wait_with_output().expect("wait"),
        ];
        for out in &outs {
            assert!(out.status.success(), "round {round}: {}", text(out));
        }
        let said: String = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .collect();
        assert_eq!(
            said.matches(": hardened (").count(),
            2,
            "round {round}: one run hardens both outputs: {said}"
        );
        assert_eq!(
            said.matches("already hardened, unchanged").count(),
            2,
            "round {round}: the other finds them done: {said}"
        );
        assert_eq!(
            state(&pkg, &r.original, &r.hardened, "concurrent"),
            State::Hardened
        );
        assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new());
    }
}

#[test]
fn a_held_lock_makes_the_run_wait_then_exit_2_naming_it() {
    let r = reference();
    let (_tmp, pkg) = package();
    let lock_path = pkg.join(".wasm-recover.lock");
    let held = std::fs::File::create(&lock_path).expect("create lock");
    held.lock().expect("lock");
    std::fs::write(&lock_path, "4242").expect("write pid");
    let started = Instant::now();
    let out = run_env(&pkg, &[], &[("WASM_RECOVER_LOCK_WAIT", "1")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(started.elapsed() >= Duration::from_secs(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&lock_path.display().to_string()) && stderr.contains("pid 4242"),
        "{stderr}"
    );
    assert_eq!(
        state(&pkg, &r.original, &r.hardened, "locked"),
        State::Original
    );
    drop(held);
    // Released (as when its holder dies): the next run goes ahead and removes it.
    let out = run(&pkg, &[]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new());
}

/// Runs with a deadline: an input that blocks the tool fails the test
/// instead of hanging it.
fn run_bounded(pkg: &Path) -> Output {
    let mut child = Command::new(BIN)
        .arg(pkg)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().expect("wait").is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("wasm-recover hung on {}", pkg.display());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().expect("output")
}

/// Puts something in place of an input file.
type MakeInput = dyn Fn(&Path);

#[test]
fn fifos_devices_and_symlinks_out_of_the_package_are_refused() {
    let wasm = "a/recover_fixture_bg.wasm";
    let cases: [(&str, &MakeInput, &str); 3] = [
        (
            "fifo",
            &|p: &Path| {
                let ok = Command::new("mkfifo")
                    .arg(p)
                    .status()
                    .expect("mkfifo")
                    .success();
                assert!(ok);
            },
            "is a FIFO",
        ),
        (
            "/dev/zero",
            &|p: &Path| std::os::unix::fs::symlink("/dev/zero", p).expect("symlink"),
            "outside",
        ),
        (
            "outside",
            &|p: &Path| {
                let elsewhere = p
                    .parent()
                    .and_then(Path::parent)
                    .and_then(Path::parent)
                    .expect("dir")
                    .join("elsewhere.wasm");
                std::fs::copy(
                    support::fixtures_dir().join("0.2.130-abort/nodejs/recover_fixture_bg.wasm"),
                    &elsewhere,
                )
                .expect("copy");
                std::os::unix::fs::symlink(&elsewhere, p).expect("symlink");
            },
            "outside",
        ),
    ];
    for (name, make, reason) in cases {
        let (_tmp, pkg) = package();
        let path = pkg.join(wasm);
        std::fs::remove_file(&path).expect("remove");
        make(&path);
        // The output holding the bad file is refused and left as it is; the
        // other output still gets its verdict (every output is judged).
        let before = files_no_follow(&pkg.join("a"));
        let out = run_bounded(&pkg);
        assert_eq!(out.status.code(), Some(2), "{name}: {}", text(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(reason) && stderr.contains("recover_fixture_bg.wasm"),
            "{name}: {stderr}"
        );
        assert_eq!(
            files_no_follow(&pkg.join("a")),
            before,
            "{name}: something of the refused output was written"
        );
        let other = std::fs::read_to_string(pkg.join("b/recover_fixture.js")).expect("read");
        assert!(
            other.starts_with("/* hardened by wasm-recover"),
            "{name}: the other output was not hardened"
        );
    }
    // A symlink inside the package (pnpm layouts, shared files) is read.
    let (_tmp, pkg) = package();
    std::fs::rename(pkg.join(wasm), pkg.join("real_bg.wasm.bin")).expect("move");
    std::os::unix::fs::symlink("../real_bg.wasm.bin", pkg.join(wasm)).expect("symlink");
    let out = run_bounded(&pkg);
    assert!(out.status.success(), "{}", text(&out));
}

/// Names and regular-file bytes under `dir`, symlinks and FIFOs by name only.
fn files_no_follow(dir: &Path) -> BTreeMap<PathBuf, Option<Vec<u8>>> {
    let mut found = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let entry = entry.expect("entry");
            let kind = entry.file_type().expect("type");
            if kind.is_dir() {
                stack.push(entry.path());
            } else {
                let bytes = kind
                    .is_file()
                    .then(|| std::fs::read(entry.path()).expect("read"));
                found.insert(entry.path(), bytes);
            }
        }
    }
    found
}

#[test]
fn out_dir_inside_or_equal_to_the_input_is_refused_before_writing() {
    let (_tmp, pkg) = package();
    let before = files(&pkg);
    for out_dir in [
        pkg.join("hardened"),
        pkg.clone(),
        pkg.join("a"),
        pkg.join("./"),
    ] {
        let out = run(&pkg, &["--out-dir", out_dir.to_str().expect("utf-8")]);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}: {}",
            out_dir.display(),
            text(&out)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("--out-dir"),
            "{}",
            text(&out)
        );
        assert_eq!(files(&pkg), before, "{}", out_dir.display());
        assert!(!pkg.join("hardened").exists());
    }
}

#[test]
fn out_dir_copies_symlinks_as_symlinks_and_skips_git_node_modules_and_our_files() {
    let (tmp, pkg) = package();
    std::os::unix::fs::symlink("a", pkg.join("dir-link")).expect("symlink");
    std::os::unix::fs::symlink("missing.js", pkg.join("dangling.js")).expect("symlink");
    std::fs::create_dir_all(pkg.join(".git/objects")).expect("mkdir");
    std::fs::write(pkg.join(".git/HEAD"), "ref: refs/heads/main\n").expect("write");
    std::fs::create_dir_all(pkg.join("node_modules/dep")).expect("mkdir");
    std::fs::write(pkg.join("node_modules/dep/index.js"), "").expect("write");
    // What a killed earlier version left: never copied (and, the input
    // being only read, left where it is).
    std::fs::write(pkg.join("a/.wasm-recover-Ab12Cd"), "stale").expect("write");
    let out_dir = tmp.path().join("out");
    let out = run(&pkg, &["--out-dir", out_dir.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(
        std::fs::read_link(out_dir.join("dir-link")).expect("link"),
        Path::new("a")
    );
    assert_eq!(
        std::fs::read_link(out_dir.join("dangling.js")).expect("link"),
        Path::new("missing.js")
    );
    assert!(!out_dir.join(".git").exists() && !out_dir.join("node_modules").exists());
    assert_eq!(leftovers(&out_dir), Vec::<PathBuf>::new());
    assert_eq!(
        leftovers(&pkg),
        vec![PathBuf::from("a/.wasm-recover-Ab12Cd")]
    );
    let check = run(&out_dir, &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert_eq!(
        std::fs::read(out_dir.join("package.json")).expect("read"),
        std::fs::read(pkg.join("package.json")).expect("read")
    );
}

/// A tmpfs mounted for one test, unmounted whatever happens.
struct Mounted(PathBuf);

impl Mounted {
    fn tmpfs(at: &Path, kib: u64) -> Option<Mounted> {
        std::fs::create_dir_all(at).ok()?;
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(at)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Mounted(at.to_path_buf()))
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_really_full_disk_at_any_point_leaves_every_file_original() {
    let r = reference();
    let tmp = tempfile::tempdir().expect("tempdir");
    let fixture_kib = r
        .original
        .values()
        .map(|b| b.len() as u64 / 1024 + 4)
        .sum::<u64>();
    let hardened_kib = r
        .hardened
        .values()
        .map(|b| b.len() as u64 / 1024 + 4)
        .sum::<u64>();
    let mut outcomes = BTreeMap::new();
    // From "the copy barely fits" to "originals and new files both fit".
    let mut kib = fixture_kib + 8;
    while kib <= fixture_kib + hardened_kib + 64 {
        let at = tmp.path().join(format!("fs{kib}"));
        let Some(_fs) = Mounted::tmpfs(&at, kib) else {
            eprintln!("skipped: cannot mount a tmpfs here (needs root)");
            return;
        };
        let pkg = at.join("pkg");
        let fixtures = support::fixtures_dir();
        support::copy_dir(&fixtures.join("0.2.130-abort/nodejs"), &pkg.join("a")).expect("copy");
        support::copy_dir(&fixtures.join("0.2.130-unwind-legacy/web"), &pkg.join("b"))
            .expect("copy");
        std::fs::write(pkg.join("package.json"), "{\"name\":\"two-outputs\"}\n").expect("write");
        let out = run(&pkg, &[]);
        let what = format!("tmpfs of {kib} KiB");
        let now = state(&pkg, &r.original, &r.hardened, &what);
        match out.status.code() {
            Some(2) => {
                assert!(
                    text(&out).contains("No space left on device"),
                    "{what}: {}",
                    text(&out)
                );
                assert_eq!(now, State::Original, "{what}");
            }
            Some(0) => assert_eq!(now, State::Hardened, "{what}"),
            _ => panic!("{what}: {}", text(&out)),
        }
        assert_eq!(leftovers(&pkg), Vec::<PathBuf>::new(), "{what}");
        *outcomes.entry(out.status.code()).or_insert(0) += 1;
        kib += 16;
    }
    eprintln!("real ENOSPC sweep: exit code -> runs {outcomes:?}");
    assert!(
        outcomes.contains_key(&Some(2)) && outcomes.contains_key(&Some(0)),
        "{outcomes:?}"
    );
}

#[test]
fn out_dir_refuses_an_input_with_an_interrupted_run_and_writes_nothing() {
    let r = reference();
    let rename = first_step("rename") + 2;
    let (tmp, pkg) = package();
    let out = run_env(
        &pkg,
        &[],
        &[("WASM_RECOVER_FAULT", &format!("kill@{rename}"))],
    );
    assert_eq!(out.status.signal(), Some(9), "{}", text(&out));
    let before = files(&pkg);
    let out_dir = tmp.path().join("out");
    let out = run(&pkg, &["--out-dir", out_dir.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(
        text(&out).contains(".wasm-recover-journal"),
        "{}",
        text(&out)
    );
    assert_eq!(files(&pkg), before, "the input is only read");
    assert!(!out_dir.exists(), "nothing written");
    // Finished in place, it copies.
    assert_recovers(&pkg, &r, "interrupted, then --out-dir");
    let out = run(&pkg, &["--out-dir", out_dir.to_str().expect("utf-8")]);
    assert!(out.status.success(), "{}", text(&out));
}
