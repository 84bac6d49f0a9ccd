//! The JSON spec of every example and build fixture: valid against the published schema,
//! snapshotted, deterministic, readable back byte for byte, and stable under small edits.

use journeyc::ir::{Journey, Node, NodeKind};
use journeyc::{compile, compile_text, spec};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const SCHEMA: &str = include_str!("../schema/journey-spec.v2.json");
const FIXTURE: &str = "tests/fixtures/build/all_constructs.journey";

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

fn journeys_of(path: &Path) -> Vec<Journey> {
    let compiled = compile(&[path.to_path_buf()]).expect("the file loads");
    let errors: Vec<String> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(
        errors.is_empty(),
        "{} has errors: {errors:?}",
        path.display()
    );
    compiled.journeys
}

/// Every `.journey` file the spec tests cover: the examples and the build fixtures. Each folder
/// must hold some, so that a test looping over them cannot pass having checked nothing.
fn all_sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures/build"] {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("read {dir}: {e}"));
        let before = out.len();
        out.extend(
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "journey")),
        );
        assert!(out.len() > before, "{dir} holds no `.journey` file");
    }
    out.sort();
    out
}

fn assert_valid(validator: &jsonschema::Validator, text: &str, what: &str) {
    let value: serde_json::Value = serde_json::from_str(text).expect("a spec is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not match the schema:\n{}",
        errors.join("\n")
    );
}

#[test]
fn the_schema_is_a_valid_draft_2020_12_schema() {
    let schema: serde_json::Value = serde_json::from_str(SCHEMA).expect("the schema is JSON");
    assert!(jsonschema::draft202012::meta::is_valid(&schema));
}

#[test]
fn example_specs_match_the_schema_and_their_snapshots() {
    let validator = validator();
    let mut seen = 0;
    insta::glob!("..", "{examples,tests/fixtures/build}/*.journey", |path| {
        for j in journeys_of(path) {
            let text = spec::to_json(&j).expect("serialises");
            assert_valid(&validator, &text, &j.name);
            insta::assert_snapshot!(format!("spec_{}", j.name), text);
            seen += 1;
        }
    });
    assert!(
        seen >= 2,
        "expected the examples and fixtures to hold journeys"
    );
}

#[test]
fn graphs_match_their_snapshots() {
    let mut seen = 0;
    insta::glob!("..", "{examples,tests/fixtures/build}/*.journey", |path| {
        for j in journeys_of(path) {
            insta::assert_snapshot!(
                format!("mermaid_{}", j.name),
                journeyc::ir::graph::mermaid(&j)
            );
            insta::assert_snapshot!(format!("dot_{}", j.name), journeyc::ir::graph::dot(&j));
            seen += 1;
        }
    });
    assert!(
        seen >= 2,
        "expected the examples and fixtures to hold journeys"
    );
}

#[test]
fn the_schema_rejects_what_is_not_a_spec() {
    let validator = validator();
    let j = &journeys_of(Path::new(FIXTURE))[0];
    let good: serde_json::Value =
        serde_json::from_str(&spec::to_json(j).expect("serialises")).expect("JSON");
    let mut bad = good.clone();
    bad["nodes"][1]["type"] = "teleport".into();
    assert!(
        !validator.is_valid(&bad),
        "an unknown node type must be rejected"
    );
    let mut bad = good.clone();
    bad["nodes"][1]["colour"] = "blue".into();
    assert!(
        !validator.is_valid(&bad),
        "an unknown node field must be rejected"
    );
    let mut bad = good;
    bad["source"]["file"] = "/home/someone/app.journey".into();
    assert!(
        !validator.is_valid(&bad),
        "an absolute path must be rejected"
    );
}

#[test]
fn reading_a_spec_and_writing_it_again_gives_the_same_bytes() {
    for path in all_sources() {
        for j in journeys_of(&path) {
            let text = spec::to_json(&j).expect("serialises");
            let back = spec::from_json(&text).expect("reads back");
            assert_eq!(back, j, "{} reads back to the same journey", j.name);
            assert_eq!(
                spec::to_json(&back).expect("serialises"),
                text,
                "{} writes back to the same bytes",
                j.name
            );
        }
    }
}

#[test]
fn a_spec_of_another_version_is_refused() {
    let j = &journeys_of(Path::new(FIXTURE))[0];
    let text = spec::to_json(j).expect("serialises").replacen(
        "\"spec_version\": 2",
        "\"spec_version\": 1",
        1,
    );
    let err = spec::from_json(&text).expect_err("version 1 is not read");
    assert!(err.to_string().contains("version 1"), "{err}");
}

#[test]
fn building_twice_gives_the_same_bytes() {
    for path in all_sources() {
        let first: Vec<String> = journeys_of(&path)
            .iter()
            .map(|j| spec::to_json(j).expect("serialises"))
            .collect();
        let second: Vec<String> = journeys_of(&path)
            .iter()
            .map(|j| spec::to_json(j).expect("serialises"))
            .collect();
        assert_eq!(first, second, "{}", path.display());
    }
}

/// Structural facts every lowered journey must satisfy, whatever its source.
#[test]
fn every_edge_leads_to_a_node_and_every_node_says_where_it_came_from() {
    for path in all_sources() {
        for j in journeys_of(&path) {
            let ids: BTreeMap<&str, &Node> = j.nodes.iter().map(|n| (n.id.as_str(), n)).collect();
            assert_eq!(ids.len(), j.nodes.len(), "{}: node ids are unique", j.name);
            let targets = j
                .nodes
                .iter()
                .flat_map(|n| successors(&n.kind))
                .chain(j.start.clone());
            for t in targets {
                assert!(
                    ids.contains_key(t.as_str()),
                    "{}: edge to missing node `{t}`",
                    j.name
                );
            }
            for s in &j.stages {
                assert!(
                    ids.contains_key(s.entry.as_str()),
                    "{}: stage entry `{}`",
                    j.name,
                    s.entry
                );
            }
            for n in &j.nodes {
                assert!(
                    n.id.starts_with(&format!("{}.", n.stage)),
                    "{}: `{}` is named after its stage",
                    j.name,
                    n.id
                );
                assert!(n.source.line > 0);
                assert!(
                    !n.source.file.starts_with('/') && !n.source.file.contains('\\'),
                    "{}",
                    n.source.file
                );
            }
        }
    }
}

fn successors(k: &NodeKind) -> Vec<String> {
    let opt = |n: &Option<String>| n.clone().into_iter().collect::<Vec<_>>();
    match k {
        NodeKind::EnterStage { next, skip, .. } => [opt(next), opt(skip)].concat(),
        NodeKind::Send { next, .. }
        | NodeKind::Delay { next, .. }
        | NodeKind::WaitUntil { next, .. }
        | NodeKind::WaitClock { next, .. }
        | NodeKind::Milestone { next, .. }
        | NodeKind::Set { next, .. } => opt(next),
        NodeKind::WaitEvent {
            on_event,
            on_timeout,
            ..
        } => [opt(on_event), opt(on_timeout)].concat(),
        NodeKind::WaitAny {
            branches,
            on_timeout,
            ..
        } => branches
            .iter()
            .flat_map(|b| opt(&b.next))
            .chain(opt(on_timeout))
            .collect(),
        NodeKind::Branch { arms, otherwise } => arms
            .iter()
            .flat_map(|a| opt(&a.next))
            .chain(opt(otherwise))
            .collect(),
        NodeKind::Split { variants } => variants.iter().flat_map(|v| opt(&v.next)).collect(),
        NodeKind::Goto { next, .. } => vec![next.clone()],
        NodeKind::Exit => Vec::new(),
    }
}

fn build_text(text: &str) -> (Journey, String) {
    let compiled = compile_text(Path::new(FIXTURE), text);
    assert!(
        !compiled.diagnostics.has_errors(),
        "the edited fixture still checks"
    );
    let j = compiled.journeys.into_iter().next().expect("one journey");
    let json = spec::to_json(&j).expect("serialises");
    (j, json)
}

fn fixture_text() -> String {
    std::fs::read_to_string(FIXTURE).expect("the fixture exists")
}

#[test]
fn changing_one_line_in_a_stage_changes_one_line_of_the_spec() {
    let before = fixture_text();
    let after = before.replacen("    wait 1h\n", "    wait 3h\n", 1);
    assert_ne!(before, after);
    let (old, old_json) = build_text(&before);
    let (new, new_json) = build_text(&after);
    let old_ids: Vec<&str> = old.nodes.iter().map(|n| n.id.as_str()).collect();
    let new_ids: Vec<&str> = new.nodes.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(old_ids, new_ids, "no id changes");
    let changed: Vec<(&str, &str)> = old_json
        .lines()
        .zip(new_json.lines())
        .filter(|(a, b)| a != b)
        .collect();
    assert_eq!(old_json.lines().count(), new_json.lines().count());
    assert_eq!(
        changed,
        vec![("      \"secs\": 3600,", "      \"secs\": 10800,")]
    );
    let changed_nodes: Vec<&str> = old
        .nodes
        .iter()
        .zip(&new.nodes)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a.id.as_str())
        .collect();
    assert_eq!(changed_nodes, vec!["retry.1.wait"]);
}

#[test]
fn adding_a_step_to_a_stage_renames_nothing_in_other_stages() {
    let before = fixture_text();
    let after = before.replacen("    wait 1h\n", "    wait 1h\n    send call\n", 1);
    let (old, _) = build_text(&before);
    let (new, _) = build_text(&after);
    let by_id = |j: &Journey| -> BTreeMap<String, Node> {
        j.nodes.iter().map(|n| (n.id.clone(), n.clone())).collect()
    };
    let (old_nodes, new_nodes) = (by_id(&old), by_id(&new));
    let added: Vec<&String> = new_nodes
        .keys()
        .filter(|id| !old_nodes.contains_key(*id))
        .collect();
    let removed: Vec<&String> = old_nodes
        .keys()
        .filter(|id| !new_nodes.contains_key(*id))
        .collect();
    assert_eq!(added, vec!["retry.2.send", "retry.3.goto"]);
    assert_eq!(removed, vec!["retry.2.goto"]);
    for (id, old_node) in &old_nodes {
        if old_node.stage == "retry" {
            continue;
        }
        let new_node = &new_nodes[id];
        // Lines below the insertion move down by one; nothing else about the node changes.
        let mut moved = old_node.clone();
        moved.source.line = new_node.source.line;
        assert_eq!(&moved, new_node, "`{id}` is unchanged apart from its line");
        assert!(
            new_node.source.line == old_node.source.line
                || new_node.source.line == old_node.source.line + 1
        );
    }
}

#[test]
fn ids_follow_the_structure_of_the_source() {
    let j = &journeys_of(Path::new(FIXTURE))[0];
    let ids: Vec<&str> = j.nodes.iter().map(|n| n.id.as_str()).collect();
    for id in [
        "onboarding.enter",
        "onboarding.1.wait",
        "onboarding.2.wait",
        "onboarding.3.if.then.0.send",
        "onboarding.3.if.else_if_1.0.send",
        "onboarding.3.if.else_if_2.0.milestone",
        "onboarding.3.if.else.0.set",
        "retry.0.wait.event.1.goto",
        "retry.0.wait.timeout.0.if.then.0.exit",
        "offers.0.split.offer_b.1.send",
        "offers.1.wait.event.1.if.then.0.milestone",
        "upgrade_pro_to_team.enter",
    ] {
        assert!(ids.contains(&id), "missing `{id}` in {ids:?}");
    }
}

/// The example in `docs/spec.md` is what `journeyc build` really writes for its source.
#[test]
fn the_documented_example_is_current() {
    let doc = std::fs::read_to_string("docs/spec.md").expect("docs/spec.md");
    let block = |lang: &str| -> String {
        let start = doc.find(&format!("```{lang}\n")).expect("a fenced block") + lang.len() + 4;
        let len = doc[start..].find("```").expect("a closing fence");
        doc[start..start + len].to_string()
    };
    let compiled = compile_text(Path::new("trial_nudge.journey"), &block("journey"));
    assert!(
        compiled.diagnostics.is_empty(),
        "the documented journey has no problems"
    );
    let spec = spec::to_json(&compiled.journeys[0]).expect("serialises");
    assert_eq!(block("json"), spec, "update the JSON in docs/spec.md");
    assert_valid(&validator(), &spec, "the documented spec");
}
