//! Lowering of `simulation` blocks: the population and the behaviour model, with every value
//! typed and every condition lowered by the same lowerer as the journey's own conditions, so the
//! simulator runs them without the syntax tree.
//!
//! The meaning of each rule is defined in `docs/simulation.md`.

use super::lower::lower_expr;
use super::scenario::value_of;
use super::{Engagement, Expr, Value};
use crate::check::{Model, SimulationDef, Type};
use crate::source::Span;
use crate::syntax::ast::{self, SimPart};

/// The most customers one simulation runs: 100 million. The examples cost 0.2 to 0.5 µs per
/// customer and core (docs/performance.md), so this is tens of seconds to minutes, while the
/// report's percentages stop moving long before; a larger number is a typo or an overflow
/// (`18446744073709551615`), which would run for centuries with no sign of life off a terminal.
pub const MAX_CUSTOMERS: u64 = 100_000_000;

/// A lowered `simulation` block.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    pub name: String,
    /// The journey customers arrive in: the first one named (its trigger is each customer's
    /// arrival event).
    pub journey: String,
    /// Every journey the customers run through together, in the order written (`journeys
    /// all`: every journey of the project, in the order declared); `[journey]` for `journey
    /// NAME`.
    pub journeys: Vec<String>,
    /// `customers N`; `None` when the block does not say (the command line then must).
    pub customers: Option<u64>,
    /// `seed N`; `None` when the block does not say (seed 0 unless the command line gives one).
    pub seed: Option<u64>,
    /// How attributes are drawn, in the order written. Attributes not listed keep their defaults.
    pub population: Vec<Draw>,
    /// `trigger { ... }`: how the fields of the trigger event each customer arrives with are
    /// drawn, in the order written. Fields not listed are unset.
    pub trigger: Vec<Draw>,
    /// Behaviour rules in the order written.
    pub behavior: Vec<Rule>,
    /// The span of the simulation's name, for messages.
    pub span: Span,
}

/// How one attribute (in a population) or one event field (in a `trigger` block or a rule's
/// field block) is drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Draw {
    /// The attribute's or the field's name.
    pub attribute: String,
    pub kind: DrawKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum DrawKind {
    /// Everyone gets this value.
    Fixed(Value),
    /// Weighted choices: each value with its share in basis points (summing to 10,000).
    Choices(Vec<(Value, u32)>),
    /// Uniform between the two ends, both included (ints, decimals, durations, dates).
    Range(Value, Value),
    /// A datetime between the two durations (seconds) after the moment of the draw.
    FromNow(u64, u64),
}

/// What a behaviour rule produces.
#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    /// The customer sends this event.
    Event(String),
    /// The customer opens or clicks a touchpoint they were sent.
    Engage {
        kind: Engagement,
        touchpoint: String,
    },
}

/// One behaviour rule: `SUBJECT P% [TIMING] [after TOUCHPOINT] [where COND]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub subject: Subject,
    /// The probability in parts per million (`12.5%` is 125,000), so draws compare integers.
    pub ppm: u32,
    /// The delay is uniform in `min_secs..=max_secs` (equal for an exact delay).
    pub min_secs: u64,
    pub max_secs: u64,
    /// `after TOUCHPOINT`: a response, drawn each time that touchpoint is sent and timed from
    /// the send. An engagement rule without `after` responds to its own touchpoint.
    pub after: Option<String>,
    pub condition: Option<Expr>,
    /// How the fields of the event it produces are drawn, in the order written (empty for
    /// engagements, and when the rule gives none).
    pub fields: Vec<Draw>,
}

/// Lowers a checked simulation. `None` when it names no journey (the checker reported it).
pub fn lower_simulation(model: &Model, sim: &SimulationDef) -> Option<Simulation> {
    let mut out = Simulation {
        name: sim.name.clone(),
        journey: String::new(),
        journeys: Vec::new(),
        customers: None,
        seed: None,
        population: Vec::new(),
        trigger: Vec::new(),
        behavior: Vec::new(),
        span: sim.decl.name.span,
    };
    let mut journeys: Option<Vec<String>> = None;
    let mut trigger = None;
    for part in &sim.decl.parts {
        match part {
            SimPart::Journey(j, _) => journeys = Some(vec![j.name.clone()]),
            // Every journey, in the order the project declares them (files in load order).
            SimPart::Journeys(list, _) if list.is_empty() => {
                let mut all: Vec<_> = model.journeys.values().collect();
                all.sort_by_key(|j| (j.file, j.decl.span.start));
                journeys = Some(all.iter().map(|j| j.name.clone()).collect())
            }
            SimPart::Journeys(list, _) => {
                let mut names: Vec<String> = Vec::new();
                for j in list {
                    if !names.contains(&j.name) {
                        names.push(j.name.clone());
                    }
                }
                journeys = Some(names)
            }
            SimPart::Customers(n, _) => out.customers = Some(*n),
            SimPart::Seed(n, _) => out.seed = Some(*n),
            SimPart::Population(list, _) => {
                out.population = list
                    .iter()
                    .filter_map(|a| draw(model, a, model.attr_type(&a.attr.name)?))
                    .collect();
            }
            SimPart::Trigger(list, _) => trigger = Some(list),
            SimPart::Behavior(rules, _) => {
                out.behavior = rules.iter().filter_map(|r| rule(model, r)).collect();
            }
        }
    }
    out.journeys = journeys?;
    out.journey = out.journeys.first()?.clone();
    let event = model.journeys.get(&out.journey).and_then(|j| j.trigger());
    if let (Some(list), Some(t)) = (trigger, event) {
        out.trigger = field_draws(model, &t.event.name, list);
    }
    Some(out)
}

/// The draws of an event's fields; lines the checker rejected are left out.
fn field_draws(model: &Model, event: &str, list: &[ast::PopAssign]) -> Vec<Draw> {
    list.iter()
        .filter_map(|a| draw(model, a, model.field_type(event, &a.attr.name)?))
        .collect()
}

/// One drawn line, typed as `ty` (the attribute's or the field's type).
fn draw(model: &Model, a: &ast::PopAssign, ty: &Type) -> Option<Draw> {
    let kind = match &a.value {
        ast::PopValue::Fixed(v) => DrawKind::Fixed(value_of(model, v, ty)?),
        ast::PopValue::Choices(list) => DrawKind::Choices(
            list.iter()
                .map(|(v, pct, _)| Some((value_of(model, v, ty)?, percent_to_bp(*pct))))
                .collect::<Option<Vec<_>>>()?,
        ),
        ast::PopValue::FromNow(lo, hi) => DrawKind::FromNow(lo.secs, hi.secs),
        ast::PopValue::Range(lo, hi) => {
            DrawKind::Range(value_of(model, lo, ty)?, value_of(model, hi, ty)?)
        }
    };
    Some(Draw {
        attribute: a.attr.name.clone(),
        kind,
    })
}

fn rule(model: &Model, r: &ast::BehaviorRule) -> Option<Rule> {
    let (subject, event) = match &r.subject {
        ast::BehaviorSubject::Event(e) => (Subject::Event(e.name.clone()), Some(e.name.as_str())),
        ast::BehaviorSubject::Engagement { func, touchpoint } => {
            let kind = match func.name.as_str() {
                "opened" => Engagement::Opened,
                "clicked" => Engagement::Clicked,
                _ => return None,
            };
            let subject = Subject::Engage {
                kind,
                touchpoint: touchpoint.name.clone(),
            };
            (subject, None)
        }
    };
    let (min_secs, max_secs) = match &r.timing {
        None => (0, 0),
        Some(ast::Timing::After(lo, None)) => (lo.secs, lo.secs),
        Some(ast::Timing::After(lo, Some(hi))) => (lo.secs.min(hi.secs), hi.secs.max(lo.secs)),
        Some(ast::Timing::Within(d)) => (0, d.secs),
    };
    let after = match (&r.after, &subject) {
        (Some(t), _) => Some(t.name.clone()),
        (None, Subject::Engage { touchpoint, .. }) => Some(touchpoint.clone()),
        (None, Subject::Event(_)) => None,
    };
    let fields = match (&r.fields, event) {
        (Some(b), Some(e)) => field_draws(model, e, &b.fields),
        _ => Vec::new(),
    };
    Some(Rule {
        subject,
        fields,
        ppm: (r.percent * 10_000.0).round().clamp(0.0, 1_000_000.0) as u32,
        min_secs,
        max_secs,
        after,
        condition: r.condition.as_ref().map(|c| lower_expr(model, event, c)),
    })
}

/// A share in percent (`12.5`) in basis points (`1250`); the checker bounds it to 0..=100.
fn percent_to_bp(percent: f64) -> u32 {
    (percent * 100.0).round().clamp(0.0, 10_000.0) as u32
}
