//! Structure-aware fuzzing of the wasm reader, the rewriter and the EH pass
//! (issue #12 point 4, targets a–c), on stable: seeded mutants of the
//! committed real fixtures, each through the pipeline a user runs.
//!
//! `tests/mutants.rs` flips bytes and truncates; this harness damages the
//! structure so that more mutants get past the section framing into the
//! readers' deeper code: whole sections spliced from another fixture,
//! dropped, duplicated or swapped; LEB128 fields re-encoded padded (still
//! valid, every offset shifts) or given another value; function bodies
//! replaced by another body, truncated, or given an instruction inserted.
//! Sizes around an edit are recomputed, unless the mutation is to get them
//! wrong.
//!
//! Each mutant:
//! - reader (`BindgenOutput::discover` with the fixture's own glue) and
//!   rewriter (`Plan::new` + `harden`): an error, or a hardened output; a
//!   hardened output needs a valid input and must itself be valid;
//! - EH pass (`eh_translate::translate` to the other encoding) on every valid
//!   mutant that uses exception handling: an error, or a valid module;
//! - nowhere a panic.
//!
//! The default suite runs `FUZZ_RUNS` mutants (default 120: 10 s of CPU in debug) from `FUZZ_SEED`
//! (default 1); `FUZZ_SECONDS` stops earlier. `cargo xtask fuzz wasm` runs
//! it long. A finding is written to `$TMPDIR/wasm-recover-fuzz/wasm/` and
//! fails the test with the mutation that made it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use wasm_recover_eh_translate::{detect_bytes, translate, EhEncoding};
use wasm_recover_model::{BindgenOutput, Options, Plan};

mod seeded;
use seeded::{read_leb, valid, Rng};
use wasm_recover_test_support::seeded::env_u64;

/// Every committed nodejs fixture build with its own glue: G0 of three
/// generations of glue, G1 legacy EH, G2 exnref.
const FIXTURES: [&str; 6] = [
    "0.2.84-abort",
    "0.2.100-abort",
    "0.2.130-abort",
    "0.2.113-unwind-legacy",
    "0.2.130-unwind-legacy",
    "0.2.130-unwind-exnref",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `value` as an unsigned LEB128 of at least `min_width` bytes (padded).
fn leb(value: u64, min_width: usize) -> Vec<u8> {
    let mut out = Vec::new();
    let mut v = value;
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 && out.len() + 1 >= min_width {
            out.push(byte);
            return out;
        }
        out.push(byte | 0x80);
    }
}

/// A section: its id and payload.
#[derive(Clone)]
struct Section {
    id: u8,
    payload: Vec<u8>,
}

fn sections(wasm: &[u8]) -> Vec<Section> {
    let mut out = Vec::new();
    let mut at = 8;
    while at < wasm.len() {
        let Some((size, width)) = read_leb(wasm, at + 1) else {
            break;
        };
        let start = at + 1 + width;
        let Some(payload) = wasm.get(start..start + size as usize) else {
            break;
        };
        out.push(Section {
            id: wasm[at],
            payload: payload.to_vec(),
        });
        at = start + size as usize;
    }
    out
}

fn assemble(sections: &[Section]) -> Vec<u8> {
    let mut out = b"\0asm\x01\0\0\0".to_vec();
    for s in sections {
        out.push(s.id);
        out.extend(leb(s.payload.len() as u64, 1));
        out.extend(&s.payload);
    }
    out
}

const CODE: u8 = 10;

/// The function bodies of a code section payload (without their size fields).
fn bodies(payload: &[u8]) -> Option<Vec<Vec<u8>>> {
    let (count, width) = read_leb(payload, 0)?;
    let mut at = width;
    let mut out = Vec::new();
    for _ in 0..count {
        let (size, width) = read_leb(payload, at)?;
        at += width;
        out.push(payload.get(at..at + size as usize)?.to_vec());
        at += size as usize;
    }
    Some(out)
}

fn code_payload(bodies: &[Vec<u8>]) -> Vec<u8> {
    let mut out = leb(bodies.len() as u64, 1);
    for body in bodies {
        out.extend(leb(body.len() as u64, 1));
        out.extend(body);
    }
    out
}

/// Instructions an edit inserts: the ones that change control flow, the
/// stack or exception handling, where the passes have the most to get right.
const INSTRUCTIONS: &[&[u8]] = &[
    &[0x00],             // unreachable
    &[0x01],             // nop
    &[0x0b],             // end
    &[0x02, 0x40],       // block
    &[0x03, 0x40],       // loop
    &[0x06, 0x40],       // try (legacy)
    &[0x07, 0x00],       // catch 0 (legacy)
    &[0x19],             // catch_all (legacy)
    &[0x09, 0x00],       // rethrow 0 (legacy)
    &[0x18, 0x00],       // delegate 0 (legacy)
    &[0x08, 0x00],       // throw 0
    &[0x0a],             // throw_ref
    &[0x1f, 0x40, 0x00], // try_table with no catch clause
    &[0x0c, 0x00],       // br 0
    &[0x0d, 0x00],       // br_if 0
    &[0x0f],             // return
    &[0x10, 0x00],       // call 0
    &[0x1a],             // drop
    &[0x41, 0x00],       // i32.const 0
    &[0x20, 0x00],       // local.get 0
    &[0x23, 0x00],       // global.get 0
    &[0x24, 0x00],       // global.set 0
];

/// One structure-aware mutation of `wasm` (`donors`: the other fixtures);
/// returns the mutant and what was done.
fn mutate(wasm: &[u8], donors: &[Vec<u8>], rng: &mut Rng) -> (Vec<u8>, String) {
    let mut secs = sections(wasm);
    let n = secs.len();
    let i = rng.below(n);
    match rng.below(9) {
        0 => {
            let donor = sections(&donors[rng.below(donors.len())]);
            let same: Vec<&Section> = donor.iter().filter(|s| s.id == secs[i].id).collect();
            let what = if same.is_empty() {
                let s = donor[rng.below(donor.len())].clone();
                let what = format!("inserted a donor section {} at {i}", s.id);
                secs.insert(i, s);
                what
            } else {
                secs[i] = same[rng.below(same.len())].clone();
                format!("section {i} (id {}) replaced by a donor's", secs[i].id)
            };
            (assemble(&secs), what)
        }
        1 => {
            let s = secs.remove(i);
            (
                assemble(&secs),
                format!("dropped section {i} (id {})", s.id),
            )
        }
        2 => {
            let s = secs[i].clone();
            secs.insert(i, s);
            (
                assemble(&secs),
                format!("duplicated section {i} (id {})", secs[i].id),
            )
        }
        3 => {
            let j = (i + 1) % n;
            secs.swap(i, j);
            (assemble(&secs), format!("swapped sections {i} and {j}"))
        }
        4 | 5 => leb_edit(&mut secs, i, rng),
        _ => body_edit(&mut secs, donors, rng),
    }
}

/// Re-encodes or changes a LEB128 in section `i`'s payload: its leading
/// count, or (in the code section) a body size or a body's local count.
fn leb_edit(secs: &mut [Section], i: usize, rng: &mut Rng) -> (Vec<u8>, String) {
    let payload = &secs[i].payload;
    let mut candidates = vec![0usize];
    if secs[i].id == CODE {
        if let Some((count, width)) = read_leb(payload, 0) {
            let mut at = width;
            for _ in 0..count {
                let Some((size, w)) = read_leb(payload, at) else {
                    break;
                };
                candidates.push(at);
                candidates.push(at + w);
                at += w + size as usize;
            }
        }
    }
    let at = candidates[rng.below(candidates.len())];
    let Some((value, width)) = read_leb(payload, at) else {
        return (assemble(secs), format!("section {i}: no LEB at {at}"));
    };
    let (new, what) = match rng.below(3) {
        // Padded: the same value, one byte wider: valid, but every later
        // offset moves (a body's size then no longer covers it: fixed below
        // only for the section size).
        0 => (
            leb(value, width + 1),
            format!("padded to {} bytes", width + 1),
        ),
        1 => (
            leb(value.saturating_sub(1 + rng.below(3) as u64), width),
            "decreased".to_string(),
        ),
        _ => (
            leb(value + 1 + rng.below(3) as u64, width),
            "increased".to_string(),
        ),
    };
    let mut p = payload[..at].to_vec();
    p.extend(&new);
    p.extend(&payload[at + width..]);
    secs[i].payload = p;
    (
        assemble(secs),
        format!(
            "section {i} (id {}) LEB at {at} ({value}) {what}",
            secs[i].id
        ),
    )
}

/// Edits one function body and re-frames the code section around it.
fn body_edit(secs: &mut [Section], donors: &[Vec<u8>], rng: &mut Rng) -> (Vec<u8>, String) {
    let Some(ci) = secs.iter().position(|s| s.id == CODE) else {
        return (assemble(secs), "no code section".to_string());
    };
    let Some(mut bodies) = bodies(&secs[ci].payload) else {
        return (assemble(secs), "unreadable code section".to_string());
    };
    if bodies.is_empty() {
        return (assemble(secs), "no function body".to_string());
    }
    let b = rng.below(bodies.len());
    let len = bodies[b].len();
    let what = match rng.below(5) {
        0 => {
            let donor = sections(&donors[rng.below(donors.len())]);
            let donor_bodies = donor
                .iter()
                .find(|s| s.id == CODE)
                .and_then(|s| self::bodies(&s.payload))
                .unwrap_or_default();
            if donor_bodies.is_empty() {
                return (assemble(secs), "donor has no body".to_string());
            }
            let d = rng.below(donor_bodies.len());
            bodies[b] = donor_bodies[d].clone();
            format!("body {b} replaced by a donor's body {d}")
        }
        1 => {
            let other = rng.below(bodies.len());
            bodies[b] = bodies[other].clone();
            format!("body {b} replaced by body {other}")
        }
        2 => {
            let cut = rng.below(len);
            bodies[b].truncate(cut);
            format!("body {b} truncated from {len} to {cut} bytes")
        }
        3 => {
            let at = rng.below(len + 1);
            let ins = INSTRUCTIONS[rng.below(INSTRUCTIONS.len())];
            bodies[b].splice(at..at, ins.iter().copied());
            format!("body {b}: inserted {ins:02x?} at {at}")
        }
        _ => {
            let at = rng.below(len);
            let end = (at + 1 + rng.below(8)).min(len);
            bodies[b].drain(at..end);
            format!("body {b}: removed bytes {at}..{end}")
        }
    };
    secs[ci].payload = code_payload(&bodies);
    (assemble(secs), what)
}

/// What went wrong with one mutant, beyond a typed refusal, and whether the
/// pipeline hardened it.
fn check(wasm: &[u8], glue: &str) -> (Vec<String>, bool) {
    let mut problems = Vec::new();
    let hardened = catch_unwind(AssertUnwindSafe(|| {
        let output = BindgenOutput::discover(wasm, glue, None).map_err(|e| e.to_string())?;
        let plan = Plan::new(&output, &Options::default()).map_err(|e| e.to_string())?;
        wasm_recover_wasm_rewrite::harden(wasm, &plan)
            .map(|h| h.wasm)
            .map_err(|e| e.to_string())
    }));
    let input_valid = valid(wasm);
    let was_hardened = matches!(hardened, Ok(Ok(_)));
    match hardened {
        Err(panic) => problems.push(format!("reader or rewriter panicked: {}", message(&panic))),
        Ok(Ok(out)) if !input_valid => {
            problems.push(format!("invalid input hardened ({} bytes out)", out.len()))
        }
        Ok(Ok(out)) if !valid(&out) => problems.push("hardened output is invalid".to_string()),
        Ok(_) => {}
    }
    if input_valid {
        let eh = catch_unwind(|| {
            let to = match detect_bytes(wasm).ok()? {
                EhEncoding::Legacy => EhEncoding::Exnref,
                EhEncoding::Exnref => EhEncoding::Legacy,
                _ => return None,
            };
            Some(translate(wasm, to).ok())
        });
        match eh {
            Err(panic) => problems.push(format!("EH pass panicked: {}", message(&panic))),
            Ok(Some(Some(out))) if !valid(&out) => {
                problems.push("EH pass output is invalid".to_string())
            }
            Ok(_) => {}
        }
    }
    (problems, was_hardened)
}

fn message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "(no message)".to_string())
}

#[test]
fn structured_wasm_mutants_are_refused_or_hardened_validly_never_a_panic() {
    let runs = env_u64("FUZZ_RUNS").unwrap_or(120);
    let seed = env_u64("FUZZ_SEED").unwrap_or(1);
    let deadline = env_u64("FUZZ_SECONDS").map(|s| Instant::now() + Duration::from_secs(s));
    let inputs: Vec<(&str, Vec<u8>, String)> = FIXTURES
        .iter()
        .map(|id| {
            let dir = root().join("tests/fixtures/out").join(id).join("nodejs");
            let wasm = std::fs::read(dir.join("recover_fixture_bg.wasm")).expect("fixture wasm");
            let glue = std::fs::read_to_string(dir.join("recover_fixture.js")).expect("glue");
            (*id, wasm, glue)
        })
        .collect();
    let all: Vec<Vec<u8>> = inputs.iter().map(|(_, w, _)| w.clone()).collect();
    let findings_dir = std::env::temp_dir().join("wasm-recover-fuzz/wasm");
    // Panics are findings, caught and reported below; the default hook
    // would print each one's backtrace as well.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let mut rng = Rng(seed);
    let (mut done, mut valid_mutants, mut hardened, mut with_eh) = (0u64, 0u64, 0u64, 0u64);
    let mut findings = Vec::new();
    let started = Instant::now();
    while done < runs && deadline.is_none_or(|d| Instant::now() < d) {
        let (id, wasm, glue) = &inputs[rng.below(inputs.len())];
        // Stacked mutations reach states one edit cannot.
        let (mut mutant, mut what) = mutate(wasm, &all, &mut rng);
        if rng.below(3) == 0 {
            let (again, more) = mutate(&mutant, &all, &mut rng);
            mutant = again;
            what = format!("{what}; then {more}");
        }
        let (problems, was_hardened) = check(&mutant, glue);
        hardened += u64::from(was_hardened);
        if valid(&mutant) {
            valid_mutants += 1;
            if detect_bytes(&mutant).is_ok_and(|e| e != EhEncoding::None) {
                with_eh += 1;
            }
        }
        for p in problems {
            std::fs::create_dir_all(&findings_dir).expect("findings dir");
            let file = findings_dir.join(format!("{seed}-{done}.wasm"));
            std::fs::write(&file, &mutant).expect("write finding");
            findings.push(format!("{id}: {what}: {p} ({})", file.display()));
        }
        done += 1;
    }
    std::panic::set_hook(default_hook);
    eprintln!(
        "fuzz wasm: seed {seed}, {done} mutants in {:.1} s: {valid_mutants} valid \
         ({with_eh} of them with EH, through the EH pass), {hardened} hardened, {} findings",
        started.elapsed().as_secs_f64(),
        findings.len()
    );
    // A run where no mutant stays valid tests only the refusal paths.
    assert!(done < 50 || hardened > 0, "no mutant was hardened");
    assert!(findings.is_empty(), "{}", findings.join("\n"));
}
