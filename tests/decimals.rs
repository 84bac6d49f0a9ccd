//! Exact decimals and negative literals (docs/semantics.md, "Exact decimals"): the same exact
//! values in `journeyc test`, `run --events`, a state file and `simulate`.

use std::path::Path;
use std::process::{Command, Output};

/// A money journey: `spent` adds the orders' amounts; each message is sent only when a value is
/// exactly right, so a float (0.1 + 0.2 == 0.30000000000000004) would not send it.
const JOURNEY: &str = r#"
customer {
  balance: decimal = -5.0
  credit: int = -3
  spent: decimal = 0.0
  ratio: decimal = 0.0
  zero: decimal = 0.0
  huge: decimal = 7922816251426433759354395033.5
}
event check as "Check"
event calc
event ordered as "Order Completed" { amount: decimal }
channel email { }
touchpoint exact { channel email  template "exact" }
touchpoint total { channel email  template "total" }
touchpoint negative { channel email  template "negative" }
touchpoint thirds { channel email  template "thirds" }
touchpoint eighth { channel email  template "eighth" }
touchpoint times { channel email  template "times" }
touchpoint overflow { channel email  template "overflow" }
touchpoint by_zero { channel email  template "by_zero" }
journey money {
  trigger check
  onboarding {
    set spent = 0.1 + 0.2
    if spent == 0.3 { send exact }
    if balance == -5 and credit == -3 { send negative }
    wait ordered up to 1d {
      set spent = spent + event.amount
    }
    wait ordered up to 1d {
      set spent = spent + event.amount
    }
    if spent == 40.28 { send total }
  }
}
journey maths {
  trigger calc
  onboarding {
    set ratio = 2.0 / 3
    if ratio == 0.6666666666666666666666666667 { send thirds }
    set ratio = 1.0 / 8
    if ratio == 0.125 and ratio == 0.1250 { send eighth }
    set ratio = 19.99 * 3
    if ratio == 59.97 { send times }
    set ratio = huge * 100
    if not (ratio >= 0) { send overflow }
    set ratio = 1.5 / zero
    if not (ratio >= 0) { send by_zero }
  }
}
"#;

const TESTS: &str = r#"
test "money adds up exactly" {
  journey money
  at 0 check
  at 1h ordered { amount = 19.99 }
  at 2h ordered { amount = 19.99 }
  expect sent exact
  expect sent negative
  expect sent total
}
test "a refund is a negative amount" {
  journey money
  customer { balance = -4.5, credit = -3 }
  at 0 check
  at 1h ordered { amount = 50.27 }
  at 2h ordered { amount = -10.29 }
  expect sent total
  expect not sent negative
}
test "division, products and overflow" {
  journey maths
  at 0 calc
  expect sent thirds
  expect sent eighth
  expect sent times
  expect sent overflow
  expect sent by_zero
}
"#;

fn journeyc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs")
}

fn setup(extra: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), format!("{JOURNEY}{extra}"))
        .expect("write the journey");
    dir
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn money_adds_up_exactly() {
    let dir = setup(TESTS);
    let out = journeyc(dir.path(), &["test", "j.journey"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn division_rounds_half_to_even() {
    // 2/3 ends in ...6666|67 (rounded up), and 1/3 ends in ...3333 (rounded down): both are the
    // nearest at 28 places, so a test expecting either other rounding fails.
    let dir = setup(
        r#"
test "wrong rounding" {
  journey maths
  at 0 calc
  expect not sent thirds
}
"#,
    );
    let out = journeyc(dir.path(), &["test", "j.journey"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
}

#[test]
fn overflow_and_division_by_zero_are_not_set() {
    let dir = setup(
        r#"
test "overflow is not set" {
  journey maths
  at 0 calc
  expect not sent overflow
}
"#,
    );
    let out = journeyc(dir.path(), &["test", "j.journey"]);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    assert!(text(&out).contains("overflow"), "{}", text(&out));
}

#[test]
fn negative_literals_are_values() {
    // A default, a test customer and a test event with a sign, checked and run.
    let dir = setup(TESTS);
    let out = journeyc(dir.path(), &["check", "j.journey"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    // In an expression `-` stays the operator: `x -5` is a subtraction, as before.
    let dir = setup(
        r#"
journey minus {
  trigger calc
  onboarding {
    set ratio = huge -5
    if ratio == 7922816251426433759354395028.5 { send times }
  }
}
test "minus" {
  journey minus
  at 0 calc
  expect sent times
}
"#,
    );
    let out = journeyc(dir.path(), &["test", "j.journey"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

fn track(t: &str, id: &str, event: &str, props: &str) -> String {
    format!(
        r#"{{"type":"track","userId":"{id}","event":"{event}","timestamp":"2026-03-02T{t}Z","properties":{{{props}}}}}"#
    )
}

fn log() -> Vec<String> {
    vec![
        track("09:00:00", "a", "Check", ""),
        track("10:00:00", "a", "Order Completed", r#""amount":19.99"#),
        track("11:00:00", "a", "Order Completed", r#""amount":"19.99""#),
    ]
}

#[test]
fn a_replay_reads_decimal_amounts_exactly() {
    let dir = setup("");
    std::fs::write(dir.path().join("log.jsonl"), log().join("\n") + "\n").expect("write");
    let out = journeyc(
        dir.path(),
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--until",
            "2026-03-04T00:00:00Z",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    for tp in ["exact", "negative", "total"] {
        assert!(
            stdout.contains(&format!("\"{tp}\"")),
            "{tp} not sent: {stdout}"
        );
    }
}

#[test]
fn a_number_beyond_a_decimal_is_a_clear_per_line_problem() {
    let dir = setup("");
    let lines = [
        track("09:00:00", "a", "Check", ""),
        track("10:00:00", "a", "Order Completed", r#""amount":1e30"#),
    ];
    std::fs::write(dir.path().join("log.jsonl"), lines.join("\n") + "\n").expect("write");
    let out = journeyc(dir.path(), &["run", "j.journey", "--events", "log.jsonl"]);
    let all = text(&out);
    assert!(all.contains("beyond what a decimal holds"), "{all}");
    assert!(all.contains("line 2") || all.contains(":2"), "{all}");
}

#[test]
fn a_state_file_keeps_decimals_exactly() {
    let dir = setup("");
    let d = dir.path();
    let lines = log();
    std::fs::write(d.join("log.jsonl"), lines[..2].join("\n") + "\n").expect("write");
    let first = journeyc(
        d,
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--state",
            "state.json",
            "--until",
            "2026-03-02T10:30:00Z",
        ],
    );
    assert_eq!(first.status.code(), Some(0), "{}", text(&first));
    let saved = std::fs::read_to_string(d.join("state.json")).expect("a state file");
    // 0.1 + 0.2 + 19.99, as its digits.
    assert!(saved.contains("\"20.29\""), "{saved}");
    std::fs::write(d.join("log.jsonl"), lines[2].clone() + "\n").expect("write");
    let second = journeyc(
        d,
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--state",
            "state.json",
            "--until",
            "2026-03-04T00:00:00Z",
        ],
    );
    assert_eq!(second.status.code(), Some(0), "{}", text(&second));
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(stdout.contains("\"total\""), "{stdout}");
}

#[test]
fn a_population_draws_decimals_at_the_range_scale() {
    use journeyc::ir::simulation::DrawKind;
    use journeyc::ir::Value;
    use std::str::FromStr;
    let src = format!(
        "{JOURNEY}\nsimulation cohort {{\n  journey maths\n  customers 200\n  seed 3\n  \
         population {{\n    balance = -5.00..5.00\n    credit = -5..5\n    \
         spent = -1.5 50% | 2.5 50%\n  }}\n  behavior {{ calc 100% within 1d }}\n}}\n"
    );
    let path = Path::new("decimals.journey");
    let project = journeyc::project::load_text(path, &src);
    let checked = journeyc::check::check_project(&project);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let model = &checked.models[0];
    let sim = journeyc::ir::simulation::lower_simulation(model, &model.simulations["cohort"])
        .expect("a journey");
    let dec = |s| Value::Decimal(rust_decimal::Decimal::from_str(s).expect("a decimal"));
    let kinds: Vec<&DrawKind> = sim.population.iter().map(|d| &d.kind).collect();
    assert_eq!(kinds[0], &DrawKind::Range(dec("-5.00"), dec("5.00")));
    assert_eq!(kinds[1], &DrawKind::Range(Value::Int(-5), Value::Int(5)));
    assert!(matches!(kinds[2], DrawKind::Choices(c) if c[0].0 == dec("-1.5")));
    // And the simulation runs with them, the same for the same seed.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), &src).expect("write");
    let run = || {
        let out = journeyc(
            dir.path(),
            &["simulate", "j.journey", "--simulation", "cohort"],
        );
        assert_eq!(out.status.code(), Some(0), "{}", text(&out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    assert_eq!(run(), run());
}

#[test]
fn explain_shows_decimals_as_written() {
    let dir = setup("");
    std::fs::write(dir.path().join("log.jsonl"), log().join("\n") + "\n").expect("write");
    let out = journeyc(
        dir.path(),
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "a",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let all = text(&out);
    for shown in [
        "set spent = 0.3 ",
        "set spent = 20.29 ",
        "set spent = 40.28 ",
    ] {
        assert!(all.contains(shown), "no `{shown}` in {all}");
    }
}
