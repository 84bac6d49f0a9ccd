//! `journeyc check --message-format github|sarif` on a fixture with errors and warnings.

use std::process::Command;

const FIXTURE: &str = "tests/fixtures/ci/problems.journey";

fn check(format: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["check", FIXTURE, "--message-format", format])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .output()
        .expect("journeyc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
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
        assert_eq!(rules[index]["fullDescription"]["text"].as_str(), page);
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
