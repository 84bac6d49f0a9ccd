//! `trigger when COND`: entry when an identify makes a condition true, having been false
//! (docs/semantics.md, "Entry when a condition becomes true"), through the real binary: replays,
//! saved state, tests with identify steps, simulations and several journeys of one customer.

mod support;

use support::{journeyc, project, run_lines as lines, sent_at as sends, RunLine};

const DECLS: &str = r#"
enum plan { free, trial, pro }
customer {
  plan: plan = free
  seats: int = 1
}
event upgraded
channel email
touchpoint trial_welcome { channel email  template "trial-welcome" }
touchpoint trial_tips { channel email  template "trial-tips" }
touchpoint pro_thanks { channel email  template "pro-thanks" }
"#;

const TRIAL: &str = r#"
journey team_trial {
  trigger when plan == trial and seats >= 3
  entry always
  goal upgraded
  stage welcome {
    send trial_welcome
    wait 2d
    send trial_tips
  }
}
"#;

/// The lines a replay of `log` over the declarations and `journeys` wrote.
fn replay(journeys: &str, log: &str, extra: &[&str]) -> Vec<RunLine> {
    support::replay_source(&format!("{DECLS}\n{journeys}"), log, extra)
}

fn identify(user: &str, traits: &str, at: &str) -> String {
    format!(r#"{{"type":"identify","userId":"{user}","timestamp":"{at}","traits":{traits}}}"#)
}

fn track(user: &str, event: &str, at: &str) -> String {
    format!(r#"{{"type":"track","userId":"{user}","event":"{event}","timestamp":"{at}"}}"#)
}

#[test]
fn an_identify_that_makes_the_condition_true_enters_the_customer() {
    let log = [
        identify(
            "ann",
            r#"{"plan":"free","seats":5}"#,
            "2026-03-02T08:00:00Z",
        ),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-03T08:00:00Z"),
    ];
    let out = replay(TRIAL, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-03T08:00:00Z"]
    );
}

#[test]
fn a_customer_who_matches_when_first_met_enters_then() {
    let log = [
        track("bob", "upgraded", "2026-03-01T10:00:00Z"),
        identify(
            "cat",
            r#"{"plan":"trial","seats":3}"#,
            "2026-03-02T08:00:00Z",
        ),
    ];
    let out = replay(TRIAL, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "cat", "trial_welcome"),
        ["2026-03-02T08:00:00Z"]
    );
    // Met by an event, with the default profile: no match, no entry.
    assert!(sends(&out, "bob", "trial_welcome").is_empty());
}

#[test]
fn an_identify_that_leaves_the_condition_true_enters_no_one_again() {
    let log = [
        identify(
            "ann",
            r#"{"plan":"trial","seats":5}"#,
            "2026-03-02T08:00:00Z",
        ),
        track("ann", "upgraded", "2026-03-03T08:00:00Z"),
        identify("ann", r#"{"seats":6}"#, "2026-03-04T08:00:00Z"),
    ];
    let out = replay(TRIAL, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z"]
    );
}

#[test]
fn a_fall_and_a_rise_enter_again_as_the_entry_rule_allows() {
    let log = [
        identify(
            "ann",
            r#"{"plan":"trial","seats":5}"#,
            "2026-03-02T08:00:00Z",
        ),
        track("ann", "upgraded", "2026-03-03T08:00:00Z"),
        identify("ann", r#"{"plan":"pro"}"#, "2026-03-04T08:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-05T08:00:00Z"),
    ];
    let out = replay(TRIAL, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z", "2026-03-05T08:00:00Z"]
    );
    // `entry once`: the second rise is refused.
    let once = TRIAL.replace("entry always", "entry once");
    let out = replay(&once, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z"]
    );
}

#[test]
fn a_rise_while_the_customer_is_inside_is_passed_over() {
    // In the journey (waiting 2 days) when the condition falls and rises again: no second
    // entry then, and none after the steps end, since the condition did not rise again.
    let log = [
        identify(
            "ann",
            r#"{"plan":"trial","seats":5}"#,
            "2026-03-02T08:00:00Z",
        ),
        identify("ann", r#"{"plan":"free"}"#, "2026-03-02T12:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-02T13:00:00Z"),
        identify("ann", r#"{"seats":4}"#, "2026-03-06T08:00:00Z"),
    ];
    let out = replay(TRIAL, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z"]
    );
}

#[test]
fn a_set_in_the_journey_counts_as_a_change_of_the_condition() {
    // The journey's own `set` takes the customer out of the condition: the identify that puts
    // them back is a rise.
    let journey = r#"
journey trial_once_more {
  trigger when plan == trial
  entry always
  stage welcome {
    send trial_welcome
    set plan = free
  }
}
"#;
    let log = [
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-02T08:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-03T08:00:00Z"),
    ];
    let out = replay(journey, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z", "2026-03-03T08:00:00Z"]
    );
}

#[test]
fn the_last_value_of_the_condition_carries_over_a_saved_state() {
    let log = [
        identify(
            "ann",
            r#"{"plan":"trial","seats":5}"#,
            "2026-03-02T08:00:00Z",
        ),
        track("ann", "upgraded", "2026-03-03T08:00:00Z"),
        identify("ann", r#"{"seats":6}"#, "2026-03-10T08:00:00Z"),
        identify("ann", r#"{"plan":"pro"}"#, "2026-03-11T08:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-12T08:00:00Z"),
    ];
    let until = "2026-03-20T00:00:00Z";
    let whole = replay(TRIAL, &log.join("\n"), &["--until", until]);
    let src = format!("{DECLS}\n{TRIAL}");
    let dir = project(&[
        ("j.journey", &src),
        ("a.jsonl", &log[..2].join("\n")),
        ("b.jsonl", &log[2..].join("\n")),
    ]);
    let mut parts = String::new();
    for file in ["a.jsonl", "b.jsonl"] {
        let mut args = vec!["run", "j.journey", "--events", file, "--state", "s.json"];
        // The last run ends the log: the calls a run holds for the next one are handled.
        if file == "b.jsonl" {
            args.extend(["--until", until]);
        }
        parts.push_str(&support::run_ok(&args, dir.path()));
    }
    assert_eq!(lines(&parts), whole);
    assert_eq!(
        sends(&whole, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z", "2026-03-12T08:00:00Z"]
    );
    // The saved state holds the condition's last value.
    let state = std::fs::read_to_string(dir.path().join("s.json")).expect("the state file");
    assert!(state.contains("\"when_last\":true"), "{state}");
}

#[test]
fn journeyc_test_identifies_during_a_test() {
    let src = format!(
        "{DECLS}\n{TRIAL}\n{}",
        r#"
test "a team that starts a trial enters at the identify" {
  journey team_trial
  customer { seats = 5 }
  at 1d customer { plan = trial }
  expect sent trial_welcome at 1d
  expect sent trial_tips at 3d
}
test "an identify that changes nothing enters no one" {
  journey team_trial
  customer { plan = trial, seats = 5 }
  at 1d upgraded
  at 2d customer { plan = trial }
  expect not sent trial_welcome at 2d
}
"#
    );
    let dir = project(&[("j.journey", &src)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
}

#[test]
fn simulation_enters_the_customers_whose_drawn_attributes_match() {
    let src = format!(
        "{DECLS}\n{TRIAL}\n{}",
        r#"
simulation trials {
  journey team_trial
  customers 1000
  seed 3
  population { plan = trial 40% | free 60%, seats = 1..6 }
}
"#
    );
    let dir = project(&[("j.journey", &src)]);
    let out = journeyc(&["simulate", "j.journey", "--format", "json"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let entered = v["entered"].as_u64().expect("entered");
    // 40% on trial, and 4 of the 6 seat counts are 3 or more: about 27%.
    assert!((200..=340).contains(&entered), "{entered}");
}

#[test]
fn journeys_decide_in_arbitration_order_and_only_their_own_condition() {
    // Two `trigger when` journeys of one customer: an identify that makes both true enters
    // both, the higher priority first; one that makes only one true enters only that one.
    let journeys = r#"
journey team_trial {
  trigger when plan == trial and seats >= 3
  stage welcome { send trial_welcome }
}
journey pro_welcome {
  trigger when plan == pro
  priority 5
  stage thanks { send pro_thanks }
}
"#;
    let log = [
        identify("ann", r#"{"plan":"pro","seats":5}"#, "2026-03-02T08:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-03T08:00:00Z"),
    ];
    let out = replay(journeys, &log.join("\n"), &[]);
    assert_eq!(sends(&out, "ann", "pro_thanks"), ["2026-03-02T08:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-03T08:00:00Z"]
    );
}

#[test]
fn a_customer_first_met_by_an_event_or_an_open_is_decided_then() {
    // `trigger when plan == free` holds on the default profile: a customer the log first shows
    // through an event the journey reads, or an open, enters at that call.
    let journey = r#"
journey free_tips {
  trigger when plan == free
  exit on upgraded
  stage tips { send trial_tips }
}
"#;
    let log = [
        track("bob", "upgraded", "2026-03-02T08:00:00Z"),
        r#"{"type":"track","userId":"cat","event":"opened","timestamp":"2026-03-02T09:00:00Z","properties":{"touchpoint":"trial_tips"}}"#.to_string(),
    ];
    let out = replay(journey, &log.join("\n"), &[]);
    assert_eq!(sends(&out, "bob", "trial_tips"), ["2026-03-02T08:00:00Z"]);
    assert_eq!(sends(&out, "cat", "trial_tips"), ["2026-03-02T09:00:00Z"]);
}

#[test]
fn entry_every_spaces_the_entries_of_a_condition_that_rises_often() {
    let journey = TRIAL.replace("entry always", "entry every 7d");
    let log = [
        identify(
            "ann",
            r#"{"plan":"trial","seats":5}"#,
            "2026-03-02T08:00:00Z",
        ),
        track("ann", "upgraded", "2026-03-02T09:00:00Z"),
        identify("ann", r#"{"plan":"pro"}"#, "2026-03-03T08:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-05T08:00:00Z"),
        track("ann", "upgraded", "2026-03-05T09:00:00Z"),
        identify("ann", r#"{"plan":"pro"}"#, "2026-03-08T08:00:00Z"),
        identify("ann", r#"{"plan":"trial"}"#, "2026-03-10T08:00:00Z"),
    ];
    let out = replay(&journey, &log.join("\n"), &[]);
    assert_eq!(
        sends(&out, "ann", "trial_welcome"),
        ["2026-03-02T08:00:00Z", "2026-03-10T08:00:00Z"]
    );
    // `--explain` says why the rise of 5 March did not enter.
    let src = format!("{DECLS}\n{journey}");
    let dir = project(&[("j.journey", &src), ("log.jsonl", &log.join("\n"))]);
    let args = [
        "run",
        "j.journey",
        "--events",
        "log.jsonl",
        "--explain",
        "ann",
    ];
    let text = support::run_ok(&args, dir.path());
    assert!(
        text.contains("did not enter: `entry every` allows the next entry at 2026-03-09T08:00:00Z"),
        "{text}"
    );
}
