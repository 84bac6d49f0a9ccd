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
            '\t' | '\n' | '\r' => out.push(c),
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
}

pub type Attrs<'a> = &'a [(&'a str, &'a str)];

impl Writer {
    pub fn new() -> Self {
        Writer {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn start(&mut self, tag: &str, attrs: Attrs) {
        for _ in 0..self.open.len() {
            self.out.push_str("  ");
        }
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
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

    /// The document, with every element closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out
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
        assert_eq!(escape("x\u{1}y"), "x\u{fffd}y");
    }

    #[test]
    fn nests_and_indents() {
        let mut w = Writer::new();
        w.open("a", &[("id", "1")]);
        w.empty("b", &[]);
        w.text("c", &[], "x & y");
        let s = w.finish();
        assert_eq!(
            s,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<a id=\"1\">\n  <b />\n  <c>x &amp; y</c>\n</a>\n"
        );
    }
}
