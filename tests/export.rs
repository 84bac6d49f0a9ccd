//! The exports as documents: snapshots of one example in each target, determinism, the `build`
//! command's `--target`, and clean errors for what a target cannot express.

mod export_tools;
mod tool_runner; // export_tools names its `Skip`

use journeyc::export::asl::{to_asl, AslOptions};
use journeyc::export::bpmn::to_bpmn;
use std::process::Command;

fn trial() -> journeyc::ir::Journey {
    export_tools::examples()
        .into_iter()
        .find(|j| j.name == "trial_to_paid")
        .expect("the saas_trial example")
}

/// What spans the journeys of `examples/one_customer.journey`, for the router and senders.
#[test]
fn services_file_of_the_one_customer_example() {
    let journeys = export_tools::journeys_in(&["examples/one_customer.journey"]);
    let text = journeyc::export::services::to_json(&journeys);
    insta::assert_snapshot!("one_customer.journeyc-services.json", text);
}

#[test]
fn asl_of_the_trial_example() {
    let text = to_asl(&trial(), &AslOptions::default()).expect("exports");
    insta::assert_snapshot!("trial_to_paid.asl.json", text);
}

#[test]
fn bpmn_of_the_trial_example() {
    let text = to_bpmn(&trial()).expect("exports");
    insta::assert_snapshot!("trial_to_paid.bpmn", text);
}

#[test]
fn exports_are_byte_identical_across_runs() {
    for j in export_tools::examples() {
        let a = to_asl(&j, &AslOptions::default()).expect("asl");
        assert_eq!(a, to_asl(&j, &AslOptions::default()).expect("asl"));
        assert!(a.ends_with("}\n"));
        let b = to_bpmn(&j).expect("bpmn");
        assert_eq!(b, to_bpmn(&j).expect("bpmn"));
        assert!(b.ends_with("</bpmn:definitions>\n"));
    }
}

#[test]
fn the_queue_prefix_option_reaches_every_send() {
    let options = AslOptions {
        queue_url_prefix: "https://sqs.eu-west-1.amazonaws.com/111122223333/acme-".into(),
        ..AslOptions::default()
    };
    let text = to_asl(&trial(), &options).expect("exports");
    assert!(text.contains("https://sqs.eu-west-1.amazonaws.com/111122223333/acme-send-email"));
    assert!(!text.contains("123456789012"));
}

#[test]
fn a_condition_asl_cannot_express_is_a_clean_error() {
    let src = "customer { a: int = 1  b: int = 2 }\nevent go\nchannel email\n\
               touchpoint t { channel email  template \"t\" }\n\
               journey j {\n  trigger go\n  onboarding {\n    if a + b > 2 {\n      send t\n    }\n  }\n}\n";
    let compiled = journeyc::compile_text(std::path::Path::new("j.journey"), src);
    assert!(
        !compiled.diagnostics.has_errors(),
        "{:?}",
        compiled.diagnostics
    );
    let j = &compiled.journeys[0];
    let err = to_asl(j, &AslOptions::default()).expect_err("arithmetic in a condition");
    assert_eq!(err.node, "onboarding.0.if");
    assert!(
        err.to_string().contains("cannot be expressed in ASL"),
        "{err}"
    );
    let err = to_bpmn(j).expect_err("arithmetic in a condition");
    assert!(
        err.to_string().contains("cannot be expressed in BPMN"),
        "{err}"
    );
}

#[test]
fn build_writes_and_checks_each_target() {
    let out = export_tools::scratch("build_targets");
    let journeyc = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_journeyc"))
            .args(args)
            .current_dir(export_tools::root())
            .env("NO_COLOR", "1")
            .output()
            .expect("run journeyc")
    };
    let dir = out.to_string_lossy().into_owned();
    for target in ["spec", "asl", "bpmn"] {
        let built = journeyc(&["build", "examples/", "--target", target, "--out-dir", &dir]);
        assert!(
            built.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&built.stderr)
        );
    }
    for name in [
        "trial_to_paid.json",
        "trial_to_paid.asl.json",
        "trial_to_paid.bpmn",
    ] {
        assert!(out.join(name).is_file(), "{name} written");
    }
    // Both engine targets write the project's services file, the same bytes.
    let services = std::fs::read_to_string(out.join(journeyc::export::services::FILE))
        .expect("journeyc-services.json written");
    assert_eq!(
        services,
        journeyc::export::services::to_json(&export_tools::examples())
    );
    // One directory holds all three targets: none sees the others' files as orphans.
    for target in ["spec", "asl", "bpmn"] {
        let check = journeyc(&[
            "build",
            "examples/",
            "--target",
            target,
            "--out-dir",
            &dir,
            "--check",
        ]);
        assert!(
            check.status.success(),
            "{target}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    // The services file is checked like the journeys' files.
    std::fs::remove_file(out.join(journeyc::export::services::FILE)).expect("remove");
    let check = journeyc(&[
        "build",
        "examples/",
        "--target",
        "asl",
        "--out-dir",
        &dir,
        "--check",
    ]);
    assert_eq!(check.status.code(), Some(1));
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains("missing") && said.contains("journeyc-services.json (not written yet)"),
        "{said}"
    );
    let rebuilt = journeyc(&["build", "examples/", "--target", "bpmn", "--out-dir", &dir]);
    assert!(String::from_utf8_lossy(&rebuilt.stderr).contains("and journeyc-services.json"));
    std::fs::write(out.join("trial_to_paid.bpmn"), "stale").expect("overwrite");
    let check = journeyc(&[
        "build",
        "examples/",
        "--target",
        "bpmn",
        "--out-dir",
        &dir,
        "--check",
    ]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains("stale"));
    let printed = journeyc(&[
        "build",
        "examples/",
        "--target",
        "asl",
        "--stdout",
        "--journey",
        "trial_to_paid",
    ]);
    assert!(printed.status.success());
    let on_disk = std::fs::read(out.join("trial_to_paid.asl.json")).expect("read");
    assert_eq!(printed.stdout, on_disk);
}

#[test]
fn long_node_ids_get_short_stable_state_names() {
    let deep = "customer { a: bool = false }\nevent go\nchannel email\n\
                touchpoint t { channel email  template \"t\" }\n\
                journey j {\n  trigger go\n  stage a_rather_long_stage_name_for_a_journey {\n\
                if a { if a { if a { if a { if a { if a { send t } } } } } }\n  }\n}\n";
    let compiled = journeyc::compile_text(std::path::Path::new("j.journey"), deep);
    assert!(
        !compiled.diagnostics.has_errors(),
        "{:?}",
        compiled.diagnostics
    );
    let doc = journeyc::export::asl::document(&compiled.journeys[0], &AslOptions::default())
        .expect("exports");
    let states = doc["States"]["journey"]["Branches"][0]["States"]
        .as_object()
        .expect("states");
    assert!(states.keys().all(|k| k.chars().count() <= 80));
    let long: Vec<&String> = states.keys().filter(|k| k.len() == 80).collect();
    assert!(!long.is_empty(), "the fixture has ids over 80 characters");
    // Every transition still lands on a state.
    let text = doc.to_string();
    for k in &long {
        assert!(
            text.contains(&format!("\"Next\":\"{k}\"")),
            "{k} is reached"
        );
    }
}

/// (journey, split node id, customer id, bucket): pinned on purpose. A change to any of these
/// re-shuffles every running experiment, in journeyc and in every engine fed by the snippet of
/// `docs/exports.md`.
const GOLDEN_BUCKETS: [(&str, &str, &str, u32); 6] = [
    ("trial_to_paid", "upgrade_trial_to_pro.0.split", "c1", 69),
    ("j", "onboarding.0.split", "customer-5917", 2999),
    ("j", "onboarding.0.split", "customer-1871", 3000),
    ("k", "onboarding.0.split", "alice", 8466),
    ("checkout", "offers.0.split.offer_b.1.split", "Zoë-42", 4598),
    ("", "", "", 2343),
];

#[test]
fn split_buckets_are_pinned() {
    for (journey, node, customer, bucket) in GOLDEN_BUCKETS {
        assert_eq!(
            journeyc::export::split_bucket(journey, node, customer),
            bucket,
            "({journey:?}, {node:?}, {customer:?})"
        );
    }
}

/// The Python block of `docs/exports.md` that defines `split_bucket`, as written in the doc.
fn bucket_snippet() -> String {
    let doc = std::fs::read_to_string(export_tools::root().join("docs/exports.md"))
        .expect("read docs/exports.md");
    doc.split("```python\n")
        .skip(1)
        .filter_map(|rest| rest.split("```").next())
        .find(|block| block.contains("def split_bucket("))
        .expect("docs/exports.md has a Python block defining split_bucket")
        .to_string()
}

/// The snippet given to engine integrators computes the buckets journeyc computes. It needs only
/// the standard library, so any Python 3 runs it: the test environment's, or else `python3`.
#[test]
fn the_bucket_snippet_of_the_docs_computes_the_same_buckets() {
    let python = export_tools::python().unwrap_or_else(|_| "python3".into());
    let triples: Vec<[&str; 3]> = GOLDEN_BUCKETS
        .iter()
        .map(|(j, n, c, _)| [*j, *n, *c])
        .collect();
    let script = format!(
        "{}\nimport json, sys\nfor j, n, c in json.loads(sys.argv[1]):\n    print(split_bucket(j, n, c))\n",
        bucket_snippet()
    );
    let out = match Command::new(&python)
        .arg("-c")
        .arg(&script)
        .arg(serde_json::to_string(&triples).expect("JSON"))
        .output()
    {
        Ok(out) => out,
        Err(e) if !tool_runner::ci() => {
            eprintln!("skipped: no Python to run the snippet of docs/exports.md ({e})");
            return;
        }
        Err(e) => panic!("run {}: {e}", python.display()),
    };
    assert!(
        out.status.success(),
        "the snippet fails:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<u32> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse().expect("a bucket"))
        .collect();
    let want: Vec<u32> = GOLDEN_BUCKETS.iter().map(|g| g.3).collect();
    assert_eq!(
        got, want,
        "docs/exports.md's split_bucket disagrees with journeyc's"
    );
}

/// History is asked of the history service just before the decision, in both targets, and a
/// `set` of a history value is refused by name, never dropped (docs/exports.md, "History").
#[test]
fn history_asks_the_history_service_and_a_set_of_it_is_refused() {
    let src = "customer { n: int = 0 }\nevent go\nevent ordered\nchannel email\n\
               touchpoint t { channel email  template \"t\" }\n\
               journey j {\n  trigger go\n  onboarding {\n    if count(ordered within 30d) >= 3 or sent(t) within 7d {\n      send t\n    }\n  }\n}\n\
               journey k {\n  trigger go\n  onboarding {\n    set n = count(ordered within 30d)\n  }\n}\n";
    let compiled = journeyc::compile_text(std::path::Path::new("j.journey"), src);
    assert!(
        !compiled.diagnostics.has_errors(),
        "{:?}",
        compiled.diagnostics
    );
    let j = compiled.journeys.iter().find(|j| j.name == "j").expect("j");
    let asl: serde_json::Value =
        serde_json::from_str(&to_asl(j, &AslOptions::default()).expect("asl")).expect("json");
    let steps = &asl["States"]["journey"]["Branches"][0]["States"];
    let ask = &steps["onboarding.0.if"];
    assert_eq!(
        ask["Resource"],
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    );
    assert_eq!(ask["Parameters"]["MessageBody"]["type"], "history");
    assert_eq!(
        ask["Parameters"]["MessageBody"]["reads"],
        serde_json::json!([
            { "key": "count_ordered_2592000", "of": "count", "name": "ordered", "within_secs": 2592000 },
            { "key": "sent_t_604800", "of": "sent", "name": "t", "within_secs": 604800 },
        ])
    );
    assert_eq!(ask["ResultPath"], "$.history");
    let choice = steps["onboarding.0.if.decide"].to_string();
    assert!(
        choice.contains("$.history.count_ordered_2592000")
            && choice.contains("NumericGreaterThanEquals"),
        "{choice}"
    );
    let bpmn = to_bpmn(j).expect("bpmn");
    assert!(
        bpmn.contains(r#"<zeebe:taskDefinition type="journey-history" />"#),
        "{bpmn}"
    );
    assert!(
        bpmn.contains("history.count_ordered_2592000 &gt;= 3"),
        "{bpmn}"
    );

    let k = compiled.journeys.iter().find(|j| j.name == "k").expect("k");
    let err = to_asl(k, &AslOptions::default()).expect_err("a set of history");
    assert_eq!(err.node, "onboarding.0.set");
    let err = to_bpmn(k).expect_err("a set of history");
    assert!(
        err.to_string().contains("count(ordered within 30d)"),
        "{err}"
    );
}
