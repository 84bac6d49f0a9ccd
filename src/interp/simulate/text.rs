//! The plain-text report: what `journeyc simulate` prints, written for a marketer to read.

use super::report::{Report, Timing, Versus};
use std::fmt::Write;

/// `12,345`.
pub fn count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// `12.3%`.
pub fn pct(r: f64) -> String {
    format!("{:.1}%", r * 100.0)
}

/// A difference in percentage points with its sign: `+1.2 pts`.
pub fn pts(d: f64) -> String {
    format!("{:+.1} pts", d * 100.0)
}

/// A duration rounded for reading: to the hour from a day up, to the minute from an hour up.
pub fn approx(secs: u64) -> String {
    let rounded = if secs >= 86_400 {
        (secs + 1_800) / 3_600 * 3_600
    } else if secs >= 3_600 {
        (secs + 30) / 60 * 60
    } else {
        secs
    };
    crate::units::duration(rounded)
}

fn timing(t: &Timing) -> String {
    match (t.median_secs, t.p90_secs) {
        (Some(m), Some(p)) => format!("median {}, p90 {}", approx(m), approx(p)),
        _ => "-".to_string(),
    }
}

/// "significant" or not, in words.
pub fn verdict(v: &Versus, reference: &str) -> String {
    let lift = v
        .lift
        .map(|l| format!(", lift {:+.0}%", l * 100.0))
        .unwrap_or_default();
    let head = format!(
        "{} (95% CI {} to {}){lift}",
        pts(v.difference),
        pts(v.ci95[0]),
        pts(v.ci95[1])
    );
    if v.significant {
        let dir = if v.difference > 0.0 {
            "better"
        } else {
            "worse"
        };
        format!("{head}: significantly {dir} than {reference}")
    } else {
        format!("{head}: not significant, could be chance")
    }
}

pub fn render(r: &Report) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Simulation `{}` of journey `{}`: {} customers, seed {}",
        r.simulation,
        r.journey,
        count(r.customers),
        r.seed
    );
    let _ = writeln!(
        o,
        "Entered: {} ({} of customers; the trigger's condition held)",
        count(r.entered),
        pct(r.entered_rate)
    );
    let kept_out = r.exclusive.as_ref().filter(|x| x.kept_out > 0);
    if let Some(x) = kept_out {
        let _ = writeln!(
            o,
            "Kept out: {} ({} of customers; the trigger's condition held, but each time they \
             were in another journey of `exclusive {}`)",
            count(x.kept_out),
            pct(x.kept_out_rate),
            x.group
        );
    }
    if r.entered == 0 && kept_out.is_none() {
        let _ = writeln!(
            o,
            "Nobody entered: the trigger's condition never held for this population (if it \
             reads `event.FIELD`: behaviour rules give events no fields, so it never holds)"
        );
    }
    if let (Some(f), Some(n)) = (&r.per, r.instances) {
        let _ = writeln!(
            o,
            "Instances: {} (one per `{f}`; {:.2} per entered customer)",
            count(n),
            if r.entered == 0 {
                0.0
            } else {
                n as f64 / r.entered as f64
            }
        );
    }
    let _ = writeln!(o, "\nFunnel (customers reaching each step, % of entered)");
    for s in &r.stages {
        let mut head = format!("  {}", s.name);
        if s.skipped > 0 {
            head.push_str(&format!(" (skipped by {})", count(s.skipped)));
        }
        let _ = writeln!(o, "{head:<56} {:>10} {:>7}", count(s.reached), pct(s.rate));
        for st in &s.steps {
            let line = format!("    {}{}", "  ".repeat(st.depth), st.label);
            let line = if line.chars().count() > 56 {
                let cut: String = line.chars().take(55).collect();
                format!("{cut}…")
            } else {
                line
            };
            // A keyed journey: the instances too, where they differ from the customers.
            let instances = match st.instances {
                Some(n) if n != st.reached => format!("  ({} instances)", count(n)),
                _ => String::new(),
            };
            let _ = writeln!(
                o,
                "{line:<56} {:>10} {:>7}{instances}",
                count(st.reached),
                pct(st.rate)
            );
        }
    }
    let _ = writeln!(o, "\nMessages by touchpoint");
    let _ = writeln!(
        o,
        "  {:<22} {:<12} {:>10} {:>10} {:>10} {:>10} {:>10}",
        "touchpoint", "channel", "sent", "cap", "consent", "deferred", "credited"
    );
    for t in &r.touchpoints {
        let _ = writeln!(
            o,
            "  {:<22} {:<12} {:>10} {:>10} {:>10} {:>10} {:>10}",
            t.name,
            t.channel,
            count(t.sent),
            count(t.suppressed_cap),
            count(t.suppressed_consent),
            count(t.deferred),
            count(t.credited)
        );
    }
    let _ = writeln!(o, "  (cap and consent: suppressed sends; deferred: held for quiet hours, then sent or suppressed)");
    let _ = writeln!(
        o,
        "\nBy channel (mean, p90, max: messages per entered customer, the contact pressure)"
    );
    let _ = writeln!(
        o,
        "  {:<22} {:>10} {:>8} {:>8} {:>8} {:>8} {:>6} {:>6}",
        "channel", "sent", "cap", "consent", "deferred", "mean", "p90", "max"
    );
    for c in &r.channels {
        let _ = writeln!(
            o,
            "  {:<22} {:>10} {:>8} {:>8} {:>8} {:>8.2} {:>6} {:>6}",
            c.name,
            count(c.sent),
            count(c.suppressed_cap),
            count(c.suppressed_consent),
            count(c.deferred),
            c.per_customer.mean,
            c.per_customer.p90,
            c.per_customer.max
        );
    }
    if let Some(zones) = &r.zones {
        zone_section(&mut o, zones);
    }
    if !r.milestones.is_empty() {
        let _ = writeln!(o, "\nMilestones (time from entry)");
        for m in &r.milestones {
            let _ = writeln!(
                o,
                "  {:<22} {:>10} {:>7}   {}",
                m.name,
                count(m.reached),
                pct(m.rate),
                timing(&m.time)
            );
        }
    }
    if r.goal.goals.is_empty() {
        let _ = writeln!(
            o,
            "\nGoal: none (the journey has no `goal`, so nobody converts)"
        );
    } else {
        let _ = writeln!(o, "\nGoal: {}", r.goal.goals.join(", "));
        let _ = writeln!(
            o,
            "  converted {} of {}: {} (95% CI {} to {}); time to goal: {}",
            count(r.goal.converted),
            count(r.entered),
            pct(r.goal.rate),
            pct(r.goal.ci95[0]),
            pct(r.goal.ci95[1]),
            timing(&r.goal.time)
        );
    }
    // A partition: each customer who entered is on exactly one row.
    let _ = writeln!(o, "\nHow customers left (each customer who entered, once)");
    for (label, n) in r.outcomes.rows() {
        let share = if r.entered == 0 {
            0.0
        } else {
            n as f64 / r.entered as f64
        };
        let _ = writeln!(o, "  {:<30} {:>10} {:>7}", label, count(n), pct(share));
    }
    for s in &r.splits {
        let _ = writeln!(
            o,
            "\nSplit in {} (goal conversion by variant, vs {})",
            super::report::place(&s.id),
            s.reference
        );
        for v in &s.variants {
            let vs = match &v.versus {
                Some(x) => verdict(x, &s.reference),
                None if v.reference => "(reference)".to_string(),
                None => "no customers to compare".to_string(),
            };
            let _ = writeln!(
                o,
                "  {:<12} {:>6} {:>9} {:>8} converted {:>6} (95% CI {} to {})  {vs}",
                v.name,
                v.share,
                count(v.customers),
                count(v.converted),
                pct(v.rate),
                pct(v.ci95[0]),
                pct(v.ci95[1]),
            );
        }
    }
    o
}

/// A zone's name in a column of `width` characters: cut with `…` when longer.
pub fn fit(name: &str, width: usize) -> String {
    if name.chars().count() > width {
        let cut: String = name.chars().take(width.saturating_sub(1)).collect();
        format!("{cut}…")
    } else {
        name.to_string()
    }
}

/// One hour's cell of the local-hour table: the share of the zone's deliveries in percent,
/// `·` when none at all, `<1` when some but under half a percent. Halves round up (`{:.0}`
/// would round 0.5% to an even "0", a cell that looks empty but is not).
pub fn hour_cell(n: u64, share: f64) -> String {
    match n {
        0 => "·".to_string(),
        _ if share < 0.005 => "<1".to_string(),
        _ => format!("{}", (share * 100.0).round() as u64),
    }
}

/// Customer time zones: per zone the customers, sends held by quiet hours and messages
/// delivered, then the local hour of delivery as a table of shares (24 columns of 3
/// characters beside a 20-character name: 94 columns).
fn zone_section(o: &mut String, zones: &[super::report::ZoneRow]) {
    let total = super::report::zone_total(zones);
    let width = zones
        .iter()
        .map(|z| z.zone.chars().count())
        .max()
        .unwrap_or(0)
        .max(22);
    let _ = writeln!(
        o,
        "\nCustomer time zones (held: sends held by quiet hours; delivered: messages sent)"
    );
    let _ = writeln!(
        o,
        "  {:<width$} {:>10} {:>10} {:>10}",
        "zone", "customers", "held", "delivered"
    );
    for z in zones.iter().chain([&total]) {
        let _ = writeln!(
            o,
            "  {:<width$} {:>10} {:>10} {:>10}",
            z.zone,
            count(z.customers),
            count(z.held),
            count(z.delivered)
        );
    }
    let _ = writeln!(
        o,
        "\nLocal hour of delivery (% of each zone's messages by the hour on the customer's own clock)"
    );
    let mut head = format!("  {:<20}", "hour");
    for h in 0..24 {
        let _ = write!(head, "{h:>3}");
    }
    let _ = writeln!(o, "{head}");
    for z in zones.iter().chain([&total]) {
        let mut line = format!("  {:<20}", fit(&z.zone, 20));
        for (n, share) in z.local_hour.iter().zip(z.shares()) {
            let _ = write!(line, "{:>3}", hour_cell(*n, share));
        }
        let _ = writeln!(o, "{}", line.trim_end());
    }
    let _ = writeln!(
        o,
        "  (·: no message at that hour; <1: under half a percent; held sends go when the quiet hours end;"
    );
    let _ = writeln!(
        o,
        "  every channel counts: one without quiet hours, or a transactional message, goes at any hour)"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_well() {
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(12), "12");
        assert_eq!(pct(0.1234), "12.3%");
        assert_eq!(approx(86_400 + 3_599), "1d1h");
        assert_eq!(approx(3_600 + 89), "1h1m");
    }

    #[test]
    fn hour_cells_tell_none_from_little() {
        assert_eq!(hour_cell(0, 0.0), "·");
        assert_eq!(hour_cell(1, 0.001), "<1");
        assert_eq!(hour_cell(5, 0.126), "13");
        assert_eq!(hour_cell(9, 1.0), "100");
        assert_eq!(hour_cell(1, 0.005), "1", "half a percent rounds up");
        assert_eq!(hour_cell(5, 0.025), "3");
        assert_eq!(
            fit("America/Argentina/Buenos_Aires", 20),
            "America/Argentina/B…"
        );
        assert_eq!(fit("Asia/Tokyo", 20), "Asia/Tokyo");
        assert_eq!(
            fit("Asia/Tokyo", 10),
            "Asia/Tokyo",
            "a name as wide as the column"
        );
        assert_eq!(fit("Asia/Tokyo", 9), "Asia/Tok…");
    }
}
