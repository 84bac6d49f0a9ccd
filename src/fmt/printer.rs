//! The printer: builds output lines from tokens, and places every comment.
//!
//! Each token is printed with its source position, and every comment that starts before that
//! position and has not been printed yet is printed first. That one rule is what guarantees that
//! no comment is lost or duplicated, whatever the tree walk does.

use super::lex::{Comment, Tok};
use crate::source::Span;

/// Lines longer than this are not joined into one-line groups.
pub const WIDTH: usize = 100;
/// Trailing comments start in this column (0-based) when the code leaves room for them.
pub const COMMENT_COLUMN: usize = 39;
/// Extra indentation of a line continued after a comment ended the line it was on.
const CONTINUATION: usize = 4;

/// Kinds of one-line declarations whose columns are aligned when they are written as a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TableKind {
    Channel,
    Touchpoint,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub indent: usize,
    pub code: String,
    pub trailing: Vec<String>,
    /// The cells of a one-line channel or touchpoint: the header, then one per property.
    pub table: Option<(TableKind, Vec<String>)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Out {
    Blank,
    Line(Line),
}

/// Whether a gap may start with a blank line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lead {
    /// Only if the source had one.
    Keep,
    /// Never (right after an opening brace or at the start of the file).
    Drop,
    /// Always (between top-level items of different kinds).
    Force,
}

pub struct Printer<'s> {
    pub src: &'s str,
    toks: Vec<Tok<'s>>,
    comments: Vec<Comment<'s>>,
    next: usize,
    pub lines: Vec<Out>,
    pub cur: String,
    cur_indent: usize,
    cur_trailing: Vec<String>,
    pub cur_table: Option<(TableKind, Vec<String>)>,
    pub level: usize,
    cont: bool,
    prev: Option<&'s str>,
    prev2: Option<&'s str>,
    force_space: bool,
    /// Set when a comment ended a line in the middle of a construct.
    pub broke: bool,
    /// While printing a table candidate: where the `{` and each one-line element are in `cur`.
    pub cells: Option<Vec<(usize, usize)>>,
}

/// State saved before trying a one-line layout, to go back to if it does not fit.
pub struct Snapshot<'s> {
    cur: String,
    prev: Option<&'s str>,
    prev2: Option<&'s str>,
    force_space: bool,
    lines: usize,
    next: usize,
    cur_indent: usize,
    cur_trailing: Vec<String>,
    cont: bool,
    broke: bool,
}

impl<'s> Printer<'s> {
    pub fn new(src: &'s str, toks: Vec<Tok<'s>>, comments: Vec<Comment<'s>>) -> Self {
        Printer {
            src,
            toks,
            comments,
            next: 0,
            lines: Vec::new(),
            cur: String::new(),
            cur_indent: 0,
            cur_trailing: Vec::new(),
            cur_table: None,
            level: 0,
            cont: false,
            prev: None,
            prev2: None,
            force_space: false,
            broke: false,
            cells: None,
        }
    }

    // ------------------------------------------------------------ writing

    fn start(&mut self) {
        if self.cur.is_empty() {
            self.cur_indent = self.level * 2 + if self.cont { CONTINUATION } else { 0 };
            self.cont = false;
        }
    }

    /// Writes text as is, with no spacing decision (padding, separators).
    pub fn raw(&mut self, text: &str) {
        self.start();
        self.cur.push_str(text);
    }

    /// Writes a token that has no position of its own (a brace or comma the printer adds).
    pub fn word(&mut self, text: &'s str) {
        self.start();
        if !self.cur.is_empty()
            && !self.cur.ends_with(' ')
            && (self.force_space || space_between(self.prev2, self.prev, text))
        {
            self.cur.push(' ');
        }
        self.cur.push_str(text);
        self.prev2 = self.prev;
        self.prev = Some(text);
        self.force_space = false;
    }

    /// Writes a token from the source, after the comments that come before it.
    pub fn tok(&mut self, pos: usize, text: &'s str) {
        self.flush_before(pos);
        self.word(text);
    }

    /// Writes every source token that starts in `from..to`, with canonical spacing.
    pub fn tokens(&mut self, from: usize, to: usize) {
        let first = self.toks.partition_point(|t| t.span.start < from);
        let mut i = first;
        while let Some(t) = self.toks.get(i).copied() {
            if t.span.start >= to {
                break;
            }
            i += 1;
            // A trailing comma in a list says nothing.
            let next = self
                .toks
                .get(i)
                .filter(|n| n.span.start < to)
                .map(|n| n.text);
            if t.text == "," && matches!(next, Some("]" | ")")) {
                continue;
            }
            self.tok(t.span.start, t.text);
        }
    }

    pub fn tokens_in(&mut self, span: Span) {
        self.tokens(span.start, span.end);
    }

    /// The first token `text` starting in `from..to`.
    pub fn find(&self, from: usize, to: usize, text: &str) -> Option<usize> {
        let first = self.toks.partition_point(|t| t.span.start < from);
        self.toks[first..]
            .iter()
            .take_while(|t| t.span.start < to)
            .find(|t| t.text == text)
            .map(|t| t.span.start)
    }

    /// The span of the last token in `span`. Spans of rules that end in an optional part also
    /// cover the blank space and comments after them, so this is where the element really ends.
    pub fn last_token(&self, span: Span) -> Span {
        let end = self.toks.partition_point(|t| t.span.start < span.end);
        match end.checked_sub(1).and_then(|i| self.toks.get(i)) {
            Some(t) if t.span.start >= span.start => t.span,
            _ => Span::new(span.start, span.start),
        }
    }

    pub fn end_of(&self, span: Span) -> usize {
        self.last_token(span).end
    }

    pub fn end_line(&mut self) {
        if self.cur.is_empty() && self.cur_trailing.is_empty() {
            self.cur_table = None;
            return;
        }
        if self.cur.is_empty() {
            self.start();
        }
        self.lines.push(Out::Line(Line {
            indent: self.cur_indent,
            code: std::mem::take(&mut self.cur),
            trailing: std::mem::take(&mut self.cur_trailing),
            table: self.cur_table.take(),
        }));
        self.prev = None;
        self.prev2 = None;
        self.force_space = false;
    }

    pub fn blank(&mut self) {
        self.end_line();
        if matches!(self.lines.last(), Some(Out::Line(_))) {
            self.lines.push(Out::Blank);
        }
    }

    pub fn width(&self) -> usize {
        self.cur_indent + self.cur.chars().count()
    }

    pub fn snapshot(&self) -> Snapshot<'s> {
        Snapshot {
            cur: self.cur.clone(),
            prev: self.prev,
            prev2: self.prev2,
            force_space: self.force_space,
            lines: self.lines.len(),
            next: self.next,
            cur_indent: self.cur_indent,
            cur_trailing: self.cur_trailing.clone(),
            cont: self.cont,
            broke: self.broke,
        }
    }

    /// Whether nothing but the current line changed since the snapshot.
    pub fn same_line_since(&self, s: &Snapshot) -> bool {
        self.lines.len() == s.lines && self.next == s.next
    }

    pub fn restore(&mut self, s: Snapshot<'s>) {
        self.cur = s.cur;
        self.prev = s.prev;
        self.prev2 = s.prev2;
        self.force_space = s.force_space;
        self.lines.truncate(s.lines);
        self.next = s.next;
        self.cur_indent = s.cur_indent;
        self.cur_trailing = s.cur_trailing;
        self.cont = s.cont;
        self.broke = s.broke;
    }

    // ------------------------------------------------------------ comments

    pub fn has_comment_in(&self, from: usize, to: usize) -> bool {
        self.comments
            .iter()
            .any(|c| c.span.start >= from && c.span.start < to)
    }

    /// Prints, inside the current line, the comments that come before `pos`.
    pub fn flush_before(&mut self, pos: usize) {
        while let Some(c) = self.comments.get(self.next).copied() {
            if c.span.start >= pos {
                break;
            }
            self.next += 1;
            if c.is_line() {
                if self.cur.is_empty() {
                    self.own_line(c.text);
                } else {
                    // The comment ends the line where it was; the construct goes on below.
                    self.cur_trailing.push(c.text.to_string());
                    self.end_line();
                    self.cont = true;
                    self.broke = true;
                }
            } else {
                self.start();
                if !self.cur.is_empty() && !self.cur.ends_with(' ') {
                    self.cur.push(' ');
                }
                self.cur.push_str(c.text);
                self.force_space = true;
            }
        }
    }

    fn own_line(&mut self, text: &str) {
        self.end_line();
        self.lines.push(Out::Line(Line {
            indent: self.level * 2,
            code: text.to_string(),
            trailing: Vec::new(),
            table: None,
        }));
    }

    /// The space between one element (ending at `prev_end`) and the next (starting at
    /// `next_start`), or a closing brace: comments on the element's line stay at its end, the
    /// others get lines of their own, and at most one blank line is kept wherever the source had
    /// one. Ends the current line.
    pub fn gap(&mut self, prev_end: usize, next_start: usize, lead: Lead, keep_final: bool) {
        let mut last = prev_end;
        while let Some(c) = self.comments.get(self.next).copied() {
            if self.cur.is_empty()
                || c.span.start >= next_start
                || self.newlines(last, c.span.start) > 0
            {
                break;
            }
            self.next += 1;
            self.cur_trailing.push(c.text.to_string());
            last = c.span.end;
        }
        self.end_line();
        let mut emitted = false;
        while let Some(c) = self.comments.get(self.next).copied() {
            if c.span.start >= next_start {
                break;
            }
            self.next += 1;
            if self.blank_wanted(emitted, lead, last, c.span.start) {
                self.blank();
            }
            self.own_line(c.text);
            emitted = true;
            last = c.span.end;
        }
        if keep_final && self.blank_wanted(emitted, lead, last, next_start) {
            self.blank();
        }
    }

    fn blank_wanted(&self, emitted: bool, lead: Lead, from: usize, to: usize) -> bool {
        match (emitted, lead) {
            (false, Lead::Drop) => false,
            (false, Lead::Force) => true,
            _ => self.newlines(from, to) > 1,
        }
    }

    fn newlines(&self, from: usize, to: usize) -> usize {
        self.src
            .get(from..to)
            .map_or(0, |s| s.matches('\n').count())
    }

    /// Prints every comment not printed yet (the end of the file) and ends the last line.
    pub fn finish(&mut self) {
        self.gap(self.src.len(), self.src.len() + 1, Lead::Keep, false);
        self.end_line();
    }
}

const KEYWORDS: &[&str] = &[
    "and", "or", "not", "in", "where", "if", "else", "within", "after", "to", "priority",
];

fn ends_value(tok: Option<&str>) -> bool {
    match tok {
        None => false,
        Some(t) if KEYWORDS.contains(&t) => false,
        Some(t) => {
            t.ends_with(')')
                || t.ends_with(']')
                || t.starts_with('"')
                || t.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_')
        }
    }
}

fn is_name(tok: Option<&str>) -> bool {
    tok.is_some_and(|t| {
        !KEYWORDS.contains(&t)
            && t.chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
    })
}

/// The spacing rule between two tokens: one space, except inside brackets, around `.` and `..`,
/// before `,` and `:`, between a function and its `(`, and after a minus sign that negates.
fn space_between(prev2: Option<&str>, prev: Option<&str>, next: &str) -> bool {
    let Some(p) = prev else { return false };
    if matches!(next, "," | ")" | "]" | ":" | "." | "..") || matches!(p, "(" | "[" | "." | "..") {
        return false;
    }
    if next == "(" && is_name(prev) {
        return false;
    }
    if p == "-" && !ends_value(prev2) {
        return false;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::space_between;

    fn joined(tokens: &[&'static str]) -> String {
        let mut out = String::new();
        let (mut prev2, mut prev) = (None, None);
        for t in tokens {
            if space_between(prev2, prev, t) {
                out.push(' ');
            }
            out.push_str(t);
            (prev2, prev) = (prev, Some(*t));
        }
        out
    }

    #[test]
    fn spacing_rules() {
        assert_eq!(joined(&["set", "x", "=", "-", "1"]), "set x = -1");
        assert_eq!(joined(&["a", "-", "-", "b"]), "a - -b");
        assert_eq!(joined(&["priority", "-", "1"]), "priority -1");
        assert_eq!(
            joined(&["not", "(", "a", "or", "opened", "(", "w", ")", ")"]),
            "not (a or opened(w))"
        );
        assert_eq!(joined(&["x", "in", "[", "a", ",", "b", "]"]), "x in [a, b]");
        assert_eq!(joined(&["seats", ":", "int", "=", "1"]), "seats: int = 1");
        assert_eq!(
            joined(&["quiet", "21:00", "..", "08:00"]),
            "quiet 21:00..08:00"
        );
        assert_eq!(
            joined(&["set", "p", "=", "event", ".", "plan"]),
            "set p = event.plan"
        );
    }
}
