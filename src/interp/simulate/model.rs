//! The behaviour model and population compiled against one journey's program: names become
//! slots and indices, rates become integers, so drawing a customer does no lookup by name.
//!
//! Each worker compiles its own copy: values hold reference-counted strings, and sharing them
//! between threads would make every clone fight over one counter.

use super::rng::Source;
use super::SimError;
use crate::interp::program::{CExpr, Program};
use crate::interp::time::Instant;
use crate::interp::value::Val;
use crate::ir::simulation::{Draw, DrawKind, Simulation, Subject};
use crate::ir::Engagement;
use std::sync::Arc;

/// What a rule makes happen.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Item {
    /// An event, by the program's event index.
    Event(usize),
    /// An open or click of a touchpoint, by the program's touchpoint index.
    Engage(Engagement, usize),
    /// An event the journey never reads: drawn (so every version of a journey sees the same
    /// draws) and then dropped.
    Ignored,
}

/// The longest delay a rule can draw (about 34,000 years: far past any horizon).
pub(super) const MAX_DELAY: u64 = 1 << 40;

#[derive(Clone, Debug)]
pub struct CRule {
    pub item: Item,
    pub ppm: u32,
    pub min_secs: i64,
    /// `max - min`: the delay is `min + below(span + 1)`.
    pub span: u64,
    pub condition: Option<CExpr>,
    /// The rule's draw site for its events' fields (see [`super::rng::Stream::sub`]): its
    /// position in the behaviour block plus one.
    pub site: u32,
}

/// How an event's fields are drawn: each field's name and its draw.
pub type FieldDraws = Vec<(Arc<str>, CDraw)>;

#[derive(Clone, Debug)]
pub enum CDraw {
    Fixed(Val),
    /// Cumulative basis points, and the values.
    Choices(Vec<u32>, Vec<Val>),
    Int(i64, u64),
    /// A decimal range at its scale: the low end's digits, the number of steps of one unit in
    /// the last place up to the high end, and the scale (`ir::simulation`, docs/simulation.md).
    Dec(i128, u64, u32),
    Dur(i64, u64),
    Date(i64, u64),
    /// Seconds since the epoch: the low end and the span.
    DateTime(i64, u64),
    /// `now + LO..HI`: seconds after the moment of the draw, the low end and the span.
    FromNow(i64, u64),
}

#[derive(Clone, Debug)]
pub struct Model {
    pub draws: Vec<(usize, CDraw)>,
    /// Rules without `after`, drawn once at entry.
    pub base: Vec<CRule>,
    /// Per touchpoint of the program: the rules drawn each time it is sent.
    pub responses: Vec<Vec<CRule>>,
    /// Whether some rule produces the trigger event (customers may then enter again later).
    pub retriggers: bool,
    /// The fields of the trigger event each customer arrives with (draw site 0).
    pub trigger_fields: FieldDraws,
    /// Per draw site (`site - 1`, a rule's position): the fields of the events it produces.
    pub rule_fields: Vec<FieldDraws>,
}

impl Model {
    pub fn compile(program: &Program, sim: &Simulation) -> Result<Model, SimError> {
        let mut draws = Vec::new();
        for d in &sim.population {
            let Some(slot) = program.attr(&d.attribute) else {
                continue;
            };
            draws.push((slot, draw(&d.kind)));
        }
        let mut rule_fields = Vec::with_capacity(sim.behavior.len());
        let mut base = Vec::new();
        let mut responses = vec![Vec::new(); program.touchpoints.len()];
        let mut retriggers = false;
        for (at, r) in sim.behavior.iter().enumerate() {
            let item = match &r.subject {
                Subject::Event(e) => match program.event(e) {
                    Some(i) => {
                        retriggers |= i == program.trigger.0;
                        Item::Event(i)
                    }
                    None => Item::Ignored,
                },
                Subject::Engage { kind, touchpoint } => match program.touchpoint(touchpoint) {
                    Some(tp) => Item::Engage(*kind, tp),
                    None => Item::Ignored,
                },
            };
            let condition = match &r.condition {
                Some(c) => Some(program.compile_expr(c).map_err(|e| {
                    SimError::Model(format!(
                        "a behaviour rule's `where` cannot be read against journey `{}`: {e}",
                        program.ir.name
                    ))
                })?),
                None => None,
            };
            let rule = CRule {
                item,
                ppm: r.ppm,
                // Delays beyond the horizon change nothing; bounding them keeps arithmetic safe.
                min_secs: r.min_secs.min(MAX_DELAY) as i64,
                span: r.max_secs.saturating_sub(r.min_secs).min(MAX_DELAY),
                condition,
                site: u32::try_from(at + 1).unwrap_or(u32::MAX),
            };
            // Fields of an event the journey never reads are never delivered: not drawn.
            rule_fields.push(match item {
                Item::Event(_) => field_draws(&r.fields),
                _ => Vec::new(),
            });
            match &r.after {
                None => base.push(rule),
                // A response to a touchpoint this journey never sends is never drawn.
                Some(t) => {
                    if let Some(tp) = program.touchpoint(t) {
                        responses[tp].push(rule);
                    }
                }
            }
        }
        Ok(Model {
            draws,
            base,
            responses,
            retriggers,
            trigger_fields: field_draws(&sim.trigger),
            rule_fields,
        })
    }

    /// Draws the population attributes into `attrs` (already reset to the defaults). Every
    /// draw but a fixed value takes exactly one number from the stream, so later draws do not
    /// depend on values.
    pub fn populate(&self, attrs: &mut [Val], rng: &mut impl Source, now: Instant) {
        for (slot, d) in &self.draws {
            attrs[*slot] = d.sample_at(rng, now);
        }
    }

    /// The fields drawn at `site` (0 for the trigger block, a rule's `site` otherwise).
    pub fn fields_at(&self, site: u32) -> &[(Arc<str>, CDraw)] {
        match site.checked_sub(1) {
            None => &self.trigger_fields,
            Some(r) => self
                .rule_fields
                .get(r as usize)
                .map_or(&[][..], |f| f.as_slice()),
        }
    }
}

impl CDraw {
    /// One value: the same code draws population attributes and event fields.
    /// Draws a value at `now`: `now + LO..HI` counts from it; every other draw is `sample`.
    pub fn sample_at(&self, rng: &mut impl Source, now: Instant) -> Val {
        match self {
            CDraw::FromNow(lo, span) => {
                let after = lo.wrapping_add(rng.below(span + 1) as i64);
                Val::DateTime(now.saturating_add(after))
            }
            _ => self.sample(rng),
        }
    }

    pub fn sample(&self, rng: &mut impl Source) -> Val {
        match self {
            CDraw::Fixed(v) => v.clone(),
            CDraw::Choices(cum, vals) => {
                let x = rng.below(10_000) as u32;
                let i = cum.iter().position(|c| x < *c).unwrap_or(vals.len() - 1);
                vals[i].clone()
            }
            CDraw::Int(lo, span) => Val::Int(lo.wrapping_add(rng.below(span + 1) as i64)),
            CDraw::Dec(lo, steps, scale) => {
                let digits = lo.saturating_add(i128::from(rng.below(steps + 1)));
                rust_decimal::Decimal::try_from_i128_with_scale(digits, *scale)
                    .map_or(Val::Missing, Val::Dec)
            }
            CDraw::Dur(lo, span) => Val::Dur(lo.wrapping_add(rng.below(span + 1) as i64)),
            CDraw::Date(lo, span) => Val::Date(lo.wrapping_add(rng.below(span + 1) as i64)),
            CDraw::DateTime(lo, span) => Val::DateTime(lo.wrapping_add(rng.below(span + 1) as i64)),
            // Without the moment of the draw (see `sample_at`): one number taken all the same.
            CDraw::FromNow(_, span) => {
                rng.below(span + 1);
                Val::Missing
            }
        }
    }
}

pub(super) fn field_draws(list: &[Draw]) -> FieldDraws {
    list.iter()
        .map(|d| (Arc::from(d.attribute.as_str()), draw(&d.kind)))
        .collect()
}

pub(super) fn draw(kind: &DrawKind) -> CDraw {
    match kind {
        DrawKind::Fixed(v) => CDraw::Fixed(Val::from_ir(v)),
        DrawKind::Choices(list) if !list.is_empty() => {
            let mut cum = Vec::with_capacity(list.len());
            let mut total = 0u32;
            for (_, bp) in list {
                total = total.saturating_add(*bp);
                cum.push(total);
            }
            CDraw::Choices(cum, list.iter().map(|(v, _)| Val::from_ir(v)).collect())
        }
        DrawKind::Choices(_) => CDraw::Fixed(Val::Missing),
        DrawKind::FromNow(lo, hi) => {
            let lo = i64::try_from(*lo).unwrap_or(i64::MAX / 2);
            let hi = i64::try_from(*hi).unwrap_or(i64::MAX / 2);
            CDraw::FromNow(lo, u64::try_from(hi.saturating_sub(lo)).unwrap_or(0))
        }
        DrawKind::Range(lo, hi) => {
            // Spans are computed in i128 so that extreme ends cannot overflow.
            let span = |a: i64, b: i64| {
                (i128::from(b) - i128::from(a)).clamp(0, i128::from(u32::MAX) * 1024) as u64
            };
            match (Val::from_ir(lo), Val::from_ir(hi)) {
                (Val::Int(a), Val::Int(b)) => CDraw::Int(a, span(a, b)),
                (Val::Dec(a), Val::Dec(b)) => super::decimal_draw::range(a, b),
                (Val::Dur(a), Val::Dur(b)) => CDraw::Dur(a, span(a, b)),
                (Val::Date(a), Val::Date(b)) => CDraw::Date(a, span(a, b)),
                (Val::DateTime(a), Val::DateTime(b)) => CDraw::DateTime(a, span(a, b)),
                (a, _) => CDraw::Fixed(a),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::simulate::rng::Source;

    /// A stream that answers `below` with the numbers given, in turn (clamped below `n`).
    struct Scripted(Vec<u64>);

    impl Source for Scripted {
        fn below(&mut self, n: u64) -> u64 {
            let x = if self.0.is_empty() {
                0
            } else {
                self.0.remove(0)
            };
            x.min(n.saturating_sub(1))
        }
    }

    fn s(x: &str) -> Val {
        Val::Str(Arc::from(x))
    }

    /// Shares are basis points: a number below a value's cumulative share picks it, the first
    /// number at it picks the next; shares that add up to less than 100% (three thirds) give
    /// what is left to the last value.
    #[test]
    fn choices_pick_by_cumulative_share() {
        let thirds = CDraw::Choices(vec![3333, 6666, 9999], vec![s("a"), s("b"), s("c")]);
        for (x, want) in [
            (0, "a"),
            (3332, "a"),
            (3333, "b"),
            (6665, "b"),
            (6666, "c"),
            (9999, "c"),
        ] {
            assert_eq!(thirds.sample(&mut Scripted(vec![x])), s(want), "{x}");
        }
    }

    /// Ranges include both ends: the stream's lowest number draws the low end, its highest
    /// the high end.
    #[test]
    fn ranges_draw_both_ends() {
        let dec = |m: i64| Val::Dec(rust_decimal::Decimal::new(m, 2));
        for (d, lo, hi) in [
            (CDraw::Int(10, 5), Val::Int(10), Val::Int(15)),
            (CDraw::Dec(150, 9_849, 2), dec(150), dec(9_999)),
            (CDraw::Dur(60, 3_540), Val::Dur(60), Val::Dur(3_600)),
            (CDraw::Date(20_458, 6), Val::Date(20_458), Val::Date(20_464)),
            (
                CDraw::DateTime(1_000, 59),
                Val::DateTime(1_000),
                Val::DateTime(1_059),
            ),
        ] {
            assert_eq!(d.sample(&mut Scripted(vec![0])), lo, "{d:?}");
            assert_eq!(d.sample(&mut Scripted(vec![u64::MAX])), hi, "{d:?}");
        }
    }

    /// A range compiled from the simulation block keeps its whole span: a duration range of
    /// 400 days reaches its high end (spans are clamped only past 2^42).
    #[test]
    fn a_compiled_range_keeps_its_span() {
        let (lo, hi) = (86_400, 400 * 86_400);
        let d = draw(&DrawKind::Range(
            crate::ir::Value::Duration(lo),
            crate::ir::Value::Duration(hi),
        ));
        assert_eq!(d.sample(&mut Scripted(vec![0])), Val::Dur(lo as i64));
        assert_eq!(d.sample(&mut Scripted(vec![u64::MAX])), Val::Dur(hi as i64));
        let d = draw(&DrawKind::FromNow(lo, hi));
        assert_eq!(
            d.sample_at(&mut Scripted(vec![u64::MAX]), 0),
            Val::DateTime(hi as i64)
        );
    }

    /// `now + LO..HI` counts from the moment of the draw; without one it is not set, though it
    /// takes its number all the same.
    #[test]
    fn a_draw_from_now_counts_from_the_moment_of_the_draw() {
        let d = CDraw::FromNow(3_600, 7_200);
        assert_eq!(
            d.sample_at(&mut Scripted(vec![0]), 1_000),
            Val::DateTime(4_600)
        );
        assert_eq!(
            d.sample_at(&mut Scripted(vec![7_200]), 1_000),
            Val::DateTime(11_800)
        );
        let mut rng = Scripted(vec![5, 9]);
        assert_eq!(d.sample(&mut rng), Val::Missing);
        assert_eq!(rng.0, [9], "one number taken");
        // A fixed `now + D` too.
        let fixed = CDraw::FromNow(3_600, 0);
        let mut rng = Scripted(vec![5, 9]);
        assert_eq!(fixed.sample(&mut rng), Val::Missing);
        assert_eq!(fixed.sample_at(&mut rng, 1_000), Val::DateTime(4_600));
        assert!(rng.0.is_empty(), "one number each");
        // Every other draw ignores the moment.
        let ints = CDraw::Int(10, 5);
        assert_eq!(ints.sample_at(&mut Scripted(vec![5]), 1_000), Val::Int(15));
    }
}
