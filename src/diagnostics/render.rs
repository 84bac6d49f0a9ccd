//! Turning diagnostics into text a person reads (through miette) or JSON a CI step consumes.

use super::excerpt::Excerpt;
use super::{Diagnostic, Severity};
use crate::source::{FileId, SourceMap, Span};
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

/// Byte offsets into the file: `start` inclusive, `end` exclusive.
#[derive(Serialize)]
struct JsonSpan {
    start: usize,
    end: usize,
}

/// A place in a file: 1-based start and end line and column (columns count characters; the end
/// is just past the last character), and the byte offsets.
#[derive(Serialize)]
struct JsonPlace {
    file: String,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    span: JsonSpan,
}

impl JsonPlace {
    fn new(sources: &SourceMap, file: FileId, span: Span) -> Self {
        let f = sources.get(file);
        let (line, column) = f.line_col(span.start);
        let (end_line, end_column) = f.line_col(span.end);
        JsonPlace {
            file: f.name.clone(),
            line,
            column,
            end_line,
            end_column,
            span: JsonSpan {
                start: span.start,
                end: span.end,
            },
        }
    }
}

#[derive(Serialize)]
struct JsonLabel {
    #[serde(flatten)]
    place: JsonPlace,
    /// Whether this is the diagnostic's primary label (the place `line` and `column` name).
    primary: bool,
    message: String,
}

#[derive(Serialize)]
struct JsonSuggestion {
    #[serde(flatten)]
    place: JsonPlace,
    /// The text to write in place of the span.
    replacement: String,
    /// What applying it does, for an editor's menu.
    message: String,
}

/// The JSON form of one diagnostic: what a CI step or an editor consumes. docs/ci.md describes
/// it field by field; add fields, never rename or remove one.
#[derive(Serialize)]
pub struct JsonDiagnostic {
    code: &'static str,
    severity: Severity,
    message: String,
    #[serde(flatten)]
    place: JsonPlace,
    labels: Vec<JsonLabel>,
    help: Option<String>,
    notes: Vec<String>,
    suggestions: Vec<JsonSuggestion>,
    /// The diagnostic as `--message-format human` prints it, without colour.
    rendered: String,
}

pub fn to_json(diag: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
    let primary = diag.primary_label();
    JsonDiagnostic {
        code: diag.code,
        severity: diag.severity,
        message: diag.message.clone(),
        place: JsonPlace::new(sources, diag.file, diag.primary_span()),
        labels: diag
            .labels
            .iter()
            .enumerate()
            .map(|(i, l)| JsonLabel {
                place: JsonPlace::new(sources, l.file, l.span),
                primary: Some(i) == primary,
                message: l.message.clone(),
            })
            .collect(),
        help: diag.help.clone(),
        notes: diag.notes.clone(),
        suggestions: diag
            .suggestions
            .iter()
            .map(|s| JsonSuggestion {
                place: JsonPlace::new(sources, s.file, s.span),
                replacement: s.replacement.clone(),
                message: format!("replace with `{}`", s.replacement),
            })
            .collect(),
        rendered: human(diag, sources, HumanStyle::default()),
    }
}

/// One JSON object on one line.
pub fn json_line(diag: &Diagnostic, sources: &SourceMap) -> String {
    serde_json::to_string(&to_json(diag, sources)).unwrap_or_else(|_| String::from("{}"))
}
