//! Settings: `[package.metadata.wasm-recover]` in Cargo.toml, then flags.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use wasm_recover_model::{Options, ResetMode};

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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum EhArg {
    /// The module's own encoding.
    #[default]
    Keep,
    /// try/catch/delegate: every engine with exception handling (Node 20+).
    Legacy,
    /// try_table/throw_ref: the standard; Node 22.19+/24.15+, Deno 2.4+.
    Exnref,
}

/// Everything a hardening run is configured with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    /// What the rewriters need.
    pub(crate) options: Options,
    /// The EH encoding to translate a panic=unwind module to before hardening.
    pub(crate) eh: EhArg,
}

/// The keys `[package.metadata.wasm-recover]` accepts.
const KEYS: &[&str] = &["reset", "eh"];

/// Finds and reads the configuration table, then lets the flags override it.
pub(crate) fn settings(
    manifest: Option<&Path>,
    first_path: Option<&Path>,
    reset: Option<ResetArg>,
    eh: Option<EhArg>,
) -> Result<(Settings, Option<PathBuf>)> {
    let manifest = match manifest {
        Some(path) => Some(path.to_path_buf()),
        None => first_path.and_then(nearest_manifest),
    };
    let mut settings = Settings::default();
    if let Some(path) = &manifest {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        settings = from_manifest(&text)
            .with_context(|| format!("invalid configuration in `{}`", path.display()))?;
    }
    if let Some(reset) = reset {
        settings.options.reset = reset.into();
    }
    if let Some(eh) = eh {
        settings.eh = eh;
    }
    Ok((settings, manifest))
}

fn nearest_manifest(path: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(path).ok()?;
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|candidate| candidate.is_file())
}

fn from_manifest(text: &str) -> Result<Settings> {
    let doc: toml::Value = toml::from_str(text).context("Cargo.toml is not valid TOML")?;
    let mut settings = Settings::default();
    let Some(table) = doc
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("wasm-recover"))
    else {
        return Ok(settings);
    };
    let table = table
        .as_table()
        .context("`package.metadata.wasm-recover` must be a table")?;
    for (key, value) in table {
        match key.as_str() {
            "reset" => {
                settings.options.reset = match value.as_str() {
                    Some("auto") => ResetMode::Auto,
                    Some("manual") => ResetMode::Manual,
                    _ => bail!("`reset` must be \"auto\" or \"manual\", not {value}"),
                }
            }
            "eh" => {
                settings.eh = match value.as_str() {
                    Some("keep") => EhArg::Keep,
                    Some("legacy") => EhArg::Legacy,
                    Some("exnref") => EhArg::Exnref,
                    _ => bail!("`eh` must be \"keep\", \"legacy\" or \"exnref\", not {value}"),
                }
            }
            other => bail!(
                "unknown key `{other}` in [package.metadata.wasm-recover]; valid keys: {}",
                KEYS.join(", ")
            ),
        }
    }
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_reset_and_eh_from_the_metadata_table() {
        let settings = from_manifest(
            "[package]\nname='x'\n[package.metadata.wasm-recover]\nreset = \"manual\"\neh = \"legacy\"\n",
        )
        .expect("valid manifest");
        assert_eq!(settings.options.reset, ResetMode::Manual);
        assert_eq!(settings.eh, EhArg::Legacy);
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        let err = from_manifest("[package.metadata.wasm-recover]\nrest = \"auto\"\n")
            .expect_err("an unknown key is an error");
        assert_eq!(
            err.to_string(),
            "unknown key `rest` in [package.metadata.wasm-recover]; valid keys: reset, eh"
        );
    }

    #[test]
    fn a_bad_eh_value_names_the_choices() {
        let err = from_manifest("[package.metadata.wasm-recover]\neh = \"new\"\n")
            .expect_err("an unknown encoding is an error");
        assert!(
            err.to_string()
                .contains("\"keep\", \"legacy\" or \"exnref\""),
            "{err}"
        );
    }

    #[test]
    fn a_manifest_without_the_table_gives_defaults() {
        assert_eq!(
            from_manifest("[package]\nname='x'\n").expect("valid manifest"),
            Settings::default()
        );
    }
}
