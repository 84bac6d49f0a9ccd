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
mod feel_payload;
mod feel_time;
mod schedule;
pub mod services;
mod xml;

use crate::ir::{Expr, HistoryOf, Journey, NodeKind, Value};
use std::collections::BTreeMap;

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

/// The bucket of the instance with key `key` of a keyed journey (`per FIELD`): the customer's
/// id hash is that of the id and the key one after the other (docs/exports.md, "Keyed
/// journeys"), so two orders of one customer may get different variants.
pub fn split_bucket_keyed(journey: &str, node_id: &str, customer_id: &str, key: &str) -> u32 {
    let salt = crate::interp::program::stable_hash(&[journey, node_id]);
    let id = crate::interp::program::stable_hash(&[customer_id, key]);
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
        Value::String(s) | Value::Date(s) | Value::Timezone(s) | Value::DateTime(s) => {
            J::String(s.clone())
        }
        Value::Int(i) => J::from(*i),
        // Step Functions and the FEEL engines read JSON numbers as floats (docs/exports.md).
        Value::Decimal(d) => rust_decimal::prelude::ToPrimitive::to_f64(d)
            .and_then(serde_json::Number::from_f64)
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

/// `priority` and `exclusive` in words, for whoever reads the document (neither engine can see a
/// customer's other journeys; the router reads them from [`services`]): empty when the journey
/// has neither.
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
        " Arbitration, for the router that starts executions: {}; the router reads it from journeyc-services.json (docs/exports.md).",
        parts.join(", ")
    )
}

/// The name under which a history service answers one history read: `sent_welcome_604800`,
/// `happened_browsed_86400`, `count_ordered_2592000` (the function, the name, the window in
/// seconds), so one lookup answers every read of a decision.
pub fn history_key(of: HistoryOf, name: &str, within_secs: u64) -> String {
    let f = match of {
        HistoryOf::Sent => "sent",
        HistoryOf::Happened => "happened",
        HistoryOf::Count => "count",
    };
    format!("{f}_{name}_{within_secs}")
}

/// Whether a condition the engine decides (a branch or a stage's guard) reads history.
pub fn reads_history(journey: &Journey) -> bool {
    let mut reads = BTreeMap::new();
    for n in &journey.nodes {
        match &n.kind {
            NodeKind::Branch { arms, .. } => arms
                .iter()
                .for_each(|a| history_reads(&a.condition, &mut reads)),
            NodeKind::EnterStage { guard: Some(g), .. } => history_reads(g, &mut reads),
            _ => {}
        }
    }
    !reads.is_empty()
}

/// The history reads of `e`, by key, as the history service is asked for them:
/// `{"key", "of", "name", "within_secs"}` (docs/exports.md, "History").
pub fn history_reads(e: &Expr, out: &mut BTreeMap<String, serde_json::Value>) {
    crate::ir::lower::walk_expr(e, &mut |x| {
        if let Expr::History {
            of,
            name,
            within_secs,
        } = x
        {
            let key = history_key(*of, name, *within_secs);
            out.entry(key.clone()).or_insert_with(|| {
                serde_json::json!({ "key": key, "of": of, "name": name, "within_secs": within_secs })
            });
        }
    });
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
