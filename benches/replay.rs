//! The replay against its parsing floor (docs/performance.md, "Event logs"): `journeyc run`'s
//! work on a generated raw export (decoding, coercion, ordering, the journeys, the output
//! lines) against `serde_json` parsing each line of the same log into a `Value` and nothing
//! else, which no replay can beat.
//!
//! `cargo bench --bench replay`.
//!
//! `JOURNEYC_BENCH_WRITE_LOG=FILE JOURNEYC_BENCH_CUSTOMERS=N cargo bench --bench replay` writes
//! the log of N customers to FILE instead (for whole-process and memory measurements).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use journeyc::interp::program::Program;
use journeyc::interp::replay::{write_record, LogLines, Record, Replay, Sink};
use std::path::Path;

const CUSTOMERS: i64 = 20_000;

/// The number of customers: `JOURNEYC_BENCH_CUSTOMERS`, or [`CUSTOMERS`].
fn customers() -> i64 {
    std::env::var("JOURNEYC_BENCH_CUSTOMERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(CUSTOMERS)
}

/// A raw export: per customer an identify with string numbers and Title Case enum values, a
/// signup under its Segment name, page views no journey reads, an activation for most and an
/// upgrade for some, in time order, with epoch-millisecond and RFC 3339 timestamps.
fn log(customers: i64) -> String {
    let mut calls: Vec<(i64, String)> = Vec::new();
    let day0 = 1_772_409_600_i64;
    for i in 0..customers {
        let id = format!("customer-{i:06}");
        let t = day0 + i * 13;
        let plan = ["trial", "Trial", "free"][(i % 3) as usize];
        calls.push((t, format!(r#"{{"type":"identify","userId":"{id}","timestamp":{},"traits":{{"plan":"{plan}","seats":"{}","email":"{id}@example.com","name":"Customer {i}"}},"context":{{"library":{{"name":"analytics.js","version":"4.1.0"}}}}}}"#, t * 1000, i % 11)));
        calls.push((t + 60, format!(r#"{{"type":"track","userId":"{id}","event":"Signed Up","timestamp":"{}","properties":{{"source":"ads","utm_campaign":"spring"}},"messageId":"m-{i}-1"}}"#, rfc3339(t + 60))));
        for k in 0..3 {
            calls.push((t + 90 + k, format!(r#"{{"type":"track","anonymousId":"a-{i}","userId":null,"event":"Page Viewed","timestamp":"{}","properties":{{"path":"/docs/{k}"}}}}"#, rfc3339(t + 90 + k))));
        }
        if i % 4 != 0 {
            let a = t + 60 + (i % 5) * 20_000;
            calls.push((
                a,
                format!(
                    r#"{{"type":"track","userId":"{id}","event":"activated","timestamp":"{}"}}"#,
                    rfc3339(a)
                ),
            ));
        }
        if i % 6 == 1 {
            let u = t + 5 * 86_400;
            calls.push((u, format!(r#"{{"type":"track","userId":"{id}","event":"Plan Upgraded","timestamp":"{}","properties":{{"plan":"Pro"}}}}"#, rfc3339(u))));
        }
    }
    calls.sort_by_key(|c| c.0);
    calls.into_iter().map(|c| c.1 + "\n").collect()
}

fn rfc3339(t: i64) -> String {
    journeyc::interp::time::format_rfc3339(t)
}

fn programs() -> Vec<Program> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/replay.journey");
    let text = std::fs::read_to_string(&path).expect("benches/replay.journey is readable");
    let project = journeyc::project::load_text(&path, &text);
    let checked = journeyc::check::check_project(&project);
    assert!(
        !checked.diagnostics.has_errors(),
        "replay.journey has errors"
    );
    let model = &checked.models[0];
    model
        .journeys
        .values()
        .map(|j| {
            let ir = journeyc::ir::lower::lower_journey(model, j, &project.sources);
            Program::compile(&ir).expect("the journey compiles")
        })
        .collect()
}

/// Writes each action's JSON line, as `journeyc run` does, into a reused buffer.
struct Lines(Vec<u8>);

impl Sink for Lines {
    fn record(&mut self, programs: &[Program], r: &Record) -> std::io::Result<()> {
        self.0.clear();
        write_record(programs, r, &mut self.0)
    }
}

fn replay(programs: &[Program], log: &str) -> usize {
    let mut replay = Replay::new(programs, None);
    let mut sink = Lines(Vec::new());
    let mut lines = LogLines::new(log.as_bytes());
    while let Some((n, text)) = lines.next_line().expect("memory reads") {
        let text = text.expect("the log is valid");
        let bad = replay.line(n, text, &mut sink).expect("no output error");
        assert!(bad.is_empty(), "{bad:?}");
    }
    replay.finish(None, &mut sink).expect("no output error");
    replay.summary.entered
}

/// The floor: each line parsed into a `serde_json::Value`, and nothing more.
fn floor(log: &str) -> usize {
    log.lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l)
                .map_or(0, |v| v.as_object().map_or(0, |o| o.len()))
        })
        .sum()
}

fn bench(c: &mut Criterion) {
    if let Some(path) = std::env::var_os("JOURNEYC_BENCH_WRITE_LOG") {
        std::fs::write(&path, log(customers())).expect("the log is written");
        return;
    }
    let log = log(CUSTOMERS);
    let programs = programs();
    assert!(
        replay(&programs, &log) > CUSTOMERS as usize / 2,
        "customers enter"
    );
    let mut g = c.benchmark_group("replay");
    g.throughput(Throughput::Bytes(log.len() as u64));
    g.sample_size(10);
    g.bench_function("serde_json_value_floor", |b| b.iter(|| floor(&log)));
    g.bench_function("journeyc", |b| b.iter(|| replay(&programs, &log)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
