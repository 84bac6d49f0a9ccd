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
