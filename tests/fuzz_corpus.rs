//! Replays the saved fuzzing corpus (`fuzz/corpus/TARGET/`) through the same library functions
//! the cargo-fuzz targets call, so an input that once found a bug, or that covers a path the
//! fuzzer reached, is checked by every ordinary `cargo test` on stable (see `docs/fuzzing.md`).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Every file of one target's corpus, sorted; fails when the folder is missing or empty, so the
/// test can never pass having checked nothing.
fn corpus(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the corpus `{}`: {e}", dir.display()))
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        !files.is_empty(),
        "the corpus `{}` is empty: seed it as docs/fuzzing.md says",
        dir.display()
    );
    files
}

/// Runs `f` on every corpus file of `target` and fails naming each file that panicked.
fn replay(target: &str, f: fn(&[u8])) {
    let files = corpus(target);
    let mut failed = Vec::new();
    for path in &files {
        let data = std::fs::read(path).expect("a corpus file reads");
        if catch_unwind(AssertUnwindSafe(|| f(&data))).is_err() {
            failed.push(path.display().to_string());
        }
    }
    assert!(
        failed.is_empty(),
        "{} of {} `{target}` corpus inputs broke an invariant (the panics are printed above; \
         reproduce one with `cargo fuzz run {target} FILE` in fuzz/):\n  {}",
        failed.len(),
        files.len(),
        failed.join("\n  ")
    );
}

#[test]
fn check_corpus() {
    replay("check", journeyc::fuzz::check_text);
}

#[test]
fn fmt_corpus() {
    replay("fmt", journeyc::fuzz::fmt_roundtrip);
}

#[test]
fn event_line_corpus() {
    replay("event_line", journeyc::fuzz::event_line);
}

#[test]
fn simulate_corpus() {
    replay("simulate", journeyc::fuzz::simulate_small);
}
