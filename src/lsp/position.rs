//! Conversion between byte offsets (what every span in journeyc is) and LSP positions.
//!
//! LSP counts columns in UTF-16 code units by default, so a line holding `é` or an emoji has
//! columns that differ from both its bytes and its characters. Positions from the client are
//! untrusted: one past the end of a line or of the file is clamped, never a panic.

use lsp_types::{Position, Range};

/// The LSP position of byte `offset` in `text` (clamped to the text, and moved back to the start
/// of a character if it falls inside one).
pub fn position(text: &str, offset: usize) -> Position {
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

/// The LSP range of the byte span `start..end` in `text`.
pub fn range(text: &str, start: usize, end: usize) -> Range {
    Range::new(position(text, start), position(text, end.max(start)))
}

/// The byte offset of an LSP position in `text`. A line past the last gives the end of the text;
/// a column past the end of its line gives the end of that line (before the line break); a
/// column inside a surrogate pair gives the start of that character.
pub fn offset(text: &str, pos: Position) -> usize {
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

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

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
