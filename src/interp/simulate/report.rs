//! The report: what a simulation found, with names, rates and intervals, built once from the
//! aggregate and then written as text, JSON or HTML. The JSON keys are this struct's field
//! names and are documented in `docs/simulation.md`; changing one is a breaking change.

use super::hist::Hist;
use super::stats::{rate_diff, wilson, Rate};
use super::tally::Aggregate;
use crate::interp::program::Program;
use crate::ir::{self, NodeKind};
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub simulation: String,
    pub journey: String,
    pub customers: u64,
    pub seed: u64,
    /// Customers whose trigger held (the denominator of every percentage below).
    pub entered: u64,
    /// `entered / customers`.
    pub entered_rate: f64,
    /// For a journey of an `exclusive` group: the customers it kept out. Absent otherwise, so
    /// other reports are as before.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub exclusive: Option<KeptOut>,
    pub stages: Vec<StageRow>,
    pub touchpoints: Vec<TouchpointRow>,
    pub channels: Vec<ChannelRow>,
    pub milestones: Vec<MilestoneRow>,
    pub goal: GoalRow,
    pub outcomes: Outcomes,
    pub splits: Vec<SplitRow>,
    /// The journey as a graph, for the HTML report's drawing (not in the JSON).
    #[serde(skip)]
    pub graph: crate::ir::graph::Graph,
    /// A keyed journey's (`per FIELD`) key field; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
    /// A keyed journey's instances that entered (one per key; a customer may have several);
    /// absent for a journey of one instance per customer.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<u64>,
    /// Per customer time zone, sorted by name: only for a project with a `timezone` attribute
    /// or a channel with `quiet FROM..TO local` (absent otherwise, so other reports are as
    /// before).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zones: Option<Vec<ZoneRow>>,
}

/// What a journey's `exclusive` group did to its entries.
#[derive(Clone, Debug, Serialize)]
pub struct KeptOut {
    /// The group's name.
    pub group: String,
    /// Customers who never entered because, each time the trigger's condition held, they were
    /// in another journey of the group (a customer kept out once and let in later counts as
    /// entered).
    pub kept_out: u64,
    /// `kept_out / customers`.
    pub kept_out_rate: f64,
}

/// One customer time zone's row: who was in it, what quiet hours held and when messages
/// arrived on the customers' wall clock.
#[derive(Clone, Debug, Serialize)]
pub struct ZoneRow {
    /// The IANA name (`UTC` for customers whose `timezone` attribute is not set).
    pub zone: String,
    /// Customers whose zone this was on arrival (entered or not).
    pub customers: u64,
    /// Sends held by quiet hours (then sent or suppressed at the end of the window).
    pub held: u64,
    /// Messages sent, transactional ones included.
    pub delivered: u64,
    /// `delivered` by the hour of the customer's local clock when sent: `local_hour[8]` is
    /// messages sent from 08:00 to 08:59 local.
    pub local_hour: [u64; 24],
}

impl ZoneRow {
    /// The share of the zone's deliveries at each local hour (0 when it had none).
    pub fn shares(&self) -> [f64; 24] {
        let mut out = [0.0; 24];
        for (o, n) in out.iter_mut().zip(&self.local_hour) {
            *o = rate(*n, self.delivered);
        }
        out
    }
}

/// Every zone added up (the totals row of the text and the page): the local hours are each
/// customer's own, so the sum reads "at what hour of their day customers got messages".
pub fn zone_total(rows: &[ZoneRow]) -> ZoneRow {
    let mut t = ZoneRow {
        zone: "all zones".to_string(),
        customers: 0,
        held: 0,
        delivered: 0,
        local_hour: [0; 24],
    };
    for r in rows {
        t.customers += r.customers;
        t.held += r.held;
        t.delivered += r.delivered;
        for (a, b) in t.local_hour.iter_mut().zip(&r.local_hour) {
            *a += *b;
        }
    }
    t
}

#[derive(Clone, Debug, Serialize)]
pub struct StageRow {
    pub name: String,
    pub reached: u64,
    pub rate: f64,
    /// Customers who arrived at an `upgrade` section without its starting value.
    pub skipped: u64,
    pub steps: Vec<StepRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct StepRow {
    /// The node id (stable across edits elsewhere: see `docs/spec.md`).
    pub id: String,
    /// The step as written, e.g. `send welcome`, with its block (`timeout: send nudge`).
    pub label: String,
    /// Nesting depth: 0 for a step of the section itself.
    pub depth: usize,
    pub reached: u64,
    pub rate: f64,
    /// A keyed journey's instances that reached the step; absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instances: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct TouchpointRow {
    pub name: String,
    pub channel: String,
    pub sent: u64,
    /// Customers sent it at least once.
    pub customers: u64,
    pub suppressed_cap: u64,
    pub suppressed_consent: u64,
    pub deferred: u64,
    /// Conversions credited to it (`converts EVENT within D`).
    pub credited: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct ChannelRow {
    pub name: String,
    pub sent: u64,
    pub suppressed_cap: u64,
    pub suppressed_consent: u64,
    pub deferred: u64,
    /// Messages per entered customer on this channel.
    pub per_customer: Pressure,
}

#[derive(Clone, Debug, Serialize)]
pub struct Pressure {
    pub mean: f64,
    pub variance: f64,
    pub p90: u64,
    pub max: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct Timing {
    /// Seconds from entry; `null` when nobody got there.
    pub median_secs: Option<u64>,
    pub p90_secs: Option<u64>,
    /// The distribution as bars of one readable width, for the HTML report (not in the JSON).
    #[serde(skip)]
    pub histogram: Vec<super::hist::Bucket>,
}

#[derive(Clone, Debug, Serialize)]
pub struct MilestoneRow {
    pub name: String,
    pub reached: u64,
    pub rate: f64,
    pub time: Timing,
}

#[derive(Clone, Debug, Serialize)]
pub struct GoalRow {
    /// The goals as written, e.g. `upgraded within 14d`.
    pub goals: Vec<String>,
    pub converted: u64,
    pub rate: f64,
    pub ci95: [f64; 2],
    pub time: Timing,
}

/// How customers left: every customer who entered is in exactly one of these counts, so they
/// add up to `entered` (a partition). A customer who converted counts once as converted: in the
/// journey (`converted`), or in the goal window after completing the steps or after an `exit`
/// step; `converted + completed_then_converted + exit_step_then_converted` is the goal's
/// `converted`. The others count by how their last entry ended.
#[derive(Clone, Debug, Serialize)]
pub struct Outcomes {
    /// Converted while in the journey (the goal ended the entry).
    pub converted: u64,
    /// Completed the steps, then converted inside the goal window.
    pub completed_then_converted: u64,
    /// Left at an `exit` step, then converted inside the goal window.
    pub exit_step_then_converted: u64,
    /// `exit on EVENT` criteria that removed customers, by event.
    pub exit_on: Vec<(String, u64)>,
    pub exit_step: u64,
    pub completed: u64,
    pub still_inside: u64,
    pub runaway: u64,
    /// Whether the journey has a goal and an `exit` step: the rows that cannot happen are not
    /// shown (the JSON keeps every key).
    #[serde(skip)]
    pub has_goal: bool,
    #[serde(skip)]
    pub has_exit_step: bool,
}

impl Outcomes {
    /// The rows a reader sees, in order, with their labels: the ones that can happen in this
    /// journey, and "still waiting" and "runaway" only when someone is. They add up to the
    /// customers who entered.
    pub fn rows(&self) -> Vec<(String, u64)> {
        let mut rows = Vec::new();
        if self.has_goal {
            rows.push(("converted in the journey".to_string(), self.converted));
            rows.push((
                "completed, then converted".to_string(),
                self.completed_then_converted,
            ));
            if self.has_exit_step {
                rows.push((
                    "exit step, then converted".to_string(),
                    self.exit_step_then_converted,
                ));
            }
        }
        for (e, n) in &self.exit_on {
            rows.push((format!("exit on {e}"), *n));
        }
        if self.has_exit_step {
            rows.push(("exit step".to_string(), self.exit_step));
        }
        rows.push(("completed the steps".to_string(), self.completed));
        if self.still_inside > 0 {
            rows.push(("still waiting at the end".to_string(), self.still_inside));
        }
        if self.runaway > 0 {
            rows.push(("stopped (E0900 runaway)".to_string(), self.runaway));
        }
        rows
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct SplitRow {
    pub id: String,
    pub stage: String,
    /// What each variant is compared with: `holdout`, or `others` (all other variants pooled)
    /// when the split has no holdout.
    pub reference: String,
    pub variants: Vec<VariantRow>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VariantRow {
    pub name: String,
    pub share: String,
    pub customers: u64,
    pub converted: u64,
    pub rate: f64,
    pub ci95: [f64; 2],
    /// Whether this variant is the reference the others are compared with (the holdout).
    pub reference: bool,
    /// Against the reference: the difference in conversion rate with its 95% interval, the
    /// relative lift, and whether the interval leaves out zero. `null` for the reference itself
    /// and when either side has no customers.
    pub versus: Option<Versus>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Versus {
    pub difference: f64,
    pub ci95: [f64; 2],
    /// `rate / reference rate - 1`; `null` when the reference converted nobody.
    pub lift: Option<f64>,
    pub significant: bool,
}

fn rate(n: u64, of: u64) -> f64 {
    if of == 0 {
        0.0
    } else {
        n as f64 / of as f64
    }
}

fn timing(h: &Hist) -> Timing {
    Timing {
        median_secs: h.quantile(0.5),
        p90_secs: h.quantile(0.9),
        histogram: h.buckets(15),
    }
}

/// The step as a journey author wrote it.
fn label(node: &ir::Node) -> String {
    let base = match &node.kind {
        NodeKind::EnterStage { .. } => format!("stage {}", node.stage),
        NodeKind::Send { touchpoint, .. } => format!("send {touchpoint}"),
        NodeKind::Delay { secs, .. } => format!("wait {}", crate::units::duration(*secs)),
        NodeKind::WaitUntil { at, .. } => format!("wait until {at}"),
        NodeKind::WaitClock {
            day,
            minute_of_day,
            local,
            ..
        } => format!(
            "wait until {}",
            crate::ir::clock::describe(*day, *minute_of_day, *local)
        ),
        NodeKind::WaitEvent {
            event,
            condition,
            timeout_secs,
            ..
        } => {
            let mut s = format!("wait {event}");
            if let Some(c) = condition {
                s.push_str(&format!(" where {c}"));
            }
            if let Some(t) = timeout_secs {
                s.push_str(&format!(" up to {}", crate::units::duration(*t)));
            }
            s
        }
        NodeKind::WaitAny { timeout_secs, .. } => {
            format!("wait up to {}", crate::units::duration(*timeout_secs))
        }
        NodeKind::Branch { arms, .. } => match arms.first() {
            Some(a) => format!("if {}", a.condition),
            None => "if".to_string(),
        },
        NodeKind::Split { .. } => "split".to_string(),
        NodeKind::Milestone { name, .. } => format!("milestone {name}"),
        NodeKind::Set {
            attribute, value, ..
        } => format!("set {attribute} = {value}"),
        NodeKind::Goto { target, .. } => format!("goto {target}"),
        NodeKind::Exit => "exit".to_string(),
    };
    let segs: Vec<&str> = node.id.split('.').collect();
    // `<block>.0.<kind>` is the first step of a nested block: name the block.
    if segs.len() >= 6 && segs[segs.len() - 2] == "0" {
        let block = segs[segs.len() - 3];
        let block = match block {
            "then" => "then".to_string(),
            "else" => "else".to_string(),
            b if b.starts_with("else_if_") => "else if".to_string(),
            // A branch of `wait up to D { on E { ... } }` (a split variant may be named `on_…`
            // too: the step holding the block tells them apart).
            b if b.starts_with("on_") && segs[segs.len() - 4] == "wait" => {
                format!("on {}", &b["on_".len()..])
            }
            b => b.to_string(),
        };
        return format!("{block}: {base}");
    }
    base
}

/// Where a step is, in the words of its journey: `upgrade_trial_to_pro, step 1` for the node
/// `upgrade_trial_to_pro.0.split`, `onboarding, step 2, event block step 1` for a step nested in
/// a block (ids are `STAGE.INDEX.KIND` then `.BLOCK.INDEX.KIND` per level; see `docs/spec.md`).
pub fn place(id: &str) -> String {
    let segs: Vec<&str> = id.split('.').collect();
    let step = |i: &str| i.parse::<usize>().map(|n| n + 1).unwrap_or(0);
    let mut out = segs.first().copied().unwrap_or_default().to_string();
    if let Some(i) = segs.get(1) {
        out.push_str(&format!(", step {}", step(i)));
    }
    let mut k = 3;
    while k + 1 < segs.len() {
        out.push_str(&format!(", {} block step {}", segs[k], step(segs[k + 1])));
        k += 3;
    }
    out
}

fn depth(id: &str) -> usize {
    id.split('.').count().saturating_sub(3) / 3
}

impl Report {
    pub fn build(p: &Program, sim_name: &str, seed: u64, a: &Aggregate) -> Report {
        let j = &p.ir;
        let entered = a.entered;
        let stages = j
            .stages
            .iter()
            .enumerate()
            .map(|(si, s)| StageRow {
                name: s.name.clone(),
                reached: a.stage_reached.get(si).copied().unwrap_or(0),
                rate: rate(a.stage_reached.get(si).copied().unwrap_or(0), entered),
                skipped: a.stage_skipped.get(si).copied().unwrap_or(0),
                steps: j
                    .nodes
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| {
                        n.stage == s.name && !matches!(n.kind, NodeKind::EnterStage { .. })
                    })
                    .map(|(ni, n)| StepRow {
                        id: n.id.clone(),
                        label: label(n),
                        depth: depth(&n.id),
                        reached: a.node_reached[ni],
                        rate: rate(a.node_reached[ni], entered),
                        instances: j
                            .per
                            .as_ref()
                            .map(|_| a.node_instances.get(ni).copied().unwrap_or(0)),
                    })
                    .collect(),
            })
            .collect();
        let touchpoints = p
            .touchpoint_names
            .iter()
            .enumerate()
            .map(|(i, name)| TouchpointRow {
                name: name.clone(),
                channel: p.channel_names[p.touchpoints[i].channel].clone(),
                sent: a.sent[i],
                customers: a.sent_customers[i],
                suppressed_cap: a.suppressed_cap[i],
                suppressed_consent: a.suppressed_consent[i],
                deferred: a.deferred[i],
                credited: a.credited[i],
            })
            .collect();
        let channels = p
            .channel_names
            .iter()
            .enumerate()
            .map(|(ci, name)| {
                let of = |v: &[u64]| -> u64 {
                    (0..p.touchpoints.len())
                        .filter(|t| p.touchpoints[*t].channel == ci)
                        .map(|t| v[t])
                        .sum()
                };
                let h = &a.per_customer[ci];
                ChannelRow {
                    name: name.clone(),
                    sent: of(&a.sent),
                    suppressed_cap: of(&a.suppressed_cap),
                    suppressed_consent: of(&a.suppressed_consent),
                    deferred: of(&a.deferred),
                    per_customer: Pressure {
                        mean: h.mean_over(entered),
                        variance: h.variance_over(entered),
                        p90: h.quantile_over(0.9, entered).unwrap_or(0),
                        max: h.max(),
                    },
                }
            })
            .collect();
        let milestones = p
            .milestone_names
            .iter()
            .enumerate()
            .map(|(i, name)| {
                let h = &a.milestone_time[i];
                MilestoneRow {
                    name: name.clone(),
                    reached: h.count(),
                    rate: rate(h.count(), entered),
                    time: timing(h),
                }
            })
            .collect();
        let conv = wilson(a.goal_time.count(), entered);
        let goal = GoalRow {
            goals: j
                .goals
                .iter()
                .map(|g| {
                    let mut s = g.event.clone();
                    if let Some(c) = &g.condition {
                        s.push_str(&format!(" where {c}"));
                    }
                    if let Some(w) = g.within_secs {
                        s.push_str(&format!(" within {}", crate::units::duration(w)));
                    }
                    s
                })
                .collect(),
            converted: conv.hits,
            rate: conv.rate,
            ci95: [conv.lo, conv.hi],
            time: timing(&a.goal_time),
        };
        let outcomes = Outcomes {
            converted: a.converted_inside,
            completed_then_converted: a.completed_then_converted,
            exit_step_then_converted: a.exit_step_then_converted,
            exit_on: j
                .exits
                .iter()
                .zip(&a.exit_on)
                .map(|(x, n)| (x.event.clone(), *n))
                .collect(),
            exit_step: a.exit_step,
            completed: a.completed,
            still_inside: a.still_inside,
            runaway: a.runaway,
            has_goal: !j.goals.is_empty(),
            has_exit_step: j.nodes.iter().any(|n| matches!(n.kind, NodeKind::Exit)),
        };
        let split_nodes = j
            .nodes
            .iter()
            .filter(|n| matches!(n.kind, NodeKind::Split { .. }));
        let splits = split_nodes
            .zip(a.split_assigned.iter().zip(&a.split_converted))
            .map(|(n, (assigned, converted))| split_row(n, assigned, converted))
            .collect();
        Report {
            simulation: sim_name.to_string(),
            journey: j.name.clone(),
            customers: a.customers,
            seed,
            entered,
            entered_rate: rate(entered, a.customers),
            exclusive: j.exclusive.as_ref().map(|group| KeptOut {
                group: group.clone(),
                kept_out: a.kept_out,
                kept_out_rate: rate(a.kept_out, a.customers),
            }),
            stages,
            touchpoints,
            channels,
            milestones,
            goal,
            outcomes,
            splits,
            graph: crate::ir::graph::describe(j),
            per: j.per.clone(),
            instances: j.per.as_ref().map(|_| a.entries),
            zones: a.zones.as_deref().map(|z| {
                super::zones::sorted(&z.counts)
                    .into_iter()
                    .map(|c| ZoneRow {
                        delivered: c.delivered(),
                        zone: c.name,
                        customers: c.customers,
                        held: c.held,
                        local_hour: c.local_hour,
                    })
                    .collect()
            }),
        }
    }
}

fn split_row(n: &ir::Node, assigned: &[u64], converted: &[u64]) -> SplitRow {
    let NodeKind::Split { variants } = &n.kind else {
        return SplitRow {
            id: n.id.clone(),
            stage: n.stage.clone(),
            reference: String::new(),
            variants: Vec::new(),
        };
    };
    let holdout = variants.iter().position(|v| v.holdout);
    let rates: Vec<Rate> = assigned
        .iter()
        .zip(converted)
        .map(|(n, c)| wilson(*c, *n))
        .collect();
    let rows = variants
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let r = rates[i];
            let reference = match holdout {
                Some(h) if h == i => None,
                Some(h) => Some(rates[h]),
                None => {
                    let n: u64 = assigned
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| *k != i)
                        .map(|(_, x)| x)
                        .sum();
                    let c: u64 = converted
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| *k != i)
                        .map(|(_, x)| x)
                        .sum();
                    Some(wilson(c, n))
                }
            };
            let versus = reference.and_then(|base| {
                let d = rate_diff(&base, &r)?;
                Some(Versus {
                    difference: d.diff,
                    ci95: [d.lo, d.hi],
                    lift: (base.rate > 0.0).then(|| r.rate / base.rate - 1.0),
                    significant: d.significant(),
                })
            });
            VariantRow {
                name: v.name.clone(),
                share: crate::ir::display::percent(v.weight_bp),
                reference: holdout == Some(i),
                customers: r.n,
                converted: r.hits,
                rate: r.rate,
                ci95: [r.lo, r.hi],
                versus,
            }
        })
        .collect();
    SplitRow {
        id: n.id.clone(),
        stage: n.stage.clone(),
        reference: if holdout.is_some() {
            "holdout"
        } else {
            "others"
        }
        .to_string(),
        variants: rows,
    }
}

#[cfg(test)]
mod tests {
    use super::{place, Outcomes};

    /// The rows that cannot happen are left out: a runaway loop (which E0303 keeps out of
    /// checked journeys) and customers still waiting show only when someone did.
    #[test]
    fn rare_outcomes_show_only_when_they_happened() {
        let outcomes = |still_inside: u64, runaway: u64| Outcomes {
            converted: 0,
            completed_then_converted: 0,
            exit_step_then_converted: 0,
            exit_on: Vec::new(),
            exit_step: 0,
            completed: 10,
            still_inside,
            runaway,
            has_goal: false,
            has_exit_step: false,
        };
        let labels = |o: Outcomes| {
            o.rows()
                .into_iter()
                .map(|(l, n)| format!("{l}: {n}"))
                .collect::<Vec<_>>()
        };
        assert_eq!(labels(outcomes(0, 0)), ["completed the steps: 10"]);
        assert_eq!(
            labels(outcomes(2, 1)),
            [
                "completed the steps: 10",
                "still waiting at the end: 2",
                "stopped (E0900 runaway): 1"
            ]
        );
    }

    #[test]
    fn a_step_is_placed_in_the_journey_s_words() {
        assert_eq!(
            place("upgrade_trial_to_pro.0.split"),
            "upgrade_trial_to_pro, step 1"
        );
        assert_eq!(
            place("onboarding.1.wait.event.0.split"),
            "onboarding, step 2, event block step 1"
        );
        assert_eq!(
            place("onboarding.1.wait.event.2.if.else_if_0.1.send"),
            "onboarding, step 2, event block step 3, else_if_0 block step 2"
        );
    }
}
