//! Running a `test` block in the world: the test's customer lives in every journey of the
//! project at once (so a cap counts the sends of all of them, and an `exclusive` group holds),
//! and the timeline shows what each journey did, ignored events included.

use super::{Cast, World, WorldObserver};
use crate::interp::engine::{Action, ExitReason, NotEntered};
use crate::interp::scenario::{check, play, runaway_message, Failure, Happening, Step, TEST_EPOCH};
use crate::interp::time::Instant;
use crate::interp::value::Val;
use crate::ir::scenario::{Expect, Scenario};

/// What happened in one journey, in time order across journeys.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    pub journey: usize,
    pub happening: Happening,
    /// The key of the instance it happened in, for a journey with `per FIELD`.
    pub key: Option<std::sync::Arc<str>>,
}

/// What a test did in the world: its timeline holds every journey's actions and ignored events,
/// in the order they happened.
pub type Outcome = crate::interp::scenario::Outcome<Event>;

#[derive(Default)]
struct Recorder {
    timeline: Vec<Event>,
    /// The key of the keyed instance acting now, if any (see [`WorldObserver::instance`]).
    key: Option<std::sync::Arc<str>>,
}

impl Recorder {
    fn push(&mut self, journey: usize, time: Instant, node: Option<usize>, action: &Action) {
        self.timeline.push(Event {
            journey,
            happening: Happening {
                time,
                node,
                action: action.clone(),
            },
            key: self.key.clone(),
        });
    }
}

impl WorldObserver for Recorder {
    fn action(&mut self, journey: usize, time: Instant, node: Option<usize>, action: &Action) {
        self.push(journey, time, node, action);
    }
    fn not_entered(&mut self, _journey: usize, _time: Instant, _why: NotEntered) {}
    fn instance(&mut self, _journey: usize, key: Option<&str>) {
        self.key = key.map(std::sync::Arc::from);
    }
    fn ignored(&mut self, journey: usize, time: Instant, action: &Action) {
        let node = match action {
            Action::Ignored { node, .. } => *node,
            _ => None,
        };
        self.push(journey, time, node, action);
    }
    fn wants_data(&self) -> bool {
        true
    }
}

/// Runs the scenario with every journey of `cast`; `focus` is the test's own journey, whose
/// stages, milestones, goals and exits the expectations name. Sends and suppressions are
/// looked for in every journey (touchpoints are declared once for the whole project).
pub fn run(cast: &Cast, focus: usize, scenario: &Scenario) -> Outcome {
    let mut world = World::new(cast, &format!("test:{}", scenario.name));
    let traits: Vec<(String, Val)> = scenario
        .customer
        .iter()
        .map(|(name, v)| (name.clone(), Val::from_ir(v)))
        .collect();
    let mut rec = Recorder::default();
    world.identify(cast, TEST_EPOCH, &traits, &mut rec);
    let end = play(scenario, |t, step| match step {
        Step::Event { name, fields } => world.event(cast, t, name, &fields, &mut rec),
        Step::Engage { kind, touchpoint } => world.engage(cast, t, kind, touchpoint, &mut rec),
        Step::Identify { traits } => world.identify(cast, t, &traits, &mut rec),
    });
    world.advance(cast, end, &mut rec);
    // Stable: within an instant, the order things happened in.
    rec.timeline.sort_by_key(|e| e.happening.time);
    let of = |j: usize| -> Vec<Happening> {
        rec.timeline
            .iter()
            .filter(|e| e.journey == j)
            .map(|e| e.happening.clone())
            .collect()
    };
    let per_journey: Vec<Vec<Happening>> = (0..cast.programs.len()).map(of).collect();
    let failures = scenario
        .expectations
        .iter()
        .filter_map(|e| {
            let own = check(&cast.programs[focus], e, &per_journey[focus]);
            let anywhere = matches!(e.kind, Expect::Sent { .. } | Expect::Suppressed { .. });
            let message = match own {
                Some(m) if anywhere => {
                    let others: Vec<Option<String>> = (0..cast.programs.len())
                        .filter(|j| *j != focus)
                        .map(|j| check(&cast.programs[j], e, &per_journey[j]))
                        .collect();
                    if e.negated {
                        Some(m)
                    } else if others.iter().any(Option::is_none) {
                        None
                    } else {
                        Some(m)
                    }
                }
                None if anywhere && e.negated => (0..cast.programs.len())
                    .filter(|j| *j != focus)
                    .find_map(|j| check(&cast.programs[j], e, &per_journey[j])),
                other => other,
            };
            message.map(|message| Failure {
                expectation: e.clone(),
                message,
            })
        })
        .collect();
    let runtime_errors = rec
        .timeline
        .iter()
        .filter(|e| {
            matches!(
                e.happening.action,
                Action::Left {
                    reason: ExitReason::Runaway
                }
            )
        })
        .map(|e| runaway_message(&cast.programs[e.journey], e.happening.node))
        .collect();
    Outcome {
        failures,
        runtime_errors,
        timeline: rec.timeline,
    }
}
