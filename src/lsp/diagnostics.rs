//! The checker's diagnostics as LSP diagnostics: code, severity, the primary label's range, help
//! and notes in the message, and every other label as related information (which editors show
//! as links to the original definition, the first occurrence, and so on).

use super::analysis::Analysis;
use super::uri;
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::FileId;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString};
use std::collections::BTreeMap;

/// The diagnostics whose primary location is in `file`.
pub fn for_file(analysis: &Analysis, file: FileId) -> Vec<lsp_types::Diagnostic> {
    for_files(analysis, &[file])
        .pop()
        .map(|(_, d)| d)
        .unwrap_or_default()
}

/// The diagnostics of each of `files` (each file once, in the order given), in one pass over
/// the analysis's diagnostics. Positions come from each file's line index, so the time grows
/// with the number of diagnostics, not with that number times the length of the file.
pub fn for_files(
    analysis: &Analysis,
    files: &[FileId],
) -> Vec<(FileId, Vec<lsp_types::Diagnostic>)> {
    let mut out: Vec<(FileId, Vec<lsp_types::Diagnostic>)> = Vec::new();
    let mut slot: BTreeMap<FileId, usize> = BTreeMap::new();
    for f in files {
        if !slot.contains_key(f) {
            slot.insert(*f, out.len());
            out.push((*f, Vec::new()));
        }
    }
    for d in &analysis.diagnostics {
        if let Some(&i) = slot.get(&d.file) {
            out[i].1.push(convert(analysis, d));
        }
    }
    out
}

pub(super) fn convert(analysis: &Analysis, d: &Diagnostic) -> lsp_types::Diagnostic {
    let span = d.primary_span();
    let primary = d.labels.iter().position(|l| l.file == d.file);
    let mut message = d.message.clone();
    if let Some(help) = &d.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &d.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<DiagnosticRelatedInformation> = d
        .labels
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != primary)
        .filter_map(|(_, l)| {
            let source = analysis.source(l.file);
            Some(DiagnosticRelatedInformation {
                location: Location::new(
                    uri::from_path(&source.path)?,
                    analysis.range(l.file, l.span.start, l.span.end),
                ),
                message: if l.message.is_empty() {
                    "related".to_string()
                } else {
                    l.message.clone()
                },
            })
        })
        .collect();
    lsp_types::Diagnostic {
        range: analysis.range(d.file, span.start, span.end),
        severity: Some(match d.severity {
            Severity::Error => DiagnosticSeverity::ERROR,
            Severity::Warning => DiagnosticSeverity::WARNING,
        }),
        code: Some(NumberOrString::String(d.code.to_string())),
        source: Some("journeyc".to_string()),
        message,
        related_information: (!related.is_empty()).then_some(related),
        ..Default::default()
    }
}
