//! Reading and writing a module inlined in JS.

use std::ops::Range;

use crate::{base64, InlineEncoding};

/// The module bytes of the payload at `span` in `text`; an error unless they
/// are a wasm module (`\0asm`).
pub fn decode_inline(
    text: &str,
    span: &Range<usize>,
    encoding: InlineEncoding,
) -> Result<Vec<u8>, String> {
    let payload = text
        .get(span.clone())
        .ok_or_else(|| format!("bytes {}..{} are outside the file", span.start, span.end))?;
    let bytes = match encoding {
        InlineEncoding::Base64 => base64::decode(payload)?,
        InlineEncoding::ByteArray => payload
            .trim_start_matches('[')
            .trim_end_matches(']')
            .split(',')
            .map(|n| {
                let n = n.trim();
                n.parse::<u8>().map_err(|_| {
                    format!("`{n}` in the byte array is not a byte written in decimal")
                })
            })
            .collect::<Result<_, _>>()?,
    };
    if !bytes.starts_with(b"\0asm") {
        return Err("the decoded bytes are not a wasm module".to_string());
    }
    Ok(bytes)
}

/// `bytes` written the way `encoding` wrote the original payload (the
/// replacement for exactly its span: no quotes, no `data:` prefix).
pub fn encode_inline(bytes: &[u8], encoding: InlineEncoding) -> String {
    match encoding {
        InlineEncoding::Base64 => base64::encode(bytes),
        InlineEncoding::ByteArray => {
            let items: Vec<String> = bytes.iter().map(u8::to_string).collect();
            format!("[{}]", items.join(","))
        }
    }
}
