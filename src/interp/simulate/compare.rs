//! `--compare`: the same population, behaviour and seed run through two versions of a journey
//! (before and after an edit), reported side by side.
//!
//! Both runs draw the same random numbers for arrivals, attributes and base behaviour (common
//! random numbers), so differences come from the edit, not from luck of the draw. When both
//! versions let in the same customers, intervals are paired ([`super::paired`]): they come from
//! the customers whose outcome the edit changed. Otherwise the two reports are over different
//! people and intervals are computed as for independent samples.

use super::paired::{milestone_key, Pairs};
use super::report::Report;
use super::stats::{mean_diff, paired_mean_diff, paired_rate_diff, rate_diff, wilson, Diff};
use super::text::{count, pct, pts};
use serde::Serialize;
use std::fmt::Write;

#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub before: Report,
    pub after: Report,
    /// Whether the intervals are paired, customer by customer (both versions let in the same
    /// customers), or for independent samples.
    pub paired: bool,
    /// Steps by node id, in the order of `before`, then steps only `after` has.
    pub steps: Vec<Change>,
    pub milestones: Vec<Change>,
    pub goal: Change,
    /// Messages per entered customer, per channel.
    pub pressure: Vec<Change>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Change {
    /// A step's node id (the key steps are matched by); a milestone's or channel's name; `goal`.
    pub name: String,
    /// The step as written (`send welcome`), or the name again.
    pub label: String,
    /// A step's nesting depth (0 for a stage).
    pub depth: usize,
    /// Rates of entered customers (or mean messages for pressure); `null` where a version does
    /// not have the step.
    pub before: Option<f64>,
    pub after: Option<f64>,
    pub difference: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub significant: bool,
}

fn change(name: String, before: Option<f64>, after: Option<f64>, d: Option<Diff>) -> Change {
    Change {
        label: name.clone(),
        depth: 0,
        name,
        before,
        after,
        difference: d.map(|d| d.diff),
        ci95: d.map(|d| [d.lo, d.hi]),
        significant: d.is_some_and(|d| d.significant()),
    }
}

/// Counts of customers for a rate row: reached before and after (`None` where a version lacks
/// the row) of entered before and after.
struct Counts {
    a: Option<u64>,
    b: Option<u64>,
    na: u64,
    nb: u64,
}

/// The paired view: `Some` when both versions let in the same customers.
struct Pairing<'p>(Option<&'p Pairs>);

impl Pairing<'_> {
    fn rate(&self, name: String, key: &str, c: Counts) -> Change {
        let ra = c.a.map(|x| wilson(x, c.na));
        let rb = c.b.map(|x| wilson(x, c.nb));
        let d = match (&ra, &rb, self.0) {
            (Some(_), Some(_), Some(p)) => {
                let (lost, gained) = p.changed.get(key).copied().unwrap_or((0, 0));
                paired_rate_diff(lost, gained, p.both)
            }
            (Some(x), Some(y), None) => rate_diff(x, y),
            _ => None,
        };
        change(name, ra.map(|r| r.rate), rb.map(|r| r.rate), d)
    }
}

impl Comparison {
    /// `pairs` from a run customer by customer ([`super::paired::run`]); the intervals are paired
    /// when it shows both versions let in the same customers.
    pub fn build(before: Report, after: Report, pairs: Option<&Pairs>) -> Comparison {
        let (na, nb) = (before.entered, after.entered);
        // The same customers entered both versions exactly when every customer who entered
        // either entered both.
        let pairs = pairs.filter(|p| p.both == na && p.both == nb);
        let pairing = Pairing(pairs);
        let counts = |a: Option<u64>, b: Option<u64>| Counts { a, b, na, nb };
        // (id, label, depth, reached) of every stage and step, in journey order.
        let steps_of = |r: &Report| -> Vec<(String, String, usize, u64)> {
            r.stages
                .iter()
                .flat_map(|s| {
                    let head = (format!("{}.enter", s.name), s.name.clone(), 0, s.reached);
                    std::iter::once(head).chain(
                        s.steps
                            .iter()
                            .map(|st| (st.id.clone(), st.label.clone(), st.depth + 1, st.reached)),
                    )
                })
                .collect()
        };
        let (sa, sb) = (steps_of(&before), steps_of(&after));
        let mut steps: Vec<Change> = Vec::new();
        for (id, label, depth, n) in &sa {
            let twin = sb.iter().find(|x| x.0 == *id);
            let mut c = pairing.rate(id.clone(), id, counts(Some(*n), twin.map(|x| x.3)));
            // A step edited in place keeps its id: show what it is now, marked as edited.
            c.label = match twin {
                Some(t) if t.1 != *label => format!("{} (edited)", t.1),
                _ => label.clone(),
            };
            c.depth = *depth;
            steps.push(c);
        }
        // A step only `after` has goes right after the step that precedes it there.
        for (k, (id, label, depth, n)) in sb.iter().enumerate() {
            if sa.iter().any(|x| x.0 == *id) {
                continue;
            }
            let at = k
                .checked_sub(1)
                .and_then(|p| steps.iter().position(|c| c.name == sb[p].0))
                .map(|i| i + 1)
                .unwrap_or(steps.len());
            let mut c = pairing.rate(id.clone(), id, counts(None, Some(*n)));
            c.label = label.clone();
            c.depth = *depth;
            steps.insert(at, c);
        }
        let mut milestones = Vec::new();
        for m in &before.milestones {
            let other = after
                .milestones
                .iter()
                .find(|x| x.name == m.name)
                .map(|x| x.reached);
            let key = milestone_key(&m.name);
            milestones.push(pairing.rate(m.name.clone(), &key, counts(Some(m.reached), other)));
        }
        for m in &after.milestones {
            if !before.milestones.iter().any(|x| x.name == m.name) {
                let key = milestone_key(&m.name);
                milestones.push(pairing.rate(m.name.clone(), &key, counts(None, Some(m.reached))));
            }
        }
        let goal = pairing.rate(
            "goal".to_string(),
            "goal",
            counts(Some(before.goal.converted), Some(after.goal.converted)),
        );
        let mut pressure = Vec::new();
        let mut names: Vec<&str> = before.channels.iter().map(|c| c.name.as_str()).collect();
        for c in &after.channels {
            if !names.contains(&c.name.as_str()) {
                names.push(&c.name);
            }
        }
        for name in names {
            let a = before.channels.iter().find(|c| c.name == name);
            let b = after.channels.iter().find(|c| c.name == name);
            // A channel a version does not use sends nothing there: zero messages each.
            let stat = |c: Option<&super::report::ChannelRow>, n: u64| match c {
                Some(c) => (c.per_customer.mean, c.per_customer.variance, n),
                None => (0.0, 0.0, n),
            };
            let (x, y) = (stat(a, na), stat(b, nb));
            let d = match pairs {
                Some(p) => {
                    let (sum, sum_sq) = p.messages.get(name).copied().unwrap_or((0, 0));
                    paired_mean_diff(sum, sum_sq, p.both)
                }
                None => mean_diff(x, y),
            };
            pressure.push(change(name.to_string(), Some(x.0), Some(y.0), d));
        }
        Comparison {
            paired: pairs.is_some(),
            before,
            after,
            steps,
            milestones,
            goal,
            pressure,
        }
    }
}

/// Whether a change is shown as significant: its interval leaves out zero **as printed**, with
/// `decimals` decimals after scaling by `scale` (100 for points, 1 for messages). A change
/// printed as `-0.00 (-0.00 to -0.00)` is too small to show, whatever its interval: it is not
/// marked, so the mark never points at a number that reads as zero.
pub fn shown_significant(c: &Change, scale: f64, decimals: i32) -> bool {
    let unit = 10f64.powi(decimals);
    let shown = |x: f64| (x * scale * unit).round();
    c.significant
        && c.ci95
            .is_some_and(|[lo, hi]| shown(lo) > 0.0 || shown(hi) < 0.0)
}

/// How the intervals were computed, in words.
pub fn intervals(paired: bool) -> &'static str {
    if paired {
        "paired, customer by customer (the same customers entered both versions)"
    } else {
        "independent samples (the versions let in different customers)"
    }
}

fn opt_pct(r: Option<f64>) -> String {
    r.map(pct).unwrap_or_else(|| "-".to_string())
}

fn rate_line(o: &mut String, c: &Change) {
    let diff = match (c.difference, c.ci95) {
        (Some(d), Some([lo, hi])) => {
            let mark = if shown_significant(c, 100.0, 1) {
                "  *"
            } else {
                ""
            };
            format!("{:>10} ({} to {}){mark}", pts(d), pts(lo), pts(hi))
        }
        _ => format!(
            "{:>10}",
            match (c.before, c.after) {
                (None, _) => "new",
                (_, None) => "removed",
                _ => "n/a",
            }
        ),
    };
    let name = format!("{}{}", "  ".repeat(c.depth), c.label);
    let name = if name.chars().count() > 52 {
        format!("{}…", name.chars().take(51).collect::<String>())
    } else {
        name
    };
    let _ = writeln!(
        o,
        "  {name:<52} {:>7} {:>7} {diff}",
        opt_pct(c.before),
        opt_pct(c.after)
    );
}

pub fn render(c: &Comparison) -> String {
    let (a, b) = (&c.before, &c.after);
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Comparison of journey `{}`: simulation `{}`, {} customers, seed {}",
        a.journey,
        a.simulation,
        count(a.customers),
        a.seed
    );
    let _ = writeln!(o, "  before: this file   after: the --compare file");
    let _ = writeln!(
        o,
        "  entered: {} before, {} after",
        count(a.entered),
        count(b.entered)
    );
    let _ = writeln!(o, "  intervals: {}", intervals(c.paired));
    let _ = writeln!(
        o,
        "\nFunnel (% of entered)  {:>31} {:>7} {:>7} {:>10} (95% CI)",
        "", "before", "after", "change"
    );
    for s in &c.steps {
        rate_line(&mut o, s);
    }
    if !c.milestones.is_empty() {
        let _ = writeln!(o, "\nMilestones");
        for m in &c.milestones {
            rate_line(&mut o, m);
        }
    }
    let _ = writeln!(o, "\nGoal conversion");
    rate_line(&mut o, &c.goal);
    let _ = writeln!(o, "\nContact pressure (mean messages per entered customer)");
    for p in &c.pressure {
        let change = match (p.difference, p.ci95) {
            (Some(d), Some([lo, hi])) => {
                let mark = if shown_significant(p, 1.0, 2) {
                    "  *"
                } else {
                    ""
                };
                format!("{d:>+10.2} ({lo:+.2} to {hi:+.2}){mark}")
            }
            _ => format!("{:>10}", "n/a"),
        };
        let _ = writeln!(
            o,
            "  {:<52} {:>7.2} {:>7.2} {change}",
            p.name,
            p.before.unwrap_or(0.0),
            p.after.unwrap_or(0.0),
        );
    }
    let _ = writeln!(
        o,
        "\n  * the change is significant: its 95% interval leaves out zero (as printed)"
    );
    o
}
