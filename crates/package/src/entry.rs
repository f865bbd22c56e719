//! `package.json`: every entry point it declares, with the conditions under
//! which a host picks it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::error::{Error, ErrorKind};

pub(crate) struct Manifest {
    json: Value,
}

/// An entry point as declared, before resolution.
pub(crate) struct Declared {
    pub(crate) condition: String,
    /// The conditions a host must match to pick it (`node`, `require`, …).
    pub(crate) conditions: Vec<String>,
    target: Target,
}

enum Target {
    /// `main`, `module`, `browser`: resolved as Node resolves a relative
    /// specifier (extensions, `index.js`).
    Loose(String),
    /// An `exports` target: an exact file.
    Exact(String),
}

impl Manifest {
    pub(crate) fn read(root: &Path) -> Result<Self, Error> {
        let path = root.join("package.json");
        let text = std::fs::read_to_string(&path).map_err(|e| Error::new(&path, e))?;
        let json: Value = serde_json::from_str(&text).map_err(|e| Error::new(&path, e))?;
        if !json.is_object() {
            return Err(Error::new(
                &path,
                ErrorKind::Manifest("not a JSON object".to_string()),
            ));
        }
        Ok(Manifest { json })
    }

    pub(crate) fn entry_points(&self) -> Vec<Declared> {
        let mut found = Vec::new();
        let loose = |condition: &str, target: &str, conditions: &[&str]| Declared {
            condition: condition.to_string(),
            conditions: conditions.iter().map(|c| c.to_string()).collect(),
            target: Target::Loose(target.to_string()),
        };
        if let Some(main) = self.json.get("main").and_then(Value::as_str) {
            found.push(loose("main", main, &["node", "require"]));
        }
        if let Some(module) = self.json.get("module").and_then(Value::as_str) {
            found.push(loose("module", module, &["import", "module"]));
        }
        match self.json.get("browser") {
            Some(Value::String(browser)) => {
                found.push(loose("browser", browser, &["browser", "import"]));
            }
            Some(Value::Object(map)) => {
                // The object form replaces files by others in browser builds;
                // `false` means "nothing", which loads nothing.
                for (from, to) in map {
                    if let Value::String(to) = to {
                        found.push(loose(
                            &format!("browser[{from:?}]"),
                            to,
                            &["browser", "import"],
                        ));
                    }
                }
            }
            _ => {}
        }
        if let Some(exports) = self.json.get("exports") {
            exports_entries(exports, &mut found);
        }
        let declares_main = found.iter().any(|d| d.condition == "main");
        if !declares_main && self.json.get("exports").is_none() {
            // Node loads `index.js` when nothing else is said; only an
            // existing one counts (checked at resolution).
            found.push(Declared {
                condition: "main (Node's default `index.js`)".to_string(),
                conditions: vec!["node".to_string(), "require".to_string()],
                target: Target::Loose("./index.js".to_string()),
            });
        }
        found
    }
}

/// `exports` in its three forms: a string (the package root), an object of
/// subpaths (keys starting with `.`), or an object of conditions for `.`.
fn exports_entries(exports: &Value, found: &mut Vec<Declared>) {
    match exports {
        Value::Object(map) if map.keys().any(|k| k.starts_with('.')) => {
            for (subpath, value) in map {
                let path = format!("exports[{subpath:?}]");
                conditions(value, &path, &mut Vec::new(), found);
            }
        }
        other => conditions(other, "exports[\".\"]", &mut Vec::new(), found),
    }
}

/// Every leaf of a (nested) condition object: each is an entry point for
/// the hosts whose conditions match its path. `types` leads to declarations,
/// not code.
fn conditions(value: &Value, path: &str, stack: &mut Vec<String>, found: &mut Vec<Declared>) {
    match value {
        Value::String(target) => found.push(Declared {
            condition: path.to_string(),
            conditions: stack.clone(),
            target: Target::Exact(target.clone()),
        }),
        Value::Array(items) => {
            // Node takes the first valid item; every one is a candidate.
            for (index, item) in items.iter().enumerate() {
                conditions(item, &format!("{path}[{index}]"), stack, found);
            }
        }
        Value::Object(map) => {
            for (condition, value) in map {
                if condition == "types" || condition.starts_with("types@") {
                    continue;
                }
                let name = if condition
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_')
                {
                    format!("{path}.{condition}")
                } else {
                    format!("{path}[{condition:?}]")
                };
                stack.push(condition.clone());
                conditions(value, &name, stack, found);
                stack.pop();
            }
        }
        // `null` excludes a subpath: nothing is loaded.
        _ => {}
    }
}

impl Declared {
    /// Node's implicit `index.js`: counts only where it exists.
    pub(crate) fn is_node_default(&self) -> bool {
        self.condition.starts_with("main (")
    }

    /// The file this entry point loads.
    pub(crate) fn resolve(&self, root: &Path) -> Result<PathBuf, String> {
        match &self.target {
            Target::Exact(target) => {
                if target.contains('*') {
                    return Err(format!("subpath pattern `{target}` is not expanded"));
                }
                let Some(relative) = target.strip_prefix("./") else {
                    return Err(format!("`{target}` does not start with `./`"));
                };
                let file = root.join(relative);
                if file.is_file() {
                    Ok(file)
                } else {
                    Err(format!("`{target}` does not exist"))
                }
            }
            Target::Loose(target) => {
                let specifier = if target.starts_with("./") || target.starts_with("../") {
                    target.clone()
                } else {
                    format!("./{target}")
                };
                let resolver = oxc_resolver::Resolver::new(oxc_resolver::ResolveOptions {
                    extensions: vec![".js".into(), ".json".into(), ".cjs".into(), ".mjs".into()],
                    ..Default::default()
                });
                resolver
                    .resolve(root, &specifier)
                    .map(|r| r.full_path())
                    .map_err(|e| format!("`{target}`: {e}"))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(json: &str) -> Vec<(String, Vec<String>)> {
        let manifest = Manifest {
            json: serde_json::from_str(json).expect("json"),
        };
        manifest
            .entry_points()
            .into_iter()
            .map(|d| (d.condition, d.conditions))
            .collect()
    }

    #[test]
    fn every_condition_leaf_is_an_entry_point_in_declaration_order() {
        let found = names(
            r#"{"main":"a.js","browser":{"./a.js":"./b.js","./c.js":false},
                "exports":{".":{"types":"./x.d.ts","node":{"require":"./n.cjs","import":"./n.mjs"},
                "edge-light":"./e.js","default":["./d.js","./d2.js"]},"./sub":null,"./s":"./s.js"}}"#,
        );
        let conditions: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(
            conditions,
            [
                "main",
                "browser[\"./a.js\"]",
                "exports[\".\"].node.require",
                "exports[\".\"].node.import",
                "exports[\".\"][\"edge-light\"]",
                "exports[\".\"].default[0]",
                "exports[\".\"].default[1]",
                "exports[\"./s\"]",
            ]
        );
        assert_eq!(found[2].1, ["node", "require"]);
    }

    #[test]
    fn a_string_exports_is_the_root_and_nothing_declared_means_index_js() {
        let found = names(r#"{"exports":"./x.js"}"#);
        assert_eq!(found, [("exports[\".\"]".to_string(), Vec::new())]);
        let found = names(r#"{"name":"x"}"#);
        assert_eq!(found.len(), 1);
        assert!(found[0].0.starts_with("main ("));
    }
}
