//! Turning diagnostics into text a person reads (through miette) or JSON a CI step consumes.

use super::excerpt::Excerpt;
use super::{Diagnostic, Severity};
use crate::source::SourceMap;
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceSpan};
use serde::Serialize;
use std::fmt;

/// Options for human-readable output.
#[derive(Clone, Copy, Debug)]
pub struct HumanStyle {
    pub color: bool,
    pub width: usize,
}

impl Default for HumanStyle {
    fn default() -> Self {
        HumanStyle {
            color: false,
            width: 100,
        }
    }
}

/// Adapter that lets miette draw one of our diagnostics over the excerpt of its file it needs.
struct MietteView<'a> {
    diag: &'a Diagnostic,
    source: Excerpt,
    footer: Option<String>,
}

impl fmt::Debug for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl fmt::Display for MietteView<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.diag.message)
    }
}

impl std::error::Error for MietteView<'_> {}

impl miette::Diagnostic for MietteView<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diag.code))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diag.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        match (&self.diag.help, &self.footer) {
            (None, None) => None,
            (Some(h), None) => Some(Box::new(h.clone())),
            (None, Some(n)) => Some(Box::new(n.clone())),
            (Some(h), Some(n)) => Some(Box::new(format!("{h}\n{n}"))),
        }
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let file = self.diag.file;
        let labels = self
            .diag
            .labels
            .iter()
            .filter(move |l| l.file == file)
            .enumerate()
            .map(move |(i, l)| {
                let start = self.source.map(l.span.start);
                let end = self.source.map(l.span.end).max(start);
                let span = SourceSpan::new(start.into(), end - start);
                let text = if l.message.is_empty() {
                    None
                } else {
                    Some(l.message.clone())
                };
                if i == 0 {
                    LabeledSpan::new_primary_with_span(text, span)
                } else {
                    LabeledSpan::new_with_span(text, span)
                }
            });
        Some(Box::new(labels))
    }
}

/// Renders one diagnostic as miette's graphical report.
pub fn human(diag: &Diagnostic, sources: &SourceMap, style: HumanStyle) -> String {
    let file = sources.get(diag.file);
    let mut footer_lines: Vec<String> = Vec::new();
    for l in diag.labels.iter().filter(|l| l.file != diag.file) {
        let other = sources.get(l.file);
        let (line, col) = other.line_col(l.span.start);
        footer_lines.push(format!(
            "note: {} ({}:{}:{})",
            l.message, other.name, line, col
        ));
    }
    footer_lines.extend(diag.notes.iter().map(|n| format!("note: {n}")));
    let footer = (!footer_lines.is_empty()).then(|| footer_lines.join("\n"));
    let view = MietteView {
        diag,
        source: Excerpt::new(
            file,
            &diag
                .labels
                .iter()
                .filter(|l| l.file == diag.file)
                .map(|l| l.span)
                .collect::<Vec<_>>(),
        ),
        footer,
    };
    let theme = if style.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(style.width)
        .with_links(false);
    let mut out = String::new();
    if handler.render_report(&mut out, &view).is_err() {
        out = format!(
            "{}[{}]: {}\n",
            severity_word(diag.severity),
            diag.code,
            diag.message
        );
    }
    out
}

fn severity_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

#[derive(Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
}

#[derive(Serialize)]
struct JsonLabel {
    file: String,
    line: usize,
    column: usize,
    span: JsonSpan,
    message: String,
}

/// The JSON form of one diagnostic: what a CI step or an editor consumes.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    code: &'static str,
    severity: Severity,
    message: String,
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    span: JsonSpan,
    labels: Vec<JsonLabel>,
    help: Option<String>,
    notes: Vec<String>,
}

pub fn to_json(diag: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
    let file = sources.get(diag.file);
    let span = diag.primary_span();
    let (line, column) = file.line_col(span.start);
    let (end_line, end_column) = file.line_col(span.end);
    JsonDiagnostic {
        code: diag.code,
        severity: diag.severity,
        message: diag.message.clone(),
        file: file.name.clone(),
        line,
        column,
        end_line,
        end_column,
        span: JsonSpan {
            start: span.start,
            end: span.end,
        },
        labels: diag
            .labels
            .iter()
            .map(|l| {
                let f = sources.get(l.file);
                let (line, column) = f.line_col(l.span.start);
                JsonLabel {
                    file: f.name.clone(),
                    line,
                    column,
                    span: JsonSpan {
                        start: l.span.start,
                        end: l.span.end,
                    },
                    message: l.message.clone(),
                }
            })
            .collect(),
        help: diag.help.clone(),
        notes: diag.notes.clone(),
    }
}

/// One JSON object on one line.
pub fn json_line(diag: &Diagnostic, sources: &SourceMap) -> String {
    serde_json::to_string(&to_json(diag, sources)).unwrap_or_else(|_| String::from("{}"))
}
