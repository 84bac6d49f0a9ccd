//! Where the front end spends its time, per phase (parse, check, lower), on the generated
//! corpus at several sizes: the growth table of `docs/performance.md`.
//!
//! `cargo bench --bench front_end_phases` runs 1 and 5 MB; `-- 1 5 25 50` picks the sizes in MB
//! (50 MB needs about 2.5 GB of memory).

#[path = "support/corpus.rs"]
mod corpus;

use std::path::Path;
use std::time::Instant;

fn main() {
    let mut sizes: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    if sizes.is_empty() {
        sizes = vec![1, 5];
    }
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus.journey");
    println!("size    parse     check     lower     total     journeys");
    for mb in sizes {
        let text = corpus::corpus(mb << 20);
        let start = Instant::now();
        let project = journeyc::project::load_text(&path, &text);
        let parsed = start.elapsed();
        let checked = journeyc::check::check_project(&project);
        let checked_at = start.elapsed();
        let journeys = journeyc::ir::lower::lower_all(&checked, &project.sources)
            .map(|j| j.len())
            .unwrap_or(0);
        let total = start.elapsed();
        println!(
            "{mb:>3} MB  {:>7.3}s  {:>7.3}s  {:>7.3}s  {:>7.3}s  {journeys}",
            parsed.as_secs_f64(),
            (checked_at - parsed).as_secs_f64(),
            (total - checked_at).as_secs_f64(),
            total.as_secs_f64()
        );
    }
}
