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
        let (end, parsed) = parse_item(text, pos);
        match parsed {
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
                let mut end = end;
                let err = loop {
                    let Some(detailed) =
                        JourneyParser::parse(Rule::single_item, &text[pos..end]).err()
                    else {
                        break err;
                    };
                    // The detailed error knows how far pest read (into a comment that never
                    // closes, say): if that is the cut, the whole text may tell more.
                    let read = detailed.parse_attempts().map_or(0, |a| a.max_position);
                    if pos + read < end || end >= text.len() {
                        break detailed;
                    }
                    end = next_item_start(text, end, end);
                };
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

/// Parses the item at `pos` from the text up to the next line that starts with a top-level
/// keyword (where an item must end), or further while the parse runs into that cut; returns
/// where the text given to pest ended, with pest's result. pest locates an error by scanning the
/// rest of its input, so giving each item the whole rest of the file made a file with many
/// broken items quadratic (20,000 errors in 2 MB took 24 s).
fn parse_item(
    text: &str,
    pos: usize,
) -> (
    usize,
    Result<pest::iterators::Pairs<'_, Rule>, pest::error::Error<Rule>>,
) {
    let mut end = next_item_start(text, pos, pos);
    loop {
        let parsed = JourneyParser::parse(Rule::single_item, &text[pos..end]);
        let reached_cut = match &parsed {
            Ok(_) => false,
            Err(e) => match e.location {
                pest::error::InputLocation::Pos(p) => pos + p >= end,
                pest::error::InputLocation::Span((_, b)) => pos + b >= end,
            },
        };
        // A parse that failed before the cut fails the same on the whole text. One that ran
        // into it may have met an unindented line inside the item (`journey j` in a simulation
        // written flush left): the item goes on past it.
        if !reached_cut || end >= text.len() {
            return (end, parsed);
        }
        end = next_item_start(text, end, end);
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_item_goes_on_past_an_unindented_line_that_starts_with_a_top_keyword() {
        let text = "event e\nsimulation s {\njourney j\ncustomers 10\n}\nevent f\n";
        let (module, diags) = parse(FileId(0), text);
        assert!(diags.is_empty(), "{diags:?}");
        assert_eq!(module.items.len(), 3);
    }

    #[test]
    fn broken_items_are_each_reported_once_and_the_rest_read() {
        let text = "event e\njourney a {\n  trigger e\n  onboarding { split { bad } }\n}\nevent f {\njourney b {\n  trigger e\n  onboarding { wait 1d }\n}\n";
        let (module, diags) = parse(FileId(0), text);
        assert_eq!(diags.len(), 2, "{diags:?}");
        // `event f {` runs into `journey b`: its error is reported there, as on the whole text.
        assert!(
            diags[1].message.contains("found `b`"),
            "{}",
            diags[1].message
        );
        assert_eq!(module.items.len(), 2, "`event e` and `journey b`");
        assert_eq!(module.unparsed.len(), 2);
    }
}
