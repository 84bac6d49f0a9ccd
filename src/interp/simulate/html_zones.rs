//! The HTML page's section on customer time zones: a table of customers, held sends and
//! deliveries per zone, then per zone a small bar chart of deliveries by local hour, and the
//! shares as a table (the numbers the text report prints).
//!
//! The charts follow [`super::html_chart`]: the bars are an SVG stretched to its box (a
//! `viewBox`, no text inside; of class `bar`, so `tests/report_browser.rs` checks that no text
//! runs under it), and the hour labels are HTML under it, one every six hours (0:00, 6:00,
//! 12:00, 18:00, each over a quarter of the width, where those hours' bars start), so that they
//! fit a 360 px phone. The section's style is inline: the page's style sheet is shared by every
//! report, which stays byte for byte as it was.

use super::html_chart::{esc, table, STAGE};
use super::report::{zone_total, ZoneRow};
use super::text::{count, hour_cell};
use std::fmt::Write;

/// Height of the chart's drawing units (its `viewBox` is 240 by this).
const HEIGHT: f64 = 40.0;

/// The bars of one zone: 24 columns, each as tall as its hour's share of the busiest hour.
fn hours_svg(z: &ZoneRow) -> String {
    let top = z.local_hour.iter().copied().max().unwrap_or(0);
    let mut o = format!(
        "<svg class=\"bar hours\" viewBox=\"0 0 240 {HEIGHT}\" preserveAspectRatio=\"none\" aria-hidden=\"true\" \
         style=\"display:block;width:100%;height:4em;background:#f6f8fa\">"
    );
    for (h, n) in z.local_hour.iter().enumerate() {
        if *n == 0 || top == 0 {
            continue;
        }
        // A bar of one message is still seen.
        let tall = (*n as f64 / top as f64 * HEIGHT).max(0.8);
        let _ = write!(
            o,
            "<rect x=\"{}\" y=\"{:.2}\" width=\"8\" height=\"{tall:.2}\" fill=\"{STAGE}\"/>",
            h * 10 + 1,
            HEIGHT - tall
        );
    }
    o.push_str("</svg>");
    o
}

/// The hour labels under a chart: 0:00, 6:00, 12:00 and 18:00, each over six hours' bars.
fn axis() -> String {
    let mut o = String::from(
        "<div class=\"axis\" style=\"display:grid;grid-template-columns:repeat(4,minmax(0,1fr));font-size:.8em;color:#57606a\">",
    );
    for h in [0, 6, 12, 18] {
        let _ = write!(o, "<span>{h}:00</span>");
    }
    o.push_str("</div>");
    o
}

/// The section, for a report with zones.
pub fn section(o: &mut String, zones: &[ZoneRow]) {
    let total = zone_total(zones);
    o.push_str("<h2>Customer time zones</h2>\n<p class=\"note\">Per customer time zone (the <code>timezone</code> attribute on arrival; UTC when it is not set): customers, sends held by quiet hours (then sent or suppressed when the window ends) and messages delivered.</p>\n");
    let rows: Vec<Vec<String>> = zones
        .iter()
        .chain([&total])
        .map(|z| {
            vec![
                esc(&z.zone),
                count(z.customers),
                count(z.held),
                count(z.delivered),
            ]
        })
        .collect();
    table(o, &["zone", "customers", "held", "delivered"], &rows);
    o.push_str("<h3>Local hour of delivery</h3>\n<p class=\"note\">Messages by the hour on the customer's own clock when they were sent; each chart is scaled to its busiest hour. Every channel counts: a channel without quiet hours, or a transactional message, goes at any hour; sends held by quiet hours go when the window ends.</p>\n");
    for z in zones.iter().chain([&total]) {
        let _ = writeln!(
            o,
            "<div class=\"chart\"><p><b>{}</b> <small>{} delivered</small></p>{}{}</div>",
            esc(&z.zone),
            count(z.delivered),
            hours_svg(z),
            axis()
        );
    }
    o.push_str("<p class=\"note\">The share of each zone's messages by local hour, in percent (· none, &lt;1 under half a percent):</p>\n");
    // 25 columns: narrower cells than the page's other tables, so that it fits a wide screen
    // (it scrolls inside its box on a phone).
    let cell = "style=\"padding:3px 5px\"";
    o.push_str("<div class=\"scroll\"><table><tr>\n<th>zone</th>");
    for h in 0..24 {
        let _ = write!(o, "<th {cell}>{h}</th>");
    }
    o.push_str("</tr>\n");
    for z in zones.iter().chain([&total]) {
        let _ = write!(o, "<tr>\n<td>{}</td>", esc(&z.zone));
        for (n, share) in z.local_hour.iter().zip(z.shares()) {
            let _ = write!(o, "<td {cell}>{}</td>", esc(&hour_cell(*n, share)));
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</table></div>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each hour with messages is a bar in its column, as tall as its share of the busiest
    /// hour (a single message still seen); an hour without any draws nothing.
    #[test]
    fn hour_bars_are_in_proportion_to_the_busiest_hour() {
        let mut local_hour = [0; 24];
        local_hour[9] = 1_000;
        local_hour[10] = 500;
        local_hour[23] = 1;
        let z = ZoneRow {
            zone: "Europe/Paris".to_string(),
            customers: 10,
            held: 0,
            delivered: 1_501,
            local_hour,
        };
        let svg = hours_svg(&z);
        let rects: Vec<&str> = svg.split("<rect ").skip(1).collect();
        assert_eq!(rects.len(), 3, "{svg}");
        assert!(
            rects[0].starts_with("x=\"91\" y=\"0.00\" width=\"8\" height=\"40.00\""),
            "{svg}"
        );
        assert!(
            rects[1].starts_with("x=\"101\" y=\"20.00\" width=\"8\" height=\"20.00\""),
            "{svg}"
        );
        assert!(
            rects[2].starts_with("x=\"231\" y=\"39.20\" width=\"8\" height=\"0.80\""),
            "{svg}"
        );
        let none = ZoneRow {
            local_hour: [0; 24],
            ..z
        };
        assert!(!hours_svg(&none).contains("<rect"));
    }

    #[test]
    fn the_axis_names_every_sixth_hour() {
        let a = axis();
        let labels: Vec<&str> = a
            .split("<span>")
            .skip(1)
            .filter_map(|s| s.split("</span>").next())
            .collect();
        assert_eq!(labels, ["0:00", "6:00", "12:00", "18:00"]);
    }
}
