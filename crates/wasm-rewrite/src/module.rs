//! A module as a list of sections that passes edit one section at a time.
//!
//! Parsing only finds section boundaries: no section is decoded until a pass
//! asks for it, and function bodies are never decoded at all (the code
//! section is skipped in one step). Sections nobody touched keep borrowing the
//! input and are written back byte for byte, so every pass composes with the
//! others over one shared list instead of copying the module.

use std::borrow::Cow;

use wasm_encoder::{Encode, RawSection};
use wasmparser::{BinaryReader, Chunk, CustomSectionReader, Encoding, Parser, Payload};

use crate::Error;

/// Section ids of the core module sections this crate cares about.
pub(crate) mod id {
    /// A custom section.
    pub(crate) const CUSTOM: u8 = 0;
    /// The type section.
    pub(crate) const TYPE: u8 = 1;
    /// The import section.
    pub(crate) const IMPORT: u8 = 2;
    /// The function section.
    pub(crate) const FUNCTION: u8 = 3;
    /// The global section.
    pub(crate) const GLOBAL: u8 = 6;
    /// The export section.
    pub(crate) const EXPORT: u8 = 7;
    /// The code section.
    pub(crate) const CODE: u8 = 10;
}

/// Where each known section id goes, in the order the binary format requires
/// (the tag section, id 13, sits between memory and global).
const ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

fn rank(id: u8) -> Option<usize> {
    ORDER.iter().position(|&known| known == id)
}

/// One section: its id and its contents (everything after the size).
#[derive(Debug)]
pub(crate) struct Section<'a> {
    /// The section id.
    pub(crate) id: u8,
    /// For a custom section, its name.
    pub(crate) name: Option<Cow<'a, str>>,
    /// The contents; for a custom section, the name and the data as encoded.
    contents: Cow<'a, [u8]>,
    /// Offset of the contents in the input (for a new section, where it was
    /// inserted), so that errors in sections point into the input.
    offset: usize,
}

impl<'a> Section<'a> {
    /// A custom section named `name` holding `data`.
    pub(crate) fn custom(name: &str, data: &[u8], offset: usize) -> Section<'a> {
        let mut contents = Vec::with_capacity(name.len() + data.len() + 5);
        name.encode(&mut contents);
        contents.extend_from_slice(data);
        Section {
            id: id::CUSTOM,
            name: Some(Cow::Owned(name.to_string())),
            contents: Cow::Owned(contents),
            offset,
        }
    }

    /// A reader over the contents, with offsets relative to the input.
    pub(crate) fn reader(&self) -> BinaryReader<'_> {
        BinaryReader::new(&self.contents, self.offset)
    }

    /// Offset of the contents in the input.
    pub(crate) fn offset(&self) -> usize {
        self.offset
    }

    /// A copy that borrows what `self` borrows.
    fn duplicate(&self) -> Section<'a> {
        Section {
            id: self.id,
            name: self.name.clone(),
            contents: self.contents.clone(),
            offset: self.offset,
        }
    }

    /// The data of a custom section (its contents after the name).
    pub(crate) fn custom_data(&self) -> Result<&[u8], Error> {
        Ok(CustomSectionReader::new(self.reader())?.data())
    }
}

/// A module being edited: the input and its sections in order.
#[derive(Debug)]
pub(crate) struct Module<'a> {
    sections: Vec<Section<'a>>,
    /// Whether any pass changed a section since parsing.
    edited: bool,
}

impl<'a> Module<'a> {
    /// Finds the sections of `wasm` without decoding them.
    pub(crate) fn parse(wasm: &'a [u8]) -> Result<Module<'a>, Error> {
        let mut sections = Vec::new();
        let mut parser = Parser::new(0);
        let mut rest = wasm;
        loop {
            let (payload, consumed) = match parser.parse(rest, true)? {
                Chunk::Parsed { payload, consumed } => (payload, consumed),
                // With `eof` set the parser reports truncation as an error instead.
                Chunk::NeedMoreData(_) => {
                    unreachable!("the parser asks for more data only before eof")
                }
            };
            rest = &rest[consumed..];
            match payload {
                Payload::Version {
                    encoding: Encoding::Component,
                    range,
                    ..
                } => {
                    return Err(Error::NotAModule {
                        offset: range.start,
                    })
                }
                Payload::Version { .. } => {}
                Payload::End(_) => break,
                Payload::CodeSectionStart { range, size, .. } => {
                    // Skip every body in one step: this crate never decodes code.
                    parser.skip_section();
                    rest = &rest[size as usize..];
                    sections.push(Section {
                        id: 10,
                        name: None,
                        contents: Cow::Borrowed(&wasm[range.clone()]),
                        offset: range.start,
                    });
                }
                Payload::CustomSection(custom) => {
                    let range = custom.range();
                    sections.push(Section {
                        id: id::CUSTOM,
                        name: Some(Cow::Borrowed(custom.name())),
                        contents: Cow::Borrowed(&wasm[range.clone()]),
                        offset: range.start,
                    });
                }
                other => match other.as_section() {
                    Some((id, range)) => sections.push(Section {
                        id,
                        name: None,
                        contents: Cow::Borrowed(&wasm[range.clone()]),
                        offset: range.start,
                    }),
                    None => {
                        unreachable!("a core module yields only sections, its header and its end")
                    }
                },
            }
        }
        Ok(Module {
            sections,
            edited: false,
        })
    }

    /// The sections, in order.
    pub(crate) fn sections(&self) -> &[Section<'a>] {
        &self.sections
    }

    /// The first (for non-custom ids, the only) section with this id.
    pub(crate) fn section(&self, id: u8) -> Option<&Section<'a>> {
        self.sections.iter().find(|s| s.id == id)
    }

    /// Replaces the contents of section `id`, or inserts a new section `id`
    /// where the binary format wants it (after every section that must
    /// precede it, before any custom section that follows those).
    pub(crate) fn set_section(&mut self, id: u8, contents: Vec<u8>) {
        self.edited = true;
        if let Some(section) = self.sections.iter_mut().find(|s| s.id == id) {
            section.contents = Cow::Owned(contents);
            return;
        }
        let wanted = rank(id);
        let at = self
            .sections
            .iter()
            .rposition(|s| s.id != id::CUSTOM && rank(s.id) < wanted)
            .map_or(0, |i| i + 1);
        let offset = self.sections.get(at).map_or(0, |s| s.offset);
        self.sections.insert(
            at,
            Section {
                id,
                name: None,
                contents: Cow::Owned(contents),
                offset,
            },
        );
    }

    /// Removes every custom section named `name`; returns how many there were.
    pub(crate) fn remove_custom(&mut self, name: &str) -> usize {
        let before = self.sections.len();
        self.sections
            .retain(|s| !(s.id == id::CUSTOM && s.name.as_deref() == Some(name)));
        let removed = before - self.sections.len();
        self.edited |= removed > 0;
        removed
    }

    /// Puts every custom section of `original` (the input of an IR round
    /// trip) back in this module (its output), in the input's order and
    /// after the same known section as in the input. A custom section the
    /// round trip re-encoded under the same name (`name`, whose function
    /// indices changed) keeps the round trip's contents; every other one
    /// gets the input's bytes. Custom sections only the round trip wrote are
    /// dropped: the output holds what the input held.
    pub(crate) fn restore_customs(&mut self, original: &Module<'a>) {
        let mut rewritten: Vec<Section<'a>> = Vec::new();
        let mut known: Vec<Section<'a>> = Vec::new();
        for section in std::mem::take(&mut self.sections) {
            if section.id == id::CUSTOM {
                rewritten.push(section);
            } else {
                known.push(section);
            }
        }
        // Each input custom section with the rank of the known section it follows.
        let mut after = None;
        let mut customs = std::collections::VecDeque::new();
        for section in &original.sections {
            if section.id == id::CUSTOM {
                let own = rewritten
                    .iter()
                    .position(|s| s.name == section.name)
                    .map(|i| rewritten.remove(i));
                customs.push_back((after, own.unwrap_or_else(|| section.duplicate())));
            } else {
                after = rank(section.id);
            }
        }
        for section in &rewritten {
            log::debug!(
                "dropped custom section {:?} the IR round trip added",
                section.name
            );
        }
        for section in known {
            let here = rank(section.id);
            while customs.front().is_some_and(|(after, _)| *after < here) {
                let (_, custom) = customs.pop_front().expect("front exists");
                self.sections.push(custom);
            }
            self.sections.push(section);
        }
        self.sections.extend(customs.into_iter().map(|(_, s)| s));
        self.edited = true;
    }

    /// Appends a section at the end of the module.
    pub(crate) fn push(&mut self, section: Section<'a>) {
        self.edited = true;
        self.sections.push(section);
    }

    /// Whether any section changed since parsing.
    pub(crate) fn is_edited(&self) -> bool {
        self.edited
    }

    /// The module as bytes: header, then every section, untouched ones copied
    /// byte for byte.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut module = wasm_encoder::Module::new();
        for section in &self.sections {
            module.section(&RawSection {
                id: section.id,
                data: &section.contents,
            });
        }
        module.finish()
    }
}

/// How many function bodies the code section of `wasm` holds (0 without one).
pub(crate) fn count_bodies(wasm: &[u8]) -> Result<u32, Error> {
    let module = Module::parse(wasm)?;
    match module.section(id::CODE) {
        Some(code) => Ok(code.reader().read_var_u32()?),
        None => Ok(0),
    }
}

/// The contents of an encoded wasm-encoder section: its encoding without the
/// leading size, which [`RawSection`] writes again.
pub(crate) fn contents_of(section: &impl Encode) -> Vec<u8> {
    let mut bytes = Vec::new();
    section.encode(&mut bytes);
    let size_len = bytes
        .iter()
        .position(|b| b & 0x80 == 0)
        .map_or(bytes.len(), |i| i + 1);
    bytes.split_off(size_len)
}
