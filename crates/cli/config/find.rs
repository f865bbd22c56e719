//! Which file configures a run.
//!
//! A crate's output is configured by its Cargo.toml (and the workspace it
//! belongs to). An npm package is configured by its own package.json field
//! `"wasm-recover"`, or by flags alone: an enclosing crate it was merely copied
//! or installed into says nothing about it. So, walking up from the first
//! PATH:
//! - a package.json with a `"wasm-recover"` field configures the run;
//! - a `node_modules` directory ends the walk: what is installed there is
//!   somebody else's package;
//! - a Cargo.toml configures the run, unless a package.json was passed on the
//!   way that is not this crate's own output (`wasm-pack build` writes
//!   `pkg/package.json` named after the crate: that one is).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// Where a run's configuration comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Origin {
    /// A Cargo.toml: its `[package.metadata.wasm-recover]` and its
    /// workspace's `[workspace.metadata.wasm-recover]`.
    Cargo(PathBuf),
    /// A package.json with a `"wasm-recover"` field.
    PackageJson(PathBuf),
    /// No file: flags and defaults only, for the reason given.
    Nothing(String),
}

/// Finds the origin for `path` (the first PATH of the run).
pub(crate) fn origin(path: &Path) -> Result<Origin> {
    let start =
        std::fs::canonicalize(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let start = if start.is_file() {
        start.parent().map(Path::to_path_buf).unwrap_or(start)
    } else {
        start
    };
    // The first npm package passed on the way up: (its directory, its name).
    let mut npm_package: Option<(PathBuf, String)> = None;
    for dir in start.ancestors() {
        if dir.file_name().is_some_and(|n| n == "node_modules") {
            return Ok(Origin::Nothing(format!(
                "`{}` is installed under `{}`: only its package.json field or flags configure it",
                path.display(),
                dir.display()
            )));
        }
        let package_json = dir.join("package.json");
        if package_json.is_file() {
            let manifest = read_json(&package_json)?;
            if manifest.get("wasm-recover").is_some() {
                return Ok(Origin::PackageJson(package_json));
            }
            if npm_package.is_none() {
                let name = manifest
                    .get("name")
                    .and_then(|n| n.as_str())
                    .unwrap_or_default()
                    .to_string();
                npm_package = Some((dir.to_path_buf(), name));
            }
        }
        let cargo_toml = dir.join("Cargo.toml");
        if cargo_toml.is_file() {
            return Ok(match npm_package {
                Some((package, name)) if !is_output_of(&cargo_toml, &name)? => {
                    Origin::Nothing(format!(
                        "`{}` is an npm package (`{}`) that is not the output of the crate in `{}`: only its package.json field or flags configure it",
                        package.display(),
                        if name.is_empty() { "unnamed" } else { &name },
                        cargo_toml.display()
                    ))
                }
                _ => Origin::Cargo(cargo_toml),
            });
        }
    }
    Ok(Origin::Nothing(match npm_package {
        Some((package, _)) => format!(
            "`{}` is an npm package without a `\"wasm-recover\"` field in its package.json",
            package.display()
        ),
        None => format!("no Cargo.toml or package.json above `{}`", path.display()),
    }))
}

pub(crate) fn read_json(path: &Path) -> Result<serde_json::Value> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("failed to read `{}`", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("`{}` is not valid JSON", path.display()))
}

/// Whether an npm package named `npm_name` is the output of the crate whose
/// manifest is `cargo_toml`: wasm-pack names it after the crate (`my_crate`
/// or `my-crate`, possibly under a `@scope/`).
fn is_output_of(cargo_toml: &Path, npm_name: &str) -> Result<bool> {
    let text = std::fs::read_to_string(cargo_toml)
        .with_context(|| format!("failed to read `{}`", cargo_toml.display()))?;
    let manifest: toml::Value = toml::from_str(&text)
        .with_context(|| format!("`{}` is not valid TOML", cargo_toml.display()))?;
    let Some(crate_name) = manifest
        .get("package")
        .and_then(|p| p.get("name"))
        .and_then(|n| n.as_str())
    else {
        return Ok(false);
    };
    let unscoped = npm_name.rsplit('/').next().unwrap_or(npm_name);
    Ok(unscoped.replace('_', "-") == crate_name.replace('_', "-"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn a_wasm_pack_pkg_is_configured_by_its_crate() {
        let root = tempfile::tempdir().expect("tempdir");
        let crate_toml = root.path().join("Cargo.toml");
        write(&crate_toml, "[package]\nname = \"my_crate\"\n");
        write(
            &root.path().join("pkg/package.json"),
            r#"{"name": "@me/my-crate"}"#,
        );
        let origin = origin(&root.path().join("pkg")).expect("origin");
        assert_eq!(
            origin,
            Origin::Cargo(std::fs::canonicalize(crate_toml).expect("exists"))
        );
    }

    #[test]
    fn another_npm_package_inside_a_crate_is_not_configured_by_it() {
        let root = tempfile::tempdir().expect("tempdir");
        write(
            &root.path().join("Cargo.toml"),
            "[package]\nname = \"app\"\n",
        );
        write(
            &root.path().join("vendor/brotli/package.json"),
            r#"{"name": "brotli-wasm"}"#,
        );
        let origin = origin(&root.path().join("vendor/brotli")).expect("origin");
        assert!(
            matches!(&origin, Origin::Nothing(why) if why.contains("not the output of the crate")),
            "{origin:?}"
        );
    }

    #[test]
    fn node_modules_stops_the_walk() {
        let root = tempfile::tempdir().expect("tempdir");
        write(&root.path().join("Cargo.toml"), "[package]\nname = \"x\"\n");
        write(&root.path().join("node_modules/x/pkg/x_bg.wasm"), "");
        let origin = origin(&root.path().join("node_modules/x/pkg")).expect("origin");
        assert!(
            matches!(&origin, Origin::Nothing(why) if why.contains("node_modules")),
            "{origin:?}"
        );
    }

    #[test]
    fn a_package_json_field_configures_its_package() {
        let root = tempfile::tempdir().expect("tempdir");
        write(&root.path().join("Cargo.toml"), "[package]\nname = \"x\"\n");
        let package_json = root.path().join("web/package.json");
        write(
            &package_json,
            r#"{"name": "x", "wasm-recover": {"reset": "manual"}}"#,
        );
        let origin = origin(&root.path().join("web")).expect("origin");
        assert_eq!(
            origin,
            Origin::PackageJson(std::fs::canonicalize(package_json).expect("exists"))
        );
    }
}
