//! A small XML writer: elements, attributes in the order given, two-space indentation, and
//! escaping. Enough for a BPMN document, deterministic and diffable, without a dependency.

/// Text made safe for an attribute value or element content. Characters XML 1.0 forbids
/// (most control characters) become U+FFFD.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // As references, so a parser's normalisation of white space keeps them.
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            // XML 1.0 cannot hold the other control characters at all; the writer refuses
            // them (see `Writer::finish`), this is only what would be written otherwise.
            c if (c as u32) < 0x20 => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// Writes a document element by element.
pub struct Writer {
    out: String,
    open: Vec<String>,
    /// The first text XML cannot hold, with the element it was for.
    unwritable: Option<Unwritable>,
}

/// A text with a control character that XML 1.0 has no way to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unwritable {
    /// The `id` of the element, or its tag when it has none.
    pub element: String,
    pub text: String,
}

fn writable(s: &str) -> bool {
    !s.chars()
        .any(|c| (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r'))
}

pub type Attrs<'a> = &'a [(&'a str, &'a str)];

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
            unwritable: None,
        }
    }

    fn note(&mut self, tag: &str, attrs: Attrs, text: &str) {
        if self.unwritable.is_none() && !writable(text) {
            let element = attrs
                .iter()
                .find(|(k, _)| *k == "id")
                .map_or(tag, |(_, v)| v);
            self.unwritable = Some(Unwritable {
                element: element.to_string(),
                text: text.to_string(),
            });
        }
    }

    fn start(&mut self, tag: &str, attrs: Attrs) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
            self.note(tag, attrs, v);
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v));
            self.out.push('"');
        }
    }

    /// `<tag attrs>`; children follow until [`Writer::close`].
    pub fn open(&mut self, tag: &str, attrs: Attrs) {
        self.start(tag, attrs);
        self.out.push_str(">\n");
        self.open.push(tag.to_string());
    }

    /// `<tag attrs />`.
    pub fn empty(&mut self, tag: &str, attrs: Attrs) {
        self.start(tag, attrs);
        self.out.push_str(" />\n");
    }

    /// `<tag attrs>text</tag>` on one line.
    pub fn text(&mut self, tag: &str, attrs: Attrs, text: &str) {
        self.start(tag, attrs);
        self.note(tag, attrs, text);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// Closes the innermost open element.
    pub fn close(&mut self) {
        if let Some(tag) = self.open.pop() {
            for _ in 0..self.open.len() {
                self.out.push_str("  ");
            }
            self.out.push_str("</");
            self.out.push_str(&tag);
            self.out.push_str(">\n");
        }
    }

    /// The document, with every element closed; or the first text it cannot hold.
    pub fn finish(mut self) -> Result<String, Unwritable> {
        while !self.open.is_empty() {
            self.close();
        }
        match self.unwritable {
            Some(u) => Err(u),
            None => Ok(self.out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(
            escape(r#"a<b & "c" 'd'>"#),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(escape("a\tb\nc\rd"), "a&#9;b&#10;c&#13;d");
        let mut w = Writer::new();
        w.empty("a", &[("id", "n1"), ("name", "x\u{1}y")]);
        assert_eq!(
            w.finish(),
            Err(Unwritable {
                element: "n1".to_string(),
                text: "x\u{1}y".to_string()
            })
        );
    }

    #[test]
    fn nests_and_indents() {
        let mut w = Writer::new();
        w.open("a", &[("id", "1")]);
        w.empty("b", &[]);
        w.text("c", &[], "x & y");
        let s = w.finish().unwrap_or_default();
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a id=\"1\">\n  <b />\n  <c>x &amp; y</c>\n</a>\n"
        );
    }
}
