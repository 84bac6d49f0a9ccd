//! Fuzzing harnesses: the bodies of the cargo-fuzz targets in `fuzz/`, kept in the library so
//! that `tests/fuzz_corpus.rs` replays the saved corpus through exactly the same code on stable
//! in an ordinary `cargo test` (see `docs/fuzzing.md`).
//!
//! Each function takes arbitrary bytes and returns normally for every input, however malformed:
//! bad input is reported as diagnostics or bad lines, never by panicking. A function panics only
//! when an invariant the project promises is broken, i.e. on a real bug, and the panic message
//! says which invariant.
//!
//! Nothing here touches the file system: imports are resolved by an in-memory reader that only
//! knows the fuzzed file, so a run is deterministic and cannot hang on a device or a pipe.

use crate::check::{check_project, Checked};
use crate::diagnostics::render::{self, HumanStyle};
use crate::diagnostics::{codes, Diagnostic};
use crate::fmt::{format_source, FormatError};
use crate::interp::program::Program;
use crate::interp::replay::{record_json, Record, Replay, Sink};
use crate::interp::scenario;
use crate::interp::simulate::{self, Options, SimError};
use crate::ir::scenario::lower_test;
use crate::ir::simulation::lower_simulation;
use crate::ir::{self, lower};
use crate::project::{self, Project};
use crate::source::FileId;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::OnceLock;

/// The path the fuzzed file pretends to have. Nothing is read from it: see [`load`].
const FUZZ_PATH: &str = "/fuzz/input.journey";

/// At most this many customers are simulated per input, so one execution stays short.
pub const SIMULATE_MAX_CUSTOMERS: u64 = 40;

/// At most this many lines of one input are replayed by [`event_line`].
pub const EVENT_MAX_LINES: usize = 8;

/// Parses and checks arbitrary text as a `.journey` file; when it checks without errors, lowers
/// it, compiles every journey for the interpreter, writes and reads back its spec and runs its
/// `test` blocks.
///
/// Invariants: every diagnostic has a known code and labels that lie on character boundaries of
/// its file, and renders as text and JSON; a file without errors lowers, compiles and its spec
/// reads back as the same journey; tests run to an outcome.
pub fn check_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (project, checked) = load(&text);
    diagnostics_are_sound(&project, &checked);
    if checked.diagnostics.has_errors() {
        return;
    }
    let journeys = match lower::lower_all(&checked, &project.sources) {
        Ok(js) => js,
        // Two journeys with one name across units; one file is one unit, but this is a
        // diagnostic, not a crash, whatever the input.
        Err(errors) => {
            assert!(
                errors.iter().all(Diagnostic::is_error),
                "lowering failed without an error diagnostic"
            );
            return;
        }
    };
    for j in &journeys {
        let program = compile_program(j);
        let spec = crate::spec::to_json(j).expect("a lowered journey serialises");
        let back = crate::spec::from_json(&spec)
            .unwrap_or_else(|e| panic!("the spec of `{}` does not read back: {e}", j.name));
        assert!(
            back == *j,
            "the spec of `{}` reads back as a different journey",
            j.name
        );
        drop(program);
    }
    for model in &checked.models {
        for test in &model.tests {
            let Some(sc) = lower_test(model, test) else {
                continue;
            };
            let Some(journey) = model.journeys.get(&sc.journey) else {
                continue;
            };
            let ir = lower::lower_journey(model, journey, &project.sources);
            let _ = scenario::run(&compile_program(&ir), &sc);
        }
    }
}

/// Formats arbitrary text; when the formatter accepts it, checks that formatting is idempotent
/// and keeps the meaning the checker sees.
///
/// Invariants: the formatter never reports its own output as unsafe (`FormatError::Unsafe` is
/// a formatter bug); formatting the output again gives the same text; the output checks with
/// the same diagnostic codes, in the same number, as the input.
pub fn fmt_roundtrip(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let once = match format_source(FileId(0), &text) {
        Ok(out) => out,
        Err(FormatError::Syntax(_)) => return,
        Err(FormatError::Unsafe(why)) => panic!("the formatter refused its own output: {why}"),
    };
    let twice = match format_source(FileId(0), &once) {
        Ok(out) => out,
        Err(e) => panic!("formatted text does not format again: {e}"),
    };
    assert!(
        once == twice,
        "formatting is not idempotent:\n--- once\n{once}\n--- twice\n{twice}"
    );
    let before = codes_of(&load(&text).1);
    let after = codes_of(&load(&once).1);
    assert!(
        before == after,
        "formatting changed the diagnostics: {before:?} before, {after:?} after"
    );
}

/// Replays a fixed journey's event log ([`EVENT_JOURNEY`]): a few valid lines that put a
/// customer in the journeys, then up to [`EVENT_MAX_LINES`] lines of the input (the first line
/// is what a one-line input is), then the timers to a day after the last event.
///
/// Invariants: every line either replays or is a bad line naming its own line number; the
/// summary counts every line given; actions come out in time order, and each one has a JSON
/// form; lines after a bad one keep replaying.
pub fn event_line(data: &[u8]) {
    let programs = event_programs();
    let mut replay = Replay::new(programs, Some("ana".to_string()));
    let mut sink = Collect::default();
    let mut n = 0;
    for line in EVENT_PREAMBLE.iter().map(|l| l.to_string()).chain(
        data.split(|b| *b == b'\n')
            .take(EVENT_MAX_LINES)
            .map(|l| String::from_utf8_lossy(l).into_owned()),
    ) {
        n += 1;
        let bad_calls = replay
            .line(n, &line, &mut sink)
            .expect("collecting records cannot fail");
        for bad in bad_calls {
            assert!(
                n > EVENT_PREAMBLE.len(),
                "a valid preamble line {n} was refused: {}",
                bad.message
            );
            assert_eq!(
                bad.line, n,
                "a bad line reported with another line's number"
            );
            assert!(!bad.message.is_empty(), "a bad line without a message");
        }
    }
    let until = replay.last_event_time().map(|t| t + 86_400);
    replay
        .finish(until, &mut sink)
        .expect("collecting records cannot fail");
    assert_eq!(replay.summary.lines, n, "the summary lost count of lines");
    for pair in sink.records.windows(2) {
        assert!(
            pair[0].time <= pair[1].time,
            "actions out of time order: {:?} then {:?}",
            pair[0],
            pair[1]
        );
    }
    for r in &sink.records {
        assert!(
            record_json(programs, r).is_object(),
            "a record without a JSON object"
        );
    }
}

/// Checks arbitrary text as a `.journey` file and, when it has no errors and holds a
/// `simulation` block, simulates it with at most [`SIMULATE_MAX_CUSTOMERS`] customers (the
/// block's own count and seed otherwise).
///
/// Invariants: a checked simulation runs (or refuses with a model error, never a panic); no
/// more customers enter than were simulated; the report does not depend on the number of
/// threads; it renders as text, HTML and JSON.
pub fn simulate_small(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (project, checked) = load(&text);
    if checked.diagnostics.has_errors() {
        return;
    }
    for model in &checked.models {
        for def in model.simulations.values() {
            let Some(sim) = lower_simulation(model, def) else {
                continue;
            };
            let Some(journey) = model.journeys.get(&sim.journey) else {
                continue;
            };
            let journey = lower::lower_journey(model, journey, &project.sources);
            let customers = sim
                .customers
                .unwrap_or(SIMULATE_MAX_CUSTOMERS)
                .clamp(1, SIMULATE_MAX_CUSTOMERS);
            let run = |threads| {
                let opts = Options {
                    customers,
                    seed: sim.seed.unwrap_or(0),
                    threads,
                };
                simulate::simulate(&journey, &sim, opts, &AtomicU64::new(0))
            };
            let report = match run(1) {
                Ok(r) => r,
                Err(SimError::Model(_)) => continue,
                Err(e) => panic!("a checked simulation did not run: {e}"),
            };
            assert_eq!(report.customers, customers, "the report's customer count");
            assert!(
                report.entered <= report.customers,
                "{} customers entered out of {}",
                report.entered,
                report.customers
            );
            let json = serde_json::to_string(&report).expect("a report serialises");
            let other = run(2).expect("the simulation ran on one thread but not on two");
            let json2 = serde_json::to_string(&other).expect("a report serialises");
            assert!(json == json2, "the report depends on the number of threads");
            let _ = simulate::text::render(&report);
            let _ = simulate::html::render(&report);
        }
    }
}

/// The journeys [`event_line`] replays: two journeys reading attributes and event fields of
/// every type, with waits, timeouts, a split, caps, quiet hours, consent, goals and exits.
pub const EVENT_JOURNEY: &str = r#"
enum plan { free, trial, pro }

customer {
  plan: plan = free
  country: string
  seats: int = 1
  mrr: decimal = 0.0
  sms_consent: bool = false
  trial_length: duration = 14d
  renewal: date = 2026-12-01
  best_hour: time = 09:00
}

event signed_up { source: string, seats: int }
event upgraded { plan: plan, mrr: decimal, day: date, hour: time, extra: duration, annual: bool }
event project_created
event cancelled

channel email { cap 2 per 1d  quiet 21:00..08:00 }
channel sms { consent sms_consent  cap 1 per 7d }

touchpoint welcome { channel email  template "welcome" }
touchpoint nudge { channel email  template "nudge" }
touchpoint offer { channel sms  template "offer"  converts upgraded within 3d }

journey trial {
  trigger signed_up where plan == trial and country != "ZZ" and event.seats >= 0
  entry every 1d
  goal upgraded within 14d
  exit on cancelled

  onboarding {
    send welcome
    wait project_created up to 2d {
      milestone activated
    } timeout {
      send nudge
    }
  }

  stage selling {
    split {
      50% a {
        if sms_consent and seats > 5 and opened(welcome) and trial_length > 7d and renewal > 2026-01-01 and best_hour < 12:00 {
          send offer
        }
      }
      50% b { wait 1h }
    }
    wait upgraded where event.mrr > 1.0 and event.annual == false up to 3d {
      set plan = event.plan
      set mrr = event.mrr
      set renewal = event.day
      set best_hour = event.hour
      set trial_length = event.extra
    }
  }
}

journey reactivate {
  trigger project_created where mrr >= 0.0
  onboarding {
    wait 2h
    send nudge
  }
}
"#;

/// Valid lines replayed before the fuzzed ones, so the fuzzed lines find customers in the
/// journeys with timers pending.
const EVENT_PREAMBLE: &[&str] = &[
    r#"{"type":"identify","userId":"ana","timestamp":"2026-03-02T08:55:00Z","traits":{"plan":"trial","country":"US","seats":8,"sms_consent":true,"renewal":"2026-12-24","best_hour":"10:30","trial_length":1209600,"mrr":0}}"#,
    r#"{"type":"track","userId":"ana","event":"signed_up","timestamp":"2026-03-02T09:00:00Z","properties":{"source":"ads","seats":8}}"#,
    r#"{"type":"track","userId":"ana","event":"opened","timestamp":"2026-03-02T09:30:00Z","properties":{"touchpoint":"welcome"}}"#,
];

/// The compiled [`EVENT_JOURNEY`], built once per process.
fn event_programs() -> &'static [Program] {
    static PROGRAMS: OnceLock<Vec<Program>> = OnceLock::new();
    PROGRAMS.get_or_init(|| {
        let (project, checked) = load(EVENT_JOURNEY);
        let errors: Vec<String> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{}: {}", d.code, d.message))
            .collect();
        assert!(
            !checked.diagnostics.has_errors(),
            "the fixed event journey has errors: {errors:?}"
        );
        lower::lower_all(&checked, &project.sources)
            .expect("the fixed event journey lowers")
            .iter()
            .map(compile_program)
            .collect()
    })
}

/// Keeps every record, in the order the replay gives them.
#[derive(Default)]
struct Collect {
    records: Vec<Record>,
}

impl Sink for Collect {
    fn record(&mut self, _programs: &[Program], r: &Record) -> std::io::Result<()> {
        self.records.push(r.clone());
        Ok(())
    }
}

/// Loads `text` as one file whose imports all fail to resolve (no file system), and checks it.
fn load(text: &str) -> (Project, Checked) {
    let main = PathBuf::from(FUZZ_PATH);
    let own = text.to_string();
    let read = |p: &Path| -> std::io::Result<String> {
        if p == Path::new(FUZZ_PATH) {
            Ok(own.clone())
        } else {
            Err(std::io::ErrorKind::NotFound.into())
        }
    };
    let project = project::load_with(&[main], &read).expect("the in-memory file always reads");
    let checked = check_project(&project);
    (project, checked)
}

/// Compiles a lowered journey for the interpreter; the checker promised it can be.
fn compile_program(j: &ir::Journey) -> Program {
    Program::compile(j).unwrap_or_else(|e| {
        panic!(
            "journey `{}` checked without errors but does not compile: {}",
            j.name, e.0
        )
    })
}

/// Every diagnostic has a known code and spans the renderers can show.
fn diagnostics_are_sound(project: &Project, checked: &Checked) {
    for d in checked.diagnostics.iter() {
        assert!(
            codes::lookup(d.code).is_some(),
            "diagnostic code `{}` is not in the code table",
            d.code
        );
        for l in &d.labels {
            let text = &project.sources.get(l.file).text;
            assert!(
                l.span.start <= l.span.end
                    && l.span.end <= text.len()
                    && text.is_char_boundary(l.span.start)
                    && text.is_char_boundary(l.span.end),
                "{} has a label at {}..{} outside the characters of a {}-byte file",
                d.code,
                l.span.start,
                l.span.end,
                text.len()
            );
        }
        let _ = render::human(
            d,
            &project.sources,
            HumanStyle {
                color: false,
                width: 80,
            },
        );
        let _ = render::json_line(d, &project.sources);
    }
}

/// The diagnostic codes of a check, sorted.
fn codes_of(checked: &Checked) -> Vec<&'static str> {
    let mut all: Vec<&'static str> = checked.diagnostics.iter().map(|d| d.code).collect();
    all.sort_unstable();
    all
}
