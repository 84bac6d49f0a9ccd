//! The charts of the HTML report, as rows of HTML text beside small inline SVG bars.
//!
//! Why not one SVG per chart: an SVG scales as a whole, so at a phone's width its text would
//! shrink with it, and a long step label would run under the bars. Here the text is HTML (it
//! wraps, at any width) and each bar is its own SVG with a `viewBox` stretched to its cell, so a
//! chart reads the same from 360 px to a wide screen. Every row is a CSS grid: label, bar,
//! numbers; below 600 px the label takes its own line above the bar.

use std::fmt::Write;

pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The style of every chart and table (the page's only CSS).
pub const STYLE: &str = "\
*{box-sizing:border-box}\
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0 auto;padding:1rem;max-width:64rem;color:#1f2328;overflow-wrap:break-word}\
h1{font-size:1.35em;margin:.6em 0 .3em}h2{font-size:1.1em;margin:1.8em 0 .4em;border-bottom:1px solid #d0d7de;padding-bottom:.2em}\
h3{font-size:1em;margin:1.2em 0 .3em}p{margin:.4em 0}.note{color:#57606a;font-size:.9em}\
.scroll{overflow-x:auto;max-width:100%}\
table{border-collapse:collapse;margin:.4em 0 1em;font-variant-numeric:tabular-nums}\
td,th{padding:3px 10px;border-bottom:1px solid #e1e4e8;text-align:right;vertical-align:top}\
td:first-child,th:first-child{text-align:left}th{font-weight:600;font-size:.9em}\
.chart{margin:.4em 0 1.2em}\
.row{display:grid;grid-template-columns:minmax(0,2fr) minmax(4rem,3fr) 9.5rem;gap:.1rem .7rem;align-items:center;padding:2px 0;border-bottom:1px solid #eef0f2}\
.row.wide{grid-template-columns:minmax(0,2fr) minmax(4rem,2fr) 15rem}\
.row.compact{grid-template-columns:8rem minmax(4rem,1fr) 9.5rem}\
.lbl{padding-left:calc(var(--d,0)*1.1em);min-width:0}\
.st>.lbl{font-weight:600}\
.bar{display:block;width:100%;height:1em}\
.num{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums}\
.num small{color:#57606a;font-size:.85em}.wide .num{white-space:normal}\
ul.verdicts{padding-left:1.2em}ul.verdicts li{margin:.3em 0}\
.better{color:#1a7f37;font-weight:600}.worse{color:#cf222e;font-weight:600}\
.changed{color:#0550ae;font-weight:600}.ns{color:#6e7781}\
.legend span{display:inline-block;margin-right:1.2em}\
.key{display:inline-block;width:.9em;height:.9em;vertical-align:-.1em;margin-right:.3em;border-radius:2px}\
svg.graph{display:block;max-width:100%;height:auto;margin:.5em 0}\
@media (max-width:600px){body{padding:.6rem;font-size:14px}.row{grid-template-columns:minmax(0,1fr) 9rem}.row.wide{grid-template-columns:minmax(0,1fr) 11rem}.lbl{grid-column:1/-1}.row.compact{grid-template-columns:6.5rem minmax(2rem,1fr) 7.5rem}.compact .lbl{grid-column:auto}td,th{padding:3px 6px}}";

/// Fill colours: the bar of a stage, of a step, of customers lost, of a goal, and of the four
/// kinds of change on the compare page (with the bar of "before").
pub const STAGE: &str = "#2b6cb0";
pub const STEP: &str = "#90cdf4";
pub const LOST: &str = "#f6ad55";
pub const GOAL: &str = "#38a169";
pub const EXIT: &str = "#e53e3e";
pub const NEUTRAL: &str = "#a0aec0";
pub const BEFORE: &str = "#cbd5e0";

/// One row: `label` (HTML-escaped here; `depth` indents it), a bar of `frac` (0 to 1) of the
/// width in `fill`, and `num` (HTML, not escaped). `class` is more classes for the row, each
/// after a space (` st` for a stage's row).
pub fn bar_row(
    o: &mut String,
    label: &str,
    depth: usize,
    frac: f64,
    fill: &str,
    num: &str,
    class: &str,
) {
    let _ = writeln!(
        o,
        "<div class=\"row{class}\" style=\"--d:{depth}\"><span class=\"lbl\" title=\"{t}\">{t}</span>{}<span class=\"num\">{num}</span></div>",
        bar(&[(frac, fill)]),
        t = esc(label),
    );
}

/// An SVG bar stretched to its cell: one rectangle per `(fraction, fill)`, stacked top to bottom.
pub fn bar(parts: &[(f64, &str)]) -> String {
    let mut o = String::from(
        "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">",
    );
    let h = 10.0 / parts.len().max(1) as f64;
    for (k, (frac, fill)) in parts.iter().enumerate() {
        let w = (frac.clamp(0.0, 1.0) * 100.0).max(if *frac > 0.0 { 0.4 } else { 0.0 });
        let _ = write!(
            o,
            "<rect x=\"0\" y=\"{:.2}\" width=\"{w:.2}\" height=\"{:.2}\" fill=\"{fill}\"/>",
            k as f64 * h + if parts.len() > 1 { 0.4 } else { 0.0 },
            if parts.len() > 1 { h - 0.8 } else { h }
        );
    }
    o.push_str("</svg>");
    o
}

/// A rate with its interval on a scale from 0 to `max`: a thin line from `lo` to `hi`, a mark
/// at `rate`, and a grey line at `reference` when given.
pub fn interval(
    rate: f64,
    lo: f64,
    hi: f64,
    max: f64,
    reference: Option<f64>,
    fill: &str,
) -> String {
    let at = |x: f64| (x / max.max(1e-9)).clamp(0.0, 1.0) * 100.0;
    let mut o = String::from(
        "<svg class=\"bar\" viewBox=\"0 0 100 10\" preserveAspectRatio=\"none\" aria-hidden=\"true\">\
         <rect x=\"0\" y=\"4.6\" width=\"100\" height=\"0.8\" fill=\"#edf2f7\"/>",
    );
    if let Some(r) = reference {
        let _ = write!(
            o,
            "<rect x=\"{:.2}\" y=\"0\" width=\"0.5\" height=\"10\" fill=\"#718096\"/>",
            (at(r) - 0.25).max(0.0)
        );
    }
    let _ = write!(
        o,
        "<rect x=\"{:.2}\" y=\"3.5\" width=\"{:.2}\" height=\"3\" fill=\"{fill}\" opacity=\"0.45\"/>\
         <rect x=\"{:.2}\" y=\"0.5\" width=\"1.4\" height=\"9\" fill=\"{fill}\"/></svg>",
        at(lo),
        (at(hi) - at(lo)).max(0.3),
        (at(rate) - 0.7).clamp(0.0, 98.6),
    );
    o
}

/// A scale's top for rates up to `x`: the next of 1%, 2%, 5%, 10%, 20%, 50%, 100%.
pub fn nice_max(x: f64) -> f64 {
    [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]
        .into_iter()
        .find(|m| x <= *m)
        .unwrap_or(1.0)
}

/// `<div class="scroll"><table>...`: a table that scrolls sideways inside its box on a narrow
/// screen instead of widening the page. `head` are the column titles; rows are HTML cells.
pub fn table(o: &mut String, head: &[&str], rows: &[Vec<String>]) {
    o.push_str("<div class=\"scroll\"><table><tr>\n");
    for h in head {
        let _ = write!(o, "<th>{}</th>", esc(h));
    }
    o.push_str("</tr>\n");
    for r in rows {
        o.push_str("<tr>\n");
        for c in r {
            let _ = write!(o, "<td>{c}</td>");
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table></div>\n");
}
