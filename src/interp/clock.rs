//! When a `wait until [DAY] HH:MM [local]` ends (docs/semantics.md, "Clock waits").
//!
//! The deadline is the first instant strictly after the customer reaches the wait whose wall
//! clock, in the wait's zone, reads `HH:MM` on `DAY` (any day without one). Strictly after: a
//! customer who arrives at 09:00 sharp waits for the next 09:00, so a loop `wait until monday
//! 09:00`, `send digest`, `goto` sends once a week and never twice at one instant.
//!
//! The zone is UTC without `local`, else the customer's (`interp::zone`: their `timezone`
//! attribute, the project default, UTC last). Wall times that a DST change makes odd follow
//! `interp::zone::next_local_time`: a time in a gap is the instant the gap ends, a time in an
//! overlap the earlier of the two.

use super::engine::Customer;
use super::program::{CNode, Program};
use super::time::Instant;
use super::zone::next_local_time;
use jiff::tz::TimeZone;

/// The zone a clock time reads its wall clock in, for customer `c`: theirs when `local`, else
/// UTC.
pub fn zone<'c>(program: &Program, c: &'c Customer, local: bool) -> &'c TimeZone {
    let attr = if local { program.zone_attr } else { None };
    super::zone::customer_zone(&c.attrs, attr)
}

/// The deadline of the clock wait at `node` for a customer who reaches it at `t`; `None` when
/// `node` is no clock wait.
pub fn deadline(program: &Program, c: &Customer, node: usize, t: Instant) -> Option<Instant> {
    let CNode::WaitClock {
        day, minute, local, ..
    } = &program.nodes[node]
    else {
        return None;
    };
    let tz = zone(program, c, *local);
    Some(next_local_time(t, *day, *minute, tz))
}

/// Whether the clock wait at `node` reads the customer's zone (`local`).
pub fn is_local(program: &Program, node: usize) -> bool {
    matches!(
        program.nodes.get(node),
        Some(CNode::WaitClock { local: true, .. })
    )
}

/// The first firing of `program`'s scheduled trigger strictly after `after` for customer `c`;
/// `None` for a journey without one.
pub fn next_firing(program: &Program, c: &Customer, after: Instant) -> Option<Instant> {
    let s = program.ir.trigger.schedule?;
    let tz = zone(program, c, s.local);
    Some(next_local_time(
        after,
        s.day.map(crate::ir::clock::Weekday::to_jiff),
        s.minute_of_day,
        tz,
    ))
}

/// The clock time of the wait at `node` as written: `monday 09:00 local`.
pub fn written(program: &Program, node: usize) -> String {
    match program.ir.nodes.get(node).map(|n| &n.kind) {
        Some(crate::ir::NodeKind::WaitClock {
            day,
            minute_of_day,
            local,
            ..
        }) => crate::ir::clock::describe(*day, *minute_of_day, *local),
        _ => "?".to_string(),
    }
}

/// `--explain`'s account of a clock wait's deadline, for a customer who reached it at `t`.
pub fn explain(program: &Program, node: usize, t: Instant, until: Instant) -> String {
    format!(
        "waits in `wait until {}` until {}: the first such time after {}",
        written(program, node),
        super::time::format_rfc3339(until),
        super::time::format_rfc3339(t)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::time::parse_rfc3339;
    use jiff::civil::Weekday;

    fn at(s: &str) -> Instant {
        parse_rfc3339(s).unwrap_or_default()
    }

    fn next(after: &str, day: Option<Weekday>, minute: u32) -> String {
        crate::interp::time::format_rfc3339(next_local_time(at(after), day, minute, &TimeZone::UTC))
    }

    #[test]
    fn the_next_time_of_day_is_later_today_or_tomorrow() {
        assert_eq!(
            next("2026-01-07T08:00:00Z", None, 9 * 60),
            "2026-01-07T09:00:00Z"
        );
        assert_eq!(
            next("2026-01-07T10:00:00Z", None, 9 * 60),
            "2026-01-08T09:00:00Z"
        );
    }

    #[test]
    fn a_time_reached_exactly_now_is_the_next_one() {
        assert_eq!(
            next("2026-01-07T09:00:00Z", None, 9 * 60),
            "2026-01-08T09:00:00Z"
        );
        // 2026-01-05 is a Monday.
        assert_eq!(
            next("2026-01-05T09:00:00Z", Some(Weekday::Monday), 9 * 60),
            "2026-01-12T09:00:00Z"
        );
    }

    #[test]
    fn a_day_of_the_week_is_found_within_a_week() {
        // Wednesday 2026-01-07: the next Monday is the 12th, the next Wednesday 08:00 today.
        assert_eq!(
            next("2026-01-07T07:00:00Z", Some(Weekday::Monday), 9 * 60),
            "2026-01-12T09:00:00Z"
        );
        assert_eq!(
            next("2026-01-07T07:00:00Z", Some(Weekday::Wednesday), 8 * 60),
            "2026-01-07T08:00:00Z"
        );
        assert_eq!(
            next("2026-01-07T07:00:00Z", Some(Weekday::Sunday), 0),
            "2026-01-11T00:00:00Z"
        );
    }

    #[test]
    fn times_before_1970_are_found_too() {
        // 1969-12-29 was a Monday.
        assert_eq!(
            next("1969-12-25T12:00:00Z", Some(Weekday::Monday), 9 * 60),
            "1969-12-29T09:00:00Z"
        );
    }
}
