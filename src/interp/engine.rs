//! The step machine: how one customer moves through one journey.
//!
//! A customer runs through instantaneous steps until a wait, a delay, a deferred send, or the
//! end. Events and timers drive everything; time is simulated, never slept. At one instant,
//! events are handled before timers, so an event at exactly a wait's deadline is in time.
//! The rules are written out in `docs/semantics.md`.

mod schedule;
mod when;

use super::program::{CExpr, CNode, EventPayload, Next, Program};
use super::time::{quiet_until, Instant};
use super::value::{eval, Env, Val};
use super::world::history::{Recall, Store};
use crate::ir::{Engagement, Entry};

/// More steps than this without time passing means a loop the checker should have caught.
pub const MAX_INSTANT_STEPS: usize = 10_000;

/// Why a send did not go out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Suppression {
    /// The channel's frequency cap was reached.
    Cap,
    /// The channel's consent attribute was not true.
    Consent,
}

impl Suppression {
    pub fn as_str(self) -> &'static str {
        match self {
            Suppression::Cap => "cap",
            Suppression::Consent => "consent",
        }
    }
}

/// Why a customer left the journey.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExitReason {
    /// The goal was reached.
    Converted,
    /// An `exit on EVENT` criterion matched (index into the program's exits).
    ExitCriterion(usize),
    /// An `exit` step.
    ExitStep,
    /// The end of the last stage.
    Completed,
    /// Too many steps without time passing.
    Runaway,
}

/// Something the journey did to a customer, in time order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Entered,
    ReachedStage {
        stage: usize,
    },
    StageSkipped {
        stage: usize,
    },
    Sent {
        touchpoint: usize,
        /// The values of its `with { ... }`, for observers that want them
        /// ([`Observer::wants_data`]); `None` otherwise.
        data: super::payload::Data,
    },
    Suppressed {
        touchpoint: usize,
        reason: Suppression,
        /// For a cap: the earliest send in the window that filled it.
        earlier: Option<SendMark>,
    },
    Deferred {
        touchpoint: usize,
        until: Instant,
    },
    Milestone {
        milestone: usize,
    },
    /// A conversion credited to a touchpoint sent within its `converts` window.
    Credited {
        touchpoint: usize,
    },
    /// A goal was reached (index into the program's goals): inside the journey, or after the
    /// steps completed but within the goal's window.
    Converted {
        goal: usize,
    },
    EventMatched {
        event: usize,
    },
    TimedOut,
    Branch {
        arm: Option<usize>,
    },
    SplitAssigned {
        variant: usize,
    },
    Set {
        attr: usize,
        value: Val,
    },
    Left {
        reason: ExitReason,
    },
    /// An event the journey knows arrived while the customer was in the journey and nothing
    /// there waited for it (no wait, exit criterion or goal took it): it changes nothing, and is
    /// reported (through [`Observer::ignored`]) so that it does not vanish without a trace.
    /// `node` is the step the customer was held at (none during a `wait D`), `until` when that
    /// hold ends (none: a wait without a deadline).
    Ignored {
        event: usize,
        node: Option<usize>,
        until: Option<Instant>,
    },
}

/// Why an arriving event did not start the journey, for explanations.
#[derive(Clone, Debug, PartialEq)]
pub enum NotEntered {
    ConditionFalse,
    AlreadyInJourney,
    EnteredBefore,
    TooSoon {
        next_allowed: Instant,
    },
    /// The customer is in another journey of this journey's `exclusive` group (its index in
    /// the world, see [`Customer::barred`]).
    Exclusive {
        holder: u32,
    },
}

/// One send in a channel's cap window: when, and which journey (its index in the world) sent
/// which of its touchpoints, so that a suppression can name the send that filled the cap.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SendMark {
    pub at: Instant,
    pub journey: u32,
    pub touchpoint: u32,
}

/// Receives what happens. Simulations count; replays write JSON; explanations keep everything.
pub trait Observer {
    fn action(&mut self, time: Instant, node: Option<usize>, action: &Action);
    /// The customer arrived at `node` (every step, including delays and waits, which report no
    /// action): simulations count funnel steps with it.
    fn visit(&mut self, _node: usize) {}
    fn not_entered(&mut self, _time: Instant, _why: NotEntered) {}
    /// Whether to compute explanations of decisions (costly; only `--explain` wants them).
    fn wants_detail(&self) -> bool {
        false
    }
    /// A decision explained: which condition held or not, with the values it read.
    fn detail(&mut self, _time: Instant, _node: Option<usize>, _text: String) {}
    /// An event arrived that nothing in the journey waited for (an [`Action::Ignored`]).
    /// Simulations do not look; tests and replays show it.
    fn ignored(&mut self, _time: Instant, _action: &Action) {}
    /// Whether sends carry the values of their `with { ... }` ([`Action::Sent`]'s `data`):
    /// computing them costs, and only outputs that show them (`run`, tests, explanations) ask.
    fn wants_data(&self) -> bool {
        false
    }
}

/// Where a customer in the journey is parked.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Park {
    /// Running (only between steps of one instant).
    Running,
    /// `wait D`: continue at `next` at `until`.
    Delay { next: Next, until: Instant },
    /// `wait EVENT`: at node `node`, until the deadline (none: for ever).
    Wait { node: usize, until: Option<Instant> },
    /// A send deferred by quiet hours.
    Deferred { node: usize, until: Instant },
    /// `wait until EXPR` at node `node`: continue at `until`, the instant the expression named
    /// when last evaluated (on arrival, and again after each identify).
    Until { node: usize, until: Instant },
    /// `wait until [DAY] HH:MM [local]` at node `node`, until `until` (`interp::clock`).
    Clock { node: usize, until: Instant },
}

/// One entry's state.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Run {
    pub entered_at: Instant,
    pub park: Park,
    /// The event that ended the innermost wait, which `event.FIELD` reads.
    pub event: Option<EventPayload>,
    /// The event that entered the customer, which `trigger.FIELD` reads: kept only by a
    /// journey that reads it (`Program::reads_trigger`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<EventPayload>,
    /// Per touchpoint: the time of the last send in this entry.
    pub last_sent: Vec<Option<Instant>>,
    pub opened: Vec<bool>,
    pub clicked: Vec<bool>,
    pub milestones: Vec<bool>,
}

/// A customer's state for one journey: profile attributes persist across entries.
/// Serialized in replay state files (`interp::replay::state`): fields that only live for the
/// length of one call (`barred`) or are derived (`id_hash`, `spare`) are not written.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Customer {
    pub attrs: Vec<Val>,
    pub entries: u32,
    pub last_entry: Option<Instant>,
    pub run: Option<Run>,
    /// Per channel, sends within the longest cap window. In a world of several journeys the
    /// world lends its shared log here for the length of each engine call (see
    /// `interp::world`), so caps count the sends of every journey.
    pub channel_log: Vec<Vec<SendMark>>,
    /// This journey's index in the customer's world (0 when it runs alone): written in the
    /// send marks.
    pub journey: u32,
    /// Set by the world while the customer is in another journey of this journey's
    /// `exclusive` group (that journey's index): the trigger then does not enter.
    #[serde(skip)]
    pub barred: Option<u32>,
    /// Split assignment key: the customer's id hashed once.
    #[serde(skip)]
    pub id_hash: u64,
    /// After the steps end, goals with a window and touchpoints' conversion windows still
    /// count (as Braze's and Customer.io's conversion windows do).
    pub watch: Option<Watch>,
    /// Buffers of a finished entry, reused by the next one so that simulating many customers
    /// does not allocate per entry. Never read for decisions.
    #[serde(skip)]
    pub spare: Option<Run>,
    /// What history conditions read (`sent(T) within D`, ...). In a world of several journeys
    /// the world lends its shared store here for each engine call, as for `channel_log`. Not
    /// saved in a state: at rest it is empty in a world, and its maps come from the journeys
    /// ([`crate::interp::world::World::reattach`]).
    #[serde(skip)]
    pub recall: Recall,
    /// The next firing of the journey's scheduled trigger for this customer (`trigger every`,
    /// see `interp::world::schedule`); `None` for a journey without one, or a customer not yet
    /// known to it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_fire: Option<Instant>,
    /// The `trigger when` condition's value at its last decision (see `engine::when`); `None`
    /// before the first, or for a journey with another trigger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when_last: Option<bool>,
}

/// What is still measured after a customer finished the steps of an entry.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Watch {
    pub entered_at: Instant,
    pub last_sent: Vec<Option<Instant>>,
}

impl Customer {
    pub fn new(program: &Program, id: &str) -> Customer {
        Customer {
            attrs: program.attr_defaults.clone(),
            entries: 0,
            last_entry: None,
            run: None,
            channel_log: vec![Vec::new(); program.channels.len()],
            journey: 0,
            barred: None,
            id_hash: super::program::stable_hash(&[id]),
            watch: None,
            spare: None,
            recall: Recall {
                store: Store::new(program.history.windows.clone()),
                reads: (0..program.history.keys.len()).collect(),
                sends: program.history_sends.clone(),
                events: program.history_events.clone(),
            },
            next_fire: None,
            when_last: None,
        }
    }

    /// When the customer's next timer fires, if any.
    pub fn deadline(&self) -> Option<Instant> {
        match &self.run.as_ref()?.park {
            Park::Delay { until, .. }
            | Park::Deferred { until, .. }
            | Park::Until { until, .. } => Some(*until),
            Park::Clock { until, .. } => Some(*until),
            Park::Wait { until, .. } => *until,
            Park::Running => None,
        }
    }

    pub fn in_journey(&self) -> bool {
        self.run.is_some()
    }

    /// Whether nothing distinguishes this customer from a new one: no entry, no send in any cap
    /// window, the default profile. A replay can forget such a customer and meet them again as
    /// new, so its memory follows the customers that matter, not every id in the log.
    pub fn is_fresh(&self, program: &Program) -> bool {
        self.run.is_none()
            && self.watch.is_none()
            && self.entries == 0
            && self.last_entry.is_none()
            && self.channel_log.iter().all(Vec::is_empty)
            && self.recall.store.is_empty()
            && self.attrs == program.attr_defaults
            && self.next_fire.is_none()
            && self.when_last != Some(true)
    }
}

pub struct Engine<'p> {
    pub program: &'p Program,
}

fn env<'a>(
    c: &'a Customer,
    event: Option<&'a EventPayload>,
    f: &'a dyn Fn(Engagement, usize) -> bool,
    t: Instant,
) -> Env<'a> {
    Env {
        attrs: &c.attrs,
        event,
        trigger: c.run.as_ref().and_then(|r| r.trigger.as_ref()),
        engagement: f,
        history: Some((&c.recall, t)),
    }
}

impl<'p> Engine<'p> {
    pub fn new(program: &'p Program) -> Self {
        Engine { program }
    }

    fn holds(
        &self,
        c: &Customer,
        cond: &Option<CExpr>,
        event: Option<&EventPayload>,
        t: Instant,
    ) -> bool {
        let Some(cond) = cond else { return true };
        let run = c.run.as_ref();
        let f = |kind: Engagement, tp: usize| engaged(run, kind, tp);
        eval(cond, &env(c, event, &f, t)).truthy()
    }

    fn explain_trigger<O: Observer + ?Sized>(
        &self,
        c: &Customer,
        t: Instant,
        ev: &EventPayload,
        holds: bool,
        obs: &mut O,
    ) {
        if obs.wants_detail() {
            if let Some(e) = &self.program.ir.trigger.condition {
                self.explain_condition(c, (t, None), e, holds, Some(ev), obs);
            }
        }
    }

    /// Reports a condition's outcome with the values it read, for explanations.
    fn explain_condition<O: Observer + ?Sized>(
        &self,
        c: &Customer,
        (t, node): (Instant, Option<usize>),
        e: &crate::ir::Expr,
        result: bool,
        event: Option<&EventPayload>,
        obs: &mut O,
    ) {
        let p = self.program;
        let run = c.run.as_ref();
        let event = event.or_else(|| run.and_then(|r| r.event.as_ref()));
        let read = |i: &crate::ir::Expr| -> Val {
            match i {
                crate::ir::Expr::Attr { name } => p
                    .attr(name)
                    .and_then(|a| c.attrs.get(a))
                    .cloned()
                    .unwrap_or(Val::Missing),
                crate::ir::Expr::EventField { field, .. } => event
                    .and_then(|ev| ev.fields.iter().find(|(n, _)| n.as_ref() == field.as_str()))
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Val::Missing),
                crate::ir::Expr::TriggerField { field, .. } => run
                    .and_then(|r| r.trigger.as_ref())
                    .and_then(|ev| ev.fields.iter().find(|(n, _)| n.as_ref() == field.as_str()))
                    .map(|(_, v)| v.clone())
                    .unwrap_or(Val::Missing),
                crate::ir::Expr::Engagement { kind, touchpoint } => Val::Bool(
                    p.touchpoint(touchpoint)
                        .is_some_and(|tp| engaged(run, *kind, tp)),
                ),
                crate::ir::Expr::History { .. } => match p.compile_history(i) {
                    Some(ce) => {
                        let f = |kind: Engagement, tp: usize| engaged(run, kind, tp);
                        eval(&ce, &env(c, None, &f, t))
                    }
                    None => Val::Missing,
                },
                _ => Val::Missing,
            }
        };
        obs.detail(
            t,
            node,
            super::explain::condition_report(p, e, result, &read),
        );
    }

    /// Evaluates a condition for a customer in the journey at `t`, reading the bound event.
    pub fn eval_in_run(&self, c: &Customer, e: &CExpr, t: Instant) -> Val {
        let run = c.run.as_ref();
        let event = run.and_then(|r| r.event.as_ref());
        let f = |kind: Engagement, tp: usize| engaged(run, kind, tp);
        eval(e, &env(c, event, &f, t))
    }

    /// Evaluates `e` on the customer's attributes and engagement, with no event: a behaviour
    /// rule's `where` is decided before the event it produces exists, so its `event.FIELD`
    /// must not read the fields of whatever event the run took last.
    /// Out of the journey, an entry that ended at this instant (its last step a send) keeps
    /// what it sent in its watch, and `sent(T)` reads it there (docs/simulation.md, "Behaviour
    /// rules"); opens and clicks are not drawn yet.
    pub fn eval_without_event(&self, c: &Customer, e: &CExpr) -> Val {
        let run = c.run.as_ref();
        let watch = c.watch.as_ref();
        let f = |kind: Engagement, tp: usize| match run {
            Some(_) => engaged(run, kind, tp),
            None => {
                kind == Engagement::Sent
                    && watch.is_some_and(|w| w.last_sent.get(tp).is_some_and(Option::is_some))
            }
        };
        let env = Env {
            attrs: &c.attrs,
            event: None,
            trigger: None,
            engagement: &f,
            history: None,
        };
        eval(e, &env)
    }

    /// Fires every timer due at or before `until`.
    pub fn advance<O: Observer + ?Sized>(&self, c: &mut Customer, until: Instant, obs: &mut O) {
        while let Some(t) = c.deadline() {
            if t > until {
                break;
            }
            self.fire(c, t, obs);
        }
    }

    fn fire<O: Observer + ?Sized>(&self, c: &mut Customer, t: Instant, obs: &mut O) {
        let Some(run) = c.run.as_mut() else { return };
        let park = std::mem::replace(&mut run.park, Park::Running);
        match park {
            Park::Delay { next, .. } => self.proceed(c, next, t, obs),
            Park::Wait { node, .. } => {
                obs.action(t, Some(node), &Action::TimedOut);
                let next = match &self.program.nodes[node] {
                    CNode::Wait { on_timeout, .. } | CNode::WaitAny { on_timeout, .. } => {
                        *on_timeout
                    }
                    _ => None,
                };
                self.proceed(c, next, t, obs);
            }
            Park::Deferred { node, .. } => {
                let next = self.deliver(c, node, t, obs);
                self.proceed(c, next, t, obs);
            }
            Park::Until { node, .. } => {
                let next = match &self.program.nodes[node] {
                    CNode::WaitUntil { next, .. } => *next,
                    _ => None,
                };
                self.proceed(c, next, t, obs);
            }
            Park::Clock { node, .. } => {
                let next = match &self.program.nodes[node] {
                    CNode::WaitClock { next, .. } => *next,
                    _ => None,
                };
                self.proceed(c, next, t, obs);
            }
            Park::Running => {}
        }
    }

    /// The instant a `wait until` parks until: `Err` with the reason when there is none to wait
    /// for (the time is not set, or is not after `t`), and the customer continues at once.
    fn until(&self, c: &Customer, at: &CExpr, t: Instant) -> Result<Instant, String> {
        match self.eval_in_run(c, at, t) {
            Val::DateTime(d) if d > t => Ok(d),
            Val::DateTime(d) => Err(format!(
                "its time, {}, was already past",
                super::time::format_rfc3339(d)
            )),
            _ => Err("its time was not set".to_string()),
        }
    }

    /// After an identify at `t`: a customer parked in `wait until` waits for the time the
    /// expression names now (an appointment moved). A time now past or no longer set fires at
    /// `t`, so the customer continues at once.
    pub fn retime(&self, c: &mut Customer, t: Instant) {
        let Some(Park::Until { node, .. }) = c.run.as_ref().map(|r| &r.park) else {
            return;
        };
        let node = *node;
        let CNode::WaitUntil { at, .. } = &self.program.nodes[node] else {
            return;
        };
        let until = self.until(c, at, t).unwrap_or(t);
        if let Some(run) = c.run.as_mut() {
            run.park = Park::Until { node, until };
        }
    }

    /// Updates profile attributes (an identify call). Takes effect for later decisions.
    pub fn identify(&self, c: &mut Customer, traits: &[(usize, Val)]) {
        for (slot, v) in traits {
            if let Some(a) = c.attrs.get_mut(*slot) {
                *a = v.clone();
            }
        }
    }

    /// Records that the customer opened or clicked a message of this entry.
    pub fn engage<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        t: Instant,
        kind: Engagement,
        touchpoint: usize,
        obs: &mut O,
    ) {
        self.advance(c, t - 1, obs);
        if let Some(run) = c.run.as_mut() {
            if run.last_sent.get(touchpoint).is_some_and(Option::is_some) {
                match kind {
                    Engagement::Opened => run.opened[touchpoint] = true,
                    Engagement::Clicked => {
                        run.opened[touchpoint] = true;
                        run.clicked[touchpoint] = true;
                    }
                    Engagement::Sent => {}
                }
            }
        }
    }

    /// Handles one event at time `t`: timers due before `t` fire first; then exit criteria, the
    /// goal, conversion credit and a matching wait; then the trigger, if the customer was not in
    /// the journey when the event arrived.
    pub fn event<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        t: Instant,
        ev: &EventPayload,
        obs: &mut O,
    ) {
        self.advance(c, t - 1, obs);
        let Some(event) = ev.event else { return };
        // Alone (no world), the journey records the arrivals its history conditions read; in a
        // world, the world records them once for every journey (`recall.events` is empty).
        c.recall.arrived(event, t);
        let p = self.program;
        if c.run.is_some() {
            for (i, (e, cond)) in p.exits.iter().enumerate() {
                if *e == event && self.holds(c, cond, Some(ev), t) {
                    self.leave(c, t, None, ExitReason::ExitCriterion(i), obs);
                    return;
                }
            }
            let entered = match c.run.as_ref() {
                Some(r) => {
                    self.credit(&r.last_sent, event, t, obs);
                    r.entered_at
                }
                None => t,
            };
            if let Some(goal) = self.goal_reached(c, event, ev, t, entered, false) {
                obs.action(t, None, &Action::Converted { goal });
                self.leave(c, t, None, ExitReason::Converted, obs);
                return;
            }
            if let Some(Park::Wait { node, .. }) = c.run.as_ref().map(|r| r.park.clone()) {
                if let CNode::Wait {
                    event: we,
                    condition,
                    on_event,
                    ..
                } = &p.nodes[node]
                {
                    let holds = *we == event && self.holds(c, condition, Some(ev), t);
                    if holds {
                        if let Some(run) = c.run.as_mut() {
                            run.park = Park::Running;
                            store_event(&mut run.event, ev);
                        }
                        obs.action(t, Some(node), &Action::EventMatched { event });
                    }
                    if *we == event && obs.wants_detail() {
                        if let Some(crate::ir::NodeKind::WaitEvent {
                            condition: Some(e), ..
                        }) = p.ir.nodes.get(node).map(|n| &n.kind)
                        {
                            self.explain_condition(c, (t, Some(node)), e, holds, Some(ev), obs);
                        }
                    }
                    if holds {
                        self.proceed(c, *on_event, t, obs);
                        return;
                    }
                }
                if let Some(next) = self.take_branch(c, node, t, ev, event, obs) {
                    self.proceed(c, next, t, obs);
                    return;
                }
            }
            if event == p.trigger.0 {
                obs.not_entered(t, NotEntered::AlreadyInJourney);
            } else if !p.history_events.get(event).is_some_and(Option::is_some) {
                // An event the journey's history conditions read is not ignored: it counts.
                self.ignore(c, t, event, obs);
            }
            return;
        }
        if let Some(w) = c.watch.take() {
            self.credit(&w.last_sent, event, t, obs);
            match self.goal_reached(c, event, ev, t, w.entered_at, true) {
                Some(goal) => obs.action(t, None, &Action::Converted { goal }),
                None => c.watch = Some(w),
            }
        }
        let (te, cond) = &p.trigger;
        if *te != event {
            return;
        }
        if !self.holds(c, cond, Some(ev), t) {
            obs.not_entered(t, NotEntered::ConditionFalse);
            self.explain_trigger(c, t, ev, false, obs);
            return;
        }
        if let Some(holder) = c.barred {
            obs.not_entered(t, NotEntered::Exclusive { holder });
            return;
        }
        let allowed = match p.ir.entry {
            Entry::Once => {
                if c.entries > 0 {
                    obs.not_entered(t, NotEntered::EnteredBefore);
                    false
                } else {
                    true
                }
            }
            Entry::Always => true,
            Entry::Every { period_secs } => {
                let period = i64::try_from(period_secs).unwrap_or(i64::MAX);
                match c.last_entry {
                    Some(last) if t - last < period => {
                        obs.not_entered(
                            t,
                            NotEntered::TooSoon {
                                next_allowed: last.saturating_add(period),
                            },
                        );
                        false
                    }
                    _ => true,
                }
            }
        };
        if allowed {
            self.enter(c, t, ev, obs);
        }
    }

    /// At a `wait up to D { on E { ... } ... }` (node `node`): the first branch for `event`
    /// whose `where` holds takes the event, binds it for `event.FIELD` and gives the node to
    /// continue at (`Some(None)`: the journey completes). `None`: no branch took it, and it is
    /// ignored like any event nothing waits for.
    fn take_branch<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        node: usize,
        t: Instant,
        ev: &EventPayload,
        event: usize,
        obs: &mut O,
    ) -> Option<Next> {
        let p = self.program;
        let CNode::WaitAny { branches, .. } = &p.nodes[node] else {
            return None;
        };
        for (k, (be, condition, next)) in branches.iter().enumerate() {
            if *be != event {
                continue;
            }
            let holds = self.holds(c, condition, Some(ev), t);
            if obs.wants_detail() {
                if let Some(crate::ir::NodeKind::WaitAny { branches: ir, .. }) =
                    p.ir.nodes.get(node).map(|n| &n.kind)
                {
                    if let Some(e) = ir.get(k).and_then(|b| b.condition.as_ref()) {
                        self.explain_condition(c, (t, Some(node)), e, holds, Some(ev), obs);
                    }
                }
            }
            if holds {
                if let Some(run) = c.run.as_mut() {
                    run.park = Park::Running;
                    store_event(&mut run.event, ev);
                }
                obs.action(t, Some(node), &Action::EventMatched { event });
                return Some(*next);
            }
        }
        None
    }

    /// Reports an event that nothing of the journey took, with where the customer is held.
    fn ignore<O: Observer + ?Sized>(&self, c: &Customer, t: Instant, event: usize, obs: &mut O) {
        let (node, until) = match c.run.as_ref().map(|r| &r.park) {
            Some(Park::Delay { until, .. }) => (None, Some(*until)),
            Some(Park::Wait { node, until }) => (Some(*node), *until),
            Some(Park::Deferred { node, until }) | Some(Park::Clock { node, until }) => {
                (Some(*node), Some(*until))
            }
            _ => (None, None),
        };
        obs.ignored(t, &Action::Ignored { event, node, until });
    }

    /// Credits a conversion to each touchpoint sent within its `converts` window.
    fn credit<O: Observer + ?Sized>(
        &self,
        last_sent: &[Option<Instant>],
        event: usize,
        t: Instant,
        obs: &mut O,
    ) {
        if !self.program.credits.get(event).copied().unwrap_or(false) {
            return;
        }
        for (tp, def) in self.program.touchpoints.iter().enumerate() {
            if let Some((ce, within)) = def.converts {
                if ce == event
                    && last_sent
                        .get(tp)
                        .copied()
                        .flatten()
                        .is_some_and(|s| t - s <= within)
                {
                    obs.action(t, None, &Action::Credited { touchpoint: tp });
                }
            }
        }
    }

    /// The first goal this event reaches. After the steps ended (`after`), only goals with a
    /// window count.
    fn goal_reached(
        &self,
        c: &Customer,
        event: usize,
        ev: &EventPayload,
        t: Instant,
        entered: Instant,
        after: bool,
    ) -> Option<usize> {
        self.program.goals.iter().position(|(e, cond, within)| {
            *e == event
                && (!after || within.is_some())
                && within.is_none_or(|w| t - entered <= w)
                && self.holds(c, cond, Some(ev), t)
        })
    }

    fn enter<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        t: Instant,
        ev: &EventPayload,
        obs: &mut O,
    ) {
        let p = self.program;
        c.entries += 1;
        c.last_entry = Some(t);
        c.watch = None;
        let n_tp = p.touchpoints.len();
        // The buffers of a finished entry are reused (swapped in, not moved out and back).
        // `c.run` is `None` here: a customer enters only when not in the journey.
        std::mem::swap(&mut c.run, &mut c.spare);
        match c.run.as_mut() {
            Some(r) => {
                r.entered_at = t;
                r.park = Park::Running;
                store_event(&mut r.event, ev);
                if p.reads_trigger {
                    store_event(&mut r.trigger, ev);
                } else {
                    r.trigger = None;
                }
                refill(&mut r.last_sent, n_tp, None);
                refill(&mut r.opened, n_tp, false);
                refill(&mut r.clicked, n_tp, false);
                refill(&mut r.milestones, p.milestone_names.len(), false);
            }
            None => {
                c.run = Some(Run {
                    entered_at: t,
                    park: Park::Running,
                    event: Some(ev.clone()),
                    trigger: p.reads_trigger.then(|| ev.clone()),
                    last_sent: vec![None; n_tp],
                    opened: vec![false; n_tp],
                    clicked: vec![false; n_tp],
                    milestones: vec![false; p.milestone_names.len()],
                })
            }
        }
        obs.action(t, None, &Action::Entered);
        self.explain_trigger(c, t, ev, true, obs);
        self.proceed(c, p.start, t, obs);
    }

    fn leave<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        t: Instant,
        node: Option<usize>,
        reason: ExitReason,
        obs: &mut O,
    ) {
        let keeps_watching = matches!(reason, ExitReason::Completed | ExitReason::ExitStep);
        let anything = self.program.watches;
        c.watch = match c.run.as_mut() {
            // The run's event stays as a buffer for the next entry, which overwrites it (see
            // `store_event`): the run goes to `spare` below, where nothing reads it.
            Some(r) => (keeps_watching && anything).then(|| Watch {
                entered_at: r.entered_at,
                last_sent: std::mem::take(&mut r.last_sent),
            }),
            None => None,
        };
        // The entry's buffers go to `spare` for the next entry (swapped, not moved).
        if c.run.is_some() {
            std::mem::swap(&mut c.run, &mut c.spare);
            c.run = None;
        }
        obs.action(t, node, &Action::Left { reason });
    }

    /// Runs instantaneous steps from `next` until the customer parks or leaves.
    fn proceed<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        mut next: Next,
        t: Instant,
        obs: &mut O,
    ) {
        let p = self.program;
        let mut steps = 0usize;
        loop {
            let Some(node) = next else {
                self.leave(c, t, None, ExitReason::Completed, obs);
                return;
            };
            steps += 1;
            if steps > MAX_INSTANT_STEPS {
                self.leave(c, t, Some(node), ExitReason::Runaway, obs);
                return;
            }
            obs.visit(node);
            next = match &p.nodes[node] {
                CNode::EnterStage {
                    stage,
                    guard,
                    next,
                    skip,
                } => {
                    let pass = guard
                        .as_ref()
                        .is_none_or(|g| self.eval_in_run(c, g, t).truthy());
                    let action = if pass {
                        Action::ReachedStage { stage: *stage }
                    } else {
                        Action::StageSkipped { stage: *stage }
                    };
                    obs.action(t, Some(node), &action);
                    if obs.wants_detail() {
                        if let Some(crate::ir::NodeKind::EnterStage { guard: Some(g), .. }) =
                            p.ir.nodes.get(node).map(|n| &n.kind)
                        {
                            self.explain_condition(c, (t, Some(node)), g, pass, None, obs);
                        }
                    }
                    if pass {
                        *next
                    } else {
                        *skip
                    }
                }
                CNode::Send { touchpoint, next } => {
                    let def = &p.touchpoints[*touchpoint];
                    let ch = &p.channels[def.channel];
                    // A transactional touchpoint is not held by quiet hours.
                    // Local quiet hours are read in the customer's zone when the send is held; the
                    // release time is then fixed (docs/semantics.md, "A zone change while held").
                    if let (Some((from, to)), false) = (ch.quiet, def.transactional) {
                        let mut why = None;
                        let until = if ch.quiet_local {
                            let tz = super::zone::customer_zone(&c.attrs, p.zone_attr);
                            let until = super::zone::quiet_until_local(t, from, to, tz);
                            if let (Some(u), true) = (until, obs.wants_detail()) {
                                why = Some(super::zone::explain_local_hold(t, u, from, to, tz));
                            }
                            until
                        } else {
                            quiet_until(t, from, to)
                        };
                        if let Some(until) = until {
                            obs.action(
                                t,
                                Some(node),
                                &Action::Deferred {
                                    touchpoint: *touchpoint,
                                    until,
                                },
                            );
                            if let Some(text) = why {
                                obs.detail(t, Some(node), text);
                            }
                            if let Some(run) = c.run.as_mut() {
                                run.park = Park::Deferred { node, until };
                            }
                            return;
                        }
                    }
                    self.deliver(c, node, t, obs);
                    *next
                }
                CNode::Delay { secs, next } => {
                    if let Some(run) = c.run.as_mut() {
                        run.park = Park::Delay {
                            next: *next,
                            until: t.saturating_add(*secs),
                        };
                    }
                    return;
                }
                CNode::WaitClock { .. } => {
                    let until = super::clock::deadline(p, c, node, t).unwrap_or(Instant::MAX);
                    if obs.wants_detail() {
                        obs.detail(t, Some(node), super::clock::explain(p, node, t, until));
                    }
                    if let Some(run) = c.run.as_mut() {
                        run.park = Park::Clock { node, until };
                    }
                    return;
                }
                CNode::Wait { timeout, .. } => {
                    if let Some(run) = c.run.as_mut() {
                        run.park = Park::Wait {
                            node,
                            until: timeout.map(|d| t.saturating_add(d)),
                        };
                    }
                    return;
                }
                CNode::WaitAny { timeout, .. } => {
                    if let Some(run) = c.run.as_mut() {
                        run.park = Park::Wait {
                            node,
                            until: Some(t.saturating_add(*timeout)),
                        };
                    }
                    return;
                }
                CNode::Branch { arms, otherwise } => {
                    let taken = arms
                        .iter()
                        .position(|(cond, _)| self.eval_in_run(c, cond, t).truthy());
                    obs.action(t, Some(node), &Action::Branch { arm: taken });
                    if obs.wants_detail() {
                        if let Some(crate::ir::NodeKind::Branch { arms: ir_arms, .. }) =
                            p.ir.nodes.get(node).map(|n| &n.kind)
                        {
                            let upto = taken.map(|i| i + 1).unwrap_or(ir_arms.len());
                            for (i, arm) in ir_arms.iter().enumerate().take(upto) {
                                self.explain_condition(
                                    c,
                                    (t, Some(node)),
                                    &arm.condition,
                                    taken == Some(i),
                                    None,
                                    obs,
                                );
                            }
                        }
                    }
                    match taken {
                        Some(i) => arms[i].1,
                        None => *otherwise,
                    }
                }
                CNode::Split { salt, variants } => {
                    let bucket = bucket(c.id_hash, *salt);
                    let i = variants
                        .iter()
                        .position(|(cum, _)| bucket < *cum)
                        .unwrap_or(variants.len().saturating_sub(1));
                    obs.action(t, Some(node), &Action::SplitAssigned { variant: i });
                    variants.get(i).and_then(|v| v.1)
                }
                CNode::Milestone { milestone, next } => {
                    if let Some(run) = c.run.as_mut() {
                        if !run.milestones[*milestone] {
                            run.milestones[*milestone] = true;
                            obs.action(
                                t,
                                Some(node),
                                &Action::Milestone {
                                    milestone: *milestone,
                                },
                            );
                        }
                    }
                    *next
                }
                CNode::Set { attr, value, next } => {
                    let v = self.eval_in_run(c, value, t);
                    obs.action(
                        t,
                        Some(node),
                        &Action::Set {
                            attr: *attr,
                            value: v.clone(),
                        },
                    );
                    c.attrs[*attr] = v;
                    self.note_when(c, t);
                    *next
                }
                CNode::Goto { next } => Some(*next),
                CNode::WaitUntil { at, next } => match self.until(c, at, t) {
                    Ok(until) => {
                        if let Some(run) = c.run.as_mut() {
                            run.park = Park::Until { node, until };
                        }
                        return;
                    }
                    Err(why) => {
                        if obs.wants_detail() {
                            let head = match p.ir.nodes.get(node).map(|n| &n.kind) {
                                Some(crate::ir::NodeKind::WaitUntil { at, .. }) => {
                                    format!("`wait until {at}`")
                                }
                                _ => "`wait until`".to_string(),
                            };
                            obs.detail(t, Some(node), format!("{head} did not wait: {why}"));
                        }
                        *next
                    }
                },
                CNode::Exit => {
                    self.leave(c, t, Some(node), ExitReason::ExitStep, obs);
                    return;
                }
            };
        }
    }

    /// Sends the touchpoint of `node` now unless consent or a cap stops it; returns the next node.
    fn deliver<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        node: usize,
        t: Instant,
        obs: &mut O,
    ) -> Next {
        let p = self.program;
        let CNode::Send { touchpoint, next } = &p.nodes[node] else {
            return None;
        };
        let def = &p.touchpoints[*touchpoint];
        let chi = def.channel;
        let ch = &p.channels[chi];
        if def.transactional {
            // Exempt from consent and caps, and not counted towards caps.
            return self.sent(c, node, *touchpoint, t, obs, *next);
        }
        if let Some(slot) = ch.consent {
            if !c.attrs[slot].truthy() {
                obs.action(
                    t,
                    Some(node),
                    &Action::Suppressed {
                        touchpoint: *touchpoint,
                        reason: Suppression::Consent,
                        earlier: None,
                    },
                );
                return *next;
            }
        }
        let log = &mut c.channel_log[chi];
        let window = p.channel_window[chi];
        log.retain(|s| t - s.at < window);
        let full = ch.caps.iter().find_map(|(count, per)| {
            let mut within = log.iter().filter(|s| t - s.at < *per);
            let first = within.clone().next().copied();
            (within.nth(count.saturating_sub(1)).is_some() || *count == 0).then_some(first)
        });
        if let Some(earlier) = full {
            obs.action(
                t,
                Some(node),
                &Action::Suppressed {
                    touchpoint: *touchpoint,
                    reason: Suppression::Cap,
                    earlier,
                },
            );
            return *next;
        }
        if window > 0 {
            log.push(SendMark {
                at: t,
                journey: c.journey,
                touchpoint: u32::try_from(*touchpoint).unwrap_or(u32::MAX),
            });
        }
        self.sent(c, node, *touchpoint, t, obs, *next)
    }

    /// Records a send that goes out.
    #[inline]
    fn sent<O: Observer + ?Sized>(
        &self,
        c: &mut Customer,
        node: usize,
        touchpoint: usize,
        t: Instant,
        obs: &mut O,
        next: Next,
    ) -> Next {
        if let Some(run) = c.run.as_mut() {
            run.last_sent[touchpoint] = Some(t);
        }
        c.recall.sent(touchpoint, t);
        let data = if obs.wants_data() {
            super::payload::values(self, c, node, t)
        } else {
            None
        };
        obs.action(t, Some(node), &Action::Sent { touchpoint, data });
        next
    }
}

/// Sets `v` to `n` copies of `x`, keeping its allocation.
fn refill<T: Copy>(v: &mut Vec<T>, n: usize, x: T) {
    v.clear();
    v.resize(n, x);
}

fn engaged(run: Option<&Run>, kind: Engagement, tp: usize) -> bool {
    let Some(run) = run else { return false };
    match kind {
        Engagement::Sent => run.last_sent.get(tp).is_some_and(Option::is_some),
        Engagement::Opened => run.opened.get(tp).copied().unwrap_or(false),
        Engagement::Clicked => run.clicked.get(tp).copied().unwrap_or(false),
    }
}

/// The split bucket (0..10000) of a customer whose id hashes to `id_hash` at a split whose
/// journey name and node id hash to `salt`. Public so that exports compute the same assignment.
pub fn bucket(id_hash: u64, salt: u64) -> u32 {
    (mix(id_hash ^ salt) % 10_000) as u32
}

/// A finaliser (splitmix64) so that nearby hashes land in unrelated buckets.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Keeps `ev` as the run's current event, reusing the buffer of the one it replaces: a simulation
/// delivers millions of events with fields, and each would otherwise allocate its copy.
fn store_event(slot: &mut Option<EventPayload>, ev: &EventPayload) {
    match slot {
        Some(old) => {
            old.event = ev.event;
            old.fields.clone_from(&ev.fields);
        }
        None => *slot = Some(ev.clone()),
    }
}
