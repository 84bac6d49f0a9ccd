//! `journeyc fmt`: one canonical layout for `.journey` files, keeping every comment.
//!
//! The layout rules are described for users in `docs/fmt.md`. The formatter walks the syntax
//! tree to decide lines, groups and blank lines, and prints the source's own tokens inside each
//! line, so literal spellings are kept; comments are placed by position (see [`printer`]).
//!
//! Formatting refuses files with syntax errors, and checks its own output before returning it:
//! the output must parse to the same tree and hold the same comments, or the file is left alone.

mod items;
mod layout;
pub mod lex;
mod printer;

use crate::diagnostics::Diagnostic;
use crate::source::FileId;
use crate::syntax;

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file does not parse; formatting it could lose text.
    #[error("the file has syntax errors")]
    Syntax(Vec<Diagnostic>),
    /// The formatter's output would mean something else: a bug in the formatter, reported
    /// instead of writing a changed file.
    #[error("formatting would change the meaning of the file ({0}); it was left as it is, please report this")]
    Unsafe(&'static str),
}

/// Formats one file's text.
pub fn format_source(file: FileId, text: &str) -> Result<String, FormatError> {
    let unified = crate::source::unify_line_ends(text.to_string());
    let text = unified.as_str();
    let (module, diags) = syntax::parse(file, text);
    if !diags.is_empty() {
        return Err(FormatError::Syntax(diags));
    }
    let out = print(text, &module);

    let (again, diags) = syntax::parse(file, &out);
    if !diags.is_empty() {
        return Err(FormatError::Unsafe("the output does not parse"));
    }
    if again != module {
        return Err(FormatError::Unsafe("the output parses to a different tree"));
    }
    if comment_texts(text) != comment_texts(&out) {
        return Err(FormatError::Unsafe("the output's comments differ"));
    }
    Ok(out)
}

/// Every comment's text, sorted: what formatting must keep.
pub fn comment_texts(text: &str) -> Vec<String> {
    let mut all: Vec<String> = lex::lex(text)
        .1
        .iter()
        .map(|c| c.text.trim_end().to_string())
        .collect();
    all.sort();
    all
}

/// The formatter's output before any check; only for diagnosing the formatter itself.
#[doc(hidden)]
pub fn format_unverified(text: &str) -> String {
    let (module, _) = syntax::parse(FileId(0), text);
    print(text, &module)
}

fn print(text: &str, module: &crate::syntax::ast::Module) -> String {
    let (toks, comments) = lex::lex(text);
    let mut printer = printer::Printer::new(text, toks, comments);
    items::module(&mut printer, module);
    layout::render(printer.lines)
}
