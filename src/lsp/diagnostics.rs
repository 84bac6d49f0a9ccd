//! The checker's diagnostics as LSP diagnostics: code, severity, the primary label's range, help
//! and notes in the message, and every other label as related information (which editors show
//! as links to the original definition, the first occurrence, and so on).

use super::analysis::Analysis;
use super::{position, uri};
use crate::diagnostics::{Diagnostic, Severity};
use crate::source::FileId;
use lsp_types::{DiagnosticRelatedInformation, DiagnosticSeverity, Location, NumberOrString};

/// The diagnostics whose primary location is in `file`.
pub fn for_file(analysis: &Analysis, file: FileId) -> Vec<lsp_types::Diagnostic> {
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.file == file)
        .map(|d| convert(analysis, d))
        .collect()
}

pub(super) fn convert(analysis: &Analysis, d: &Diagnostic) -> lsp_types::Diagnostic {
    let text = &analysis.source(d.file).text;
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
                    position::range(&source.text, l.span.start, l.span.end),
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
        range: position::range(text, span.start, span.end),
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
