//! `cargo xtask fixtures [--check] [--only VERSION]`: rebuilds the committed
//! wasm-bindgen outputs in `tests/fixtures/out/` bit for bit.
//!
//! For each pinned wasm-bindgen version it copies `tests/fixtures/crate` to
//! `target/fixtures/<version>/crate`, pins the `wasm-bindgen` requirement to that
//! version, builds it for `wasm32-unknown-unknown` (panic=abort, the stable
//! default) with the lockfile from `tests/fixtures/crate/locks/<version>.lock`,
//! and runs that version's CLI for every target it supports into
//! `tests/fixtures/out/<version>-abort/<target>/`. `tests/fixtures/manifest.json`
//! records toolchain, flags, CLI version, a sha256 per output file and of the
//! crate sources that were built, so stale fixtures show without a build.
//!
//! Reproducibility rests on four things: the lockfile, the exact toolchain
//! (recorded as `rustc --version`), `--remap-path-prefix` for the two machine
//! paths that reach the binary (cargo's home and the build directory), and the
//! CLI built from its own published lockfile. `--check` builds from scratch
//! in a different directory (`target/fixtures-check/`) and compares byte for
//! byte, so a path leaking into the output shows up as a difference.
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

/// One pinned wasm-bindgen version and the toolchain that builds both the
/// fixture crate and the CLI.
struct Version {
    wasm_bindgen: &'static str,
    /// A rustup toolchain name. wasm-bindgen older than 0.2.88 does not compile
    /// with Rust 1.86 or later (FIELD-NOTES §1).
    toolchain: &'static str,
}

const VERSIONS: &[Version] = &[
    Version {
        wasm_bindgen: "0.2.84",
        toolchain: "1.85.1",
    },
    Version {
        wasm_bindgen: "0.2.92",
        toolchain: "stable",
    },
    Version {
        wasm_bindgen: "0.2.100",
        toolchain: "stable",
    },
    Version {
        wasm_bindgen: "0.2.130",
        toolchain: "stable",
    },
];

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

/// The panic strategy of these fixtures; `panic=unwind` ones would get their
/// own id suffix.
const PANIC: &str = "abort";
const OUT_NAME: &str = "recover_fixture";
const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// The requirement in the fixture crate's Cargo.toml that each build rewrites.
const WASM_BINDGEN_DEP: &str = "wasm-bindgen = ";
/// `RUSTFLAGS` as recorded in the manifest: the machine paths are placeholders.
const RUSTFLAGS_RECORDED: &str =
    "--remap-path-prefix=${CARGO_HOME}=/cargo --remap-path-prefix=${FIXTURE_BUILD_DIR}=/fixture";

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
                    let version = args.next().context("`--only` needs a version")?;
                    flags.only = Some(version.clone());
                }
                other => match other.strip_prefix("--only=") {
                    Some(version) => flags.only = Some(version.to_string()),
                    None => bail!("unknown flag `{other}` for `fixtures`"),
                },
            }
        }
        if let Some(only) = &flags.only {
            if !VERSIONS.iter().any(|v| v.wasm_bindgen == only) {
                let known: Vec<_> = VERSIONS.iter().map(|v| v.wasm_bindgen).collect();
                bail!(
                    "`--only {only}`: not a pinned version ({})",
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
    /// Per-version build directories (crate copy plus target dir).
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
    for version in VERSIONS {
        if flags
            .only
            .as_deref()
            .is_some_and(|only| only != version.wasm_bindgen)
        {
            continue;
        }
        let id = fixture_id(version);
        eprintln!("==> {id} (toolchain {})", version.toolchain);
        let entry = build_fixture(version, &paths, flags.check)
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

fn fixture_id(version: &Version) -> String {
    format!("{}-{PANIC}", version.wasm_bindgen)
}

/// Builds one version's wasm, runs its CLI for every target and returns the
/// manifest entry.
fn build_fixture(version: &Version, paths: &Paths, check: bool) -> Result<Value> {
    let id = fixture_id(version);
    let toolchain = version.toolchain;
    ensure_wasm_target(toolchain)?;
    let rustc =
        util::output(Command::new("rustup").args(["run", toolchain, "rustc", "--version"]))?
            .trim()
            .to_string();

    let cli = ensure_cli(version)?;
    let cli_version = util::output(Command::new(&cli).arg("--version"))?
        .trim()
        .to_string();
    ensure!(
        cli_version.split_whitespace().nth(1) == Some(version.wasm_bindgen),
        "`{}` reports `{cli_version}`, expected wasm-bindgen {}",
        cli.display(),
        version.wasm_bindgen
    );
    let help = util::output(Command::new(&cli).arg("--help"))?;
    let supported = supported_targets(&help)
        .with_context(|| format!("failed to read the targets from `{} --help`", cli.display()))?;

    let (wasm, lock_path, sources) = build_wasm(version, paths, check)?;
    let wasm_bytes = util::read(&wasm)?;

    let out_dir = paths.write_out.join(&id);
    util::remove_dir_all(&out_dir)?;
    let mut targets = serde_json::Map::new();
    let mut unsupported = Vec::new();
    for &target in TARGETS {
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
                .args(["--out-name", OUT_NAME, "--target", target]),
        )?;
        let mut files = Vec::new();
        for rel in util::list_files(&target_dir)? {
            let bytes = util::read(&target_dir.join(&rel))?;
            files.push(json!({
                "path": rel,
                "sha256": util::sha256_hex(&bytes),
                "size": bytes.len(),
            }));
        }
        ensure!(
            !files.is_empty(),
            "`{cli_version} --target {target}` wrote no files"
        );
        targets.insert(target.to_string(), json!({ "files": files }));
    }

    let lock = util::read(&lock_path)?;
    Ok(json!({
        "cli": cli_version,
        "lockfile": {
            "path": format!("tests/fixtures/crate/locks/{}.lock", version.wasm_bindgen),
            "sha256": util::sha256_hex(&lock),
        },
        "panic": PANIC,
        "rustc": rustc,
        "rustflags": RUSTFLAGS_RECORDED,
        "sources": sources,
        "targets": targets,
        "toolchain": toolchain,
        "unsupported_targets": unsupported,
        "wasm": {
            "sha256": util::sha256_hex(&wasm_bytes),
            "size": wasm_bytes.len(),
        },
        "wasm_bindgen": version.wasm_bindgen,
    }))
}

fn ensure_wasm_target(toolchain: &str) -> Result<()> {
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
    Ok(())
}

/// Copies the fixture crate, pins its wasm-bindgen, provides the lockfile and
/// builds it. Returns the wasm, the lockfile in `locks/` and the hashes of the
/// crate files that were built (so stale fixtures show without a build).
fn build_wasm(
    version: &Version,
    paths: &Paths,
    check: bool,
) -> Result<(PathBuf, PathBuf, Vec<Value>)> {
    let v = version.wasm_bindgen;
    let build_dir = paths.build.join(v);
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
    let lock_copy = crate_copy.join("Cargo.lock");
    if lock.exists() {
        util::copy(&lock, &lock_copy)?;
    } else if check {
        bail!(
            "`{}` is missing: run `cargo xtask fixtures --only {v}` first",
            lock.display()
        );
    } else {
        // Newest dependencies that still support the crate's rust-version.
        util::run(
            util::cargo(version.toolchain)
                .arg("generate-lockfile")
                .current_dir(&crate_copy)
                .env("CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS", "fallback"),
        )?;
        let generated = String::from_utf8(util::read(&lock_copy)?)
            .context("the generated Cargo.lock is not UTF-8")?;
        let locked = locked_version(&generated, "wasm-bindgen");
        ensure!(
            locked == Some(v),
            "the generated Cargo.lock has wasm-bindgen {locked:?}, expected {v}"
        );
        util::copy(&lock_copy, &lock)?;
        eprintln!("    saved {}", lock.display());
    }

    // cargo passes the paths it computes from the physical working directory,
    // so the prefixes to remap must be canonical too.
    let build_dir = build_dir
        .canonicalize()
        .with_context(|| format!("failed to resolve `{}`", build_dir.display()))?;
    let cargo_home = util::cargo_home()?;
    let cargo_home = cargo_home.canonicalize().unwrap_or(cargo_home);
    let target_dir = build_dir.join("target");
    // CARGO_ENCODED_RUSTFLAGS keeps paths with spaces in one argument.
    let rustflags = [
        format!("--remap-path-prefix={}=/cargo", cargo_home.display()),
        format!("--remap-path-prefix={}=/fixture", build_dir.display()),
    ]
    .join("\x1f");
    util::run(
        util::cargo(version.toolchain)
            .args(["build", "--release", "--locked", "--target", WASM_TARGET])
            .current_dir(build_dir.join("crate"))
            .env("CARGO_TARGET_DIR", &target_dir)
            .env("CARGO_ENCODED_RUSTFLAGS", rustflags),
    )?;
    let wasm = target_dir
        .join(WASM_TARGET)
        .join("release")
        .join(format!("{}.wasm", OUT_NAME));
    ensure!(wasm.is_file(), "cargo built no `{}`", wasm.display());
    Ok((wasm, lock, sources))
}

/// Rewrites the one `wasm-bindgen = "…"` line of the fixture crate's manifest.
fn pin_wasm_bindgen(manifest: &str, version: &str) -> Result<String> {
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
fn locked_version<'a>(lock: &'a str, name: &str) -> Option<&'a str> {
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

/// The CLI of one version, installed under `~/.cache/wasm-recover/cli/` if
/// missing.
fn ensure_cli(version: &Version) -> Result<PathBuf> {
    let v = version.wasm_bindgen;
    let install_root = util::home_dir()?.join(".cache/wasm-recover/cli").join(v);
    let bin = install_root.join("bin/wasm-bindgen");
    if bin.is_file() {
        return Ok(bin);
    }
    eprintln!("    installing wasm-bindgen-cli {v} (takes several minutes)");
    let installed = util::run(
        util::cargo(version.toolchain)
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
        install_cli_from_source(version, &install_root)?;
    }
    ensure!(
        bin.is_file(),
        "installing wasm-bindgen-cli {v} left no `{}`",
        bin.display()
    );
    Ok(bin)
}

fn install_cli_from_source(version: &Version, install_root: &Path) -> Result<()> {
    let v = version.wasm_bindgen;
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
        let fetch = util::cargo(version.toolchain)
            .arg("fetch")
            .current_dir(&src)
            .output()
            .context("failed to start `cargo fetch`")?;
        if fetch.status.success() {
            util::run(
                util::cargo(version.toolchain)
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
                util::cargo(version.toolchain)
                    .args(["update", "--package", package])
                    .current_dir(&src),
            )?,
            None => bail!("`cargo fetch` of wasm-bindgen-cli {v} failed:\n{stderr}"),
        }
    }
    bail!("wasm-bindgen-cli {v}: too many unavailable locked packages")
}

fn read_manifest(path: &Path) -> Result<Value> {
    let text = util::read(path)?;
    serde_json::from_slice(&text).with_context(|| format!("`{}` is not valid JSON", path.display()))
}

/// Writes the manifest with the given entries replacing those of the same id.
fn write_manifest(path: &Path, entries: BTreeMap<String, Value>) -> Result<()> {
    let mut fixtures: BTreeMap<String, Value> = BTreeMap::new();
    if path.exists() {
        if let Some(old) = read_manifest(path)?
            .get("fixtures")
            .and_then(Value::as_object)
        {
            fixtures.extend(old.iter().map(|(k, v)| (k.clone(), v.clone())));
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
    for (id, entry) in entries {
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
                _ => {
                    if util::read(&a)? != util::read(&b)? {
                        differences.push(format!("{shown}: differs from {}", b.display()));
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
                    if old.get(key) != new.get(key) {
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
        Ok(ExitCode::SUCCESS)
    } else {
        println!("fixtures differ from a rebuild:");
        for line in &differences {
            println!("  {line}");
        }
        Ok(ExitCode::from(1))
    }
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
    fn pins_the_one_wasm_bindgen_line() {
        let manifest =
            "[dependencies]\nwasm-bindgen = \"=0.2.130\"\nwasm-bindgen-futures = \"0.4\"\n";
        assert_eq!(
            pin_wasm_bindgen(manifest, "0.2.84").ok().as_deref(),
            Some("[dependencies]\nwasm-bindgen = \"=0.2.84\"\nwasm-bindgen-futures = \"0.4\"\n")
        );
    }
}
