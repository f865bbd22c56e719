//! Randomised: a small generator of legacy modules (nested try/catch/
//! catch_all, delegate to any label including the caller, rethrow from nested
//! handlers, conditional branches out of bodies and handlers), each translated
//! to exnref and back, validated, and run in Node 26 with the original.
//!
//! The default suite runs a few hundred modules (`EH_FUZZ_COUNT`, default
//! 300; `EH_FUZZ_SEED`, default 1); `cargo xtask eh-fuzz` runs many more.

mod common;

use std::fmt::Write as _;
use std::path::PathBuf;

use common::{behaviour, differences, engine};
use wasm_recover_eh_translate::{detect_bytes, translate, EhEncoding};

/// xorshift64*: deterministic, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[derive(Clone, Copy, PartialEq)]
enum Label {
    Block,
    TryBody,
    Handler,
}

struct Gen {
    rng: Rng,
    out: String,
    labels: Vec<Label>,
    step: u32,
    budget: u32,
}

impl Gen {
    fn stmts(&mut self, depth: u32) {
        let n = 1 + self.rng.below(3);
        for _ in 0..n {
            self.stmt(depth);
        }
    }

    fn stmt(&mut self, depth: u32) {
        if self.budget == 0 || depth > 5 {
            return self.call();
        }
        self.budget -= 1;
        match self.rng.below(10) {
            0..=2 => self.call(),
            3 => {
                self.line("block");
                self.labels.push(Label::Block);
                self.stmts(depth + 1);
                self.labels.pop();
                self.line("end");
            }
            4..=6 => self.try_catch(depth),
            7 => self.try_delegate(depth),
            8 => self.rethrow(),
            _ => self.br_if(),
        }
    }

    fn line(&mut self, s: &str) {
        let _ = writeln!(
            self.out,
            "{:indent$}{s}",
            "",
            indent = 4 + 2 * self.labels.len()
        );
    }

    fn call(&mut self) {
        let pos = self.step % 16;
        self.step += 1;
        self.line(&format!("(call $step (i32.const {pos}))"));
    }

    fn try_catch(&mut self, depth: u32) {
        self.line("try");
        self.labels.push(Label::TryBody);
        self.stmts(depth + 1);
        self.labels.pop();
        let with_tag = self.rng.chance(60);
        let with_all = !with_tag || self.rng.chance(50);
        if with_tag {
            self.line("catch $e");
            self.labels.push(Label::Handler);
            self.line("drop");
            self.stmts(depth + 1);
            self.labels.pop();
        }
        if with_all {
            self.line("catch_all");
            self.labels.push(Label::Handler);
            self.stmts(depth + 1);
            self.labels.pop();
        }
        self.line("end");
    }

    fn try_delegate(&mut self, depth: u32) {
        self.line("try");
        self.labels.push(Label::TryBody);
        self.stmts(depth + 1);
        self.labels.pop();
        // 0..=len: len is the function's own label, that is the caller.
        let target = self.rng.below(self.labels.len() as u64 + 1);
        self.line(&format!("delegate {target}"));
    }

    fn rethrow(&mut self) {
        let handlers: Vec<usize> = (0..self.labels.len())
            .filter(|&i| self.labels[self.labels.len() - 1 - i] == Label::Handler)
            .collect();
        if handlers.is_empty() {
            return self.call();
        }
        let depth = handlers[self.rng.below(handlers.len() as u64) as usize];
        let flag = 1024 << self.rng.below(2);
        self.line(&format!(
            "(if (i32.and (local.get 0) (i32.const {flag})) (then rethrow {}))",
            depth + 1
        ));
    }

    fn br_if(&mut self) {
        if self.labels.is_empty() {
            return self.call();
        }
        let depth = self.rng.below(self.labels.len() as u64);
        let flag = 1024 << self.rng.below(2);
        self.line(&format!(
            "(br_if {depth} (i32.and (local.get 0) (i32.const {flag})))"
        ));
    }
}

fn module(seed: u64) -> String {
    let mut g = Gen {
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        out: String::new(),
        labels: Vec::new(),
        step: 0,
        budget: 14,
    };
    let mut funcs = String::new();
    for f in 0..2 {
        g.out.clear();
        g.stmts(0);
        let _ = write!(
            funcs,
            "  (func (export \"run{f}\") (param i32) (result i32)\n{}    i32.const {f})\n",
            g.out
        );
    }
    format!(
        "(module\n  (import \"env\" \"step\" (func $step (param i32)))\n  (tag $e (export \"e\") (param i32))\n  (func (export \"throw_e\") (param i32) (local.get 0) (throw $e))\n{funcs})\n"
    )
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_legacy_modules_round_trip_and_behave_the_same() {
    let count = env_u64("EH_FUZZ_COUNT", 300);
    let seed = env_u64("EH_FUZZ_SEED", 1);
    let node = engine("node-26");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut triples: Vec<(u64, [PathBuf; 3])> = Vec::new();
    let mut delegates = 0;
    let mut rethrows = 0;
    for i in 0..count {
        let s = seed.wrapping_add(i);
        let text = module(s);
        delegates += text.matches("delegate").count();
        rethrows += text.matches("rethrow").count();
        let legacy = wat::parse_str(&text)
            .unwrap_or_else(|e| panic!("seed {s}: generator wrote invalid wat: {e}\n{text}"));
        if detect_bytes(&legacy).expect("parses") == EhEncoding::None {
            continue;
        }
        let exnref = translate(&legacy, EhEncoding::Exnref)
            .unwrap_or_else(|e| panic!("seed {s}: to exnref: {e}\n{text}"));
        assert_eq!(
            detect_bytes(&exnref).expect("parses"),
            EhEncoding::Exnref,
            "seed {s}"
        );
        let back = translate(&exnref, EhEncoding::Legacy)
            .unwrap_or_else(|e| panic!("seed {s}: back to legacy: {e}\n{text}"));
        assert_eq!(
            detect_bytes(&back).expect("parses"),
            EhEncoding::Legacy,
            "seed {s}"
        );
        let again = translate(&back, EhEncoding::Exnref)
            .unwrap_or_else(|e| panic!("seed {s}: exnref again: {e}\n{text}"));
        assert_eq!(
            detect_bytes(&again).expect("parses"),
            EhEncoding::Exnref,
            "seed {s}"
        );
        let paths = ["legacy", "exnref", "back"].map(|w| dir.path().join(format!("{s}.{w}.wasm")));
        for (p, b) in paths.iter().zip([&legacy, &exnref, &back]) {
            std::fs::write(p, b).expect("write");
        }
        std::fs::write(dir.path().join(format!("{s}.wat")), &text).expect("write");
        triples.push((s, paths));
    }
    assert!(
        delegates > count as usize / 4 && rethrows > count as usize / 4,
        "the generator exercises delegate ({delegates}) and rethrow ({rethrows})"
    );
    // `cargo xtask eh-fuzz --binaryen N`: Binaryen's translation of the first
    // N modules, and ours of Binaryen's back to legacy, must behave the same.
    let mut with_binaryen: Vec<(u64, [PathBuf; 2])> = Vec::new();
    if let Ok(wasm_opt) = std::env::var("EH_FUZZ_WASM_OPT") {
        let n = env_u64("EH_FUZZ_BINARYEN", 50) as usize;
        for (s, [legacy, _, _]) in triples.iter().take(n) {
            let out = dir.path().join(format!("{s}.binaryen.wasm"));
            let status = std::process::Command::new(&node)
                .arg(&wasm_opt)
                .arg(legacy)
                .args([
                    "--enable-exception-handling",
                    "--enable-reference-types",
                    "--enable-multivalue",
                    "--translate-to-exnref",
                    "-o",
                ])
                .arg(&out)
                .status()
                .expect("run wasm-opt");
            assert!(status.success(), "seed {s}: wasm-opt failed");
            let binaryen = std::fs::read(&out).expect("read");
            let back = translate(&binaryen, EhEncoding::Legacy)
                .unwrap_or_else(|e| panic!("seed {s}: Binaryen's output to legacy: {e}"));
            let back_path = dir.path().join(format!("{s}.binaryen-legacy.wasm"));
            std::fs::write(&back_path, back).expect("write");
            with_binaryen.push((*s, [out, back_path]));
        }
        println!(
            "compared {} modules with Binaryen's translation",
            with_binaryen.len()
        );
    }
    for chunk in triples.chunks(200) {
        let files: Vec<&std::path::Path> = chunk
            .iter()
            .flat_map(|(_, p)| p.iter().map(PathBuf::as_path))
            .collect();
        let results = behaviour(&node, &[], &files);
        for (s, [legacy, exnref, back]) in chunk {
            let text =
                std::fs::read_to_string(dir.path().join(format!("{s}.wat"))).unwrap_or_default();
            let d = differences(&results[exnref], &results[legacy]);
            assert!(
                d.is_empty(),
                "seed {s}: exnref translation differs:\n{d}{text}"
            );
            let d = differences(&results[back], &results[legacy]);
            assert!(d.is_empty(), "seed {s}: round trip differs:\n{d}{text}");
        }
    }
    for (s, [binaryen, back]) in &with_binaryen {
        let legacy = &triples.iter().find(|t| t.0 == *s).expect("seed").1[0];
        let results = behaviour(
            &node,
            &[],
            &[legacy.as_path(), binaryen.as_path(), back.as_path()],
        );
        assert_eq!(
            results[binaryen], results[legacy],
            "seed {s}: Binaryen's translation differs"
        );
        assert_eq!(
            results[back], results[legacy],
            "seed {s}: ours of Binaryen's, back to legacy, differs"
        );
    }
}

/// What an enclosing label of the exnref generator is.
#[derive(Clone, PartialEq)]
enum XLabel {
    /// A block with no result: `br_if` may target it.
    Void(String),
    /// A landing pad (`block (result exnref)`): `catch_all_ref` may target it.
    Pad(String),
    /// A trampoline (`block (result exnref)` followed by `throw_ref`).
    Trampoline(String),
    /// The exnref local of an enclosing pad's code.
    Caught(u32),
}

/// Random exnref modules in the shapes LLVM writes: landing pads reached
/// from try_tables at any depth (with calls between them that must skip the
/// pad), trampolines, catches of the tag to a block, rethrows of a caught
/// exception from the pad code, and branches out.
struct XGen {
    rng: Rng,
    out: String,
    labels: Vec<XLabel>,
    step: u32,
    budget: u32,
    fresh: u32,
    locals: u32,
}

impl XGen {
    fn name(&mut self, prefix: &str) -> String {
        self.fresh += 1;
        format!("${prefix}{}", self.fresh)
    }

    fn line(&mut self, s: &str) {
        let _ = writeln!(
            self.out,
            "{:indent$}{s}",
            "",
            indent = 4 + 2 * self.labels.len()
        );
    }

    fn stmts(&mut self, depth: u32) {
        for _ in 0..1 + self.rng.below(3) {
            self.stmt(depth);
        }
    }

    fn call(&mut self) {
        let pos = self.step % 16;
        self.step += 1;
        self.line(&format!("(call $step (i32.const {pos}))"));
    }

    fn stmt(&mut self, depth: u32) {
        if self.budget == 0 || depth > 5 {
            return self.call();
        }
        self.budget -= 1;
        match self.rng.below(12) {
            0..=2 => self.call(),
            3 => self.pad(depth),
            4 => self.trampoline(depth),
            5 | 6 => self.clause_to_handler(depth),
            7 => self.catch_tag(depth),
            8 => self.rethrow(),
            9 => self.br_if(),
            _ => {
                let b = self.name("b");
                self.line(&format!("block {b}"));
                self.labels.push(XLabel::Void(b));
                self.stmts(depth + 1);
                self.labels.pop();
                self.line("end");
            }
        }
    }

    /// `try_table` with a clause to an enclosing pad or trampoline (and
    /// sometimes a catch of the tag first).
    fn clause_to_handler(&mut self, depth: u32) {
        let targets: Vec<XLabel> = self
            .labels
            .iter()
            .filter(|l| matches!(l, XLabel::Pad(_) | XLabel::Trampoline(_)))
            .cloned()
            .collect();
        if targets.is_empty() {
            return self.catch_tag(depth);
        }
        let (XLabel::Pad(target) | XLabel::Trampoline(target)) =
            &targets[self.rng.below(targets.len() as u64) as usize]
        else {
            unreachable!("filtered")
        };
        let target = target.clone();
        if self.rng.chance(30) {
            // catch $e to a block that logs the payload, then catch_all_ref.
            let after = self.name("after");
            let c = self.name("c");
            self.line(&format!("block {after}"));
            self.labels.push(XLabel::Void(after.clone()));
            self.line(&format!("block {c} (result i32)"));
            self.labels.push(XLabel::Void(String::new()));
            self.line(&format!(
                "try_table (catch $e {c}) (catch_all_ref {target})"
            ));
            self.labels.push(XLabel::Void(String::new()));
            self.stmts(depth + 1);
            self.labels.pop();
            self.line("end");
            self.line(&format!("br {after}"));
            self.labels.pop();
            self.line("end");
            self.line("(call $step (i32.add (i32.const 40)))");
            self.labels.pop();
            self.line("end");
        } else {
            self.line(&format!("try_table (catch_all_ref {target})"));
            self.labels.push(XLabel::Void(String::new()));
            self.stmts(depth + 1);
            self.labels.pop();
            self.line("end");
        }
    }

    fn pad(&mut self, depth: u32) {
        let done = self.name("done");
        let pad = self.name("pad");
        let local = self.locals;
        self.locals += 1;
        self.line(&format!("block {done}"));
        self.labels.push(XLabel::Void(done.clone()));
        self.line(&format!("block {pad} (result exnref)"));
        self.labels.push(XLabel::Pad(pad));
        self.stmts(depth + 1);
        self.line(&format!("br {done}"));
        self.labels.pop();
        self.line("end");
        self.line(&format!("local.set $x{local}"));
        self.labels.push(XLabel::Caught(local));
        self.line("(call $step (i32.const 30))");
        if self.rng.chance(40) {
            self.stmts(depth + 1);
        }
        if self.rng.chance(80) {
            self.line(&format!("(throw_ref (local.get $x{local}))"));
        }
        self.labels.pop();
        self.labels.pop();
        self.line("end");
    }

    fn trampoline(&mut self, depth: u32) {
        let ok = self.name("ok");
        let t = self.name("t");
        self.line(&format!("block {ok}"));
        self.labels.push(XLabel::Void(ok.clone()));
        self.line(&format!("block {t} (result exnref)"));
        self.labels.push(XLabel::Trampoline(t));
        self.stmts(depth + 1);
        self.line(&format!("br {ok}"));
        self.labels.pop();
        self.line("end");
        self.line("throw_ref");
        self.labels.pop();
        self.line("end");
    }

    fn catch_tag(&mut self, depth: u32) {
        let after = self.name("after");
        let c = self.name("c");
        self.line(&format!("block {after}"));
        self.labels.push(XLabel::Void(after.clone()));
        self.line(&format!("block {c} (result i32)"));
        self.labels.push(XLabel::Void(String::new()));
        self.line(&format!("try_table (catch $e {c})"));
        self.labels.push(XLabel::Void(String::new()));
        self.stmts(depth + 1);
        self.labels.pop();
        self.line("end");
        self.line(&format!("br {after}"));
        self.labels.pop();
        self.line("end");
        self.line("(call $step (i32.add (i32.const 40)))");
        self.labels.pop();
        self.line("end");
    }

    fn rethrow(&mut self) {
        let caught: Vec<u32> = self
            .labels
            .iter()
            .filter_map(|l| {
                if let XLabel::Caught(x) = l {
                    Some(*x)
                } else {
                    None
                }
            })
            .collect();
        if caught.is_empty() {
            return self.call();
        }
        let x = caught[self.rng.below(caught.len() as u64) as usize];
        let flag = 1024 << self.rng.below(2);
        self.line(&format!(
            "(if (i32.and (local.get 0) (i32.const {flag})) (then (throw_ref (local.get $x{x}))))"
        ));
    }

    fn br_if(&mut self) {
        let voids: Vec<String> = self
            .labels
            .iter()
            .filter_map(|l| match l {
                XLabel::Void(n) if !n.is_empty() => Some(n.clone()),
                _ => None,
            })
            .collect();
        if voids.is_empty() {
            return self.call();
        }
        let target = voids[self.rng.below(voids.len() as u64) as usize].clone();
        let flag = 1024 << self.rng.below(2);
        self.line(&format!(
            "(br_if {target} (i32.and (local.get 0) (i32.const {flag})))"
        ));
    }
}

fn exnref_module(seed: u64) -> String {
    let mut g = XGen {
        rng: Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1),
        out: String::new(),
        labels: Vec::new(),
        step: 0,
        budget: 16,
        fresh: 0,
        locals: 0,
    };
    let mut funcs = String::new();
    for f in 0..2 {
        g.out.clear();
        g.locals = 0;
        g.stmts(0);
        let locals: String = (0..g.locals)
            .map(|i| format!(" (local $x{i} exnref)"))
            .collect();
        let _ = write!(
            funcs,
            "  (func (export \"run{f}\") (param i32) (result i32){locals}\n{}    i32.const {f})\n",
            g.out
        );
    }
    format!(
        "(module\n  (import \"env\" \"step\" (func $step (param i32)))\n  (tag $e (export \"e\") (param i32))\n  (func (export \"throw_e\") (param i32) (local.get 0) (throw $e))\n{funcs})\n"
    )
}

#[test]
fn random_exnref_modules_in_llvm_shapes_translate_to_legacy_and_behave_the_same() {
    let count = env_u64("EH_FUZZ_COUNT", 300);
    let seed = env_u64("EH_FUZZ_SEED", 1);
    let node = engine("node-26");
    let dir = tempfile::tempdir().expect("tempdir");
    let mut triples: Vec<(u64, [PathBuf; 3])> = Vec::new();
    for i in 0..count {
        let s = seed.wrapping_add(i);
        let text = exnref_module(s);
        let exnref = wat::parse_str(&text)
            .unwrap_or_else(|e| panic!("seed {s}: generator wrote invalid wat: {e}\n{text}"));
        if detect_bytes(&exnref).expect("parses") != EhEncoding::Exnref {
            continue;
        }
        let legacy = translate(&exnref, EhEncoding::Legacy)
            .unwrap_or_else(|e| panic!("seed {s}: to legacy: {e}\n{text}"));
        // None when every handler was dead code (a pad no clause reaches).
        let found = detect_bytes(&legacy).expect("parses");
        assert!(
            matches!(found, EhEncoding::Legacy | EhEncoding::None),
            "seed {s}: {found:?}"
        );
        let back = translate(&legacy, EhEncoding::Exnref)
            .unwrap_or_else(|e| panic!("seed {s}: back to exnref: {e}\n{text}"));
        let paths = ["exnref", "legacy", "back"].map(|w| dir.path().join(format!("x{s}.{w}.wasm")));
        for (p, b) in paths.iter().zip([&exnref, &legacy, &back]) {
            std::fs::write(p, b).expect("write");
        }
        std::fs::write(dir.path().join(format!("x{s}.wat")), &text).expect("write");
        triples.push((s, paths));
    }
    assert!(
        triples.len() > count as usize / 2,
        "most generated modules use exnref"
    );
    for chunk in triples.chunks(200) {
        let files: Vec<&std::path::Path> = chunk
            .iter()
            .flat_map(|(_, p)| p.iter().map(PathBuf::as_path))
            .collect();
        let results = behaviour(&node, &[], &files);
        for (s, [exnref, legacy, back]) in chunk {
            let text =
                std::fs::read_to_string(dir.path().join(format!("x{s}.wat"))).unwrap_or_default();
            let d = differences(&results[legacy], &results[exnref]);
            assert!(
                d.is_empty(),
                "seed {s}: legacy translation differs:\n{d}{text}"
            );
            let d = differences(&results[back], &results[exnref]);
            assert!(d.is_empty(), "seed {s}: round trip differs:\n{d}{text}");
        }
    }
}
