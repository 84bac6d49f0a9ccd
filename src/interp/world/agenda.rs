//! The world's agenda: which instance acts next. One order for every tool: by time; at one
//! instant, by arbitration rank (higher `priority`, then journey name). Events at an instant
//! are handled before timers of that instant (the world fires timers up to the instant before
//! an event, see `World::event`).

use super::Cast;
use crate::interp::engine::Customer;
use crate::interp::time::Instant;

/// The earliest timer of any instance and whose it is; ties go to the higher-ranked journey.
pub fn next_timer(cast: &Cast, instances: &[Customer]) -> Option<(Instant, usize)> {
    instances
        .iter()
        .enumerate()
        .filter_map(|(j, c)| Some((c.deadline()?, cast.rank[j], j)))
        .min()
        .map(|(t, _, j)| (t, j))
}

/// Whose timer: a journey's instance, or a keyed instance (its index in `World::keyed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Whose {
    Journey(usize),
    Keyed(usize),
}

/// The earliest timer of any instance, keyed instances included; ties go to the higher-ranked
/// journey, then to the journey's own instance, then to the keyed instance made first.
pub fn next_any(cast: &Cast, world: &super::World) -> Option<(Instant, Whose)> {
    let own = next_timer(cast, &world.instances).map(|(t, j)| (t, cast.rank[j], Whose::Journey(j)));
    if world.keyed.is_empty() {
        return own.map(|(t, _, w)| (t, w));
    }
    let keyed = world
        .keyed
        .iter()
        .enumerate()
        .filter_map(|(k, x)| {
            let j = x.journey as usize;
            Some((x.customer.deadline()?, *cast.rank.get(j)?, Whose::Keyed(k)))
        })
        .min();
    match (own, keyed) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
    .map(|(t, _, w)| (t, w))
}
