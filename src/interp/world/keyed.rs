//! Journeys with `per FIELD`: one instance per key (docs/semantics.md, "One instance per key").
//!
//! The engine still moves one instance through one journey. For a keyed journey the world's
//! instance of the journey (`World::instances[j]`) only holds the customer's profile as that
//! journey sees it; every key the customer entered with has an instance of its own in
//! `World::keyed`, made from that profile when the trigger first arrives with the key. The world
//! routes each event by the value of its key field: to the instance with that key (a trigger
//! with a new key makes one), never to another. An event that does not declare the field (a
//! `converts` event, say: the checker lets no wait, goal or exit take one) goes to every
//! instance of the journey, and an open or a click too (they name no key).
//!
//! Entry rules hold per key: the instance remembers its entries. A finished instance is
//! forgotten as soon as nothing it remembers can change a decision (`entry always` with no
//! window still watched, `entry every D` once `D` has passed), so memory follows the open keys.

use super::{Cast, Tag, World, WorldObserver};
use crate::interp::engine::{Customer, Engine};
use crate::interp::program::{EventPayload, Program};
use crate::interp::time::Instant;
use crate::interp::value::Val;
use crate::ir::{Entry, Type};

/// One instance of a keyed journey (serialized in replay state files).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Keyed {
    /// The journey's index in the world.
    pub journey: u32,
    /// The key, as text (an int in decimal, an enum value by name).
    pub key: String,
    pub customer: Customer,
}

/// The key an event carries for journey `p` keyed by `field`: `None` when the field is missing
/// (or of a kind no key has).
pub fn key_of(p: &Program, field: &str, fields: &[(std::sync::Arc<str>, Val)]) -> Option<String> {
    let v = fields.iter().find(|(n, _)| &**n == field).map(|(_, v)| v)?;
    match v {
        Val::Str(s) => Some(s.to_string()),
        Val::Int(i) => Some(i.to_string()),
        Val::Enum(i) => {
            let ty =
                p.ir.events
                    .get(&p.ir.trigger.event)
                    .and_then(|e| e.fields.get(field));
            match ty {
                Some(Type::Enum { values, .. }) => values.get(*i as usize).cloned(),
                _ => Some(i.to_string()),
            }
        }
        _ => None,
    }
}

/// Whether event `name` declares journey `p`'s key field `field`.
fn declares(p: &Program, name: &str, field: &str) -> bool {
    p.ir.events
        .get(name)
        .is_some_and(|e| e.fields.contains_key(field))
}

/// The split and identity hash of the instance with key `key` of a customer whose id hashes to
/// `id_hash`: FNV-1a continued over the key's bytes and a 0xff, that is the hash of the id and
/// the key one after the other (`stable_hash(&[id, key])`, docs/exports.md, "Splits").
pub fn instance_hash(id_hash: u64, key: &str) -> u64 {
    let mut h = id_hash;
    for b in key.bytes().chain(std::iter::once(0xff)) {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Whether a finished instance can be forgotten at `now`: nothing it remembers can change a
/// later decision.
fn forgettable(p: &Program, c: &Customer, now: Instant) -> bool {
    if c.run.is_some() || c.watch.is_some() {
        return false;
    }
    match p.ir.entry {
        Entry::Once => c.entries == 0,
        Entry::Always => true,
        Entry::Every { period_secs } => {
            let period = i64::try_from(period_secs).unwrap_or(i64::MAX);
            c.last_entry.is_none_or(|last| now - last >= period)
        }
    }
}

impl World {
    /// Runs `f` on keyed instance `k`, as [`World::with`] does on a journey's instance: with
    /// the shared send log and history lent to it and its `exclusive` verdict set. The observer
    /// is told which instance acts before and after.
    fn with_keyed<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        k: usize,
        obs: &mut W,
        f: impl FnOnce(&Engine, &mut Customer, &mut Tag<'_, W>),
    ) {
        let j = self.keyed[k].journey as usize;
        let barred = holder(cast, self, j);
        obs.instance(j, Some(&self.keyed[k].key));
        let c = &mut self.keyed[k].customer;
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
        obs.instance(j, None);
    }

    /// Whether the customer is in journey `j` now: in its instance, or in any instance of a
    /// keyed journey.
    pub fn in_journey(&self, j: usize) -> bool {
        self.instances.get(j).is_some_and(Customer::in_journey)
            || self
                .keyed
                .iter()
                .any(|k| k.journey as usize == j && k.customer.in_journey())
    }

    /// The instances of keyed journey `j` still in the journey: (key, state).
    pub fn open_instances(&self, j: usize) -> impl Iterator<Item = (&str, &Customer)> {
        self.keyed
            .iter()
            .filter(move |k| k.journey as usize == j && k.customer.in_journey())
            .map(|k| (k.key.as_str(), &k.customer))
    }

    /// An event for keyed journey `j` (keyed by `cast.per[j]`): to the instance of its key, a
    /// new one when it is the trigger and no instance has the key; to every instance when the
    /// event has no key field.
    pub(super) fn keyed_event<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        j: usize,
        t: Instant,
        name: &str,
        payload: &EventPayload,
        obs: &mut W,
    ) {
        let Some(field) = cast.per.get(j).and_then(|f| f.as_deref()) else {
            return;
        };
        let p = &cast.programs[j];
        if !declares(p, name, field) {
            for k in 0..self.keyed.len() {
                if self.keyed[k].journey as usize == j {
                    self.with_keyed(cast, k, obs, |e, c, o| e.event(c, t, payload, o));
                }
            }
            self.forget_finished(cast, j, t);
            return;
        }
        let trigger = payload.event.is_some() && payload.event == Some(p.trigger.0);
        let Some(key) = key_of(p, field, &payload.fields) else {
            if trigger && obs.wants_detail() {
                obs.detail(
                    j,
                    t,
                    None,
                    format!(
                        "did not enter: the `{name}` has no `{field}`, the key of journey `{}` (one instance per `{field}`)",
                        p.ir.name
                    ),
                );
            }
            return;
        };
        let k = match self
            .keyed
            .iter()
            .position(|x| x.journey as usize == j && x.key == key)
        {
            Some(k) => k,
            None if trigger => {
                let mut c = self.instances[j].clone();
                c.entries = 0;
                c.last_entry = None;
                c.run = None;
                c.watch = None;
                c.spare = None;
                c.id_hash = instance_hash(c.id_hash, &key);
                self.keyed.push(Keyed {
                    journey: u32::try_from(j).unwrap_or(u32::MAX),
                    key,
                    customer: c,
                });
                self.keyed.len() - 1
            }
            // No instance has this key: the event belongs to no order the customer is in.
            None => return,
        };
        self.with_keyed(cast, k, obs, |e, c, o| e.event(c, t, payload, o));
        self.forget_finished(cast, j, t);
    }

    /// Forgets the finished instances of journey `j` that remember nothing that matters.
    fn forget_finished(&mut self, cast: &Cast, j: usize, now: Instant) {
        let p = &cast.programs[j];
        self.keyed
            .retain(|k| k.journey as usize != j || !forgettable(p, &k.customer, now));
    }

    /// An open or click for keyed journey `j`: every instance of it (an engagement names no
    /// key; each instance records it only if it sent the touchpoint in its current entry).
    pub(super) fn keyed_engage<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        j: usize,
        t: Instant,
        kind: crate::ir::Engagement,
        tp: usize,
        obs: &mut W,
    ) {
        for k in 0..self.keyed.len() {
            if self.keyed[k].journey as usize == j {
                self.with_keyed(cast, k, obs, |e, c, o| e.engage(c, t, kind, tp, o));
            }
        }
    }

    /// Fires the keyed instance's timer at `t` (see [`super::agenda`]).
    pub(super) fn keyed_fire<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        k: usize,
        t: Instant,
        obs: &mut W,
    ) {
        let j = self.keyed[k].journey as usize;
        self.with_keyed(cast, k, obs, |e, c, o| e.advance(c, t, o));
        self.forget_finished(cast, j, t);
    }
}

/// The journey of `j`'s exclusive group the customer is in now, other than `j`. Instances of
/// one journey never exclude each other.
pub(super) fn holder(cast: &Cast, world: &World, j: usize) -> Option<u32> {
    let g = cast.group.get(j).copied().flatten()?;
    cast.order
        .iter()
        .copied()
        .find(|&k| k != j && cast.group[k] == Some(g) && world.in_journey(k))
        .and_then(|k| u32::try_from(k).ok())
}
