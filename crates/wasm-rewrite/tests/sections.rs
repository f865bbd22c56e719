//! Every custom section survives hardening, in order and in place, on real
//! wasm-bindgen outputs of each generation, with the EH encoding kept and
//! translated both ways: discovery reads the wasm-bindgen version from
//! `producers`, and tools downstream read `target_features` and `name`.

use std::path::Path;

use wasm_recover_eh_translate::detect_bytes;
use wasm_recover_model::{BindgenOutput, EhEncoding, Generation, Options, Plan};
use wasmparser::{Parser, Payload};

/// One section as this test compares it: its id, and for a custom section
/// its name and data.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Section {
    Known(u8),
    Custom(String, Vec<u8>),
}

fn sections(wasm: &[u8]) -> Vec<Section> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload.expect("the module parses");
        if let Payload::CustomSection(c) = &payload {
            out.push(Section::Custom(c.name().to_string(), c.data().to_vec()));
        } else if let Some((id, _)) = payload.as_section() {
            out.push(Section::Known(id));
        }
    }
    out
}

fn describe(sections: &[Section]) -> String {
    sections
        .iter()
        .map(|s| match s {
            Section::Known(id) => id.to_string(),
            Section::Custom(name, _) => name.clone(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn harden_with(
    id: &str,
    eh: Option<EhEncoding>,
    edit: impl Fn(Vec<u8>) -> Vec<u8>,
) -> (Generation, Vec<u8>, Vec<u8>) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/out")
        .join(id)
        .join("nodejs");
    let wasm = edit(std::fs::read(dir.join("recover_fixture_bg.wasm")).expect("fixture wasm"));
    let glue = std::fs::read_to_string(dir.join("recover_fixture.js")).expect("fixture glue");
    let output = BindgenOutput::discover(&wasm, &glue, None).expect("fixture discovers");
    let options = Options {
        eh,
        ..Options::default()
    };
    let plan = Plan::new(&output, &options).expect("plan");
    let hardened = wasm_recover_wasm_rewrite::harden(&wasm, &plan).expect("fixture hardens");
    (output.generation, wasm, hardened.wasm)
}

fn check(id: &str, generation: Generation) {
    check_with(id, generation, |wasm| wasm);
}

fn check_with(id: &str, generation: Generation, edit: impl Fn(Vec<u8>) -> Vec<u8> + Copy) {
    for eh in [None, Some(EhEncoding::Legacy), Some(EhEncoding::Exnref)] {
        let (found, input, output) = harden_with(id, eh, edit);
        assert_eq!(found, generation, "{id}");
        let before = sections(&input);
        let after = sections(&output);
        eprintln!(
            "{id} ({generation}, eh {}): [{}] -> [{}]",
            eh.map_or("keep", EhEncoding::as_str),
            describe(&before),
            describe(&after)
        );
        // The input's sections, in order, then the mark.
        let Some((Section::Custom(mark, _), rest)) = after.split_last() else {
            panic!("{id}: the last section is the mark");
        };
        assert_eq!(mark, "wasm-recover");
        let known = |s: &[Section]| -> Vec<u8> {
            s.iter()
                .filter_map(|s| match s {
                    Section::Known(id) => Some(*id),
                    Section::Custom(..) => None,
                })
                .collect()
        };
        // Each custom section sits after the same known section as before,
        // and holds the same bytes (the name section is re-encoded when the
        // function indices changed, so only its place is compared).
        let places = |s: &[Section]| -> Vec<(Option<u8>, String, Option<Vec<u8>>)> {
            let mut last = None;
            let mut out = Vec::new();
            for section in s {
                match section {
                    Section::Known(id) => last = Some(*id),
                    Section::Custom(name, data) => {
                        out.push((last, name.clone(), (name != "name").then(|| data.clone())))
                    }
                }
            }
            out
        };
        assert_eq!(known(rest), known(&before), "{id}: known sections");
        assert_eq!(
            places(rest),
            places(&before),
            "{id}: custom sections moved or changed"
        );
        if let Some(eh) = eh {
            let encoding = detect_bytes(&output).expect("output parses");
            assert!(
                encoding == eh || encoding == EhEncoding::None,
                "{id}: output is {encoding}, asked for {eh}"
            );
        }
    }
}

#[test]
fn g0_keeps_every_custom_section_in_place() {
    check("0.2.100-abort", Generation::G0);
}

#[test]
fn g1_legacy_keeps_every_custom_section_in_place() {
    check("0.2.113-unwind-legacy", Generation::G1);
}

#[test]
fn g1_exnref_keeps_every_custom_section_in_place() {
    check("0.2.113-unwind-exnref", Generation::G1);
}

#[test]
fn g2_keeps_every_custom_section_in_place() {
    check("0.2.130-unwind-exnref", Generation::G2);
    check("0.2.130-unwind-legacy", Generation::G2);
}

/// A custom section `name` holding `data`, encoded.
fn custom(name: &str, data: &[u8]) -> Vec<u8> {
    let mut contents = Vec::new();
    leb(&mut contents, name.len());
    contents.extend_from_slice(name.as_bytes());
    contents.extend_from_slice(data);
    let mut section = vec![0];
    leb(&mut section, contents.len());
    section.extend(contents);
    section
}

fn leb(out: &mut Vec<u8>, mut n: usize) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Custom sections no tool knows, before the first section, between the
/// export and the element sections, and after the code: IR round trips
/// (catch frames, translation) must put each back where it was.
#[test]
fn unknown_custom_sections_stay_in_place_through_ir_passes() {
    let edit = |wasm: Vec<u8>| {
        let mut out = wasm[..8].to_vec();
        out.extend(custom("first-unknown", b"\x01\x02"));
        let mut at = 8;
        while at < wasm.len() {
            let id = wasm[at];
            let mut size = 0usize;
            let mut width = 0;
            loop {
                let byte = wasm[at + 1 + width];
                size |= usize::from(byte & 0x7f) << (7 * width);
                width += 1;
                if byte & 0x80 == 0 {
                    break;
                }
            }
            let end = at + 1 + width + size;
            out.extend_from_slice(&wasm[at..end]);
            match id {
                7 => out.extend(custom("after-export", b"kept")),
                10 => out.extend(custom("after-code", &[0; 3])),
                _ => {}
            }
            at = end;
        }
        out
    };
    check_with("0.2.113-unwind-legacy", Generation::G1, edit);
    check_with("0.2.113-unwind-exnref", Generation::G1, edit);
}
