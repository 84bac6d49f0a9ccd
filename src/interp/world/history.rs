//! History across entries and journeys: what `sent(T) within D`, `happened(E) within D` and
//! `count(E within D)` read (docs/semantics.md, "History").
//!
//! The world owns one [`Store`]: per *slot* (a touchpoint's sends or an event's arrivals that
//! some condition of the project reads), the times, oldest first, within the longest window any
//! condition reads it with. Nothing else is remembered, so memory follows what the project
//! reads, not what the customer did. Before an instance acts, the world lends it the store (a
//! swap, as for the send logs of caps, see [`super::gate`]); the instance's [`Recall`] maps its
//! own conditions and touchpoints to the store's slots. A journey run alone (no world) keeps a
//! store of its own with the same layout, mapped one to one.

use crate::interp::time::Instant;
use std::collections::VecDeque;

/// What a slot remembers: the sends of a touchpoint, or the arrivals of an event.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Key {
    Sent(String),
    Event(String),
}

/// The times of what some condition reads, each slot within its longest window. A saved state
/// (`run --state`) holds the times; the windows come from the journeys when it is loaded.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct Store {
    times: Vec<VecDeque<Instant>>,
    /// Per slot: the longest window a condition reads it with (seconds).
    #[serde(skip)]
    windows: Vec<i64>,
}

impl Store {
    pub fn new(windows: Vec<i64>) -> Self {
        Store {
            times: vec![VecDeque::new(); windows.len()],
            windows,
        }
    }

    /// Records one send or arrival at `t` (times arrive in order), forgetting what fell out of
    /// the slot's window.
    pub fn record(&mut self, slot: usize, t: Instant) {
        let (Some(times), Some(window)) = (self.times.get_mut(slot), self.windows.get(slot)) else {
            return;
        };
        prune(times, *window, t);
        times.push_back(t);
    }

    /// How many were recorded in the last `window` before `now`: a moment exactly `window` ago
    /// counts (as in a goal's `within`).
    pub fn count(&self, slot: usize, now: Instant, window: i64) -> usize {
        self.times.get(slot).map_or(0, |times| {
            times
                .iter()
                .rev()
                .skip_while(|at| **at > now)
                .take_while(|at| now - **at <= window)
                .count()
        })
    }

    /// Forgets what is older than each slot's window at `now`.
    pub fn prune(&mut self, now: Instant) {
        for (times, window) in self.times.iter_mut().zip(&self.windows) {
            prune(times, *window, now);
        }
    }

    /// Takes the windows of the journeys a loaded state is for; `false` when the state holds
    /// another number of slots (it was written for other journeys).
    pub fn adopt_windows(&mut self, windows: &[i64]) -> bool {
        if self.times.len() != windows.len() {
            return false;
        }
        self.windows = windows.to_vec();
        true
    }

    /// Forgets everything, keeping the buffers (a simulation's next customer).
    pub fn clear(&mut self) {
        self.times.iter_mut().for_each(VecDeque::clear);
    }

    pub fn is_empty(&self) -> bool {
        self.times.iter().all(VecDeque::is_empty)
    }

    /// How many times are held, over every slot (for tests of pruning).
    pub fn len(&self) -> usize {
        self.times.iter().map(VecDeque::len).sum()
    }
}

fn prune(times: &mut VecDeque<Instant>, window: i64, now: Instant) {
    while times.front().is_some_and(|at| now - *at > window) {
        times.pop_front();
    }
}

/// An instance's view of the history: the store (its own, or the world's while lent) and how
/// its program's slots and touchpoints map to the store's slots.
#[derive(Clone, Debug, Default)]
pub struct Recall {
    pub store: Store,
    /// Per history read of the program (`CExpr::History`'s slot): the store's slot.
    pub reads: Vec<usize>,
    /// Per touchpoint of the program: the store's slot its sends are recorded in, if any
    /// condition of the project reads them.
    pub sends: Vec<Option<usize>>,
    /// Per event of the program: the store's slot its arrivals are recorded in. Empty in a
    /// world, which records arrivals itself, once for every journey.
    pub events: Vec<Option<usize>>,
}

impl Recall {
    /// How many of read `slot` (the program's) within `window` before `now`.
    pub fn count(&self, slot: usize, now: Instant, window: i64) -> usize {
        self.reads
            .get(slot)
            .map_or(0, |s| self.store.count(*s, now, window))
    }

    /// Records a send of the program's touchpoint `tp`, if some condition reads it.
    pub fn sent(&mut self, tp: usize, t: Instant) {
        if let Some(Some(slot)) = self.sends.get(tp) {
            self.store.record(*slot, t);
        }
    }

    /// Records an arrival of the program's event `event`, if some condition reads it (a
    /// journey run alone; a world records arrivals itself).
    pub fn arrived(&mut self, event: usize, t: Instant) {
        if let Some(Some(slot)) = self.events.get(event) {
            self.store.record(*slot, t);
        }
    }
}

/// The slots of several journeys' reads, merged by key: each slot with the longest window
/// any of them reads it with.
#[derive(Clone, Debug, Default)]
pub struct Layout {
    pub keys: Vec<Key>,
    pub windows: Vec<i64>,
}

impl Layout {
    /// Adds a read of `key` with `window`; returns its slot.
    pub fn add(&mut self, key: &Key, window: i64) -> usize {
        match self.keys.iter().position(|k| k == key) {
            Some(i) => {
                self.windows[i] = self.windows[i].max(window);
                i
            }
            None => {
                self.keys.push(key.clone());
                self.windows.push(window);
                self.keys.len() - 1
            }
        }
    }

    pub fn slot(&self, key: &Key) -> Option<usize> {
        self.keys.iter().position(|k| k == key)
    }

    /// The slot of event `name`'s arrivals, without building a key (an event's hot path).
    pub fn event_slot(&self, name: &str) -> Option<usize> {
        self.keys
            .iter()
            .position(|k| matches!(k, Key::Event(e) if e == name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_includes_its_far_end_and_pruning_keeps_what_is_read() {
        let mut s = Store::new(vec![10]);
        s.record(0, 0);
        s.record(0, 5);
        assert_eq!(s.count(0, 10, 10), 2, "exactly 10s ago is within 10s");
        assert_eq!(s.count(0, 11, 10), 1);
        s.record(0, 20);
        assert_eq!(s.len(), 1, "times older than the window are forgotten");
        assert_eq!(s.count(0, 20, 10), 1);
        s.prune(31);
        assert!(s.is_empty());
    }
}
