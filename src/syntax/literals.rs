//! Reading the text of literal tokens into values. Each function returns an explanation in
//! words when the token is well-formed for the grammar but not a valid value (`25:00`,
//! `2026-02-30`, an integer too large).

use super::ast::Date;

pub fn integer(text: &str) -> Result<i64, String> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    digits
        .parse::<i64>()
        .map_err(|_| format!("`{text}` is too large for a whole number"))
}

/// A decimal exactly as written (`19.99` is 19.99, its scale kept: `1.50` shows as `1.50`);
/// an error when it has more digits than a decimal holds (28 after the point, about 28
/// significant digits in all) instead of rounding it silently.
pub fn decimal(text: &str) -> Result<rust_decimal::Decimal, String> {
    let digits: String = text.chars().filter(|c| *c != '_').collect();
    rust_decimal::Decimal::from_str_exact(&digits).map_err(|_| {
        format!("`{text}` has more digits than a decimal holds (28 significant digits)")
    })
}

pub fn percent(text: &str) -> Result<f64, String> {
    let number = text.trim_end_matches('%');
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("`{text}` is not a valid percentage"))
}

/// Seconds in a duration like `1d12h`.
pub fn duration(text: &str) -> Result<u64, String> {
    let mut total: u64 = 0;
    let mut number: u64 = 0;
    let too_long = || format!("`{text}` is too long a duration");
    for c in text.chars() {
        if let Some(d) = c.to_digit(10) {
            number = number
                .checked_mul(10)
                .and_then(|n| n.checked_add(u64::from(d)))
                .ok_or_else(too_long)?;
        } else {
            let unit = match c {
                's' => 1,
                'm' => 60,
                'h' => 3_600,
                'd' => 86_400,
                'w' => 604_800,
                _ => return Err(format!("`{c}` is not a duration unit")),
            };
            total = number
                .checked_mul(unit)
                .and_then(|n| total.checked_add(n))
                .ok_or_else(too_long)?;
            number = 0;
        }
    }
    // A century is far beyond any journey and keeps timestamp arithmetic safe.
    if total > 100 * 365 * 86_400 {
        return Err(too_long());
    }
    Ok(total)
}

/// Minutes after midnight of `HH:MM`.
pub fn time(text: &str) -> Result<u32, String> {
    let (h, m) = text
        .split_once(':')
        .ok_or_else(|| format!("`{text}` is not a time"))?;
    let h: u32 = h.parse().map_err(|_| format!("`{text}` is not a time"))?;
    let m: u32 = m.parse().map_err(|_| format!("`{text}` is not a time"))?;
    if h > 23 || m > 59 {
        return Err(format!(
            "`{text}` is not a time of day: hours go from 00 to 23 and minutes from 00 to 59"
        ));
    }
    Ok(h * 60 + m)
}

pub fn date(text: &str) -> Result<Date, String> {
    let bad = || format!("`{text}` is not a date in the calendar");
    let mut parts = text.split('-');
    let year: i32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let month: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    let day: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return Err(bad());
    }
    Ok(Date { year, month, day })
}

/// Seconds since 1970-01-01T00:00:00Z of an RFC 3339 instant with its offset
/// (`2026-03-08T15:00:00-05:00`). Fractions of a second are dropped: the interpreter's clock
/// ticks in seconds. Read by jiff, which knows the calendar.
pub fn datetime(text: &str) -> Result<i64, String> {
    text.parse::<jiff::Timestamp>()
        .map(|t| t.as_second())
        .map_err(|_| format!("`{text}` is not an instant in the calendar"))
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// The value of a string literal's inside, with escapes resolved.
pub fn string(inner: &str) -> Result<String, String> {
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('0') => out.push('\0'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let hex: String = chars
                    .by_ref()
                    .skip_while(|c| *c == '{')
                    .take_while(|c| *c != '}')
                    .collect();
                let ch = u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| format!("`\\u{{{hex}}}` is not a Unicode character"))?;
                out.push(ch);
            }
            other => {
                return Err(format!(
                    "`\\{}` is not an escape; use `\\\\` for a backslash",
                    other.map(String::from).unwrap_or_default()
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod datetime_tests {
    use super::datetime;

    #[test]
    fn datetimes_read_their_offset() {
        assert_eq!(datetime("2026-03-08T15:00:00-05:00"), Ok(1_773_000_000));
        assert_eq!(datetime("2026-03-08T20:00:00Z"), Ok(1_773_000_000));
        assert_eq!(datetime("1970-01-01T00:00:00Z"), Ok(0));
        assert_eq!(datetime("1970-01-01T01:00+01:00"), Ok(0));
        assert_eq!(datetime("1970-01-01T00:00:01.9Z"), Ok(1));
        assert!(datetime("2026-02-30T10:00:00Z").is_err());
        assert!(datetime("2026-01-01T25:00:00Z").is_err());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_add_their_parts() {
        assert_eq!(duration("1d12h"), Ok(36 * 3600));
        assert_eq!(duration("30m"), Ok(1800));
        assert_eq!(duration("2w"), Ok(14 * 86_400));
        assert!(duration("99999999999999999999d").is_err());
    }

    #[test]
    fn times_and_dates_are_validated() {
        assert_eq!(time("21:00"), Ok(21 * 60));
        assert!(time("24:00").is_err());
        assert!(date("2026-02-29").is_err());
        assert!(date("2028-02-29").is_ok());
    }

    #[test]
    fn strings_resolve_escapes() {
        assert_eq!(string(r#"a\"b\n\u{e9}"#), Ok("a\"b\né".to_string()));
        assert!(string(r"\q").is_err());
    }
}
