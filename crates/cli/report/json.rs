//! `--format json`: the whole report as one JSON document on stdout,
//! described by `docs/report.schema.json`.

use std::io::{self, Write};

use serde::Serialize;

use super::{Report, SCHEMA_VERSION};

/// The document: the report with its version and the exit status.
#[derive(Serialize)]
struct Document<'r> {
    schema_version: u32,
    tool_version: &'static str,
    #[serde(flatten)]
    report: &'r Report,
    refused: usize,
    exit_status: u8,
}

pub(crate) fn print(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let document = Document {
        schema_version: SCHEMA_VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        report,
        refused: report.refused(),
        exit_status: report.exit_status(),
    };
    serde_json::to_writer_pretty(&mut *out, &document)?;
    writeln!(out)
}
