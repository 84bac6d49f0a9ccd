//! Whether a simulation lowered against one version of a journey can run on another version:
//! `journeyc simulate --compare` runs one population and behaviour on both, and a population
//! value the other version's schema cannot hold (an enum value it dropped, an attribute whose
//! type changed) would otherwise be poured in silently and skew the comparison.

use super::simulation::{Draw, DrawKind, Simulation, Subject};
use super::{Expr, Journey, Type, Value};

/// What in `sim` does not fit `journey`, one sentence each; empty when it all fits.
pub fn misfits(sim: &Simulation, journey: &Journey) -> Vec<String> {
    let mut out = Vec::new();
    for draw in &sim.population {
        let Some(attr) = journey.attributes.get(&draw.attribute) else {
            out.push(format!(
                "the population sets `{}`, which is not a customer attribute here",
                draw.attribute
            ));
            continue;
        };
        for v in values(&draw.kind) {
            if let (Type::Enum { values, .. }, Value::Enum(ev)) = (&attr.ty, v) {
                if !holds(&attr.ty, v) && values.contains(&ev.value) {
                    out.push(format!(
                        "the population gives `{}` the value `{}`, which has moved in the enum's order here ({}): upgrades and comparisons would mean something else",
                        draw.attribute,
                        ev.value,
                        type_name(&attr.ty)
                    ));
                    continue;
                }
            }
            if !holds(&attr.ty, v) {
                out.push(format!(
                    "the population gives `{}` the value {}, which its type here ({}) cannot hold",
                    draw.attribute,
                    shown(v),
                    type_name(&attr.ty)
                ));
            }
        }
    }
    field_misfits(&journey.trigger.event, &sim.trigger, journey, &mut out);
    for rule in &sim.behavior {
        if let Some(c) = &rule.condition {
            expr_misfits(c, journey, &mut out);
        }
        if let Subject::Event(e) = &rule.subject {
            field_misfits(e, &rule.fields, journey, &mut out);
        }
    }
    out.dedup();
    out
}

/// Drawn fields of event `event` that `journey`'s schema of that event cannot hold. An event the
/// journey does not know is not one of its events: its draws are dropped, so nothing misfits.
fn field_misfits(event: &str, draws: &[Draw], journey: &Journey, out: &mut Vec<String>) {
    let Some(schema) = journey.events.get(event) else {
        return;
    };
    for draw in draws {
        let Some(ty) = schema.fields.get(&draw.attribute) else {
            out.push(format!(
                "the simulation gives `{event}` the field `{}`, which it does not have here",
                draw.attribute
            ));
            continue;
        };
        for v in values(&draw.kind) {
            if !holds(ty, v) {
                out.push(format!(
                    "the simulation gives `{event}.{}` the value {}, which its type here ({}) cannot hold",
                    draw.attribute,
                    shown(v),
                    type_name(ty)
                ));
            }
        }
    }
}

fn values(kind: &DrawKind) -> Vec<&Value> {
    match kind {
        DrawKind::Fixed(v) => vec![v],
        DrawKind::Choices(cs) => cs.iter().map(|(v, _)| v).collect(),
        DrawKind::Range(a, b) => vec![a, b],
        DrawKind::FromNow(..) => Vec::new(),
    }
}

fn expr_misfits(e: &Expr, journey: &Journey, out: &mut Vec<String>) {
    match e {
        Expr::Attr { name } if !journey.attributes.contains_key(name) => out.push(format!(
            "a behaviour rule's `where` reads `{name}`, which is not a customer attribute here"
        )),
        Expr::Const {
            value: Value::Enum(ev),
        } => {
            let fits = journey
                .attributes
                .values()
                .any(|a| holds(&a.ty, &Value::Enum(ev.clone())));
            if !fits {
                out.push(format!(
                    "a behaviour rule's `where` compares with `{}`, which enum `{}` here does not hold at the same place",
                    ev.value, ev.enum_name
                ));
            }
        }
        // A rule's `where` is decided per journey, with no history store: history is read by
        // the journeys' own conditions only.
        Expr::History { .. } => out.push(format!(
            "a behaviour rule's `where` reads `{e}`, but history is read by journey conditions only"
        )),
        // A rule's `where` is decided with no clock at hand: `now` is not set there.
        Expr::Now => out.push(
            "a behaviour rule's `where` reads `now`, which only journey conditions can".to_string(),
        ),
        Expr::Not { expr } | Expr::Neg { expr } => expr_misfits(expr, journey, out),
        Expr::Binary { lhs, rhs, .. } => {
            expr_misfits(lhs, journey, out);
            expr_misfits(rhs, journey, out);
        }
        Expr::In { expr, list } => {
            expr_misfits(expr, journey, out);
            for x in list {
                expr_misfits(x, journey, out);
            }
        }
        Expr::Attr { .. }
        | Expr::Const { .. }
        | Expr::EventField { .. }
        | Expr::TriggerField { .. }
        | Expr::Engagement { .. } => {}
    }
}

/// Whether an attribute of type `ty` can hold `v`. Enum values are held by position, so the
/// value must be at the same place in the enum's order.
fn holds(ty: &Type, v: &Value) -> bool {
    match (ty, v) {
        (Type::String, Value::String(_))
        | (Type::Int, Value::Int(_))
        | (Type::Decimal, Value::Decimal(_) | Value::Int(_))
        | (Type::Bool, Value::Bool(_))
        | (Type::Duration, Value::Duration(_))
        | (Type::Date, Value::Date(_))
        | (Type::Time, Value::Time(_))
        | (Type::Timezone, Value::Timezone(_)) => true,
        (Type::DateTime, Value::DateTime(_)) => true,
        (Type::Enum { name, values }, Value::Enum(ev)) => {
            *name == ev.enum_name && values.get(ev.index) == Some(&ev.value)
        }
        _ => false,
    }
}

fn shown(v: &Value) -> String {
    format!("`{v}`")
}

fn type_name(ty: &Type) -> String {
    match ty {
        Type::Enum { name, values } => format!("enum {name} {{ {} }}", values.join(", ")),
        other => format!("{other:?}").to_lowercase(),
    }
}
