//! The HTML report: one self-contained page (inline CSS and SVG; no script, no network: a
//! Content-Security-Policy of `default-src 'none'` says so to the browser) with everything the
//! text report says, drawn: the funnel, where customers drop, how long they take to convert, how
//! they left, each split's variants with their intervals, and the journey itself.
//!
//! The charts are rows of wrapping HTML text beside stretched SVG bars ([`super::html_chart`]),
//! so the page reads the same from a 360 px phone to a wide screen; the journey graph is one SVG
//! laid out from the IR ([`crate::ir::graph_svg`]) that scales down with the page.

use super::hist::Bucket;
use super::html_chart::{
    bar_row, esc, interval, nice_max, table, EXIT, GOAL, LOST, NEUTRAL, STAGE, STEP, STYLE,
};
use super::report::{place, Report};
use super::text::{approx, count, pct, verdict};
use std::collections::HashMap;
use std::fmt::Write;

pub use super::html_compare::render_compare;

/// What the page may load: nothing but its own inline style and `data:` images.
const CSP: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

pub(super) fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        esc(title)
    )
}

fn num(n: u64, rate: f64) -> String {
    format!("{} <small>{}</small>", count(n), pct(rate))
}

/// `x` as a share of `top` (0 when `top` is 0).
fn share_of(x: f64, top: f64) -> f64 {
    if top > 0.0 {
        x / top
    } else {
        0.0
    }
}

fn share(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

/// The funnel: a row per stage and step with its customers and share of entered; after a
/// split, a row per variant (the holdout too, which has no step of its own).
fn funnel(o: &mut String, r: &Report) {
    o.push_str("<h2>Funnel</h2>\n<p class=\"note\">Customers reaching each step at least once, and their share of entered customers.</p>\n<div class=\"chart\">");
    for s in &r.stages {
        let mut label = s.name.clone();
        if s.skipped > 0 {
            let _ = write!(label, " (skipped by {})", count(s.skipped));
        }
        bar_row(o, &label, 0, s.rate, STAGE, &num(s.reached, s.rate), " st");
        for st in &s.steps {
            // A keyed journey: the instances too, where they differ from the customers.
            let label = match st.instances.filter(|i| *i != st.reached) {
                Some(i) => format!("{} ({} instances)", st.label, count(i)),
                None => st.label.clone(),
            };
            bar_row(
                o,
                &label,
                st.depth + 1,
                st.rate,
                STEP,
                &num(st.reached, st.rate),
                "",
            );
            if let Some(split) = r.splits.iter().find(|x| x.id == st.id) {
                for v in &split.variants {
                    let rate = share(v.customers, r.entered);
                    bar_row(
                        o,
                        &format!("variant {} ({})", v.name, v.share),
                        st.depth + 2,
                        rate,
                        STEP,
                        &num(v.customers, rate),
                        "",
                    );
                }
            }
        }
    }
    o.push_str("</div>\n");
}

/// A step of the drop-off chains: its label and customers.
#[derive(Clone, Copy)]
struct Link<'r> {
    label: &'r str,
    reached: u64,
}

/// Consecutive steps of the same block (and a stage's last step with the next stage), in
/// journey order.
fn chains(r: &Report) -> Vec<(Link<'_>, Link<'_>)> {
    let mut pairs = Vec::new();
    for (k, s) in r.stages.iter().enumerate() {
        // Steps by parent (the stage, or the block they are nested in), in journey order.
        let mut blocks: Vec<(String, Vec<Link>)> = Vec::new();
        for st in &s.steps {
            let segs: Vec<&str> = st.id.split('.').collect();
            let parent = segs[..segs.len().saturating_sub(2)].join(".");
            let link = Link {
                label: &st.label,
                reached: st.reached,
            };
            match blocks.iter_mut().find(|b| b.0 == parent) {
                Some(b) => b.1.push(link),
                None => blocks.push((parent, vec![link])),
            }
        }
        let head = Link {
            label: &s.name,
            reached: s.reached,
        };
        let next = r.stages.get(k + 1).map(|n| Link {
            label: &n.name,
            reached: n.reached,
        });
        for (parent, steps) in blocks {
            let mut chain = steps;
            if parent == s.name {
                chain.insert(0, head);
                chain.extend(next);
            }
            for w in chain.windows(2) {
                pairs.push((w[0], w[1]));
            }
        }
    }
    pairs
}

/// Where customers drop: for each step, those who reached it but never the step after it in
/// the same block (the next stage after a stage's last step). Blocks nested in a wait or an `if`
/// are chains of their own: the customers who took another branch are not lost.
fn drop_off(o: &mut String, r: &Report) {
    o.push_str("<h2>Drop-off</h2>\n<p class=\"note\">Customers who reached a step but never the next step of the same block (after a stage's last step: the next stage), and their share of those who reached it (the bars are scaled to the largest share). They converted, left, are still waiting, or jumped elsewhere; customers who took another branch are not lost.</p>\n");
    let lost: Vec<(Link, Link, u64)> = chains(r)
        .into_iter()
        .map(|(a, b)| (a, b, a.reached.saturating_sub(b.reached)))
        .filter(|x| x.2 > 0)
        .collect();
    let Some((a, b, n)) = lost.iter().max_by_key(|x| x.2) else {
        o.push_str("<p>No step loses customers before the next.</p>\n");
        return;
    };
    let _ = write!(
        o,
        "<p>The largest drop: <b>{}</b> customers ({} of those who reached it) between <b>{}</b> and <b>{}</b>.</p>\n<div class=\"chart\">",
        count(*n),
        pct(share(*n, a.reached)),
        esc(a.label),
        esc(b.label)
    );
    // Bars are scaled to the largest share lost, so small drops stay visible.
    let top = lost
        .iter()
        .map(|(a, _, n)| share(*n, a.reached))
        .fold(0.0, f64::max);
    for (a, b, n) in &lost {
        let frac = share(*n, a.reached);
        bar_row(
            o,
            &format!("{} → {}", a.label, b.label),
            0,
            share_of(frac, top),
            LOST,
            &format!("−{} <small>{}</small>", count(*n), pct(frac)),
            "",
        );
    }
    o.push_str("</div>\n");
}

/// A histogram of times from entry, as rows: one bar per interval, its length the share of
/// `total` (the customers who got there).
fn histogram(o: &mut String, buckets: &[Bucket], total: u64, fill: &str) {
    let top = buckets.iter().map(|b| b.count).max().unwrap_or(0);
    o.push_str("<div class=\"chart\">");
    for b in buckets {
        let from = match b.from {
            0 => "0".to_string(),
            t => crate::units::duration(t),
        };
        let label = format!("{from} to {}", crate::units::duration(b.to));
        bar_row(
            o,
            &label,
            0,
            share(b.count, top),
            fill,
            &num(b.count, share(b.count, total)),
            " compact",
        );
    }
    o.push_str("</div>\n");
}

fn time(m: Option<u64>) -> String {
    m.map(approx).unwrap_or_else(|| "-".into())
}

fn goal(o: &mut String, r: &Report) {
    let g = &r.goal;
    if g.goals.is_empty() {
        o.push_str("<h2>Goal</h2>\n<p>None: the journey has no <code>goal</code>, so nobody converts.</p>\n");
        return;
    }
    let _ = writeln!(
        o,
        "<h2>Goal: {}</h2>\n<p>Converted <b>{}</b> of {}: <b>{}</b> (95% CI {} to {}). Time to goal: median {}, p90 {}.</p>",
        esc(&g.goals.join(", ")),
        count(g.converted),
        count(r.entered),
        pct(g.rate),
        pct(g.ci95[0]),
        pct(g.ci95[1]),
        time(g.time.median_secs),
        time(g.time.p90_secs)
    );
    if !g.time.histogram.is_empty() {
        o.push_str("<h3>Time to goal</h3>\n<p class=\"note\">Converted customers by the time from entry to their conversion (share of converted).</p>\n");
        histogram(o, &g.time.histogram, g.converted, GOAL);
    }
}

/// "How customers left": the rows of [`super::report::Outcomes::rows`], a partition of the
/// customers who entered, as in the text report.
fn outcomes(o: &mut String, r: &Report) {
    let oc = &r.outcomes;
    o.push_str("<h2>How customers left</h2>\n<p class=\"note\">Entered customers by how their journey ended (share of entered).</p>\n<div class=\"chart\">");
    for (label, n) in oc.rows() {
        // Converted rows in the goal's colour, exits in the exit colour, the rest neutral.
        let fill = if label.contains("converted") {
            GOAL
        } else if label.contains("exit") || label.contains("runaway") {
            EXIT
        } else if label.starts_with("completed") {
            STAGE
        } else {
            NEUTRAL
        };
        let rate = share(n, r.entered);
        bar_row(o, &label, 0, rate, fill, &num(n, rate), "");
    }
    o.push_str("</div>\n");
}

fn splits(o: &mut String, r: &Report) {
    for s in &r.splits {
        let _ = writeln!(
            o,
            "<h2>Split in {}</h2>\n<p class=\"note\">Goal conversion by variant, with its 95% interval (the thin bar) and the {} rate as a grey line; each is compared with {}.</p>",
            esc(&place(&s.id)),
            if s.reference == "holdout" { "holdout's" } else { "pooled" },
            esc(&s.reference)
        );
        let reference = s.variants.iter().find(|v| v.reference).map(|v| v.rate);
        let max = nice_max(s.variants.iter().map(|v| v.ci95[1]).fold(0.0, f64::max));
        o.push_str("<div class=\"chart\">");
        for v in &s.variants {
            let fill = match &v.versus {
                Some(x) if x.significant && x.difference > 0.0 => GOAL,
                Some(x) if x.significant => EXIT,
                _ => STAGE,
            };
            let _ = writeln!(
                o,
                "<div class=\"row wide\"><span class=\"lbl\">{} ({})</span>{}<span class=\"num\">{} <small>{} to {}</small></span></div>",
                esc(&v.name),
                esc(&v.share),
                interval(v.rate, v.ci95[0], v.ci95[1], max, reference, fill),
                pct(v.rate),
                pct(v.ci95[0]),
                pct(v.ci95[1])
            );
        }
        let _ = writeln!(
            o,
            "</div>\n<p class=\"note\">Scale: 0 to {}.</p>\n<ul class=\"verdicts\">",
            pct(max)
        );
        for v in &s.variants {
            let (class, vs) = match &v.versus {
                Some(x) if x.significant && x.difference > 0.0 => {
                    ("better", verdict(x, &s.reference))
                }
                Some(x) if x.significant => ("worse", verdict(x, &s.reference)),
                Some(x) => ("ns", verdict(x, &s.reference)),
                None if v.reference => ("ns", "(reference)".to_string()),
                None => ("ns", "no customers to compare".to_string()),
            };
            let _ = writeln!(
                o,
                "<li><b>{}</b> ({}): {} customers, {} converted: {} (95% CI {} to {}). <span class=\"{class}\">{}</span></li>",
                esc(&v.name),
                esc(&v.share),
                count(v.customers),
                count(v.converted),
                pct(v.rate),
                pct(v.ci95[0]),
                pct(v.ci95[1]),
                esc(&vs)
            );
        }
        o.push_str("</ul>\n");
    }
}

fn milestones(o: &mut String, r: &Report) {
    if r.milestones.is_empty() {
        return;
    }
    o.push_str("<h2>Milestones</h2>\n<div class=\"chart\">");
    for m in &r.milestones {
        bar_row(
            o,
            &format!(
                "{} (median {}, p90 {})",
                m.name,
                time(m.time.median_secs),
                time(m.time.p90_secs)
            ),
            0,
            m.rate,
            GOAL,
            &num(m.reached, m.rate),
            "",
        );
    }
    o.push_str("</div>\n");
    for m in &r.milestones {
        if m.time.histogram.is_empty() {
            continue;
        }
        let _ = writeln!(
            o,
            "<h3>Time to milestone {}</h3>\n<p class=\"note\">Customers who reached it by the time from entry (share of those who reached it).</p>",
            esc(&m.name)
        );
        histogram(o, &m.time.histogram, m.reached, STEP);
    }
}

fn messages(o: &mut String, r: &Report) {
    o.push_str("<h2>Messages by touchpoint</h2>\n");
    let rows: Vec<Vec<String>> = r
        .touchpoints
        .iter()
        .map(|t| {
            vec![
                esc(&t.name),
                esc(&t.channel),
                count(t.sent),
                count(t.suppressed_cap),
                count(t.suppressed_consent),
                count(t.deferred),
                count(t.credited),
            ]
        })
        .collect();
    table(
        o,
        &[
            "touchpoint",
            "channel",
            "sent",
            "suppressed: cap",
            "suppressed: consent",
            "deferred",
            "credited",
        ],
        &rows,
    );
    o.push_str("<p class=\"note\">Suppressed: sends the channel's cap or missing consent stopped. Deferred: held for quiet hours, then sent or suppressed. Credited: conversions credited to the touchpoint (<code>converts EVENT within D</code>).</p>\n");
    o.push_str("<h2>By channel</h2>\n<p class=\"note\">Mean, p90, max: messages per entered customer (the contact pressure).</p>\n");
    let rows: Vec<Vec<String>> = r
        .channels
        .iter()
        .map(|c| {
            vec![
                esc(&c.name),
                count(c.sent),
                count(c.suppressed_cap),
                count(c.suppressed_consent),
                count(c.deferred),
                format!("{:.2}", c.per_customer.mean),
                c.per_customer.p90.to_string(),
                c.per_customer.max.to_string(),
            ]
        })
        .collect();
    table(
        o,
        &[
            "channel",
            "sent",
            "suppressed: cap",
            "suppressed: consent",
            "deferred",
            "mean",
            "p90",
            "max",
        ],
        &rows,
    );
    let top = r
        .channels
        .iter()
        .map(|c| c.per_customer.mean)
        .fold(0.0, f64::max);
    if top > 0.0 {
        o.push_str("<div class=\"chart\">");
        for c in &r.channels {
            bar_row(
                o,
                &c.name,
                0,
                c.per_customer.mean / top,
                STEP,
                &format!("{:.2} <small>per customer</small>", c.per_customer.mean),
                "",
            );
        }
        o.push_str("</div>\n");
    }
}

/// The most steps the page draws: a larger journey's drawing would be too big to read (and to
/// lay out quickly); `journeyc graph` draws it for Graphviz or Mermaid.
const MAX_DRAWN: usize = 400;

/// The journey drawn from the IR, each node with the customers who reached it.
fn graph(o: &mut String, r: &Report, prefix: &str) {
    let nodes: usize = r.graph.clusters.iter().map(|c| c.nodes.len()).sum();
    if nodes > MAX_DRAWN {
        let _ = writeln!(
            o,
            "<h2>The journey</h2>\n<p>{} steps are too many to draw here: <code>journeyc graph</code> writes the journey for Graphviz or Mermaid.</p>",
            count(nodes as u64)
        );
        return;
    }
    let mut notes: HashMap<String, String> = HashMap::new();
    let mut put = |id: String, n: u64| {
        notes.insert(id, format!("{} · {}", count(n), pct(share(n, r.entered))));
    };
    put("start".into(), r.entered);
    for s in &r.stages {
        put(format!("{}.enter", s.name), s.reached);
        for st in &s.steps {
            put(st.id.clone(), st.reached);
        }
    }
    let oc = &r.outcomes;
    if r.goal.goals.len() == 1 {
        // Everyone the goal counted, however their steps ended.
        put(
            "goal.0".into(),
            oc.converted + oc.completed_then_converted + oc.exit_step_then_converted,
        );
    }
    for (i, (_, n)) in r.outcomes.exit_on.iter().enumerate() {
        put(format!("exit.{i}"), *n);
    }
    // Everyone who finished the steps, converted afterwards or not.
    put(
        "completed".into(),
        oc.completed + oc.completed_then_converted,
    );
    o.push_str("<h2>The journey</h2>\n<p class=\"note\">Each step with the customers who reached it and their share of entered. Dashed: how customers leave at any time (the goal, <code>exit on</code>) and jumps (<code>goto</code>). Hover a cut label for its full text.</p>\n");
    o.push_str(&crate::ir::graph_svg::svg(
        &r.graph,
        &|id| notes.get(id).cloned(),
        prefix,
    ));
}

/// The sections of one journey's report; `prefix` keeps the ids of its drawing unique in the
/// page.
pub(super) fn report_body(o: &mut String, r: &Report, prefix: &str) {
    let _ = writeln!(
        o,
        "<p>{} customers, seed {}. Entered: <b>{}</b> ({} of customers; the trigger's condition held).</p>",
        count(r.customers),
        r.seed,
        count(r.entered),
        pct(r.entered_rate)
    );
    let kept_out = r.exclusive.as_ref().filter(|x| x.kept_out > 0);
    if let Some(x) = kept_out {
        let _ = writeln!(
            o,
            "<p>Kept out: <b>{}</b> ({} of customers; the trigger's condition held, but each time they were in another journey of <code>exclusive {}</code>).</p>",
            count(x.kept_out),
            pct(x.kept_out_rate),
            esc(&x.group)
        );
    }
    if r.entered == 0 && kept_out.is_none() {
        o.push_str("<p>Nobody entered: the trigger's condition never held for this population (if it reads <code>event.FIELD</code>: behaviour rules give events no fields, so it never holds).</p>\n");
    }
    if let (Some(f), Some(n)) = (&r.per, r.instances) {
        let _ = writeln!(
            o,
            "<p>Instances: <b>{}</b> (one per <code>{}</code>; {:.2} per entered customer). The funnel counts customers; a step that instances reached more often than customers says so.</p>",
            count(n),
            esc(f),
            if r.entered == 0 { 0.0 } else { n as f64 / r.entered as f64 }
        );
    }
    funnel(o, r);
    drop_off(o, r);
    goal(o, r);
    splits(o, r);
    outcomes(o, r);
    milestones(o, r);
    messages(o, r);
    if let Some(zones) = &r.zones {
        super::html_zones::section(o, zones);
    }
    graph(o, r, prefix);
}

pub fn render(r: &Report) -> String {
    let title = format!("Simulation {} of journey {}", r.simulation, r.journey);
    let mut body = format!("<h1>{}</h1>\n", esc(&title));
    report_body(&mut body, r, "j");
    page(&title, &body)
}

/// Several journeys simulated together: each journey's report, then one table of contact
/// pressure across them.
pub fn render_world(w: &super::pressure::WorldReport) -> String {
    let title = format!(
        "Simulation {} of journeys {}",
        w.simulation,
        w.journeys.join(", ")
    );
    let mut body = format!("<h1>{}</h1>\n", esc(&title));
    for (i, r) in w.reports.iter().enumerate() {
        let _ = writeln!(body, "<h1>Journey {}</h1>", esc(&r.journey));
        report_body(&mut body, r, &format!("j{i}"));
    }
    let _ = writeln!(
        body,
        "<h2>Contact pressure across journeys</h2>\n<p class=\"note\">{} customers entered at least one journey; mean, p90, max: messages per such customer.</p>",
        count(w.entered)
    );
    let rows: Vec<Vec<String>> = w
        .contact_pressure
        .iter()
        .map(|c| {
            let lost: Vec<String> = c
                .capped_by_other_journeys
                .iter()
                .map(|x| format!("{}: {}", x.journey, count(x.suppressed)))
                .collect();
            vec![
                esc(&c.channel),
                count(c.sent),
                format!("{:.2}", c.per_customer.mean),
                c.per_customer.p90.to_string(),
                c.per_customer.max.to_string(),
                esc(&lost.join(", ")),
            ]
        })
        .collect();
    table(
        &mut body,
        &[
            "channel",
            "sent",
            "mean",
            "p90",
            "max",
            "suppressed by a cap another journey filled",
        ],
        &rows,
    );
    page(&title, &body)
}
