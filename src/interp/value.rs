//! Runtime values and expression evaluation.

use super::program::{CExpr, EventPayload};
use super::time::Instant;
use super::world::history::Recall;
use crate::ir::{self, BinOp, Engagement};
use std::sync::Arc;

/// A value at run time. `Missing` is an attribute or field nobody set: every comparison with it
/// is false (so `not (x == 1)` is true), like SQL's NULL in a `WHERE`.
/// Serialized in replay state files as `{"Int": 8}`, `"Missing"`.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Val {
    Missing,
    Bool(bool),
    Int(i64),
    Dec(#[serde(with = "any_f64")] f64),
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
}

impl Val {
    pub fn from_ir(v: &ir::Value) -> Val {
        match v {
            ir::Value::String(s) => Val::Str(Arc::from(s.as_str())),
            ir::Value::Int(i) => Val::Int(*i),
            ir::Value::Decimal(d) => Val::Dec(*d),
            ir::Value::Bool(b) => Val::Bool(*b),
            ir::Value::Duration(d) => Val::Dur(i64::try_from(*d).unwrap_or(i64::MAX)),
            ir::Value::Date(s) => parse_date(s).map(Val::Date).unwrap_or(Val::Missing),
            ir::Value::Time(t) => Val::Time(*t),
            ir::Value::Enum(e) => Val::Enum(e.index as u32),
            ir::Value::Timezone(z) => super::zone::Zone::get(z)
                .map(Val::Zone)
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
            Val::Enum(i) => enum_values
                .and_then(|v| v.get(*i as usize))
                .cloned()
                .unwrap_or_else(|| format!("#{i}")),
            Val::Zone(z) => format!("{:?}", z.name()),
        }
    }
}

/// A decimal as JSON: a number, or `"NaN"`, `"inf"`, `"-inf"` (which JSON numbers cannot hold
/// and arithmetic in a `set` can produce), so that every value survives a state file.
mod any_f64 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &f64, s: S) -> Result<S::Ok, S::Error> {
        if d.is_finite() {
            s.serialize_f64(*d)
        } else if d.is_nan() {
            s.serialize_str("NaN")
        } else if *d > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        N(f64),
        S(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Repr::deserialize(d)? {
            Repr::N(n) => Ok(n),
            Repr::S(s) => match s.as_str() {
                "NaN" => Ok(f64::NAN),
                "inf" => Ok(f64::INFINITY),
                "-inf" => Ok(f64::NEG_INFINITY),
                _ => Err(serde::de::Error::custom(format!("`{s}` is not a decimal"))),
            },
        }
    }
}

pub fn parse_date(s: &str) -> Option<i64> {
    let mut p = s.split('-');
    let y: i64 = p.next()?.parse().ok()?;
    let m: u32 = p.next()?.parse().ok()?;
    let d: u32 = p.next()?.parse().ok()?;
    Some(super::time::days_from_civil(y, m, d))
}

/// What an expression can read while it is evaluated.
pub struct Env<'a> {
    pub attrs: &'a [Val],
    pub event: Option<&'a EventPayload>,
    /// Per touchpoint: sent, opened, clicked in the current entry.
    pub engagement: &'a dyn Fn(Engagement, usize) -> bool,
    /// The customer's history and the time now, where history can be read.
    pub history: Option<(&'a Recall, Instant)>,
}

fn num(v: &Val) -> Option<f64> {
    match v {
        Val::Int(i) => Some(*i as f64),
        Val::Dec(d) => Some(*d),
        _ => None,
    }
}

fn compare(a: &Val, b: &Val) -> Option<std::cmp::Ordering> {
    match (a, b) {
        (Val::Missing, _) | (_, Val::Missing) => None,
        (Val::Int(x), Val::Int(y)) => Some(x.cmp(y)),
        (Val::Str(x), Val::Str(y)) => Some(x.cmp(y)),
        (Val::Bool(x), Val::Bool(y)) => Some(x.cmp(y)),
        (Val::Dur(x), Val::Dur(y)) | (Val::Date(x), Val::Date(y)) => Some(x.cmp(y)),
        (Val::Time(x), Val::Time(y)) | (Val::Enum(x), Val::Enum(y)) => Some(x.cmp(y)),
        // Zones compare by name (only `==`, `!=` and `in` are allowed on them); a zone also
        // equals a string holding its name, so `tz == "Asia/Tokyo"` reads as written.
        (Val::Zone(x), Val::Zone(y)) => Some(x.name().cmp(y.name())),
        (Val::Zone(x), Val::Str(y)) => Some(x.name().cmp(y)),
        (Val::Str(x), Val::Zone(y)) => Some(x.as_ref().cmp(y.name())),
        _ => num(a)?.partial_cmp(&num(b)?),
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
        (BinOp::Add, Val::Date(d), Val::Dur(s)) => Val::Date(d + s.div_euclid(86_400)),
        (BinOp::Sub, Val::Date(d), Val::Dur(s)) => Val::Date(d - s.div_euclid(86_400)),
        _ => match (num(a), num(b)) {
            (Some(x), Some(y)) => {
                let r = match op {
                    BinOp::Add => x + y,
                    BinOp::Sub => x - y,
                    BinOp::Mul => x * y,
                    _ if y == 0.0 => return Val::Missing,
                    _ => x / y,
                };
                Val::Dec(r)
            }
            _ => Val::Missing,
        },
    }
}
