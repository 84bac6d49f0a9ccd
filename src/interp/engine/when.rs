//! `trigger when COND` for one customer (docs/semantics.md, "Entry when a condition becomes
//! true"). The condition is decided when the customer becomes known and after each identify
//! (and each `set` of the journey's own); the customer enters when it is true having been false
//! (or never decided) at the decision before. A customer still in the journey when it becomes
//! true is passed over, and enters only at a later rise.

use super::{Customer, Engine, Observer};
use crate::interp::time::Instant;

impl Engine<'_> {
    /// Decides the `trigger when` condition at `t` on `c`'s attributes as they now are, and
    /// enters `c` if it rose. Does nothing for a journey with another trigger.
    pub fn decide_when<O: Observer + ?Sized>(&self, c: &mut Customer, t: Instant, obs: &mut O) {
        let p = self.program;
        if !p.ir.trigger.when {
            return;
        }
        let now = self.holds(c, &p.trigger.1, None, t);
        let before = c.when_last.replace(now).unwrap_or(false);
        if !now || before || c.run.is_some() {
            return;
        }
        // The entry explains the condition with the values it read.
        self.enter_without_event(c, t, obs);
    }

    /// After a `set` in the journey: the condition's last value follows the attribute, so that
    /// a later identify that brings it back is a rise. (No entry: the customer is inside.)
    pub(super) fn note_when(&self, c: &mut Customer, t: Instant) {
        let p = self.program;
        if p.ir.trigger.when && c.when_last.is_some() {
            c.when_last = Some(self.holds(c, &p.trigger.1, None, t));
        }
    }
}
