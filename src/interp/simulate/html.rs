//! The HTML report: one self-contained page (inline CSS and SVG, no script, no network) with
//! the funnel drawn as a bar chart and the same tables as the text report.

use super::compare::Comparison;
use super::report::Report;
use super::text::{approx, count, pct, verdict};
use std::fmt::Write;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:2em;color:#222}\
table{border-collapse:collapse;margin:.5em 0 1.5em}td,th{padding:2px 10px;border-bottom:1px solid #ddd;text-align:right}\
td:first-child,th:first-child{text-align:left}h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}\
.sig{color:#0a6b2d;font-weight:600}.ns{color:#777}";

/// The funnel: one bar per stage and step, its length the share of entered customers.
fn funnel_svg(r: &Report) -> String {
    let rows: Vec<(String, f64, u64, bool)> = r
        .stages
        .iter()
        .flat_map(|s| {
            std::iter::once((s.name.clone(), s.rate, s.reached, true)).chain(s.steps.iter().map(
                |st| {
                    (
                        format!("{}{}", "\u{a0}\u{a0}".repeat(st.depth + 1), st.label),
                        st.rate,
                        st.reached,
                        false,
                    )
                },
            ))
        })
        .collect();
    let (label_w, bar_w, row_h) = (360.0, 420.0, 22.0);
    let height = row_h * rows.len() as f64 + 10.0;
    let mut o = String::new();
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" role=\"img\" aria-label=\"funnel\">",
        label_w + bar_w + 140.0
    );
    for (i, (label, rate, n, stage)) in rows.iter().enumerate() {
        let y = 5.0 + row_h * i as f64;
        let w = (bar_w * rate.clamp(0.0, 1.0)).max(1.0);
        let fill = if *stage { "#2b6cb0" } else { "#90cdf4" };
        let weight = if *stage { " font-weight=\"600\"" } else { "" };
        let _ = write!(
            o,
            "<text x=\"0\" y=\"{:.1}\" font-size=\"12\"{weight}>{}</text>\
             <rect x=\"{label_w}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{:.1}\" fill=\"{fill}\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"12\">{} ({})</text>",
            y + 15.0,
            esc(label),
            row_h - 6.0,
            label_w + w + 6.0,
            y + 15.0,
            count(*n),
            pct(*rate)
        );
    }
    o.push_str("</svg>");
    o
}

fn report_body(o: &mut String, r: &Report) {
    let _ = write!(
        o,
        "<p>{} customers, seed {}. Entered: <b>{}</b> ({} of customers).</p>",
        count(r.customers),
        r.seed,
        count(r.entered),
        pct(r.entered_rate)
    );
    let _ = write!(
        o,
        "<h2>Funnel (customers reaching each step, % of entered)</h2>{}",
        funnel_svg(r)
    );
    o.push_str("<h2>Messages by touchpoint</h2><table><tr><th>touchpoint</th><th>channel</th><th>sent</th><th>suppressed: cap</th><th>suppressed: consent</th><th>deferred</th><th>credited</th></tr>");
    for t in &r.touchpoints {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&t.name),
            esc(&t.channel),
            count(t.sent),
            count(t.suppressed_cap),
            count(t.suppressed_consent),
            count(t.deferred),
            count(t.credited)
        );
    }
    o.push_str("</table><h2>By channel (mean, p90, max: messages per entered customer)</h2><table><tr><th>channel</th><th>sent</th><th>suppressed: cap</th><th>suppressed: consent</th><th>deferred</th><th>mean</th><th>p90</th><th>max</th></tr>");
    for c in &r.channels {
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.name),
            count(c.sent),
            count(c.suppressed_cap),
            count(c.suppressed_consent),
            count(c.deferred),
            c.per_customer.mean,
            c.per_customer.p90,
            c.per_customer.max
        );
    }
    o.push_str("</table>");
    let time = |m: Option<u64>| m.map(approx).unwrap_or_else(|| "-".into());
    if !r.milestones.is_empty() {
        o.push_str("<h2>Milestones</h2><table><tr><th>milestone</th><th>reached</th><th>%</th><th>median time</th><th>p90 time</th></tr>");
        for m in &r.milestones {
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&m.name),
                count(m.reached),
                pct(m.rate),
                time(m.time.median_secs),
                time(m.time.p90_secs)
            );
        }
        o.push_str("</table>");
    }
    let g = &r.goal;
    let _ = write!(
        o,
        "<h2>Goal: {}</h2><p>Converted <b>{}</b> of {}: <b>{}</b> (95% CI {} to {}). Time to goal: median {}, p90 {}.</p>",
        esc(&g.goals.join(", ")),
        count(g.converted),
        count(r.entered),
        pct(g.rate),
        pct(g.ci95[0]),
        pct(g.ci95[1]),
        time(g.time.median_secs),
        time(g.time.p90_secs)
    );
    outcomes(o, r);
    for s in &r.splits {
        let _ = write!(
            o,
            "<h2>Split {} (vs {})</h2><table><tr><th>variant</th><th>share</th><th>customers</th><th>converted</th><th>conversion (95% CI)</th><th>vs {}</th></tr>",
            esc(&s.id),
            esc(&s.reference),
            esc(&s.reference)
        );
        for v in &s.variants {
            let (class, vs) = match &v.versus {
                Some(x) => (
                    if x.significant { "sig" } else { "ns" },
                    verdict(x, &s.reference),
                ),
                None if v.reference => ("ns", "(reference)".to_string()),
                None => ("ns", "no customers to compare".to_string()),
            };
            let _ = write!(
                o,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} ({} to {})</td><td class=\"{class}\">{}</td></tr>",
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
        o.push_str("</table>");
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>{body}</body></html>\n",
        esc(title)
    )
}

pub fn render(r: &Report) -> String {
    let title = format!("Simulation {} of journey {}", r.simulation, r.journey);
    let mut body = format!("<h1>{}</h1>", esc(&title));
    report_body(&mut body, r);
    page(&title, &body)
}

pub fn render_compare(c: &Comparison) -> String {
    let title = format!(
        "Comparison of journey {} (simulation {})",
        c.before.journey, c.before.simulation
    );
    let mut body = format!(
        "<h1>{}</h1><p>Intervals: {}.</p><h2>Changes (95% CI)</h2><table><tr><th>step</th><th>before</th><th>after</th><th>change</th></tr>",
        esc(&title),
        esc(super::compare::intervals(c.paired))
    );
    let fmt = |x: Option<f64>| x.map(pct).unwrap_or_else(|| "-".into());
    for ch in c
        .steps
        .iter()
        .chain(&c.milestones)
        .chain(std::iter::once(&c.goal))
    {
        let change = match (ch.difference, ch.ci95) {
            (Some(d), Some([lo, hi])) => format!(
                "{:+.1} pts ({:+.1} to {:+.1})",
                d * 100.0,
                lo * 100.0,
                hi * 100.0
            ),
            _ => "-".into(),
        };
        let class = if ch.significant { "sig" } else { "ns" };
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"{class}\">{change}</td></tr>",
            esc(&format!("{}{}", "\u{a0}\u{a0}".repeat(ch.depth), ch.label)),
            fmt(ch.before),
            fmt(ch.after)
        );
    }
    for p in &c.pressure {
        let class = if p.significant { "sig" } else { "ns" };
        let [lo, hi] = p.ci95.unwrap_or([0.0, 0.0]);
        let _ = write!(
            body,
            "<tr><td>messages per customer: {}</td><td>{:.2}</td><td>{:.2}</td><td class=\"{class}\">{:+.2} ({lo:+.2} to {hi:+.2})</td></tr>",
            esc(&p.name),
            p.before.unwrap_or(0.0),
            p.after.unwrap_or(0.0),
            p.difference.unwrap_or(0.0)
        );
    }
    body.push_str("</table><h1>Before</h1>");
    report_body(&mut body, &c.before);
    body.push_str("<h1>After</h1>");
    report_body(&mut body, &c.after);
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
    let mut body = format!("<h1>{}</h1>", esc(&title));
    for r in &w.reports {
        let _ = write!(body, "<h1>Journey {}</h1>", esc(&r.journey));
        report_body(&mut body, r);
    }
    let _ = write!(
        body,
        "<h2>Contact pressure across journeys ({} customers entered at least one; mean, p90, max: messages per such customer)</h2><table><tr><th>channel</th><th>sent</th><th>mean</th><th>p90</th><th>max</th><th>suppressed by a cap another journey filled</th></tr>",
        count(w.entered)
    );
    for c in &w.contact_pressure {
        let lost: Vec<String> = c
            .capped_by_other_journeys
            .iter()
            .map(|x| format!("{}: {}", x.journey, count(x.suppressed)))
            .collect();
        let _ = write!(
            body,
            "<tr><td>{}</td><td>{}</td><td>{:.2}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&c.channel),
            count(c.sent),
            c.per_customer.mean,
            c.per_customer.p90,
            c.per_customer.max,
            esc(&lost.join(", "))
        );
    }
    body.push_str("</table>");
    page(&title, &body)
}

/// "How customers left": the rows of [`super::report::Outcomes::rows`], a partition of the
/// customers who entered, as in the text report.
fn outcomes(o: &mut String, r: &Report) {
    o.push_str(
        "<h2>How customers left</h2><table><tr><th>outcome</th><th>customers</th><th>%</th></tr>",
    );
    for (label, n) in r.outcomes.rows() {
        let share = if r.entered == 0 {
            0.0
        } else {
            n as f64 / r.entered as f64
        };
        let _ = write!(
            o,
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&label),
            count(n),
            pct(share)
        );
    }
    o.push_str("</table>");
}
