//! Transformations of real glue that keep its meaning and change its text:
//! what a build pipeline, an editor or a later wasm-bindgen does to the glue
//! wasm-bindgen wrote. Each variant is a function `&str -> String`, so more
//! (a prettier or minifier pass) can be added as one more entry.
//!
//! A hardening must read the same facts from every variant as from the
//! original, and the hardened variant must behave the same.

/// A named transformation of a glue text.
pub type Variant = (&'static str, fn(&str) -> String);

/// Every variant, each on its own.
pub const VARIANTS: &[Variant] = &[
    ("crlf", crlf),
    ("bom", bom),
    ("comments", comments),
    ("regex", regex),
    ("ts-self-types", ts_self_types),
    ("var-class", var_class),
    ("let-heap", let_heap),
    ("crlf-bom-regex", crlf_bom_regex),
];

/// CRLF line endings.
pub fn crlf(glue: &str) -> String {
    glue.replace("\r\n", "\n").replace('\n', "\r\n")
}

/// A leading byte order mark.
pub fn bom(glue: &str) -> String {
    format!("\u{feff}{glue}")
}

/// Line and block comments with `wasm.foo`, braces, brackets and quotes: at
/// the top, before every top-level function and before every class.
pub fn comments(glue: &str) -> String {
    let mut out =
        String::from("// wasm.foo() { [ ( \" ' `\n/* wasm.bar = 1; } ] ) ' \" ` let x = 1; */\n");
    for line in glue.split_inclusive('\n') {
        let code = line.trim_start();
        if code.starts_with("function ") || code.starts_with("export function ") {
            out.push_str("// wasm.not_an_export(); }}} ((( '\n");
        }
        if code.starts_with("class ") || code.starts_with("export class ") {
            out.push_str("/* } wasm.also_not_one { \" */\n");
        }
        out.push_str(line);
    }
    out
}

/// Regex literals with brackets and braces: at the top level, and inside
/// every top-level function whose `{` ends its first line.
pub fn regex(glue: &str) -> String {
    let mut out =
        String::from("function __p(s){return s.replace(/\\{/g,\"\")}\nconst __r = /[\\]}]/;\n");
    for line in glue.split_inclusive('\n') {
        out.push_str(line);
        let code = line.trim();
        if (code.starts_with("function ") || code.starts_with("export function "))
            && code.ends_with('{')
        {
            out.push_str("    void /[{(\\[]/.test(\"}\");\n");
        }
    }
    out
}

/// A `@ts-self-types` comment on the first line (0.2.114+ writes one).
pub fn ts_self_types(glue: &str) -> String {
    format!("/* @ts-self-types=\"./x.d.ts\" */\n{glue}")
}

/// Every wasm-bindgen class declared as `var X = class X { … };`.
pub fn var_class(glue: &str) -> String {
    let lines: Vec<&str> = glue.split_inclusive('\n').collect();
    let mut out = String::with_capacity(glue.len() + 64);
    let mut closing: Option<String> = None;
    for line in lines {
        let indent = &line[..line.len() - line.trim_start().len()];
        let code = line.trim_start();
        let (export, rest) = match code.strip_prefix("export ") {
            Some(rest) => ("export ", rest),
            None => ("", code),
        };
        if closing.is_none() && rest.starts_with("class ") && !rest.contains(" extends ") {
            let name: String = rest["class ".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '$')
                .collect();
            out.push_str(&format!("{indent}{export}var {name} = {rest}"));
            closing = Some(format!("{indent}}}"));
            continue;
        }
        if closing.as_deref() == Some(line.trim_end()) {
            out.push_str(&format!(
                "{};{}",
                line.trim_end(),
                &line[line.trim_end().len()..]
            ));
            closing = None;
            continue;
        }
        out.push_str(line);
    }
    out
}

/// The heap slab declared with `let` (wasm-bindgen 0.2.104+).
pub fn let_heap(glue: &str) -> String {
    glue.replace("const heap = new Array(", "let heap = new Array(")
}

/// CRLF, a BOM and regex literals together.
pub fn crlf_bom_regex(glue: &str) -> String {
    bom(&crlf(&regex(glue)))
}

/// Not valid JavaScript any more: the last `}` deleted.
pub fn broken(glue: &str) -> String {
    let mut out = glue.to_string();
    if let Some(pos) = out.rfind('}') {
        out.remove(pos);
    }
    out
}

/// The glue files of a fixture directory (`.js`, `.cjs`): what a variant transforms.
pub fn glue_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_else(|_| Vec::new());
    files.retain(|p: &std::path::PathBuf| {
        let name = p.to_string_lossy();
        (name.ends_with(".js") || name.ends_with(".cjs")) && !name.ends_with(".d.ts")
    });
    files.sort();
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn var_class_closes_the_expression_it_opens() {
        let glue = "export class A {\n    f() {\n    }\n}\nclass PanicError extends Error {}\n";
        assert_eq!(
            var_class(glue),
            "export var A = class A {\n    f() {\n    }\n};\nclass PanicError extends Error {}\n"
        );
    }

    #[test]
    fn crlf_is_idempotent() {
        assert_eq!(crlf(&crlf("a\nb\n")), "a\r\nb\r\n");
    }
}
