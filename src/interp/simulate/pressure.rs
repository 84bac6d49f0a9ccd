//! The report of a simulation of several journeys together: each journey's own report, and
//! contact pressure across them (what one journey's report cannot show: how many messages a
//! customer gets from all journeys at once, and which sends a journey lost to a cap another
//! journey filled).

use super::report::{Pressure, Report};
use super::text::count;
use super::world::WorldAggregate;
use crate::interp::program::Program;
use crate::interp::world::Cast;
use serde::Serialize;
use std::fmt::Write;

#[derive(Clone, Debug, Serialize)]
pub struct WorldReport {
    pub simulation: String,
    /// The journeys run together, in the order the simulation names them.
    pub journeys: Vec<String>,
    pub customers: u64,
    pub seed: u64,
    /// Customers who entered at least one journey (the denominator of `per_customer`).
    pub entered: u64,
    /// Per journey, its own report (same keys as a one-journey simulation's).
    pub reports: Vec<Report>,
    /// Per channel any journey uses, by name.
    pub contact_pressure: Vec<CrowdRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct CrowdRow {
    pub channel: String,
    /// Sends by every journey.
    pub sent: u64,
    /// Messages per customer who entered some journey, summed over journeys.
    pub per_customer: Pressure,
    /// Per journey (only those that lost any): sends suppressed by the channel's cap when
    /// another journey's send filled it.
    pub capped_by_other_journeys: Vec<Capped>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Capped {
    pub journey: String,
    pub suppressed: u64,
}

impl WorldReport {
    pub fn build(
        programs: &[Program],
        sim_name: &str,
        customers: u64,
        seed: u64,
        agg: &WorldAggregate,
    ) -> WorldReport {
        let cast = Cast::new(programs);
        let crowd = &agg.crowd;
        let entered = crowd.entered;
        let contact_pressure = cast
            .channel_names
            .iter()
            .enumerate()
            .map(|(ch, name)| {
                let h = &crowd.per_customer[ch];
                CrowdRow {
                    channel: name.clone(),
                    sent: crowd.sent[ch],
                    per_customer: Pressure {
                        mean: h.mean_over(entered),
                        variance: h.variance_over(entered),
                        p90: h.quantile_over(0.9, entered).unwrap_or(0),
                        max: h.max(),
                    },
                    capped_by_other_journeys: programs
                        .iter()
                        .zip(&crowd.capped_by_others)
                        .filter(|(_, n)| n[ch] > 0)
                        .map(|(p, n)| Capped {
                            journey: p.ir.name.clone(),
                            suppressed: n[ch],
                        })
                        .collect(),
                }
            })
            .collect();
        WorldReport {
            simulation: sim_name.to_string(),
            journeys: programs.iter().map(|p| p.ir.name.clone()).collect(),
            customers,
            seed,
            entered,
            reports: programs
                .iter()
                .zip(&agg.journeys)
                .map(|(p, a)| Report::build(p, sim_name, seed, a))
                .collect(),
            contact_pressure,
        }
    }
}

/// The section that follows the journeys' own reports in text.
pub fn render_text(w: &WorldReport) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Contact pressure across journeys ({}): {} customers entered at least one",
        w.journeys.join(", "),
        count(w.entered)
    );
    let _ = writeln!(
        o,
        "  {:<12} {:>10} {:>6} {:>4} {:>4}  suppressed by a cap another journey filled",
        "channel", "sent", "mean", "p90", "max"
    );
    for r in &w.contact_pressure {
        let lost: Vec<String> = r
            .capped_by_other_journeys
            .iter()
            .map(|c| format!("{}: {}", c.journey, count(c.suppressed)))
            .collect();
        let _ = writeln!(
            o,
            "  {:<12} {:>10} {:>6.2} {:>4} {:>4}  {}",
            r.channel,
            count(r.sent),
            r.per_customer.mean,
            r.per_customer.p90,
            r.per_customer.max,
            if lost.is_empty() {
                "none".to_string()
            } else {
                lost.join(", ")
            }
        );
    }
    o
}

/// The whole text report: each journey's, then the pressure across them.
pub fn render(w: &WorldReport) -> String {
    let mut o = String::new();
    for r in &w.reports {
        o.push_str(&super::text::render(r));
        o.push('\n');
    }
    o.push_str(&render_text(w));
    o
}
