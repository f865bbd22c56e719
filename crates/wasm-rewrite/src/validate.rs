//! Validation of the input before any pass runs, and of the output before it
//! is handed back.
//!
//! Passes edit sections and bodies they understand, and copy the rest byte
//! for byte: a corrupt input would come out as a "hardened" corrupt module.
//! So nothing is rewritten until wasmparser's `Validator` has accepted the
//! whole input, with the features a current engine has (see
//! [`wasm_recover_eh_translate::features`]); and an output that does not
//! validate is a bug of a pass, reported as such instead of returned.
//!
//! Cost: function bodies are most of it (about 0.9 s for the 45 MB of
//! `@biomejs/wasm-nodejs`, single-threaded), so they are validated on every
//! core the machine has, and an output whose bodies are the input's (a run of
//! section-level passes only, which append functions but never renumber
//! one) has only its new bodies validated.

use std::num::NonZeroUsize;

use wasmparser::{
    BinaryReaderError, FuncToValidate, FunctionBody, Parser, ValidPayload, Validator,
    ValidatorResources,
};

use crate::Error;

/// Refuses `wasm` unless it is a valid core module.
pub(crate) fn input(wasm: &[u8]) -> Result<(), Error> {
    validate(wasm, 0).map_err(|e| Error::InvalidInput {
        offset: e.offset(),
        reason: e.message().to_string(),
    })
}

/// Refuses the hardened module unless it is valid: a failure here means a
/// pass wrote something wrong. `unchanged_bodies` is how many leading
/// function bodies are the (validated) input's, byte for byte, in the same
/// index space: those are not validated again.
pub(crate) fn output(wasm: &[u8], unchanged_bodies: u32) -> Result<(), Error> {
    validate(wasm, unchanged_bodies).map_err(|e| Error::InvalidOutput {
        offset: e.offset(),
        function: wasm_recover_eh_translate::function_at(wasm, e.offset()),
        reason: e.message().to_string(),
    })
}

/// Validates the module structure and every function body from index
/// `skip_bodies` on (counted among defined functions).
fn validate(wasm: &[u8], skip_bodies: u32) -> Result<(), BinaryReaderError> {
    let mut validator = Validator::new_with_features(wasm_recover_eh_translate::features());
    let mut bodies = Vec::new();
    let mut index = 0u32;
    for payload in Parser::new(0).parse_all(wasm) {
        if let ValidPayload::Func(func, body) = validator.payload(&payload?)? {
            if index >= skip_bodies {
                bodies.push((func, body));
            }
            index += 1;
        }
    }
    validate_bodies(bodies)
}

type Body<'a> = (FuncToValidate<ValidatorResources>, FunctionBody<'a>);

/// Validates `bodies` on up to as many threads as the machine has cores;
/// reports the error at the lowest offset, so the message does not depend
/// on scheduling.
fn validate_bodies(bodies: Vec<Body<'_>>) -> Result<(), BinaryReaderError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, NonZeroUsize::get)
        .min(bodies.len() / 256 + 1);
    if threads <= 1 {
        return validate_share(bodies);
    }
    // Deal the bodies out like cards: sizes vary a lot, neighbours less.
    let mut shares: Vec<Vec<Body<'_>>> = (0..threads).map(|_| Vec::new()).collect();
    for (i, body) in bodies.into_iter().enumerate() {
        shares[i % threads].push(body);
    }
    let errors: Vec<BinaryReaderError> = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|share| scope.spawn(move || validate_share(share)))
            .collect();
        handles
            .into_iter()
            .filter_map(|h| match h.join() {
                Ok(result) => result.err(),
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    match errors.into_iter().min_by_key(BinaryReaderError::offset) {
        Some(error) => Err(error),
        None => Ok(()),
    }
}

fn validate_share(bodies: Vec<Body<'_>>) -> Result<(), BinaryReaderError> {
    let mut allocations = Default::default();
    for (func, body) in bodies {
        let mut validator = func.into_validator(allocations);
        validator.validate(&body)?;
        allocations = validator.into_allocations();
    }
    Ok(())
}
