//! The part of a file a rendered diagnostic shows.
//!
//! miette draws a report from the file it is given, reading every line it quotes in full and
//! scanning the file from the start for each span. For a minified file of one long line, or a
//! huge file with many problems, that prints megabytes per diagnostic. An [`Excerpt`] holds only
//! the lines around the labels (the others stay as empty lines, so line numbers do not move),
//! and cuts a long line to a window around its labels, marked with `…`.

use crate::source::{SourceFile, Span};
use miette::{MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

/// Lines kept around each label: labels this close share one block of the report, showing the
/// lines between them; labels further apart get a block each.
const NEAR: usize = 12;
/// A line longer than this (in bytes) is cut to a window around its labels.
const LONG_LINE: usize = 160;
/// Bytes kept on each side of a label in a cut line.
const MARGIN: usize = 40;
/// The most of one label a cut line shows.
const MAX_LABEL: usize = 80;
const ELLIPSIS: &str = "…";

/// A run of original bytes copied into the excerpt.
#[derive(Debug, Clone, Copy)]
struct Piece {
    /// Original byte range.
    from: usize,
    to: usize,
    /// Excerpt offset where it was copied.
    at: usize,
}

/// One original line as it appears in the excerpt.
#[derive(Debug)]
struct Kept {
    /// 0-based index of the line in the file.
    index: usize,
    /// Original byte range of the line, without its line break.
    line: (usize, usize),
    /// What was kept of it, in order (one piece for a short line; none for a line far from
    /// every label).
    pieces: Vec<Piece>,
    /// Excerpt offsets of the line's start and of its line break.
    at: usize,
    end: usize,
}

#[derive(Debug)]
pub struct Excerpt {
    name: String,
    text: String,
    /// 0-based index of the excerpt's first line in the file.
    first_line: usize,
    /// The lines near a label, in order, from `first_line` on; between two runs of them, one
    /// empty line with no pieces stands for the lines left out.
    lines: Vec<Kept>,
}

impl Excerpt {
    pub fn new(file: &SourceFile, spans: &[Span]) -> Self {
        let len = file.text.len();
        let spans: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| {
                let start = s.start.min(len);
                (start, s.end.clamp(start, len))
            })
            .collect();
        let mut excerpt = Excerpt {
            name: file.name.clone(),
            text: String::new(),
            first_line: 0,
            lines: Vec::new(),
        };
        let Some(first) = spans.iter().map(|s| file.line_index(s.0)).min() else {
            return excerpt;
        };
        let lines_of: Vec<(usize, usize)> = spans
            .iter()
            .map(|s| (file.line_index(s.0), file.line_index(s.1)))
            .collect();
        excerpt.first_line = first.saturating_sub(NEAR);
        let last_line = lines_of
            .iter()
            .map(|l| l.1)
            .max()
            .unwrap_or(first)
            .saturating_add(NEAR)
            .min(file.line_count().saturating_sub(1));
        // The runs of lines near a label, in order and merged. Only these are visited: walking
        // every line between the first and the last label made a report whose labels are far
        // apart (a duplicate at the end of a long file) cost the whole file, so a file with many
        // such reports took quadratic time.
        let mut runs: Vec<(usize, usize)> = lines_of
            .iter()
            .map(|&(a, b)| {
                (
                    a.saturating_sub(NEAR),
                    b.saturating_add(NEAR).min(last_line),
                )
            })
            .collect();
        runs.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::with_capacity(runs.len());
        for r in runs {
            match merged.last_mut() {
                Some(last) if r.0 <= last.1 + 1 => last.1 = last.1.max(r.1),
                _ => merged.push(r),
            }
        }
        for (n, &(from, to)) in merged.iter().enumerate() {
            if n > 0 {
                // The lines between two runs are far from every label: one empty line stands for
                // all of them (they were empty lines before, and miette never shows them, as it
                // never joins labels that far apart); `read_span` puts the line numbers back.
                let gap = merged[n - 1].1 + 1;
                let at = excerpt.text.len();
                excerpt.text.push('\n');
                excerpt.lines.push(Kept {
                    index: gap,
                    line: file.line_range(gap),
                    pieces: Vec::new(),
                    at,
                    end: at,
                });
            }
            for i in from..=to {
                excerpt.keep(file, i, &spans);
            }
        }
        excerpt
    }

    /// Appends the file's 0-based line `i`: whole when short, cut to windows around the labels
    /// when long.
    fn keep(&mut self, file: &SourceFile, i: usize, spans: &[(usize, usize)]) {
        let line = file.line_range(i);
        let windows = if line.1 - line.0 <= LONG_LINE {
            vec![line]
        } else {
            windows(&file.text, line, spans)
        };
        let at = self.text.len();
        let mut pieces = Vec::new();
        for (from, to) in windows {
            if from > line.0 || !pieces.is_empty() {
                self.text.push_str(ELLIPSIS);
            }
            pieces.push(Piece {
                from,
                to,
                at: self.text.len(),
            });
            push_printable(&mut self.text, &file.text[from..to]);
        }
        if pieces.last().is_some_and(|p| p.to < line.1) {
            self.text.push_str(ELLIPSIS);
        }
        let end = self.text.len();
        if i + 1 < file.line_count() {
            self.text.push('\n');
        }
        self.lines.push(Kept {
            index: i,
            line,
            pieces,
            at,
            end,
        });
    }

    /// The file's 0-based line index of the excerpt's line `j` (counted from the excerpt's
    /// start, as miette counts); past the last kept line, counted on from it.
    fn file_line(&self, j: usize) -> usize {
        match self.lines.get(j) {
            Some(k) => k.index,
            None => match self.lines.last() {
                Some(k) => k.index + (j + 1 - self.lines.len()),
                None => self.first_line + j,
            },
        }
    }

    /// The excerpt offset showing the file's byte `offset` (the nearest kept byte when that one
    /// was cut).
    pub fn map(&self, offset: usize) -> usize {
        let i = self.lines.partition_point(|k| k.line.0 <= offset);
        let Some(k) = i.checked_sub(1).and_then(|i| self.lines.get(i)) else {
            return 0;
        };
        if offset > k.line.1 {
            return k.end;
        }
        let j = k.pieces.partition_point(|p| p.from <= offset);
        match j.checked_sub(1).and_then(|j| k.pieces.get(j)) {
            Some(p) => p.at + (offset.min(p.to) - p.from),
            None => k.pieces.first().map_or(k.at, |p| p.at),
        }
    }

    /// The file's byte offset shown at excerpt offset `at`, with the line it is on.
    fn unmap(&self, at: usize) -> Option<(usize, &Kept)> {
        let i = self.lines.partition_point(|k| k.at <= at);
        let k = i.checked_sub(1).and_then(|i| self.lines.get(i))?;
        let j = k.pieces.partition_point(|p| p.at <= at);
        let offset = match j.checked_sub(1).and_then(|j| k.pieces.get(j)) {
            Some(p) => p.from + (at - p.at).min(p.to - p.from),
            None => k.line.0,
        };
        Some((offset, k))
    }
}

/// The parts of a long line that show its labels: a margin either side of each label that
/// starts or ends on it (at most [`MAX_LABEL`] of one label), overlapping parts merged.
fn windows(text: &str, line: (usize, usize), spans: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let mut parts: Vec<(usize, usize)> = spans
        .iter()
        .filter(|&&(a, b)| b >= line.0 && a <= line.1)
        .map(|&(a, b)| {
            let a = a.max(line.0);
            let b = b.min(line.1).min(a + MAX_LABEL);
            let from = floor_boundary(text, a.saturating_sub(MARGIN).max(line.0));
            let to = floor_boundary(text, (b + MARGIN).min(line.1));
            (from, to.max(from))
        })
        .collect();
    parts.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for p in parts {
        match merged.last_mut() {
            Some(last) if p.0 <= last.1 => last.1 = last.1.max(p.1),
            _ => merged.push(p),
        }
    }
    merged
}

/// Pushes source text for display with control characters (a NUL, a terminal escape, C1
/// controls, bidirectional overrides) shown as `?`, one `?` per byte so every offset into the excerpt stays the same:
/// a hostile file must not drive the reader's terminal. Tabs are kept.
fn push_printable(out: &mut String, text: &str) {
    for c in text.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        if (c.is_control() && c != '\t') || bidi {
            out.extend(std::iter::repeat_n('?', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
}

fn floor_boundary(text: &str, mut at: usize) -> usize {
    while at > 0 && !text.is_char_boundary(at) {
        at -= 1;
    }
    at
}

impl SourceCode for Excerpt {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self
            .text
            .read_span(span, context_lines_before, context_lines_after)?;
        // miette numbers lines and columns from the start of what it reads: put back the lines
        // left out before the excerpt and the bytes cut from the start of the line.
        let column = match self.unmap(span.offset()) {
            Some((offset, k)) if context_lines_before == 0 => offset - k.line.0,
            _ => inner.column(),
        };
        // miette's line count is the lines read from the text's start to the end of the span's
        // context, counted here in the file's lines.
        let line = self.file_line(inner.line());
        let line_count = match inner.line_count() {
            0 => self.first_line,
            n => self.file_line(n - 1) + 1,
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            line,
            column,
            // miette merges two labels into one block when the first one's line plus this count
            // reaches the second one's line. Over a whole file the count is the lines from the
            // file's start (so what merges depends on where the labels are): keep that, as
            // reports always looked, but never merge labels more than `NEAR` lines apart, whose
            // lines between are not in the excerpt.
            line_count.min(line_count.saturating_sub(line) + NEAR),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn excerpt(text: &str, spans: &[(usize, usize)]) -> (SourceFile, Excerpt) {
        let file = SourceFile::new("f.journey", "f.journey", text);
        let spans: Vec<Span> = spans.iter().map(|&(a, b)| Span::new(a, b)).collect();
        let e = Excerpt::new(&file, &spans);
        (file, e)
    }

    #[test]
    fn a_long_line_keeps_a_window_around_each_label() {
        let text = format!(
            "{}needle{}haystack{}",
            "x".repeat(500),
            "y".repeat(500),
            "z".repeat(500)
        );
        let needle = text.find("needle").unwrap_or(0);
        let hay = text.find("haystack").unwrap_or(0);
        let (_, e) = excerpt(&text, &[(needle, needle + 6), (hay, hay + 8)]);
        assert!(e.text.len() < 300, "{}", e.text);
        assert!(e.text.starts_with('…') && e.text.ends_with('…'));
        let at = e.map(needle);
        assert_eq!(&e.text[at..at + 6], "needle");
        let at = e.map(hay);
        assert_eq!(&e.text[at..at + 8], "haystack");
        assert_eq!(e.unmap(e.map(hay)).map(|(o, _)| o), Some(hay));
    }

    #[test]
    fn control_characters_are_shown_as_question_marks_at_the_same_offsets() {
        let text = "journey a\u{1b}[31m {\u{0} x \u{9b}y \u{202e}z }\n";
        let at = text.find('x').unwrap_or(0);
        let (_, e) = excerpt(text, &[(at, at + 1)]);
        assert!(
            !e.text
                .chars()
                .any(|c| (c.is_control() && c != '\n') || c == '\u{202e}'),
            "{:?}",
            e.text
        );
        assert_eq!(&e.text[e.map(at)..e.map(at) + 1], "x");
    }

    #[test]
    fn lines_far_from_labels_are_left_empty_but_keep_their_numbers() {
        let text: String = (1..=100).map(|i| format!("line {i}\n")).collect();
        let at = text.find("line 50").unwrap_or(0);
        let (_, e) = excerpt(&text, &[(at, at + 7)]);
        assert_eq!(e.first_line, 49 - NEAR);
        let shown = e.map(at);
        assert_eq!(&e.text[shown..shown + 7], "line 50");
        let contents = e
            .read_span(&SourceSpan::new(shown.into(), 7), 0, 0)
            .ok()
            .map(|c| (c.line(), c.column()));
        assert_eq!(contents, Some((49, 0)));
    }

    #[test]
    fn labels_far_apart_cost_only_the_lines_near_them() {
        // A duplicate at the end of a long file: the excerpt must not hold a line per line
        // between the two labels (it did, which made many such reports quadratic).
        let text: String = (1..=100_000).map(|i| format!("line {i}\n")).collect();
        let a = text.find("line 3\n").unwrap_or(0);
        let b = text.find("line 99990\n").unwrap_or(0);
        let (_, e) = excerpt(&text, &[(a, a + 6), (b, b + 10)]);
        assert!(e.lines.len() < 4 * NEAR, "{} lines kept", e.lines.len());
        let shown = e.map(b);
        assert_eq!(&e.text[shown..shown + 10], "line 99990");
        let contents = e
            .read_span(&SourceSpan::new(shown.into(), 10), 1, 1)
            .ok()
            .map(|c| (c.line(), String::from_utf8_lossy(c.data()).into_owned()));
        assert_eq!(
            contents,
            Some((99_988, "line 99989\nline 99990\nline 99991\n".to_string()))
        );
        let first = e
            .read_span(&SourceSpan::new(e.map(a).into(), 6), 1, 1)
            .ok()
            .map(|c| c.line());
        assert_eq!(first, Some(1));
    }

    #[test]
    fn cuts_fall_on_character_boundaries() {
        let text = format!("{}é{}", "é".repeat(300), "é".repeat(300));
        let (_, e) = excerpt(&text, &[(600, 602)]);
        let at = e.map(600);
        assert_eq!(&e.text[at..at + 2], "é");
    }
}
