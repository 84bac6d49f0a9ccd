//! Where the cursor is, read from the text alone: completion runs on half-typed input that the
//! parser cannot read, so it looks at the tokens before the cursor and the item around it.

/// A token and the byte offset it starts at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Token<'a> {
    pub start: usize,
    pub text: &'a str,
}

/// Splits `text` into names and numbers, strings (kept whole) and punctuation, skipping blank
/// space and comments. Never fails: an unclosed string or comment runs to the end.
pub fn tokens(text: &str) -> Vec<Token<'_>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let start = i;
        if b.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if text[i..].starts_with("//") {
            i = text[i..].find('\n').map_or(bytes.len(), |n| i + n);
            continue;
        }
        if text[i..].starts_with("/*") {
            i = text[i + 2..]
                .find("*/")
                .map_or(bytes.len(), |n| i + 2 + n + 2);
            continue;
        }
        if b == b'"' {
            i += 1;
            while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                i += if bytes[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(bytes.len());
        } else if is_word_byte(b) {
            while i < bytes.len() && (is_word_byte(bytes[i]) || bytes[i] == b'%') {
                i += 1;
            }
        } else if ["==", "!=", "<=", ">=", "->", ".."]
            .iter()
            .any(|op| text[i..].starts_with(op))
        {
            i += 2;
        } else {
            // One character, which may be more than one byte.
            i += text[i..].chars().next().map_or(1, char::len_utf8);
        }
        // `get` keeps a string cut in the middle of a character from panicking.
        if let Some(t) = text.get(start..i.min(bytes.len())) {
            out.push(Token { start, text: t });
        }
    }
    out
}

pub fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

pub const TOP_KEYWORDS: &[&str] = &[
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

/// The byte range of the top-level item around `offset`: from the last line at or before it
/// that starts, unindented, with an item keyword, to the next such line. The parser recovers
/// at the same places, so this agrees with what it reads.
pub fn item_bounds(text: &str, offset: usize) -> (usize, usize) {
    let mut start = 0;
    let mut end = text.len();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        if starts_item(line) {
            if line_start <= offset {
                start = line_start;
            } else {
                end = line_start;
                break;
            }
        }
        line_start += line.len();
    }
    (start, end)
}

fn starts_item(line: &str) -> bool {
    TOP_KEYWORDS.iter().any(|k| {
        line.strip_prefix(k)
            .is_some_and(|rest| rest.bytes().next().is_none_or(|b| !is_word_byte(b)))
    })
}

/// How many braces are open among `tokens`.
pub fn depth(tokens: &[Token]) -> usize {
    let mut d = 0usize;
    for t in tokens {
        match t.text {
            "{" => d += 1,
            "}" => d = d.saturating_sub(1),
            _ => {}
        }
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_skip_comments_and_keep_strings() {
        let toks: Vec<&str> = tokens("send x // hi\n if a == \"é b\" /* c */ { ")
            .iter()
            .map(|t| t.text)
            .collect();
        assert_eq!(toks, ["send", "x", "if", "a", "==", "\"é b\"", "{"]);
        // Unclosed string and comment do not panic.
        assert_eq!(tokens("\"abc").len(), 1);
        assert_eq!(tokens("/* abc").len(), 0);
        assert_eq!(tokens("\"a\\").len(), 1);
    }

    #[test]
    fn item_bounds_stop_at_the_next_item() {
        let text = "event a\njourney j {\n  send \n}\ntest \"t\" {}\n";
        let at = text.find("send").unwrap();
        let (s, e) = item_bounds(text, at);
        assert_eq!(&text[s..e], "journey j {\n  send \n}\n");
    }
}
