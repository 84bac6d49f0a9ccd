//! Benchmarks of `docs/performance.md`: the simulator against a hand-written state machine of
//! the same journey, its scaling on two threads, and the front end (parse, check, lower)
//! against `serde_json` reading the built specs of the same corpus.
//!
//! `cargo bench --bench simulate -- simulate` runs the simulator group; `-- front_end` the
//! front end (set `JOURNEYC_BENCH_LARGE=1` to add the 50 MB corpus).

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/native.rs"]
mod native;

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use journeyc::interp::simulate::{runner, tally::Aggregate};
use journeyc::ir::simulation::Simulation;
use journeyc::ir::Journey;
use std::path::Path;
use std::sync::atomic::AtomicU64;

const CUSTOMERS: u64 = 100_000;

/// The bench journey and its simulation, compiled as `journeyc simulate` does.
pub fn bench_journey() -> (Journey, Simulation) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/bench.journey");
    let text = std::fs::read_to_string(&path).expect("benches/bench.journey is readable");
    let project = journeyc::project::load_text(&path, &text);
    let checked = journeyc::check::check_project(&project);
    assert!(
        !checked.diagnostics.has_errors(),
        "bench.journey has errors"
    );
    let model = &checked.models[0];
    let sim = journeyc::ir::simulation::lower_simulation(model, &model.simulations["bench_cohort"])
        .expect("the simulation names its journey");
    let journey =
        journeyc::ir::lower::lower_journey(model, &model.journeys["bench"], &project.sources);
    (journey, sim)
}

fn journeyc_run(j: &Journey, sim: &Simulation, threads: usize) -> Aggregate {
    let progress = AtomicU64::new(0);
    runner::run(j, sim, CUSTOMERS, 1, threads, &progress).expect("the simulation runs")
}

fn simulate(c: &mut Criterion) {
    let (journey, sim) = bench_journey();
    let mut g = c.benchmark_group("simulate");
    g.throughput(Throughput::Elements(CUSTOMERS));
    g.sample_size(10);
    g.bench_function("native/1", |b| b.iter(|| native::run(1, 0, CUSTOMERS)));
    g.bench_function("journeyc/1", |b| b.iter(|| journeyc_run(&journey, &sim, 1)));
    g.bench_function("journeyc/2", |b| b.iter(|| journeyc_run(&journey, &sim, 2)));
    g.finish();
}

fn front_end(c: &mut Criterion) {
    let mut sizes = vec![1usize << 20, 10 << 20];
    if std::env::var_os("JOURNEYC_BENCH_LARGE").is_some() {
        sizes.push(50 << 20);
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus.journey");
    let mut g = c.benchmark_group("front_end");
    g.sample_size(10);
    for size in sizes {
        let text = corpus::corpus(size);
        let compiled = journeyc::compile_text(&path, &text);
        assert!(!compiled.diagnostics.has_errors(), "the corpus has errors");
        let specs: Vec<String> = compiled
            .journeys
            .iter()
            .map(|j| journeyc::spec::to_json(j).expect("a spec serialises"))
            .collect();
        let spec_bytes: usize = specs.iter().map(String::len).sum();
        let mb = size >> 20;
        g.throughput(Throughput::Bytes(text.len() as u64));
        g.bench_with_input(BenchmarkId::new("journeyc", mb), &text, |b, t| {
            b.iter(|| journeyc::compile_text(&path, t).journeys.len())
        });
        g.throughput(Throughput::Bytes(spec_bytes as u64));
        g.bench_with_input(BenchmarkId::new("serde_json", mb), &specs, |b, s| {
            b.iter(|| {
                s.iter()
                    .map(|x| {
                        serde_json::from_str::<Journey>(x)
                            .map(|j| j.nodes.len())
                            .unwrap_or(0)
                    })
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, simulate, front_end);
criterion_main!(benches);
