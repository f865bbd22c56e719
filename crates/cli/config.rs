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

/// The keys `[package.metadata.wasm-recover]` accepts.
const KEYS: &[&str] = &["reset"];

/// Finds and reads the configuration table, then lets `--reset` override it.
pub(crate) fn options(
    manifest: Option<&Path>,
    first_path: Option<&Path>,
    reset: Option<ResetArg>,
) -> Result<(Options, Option<PathBuf>)> {
    let manifest = match manifest {
        Some(path) => Some(path.to_path_buf()),
        None => first_path.and_then(nearest_manifest),
    };
    let mut options = Options::default();
    if let Some(path) = &manifest {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read `{}`", path.display()))?;
        options = from_manifest(&text)
            .with_context(|| format!("invalid configuration in `{}`", path.display()))?;
    }
    if let Some(reset) = reset {
        options.reset = reset.into();
    }
    Ok((options, manifest))
}

fn nearest_manifest(path: &Path) -> Option<PathBuf> {
    let start = std::fs::canonicalize(path).ok()?;
    start
        .ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|candidate| candidate.is_file())
}

fn from_manifest(text: &str) -> Result<Options> {
    let doc: toml::Value = toml::from_str(text).context("Cargo.toml is not valid TOML")?;
    let mut options = Options::default();
    let Some(table) = doc
        .get("package")
        .and_then(|p| p.get("metadata"))
        .and_then(|m| m.get("wasm-recover"))
    else {
        return Ok(options);
    };
    let table = table
        .as_table()
        .context("`package.metadata.wasm-recover` must be a table")?;
    for (key, value) in table {
        match key.as_str() {
            "reset" => {
                options.reset = match value.as_str() {
                    Some("auto") => ResetMode::Auto,
                    Some("manual") => ResetMode::Manual,
                    _ => bail!("`reset` must be \"auto\" or \"manual\", not {value}"),
                }
            }
            other => bail!(
                "unknown key `{other}` in [package.metadata.wasm-recover]; valid keys: {}",
                KEYS.join(", ")
            ),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_reset_from_the_metadata_table() {
        let options = from_manifest(
            "[package]\nname='x'\n[package.metadata.wasm-recover]\nreset = \"manual\"\n",
        )
        .expect("valid manifest");
        assert_eq!(options.reset, ResetMode::Manual);
    }

    #[test]
    fn unknown_keys_list_the_valid_ones() {
        let err = from_manifest("[package.metadata.wasm-recover]\nrest = \"auto\"\n")
            .expect_err("an unknown key is an error");
        assert_eq!(
            err.to_string(),
            "unknown key `rest` in [package.metadata.wasm-recover]; valid keys: reset"
        );
    }

    #[test]
    fn a_manifest_without_the_table_gives_defaults() {
        assert_eq!(
            from_manifest("[package]\nname='x'\n").expect("valid manifest"),
            Options::default()
        );
    }
}
