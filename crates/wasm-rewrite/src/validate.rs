//! Validation of the input before any pass runs, and of the output before it
//! is handed back.
//!
//! Passes edit sections and bodies they understand, and copy the rest byte
//! for byte: a corrupt input would come out as a "hardened" corrupt module.
//! So nothing is rewritten until wasmparser's `Validator` has accepted the
//! whole input, with the features a current engine has (see
//! [`wasm_recover_eh_translate::features`]); and an output that does not
//! validate is a bug of a pass, reported as such instead of returned.

use wasmparser::{Parser, Payload, TypeRef, Validator};

use crate::Error;

/// Refuses `wasm` unless it is a valid core module.
pub(crate) fn input(wasm: &[u8]) -> Result<(), Error> {
    Validator::new_with_features(wasm_recover_eh_translate::features())
        .validate_all(wasm)
        .map(drop)
        .map_err(|e| Error::InvalidInput {
            offset: e.offset(),
            reason: e.message().to_string(),
        })
}

/// Refuses the hardened module unless it is valid: a failure here means a
/// pass wrote something wrong.
pub(crate) fn output(wasm: &[u8]) -> Result<(), Error> {
    Validator::new_with_features(wasm_recover_eh_translate::features())
        .validate_all(wasm)
        .map(drop)
        .map_err(|e| Error::InvalidOutput {
            offset: e.offset(),
            function: function_at(wasm, e.offset()),
            reason: e.message().to_string(),
        })
}

/// The index of the function whose body holds byte `offset`, for the report
/// of an invalid output.
fn function_at(wasm: &[u8], offset: usize) -> Option<u32> {
    let mut imported = 0u32;
    let mut index = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.ok()? {
            Payload::ImportSection(imports) => {
                for import in imports.into_imports() {
                    if matches!(import.ok()?.ty, TypeRef::Func(_) | TypeRef::FuncExact(_)) {
                        imported += 1;
                    }
                }
            }
            Payload::CodeSectionEntry(body) => {
                if body.range().contains(&offset) {
                    return Some(imported + index);
                }
                index += 1;
            }
            _ => {}
        }
    }
    None
}
