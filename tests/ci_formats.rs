//! `journeyc check --message-format github|sarif|json` on a fixture with errors and warnings
//! (docs/ci.md describes the formats).

use serde_json::Value;
use std::path::Path;
use std::process::Command;

const FIXTURE: &str = "tests/fixtures/ci/problems.journey";

/// `journeyc check PATH --message-format FORMAT` run from `dir` with extra arguments: the exit
/// code, stdout and stderr.
fn run_check(dir: &Path, path: &str, format: &str, extra: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["check", path, "--message-format", format])
        .args(extra)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("journeyc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn check(format: &str) -> (i32, String) {
    let (code, out, _) = run_check(Path::new(env!("CARGO_MANIFEST_DIR")), FIXTURE, format, &[]);
    (code, out)
}

fn fixture_text() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)).expect("fixture")
}

/// The JSON format's lines, each parsed.
fn json_diagnostics() -> Vec<Value> {
    let (code, out) = check("json");
    assert_eq!(code, 1);
    out.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The 1-based line and column (in characters) of byte `offset` in `text`, counted here
/// independently of journeyc.
fn line_col(text: &str, offset: usize) -> (u64, u64) {
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line as u64, column as u64)
}

/// The byte offset of 1-based `line` and character `column` in `text`.
fn offset_of(text: &str, line: u64, column: u64) -> usize {
    let start: usize = text
        .split_inclusive('\n')
        .take(line as usize - 1)
        .map(str::len)
        .sum();
    start
        + text[start..]
            .chars()
            .take(column as usize - 1)
            .map(char::len_utf8)
            .sum::<usize>()
}

/// `text` with the edits `(start, end, replacement)` applied (they must not overlap).
fn apply(text: &str, mut edits: Vec<(usize, usize, String)>) -> String {
    edits.sort_by_key(|e| std::cmp::Reverse(e.0));
    let mut out = text.to_string();
    for (start, end, replacement) in edits {
        out.replace_range(start..end, &replacement);
    }
    out
}

/// The codes `journeyc check` reports for `text` as a journey file.
fn codes_of(text: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("fixed.journey"), text).expect("write");
    let (_, out, _) = run_check(dir.path(), "fixed.journey", "json", &[]);
    out.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).expect("JSON");
            v["code"].as_str().expect("code").to_string()
        })
        .collect()
}

/// The fixture's misspellings, which the suggestions must fix.
const MISSPELT: [&str; 2] = ["E0102", "E0109"];

fn assert_fixes_the_misspellings(fixed: &str) {
    let before = codes_of(&fixture_text());
    let after = codes_of(fixed);
    for code in MISSPELT {
        assert!(before.iter().any(|c| c == code), "{code} in {before:?}");
        assert!(
            !after.iter().any(|c| c == code),
            "{code} left in {after:?}\n{fixed}"
        );
    }
    assert!(
        after.iter().any(|c| c == "E0120"),
        "the rest stays: {after:?}"
    );
}

#[test]
fn github_annotations() {
    let (code, out) = check("github");
    assert_eq!(code, 1);
    assert!(
        out.lines()
            .all(|l| l.starts_with("::error file=") || l.starts_with("::warning file=")),
        "{out}"
    );
    insta::assert_snapshot!(out);
}

#[test]
fn sarif_log() {
    let (code, out) = check("sarif");
    assert_eq!(code, 1);
    insta::assert_snapshot!(out);
}

/// The log deserializes into the types generated from the official SARIF 2.1.0 schema (the
/// `serde-sarif` crate), and holds what code scanning needs to place each result.
#[test]
fn sarif_has_the_required_structure() {
    let (_, out) = check("sarif");
    let typed: Result<serde_sarif::sarif::Sarif, _> = serde_json::from_str(&out);
    assert!(typed.is_ok(), "not a SARIF 2.1.0 log: {:?}", typed.err());

    let log: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(log["version"], "2.1.0");
    assert!(log["$schema"]
        .as_str()
        .is_some_and(|s| s.contains("sarif-schema-2.1.0")));
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "journeyc");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().expect("rules");
    let results = runs[0]["results"].as_array().expect("results");
    assert!(results.iter().any(|r| r["level"] == "error"));
    assert!(results.iter().any(|r| r["level"] == "warning"));
    for r in results {
        let id = r["ruleId"].as_str().expect("ruleId");
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], id, "ruleIndex points at the rule");
        let title = journeyc::diagnostics::codes::lookup(id).map(|(_, t)| t);
        assert_eq!(rules[index]["shortDescription"]["text"].as_str(), title);
        // The rule carries the page `journeyc explain` prints and links to it.
        let page = journeyc::diagnostics::codes::explanation(id);
        assert!(page.is_some(), "{id} has a docs/codes page");
        // The description is the page's opening text, without its heading or its sections.
        let description = rules[index]["fullDescription"]["text"]
            .as_str()
            .expect("fullDescription");
        assert!(!description.is_empty() && !description.starts_with('#'));
        assert!(!description.contains("## "), "{description}");
        assert!(
            page.is_some_and(|p| p.contains(description)),
            "{description}"
        );
        assert_eq!(rules[index]["help"]["text"].as_str(), page);
        assert_eq!(
            rules[index]["helpUri"],
            format!("https://github.com/journeyc/journeyc/blob/main/docs/codes/{id}.md")
        );
        assert!(r["message"]["text"].as_str().is_some_and(|t| !t.is_empty()));
        let loc = &r["locations"][0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], FIXTURE, "URIs are relative");
        for key in ["startLine", "startColumn", "endLine", "endColumn"] {
            assert!(
                loc["region"][key].as_u64().is_some_and(|n| n >= 1),
                "{key} in {r}"
            );
        }
    }
    let fixes: Vec<&serde_json::Value> = results.iter().filter_map(|r| r.get("fixes")).collect();
    assert!(!fixes.is_empty(), "a did-you-mean help becomes a fix");
    for f in fixes {
        let change = &f[0]["artifactChanges"][0];
        assert_eq!(change["artifactLocation"]["uri"], FIXTURE);
        let replacement = &change["replacements"][0];
        assert!(replacement["deletedRegion"]["startLine"].as_u64().is_some());
        assert!(replacement["insertedContent"]["text"]
            .as_str()
            .is_some_and(|t| !t.is_empty()));
    }
    let duplicate = results
        .iter()
        .find(|r| r["ruleId"] == "E0120")
        .expect("the duplicate");
    assert_eq!(
        duplicate["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        2
    );
}

/// The typed check above has teeth: logs that break the schema do not deserialize.
#[test]
fn the_sarif_types_reject_invalid_logs() {
    let (_, out) = check("sarif");
    let log: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    let mut no_runs = log.clone();
    no_runs.as_object_mut().map(|o| o.remove("runs"));
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    let mut no_driver_name = log;
    no_driver_name["runs"][0]["tool"]["driver"]
        .as_object_mut()
        .map(|o| o.remove("name"));
    for bad in [no_runs, bad_level, no_driver_name] {
        assert!(serde_json::from_value::<serde_sarif::sarif::Sarif>(bad).is_err());
    }
}

#[test]
fn json_lines() {
    let diags = json_diagnostics();
    insta::assert_snapshot!(serde_json::to_string_pretty(&diags).expect("JSON"));
}

/// Every field docs/ci.md lists, with positions that agree with the file's bytes.
#[test]
fn json_has_the_documented_fields() {
    let text = fixture_text();
    let diags = json_diagnostics();
    assert!(diags.len() >= 4);
    let place = |v: &Value| {
        let start = v["span"]["start"].as_u64().expect("start") as usize;
        let end = v["span"]["end"].as_u64().expect("end") as usize;
        assert!(start <= end && end <= text.len(), "{v}");
        assert_eq!(v["file"], FIXTURE);
        assert_eq!((v["line"].as_u64(), v["column"].as_u64()), {
            let (l, c) = line_col(&text, start);
            (Some(l), Some(c))
        });
        assert_eq!((v["end_line"].as_u64(), v["end_column"].as_u64()), {
            let (l, c) = line_col(&text, end);
            (Some(l), Some(c))
        });
        (start, end)
    };
    for d in &diags {
        for key in ["code", "severity", "message", "rendered"] {
            assert!(
                d[key].as_str().is_some_and(|t| !t.is_empty()),
                "{key} in {d}"
            );
        }
        assert!(d["help"].as_str().is_some(), "every diagnostic helps: {d}");
        assert!(d["notes"].is_array());
        let primary_span = place(d);
        let labels = d["labels"].as_array().expect("labels");
        let primaries: Vec<&Value> = labels.iter().filter(|l| l["primary"] == true).collect();
        assert_eq!(primaries.len(), 1, "one primary label: {d}");
        assert_eq!(
            place(primaries[0]),
            primary_span,
            "the primary label is the place"
        );
        for l in labels {
            assert!(l["primary"].is_boolean());
            assert!(l["message"].is_string());
            place(l);
        }
        for s in d["suggestions"].as_array().expect("suggestions") {
            let (start, end) = place(s);
            let replacement = s["replacement"].as_str().expect("replacement");
            assert_eq!(s["message"], format!("replace with `{replacement}`"));
            // The suggestion replaces the misspelt name the help quotes.
            assert!(d["message"]
                .as_str()
                .is_some_and(|m| m.contains(&format!("`{}`", &text[start..end]))));
        }
    }
}

/// `rendered` is what `--message-format human` prints, without colour even when colour is
/// forced.
#[test]
fn json_carries_the_rendered_text() {
    let (_, out, _) = run_check(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        FIXTURE,
        "json",
        &["--color", "always"],
    );
    let (_, _, human) = run_check(Path::new(env!("CARGO_MANIFEST_DIR")), FIXTURE, "human", &[]);
    let mut count = 0;
    for line in out.lines() {
        let d: Value = serde_json::from_str(line).expect("JSON");
        let rendered = d["rendered"].as_str().expect("rendered");
        assert!(
            !rendered.contains('\u{1b}'),
            "no colour codes: {rendered:?}"
        );
        assert!(human.contains(rendered), "{rendered}\nis not in\n{human}");
        assert!(rendered.contains(d["message"].as_str().expect("message")));
        count += 1;
    }
    assert_eq!(count, 4);
}

/// Applying the JSON format's suggestions fixes the misspellings, and only them; a field's
/// suggestion replaces the field's name, not `event.` with it.
#[test]
fn json_suggestions_fix_the_misspellings() {
    let text = fixture_text();
    let mut edits = Vec::new();
    for d in json_diagnostics() {
        let suggestions = d["suggestions"].as_array().expect("suggestions");
        let code = d["code"].as_str().expect("code");
        assert_eq!(
            suggestions.len(),
            usize::from(MISSPELT.contains(&code)),
            "{d}"
        );
        for s in suggestions {
            edits.push((
                s["span"]["start"].as_u64().expect("start") as usize,
                s["span"]["end"].as_u64().expect("end") as usize,
                s["replacement"].as_str().expect("text").to_string(),
            ));
        }
    }
    let fixed = apply(&text, edits);
    assert!(fixed.contains("send welcome\n") && fixed.contains("if event.score <= 6"));
    assert_fixes_the_misspellings(&fixed);
}

/// The same for SARIF's `fixes`, placed by line and column.
#[test]
fn sarif_fixes_fix_the_misspellings() {
    let text = fixture_text();
    let (_, out) = check("sarif");
    let log: Value = serde_json::from_str(&out).expect("JSON");
    let mut edits = Vec::new();
    for r in log["runs"][0]["results"].as_array().expect("results") {
        let fixes = r.get("fixes").and_then(Value::as_array);
        let id = r["ruleId"].as_str().expect("ruleId");
        assert_eq!(fixes.is_some(), MISSPELT.contains(&id), "{r}");
        for f in fixes.into_iter().flatten() {
            for change in f["artifactChanges"].as_array().expect("changes") {
                for rep in change["replacements"].as_array().expect("replacements") {
                    let region = &rep["deletedRegion"];
                    let at = |l: &str, c: &str| {
                        offset_of(
                            &text,
                            region[l].as_u64().expect("line"),
                            region[c].as_u64().expect("column"),
                        )
                    };
                    edits.push((
                        at("startLine", "startColumn"),
                        at("endLine", "endColumn"),
                        rep["insertedContent"]["text"]
                            .as_str()
                            .expect("text")
                            .to_string(),
                    ));
                }
            }
        }
    }
    assert_fixes_the_misspellings(&apply(&text, edits));
}
