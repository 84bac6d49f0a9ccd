//! Scheduled triggers (`trigger every DAY HH:MM [local] [where COND]`) in the exports. Neither
//! target can start one execution per customer on a schedule by itself: a Step Functions
//! schedule or a BPMN timer start event starts one execution, for nobody. So the event router
//! expands the schedule (docs/exports.md, "Scheduled triggers"): it keeps an EventBridge
//! Scheduler schedule with the expression written here (one per time zone in use when `local`),
//! and at each firing starts an execution (a process instance) for every known customer whose
//! condition holds and whose entry rule allows it, with an empty `event`. The documents say so in
//! their comment, and `journeyc-services.json` carries the schedule.

use crate::ir::{Journey, Schedule};
use serde_json::{json, Value as J};

/// The EventBridge Scheduler expression: `cron(0 9 ? * MON *)`, `cron(30 17 * * ? *)`.
pub fn expression(s: &Schedule) -> String {
    let (h, m) = (s.minute_of_day / 60, s.minute_of_day % 60);
    match s.day {
        Some(d) => {
            let dow = d.name()[..3].to_ascii_uppercase();
            format!("cron({m} {h} ? * {dow} *)")
        }
        None => format!("cron({m} {h} * * ? *)"),
    }
}

/// The trigger as written: `every monday 09:00 local`.
pub fn written(s: &Schedule) -> String {
    let day = s.day.map_or("day", |d| d.name());
    let local = if s.local { " local" } else { "" };
    format!(
        "every {day} {}{local}",
        crate::ir::clock::hhmm(s.minute_of_day)
    )
}

/// The sentence the documents' comment gets; empty for an event trigger.
pub fn note(j: &Journey) -> String {
    if j.trigger.when {
        let condition = j
            .trigger
            .condition
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default();
        return format!(
            " Started when a condition becomes true, not by an event: trigger when {condition}; the event router decides it on the profile it keeps, when it first meets a customer and after each identify, and starts an execution when it rises (docs/exports.md, \"Entry when a condition becomes true\")."
        );
    }
    let Some(s) = &j.trigger.schedule else {
        return String::new();
    };
    let zone = if s.local {
        "ScheduleExpressionTimezone: each customer's zone"
    } else {
        "ScheduleExpressionTimezone: UTC"
    };
    let condition = j
        .trigger
        .condition
        .as_ref()
        .map(|c| format!(", where {c}"))
        .unwrap_or_default();
    format!(
        " Started by a schedule, not an event: trigger {}{condition}; the event router expands it ({}, {zone}) into one execution per known customer (docs/exports.md, \"Scheduled triggers\").",
        written(s),
        expression(s)
    )
}

/// The start event's name in BPMN.
pub fn start_name(j: &Journey) -> String {
    match (&j.trigger.schedule, &j.trigger.condition) {
        (Some(s), _) => format!("trigger {}", written(s)),
        (None, Some(c)) if j.trigger.when => format!("trigger when {c}"),
        _ => format!("trigger {}", j.trigger.event),
    }
}

/// A `trigger when` journey's condition in `journeyc-services.json`, for the router to decide:
/// in words, and as the spec's expression (docs/spec.md); `None` for another trigger.
pub fn when_entry(j: &Journey) -> Option<J> {
    if !j.trigger.when {
        return None;
    }
    let c = j.trigger.condition.as_ref()?;
    Some(json!({
        "condition": c.to_string(),
        "expression": serde_json::to_value(c).unwrap_or(J::Null),
    }))
}

/// The journey's schedule in `journeyc-services.json`; `None` for an event trigger.
pub fn services_entry(j: &Journey) -> Option<J> {
    let s = j.trigger.schedule.as_ref()?;
    Some(json!({
        "day": s.day.map(|d| d.name()),
        "time": crate::ir::clock::hhmm(s.minute_of_day),
        "local": s.local,
        "expression": expression(s),
        "condition": j.trigger.condition.as_ref().map(|c| c.to_string()),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::clock::Weekday;

    #[test]
    fn expressions_are_eventbridge_cron() {
        let weekly = Schedule {
            day: Some(Weekday::Monday),
            minute_of_day: 9 * 60,
            local: true,
        };
        assert_eq!(expression(&weekly), "cron(0 9 ? * MON *)");
        let daily = Schedule {
            day: None,
            minute_of_day: 17 * 60 + 30,
            local: false,
        };
        assert_eq!(expression(&daily), "cron(30 17 * * ? *)");
        assert_eq!(written(&daily), "every day 17:30");
    }
}
