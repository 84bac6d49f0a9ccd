//! Running customers: one worker per thread, each with its own program, model, customer buffer
//! and tally, reused from one customer to the next (reset, never reallocated).
//!
//! Customers are handed out in fixed-size chunks by an atomic counter; each customer draws only
//! from its own random stream, and the tallies hold integers, so the merged result is the same
//! whichever thread ran which chunk.

use super::model::{CRule, Item, Model};
use super::rng::Stream;
use super::tally::{Aggregate, Tally};
use super::SimError;
use crate::interp::engine::{Customer, Engine};
use crate::interp::program::{EventPayload, Program};
use crate::interp::time::{Instant, DAY};
use crate::interp::value::Val;
use crate::ir::simulation::Simulation;
use crate::ir::Journey;
use std::sync::atomic::{AtomicU64, Ordering};

/// Monday 2026-01-05 00:00 UTC: the first day customers arrive.
pub const SIM_EPOCH: Instant = 1_767_571_200;
/// Customers arrive uniformly over this long, so quiet hours meet them at every hour of the day.
pub const ARRIVAL_WINDOW: i64 = 7 * DAY;
/// How long after arrival a customer is followed (timers and behaviour beyond it are dropped).
pub const HORIZON: i64 = 366 * DAY;
/// Makes `c` a new customer with id hash `id_hash`, in place: the profile back to the
/// defaults, no entries, no sends, the last entry's buffers kept for the next entry (see
/// `Customer::spare`). Nothing is allocated, so a worker simulates any number of customers in
/// the memory of one (the world runner resets each journey's instance the same way).
pub(super) fn reset_customer(c: &mut Customer, program: &Program, id_hash: u64) {
    c.attrs.clone_from_slice(&program.attr_defaults);
    c.entries = 0;
    c.last_entry = None;
    c.barred = None;
    if let Some(run) = c.run.take() {
        c.spare = Some(run);
    }
    if let Some(w) = c.watch.take() {
        match c.spare.as_mut() {
            Some(s) if s.last_sent.capacity() == 0 => s.last_sent = w.last_sent,
            _ => {}
        }
    }
    for log in &mut c.channel_log {
        log.clear();
    }
    c.recall.store.clear();
    c.id_hash = id_hash;
    c.next_fire = None;
    c.when_last = None;
    // The engine's own test of "nothing distinguishes this customer from a new one": state
    // added to `Customer` later must be reset here too, or customers would leak into each other.
    debug_assert!(c.is_fresh(program), "a reset customer is fresh");
}

/// Customers per chunk of work.
pub const CHUNK: u64 = 1024;

/// Something the customer will do, in time order (`seq` breaks ties in drawing order).
#[derive(Clone, Copy, Debug)]
struct Pending {
    time: Instant,
    seq: u32,
    item: Item,
    /// The rule that scheduled it (its draw site) and how many events that rule had scheduled
    /// for this customer before: together they pick the sub-stream its fields are drawn from.
    site: u32,
    nth: u32,
}

pub struct Worker<'p> {
    program: &'p Program,
    model: Model,
    engine: Engine<'p>,
    customer: Customer,
    tally: Tally,
    rng: Stream,
    /// One payload per event of the program, without fields: what a rule without a field
    /// block sends.
    payloads: Vec<EventPayload>,
    /// Per draw site that draws fields: its payload, with the field names in place, so that
    /// drawing an event's fields only overwrites values (no allocation, no name cloned).
    drawn: Vec<Option<EventPayload>>,
    /// Per draw site: how many events it has scheduled for the current customer.
    produced: Vec<u32>,
    queue: Vec<Pending>,
    seq: u32,
    ids: IdHasher,
}

impl<'p> Worker<'p> {
    pub fn new(program: &'p Program, sim: &Simulation, seed: u64) -> Result<Self, SimError> {
        let model = Model::compile(program, sim)?;
        let drawn = (0..=sim.behavior.len())
            .map(|site| {
                let fields = model.fields_at(u32::try_from(site).unwrap_or(u32::MAX));
                (!fields.is_empty()).then(|| EventPayload {
                    event: None,
                    fields: fields
                        .iter()
                        .map(|(name, _)| (name.clone(), Val::Missing))
                        .collect(),
                })
            })
            .collect::<Vec<_>>();
        let produced = if drawn.iter().any(Option::is_some) {
            vec![0; sim.behavior.len() + 1]
        } else {
            Vec::new()
        };
        Ok(Worker {
            program,
            model,
            engine: Engine::new(program),
            customer: Customer::new(program, ""),
            tally: Tally::new(program),
            rng: Stream::new(seed),
            payloads: (0..program.event_names.len())
                .map(|e| EventPayload {
                    event: Some(e),
                    fields: Vec::new(),
                })
                .collect(),
            drawn,
            produced,
            queue: Vec::with_capacity(64),
            seq: 0,
            ids: IdHasher::default(),
        })
    }

    pub fn tally(&self) -> &Tally {
        &self.tally
    }

    pub fn tally_mut(&mut self) -> &mut Tally {
        &mut self.tally
    }

    pub fn into_aggregate(self) -> Aggregate {
        self.tally.agg
    }

    fn reset(&mut self, index: u64) {
        reset_customer(&mut self.customer, self.program, self.ids.hash(index));
        self.queue.clear();
        self.seq = 0;
        if !self.produced.is_empty() {
            self.produced.fill(0);
        }
    }

    fn push(&mut self, time: Instant, item: Item, site: u32) {
        // Counted only when some site draws fields (`produced` is empty otherwise).
        let nth = match self.produced.get_mut(site as usize) {
            Some(n) => {
                *n = n.wrapping_add(1);
                n.wrapping_sub(1)
            }
            None => 0,
        };
        self.queue.push(Pending {
            time,
            seq: self.seq,
            item,
            site,
            nth,
        });
        self.seq = self.seq.wrapping_add(1);
    }

    /// Delivers event `event` at `t`: with the shared payload without fields, or, when `site`
    /// draws fields, with its own payload refilled with the fields drawn for its `nth` event.
    fn send_event(&mut self, t: Instant, event: usize, site: u32, nth: u32) {
        let payload = match self.drawn.get_mut(site as usize) {
            Some(Some(p)) => {
                let mut sub = self.rng.sub(site, nth);
                p.event = Some(event);
                for (slot, (_, d)) in p.fields.iter_mut().zip(self.model.fields_at(site)) {
                    slot.1 = d.sample_at(&mut sub, t);
                }
                &*p
            }
            _ => &self.payloads[event],
        };
        self.engine
            .event(&mut self.customer, t, payload, &mut self.tally);
    }

    fn roll(rng: &mut Stream, r: &CRule) -> Option<i64> {
        roll(rng, r.ppm, r.min_secs, r.span)
    }

    fn holds(&self, cond: &Option<crate::interp::program::CExpr>) -> bool {
        cond.as_ref()
            .is_none_or(|c| self.engine.eval_without_event(&self.customer, c).truthy())
    }

    /// Draws the responses to the touchpoints sent during the last engine call.
    fn respond(&mut self) {
        let mut i = 0;
        while i < self.tally.just_sent.len() {
            let (t, tp) = self.tally.just_sent[i];
            i += 1;
            for r in 0..self.model.responses[tp].len() {
                let rule = &self.model.responses[tp][r];
                if let Some(d) = Self::roll(&mut self.rng, rule) {
                    if self.holds(&rule.condition) {
                        let (item, site) = (rule.item, rule.site);
                        self.push(t.saturating_add(d), item, site);
                    }
                }
            }
        }
        self.tally.just_sent.clear();
    }

    /// The index of the next pending item: the earliest, in drawing order among equals.
    fn next(&self) -> Option<usize> {
        (0..self.queue.len()).min_by_key(|i| (self.queue[*i].time, self.queue[*i].seq))
    }

    /// Simulates customer `index` from arrival to the end of the horizon.
    pub fn customer(&mut self, index: u64) {
        self.reset(index);
        self.rng.start(index);
        self.tally.begin_customer();
        let t0 = SIM_EPOCH + self.rng.below(ARRIVAL_WINDOW as u64) as i64;
        self.model
            .populate(&mut self.customer.attrs, &mut self.rng, t0);
        self.tally.arrived(&self.customer.attrs);
        if self.program.ir.trigger.schedule.is_some() {
            // A scheduled journey: the customer is known from arrival, and the trigger fires
            // at each firing time from then on (the first may be the arrival instant itself).
            self.customer.next_fire =
                crate::interp::clock::next_firing(self.program, &self.customer, t0 - 1);
        } else if self.program.ir.trigger.when {
            // A `trigger when` journey: the customer is known from arrival, with the attributes
            // drawn for them, and enters then if the condition holds (no identify follows in a
            // simulation, so there is no later rise).
            self.engine
                .decide_when(&mut self.customer, t0, &mut self.tally);
        } else {
            self.send_event(t0, self.program.trigger.0, 0, 0);
        }
        for r in 0..self.model.base.len() {
            let rule = &self.model.base[r];
            if let Some(d) = Self::roll(&mut self.rng, rule) {
                if self.holds(&rule.condition) {
                    let (item, site) = (rule.item, rule.site);
                    self.push(t0.saturating_add(d), item, site);
                }
            }
        }
        self.respond();
        let end = t0.saturating_add(HORIZON);
        loop {
            let c = &self.customer;
            if c.run.is_none()
                && c.watch.is_none()
                && !((self.model.retriggers || c.next_fire.is_some()) && self.reentry_possible())
            {
                break;
            }
            let due = self.next().filter(|i| self.queue[*i].time <= end);
            let timer = match (self.customer.deadline(), self.customer.next_fire) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            }
            .filter(|t| *t <= end);
            match (due, timer) {
                (Some(i), Some(tt)) if tt < self.queue[i].time => self.fire(tt),
                (Some(i), _) => {
                    let p = self.queue.swap_remove(i);
                    self.deliver(p);
                }
                (None, Some(tt)) => self.fire(tt),
                (None, None) => break,
            }
        }
        let inside = self.customer.run.is_some();
        self.tally.end_customer(inside);
    }

    fn reentry_possible(&self) -> bool {
        self.customer.entries == 0 || !matches!(self.program.ir.entry, crate::ir::Entry::Once)
    }

    fn fire(&mut self, t: Instant) {
        self.engine.advance(&mut self.customer, t, &mut self.tally);
        // A scheduled firing comes after the timers of its instant.
        if self.customer.next_fire == Some(t) {
            self.engine
                .fire_schedule(&mut self.customer, t, &mut self.tally);
            self.customer.next_fire =
                crate::interp::clock::next_firing(self.program, &self.customer, t);
        }
        self.respond();
    }

    fn deliver(&mut self, p: Pending) {
        match p.item {
            Item::Event(e) => self.send_event(p.time, e, p.site, p.nth),
            Item::Engage(kind, tp) => {
                self.engine
                    .engage(&mut self.customer, p.time, kind, tp, &mut self.tally)
            }
            Item::Ignored => {}
        }
        self.respond();
    }
}

/// FNV-1a's state after `sim-`, the prefix every simulated customer id shares.
const SIM_PREFIX_HASH: u64 = {
    let prefix = b"sim-";
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < prefix.len() {
        h ^= prefix[i] as u64;
        h = h.wrapping_mul(FNV_PRIME);
        i += 1;
    }
    h
};

const FNV_PRIME: u64 = 0x0100_0000_01b3;

/// FNV-1a over `bytes`, from state `h`.
fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(FNV_PRIME);
    }
    h
}

/// The decimal digits of `n` in `buf`, most significant first.
fn decimal(mut n: u64, buf: &mut [u8; 20]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

/// Draws whether a rule of probability `ppm` (parts per million) fires, and its delay, from
/// `min_secs` to `min_secs + span` both included: always two numbers, so that the draws after it
/// do not depend on the outcome. The world runner draws its rules the same way.
pub(super) fn roll(rng: &mut Stream, ppm: u32, min_secs: i64, span: u64) -> Option<i64> {
    let hit = rng.chance(ppm);
    let delay = min_secs.saturating_add(rng.below(span + 1) as i64);
    hit.then_some(delay)
}

/// Split keys of simulated customers: [`crate::interp::program::stable_hash`] of the id
/// `sim-<index>`, as a replay of that id would compute it, without building the string. This
/// runs once per customer, and FNV is a chain of multiplications, so the state after all digits
/// but the last is kept: consecutive customers share it nine times in ten.
#[derive(Default)]
pub(super) struct IdHasher {
    /// `index / 10` of the cached state, and FNV's state after `sim-` and its digits.
    key: Option<(u64, u64)>,
}

impl IdHasher {
    pub(super) fn hash(&mut self, index: u64) -> u64 {
        let high = index / 10;
        let state = match self.key {
            Some((k, state)) if k == high => state,
            _ => {
                let mut buf = [0u8; 20];
                let prefix = SIM_PREFIX_HASH;
                // Below 10 the id has no digits before its last one.
                let state = if high == 0 {
                    prefix
                } else {
                    fnv(prefix, decimal(high, &mut buf))
                };
                self.key = Some((high, state));
                state
            }
        };
        // The last digit, then the 0xff `stable_hash` ends each part with.
        fnv(state, &[b'0' + (index % 10) as u8, 0xff])
    }
}

/// Runs `customers` customers on `threads` threads and merges their tallies.
pub fn run(
    journey: &Journey,
    sim: &Simulation,
    customers: u64,
    seed: u64,
    threads: usize,
    progress: &AtomicU64,
) -> Result<Aggregate, SimError> {
    in_chunks(
        customers,
        threads,
        progress,
        |next_chunk| {
            let program = super::compile(journey)?;
            let mut w = Worker::new(&program, sim, seed)?;
            while let Some(chunk) = next_chunk() {
                for i in chunk {
                    w.customer(i);
                }
            }
            Ok(w.into_aggregate())
        },
        |total, agg| total.merge(&agg),
    )
}

/// The work loop every run shares: each thread runs `work`, which builds its own state (a
/// program, workers) and runs the chunks of customers `next_chunk` hands out from one atomic
/// counter; the threads' results are then merged in thread order. Results must not depend on
/// which thread ran which chunk: integer counts only.
pub(super) fn in_chunks<T: Send>(
    customers: u64,
    threads: usize,
    progress: &AtomicU64,
    work: impl Fn(&mut dyn FnMut() -> Option<std::ops::Range<u64>>) -> Result<T, SimError> + Sync,
    merge: impl Fn(&mut T, T),
) -> Result<T, SimError> {
    let threads = threads.max(1);
    let next = AtomicU64::new(0);
    let chunks = customers.div_ceil(CHUNK);
    let results: Vec<Result<T, SimError>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    // Customers of the chunk handed out before are done when the next is asked for.
                    let mut done = 0;
                    let mut next_chunk = || {
                        progress.fetch_add(std::mem::take(&mut done), Ordering::Relaxed);
                        let chunk = next.fetch_add(1, Ordering::Relaxed);
                        if chunk >= chunks {
                            return None;
                        }
                        let from = chunk * CHUNK;
                        let to = (from + CHUNK).min(customers);
                        done = to - from;
                        Some(from..to)
                    };
                    work(&mut next_chunk)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(SimError::Model("a worker thread stopped".into())))
            })
            .collect()
    });
    let mut total: Option<T> = None;
    for r in results {
        let part = r?;
        match &mut total {
            None => total = Some(part),
            Some(t) => merge(t, part),
        }
    }
    total.ok_or_else(|| SimError::Model("no worker ran".into()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::program::stable_hash;

    /// A rule that always fires draws its delay from `min` to `max`, both included; a fixed
    /// delay is that delay. Either way it takes two numbers.
    #[test]
    fn a_rule_draws_its_delay_between_its_bounds() {
        let rule = |min_secs: i64, span: u64| super::super::model::CRule {
            item: super::super::model::Item::Ignored,
            ppm: 1_000_000,
            min_secs,
            span,
            condition: None,
            site: 1,
        };
        let mut rng = Stream::new(3);
        rng.start(0);
        for _ in 0..200 {
            assert_eq!(Worker::roll(&mut rng, &rule(7_200, 0)), Some(7_200));
        }
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..2_000 {
            let d = Worker::roll(&mut rng, &rule(60, 3)).expect("it always fires");
            seen.insert(d);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [60, 61, 62, 63]);
        let never = super::super::model::CRule {
            ppm: 0,
            ..rule(60, 3)
        };
        assert_eq!(Worker::roll(&mut rng, &never), None);
    }

    /// A schedule's first firing may be the arrival instant itself: a customer who arrives at
    /// 00:00:00 on the dot enters a `trigger every day 00:00` journey then, not a day later. Only
    /// those customers convert here (the goal event comes a second after arrival).
    #[test]
    fn a_schedule_fires_at_the_arrival_instant() {
        let text = "event bought\nchannel email\ntouchpoint t { channel email  template \"t\" }\n\
            journey j {\n  trigger every day 00:00\n  goal bought within 1h\n  onboarding {\n    \
            send t\n    wait 2d\n  }\n}\n\
            simulation s { journey j  behavior { bought 100% after 1s } }\n";
        let (project, checked) = crate::interp::program::check_for_test("s.journey", text);
        let model = &checked.models[0];
        let def = model.simulations.values().next().expect("a simulation");
        let sim = crate::ir::simulation::lower_simulation(model, def).expect("lowers");
        let journey = model.journeys.values().next().expect("a journey");
        let ir = crate::ir::lower::lower_journey(model, journey, &project.sources);
        let program = Program::compile(&ir).expect("compiles");
        let seed = 7;
        let arrival = |i: u64| {
            let mut rng = Stream::new(seed);
            rng.start(i);
            rng.below(ARRIVAL_WINDOW as u64) % 86_400
        };
        let on_the_dot = (0..10_000_000)
            .find(|i| arrival(*i) == 0)
            .expect("some customer arrives at midnight");
        let mut w = Worker::new(&program, &sim, seed).expect("a worker");
        w.customer(on_the_dot);
        assert_eq!(w.tally().agg.converted_inside, 1, "customer {on_the_dot}");
        let later = on_the_dot + 1;
        assert_ne!(arrival(later), 0);
        w.customer(later);
        assert_eq!(w.tally().agg.entered, 2);
        assert_eq!(w.tally().agg.converted_inside, 1, "customer {later}");
    }

    /// Every customer is handed out once, whatever the thread count, and the progress counter
    /// the progress bar reads ends at the number of customers.
    #[test]
    fn chunks_cover_every_customer_once_and_count_progress() {
        for (customers, threads) in [(1, 1), (2_500, 3), (CHUNK * 4, 2)] {
            let progress = AtomicU64::new(0);
            let seen = in_chunks(
                customers,
                threads,
                &progress,
                |next| {
                    let mut seen = Vec::new();
                    while let Some(chunk) = next() {
                        seen.extend(chunk);
                    }
                    Ok(seen)
                },
                |all, part| all.extend(part),
            )
            .expect("no worker fails");
            let mut seen = seen;
            seen.sort_unstable();
            assert_eq!(seen, (0..customers).collect::<Vec<_>>());
            assert_eq!(progress.load(Ordering::Relaxed), customers);
        }
    }

    #[test]
    fn split_keys_hash_the_customer_id() {
        let mut ids = IdHasher::default();
        let cases = (0..25).chain([1234, 999_999, 1_000_000, 7, u64::MAX - 1, u64::MAX]);
        for i in cases {
            assert_eq!(ids.hash(i), stable_hash(&[&format!("sim-{i}")]), "{i}");
        }
    }
}
