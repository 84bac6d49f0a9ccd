//! Runtime values and expression evaluation.

use super::program::{CExpr, EventPayload};
use super::time::Instant;
use super::world::history::Recall;
use crate::ir::{self, BinOp, Engagement};
use rust_decimal::Decimal;
use std::sync::Arc;

/// A value at run time. `Missing` is an attribute or field nobody set: every comparison with it
/// is false (so `not (x == 1)` is true), like SQL's NULL in a `WHERE`.
/// Serialized in replay state files as `{"Int": 8}`, `{"Dec": "19.99"}`, `"Missing"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Val {
    Missing,
    Bool(bool),
    Int(i64),
    /// Exact (docs/language.md, "Decimals"); in a state file its digits as a string, so that
    /// it reads back exactly.
    Dec(#[serde(with = "state_decimal")] Decimal),
    Str(Arc<str>),
    /// Seconds.
    Dur(i64),
    /// Days since 1970-01-01.
    Date(i64),
    /// Minutes after midnight.
    Time(u32),
    /// Index in the enum's declared order.
    Enum(u32),
    /// A time zone (`timezone`); its name in state files.
    Zone(super::zone::Zone),
    /// An instant: seconds since 1970-01-01T00:00:00Z.
    DateTime(i64),
}

impl Val {
    pub fn from_ir(v: &ir::Value) -> Val {
        match v {
            ir::Value::String(s) => Val::Str(Arc::from(s.as_str())),
            ir::Value::Int(i) => Val::Int(*i),
            ir::Value::Decimal(d) => Val::Dec(*d),
            ir::Value::Bool(b) => Val::Bool(*b),
            ir::Value::Duration(d) => Val::Dur(i64::try_from(*d).unwrap_or(i64::MAX)),
            ir::Value::Date(s) => super::time::parse_date(s)
                .map(Val::Date)
                .unwrap_or(Val::Missing),
            ir::Value::Time(t) => Val::Time(*t),
            ir::Value::Enum(e) => Val::Enum(e.index as u32),
            ir::Value::Timezone(z) => super::zone::Zone::get(z)
                .map(Val::Zone)
                .unwrap_or(Val::Missing),
            ir::Value::DateTime(s) => super::time::parse_rfc3339(s)
                .map(Val::DateTime)
                .unwrap_or(Val::Missing),
        }
    }

    pub fn truthy(&self) -> bool {
        matches!(self, Val::Bool(true))
    }

    /// Shows the value as a journey author would write it; enums need their names.
    pub fn show(&self, enum_values: Option<&[String]>) -> String {
        match self {
            Val::Missing => "(not set)".to_string(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Dec(d) => d.to_string(),
            Val::Str(s) => format!("{s:?}"),
            Val::Dur(d) => super::time::format_duration(*d),
            Val::Date(d) => {
                let (y, m, dd) = super::time::civil_from_days(*d);
                format!("{y:04}-{m:02}-{dd:02}")
            }
            Val::Time(t) => format!("{:02}:{:02}", t / 60, t % 60),
            Val::DateTime(t) => super::time::format_rfc3339(*t),
            Val::Enum(i) => enum_values
                .and_then(|v| v.get(*i as usize))
                .cloned()
                .unwrap_or_else(|| format!("#{i}")),
            Val::Zone(z) => format!("{:?}", z.name()),
        }
    }
}

/// A decimal in a state file: its digits as a string (`"19.99"`), which reads back exactly. A
/// number is read too (state files written before decimals were exact held floats), as the
/// decimal its text names; their `"NaN"` and `"inf"` (which exact arithmetic no longer
/// produces: it gives a value that is not set) are refused with the reason.
mod state_decimal {
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(d)
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        I(i64),
        N(f64),
        S(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let parsed = match Repr::deserialize(d)? {
            Repr::I(i) => Some(Decimal::from(i)),
            Repr::N(f) => crate::ir::decimal::from_f64_text(f),
            Repr::S(s) => Decimal::from_str_exact(&s).ok(),
        };
        parsed.ok_or_else(|| {
            serde::de::Error::custom("a decimal that is not a number a decimal can hold")
        })
    }
}

/// What an expression can read while it is evaluated.
pub struct Env<'a> {
    pub attrs: &'a [Val],
    pub event: Option<&'a EventPayload>,
    /// The event that entered the customer, which `trigger.FIELD` reads (kept only by journeys
    /// that read it).
    pub trigger: Option<&'a EventPayload>,
    /// Per touchpoint: sent, opened, clicked in the current entry.
    pub engagement: &'a dyn Fn(Engagement, usize) -> bool,
    /// The customer's history and the time now, where history can be read.
    pub history: Option<(&'a Recall, Instant)>,
}

/// A number as a decimal, for arithmetic and comparisons that mix whole numbers and decimals
/// (every i64 is a decimal exactly).
fn num(v: &Val) -> Option<Decimal> {
    match v {
        Val::Int(i) => Some(Decimal::from(*i)),
        Val::Dec(d) => Some(*d),
        _ => None,
    }
}

/// How two values order (`None`: not comparable, or one is missing); numbers compare across
/// `int` and `decimal`.
pub fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Val::Missing, _) | (_, Val::Missing) => None,
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Dur(x), Val::Dur(y))
        | (Val::Date(x), Val::Date(y))
        | (Val::DateTime(x), Val::DateTime(y)) => Some(x.cmp(y)),
        (Val::Time(x), Val::Time(y)) | (Val::Enum(x), Val::Enum(y)) => Some(x.cmp(y)),
        // Zones compare by name (only `==`, `!=` and `in` are allowed on them); a zone also
        // equals a string holding its name, so `tz == "Asia/Tokyo"` reads as written.
        (Val::Zone(x), Val::Zone(y)) => Some(x.name().cmp(y.name())),
        (Val::Zone(x), Val::Str(y)) => Some(x.name().cmp(y)),
        (Val::Str(x), Val::Zone(y)) => Some(x.as_ref().cmp(y.name())),
        _ => Some(num(a)?.cmp(&num(b)?)),
    }
}

pub fn eval(e: &CExpr, env: &Env) -> Val {
    use std::cmp::Ordering::*;
    match e {
        CExpr::Const(v) => v.clone(),
        CExpr::Attr(i) => env.attrs.get(*i).cloned().unwrap_or(Val::Missing),
        CExpr::Field(name) => env
            .event
            .and_then(|p| p.fields.iter().find(|(n, _)| n == name))
            .map(|(_, v)| v.clone())
            .unwrap_or(Val::Missing),
        CExpr::TriggerField(name) => env
            .trigger
            .and_then(|p| p.fields.iter().find(|(n, _)| n == name))
            .map(|(_, v)| v.clone())
            .unwrap_or(Val::Missing),
        CExpr::Engagement(kind, tp) => Val::Bool((env.engagement)(*kind, *tp)),
        CExpr::History {
            slot,
            window,
            count,
        } => match env.history {
            Some((recall, now)) => {
                let n = recall.count(*slot, now, *window);
                if *count {
                    Val::Int(i64::try_from(n).unwrap_or(i64::MAX))
                } else {
                    Val::Bool(n > 0)
                }
            }
            None => Val::Missing,
        },
        // Where no clock is at hand (a behaviour rule's `where`), `now` is not set.
        CExpr::Now => env.history.map_or(Val::Missing, |(_, t)| Val::DateTime(t)),
        CExpr::Not(x) => match eval(x, env) {
            Val::Bool(b) => Val::Bool(!b),
            _ => Val::Bool(true),
        },
        CExpr::Neg(x) => match eval(x, env) {
            Val::Int(i) => Val::Int(i.wrapping_neg()),
            Val::Dec(d) => Val::Dec(-d),
            Val::Dur(d) => Val::Dur(-d),
            _ => Val::Missing,
        },
        CExpr::Bin(op, l, r) => {
            match op {
                BinOp::And => return Val::Bool(eval(l, env).truthy() && eval(r, env).truthy()),
                BinOp::Or => return Val::Bool(eval(l, env).truthy() || eval(r, env).truthy()),
                _ => {}
            }
            let (a, b) = (eval(l, env), eval(r, env));
            let ord = compare(&a, &b);
            match op {
                BinOp::Eq => Val::Bool(ord == Some(Equal)),
                BinOp::Ne => Val::Bool(ord.is_some_and(|o| o != Equal)),
                BinOp::Lt => Val::Bool(ord == Some(Less)),
                BinOp::Le => Val::Bool(matches!(ord, Some(Less | Equal))),
                BinOp::Gt => Val::Bool(ord == Some(Greater)),
                BinOp::Ge => Val::Bool(matches!(ord, Some(Greater | Equal))),
                _ => arith(*op, &a, &b),
            }
        }
        CExpr::In(x, list) => {
            let v = eval(x, env);
            Val::Bool(
                list.iter()
                    .any(|item| compare(&v, &eval(item, env)) == Some(Equal)),
            )
        }
    }
}

fn arith(op: BinOp, a: &Val, b: &Val) -> Val {
    match (op, a, b) {
        (BinOp::Add, Val::Int(x), Val::Int(y)) => {
            x.checked_add(*y).map(Val::Int).unwrap_or(Val::Missing)
        }
        (BinOp::Sub, Val::Int(x), Val::Int(y)) => {
            x.checked_sub(*y).map(Val::Int).unwrap_or(Val::Missing)
        }
        (BinOp::Mul, Val::Int(x), Val::Int(y)) => {
            x.checked_mul(*y).map(Val::Int).unwrap_or(Val::Missing)
        }
        (BinOp::Div, Val::Int(x), Val::Int(y)) => {
            x.checked_div(*y).map(Val::Int).unwrap_or(Val::Missing)
        }
        (BinOp::Add, Val::Dur(x), Val::Dur(y)) => Val::Dur(x.saturating_add(*y)),
        (BinOp::Sub, Val::Dur(x), Val::Dur(y)) => Val::Dur(x.saturating_sub(*y)),
        (BinOp::Mul, Val::Dur(x), Val::Int(y)) | (BinOp::Mul, Val::Int(y), Val::Dur(x)) => {
            Val::Dur(x.saturating_mul(*y))
        }
        (BinOp::Add, Val::DateTime(t), Val::Dur(s))
        | (BinOp::Add, Val::Dur(s), Val::DateTime(t)) => {
            t.checked_add(*s).map_or(Val::Missing, Val::DateTime)
        }
        (BinOp::Sub, Val::DateTime(t), Val::Dur(s)) => {
            t.checked_sub(*s).map_or(Val::Missing, Val::DateTime)
        }
        (BinOp::Sub, Val::DateTime(a), Val::DateTime(b)) => {
            a.checked_sub(*b).map_or(Val::Missing, Val::Dur)
        }
        // A date moves by the whole days of the duration, a part of a day dropped toward zero,
        // so that `d - D` and `d + (-D)` are the same day (docs/language.md, "Types").
        (BinOp::Add, Val::Date(d), Val::Dur(s)) => {
            d.checked_add(s / 86_400).map_or(Val::Missing, Val::Date)
        }
        (BinOp::Sub, Val::Date(d), Val::Dur(s)) => {
            d.checked_sub(s / 86_400).map_or(Val::Missing, Val::Date)
        }
        // Exact: a sum, difference or product that exceeds a decimal's range (about ±7.9e28),
        // and a division by zero, is a value that is not set, like whole-number overflow.
        // Division rounds to 28 significant digits, half to even (docs/language.md).
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => {
                let r = match op {
                    BinOp::Add => x.checked_add(y),
                    BinOp::Sub => x.checked_sub(y),
                    BinOp::Mul => x.checked_mul(y),
                    _ => x.checked_div(y),
                };
                r.map(Val::Dec).unwrap_or(Val::Missing)
            }
            _ => Val::Missing,
        },
    }
}

#[cfg(test)]
mod decimal_tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Val {
        Val::Dec(Decimal::from_str(s).unwrap())
    }

    #[test]
    fn a_decimal_survives_a_state_file_exactly() {
        for s in [
            "19.99",
            "0.3",
            "-5.0",
            "79228162514264337593543950335",
            "0.0000000000000000000000000001",
        ] {
            let text = serde_json::to_string(&dec(s)).unwrap();
            assert_eq!(text, format!("{{\"Dec\":\"{s}\"}}"));
            let back: Val = serde_json::from_str(&text).unwrap();
            assert_eq!(back.show(None), s);
        }
        // Written before decimals were exact: a float, read as its text.
        let old: Val = serde_json::from_str("{\"Dec\":19.99}").unwrap();
        assert_eq!(old, dec("19.99"));
        assert!(serde_json::from_str::<Val>("{\"Dec\":\"NaN\"}").is_err());
    }

    #[test]
    fn an_exact_decimal_does_not_make_a_value_bigger() {
        // A value is copied per attribute and event field on the simulation's hot path; the
        // 16-byte decimal fits beside the tag as the 16-byte `Arc<str>` does.
        assert!(std::mem::size_of::<Val>() <= 24);
    }

    #[test]
    fn bools_and_zones_compare_as_written() {
        use std::cmp::Ordering::{Equal, Greater, Less};
        let zone = |n: &str| Val::Zone(super::super::zone::Zone::get(n).expect("a zone"));
        let s = |x: &str| Val::Str(Arc::from(x));
        assert_eq!(compare(&Val::Bool(true), &Val::Bool(true)), Some(Equal));
        assert_eq!(compare(&Val::Bool(false), &Val::Bool(true)), Some(Less));
        let (tokyo, new_york) = (zone("Asia/Tokyo"), zone("America/New_York"));
        assert_eq!(compare(&tokyo, &zone("Asia/Tokyo")), Some(Equal));
        assert_eq!(compare(&tokyo, &new_york), Some(Greater), "by name");
        // A zone equals a string holding its name, on either side.
        assert_eq!(compare(&tokyo, &s("Asia/Tokyo")), Some(Equal));
        assert_eq!(compare(&s("Asia/Tokyo"), &tokyo), Some(Equal));
        assert_eq!(compare(&s("Europe/Paris"), &tokyo), Some(Greater));
        assert_eq!(compare(&tokyo, &s("Europe/Paris")), Some(Less));
    }

    /// `e` with no customer, event or history: constants only.
    fn eval_const(e: &CExpr) -> Val {
        let engagement = |_: Engagement, _: usize| false;
        eval(
            e,
            &Env {
                attrs: &[],
                event: None,
                trigger: None,
                engagement: &engagement,
                history: None,
            },
        )
    }

    #[test]
    fn or_and_and_and_negation_evaluate_as_written() {
        let c = |v: Val| Box::new(CExpr::Const(v));
        let b = |x: bool| c(Val::Bool(x));
        for (l, r) in [(false, false), (false, true), (true, false), (true, true)] {
            assert_eq!(
                eval_const(&CExpr::Bin(BinOp::Or, b(l), b(r))),
                Val::Bool(l || r),
                "{l} or {r}"
            );
            assert_eq!(
                eval_const(&CExpr::Bin(BinOp::And, b(l), b(r))),
                Val::Bool(l && r),
                "{l} and {r}"
            );
        }
        // A missing value is false on either side of `or`.
        assert_eq!(
            eval_const(&CExpr::Bin(BinOp::Or, c(Val::Missing), b(true))),
            Val::Bool(true)
        );
        // `!=` holds for two different values, never with a missing one.
        let ne = |a: Val, b: Val| eval_const(&CExpr::Bin(BinOp::Ne, c(a), c(b)));
        assert_eq!(ne(Val::Int(1), Val::Int(2)), Val::Bool(true));
        assert_eq!(ne(Val::Int(2), Val::Int(2)), Val::Bool(false));
        assert_eq!(ne(Val::Missing, Val::Int(2)), Val::Bool(false));
        assert_eq!(eval_const(&CExpr::Neg(c(dec("1.5")))), dec("-1.5"));
        assert_eq!(eval_const(&CExpr::Neg(c(Val::Dur(90)))), Val::Dur(-90));
        assert_eq!(eval_const(&CExpr::Neg(c(Val::Int(3)))), Val::Int(-3));
        assert_eq!(eval_const(&CExpr::Neg(c(Val::Bool(true)))), Val::Missing);
    }

    /// Each operator keeps the kind its operands give: whole numbers stay whole (division
    /// truncates), durations and dates move by durations, two instants give a duration.
    #[test]
    fn arithmetic_keeps_each_kind() {
        use BinOp::{Add, Div, Mul, Sub};
        let op = |o: BinOp, a: Val, b: Val| {
            eval_const(&CExpr::Bin(
                o,
                Box::new(CExpr::Const(a)),
                Box::new(CExpr::Const(b)),
            ))
        };
        let (i, d, t, day) = (Val::Int, Val::Dur, Val::DateTime, Val::Date);
        for (o, a, b, want) in [
            (Add, i(7), i(2), i(9)),
            (Sub, i(7), i(2), i(5)),
            (Mul, i(7), i(2), i(14)),
            (Div, i(7), i(2), i(3)),
            (Div, i(-7), i(2), i(-3)),
            (Add, i(i64::MAX), i(1), Val::Missing),
            (Sub, i(i64::MIN), i(1), Val::Missing),
            (Div, i(7), i(0), Val::Missing),
            (Add, d(60), d(30), d(90)),
            (Sub, d(60), d(90), d(-30)),
            (Mul, d(60), i(3), d(180)),
            (Mul, i(3), d(60), d(180)),
            (Add, t(1_000), d(60), t(1_060)),
            (Add, d(60), t(1_000), t(1_060)),
            (Sub, t(1_000), d(60), t(940)),
            (Sub, t(1_000), t(400), d(600)),
            (Sub, t(400), t(1_000), d(-600)),
            (Add, day(10), d(2 * 86_400), day(12)),
            (Sub, day(10), d(2 * 86_400), day(8)),
            (Sub, day(10), d(3_600), day(10)),
            (Add, day(10), d(-2 * 86_400), day(8)),
            // A part of a day is dropped toward zero, whichever way the date moves.
            (Add, day(10), d(36 * 3_600), day(11)),
            (Sub, day(10), d(36 * 3_600), day(9)),
            (Add, day(10), d(-36 * 3_600), day(9)),
            (Sub, day(10), d(-36 * 3_600), day(11)),
            (Add, day(10), d(-3_600), day(10)),
            (Sub, day(10), d(-3_600), day(10)),
            (Add, day(10), d(86_399), day(10)),
            (Add, day(i64::MAX), d(86_400), Val::Missing),
            (Sub, day(i64::MIN), d(86_400), Val::Missing),
            (Sub, i(7), dec("0.5"), dec("6.5")),
            (Mul, d(60), d(2), Val::Missing),
            (Add, Val::Str("a".into()), i(1), Val::Missing),
        ] {
            assert_eq!(op(o, a.clone(), b.clone()), want, "{a:?} {o:?} {b:?}");
        }
    }

    #[test]
    fn in_holds_when_one_item_equals_the_value() {
        let c = |v: Val| CExpr::Const(v);
        let is_in = |v: Val, items: &[i64]| {
            eval_const(&CExpr::In(
                Box::new(c(v)),
                items.iter().map(|&n| c(Val::Int(n))).collect(),
            ))
        };
        assert_eq!(is_in(Val::Int(2), &[1, 2]), Val::Bool(true));
        assert_eq!(is_in(Val::Int(3), &[1, 2]), Val::Bool(false));
        assert_eq!(is_in(Val::Int(2), &[2]), Val::Bool(true));
        assert_eq!(is_in(Val::Int(2), &[]), Val::Bool(false));
        assert_eq!(is_in(Val::Missing, &[1, 2]), Val::Bool(false));
        assert_eq!(is_in(dec("2.0"), &[1, 2]), Val::Bool(true));
    }

    fn calc(op: BinOp, a: &str, b: &str) -> Val {
        arith(op, &dec(a), &dec(b))
    }

    #[test]
    fn decimal_arithmetic_is_exact_and_overflow_is_not_set() {
        assert_eq!(calc(BinOp::Add, "0.1", "0.2"), dec("0.3"));
        assert_eq!(
            compare(&calc(BinOp::Add, "0.1", "0.2"), &dec("0.3")),
            Some(std::cmp::Ordering::Equal)
        );
        assert_eq!(calc(BinOp::Mul, "19.99", "3").show(None), "59.97");
        assert_eq!(
            calc(BinOp::Div, "2", "3").show(None),
            "0.6666666666666666666666666667"
        );
        assert_eq!(
            calc(BinOp::Div, "1", "3").show(None),
            "0.3333333333333333333333333333"
        );
        // Half to even at the 28th place: 0.5 ulp rounds to the even neighbour.
        assert_eq!(
            calc(BinOp::Div, "0.0000000000000000000000000025", "2").show(None),
            "0.0000000000000000000000000012"
        );
        assert_eq!(calc(BinOp::Div, "1.5", "0"), Val::Missing);
        assert_eq!(
            calc(BinOp::Mul, "79228162514264337593543950335", "2"),
            Val::Missing
        );
        assert_eq!(
            calc(BinOp::Add, "79228162514264337593543950335", "1"),
            Val::Missing
        );
        assert_eq!(arith(BinOp::Add, &Val::Int(1), &dec("0.5")), dec("1.5"));
        assert_eq!(
            compare(&Val::Int(i64::MAX), &dec("9223372036854775807.5")),
            Some(std::cmp::Ordering::Less)
        );
    }
}
