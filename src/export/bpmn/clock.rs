//! `wait until [DAY] HH:MM [local]` in BPMN. FEEL could compute a UTC time, but not the
//! customer's zone with its DST rules for every engine, so the time is computed by a job worker
//! of type `journey-clock` (docs/exports.md, "Clock waits"), as in Step Functions: the service
//! task completes with the variable `clock_until` (an ISO 8601 date-time, the next such time
//! after the job was created), and a timer catch event waits for it with `timeDate`.

use super::{target, Out};
use crate::ir::clock::{describe, hhmm, Weekday};

pub(super) fn wait_clock(
    j: &crate::ir::Journey,
    id: &str,
    (day, minute, local): (Option<Weekday>, u32, bool),
    next: &Option<String>,
    out: &mut Out,
) {
    let what = describe(day, minute, local);
    let timer = format!("{id}.timer");
    out.w.open(
        "bpmn:serviceTask",
        &[("id", id), ("name", &format!("next {what}"))],
    );
    out.w.open("bpmn:extensionElements", &[]);
    out.w
        .empty("zeebe:taskDefinition", &[("type", "journey-clock")]);
    out.w.open("zeebe:taskHeaders", &[]);
    let time = hhmm(minute);
    let mut headers = vec![("journey", j.name.as_str()), ("node", id)];
    if let Some(d) = day {
        headers.push(("day", d.name()));
    }
    headers.push(("time", time.as_str()));
    headers.push(("local", if local { "true" } else { "false" }));
    for (k, v) in headers {
        out.w.empty("zeebe:header", &[("key", k), ("value", v)]);
    }
    out.w.close();
    out.w.close();
    out.w.close();
    out.flow(id, &timer, None);
    out.w.open(
        "bpmn:intermediateCatchEvent",
        &[("id", &timer), ("name", &format!("wait until {what}"))],
    );
    out.w.open(
        "bpmn:timerEventDefinition",
        &[("id", &format!("{timer}.definition"))],
    );
    out.w.text(
        "bpmn:timeDate",
        &[("xsi:type", "bpmn:tFormalExpression")],
        "=clock_until",
    );
    out.w.close();
    out.w.close();
    out.flow(&timer, &target(next), None);
}
