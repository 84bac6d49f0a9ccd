//! The reorder window: calls are held until the log has moved `window` past them, then run in
//! time order, so a log a few seconds out of order (an export sorted by `receivedAt`, batches
//! from phones that flush every 30 seconds) replays as if it were sorted. Only a call more than
//! `window` earlier than the latest call before it is out of order.

use super::segment::Parsed;
use super::{bad, BadLine};
use crate::interp::time::{format_rfc3339, Instant};
use crate::units::duration;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

/// The default window, in seconds: one minute. Segment's mobile libraries send what they
/// queued every 30 seconds, so a log in arrival order has calls up to about that late; the
/// window holds only that minute of calls in memory, and on a log in time order it changes
/// nothing (calls at the same second keep the log's order).
pub const DEFAULT_WINDOW: i64 = 60;

/// A held call; carried in replay state files (see [`super::state`]).
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Held {
    pub time: Instant,
    /// The order calls were read in: calls at one instant keep it.
    pub seq: u64,
    pub line: usize,
    pub call: Parsed,
}

impl PartialEq for Held {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl Eq for Held {}
impl PartialOrd for Held {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Held {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

pub(super) struct Reorder {
    window: i64,
    held: BinaryHeap<Reverse<Held>>,
    /// The latest time read so far, and its line (0: a line of an earlier run, see
    /// [`super::state`]).
    pub latest: Option<(Instant, usize)>,
    pub seq: u64,
    /// Where an earlier run (`--state`) ended: no call may come before it.
    pub floor: Option<Instant>,
    /// Calls that came before a call they follow in time, and the most one came late by.
    pub sorted: usize,
    pub most_late: i64,
}

impl Reorder {
    pub fn new(window: i64) -> Self {
        Reorder {
            window,
            held: BinaryHeap::new(),
            latest: None,
            seq: 0,
            floor: None,
            sorted: 0,
            most_late: 0,
        }
    }

    /// The latest time of a call read so far.
    pub fn latest(&self) -> Option<Instant> {
        self.latest.map(|l| l.0)
    }

    /// Takes a call, or refuses it when it is more than the window earlier than the latest.
    pub fn push(&mut self, line: usize, call: Parsed) -> Result<(), BadLine> {
        let time = call.time;
        if let Some(floor) = self.floor.filter(|f| time < *f) {
            return Err(bad(
                line,
                format!(
                    "timestamp {} is before {}, where the previous run saved in the state ended: that run replayed its timers and calls up to then; give each run only the calls from where the last one ended (its `--until`)",
                    format_rfc3339(time),
                    format_rfc3339(floor),
                ),
            ));
        }
        if let Some((latest, latest_line)) = self.latest {
            if time < latest {
                let late = latest - time;
                if late > self.window {
                    return Err(bad(
                        line,
                        format!(
                            "timestamp {} is earlier than {} {}, by {}: more than the reorder window ({}); the log must be in time order within it (`--reorder-window` widens it)",
                            format_rfc3339(time),
                            format_rfc3339(latest),
                            if latest_line == 0 {
                                "of the previous run (in the state)".to_string()
                            } else {
                                format!("on line {latest_line}")
                            },
                            duration(late.unsigned_abs()),
                            duration(self.window.unsigned_abs()),
                        ),
                    ));
                }
                self.sorted += 1;
                self.most_late = self.most_late.max(late);
            }
        }
        if self.latest.is_none_or(|(t, _)| time > t) {
            self.latest = Some((time, line));
        }
        self.seq += 1;
        self.held.push(Reverse(Held {
            time,
            seq: self.seq,
            line,
            call,
        }));
        Ok(())
    }

    /// The next call no later call can come before: at least the window behind the latest
    /// (all of them when `all`, at the end of the log).
    pub fn pop(&mut self, all: bool) -> Option<(usize, Parsed)> {
        let Reverse(next) = self.held.peek()?;
        let latest = self.latest.map_or(next.time, |l| l.0);
        if !all && next.time > latest - self.window {
            return None;
        }
        self.held.pop().map(|Reverse(h)| (h.line, h.call))
    }

    /// The next held call earlier than `bound`, if any.
    pub fn pop_before(&mut self, bound: Instant) -> Option<(usize, Parsed)> {
        let Reverse(next) = self.held.peek()?;
        if next.time >= bound {
            return None;
        }
        self.held.pop().map(|Reverse(h)| (h.line, h.call))
    }

    /// The earliest time a call read later may have: the window before the latest (or the
    /// floor, if later).
    pub fn earliest_next(&self) -> Option<Instant> {
        let by_window = self.latest.map(|l| l.0.saturating_sub(self.window));
        by_window.max(self.floor)
    }

    /// The held calls in the order they will run.
    pub fn held(&self) -> Vec<&Held> {
        let mut v: Vec<&Held> = self.held.iter().map(|r| &r.0).collect();
        v.sort();
        v
    }

    pub fn hold(&mut self, h: Held) {
        self.held.push(Reverse(h));
    }
}
