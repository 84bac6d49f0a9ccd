//! Typed payloads (`data { ... }` on a touchpoint, `send T with { ... }`): when the values are
//! computed, what `run` writes, what `journeyc test` shows and checks (docs/semantics.md,
//! "Payloads").

use journeyc::interp::engine::{Action, Customer, Engine, Observer};
use journeyc::interp::program::{EventPayload, Program};
use journeyc::interp::scenario::{Recorder, TEST_EPOCH};
use journeyc::interp::time::Instant;
use journeyc::interp::value::Val;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;

const SOURCE: &str = r#"
enum tier { basic, gold }
customer { tier: tier = basic, seats: int = 1, renews: date = 2026-06-01 }
event order_placed { order_id: string, total: decimal }
event order_shipped { order_id: string, carrier: string }
channel email
channel webhook { quiet 21:00..08:00 }
touchpoint shipped {
  channel email
  template "order-shipped"
  data { order_id: string, carrier: string, tier: tier, total: decimal }
}
touchpoint crm_update {
  channel webhook
  template "POST /crm"
  data { seats: int, renews: date, grace: duration }
}

journey orders {
  trigger order_placed
  onboarding {
    wait order_shipped up to 7d {
      send shipped with {
        order_id = event.order_id,
        carrier = event.carrier,
        tier = tier,
        total = 3,
      }
    }
    wait 13h
    send crm_update with { seats = seats * 2, renews = renews + 7d, grace = 2d }
  }
}
"#;

fn program() -> Program {
    let project = journeyc::project::load_text(Path::new("payload.journey"), SOURCE);
    let checked = journeyc::check::check_project(&project);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    let model = &checked.models[0];
    let j = model.journeys.values().next().expect("one journey");
    let ir = journeyc::ir::lower::lower_journey(model, j, &project.sources);
    Program::compile(&ir).expect("compiles")
}

fn event(p: &Program, name: &str, fields: &[(&str, &str)]) -> EventPayload {
    EventPayload {
        event: p.event(name),
        fields: fields
            .iter()
            .map(|(f, v)| (Arc::from(*f), Val::Str(Arc::from(*v))))
            .collect(),
    }
}

/// The data of every send, in order, as `touchpoint: { ... }` text.
fn sends(p: &Program, rec: &Recorder) -> Vec<String> {
    rec.happenings
        .iter()
        .filter_map(|h| match &h.action {
            Action::Sent { touchpoint, data } => Some(format!(
                "{}: {}",
                p.touchpoint_names[*touchpoint],
                data.as_ref()
                    .map(|d| journeyc::interp::payload::show(p, *touchpoint, d))
                    .unwrap_or_else(|| "none".into())
            )),
            _ => None,
        })
        .collect()
}

/// The values are those of the moment the message goes out: a send held by quiet hours reads
/// the attributes as they are when it is released, not when it was reached.
#[test]
fn values_are_computed_when_the_message_goes_out() {
    let p = program();
    let engine = Engine::new(&p);
    let mut c = Customer::new(&p, "c1");
    let mut rec = Recorder::default();
    engine.event(
        &mut c,
        TEST_EPOCH,
        &event(&p, "order_placed", &[("order_id", "A-1")]),
        &mut rec,
    );
    engine.event(
        &mut c,
        TEST_EPOCH + 3600,
        &event(
            &p,
            "order_shipped",
            &[("order_id", "A-1"), ("carrier", "ups")],
        ),
        &mut rec,
    );
    // The test epoch is 09:00; shipped at 10:00, then 13h: 23:00, inside the quiet hours.
    engine.advance(&mut c, TEST_EPOCH + 3600 + 13 * 3600, &mut rec);
    let seats = p.attr("seats").expect("seats");
    engine.identify(&mut c, &[(seats, Val::Int(4))]);
    engine.advance(&mut c, TEST_EPOCH + 2 * 86_400, &mut rec);
    assert_eq!(
        sends(&p, &rec),
        vec![
            r#"shipped: { carrier = "ups", order_id = "A-1", tier = basic, total = 3 }"#,
            "crm_update: { grace = 2d, renews = 2026-06-08, seats = 8 }",
        ]
    );
}

/// An observer that does not ask (a simulation's counters) gets no values: nothing is
/// evaluated or allocated for it.
#[test]
fn observers_that_do_not_ask_get_no_values() {
    struct Counts(Vec<bool>);
    impl Observer for Counts {
        fn action(&mut self, _: Instant, _: Option<usize>, a: &Action) {
            if let Action::Sent { data, .. } = a {
                self.0.push(data.is_some());
            }
        }
    }
    let p = program();
    let engine = Engine::new(&p);
    let mut c = Customer::new(&p, "c1");
    let mut obs = Counts(Vec::new());
    engine.event(
        &mut c,
        TEST_EPOCH,
        &event(&p, "order_placed", &[("order_id", "A-1")]),
        &mut obs,
    );
    engine.event(
        &mut c,
        TEST_EPOCH + 60,
        &event(
            &p,
            "order_shipped",
            &[("order_id", "A-1"), ("carrier", "ups")],
        ),
        &mut obs,
    );
    assert_eq!(obs.0, vec![false]);
}

fn journeyc(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("journeyc runs")
}

/// `run` writes the values of each send under `"data"`, typed as event logs write them:
/// strings, numbers and booleans as themselves, enum values by name, dates as text, durations
/// in seconds. A send without data has no `"data"` key.
#[test]
fn run_writes_the_values_with_each_send() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("p.journey"), SOURCE).expect("write");
    std::fs::write(
        dir.path().join("log.jsonl"),
        concat!(
            r#"{"type":"track","userId":"u1","event":"order_placed","timestamp":"2026-03-02T09:00:00Z","properties":{"order_id":"A-7","total":12.5}}"#,
            "\n",
            r#"{"type":"identify","userId":"u1","timestamp":"2026-03-02T09:30:00Z","traits":{"tier":"gold"}}"#,
            "\n",
            r#"{"type":"track","userId":"u1","event":"order_shipped","timestamp":"2026-03-02T10:00:00Z","properties":{"order_id":"A-7","carrier":"dhl"}}"#,
            "\n",
        ),
    )
    .expect("write");
    let out = journeyc(
        dir.path(),
        &[
            "run",
            "p.journey",
            "--events",
            "log.jsonl",
            "--until",
            "2026-03-04T00:00:00Z",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .collect();
    let data: Vec<(String, serde_json::Value)> = lines
        .iter()
        .filter(|l| l["action"] == "sent")
        .map(|l| {
            (
                l["touchpoint"].as_str().unwrap_or_default().to_string(),
                l["data"].clone(),
            )
        })
        .collect();
    assert_eq!(
        data,
        vec![
            (
                "shipped".to_string(),
                serde_json::json!({"carrier": "dhl", "order_id": "A-7", "tier": "gold", "total": 3})
            ),
            (
                "crm_update".to_string(),
                serde_json::json!({"grace": 172800, "renews": "2026-06-08", "seats": 2})
            ),
        ]
    );
}

/// `expect sent T with { ... }` holds when a send of T carries every listed field with that
/// value (others are not looked at); when it fails, the message shows what was sent.
#[test]
fn expect_sent_with_checks_the_listed_fields_and_shows_the_values_sent() {
    let dir = tempfile::tempdir().expect("temp dir");
    let test = |expect: &str| {
        let text = format!(
            "{SOURCE}\ntest \"t\" {{\n  journey orders\n  customer {{ tier = gold }}\n  at 0 order_placed {{ order_id = \"A-1\", total = 9.5 }}\n  at 1h order_shipped {{ order_id = \"A-1\", carrier = \"ups\" }}\n  {expect}\n}}\n"
        );
        std::fs::write(dir.path().join("t.journey"), text).expect("write");
        let out = journeyc(dir.path(), &["test", "t.journey"]);
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).to_string()
                + &String::from_utf8_lossy(&out.stderr),
        )
    };
    for passing in [
        r#"expect sent shipped with { carrier = "ups" }"#,
        r#"expect sent shipped with { carrier = "ups", tier = gold, total = 3.0 } at 1h"#,
        r#"expect not sent shipped with { carrier = "dhl" }"#,
        "expect sent crm_update with { seats = 2, grace = 2d, renews = 2026-06-08 }",
    ] {
        let (code, out) = test(passing);
        assert_eq!(code, Some(0), "{passing}: {out}");
    }
    let (code, out) = test(r#"expect sent shipped with { carrier = "dhl", tier = gold }"#);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains(
            r#"`shipped` was sent at +1h with { carrier = "ups", order_id = "A-1", tier = gold, total = 3 }; expected with { carrier = "dhl", tier = gold }"#
        ),
        "{out}"
    );
    // The timeline of a failed test shows the values of every send.
    assert!(
        out.contains(r#"sent shipped (email) with { carrier = "ups", order_id = "A-1", tier = gold, total = 3 }"#),
        "{out}"
    );
    let (code, out) = test(r#"expect not sent shipped with { carrier = "ups" }"#);
    assert_eq!(code, Some(1), "{out}");
}

/// The language server knows payloads: completion of the fields not given yet inside
/// `with { }`, hover on a field with its type, rename of a data field across its declaration,
/// every `with { }` and every `expect sent ... with { }`, and the fields in the outline.
#[test]
fn the_language_server_completes_hovers_renames_and_outlines_data_fields() {
    use journeyc::lsp::analysis::Analysis;
    use journeyc::lsp::{completion, documents::Documents, hover, outline, rename, uri};
    let full = format!(
        "{SOURCE}\ntest \"t\" {{\n  journey orders\n  at 0 order_placed {{ order_id = \"A-1\", total = 1.5 }}\n  at 1h order_shipped {{ order_id = \"A-1\", carrier = \"ups\" }}\n  expect sent shipped with {{ carrier = \"ups\" }}\n}}\n"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let path = journeyc::project::normalize(&dir.path().join("p.journey"));
    let analyse = |text: &str| {
        let mut docs = Documents::default();
        docs.open(
            path.clone(),
            uri::from_path(&path).expect("uri"),
            text.to_string(),
        );
        Analysis::of(&path, &docs)
    };
    let a = analyse(&full);
    let f = a.file_id(&path).expect("loaded");
    let model = a
        .units_of(f)
        .next()
        .map(|u| u.model.clone())
        .unwrap_or_default();
    let labels = |text: &str, cursor_after: &str| -> Vec<String> {
        let offset = text.find(cursor_after).expect("cursor") + cursor_after.len();
        completion::complete(text, offset, &model)
            .into_iter()
            .map(|i| i.label)
            .collect()
    };
    // The fields not given yet in this `with { }`.
    let text = full.replace(
        "        carrier = event.carrier,\n",
        "        carrier = event.carrier,\n        t\n",
    );
    assert_eq!(
        labels(&text, "carrier = event.carrier,\n        "),
        ["tier", "total"]
    );
    let text = full.replace(
        "expect sent shipped with { carrier",
        "expect sent shipped with { o",
    );
    assert_eq!(
        labels(&text, "expect sent shipped with { "),
        ["order_id", "carrier", "tier", "total"]
    );
    // `with` after a touchpoint that has data.
    let text = full.replace("send crm_update with {", "send crm_update w");
    assert_eq!(labels(&text, "send crm_update "), ["with"]);

    // Hover on a field of `with { }` shows its declared type.
    let hover_text = |needle: &str| -> String {
        let offset = full.find(needle).expect("needle") + 1;
        match hover::hover(&a, f, offset).map(|h| h.contents) {
            Some(lsp_types::HoverContents::Markup(m)) => m.value,
            other => panic!("no hover at {needle}: {other:?}"),
        }
    };
    let h = hover_text("tier = tier,");
    assert!(
        h.contains("tier: tier") && h.contains("touchpoint `shipped`"),
        "{h}"
    );
    let h = hover_text("grace = 2d");
    assert!(h.contains("grace: duration"), "{h}");

    // Rename `carrier` of the data: the declaration, the send and the expectation change;
    // the event's field of the same name does not.
    let offset = full.find("carrier: string, tier").expect("declaration");
    let edit = rename::rename(&a, f, offset, "shipper").expect("renamed");
    let edits: Vec<lsp_types::TextEdit> = edit
        .changes
        .expect("changes")
        .into_values()
        .flatten()
        .collect();
    let line_of = |needle: &str| {
        full[..full.find(needle).expect("needle")]
            .matches('\n')
            .count() as u32
    };
    let mut lines: Vec<u32> = edits.iter().map(|e| e.range.start.line).collect();
    lines.sort_unstable();
    assert_eq!(
        lines,
        vec![
            line_of("data { order_id: string, carrier"),
            line_of("        carrier = event.carrier"),
            line_of("expect sent shipped with"),
        ],
        "{edits:?}"
    );

    // The outline lists a touchpoint's data fields.
    let module = a.project.module(f).expect("parsed");
    let symbols = outline::outline(&full, module);
    let shipped = symbols
        .iter()
        .find(|s| s.name == "shipped")
        .expect("touchpoint");
    let fields: Vec<&str> = shipped
        .children
        .iter()
        .flatten()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(fields, ["order_id", "carrier", "tier", "total"]);
}

/// An export computes every value itself or is not written: a value its target cannot compute
/// fails the build naming the field, never a send without it (docs/exports.md, "Payloads").
#[test]
fn an_export_that_cannot_compute_a_value_is_refused_naming_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("p.journey"), SOURCE).expect("write");
    let build = |target: &str| {
        let out = journeyc(
            dir.path(),
            &["build", "p.journey", "--target", target, "--out-dir", "out"],
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    // `renews + 7d` (a date plus a duration): neither engine computes it.
    for target in ["asl", "bpmn"] {
        let (code, err) = build(target);
        assert_ne!(code, Some(0), "{target}: {err}");
        assert!(err.contains("`renews = renews + 7d`"), "{target}: {err}");
    }
    // Arithmetic on a number: FEEL computes it, ASL's states do not.
    let text = SOURCE.replace("renews = renews + 7d", "renews = renews");
    std::fs::write(dir.path().join("p.journey"), text).expect("write");
    let (code, err) = build("bpmn");
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = build("asl");
    assert_ne!(code, Some(0));
    assert!(err.contains("`seats = seats * 2`"), "{err}");
}

/// The declaration itself: each field once (E0120), of a known type (E0105), one `data` per
/// touchpoint (E0121); `data` and `with` stay valid names elsewhere.
#[test]
fn a_data_declaration_is_checked_like_an_events_fields() {
    let codes = |text: &str| -> Vec<&'static str> {
        let project = journeyc::project::load_text(Path::new("d.journey"), text);
        let mut codes: Vec<&'static str> = journeyc::check::check_project(&project)
            .diagnostics
            .iter()
            .map(|d| d.code)
            .collect();
        codes.sort_unstable();
        codes
    };
    let journey = "journey j { trigger e  onboarding { send t with { a = \"x\" } } }";
    assert_eq!(
        codes(&format!(
            "event e\nchannel c\ntouchpoint t {{ channel c  template \"t\"  data {{ a: string, a: int, b: money }} }}\n{journey}"
        )),
        ["E0105", "E0120", "E0215"],
        "`b` is declared (of an unknown type) and so still missing from the send"
    );
    assert_eq!(
        codes(&format!(
            "event e\nchannel c\ntouchpoint t {{ channel c  template \"t\"  data {{ a: string }}  data {{ a: string }} }}\n{journey}"
        )),
        ["E0121"]
    );
    // An empty `data { }` asks nothing of a send without `with`.
    assert_eq!(
        codes("event e\nchannel c\ntouchpoint t { channel c  template \"t\"  data { } }\njourney j { trigger e  onboarding { send t  send t with { } } }"),
        Vec::<&str>::new()
    );
    assert_eq!(
        codes("enum with { data }\ncustomer { data: with = data }\nevent e { with: with }\nchannel c\ntouchpoint t { channel c  template \"t\" }\njourney j { trigger e where event.with == data and data == data  onboarding { send t } }"),
        Vec::<&str>::new()
    );
}
