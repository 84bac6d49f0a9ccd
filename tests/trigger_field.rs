//! `trigger.FIELD` after entry, through the real binary: `--explain` shows the value a condition
//! read from the trigger event (docs/semantics.md, "The trigger's fields").

mod support;

use support::project;

const SRC: &str = r#"
event placed { order_id: string, express: bool }
channel email
touchpoint fast { channel email  template "fast" }
touchpoint slow { channel email  template "slow" }
journey orders {
  trigger placed
  stage ship {
    wait 1d
    if trigger.express and trigger.order_id == "A-1" {
      send fast
    } else {
      send slow
    }
  }
}
"#;

#[test]
fn explain_shows_the_trigger_fields_a_condition_read() {
    let log = r#"{"type":"track","userId":"ann","event":"placed","timestamp":"2026-03-02T08:00:00Z","properties":{"order_id":"A-1","express":true}}"#;
    let dir = project(&[("j.journey", SRC), ("log.jsonl", log)]);
    let args = [
        "run",
        "j.journey",
        "--events",
        "log.jsonl",
        "--explain",
        "ann",
        "--until",
        "2026-03-05T00:00:00Z",
    ];
    let text = support::run_ok(&args, dir.path());
    assert!(text.contains("sent fast"), "{text}");
    assert!(
        text.contains("(trigger.express = true, trigger.order_id = \"A-1\")"),
        "{text}"
    );
}
