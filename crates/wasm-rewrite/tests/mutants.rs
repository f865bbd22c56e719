//! Only valid wasm in, only valid wasm out, on damaged real inputs.
//!
//! Four committed wasm-bindgen outputs (G0 0.2.100 and 0.2.130 `nodejs`, G1
//! 0.2.113 legacy EH, G2 0.2.130 exnref) are damaged a few hundred ways each,
//! from a fixed seed: single byte flips, truncations, and section sizes made
//! too small or too large. Each mutant goes through the library pipeline a
//! user runs (discover with the fixture's real glue, plan, harden), and:
//! - either the pipeline refuses it with an error,
//! - or the mutant is valid by wasmparser and so is the hardened output.
//!
//! A second test hands every mutant the pipeline accepted, and its output,
//! to V8 (Node 26's `WebAssembly.validate`, one process over a directory),
//! which must agree that each is valid: wasmparser is the gate, V8 is the
//! engine the output runs on.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use wasm_recover_model::{BindgenOutput, Options, Plan};

mod seeded;
use seeded::{read_leb, valid, Rng};

/// The fixtures, by directory under `tests/fixtures/out`.
const FIXTURES: [&str; 4] = [
    "0.2.100-abort",
    "0.2.130-abort",
    "0.2.113-unwind-legacy",
    "0.2.130-unwind-exnref",
];
const FLIPS: usize = 200;
const TRUNCATIONS: usize = 50;
const SIZE_CORRUPTIONS: usize = 50;
const SEED: u64 = 0x5eed_2026_0001;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where each section's size field is, and how many bytes it takes.
fn size_fields(wasm: &[u8]) -> Vec<(usize, usize, u64)> {
    let mut fields = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let Some((size, width)) = read_leb(wasm, at + 1) else {
            break;
        };
        fields.push((at + 1, width, size));
        at += 1 + width + size as usize;
    }
    fields
}

/// `value` as a LEB128 of exactly `width` bytes (padded), if it fits.
fn write_leb(out: &mut [u8], value: u64, width: usize) -> bool {
    if width < 10 && value >> (7 * width) != 0 {
        return false;
    }
    let mut v = value;
    for (i, byte) in out.iter_mut().take(width).enumerate() {
        *byte = (v & 0x7f) as u8 | if i + 1 < width { 0x80 } else { 0 };
        v >>= 7;
    }
    true
}

/// A mutant and what was done to it.
struct Mutant {
    what: String,
    wasm: Vec<u8>,
}

fn mutants(wasm: &[u8], rng: &mut Rng) -> Vec<Mutant> {
    let mut out = Vec::new();
    for _ in 0..FLIPS {
        let at = rng.below(wasm.len());
        let mask = (1 + rng.below(255)) as u8;
        let mut m = wasm.to_vec();
        m[at] ^= mask;
        out.push(Mutant {
            what: format!("byte {at:#x} ^= {mask:#04x}"),
            wasm: m,
        });
    }
    for _ in 0..TRUNCATIONS {
        let len = rng.below(wasm.len());
        out.push(Mutant {
            what: format!("truncated to {len} bytes"),
            wasm: wasm[..len].to_vec(),
        });
    }
    let fields = size_fields(wasm);
    for _ in 0..SIZE_CORRUPTIONS {
        let (at, width, size) = fields[rng.below(fields.len())];
        let delta = 1 + rng.below(16) as u64;
        let new = if rng.below(2) == 0 {
            size.saturating_sub(delta)
        } else {
            size + delta
        };
        let mut m = wasm.to_vec();
        if !write_leb(&mut m[at..], new, width) {
            continue;
        }
        out.push(Mutant {
            what: format!("section size at {at:#x}: {size} -> {new}"),
            wasm: m,
        });
    }
    out
}

/// What the pipeline did with one mutant.
struct Outcome {
    fixture: &'static str,
    what: String,
    input: Vec<u8>,
    /// The hardened bytes, or the error that refused the mutant.
    result: Result<Vec<u8>, String>,
}

fn pipeline(wasm: &[u8], glue: &str) -> Result<Vec<u8>, String> {
    let output = BindgenOutput::discover(wasm, glue, None).map_err(|e| e.to_string())?;
    let plan = Plan::new(&output, &Options::default()).map_err(|e| e.to_string())?;
    wasm_recover_wasm_rewrite::harden(wasm, &plan)
        .map(|h| h.wasm)
        .map_err(|e| e.to_string())
}

/// Every mutant of every fixture through the pipeline, once per test run.
fn outcomes() -> &'static [Outcome] {
    static ALL: OnceLock<Vec<Outcome>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut rng = Rng(SEED);
        let mut all = Vec::new();
        for fixture in FIXTURES {
            let dir = root()
                .join("tests/fixtures/out")
                .join(fixture)
                .join("nodejs");
            let wasm = std::fs::read(dir.join("recover_fixture_bg.wasm")).expect("fixture wasm");
            let glue =
                std::fs::read_to_string(dir.join("recover_fixture.js")).expect("fixture glue");
            assert!(valid(&wasm), "{fixture}: the fixture itself is valid");
            pipeline(&wasm, &glue).unwrap_or_else(|e| panic!("{fixture} hardens: {e}"));
            for mutant in mutants(&wasm, &mut rng) {
                let result = pipeline(&mutant.wasm, &glue);
                all.push(Outcome {
                    fixture,
                    what: mutant.what,
                    input: mutant.wasm,
                    result,
                });
            }
        }
        all
    })
}

#[test]
fn every_mutant_is_refused_or_valid_in_and_out() {
    let mut problems = Vec::new();
    for fixture in FIXTURES {
        let of_fixture: Vec<&Outcome> =
            outcomes().iter().filter(|o| o.fixture == fixture).collect();
        let accepted = of_fixture.iter().filter(|o| o.result.is_ok()).count();
        let invalid = of_fixture.iter().filter(|o| !valid(&o.input)).count();
        // Refused by `harden`'s own validation: discovery read them.
        let by_validation = of_fixture
            .iter()
            .filter(|o| {
                o.result
                    .as_ref()
                    .is_err_and(|e| e.starts_with("invalid wasm at offset"))
            })
            .count();
        eprintln!(
            "{fixture}: {} mutants, {invalid} invalid by wasmparser, {} refused \
             ({by_validation} by harden's validation after discovery read them), \
             {accepted} hardened",
            of_fixture.len(),
            of_fixture.len() - accepted,
        );
        for o in of_fixture {
            if let Ok(out) = &o.result {
                if !valid(&o.input) {
                    problems.push(format!("{fixture} ({}): invalid input hardened", o.what));
                } else if !valid(out) {
                    problems.push(format!("{fixture} ({}): output invalid", o.what));
                }
            }
        }
    }
    // The mutants reach both outcomes, or the test proves nothing.
    assert!(outcomes().iter().any(|o| o.result.is_ok()));
    assert!(outcomes().iter().any(|o| o.result.is_err()));
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Node 26, installed by `cargo xtask engines install`.
fn node() -> Option<PathBuf> {
    let node = root().join(".cache/engines/node-26/bin/node");
    node.is_file().then_some(node)
}

const VALIDATE_ALL: &str = r#"
const fs = require('node:fs');
const path = require('node:path');
const dir = process.argv[2];
for (const name of fs.readdirSync(dir).sort()) {
  const ok = WebAssembly.validate(fs.readFileSync(path.join(dir, name)));
  console.log(`${name} ${ok ? 'valid' : 'invalid'}`);
}
"#;

#[test]
fn v8_agrees_on_every_accepted_mutant_and_its_output() {
    let Some(node) = node() else {
        panic!("Node 26 is missing: run `cargo xtask engines install`");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let mut written = 0;
    for (i, o) in outcomes().iter().enumerate() {
        if let Ok(out) = &o.result {
            std::fs::write(dir.path().join(format!("{i:05}-in.wasm")), &o.input).expect("write");
            std::fs::write(dir.path().join(format!("{i:05}-out.wasm")), out).expect("write");
            written += 2;
        }
    }
    let script = dir.path().with_extension("cjs");
    std::fs::write(&script, VALIDATE_ALL).expect("write script");
    let run = Command::new(node)
        .arg(&script)
        .arg(dir.path())
        .output()
        .expect("node runs");
    let _ = std::fs::remove_file(&script);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let stdout = String::from_utf8_lossy(&run.stdout);
    let verdicts: Vec<&str> = stdout.lines().collect();
    assert_eq!(verdicts.len(), written, "one verdict per module");
    let rejected: Vec<String> = verdicts
        .iter()
        .filter(|line| line.ends_with(" invalid"))
        .map(|line| {
            let i: usize = line[..5].parse().expect("index");
            format!("{line} ({}: {})", outcomes()[i].fixture, outcomes()[i].what)
        })
        .collect();
    eprintln!(
        "V8 validated {written} modules ({} accepted mutants and their outputs)",
        written / 2
    );
    assert!(
        rejected.is_empty(),
        "V8 rejects what wasmparser accepted:\n{}",
        rejected.join("\n")
    );
}
