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
        // A customer in the journey has had the condition decided (it entered them).
        if p.ir.trigger.when {
            c.when_last = Some(self.holds(c, &p.trigger.1, None, t));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::interp::engine::{Customer, Engine, Observer};
    use crate::interp::program::Program;
    use crate::interp::time::Instant;
    use crate::interp::value::Val;

    struct Quiet;
    impl Observer for Quiet {
        fn action(&mut self, _: Instant, _: Option<usize>, _: &crate::interp::engine::Action) {}
    }

    fn program() -> Program {
        compile("journey j {\n  trigger when vip\n  entry always\n  stage s { send hi }\n}\n")
    }

    fn compile(journey: &str) -> Program {
        let text = format!("customer {{ vip: bool = false }}\nevent go\nchannel email\ntouchpoint hi {{ channel email  template \"hi\" }}\n{journey}");
        crate::interp::program::compile_for_test("when.journey", &text).remove(0)
    }

    /// `is_fresh` decides whether a simulation's reset customer (and a replay's forgotten one)
    /// is as new: each piece of state it reads must count.
    #[test]
    fn a_customer_is_fresh_only_without_state_that_changes_what_comes_next() {
        let p = program();
        let c = Customer::new(&p, "a");
        assert!(c.is_fresh(&p));
        let mut scheduled = Customer::new(&p, "a");
        scheduled.next_fire = Some(0);
        assert!(!scheduled.is_fresh(&p));
        let mut matched = Customer::new(&p, "a");
        matched.when_last = Some(true);
        assert!(!matched.is_fresh(&p));
        // A condition last found false is as good as never decided: the next true is a rise.
        matched.when_last = Some(false);
        assert!(matched.is_fresh(&p));
    }

    #[test]
    fn only_a_rise_enters() {
        let p = program();
        let e = Engine::new(&p);
        let mut c = Customer::new(&p, "a");
        e.decide_when(&mut c, 0, &mut Quiet);
        assert_eq!((c.entries, c.when_last), (0, Some(false)));
        c.attrs[0] = Val::Bool(true);
        e.decide_when(&mut c, 10, &mut Quiet);
        assert_eq!((c.entries, c.when_last), (1, Some(true)));
        // Still true: no second entry, though `entry always` would allow one.
        e.decide_when(&mut c, 20, &mut Quiet);
        assert_eq!(c.entries, 1);
    }

    /// A `set` in a journey started by an event leaves the condition state alone: only a
    /// `trigger when` journey keeps one (a stray value would keep a replay from forgetting).
    #[test]
    fn a_set_in_an_event_journey_keeps_no_condition_state() {
        let p = compile(
            "journey j {\n  trigger go\n  stage s {\n    set vip = true\n    send hi\n  }\n}\n",
        );
        let e = Engine::new(&p);
        let mut c = Customer::new(&p, "a");
        let go = crate::interp::program::EventPayload {
            event: p.event("go"),
            fields: Vec::new(),
        };
        e.event(&mut c, 0, &go, &mut Quiet);
        assert_eq!((c.entries, c.when_last), (1, None));
    }
}
