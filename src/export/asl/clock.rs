//! `wait until [DAY] HH:MM [local]` in Step Functions. The States Language has no calendar or
//! zone arithmetic, so the time is computed by a clock service (docs/exports.md, "Clock
//! waits"): a task posts the wait to the `clock` queue, the service answers the task token with
//! `{"until": "<RFC 3339 timestamp>"}` (the next such time strictly after the task started, in
//! UTC or the customer's zone, as the interpreter computes it), and a `Wait` state waits for
//! that timestamp through `TimestampPath`.

use super::{next_name, Writer};
use crate::ir::clock::{hhmm, Weekday};
use crate::ir::Node;
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
        let wait = format!("{id}.wait");
        let mut body = Map::new();
        body.insert("type".into(), J::from("clock"));
        body.insert("journey".into(), J::from(self.j.name.as_str()));
        body.insert("node".into(), J::from(id));
        body.insert("day".into(), day.map_or(J::Null, |d| J::from(d.name())));
        body.insert("time".into(), J::from(hhmm(minute)));
        body.insert("local".into(), J::from(local));
        body.insert("customer_id.$".into(), J::from("$.customer_id"));
        body.insert("after.$".into(), J::from("$$.State.EnteredTime"));
        body.insert("execution.$".into(), J::from("$$.Execution.Id"));
        body.insert("task_token.$".into(), J::from("$$.Task.Token"));
        let what = crate::ir::clock::describe(day, minute, local);
        out.insert(
            id.into(),
            json!({
                "Type": "Task",
                "Comment": format!("wait until {what}: the clock service answers {{\"until\": TIMESTAMP}}, the next such time after the task started"),
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
