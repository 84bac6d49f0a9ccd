//! A scheduled trigger firing for one customer (docs/semantics.md, "Scheduled triggers"): at
//! each firing time a customer not in the journey enters if the trigger's condition holds on
//! their attributes and the entry rule and `exclusive` allow it. A customer still in the journey
//! from an earlier firing is passed over silently: that is the normal case of a weekly journey
//! whose steps outlast a week, not a refused entry worth reporting every week.

use super::{Customer, Engine, NotEntered, Observer};
use crate::interp::program::EventPayload;
use crate::interp::time::Instant;
use crate::ir::Entry;

impl Engine<'_> {
    /// The scheduled trigger fires at `t` for `c`. Timers due at `t` have fired before.
    pub fn fire_schedule<O: Observer + ?Sized>(&self, c: &mut Customer, t: Instant, obs: &mut O) {
        let p = self.program;
        if p.ir.trigger.schedule.is_none() || c.run.is_some() {
            return;
        }
        // No event arrives: the trigger's payload is empty, and `event.FIELD` is refused there.
        let ev = EventPayload::default();
        if !self.holds(c, &p.trigger.1, None, t) {
            obs.not_entered(t, NotEntered::ConditionFalse);
            self.explain_trigger(c, t, &ev, false, obs);
            return;
        }
        self.enter_without_event(c, t, obs);
    }

    /// Enters `c` at `t` with no event, if `exclusive` and the entry rule allow it (a scheduled
    /// firing, or a `trigger when` condition becoming true); a refusal is reported as for an
    /// event trigger, so a report shows why the customer did not enter.
    pub(super) fn enter_without_event<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        t: Instant,
        obs: &mut O,
    ) {
        let p = self.program;
        let ev = EventPayload::default();
        if let Some(holder) = c.barred {
            obs.not_entered(t, NotEntered::Exclusive { holder });
            return;
        }
        let allowed = match p.ir.entry {
            Entry::Once => c.entries == 0,
            Entry::Always => true,
            Entry::Every { period_secs } => {
                let period = i64::try_from(period_secs).unwrap_or(i64::MAX);
                c.last_entry.is_none_or(|last| t - last >= period)
            }
        };
        if !allowed {
            // `entry once` after the one entry, or `entry every D` too soon: reported like an
            // event trigger's refusal, so a report shows why the customer did not enter.
            let why = match (&p.ir.entry, c.last_entry) {
                (Entry::Every { period_secs }, Some(last)) => NotEntered::TooSoon {
                    next_allowed: last
                        .saturating_add(i64::try_from(*period_secs).unwrap_or(i64::MAX)),
                },
                _ => NotEntered::EnteredBefore,
            };
            obs.not_entered(t, why);
            return;
        }
        self.enter(c, t, &ev, obs);
    }
}
