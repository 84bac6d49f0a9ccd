//! The journey graph as an inline SVG drawing (for the simulation's HTML report): the boxes and
//! lines of [`super::layout`], with no script and no external resource. Labels longer than the
//! layout allows are cut with `…` and carry their full text in a `<title>` (shown on hover).

use super::graph::{Graph, Shape};
use super::layout::{cut, layout, BoxKind, Layout, EDGE_CHARS, NODE_CHARS};
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The font of every label: monospace, because the layout gives each character a fixed width.
const FONT: &str = "ui-monospace,SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace";

/// Whether `id` is the graph's node `KIND.N` (`goal.0`, `exit.1`), not a step of a stage that
/// happens to be named `goal` (`goal.0.send`).
fn is(kind: &str, id: &str) -> bool {
    id.strip_prefix(kind)
        .and_then(|rest| rest.strip_prefix('.'))
        .is_some_and(|n| n.parse::<usize>().is_ok())
}

fn fill(id: &str, shape: Shape) -> (&'static str, &'static str) {
    if is("goal", id) {
        return ("#e6f4ea", "#2f855a");
    }
    if is("exit", id) {
        return ("#fdecea", "#c53030");
    }
    if id == "start" || id == "completed" {
        return ("#e8eefc", "#2b6cb0");
    }
    match shape {
        Shape::Hexagon => ("#fff8e1", "#b7791f"),
        Shape::Diamond => ("#f3e8fd", "#6b46c1"),
        Shape::Round => ("#eef6ff", "#4a6fa5"),
        Shape::Box => ("#ffffff", "#718096"),
    }
}

fn points(p: &[(f64, f64)]) -> String {
    p.iter()
        .map(|(x, y)| format!("{x:.1},{y:.1}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// `g` drawn as SVG; `note` gives a line under a node's label, by node id (the simulation's
/// counts); `prefix` makes the drawing's element ids unique in a page with several drawings.
pub fn svg(g: &Graph, note: &dyn Fn(&str) -> Option<String>, prefix: &str) -> String {
    draw(&layout(g, note), &g.name, prefix)
}

fn draw(l: &Layout, name: &str, prefix: &str) -> String {
    let mut o = String::new();
    let arrow = format!("{prefix}-arrow");
    let _ = writeln!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\" viewBox=\"0 0 {w} {h}\" \
         width=\"{w}\" height=\"{h}\" role=\"img\" aria-label=\"journey {name}\" \
         font-family=\"{FONT}\"><defs><marker id=\"{arrow}\" viewBox=\"0 0 10 10\" refX=\"10\" \
         refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0L10,5L0,10z\" \
         fill=\"#555\"/></marker></defs>",
        w = l.width,
        h = l.height,
        name = esc(name),
    );
    for b in &l.bands {
        let title = cut(&b.title, NODE_CHARS);
        let _ = writeln!(
            o,
            "<g><rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" rx=\"6\" \
             fill=\"#f7f9fb\" stroke=\"#cbd5e0\"/><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" \
             font-weight=\"600\" fill=\"#2d3748\">{}</text>{}</g>",
            b.x,
            b.y,
            b.w,
            b.h,
            b.x + 8.0,
            b.y + 17.0,
            esc(&title),
            if title != b.title {
                format!("<title>{}</title>", esc(&b.title))
            } else {
                String::new()
            }
        );
    }
    for r in &l.routes {
        let dash = if r.jump {
            " stroke-dasharray=\"5 4\""
        } else {
            ""
        };
        let line = |o: &mut String, p: &[(f64, f64)], end: bool| {
            if p.len() < 2 {
                return;
            }
            let _ = writeln!(
                o,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"#666\" stroke-width=\"1.2\"{dash}{}/>",
                points(p),
                if end {
                    format!(" marker-end=\"url(#{arrow})\"")
                } else {
                    String::new()
                }
            );
        };
        match r.label {
            Some((_, at)) if at > 0 && at < r.points.len() => {
                line(&mut o, &r.points[..at], false);
                line(&mut o, &r.points[at..], true);
            }
            _ => line(&mut o, &r.points, true),
        }
    }
    for b in &l.boxes {
        let (left, right, top, bottom) = (b.x - b.w / 2.0, b.x + b.w / 2.0, b.top, b.top + b.h);
        match &b.kind {
            BoxKind::EdgeLabel => {
                let text = cut(&b.label, EDGE_CHARS);
                let _ = writeln!(
                    o,
                    "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" \
                     fill=\"#4a5568\">{}{}</text>",
                    b.x,
                    top + 12.0,
                    esc(&text),
                    if text != b.label {
                        format!("<title>{}</title>", esc(&b.label))
                    } else {
                        String::new()
                    }
                );
            }
            BoxKind::Node { id, shape, note } => {
                let (bg, stroke) = fill(id, *shape);
                let paint = format!("fill=\"{bg}\" stroke=\"{stroke}\" stroke-width=\"1.2\"");
                let mid = (top + bottom) / 2.0;
                let _ = write!(o, "<g>");
                match shape {
                    Shape::Box | Shape::Round => {
                        let rx = if *shape == Shape::Round {
                            b.h / 2.0
                        } else {
                            3.0
                        };
                        let _ = writeln!(
                            o,
                            "<rect x=\"{left:.1}\" y=\"{top:.1}\" width=\"{:.1}\" height=\"{:.1}\" \
                             rx=\"{rx:.1}\" {paint}/>",
                            b.w, b.h
                        );
                    }
                    Shape::Diamond | Shape::Hexagon => {
                        let d = if *shape == Shape::Diamond { 14.0 } else { 7.0 };
                        let p = [
                            (left, mid),
                            (left + d, top),
                            (right - d, top),
                            (right, mid),
                            (right - d, bottom),
                            (left + d, bottom),
                        ];
                        let _ = writeln!(o, "<polygon points=\"{}\" {paint}/>", points(&p));
                    }
                }
                let text = cut(&b.label, NODE_CHARS);
                let _ = writeln!(
                    o,
                    "<title>{}</title><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\" \
                     text-anchor=\"middle\" fill=\"#1a202c\">{}</text>",
                    esc(&b.label),
                    b.x,
                    top + 18.0,
                    esc(&text)
                );
                if let Some(n) = note {
                    let _ = writeln!(
                        o,
                        "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"11\" text-anchor=\"middle\" \
                         fill=\"#4a5568\">{}</text>",
                        b.x,
                        top + 33.0,
                        esc(n)
                    );
                }
                o.push_str("</g>\n");
            }
        }
    }
    o.push_str("</svg>");
    o
}
