//! GitHub Actions workflow commands: one `::error` or `::warning` line per diagnostic, which the
//! runner turns into an annotation on the exact lines of a pull request's diff.

use super::{Diagnostic, Severity};
use crate::source::SourceMap;

/// One workflow command for one diagnostic, without a line end.
pub fn github_line(diag: &Diagnostic, sources: &SourceMap) -> String {
    let file = sources.get(diag.file);
    let span = diag.primary_span();
    let (line, col) = file.line_col(span.start);
    let (end_line, end_col) = file.line_col(span.end);
    let command = match diag.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut message = diag.message.clone();
    for l in diag.labels.iter().skip(1) {
        let f = sources.get(l.file);
        let (ll, lc) = f.line_col(l.span.start);
        if !l.message.is_empty() {
            message.push_str(&format!("\nnote: {} ({}:{ll}:{lc})", l.message, f.name));
        }
    }
    if let Some(help) = &diag.help {
        message.push_str(&format!("\nhelp: {help}"));
    }
    for note in &diag.notes {
        message.push_str(&format!("\nnote: {note}"));
    }
    format!(
        "::{command} file={},line={line},col={col},endLine={end_line},endColumn={end_col},title={}::{}",
        escape_property(&file.name),
        escape_property(diag.code),
        escape_data(&message)
    )
}

/// The message part of a workflow command: `%`, CR and LF are encoded so it stays on one line.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value: also `:` and `,`, which would otherwise end the value.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_follow_the_runner_rules() {
        assert_eq!(escape_data("50%\r\ndone: a, b"), "50%25%0D%0Adone: a, b");
        assert_eq!(
            escape_property("dir,a/b:c%.journey"),
            "dir%2Ca/b%3Ac%25.journey"
        );
    }
}
