//! Simulating several journeys together: each customer is one [`World`] in which every journey
//! the simulation names runs, so a channel's `cap` counts the sends of all of them, `priority`
//! orders them and `exclusive` keeps them apart, exactly as `journeyc test` and `journeyc run`
//! do (the arbitration is the world module's, not repeated here).
//!
//! The behaviour model is read by name against the world: an event a rule produces reaches
//! every journey that knows it, an open or click reaches every journey with that touchpoint,
//! and a rule `after T` responds to a send of `T` by any journey. Population lines are drawn
//! once per customer and given to every journey. Customers arrive with the trigger of the
//! first journey named (`Simulation::journey`). Draws follow the one-journey runner's order
//! (arrival time, population, trigger fields, rules), from each customer's own stream, so the
//! result does not depend on the thread count.
//!
//! Besides each journey's own counts ([`Tally`]), the runner counts contact pressure across
//! journeys ([`Crowd`]): sends per customer per channel summed over journeys, and the sends
//! each journey lost to a cap filled by another journey.

use super::hist::Hist;
use super::model::{CDraw, FieldDraws, MAX_DELAY};
use super::rng::Stream;
use super::runner::{IdHasher, ARRIVAL_WINDOW, HORIZON, SIM_EPOCH};
use super::tally::{Aggregate, Tally};
use super::SimError;
use crate::interp::engine::{Action, NotEntered, Observer, Suppression};
use crate::interp::program::{CExpr, Program};
use crate::interp::time::Instant;
use crate::interp::value::Val;
use crate::interp::world::{Cast, World, WorldObserver};
use crate::ir::simulation::{Simulation, Subject};
use crate::ir::Engagement;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;

/// Contact pressure across the journeys of a world, over all customers.
#[derive(Clone, Debug, Default)]
pub struct Crowd {
    /// Customers who entered at least one journey.
    pub entered: u64,
    /// Per world channel: sends by every journey.
    pub sent: Vec<u64>,
    /// Per world channel: sends per customer (customers who entered some journey and got at
    /// least one message on the channel), summed over journeys.
    pub per_customer: Vec<Hist>,
    /// Per journey, per world channel: sends suppressed by a cap that another journey's send
    /// filled.
    pub capped_by_others: Vec<Vec<u64>>,
}

impl Crowd {
    fn new(journeys: usize, channels: usize) -> Crowd {
        Crowd {
            entered: 0,
            sent: vec![0; channels],
            per_customer: vec![Hist::default(); channels],
            capped_by_others: vec![vec![0; channels]; journeys],
        }
    }

    pub fn merge(&mut self, o: &Crowd) {
        self.entered += o.entered;
        for (a, b) in self.sent.iter_mut().zip(&o.sent) {
            *a += *b;
        }
        for (a, b) in self.per_customer.iter_mut().zip(&o.per_customer) {
            a.merge(b);
        }
        for (a, b) in self.capped_by_others.iter_mut().zip(&o.capped_by_others) {
            for (x, y) in a.iter_mut().zip(b) {
                *x += *y;
            }
        }
    }
}

/// Every journey's counts and the pressure across them.
#[derive(Clone, Debug)]
pub struct WorldAggregate {
    pub journeys: Vec<Aggregate>,
    pub crowd: Crowd,
}

/// The world's observer: each journey's tally, and the counts across journeys.
struct Counts<'c> {
    cast: &'c Cast<'c>,
    tallies: Vec<Tally>,
    crowd: Crowd,
    /// The current customer's sends per world channel.
    messages: Vec<u64>,
    /// Keyed journeys (`per FIELD`): the customer's keys, the instance acting now, and per
    /// journey the key of each send in `Tally::just_sent` (see [`super::keys`]).
    keys: super::keys::Keys,
    current_key: u32,
    just_keys: Vec<Vec<u32>>,
}

impl WorldObserver for Counts<'_> {
    fn action(&mut self, j: usize, time: Instant, node: Option<usize>, action: &Action) {
        let p = &self.cast.programs[j];
        match action {
            Action::Sent { touchpoint, .. } => {
                let ch = self
                    .cast
                    .world_channel(j, p.touchpoints[*touchpoint].channel);
                self.messages[ch] += 1;
                self.crowd.sent[ch] += 1;
                if self.keys.any() {
                    self.just_keys[j].push(self.current_key);
                }
            }
            Action::Suppressed {
                touchpoint,
                reason: Suppression::Cap,
                earlier: Some(e),
            } if e.journey as usize != j => {
                let ch = self
                    .cast
                    .world_channel(j, p.touchpoints[*touchpoint].channel);
                self.crowd.capped_by_others[j][ch] += 1;
            }
            _ => {}
        }
        self.tallies[j].action(time, node, action);
    }
    fn visit(&mut self, j: usize, node: usize) {
        self.tallies[j].visit(node);
    }
    fn not_entered(&mut self, j: usize, time: Instant, why: NotEntered) {
        self.tallies[j].not_entered(time, why);
    }
    fn instance(&mut self, j: usize, key: Option<&str>) {
        self.tallies[j].instance(key);
        self.current_key = match key {
            Some(k) => self.keys.index(k),
            None => super::keys::NONE,
        };
    }
}

/// What a rule makes happen in the world, by name.
#[derive(Clone, Debug)]
enum WItem {
    Event(Arc<str>),
    Engage(Engagement, Arc<str>),
}

#[derive(Clone, Debug)]
struct WRule {
    item: WItem,
    ppm: u32,
    min_secs: i64,
    span: u64,
    /// Per journey: the rule's `where` compiled against it (`None` when it has none, or when it
    /// does not compile there; see `holds`).
    condition: Vec<Option<CExpr>>,
    has_condition: bool,
    site: u32,
    fields: FieldDraws,
}

#[derive(Clone, Copy, Debug)]
struct Pending {
    time: Instant,
    seq: u32,
    rule: u32,
    nth: u32,
    /// The key of the instance the event follows (see [`super::keys`]).
    key: u32,
}

/// One worker: the world of the current customer, reused from one customer to the next.
pub struct WorldWorker<'c> {
    cast: &'c Cast<'c>,
    world: World,
    counts: Counts<'c>,
    rng: Stream,
    /// Per population line: the draw, and the attribute's slot in each journey.
    population: Vec<(CDraw, Vec<Option<usize>>)>,
    arrival: Arc<str>,
    arrival_fields: FieldDraws,
    arrival_journey: usize,
    rules: Vec<WRule>,
    /// Rules without `after`, by index.
    base: Vec<u32>,
    /// Per journey, per touchpoint: the rules drawn each time it is sent.
    responses: Vec<Vec<Vec<u32>>>,
    /// Whether some rule produces the trigger of some journey (customers may enter later).
    retriggers: bool,
    produced: Vec<u32>,
    queue: Vec<Pending>,
    seq: u32,
    ids: IdHasher,
    fields: Vec<(Arc<str>, Val)>,
    just: Vec<(usize, Instant, usize, u32)>,
}

impl<'c> WorldWorker<'c> {
    pub fn new(cast: &'c Cast<'c>, sim: &Simulation, seed: u64) -> Result<Self, SimError> {
        let programs = cast.programs;
        let arrival_journey = cast
            .journey(&sim.journey)
            .ok_or_else(|| SimError::Model(format!("no journey named `{}`", sim.journey)))?;
        let arrival_program = &programs[arrival_journey];
        let arrival: Arc<str> = Arc::from(
            arrival_program
                .event_names
                .get(arrival_program.trigger.0)
                .map(String::as_str)
                .unwrap_or(""),
        );
        let population = sim
            .population
            .iter()
            .map(|d| {
                (
                    super::model::draw(&d.kind),
                    programs.iter().map(|p| p.attr(&d.attribute)).collect(),
                )
            })
            .collect();
        let mut rules = Vec::with_capacity(sim.behavior.len());
        let mut base = Vec::new();
        let mut responses: Vec<Vec<Vec<u32>>> = programs
            .iter()
            .map(|p| vec![Vec::new(); p.touchpoints.len()])
            .collect();
        // A scheduled trigger enters customers again and again, with no event.
        let mut retriggers = programs.iter().any(|p| p.ir.trigger.schedule.is_some());
        for (at, r) in sim.behavior.iter().enumerate() {
            let index = u32::try_from(at).unwrap_or(u32::MAX);
            let item = match &r.subject {
                Subject::Event(e) => {
                    retriggers |= programs.iter().any(|p| p.event(e) == Some(p.trigger.0));
                    WItem::Event(Arc::from(e.as_str()))
                }
                Subject::Engage { kind, touchpoint } => {
                    WItem::Engage(*kind, Arc::from(touchpoint.as_str()))
                }
            };
            let condition = programs
                .iter()
                .map(|p| r.condition.as_ref().and_then(|c| p.compile_expr(c).ok()))
                .collect();
            rules.push(WRule {
                item,
                ppm: r.ppm,
                min_secs: r.min_secs.min(MAX_DELAY) as i64,
                span: r.max_secs.saturating_sub(r.min_secs).min(MAX_DELAY),
                condition,
                has_condition: r.condition.is_some(),
                site: u32::try_from(at + 1).unwrap_or(u32::MAX),
                fields: match &r.subject {
                    Subject::Event(_) => super::model::field_draws(&r.fields),
                    Subject::Engage { .. } => Vec::new(),
                },
            });
            match &r.after {
                None => base.push(index),
                Some(t) => {
                    for (j, p) in programs.iter().enumerate() {
                        if let Some(tp) = p.touchpoint(t) {
                            responses[j][tp].push(index);
                        }
                    }
                }
            }
        }
        let channels = cast.channel_names.len();
        Ok(WorldWorker {
            cast,
            world: World::new(cast, ""),
            counts: Counts {
                cast,
                tallies: programs.iter().map(Tally::new).collect(),
                crowd: Crowd::new(programs.len(), channels),
                messages: vec![0; channels],
                keys: super::keys::Keys::new(programs),
                current_key: super::keys::NONE,
                just_keys: vec![Vec::new(); programs.len()],
            },
            rng: Stream::new(seed),
            population,
            arrival,
            arrival_fields: super::model::field_draws(&sim.trigger),
            arrival_journey,
            produced: vec![0; rules.len() + 1],
            rules,
            base,
            responses,
            retriggers,
            queue: Vec::with_capacity(64),
            seq: 0,
            ids: IdHasher::default(),
            fields: Vec::new(),
            just: Vec::new(),
        })
    }

    pub fn into_aggregate(self) -> WorldAggregate {
        WorldAggregate {
            journeys: self.counts.tallies.into_iter().map(|t| t.agg).collect(),
            crowd: self.counts.crowd,
        }
    }

    /// Whether rule `r`'s `where` holds for the customer, read in journey `j` (a rule whose
    /// condition cannot be read there does not fire).
    fn holds(&self, r: usize, j: usize) -> bool {
        let rule = &self.rules[r];
        if !rule.has_condition {
            return true;
        }
        let Some(c) = rule.condition.get(j).and_then(Option::as_ref) else {
            return false;
        };
        crate::interp::engine::Engine::new(&self.cast.programs[j])
            .eval_without_event(&self.world.instances[j], c)
            .truthy()
    }

    /// Draws rule `r`: whether it fires and its delay (always two numbers), then its condition.
    fn roll(&mut self, r: u32, from: Instant, j: usize, key: u32) {
        let rule = &self.rules[r as usize];
        let fired = super::runner::roll(&mut self.rng, rule.ppm, rule.min_secs, rule.span);
        if let Some(delay) = fired.filter(|_| self.holds(r as usize, j)) {
            let site = self.rules[r as usize].site as usize;
            let nth = self.produced[site];
            self.produced[site] = nth.wrapping_add(1);
            self.queue.push(Pending {
                time: from.saturating_add(delay),
                seq: self.seq,
                rule: r,
                nth,
                key,
            });
            self.seq = self.seq.wrapping_add(1);
        }
    }

    /// Draws the responses to the touchpoints sent during the last world call, journey by
    /// journey in index order.
    fn respond(&mut self) {
        self.just.clear();
        let keyed = self.counts.keys.any();
        for (j, t) in self.counts.tallies.iter_mut().enumerate() {
            if keyed {
                let keys = &mut self.counts.just_keys[j];
                let none = std::iter::repeat(super::keys::NONE);
                self.just.extend(
                    t.just_sent
                        .drain(..)
                        .zip(keys.drain(..).chain(none))
                        .map(|((at, tp), k)| (j, at, tp, k)),
                );
            } else {
                self.just.extend(
                    t.just_sent
                        .drain(..)
                        .map(|(at, tp)| (j, at, tp, super::keys::NONE)),
                );
            }
        }
        let mut i = 0;
        while i < self.just.len() {
            let (j, at, tp, key) = self.just[i];
            i += 1;
            for k in 0..self.responses[j][tp].len() {
                let r = self.responses[j][tp][k];
                self.roll(r, at, j, key);
            }
        }
    }

    fn draw_fields(&mut self, site: u32, nth: u32, draws: &FieldDraws, now: Instant) {
        self.fields.clear();
        if draws.is_empty() {
            return;
        }
        let mut sub = self.rng.sub(site, nth);
        self.fields.extend(
            draws
                .iter()
                .map(|(n, d)| (n.clone(), d.sample_at(&mut sub, now))),
        );
    }

    /// Simulates customer `index` from arrival to the end of the horizon, in every journey.
    pub fn customer(&mut self, index: u64) {
        // Reset in place (no clone of a fresh world): every buffer is reused, so memory stays
        // that of one customer however many are simulated.
        let id = self.ids.hash(index);
        for (c, p) in self.world.instances.iter_mut().zip(self.cast.programs) {
            super::runner::reset_customer(c, p, id);
        }
        self.world.logs.clear();
        self.world.history.clear();
        self.world.keyed.clear();
        self.counts.keys.clear();
        self.queue.clear();
        self.seq = 0;
        self.produced.fill(0);
        self.rng.start(index);
        for t in &mut self.counts.tallies {
            t.begin_customer();
        }
        let t0 = SIM_EPOCH + self.rng.below(ARRIVAL_WINDOW as u64) as i64;
        for (d, slots) in &self.population {
            let v = d.sample_at(&mut self.rng, t0);
            for (c, slot) in self.world.instances.iter_mut().zip(slots) {
                if let Some(s) = slot {
                    c.attrs[*s] = v.clone();
                }
            }
        }
        for (t, c) in self.counts.tallies.iter_mut().zip(&self.world.instances) {
            t.arrived(&c.attrs);
        }
        let draws = std::mem::take(&mut self.arrival_fields);
        self.draw_fields(0, 0, &draws, t0);
        self.arrival_fields = draws;
        let arrival = self.arrival.clone();
        let mut fields = std::mem::take(&mut self.fields);
        let arrival_key = if self.counts.keys.any() {
            self.counts
                .keys
                .attach(&arrival, super::keys::NONE, &mut fields)
        } else {
            super::keys::NONE
        };
        self.world
            .event(self.cast, t0, &arrival, &fields, &mut self.counts);
        self.fields = fields;
        for k in 0..self.base.len() {
            let r = self.base[k];
            self.roll(r, t0, self.arrival_journey, arrival_key);
        }
        self.respond();
        let end = t0.saturating_add(HORIZON);
        loop {
            let busy = self
                .world
                .instances
                .iter()
                .any(|c| c.run.is_some() || c.watch.is_some())
                || self
                    .world
                    .keyed
                    .iter()
                    .any(|k| k.customer.run.is_some() || k.customer.watch.is_some());
            if !busy && !self.retriggers {
                break;
            }
            let due = (0..self.queue.len())
                .min_by_key(|i| (self.queue[*i].time, self.queue[*i].seq))
                .filter(|i| self.queue[*i].time <= end);
            let timer = self.world.deadline().filter(|t| *t <= end);
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
        let mut entered = false;
        for (j, t) in self.counts.tallies.iter_mut().enumerate() {
            entered |= t.outcome().entered();
            t.end_customer(self.world.in_journey(j));
        }
        let crowd = &mut self.counts.crowd;
        for (ch, n) in self.counts.messages.iter_mut().enumerate() {
            let n = std::mem::take(n);
            if n > 0 && entered {
                crowd.per_customer[ch].add(n);
            }
        }
        if entered {
            crowd.entered += 1;
        }
    }

    fn fire(&mut self, t: Instant) {
        self.world.advance(self.cast, t, &mut self.counts);
        self.respond();
    }

    fn deliver(&mut self, p: Pending) {
        let (item, site) = {
            let rule = &self.rules[p.rule as usize];
            (rule.item.clone(), rule.site)
        };
        match item {
            WItem::Event(name) => {
                let draws = std::mem::take(&mut self.rules[p.rule as usize].fields);
                self.draw_fields(site, p.nth, &draws, p.time);
                self.rules[p.rule as usize].fields = draws;
                let mut fields = std::mem::take(&mut self.fields);
                if self.counts.keys.any() {
                    self.counts.keys.attach(&name, p.key, &mut fields);
                }
                self.world
                    .event(self.cast, p.time, &name, &fields, &mut self.counts);
                self.fields = fields;
            }
            WItem::Engage(kind, tp) => {
                self.world
                    .engage(self.cast, p.time, kind, &tp, &mut self.counts)
            }
        }
        self.respond();
    }
}

/// Runs `customers` customers through every journey of `programs` together, on `threads`
/// threads, and merges the counts.
pub fn run(
    journeys: &[crate::ir::Journey],
    sim: &Simulation,
    customers: u64,
    seed: u64,
    threads: usize,
    progress: &AtomicU64,
) -> Result<WorldAggregate, SimError> {
    super::runner::in_chunks(
        customers,
        threads,
        progress,
        |next_chunk| {
            let programs = journeys
                .iter()
                .map(super::compile)
                .collect::<Result<Vec<Program>, _>>()?;
            let cast = Cast::new(&programs);
            let mut w = WorldWorker::new(&cast, sim, seed)?;
            while let Some(chunk) = next_chunk() {
                for i in chunk {
                    w.customer(i);
                }
            }
            Ok(w.into_aggregate())
        },
        |total, agg| {
            for (a, b) in total.journeys.iter_mut().zip(&agg.journeys) {
                a.merge(b);
            }
            total.crowd.merge(&agg.crowd);
        },
    )
}
