//! Conditions as Amazon States Language Choice rules.
//!
//! The interpreter reads a missing attribute or event field as *not set*, and every comparison
//! with it is false. A Choice rule that reads a missing path fails the execution instead, so each
//! comparison is guarded with `IsPresent` (and `IsNull` for attributes a `set` may have cleared):
//! `x > 3` becomes `x is present and x > 3`, and `not (x > 3)` is then true for a missing `x`,
//! as in the interpreter.

use super::json_value;
use crate::ir::{BinOp, Engagement, Expr, HistoryOf, Journey, Type, Value};
use serde_json::{json, Value as J};
use std::collections::BTreeSet;

/// What a rule may read, and where it lives in the execution's state.
pub struct Ctx<'a> {
    pub journey: &'a Journey,
    /// Attributes some `set` writes, which may hold `null` after setting a missing value.
    pub nullable: &'a BTreeSet<String>,
}

/// The JSON path of an attribute, event field or engagement flag.
pub fn path(e: &Expr) -> Option<String> {
    match e {
        Expr::Attr { name } => Some(format!("$.customer.{name}")),
        Expr::EventField { field, .. } => Some(format!("$.event.{field}")),
        // The router starts an execution with the trigger event as `trigger` too.
        Expr::TriggerField { field, .. } => Some(format!("$.trigger.{field}")),
        // `now`: the time the Choice state was entered.
        Expr::Now => Some("$$.State.EnteredTime".to_string()),
        Expr::Engagement { kind, touchpoint } => Some(match kind {
            Engagement::Sent => format!("$.sent.{touchpoint}"),
            Engagement::Opened => format!("$.engagement.Item.opened_{touchpoint}.BOOL"),
            Engagement::Clicked => format!("$.engagement.Item.clicked_{touchpoint}.BOOL"),
        }),
        // Answered by the history service just before the decision (docs/exports.md).
        Expr::History {
            of,
            name,
            within_secs,
        } => Some(format!(
            "$.history.{}",
            super::history_key(*of, name, *within_secs)
        )),
        _ => None,
    }
}

/// Whether `e` reads `opened(t)` or `clicked(t)`, which needs the engagement store.
pub fn reads_engagement(e: &Expr) -> bool {
    match e {
        Expr::Engagement { kind, .. } => *kind != Engagement::Sent,
        Expr::Not { expr } | Expr::Neg { expr } => reads_engagement(expr),
        Expr::Binary { lhs, rhs, .. } => reads_engagement(lhs) || reads_engagement(rhs),
        Expr::In { expr, list } => reads_engagement(expr) || list.iter().any(reads_engagement),
        Expr::Const { .. }
        | Expr::Attr { .. }
        | Expr::EventField { .. }
        | Expr::TriggerField { .. }
        | Expr::History { .. }
        | Expr::Now => false,
    }
}

/// The touchpoints `e` reads with `sent(t)`.
pub fn sent_refs(e: &Expr, out: &mut BTreeSet<String>) {
    match e {
        Expr::Engagement {
            kind: Engagement::Sent,
            touchpoint,
        } => {
            out.insert(touchpoint.clone());
        }
        Expr::Not { expr } | Expr::Neg { expr } => sent_refs(expr, out),
        Expr::Binary { lhs, rhs, .. } => {
            sent_refs(lhs, out);
            sent_refs(rhs, out);
        }
        Expr::In { expr, list } => {
            sent_refs(expr, out);
            list.iter().for_each(|x| sent_refs(x, out));
        }
        _ => {}
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Numeric,
    String,
    Boolean,
    Enum,
}

fn type_kind(t: &Type) -> Kind {
    match t {
        Type::Int | Type::Decimal | Type::Duration | Type::Time => Kind::Numeric,
        Type::String | Type::Date | Type::Timezone | Type::DateTime => Kind::String,
        Type::Bool => Kind::Boolean,
        Type::Enum { .. } => Kind::Enum,
    }
}

/// The type of `now`, which the execution reads from the context object.
static NOW_TYPE: Type = Type::DateTime;

impl Ctx<'_> {
    fn type_of(&self, e: &Expr) -> Option<&Type> {
        match e {
            Expr::Attr { name } => self.journey.attributes.get(name).map(|a| &a.ty),
            Expr::EventField { event, field } | Expr::TriggerField { event, field } => {
                self.journey.events.get(event)?.fields.get(field)
            }
            Expr::Now => Some(&NOW_TYPE),
            _ => None,
        }
    }

    /// The values of an enum, in declared order.
    fn enum_values(&self, name: &str) -> Option<&[String]> {
        let types = self
            .journey
            .attributes
            .values()
            .map(|a| &a.ty)
            .chain(self.journey.events.values().flat_map(|e| e.fields.values()));
        for t in types {
            if let Type::Enum { name: n, values } = t {
                if n == name {
                    return Some(values);
                }
            }
        }
        None
    }

    /// `path` is present (and not null, for attributes a `set` writes).
    fn guard(&self, e: &Expr, p: &str) -> Vec<J> {
        let mut g = vec![json!({ "Variable": p, "IsPresent": true })];
        if matches!(e, Expr::Attr { name } if self.nullable.contains(name)) {
            g.push(json!({ "Variable": p, "IsNull": false }));
        }
        g
    }

    /// The rule that holds exactly when the interpreter finds `e` true; `None` when ASL has no
    /// way to say it (arithmetic in a condition, a comparison of two constants).
    pub fn rule(&self, e: &Expr) -> Option<J> {
        match e {
            Expr::Binary {
                operator: BinOp::And,
                lhs,
                rhs,
            } => Some(json!({ "And": [self.rule(lhs)?, self.rule(rhs)?] })),
            Expr::Binary {
                operator: BinOp::Or,
                lhs,
                rhs,
            } => Some(json!({ "Or": [self.rule(lhs)?, self.rule(rhs)?] })),
            Expr::Not { expr } => Some(json!({ "Not": self.rule(expr)? })),
            Expr::Const {
                value: Value::Bool(b),
            } => {
                let always = json!({ "Variable": "$", "IsPresent": true });
                Some(if *b { always } else { json!({ "Not": always }) })
            }
            Expr::Attr { .. }
            | Expr::EventField { .. }
            | Expr::TriggerField { .. }
            | Expr::Engagement { .. }
            | Expr::History {
                of: HistoryOf::Sent | HistoryOf::Happened,
                ..
            } => {
                let p = path(e)?;
                let mut all = self.guard(e, &p);
                all.push(json!({ "Variable": p, "BooleanEquals": true }));
                Some(json!({ "And": all }))
            }
            Expr::Binary { operator, lhs, rhs } => self.compare(*operator, lhs, rhs),
            Expr::In { expr, list } => {
                let p = path(expr)?;
                let kind = type_kind(self.type_of(expr)?);
                let eqs = list
                    .iter()
                    .map(|item| match item {
                        Expr::Const { value } => self.test(kind, &p, BinOp::Eq, value),
                        _ => None,
                    })
                    .collect::<Option<Vec<J>>>()?;
                let mut all = self.guard(expr, &p);
                all.push(json!({ "Or": eqs }));
                Some(json!({ "And": all }))
            }
            _ => None,
        }
    }

    fn compare(&self, op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<J> {
        let (field, value, op) = match (lhs, rhs) {
            (_, Expr::Const { value }) if path(lhs).is_some() => (lhs, value, op),
            (Expr::Const { value }, _) if path(rhs).is_some() => (rhs, value, flip(op)?),
            _ => return self.compare_paths(op, lhs, rhs),
        };
        let p = path(field)?;
        let kind = match field {
            Expr::Engagement { .. } => Kind::Boolean,
            Expr::History {
                of: HistoryOf::Count,
                ..
            } => Kind::Numeric,
            Expr::History { .. } => Kind::Boolean,
            _ => type_kind(self.type_of(field)?),
        };
        let mut all = self.guard(field, &p);
        if op == BinOp::Ne {
            all.push(json!({ "Not": self.test(kind, &p, BinOp::Eq, value)? }));
        } else {
            all.push(self.test(kind, &p, op, value)?);
        }
        Some(json!({ "And": all }))
    }

    /// `path OP constant`, assuming the path is present.
    fn test(&self, kind: Kind, p: &str, op: BinOp, value: &Value) -> Option<J> {
        let suffix = match op {
            BinOp::Eq => "Equals",
            BinOp::Lt => "LessThan",
            BinOp::Le => "LessThanEquals",
            BinOp::Gt => "GreaterThan",
            BinOp::Ge => "GreaterThanEquals",
            _ => return None,
        };
        match (kind, value) {
            (Kind::Enum, Value::Enum(ev)) => {
                if op == BinOp::Eq {
                    return Some(json!({ "Variable": p, "StringEquals": ev.value }));
                }
                // Enums order by declaration, not by spelling: list the values that qualify.
                let values = self.enum_values(&ev.enum_name)?;
                let keep = |i: usize| match op {
                    BinOp::Lt => i < ev.index,
                    BinOp::Le => i <= ev.index,
                    BinOp::Gt => i > ev.index,
                    _ => i >= ev.index,
                };
                let eqs: Vec<J> = values
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| keep(*i))
                    .map(|(_, v)| json!({ "Variable": p, "StringEquals": v }))
                    .collect();
                if eqs.is_empty() {
                    Some(json!({ "Not": { "Variable": "$", "IsPresent": true } }))
                } else {
                    Some(json!({ "Or": eqs }))
                }
            }
            (Kind::Boolean, Value::Bool(b)) if op == BinOp::Eq => {
                Some(json!({ "Variable": p, "BooleanEquals": b }))
            }
            (
                Kind::Numeric,
                v @ (Value::Int(_) | Value::Decimal(_) | Value::Duration(_) | Value::Time(_)),
            ) => {
                let mut m = serde_json::Map::new();
                m.insert("Variable".into(), J::String(p.into()));
                m.insert(format!("Numeric{suffix}"), json_value(v));
                Some(J::Object(m))
            }
            // Instants compare in time order, whatever their offsets (ASL's Timestamp rules).
            (Kind::String, v @ Value::DateTime(_)) => {
                let mut m = serde_json::Map::new();
                m.insert("Variable".into(), J::String(p.into()));
                m.insert(format!("Timestamp{suffix}"), json_value(v));
                Some(J::Object(m))
            }
            (Kind::String, v @ (Value::String(_) | Value::Date(_) | Value::Timezone(_))) => {
                let mut m = serde_json::Map::new();
                m.insert("Variable".into(), J::String(p.into()));
                m.insert(format!("String{suffix}"), json_value(v));
                Some(J::Object(m))
            }
            _ => None,
        }
    }

    /// `a OP b` for two attributes or fields of one numeric or string type.
    fn compare_paths(&self, op: BinOp, lhs: &Expr, rhs: &Expr) -> Option<J> {
        let (pa, pb) = (path(lhs)?, path(rhs)?);
        let kind = type_kind(self.type_of(lhs)?);
        if kind != type_kind(self.type_of(rhs)?) {
            return None;
        }
        let instants =
            |e: &Expr| matches!(e, Expr::Now) || self.type_of(e) == Some(&Type::DateTime);
        let family = match kind {
            Kind::String if instants(lhs) && instants(rhs) => "Timestamp",
            Kind::Numeric => "Numeric",
            Kind::String => "String",
            Kind::Boolean if matches!(op, BinOp::Eq | BinOp::Ne) => "Boolean",
            Kind::Enum if matches!(op, BinOp::Eq | BinOp::Ne) => "String",
            _ => return None,
        };
        let suffix = match op {
            BinOp::Eq | BinOp::Ne => "EqualsPath",
            BinOp::Lt => "LessThanPath",
            BinOp::Le => "LessThanEqualsPath",
            BinOp::Gt => "GreaterThanPath",
            BinOp::Ge => "GreaterThanEqualsPath",
            _ => return None,
        };
        let mut m = serde_json::Map::new();
        m.insert("Variable".into(), J::String(pa.clone()));
        m.insert(format!("{family}{suffix}"), J::String(pb.clone()));
        let test = if op == BinOp::Ne {
            json!({ "Not": J::Object(m) })
        } else {
            J::Object(m)
        };
        let mut all = self.guard(lhs, &pa);
        all.extend(self.guard(rhs, &pb));
        all.push(test);
        Some(json!({ "And": all }))
    }
}

/// `c OP x` as `x OP' c`.
fn flip(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Eq | BinOp::Ne => op,
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::Attribute;

    fn journey() -> Journey {
        let mut j: Journey = serde_json::from_value(json!({
            "spec_version": 1, "name": "j", "source": {"file": "j.journey", "line": 1},
            "trigger": {"event": "go", "condition": null}, "entry": {"rule": "once"},
            "goals": [], "exits": [], "attributes": {}, "events": {}, "channels": {},
            "touchpoints": {}, "stages": [], "start": null, "nodes": []
        }))
        .expect("a minimal journey");
        for (name, ty) in [("seats", Type::Int), ("country", Type::String)] {
            j.attributes
                .insert(name.into(), Attribute { ty, default: None });
        }
        j
    }

    fn cmp(op: BinOp, name: &str, value: Value) -> Expr {
        Expr::Binary {
            operator: op,
            lhs: Box::new(Expr::Attr { name: name.into() }),
            rhs: Box::new(Expr::Const { value }),
        }
    }

    #[test]
    fn a_comparison_checks_presence_first() {
        let j = journey();
        let nullable = BTreeSet::new();
        let ctx = Ctx {
            journey: &j,
            nullable: &nullable,
        };
        let rule = ctx.rule(&cmp(BinOp::Gt, "seats", Value::Int(5)));
        assert_eq!(
            rule,
            Some(json!({ "And": [
                { "Variable": "$.customer.seats", "IsPresent": true },
                { "Variable": "$.customer.seats", "NumericGreaterThan": 5 },
            ] }))
        );
    }

    #[test]
    fn not_equal_is_false_for_a_missing_value() {
        let j = journey();
        let nullable: BTreeSet<String> = ["country".to_string()].into();
        let ctx = Ctx {
            journey: &j,
            nullable: &nullable,
        };
        let rule = ctx.rule(&cmp(BinOp::Ne, "country", Value::String("ZZ".into())));
        assert_eq!(
            rule,
            Some(json!({ "And": [
                { "Variable": "$.customer.country", "IsPresent": true },
                { "Variable": "$.customer.country", "IsNull": false },
                { "Not": { "Variable": "$.customer.country", "StringEquals": "ZZ" } },
            ] }))
        );
    }

    #[test]
    fn arithmetic_in_a_condition_is_not_expressed() {
        let j = journey();
        let nullable = BTreeSet::new();
        let ctx = Ctx {
            journey: &j,
            nullable: &nullable,
        };
        let sum = Expr::Binary {
            operator: BinOp::Add,
            lhs: Box::new(Expr::Attr {
                name: "seats".into(),
            }),
            rhs: Box::new(Expr::Const {
                value: Value::Int(1),
            }),
        };
        let e = Expr::Binary {
            operator: BinOp::Gt,
            lhs: Box::new(sum),
            rhs: Box::new(Expr::Const {
                value: Value::Int(3),
            }),
        };
        assert_eq!(ctx.rule(&e), None);
    }
}
