//! Conditions and values as FEEL, the expression language of Camunda 8 / Zeebe.
//!
//! As in the ASL export, every comparison is guarded so that a missing attribute or event field
//! reads as *not set* (the comparison is false, and `not` of it is true), never as FEEL's `null`,
//! which would make a gateway raise an incident. Attributes are process variables of the same
//! name, event fields are `event.FIELD`, `sent(t)` is `sent_t`, and `opened(t)` / `clicked(t)`
//! are `engagement.opened_t` / `engagement.clicked_t`, fetched before the gateway reads them.

use crate::ir::{BinOp, Engagement, Expr, HistoryOf, Journey, Type, Value};

/// A variable: an attribute, event field or engagement flag.
pub fn variable(e: &Expr) -> Option<String> {
    match e {
        Expr::Attr { name } => Some(name.clone()),
        Expr::EventField { field, .. } => Some(format!("event.{field}")),
        // The router starts a process instance with the trigger event as `trigger` too.
        Expr::TriggerField { field, .. } => Some(format!("trigger.{field}")),
        Expr::Engagement { kind, touchpoint } => Some(match kind {
            Engagement::Sent => format!("sent_{touchpoint}"),
            Engagement::Opened => format!("engagement.opened_{touchpoint}"),
            Engagement::Clicked => format!("engagement.clicked_{touchpoint}"),
        }),
        // Answered by the `journey-history` worker just before the gateway (docs/exports.md).
        Expr::History {
            of,
            name,
            within_secs,
        } => Some(format!(
            "history.{}",
            super::history_key(*of, name, *within_secs)
        )),
        _ => None,
    }
}

fn string(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A constant, represented as the JSON the exports pass in (enums by name, durations in
/// seconds, times in minutes, dates as text).
pub fn constant(v: &Value) -> String {
    match v {
        Value::String(s) | Value::Date(s) | Value::Timezone(s) | Value::DateTime(s) => string(s),
        Value::Int(i) => i.to_string(),
        Value::Decimal(d) => crate::ir::decimal::show(d),
        Value::Bool(b) => b.to_string(),
        Value::Duration(s) => s.to_string(),
        Value::Time(m) => m.to_string(),
        Value::Enum(e) => string(&e.value),
    }
}

fn op(o: BinOp) -> Option<&'static str> {
    Some(match o {
        BinOp::Eq => "=",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        _ => return None,
    })
}

fn enum_values<'a>(j: &'a Journey, name: &str) -> Option<&'a [String]> {
    j.attributes
        .values()
        .map(|a| &a.ty)
        .chain(j.events.values().flat_map(|e| e.fields.values()))
        .find_map(|t| match t {
            Type::Enum { name: n, values } if n == name => Some(values.as_slice()),
            _ => None,
        })
}

/// A condition that is `true` exactly when the interpreter finds `e` true, and `false`
/// otherwise (never `null`). `None` for what the export does not express (arithmetic inside a
/// condition, comparing two constants).
pub fn condition(j: &Journey, e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Binary {
            operator: BinOp::And,
            lhs,
            rhs,
        } => format!("({} and {})", condition(j, lhs)?, condition(j, rhs)?),
        Expr::Binary {
            operator: BinOp::Or,
            lhs,
            rhs,
        } => format!("({} or {})", condition(j, lhs)?, condition(j, rhs)?),
        Expr::Not { expr } => format!("not({})", condition(j, expr)?),
        Expr::Const {
            value: Value::Bool(b),
        } => b.to_string(),
        Expr::Attr { .. }
        | Expr::EventField { .. }
        | Expr::TriggerField { .. }
        | Expr::Engagement { .. }
        | Expr::History {
            of: HistoryOf::Sent | HistoryOf::Happened,
            ..
        } => {
            format!("({} = true)", variable(e)?)
        }
        Expr::In { expr, list } => {
            let v = variable(expr)?;
            let items = list
                .iter()
                .map(|i| match i {
                    Expr::Const { value } => Some(constant(value)),
                    _ => None,
                })
                .collect::<Option<Vec<_>>>()?;
            format!(
                "({v} != null and list contains([{}], {v}))",
                items.join(", ")
            )
        }
        Expr::Binary { operator, lhs, rhs }
            if super::feel_time::is_instant(j, lhs) || super::feel_time::is_instant(j, rhs) =>
        {
            super::feel_time::compare(*operator, lhs, rhs, op(*operator)?)?
        }
        Expr::Binary { operator, lhs, rhs } => {
            let o = op(*operator)?;
            if matches!(operator, BinOp::Add | BinOp::Sub | BinOp::Mul) {
                return None;
            }
            match (variable(lhs), variable(rhs), lhs.as_ref(), rhs.as_ref()) {
                (Some(a), Some(b), _, _) => {
                    format!("({a} != null and {b} != null and {a} {o} {b})")
                }
                (Some(a), None, _, Expr::Const { value }) => compare(j, &a, *operator, value)?,
                (None, Some(b), Expr::Const { value }, _) => {
                    compare(j, &b, flip(*operator)?, value)?
                }
                _ => return None,
            }
        }
        _ => return None,
    })
}

fn flip(o: BinOp) -> Option<BinOp> {
    Some(match o {
        BinOp::Eq | BinOp::Ne => o,
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        _ => return None,
    })
}

fn compare(j: &Journey, v: &str, o: BinOp, value: &Value) -> Option<String> {
    if let (Value::Enum(ev), false) = (value, matches!(o, BinOp::Eq | BinOp::Ne)) {
        // Enums order by declaration, not by spelling: list the values that qualify.
        let values = enum_values(j, &ev.enum_name)?;
        let keep: Vec<String> = values
            .iter()
            .enumerate()
            .filter(|(i, _)| match o {
                BinOp::Lt => *i < ev.index,
                BinOp::Le => *i <= ev.index,
                BinOp::Gt => *i > ev.index,
                _ => *i >= ev.index,
            })
            .map(|(_, s)| string(s))
            .collect();
        return Some(format!(
            "({v} != null and list contains([{}], {v}))",
            keep.join(", ")
        ));
    }
    Some(format!(
        "({v} != null and {v} {} {})",
        op(o)?,
        constant(value)
    ))
}

/// A value for `set`: constants, variables and `+ - *` of them. FEEL arithmetic with `null`
/// gives `null`, as the interpreter's gives *not set*.
pub fn value(e: &Expr) -> Option<String> {
    Some(match e {
        Expr::Const { value } => constant(value),
        Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => variable(e)?,
        Expr::Neg { expr } => format!("-({})", value(expr)?),
        Expr::Binary { operator, lhs, rhs }
            if matches!(operator, BinOp::Add | BinOp::Sub | BinOp::Mul) =>
        {
            format!("({} {} {})", value(lhs)?, op(*operator)?, value(rhs)?)
        }
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::{Attribute, EnumValue};

    fn attr(n: &str) -> Box<Expr> {
        Box::new(Expr::Attr { name: n.into() })
    }

    fn int(i: i64) -> Box<Expr> {
        Box::new(Expr::Const {
            value: Value::Int(i),
        })
    }

    fn journey() -> Journey {
        let mut j: Journey = serde_json::from_value(serde_json::json!({
            "spec_version": 1, "name": "j", "source": {"file": "j.journey", "line": 1},
            "trigger": {"event": "go", "condition": null}, "entry": {"rule": "once"},
            "goals": [], "exits": [], "attributes": {}, "events": {}, "channels": {},
            "touchpoints": {}, "stages": [], "start": null, "nodes": []
        }))
        .expect("a minimal journey");
        j.attributes.insert(
            "plan".into(),
            Attribute {
                ty: Type::Enum {
                    name: "plan".into(),
                    values: vec!["free".into(), "trial".into(), "pro".into()],
                },
                default: None,
            },
        );
        j
    }

    #[test]
    fn comparisons_are_guarded_so_not_of_a_missing_value_is_true() {
        let e = Expr::Not {
            expr: Box::new(Expr::Binary {
                operator: BinOp::Gt,
                lhs: attr("seats"),
                rhs: int(5),
            }),
        };
        assert_eq!(
            condition(&journey(), &e).as_deref(),
            Some("not((seats != null and seats > 5))")
        );
    }

    #[test]
    fn constants_on_the_left_are_flipped() {
        let e = Expr::Binary {
            operator: BinOp::Lt,
            lhs: int(5),
            rhs: attr("seats"),
        };
        assert_eq!(
            condition(&journey(), &e).as_deref(),
            Some("(seats != null and seats > 5)")
        );
    }

    #[test]
    fn enums_order_by_declaration() {
        let e = Expr::Binary {
            operator: BinOp::Ge,
            lhs: attr("plan"),
            rhs: Box::new(Expr::Const {
                value: Value::Enum(EnumValue {
                    enum_name: "plan".into(),
                    value: "trial".into(),
                    index: 1,
                }),
            }),
        };
        assert_eq!(
            condition(&journey(), &e).as_deref(),
            Some("(plan != null and list contains([\"trial\", \"pro\"], plan))")
        );
    }

    #[test]
    fn arithmetic_is_a_value_not_a_condition() {
        let sum = Expr::Binary {
            operator: BinOp::Add,
            lhs: attr("a"),
            rhs: int(1),
        };
        assert_eq!(value(&sum).as_deref(), Some("(a + 1)"));
        let cmp = Expr::Binary {
            operator: BinOp::Gt,
            lhs: Box::new(sum),
            rhs: int(2),
        };
        assert_eq!(condition(&journey(), &cmp), None);
    }

    #[test]
    fn strings_are_escaped() {
        assert_eq!(
            constant(&Value::String("a\"b\\c".into())),
            "\"a\\\"b\\\\c\""
        );
    }
}
