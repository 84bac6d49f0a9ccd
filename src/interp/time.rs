//! Simulated time: seconds since the Unix epoch, in UTC. Nothing here reads the system clock,
//! so runs are reproducible.

/// A point in simulated time: seconds since 1970-01-01T00:00:00Z.
pub type Instant = i64;

pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

/// Parses a calendar date `YYYY-MM-DD` (years 0001 to 9999) into days since 1970-01-01. Only
/// a day the calendar has: `2026-02-30`, `2026-1-5` and `2026-01-05x` are none.
pub fn parse_date(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |from: usize, len: usize| {
        s.get(from..from + len)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))?
            .parse::<u32>()
            .ok()
    };
    let (y, m, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let y = i64::from(y);
    if y < 1 || !(1..=12).contains(&m) || d < 1 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Formats as RFC 3339 in UTC, e.g. `2026-01-05T09:00:00Z`.
pub fn format_rfc3339(t: Instant) -> String {
    let days = t.div_euclid(DAY);
    let secs = t.rem_euclid(DAY);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / HOUR,
        (secs % HOUR) / MINUTE,
        secs % MINUTE
    )
}

/// Parses an RFC 3339 timestamp (`2026-01-05T09:00:00Z`, `2026-01-05T10:00:00.123+01:00`).
/// Fractions of a second are dropped: the interpreter's clock ticks in seconds.
pub fn parse_rfc3339(s: &str) -> Result<Instant, String> {
    let bad = || format!("`{s}` is not an RFC 3339 timestamp like `2026-01-05T09:00:00Z`");
    let b = s.as_bytes();
    if b.len() < 20 {
        return Err(bad());
    }
    let num = |from: usize, len: usize| -> Result<i64, String> {
        s.get(from..from + len)
            .filter(|p| p.bytes().all(|c| c.is_ascii_digit()))
            .and_then(|p| p.parse::<i64>().ok())
            .ok_or_else(bad)
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return Err(bad());
    }
    let (y, mo, d) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (h, mi, sec) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&mo)
        || d < 1
        || d > i64::from(days_in_month(y, mo as u32))
        || h > 23
        || mi > 59
        || sec > 60
    {
        return Err(bad());
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        let start = i;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        if i == start {
            return Err(bad());
        }
    }
    let offset = match b.get(i) {
        Some(b'Z' | b'z') if i + 1 == b.len() => 0,
        Some(sign @ (b'+' | b'-')) if i + 6 == b.len() && b[i + 3] == b':' => {
            let oh = num(i + 1, 2)?;
            let om = num(i + 4, 2)?;
            if oh > 23 || om > 59 {
                return Err(bad());
            }
            let o = oh * HOUR + om * MINUTE;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return Err(bad()),
    };
    let days = days_from_civil(y, mo as u32, d as u32);
    let t = days * DAY + h * HOUR + mi * MINUTE + sec.min(59) - offset;
    // A 60th second is a leap second, which only ends a UTC day (`23:59:60Z`, or the same
    // instant in another offset); read as the second before it, since the clock has none.
    if sec == 60 && (t + 1).rem_euclid(DAY) != 0 {
        return Err(format!(
            "timestamp `{s}` has a 60th second, which only a leap second at 23:59:60 UTC may have"
        ));
    }
    // A timer may run up to a century (the longest duration) past the last event, and every
    // time written out must still be an RFC 3339 timestamp, whose year has four digits.
    if t < days_from_civil(1, 1, 1) * DAY || t >= days_from_civil(LAST_YEAR + 1, 1, 1) * DAY {
        return Err(format!(
            "`{s}` is outside the years journeyc replays (0001 to {LAST_YEAR}): a journey's timers may run a century past an event, and every time written must keep a four-digit year"
        ));
    }
    Ok(t)
}

/// The last year an event may carry (9999 less the century a timer may add).
const LAST_YEAR: i64 = 9899;

/// Minutes after midnight (UTC) of an instant.
pub fn minute_of_day(t: Instant) -> u32 {
    (t.rem_euclid(DAY) / MINUTE) as u32
}

/// If `t` falls in the quiet window `from..to` (minutes after midnight UTC; `from > to` crosses
/// midnight), the instant the window ends; otherwise `None`.
pub fn quiet_until(t: Instant, from: u32, to: u32) -> Option<Instant> {
    let m = minute_of_day(t);
    let inside = if from < to {
        m >= from && m < to
    } else {
        m >= from || m < to
    };
    if !inside {
        return None;
    }
    let day_start = t - t.rem_euclid(DAY);
    let mut end = day_start + i64::from(to) * MINUTE;
    if end <= t {
        end += DAY;
    }
    Some(end)
}

/// A signed duration as the source writes it (`1d12h`).
pub use crate::units::signed_duration as format_duration;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trips() {
        let t = parse_rfc3339("2026-01-05T09:00:00Z").expect("valid");
        assert_eq!(format_rfc3339(t), "2026-01-05T09:00:00Z");
        assert_eq!(parse_rfc3339("2026-01-05T10:00:00.5+01:00"), Ok(t));
        assert!(parse_rfc3339("2026-02-30T10:00:00Z").is_err());
        assert!(parse_rfc3339("yesterday").is_err());
        assert!(parse_rfc3339("9899-12-31T23:59:59Z").is_ok());
        assert!(parse_rfc3339("9900-01-01T00:00:00Z").is_err());
        assert!(parse_rfc3339("0001-01-01T00:00:00Z").is_ok());
        assert!(parse_rfc3339("0001-01-01T00:00:00+01:00").is_err());
    }

    #[test]
    fn a_sixtieth_second_is_only_a_leap_second_at_the_end_of_a_utc_day() {
        let before = parse_rfc3339("2026-12-31T23:59:59Z").expect("valid");
        assert_eq!(parse_rfc3339("2026-12-31T23:59:60Z"), Ok(before));
        assert_eq!(parse_rfc3339("2026-12-31T15:59:60-08:00"), Ok(before));
        let err = parse_rfc3339("2026-01-05T09:00:60Z").expect_err("not a leap second");
        assert!(err.contains("has a 60th second"), "{err}");
        assert!(parse_rfc3339("2026-12-31T23:59:60+01:00").is_err());
    }

    #[test]
    fn quiet_hours_cross_midnight() {
        let day = parse_rfc3339("2026-01-05T00:00:00Z").expect("valid");
        let (from, to) = (21 * 60, 8 * 60);
        assert_eq!(
            quiet_until(day + 22 * HOUR, from, to),
            Some(day + DAY + 8 * HOUR)
        );
        assert_eq!(quiet_until(day + 7 * HOUR, from, to), Some(day + 8 * HOUR));
        assert_eq!(quiet_until(day + 8 * HOUR, from, to), None);
        assert_eq!(
            quiet_until(day + 21 * HOUR, from, to),
            Some(day + DAY + 8 * HOUR)
        );
    }

    /// Day numbers of known dates, including the proleptic years before year 1 that the
    /// negative branches of both conversions serve.
    #[test]
    fn day_numbers_of_known_dates() {
        for (date, days) in [
            ((1970, 1, 1), 0),
            ((1969, 12, 31), -1),
            ((2000, 2, 29), 11_016),
            ((2000, 3, 1), 11_017),
            ((1900, 3, 1), -25_508),
            ((2026, 1, 5), 20_458),
            ((1, 1, 1), -719_162),
            ((0, 3, 1), -719_468),
            ((0, 2, 29), -719_469),
            ((0, 1, 1), -719_528),
            ((-1, 12, 31), -719_529),
            ((-400, 3, 1), -865_565),
            ((9999, 12, 31), 2_932_896),
        ] {
            assert_eq!(days_from_civil(date.0, date.1, date.2), days, "{date:?}");
            assert_eq!(civil_from_days(days), date, "{days}");
        }
    }

    /// Every day from before year 0 to after 9999 follows the one before it: the next day of
    /// the month, or the first of the next month, and converts back to its number.
    #[test]
    fn consecutive_days_follow_the_calendar() {
        let mut prev = civil_from_days(-900_000);
        for z in -899_999..3_000_000 {
            let (y, m, d) = civil_from_days(z);
            let (py, pm, pd) = prev;
            let next = if pd < days_in_month(py, pm) {
                (py, pm, pd + 1)
            } else if pm < 12 {
                (py, pm + 1, 1)
            } else {
                (py + 1, 1, 1)
            };
            assert_eq!((y, m, d), next, "day {z}");
            assert_eq!(days_from_civil(y, m, d), z);
            prev = (y, m, d);
        }
    }

    #[test]
    fn months_have_their_lengths_and_february_its_leap_years() {
        let lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
        for (m, len) in (1..=12).zip(lengths) {
            assert_eq!(days_in_month(2023, m), len, "month {m}");
        }
        for (year, feb) in [(2024, 29), (2023, 28), (1900, 28), (2000, 29), (2100, 28)] {
            assert_eq!(days_in_month(year, 2), feb, "{year}");
        }
        assert!(parse_rfc3339("2000-02-29T00:00:00Z").is_ok());
        assert!(parse_rfc3339("1900-02-29T00:00:00Z").is_err());
        assert!(parse_rfc3339("2026-04-31T00:00:00Z").is_err());
        assert!(parse_rfc3339("2026-01-31T00:00:00Z").is_ok());
    }

    #[test]
    fn a_date_is_a_day_the_calendar_has() {
        assert_eq!(parse_date("2026-01-05"), Some(20_458));
        assert_eq!(parse_date("2000-02-29"), Some(11_016));
        assert_eq!(parse_date("0001-01-01"), Some(-719_162));
        assert_eq!(parse_date("9999-12-31"), Some(2_932_896));
        for bad in [
            "2026-02-30",
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-04-31",
            "0000-01-01",
            "2026-1-5",
            "2026-01-05x",
            "2026-01-05-01",
            "2026/01/05",
            "2026-01/05",
            "2026/01-05",
            "+026-01-05",
            "2026-01-+5",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn times_before_1970_format_as_their_day_and_second() {
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(-DAY), "1969-12-31T00:00:00Z");
        assert_eq!(format_rfc3339(3_723), "1970-01-01T01:02:03Z");
        assert_eq!(minute_of_day(-60), 23 * 60 + 59);
        assert_eq!(minute_of_day(3_723), 62);
    }

    /// Each field and separator is read where RFC 3339 puts it, offsets move the instant
    /// the way their sign says, and anything else is refused.
    #[test]
    fn rfc3339_fields_offsets_and_refusals() {
        let t = parse_rfc3339("2026-01-05T09:08:07Z").expect("valid");
        assert_eq!(t, 20_458 * DAY + 9 * HOUR + 8 * MINUTE + 7);
        for same in [
            "2026-01-05t09:08:07z",
            "2026-01-05 09:08:07Z",
            "2026-01-05T09:08:07.999Z",
            "2026-01-05T10:38:07+01:30",
            "2026-01-05T07:38:07-01:30",
            "2026-01-06T09:07:07+23:59",
            "2026-01-05T09:08:07-00:00",
        ] {
            assert_eq!(parse_rfc3339(same), Ok(t), "{same}");
        }
        for bad in [
            "2026-01-05T09:08:07",
            "2026-01-05T09:08:7Z",
            "2026/01-05T09:08:07Z",
            "2026-01/05T09:08:07Z",
            "2026-01-05X09:08:07Z",
            "2026-01-05T09-08:07Z",
            "2026-01-05T09:08-07Z",
            "2026-01-05T09:08:07.Z",
            "2026-01-05T09:08:07ZZ",
            "2026-01-05T09:08:07+0100",
            "2026-01-05T09:08:07+01:00x",
            "2026-01-05T09:08:07*01:00",
            "2026-01-05T09:08:07+24:00",
            "2026-01-05T09:08:07+01:60",
            "2026-01-05T09:08:07+01-00",
            "2026-13-05T09:08:07Z",
            "2026-00-05T09:08:07Z",
            "2026-01-00T09:08:07Z",
            "2026-01-32T09:08:07Z",
            "2026-01-05T24:00:00Z",
            "2026-01-05T09:60:07Z",
            "2026-01-05T09:08:61Z",
            "+026-01-05T09:08:07Z",
            "2026-01-05T09:08:07+1:000",
        ] {
            assert!(parse_rfc3339(bad).is_err(), "{bad}");
        }
        assert!(parse_rfc3339("2026-01-05T23:59:59+23:59").is_ok());
        assert!(parse_rfc3339("2026-01-05T23:59:59-23:59").is_ok());
    }

    #[test]
    fn quiet_hours_within_one_day() {
        let day = parse_rfc3339("2026-01-05T00:00:00Z").expect("valid");
        let (from, to) = (13 * 60, 14 * 60 + 30);
        assert_eq!(
            quiet_until(day + 13 * HOUR, from, to),
            Some(day + to as i64 * MINUTE)
        );
        assert_eq!(
            quiet_until(day + 14 * HOUR + 29 * MINUTE + 59, from, to),
            Some(day + to as i64 * MINUTE)
        );
        assert_eq!(quiet_until(day + 14 * HOUR + 30 * MINUTE, from, to), None);
        assert_eq!(quiet_until(day + 13 * HOUR - 1, from, to), None);
        assert_eq!(quiet_until(day + 20 * HOUR, from, to), None);
        assert_eq!(quiet_until(day + HOUR, from, to), None);
        // Crossing midnight, the end is the next day's from the evening, the same day's after
        // midnight, and a second before the end is still inside.
        let (from, to) = (22 * 60, 6 * 60);
        assert_eq!(
            quiet_until(day + 6 * HOUR - 1, from, to),
            Some(day + 6 * HOUR)
        );
        assert_eq!(quiet_until(day + 22 * HOUR - 1, from, to), None);
        assert_eq!(quiet_until(day + 12 * HOUR, from, to), None);
    }
}
