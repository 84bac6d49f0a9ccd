//! Time zones: the customer's zone and local wall-clock times (issue 17).
//!
//! The interpreter's clock is UTC ([`Instant`], seconds since the epoch). Local rules
//! (`quiet 21:00..08:00 local`, `wait until 09:00 local`, `trigger every monday 09:00 local`)
//! are read in the customer's zone and turned into instants here, with the IANA rules of jiff's
//! bundled zone database, so that results never depend on the machine's tzdata.
//!
//! Two rules decide the wall times a DST change makes odd (docs/semantics.md):
//! - **gap** (spring forward): a local time that does not exist that day is the instant the gap
//!   ends: 02:30 on a day clocks go from 02:00 to 03:00 becomes 03:00 local;
//! - **overlap** (fall back): a local time that happens twice is the earlier of the two.
//!
//! These functions never panic: instants outside jiff's range are clamped to it.

use super::time::Instant;
use super::value::Val;
use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::{AmbiguousOffset, TimeZone};
use jiff::Timestamp;
use std::sync::OnceLock;

/// A time zone value: a zone of the bundled IANA database, known by its name; equal when the
/// names are equal. In replay state files and JSON it is its name, `"Asia/Tokyo"`.
///
/// It is `Copy`: each zone's rules are loaded once per process and kept (see [`intern`]), so a
/// [`Val`] holding a zone needs no drop or reference count, and the values of journeys that
/// read no zone are cloned and dropped as cheaply as before zones existed (the simulation's hot
/// path clones and drops values at every customer and event).
#[derive(Clone, Copy)]
pub struct Zone(&'static TimeZone);

/// The zone named `name`, loaded once and kept for the life of the process: a bounded leak, one
/// per zone of the database ever used (a few hundred at most).
fn intern(name: &str, tz: TimeZone) -> &'static TimeZone {
    static ZONES: OnceLock<std::sync::Mutex<Vec<&'static TimeZone>>> = OnceLock::new();
    let mut zones = ZONES
        .get_or_init(Default::default)
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(z) = zones.iter().find(|z| z.iana_name() == Some(name)) {
        return z;
    }
    let z: &'static TimeZone = Box::leak(Box::new(tz));
    zones.push(z);
    z
}

impl Zone {
    /// The zone with exactly this IANA name (`"Asia/Tokyo"`, `"UTC"`); case and spelling must
    /// be the database's, so that a name means one zone wherever it is written. The error is a
    /// sentence for a diagnostic, with a did-you-mean when a name is close.
    pub fn get(name: &str) -> Result<Zone, String> {
        match TimeZone::get(name) {
            Ok(tz) if tz.iana_name() == Some(name) => Ok(Zone(intern(name, tz))),
            _ => Err(match suggest(name) {
                Some(s) => format!("`{name}` is not a time zone; did you mean `{s}`?"),
                None => format!(
                    "`{name}` is not a time zone of the IANA database (write a name like \"Europe/Berlin\" or \"UTC\")"
                ),
            }),
        }
    }

    /// The IANA name.
    pub fn name(&self) -> &str {
        self.0.iana_name().unwrap_or("UTC")
    }

    /// The zone's rules.
    pub fn tz(&self) -> &'static TimeZone {
        self.0
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Zone) -> bool {
        self.name() == other.name()
    }
}

impl std::fmt::Debug for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Zone({:?})", self.name())
    }
}

impl serde::Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for Zone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Zone, D::Error> {
        let name = String::deserialize(d)?;
        Zone::get(&name).map_err(serde::de::Error::custom)
    }
}

/// Every zone name of the bundled database, sorted (for did-you-mean and completion).
pub fn zone_names() -> &'static [String] {
    static NAMES: OnceLock<Vec<String>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut v: Vec<String> = jiff::tz::db()
            .available()
            .map(|n| n.as_str().to_string())
            .collect();
        v.sort();
        v
    })
}

/// The zone name closest to `name`: the database's spelling when only the case differs, else
/// the closest by edit distance.
pub fn suggest(name: &str) -> Option<&'static str> {
    let names = zone_names();
    if let Some(n) = names.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        return Some(n.as_str());
    }
    crate::diagnostics::did_you_mean(name, names.iter().map(String::as_str))
}

static UTC: TimeZone = TimeZone::UTC;

/// The zone of a customer: the value of the project's `timezone` attribute (`zone_attr`, its
/// index in `attrs`), which is the attribute's declared default — the project default — until
/// something sets it; UTC when the project has no `timezone` attribute or the customer's is
/// not set.
pub fn customer_zone(attrs: &[Val], zone_attr: Option<usize>) -> &TimeZone {
    match zone_attr.and_then(|i| attrs.get(i)) {
        Some(Val::Zone(z)) => z.tz(),
        _ => &UTC,
    }
}

/// The zone of a customer of `program`, from the customer's attribute values: see
/// [`customer_zone`].
pub fn program_customer_zone<'a>(
    program: &super::program::Program,
    attrs: &'a [Val],
) -> &'a TimeZone {
    customer_zone(attrs, program.zone_attr)
}

/// Whether a send at `t` matches a test's `expect sent T at [DATE] HH:MM local`, read in the
/// expectation's zone (an unknown zone, which the checker rules out, is UTC).
pub fn local_expect_holds(l: &crate::ir::scenario::LocalExpect, t: Instant) -> bool {
    let tz = Zone::get(&l.zone).map_or(&UTC, |z| z.0);
    let dt = instant_to_local(t, tz);
    let on_day = l.date.is_none_or(|(y, m, d)| {
        i32::from(dt.year()) == y && dt.month() as u32 == m && dt.day() as u32 == d
    });
    on_day && local_minute_of_day(t, tz) == l.minute && dt.second() == 0
}

/// An instant as the local clock of the named zone shows it, `2026-01-06 08:00 Asia/Tokyo`,
/// for test reports.
pub fn show_local(t: Instant, zone: &str) -> String {
    let tz = Zone::get(zone).map_or(&UTC, |z| z.0);
    let dt = instant_to_local(t, tz);
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02} {zone}",
        dt.year(),
        dt.month(),
        dt.day(),
        dt.hour(),
        dt.minute()
    )
}

/// `--explain` for a send held by local quiet hours: the customer's wall clock and zone,
/// "quiet 21:00..08:00 local in Asia/Tokyo: it is 21:30 there, held until 08:00 local".
pub fn explain_local_hold(t: Instant, until: Instant, from: u32, to: u32, tz: &TimeZone) -> String {
    let hm = |m: u32| format!("{:02}:{:02}", m / 60, m % 60);
    format!(
        "quiet {}..{} local in {}: it is {} there, held until {} local",
        hm(from),
        hm(to),
        tz.iana_name().unwrap_or("UTC"),
        hm(local_minute_of_day(t, tz)),
        hm(local_minute_of_day(until, tz)),
    )
}

/// An instant as jiff's timestamp, clamped to jiff's range.
fn timestamp(t: Instant) -> Timestamp {
    Timestamp::from_second(t).unwrap_or(if t < 0 {
        Timestamp::MIN
    } else {
        Timestamp::MAX
    })
}

/// The local wall-clock date and time of an instant in `tz`.
pub fn instant_to_local(t: Instant, tz: &TimeZone) -> DateTime {
    tz.to_datetime(timestamp(t))
}

/// Minutes after local midnight of an instant in `tz`.
pub fn local_minute_of_day(t: Instant, tz: &TimeZone) -> u32 {
    let dt = instant_to_local(t, tz);
    (dt.hour() as u32) * 60 + dt.minute() as u32
}

/// The instant of the local wall time `minute_of_day` (minutes after midnight) on `date` in
/// `tz`. In a DST gap it is the instant the gap ends (02:30 on a spring-forward day from 02:00
/// to 03:00 is 03:00 local); in an overlap it is the earlier of the two instants.
pub fn local_to_instant(date: Date, minute_of_day: u32, tz: &TimeZone) -> Instant {
    let m = minute_of_day.min(24 * 60 - 1);
    // Both fit an i8: the hour is below 24 and the minute below 60.
    let dt = date.at((m / 60) as i8, (m % 60) as i8, 0, 0);
    let amb = tz.to_ambiguous_timestamp(dt);
    match amb.offset() {
        AmbiguousOffset::Gap { after, .. } => {
            // Read with the offset after the gap, the wall time is an instant before the change;
            // the first transition after it is the change, where the gap ends.
            let before_change = after
                .to_timestamp(dt)
                .unwrap_or_else(|_| timestamp(naive_seconds(dt)));
            tz.following(before_change)
                .next()
                .map(|tr| tr.timestamp().as_second())
                .unwrap_or_else(|| before_change.as_second())
        }
        _ => amb
            .earlier()
            .map(Timestamp::as_second)
            .unwrap_or_else(|_| naive_seconds(dt)),
    }
}

/// A civil datetime read as if it were UTC (the fallback at the edges of jiff's range).
fn naive_seconds(dt: DateTime) -> Instant {
    jiff::tz::Offset::UTC
        .to_timestamp(dt)
        .map(Timestamp::as_second)
        .unwrap_or(0)
}

/// The first instant strictly after `after` at which the local wall clock in `tz` shows
/// `minute_of_day` (minutes after midnight), on a `weekday` when one is given. A wall time in
/// a DST gap is the instant the gap ends; one in an overlap is the earlier instant (so when
/// `after` falls between the two, the next day's is taken).
pub fn next_local_time(
    after: Instant,
    weekday: Option<Weekday>,
    minute_of_day: u32,
    tz: &TimeZone,
) -> Instant {
    let mut day = instant_to_local(after, tz).date();
    // Eight days find any weekday; a few more cover a wall time a gap moved to before `after`.
    for _ in 0..16 {
        if weekday.is_none_or(|w| day.weekday() == w) {
            let t = local_to_instant(day, minute_of_day, tz);
            if t > after {
                return t;
            }
        }
        match day.tomorrow() {
            Ok(d) => day = d,
            Err(_) => break,
        }
    }
    after.saturating_add(super::time::DAY)
}

/// If `t` falls in the quiet window `from..to` (minutes after local midnight in `tz`;
/// `from > to` crosses midnight), the instant the window ends: the next local `to` after `t`.
/// The UTC rule is [`super::time::quiet_until`]; with `TimeZone::UTC` both agree.
pub fn quiet_until_local(t: Instant, from: u32, to: u32, tz: &TimeZone) -> Option<Instant> {
    let m = local_minute_of_day(t, tz);
    let inside = if from < to {
        m >= from && m < to
    } else {
        m >= from || m < to
    };
    inside.then(|| next_local_time(t, None, to, tz))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::time::{parse_rfc3339, quiet_until, DAY, HOUR};

    fn at(s: &str) -> Instant {
        parse_rfc3339(s).expect("valid timestamp")
    }

    fn zone(name: &str) -> TimeZone {
        Zone::get(name).expect("known zone").tz().clone()
    }

    #[test]
    fn zone_names_are_checked_with_a_suggestion() {
        assert_eq!(
            Zone::get("Asia/Tokyo").map(|z| z.name().to_string()),
            Ok("Asia/Tokyo".into())
        );
        assert!(Zone::get("UTC").is_ok());
        let err = Zone::get("Asia/Tokio").expect_err("misspelt");
        assert!(err.contains("did you mean `Asia/Tokyo`"), "{err}");
        let err = Zone::get("asia/tokyo").expect_err("wrong case");
        assert!(err.contains("`Asia/Tokyo`"), "{err}");
        assert!(Zone::get("Mars/Olympus_Mons").is_err());
        assert!(Zone::get("").is_err());
    }

    #[test]
    fn a_zone_keeps_values_small() {
        // The simulation's hot path copies attribute values: a zone must not grow `Val`.
        assert!(std::mem::size_of::<Zone>() <= 16);
        assert!(std::mem::size_of::<Val>() <= 24);
    }

    #[test]
    fn a_zone_is_its_name_in_json() {
        let z = Zone::get("Europe/Berlin").expect("known");
        let json = serde_json::to_string(&z).expect("serializes");
        assert_eq!(json, "\"Europe/Berlin\"");
        let back: Zone = serde_json::from_str(&json).expect("deserializes");
        assert_eq!(back, z);
        assert!(serde_json::from_str::<Zone>("\"Europe/Berlinn\"").is_err());
    }

    #[test]
    fn the_customer_zone_is_the_attribute_else_utc() {
        let tokyo = Zone::get("Asia/Tokyo").expect("known");
        let attrs = [Val::Bool(true), Val::Zone(tokyo)];
        assert_eq!(
            customer_zone(&attrs, Some(1)).iana_name(),
            Some("Asia/Tokyo")
        );
        assert_eq!(customer_zone(&attrs, None).iana_name(), Some("UTC"));
        assert_eq!(
            customer_zone(&[Val::Missing], Some(0)).iana_name(),
            Some("UTC")
        );
    }

    #[test]
    fn local_and_instant_round_trip() {
        let ny = zone("America/New_York");
        let t = local_to_instant(jiff::civil::date(2026, 1, 5), 9 * 60, &ny);
        assert_eq!(t, at("2026-01-05T14:00:00Z"));
        assert_eq!(instant_to_local(t, &ny).hour(), 9);
        assert_eq!(local_minute_of_day(t, &ny), 9 * 60);
    }

    #[test]
    fn a_wall_time_in_the_spring_forward_gap_is_when_the_gap_ends() {
        // New York: 2026-03-08 02:00 EST jumps to 03:00 EDT (07:00Z).
        let ny = zone("America/New_York");
        let gap = local_to_instant(jiff::civil::date(2026, 3, 8), 2 * 60 + 30, &ny);
        assert_eq!(gap, at("2026-03-08T07:00:00Z"));
        assert_eq!(local_minute_of_day(gap, &ny), 3 * 60);
        // Berlin: 2026-03-29 02:00 CET jumps to 03:00 CEST (01:00Z).
        let berlin = zone("Europe/Berlin");
        let gap = local_to_instant(jiff::civil::date(2026, 3, 29), 2 * 60 + 30, &berlin);
        assert_eq!(gap, at("2026-03-29T01:00:00Z"));
    }

    #[test]
    fn a_wall_time_in_the_fall_back_overlap_is_the_earlier() {
        // New York: 2026-11-01 01:30 happens at 05:30Z (EDT) and 06:30Z (EST).
        let ny = zone("America/New_York");
        let t = local_to_instant(jiff::civil::date(2026, 11, 1), 90, &ny);
        assert_eq!(t, at("2026-11-01T05:30:00Z"));
        // Berlin: 2026-10-25 02:30 happens at 00:30Z (CEST) and 01:30Z (CET).
        let berlin = zone("Europe/Berlin");
        let t = local_to_instant(jiff::civil::date(2026, 10, 25), 150, &berlin);
        assert_eq!(t, at("2026-10-25T00:30:00Z"));
        // Between the two, the next 02:30 is the next day's.
        let next = next_local_time(at("2026-10-25T01:00:00Z"), None, 150, &berlin);
        assert_eq!(next, at("2026-10-26T01:30:00Z"));
    }

    #[test]
    fn the_next_local_time_is_strictly_after() {
        let tokyo = zone("Asia/Tokyo");
        // 08:00 in Tokyo is 23:00Z the day before.
        let t = at("2026-01-05T23:00:00Z");
        assert_eq!(next_local_time(t - 1, None, 8 * 60, &tokyo), t);
        assert_eq!(next_local_time(t, None, 8 * 60, &tokyo), t + DAY);
        // Next Monday 09:00 in New York from Wednesday 2026-01-07.
        let ny = zone("America/New_York");
        let monday = next_local_time(
            at("2026-01-07T12:00:00Z"),
            Some(Weekday::Monday),
            9 * 60,
            &ny,
        );
        assert_eq!(monday, at("2026-01-12T14:00:00Z"));
        // Across spring forward the 08:00 is an hour earlier in UTC.
        let before = next_local_time(at("2026-03-07T00:00:00Z"), None, 8 * 60, &ny);
        let after = next_local_time(before, None, 8 * 60, &ny);
        assert_eq!(after - before, DAY - HOUR);
    }

    #[test]
    fn local_quiet_hours_end_at_the_local_time() {
        let (from, to) = (21 * 60, 8 * 60);
        let tokyo = zone("Asia/Tokyo");
        // 22:00 in Tokyo (13:00Z) is quiet until 08:00 Tokyo (23:00Z).
        assert_eq!(
            quiet_until_local(at("2026-01-05T13:00:00Z"), from, to, &tokyo),
            Some(at("2026-01-05T23:00:00Z"))
        );
        assert_eq!(
            quiet_until_local(at("2026-01-05T23:00:00Z"), from, to, &tokyo),
            None
        );
        // With UTC the local rule is the UTC rule.
        let utc = TimeZone::UTC;
        for h in 0..24 {
            let t = at("2026-01-05T00:00:00Z") + h * HOUR + 17 * 60;
            assert_eq!(
                quiet_until_local(t, from, to, &utc),
                quiet_until(t, from, to)
            );
        }
        // Every minute of a day, for a window within the day and one across midnight, with
        // each window's first and last minute: in UTC the two rules agree.
        for (from, to) in [(13 * 60, 14 * 60 + 30), (21 * 60, 8 * 60)] {
            for m in 0..24 * 60 {
                for s in [0, 59] {
                    let t = at("2026-01-05T00:00:00Z") + m * 60 + s;
                    assert_eq!(
                        quiet_until_local(t, from, to, &utc),
                        quiet_until(t, from, to),
                        "{from}..{to} at minute {m}"
                    );
                }
            }
        }
        // 13:00..14:30 in Tokyo: 13:00 Tokyo (04:00Z) is quiet until 14:30, 14:30 is not.
        let (from, to) = (13 * 60, 14 * 60 + 30);
        assert_eq!(
            quiet_until_local(at("2026-01-05T04:00:00Z"), from, to, &tokyo),
            Some(at("2026-01-05T05:30:00Z"))
        );
        assert_eq!(
            quiet_until_local(at("2026-01-05T05:30:00Z"), from, to, &tokyo),
            None
        );
        assert_eq!(
            quiet_until_local(at("2026-01-05T03:59:59Z"), from, to, &tokyo),
            None
        );
        // Quiet 01:00..02:30 on New York's spring-forward day ends when the gap ends, 03:00 EDT.
        let ny = zone("America/New_York");
        assert_eq!(
            quiet_until_local(at("2026-03-08T06:30:00Z"), 60, 150, &ny),
            Some(at("2026-03-08T07:00:00Z"))
        );
    }

    /// `expect sent T at [DATE] HH:MM local` holds for a send at that wall-clock minute (second
    /// 0) in the zone, on that local date when one is given, and for nothing else.
    #[test]
    fn a_local_expectation_holds_at_its_minute_and_date_only() {
        use crate::ir::scenario::LocalExpect;
        let tokyo = |date: Option<(i32, u32, u32)>| LocalExpect {
            date,
            minute: 8 * 60 + 30,
            zone: "Asia/Tokyo".to_string(),
        };
        // 2026-01-05T23:30Z is 08:30 on the 6th in Tokyo.
        let t = at("2026-01-05T23:30:00Z");
        assert!(local_expect_holds(&tokyo(None), t));
        assert!(local_expect_holds(&tokyo(Some((2026, 1, 6))), t));
        for other_day in [(2026, 1, 5), (2026, 2, 6), (2025, 1, 6)] {
            assert!(
                !local_expect_holds(&tokyo(Some(other_day)), t),
                "{other_day:?}"
            );
        }
        assert!(!local_expect_holds(&tokyo(None), t + 60));
        assert!(!local_expect_holds(&tokyo(None), t + 1));
        assert!(!local_expect_holds(&tokyo(None), t - 3600));
        // The same instant is 23:30 in UTC.
        let utc = LocalExpect {
            zone: "UTC".to_string(),
            ..tokyo(None)
        };
        assert!(!local_expect_holds(&utc, t));
        assert_eq!(show_local(t, "Asia/Tokyo"), "2026-01-06 08:30 Asia/Tokyo");
    }

    #[test]
    fn a_zone_shows_and_compares_by_its_name() {
        let z = Zone::get("Asia/Tokyo").expect("a zone");
        assert_eq!(format!("{z:?}"), "Zone(\"Asia/Tokyo\")");
        assert_eq!(z, Zone::get("Asia/Tokyo").expect("a zone"));
        assert_ne!(z, Zone::get("Asia/Seoul").expect("a zone"));
    }
}
