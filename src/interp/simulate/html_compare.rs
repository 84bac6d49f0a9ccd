//! The HTML page of `--compare`: what got better and what got worse, at a glance, then both
//! versions' full reports.
//!
//! Each row has a bar before (light grey) and after (coloured by the change), and the change with
//! its 95% interval. Colours say the **direction** of a change the interval shows (see
//! [`Direction`]): green better, red worse, blue changed where more is neither better nor worse,
//! grey not significant. A change whose interval prints as zero (`-0.00 (-0.00 to -0.00)`) is
//! not significant as shown ([`shown_significant`]).

use super::compare::{intervals, shown_significant, Change, Comparison};
use super::html::{page, report_body};
use super::html_chart::{bar, esc, BEFORE, EXIT, GOAL, NEUTRAL, STAGE};
use super::report::Report;
use super::stats::{rate_diff, wilson};
use super::text::{count, pct, pts};
use std::fmt::Write;

/// Which way is better for a row.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// The goal, milestones, converted customers: more is better.
    UpIsBetter,
    /// Exits, suppressed sends, messages per customer (contact pressure is a cost): more is
    /// worse.
    UpIsWorse,
    /// A funnel step, completing the steps, still waiting: more customers at a step is good on
    /// one path and bad on another (a reminder sent to more customers means fewer converted
    /// first), so a change is shown as a change, without a verdict.
    Neither,
}

/// The verdict of a change as shown: its CSS class, its word and the after bar's colour.
fn verdict(
    c: &Change,
    dir: Direction,
    scale: f64,
    decimals: i32,
) -> (&'static str, &'static str, &'static str) {
    if !shown_significant(c, scale, decimals) {
        return ("ns", "", NEUTRAL);
    }
    let up = c.difference.unwrap_or(0.0) > 0.0;
    match dir {
        Direction::Neither => ("changed", "changed", STAGE),
        Direction::UpIsBetter if up => ("better", "better", GOAL),
        Direction::UpIsWorse if !up => ("better", "better", GOAL),
        _ => ("worse", "worse", EXIT),
    }
}

/// The page being written, and the changes it marked, for the summary at its top.
struct Out {
    html: String,
    /// What the rows being written are, as the summary names them (`messages per customer on `).
    section: &'static str,
    /// Marked changes: their class (`better`, `worse`, `changed`) and what changed by how much.
    glance: Vec<(&'static str, String)>,
}

/// One row: label, before and after bars (`max` is the bar's full length), both values and the
/// change. Rates print as `12.3%` and points; means (`mean` true) with two decimals.
fn row(o: &mut Out, label: &str, depth: usize, c: &Change, dir: Direction, max: f64, mean: bool) {
    let (scale, decimals) = if mean { (1.0, 2) } else { (100.0, 1) };
    let (class, word, fill) = verdict(c, dir, scale, decimals);
    let value = |x: Option<f64>| match x {
        Some(v) if mean => format!("{v:.2}"),
        Some(v) => pct(v),
        None => "-".to_string(),
    };
    let change = match (c.difference, c.ci95) {
        (Some(d), Some([lo, hi])) if mean => format!("{d:+.2} ({lo:+.2} to {hi:+.2})"),
        (Some(d), Some([lo, hi])) => {
            format!("{} ({:+.1} to {:+.1})", pts(d), lo * 100.0, hi * 100.0)
        }
        _ => match (c.before, c.after) {
            (None, _) => "new".to_string(),
            (_, None) => "removed".to_string(),
            _ => "n/a".to_string(),
        },
    };
    if class != "ns" {
        o.glance
            .push((class, format!("{}{label} ({change})", o.section)));
    }
    let frac = |x: Option<f64>| x.unwrap_or(0.0) / max.max(1e-9);
    let _ = writeln!(
        o.html,
        "<div class=\"row wide\" style=\"--d:{depth}\"><span class=\"lbl\" title=\"{t}\">{t}</span>{}<span class=\"num\">{} → {}<br><small class=\"{class}\">{}{}</small></span></div>",
        bar(&[(frac(c.before), BEFORE), (frac(c.after), fill)]),
        value(c.before),
        value(c.after),
        esc(&change),
        if word.is_empty() { String::new() } else { format!(" {word}") },
        t = esc(label),
    );
}

/// A rate of entered customers (or of sends) in both versions, with Newcombe's interval for
/// independent samples: the outcome rows are not paired customer by customer.
fn independent(name: &str, a: u64, na: u64, b: u64, nb: u64) -> Change {
    let (x, y) = (wilson(a, na), wilson(b, nb));
    let d = rate_diff(&x, &y);
    Change {
        name: name.to_string(),
        label: name.to_string(),
        depth: 0,
        before: (na > 0).then_some(x.rate),
        after: (nb > 0).then_some(y.rate),
        difference: d.map(|d| d.diff),
        ci95: d.map(|d| [d.lo, d.hi]),
        significant: d.is_some_and(|d| d.significant()),
    }
}

fn outcome_rows(o: &mut Out, a: &Report, b: &Report) {
    let (na, nb) = (a.entered, b.entered);
    let (oa, ob) = (&a.outcomes, &b.outcomes);
    // Converted customers are the goal row above, with its paired interval.
    let mut rows: Vec<(Change, Direction)> = Vec::new();
    let mut events: Vec<&str> = oa.exit_on.iter().map(|(e, _)| e.as_str()).collect();
    for (e, _) in &ob.exit_on {
        if !events.contains(&e.as_str()) {
            events.push(e);
        }
    }
    let of =
        |list: &[(String, u64)], e: &str| list.iter().find(|x| x.0 == e).map(|x| x.1).unwrap_or(0);
    for e in events {
        rows.push((
            independent(
                &format!("exit on {e}"),
                of(&oa.exit_on, e),
                na,
                of(&ob.exit_on, e),
                nb,
            ),
            Direction::UpIsWorse,
        ));
    }
    rows.push((
        independent("exit step", oa.exit_step, na, ob.exit_step, nb),
        Direction::UpIsWorse,
    ));
    rows.push((
        independent("completed the steps", oa.completed, na, ob.completed, nb),
        Direction::Neither,
    ));
    if oa.still_inside + ob.still_inside > 0 {
        rows.push((
            independent(
                "still waiting at the end",
                oa.still_inside,
                na,
                ob.still_inside,
                nb,
            ),
            Direction::Neither,
        ));
    }
    if oa.runaway + ob.runaway > 0 {
        rows.push((
            independent("stopped (E0900 runaway)", oa.runaway, na, ob.runaway, nb),
            Direction::UpIsWorse,
        ));
    }
    let max = rows
        .iter()
        .flat_map(|(c, _)| [c.before, c.after])
        .flatten()
        .fold(0.0, f64::max);
    o.html.push_str("<h2>How customers left</h2>\n<p class=\"note\">Share of entered customers (converted: see the goal above); intervals for independent samples, wider than paired ones.</p>\n<div class=\"chart\">");
    o.section = "";
    for (c, dir) in &rows {
        row(o, &c.label, 0, c, *dir, max, false);
    }
    o.html.push_str("</div>\n");
    // Suppressed sends, as a share of the sends each channel attempted.
    let mut supp = Vec::new();
    for ca in &a.channels {
        let cb = b.channels.iter().find(|x| x.name == ca.name);
        let sa = ca.suppressed_cap + ca.suppressed_consent;
        let sb = cb
            .map(|x| x.suppressed_cap + x.suppressed_consent)
            .unwrap_or(0);
        let tb = cb.map(|x| x.sent).unwrap_or(0) + sb;
        if sa + sb > 0 {
            supp.push(independent(
                &format!(
                    "{} (of {} and {} sends)",
                    ca.name,
                    count(ca.sent + sa),
                    count(tb)
                ),
                sa,
                ca.sent + sa,
                sb,
                tb,
            ));
        }
    }
    o.html.push_str("<h2>Suppressed sends</h2>\n");
    if supp.is_empty() {
        o.html.push_str(
            "<p>No send was suppressed (by a cap or missing consent) in either version.</p>\n",
        );
        return;
    }
    o.html.push_str("<p class=\"note\">Sends a cap or missing consent stopped, as a share of the sends the channel attempted (each send counted as one trial: an approximation).</p>\n<div class=\"chart\">");
    let max = supp
        .iter()
        .flat_map(|c| [c.before, c.after])
        .flatten()
        .fold(0.0, f64::max);
    o.section = "suppressed sends on ";
    for c in &supp {
        row(o, &c.label, 0, c, Direction::UpIsWorse, max, false);
    }
    o.html.push_str("</div>\n");
}

const LEGEND: &str = "<p class=\"legend\"><span><i class=\"key\" style=\"background:#cbd5e0\"></i>before</span>\
<span><i class=\"key\" style=\"background:#38a169\"></i><b class=\"better\">better</b></span>\
<span><i class=\"key\" style=\"background:#e53e3e\"></i><b class=\"worse\">worse</b></span>\
<span><i class=\"key\" style=\"background:#2b6cb0\"></i><b class=\"changed\">changed</b> (neither better nor worse)</span>\
<span><i class=\"key\" style=\"background:#a0aec0\"></i><span class=\"ns\">not significant</span></span></p>\n\
<p class=\"note\">Each row: the bar before (top) and after (bottom), then before → after and the change with its 95% interval. A change is coloured when its interval, as printed, leaves out zero. Better and worse: more goal conversion and milestones is better; more exits, suppressed sends and messages per customer (contact pressure) is worse; a funnel step reached by more customers is a change, not a verdict.</p>\n";

/// The summary: every marked change, better first, then worse, then changed.
fn glance(o: &mut String, marked: &[(&'static str, String)]) {
    o.push_str("<h2>At a glance</h2>\n");
    if marked.is_empty() {
        o.push_str("<p>No change is significant.</p>\n");
        return;
    }
    o.push_str("<ul class=\"verdicts\">\n");
    for (class, title) in [
        ("better", "Better"),
        ("worse", "Worse"),
        ("changed", "Changed"),
    ] {
        let these: Vec<String> = marked
            .iter()
            .filter(|(c, _)| *c == class)
            .map(|(_, t)| esc(t))
            .collect();
        if !these.is_empty() {
            let _ = writeln!(
                o,
                "<li><b class=\"{class}\">{title}:</b> {}</li>",
                these.join("; ")
            );
        }
    }
    o.push_str("</ul>\n");
}

pub fn render_compare(c: &Comparison) -> String {
    let title = format!(
        "Comparison of journey {} (simulation {})",
        c.before.journey, c.before.simulation
    );
    let head = format!(
        "<h1>{}</h1>\n<p>Before: this file; after: the <code>--compare</code> file. {} customers, seed {}; entered: {} before, {} after. Intervals: {}.</p>\n{LEGEND}",
        esc(&title),
        count(c.before.customers),
        c.before.seed,
        count(c.before.entered),
        count(c.after.entered),
        esc(intervals(c.paired))
    );
    let mut out = Out {
        html: String::new(),
        section: "",
        glance: Vec::new(),
    };
    let o = &mut out;
    o.html
        .push_str("<h2>Goal conversion</h2>\n<div class=\"chart\">");
    let goal_max = [c.goal.before, c.goal.after]
        .into_iter()
        .flatten()
        .fold(0.0, f64::max);
    row(
        o,
        "goal",
        0,
        &c.goal,
        Direction::UpIsBetter,
        goal_max,
        false,
    );
    o.html.push_str("</div>\n<h2>Funnel</h2>\n<p class=\"note\">Share of entered customers reaching each step.</p>\n<div class=\"chart\">");
    o.section = "step ";
    for s in &c.steps {
        row(o, &s.label, s.depth, s, Direction::Neither, 1.0, false);
    }
    o.html.push_str("</div>\n");
    if !c.milestones.is_empty() {
        o.html
            .push_str("<h2>Milestones</h2>\n<div class=\"chart\">");
        let max = c
            .milestones
            .iter()
            .flat_map(|m| [m.before, m.after])
            .flatten()
            .fold(0.0, f64::max);
        o.section = "milestone ";
        for m in &c.milestones {
            row(o, &m.label, 0, m, Direction::UpIsBetter, max, false);
        }
        o.html.push_str("</div>\n");
    }
    o.html.push_str("<h2>Contact pressure</h2>\n<p class=\"note\">Mean messages per entered customer, by channel.</p>\n<div class=\"chart\">");
    let max = c
        .pressure
        .iter()
        .flat_map(|p| [p.before, p.after])
        .flatten()
        .fold(0.0, f64::max);
    o.section = "messages per customer on ";
    for p in &c.pressure {
        row(o, &p.label, 0, p, Direction::UpIsWorse, max, true);
    }
    o.html.push_str("</div>\n");
    outcome_rows(o, &c.before, &c.after);
    let mut body = head;
    glance(&mut body, &out.glance);
    body.push_str(&out.html);
    body.push_str("<h1>Before</h1>\n");
    report_body(&mut body, &c.before, "before");
    body.push_str("<h1>After</h1>\n");
    report_body(&mut body, &c.after, "after");
    page(&title, &body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(d: f64, lo: f64, hi: f64) -> Change {
        Change {
            name: "x".into(),
            label: "x".into(),
            depth: 0,
            before: Some(0.5),
            after: Some(0.5 + d),
            difference: Some(d),
            ci95: Some([lo, hi]),
            significant: lo > 0.0 || hi < 0.0,
        }
    }

    #[test]
    fn colours_follow_the_direction_of_the_row() {
        // The goal falling from 12.9% to 11.7% is worse, not better.
        let fall = change(-0.012, -0.02, -0.004);
        assert_eq!(verdict(&fall, Direction::UpIsBetter, 100.0, 1).0, "worse");
        assert_eq!(verdict(&fall, Direction::UpIsWorse, 100.0, 1).0, "better");
        assert_eq!(verdict(&fall, Direction::Neither, 100.0, 1).0, "changed");
        let rise = change(0.012, 0.004, 0.02);
        assert_eq!(verdict(&rise, Direction::UpIsBetter, 100.0, 1).0, "better");
        assert_eq!(verdict(&rise, Direction::UpIsWorse, 100.0, 1).0, "worse");
        let unsure = change(0.012, -0.004, 0.02);
        assert_eq!(verdict(&unsure, Direction::UpIsBetter, 100.0, 1).0, "ns");
    }

    #[test]
    fn a_change_printed_as_zero_is_not_flagged() {
        // -0.00 (-0.00 to -0.00) messages: significant in the statistics, zero as printed.
        let tiny = change(-0.0017, -0.0031, -0.0002);
        assert!(tiny.significant);
        assert_eq!(verdict(&tiny, Direction::UpIsWorse, 1.0, 2).0, "ns");
        // The same interval in points prints as -0.3 to -0.0: not flagged either.
        assert_eq!(verdict(&tiny, Direction::UpIsBetter, 100.0, 1).0, "ns");
        let clear = change(-0.38, -0.39, -0.36);
        assert_eq!(verdict(&clear, Direction::UpIsWorse, 1.0, 2).0, "better");
    }
}
