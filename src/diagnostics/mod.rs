//! Diagnostics shared by every stage: the checker, the parser, imports and the interpreter all
//! report problems as [`Diagnostic`] values pushed into a list, never by printing or stopping.
//!
//! Rendering (human text through miette, or JSON) lives in [`render`]; the CI formats in
//! [`github`] (workflow annotations) and [`sarif`] (code scanning).

pub mod codes;
mod excerpt;
pub mod github;
pub mod render;
pub mod sarif;

use crate::source::{escape_controls, FileId, Span};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A labelled place in a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Label {
    pub file: FileId,
    pub span: Span,
    pub message: String,
}

/// A machine-applicable fix: write `replacement` in place of `span` in `file`. The checker
/// attaches one to each "did you mean" help, and the language server (quick fixes), SARIF
/// (`fixes`) and the JSON format (`suggestions`) all offer it from here.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub file: FileId,
    pub span: Span,
    pub replacement: String,
}

/// One problem found in the user's files.
///
/// Its texts quote source text (names, strings, what the parser found), so the builders escape
/// control characters in them: a NUL or a terminal escape in a file is shown as `\u{0}`, never
/// sent raw to the terminal.
#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    /// A stable code such as `E0101`; `journeyc explain CODE` describes it.
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// The file the diagnostic belongs to; its primary label is the first of `labels`.
    pub file: FileId,
    pub labels: Vec<Label>,
    pub help: Option<String>,
    /// Extra lines shown after the help, e.g. the path on which a check fails.
    pub notes: Vec<String>,
    /// Edits that fix the problem, such as the name a misspelling was meant to be.
    pub suggestions: Vec<Suggestion>,
}

impl Diagnostic {
    pub fn error(code: &'static str, file: FileId, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: clean(message.into()),
            file,
            labels: Vec::new(),
            help: None,
            notes: Vec::new(),
            suggestions: Vec::new(),
        }
    }

    pub fn warning(code: &'static str, file: FileId, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(code, file, message)
        }
    }

    /// Adds a label in the diagnostic's own file.
    pub fn label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file: self.file,
            span,
            message: clean(message.into()),
        });
        self
    }

    /// Adds a label that may be in another file (e.g. an original definition in an import).
    pub fn label_in(mut self, file: FileId, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            file,
            span,
            message: clean(message.into()),
        });
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(clean(help.into()));
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(clean(note.into()));
        self
    }

    /// Helps with "did you mean `name`?" and offers writing `name` in place of `span` (the
    /// misspelt name) as a fix.
    pub fn suggest(self, span: Span, name: &str) -> Self {
        self.help(format!("did you mean `{name}`?")).fix(span, name)
    }

    /// Offers writing `replacement` in place of `span` in the diagnostic's file, for a help
    /// written by the caller that says so.
    pub fn fix(mut self, span: Span, replacement: impl Into<String>) -> Self {
        self.suggestions.push(Suggestion {
            file: self.file,
            span,
            replacement: replacement.into(),
        });
        self
    }

    /// The index in `labels` of the primary label: the first in the diagnostic's own file.
    pub fn primary_label(&self) -> Option<usize> {
        self.labels.iter().position(|l| l.file == self.file)
    }

    /// The primary span, used for sorting and for line/column in JSON output.
    pub fn primary_span(&self) -> Span {
        self.labels
            .iter()
            .find(|l| l.file == self.file)
            .map(|l| l.span)
            .unwrap_or_default()
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// `text` with its control characters escaped (allocating only when there are some).
fn clean(text: String) -> String {
    match escape_controls(&text) {
        std::borrow::Cow::Borrowed(_) => text,
        std::borrow::Cow::Owned(escaped) => escaped,
    }
}

/// A collection of diagnostics from one or more stages.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, ds: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(ds);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn error_count(&self) -> usize {
        self.items.iter().filter(|d| d.is_error()).count()
    }

    pub fn warning_count(&self) -> usize {
        self.items.len() - self.error_count()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Sorts by file, then position, then code, and drops exact repeats, so output is stable.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            (
                a.file,
                a.primary_span().start,
                a.primary_span().end,
                a.code,
                &a.message,
            )
                .cmp(&(
                    b.file,
                    b.primary_span().start,
                    b.primary_span().end,
                    b.code,
                    &b.message,
                ))
        });
        self.items.dedup_by(|a, b| {
            a.file == b.file
                && a.code == b.code
                && a.message == b.message
                && a.primary_span().start == b.primary_span().start
        });
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.items
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// Suggests the closest of `candidates` to a misspelt `name`, if one is close enough.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(f64, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let score = strsim::jaro_winkler(name, c);
        let close = score >= 0.82 || strsim::levenshtein(name, c) <= 2.min(name.len() / 2 + 1);
        if close && best.is_none_or(|(s, _)| score > s) {
            best = Some((score, c));
        }
    }
    best.map(|(_, c)| c)
}
