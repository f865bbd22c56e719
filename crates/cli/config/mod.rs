//! Settings: the `wasm-recover` table of the file that configures the run
//! (see [`find`]), then flags.
//!
//! A crate's tables are read as cargo reads them, with `cargo metadata`: the
//! workspace's `[workspace.metadata.wasm-recover]` is inherited, the
//! package's `[package.metadata.wasm-recover]` wins over it key by key, and
//! flags win over both. Every run says where its settings came from, and
//! `wasm-recover config PATH` prints each value with its source.

mod find;
mod table;

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use wasm_recover_model::{Options, ResetMode};

pub(crate) use find::Origin;
use table::Table;

/// `--reset` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ResetArg {
    Auto,
    Manual,
}

impl From<ResetArg> for ResetMode {
    fn from(arg: ResetArg) -> Self {
        match arg {
            ResetArg::Auto => ResetMode::Auto,
            ResetArg::Manual => ResetMode::Manual,
        }
    }
}

/// `--eh` values: which exception-handling encoding the hardened module uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum EhArg {
    /// The module's own encoding.
    #[default]
    Keep,
    /// try/catch/delegate: every engine with exception handling (Node 20+).
    Legacy,
    /// try_table/throw_ref: the standard; Node 22.19+/24.15+, Deno 2.4+.
    Exnref,
}

impl EhArg {
    fn as_str(self) -> &'static str {
        match self {
            EhArg::Keep => "keep",
            EhArg::Legacy => "legacy",
            EhArg::Exnref => "exnref",
        }
    }
}

/// Everything a hardening run is configured with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// What the rewriters need.
    pub(crate) options: Options,
    /// The EH encoding to translate a panic=unwind module to before hardening.
    pub(crate) eh: EhArg,
}

/// Where one value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Default,
    Flag,
    /// A table, described with its file (`[package.metadata.wasm-recover] in `…``).
    Table(String),
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Default => f.write_str("default"),
            Source::Flag => f.write_str("flag"),
            Source::Table(table) => f.write_str(table),
        }
    }
}

/// The settings of a run and where each came from.
#[derive(Debug, Clone)]
pub(crate) struct Resolved {
    pub(crate) settings: Settings,
    reset_from: Source,
    eh_from: Source,
    /// The tables read, most general first; empty when no file configured the run.
    tables: Vec<String>,
    /// Why no file configured the run, if none did.
    unconfigured: Option<String>,
}

impl Resolved {
    /// One line for the run's output: which files configured it.
    pub(crate) fn summary(&self) -> String {
        match &self.unconfigured {
            Some(why) => format!("configuration: flags and defaults ({why})"),
            None => format!("configuration: {}", self.tables.join(", ")),
        }
    }

    /// The configuration part of a run's report.
    pub(crate) fn report(&self) -> crate::report::Configuration {
        crate::report::Configuration {
            reset: self.settings.options.reset.as_str().to_string(),
            eh: self.settings.eh.as_str().to_string(),
            sources: self.tables.clone(),
            unconfigured: self.unconfigured.clone(),
        }
    }

    /// Every value with its source, as `wasm-recover config` prints it.
    pub(crate) fn explain(&self) -> String {
        format!(
            "reset = {:?}  # {}\neh = {:?}  # {}\n{}\n",
            self.settings.options.reset.as_str(),
            self.reset_from,
            self.settings.eh.as_str(),
            self.eh_from,
            self.summary()
        )
    }
}

/// Reads the configuration for a run over `first_path` (or from `manifest`,
/// `--manifest-path`), then lets the flags override it.
pub(crate) fn settings(
    manifest: Option<&Path>,
    first_path: Option<&Path>,
    reset: Option<ResetArg>,
    eh: Option<EhArg>,
) -> Result<Resolved> {
    let origin = match (manifest, first_path) {
        (Some(manifest), _) => Origin::Cargo(
            std::fs::canonicalize(manifest)
                .with_context(|| format!("cannot read `{}`", manifest.display()))?,
        ),
        (None, Some(path)) => find::origin(path)?,
        (None, None) => Origin::Nothing("no PATH given".to_string()),
    };
    resolve(origin, reset, eh)
}

/// The configuration of an npm tarball given as the first PATH: its
/// `package/package.json` field only (`package_json` is its text, `shown`
/// how the report names it), as for a package directory.
pub(crate) fn tarball_settings(
    package_json: Option<&[u8]>,
    shown: &str,
    reset: Option<ResetArg>,
    eh: Option<EhArg>,
) -> Result<Resolved> {
    let Some(text) = package_json else {
        return resolve(
            Origin::Nothing(format!("`{shown}` is not in the tarball")),
            reset,
            eh,
        );
    };
    let manifest: serde_json::Value =
        serde_json::from_slice(text).with_context(|| format!("`{shown}` is not valid JSON"))?;
    let from = format!("\"wasm-recover\" in `{shown}`");
    let tables = match manifest.get("wasm-recover") {
        Some(value) => vec![(Table::from_json(value, &from)?, from)],
        None => Vec::new(),
    };
    let origin = Origin::Nothing(format!("`{shown}` has no \"wasm-recover\" field"));
    apply(tables, &origin, reset, eh)
}

fn resolve(origin: Origin, reset: Option<ResetArg>, eh: Option<EhArg>) -> Result<Resolved> {
    let tables = match &origin {
        Origin::Cargo(manifest) => cargo_tables(manifest)?,
        Origin::PackageJson(path) => package_json_table(path)?,
        Origin::Nothing(_) => Vec::new(),
    };
    apply(tables, &origin, reset, eh)
}

/// The tables (most general first), then the flags.
fn apply(
    tables: Vec<(Table, String)>,
    origin: &Origin,
    reset: Option<ResetArg>,
    eh: Option<EhArg>,
) -> Result<Resolved> {
    let unconfigured = match origin {
        Origin::Nothing(why) if tables.is_empty() => Some(why.clone()),
        _ => None,
    };
    let mut resolved = Resolved {
        settings: Settings::default(),
        reset_from: Source::Default,
        eh_from: Source::Default,
        tables: tables.iter().map(|(_, from)| from.clone()).collect(),
        unconfigured,
    };
    if resolved.tables.is_empty() && resolved.unconfigured.is_none() {
        resolved.unconfigured = Some(format!("{} has no wasm-recover table", origin_file(origin)));
    }
    // Most general first: later tables override earlier ones key by key.
    for (table, from) in tables {
        if let Some(reset) = table.reset {
            resolved.settings.options.reset = reset;
            resolved.reset_from = Source::Table(from.clone());
        }
        if let Some(eh) = table.eh {
            resolved.settings.eh = eh;
            resolved.eh_from = Source::Table(from);
        }
    }
    if let Some(reset) = reset {
        resolved.settings.options.reset = reset.into();
        resolved.reset_from = Source::Flag;
    }
    if let Some(eh) = eh {
        resolved.settings.eh = eh;
        resolved.eh_from = Source::Flag;
    }
    Ok(resolved)
}

fn origin_file(origin: &Origin) -> String {
    match origin {
        Origin::Cargo(path) | Origin::PackageJson(path) => format!("`{}`", path.display()),
        Origin::Nothing(_) => "nothing".to_string(),
    }
}

/// The workspace's and the package's tables of `manifest`, as `cargo
/// metadata` reports them (so inheritance and the workspace root are cargo's).
fn cargo_tables(manifest: &Path) -> Result<Vec<(Table, String)>> {
    let metadata = match cargo_metadata::MetadataCommand::new()
        .manifest_path(manifest)
        .no_deps()
        .exec()
    {
        Ok(metadata) => metadata,
        Err(cargo_metadata::Error::Io(e))
            if matches!(
                e.kind(),
                std::io::ErrorKind::NotFound | std::io::ErrorKind::Unsupported
            ) =>
        {
            // No cargo on this machine (an npm user with a Cargo.toml above),
            // or no processes at all (the WASI build of the npm package):
            // read the package's own table; a workspace cannot be found
            // without cargo, and the run says so.
            return manifest_table_without_cargo(manifest);
        }
        Err(e) => {
            return Err(anyhow::Error::new(e))
                .with_context(|| format!("`cargo metadata` failed for `{}`", manifest.display()))
        }
    };
    let mut tables = Vec::new();
    let root_manifest = metadata.workspace_root.join("Cargo.toml");
    if let Some(value) = metadata.workspace_metadata.get("wasm-recover") {
        let from = format!("[workspace.metadata.wasm-recover] in `{root_manifest}`");
        tables.push((Table::from_json(value, &from)?, from));
    }
    let package = metadata
        .packages
        .iter()
        .find(|p| p.manifest_path.as_std_path() == manifest);
    if let Some(value) = package.and_then(|p| p.metadata.get("wasm-recover")) {
        let from = format!(
            "[package.metadata.wasm-recover] in `{}`",
            manifest.display()
        );
        tables.push((Table::from_json(value, &from)?, from));
    }
    Ok(tables)
}

fn manifest_table_without_cargo(manifest: &Path) -> Result<Vec<(Table, String)>> {
    let text = std::fs::read_to_string(manifest)
        .with_context(|| format!("failed to read `{}`", manifest.display()))?;
    let doc: toml::Value = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", manifest.display()))?;
    let Some(value) = doc
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("wasm-recover"))
    else {
        return Ok(Vec::new());
    };
    let from = format!(
        "[package.metadata.wasm-recover] in `{}` (read without cargo: a workspace table would not be seen)",
        manifest.display()
    );
    let json = serde_json::to_value(value).context("a TOML value is JSON")?;
    Ok(vec![(Table::from_json(&json, &from)?, from)])
}

fn package_json_table(path: &Path) -> Result<Vec<(Table, String)>> {
    let manifest = find::read_json(path)?;
    let from = format!("\"wasm-recover\" in `{}`", path.display());
    match manifest.get("wasm-recover") {
        Some(value) => Ok(vec![(Table::from_json(value, &from)?, from)]),
        None => Ok(Vec::new()),
    }
}
