//! `wait until EXPR` in FEEL, for a BPMN timer's `timeDate`: the instant as a FEEL
//! `date and time`, with durations as FEEL `duration`s. Only instants built from attributes,
//! event fields, constants and `now` with `+`/`-` of durations have a FEEL form; the export
//! refuses the others (never drops them).

use super::feel::variable;
use super::iso_duration;
use crate::ir::{BinOp, Expr, Journey, Type, Value};

/// The FEEL expression (without its leading `=`) for the instant `e` names.
pub fn instant(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => {
            format!("date and time({})", variable(e)?)
        }
        Expr::Const {
            value: Value::DateTime(t),
        } => format!("date and time(\"{t}\")"),
        Expr::Now => "now()".to_string(),
        Expr::Binary { operator, lhs, rhs } => {
            let op = match operator {
                BinOp::Add => "+",
                BinOp::Sub => "-",
                _ => return None,
            };
            format!("{} {op} {}", instant(lhs)?, span(rhs)?)
        }
        _ => return None,
    })
}

/// Whether `e` is a datetime (so a comparison with it compares instants, not text).
pub fn is_instant(j: &Journey, e: &Expr) -> bool {
    match e {
        Expr::Now
        | Expr::Const {
            value: Value::DateTime(_),
        } => true,
        Expr::Attr { name } => j
            .attributes
            .get(name)
            .is_some_and(|a| a.ty == Type::DateTime),
        Expr::EventField { event, field } | Expr::TriggerField { event, field } => j
            .events
            .get(event)
            .and_then(|ev| ev.fields.get(field))
            .is_some_and(|t| *t == Type::DateTime),
        Expr::Binary {
            operator: BinOp::Add | BinOp::Sub,
            lhs,
            ..
        } => is_instant(j, lhs),
        _ => false,
    }
}

/// `lhs OP rhs` on two instants, never `null`: false when a value read is not set, as in the
/// interpreter. `o` is the FEEL operator.
pub fn compare(op: BinOp, lhs: &Expr, rhs: &Expr, o: &str) -> Option<String> {
    if !matches!(
        op,
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
    ) {
        return None;
    }
    let (a, b) = (instant(lhs)?, instant(rhs)?);
    let mut reads = Vec::new();
    variables(lhs, &mut reads);
    variables(rhs, &mut reads);
    let guards: String = reads.iter().map(|v| format!("{v} != null and ")).collect();
    Some(format!("({guards}{a} {o} {b})"))
}

/// `x != null and ...` for every value `e` reads, so that a timer on an unset time is not
/// armed (the interpreter does not wait then); `None` when `e` reads no value.
pub fn set_guard(e: &Expr) -> Option<String> {
    let mut reads = Vec::new();
    variables(e, &mut reads);
    (!reads.is_empty()).then(|| {
        reads
            .iter()
            .map(|v| format!("{v} != null"))
            .collect::<Vec<_>>()
            .join(" and ")
    })
}

fn variables(e: &Expr, out: &mut Vec<String>) {
    match e {
        Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => {
            if let Some(v) = variable(e) {
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        Expr::Binary { lhs, rhs, .. } => {
            variables(lhs, out);
            variables(rhs, out);
        }
        _ => {}
    }
}

/// A duration as FEEL: a constant, an attribute or field (seconds, as the exports pass
/// durations), or a sum of them.
fn span(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Const {
            value: Value::Duration(s),
        } => format!("duration(\"{}\")", iso_duration(*s)),
        Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => {
            format!("duration(\"PT\" + string({}) + \"S\")", variable(e)?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attribute_minus_a_day_is_a_feel_date_and_time() {
        let e = Expr::Binary {
            operator: BinOp::Sub,
            lhs: Box::new(Expr::Attr {
                name: "next_appointment".into(),
            }),
            rhs: Box::new(Expr::Const {
                value: Value::Duration(86_400),
            }),
        };
        assert_eq!(
            instant(&e).as_deref(),
            Some("date and time(next_appointment) - duration(\"P1D\")")
        );
        assert_eq!(
            instant(&Expr::Const {
                value: Value::Int(1)
            }),
            None
        );
    }
}
