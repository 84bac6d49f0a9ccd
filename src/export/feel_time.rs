//! `wait until EXPR` in FEEL, for a BPMN timer's `timeDate`: the instant as a FEEL
//! `date and time`, with durations as FEEL `duration`s. Only instants built from attributes,
//! event fields, constants and `now` with `+`/`-` of durations have a FEEL form; the export
//! refuses the others (never drops them).

use super::feel::variable;
use super::iso_duration;
use crate::ir::{BinOp, Expr, Value};

/// The FEEL expression (without its leading `=`) for the instant `e` names.
pub fn instant(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Attr { .. } | Expr::EventField { .. } => {
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

/// A duration as FEEL: a constant, an attribute or field (seconds, as the exports pass
/// durations), or a sum of them.
fn span(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Const {
            value: Value::Duration(s),
        } => format!("duration(\"{}\")", iso_duration(*s)),
        Expr::Attr { .. } | Expr::EventField { .. } => {
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
