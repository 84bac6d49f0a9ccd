//! The values of `send T with { ... }` as one FEEL context, the input mapping of the send's
//! service task in the BPMN export: `={"carrier": event.carrier, "risk_level": risk_level}`
//! into the variable `data`, which Zeebe evaluates when the task is activated and hands the job
//! worker with the job's variables.
//!
//! What each field may be (docs/exports.md): a constant, an attribute or event field (FEEL's
//! `null` when missing, as the interpreter's *not set*), a condition (`true` or `false`, never
//! `null`), or, for a number or duration, `+ - *` of those. Anything else is not exported: the
//! build fails naming the field, rather than sending without it.

use super::feel;
use crate::ir::{Expr, Journey, Type};
use std::collections::BTreeMap;

/// The FEEL context, without the leading `=`; `None` when there is no data.
pub fn context(
    j: &Journey,
    touchpoint: &str,
    data: &BTreeMap<String, Expr>,
) -> Result<Option<String>, String> {
    if data.is_empty() {
        return Ok(None);
    }
    let types = j.touchpoints.get(touchpoint).map(|t| &t.data);
    let mut entries = Vec::with_capacity(data.len());
    for (field, e) in data {
        let ty = types.and_then(|t| t.get(field));
        let value = match e {
            Expr::Const { value } => Some(feel::constant(value)),
            Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => feel::variable(e),
            _ if ty == Some(&Type::Bool) => feel::condition(j, e),
            _ if matches!(ty, Some(Type::Int | Type::Decimal | Type::Duration)) => feel::value(e),
            _ => None,
        }
        .ok_or_else(|| {
            format!("the payload value `{field} = {e}` (only constants, attributes, event fields, conditions and arithmetic on numbers are computed)")
        })?;
        entries.push(format!("\"{field}\": {value}"));
    }
    Ok(Some(format!("{{{}}}", entries.join(", "))))
}
