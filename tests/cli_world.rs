//! One world through the real binary: `journeyc test` and `journeyc run` run every journey of
//! the project together for each customer (issue 15).

mod support;

use std::path::Path;
use support::{journeyc, project};

const PROJECT: &str = r#"
event signed_up
event kyc_applied
event kyc_approved
channel email { cap 1 per 1d }
channel post { quiet 21:00..07:00 }
touchpoint welcome { channel email  template "welcome" }
touchpoint promo { channel email  template "promo" }
touchpoint receipt { channel email  template "receipt"  transactional }
touchpoint under_review { channel post  template "under-review" }
touchpoint account_ready { channel post  template "account-ready" }
touchpoint delayed { channel post  template "delayed" }
journey welcome_series { trigger signed_up  onboarding { send welcome } }
journey promotion { trigger signed_up  onboarding { wait 1h  send promo  send receipt } }
journey kyc {
  trigger kyc_applied
  onboarding {
    send under_review
    wait kyc_approved up to 3d { send account_ready } timeout { send delayed }
  }
}
test "the promotion's email is capped by the welcome email" {
  journey promotion
  at 0 signed_up
  expect sent welcome at 0
  expect suppressed promo
  expect sent receipt at 1h
}
test "the approval during quiet hours is ignored" {
  journey kyc
  at 12h kyc_applied
  at 14h kyc_approved
  expect sent account_ready
}
"#;

#[test]
fn tests_run_every_journey_and_show_ignored_events() {
    let dir = project(&[("p.journey", PROJECT)]);
    let out = journeyc(&["test", "p.journey"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            "test p.journey: the promotion's email is capped by the welcome email ... ok"
        ),
        "{stdout}"
    );
    assert!(
        stdout.contains("test p.journey: the approval during quiet hours is ignored ... FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains("kyc: onboarding.0.send")
            && stdout.contains(
                "ignored `kyc_approved`: held at `send under_review` until 2026-01-06T07:00:00Z (quiet hours)"
            ),
        "the timeline shows the ignored approval and where the customer was: {stdout}"
    );
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn journey_flag_runs_one_journey_alone() {
    let dir = project(&[("p.journey", PROJECT)]);
    let out = journeyc(&["test", "p.journey", "--journey", "promotion"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Alone, nothing else sent `welcome`: that expectation fails, and `promo` is not capped.
    assert!(stdout.contains("... FAILED"), "{stdout}");
    assert!(stdout.contains("1 filtered out"), "{stdout}");
}

const KYC_LOG: &str = r#"{"type":"track","userId":"ana","event":"kyc_applied","timestamp":"2026-01-05T21:00:00Z"}
{"type":"track","userId":"ana","event":"kyc_approved","timestamp":"2026-01-05T23:00:00Z"}
{"type":"track","userId":"ana","event":"signed_up","timestamp":"2026-01-06T06:00:00Z"}
"#;

#[test]
fn explain_shows_ignored_events_and_where_the_customer_stands() {
    let dir = project(&[("p.journey", PROJECT), ("log.jsonl", KYC_LOG)]);
    let out = journeyc(
        &[
            "run",
            "p.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "ana",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stdout.contains("ignored `kyc_approved`: held at `send under_review` until 2026-01-06T07:00:00Z (quiet hours), at `onboarding.0.send`"),
        "{stdout}"
    );
    assert!(
        stdout.contains("at the end: still in journey `kyc`: held at `send under_review` until 2026-01-06T07:00:00Z"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "at the end: still in journey `promotion`: in a `wait` until 2026-01-06T07:00:00Z"
        ),
        "{stdout}"
    );
    assert!(
        stderr.contains("1 event arrived while nothing in a journey waited for it"),
        "the summary counts ignored events: {stderr}"
    );
}

#[test]
fn replay_caps_span_journeys() {
    let log = r#"{"type":"track","userId":"bo","event":"signed_up","timestamp":"2026-01-05T09:00:00Z"}
"#;
    let dir = project(&[("p.journey", PROJECT), ("log.jsonl", log)]);
    let out = journeyc(
        &[
            "run",
            "p.journey",
            "--events",
            "log.jsonl",
            "--until",
            "2026-01-06T09:00:00Z",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    let sent: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"action\":\"sent\""))
        .collect();
    assert_eq!(
        sent.len(),
        2,
        "welcome and the receipt, not promo: {stdout}"
    );
    assert!(
        stdout.contains("\"action\":\"suppressed\"") && stdout.contains("\"touchpoint\":\"promo\""),
        "{stdout}"
    );
}

/// The exports carry `transactional` to the sender and the arbitration to the router, and drop
/// the consent check for a transactional touchpoint.
#[test]
fn exports_carry_transactional_and_arbitration() {
    use journeyc::export::asl::{to_asl, AslOptions};
    use journeyc::export::bpmn::to_bpmn;
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pass/arbitration.journey");
    let text = std::fs::read_to_string(&path).expect("fixture");
    let project = journeyc::project::load_text(&path, &text);
    let checked = journeyc::check::check_project(&project);
    let model = &checked.models[0];
    let lower = |name: &str| {
        journeyc::ir::lower::lower_journey(model, &model.journeys[name], &project.sources)
    };
    let orders = lower("order_mail");
    let asl = to_asl(&orders, &AslOptions::default()).expect("asl");
    assert!(asl.contains("\"transactional\": true"), "{asl}");
    assert!(!asl.contains("consent: without"), "{asl}");
    assert!(asl.contains("priority -1"), "{asl}");
    let bpmn = to_bpmn(&orders).expect("bpmn");
    assert!(
        bpmn.contains("key=\"transactional\" value=\"true\""),
        "{bpmn}"
    );
    assert!(!bpmn.contains("email_opt_in?"), "{bpmn}");
    let promo = to_bpmn(&lower("spring_promo")).expect("bpmn");
    assert!(
        promo.contains("priority 10, exclusive marketing"),
        "{promo}"
    );
}

#[test]
fn a_failed_test_shows_where_an_ignored_event_found_the_customer() {
    let dir = project(&[("p.journey", PROJECT)]);
    let out = journeyc(&["test", "p.journey"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let line = stdout
        .lines()
        .find(|l| l.contains("ignored `kyc_approved`"))
        .unwrap_or_else(|| panic!("no ignored approval: {stdout}"));
    // The node column names the held send, as for the send's own lines.
    assert!(line.contains("kyc: onboarding.0.send "), "{line}");
}

/// Sends are looked for in every journey, in both directions; other expectations only in the
/// test's own journey.
#[test]
fn expectations_other_than_sends_are_the_test_journeys_own() {
    let dir = project(&[(
        "p.journey",
        r#"
event signed_up
event ordered
channel email { cap 5 per 1d }
touchpoint welcome { channel email  template "welcome" }
touchpoint promo { channel email  template "promo" }
journey a { trigger signed_up  goal ordered within 1h  onboarding { send promo } }
journey b { trigger signed_up  goal ordered within 2d  onboarding { send welcome  wait 1d } }
test "the other journey's conversion is not this one's" {
  journey a
  at 0 signed_up
  at 2h ordered
  expect converted
}
test "a send by the other journey breaks expect not sent" {
  journey a
  at 0 signed_up
  expect not sent welcome
}
test "a send by the other journey meets expect sent" {
  journey a
  at 0 signed_up
  expect sent welcome at 0
}
"#,
    )]);
    let out = journeyc(&["test", "p.journey"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    for (name, verdict) in [
        ("the other journey's conversion is not this one's", "FAILED"),
        (
            "a send by the other journey breaks expect not sent",
            "FAILED",
        ),
        ("a send by the other journey meets expect sent", "ok"),
    ] {
        assert!(
            stdout.contains(&format!("test p.journey: {name} ... {verdict}")),
            "{name}: {stdout}"
        );
    }
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_failed_test_of_a_keyed_journey_names_each_line_s_instance() {
    let src = r#"
event placed { order_id: string }
channel email
touchpoint confirm { channel email  template "confirm" }
journey orders per order_id {
  trigger placed
  entry always
  stage s { send confirm }
}
test "two orders, one confirmation expected too many" {
  journey orders
  at 0 placed { order_id = "A-1" }
  at 1h placed { order_id = "A-2" }
  expect not sent confirm
}
"#;
    let dir = project(&[("j.journey", src)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(
        text.contains("[order_id A-1]") && text.contains("[order_id A-2]"),
        "{text}"
    );
}

/// Every example's own tests pass: they are the examples' documentation of what happens, and
/// between them they use every kind of expectation (sent, suppressed, milestone, reached,
/// converted, exited, local times).
#[test]
fn every_example_passes_its_own_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(root.join("examples"))
        .expect("examples")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "journey"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "examples: {files:?}");
    for f in files {
        let out = journeyc(&["test", f.to_str().expect("a UTF-8 path")], root);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{}:\n{stdout}", f.display());
        assert!(stdout.contains(" 0 failed"), "{}:\n{stdout}", f.display());
    }
}

#[test]
fn milestone_stage_and_exit_expectations_hold_only_for_what_happened() {
    const SRC: &str = r#"
event signed_up
event activated
event churned
channel email
touchpoint welcome { channel email  template "welcome" }
touchpoint tips { channel email  template "tips" }
journey trial {
  trigger signed_up
  exit on churned
  onboarding {
    send welcome
    wait activated up to 2d {
      milestone active
    }
  }
  stage adoption {
    send tips
    wait 7d
  }
}
test "met" {
  journey trial
  at 0 signed_up
  at 1h activated
  at 3d churned
  expect milestone active
  expect reached adoption
  expect exited
}
test "milestone not met" {
  journey trial
  at 0 signed_up
  expect milestone active
}
test "stage not reached" {
  journey trial
  at 0 signed_up
  at 1h churned
  expect reached adoption
}
test "not exited" {
  journey trial
  at 0 signed_up
  expect exited
}
test "tips not sent" {
  journey trial
  at 0 signed_up
  at 1h churned
  expect sent tips
}
"#;
    let dir = project(&[("j.journey", SRC)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    for (name, verdict) in [
        ("met", "ok"),
        ("milestone not met", "FAILED"),
        ("stage not reached", "FAILED"),
        ("not exited", "FAILED"),
        ("tips not sent", "FAILED"),
    ] {
        assert!(
            stdout.contains(&format!("test j.journey: {name} ... {verdict}")),
            "{name}: {stdout}"
        );
    }
    // Without a time to compare with, the failure still names the send that never came.
    assert!(
        stdout.contains("expectation failed: `expect sent tips`: `tips` was never sent"),
        "{stdout}"
    );
}
