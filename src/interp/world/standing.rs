//! Where a customer still in flight stands: for each journey they are in, what they wait for
//! and until when, so that "why hasn't she got the nudge yet?" has an answer.

use super::{Cast, World};
use crate::interp::describe::held;
use crate::interp::engine::Park;

/// One line per journey the customer is in, in arbitration order: (journey, text).
pub fn of(cast: &Cast, world: &World) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for &j in &cast.order {
        let p = &cast.programs[j];
        let Some(run) = world.instances.get(j).and_then(|c| c.run.as_ref()) else {
            continue;
        };
        let text = park_text(p, &run.park);
        out.push((j, format!("still in journey `{}`: {text}", p.ir.name)));
    }
    // The open instances of keyed journeys (`per FIELD`), each with its key.
    for &j in &cast.order {
        let p = &cast.programs[j];
        let Some(field) = p.ir.per.as_deref() else {
            continue;
        };
        for (key, c) in world.open_instances(j) {
            let Some(run) = c.run.as_ref() else { continue };
            let text = park_text(p, &run.park);
            out.push((
                j,
                format!("still in journey `{}` ({field} {key}): {text}", p.ir.name),
            ));
        }
    }
    out
}

/// What a parked instance waits for and until when.
fn park_text(p: &crate::interp::program::Program, park: &Park) -> String {
    match park {
        Park::Wait { node, until } => held(p, Some(*node), *until),
        Park::Deferred { node, until } => held(p, Some(*node), Some(*until)),
        Park::Delay { until, .. } => held(p, None, Some(*until)),
        Park::Until { node, until } => held(p, Some(*node), Some(*until)),
        Park::Clock { node, until } => held(p, Some(*node), Some(*until)),
        Park::Running => "running".to_string(),
    }
}
