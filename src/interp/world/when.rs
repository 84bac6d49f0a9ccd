//! `trigger when COND` in a customer's world (docs/semantics.md, "Entry when a condition becomes
//! true"). The conditions are decided after each call of the customer's: an identify (once its
//! attributes are applied) and, for a customer met for the first time, whatever call made them
//! known. Journeys decide in arbitration order. Attributes change only by identify and by a
//! journey's own `set` (which the engine follows), so deciding after other calls finds no rise.

use super::{Cast, World, WorldObserver};
use crate::interp::time::Instant;

impl World {
    /// Decides every `trigger when` journey's condition at `t`; a rise enters the customer.
    /// With `first_only`, only the conditions never decided (a customer met for the first
    /// time): after any call but an identify the attributes are as the last decision saw them.
    pub(super) fn decide_when<W: WorldObserver + ?Sized>(
        &mut self,
        cast: &Cast,
        t: Instant,
        first_only: bool,
        obs: &mut W,
    ) {
        for r in 0..cast.when.len() {
            let j = cast.when[r];
            if first_only && self.instances[j].when_last.is_some() {
                continue;
            }
            self.with(cast, j, obs, |e, c, o| e.decide_when(c, t, o));
        }
    }
}
