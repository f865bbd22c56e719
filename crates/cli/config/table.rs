//! The `wasm-recover` table, wherever it is written: `[package.metadata.wasm-recover]`,
//! `[workspace.metadata.wasm-recover]` or a package.json's `"wasm-recover"` field.
//! One typed reader for all three, so they accept exactly the same keys.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use wasm_recover_model::ResetMode;

use super::EhArg;

/// The keys the table accepts.
pub(crate) const KEYS: &[&str] = &["reset", "eh"];

/// One table as written: every key optional, so a package's table can
/// override the workspace's key by key.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Table {
    pub(crate) reset: Option<ResetMode>,
    pub(crate) eh: Option<EhArg>,
}

impl Table {
    /// Reads a table from its JSON form (`cargo metadata` and package.json
    /// both give JSON). `where_` names the table in error messages.
    pub(crate) fn from_json(value: &serde_json::Value, where_: &str) -> Result<Table> {
        let object = value
            .as_object()
            .with_context(|| format!("{where_} must be a table, not {value}"))?;
        for key in object.keys() {
            if !KEYS.contains(&key.as_str()) {
                bail!("{}", unknown_key(key, where_));
            }
        }
        serde_json::from_value(value.clone()).with_context(|| format!("invalid {where_}"))
    }
}

/// "unknown key `rest` in …; did you mean `reset`? (valid keys: reset, eh)".
fn unknown_key(key: &str, where_: &str) -> String {
    let closest = KEYS
        .iter()
        .map(|k| (strsim::damerau_levenshtein(key, k), *k))
        .min()
        .filter(|(distance, k)| *distance <= (k.len() / 2).max(1));
    let hint = match closest {
        Some((_, k)) => format!("; did you mean `{k}`?"),
        None => String::new(),
    };
    format!(
        "unknown key `{key}` in {where_}{hint} (valid keys: {})",
        KEYS.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const WHERE: &str = "[package.metadata.wasm-recover]";

    #[test]
    fn reads_both_keys() {
        let table = Table::from_json(&json!({"reset": "manual", "eh": "legacy"}), WHERE)
            .expect("valid table");
        assert_eq!(table.reset, Some(ResetMode::Manual));
        assert_eq!(table.eh, Some(EhArg::Legacy));
    }

    #[test]
    fn a_misspelt_key_gets_a_suggestion_and_the_list() {
        let err = Table::from_json(&json!({"rest": "auto"}), WHERE).expect_err("unknown key");
        assert_eq!(
            err.to_string(),
            "unknown key `rest` in [package.metadata.wasm-recover]; did you mean `reset`? (valid keys: reset, eh)"
        );
    }

    #[test]
    fn an_unrelated_key_gets_only_the_list() {
        let err = Table::from_json(&json!({"opt-level": 3}), WHERE).expect_err("unknown key");
        assert_eq!(
            err.to_string(),
            "unknown key `opt-level` in [package.metadata.wasm-recover] (valid keys: reset, eh)"
        );
    }

    #[test]
    fn a_bad_value_names_the_table_and_the_choices() {
        let err = Table::from_json(&json!({"eh": "new"}), WHERE).expect_err("bad value");
        let text = format!("{err:#}");
        assert!(
            text.starts_with("invalid [package.metadata.wasm-recover]"),
            "{text}"
        );
        assert!(text.contains("`keep`, `legacy`, `exnref`"), "{text}");
    }

    #[test]
    fn a_value_that_is_not_a_table_is_refused() {
        let err = Table::from_json(&json!("manual"), WHERE).expect_err("not a table");
        assert!(err.to_string().contains("must be a table"), "{err}");
    }
}
