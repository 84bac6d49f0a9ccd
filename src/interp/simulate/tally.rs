//! Counting what happens to simulated customers, on the fly.
//!
//! [`Tally`] observes one customer at a time and folds them into an [`Aggregate`] of integer
//! counts and bounded histograms: memory does not grow with the number of customers, and since
//! integer sums do not depend on order, aggregates merged from any number of threads are equal
//! (per-zone counts are merged by zone name and reported sorted by it: [`super::zones`]).
//! "Reached" counts customers, not visits: a step visited twice by one customer counts once,
//! which is what a funnel shows. Per-customer deduplication uses stamps (the customer's serial
//! number) instead of clearing arrays for every customer.

use super::hist::Hist;
use super::zones::{reads_zones, ZoneTally};
use crate::interp::engine::{Action, ExitReason, NotEntered, Observer, Suppression};
use crate::interp::program::{CNode, Program};
use crate::interp::time::Instant;

/// Totals over all simulated customers.
#[derive(Clone, Debug, Default)]
pub struct Aggregate {
    pub customers: u64,
    /// Customers who entered at least once.
    pub entered: u64,
    /// Customers who never entered because, each time the trigger's condition held, they were
    /// in another journey of this journey's `exclusive` group (only a world has others).
    pub kept_out: u64,
    pub entries: u64,
    /// Per node: customers who reached it.
    pub node_reached: Vec<u64>,
    pub stage_reached: Vec<u64>,
    pub stage_skipped: Vec<u64>,
    /// Per touchpoint.
    pub sent: Vec<u64>,
    pub sent_customers: Vec<u64>,
    pub suppressed_cap: Vec<u64>,
    pub suppressed_consent: Vec<u64>,
    pub deferred: Vec<u64>,
    pub credited: Vec<u64>,
    /// Per channel: messages per entered customer (customers with none are not added).
    pub per_customer: Vec<Hist>,
    /// Per milestone: customers reaching it, and the time from entry.
    pub milestone_time: Vec<Hist>,
    /// Customers who converted, with the time from entry to their first conversion.
    pub goal_time: Hist,
    /// Per goal: conversions.
    pub goal_count: Vec<u64>,
    /// How customers left: each customer who entered is counted once, in exactly one of the
    /// fields below (see [`Tally::end_customer`]), so they add up to `entered`. A customer who
    /// converted counts as converted, by how: in the journey, or in the goal window after
    /// completing the steps or after an `exit` step. Otherwise their last entry decides.
    pub converted_inside: u64,
    pub completed_then_converted: u64,
    pub exit_step_then_converted: u64,
    pub exit_on: Vec<u64>,
    pub exit_step: u64,
    pub completed: u64,
    pub runaway: u64,
    /// Customers still in the journey when the simulation stopped (a wait with no timeout).
    pub still_inside: u64,
    /// Per split (in node order), per variant: customers assigned and customers converted.
    pub split_assigned: Vec<Vec<u64>>,
    pub split_converted: Vec<Vec<u64>>,
    /// A keyed journey's (`per FIELD`) per node: instances that reached it (empty otherwise;
    /// `entries` counts the instances that entered).
    pub node_instances: Vec<u64>,
    /// Per customer time zone: customers, sends held by quiet hours and deliveries by local
    /// hour; `None` for a journey that reads no zone (see [`super::zones`]), whose hot path
    /// then tests this once per send.
    pub zones: Option<Box<ZoneTally>>,
}

impl Aggregate {
    pub fn new(p: &Program, splits: &[usize]) -> Aggregate {
        let n_tp = p.touchpoints.len();
        let variants = |node: &usize| match &p.nodes[*node] {
            CNode::Split { variants, .. } => vec![0; variants.len()],
            _ => Vec::new(),
        };
        Aggregate {
            node_reached: vec![0; p.nodes.len()],
            stage_reached: vec![0; p.stage_names.len()],
            stage_skipped: vec![0; p.stage_names.len()],
            sent: vec![0; n_tp],
            sent_customers: vec![0; n_tp],
            suppressed_cap: vec![0; n_tp],
            suppressed_consent: vec![0; n_tp],
            deferred: vec![0; n_tp],
            credited: vec![0; n_tp],
            per_customer: vec![Hist::default(); p.channels.len()],
            milestone_time: vec![Hist::default(); p.milestone_names.len()],
            goal_count: vec![0; p.goals.len()],
            exit_on: vec![0; p.exits.len()],
            split_assigned: splits.iter().map(variants).collect(),
            split_converted: splits.iter().map(variants).collect(),
            zones: reads_zones(p).then(|| Box::new(ZoneTally::new(p))),
            ..Aggregate::default()
        }
    }

    pub fn merge(&mut self, o: &Aggregate) {
        fn add(a: &mut [u64], b: &[u64]) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += *y;
            }
        }
        self.customers += o.customers;
        self.entered += o.entered;
        self.kept_out += o.kept_out;
        self.entries += o.entries;
        add(&mut self.node_reached, &o.node_reached);
        add(&mut self.stage_reached, &o.stage_reached);
        add(&mut self.stage_skipped, &o.stage_skipped);
        add(&mut self.sent, &o.sent);
        add(&mut self.sent_customers, &o.sent_customers);
        add(&mut self.suppressed_cap, &o.suppressed_cap);
        add(&mut self.suppressed_consent, &o.suppressed_consent);
        add(&mut self.deferred, &o.deferred);
        add(&mut self.credited, &o.credited);
        for (a, b) in self.per_customer.iter_mut().zip(&o.per_customer) {
            a.merge(b);
        }
        for (a, b) in self.milestone_time.iter_mut().zip(&o.milestone_time) {
            a.merge(b);
        }
        self.goal_time.merge(&o.goal_time);
        add(&mut self.goal_count, &o.goal_count);
        self.converted_inside += o.converted_inside;
        self.completed_then_converted += o.completed_then_converted;
        self.exit_step_then_converted += o.exit_step_then_converted;
        add(&mut self.exit_on, &o.exit_on);
        self.exit_step += o.exit_step;
        self.completed += o.completed;
        self.runaway += o.runaway;
        self.still_inside += o.still_inside;
        for (a, b) in self.split_assigned.iter_mut().zip(&o.split_assigned) {
            add(a, b);
        }
        for (a, b) in self.split_converted.iter_mut().zip(&o.split_converted) {
            add(a, b);
        }
        if self.node_instances.len() < o.node_instances.len() {
            self.node_instances.resize(o.node_instances.len(), 0);
        }
        add(&mut self.node_instances, &o.node_instances);
        match (self.zones.as_deref_mut(), o.zones.as_deref()) {
            (Some(a), Some(b)) => a.merge(b),
            (None, Some(b)) => self.zones = Some(Box::new(b.clone())),
            _ => {}
        }
    }
}

/// The observer of one worker: per-customer scratch state plus the worker's aggregate.
pub struct Tally {
    pub agg: Aggregate,
    /// The current customer's serial number in this worker, from 1 (0 means "never").
    stamp: u64,
    node_stamp: Vec<u64>,
    stage_stamp: Vec<u64>,
    sent_stamp: Vec<u64>,
    milestone_stamp: Vec<u64>,
    /// Per node: its split's index in the aggregate, if it is a split.
    split_of: Vec<Option<u32>>,
    /// This customer's assignments: (split, variant).
    assigned: Vec<(u32, u32)>,
    channel_of: Vec<usize>,
    messages: Vec<u64>,
    entered_at: Option<Instant>,
    /// Whether the customer's trigger was refused by the `exclusive` group at least once.
    kept_out: bool,
    converted: bool,
    /// Whether the customer is in the journey now, and how their last entry ended.
    inside: bool,
    last_left: Option<ExitReason>,
    /// How the customer's first conversion happened (see [`Aggregate::converted_inside`]).
    converted_how: Option<ExitReason>,
    /// Touchpoints sent during the current engine call, for the behaviour model to respond to.
    pub just_sent: Vec<(Instant, usize)>,
    /// The last customer's messages per channel, kept only when a paired comparison asks
    /// (`end_customer` leaves `messages` at zero).
    last_messages: Option<Vec<u64>>,
    /// For a keyed journey (`per FIELD`): the instance acting now and the current customer's
    /// instances by key, each with a serial number (see [`Tally::instance`]).
    keyed: Option<Box<Instances>>,
}

/// Counting instances of a keyed journey: per node, the serial of the last instance counted.
#[derive(Debug, Default)]
struct Instances {
    serial: u64,
    current: u64,
    keys: Vec<(String, u64)>,
    node_stamp: Vec<u64>,
}

/// Read-only view of what the customer just run did, for pairing two versions customer by
/// customer (`--compare`).
pub struct Outcome<'t> {
    tally: &'t Tally,
}

impl Outcome<'_> {
    pub fn entered(&self) -> bool {
        self.tally.entered_at.is_some()
    }
    pub fn converted(&self) -> bool {
        self.tally.converted
    }
    pub fn node(&self, i: usize) -> bool {
        self.tally.node_stamp.get(i) == Some(&self.tally.stamp)
    }
    pub fn stage(&self, i: usize) -> bool {
        self.tally.stage_stamp.get(i) == Some(&self.tally.stamp)
    }
    pub fn milestone(&self, i: usize) -> bool {
        self.tally.milestone_stamp.get(i) == Some(&self.tally.stamp)
    }
    pub fn messages(&self, channel: usize) -> u64 {
        self.tally
            .last_messages
            .as_ref()
            .and_then(|m| m.get(channel))
            .copied()
            .unwrap_or(0)
    }
}

impl Tally {
    pub fn new(p: &Program) -> Tally {
        let splits: Vec<usize> = (0..p.nodes.len())
            .filter(|n| matches!(p.nodes[*n], CNode::Split { .. }))
            .collect();
        let mut split_of = vec![None; p.nodes.len()];
        for (i, n) in splits.iter().enumerate() {
            split_of[*n] = Some(i as u32);
        }
        Tally {
            agg: Aggregate::new(p, &splits),
            stamp: 0,
            node_stamp: vec![0; p.nodes.len()],
            stage_stamp: vec![0; p.stage_names.len()],
            sent_stamp: vec![0; p.touchpoints.len()],
            milestone_stamp: vec![0; p.milestone_names.len()],
            split_of,
            assigned: Vec::new(),
            channel_of: p.touchpoints.iter().map(|t| t.channel).collect(),
            messages: vec![0; p.channels.len()],
            entered_at: None,
            kept_out: false,
            converted: false,
            inside: false,
            last_left: None,
            converted_how: None,
            just_sent: Vec::new(),
            last_messages: None,
            keyed: p.ir.per.is_some().then(|| {
                Box::new(Instances {
                    node_stamp: vec![0; p.nodes.len()],
                    ..Instances::default()
                })
            }),
        }
    }

    /// The instance of key `key` of a keyed journey acts from now on (`None`: none does).
    pub fn instance(&mut self, key: Option<&str>) {
        let Some(k) = self.keyed.as_mut() else { return };
        k.current = match key {
            None => 0,
            Some(key) => match k.keys.iter().find(|(x, _)| x == key) {
                Some((_, s)) => *s,
                None => {
                    k.serial += 1;
                    k.keys.push((key.to_string(), k.serial));
                    k.serial
                }
            },
        };
    }

    /// Keep each customer's messages per channel for [`Tally::outcome`].
    pub fn keep_outcomes(&mut self) {
        self.last_messages = Some(vec![0; self.messages.len()]);
    }

    /// What the customer just run did (valid until the next customer begins).
    pub fn outcome(&self) -> Outcome<'_> {
        Outcome { tally: self }
    }

    /// The customer's attributes once drawn (before the trigger): their time zone, for a
    /// journey that counts by zone.
    #[inline]
    pub fn arrived(&mut self, attrs: &[crate::interp::value::Val]) {
        if let Some(z) = self.agg.zones.as_deref_mut() {
            z.arrive(attrs);
        }
    }

    pub fn begin_customer(&mut self) {
        self.stamp += 1;
        self.assigned.clear();
        self.entered_at = None;
        self.kept_out = false;
        self.converted = false;
        self.inside = false;
        self.last_left = None;
        self.converted_how = None;
        self.just_sent.clear();
        self.agg.customers += 1;
        if let Some(k) = self.keyed.as_mut() {
            k.keys.clear();
            k.current = 0;
        }
    }

    /// Folds the finished customer in; `inside` when they were still in the journey at the end.
    /// Leaves the per-customer message counts at zero for the next customer.
    ///
    /// The customer is counted in exactly one outcome: converted (by how the first conversion
    /// happened), else still inside, else by how their last entry ended. The outcomes are
    /// therefore a partition of the customers who entered.
    pub fn end_customer(&mut self, inside: bool) {
        let entered = self.entered_at.is_some();
        if let Some(last) = self.last_messages.as_mut() {
            last.copy_from_slice(&self.messages);
        }
        for (ch, n) in self.messages.iter_mut().enumerate() {
            let n = std::mem::take(n);
            if n > 0 && entered {
                self.agg.per_customer[ch].add(n);
            }
        }
        if !entered {
            self.agg.kept_out += u64::from(self.kept_out);
            return;
        }
        let a = &mut self.agg;
        a.entered += 1;
        match (self.converted_how, inside, self.last_left) {
            (Some(ExitReason::Completed), ..) => a.completed_then_converted += 1,
            (Some(ExitReason::ExitStep), ..) => a.exit_step_then_converted += 1,
            (Some(_), ..) => a.converted_inside += 1,
            (None, true, _) | (None, false, None) => a.still_inside += 1,
            (None, false, Some(reason)) => match reason {
                ExitReason::ExitCriterion(i) => {
                    if let Some(n) = a.exit_on.get_mut(i) {
                        *n += 1;
                    }
                }
                ExitReason::ExitStep => a.exit_step += 1,
                ExitReason::Completed => a.completed += 1,
                ExitReason::Runaway => a.runaway += 1,
                // A conversion sets `converted_how`; kept total for the partition.
                ExitReason::Converted => a.converted_inside += 1,
            },
        }
    }

    fn first(stamps: &mut [u64], i: usize, stamp: u64) -> bool {
        match stamps.get_mut(i) {
            Some(s) if *s != stamp => {
                *s = stamp;
                true
            }
            _ => false,
        }
    }
}

impl Observer for Tally {
    fn not_entered(&mut self, _time: Instant, why: NotEntered) {
        if matches!(why, NotEntered::Exclusive { .. }) {
            self.kept_out = true;
        }
    }

    #[inline]
    fn visit(&mut self, node: usize) {
        if Self::first(&mut self.node_stamp, node, self.stamp) {
            self.agg.node_reached[node] += 1;
        }
        if let Some(k) = self.keyed.as_mut() {
            if k.current != 0 && Self::first(&mut k.node_stamp, node, k.current) {
                if self.agg.node_instances.len() <= node {
                    self.agg.node_instances.resize(k.node_stamp.len(), 0);
                }
                self.agg.node_instances[node] += 1;
            }
        }
    }

    // Inlined into each of the engine's call sites, where the action is known, so that the
    // match folds away: the simulator calls this for nearly every step.
    #[inline]
    fn action(&mut self, time: Instant, node: Option<usize>, action: &Action) {
        let stamp = self.stamp;
        let a = &mut self.agg;
        match action {
            Action::Entered => {
                a.entries += 1;
                self.entered_at = Some(time);
                self.inside = true;
            }
            Action::ReachedStage { stage } => {
                if Self::first(&mut self.stage_stamp, *stage, stamp) {
                    a.stage_reached[*stage] += 1;
                }
            }
            Action::StageSkipped { stage } => a.stage_skipped[*stage] += 1,
            Action::Sent { touchpoint, .. } => {
                a.sent[*touchpoint] += 1;
                if Self::first(&mut self.sent_stamp, *touchpoint, stamp) {
                    a.sent_customers[*touchpoint] += 1;
                }
                self.messages[self.channel_of[*touchpoint]] += 1;
                self.just_sent.push((time, *touchpoint));
                if let Some(z) = a.zones.as_deref_mut() {
                    z.delivered(time);
                }
            }
            Action::Suppressed {
                touchpoint, reason, ..
            } => match reason {
                Suppression::Cap => a.suppressed_cap[*touchpoint] += 1,
                Suppression::Consent => a.suppressed_consent[*touchpoint] += 1,
            },
            Action::Deferred { touchpoint, .. } => {
                a.deferred[*touchpoint] += 1;
                if let Some(z) = a.zones.as_deref_mut() {
                    z.held();
                }
            }
            Action::Milestone { milestone } => {
                if Self::first(&mut self.milestone_stamp, *milestone, stamp) {
                    let since = time - self.entered_at.unwrap_or(time);
                    a.milestone_time[*milestone].add(since.max(0) as u64);
                }
            }
            Action::Credited { touchpoint } => a.credited[*touchpoint] += 1,
            Action::Converted { goal } => {
                a.goal_count[*goal] += 1;
                if !self.converted {
                    self.converted = true;
                    // In the journey, or in the goal window after the entry ended (the engine
                    // keeps watching after `completed` and an `exit` step).
                    self.converted_how = Some(match (self.inside, self.last_left) {
                        (false, Some(r @ (ExitReason::Completed | ExitReason::ExitStep))) => r,
                        _ => ExitReason::Converted,
                    });
                    let since = time - self.entered_at.unwrap_or(time);
                    a.goal_time.add(since.max(0) as u64);
                    for (s, v) in &self.assigned {
                        a.split_converted[*s as usize][*v as usize] += 1;
                    }
                }
            }
            Action::SplitAssigned { variant } => {
                if let Some(s) = node.and_then(|n| self.split_of[n]) {
                    let v = *variant as u32;
                    if !self.assigned.contains(&(s, v)) {
                        self.assigned.push((s, v));
                        a.split_assigned[s as usize][*variant] += 1;
                    }
                }
            }
            Action::Left { reason } => {
                self.inside = false;
                self.last_left = Some(*reason);
            }
            Action::Set { attr, value } => {
                if let Some(z) = a.zones.as_deref_mut() {
                    z.set(*attr, value);
                }
            }
            Action::EventMatched { .. }
            | Action::TimedOut
            | Action::Branch { .. }
            | Action::Ignored { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An aggregate in which every count differs from every other.
    fn sample() -> Aggregate {
        let hist = |v: u64| {
            let mut h = Hist::default();
            h.add(v);
            h
        };
        let mut n = 0;
        let mut next = |len: usize| {
            (0..len)
                .map(|_| {
                    n += 1;
                    n
                })
                .collect::<Vec<u64>>()
        };
        Aggregate {
            customers: 101,
            entered: 102,
            kept_out: 111,
            entries: 103,
            node_reached: next(3),
            stage_reached: next(2),
            stage_skipped: next(2),
            sent: next(2),
            sent_customers: next(2),
            suppressed_cap: next(2),
            suppressed_consent: next(2),
            deferred: next(2),
            credited: next(2),
            per_customer: vec![hist(4), hist(9)],
            milestone_time: vec![hist(60)],
            goal_time: hist(3_600),
            goal_count: next(2),
            converted_inside: 104,
            completed_then_converted: 105,
            exit_step_then_converted: 106,
            exit_on: next(2),
            exit_step: 107,
            completed: 108,
            runaway: 109,
            still_inside: 110,
            split_assigned: vec![next(2), next(3)],
            split_converted: vec![next(2), next(3)],
            node_instances: next(3),
            zones: None,
        }
    }

    /// Merging the aggregates of two workers adds every count: here an aggregate merged with
    /// itself doubles each one.
    #[test]
    fn a_merge_adds_every_count() {
        let a = sample();
        let mut m = a.clone();
        m.merge(&a);
        let scalars = |x: &Aggregate| {
            [
                x.customers,
                x.entered,
                x.entries,
                x.converted_inside,
                x.completed_then_converted,
                x.exit_step_then_converted,
                x.exit_step,
                x.completed,
                x.runaway,
                x.still_inside,
                x.kept_out,
                x.goal_time.count(),
            ]
        };
        let vectors = |x: &Aggregate| {
            let mut all = vec![
                x.node_reached.clone(),
                x.stage_reached.clone(),
                x.stage_skipped.clone(),
                x.sent.clone(),
                x.sent_customers.clone(),
                x.suppressed_cap.clone(),
                x.suppressed_consent.clone(),
                x.deferred.clone(),
                x.credited.clone(),
                x.goal_count.clone(),
                x.exit_on.clone(),
                x.node_instances.clone(),
                x.per_customer.iter().map(Hist::count).collect(),
                x.milestone_time.iter().map(Hist::count).collect(),
            ];
            all.extend(x.split_assigned.iter().cloned());
            all.extend(x.split_converted.iter().cloned());
            all
        };
        let doubled = |v: Vec<u64>| v.into_iter().map(|n| 2 * n).collect::<Vec<_>>();
        assert_eq!(scalars(&m).to_vec(), doubled(scalars(&a).to_vec()));
        let (got, want) = (vectors(&m), vectors(&a));
        assert_eq!(got.len(), want.len());
        for (i, (g, w)) in got.into_iter().zip(want).enumerate() {
            assert_eq!(g, doubled(w), "vector {i}");
        }
    }

    /// How a customer who entered and did not convert left decides their one outcome: the
    /// `exit on` criterion by its index, an `exit` step, the end of the steps, a runaway loop
    /// (which the checker's E0303 keeps out of checked journeys, so only the engine's guard
    /// leads here), or still inside.
    #[test]
    fn the_last_way_out_decides_the_outcome() {
        let programs = crate::interp::program::compile_for_test(
            "t.journey",
            "event go\nevent stop\nevent quit\njourney j {\n  trigger go\n  \
             exit on stop\n  exit on quit\n  onboarding {\n    wait 1d\n  }\n}\n",
        );
        let mut t = Tally::new(&programs[0]);
        for left in [
            Some(ExitReason::ExitCriterion(1)),
            Some(ExitReason::ExitStep),
            Some(ExitReason::Completed),
            Some(ExitReason::Runaway),
            Some(ExitReason::Runaway),
            // Kept total: a conversion sets `converted_how`, so this one is never met.
            Some(ExitReason::Converted),
            None,
        ] {
            t.begin_customer();
            t.entered_at = Some(0);
            t.last_left = left;
            t.end_customer(left.is_none());
        }
        let a = &t.agg;
        assert_eq!(a.exit_on, [0, 1]);
        assert_eq!(
            (a.exit_step, a.completed, a.runaway, a.still_inside),
            (1, 1, 2, 1)
        );
        assert_eq!(a.converted_inside, 1);
        assert_eq!(a.entered, 7);
    }

    /// A worker that met no keyed instance has no per-node instance counts yet: a merge takes
    /// the other's.
    #[test]
    fn a_merge_into_an_empty_aggregate_takes_the_instance_counts() {
        let a = sample();
        let mut m = Aggregate::default();
        m.merge(&a);
        assert_eq!(m.node_instances, a.node_instances);
        let mut longer = a.clone();
        longer.node_instances.push(50);
        let mut m = a.clone();
        m.merge(&longer);
        let want: Vec<u64> = a.node_instances.iter().map(|n| 2 * n).chain([50]).collect();
        assert_eq!(m.node_instances, want);
    }
}
