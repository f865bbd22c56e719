//! Fuzzing the glue reader (issue #12 point 4, target d), on stable: seeded
//! token-level mutants of real wasm-bindgen glue through `GlueFacts::scan`.
//!
//! Two kinds of mutant, two oracles:
//! - a token edit (a token deleted, duplicated, swapped with the next,
//!   replaced by another token of the file, or a token inserted from a list
//!   of the ones that change structure): facts or a typed refusal, never a
//!   panic;
//! - a trivia edit that keeps every byte offset (a space outside literals
//!   made a tab, a letter inside a comment made another letter): exactly the
//!   facts (or the refusal) of the original, field for field, offsets
//!   included. Comments and whitespace never change what the glue does, so
//!   facts that differ there would be a silent misreading.
//!
//! Inputs: every committed fixture's `nodejs` and `web` glue; with
//! `FUZZ_NPM=1` (set by `cargo xtask fuzz glue`) also the glue of a few
//! pinned npm packages from `.cache/npm` (`cargo xtask npm-packages install`).
//! `FUZZ_RUNS` (default 600: 5 s of CPU in debug), `FUZZ_SEED` (default 1), `FUZZ_SECONDS`.
//! A finding is written to `$TMPDIR/wasm-recover-fuzz/glue/`.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use oxc_allocator::Allocator;
use oxc_ast::ast::{RegExpLiteral, StringLiteral, TemplateLiteral};
use oxc_ast_visit::Visit;
use oxc_parser::Parser;
use oxc_span::SourceType;
use wasm_recover_model::GlueFacts;
use wasm_recover_test_support::seeded::{env_u64, Rng};

const FIXTURES: [&str; 5] = [
    "0.2.84-abort",
    "0.2.92-abort",
    "0.2.100-abort",
    "0.2.113-unwind-legacy",
    "0.2.130-abort",
];

/// Glue of real npm packages (nodejs and web targets, wasm-bindgen 0.2.9x to
/// 0.2.130), relative to `.cache/npm`.
const NPM_GLUE: [&str; 4] = [
    "@rollup/wasm-node@4.68.4/dist/wasm-node/bindings_wasm.js",
    "@astral-sh/ruff-wasm-nodejs@0.17.4/ruff_wasm.js",
    "@noir-lang/acvm_js@0.55.0/nodejs/acvm_js.js",
    "@noir-lang/acvm_js@0.55.0/web/acvm_js.js",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Byte ranges of a crude tokenisation: identifier/number runs, whitespace
/// runs, and single other characters. Crude on purpose: a mutant that cuts
/// a string or a comment in two is as welcome as one that respects them.
fn tokens(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
        let mut end = start + c.len_utf8();
        if word(c) || c.is_whitespace() {
            let same = |d: char| if word(c) { word(d) } else { d.is_whitespace() };
            while let Some(&(i, d)) = chars.peek() {
                if !same(d) {
                    break;
                }
                end = i + d.len_utf8();
                chars.next();
            }
        }
        out.push((start, end));
    }
    out
}

/// Tokens an insertion picks from: the ones that change structure.
const INSERTED: &[&str] = &[
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    ".",
    "=",
    "=>",
    "`",
    "'",
    "\"",
    "/*",
    "*/",
    "//",
    "\n",
    "function",
    "class",
    "export",
    "import",
    "return",
    "new",
    "async",
    "await",
    "let",
    "const",
    "wasm",
    "module",
    "exports",
    "require",
    "WebAssembly",
    "Instance",
    "static",
    "get",
    "set",
    "constructor",
    "this",
    "yield",
    "default",
    "...",
    "?.",
    "#x",
];

fn token_mutant(text: &str, rng: &mut Rng) -> (String, String) {
    let toks = tokens(text);
    let i = rng.below(toks.len());
    let (s, e) = toks[i];
    let tok = &text[s..e];
    match rng.below(5) {
        0 => (
            format!("{}{}", &text[..s], &text[e..]),
            format!("deleted `{tok}` at {s}"),
        ),
        1 => (
            format!("{}{tok}{}", &text[..e], &text[e..]),
            format!("duplicated `{tok}` at {s}"),
        ),
        2 if i + 1 < toks.len() => {
            let (s2, e2) = toks[i + 1];
            (
                format!("{}{}{tok}{}", &text[..s], &text[s2..e2], &text[e2..]),
                format!("swapped `{tok}` at {s} with the next token"),
            )
        }
        3 => {
            let (rs, re) = toks[rng.below(toks.len())];
            let other = &text[rs..re];
            (
                format!("{}{other}{}", &text[..s], &text[e..]),
                format!("replaced `{tok}` at {s} by `{other}`"),
            )
        }
        _ => {
            let ins = INSERTED[rng.below(INSERTED.len())];
            (
                format!("{}{ins}{}", &text[..s], &text[s..]),
                format!("inserted `{}` at {s}", ins.escape_debug()),
            )
        }
    }
}

/// Byte ranges that are literal text (strings, templates, regexes), where a
/// whitespace byte is part of a value and not trivia.
#[derive(Default)]
struct Literals(Vec<(u32, u32)>);

impl<'a> Visit<'a> for Literals {
    fn visit_string_literal(&mut self, it: &StringLiteral<'a>) {
        self.0.push((it.span.start, it.span.end));
    }
    fn visit_template_literal(&mut self, it: &TemplateLiteral<'a>) {
        // The whole template: its expressions are rare in glue, and a space
        // there is left alone rather than told apart from the quasis.
        self.0.push((it.span.start, it.span.end));
    }
    fn visit_reg_exp_literal(&mut self, it: &RegExpLiteral<'a>) {
        self.0.push((it.span.start, it.span.end));
    }
}

/// Where a same-length trivia edit may go: spaces outside literals and
/// comments, and ASCII letters inside comment text (not the marker a
/// hardened glue starts with: none of the inputs is hardened).
struct Trivia {
    spaces: Vec<usize>,
    comment_letters: Vec<usize>,
}

fn trivia(text: &str) -> Trivia {
    let allocator = Allocator::default();
    let parsed = Parser::new(&allocator, text, SourceType::mjs()).parse();
    let parsed = if parsed.diagnostics.is_empty() {
        parsed
    } else {
        Parser::new(&allocator, text, SourceType::cjs()).parse()
    };
    let mut literals = Literals::default();
    literals.visit_program(&parsed.program);
    let comments: Vec<(u32, u32)> = parsed
        .program
        .comments
        .iter()
        .map(|c| (c.span.start, c.span.end))
        .collect();
    let inside = |ranges: &[(u32, u32)], at: usize| {
        ranges
            .iter()
            .any(|&(s, e)| (s as usize) <= at && at < e as usize)
    };
    let bytes = text.as_bytes();
    let mut spaces = Vec::new();
    let mut comment_letters = Vec::new();
    for (at, &b) in bytes.iter().enumerate() {
        if b == b' ' && !inside(&literals.0, at) && !inside(&comments, at) {
            spaces.push(at);
        }
    }
    for c in &parsed.program.comments {
        let content = c.content_span();
        let (start, end) = (content.start as usize, content.end as usize);
        comment_letters.extend((start..end).filter(|&at| bytes[at].is_ascii_alphabetic()));
    }
    Trivia {
        spaces,
        comment_letters,
    }
}

fn trivia_mutant(text: &str, trivia: &Trivia, rng: &mut Rng) -> Option<(String, String)> {
    let mut bytes = text.as_bytes().to_vec();
    let what = if rng.below(2) == 0 && !trivia.spaces.is_empty() {
        let at = trivia.spaces[rng.below(trivia.spaces.len())];
        bytes[at] = b'\t';
        format!("space at {at} made a tab")
    } else if !trivia.comment_letters.is_empty() {
        let at = trivia.comment_letters[rng.below(trivia.comment_letters.len())];
        let new = b'a' + rng.below(26) as u8;
        let old = bytes[at];
        bytes[at] = new;
        format!(
            "comment letter `{}` at {at} made `{}`",
            old as char, new as char
        )
    } else {
        return None;
    };
    Some((String::from_utf8(bytes).expect("ASCII for ASCII"), what))
}

/// Facts (their Debug form, every field and offset) or the refusal.
fn read(text: &str) -> Result<Result<String, String>, String> {
    catch_unwind(AssertUnwindSafe(|| {
        GlueFacts::scan(text, None)
            .map(|facts| format!("{facts:?}"))
            .map_err(|e| e.to_string())
    }))
    .map_err(|panic| {
        panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "(no message)".to_string())
    })
}

struct Input {
    name: String,
    text: String,
    original: Result<String, String>,
    trivia: Trivia,
}

fn inputs() -> Vec<Input> {
    let mut files: Vec<(String, PathBuf)> = Vec::new();
    for id in FIXTURES {
        for target in ["nodejs", "web"] {
            let path = root()
                .join("tests/fixtures/out")
                .join(id)
                .join(target)
                .join("recover_fixture.js");
            files.push((format!("{id}/{target}"), path));
        }
    }
    if std::env::var("FUZZ_NPM").is_ok_and(|v| v == "1") {
        for rel in NPM_GLUE {
            files.push((format!("npm {rel}"), root().join(".cache/npm").join(rel)));
        }
    }
    files
        .into_iter()
        .map(|(name, path)| {
            let text = std::fs::read_to_string(&path)
                .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let original =
                read(&text).unwrap_or_else(|p| panic!("{name}: the original panics: {p}"));
            let trivia = trivia(&text);
            Input {
                name,
                text,
                original,
                trivia,
            }
        })
        .collect()
}

#[test]
fn glue_mutants_give_facts_or_a_refusal_and_trivia_never_changes_facts() {
    let runs = env_u64("FUZZ_RUNS").unwrap_or(600);
    let seed = env_u64("FUZZ_SEED").unwrap_or(1);
    let deadline = env_u64("FUZZ_SECONDS").map(|s| Instant::now() + Duration::from_secs(s));
    let inputs = inputs();
    // The fixtures are all read: a trivia mutant is compared to facts.
    for input in &inputs {
        if !input.name.starts_with("npm ") {
            assert!(
                input.original.is_ok(),
                "{}: {:?}",
                input.name,
                input.original
            );
        }
    }
    let findings_dir = std::env::temp_dir().join("wasm-recover-fuzz/glue");
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let (mut done, mut token_read, mut token_refused, mut trivia_same) = (0u64, 0u64, 0u64, 0u64);
    let mut findings = Vec::new();
    let started = Instant::now();
    while done < runs && deadline.is_none_or(|d| Instant::now() < d) {
        let input = &inputs[rng.below(inputs.len())];
        let trivia_edit = rng.below(3) == 0;
        let (mutant, what) = if trivia_edit {
            match trivia_mutant(&input.text, &input.trivia, &mut rng) {
                Some(m) => m,
                None => continue,
            }
        } else {
            token_mutant(&input.text, &mut rng)
        };
        let problem = match read(&mutant) {
            Err(panic) => Some(format!("panicked: {panic}")),
            Ok(result) if trivia_edit => {
                if result == input.original {
                    trivia_same += 1;
                    None
                } else {
                    Some(format!(
                        "a trivia edit changed the facts:\n  original {:.300}\n  mutant   {:.300}",
                        format!("{:?}", input.original),
                        format!("{result:?}")
                    ))
                }
            }
            Ok(Ok(_)) => {
                token_read += 1;
                None
            }
            Ok(Err(_)) => {
                token_refused += 1;
                None
            }
        };
        if let Some(problem) = problem {
            std::fs::create_dir_all(&findings_dir).expect("findings dir");
            let file = findings_dir.join(format!("{seed}-{done}.js"));
            std::fs::write(&file, &mutant).expect("write finding");
            findings.push(format!(
                "{}: {what}: {problem} ({})",
                input.name,
                file.display()
            ));
        }
        done += 1;
    }
    std::panic::set_hook(default_hook);
    eprintln!(
        "fuzz glue: seed {seed}, {} inputs, {done} mutants in {:.1} s: token edits {token_read} \
         read, {token_refused} refused; trivia edits {trivia_same} with identical facts; {} findings",
        inputs.len(),
        started.elapsed().as_secs_f64(),
        findings.len()
    );
    assert!(done < 50 || (token_read > 0 && token_refused > 0 && trivia_same > 0));
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
