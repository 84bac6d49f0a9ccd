//! The layout of the journey drawing (`src/ir/layout.rs`) on every journey of the examples and
//! fixtures: no box overlaps another, stage frames hold their own boxes and no other, nothing
//! leaves the canvas, and every edge is drawn. The browser test (`tests/report_browser.rs`)
//! checks the drawn text of the examples; this checks the geometry of every journey we have,
//! without a browser.

use journeyc::compile;
use journeyc::ir::graph::describe;
use journeyc::ir::layout::{layout, BoxKind, Placed};
use std::path::PathBuf;

fn sources() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["examples", "tests/fixtures/build", "tests/fixtures/pass"] {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(dir);
        let entries = std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut files: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "journey"))
            .collect();
        files.sort();
        out.extend(files);
    }
    out
}

fn overlap(a: &Placed, b: &Placed) -> bool {
    let x = (a.x + a.w / 2.0).min(b.x + b.w / 2.0) - (a.x - a.w / 2.0).max(b.x - b.w / 2.0);
    let y = (a.top + a.h).min(b.top + b.h) - a.top.max(b.top);
    x > 0.0 && y > 0.0
}

#[test]
fn every_journey_is_laid_out_without_overlaps() {
    let mut journeys = 0;
    for path in sources() {
        let Ok(compiled) = compile(std::slice::from_ref(&path)) else {
            continue;
        };
        for j in &compiled.journeys {
            journeys += 1;
            let g = describe(j);
            let at = format!("{}: journey {}", path.display(), j.name);
            let l = layout(&g, &|id| Some(format!("{id}: 1,234 · 12.3%")));
            let nodes = g.outer.len() + g.clusters.iter().map(|c| c.nodes.len()).sum::<usize>();
            let drawn = l
                .boxes
                .iter()
                .filter(|b| matches!(b.kind, BoxKind::Node { .. }))
                .count();
            assert_eq!(drawn, nodes, "{at}: every node is drawn");
            assert_eq!(l.routes.len(), g.edges.len(), "{at}: every edge is drawn");
            for (i, a) in l.boxes.iter().enumerate() {
                assert!(
                    a.x - a.w / 2.0 >= 0.0
                        && a.x + a.w / 2.0 <= l.width
                        && a.top >= 0.0
                        && a.top + a.h <= l.height,
                    "{at}: {:?} leaves the canvas {}x{}",
                    a.label,
                    l.width,
                    l.height
                );
                for b in &l.boxes[i + 1..] {
                    assert!(!overlap(a, b), "{at}: {:?} overlaps {:?}", a.label, b.label);
                }
            }
            for r in &l.routes {
                for (x, y) in &r.points {
                    assert!(
                        (0.0..=l.width).contains(x) && (0.0..=l.height).contains(y),
                        "{at}: an edge leaves the canvas at {x},{y}"
                    );
                }
            }
            for (k, a) in l.bands.iter().enumerate() {
                for b in &l.bands[k + 1..] {
                    let apart = a.y + a.h <= b.y || b.y + b.h <= a.y;
                    assert!(apart, "{at}: frames {} and {} overlap", a.title, b.title);
                }
                // A frame holds the nodes of its stage and no other node.
                let stage = g.clusters.iter().find(|c| c.title == a.title);
                for bx in &l.boxes {
                    let BoxKind::Node { id, .. } = &bx.kind else {
                        continue;
                    };
                    let inside = bx.x - bx.w / 2.0 >= a.x
                        && bx.x + bx.w / 2.0 <= a.x + a.w
                        && bx.top >= a.y
                        && bx.top + bx.h <= a.y + a.h;
                    let member = stage.is_some_and(|c| c.nodes.iter().any(|n| &n.id == id));
                    assert_eq!(
                        inside, member,
                        "{at}: node {id} and the frame of {}",
                        a.title
                    );
                }
            }
        }
    }
    assert!(journeys > 20, "only {journeys} journeys were laid out");
}
