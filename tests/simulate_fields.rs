//! Event fields in simulations, through the real binary: the `trigger { ... }` block and the field
//! blocks of behaviour rules reach the journey (its trigger `where`, its `if event.FIELD`) in the
//! drawn proportions, the same for any `--threads`, and a field block changes no other draw.

use std::path::Path;
use std::process::{Command, Output};

fn journeyc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs")
}

/// Runs `source` (written to a temp file) with `extra` flags and returns stdout.
fn run(source: &str, extra: &[&str]) -> String {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("model.journey"), source).expect("writable");
    let mut args = vec!["simulate", "model.journey"];
    args.extend_from_slice(extra);
    let out = journeyc(&args, dir.path());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn run_json(source: &str) -> serde_json::Value {
    serde_json::from_str(&run(source, &["--format", "json"])).expect("JSON")
}

const MODEL: &str = r#"
enum plan { free, pro, team }
event ordered { amount: decimal }
event upgraded { plan: plan, mrr: decimal }
channel email
touchpoint offer { channel email  template "offer" }
touchpoint pro_welcome { channel email  template "pro" }
touchpoint team_welcome { channel email  template "team" }
touchpoint big_spender { channel email  template "big" }
journey j {
  trigger ordered where event.amount > 100
  onboarding {
    send offer
    wait upgraded up to 10d {
      if event.plan == pro {
        send pro_welcome
      } else if event.plan == team {
        send team_welcome
      }
      if event.mrr >= 50.0 {
        send big_spender
      }
    }
  }
}
"#;

const SIM: &str = r#"
simulation s {
  journey j
  customers 20_000
  seed 11
  trigger { amount = 0.0..400.0 }
  behavior {
    upgraded 50% within 3d after offer { plan = pro 70% | team 30%, mrr = 20.0..60.0 }
  }
}
"#;

fn sent(v: &serde_json::Value, touchpoint: &str) -> f64 {
    v["touchpoints"]
        .as_array()
        .and_then(|t| t.iter().find(|x| x["name"] == touchpoint))
        .and_then(|x| x["sent"].as_f64())
        .unwrap_or_else(|| panic!("touchpoint {touchpoint} in the report"))
}

#[test]
fn trigger_fields_decide_entry() {
    let v = run_json(&format!("{MODEL}{SIM}"));
    // amount uniform in 0..400, entry when above 100: three in four.
    let rate = v["entered_rate"].as_f64().expect("entered_rate");
    assert!((rate - 0.75).abs() < 0.015, "entered {rate}");
    // Without the trigger block the field is unset, and nobody enters.
    let v = run_json(&format!(
        "{MODEL}{}",
        SIM.replace("trigger { amount = 0.0..400.0 }", "")
    ));
    assert_eq!(v["entered"], 0);
}

/// `entry once` counts entries, not triggers: a customer whose first order was too small to
/// enter enters at a later order that is big enough.
#[test]
fn a_trigger_that_did_not_enter_leaves_entry_once_unused() {
    let sim = SIM.replace(
        "  behavior {",
        "  behavior {\n    ordered 100% after 2d { amount = 0.0..400.0 }",
    );
    assert_ne!(sim, SIM);
    let v = run_json(&format!("{MODEL}{sim}"));
    // Not entered only when both orders are at most 100: 1 - 1/4 * 1/4.
    let rate = v["entered_rate"].as_f64().expect("entered_rate");
    assert!((rate - 0.9375).abs() < 0.01, "entered {rate}");
}

#[test]
fn rule_fields_reach_both_branches_in_the_drawn_shares() {
    let v = run_json(&format!("{MODEL}{SIM}"));
    let offers = sent(&v, "offer");
    let pro = sent(&v, "pro_welcome");
    let team = sent(&v, "team_welcome");
    let big = sent(&v, "big_spender");
    let upgraded = pro + team;
    assert!(
        (upgraded / offers - 0.5).abs() < 0.02,
        "{upgraded} of {offers}"
    );
    assert!(
        (pro / upgraded - 0.7).abs() < 0.02,
        "pro {pro} of {upgraded}"
    );
    assert!(
        (team / upgraded - 0.3).abs() < 0.02,
        "team {team} of {upgraded}"
    );
    // mrr uniform in 20..60: at least 50 one time in four.
    assert!(
        (big / upgraded - 0.25).abs() < 0.02,
        "big {big} of {upgraded}"
    );
}

#[test]
fn fields_do_not_depend_on_threads() {
    let source = format!("{MODEL}{SIM}");
    for format in ["text", "json"] {
        let one = run(&source, &["--format", format, "--threads", "1"]);
        let three = run(&source, &["--format", format, "--threads", "3"]);
        assert_eq!(one, three, "{format}: 1 and 3 threads differ");
    }
}

#[test]
fn a_field_block_changes_no_other_draw() {
    // The journey does not branch on the fields here, so everything the report counts comes
    // from the customer's own stream: arrivals, attributes, coins and delays.
    let plain = r#"
event ordered { amount: decimal }
event bought { price: decimal }
channel email
touchpoint offer { channel email  template "offer" }
journey j {
  trigger ordered
  goal bought within 30d
  onboarding {
    send offer
    wait 5d
  }
}
simulation s {
  journey j
  customers 5_000
  seed 5
  behavior {
    bought 20% within 10d
    bought 30% within 2d after offer
  }
}
"#;
    let with_fields = plain
        .replace(
            "  behavior {",
            "  trigger { amount = 1.0..9.0 }\n  behavior {",
        )
        .replace(
            "bought 20% within 10d",
            "bought 20% within 10d { price = 10.0 50% | 20.0 50% }",
        );
    assert_ne!(plain, with_fields);
    assert_eq!(run(plain, &[]), run(&with_fields, &[]));
}

#[test]
fn compare_refuses_a_version_whose_event_fields_do_not_fit() {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("before.journey"), format!("{MODEL}{SIM}")).expect("writable");
    let after = MODEL
        .replace("mrr: decimal", "mrr: int")
        .replace("event.mrr >= 50.0", "event.mrr >= 50");
    assert_ne!(after, MODEL);
    std::fs::write(dir.path().join("after.journey"), after).expect("writable");
    let out = journeyc(
        &["simulate", "before.journey", "--compare", "after.journey"],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("gives `upgraded.mrr` the value"), "{err}");
}

/// The IR carries every field draw, typed, so the interpreter never reads the syntax tree.
#[test]
fn field_blocks_are_lowered_into_the_simulation() {
    use journeyc::ir::simulation::{DrawKind, Subject};
    use journeyc::ir::Value;
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pass/simulation_fields.journey");
    let text = std::fs::read_to_string(&path).expect("readable");
    let project = journeyc::project::load_text(&path, &text);
    let checked = journeyc::check::check_project(&project);
    assert!(!checked.diagnostics.has_errors());
    let model = &checked.models[0];
    let sim = journeyc::ir::simulation::lower_simulation(model, &model.simulations["order_cohort"])
        .expect("a journey");
    let names: Vec<&str> = sim.trigger.iter().map(|d| d.attribute.as_str()).collect();
    assert_eq!(names, ["amount", "coupon", "placed"]);
    assert_eq!(
        sim.trigger[0].kind,
        DrawKind::Range(
            Value::Decimal(rust_decimal::Decimal::new(500, 1)),
            Value::Decimal(rust_decimal::Decimal::new(2500, 1))
        )
    );
    let first = &sim.behavior[0];
    assert_eq!(first.subject, Subject::Event("upgraded".into()));
    match &first.fields[0].kind {
        DrawKind::Choices(cs) => {
            let shares: Vec<u32> = cs.iter().map(|c| c.1).collect();
            assert_eq!(shares, [8000, 2000]);
        }
        other => panic!("plan is drawn from choices, not {other:?}"),
    }
    assert_eq!(sim.behavior[1].fields.len(), 3);
    assert!(
        sim.behavior[2].fields.is_empty(),
        "an engagement has no fields"
    );
}
