//! Scheduled triggers in a customer's world (docs/semantics.md, "Scheduled triggers"). Each
//! instance of a journey with `trigger every DAY HH:MM` keeps its next firing time
//! (`Customer::next_fire`), set when the customer becomes known to the tool (a test customer at
//! the test's start, a replayed customer at their first call) and moved on after each firing.
//! Firings take their place on the world's agenda as timers: at one instant, after the events of
//! that instant and after the timers of its journeys, in arbitration order.

use super::{Cast, World, WorldObserver};
use crate::interp::clock;
use crate::interp::time::Instant;

/// What comes next on a customer's agenda: a timer of an instance, or a journey's scheduled
/// trigger firing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    Timer(super::agenda::Whose),
    Firing(usize),
}

/// The next thing on the agenda and its time. A timer goes before a firing of the same instant
/// (a customer whose wait ends then may complete and be entered again by the firing).
pub fn next(cast: &Cast, world: &World) -> Option<(Instant, Next)> {
    let timer = super::agenda::next_any(cast, world).map(|(t, w)| (t, Next::Timer(w)));
    let firing = world
        .instances
        .iter()
        .enumerate()
        .filter_map(|(j, c)| Some((c.next_fire?, cast.rank[j], j)))
        .min()
        .map(|(t, _, j)| (t, Next::Firing(j)));
    match (timer, firing) {
        (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
        (a, b) => a.or(b),
    }
}

impl World {
    /// Makes the customer known to the scheduled triggers from `t` on: the first firing is at
    /// `t` or later (one at `t` comes after the events of `t`). Once known, always known.
    pub(super) fn know(&mut self, cast: &Cast, t: Instant) {
        for (j, c) in self.instances.iter_mut().enumerate() {
            if c.next_fire.is_none() {
                c.next_fire = clock::next_firing(&cast.programs[j], c, t.saturating_sub(1));
            }
        }
    }

    /// After an identify at `t`: every local clock time of the customer is computed again in
    /// their zone as it now is, at `t` or later (docs/semantics.md, "Clock waits"): a clock wait's
    /// deadline and a local schedule's next firing. With the zone unchanged, each comes out as
    /// it was (nothing matched between its start and `t`).
    pub(super) fn rezone(&mut self, cast: &Cast, t: Instant) {
        for (j, c) in self.instances.iter_mut().enumerate() {
            let p = &cast.programs[j];
            if let Some(crate::interp::engine::Park::Clock { node, until }) =
                c.run.as_ref().map(|r| r.park.clone())
            {
                if clock::is_local(p, node) {
                    let again = clock::deadline(p, c, node, t.saturating_sub(1)).unwrap_or(until);
                    if let Some(run) = c.run.as_mut() {
                        run.park = crate::interp::engine::Park::Clock { node, until: again };
                    }
                }
            }
            if c.next_fire.is_some() && p.ir.trigger.schedule.is_some_and(|s| s.local) {
                c.next_fire = clock::next_firing(p, c, t.saturating_sub(1));
            }
        }
    }

    /// Fires journey `j`'s scheduled trigger at `t`, and files its next firing.
    pub(super) fn fire<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        j: usize,
        t: Instant,
        obs: &mut W,
    ) {
        self.with(cast, j, obs, |e, c, o| {
            e.fire_schedule(c, t, o);
            c.next_fire = clock::next_firing(e.program, c, t);
        });
    }
}
