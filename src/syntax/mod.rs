//! Front end: the pest grammar, the typed AST and the conversion between them.
//!
//! [`parse`] never fails: it returns whatever items it could read and a diagnostic for each item
//! it could not, so one typo does not hide the problems in the rest of the file.

pub mod ast;
mod build;
mod errors;
mod literals;
mod parser;

pub use parser::{JourneyParser, Rule};

use crate::diagnostics::{codes, Diagnostic};
use crate::source::{FileId, Span};
use ast::Module;
use pest::Parser;

/// Deepest nesting of brackets the parser accepts. Deeper input is rejected before pest sees it,
/// because recursive descent on hostile input would otherwise exhaust the stack.
pub const MAX_NESTING: usize = 64;

/// Parses one file, recovering at top-level items.
pub fn parse(file: FileId, text: &str) -> (Module, Vec<Diagnostic>) {
    let mut diags = Vec::new();
    if let Some(at) = too_deep(text) {
        diags.push(
            Diagnostic::error(codes::TOO_DEEP, file, "brackets are nested too deeply")
                .label(Span::new(at, at + 1), format!("more than {MAX_NESTING} levels deep here"))
                .help("split the expression or block into smaller pieces; journeys never need this much nesting"),
        );
        return (Module::default(), diags);
    }
    let mut items = Vec::new();
    let mut unparsed = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        pos += skip_trivia(&text[pos..]);
        if pos >= text.len() {
            break;
        }
        match JourneyParser::parse(Rule::single_item, &text[pos..]) {
            Ok(mut pairs) => {
                let Some(top) = pairs.next() else { break };
                let mut builder = build::Builder::new(file, pos);
                let end = top.as_span().end();
                if let Some(item) = top.into_inner().next() {
                    if let Some(item) = builder.item(item) {
                        items.push(item);
                    }
                }
                diags.extend(builder.into_diagnostics());
                if end == 0 {
                    break;
                }
                pos += end;
            }
            Err(err) => {
                // Re-parse with pest's detailed tracking, which knows the literal tokens that
                // were expected (`}`, `,`); it costs time, so only failing items pay for it.
                pest::set_error_detail(true);
                let err = JourneyParser::parse(Rule::single_item, &text[pos..])
                    .err()
                    .unwrap_or(err);
                pest::set_error_detail(false);
                let d = errors::syntax_error(file, text, pos, &err);
                let err_at = d.primary_span().start;
                diags.push(d);
                unparsed.push(unparsed_item(&text[pos..]));
                pos = next_item_start(text, pos, err_at);
            }
        }
    }
    (Module { items, unparsed }, diags)
}

/// The keyword and name at the start of an item that failed to parse, read word by word: the
/// grammar has already said the item is broken, so this only looks for what it would declare.
fn unparsed_item(text: &str) -> ast::Unparsed {
    let word = |t: &str| -> usize {
        t.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(t.len())
    };
    let k = word(text);
    let keyword = text[..k].to_string();
    let rest = text[k..].trim_start_matches([' ', '\t', '\r', '\n']);
    let n = word(rest);
    let name = (n > 0 && is_identifier(&rest[..n])).then(|| rest[..n].to_string());
    ast::Unparsed { keyword, name }
}

/// Length of the blank space and comments at the start of `text`.
fn skip_trivia(text: &str) -> usize {
    match JourneyParser::parse(Rule::trivia, text) {
        Ok(mut pairs) => pairs.next().map(|p| p.as_span().end()).unwrap_or(0),
        Err(_) => 0,
    }
}

const TOP_KEYWORDS: &[&str] = &[
    "import",
    "enum",
    "customer",
    "event",
    "channel",
    "touchpoint",
    "journey",
    "test",
    "simulation",
];

/// Where to resume after a syntax error in the item starting at `item_start`: the next line
/// after the item's start that begins, unindented, with a top-level keyword.
fn next_item_start(text: &str, item_start: usize, _error_at: usize) -> usize {
    let mut offset = item_start;
    for line in text[item_start..].split_inclusive('\n') {
        if offset > item_start && starts_with_top_keyword(line) {
            return offset;
        }
        offset += line.len();
    }
    text.len()
}

fn starts_with_top_keyword(line: &str) -> bool {
    TOP_KEYWORDS.iter().any(|k| {
        line.strip_prefix(k).is_some_and(|rest| {
            rest.chars()
                .next()
                .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_'))
        })
    })
}

/// The offset of the first bracket that goes deeper than [`MAX_NESTING`], ignoring strings and
/// comments, or of a prefix-operator chain longer than that.
fn too_deep(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    let mut nots = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < bytes.len() && !(bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/')) {
                    i += 1;
                }
                i += 1;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > MAX_NESTING {
                    return Some(i);
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' if bytes.get(i + 1) != Some(&b'>') => {
                nots += 1;
                if nots > MAX_NESTING {
                    return Some(i);
                }
            }
            b'n' if text[i..].starts_with("not")
                && (i == 0 || !is_ident_byte(bytes[i - 1]))
                && bytes.get(i + 3).is_none_or(|b| !is_ident_byte(*b)) =>
            {
                nots += 1;
                if nots > MAX_NESTING {
                    return Some(i);
                }
                i += 2;
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => nots = 0,
        }
        i += 1;
    }
    None
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// Whether `text` is a name the grammar accepts where a name is declared (letters, digits and
/// `_`, not starting with a digit, not a keyword): what a rename may write.
pub fn is_identifier(text: &str) -> bool {
    use pest::Parser;
    parser::JourneyParser::parse(parser::Rule::ident, text)
        .ok()
        .and_then(|mut pairs| pairs.next())
        .is_some_and(|p| p.as_str().len() == text.len())
}
