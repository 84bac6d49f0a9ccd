//! Exports of a journey to workflow engines that teams already run: Amazon States Language for
//! AWS Step Functions ([`asl`]) and BPMN 2.0 for Camunda 8 / Zeebe ([`bpmn`]).
//!
//! Like [`crate::spec`], an export reads the IR only, never the syntax tree, so the three outputs
//! of `journeyc build` describe the same graph. Names in the outputs come from node ids, so a
//! small edit of the source changes few lines of the exported document. Output is a function of
//! the journey and the options alone: the same journey always gives the same bytes.
//!
//! What each engine cannot do natively (exit criteria, goals, caps, quiet hours, engagement,
//! split hashing) is done by a small service beside the engine, following one documented
//! contract; `docs/exports.md` lists every construct and the pattern used.

pub mod asl;
mod asl_rule;
pub mod bpmn;
mod feel;
mod xml;

use crate::ir::{Journey, NodeKind, Value};

/// Why a journey cannot be exported to a target.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("journey `{journey}`, node `{node}`: {what} cannot be expressed in {target}")]
pub struct ExportError {
    pub journey: String,
    pub node: String,
    /// The construct, as the author wrote it.
    pub what: String,
    pub target: &'static str,
}

/// The variant bucket (0..10000) the interpreter assigns to `customer_id` at the split node
/// `node_id` of journey `journey`: FNV-1a of the journey name and node id, xor FNV-1a of the
/// customer id, through splitmix64, modulo 10000. A customer goes to the first variant whose
/// cumulative share (in basis points) is above the bucket.
///
/// Neither engine can compute a 64-bit FNV hash natively, so whoever starts an execution passes
/// the buckets in (`splits` in the ASL input, `split_<key>` variables in BPMN); this function
/// is what they must compute, and `docs/exports.md` gives it in a few lines of Python.
pub fn split_bucket(journey: &str, node_id: &str, customer_id: &str) -> u32 {
    let salt = crate::interp::program::stable_hash(&[journey, node_id]);
    let id = crate::interp::program::stable_hash(&[customer_id]);
    crate::interp::engine::bucket(id, salt)
}

/// The key under which a split's bucket is passed in: the node id with `.` replaced by `_`, so
/// it is a plain JSON path segment and a plain variable name.
pub fn split_key(node_id: &str) -> String {
    node_id
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Every split node of a journey with its key, in node order.
pub fn splits(journey: &Journey) -> Vec<(&str, String)> {
    journey
        .nodes
        .iter()
        .filter(|n| matches!(n.kind, NodeKind::Split { .. }))
        .map(|n| (n.id.as_str(), split_key(&n.id)))
        .collect()
}

/// A constant as JSON, the way both exports pass values: enums by name, durations in seconds,
/// times of day in minutes after midnight, dates as `YYYY-MM-DD`.
pub fn json_value(v: &Value) -> serde_json::Value {
    use serde_json::Value as J;
    match v {
        Value::String(s) | Value::Date(s) => J::String(s.clone()),
        Value::Int(i) => J::from(*i),
        Value::Decimal(d) => serde_json::Number::from_f64(*d)
            .map(J::Number)
            .unwrap_or(J::Null),
        Value::Bool(b) => J::Bool(*b),
        Value::Duration(s) => J::from(*s),
        Value::Time(m) => J::from(*m),
        Value::Enum(e) => J::String(e.value.clone()),
    }
}

/// An ISO-8601 duration (`P3D`, `PT12H`, `P1DT2H30M`) for BPMN timers.
pub fn iso_duration(secs: u64) -> String {
    let (d, rest) = (secs / 86_400, secs % 86_400);
    let (h, m, s) = (rest / 3_600, rest % 3_600 / 60, rest % 60);
    let mut out = String::from("P");
    if d > 0 {
        out.push_str(&format!("{d}D"));
    }
    if rest > 0 || d == 0 {
        out.push('T');
        if h > 0 {
            out.push_str(&format!("{h}H"));
        }
        if m > 0 {
            out.push_str(&format!("{m}M"));
        }
        if s > 0 || rest == 0 {
            out.push_str(&format!("{s}S"));
        }
    }
    out
}

/// `priority` and `exclusive` in words, for the router that starts executions (neither engine
/// can see a customer's other journeys): empty when the journey has neither.
pub(crate) fn arbitration(journey: &Journey) -> String {
    let mut parts = Vec::new();
    if journey.priority != 0 {
        parts.push(format!("priority {}", journey.priority));
    }
    if let Some(g) = &journey.exclusive {
        parts.push(format!("exclusive {g}"));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        " Arbitration, for the router that starts executions: {} (docs/semantics.md, One world).",
        parts.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn iso_durations() {
        assert_eq!(iso_duration(3 * 86_400), "P3D");
        assert_eq!(iso_duration(12 * 3_600), "PT12H");
        assert_eq!(iso_duration(86_400 + 2 * 3_600 + 30 * 60), "P1DT2H30M");
        assert_eq!(iso_duration(90), "PT1M30S");
        assert_eq!(iso_duration(0), "PT0S");
    }

    #[test]
    fn split_keys_are_plain_names() {
        assert_eq!(
            split_key("upgrade_trial_to_pro.0.split"),
            "upgrade_trial_to_pro_0_split"
        );
    }

    #[test]
    fn buckets_are_stable_and_in_range() {
        let a = split_bucket("j", "s.0.split", "customer-1");
        assert_eq!(a, split_bucket("j", "s.0.split", "customer-1"));
        assert!(a < 10_000);
        // Different customers spread over the buckets.
        let distinct: std::collections::BTreeSet<u32> = (0..50)
            .map(|i| split_bucket("j", "s.0.split", &format!("c{i}")))
            .collect();
        assert!(distinct.len() > 40);
    }
}

/// Refuses a journey whose conditions read history (`sent(T) within D`, `happened(E) within
/// D`, `count(E within D)`): history spans the customer's journeys and entries, so an engine
/// must ask a service shared by all of them, which the exports do not call yet
/// (docs/exports.md, "History"). Refused by name, never dropped.
pub fn refuse_history(journey: &Journey, target: &'static str) -> Result<(), ExportError> {
    use crate::ir::{lower::walk_expr, Expr};
    let mut conditions: Vec<(&str, &Expr)> = Vec::new();
    conditions.extend(journey.trigger.condition.iter().map(|c| ("trigger", c)));
    conditions.extend(
        journey
            .goals
            .iter()
            .filter_map(|g| g.condition.as_ref().map(|c| ("goal", c))),
    );
    conditions.extend(
        journey
            .exits
            .iter()
            .filter_map(|x| x.condition.as_ref().map(|c| ("exit", c))),
    );
    for n in &journey.nodes {
        match &n.kind {
            NodeKind::EnterStage { guard: Some(g), .. } => conditions.push((&n.id, g)),
            NodeKind::WaitEvent {
                condition: Some(c), ..
            } => conditions.push((&n.id, c)),
            NodeKind::Branch { arms, .. } => {
                conditions.extend(arms.iter().map(|a| (n.id.as_str(), &a.condition)))
            }
            NodeKind::Set { value, .. } => conditions.push((&n.id, value)),
            _ => {}
        }
    }
    for (node, c) in conditions {
        let mut found = None;
        walk_expr(c, &mut |e| {
            if found.is_none() && matches!(e, Expr::History { .. }) {
                found = Some(e.to_string());
            }
        });
        if let Some(what) = found {
            return Err(ExportError {
                journey: journey.name.clone(),
                node: node.to_string(),
                what: format!(
                    "the history condition `{what}` (history spans journeys and needs a shared service the exports do not call yet; see docs/exports.md, \"History\")"
                ),
                target,
            });
        }
    }
    Ok(())
}
