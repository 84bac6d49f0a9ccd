//! `--compare` customer by customer: both versions of a journey run on each simulated customer,
//! one after the other, and what changed for that customer is counted.
//!
//! Both versions see the same customer (the same arrival, attributes and base behaviour: the
//! draws depend only on the seed and the customer's index), so a difference between the two
//! reports comes from the edit and from no one else. Counting the customers whose outcome the
//! edit changed (reached a step before and not after, or the other way round) gives intervals
//! for that difference that are much narrower than two independent samples would allow, and
//! exactly nothing for an edit that changes nothing.

use super::runner::{in_chunks, Worker};
use super::tally::{Aggregate, Outcome};
use super::SimError;
use crate::interp::program::Program;
use crate::ir::simulation::Simulation;
use crate::ir::Journey;
use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;

/// Where one row of the comparison is read in one version's outcome.
#[derive(Clone, Copy, Debug)]
enum Source {
    Node(usize),
    Stage(usize),
    Milestone(usize),
    Goal,
}

impl Source {
    fn read(self, o: &Outcome<'_>) -> bool {
        match self {
            Source::Node(i) => o.node(i),
            Source::Stage(i) => o.stage(i),
            Source::Milestone(i) => o.milestone(i),
            Source::Goal => o.converted(),
        }
    }
}

/// The rows both versions are compared on, with where each version holds them.
struct Keys {
    rates: Vec<(String, Option<Source>, Option<Source>)>,
    channels: Vec<(String, Option<usize>, Option<usize>)>,
}

/// The key of a comparison row: a step's node id, `STAGE.enter` for a stage, `milestone:NAME`,
/// `goal`.
pub fn milestone_key(name: &str) -> String {
    format!("milestone:{name}")
}

impl Keys {
    fn new(a: &Program, b: &Program) -> Keys {
        let rows = |p: &Program| -> BTreeMap<String, Source> {
            let mut rows: BTreeMap<String, Source> = BTreeMap::new();
            for (i, n) in p.ir.nodes.iter().enumerate() {
                rows.insert(n.id.clone(), Source::Node(i));
            }
            // A stage's row counts customers who reached the stage (its guard held), not those
            // who visited its entry node: the stage key wins over the entry node's id.
            for (i, s) in p.stage_names.iter().enumerate() {
                rows.insert(format!("{s}.enter"), Source::Stage(i));
            }
            for (i, m) in p.milestone_names.iter().enumerate() {
                rows.insert(milestone_key(m), Source::Milestone(i));
            }
            rows.insert("goal".to_string(), Source::Goal);
            rows
        };
        let (ra, rb) = (rows(a), rows(b));
        let mut rates: Vec<(String, Option<Source>, Option<Source>)> = ra
            .iter()
            .map(|(k, s)| (k.clone(), Some(*s), rb.get(k).copied()))
            .collect();
        for (k, s) in &rb {
            if !ra.contains_key(k) {
                rates.push((k.clone(), None, Some(*s)));
            }
        }
        let mut channels: Vec<(String, Option<usize>, Option<usize>)> = a
            .channel_names
            .iter()
            .enumerate()
            .map(|(i, c)| {
                (
                    c.clone(),
                    Some(i),
                    b.channel_names.iter().position(|x| x == c),
                )
            })
            .collect();
        for (i, c) in b.channel_names.iter().enumerate() {
            if !a.channel_names.contains(c) {
                channels.push((c.clone(), None, Some(i)));
            }
        }
        Keys { rates, channels }
    }
}

/// What the edit changed, counted over the customers who entered both versions.
#[derive(Clone, Debug, Default)]
pub struct Pairs {
    /// Customers who entered both versions: when it is each version's number of customers who
    /// entered, both reports' rates are over the same people and the paired intervals apply.
    pub both: u64,
    /// Per row key: customers with the row before but not after, and after but not before.
    pub changed: BTreeMap<String, (u64, u64)>,
    /// Per channel: the sum over customers of (messages after − messages before), and of its
    /// square.
    pub messages: BTreeMap<String, (i64, u64)>,
}

impl Pairs {
    fn merge(&mut self, other: Pairs) {
        self.both += other.both;
        for (k, (x, y)) in other.changed {
            let e = self.changed.entry(k).or_default();
            e.0 += x;
            e.1 += y;
        }
        for (k, (x, y)) in other.messages {
            let e = self.messages.entry(k).or_default();
            e.0 += x;
            e.1 += y;
        }
    }
}

/// One thread's counts, indexed like [`Keys`].
struct Counter<'k> {
    keys: &'k Keys,
    both: u64,
    changed: Vec<(u64, u64)>,
    messages: Vec<(i64, u64)>,
}

impl Counter<'_> {
    fn add(&mut self, a: &Outcome<'_>, b: &Outcome<'_>) {
        // A customer who entered one version only has nothing to pair.
        if !(a.entered() && b.entered()) {
            return;
        }
        self.both += 1;
        for (k, (_, sa, sb)) in self.keys.rates.iter().enumerate() {
            let x = sa.is_some_and(|s| s.read(a));
            let y = sb.is_some_and(|s| s.read(b));
            match (x, y) {
                (true, false) => self.changed[k].0 += 1,
                (false, true) => self.changed[k].1 += 1,
                _ => {}
            }
        }
        for (k, (_, ca, cb)) in self.keys.channels.iter().enumerate() {
            let x = ca.map_or(0, |c| a.messages(c));
            let y = cb.map_or(0, |c| b.messages(c));
            let d = y as i64 - x as i64;
            self.messages[k].0 += d;
            self.messages[k].1 += d.unsigned_abs() * d.unsigned_abs();
        }
    }

    fn into_pairs(self) -> Pairs {
        Pairs {
            both: self.both,
            changed: self
                .keys
                .rates
                .iter()
                .zip(self.changed)
                .map(|((k, _, _), c)| (k.clone(), c))
                .collect(),
            messages: self
                .keys
                .channels
                .iter()
                .zip(self.messages)
                .map(|((k, _, _), m)| (k.clone(), m))
                .collect(),
        }
    }
}

/// Runs every customer through `before` and then `after`: the two aggregates (as two separate
/// runs would give them) and what changed customer by customer.
pub fn run(
    before: &Journey,
    after: &Journey,
    sim: &Simulation,
    customers: u64,
    seed: u64,
    threads: usize,
    progress: &AtomicU64,
) -> Result<(Aggregate, Aggregate, Pairs), SimError> {
    in_chunks(
        customers,
        threads,
        progress,
        |next_chunk| {
            let (pa, pb) = (super::compile(before)?, super::compile(after)?);
            let keys = Keys::new(&pa, &pb);
            let mut wa = Worker::new(&pa, sim, seed)?;
            let mut wb = Worker::new(&pb, sim, seed)?;
            wa.tally_mut().keep_outcomes();
            wb.tally_mut().keep_outcomes();
            let mut counter = Counter {
                keys: &keys,
                both: 0,
                changed: vec![(0, 0); keys.rates.len()],
                messages: vec![(0, 0); keys.channels.len()],
            };
            while let Some(chunk) = next_chunk() {
                for i in chunk {
                    wa.customer(i);
                    wb.customer(i);
                    counter.add(&wa.tally().outcome(), &wb.tally().outcome());
                }
            }
            let pairs = counter.into_pairs();
            Ok((wa.into_aggregate(), wb.into_aggregate(), pairs))
        },
        |total, (a, b, p)| {
            total.0.merge(&a);
            total.1.merge(&b);
            total.2.merge(p);
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Only customers who entered both versions are paired: those who entered one version
    /// only are left out of `both` and of the rows that changed, whichever version they entered.
    #[test]
    fn only_customers_who_entered_both_versions_are_paired() {
        let text = "event signed_up\nevent bought\nchannel email\n\
            customer { vip: bool }\n\
            touchpoint t { channel email  template \"t\" }\n\
            journey all { trigger signed_up  goal bought within 1d  onboarding { send t } }\n\
            journey vips { trigger signed_up where vip  goal bought within 1d  onboarding { send t } }\n\
            simulation s { journey all  population { vip = true 30% | false 70% }  \
            behavior { bought 50% after 1h } }\n";
        let (project, checked) = crate::interp::program::check_for_test("s.journey", text);
        let model = &checked.models[0];
        let def = model.simulations.values().next().expect("a simulation");
        let sim = crate::ir::simulation::lower_simulation(model, def).expect("lowers");
        let lower = |name: &str| {
            let j = model.journeys.get(name).expect("the journey");
            crate::ir::lower::lower_journey(model, j, &project.sources)
        };
        let (all, vips) = (lower("all"), lower("vips"));
        let progress = AtomicU64::new(0);
        for (before, after) in [(&all, &vips), (&vips, &all)] {
            let (a, b, pairs) = run(before, after, &sim, 1_000, 7, 2, &progress).expect("runs");
            let (everyone, some) = if a.entered > b.entered {
                (a, b)
            } else {
                (b, a)
            };
            assert_eq!(everyone.entered, 1_000);
            assert!(some.entered > 200 && some.entered < 400, "{}", some.entered);
            assert_eq!(pairs.both, some.entered);
            // Every paired customer got the one message in both versions.
            assert_eq!(pairs.messages.get("email"), Some(&(0, 0)));
            assert_eq!(pairs.changed.get("goal"), Some(&(0, 0)));
        }
    }

    /// The counts of two threads add up, row by row and channel by channel, rows only one
    /// thread met included.
    #[test]
    fn a_merge_adds_the_counts_of_both_threads() {
        let pairs =
            |both: u64, changed: &[(&str, (u64, u64))], messages: &[(&str, (i64, u64))]| Pairs {
                both,
                changed: changed.iter().map(|(k, c)| (k.to_string(), *c)).collect(),
                messages: messages.iter().map(|(k, m)| (k.to_string(), *m)).collect(),
            };
        let mut a = pairs(
            10,
            &[("goal", (2, 3)), ("a.0.send", (4, 0))],
            &[("email", (-5, 9))],
        );
        a.merge(pairs(
            20,
            &[("goal", (5, 7)), ("b.0.send", (0, 1))],
            &[("email", (3, 4)), ("sms", (1, 1))],
        ));
        assert_eq!(a.both, 30);
        let changed: Vec<(&str, (u64, u64))> =
            a.changed.iter().map(|(k, c)| (k.as_str(), *c)).collect();
        assert_eq!(
            changed,
            [
                ("a.0.send", (4, 0)),
                ("b.0.send", (0, 1)),
                ("goal", (7, 10))
            ]
        );
        let messages: Vec<(&str, (i64, u64))> =
            a.messages.iter().map(|(k, m)| (k.as_str(), *m)).collect();
        assert_eq!(messages, [("email", (-2, 13)), ("sms", (1, 1))]);
    }
}
