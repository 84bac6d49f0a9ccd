//! Conversion between byte offsets (what every span in journeyc is) and LSP positions.
//!
//! LSP counts columns in UTF-16 code units by default, so a line holding `é` or an emoji has
//! columns that differ from both its bytes and its characters. Positions from the client are
//! untrusted: one past the end of a line or of the file is clamped, never a panic.
//!
//! A file with thousands of diagnostics has thousands of offsets to convert, so each text gets a
//! [`LineIndex`] built once (its line starts, and UTF-16 marks on lines that are not ASCII);
//! a conversion is then a binary search and a short scan, never a walk from the start of the
//! text. The free functions build one for a single conversion.

use lsp_types::{Position, Range};

/// The longest stretch of a non-ASCII line counted character by character: such lines get a
/// mark at least every `MARK_STEP` bytes, so one 60 MB line costs no more than many short ones.
const MARK_STEP: usize = 256;

/// Where each line of a text starts, and the UTF-16 columns of marks on non-ASCII lines.
#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// The byte offset where each line starts (the first is 0); lines end at `\n`.
    line_starts: Vec<usize>,
    /// On each line holding a non-ASCII character: its start (column 0), then a character
    /// boundary at least every [`MARK_STEP`] bytes, each with its UTF-16 column. Sorted by
    /// offset. A line with no mark is ASCII, where columns are byte counts.
    marks: Vec<(usize, u32)>,
    len: usize,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        let mut line_starts = vec![0];
        let mut marks = Vec::new();
        let mut start = 0;
        for line in text.split_inclusive('\n') {
            if !line.is_ascii() {
                let mut last = 0;
                let mut column = 0usize;
                marks.push((start, 0));
                for (i, c) in line.char_indices() {
                    if i - last >= MARK_STEP {
                        marks.push((start + i, saturate(column)));
                        last = i;
                    }
                    column += c.len_utf16();
                }
            }
            start += line.len();
            if line.ends_with('\n') {
                line_starts.push(start);
            }
        }
        LineIndex {
            line_starts,
            marks,
            len: text.len(),
        }
    }

    /// The LSP position of byte `offset` in `text` (the text the index was built from), clamped
    /// to the text and moved back to the start of a character if it falls inside one.
    pub fn position(&self, text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len()).min(self.len);
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let character = match self.mark_before(offset) {
            Some((at, column)) if at >= start => {
                column as usize + text[at..offset].chars().map(char::len_utf16).sum::<usize>()
            }
            // An ASCII line: a byte is a column.
            _ => offset - start,
        };
        Position::new(saturate(line), saturate(character))
    }

    /// The LSP range of the byte span `start..end` in `text`.
    pub fn range(&self, text: &str, start: usize, end: usize) -> Range {
        Range::new(
            self.position(text, start),
            self.position(text, end.max(start)),
        )
    }

    /// The byte offset of an LSP position in `text`. A line past the last gives the end of the
    /// text; a column past the end of its line gives the end of that line (before the line
    /// break); a column inside a surrogate pair gives the start of that character.
    pub fn offset(&self, text: &str, pos: Position) -> usize {
        let Some(&line_start) = self.line_starts.get(pos.line as usize) else {
            return text.len();
        };
        let line_end = self
            .line_starts
            .get(pos.line as usize + 1)
            .map_or(text.len(), |next| next - 1);
        let line = &text[line_start..line_end];
        let line = line.strip_suffix('\r').unwrap_or(line);
        let wanted = pos.character as usize;
        let first = self.marks.partition_point(|&(at, _)| at < line_start);
        let last = self.marks.partition_point(|&(at, _)| at < line_end);
        let on_line = &self.marks[first..last];
        if on_line.is_empty() {
            return line_start + wanted.min(line.len());
        }
        // The last mark at or before the wanted column (the first is the line start, column 0).
        let k = on_line.partition_point(|&(_, column)| column as usize <= wanted);
        let (at, column) = on_line[k.saturating_sub(1)];
        let mut units = column as usize;
        let end = line_start + line.len();
        for (i, c) in text[at.min(end)..end].char_indices() {
            if units + c.len_utf16() > wanted {
                return at + i;
            }
            units += c.len_utf16();
        }
        end
    }

    /// The last mark at or before `offset`.
    fn mark_before(&self, offset: usize) -> Option<(usize, u32)> {
        let k = self.marks.partition_point(|&(at, _)| at <= offset);
        k.checked_sub(1).map(|k| self.marks[k])
    }
}

/// The LSP position of byte `offset` in `text` (for one conversion; build a [`LineIndex`] for
/// many).
pub fn position(text: &str, offset: usize) -> Position {
    LineIndex::new(text).position(text, offset)
}

/// The LSP range of the byte span `start..end` in `text` (for one conversion).
pub fn range(text: &str, start: usize, end: usize) -> Range {
    LineIndex::new(text).range(text, start, end)
}

/// The byte offset of an LSP position in `text` (for one conversion).
pub fn offset(text: &str, pos: Position) -> usize {
    LineIndex::new(text).offset(text, pos)
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The conversions as they were before the index: a walk from the start of the text on
    /// every call (quadratic over a file's diagnostics), kept as the reference the index must
    /// agree with.
    fn old_position(text: &str, offset: usize) -> Position {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &text[..offset];
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = before.matches('\n').count();
        let character: usize = before[line_start..].chars().map(char::len_utf16).sum();
        Position::new(saturate(line), saturate(character))
    }

    fn old_offset(text: &str, pos: Position) -> usize {
        let mut line_start = 0;
        for _ in 0..pos.line {
            match text[line_start..].find('\n') {
                Some(i) => line_start += i + 1,
                None => return text.len(),
            }
        }
        let line_end = text[line_start..]
            .find('\n')
            .map_or(text.len(), |i| line_start + i);
        let line = text[line_start..line_end]
            .strip_suffix('\r')
            .unwrap_or(&text[line_start..line_end]);
        let mut units = 0usize;
        for (i, c) in line.char_indices() {
            if units + c.len_utf16() > pos.character as usize {
                return line_start + i;
            }
            units += c.len_utf16();
        }
        line_start + line.len()
    }

    /// Every byte offset (inside characters too) and every position (past line ends and past
    /// the last line too) converts as the old walk did.
    fn agrees_with_the_old_walk(text: &str) {
        let index = LineIndex::new(text);
        for i in 0..=text.len() + 2 {
            assert_eq!(index.position(text, i), old_position(text, i), "offset {i}");
        }
        let lines = text.matches('\n').count() as u32 + 2;
        let widest = text
            .split('\n')
            .map(|l| l.chars().map(char::len_utf16).sum::<usize>())
            .max()
            .unwrap_or(0) as u32;
        for line in 0..=lines {
            for character in 0..=widest + 2 {
                let p = Position::new(line, character);
                assert_eq!(index.offset(text, p), old_offset(text, p), "{p:?}");
            }
        }
    }

    #[test]
    fn the_index_agrees_with_the_old_walk_on_multi_byte_text() {
        agrees_with_the_old_walk("");
        agrees_with_the_old_walk("\n\n");
        agrees_with_the_old_walk("customer { naïve: string }\n/* 日本 */ event 😀\r\nx");
        agrees_with_the_old_walk("é\r\n\r\n😀😀\nend\n");
        // Lines longer than the step between marks, with characters of every width, a mark
        // landing next to a surrogate pair, an ASCII line between them, and no final newline.
        let mut long = String::new();
        for i in 0..300 {
            long.push_str(["a", "é", "日", "😀", "\r"][i % 5]);
        }
        long.push_str("\nplain ascii line\n");
        for i in 0..700 {
            long.push_str(["😀", "x", "ü"][i % 3]);
        }
        agrees_with_the_old_walk(&long);
    }

    #[test]
    fn ascii_round_trips() {
        let text = "enum plan { free }\nevent x\n";
        assert_eq!(position(text, 0), Position::new(0, 0));
        assert_eq!(position(text, 5), Position::new(0, 5));
        assert_eq!(position(text, 19), Position::new(1, 0));
        assert_eq!(offset(text, Position::new(1, 6)), 25);
        assert_eq!(offset(text, Position::new(1, 100)), 26);
        assert_eq!(offset(text, Position::new(9, 0)), text.len());
    }

    #[test]
    fn columns_count_utf16_units() {
        // `é` is 2 bytes and 1 UTF-16 unit; `😀` is 4 bytes and 2 units.
        let text = "// é😀 x\nsend x";
        let x = text.find(" x").unwrap() + 1;
        assert_eq!(position(text, x), Position::new(0, 7));
        assert_eq!(offset(text, Position::new(0, 7)), x);
        // Inside the surrogate pair: the start of the emoji.
        let emoji = text.find('😀').unwrap();
        assert_eq!(offset(text, Position::new(0, 5)), emoji);
        assert_eq!(position(text, emoji + 1), Position::new(0, 4));
        assert_eq!(position(text, text.len()), Position::new(1, 6));
    }

    #[test]
    fn crlf_lines_end_before_the_carriage_return() {
        let text = "a\r\nbé\r\n";
        assert_eq!(offset(text, Position::new(0, 5)), 1);
        assert_eq!(offset(text, Position::new(1, 2)), 6);
        assert_eq!(position(text, 6), Position::new(1, 2));
    }

    #[test]
    fn every_offset_round_trips_on_mixed_text() {
        let text = "customer { naïve: string }\n/* 日本 */ event 😀\r\nx";
        for (i, _) in text.char_indices() {
            if text[..i].ends_with('\r') {
                continue;
            }
            assert_eq!(offset(text, position(text, i)), i, "offset {i}");
        }
    }
}
