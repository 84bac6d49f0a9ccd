//! SARIF 2.1.0, the format code-scanning services read: one log holding every diagnostic of a
//! run, with a rule per code so the service can show the code's title and group results.

use super::{codes, Diagnostic, Severity, Suggestion};
use crate::source::SourceMap;
use serde_json::{json, Value};
use std::collections::BTreeMap;

pub const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

/// Where the code pages (`docs/codes/CODE.md`) are published; a rule's `helpUri` is
/// `CODES_URL/CODE.md`.
pub const CODES_URL: &str = "https://github.com/journeyc/journeyc/blob/main/docs/codes";

/// The SARIF log of a run. File URIs are the names the user sees (relative to the working
/// directory), which code scanning resolves against the repository root.
pub fn sarif_log<'a>(
    diags: impl IntoIterator<Item = &'a Diagnostic>,
    sources: &SourceMap,
) -> Value {
    let diags: Vec<&Diagnostic> = diags.into_iter().collect();
    let mut rule_index: BTreeMap<&str, usize> = BTreeMap::new();
    for d in &diags {
        rule_index.insert(d.code, 0);
    }
    let rules: Vec<Value> = rule_index
        .iter_mut()
        .enumerate()
        .map(|(i, (code, index))| {
            *index = i;
            let title = codes::lookup(code).map_or(*code, |(_, t)| t);
            let level = if code.starts_with('W') {
                "warning"
            } else {
                "error"
            };
            let mut rule = json!({
                "id": code,
                "shortDescription": { "text": title },
                "defaultConfiguration": { "level": level },
            });
            // The page `journeyc explain CODE` prints: its opening paragraphs describe the rule,
            // the whole page (with the wrong and fixed examples) is the help, and it is linked.
            if let Some(text) = codes::explanation(code) {
                rule["fullDescription"] = json!({ "text": description(text) });
                rule["help"] = json!({ "text": text, "markdown": text });
                rule["helpUri"] = json!(format!("{CODES_URL}/{code}.md"));
            }
            rule
        })
        .collect();
    let results: Vec<Value> = diags
        .iter()
        .map(|d| result(d, sources, rule_index.get(d.code).copied().unwrap_or(0)))
        .collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "journeyc",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

/// The description of a `docs/codes/` page: the text between its `# CODE: title` heading and
/// its first section (`## Wrong`).
fn description(page: &str) -> String {
    let lines: Vec<&str> = page
        .lines()
        .skip_while(|l| l.starts_with("# "))
        .take_while(|l| !l.starts_with("## "))
        .collect();
    lines.join("\n").trim().to_string()
}

fn result(d: &Diagnostic, sources: &SourceMap, rule_index: usize) -> Value {
    let primary = d.primary_label();
    let mut text = d.message.clone();
    if let Some(help) = &d.help {
        text.push_str(&format!("\nhelp: {help}"));
    }
    for note in &d.notes {
        text.push_str(&format!("\nnote: {note}"));
    }
    let related: Vec<Value> = d
        .labels
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != primary)
        .enumerate()
        .map(|(id, (_, l))| {
            let mut loc = location(sources, l.file, l.span);
            loc["id"] = json!(id);
            loc["message"] =
                json!({ "text": if l.message.is_empty() { "related" } else { &l.message } });
            loc
        })
        .collect();
    let mut result = json!({
        "ruleId": d.code,
        "ruleIndex": rule_index,
        "level": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
        "message": { "text": text },
        "locations": [location(sources, d.file, d.primary_span())],
    });
    if !related.is_empty() {
        result["relatedLocations"] = Value::Array(related);
    }
    let fixes: Vec<Value> = d.suggestions.iter().map(|s| fix(s, sources)).collect();
    if !fixes.is_empty() {
        result["fixes"] = Value::Array(fixes);
    }
    result
}

/// A suggestion (such as the name a "did you mean" help proposes) as a SARIF fix, the same edit
/// the language server offers as a quick fix (src/lsp/actions.rs).
fn fix(s: &Suggestion, sources: &SourceMap) -> Value {
    let loc = location(sources, s.file, s.span);
    let place = &loc["physicalLocation"];
    json!({
        "description": { "text": format!("Replace with `{}`", s.replacement) },
        "artifactChanges": [{
            "artifactLocation": place["artifactLocation"],
            "replacements": [{
                "deletedRegion": place["region"],
                "insertedContent": { "text": s.replacement },
            }],
        }],
    })
}

fn location(sources: &SourceMap, file: crate::source::FileId, span: crate::source::Span) -> Value {
    let f = sources.get(file);
    let (start_line, start_column) = f.line_col(span.start);
    let (end_line, end_column) = f.line_col(span.end);
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri(&f.name) },
            "region": {
                "startLine": start_line,
                "startColumn": start_column,
                "endLine": end_line,
                "endColumn": end_column,
            }
        }
    })
}

/// A relative URI reference for a path: forward slashes, and everything but unreserved
/// characters percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{description, uri};

    #[test]
    fn a_rule_is_described_by_its_page_before_the_first_section() {
        let page = "# E0102: unknown touchpoint\n\nA `send` names\na touchpoint.\n\nMore.\n\n## Wrong\n\nx\n";
        assert_eq!(description(page), "A `send` names\na touchpoint.\n\nMore.");
        assert_eq!(description("no heading\n"), "no heading");
    }

    #[test]
    fn paths_become_relative_uris() {
        assert_eq!(uri("examples/a b.journey"), "examples/a%20b.journey");
        assert_eq!(uri("dir\\é.journey"), "dir/%C3%A9.journey");
    }
}
