//! When a call happened: the `timestamp` field and its fallbacks, in the forms real exports
//! write (RFC 3339, warehouse timestamps, epoch milliseconds).

use super::super::time::{parse_rfc3339, Instant, DAY};
use super::{bad, shown, BadLine};
use serde_json::{Map, Value as Json};

/// The fields a call's time is read from, in order: Segment sets `timestamp` from
/// `originalTimestamp` (the device's clock) corrected for clock skew; an export that lacks it
/// still has the device's time, and `receivedAt` (when Segment's servers got the call) is the
/// last resort.
pub const TIME_FIELDS: [&str; 3] = ["timestamp", "originalTimestamp", "receivedAt"];

/// The call's time, with whether it was a leap second. `null` counts as missing.
pub fn call_time(n: usize, obj: &Map<String, Json>) -> Result<(Instant, bool), BadLine> {
    let Some((field, v)) = TIME_FIELDS
        .iter()
        .find_map(|f| obj.get(*f).filter(|v| !v.is_null()).map(|v| (*f, v)))
    else {
        return Err(bad(
            n,
            "missing `timestamp` (nor `originalTimestamp` or `receivedAt`)",
        ));
    };
    match v {
        Json::String(s) => timestamp(n, s),
        Json::Number(num) => {
            let ms = num.as_i64().ok_or_else(|| {
                bad(
                    n,
                    format!("`{field}` {num} is not a whole number of milliseconds since 1970"),
                )
            })?;
            let t = ms.div_euclid(1000);
            // The same years as a written timestamp (0001 to 9899).
            let written = super::super::time::format_rfc3339(t);
            parse_rfc3339(&written)
                .map(|t| (t, false))
                .map_err(|e| bad(n, format!("`{field}` {num} milliseconds since 1970: {e}")))
        }
        _ => Err(bad(
            n,
            format!("`{field}` must be an RFC 3339 string or milliseconds since 1970"),
        )),
    }
}

/// Reads a timestamp string, with whether it is a leap second. Beyond RFC 3339, a space for
/// the `T` and offsets written `+00` or `+0000` (as warehouses write them) are read. RFC 3339
/// allows a 60th second for leap seconds, which happen at the end of a UTC day; the replay's
/// clock (like Unix time) has none, so `23:59:60Z` is read as `23:59:59Z` and counted in the
/// summary. A 60th second at any other time (after the offset is applied) is a bad line.
pub fn timestamp(n: usize, s: &str) -> Result<(Instant, bool), BadLine> {
    let normal = normalize_offset(s);
    let t = parse_rfc3339(normal.as_deref().unwrap_or(s)).map_err(|e| {
        if s.len() > 40 || s.chars().any(char::is_control) {
            // Never a timestamp; not shown whole.
            bad(
                n,
                format!(
                    "{} is not an RFC 3339 timestamp like `2026-01-05T09:00:00Z`",
                    shown(s)
                ),
            )
        } else {
            bad(n, e)
        }
    })?;
    if s.get(17..19) != Some("60") {
        return Ok((t, false));
    }
    if (t + 1).rem_euclid(DAY) != 0 {
        return Err(bad(
            n,
            format!(
                "timestamp {} has a 60th second, which only a leap second at 23:59:60 UTC may have",
                shown(s)
            ),
        ));
    }
    Ok((t, true))
}

/// `…+00` and `…+0000` written as RFC 3339's `…+00:00`; `None` when there is nothing to do.
fn normalize_offset(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut i = 19;
    // Only an ASCII date and time can be normalized; anything else (a multi-byte character
    // where the seconds should be) is left for the RFC 3339 reader to refuse.
    if b.len() <= i || !b[..i].is_ascii() {
        return None;
    }
    if b[i] == b'.' {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let (head, offset) = s.split_at(i);
    let o = offset.as_bytes();
    let digits =
        |r: std::ops::Range<usize>| o.get(r).is_some_and(|d| d.iter().all(u8::is_ascii_digit));
    if !matches!(o.first(), Some(b'+' | b'-')) {
        return None;
    }
    match o.len() {
        3 if digits(1..3) => Some(format!("{head}{offset}:00")),
        5 if digits(1..5) => Some(format!("{head}{}:{}", &offset[..3], &offset[3..])),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> Instant {
        parse_rfc3339(s).expect("valid")
    }

    #[test]
    fn warehouse_forms_and_epoch_milliseconds_are_read() {
        let nine = at("2026-03-02T09:00:00Z");
        for s in [
            "2026-03-02 09:00:00.123+00",
            "2026-03-02T09:00:00+0000",
            "2026-03-02T10:00:00+0100",
            "2026-03-02T08:00:00-01",
            "2026-03-02T09:00:00.5Z",
        ] {
            assert_eq!(timestamp(1, s), Ok((nine, false)), "{s}");
        }
        for s in [
            "2026-03-02 09:00:00",
            "2026-03-02T09:00:00+1",
            "2026-03-02T09:00:00+000",
            "2026-03-02T09:00:00+00:0",
        ] {
            assert!(timestamp(1, s).is_err(), "{s}");
        }
        let obj = |v: Json| v.as_object().cloned().expect("object");
        let ms = obj(json!({"timestamp": 1_772_442_000_123_i64}));
        assert_eq!(call_time(1, &ms), Ok((nine, false)));
        assert!(call_time(1, &obj(json!({"timestamp": 1.5}))).is_err());
        assert!(call_time(1, &obj(json!({"timestamp": i64::MAX}))).is_err());
    }

    /// A value that is no timestamp at all, long or holding control characters, is not
    /// written whole into the message; a short one is.
    #[test]
    fn a_long_or_unprintable_value_is_not_shown_whole() {
        let long = "x".repeat(100);
        let err = timestamp(7, &long).expect_err("not a timestamp").message;
        assert!(!err.contains(&long), "{err}");
        assert!(err.contains("is not an RFC 3339 timestamp"), "{err}");
        let bell = "2026-01-05\u{7}09:00Z";
        let err = timestamp(7, bell).expect_err("not a timestamp").message;
        assert!(!err.contains('\u{7}'), "{err}");
        let err = timestamp(7, "yesterday")
            .expect_err("not a timestamp")
            .message;
        assert!(err.contains("`yesterday`"), "{err}");
    }

    /// Found by the fuzz corpus: a multi-byte character where the seconds should be.
    #[test]
    fn a_timestamp_with_multi_byte_characters_is_a_bad_line_not_a_panic() {
        for s in [
            "2026-03-03T09:00:0\u{FFFD}\u{FFFD}0Z",
            "\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}-13-02T12:00:00Z",
        ] {
            assert!(timestamp(1, s).is_err(), "{s}");
        }
    }

    #[test]
    fn timestamp_falls_back_to_original_timestamp_then_received_at() {
        let obj = |v: Json| v.as_object().cloned().expect("object");
        let all = obj(
            json!({"timestamp": "2026-03-02T09:00:00Z", "originalTimestamp": "2026-03-02T08:00:00Z", "receivedAt": "2026-03-02T07:00:00Z"}),
        );
        assert_eq!(
            call_time(1, &all).map(|t| t.0),
            Ok(at("2026-03-02T09:00:00Z"))
        );
        let two = obj(
            json!({"timestamp": null, "originalTimestamp": "2026-03-02T08:00:00Z", "receivedAt": "2026-03-02T07:00:00Z"}),
        );
        assert_eq!(
            call_time(1, &two).map(|t| t.0),
            Ok(at("2026-03-02T08:00:00Z"))
        );
        let one = obj(json!({"receivedAt": "2026-03-02T07:00:00Z"}));
        assert_eq!(
            call_time(1, &one).map(|t| t.0),
            Ok(at("2026-03-02T07:00:00Z"))
        );
        assert!(call_time(1, &obj(json!({})))
            .is_err_and(|e| e.message.starts_with("missing `timestamp`")));
    }
}
