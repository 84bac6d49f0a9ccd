//! Payload values: what a `send T with { FIELD = EXPR, ... }` carries.
//!
//! The values are computed when the message goes out (for a send held by quiet hours, when it
//! is released), from the customer's attributes and the event bound at that moment, and only
//! for observers that show them ([`super::engine::Observer::wants_data`]: `run`'s output,
//! test timelines and expectations, `--explain`). A simulation never asks, so its hot path
//! neither evaluates nor allocates them.

use super::engine::Engine;
use super::program::{CExpr, Program, ProgramError};
use super::value::{compare, Val};
use crate::ir::{self, NodeKind};
use serde_json::Value as Json;
use std::sync::Arc;

/// The compiled fields of one send node, sorted by name (empty: not a send with data).
pub type Fields = Vec<(Arc<str>, CExpr)>;

/// The values one send carried, sorted by field name; `None` when the send has no data or no
/// observer asked for them.
pub type Data = Option<Arc<[(Arc<str>, Val)]>>;

/// Compiles the `with { ... }` of every send node, by node index.
pub fn compile(
    j: &ir::Journey,
    expr: impl Fn(&ir::Expr) -> Result<CExpr, ProgramError>,
) -> Result<Vec<Fields>, ProgramError> {
    j.nodes
        .iter()
        .map(|n| match &n.kind {
            NodeKind::Send { data, .. } => data
                .iter()
                .map(|(f, e)| Ok((Arc::from(f.as_str()), expr(e)?)))
                .collect(),
            _ => Ok(Vec::new()),
        })
        .collect()
}

/// The values of send node `node` for customer `c` at `t`.
pub fn values(engine: &Engine, c: &super::engine::Customer, node: usize, t: i64) -> Data {
    let fields = engine.program.payloads.get(node)?;
    if fields.is_empty() {
        return None;
    }
    Some(
        fields
            .iter()
            .map(|(f, e)| (f.clone(), engine.eval_in_run(c, e, t)))
            .collect(),
    )
}

/// The values of enum field `field` of touchpoint `touchpoint`'s data, to show enum values by
/// name.
fn enum_values<'p>(p: &'p Program, touchpoint: usize, field: &str) -> Option<&'p [String]> {
    let name = p.touchpoint_names.get(touchpoint)?;
    match p.ir.touchpoints.get(name)?.data.get(field)? {
        ir::Type::Enum { values, .. } => Some(values),
        _ => None,
    }
}

/// A value as JSON, written as event logs write it (docs/event-logs.md): strings, numbers
/// and booleans as themselves, durations in seconds, dates as `"2026-03-02"`, times as
/// `"09:00"`, enum values by name; a value nobody set is `null`.
pub fn value_json(v: &Val, enum_values: Option<&[String]>) -> Json {
    match v {
        Val::Missing => Json::Null,
        Val::Bool(b) => Json::Bool(*b),
        Val::Int(i) => Json::from(*i),
        Val::Dur(d) => Json::from(*d),
        // As specs write a decimal: a number when it reads back exactly, else its digits.
        Val::Dec(d) => crate::ir::decimal::exact_f64(d)
            .and_then(serde_json::Number::from_f64)
            .map(Json::Number)
            .unwrap_or_else(|| Json::String(d.to_string())),
        Val::Str(s) => Json::String(s.to_string()),
        Val::Zone(z) => Json::String(z.name().to_string()),
        Val::DateTime(t) => Json::String(super::time::format_rfc3339(*t)),
        Val::Date(_) | Val::Time(_) | Val::Enum(_) => Json::String(v.show(enum_values)),
    }
}

/// The values as a JSON object, for `run`'s output.
pub fn json(p: &Program, touchpoint: usize, data: &[(Arc<str>, Val)]) -> Json {
    Json::Object(
        data.iter()
            .map(|(f, v)| (f.to_string(), value_json(v, enum_values(p, touchpoint, f))))
            .collect(),
    )
}

/// ` with { carrier = "ups", order_id = "A-1" }`, as a journey author writes it, for test
/// timelines and explanations; empty when there are no values ([`values`] gives `None` then,
/// never an empty list).
pub fn suffix(p: &Program, touchpoint: usize, data: &Data) -> String {
    match data {
        Some(d) => format!(" with {}", show(p, touchpoint, d)),
        None => String::new(),
    }
}

/// `{ carrier = "ups", order_id = "A-1" }`.
pub fn show(p: &Program, touchpoint: usize, data: &[(Arc<str>, Val)]) -> String {
    let fields: Vec<String> = data
        .iter()
        .map(|(f, v)| format!("{f} = {}", v.show(enum_values(p, touchpoint, f))))
        .collect();
    format!("{{ {} }}", fields.join(", "))
}

/// Whether a value carried equals the one a test expects (numbers across `int` and `decimal`).
pub fn equal(actual: &Val, expected: &Val) -> bool {
    compare(actual, expected) == Some(std::cmp::Ordering::Equal)
}
