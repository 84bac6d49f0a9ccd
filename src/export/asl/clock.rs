//! `wait until [DAY] HH:MM [local]` in Step Functions. The States Language has no calendar or
//! zone arithmetic, so the time is computed by a clock service (docs/exports.md, "Clock
//! waits"): a task posts the wait to the `clock` queue, the service answers the task token with
//! `{"until": "<RFC 3339 timestamp>"}` (the next such time strictly after the task started, in
//! UTC or the customer's zone, as the interpreter computes it), and a `Wait` state waits for
//! that timestamp through `TimestampPath`.

use super::{next_name, Writer};
use crate::ir::clock::{hhmm, Weekday};
use crate::ir::{BinOp, Expr, Node, Value};
use serde_json::{json, Map, Value as J};

impl Writer<'_> {
    pub(super) fn wait_clock(
        &self,
        n: &Node,
        (day, minute, local): (Option<Weekday>, u32, bool),
        next: &Option<String>,
        out: &mut Map<String, J>,
    ) {
        let id = n.id.as_str();
        let mut body = Map::new();
        body.insert("day".into(), day.map_or(J::Null, |d| J::from(d.name())));
        body.insert("time".into(), J::from(hhmm(minute)));
        body.insert("local".into(), J::from(local));
        let what = crate::ir::clock::describe(day, minute, local);
        let comment = format!("wait until {what}: the clock service answers {{\"until\": TIMESTAMP}}, the next such time after the task started");
        self.ask_clock((id, id), body, true, comment, next, out);
    }

    /// The task state `task` asking the clock service for the time of node `node` (what the
    /// message carries for this wait, `what`, between the fields every clock message has; with
    /// `after`, the time the task started), then the `Wait` on its answer.
    fn ask_clock(
        &self,
        (node, task): (&str, &str),
        what: Map<String, J>,
        after: bool,
        comment: String,
        next: &Option<String>,
        out: &mut Map<String, J>,
    ) {
        let wait = format!("{node}.wait");
        let mut body = Map::new();
        body.insert("type".into(), J::from("clock"));
        body.insert("journey".into(), J::from(self.j.name.as_str()));
        body.insert("node".into(), J::from(node));
        body.extend(what);
        body.insert("customer_id.$".into(), J::from("$.customer_id"));
        if after {
            body.insert("after.$".into(), J::from("$$.State.EnteredTime"));
        }
        body.insert("execution.$".into(), J::from("$$.Execution.Id"));
        body.insert("task_token.$".into(), J::from("$$.Task.Token"));
        out.insert(
            task.into(),
            json!({
                "Type": "Task",
                "Comment": comment,
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": format!("{}clock", self.o.queue_url_prefix),
                    "MessageBody": body,
                },
                "ResultPath": "$.clock",
                "Next": wait,
            }),
        );
        out.insert(
            wait,
            json!({ "Type": "Wait", "TimestampPath": "$.clock.until", "Next": next_name(next) }),
        );
    }
}

/// The input path of the time `e` names and the seconds to add to it: `starts_at - 24h` is
/// (`$.customer.starts_at`, -86400). `None` for a time that is not a value of the data plus or
/// minus constant durations (`now + 1d`, a constant datetime, arithmetic on two values).
pub(super) fn offset_path(e: &Expr) -> Option<(String, i64)> {
    let secs = |d: &Expr| match d {
        Expr::Const {
            value: Value::Duration(s),
        } => i64::try_from(*s).ok(),
        _ => None,
    };
    match e {
        Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => {
            Some((super::asl_rule::path(e)?, 0))
        }
        Expr::Binary {
            operator: BinOp::Add,
            lhs,
            rhs,
        } => match (offset_path(lhs), secs(rhs)) {
            (Some((p, o)), Some(d)) => Some((p, o.checked_add(d)?)),
            _ => {
                let (p, o) = offset_path(rhs)?;
                Some((p, o.checked_add(secs(lhs)?)?))
            }
        },
        Expr::Binary {
            operator: BinOp::Sub,
            lhs,
            rhs,
        } => {
            let (p, o) = offset_path(lhs)?;
            Some((p, o.checked_sub(secs(rhs)?)?))
        }
        _ => None,
    }
}

impl Writer<'_> {
    /// `wait until PATH ± D`: the clock service adds the offset to the time at `path` (which
    /// the Choice before has found set) and answers `{"until": TIMESTAMP}`; a `Wait` then waits
    /// for it (docs/exports.md, "Waiting until a datetime").
    pub(super) fn wait_offset(
        &self,
        n: &Node,
        path: &str,
        offset: i64,
        next: &Option<String>,
        out: &mut Map<String, J>,
    ) {
        let id = n.id.as_str();
        let mut body = Map::new();
        body.insert("at.$".into(), J::from(path));
        body.insert("offset_secs".into(), J::from(offset));
        let comment = format!("the clock service answers {{\"until\": TIMESTAMP}}: the time at {path} plus {offset} seconds");
        self.ask_clock(
            (id, &format!("{id}.compute")),
            body,
            false,
            comment,
            next,
            out,
        );
    }
}
