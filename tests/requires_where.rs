//! `requires E where COND` (docs/semantics.md, "`requires E where COND`"): only an arrival of
//! `E` that met `COND` proves it, and the proof is per path.

mod support;

use std::path::Path;
use support::journeyc;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn a_wait_without_the_condition_does_not_prove_it_and_one_with_it_in_a_conjunction_does() {
    let out = journeyc(
        &["check", "tests/fixtures/fail/E0304_requires_where.journey"],
        root(),
    );
    let text =
        String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    // One E0304: the send inside the wait without the condition; the send after the wait whose
    // `where` joins the condition with `and` is proved.
    assert_eq!(text.matches("may be sent before").count(), 1, "{text}");
    assert!(
        text.contains("where `event.status == \"delivered\"`"),
        "{text}"
    );
    // The plain `requires delivery_update` of `tracking` is proved by any arrival.
    assert!(!text.contains("`tracking` may be sent"), "{text}");
}

#[test]
fn the_condition_is_in_the_spec_and_the_journey_runs() {
    let out = journeyc(
        &["test", "tests/fixtures/pass/requires_where.journey"],
        root(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let out_dir = dir.path().to_string_lossy().to_string();
    let out = journeyc(
        &[
            "build",
            "tests/fixtures/pass/requires_where.journey",
            "--out-dir",
            &out_dir,
        ],
        root(),
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let spec = std::fs::read_to_string(dir.path().join("order_updates.json")).expect("spec");
    let json: serde_json::Value = serde_json::from_str(&spec).expect("json");
    let cond = &json["touchpoints"]["order_arrived"]["requires_where"]["delivery_update"];
    assert_eq!(cond["op"], "binary", "{spec}");
    assert_eq!(cond["lhs"]["op"], "event_field", "{spec}");
}
