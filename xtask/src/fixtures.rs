//! `cargo xtask fixtures [--check] [--only VERSION|ID]`: rebuilds the committed
//! wasm-bindgen outputs in `tests/fixtures/out/` bit for bit.
//!
//! For each pinned fixture (a wasm-bindgen version and a panic strategy) it
//! copies `tests/fixtures/crate` to `target/fixtures/<id>/crate`, pins the
//! `wasm-bindgen` requirement to that version, builds it for
//! `wasm32-unknown-unknown` with the lockfile from
//! `tests/fixtures/crate/locks/<version>.lock`, and runs that version's CLI for
//! every target it supports into `tests/fixtures/out/<id>/<target>/`. The id is
//! `<version>-abort` (the stable default), `<version>-unwind-legacy` or
//! `<version>-unwind-exnref` (nightly, `-Cpanic=unwind`, std rebuilt with
//! `-Zbuild-std=std,panic_unwind`; legacy exception handling needs
//! `-Cllvm-args=-wasm-use-legacy-eh=true`, exnref is the nightly's default,
//! docs/exception-handling.md). `tests/fixtures/manifest.json` records toolchain, flags, CLI
//! version, a sha256 per output file and of the crate sources that were built,
//! so stale fixtures show without a build.
//!
//! Reproducibility rests on four things: the lockfile, the exact toolchain
//! (recorded as `rustc --version`), `--remap-path-prefix` for the machine paths
//! that reach the binary (cargo's home, the build directory and, for
//! `-Zbuild-std`, the toolchain's sysroot holding std's sources), and the CLI
//! built from its own published lockfile. `--check` builds from scratch in a
//! different directory (`target/fixtures-check/`) and compares byte for byte,
//! so a path leaking into the output shows up as a difference.
//!
//! The CLIs live in `~/.cache/wasm-recover/cli/<version>/bin/wasm-bindgen`; a
//! missing one is installed with `cargo install --locked`. When the registry
//! lacks a version that the CLI's published Cargo.lock names (0.2.130 locks
//! webpki-roots 1.0.11, absent from the registry this was first run against),
//! only those packages are updated (`cargo update --package`) before
//! `cargo install --locked --path`. For 0.2.130 that is webpki-roots alone,
//! which only the CLI's download code uses.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{bail, ensure, Context, Result};
use serde_json::{json, Value};

use crate::util;

/// How a fixture's Rust code panics, and with which exception-handling
/// encoding when it unwinds.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Panic {
    /// `panic=abort`, the default of `wasm32-unknown-unknown`: no exception
    /// handling in the module (generation G0).
    Abort,
    /// `panic=unwind` with legacy exception handling (`try`/`catch`/`delegate`).
    UnwindLegacy,
    /// `panic=unwind` with exnref exception handling (`try_table`/`throw_ref`).
    UnwindExnref,
}

impl Panic {
    /// The part of the fixture id after the version.
    pub(crate) fn suffix(self) -> &'static str {
        match self {
            Panic::Abort => "abort",
            Panic::UnwindLegacy => "unwind-legacy",
            Panic::UnwindExnref => "unwind-exnref",
        }
    }

    /// The panic strategy, as `-Cpanic` spells it.
    pub(crate) fn strategy(self) -> &'static str {
        match self {
            Panic::Abort => "abort",
            Panic::UnwindLegacy | Panic::UnwindExnref => "unwind",
        }
    }

    /// The exception-handling encoding the wasm must use, for the manifest.
    fn eh(self) -> Option<&'static str> {
        match self {
            Panic::Abort => None,
            Panic::UnwindLegacy => Some("legacy"),
            Panic::UnwindExnref => Some("exnref"),
        }
    }

    /// Flags beyond the path remapping. The precompiled std of
    /// `wasm32-unknown-unknown` is built with panic=abort, so unwinding needs
    /// std rebuilt (`BUILD_STD`).
    fn rustflags(self) -> &'static [&'static str] {
        match self {
            Panic::Abort => &[],
            Panic::UnwindLegacy => &["-Cpanic=unwind", "-Cllvm-args=-wasm-use-legacy-eh=true"],
            Panic::UnwindExnref => &["-Cpanic=unwind"],
        }
    }

    pub(crate) fn unwinds(self) -> bool {
        self != Panic::Abort
    }

    /// Adds what this strategy needs to a cargo build for [`WASM_TARGET`]:
    /// for unwinding, std rebuilt from the toolchain's sources (whose
    /// `sysroot` path is remapped, so it does not reach the binary) and the
    /// `-C` flags of [`Panic::rustflags`].
    pub(crate) fn configure_build(
        self,
        build: &mut Command,
        rustflags: &mut Vec<String>,
        sysroot: &Path,
    ) {
        if self.unwinds() {
            let sysroot = sysroot.canonicalize().unwrap_or(sysroot.to_path_buf());
            rustflags.push(format!(
                "--remap-path-prefix={}=/sysroot",
                sysroot.display()
            ));
            build.arg(format!("-Zbuild-std={BUILD_STD}"));
        }
        rustflags.extend(self.rustflags().iter().map(|f| f.to_string()));
    }

    /// What [`Panic::configure_build`] adds to `RUSTFLAGS`, as a manifest
    /// records it (the sysroot as a placeholder).
    pub(crate) fn recorded_flags(self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if self.unwinds() {
            flags.push(SYSROOT_REMAP_RECORDED);
        }
        flags.extend(self.rustflags());
        flags
    }

    /// The manifest keys of an unwinding build (`build_std`, `eh`); an abort
    /// build has none, so the abort entries stay as they were.
    pub(crate) fn record_eh(self, entry: &mut Value) {
        if let (Some(eh), Some(map)) = (self.eh(), entry.as_object_mut()) {
            map.insert("build_std".to_string(), json!(BUILD_STD));
            map.insert("eh".to_string(), json!(eh));
        }
    }
}

/// One committed fixture: a pinned wasm-bindgen version built with one panic
/// strategy.
struct Fixture {
    wasm_bindgen: &'static str,
    panic: Panic,
    /// The rustup toolchain that builds the fixture crate. wasm-bindgen older
    /// than 0.2.88 does not compile with Rust 1.86 or later (docs/building-fixtures.md);
    /// `-Zbuild-std` needs a nightly.
    toolchain: &'static str,
    /// The rustup toolchain that builds the CLI (shared by every fixture of
    /// a version, so it must not depend on the panic strategy).
    cli_toolchain: &'static str,
    /// Whether the CLI writes the same bytes on every run. When it does not,
    /// `--check` still compares the cargo build bit for bit, but for the CLI's
    /// outputs only checks the file list and that the committed files are
    /// the ones the manifest hashes.
    cli_reproducible: bool,
    /// A variant of the same build run through the CLI with extra flags:
    /// its id suffix, the flags, and the targets the CLI accepts them for.
    variant: Option<Variant>,
}

/// The same cargo build, run through the CLI with flags that change the glue.
struct Variant {
    suffix: &'static str,
    cli_flags: &'static [&'static str],
    targets: &'static [&'static str],
}

/// wasm-bindgen 0.2.114+'s own `__wbg_reset_state` (only these targets take
/// the flag): wasm-recover takes that function over instead of adding one.
const UPSTREAM_RESET: Variant = Variant {
    suffix: "reset-state",
    cli_flags: &["--experimental-reset-state-function"],
    targets: &["module", "nodejs", "web"],
};

const fn abort(wasm_bindgen: &'static str, toolchain: &'static str) -> Fixture {
    Fixture {
        wasm_bindgen,
        panic: Panic::Abort,
        toolchain,
        cli_toolchain: toolchain,
        cli_reproducible: true,
        variant: None,
    }
}

const fn unwind(wasm_bindgen: &'static str, panic: Panic) -> Fixture {
    Fixture {
        wasm_bindgen,
        panic,
        toolchain: NIGHTLY,
        cli_toolchain: "stable",
        cli_reproducible: true,
        variant: None,
    }
}

/// A fixture whose CLI orders its output differently from run to run.
const fn cli_unreproducible(fixture: Fixture) -> Fixture {
    Fixture {
        cli_reproducible: false,
        ..fixture
    }
}

/// `fixture` run through the CLI as `variant`.
const fn with_variant(fixture: Fixture, variant: Variant) -> Fixture {
    Fixture {
        variant: Some(variant),
        ..fixture
    }
}

/// The nightly that builds the `panic=unwind` fixtures; `rustc --version` in
/// the manifest says which one it was.
pub(crate) const NIGHTLY: &str = "nightly";

/// `panic=unwind` fixtures cover each generation of wasm-bindgen's exception
/// handling (docs/inputs.md), in both encodings where the CLI can:
/// - 0.2.105 (`extern "C"` exports, G1): exnref only. Its CLI orders exports
///   and glue functions differently on each run (six runs on the same wasm
///   gave six different outputs; 0.2.113 and 0.2.130 give one), so only its
///   cargo build is reproducible bit for bit. It also turns a legacy-EH
///   build of this crate into a module that fails validation, on every target
///   (in a `wasm_bindgen_futures` function, a call left passing an `externref`
///   where the callee now takes an `i32`). 0.2.106 does the same to a legacy
///   build (`call[0] expected type externref, found local`) and cannot read an
///   exnref one (`unknown instruction TryTable`), so it has no fixture.
/// - 0.2.113 (the newest that raises `PanicError` without native guards, G1).
/// - 0.2.130 (native guards, G2).
///
/// Variants reuse a build's wasm and only change the CLI's flags:
/// `0.2.130-abort-reset-state` and `0.2.130-unwind-legacy-reset-state` have
/// wasm-bindgen's own `__wbg_reset_state` ([`UPSTREAM_RESET`]).
const FIXTURES: &[Fixture] = &[
    abort("0.2.84", "1.85.1"),
    abort("0.2.92", "stable"),
    abort("0.2.100", "stable"),
    cli_unreproducible(unwind("0.2.105", Panic::UnwindExnref)),
    unwind("0.2.113", Panic::UnwindLegacy),
    unwind("0.2.113", Panic::UnwindExnref),
    abort("0.2.130", "stable"),
    with_variant(abort("0.2.130", "stable"), UPSTREAM_RESET),
    unwind("0.2.130", Panic::UnwindLegacy),
    with_variant(unwind("0.2.130", Panic::UnwindLegacy), UPSTREAM_RESET),
    unwind("0.2.130", Panic::UnwindExnref),
];

impl Fixture {
    fn id(&self) -> String {
        match &self.variant {
            None => format!("{}-{}", self.wasm_bindgen, self.panic.suffix()),
            Some(v) => format!("{}-{}-{}", self.wasm_bindgen, self.panic.suffix(), v.suffix),
        }
    }

    /// Whether `--only` names this fixture: by id, or by version (all of its
    /// panic strategies).
    fn selected_by(&self, only: &str) -> bool {
        only == self.wasm_bindgen || only == self.id()
    }
}

/// Every `--target` we want; each CLI gets those its `--help` lists.
const TARGETS: &[&str] = &[
    "bundler",
    "deno",
    "experimental-nodejs-module",
    "module",
    "no-modules",
    "nodejs",
    "web",
];

const OUT_NAME: &str = "recover_fixture";
pub(crate) const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The requirement in the fixture crate's Cargo.toml that each build rewrites.
const WASM_BINDGEN_DEP: &str = "wasm-bindgen = ";
/// `RUSTFLAGS` as recorded in the manifest: the machine paths are placeholders.
const RUSTFLAGS_RECORDED: &str =
    "--remap-path-prefix=${CARGO_HOME}=/cargo --remap-path-prefix=${FIXTURE_BUILD_DIR}=/fixture";
/// The sysroot remapping that `-Zbuild-std` builds add, as recorded.
const SYSROOT_REMAP_RECORDED: &str = "--remap-path-prefix=${SYSROOT}=/sysroot";
/// The std crates a `panic=unwind` build compiles from the toolchain's sources.
const BUILD_STD: &str = "std,panic_unwind";

struct Flags {
    check: bool,
    only: Option<String>,
}

impl Flags {
    fn parse(args: &[String]) -> Result<Flags> {
        let mut flags = Flags {
            check: false,
            only: None,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--check" => flags.check = true,
                "--only" => {
                    let only = args
                        .next()
                        .context("`--only` needs a version or a fixture id")?;
                    flags.only = Some(only.clone());
                }
                other => match other.strip_prefix("--only=") {
                    Some(only) => flags.only = Some(only.to_string()),
                    None => bail!("unknown flag `{other}` for `fixtures`"),
                },
            }
        }
        if let Some(only) = &flags.only {
            if !FIXTURES.iter().any(|f| f.selected_by(only)) {
                let known: Vec<_> = FIXTURES.iter().map(Fixture::id).collect();
                bail!(
                    "`--only {only}`: neither a pinned version nor a fixture id ({})",
                    known.join(", ")
                );
            }
        }
        Ok(flags)
    }
}

/// Where one run reads and writes.
struct Paths {
    crate_dir: PathBuf,
    /// Committed outputs.
    out: PathBuf,
    manifest: PathBuf,
    /// Per-fixture build directories (crate copy plus target dir).
    build: PathBuf,
    /// Where this run writes outputs: `out`, or a scratch dir for `--check`.
    write_out: PathBuf,
}

pub(crate) fn run(args: &[String]) -> Result<ExitCode> {
    let flags = Flags::parse(args)?;
    let root = util::project_root();
    let build = root.join("target").join(if flags.check {
        "fixtures-check"
    } else {
        "fixtures"
    });
    let paths = Paths {
        crate_dir: root.join("tests/fixtures/crate"),
        out: root.join("tests/fixtures/out"),
        manifest: root.join("tests/fixtures/manifest.json"),
        write_out: if flags.check {
            build.join("out")
        } else {
            root.join("tests/fixtures/out")
        },
        build,
    };

    let mut entries = BTreeMap::new();
    for fixture in FIXTURES {
        if flags
            .only
            .as_deref()
            .is_some_and(|only| !fixture.selected_by(only))
        {
            continue;
        }
        let id = fixture.id();
        eprintln!("==> {id} (toolchain {})", fixture.toolchain);
        let entry = build_fixture(fixture, &paths, flags.check)
            .with_context(|| format!("failed to build fixture `{id}`"))?;
        entries.insert(id, entry);
    }

    if flags.check {
        check(&paths, &entries)
    } else {
        write_manifest(&paths.manifest, entries)?;
        eprintln!("wrote {}", paths.manifest.display());
        Ok(ExitCode::SUCCESS)
    }
}

/// Builds one fixture's wasm, runs its CLI for every target and returns the
/// manifest entry.
fn build_fixture(fixture: &Fixture, paths: &Paths, check: bool) -> Result<Value> {
    let id = fixture.id();
    let toolchain = fixture.toolchain;
    let sysroot = ensure_wasm_target(toolchain, fixture.panic.unwinds())?;
    let rustc =
        util::output(Command::new("rustup").args(["run", toolchain, "rustc", "--version"]))?
            .trim()
            .to_string();

    let (cli, cli_version) = ensure_cli_reporting(fixture.wasm_bindgen, fixture.cli_toolchain)?;
    let help = util::output(Command::new(&cli).arg("--help"))?;
    let supported = supported_targets(&help)
        .with_context(|| format!("failed to read the targets from `{} --help`", cli.display()))?;

    let (wasm, lock_path, sources) = build_wasm(fixture, &sysroot, paths, check)?;
    let wasm_bytes = util::read(&wasm)?;

    let out_dir = paths.write_out.join(&id);
    util::remove_dir_all(&out_dir)?;
    let mut targets = serde_json::Map::new();
    let mut unsupported = Vec::new();
    let wanted = fixture.variant.as_ref().map_or(TARGETS, |v| v.targets);
    let cli_flags = fixture.variant.as_ref().map_or(&[][..], |v| v.cli_flags);
    for &target in wanted {
        if !supported.iter().any(|s| s == target) {
            eprintln!("    {target}: not supported by {cli_version}, skipped");
            unsupported.push(target);
            continue;
        }
        let target_dir = out_dir.join(target);
        util::run(
            Command::new(&cli)
                .arg(&wasm)
                .arg("--out-dir")
                .arg(&target_dir)
                .args(["--out-name", OUT_NAME, "--target", target])
                .args(cli_flags),
        )?;
        let files = util::output_files(&target_dir)
            .with_context(|| format!("`{cli_version} --target {target}`"))?;
        targets.insert(target.to_string(), files);
    }

    let lock = util::read(&lock_path)?;
    let mut entry = json!({
        "cli": cli_version,
        "lockfile": {
            "path": format!("tests/fixtures/crate/locks/{}.lock", fixture.wasm_bindgen),
            "sha256": util::sha256_hex(&lock),
        },
        "panic": fixture.panic.strategy(),
        "rustc": rustc,
        "rustflags": recorded_rustflags(fixture.panic),
        "sources": sources,
        "targets": targets,
        "toolchain": toolchain,
        "unsupported_targets": unsupported,
        "wasm": {
            "sha256": util::sha256_hex(&wasm_bytes),
            "size": wasm_bytes.len(),
        },
        "wasm_bindgen": fixture.wasm_bindgen,
    });
    if let (Some(v), Some(map)) = (&fixture.variant, entry.as_object_mut()) {
        map.insert("cli_flags".to_string(), json!(v.cli_flags));
    }
    fixture.panic.record_eh(&mut entry);
    Ok(entry)
}

/// `RUSTFLAGS` of a build as the manifest records them (machine paths as
/// placeholders).
fn recorded_rustflags(panic: Panic) -> String {
    let mut flags = vec![RUSTFLAGS_RECORDED];
    flags.extend(panic.recorded_flags());
    flags.join(" ")
}

/// Checks that the toolchain can build for wasm (and, with `build_std`, has
/// std's sources); returns its sysroot.
pub(crate) fn ensure_wasm_target(toolchain: &str, build_std: bool) -> Result<PathBuf> {
    let libdir = util::output(Command::new("rustup").args([
        "run",
        toolchain,
        "rustc",
        "--print",
        "target-libdir",
        "--target",
        WASM_TARGET,
    ]))
    .with_context(|| {
        format!(
            "toolchain `{toolchain}` is not installed: run `rustup toolchain install \
             {toolchain} --profile minimal --target {WASM_TARGET}`"
        )
    })?;
    if !Path::new(libdir.trim()).is_dir() {
        bail!(
            "toolchain `{toolchain}` lacks `{WASM_TARGET}`: run `rustup target add {WASM_TARGET} \
             --toolchain {toolchain}`"
        );
    }
    let sysroot = util::output(
        Command::new("rustup").args(["run", toolchain, "rustc", "--print", "sysroot"]),
    )?;
    let sysroot = PathBuf::from(sysroot.trim());
    if build_std
        && !sysroot
            .join("lib/rustlib/src/rust/library/Cargo.lock")
            .is_file()
    {
        bail!(
            "toolchain `{toolchain}` lacks std's sources for `-Zbuild-std`: run `rustup \
             component add rust-src --toolchain {toolchain}`"
        );
    }
    Ok(sysroot)
}

/// Copies the fixture crate, pins its wasm-bindgen, provides the lockfile and
/// builds it. Returns the wasm, the lockfile in `locks/` and the hashes of the
/// crate files that were built (so stale fixtures show without a build).
fn build_wasm(
    fixture: &Fixture,
    sysroot: &Path,
    paths: &Paths,
    check: bool,
) -> Result<(PathBuf, PathBuf, Vec<Value>)> {
    let v = fixture.wasm_bindgen;
    let build_dir = paths.build.join(fixture.id());
    if check {
        // A build from nothing, in another directory than the committed one.
        util::remove_dir_all(&build_dir)?;
    }
    let crate_copy = build_dir.join("crate");
    util::remove_dir_all(&crate_copy)?;
    util::copy_dir(&paths.crate_dir.join("src"), &crate_copy.join("src"))?;

    let manifest_path = paths.crate_dir.join("Cargo.toml");
    let manifest = String::from_utf8(util::read(&manifest_path)?)
        .with_context(|| format!("`{}` is not UTF-8", manifest_path.display()))?;
    util::write(
        &crate_copy.join("Cargo.toml"),
        pin_wasm_bindgen(&manifest, v)?,
    )?;
    let mut sources = vec![json!({
        "path": "Cargo.toml",
        "sha256": util::sha256_hex(manifest.as_bytes()),
    })];
    for rel in util::list_files(&crate_copy.join("src"))? {
        let bytes = util::read(&crate_copy.join("src").join(&rel))?;
        sources.push(json!({ "path": format!("src/{rel}"), "sha256": util::sha256_hex(&bytes) }));
    }

    let lock = paths.crate_dir.join("locks").join(format!("{v}.lock"));
    provide_lockfile(
        fixture.toolchain,
        &crate_copy,
        v,
        &lock,
        check,
        &format!("cargo xtask fixtures --only {v}"),
    )?;

    // cargo passes the paths it computes from the physical working directory,
    // so the prefixes to remap must be canonical too.
    let build_dir = build_dir
        .canonicalize()
        .with_context(|| format!("failed to resolve `{}`", build_dir.display()))?;
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let target_dir = build_dir.join("target");
    // CARGO_ENCODED_RUSTFLAGS keeps paths with spaces in one argument.
    let mut rustflags = vec![
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/fixture", build_dir.display()),
    ];
    let mut build = util::cargo(fixture.toolchain);
    build.args(["build", "--release", "--locked", "--target", WASM_TARGET]);
    fixture
        .panic
        .configure_build(&mut build, &mut rustflags, sysroot);
    util::run(
        build
            .current_dir(build_dir.join("crate"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags.join("\x1f")),
    )?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{}.wasm", OUT_NAME));
    ensure!(wasm.is_file(), "cargo built no `{}`", wasm.display());
    Ok((wasm, lock, sources))
}

/// Gives the crate copy in `crate_dir` (its wasm-bindgen pinned to `v` by
/// [`pin_wasm_bindgen`]) the lockfile `saved`. A missing one is generated and
/// saved, except under `--check` (`check`), which builds only what is
/// committed and names the `command` that makes it.
pub(crate) fn provide_lockfile(
    toolchain: &str,
    crate_dir: &Path,
    v: &str,
    saved: &Path,
    check: bool,
    command: &str,
) -> Result<()> {
    if saved.exists() {
        util::copy(saved, &crate_dir.join("Cargo.lock"))
    } else if check {
        bail!("`{}` is missing: run `{command}` first", saved.display())
    } else {
        generate_lockfile(toolchain, crate_dir, v, saved)
    }
}

/// Writes `crate_dir/Cargo.lock` with the newest dependencies that still
/// support the crate's rust-version, checks that it locks wasm-bindgen `v`
/// and saves a copy as `saved`, the lockfile later builds of that version use.
fn generate_lockfile(toolchain: &str, crate_dir: &Path, v: &str, saved: &Path) -> Result<()> {
    util::run(
        util::cargo(toolchain)
            .arg("generate-lockfile")
            .current_dir(crate_dir)
            .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback"),
    )?;
    let generated = crate_dir.join("Cargo.lock");
    let text = String::from_utf8(util::read(&generated)?)
        .context("the generated Cargo.lock is not UTF-8")?;
    let locked = locked_version(&text, "wasm-bindgen");
    ensure!(
        locked == Some(v),
        "the generated Cargo.lock has wasm-bindgen {locked:?}, expected {v}"
    );
    util::copy(&generated, saved)?;
    eprintln!("    saved {}", saved.display());
    Ok(())
}

/// Rewrites the one `wasm-bindgen = "…"` line of the fixture crate's manifest.
pub(crate) fn pin_wasm_bindgen(manifest: &str, version: &str) -> Result<String> {
    let mut found = 0;
    let mut out = String::with_capacity(manifest.len());
    for line in manifest.lines() {
        if line.trim_start().starts_with(WASM_BINDGEN_DEP) {
            found += 1;
            out.push_str(&format!("{WASM_BINDGEN_DEP}\"={version}\""));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    ensure!(
        found == 1,
        "expected one `{WASM_BINDGEN_DEP}…` line in the fixture crate's Cargo.toml, found {found}"
    );
    Ok(out)
}

/// The version a Cargo.lock pins for a registry package, if exactly one.
pub(crate) fn locked_version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    let mut found = None;
    while let Some(line) = lines.next() {
        if line == wanted {
            let version = lines
                .next()?
                .strip_prefix("version = \"")?
                .strip_suffix('"')?;
            if found.replace(version).is_some() {
                return None;
            }
        }
    }
    found
}

/// The `--target` values a CLI's `--help` lists: docopt versions say
/// "valid values are [web, bundler, …]", clap ones "[possible values: …]".
fn supported_targets(help: &str) -> Result<Vec<String>> {
    let start = help.find("--target").context("no `--target` option")?;
    let mut rest = &help[start..];
    while let Some(open) = rest.find('[') {
        let close = rest[open..]
            .find(']')
            .context("unbalanced `[` in the help")?
            + open;
        let list = &rest[open + 1..close];
        let list = list.strip_prefix("possible values:").unwrap_or(list);
        if list.contains(',') && list.contains("bundler") {
            return Ok(list.split(',').map(|s| s.trim().to_string()).collect());
        }
        rest = &rest[close..];
    }
    bail!("no list of values after `--target`")
}

/// [`ensure_cli`], and the CLI's `--version` line, which must name `v`.
pub(crate) fn ensure_cli_reporting(v: &str, cli_toolchain: &str) -> Result<(PathBuf, String)> {
    let cli = ensure_cli(v, cli_toolchain)?;
    let version = util::output(Command::new(&cli).arg("--version"))?
        .trim()
        .to_string();
    ensure!(
        version.split_whitespace().nth(1) == Some(v),
        "`{}` reports `{version}`, expected wasm-bindgen {v}",
        cli.display()
    );
    Ok((cli, version))
}

/// The CLI of version `v`, built with `cli_toolchain` and installed under
/// `~/.cache/wasm-recover/cli/` if missing (the example uses it too).
pub(crate) fn ensure_cli(v: &str, cli_toolchain: &str) -> Result<PathBuf> {
    let install_root = util::home_dir()?.join(".cache/wasm-recover/cli").join(v);
    let bin = install_root.join("bin/wasm-bindgen");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!("    installing wasm-bindgen-cli {v} (takes several minutes)");
    let installed = util::run(
        util::cargo(cli_toolchain)
            .args([
                "install",
                "--locked",
                "wasm-bindgen-cli",
                "--version",
                v,
                "--root",
            ])
            .arg(&install_root),
    );
    if let Err(err) = installed {
        // A published Cargo.lock may name a version the registry (or a mirror
        // of it) does not offer; update just those packages and keep the rest.
        eprintln!(
            "    {err:#}; retrying with the published lockfile, updating only unavailable packages"
        );
        install_cli_from_source(v, cli_toolchain, &install_root)?;
    }
    ensure!(
        bin.is_file(),
        "installing wasm-bindgen-cli {v} left no `{}`",
        bin.display()
    );
    Ok(bin)
}

fn install_cli_from_source(v: &str, cli_toolchain: &str, install_root: &Path) -> Result<()> {
    let file = format!("wasm-bindgen-cli-{v}.crate");
    // The failed `cargo install` has downloaded the package into cargo's cache.
    let cache = util::cargo_home()?.join("registry/cache");
    let mut archive = None;
    for index in std::fs::read_dir(&cache)
        .with_context(|| format!("failed to list `{}`", cache.display()))?
    {
        let candidate = index
            .with_context(|| format!("failed to list `{}`", cache.display()))?
            .path()
            .join(&file);
        if candidate.is_file() {
            archive = Some(candidate);
        }
    }
    let archive = archive.with_context(|| format!("no `{file}` in `{}`", cache.display()))?;

    // Outside the repository, or cargo would take it for a workspace member.
    let unpack = std::env::temp_dir().join("wasm-recover-cli-src");
    let src = unpack.join(format!("wasm-bindgen-cli-{v}"));
    util::remove_dir_all(&src)?;
    util::create_dir_all(&unpack)?;
    util::run(
        Command::new("tar")
            .arg("xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpack),
    )?;

    for _ in 0..20 {
        let fetch = util::cargo(cli_toolchain)
            .arg("fetch")
            .current_dir(&src)
            .output()
            .context("failed to start `cargo fetch`")?;
        if fetch.status.success() {
            util::run(
                util::cargo(cli_toolchain)
                    .args(["install", "--locked", "--path"])
                    .arg(&src)
                    .arg("--root")
                    .arg(install_root),
            )?;
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&fetch.stderr);
        let unavailable = stderr
            .split("failed to select a version for the requirement `")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .filter(|_| stderr.contains("(locked to "));
        match unavailable {
            Some(package) => util::run(
                util::cargo(cli_toolchain)
                    .args(["update", "--package", package])
                    .current_dir(&src),
            )?,
            None => bail!("`cargo fetch` of wasm-bindgen-cli {v} failed:\n{stderr}"),
        }
    }
    bail!("wasm-bindgen-cli {v}: too many unavailable locked packages")
}

fn is_pinned(id: &str) -> bool {
    FIXTURES.iter().any(|f| f.id() == id)
}

fn read_manifest(path: &Path) -> Result<Value> {
    let text = util::read(path)?;
    serde_json::from_slice(&text).with_context(|| format!("`{}` is not valid JSON", path.display()))
}

/// Writes the manifest with the given entries replacing those of the same id.
/// Entries of fixtures that are no longer pinned are dropped.
fn write_manifest(path: &Path, entries: BTreeMap<String, Value>) -> Result<()> {
    let mut fixtures: BTreeMap<String, Value> = BTreeMap::new();
    if path.exists() {
        if let Some(old) = read_manifest(path)?
            .get("fixtures")
            .and_then(Value::as_object)
        {
            fixtures.extend(
                old.iter()
                    .filter(|(id, _)| is_pinned(id))
                    .map(|(k, v)| (k.clone(), v.clone())),
            );
        }
    }
    fixtures.extend(entries);
    // Inserting in sorted order keeps keys sorted with or without serde_json's
    // `preserve_order`.
    let fixtures: serde_json::Map<String, Value> = fixtures.into_iter().collect();
    let manifest = json!({
        "crate": "tests/fixtures/crate",
        "fixtures": fixtures,
        "generated_by": "cargo xtask fixtures",
    });
    let mut text =
        serde_json::to_string_pretty(&manifest).context("failed to encode the manifest")?;
    text.push('\n');
    util::write(path, text)
}

/// Compares a `--check` build with the committed outputs and manifest.
fn check(paths: &Paths, entries: &BTreeMap<String, Value>) -> Result<ExitCode> {
    let mut differences = Vec::new();
    let committed_manifest = if paths.manifest.exists() {
        read_manifest(&paths.manifest)?
    } else {
        differences.push(format!("{}: missing", paths.manifest.display()));
        Value::Null
    };
    // Outputs and entries of fixtures that are no longer pinned.
    if let Some(committed) = committed_manifest
        .get("fixtures")
        .and_then(Value::as_object)
    {
        for id in committed.keys().filter(|id| !is_pinned(id)) {
            differences.push(format!("manifest.json: `{id}` is not a pinned fixture"));
        }
    }
    if paths.out.is_dir() {
        let listed = std::fs::read_dir(&paths.out)
            .with_context(|| format!("failed to list `{}`", paths.out.display()))?;
        for dir in listed {
            let dir = dir.with_context(|| format!("failed to list `{}`", paths.out.display()))?;
            let id = dir.file_name().to_string_lossy().into_owned();
            if !is_pinned(&id) {
                differences.push(format!("tests/fixtures/out/{id}: not a pinned fixture"));
            }
        }
    }
    let mut unreproducible = Vec::new();
    for (id, entry) in entries {
        let reproducible = FIXTURES
            .iter()
            .find(|f| f.id() == *id)
            .is_none_or(|f| f.cli_reproducible);
        if !reproducible {
            unreproducible.push(id.as_str());
        }
        let committed = paths.out.join(id);
        let rebuilt = paths.write_out.join(id);
        let mut names = util::list_files(&committed)?;
        names.extend(util::list_files(&rebuilt)?);
        names.sort();
        names.dedup();
        for name in names {
            let shown = format!("tests/fixtures/out/{id}/{name}");
            let (a, b) = (committed.join(&name), rebuilt.join(&name));
            match (a.is_file(), b.is_file()) {
                (true, false) => differences.push(format!("{shown}: not produced by the rebuild")),
                (false, true) => differences.push(format!("{shown}: produced but not committed")),
                _ if reproducible => {
                    if util::read(&a)? != util::read(&b)? {
                        differences.push(format!("{shown}: differs from {}", b.display()));
                    }
                }
                _ => {
                    let recorded = committed_sha256(&committed_manifest, id, &name);
                    if recorded.as_deref() != Some(util::sha256_hex(&util::read(&a)?).as_str()) {
                        differences.push(format!("{shown}: not the file manifest.json hashes"));
                    }
                }
            }
        }
        match committed_manifest.pointer(&format!("/fixtures/{id}")) {
            None => differences.push(format!("manifest.json: no entry `{id}`")),
            Some(old) => {
                let (Some(old), Some(new)) = (old.as_object(), entry.as_object()) else {
                    bail!("manifest entry `{id}` is not an object");
                };
                let mut keys: Vec<_> = old.keys().chain(new.keys()).collect();
                keys.sort();
                keys.dedup();
                for key in keys {
                    let same = if key == "targets" && !reproducible {
                        target_file_names(old.get(key)) == target_file_names(new.get(key))
                    } else {
                        old.get(key) == new.get(key)
                    };
                    if !same {
                        let show = |v: Option<&Value>| match v {
                            Some(Value::String(s)) => s.clone(),
                            Some(v) if v.is_object() || v.is_array() => "(see files)".to_string(),
                            Some(v) => v.to_string(),
                            None => "(absent)".to_string(),
                        };
                        differences.push(format!(
                            "manifest.json: `{id}`.{key}: committed {}, rebuilt {}",
                            show(old.get(key)),
                            show(new.get(key))
                        ));
                    }
                }
            }
        }
    }
    if differences.is_empty() {
        let ids: Vec<_> = entries.keys().map(String::as_str).collect();
        println!("fixtures up to date, bit for bit: {}", ids.join(", "));
        if !unreproducible.is_empty() {
            println!(
                "  (for {}: the cargo build bit for bit; the CLI's outputs by file list and \
                 manifest hashes, as that CLI is not reproducible)",
                unreproducible.join(", ")
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        println!("fixtures differ from a rebuild:");
        for line in &differences {
            println!("  {line}");
        }
        Ok(ExitCode::from(1))
    }
}

/// The sha256 the committed manifest records for `<target>/<file>` of a fixture.
fn committed_sha256(manifest: &Value, id: &str, name: &str) -> Option<String> {
    let (target, file) = name.split_once('/')?;
    manifest
        .pointer(&format!("/fixtures/{id}/targets/{target}/files"))?
        .as_array()?
        .iter()
        .find(|f| f.get("path").and_then(Value::as_str) == Some(file))?
        .get("sha256")?
        .as_str()
        .map(str::to_string)
}

/// `target/path` of every file a manifest entry's `targets` lists.
fn target_file_names(targets: Option<&Value>) -> Vec<String> {
    let mut names = Vec::new();
    if let Some(targets) = targets.and_then(Value::as_object) {
        for (target, value) in targets {
            let files = value.get("files").and_then(Value::as_array);
            for file in files.into_iter().flatten() {
                if let Some(path) = file.get("path").and_then(Value::as_str) {
                    names.push(format!("{target}/{path}"));
                }
            }
        }
    }
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_docopt_and_clap_target_lists() {
        let docopt = "    --target TARGET   What type of output to generate, valid\n\
                      \x20                  values are [web, bundler, nodejs, no-modules, deno],\n\
                      \x20                  and the default is [bundler]\n";
        assert_eq!(
            supported_targets(docopt).ok(),
            Some(
                vec!["web", "bundler", "nodejs", "no-modules", "deno"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
        let clap = "      --target <TARGET>  What type of output to generate [default: bundler]\n\
                    \x20     [possible values: bundler, web, module]\n";
        assert_eq!(
            supported_targets(clap).ok(),
            Some(
                vec!["bundler", "web", "module"]
                    .into_iter()
                    .map(String::from)
                    .collect()
            )
        );
    }

    #[test]
    fn fixture_ids_are_unique_and_only_selects_by_version_or_id() {
        let mut ids: Vec<_> = FIXTURES.iter().map(Fixture::id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "duplicate fixture ids: {ids:?}");

        let by_version: Vec<_> = FIXTURES
            .iter()
            .filter(|f| f.selected_by("0.2.130"))
            .map(Fixture::id)
            .collect();
        assert_eq!(
            by_version,
            [
                "0.2.130-abort",
                "0.2.130-abort-reset-state",
                "0.2.130-unwind-legacy",
                "0.2.130-unwind-legacy-reset-state",
                "0.2.130-unwind-exnref"
            ]
        );
        let by_id: Vec<_> = FIXTURES
            .iter()
            .filter(|f| f.selected_by("0.2.130-unwind-legacy"))
            .map(Fixture::id)
            .collect();
        assert_eq!(by_id, ["0.2.130-unwind-legacy"]);
    }

    #[test]
    fn records_the_flags_of_each_panic_strategy() {
        // The abort entries keep the flags they were committed with.
        assert_eq!(recorded_rustflags(Panic::Abort), RUSTFLAGS_RECORDED);
        assert_eq!(
            recorded_rustflags(Panic::UnwindLegacy),
            format!(
                "{RUSTFLAGS_RECORDED} --remap-path-prefix=${{SYSROOT}}=/sysroot -Cpanic=unwind \
                 -Cllvm-args=-wasm-use-legacy-eh=true"
            )
        );
        assert_eq!(
            recorded_rustflags(Panic::UnwindExnref),
            format!(
                "{RUSTFLAGS_RECORDED} --remap-path-prefix=${{SYSROOT}}=/sysroot -Cpanic=unwind"
            )
        );
    }

    #[test]
    fn pins_the_one_wasm_bindgen_line() {
        let manifest =
            "[dependencies]\nwasm-bindgen = \"=0.2.130\"\nwasm-bindgen-futures = \"0.4\"\n";
        assert_eq!(
            pin_wasm_bindgen(manifest, "0.2.84").ok().as_deref(),
            Some("[dependencies]\nwasm-bindgen = \"=0.2.84\"\nwasm-bindgen-futures = \"0.4\"\n")
        );
    }
}
