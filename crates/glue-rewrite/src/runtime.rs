//! The embedded JS runtime (`js-runtime/src/recovery.js`).
//!
//! The source is a real ES module with its own tests. To make the same text
//! valid in CommonJS, ES modules and classic scripts, it is wrapped in a
//! function and its `export ` keywords are dropped; the function returns what
//! the glue needs. The per-package data is not spliced into the source: the
//! glue passes it to `createRecovery` as a config object.

const SOURCE: &str = include_str!("../../../js-runtime/src/recovery.js");

/// What the wrapper returns: every name the glue reads from `__wbr_runtime`.
const EXPORTED: &[&str] = &[
    "createRecovery",
    "AbortError",
    "StaleObjectError",
    "PanicError",
];

/// The runtime as one `const __wbr_runtime = (function () { … })();` statement.
pub(crate) fn embedded() -> String {
    let mut out = String::with_capacity(SOURCE.len() + 256);
    out.push_str("const __wbr_runtime = (function () {\n\"use strict\";\n");
    for line in SOURCE.lines() {
        out.push_str(line.strip_prefix("export ").unwrap_or(line));
        out.push('\n');
    }
    out.push_str(&format!("return {{ {} }};\n}})();", EXPORTED.join(", ")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_export_of_the_runtime_is_returned_and_nothing_else_is_exported() {
        for line in SOURCE.lines() {
            if let Some(decl) = line.strip_prefix("export ") {
                let name = decl
                    .trim_start_matches("class ")
                    .trim_start_matches("function ")
                    .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or_default();
                assert!(
                    EXPORTED.contains(&name),
                    "runtime exports `{name}` but the glue cannot reach it"
                );
            }
            assert!(
                !line.trim_start().starts_with("import "),
                "runtime must not import: {line}"
            );
        }
        for name in EXPORTED {
            assert!(
                SOURCE.contains(&format!("export class {name}"))
                    || SOURCE.contains(&format!("export function {name}")),
                "`{name}` is not exported by the runtime"
            );
        }
    }
}
