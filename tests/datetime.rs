//! Datetimes and `wait until` (docs/semantics.md, "Datetimes" and "Waiting until a datetime"):
//! one test per rule, each failing if the rule is broken.

use std::path::Path;
use std::process::Command;

const JOURNEY: &str = "tests/fixtures/datetime/appointment_reminders.journey";

fn journeyc(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("journeyc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Replays `log` (JSON lines) on the appointment journey; returns (time, touchpoint) of sends.
fn sends(log: &str, extra: &[&str]) -> Vec<(String, String)> {
    let dir = tempfile::tempdir().expect("temp dir");
    let src = std::fs::read_to_string(JOURNEY).expect("the journey");
    std::fs::write(dir.path().join("j.journey"), src).expect("write");
    std::fs::write(dir.path().join("log.jsonl"), log).expect("write");
    let mut args = vec!["run", "j.journey", "--events", "log.jsonl"];
    args.extend_from_slice(extra);
    let (code, out, err) = journeyc(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    out.lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON"))
        .filter(|l| l["action"] == "sent")
        .map(|l| {
            (
                l["time"].as_str().unwrap_or_default().to_string(),
                l["touchpoint"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const BOOKED: &str = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"next_appointment":"2026-01-10T15:00:00-05:00"}}
{"type":"track","userId":"u1","event":"appointment_booked","timestamp":"2026-01-05T09:00:00Z","properties":{"appointment_id":"a1","starts_at":"2026-01-10T15:00:00-05:00"}}
"#;
const MOVED: &str = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-06T09:00:00Z","traits":{"next_appointment":"2026-01-12T10:00:00Z"}}
"#;

fn pair(t: &str, tp: &str) -> (String, String) {
    (t.to_string(), tp.to_string())
}

#[test]
fn wait_until_waits_for_the_instant_with_its_offset() {
    let s = sends(BOOKED, &["--until", "2026-01-20T00:00:00Z"]);
    assert_eq!(
        s,
        [
            pair("2026-01-09T20:00:00Z", "reminder_day_before"),
            pair("2026-01-10T18:00:00Z", "reminder_two_hours")
        ]
    );
}

#[test]
fn an_identify_that_moves_the_time_moves_the_wait() {
    let s = sends(
        &format!("{BOOKED}{MOVED}"),
        &["--until", "2026-01-20T00:00:00Z"],
    );
    assert_eq!(
        s,
        [
            pair("2026-01-11T10:00:00Z", "reminder_day_before"),
            pair("2026-01-12T08:00:00Z", "reminder_two_hours")
        ]
    );
}

#[test]
fn a_saved_state_keeps_the_wait_and_its_time() {
    let dir = tempfile::tempdir().expect("temp dir");
    let state = dir.path().join("state.json");
    let state = state.to_string_lossy().to_string();
    let first = sends(
        BOOKED,
        &["--state", &state, "--until", "2026-01-06T00:00:00Z"],
    );
    assert!(first.is_empty(), "{first:?}");
    let second = sends(
        MOVED,
        &["--state", &state, "--until", "2026-01-20T00:00:00Z"],
    );
    assert_eq!(
        second,
        [
            pair("2026-01-11T10:00:00Z", "reminder_day_before"),
            pair("2026-01-12T08:00:00Z", "reminder_two_hours")
        ]
    );
}

#[test]
fn a_time_already_past_continues_at_once() {
    let log = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"next_appointment":"2026-01-05T12:00:00Z"}}
{"type":"track","userId":"u1","event":"appointment_booked","timestamp":"2026-01-05T09:00:00Z","properties":{"appointment_id":"a1","starts_at":"2026-01-05T12:00:00Z"}}
"#;
    let s = sends(log, &["--until", "2026-01-06T00:00:00Z"]);
    assert_eq!(
        s,
        [
            pair("2026-01-05T09:00:00Z", "reminder_day_before"),
            pair("2026-01-05T10:00:00Z", "reminder_two_hours")
        ]
    );
}

#[test]
fn a_time_exactly_now_does_not_wait() {
    // Booked exactly 24 hours ahead: the day-before time is the booking's own instant, which
    // is not after now, so the wait does not park (docs/semantics.md: "at or before now").
    let out = explain_u1(
        r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"next_appointment":"2026-01-06T09:00:00Z"}}
{"type":"track","userId":"u1","event":"appointment_booked","timestamp":"2026-01-05T09:00:00Z","properties":{"appointment_id":"a1","starts_at":"2026-01-06T09:00:00Z"}}
"#,
    );
    assert!(
        out.contains("did not wait: its time, 2026-01-05T09:00:00Z, was already past"),
        "{out}"
    );
}

#[test]
fn a_time_no_longer_set_continues_at_once() {
    let unset = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-06T09:00:00Z","traits":{"next_appointment":null}}
"#;
    let s = sends(
        &format!("{BOOKED}{unset}"),
        &["--until", "2026-01-07T00:00:00Z"],
    );
    assert!(
        s.contains(&pair("2026-01-06T09:00:00Z", "reminder_day_before")),
        "{s:?}"
    );
}

#[test]
fn a_bad_datetime_in_a_log_names_the_line_and_the_form() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(JOURNEY, dir.path().join("j.journey")).expect("copy");
    std::fs::write(
        dir.path().join("log.jsonl"),
        r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"next_appointment":"next tuesday"}}
"#,
    )
    .expect("write");
    let (_, _, err) = journeyc(dir.path(), &["run", "j.journey", "--events", "log.jsonl"]);
    assert!(err.contains("line 1"), "{err}");
    assert!(err.contains("RFC 3339"), "{err}");
}

#[test]
fn the_example_tests_pass() {
    let (code, out, err) = journeyc(Path::new("."), &["test", JOURNEY]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("3 passed"), "{out}");
}

fn check_text(src: &str) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), src).expect("write");
    let (code, out, err) = journeyc(dir.path(), &["check", "j.journey"]);
    (code, format!("{out}{err}"))
}

#[test]
fn a_wait_for_an_event_named_until_still_reads_as_one() {
    let (code, out) = check_text(
        "event go\nevent until\nchannel e\ntouchpoint t { channel e template \"t\" }\njourney j {\n  trigger go\n  onboarding {\n    wait until up to 2d\n    wait until where true\n    wait until { send t }\n    wait until\n    send t\n    wait until\n  }\n}\n",
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn an_attribute_named_now_keeps_its_meaning() {
    let (code, out) = check_text(
        "customer { now: int = 1 }\nevent go\nchannel e\ntouchpoint t { channel e template \"t\" }\njourney j {\n  trigger go where now > 0\n  onboarding { send t }\n}\n",
    );
    assert_eq!(code, 0, "{out}");
}

#[test]
fn datetime_arithmetic_has_types() {
    let base = "customer { a: datetime = 2026-01-01T00:00:00Z, d: duration = 1h }\nevent go\nchannel e\ntouchpoint t { channel e template \"t\" }\n";
    let ok = format!("{base}journey j {{\n  trigger go where a - 24h < now and now - a > d and a + 1h != a\n  onboarding {{ send t }}\n}}\n");
    let (code, out) = check_text(&ok);
    assert_eq!(code, 0, "{out}");
    let bad = format!(
        "{base}journey j {{\n  trigger go where a + a > now\n  onboarding {{ send t }}\n}}\n"
    );
    let (code, out) = check_text(&bad);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("cannot apply `+` to a datetime and a datetime"),
        "{out}"
    );
}

#[test]
fn explain_says_why_a_wait_until_did_not_wait() {
    let out = explain_u1(
        r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"next_appointment":"2026-01-05T12:00:00Z"}}
{"type":"track","userId":"u1","event":"appointment_booked","timestamp":"2026-01-05T09:00:00Z","properties":{"appointment_id":"a1","starts_at":"2026-01-05T12:00:00Z"}}
"#,
    );
    assert!(
        out.contains("`wait until next_appointment - 1d` did not wait: its time, 2026-01-04T12:00:00Z, was already past"),
        "{out}"
    );
}

/// What `journeyc run --explain u1` prints for `log` over the appointment journey.
fn explain_u1(log: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::copy(JOURNEY, dir.path().join("j.journey")).expect("copy");
    std::fs::write(dir.path().join("log.jsonl"), log).expect("write");
    let args = [
        "run",
        "j.journey",
        "--events",
        "log.jsonl",
        "--explain",
        "u1",
    ];
    let (code, out, err) = journeyc(dir.path(), &args);
    assert_eq!(code, 0, "{err}");
    out
}

#[test]
fn simulations_draw_datetimes_from_the_moment_of_the_draw() {
    let (code, out, err) = journeyc(Path::new("."), &["simulate", JOURNEY]);
    assert_eq!(code, 0, "{err}");
    // Every appointment is 2 to 10 days ahead: both reminders wait, and all are sent.
    let line = |tp: &str| {
        out.lines()
            .find(|l| l.trim_start().starts_with(tp) && l.contains("sms"))
            .map(|l| l.split_whitespace().nth(2).unwrap_or_default().to_string())
    };
    assert_eq!(line("reminder_day_before").as_deref(), Some("200"), "{out}");
    assert_eq!(line("reminder_two_hours").as_deref(), Some("200"), "{out}");
}

#[test]
fn a_draw_from_now_must_be_a_datetime() {
    let (code, out) = check_text(
        "customer { seats: int = 1 }\nevent go\nchannel e\ntouchpoint t { channel e template \"t\" }\njourney j {\n  trigger go where seats > 0\n  onboarding { send t }\n}\nsimulation s {\n  journey j\n  population { seats = now + 2d..10d }\n}\n",
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`now + ..` draws datetimes"), "{out}");
}

const EXPORTED: &str = "customer { next_appointment: datetime }\nevent go\nchannel e\ntouchpoint t { channel e template \"t\" }\njourney j {\n  trigger go\n  onboarding {\n    if next_appointment > now {\n      wait until next_appointment\n      send t\n      wait until next_appointment + 1h\n      send t\n    }\n  }\n}\n";

fn build(src: &str, target: &str) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), src).expect("write");
    journeyc(
        dir.path(),
        &["build", "--target", target, "--stdout", "j.journey"],
    )
}

#[test]
fn bpmn_waits_until_a_feel_date_and_time() {
    let (code, out, err) = build(EXPORTED, "bpmn");
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains(r#"<bpmn:timeDate xsi:type="bpmn:tFormalExpression">=date and time(next_appointment)</bpmn:timeDate>"#),
        "{out}"
    );
    assert!(
        out.contains("=date and time(next_appointment) + duration(&quot;PT1H&quot;)"),
        "{out}"
    );
}

#[test]
fn step_functions_wait_on_a_timestamp_path_or_on_the_clock_service() {
    let plain = EXPORTED.replace("      wait until next_appointment + 1h\n", "");
    let (code, out, err) = build(&plain, "asl");
    assert_eq!(code, 0, "{err}");
    serde_json::from_str::<serde_json::Value>(&out).expect("a JSON state machine");
    let text = out;
    assert!(
        text.contains(r#""TimestampPath": "$.customer.next_appointment""#),
        "{text}"
    );
    assert!(text.contains(r#""IsTimestamp": true"#), "{text}");
    // `now` is the time the Choice state was entered.
    assert!(
        text.contains(r#""TimestampGreaterThanPath": "$$.State.EnteredTime""#),
        "{text}"
    );
    // A time moved by a duration: the clock service computes it, then a `Wait` on its answer.
    let (code, text, err) = build(EXPORTED, "asl");
    assert_eq!(code, 0, "{err}");
    assert!(
        text.contains(r#""at.$": "$.customer.next_appointment""#),
        "{text}"
    );
    assert!(text.contains(r#""offset_secs": 3600"#), "{text}");
    assert!(
        text.contains(r#""TimestampPath": "$.clock.until""#),
        "{text}"
    );
    // A time with no value of the data in it has no Step Functions form: refused, not dropped.
    let moved = EXPORTED.replace("next_appointment + 1h", "now + 1h");
    let (code, _, err) = build(&moved, "asl");
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("`wait until now + 1h`"), "{err}");
}

/// Completion labels and the hover text at `cursor_after` in `text`.
fn lsp_at(text: &str, cursor_after: &str) -> (Vec<String>, String) {
    use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, hover, uri};
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("edit.journey"));
    let mut docs = Documents::default();
    docs.open(
        path.clone(),
        uri::from_path(&path).expect("uri"),
        text.to_string(),
    );
    let a = Analysis::of(&path, &docs);
    let f = a.file_id(&path).expect("loaded");
    let model = a
        .units_of(f)
        .next()
        .map(|u| u.model.clone())
        .unwrap_or_default();
    let offset = text.find(cursor_after).expect("cursor") + cursor_after.len();
    let labels = completion::complete(text, offset, &model)
        .into_iter()
        .map(|i| i.label)
        .collect();
    let shown = hover::hover(&a, f, offset.saturating_sub(1))
        .map(|h| match h.contents {
            lsp_types::HoverContents::Markup(m) => m.value,
            _ => String::new(),
        })
        .unwrap_or_default();
    (labels, shown)
}

#[test]
fn the_language_server_offers_until_and_now_and_explains_them() {
    let src = std::fs::read_to_string(JOURNEY).expect("the journey");
    let (labels, _) = lsp_at(
        &src.replacen("wait until next_appointment - 24h", "wait ", 1),
        "    wait ",
    );
    assert!(labels.contains(&"until".to_string()), "{labels:?}");
    let (labels, _) = lsp_at(
        &src.replacen("next_appointment > now", "next_appointment > ", 1),
        "next_appointment > ",
    );
    assert!(labels.contains(&"now".to_string()), "{labels:?}");
    assert!(
        labels.contains(&"next_appointment".to_string()),
        "{labels:?}"
    );
    let (_, shown) = lsp_at(&src, "next_appointment > now");
    assert!(
        shown.contains("the current instant, a `datetime`"),
        "{shown}"
    );
    let (_, shown) = lsp_at(&src, "wait until");
    assert!(shown.contains("`wait until DATETIME`"), "{shown}");
}

/// A date plus or minus a duration moves by the whole days of the duration, a part of a day
/// dropped toward zero, so that `d - D` and `d + (-D)` are the same day, whichever sign `D`
/// has (docs/semantics.md, "Datetimes"). Each branch sends its own touchpoint, so a failing
/// case names itself.
#[test]
fn a_date_moves_by_whole_days_either_way() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        ("later", "renewal + 36h == 2026-03-11"),
        ("earlier", "renewal - 36h == 2026-03-09"),
        ("negative_plus", "renewal + (-36h) == 2026-03-09"),
        ("negative_minus", "renewal - (-36h) == 2026-03-11"),
        ("hour_minus", "renewal - 1h == 2026-03-10"),
        ("hour_plus", "renewal + (-1h) == 2026-03-10"),
        ("whole_days", "renewal - 2d == 2026-03-08"),
    ];
    let mut src =
        String::from("customer { renewal: date = 2026-03-10 }\nevent go\nchannel email\n");
    for (name, _) in &cases {
        src.push_str(&format!(
            "touchpoint {name} {{ channel email  template \"{name}\" }}\n"
        ));
    }
    src.push_str("journey j {\n  trigger go\n  onboarding {\n");
    for (name, cond) in &cases {
        src.push_str(&format!("    if {cond} {{ send {name} }}\n"));
    }
    src.push_str("  }\n}\ntest \"dates move by whole days\" {\n  journey j\n  at 0 go\n");
    for (name, _) in &cases {
        src.push_str(&format!("  expect sent {name}\n"));
    }
    src.push_str("}\n");
    std::fs::write(dir.path().join("dates.journey"), &src).expect("write");
    let (code, out, err) = journeyc(dir.path(), &["test", "dates.journey"]);
    assert_eq!(code, 0, "{src}\n{out}\n{err}");
    assert!(out.contains("1 passed"), "{out}");
}
