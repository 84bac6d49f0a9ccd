//! The language server's diagnostics for one buffer holding 1k, 2k and 4k problems (a journey
//! defined again and again, each duplicate an error with a related location): converting their
//! offsets to LSP positions, the whole conversion to LSP diagnostics, and the check with the
//! conversion as the server runs them on a change. Each should double from one size to the
//! next; before the line index, the positions alone grew fourfold.
//!
//! `cargo bench --bench lsp_diagnostics`.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use journeyc::lsp::analysis::Analysis;
use journeyc::lsp::diagnostics;
use journeyc::lsp::documents::Documents;
use journeyc::lsp::position::LineIndex;
use std::path::PathBuf;
use std::str::FromStr;

const SIZES: [usize; 3] = [1_000, 2_000, 4_000];

/// A buffer with `n` duplicate journeys (`n` problems), with non-ASCII comments so that
/// columns are counted in UTF-16 units.
fn buffer(n: usize) -> String {
    let mut text = String::from("event signed_up\n");
    for i in 0..n {
        text.push_str(&format!(
            "// copy {i}: déjà vu 😀\njourney welcome {{\n  trigger signed_up\n  onboarding {{\n    wait 1d\n  }}\n}}\n"
        ));
    }
    text
}

/// The analysis the server makes of the buffer (open, never saved; its folder does not exist).
fn analysis(text: &str) -> (Analysis, PathBuf) {
    let path = PathBuf::from("/nonexistent-journeyc-bench/buffer.journey");
    let uri = lsp_types::Uri::from_str("file:///nonexistent-journeyc-bench/buffer.journey")
        .expect("a URI");
    let mut docs = Documents::default();
    docs.open(path.clone(), uri, text.to_string());
    (Analysis::of(&path, &docs), path)
}

fn lsp(c: &mut Criterion) {
    let mut positions = c.benchmark_group("lsp_positions");
    for n in SIZES {
        let text = buffer(n);
        let (a, path) = analysis(&text);
        let f = a.file_id(&path).expect("the buffer is analysed");
        let spans: Vec<(usize, usize)> = a
            .diagnostics
            .iter()
            .flat_map(|d| d.labels.iter().map(|l| (l.span.start, l.span.end)))
            .collect();
        assert!(
            spans.len() >= n,
            "{} labels for {n} duplicates",
            spans.len()
        );
        let text = &a.source(f).text;
        positions.bench_with_input(BenchmarkId::from_parameter(n), &spans, |b, spans| {
            b.iter(|| {
                let index = LineIndex::new(text);
                spans
                    .iter()
                    .map(|(s, e)| index.range(text, *s, *e).end.line)
                    .max()
            })
        });
    }
    positions.finish();

    let mut convert = c.benchmark_group("lsp_diagnostics");
    for n in SIZES {
        let (a, path) = analysis(&buffer(n));
        let f = a.file_id(&path).expect("the buffer is analysed");
        assert!(diagnostics::for_file(&a, f).len() >= n - 1);
        convert.bench_function(BenchmarkId::from_parameter(n), |b| {
            b.iter(|| diagnostics::for_file(&a, f).len())
        });
    }
    convert.finish();

    let mut whole = c.benchmark_group("lsp_check_and_diagnostics");
    whole.sample_size(10);
    for n in SIZES {
        let text = buffer(n);
        whole.bench_with_input(BenchmarkId::from_parameter(n), &text, |b, text| {
            b.iter(|| {
                let (a, path) = analysis(text);
                let f = a.file_id(&path).expect("the buffer is analysed");
                diagnostics::for_file(&a, f).len()
            })
        });
    }
    whole.finish();
}

criterion_group!(benches, lsp);
criterion_main!(benches);
