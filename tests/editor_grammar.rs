//! The editor grammar (`editors/journey.tmLanguage.json`) against the real parser.
//!
//! 1. The keyword list the grammar test uses (`editors/test/keywords.json`) is exactly the words
//!    of `grammar/journey.pest`, so a keyword added to the language without highlighting fails
//!    here, and every one of them appears in the TextMate grammar.
//! 2. `editors/test/tokenize.js` tokenises every example and fixture with `vscode-textmate` and
//!    checks each word against what the pest parser made of it: a keyword must be highlighted as
//!    one, a name must not be. It needs node and `npm ci --prefix editors/test`; without them the
//!    test is reported as skipped, except under `CI`, where `.ci/run` installs them and it fails
//!    (the file has `harness = false`: `tests/tool_runner` runs it).
//! 3. The VS Code extension (`editors/vscode`) carries the same grammar and valid JSON settings.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

mod tool_runner;

use journeyc::syntax::{JourneyParser, Rule};
use pest::Parser;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The quoted words (`"send"`) of `rule = ... ;` definitions in the pest source, rule by rule.
/// Comments are skipped, and so are the one-letter units of `duration` (`3d` is one literal).
fn pest_words(pest: &str) -> BTreeMap<String, BTreeSet<String>> {
    let mut rules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut current = String::new();
    for line in pest.lines() {
        let code = line.split("//").next().unwrap_or("");
        if let Some((name, _)) = code.split_once('=') {
            let name = name.trim();
            if !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                current = name.to_string();
            }
        }
        if current == "duration" {
            continue;
        }
        for (i, part) in code.split('"').enumerate() {
            if i % 2 == 1
                && part.starts_with(|c: char| c.is_ascii_alphabetic())
                && part.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            {
                rules
                    .entry(current.clone())
                    .or_default()
                    .insert(part.to_string());
            }
        }
    }
    rules
}

fn json_words(v: &serde_json::Value, key: &str) -> BTreeSet<String> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("editors/test/keywords.json: no `{key}` list"))
        .iter()
        .map(|w| w.as_str().expect("keywords are strings").to_string())
        .collect()
}

fn keyword_list_matches_the_pest_grammar() {
    let pest = std::fs::read_to_string(root().join("grammar/journey.pest")).unwrap();
    let rules = pest_words(&pest);
    let reserved = rules.get("keyword").cloned().expect("a `keyword` rule");
    let all: BTreeSet<String> = rules.values().flatten().cloned().collect();
    let contextual: BTreeSet<String> = all.difference(&reserved).cloned().collect();

    let list: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("editors/test/keywords.json")).unwrap(),
    )
    .unwrap();
    let listed_reserved = json_words(&list, "reserved");
    let listed_contextual = json_words(&list, "contextual");
    let diff = |a: &BTreeSet<String>, b: &BTreeSet<String>| -> Vec<String> {
        a.difference(b).cloned().collect()
    };
    assert!(
        listed_reserved == reserved && listed_contextual == contextual,
        "editors/test/keywords.json is out of date with grammar/journey.pest:\n  \
         reserved missing from the list: {:?}\n  reserved listed but not in the `keyword` rule: {:?}\n  \
         other words missing from the list: {:?}\n  other words listed but not in the grammar: {:?}\n\
         Update the list, highlight the words in editors/journey.tmLanguage.json, and run \
         `node editors/test/tokenize.js`.",
        diff(&reserved, &listed_reserved),
        diff(&listed_reserved, &reserved),
        diff(&contextual, &listed_contextual),
        diff(&listed_contextual, &contextual),
    );

    // Every word appears in some pattern of the TextMate grammar.
    let tm = std::fs::read_to_string(root().join("editors/journey.tmLanguage.json")).unwrap();
    let tm_words: HashSet<&str> = tm
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .collect();
    let missing: Vec<&String> = all
        .iter()
        .filter(|w| !tm_words.contains(w.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "keywords of grammar/journey.pest that editors/journey.tmLanguage.json never mentions: {missing:?}"
    );
}

/// The files the node script tokenises by default (keep in step with `corpus()` there).
fn corpus() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "journey") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    for dir in [
        "examples",
        "tests/fixtures/pass",
        "tests/fixtures/fmt",
        "tests/fixtures/build",
    ] {
        walk(&root().join(dir), &mut files);
    }
    // Contextual keywords used as names, where they must not look like keywords.
    files.push(root().join("editors/test/names.journey"));
    files.sort();
    files
}

/// Every word of `src` outside comments and strings, as `[line, column, word, kind]` with
/// 1-based lines and columns in UTF-16 code units (what an editor counts), where `kind` is
/// `name` when the parser read the word as an `ident` and `keyword` otherwise.
fn expectations(path: &Path, src: &str) -> Vec<serde_json::Value> {
    let pairs = JourneyParser::parse(Rule::file, src)
        .unwrap_or_else(|e| panic!("{}: does not parse: {e}", path.display()));
    let names: HashSet<usize> = pairs
        .flatten()
        .filter(|p| p.as_rule() == Rule::ident)
        .map(|p| p.as_span().start())
        .collect();
    let (tokens, _comments) = journeyc::fmt::lex::lex(src);
    tokens
        .iter()
        .filter(|t| {
            t.text
                .starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
        })
        .map(|t| {
            let start = t.span.start;
            let line_start = src[..start].rfind('\n').map_or(0, |i| i + 1);
            let line = src[..start].matches('\n').count() + 1;
            let col = src[line_start..start].encode_utf16().count() + 1;
            let kind = if names.contains(&start) {
                "name"
            } else {
                "keyword"
            };
            serde_json::json!([line, col, t.text, kind])
        })
        .collect()
}

fn every_example_and_fixture_is_highlighted() -> Result<(), tool_runner::Skip> {
    let modules = root().join("editors/test/node_modules");
    let node = Command::new("node").arg("--version").output().is_ok();
    if !modules.is_dir() || !node {
        let why = if node {
            "editors/test/node_modules is missing"
        } else {
            "node is not installed"
        };
        return Err(tool_runner::Skip(format!(
            "{why}: to run it, install node (20 or newer) and run `npm ci --prefix editors/test` \
             (what .ci/run does)"
        )));
    }

    let mut files = serde_json::Map::new();
    for path in corpus() {
        let src = std::fs::read_to_string(&path).unwrap();
        let rel = path
            .strip_prefix(root())
            .unwrap()
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        files.insert(rel, expectations(&path, &src).into());
    }
    let dir = tempfile::tempdir().unwrap();
    let expect = dir.path().join("expect.json");
    std::fs::write(&expect, serde_json::json!({ "files": files }).to_string()).unwrap();

    let out = Command::new("node")
        .current_dir(root())
        .arg("editors/test/tokenize.js")
        .arg("--expect")
        .arg(&expect)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "editors/test/tokenize.js failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Ok(())
}

fn vscode_extension_carries_the_same_grammar() {
    let dir = root().join("editors/vscode");
    let read_json = |name: &str| -> serde_json::Value {
        let text = std::fs::read_to_string(dir.join(name)).unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("editors/vscode/{name}: {e}"))
    };
    let package = read_json("package.json");
    let grammar = &package["contributes"]["grammars"][0];
    assert_eq!(grammar["scopeName"], "source.journey");
    let path = grammar["path"].as_str().expect("a grammar path");
    let copy = std::fs::read_to_string(dir.join(path)).unwrap();
    let original = std::fs::read_to_string(root().join("editors/journey.tmLanguage.json")).unwrap();
    assert!(
        copy == original,
        "editors/vscode/{path} differs from editors/journey.tmLanguage.json: \
         run `cp editors/journey.tmLanguage.json editors/vscode/{path}`"
    );
    let tm: serde_json::Value = serde_json::from_str(&original).unwrap();
    assert_eq!(tm["scopeName"], "source.journey");

    let language = &package["contributes"]["languages"][0];
    assert_eq!(language["id"], "journey");
    assert_eq!(language["extensions"][0], ".journey");
    let config = language["configuration"].as_str().unwrap();
    read_json(config);
    let server = &package["contributes"]["configuration"]["properties"]["journey.server.path"];
    assert_eq!(server["default"], "journeyc");
}

// `harness = false` (Cargo.toml): tests/tool_runner shows a missing node as a skip.
tool_runner::tool_tests![
    keyword_list_matches_the_pest_grammar,
    every_example_and_fixture_is_highlighted,
    vscode_extension_carries_the_same_grammar,
];
