//! Checking and rendering many diagnostics: a file holding the same journey N + 1 times gives N
//! duplicate-journey reports (E0120), each with one label at the first definition and one at the
//! repeat, so most reports span the whole file. Every message format should take time linear in
//! N; rendering the human format used to walk every line between a report's labels (quadratic).
//!
//! `cargo bench --bench diagnostics` (see `docs/performance.md`).

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use journeyc::diagnostics::render::{self, HumanStyle};
use journeyc::diagnostics::{github, sarif};
use std::hint::black_box;
use std::path::Path;

/// A file with `n` duplicate-journey problems.
fn duplicates(n: usize) -> String {
    let mut text = String::from(
        "event signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\n",
    );
    for _ in 0..=n {
        text.push_str("journey dup {\n  trigger signed_up\n  onboarding { send welcome }\n}\n");
    }
    text
}

/// Loads, checks and renders in one format; returns the bytes written.
fn check_and_render(text: &str, format: &str) -> usize {
    let path = Path::new("dup.journey");
    let project = journeyc::project::load_text(path, text);
    let checked = journeyc::check::check_project(&project);
    let diags = &checked.diagnostics;
    let sources = &project.sources;
    match format {
        "human" => diags
            .iter()
            .map(|d| render::human(d, sources, HumanStyle::default()).len())
            .sum(),
        "json" => diags
            .iter()
            .map(|d| render::json_line(d, sources).len())
            .sum(),
        "github" => diags
            .iter()
            .map(|d| github::github_line(d, sources).len())
            .sum(),
        _ => sarif::sarif_log(diags.iter(), sources).to_string().len(),
    }
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("check_render");
    group.sample_size(10);
    for format in ["human", "json", "github", "sarif"] {
        for n in [1000, 2000, 4000] {
            let text = duplicates(n);
            group.throughput(Throughput::Elements(n as u64));
            group.bench_with_input(BenchmarkId::new(format, n), &text, |b, text| {
                b.iter(|| black_box(check_and_render(text, format)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
