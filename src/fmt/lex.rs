//! A small lexer over source that already parsed: the printer needs every token's exact text
//! and position (the AST keeps values, not spellings, and has no comments) and every comment.

use crate::source::Span;

/// A token as written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tok<'s> {
    pub text: &'s str,
    pub span: Span,
}

/// A `//` or `/* */` comment as written (a line comment without its line end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Comment<'s> {
    pub text: &'s str,
    pub span: Span,
}

impl Comment<'_> {
    pub fn is_line(&self) -> bool {
        self.text.starts_with("//")
    }
}

/// Splits `src` into tokens and comments, both in source order.
///
/// Never fails: text the grammar would reject is still cut into some tokens, so a caller that
/// only lexes parsed files gets exact results and anything else degrades without panicking.
pub fn lex(src: &str) -> (Vec<Tok<'_>>, Vec<Comment<'_>>) {
    let b = src.as_bytes();
    let mut toks = Vec::new();
    let mut comments = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let start = i;
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'/') {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            let text = src[start..i].trim_end_matches('\r');
            comments.push(Comment {
                text,
                span: Span::new(start, start + text.len()),
            });
            continue;
        }
        if c == b'/' && b.get(i + 1) == Some(&b'*') {
            i += 2;
            while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                i += 1;
            }
            i = (i + 2).min(b.len());
            comments.push(Comment {
                text: &src[start..i],
                span: Span::new(start, i),
            });
            continue;
        }
        i = if c == b'"' {
            string_end(b, i)
        } else if c.is_ascii_digit() {
            number_end(b, i)
        } else if c.is_ascii_alphabetic() || c == b'_' {
            word_end(b, i)
        } else {
            let two = &b[i..(i + 2).min(b.len())];
            if matches!(two, b".." | b"->" | b"==" | b"!=" | b"<=" | b">=") {
                i + 2
            } else {
                // One character, kept whole even when it is not ASCII.
                i + src[i..].chars().next().map_or(1, char::len_utf8)
            }
        };
        toks.push(Tok {
            text: &src[start..i],
            span: Span::new(start, i),
        });
    }
    (toks, comments)
}

fn is_word_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

fn word_end(b: &[u8], mut i: usize) -> usize {
    while i < b.len() && is_word_byte(b[i]) {
        i += 1;
    }
    i
}

fn string_end(b: &[u8], mut i: usize) -> usize {
    i += 1;
    while i < b.len() && b[i] != b'"' && b[i] != b'\n' {
        if b[i] == b'\\' {
            i += 1;
        }
        i += 1;
    }
    (i + 1).min(b.len())
}

/// The end of a datetime (`2026-03-08T15:00:00-05:00`) whose date and hour were read up to
/// `end`: its minutes, seconds, fraction and offset, so the literal stays one token. A date
/// alone ends at `end`.
fn datetime_end(b: &[u8], start: usize, mut end: usize) -> usize {
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    if !matches!(b.get(start + 10), Some(b'T' | b't')) {
        return end;
    }
    while b.get(end) == Some(&b':') && digit_at(end + 1) {
        end = word_end(b, end + 1);
    }
    if b.get(end) == Some(&b'.') && digit_at(end + 1) {
        end = word_end(b, end + 1);
    }
    if matches!(b.get(end), Some(b'+' | b'-'))
        && digit_at(end + 1)
        && digit_at(end + 2)
        && b.get(end + 3) == Some(&b':')
    {
        end = word_end(b, end + 4);
    }
    end
}

/// Integers, decimals, percentages, durations (`1d12h`), times (`21:00`) and dates.
fn number_end(b: &[u8], start: usize) -> usize {
    let digit_at = |k: usize| b.get(k).is_some_and(u8::is_ascii_digit);
    let mut i = word_end(b, start);
    // A date: four digits, then `-DD-DD`.
    if i - start == 4
        && b.get(i) == Some(&b'-')
        && digit_at(i + 1)
        && digit_at(i + 2)
        && b.get(i + 3) == Some(&b'-')
    {
        let end = word_end(b, i + 4);
        return datetime_end(b, start, end);
    }
    if b.get(i) == Some(&b':') && digit_at(i + 1) {
        return word_end(b, i + 1);
    }
    if b.get(i) == Some(&b'.') && digit_at(i + 1) {
        i = word_end(b, i + 1);
    }
    if b.get(i) == Some(&b'%') {
        i += 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(src: &str) -> Vec<&str> {
        lex(src).0.into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn literals_stay_whole() {
        assert_eq!(
            texts("quiet 21:00..08:00"),
            ["quiet", "21:00", "..", "08:00"]
        );
        assert_eq!(
            texts("seats = 1..20 12.5% 1d12h"),
            ["seats", "=", "1", "..", "20", "12.5%", "1d12h"]
        );
        assert_eq!(
            texts("x == 2026-12-01 and event.plan"),
            ["x", "==", "2026-12-01", "and", "event", ".", "plan"]
        );
        assert_eq!(
            texts("at = 2026-03-08T15:00:00-05:00 - 24h, b = 2026-03-08T20:00Z"),
            [
                "at",
                "=",
                "2026-03-08T15:00:00-05:00",
                "-",
                "24h",
                ",",
                "b",
                "=",
                "2026-03-08T20:00Z"
            ]
        );
        assert_eq!(
            texts("upgrade plan a -> b"),
            ["upgrade", "plan", "a", "->", "b"]
        );
    }

    #[test]
    fn comments_are_not_found_in_strings() {
        let (toks, comments) = lex("subject \"a // b /* c\" // real\n/* block */ x");
        assert_eq!(
            toks.iter().map(|t| t.text).collect::<Vec<_>>(),
            ["subject", "\"a // b /* c\"", "x"]
        );
        assert_eq!(
            comments.iter().map(|c| c.text).collect::<Vec<_>>(),
            ["// real", "/* block */"]
        );
    }
}
