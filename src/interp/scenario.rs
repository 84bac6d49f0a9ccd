//! Running `test` blocks: one sample customer, a timeline of events, and expectations checked
//! against what the journey did.

use super::engine::{Action, Customer, Engine, ExitReason, Observer};
use super::program::{EventPayload, Program};
use super::time::{format_duration, Instant, DAY};
use super::value::Val;
use crate::ir::scenario::{Expect, Expectation, Scenario, StepKind};
use crate::ir::Engagement;
use std::sync::Arc;

/// Test time 0: Monday 2026-01-05 09:00 UTC, outside the usual quiet hours.
pub const TEST_EPOCH: Instant = 1_767_603_600;

/// After the last event, timers run for this long at most (a journey that loops with waits
/// would otherwise run for ever).
pub const HORIZON: Instant = 366 * DAY;

/// One thing that happened, for the timeline of a failed test.
#[derive(Clone, Debug, PartialEq)]
pub struct Happening {
    pub time: Instant,
    pub node: Option<usize>,
    pub action: Action,
}

#[derive(Default)]
pub struct Recorder {
    pub happenings: Vec<Happening>,
}

impl Observer for Recorder {
    fn action(&mut self, time: Instant, node: Option<usize>, action: &Action) {
        self.happenings.push(Happening {
            time,
            node,
            action: action.clone(),
        });
    }
    fn wants_data(&self) -> bool {
        true
    }
}

/// A failed expectation and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub expectation: Expectation,
    pub message: String,
}

/// What a test did: one journey's ([`Happening`]s) or the world's (`world::scenario::Event`s).
#[derive(Clone, Debug)]
pub struct Outcome<T = Happening> {
    pub failures: Vec<Failure>,
    /// Runtime errors (`E0900`): a test with one fails whatever it expected.
    pub runtime_errors: Vec<String>,
    /// What happened, in time order.
    pub timeline: Vec<T>,
}

impl<T> Outcome<T> {
    pub fn passed(&self) -> bool {
        self.failures.is_empty() && self.runtime_errors.is_empty()
    }
}

/// The runtime diagnostic for a customer stopped by the instant-step guard, with the place in
/// the source where the loop was cut.
pub fn runaway_message(program: &Program, node: Option<usize>) -> String {
    let place = node
        .and_then(|n| program.ir.nodes.get(n))
        .map(|n| format!("{}:{} (node `{}`)", n.source.file, n.source.line, n.id))
        .unwrap_or_else(|| program.ir.source.file.clone());
    format!(
        "error[E0900]: the customer took more than {} steps without time passing, at {place}; \
         a `goto` loop needs a `wait` on the way (`journeyc explain E0900`)",
        super::engine::MAX_INSTANT_STEPS
    )
}

/// One step of a test's timeline, its fields converted to run-time values.
pub(crate) enum Step<'a> {
    Event {
        name: &'a str,
        fields: Vec<(Arc<str>, Val)>,
    },
    Engage {
        kind: Engagement,
        touchpoint: &'a str,
    },
    /// An identify: attribute values by name.
    Identify { traits: Vec<(String, Val)> },
}

/// Feeds the scenario's steps to `step` at their times (counted from [`TEST_EPOCH`]), for one
/// journey or the world, and returns when timers stop running: [`HORIZON`] after the last step.
pub(crate) fn play(scenario: &Scenario, mut step: impl FnMut(Instant, Step<'_>)) -> Instant {
    let mut last = TEST_EPOCH;
    for s in &scenario.steps {
        let t = TEST_EPOCH.saturating_add(i64::try_from(s.at).unwrap_or(i64::MAX / 2));
        last = t;
        step(
            t,
            match &s.kind {
                StepKind::Event { name, fields } => Step::Event {
                    name,
                    fields: fields
                        .iter()
                        .map(|(f, v)| (Arc::from(f.as_str()), Val::from_ir(v)))
                        .collect(),
                },
                StepKind::Engage { kind, touchpoint } => Step::Engage {
                    kind: *kind,
                    touchpoint,
                },
                StepKind::Identify { attrs } => Step::Identify {
                    traits: attrs
                        .iter()
                        .map(|(n, v)| (n.clone(), Val::from_ir(v)))
                        .collect(),
                },
            },
        );
    }
    last.saturating_add(HORIZON)
}

/// Runs the scenario on the compiled journey.
pub fn run(program: &Program, scenario: &Scenario) -> Outcome {
    let engine = Engine::new(program);
    let mut customer = Customer::new(program, &format!("test:{}", scenario.name));
    let traits: Vec<(usize, Val)> = scenario
        .customer
        .iter()
        .filter_map(|(name, v)| Some((program.attr(name)?, Val::from_ir(v))))
        .collect();
    engine.identify(&mut customer, &traits);
    let mut rec = Recorder::default();
    engine.decide_when(&mut customer, TEST_EPOCH, &mut rec);
    let end = play(scenario, |t, step| match step {
        Step::Event { name, fields } => {
            let payload = EventPayload {
                event: program.event(name),
                fields,
            };
            engine.event(&mut customer, t, &payload, &mut rec);
        }
        Step::Engage { kind, touchpoint } => {
            if let Some(tp) = program.touchpoint(touchpoint) {
                engine.engage(&mut customer, t, kind, tp, &mut rec);
            }
        }
        Step::Identify { traits } => {
            engine.advance(&mut customer, t - 1, &mut rec);
            let slots: Vec<(usize, Val)> = traits
                .into_iter()
                .filter_map(|(name, v)| Some((program.attr(&name)?, v)))
                .collect();
            engine.identify(&mut customer, &slots);
            engine.retime(&mut customer, t);
            engine.decide_when(&mut customer, t, &mut rec);
        }
    });
    engine.advance(&mut customer, end, &mut rec);
    let failures = scenario
        .expectations
        .iter()
        .filter_map(|e| {
            check(program, e, &rec.happenings).map(|message| Failure {
                expectation: e.clone(),
                message,
            })
        })
        .collect();
    let runtime_errors = rec
        .happenings
        .iter()
        .filter(|h| {
            matches!(
                h.action,
                Action::Left {
                    reason: ExitReason::Runaway
                }
            )
        })
        .map(|h| runaway_message(program, h.node))
        .collect();
    Outcome {
        failures,
        runtime_errors,
        timeline: rec.happenings,
    }
}

/// `None` when the expectation holds, else what happened instead.
pub(crate) fn check(p: &Program, e: &Expectation, timeline: &[Happening]) -> Option<String> {
    let matches = |h: &Happening| -> bool {
        match (&e.kind, &h.action) {
            (
                Expect::Sent {
                    touchpoint,
                    at,
                    with,
                    local,
                },
                Action::Sent {
                    touchpoint: t,
                    data,
                },
            ) => {
                p.touchpoint_names.get(*t) == Some(touchpoint)
                    && at.is_none_or(|at| h.time - TEST_EPOCH == i64::try_from(at).unwrap_or(-1))
                    && carries(data, with)
                    && local
                        .as_ref()
                        .is_none_or(|l| super::zone::local_expect_holds(l, h.time))
            }
            (Expect::Suppressed { touchpoint }, Action::Suppressed { touchpoint: t, .. }) => {
                p.touchpoint_names.get(*t) == Some(touchpoint)
            }
            (Expect::Milestone { name }, Action::Milestone { milestone }) => {
                p.milestone_names.get(*milestone) == Some(name)
            }
            (Expect::Reached { stage }, Action::ReachedStage { stage: s }) => {
                p.stage_names.get(*s) == Some(stage)
            }
            (Expect::Converted, Action::Converted { .. }) => true,
            (
                Expect::Exited,
                Action::Left {
                    reason: ExitReason::ExitCriterion(_) | ExitReason::ExitStep,
                },
            ) => true,
            _ => false,
        }
    };
    let found: Vec<&Happening> = timeline.iter().filter(|h| matches(h)).collect();
    let when = |h: &Happening| format!("+{}", format_duration(h.time - TEST_EPOCH));
    match (e.negated, found.first()) {
        (false, Some(_)) | (true, None) => None,
        (true, Some(h)) => Some(format!("it happened at {}", when(h))),
        (false, None) => Some(match &e.kind {
            Expect::Sent {
                touchpoint, with, ..
            } if !with.is_empty() => {
                let sends: Vec<String> = timeline
                    .iter()
                    .filter_map(|h| match &h.action {
                        Action::Sent {
                            touchpoint: t,
                            data,
                        } if p.touchpoint_names.get(*t) == Some(touchpoint) => Some(format!(
                            "at {}{}",
                            when(h),
                            super::payload::suffix(p, *t, data)
                        )),
                        _ => None,
                    })
                    .collect();
                let expected: Vec<(std::sync::Arc<str>, Val)> = with
                    .iter()
                    .map(|(f, v)| (std::sync::Arc::from(f.as_str()), Val::from_ir(v)))
                    .collect();
                let tp = p.touchpoint(touchpoint).unwrap_or(usize::MAX);
                let expected = super::payload::show(p, tp, &expected);
                if sends.is_empty() {
                    format!("`{touchpoint}` was never sent (expected with {expected})")
                } else {
                    format!(
                        "`{touchpoint}` was sent {}; expected with {expected}",
                        sends.join(", ")
                    )
                }
            }
            // Without a time, the expectation failed because the touchpoint never went out.
            Expect::Sent {
                touchpoint, local, ..
            } => {
                let other: Vec<String> = timeline
                    .iter()
                    .filter(|h| matches!(h.action, Action::Sent { touchpoint: t, .. } if p.touchpoint_names.get(t) == Some(touchpoint)))
                    .map(|h| match local {
                        Some(l) => format!("{} ({})", when(h), super::zone::show_local(h.time, &l.zone)),
                        None => when(h),
                    })
                    .collect();
                if other.is_empty() {
                    format!("`{touchpoint}` was never sent")
                } else {
                    format!("`{touchpoint}` was sent at {} instead", other.join(", "))
                }
            }
            _ => "it never happened".to_string(),
        }),
    }
}

/// Whether a send's data holds every expected field with the expected value.
fn carries(data: &super::payload::Data, with: &[(String, crate::ir::Value)]) -> bool {
    with.iter().all(|(f, v)| {
        data.iter()
            .flat_map(|d| d.iter())
            .any(|(g, a)| g.as_ref() == f.as_str() && super::payload::equal(a, &Val::from_ir(v)))
    })
}
