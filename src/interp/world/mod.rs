//! One customer, every journey: the journeys of a project run together for each customer.
//!
//! A [`Cast`] is the project's journeys compiled once, in arbitration order; a [`World`] is one
//! customer's state in all of them: an instance per journey, and one send log per channel shared
//! by every journey, so that a channel's `cap` counts the sends of all of them. The engine
//! (`interp::engine`) still moves one instance through one journey; the world decides the order
//! in which instances act ([`agenda`]) and lends each instance the shared log and the
//! `exclusive` verdict before it acts ([`gate`]).
//!
//! Order (`docs/semantics.md`, "One world"): everything happens in time order; at one instant,
//! events are handled before timers; among journeys at one instant, the higher `priority` acts
//! first, then the journey whose name sorts first.

pub mod agenda;
pub mod gate;
pub mod history;
pub mod keyed;
pub mod scenario;
pub mod schedule;
pub mod standing;
pub mod when;

use super::engine::{Action, Customer, Engine, NotEntered, Observer};
use super::program::{EventPayload, Program};
use super::time::Instant;
use super::value::Val;
use crate::ir::Engagement;
use std::sync::Arc;

/// The journeys of a project, compiled, with what the world needs to arbitrate between them.
pub struct Cast<'p> {
    pub programs: &'p [Program],
    /// Journey indices in arbitration order: higher `priority` first, then by name.
    pub order: Vec<usize>,
    /// Each journey's place in `order`.
    pub rank: Vec<usize>,
    /// Per journey, per channel of its program: the world's channel index.
    channel_map: Vec<Vec<usize>>,
    /// How many distinct channels the journeys use.
    channels: usize,
    /// The world's channels by name, in world index order.
    pub channel_names: Vec<String>,
    /// Per journey: its `exclusive` group (an index), if any.
    group: Vec<Option<usize>>,
    /// The history every journey's conditions read, merged: one slot per touchpoint or event
    /// read, with the longest window any journey reads it with.
    history: history::Layout,
    /// Per journey, per history read of its program: the world's slot.
    history_reads: Vec<Vec<usize>>,
    /// Per journey, per touchpoint of its program: the world's slot its sends go to, if read.
    history_sends: Vec<Vec<Option<usize>>>,
    /// Per journey: its `per FIELD`, if keyed (see [`keyed`]).
    pub per: Vec<Option<String>>,
    /// The journeys with `trigger when COND`, in arbitration order (see [`when`]).
    when: Vec<usize>,
}

impl<'p> Cast<'p> {
    pub fn new(programs: &'p [Program]) -> Self {
        let mut order: Vec<usize> = (0..programs.len()).collect();
        order.sort_by(|a, b| {
            let (pa, pb) = (&programs[*a], &programs[*b]);
            pb.ir
                .priority
                .cmp(&pa.ir.priority)
                .then_with(|| pa.ir.name.cmp(&pb.ir.name))
        });
        let mut rank = vec![0; programs.len()];
        for (r, j) in order.iter().enumerate() {
            rank[*j] = r;
        }
        let mut names: Vec<&str> = Vec::new();
        let channel_map = programs
            .iter()
            .map(|p| {
                p.channel_names
                    .iter()
                    .map(|c| match names.iter().position(|n| n == c) {
                        Some(i) => i,
                        None => {
                            names.push(c);
                            names.len() - 1
                        }
                    })
                    .collect()
            })
            .collect();
        let mut groups: Vec<&str> = Vec::new();
        let group = programs
            .iter()
            .map(|p| {
                let g = p.ir.exclusive.as_deref()?;
                Some(match groups.iter().position(|x| *x == g) {
                    Some(i) => i,
                    None => {
                        groups.push(g);
                        groups.len() - 1
                    }
                })
            })
            .collect();
        let mut layout = history::Layout::default();
        let history_reads = programs
            .iter()
            .map(|p| {
                p.history
                    .keys
                    .iter()
                    .zip(&p.history.windows)
                    .map(|(k, w)| layout.add(k, *w))
                    .collect()
            })
            .collect();
        let history_sends = programs
            .iter()
            .map(|p| {
                p.touchpoint_names
                    .iter()
                    .map(|t| layout.slot(&history::Key::Sent(t.clone())))
                    .collect()
            })
            .collect();
        Cast {
            programs,
            order: order.clone(),
            rank,
            channel_map,
            channels: names.len(),
            channel_names: names.iter().map(|n| n.to_string()).collect(),
            group,
            history: layout,
            history_reads,
            history_sends,
            per: programs.iter().map(|p| p.ir.per.clone()).collect(),
            when: order
                .iter()
                .copied()
                .filter(|j| programs[*j].ir.trigger.when)
                .collect(),
        }
    }

    /// The world's index of channel `ch` of journey `j`'s program.
    pub fn world_channel(&self, j: usize, ch: usize) -> usize {
        self.channel_map
            .get(j)
            .and_then(|m| m.get(ch))
            .copied()
            .unwrap_or(0)
    }

    /// The index of the journey named `name`.
    pub fn journey(&self, name: &str) -> Option<usize> {
        self.programs.iter().position(|p| p.ir.name == name)
    }
}

/// Receives what every journey of a world does, tagged with the journey's index.
pub trait WorldObserver {
    fn action(&mut self, journey: usize, time: Instant, node: Option<usize>, action: &Action);
    /// The customer arrived at `node` of `journey` (see [`Observer::visit`]).
    fn visit(&mut self, _journey: usize, _node: usize) {}
    fn not_entered(&mut self, _journey: usize, _time: Instant, _why: NotEntered) {}
    fn wants_detail(&self) -> bool {
        false
    }
    fn detail(&mut self, _journey: usize, _time: Instant, _node: Option<usize>, _text: String) {}
    fn ignored(&mut self, _journey: usize, _time: Instant, _action: &Action) {}
    /// An instance of keyed journey `journey` (`per FIELD`) is about to act (`Some(key)`), or
    /// has acted (`None`): what is reported in between is that instance's.
    fn instance(&mut self, _journey: usize, _key: Option<&str>) {}
    /// See [`Observer::wants_data`].
    fn wants_data(&self) -> bool {
        false
    }
}

/// A world observer seen by the engine of one journey.
struct Tag<'a, W: ?Sized> {
    journey: usize,
    inner: &'a mut W,
}

impl<W: WorldObserver + ?Sized> Observer for Tag<'_, W> {
    fn action(&mut self, time: Instant, node: Option<usize>, action: &Action) {
        self.inner.action(self.journey, time, node, action);
    }
    fn visit(&mut self, node: usize) {
        self.inner.visit(self.journey, node);
    }
    fn not_entered(&mut self, time: Instant, why: NotEntered) {
        self.inner.not_entered(self.journey, time, why);
    }
    fn wants_detail(&self) -> bool {
        self.inner.wants_detail()
    }
    fn detail(&mut self, time: Instant, node: Option<usize>, text: String) {
        self.inner.detail(self.journey, time, node, text);
    }
    fn ignored(&mut self, time: Instant, action: &Action) {
        self.inner.ignored(self.journey, time, action);
    }
    fn wants_data(&self) -> bool {
        self.inner.wants_data()
    }
}

/// One customer in every journey of the cast (serialized in replay state files).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct World {
    /// The customer's instance of each journey, by journey index.
    pub instances: Vec<Customer>,
    /// The sends of every journey, by world channel (see [`gate`]).
    pub(crate) logs: gate::SendLogs,
    /// What the journeys' history conditions read, shared by all of them (see [`history`]).
    pub(crate) history: history::Store,
    /// The instances of keyed journeys (`per FIELD`), one per key, in the order they were made
    /// (see [`keyed`]). Absent from a state file without any.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub keyed: Vec<keyed::Keyed>,
}

impl World {
    pub fn new(cast: &Cast, id: &str) -> World {
        let instances = cast
            .programs
            .iter()
            .enumerate()
            .map(|(j, p)| {
                let mut c = Customer::new(p, id);
                c.journey = u32::try_from(j).unwrap_or(u32::MAX);
                // The world's store is lent for each call; the maps lead to its slots.
                c.recall = history::Recall {
                    store: history::Store::default(),
                    reads: cast.history_reads[j].clone(),
                    sends: cast.history_sends[j].clone(),
                    events: Vec::new(),
                };
                c
            })
            .collect();
        World {
            instances,
            logs: gate::SendLogs::new(cast.channels),
            history: history::Store::new(cast.history.windows.clone()),
            keyed: Vec::new(),
        }
    }

    /// Runs `f` on journey `j`'s instance, with the shared send log lent to it and its
    /// `exclusive` verdict set.
    fn with<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        j: usize,
        obs: &mut W,
        f: impl FnOnce(&Engine, &mut Customer, &mut Tag<'_, W>),
    ) {
        let barred = keyed::holder(cast, self, j);
        let c = &mut self.instances[j];
        c.barred = barred;
        self.logs.lend(&cast.channel_map[j], &mut c.channel_log);
        std::mem::swap(&mut self.history, &mut c.recall.store);
        let engine = Engine::new(&cast.programs[j]);
        let mut tag = Tag {
            journey: j,
            inner: obs,
        };
        f(&engine, c, &mut tag);
        std::mem::swap(&mut self.history, &mut c.recall.store);
        self.logs.lend(&cast.channel_map[j], &mut c.channel_log);
        c.barred = None;
    }

    /// When the world's next timer fires, if any (a scheduled trigger's firing counts).
    pub fn deadline(&self) -> Option<Instant> {
        let own = self
            .instances
            .iter()
            .filter_map(|c| match (c.deadline(), c.next_fire) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            })
            .min();
        let keyed = self
            .keyed
            .iter()
            .filter_map(|k| k.customer.deadline())
            .min();
        match (own, keyed) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    pub fn in_flight(&self) -> bool {
        self.instances.iter().any(Customer::in_journey)
            || self.keyed.iter().any(|k| k.customer.in_journey())
    }

    /// Fires every timer due at or before `until`, across journeys, in agenda order.
    pub fn advance<W: WorldObserver + ?Sized>(&mut self, cast: &Cast, until: Instant, obs: &mut W) {
        loop {
            match schedule::next(cast, self) {
                Some((t, _)) if t > until => break,
                Some((t, schedule::Next::Timer(agenda::Whose::Journey(j)))) => {
                    self.with(cast, j, obs, |e, c, o| e.advance(c, t, o))
                }
                Some((t, schedule::Next::Timer(agenda::Whose::Keyed(k)))) => {
                    self.keyed_fire(cast, k, t, obs)
                }
                Some((t, schedule::Next::Firing(j))) => self.fire(cast, j, t, obs),
                None => break,
            }
        }
        self.history.prune(until);
    }

    /// An event at `t`: timers due before it fire first, then every journey that knows the
    /// event handles it, in arbitration order.
    pub fn event<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        t: Instant,
        name: &str,
        fields: &[(Arc<str>, Val)],
        obs: &mut W,
    ) {
        self.advance(cast, t - 1, obs);
        self.know(cast, t);
        // Recorded once, before any journey handles it: a condition decided at its arrival
        // sees it (`count(order_placed within 30d)` in `order_placed`'s trigger counts it).
        if let Some(slot) = cast.history.event_slot(name) {
            self.history.record(slot, t);
        }
        for r in 0..cast.order.len() {
            let j = cast.order[r];
            let Some(event) = cast.programs[j].event(name) else {
                continue;
            };
            let payload = EventPayload {
                event: Some(event),
                fields: fields.to_vec(),
            };
            if cast.per[j].is_some() {
                self.keyed_event(cast, j, t, name, &payload, obs);
                continue;
            }
            self.with(cast, j, obs, |e, c, o| e.event(c, t, &payload, o));
        }
        // A customer met for the first time: the `trigger when` conditions are decided.
        self.decide_when(cast, t, true, obs);
    }

    /// An open or click at `t` of touchpoint `touchpoint`, in every journey that has it.
    pub fn engage<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        t: Instant,
        kind: Engagement,
        touchpoint: &str,
        obs: &mut W,
    ) {
        self.advance(cast, t - 1, obs);
        self.know(cast, t);
        for r in 0..cast.order.len() {
            let j = cast.order[r];
            if let Some(tp) = cast.programs[j].touchpoint(touchpoint) {
                if cast.per[j].is_some() {
                    self.keyed_engage(cast, j, t, kind, tp, obs);
                    continue;
                }
                self.with(cast, j, obs, |e, c, o| e.engage(c, t, kind, tp, o));
            }
        }
        self.decide_when(cast, t, true, obs);
    }

    /// Profile attributes by name (an identify call at `t`), for every journey.
    pub fn identify<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        t: Instant,
        traits: &[(String, Val)],
        obs: &mut W,
    ) {
        self.advance(cast, t - 1, obs);
        self.know(cast, t);
        for (j, c) in self.instances.iter_mut().enumerate() {
            let p = &cast.programs[j];
            let slots: Vec<(usize, Val)> = traits
                .iter()
                .filter_map(|(n, v)| Some((p.attr(n)?, v.clone())))
                .collect();
            Engine::new(p).identify(c, &slots);
            Engine::new(p).retime(c, t);
            for k in self.keyed.iter_mut().filter(|k| k.journey as usize == j) {
                Engine::new(p).identify(&mut k.customer, &slots);
                Engine::new(p).retime(&mut k.customer, t);
            }
        }
        // The customer's zone may have changed: local clock times move with it.
        self.rezone(cast, t);
        // The attributes changed: a `trigger when` condition may have become true.
        self.decide_when(cast, t, false, obs);
    }

    /// How many sends and arrivals the world remembers for history conditions, over every
    /// slot: bounded by what the conditions read, within their windows.
    pub fn remembered(&self) -> usize {
        self.history.len()
    }

    /// Makes a world read from a saved state whole again: the history's windows and each
    /// instance's view of it come from the journeys, never from the file.
    pub(crate) fn reattach(&mut self, cast: &Cast) -> Result<(), String> {
        if !self.history.adopt_windows(&cast.history.windows) {
            return Err("a customer's history does not fit the journeys".to_string());
        }
        for (j, c) in self.instances.iter_mut().enumerate() {
            c.recall = history::Recall {
                store: history::Store::default(),
                reads: cast.history_reads[j].clone(),
                sends: cast.history_sends[j].clone(),
                events: Vec::new(),
            };
        }
        for k in &mut self.keyed {
            let j = k.journey as usize;
            if cast.per.get(j).is_none_or(Option::is_none) {
                return Err("a customer's instances do not fit the journeys".to_string());
            }
            k.customer.recall = history::Recall {
                store: history::Store::default(),
                reads: cast.history_reads[j].clone(),
                sends: cast.history_sends[j].clone(),
                events: Vec::new(),
            };
        }
        Ok(())
    }
}

/// An action of journey `j` in words, naming, for a send suppressed by a cap, the earlier send
/// that filled the cap and the journey that made it.
pub fn describe(programs: &[Program], j: usize, node: Option<usize>, action: &Action) -> String {
    let p = &programs[j];
    if let Action::Suppressed {
        touchpoint,
        reason: super::engine::Suppression::Cap,
        earlier: Some(e),
    } = action
    {
        let ch = &p.channels[p.touchpoints[*touchpoint].channel];
        let caps: Vec<String> = ch
            .caps
            .iter()
            .map(|(n, per)| format!("cap {n} per {}", super::time::format_duration(*per)))
            .collect();
        let by = programs.get(e.journey as usize);
        let name = by
            .and_then(|b| b.touchpoint_names.get(e.touchpoint as usize))
            .map(String::as_str)
            .unwrap_or("?");
        let journey = by.map(|b| b.ir.name.as_str()).unwrap_or("?");
        let channel = p
            .channel_names
            .get(p.touchpoints[*touchpoint].channel)
            .map(String::as_str)
            .unwrap_or("?");
        return format!(
            "suppressed {} ({channel}): the channel's {} was reached by `{name}` of journey `{journey}` sent at {}",
            p.touchpoint_names.get(*touchpoint).map(String::as_str).unwrap_or("?"),
            caps.join(", "),
            super::time::format_rfc3339(e.at)
        );
    }
    super::describe::describe(p, node, action)
}
