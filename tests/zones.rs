//! Time zones (issue 17): the customer's zone, `quiet FROM..TO local` on ordinary and DST days,
//! a zone change while a send is held, local expectations in tests, and zones in replays.
//! docs/semantics.md names these tests.

mod support;

use journeyc::interp::engine::{Customer, Engine};
use journeyc::interp::program::{EventPayload, Program};
use journeyc::interp::scenario::{Recorder, TEST_EPOCH};
use journeyc::interp::time::{format_rfc3339, parse_rfc3339};
use journeyc::interp::value::Val;
use journeyc::interp::world::scenario as world_scenario;
use journeyc::interp::world::Cast;
use journeyc::interp::zone::Zone;
use std::path::Path;
use support::{journeyc, project};

const FIXTURE: &str = "tests/fixtures/export/local_quiet.journey";

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Compiles a project's first unit: its models' journeys as programs, and the checked model.
fn unit(path: &Path, text: &str) -> (Vec<Program>, journeyc::check::Model) {
    let project = journeyc::project::load_text(path, text);
    let checked = journeyc::check::check_project(&project);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let model = checked.models[0].clone();
    let programs = model
        .journeys
        .values()
        .map(|j| {
            let ir = journeyc::ir::lower::lower_journey(&model, j, &project.sources);
            Program::compile(&ir).expect("compiles")
        })
        .collect();
    (programs, model)
}

/// Every test of the fixture: a Tokyo and a New York customer both get a
/// `quiet 21:00..08:00 local` message at 08:00 their time; the DST days of New York and Berlin
/// (gap: the window ends when the gap ends; overlap: at the earlier of the two times).
#[test]
fn local_quiet_hours_hold_until_the_customers_local_time() {
    let text = std::fs::read_to_string(root().join(FIXTURE)).expect("fixture");
    let (programs, model) = unit(&root().join(FIXTURE), &text);
    let cast = Cast::new(&programs);
    let mut ran = 0;
    for test in &model.tests {
        let sc = journeyc::ir::scenario::lower_test(&model, test).expect("lowers");
        let focus = cast.journey(&sc.journey).expect("journey");
        let outcome = world_scenario::run(&cast, focus, &sc);
        assert!(
            outcome.passed(),
            "test {:?} failed: {:?}",
            test.name,
            outcome.failures
        );
        ran += 1;
    }
    assert_eq!(ran, 10, "every test of the fixture ran");
}

/// The same fixture with UTC quiet hours fails its tests: `local` is what moves the sends.
#[test]
fn without_local_the_same_tests_fail() {
    let text = std::fs::read_to_string(root().join(FIXTURE)).expect("fixture");
    let utc = text.replace(" local }", " }");
    assert_ne!(utc, text);
    let (programs, model) = unit(Path::new("utc.journey"), &utc);
    let cast = Cast::new(&programs);
    let failed = model
        .tests
        .iter()
        .filter(|t| {
            let sc = journeyc::ir::scenario::lower_test(&model, t).expect("lowers");
            let focus = cast.journey(&sc.journey).expect("journey");
            !world_scenario::run(&cast, focus, &sc).passed()
        })
        .count();
    // Only "outside the local quiet hours" passes in UTC too (13:30 in Berlin is 12:30 UTC).
    assert_eq!(failed, 9);
}

const HELD: &str = r#"
customer { tz: timezone = "America/New_York" }
event signed_up
channel email { quiet 21:00..08:00 local }
touchpoint welcome { channel email  template "welcome" }
journey local_welcome {
  trigger signed_up
  onboarding { send welcome }
}
"#;

/// A zone change while held: the release time was fixed in the zone the customer had when
/// the send was held, and an identify that moves the customer does not move it.
#[test]
fn a_zone_change_while_held_keeps_the_release_time() {
    let (programs, _) = unit(Path::new("held.journey"), HELD);
    let p = &programs[0];
    let engine = Engine::new(p);
    let mut c = Customer::new(p, "u1");
    let mut rec = Recorder::default();
    // 12:30 UTC is 07:30 in New York: held until 08:00 New York, 13:00 UTC.
    let t = parse_rfc3339("2026-01-05T12:30:00Z").expect("time");
    let signed_up = EventPayload {
        event: p.event("signed_up"),
        fields: Vec::new(),
    };
    engine.event(&mut c, t, &signed_up, &mut rec);
    let held_until = c.deadline().expect("held");
    assert_eq!(format_rfc3339(held_until), "2026-01-05T13:00:00Z");
    // The customer moves to Tokyo (22:45 there, inside Tokyo's quiet hours too).
    let tz = p.attr("tz").expect("tz attribute");
    let tokyo = Val::Zone(Zone::get("Asia/Tokyo").expect("zone"));
    engine.identify(&mut c, &[(tz, tokyo)]);
    assert_eq!(c.deadline(), Some(held_until));
    engine.advance(&mut c, t + 86_400, &mut rec);
    let sent: Vec<String> = rec
        .happenings
        .iter()
        .filter(|h| matches!(h.action, journeyc::interp::engine::Action::Sent { .. }))
        .map(|h| format_rfc3339(h.time))
        .collect();
    assert_eq!(sent, ["2026-01-05T13:00:00Z"]);
    // A send held after the move is read in Tokyo: 13:30 UTC is 22:30 there, until 23:00 UTC.
    let mut c2 = Customer::new(p, "u2");
    engine.identify(
        &mut c2,
        &[(tz, Val::Zone(Zone::get("Asia/Tokyo").expect("zone")))],
    );
    engine.event(&mut c2, t + 3_600, &signed_up, &mut rec);
    assert_eq!(
        c2.deadline().map(format_rfc3339).as_deref(),
        Some("2026-01-05T23:00:00Z")
    );
    let _ = TEST_EPOCH;
}

const LOG: &str = r#"{"type":"identify","userId":"tokyo","timestamp":"2026-01-05T08:00:00Z","traits":{"tz":"Asia/Tokyo"}}
{"type":"identify","userId":"typo","timestamp":"2026-01-05T08:00:00Z","traits":{"tz":"Asia/Tokio"}}
{"type":"track","userId":"tokyo","event":"signed_up","timestamp":"2026-01-05T12:30:00Z"}
{"type":"track","userId":"typo","event":"signed_up","timestamp":"2026-01-05T12:30:00Z"}
{"type":"track","userId":"newyork","event":"signed_up","timestamp":"2026-01-05T12:30:00Z"}
"#;

fn deferred_until(stdout: &str) -> Vec<(String, String)> {
    stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|l| l["action"] == "deferred")
        .map(|l| {
            (
                l["customer"].as_str().unwrap_or_default().to_string(),
                l["until"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// Replay: a `timezone` trait sets the customer's zone; an unknown zone is dropped with its
/// line number and a did-you-mean, and the customer keeps the project default.
#[test]
fn replay_reads_zones_from_identify_calls_and_names_a_bad_one() {
    let dir = project(&[("j.journey", HELD), ("log.jsonl", LOG)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("dropped trait `tz` 1 time (first on line 2")
            && stderr.contains("did you mean `Asia/Tokyo`?"),
        "{stderr}"
    );
    let held = deferred_until(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(
        held,
        [
            ("tokyo".to_string(), "2026-01-05T23:00:00Z".to_string()),
            ("typo".to_string(), "2026-01-05T13:00:00Z".to_string()),
            ("newyork".to_string(), "2026-01-05T13:00:00Z".to_string()),
        ]
    );
}

/// `--state` keeps a customer's zone: a run that only saw the identify call and a run that
/// sees the event hold the send as one run over the whole log does.
#[test]
fn a_saved_state_keeps_the_customers_zone() {
    let first = r#"{"type":"identify","userId":"tokyo","timestamp":"2026-01-05T08:00:00Z","traits":{"tz":"Asia/Tokyo"}}
{"type":"identify","userId":"other","timestamp":"2026-01-05T10:00:00Z","traits":{}}
"#;
    // A later call lets the replay settle the event (calls within the reorder window are held).
    let second = r#"{"type":"track","userId":"tokyo","event":"signed_up","timestamp":"2026-01-05T12:30:00Z"}
{"type":"identify","userId":"other","timestamp":"2026-01-05T12:40:00Z","traits":{}}
"#;
    let dir = project(&[("j.journey", HELD), ("a.jsonl", first), ("b.jsonl", second)]);
    for log in ["a.jsonl", "b.jsonl"] {
        let out = journeyc(
            &["run", "j.journey", "--events", log, "--state", "s.json"],
            dir.path(),
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        if log == "a.jsonl" {
            // The identify call was applied and its zone saved with the customer's profile.
            let state = std::fs::read_to_string(dir.path().join("s.json")).expect("state");
            assert!(state.contains(r#"{"Zone":"Asia/Tokyo"}"#), "{state}");
        } else {
            assert_eq!(
                deferred_until(&String::from_utf8_lossy(&out.stdout)),
                [("tokyo".to_string(), "2026-01-05T23:00:00Z".to_string())]
            );
        }
    }
    let state = std::fs::read_to_string(dir.path().join("s.json")).expect("state");
    assert!(state.contains(r#"{"Zone":"Asia/Tokyo"}"#), "{state}");
}

/// The language server: `local` is offered after the times of `quiet` and of a test's
/// expectation, `timezone` among the types, and hovering `local` or the zone attribute explains
/// the customer's zone.
#[test]
fn the_language_server_knows_local_and_timezone() {
    use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, hover, uri};
    let full = std::fs::read_to_string(root().join(FIXTURE)).expect("fixture");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("edit.journey"));
    let analysis_of = |text: &str| {
        let mut docs = Documents::default();
        docs.open(
            path.clone(),
            uri::from_path(&path).expect("uri"),
            text.to_string(),
        );
        Analysis::of(&path, &docs)
    };
    let labels = |from: &str, to: &str, cursor_after: &str| -> Vec<String> {
        assert!(full.contains(from), "{from}");
        let text = full.replacen(from, to, 1);
        let a = analysis_of(&text);
        let f = a.file_id(&path).expect("loaded");
        let model = a
            .units_of(f)
            .next()
            .map(|u| u.model.clone())
            .unwrap_or_default();
        let offset = text.find(cursor_after).expect("cursor") + cursor_after.len();
        completion::complete(&text, offset, &model)
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    let quiet = labels(
        "channel email     { quiet 21:00..08:00 local }",
        "channel email     { quiet 21:00..08:00 l }",
        "21:00..08:00 ",
    );
    assert!(quiet.contains(&"local".to_string()), "{quiet:?}");
    let expect = labels(
        "  expect sent welcome at 08:00 local\n",
        "  expect sent welcome at 08:00 l\n",
        "welcome at 08:00 ",
    );
    assert!(expect.contains(&"local".to_string()), "{expect:?}");
    let types = labels("tz: timezone = \"America/New_York\"", "tz: t", "tz: ");
    assert!(types.contains(&"timezone".to_string()), "{types:?}");

    let a = analysis_of(&full);
    let f = a.file_id(&path).expect("loaded");
    let hover_at = |needle: &str, extra: usize| -> String {
        let offset = full.find(needle).expect("needle") + extra;
        match hover::hover(&a, f, offset).map(|h| h.contents) {
            Some(lsp_types::HoverContents::Markup(m)) => m.value,
            other => panic!("no hover at {needle:?}: {other:?}"),
        }
    };
    let local = hover_at("21:00..08:00 local", "21:00..08:00 ".len() + 1);
    assert!(local.contains("customer's wall clock"), "{local}");
    let attr = hover_at("tz: timezone", 0);
    assert!(
        attr.contains("tz: timezone = \"America/New_York\""),
        "{attr}"
    );
    assert!(attr.contains("The customer's time zone"), "{attr}");
}

const MOVES: &str = r#"
customer { tz: timezone = "America/New_York" }
event signed_up
event moved { zone: timezone }
channel email { quiet 21:00..08:00 local }
touchpoint welcome { channel email  template "welcome" }
touchpoint again { channel email  template "again" }
journey moving {
  trigger signed_up
  onboarding {
    set tz = "Asia/Tokyo"
    send welcome
    wait moved up to 30d {
      set tz = event.zone
      send again
    }
  }
}
test "a zone set by the journey holds the send in that zone" {
  journey moving
  at 3h30m signed_up
  at 1d3h30m moved { zone = "Europe/Berlin" }
  expect sent welcome at 14h
  expect sent again at 1d3h30m
}
simulation spread {
  journey moving
  customers 500
  population { tz = "Europe/Berlin" 30% | "Asia/Tokyo" 70% }
  behavior { moved 50% within 1d { zone = "America/New_York" 50% | "UTC" 50% } }
}
"#;

/// `set tz = "..."` and `set tz = event.FIELD` move the customer: the next send is held on the
/// new zone's clock (12:30 UTC is 21:30 in Tokyo, so until 23:00 UTC; 12:30 UTC a day later is
/// 13:30 in Berlin, outside the window).
#[test]
fn a_set_zone_is_the_customers_zone_from_then_on() {
    let (programs, model) = unit(Path::new("moves.journey"), MOVES);
    let cast = Cast::new(&programs);
    let sc = journeyc::ir::scenario::lower_test(&model, &model.tests[0]).expect("lowers");
    let outcome = world_scenario::run(&cast, 0, &sc);
    assert!(outcome.passed(), "{:?}", outcome.failures);
}

/// Simulations draw zones in `population` and in event fields.
#[test]
fn a_simulation_draws_zones() {
    let dir = project(&[("j.journey", MOVES)]);
    let out = journeyc(&["simulate", "j.journey", "--format", "json"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("welcome"), "{stdout}");
    let bad = MOVES.replace("\"Asia/Tokyo\" 70%", "\"Asia/Tokio\" 70%");
    let dir = project(&[("j.journey", &bad)]);
    let out = journeyc(&["simulate", "j.journey"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("did you mean `Asia/Tokyo`?"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `--explain` says on whose clock a send was held.
#[test]
fn explain_names_the_zone_a_send_was_held_in() {
    let dir = project(&[("j.journey", HELD), ("log.jsonl", LOG)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "tokyo",
        ],
        dir.path(),
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("because quiet 21:00..08:00 local in Asia/Tokyo: it is 21:30 there, held until 08:00 local"),
        "{stdout}"
    );
}
