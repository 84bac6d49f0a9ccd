//! The coercion policy for trait and property values: how a JSON value from a real export
//! becomes a typed value when it is not quite the declared type.
//!
//! Real exports write numbers as strings (`"seats": "8"`), whole numbers as `8.0` and enum values
//! in another case (`"Trial"`). Each is read when its meaning is certain, and the replay says so
//! (field by field, counted in the summary); a value that cannot be read is dropped on its own,
//! the rest of the call is kept. The rules are listed in docs/event-logs.md.

use super::super::time::parse_date;
use super::super::value::Val;
use crate::ir::Type;
use serde_json::Value as Json;
use std::sync::Arc;

/// How a value that was not of the declared type was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Coercion {
    /// `"8"` where a whole number, a number or seconds are declared.
    NumberInString,
    /// `8.0` where a whole number or seconds are declared.
    WholeDecimal,
    /// `"Trial"` for the enum value `trial`.
    EnumCase,
    /// `"true"` / `"FALSE"` where true or false is declared.
    BoolInString,
    /// `8` or `true` where a string is declared: its JSON text.
    TextOfScalar,
}

impl Coercion {
    /// What was read, for the summary: "a number written as a string".
    pub fn words(self) -> &'static str {
        match self {
            Coercion::NumberInString => "a number written as a string",
            Coercion::WholeDecimal => "a whole number written with a fraction of zero",
            Coercion::EnumCase => "an enum value in another case",
            Coercion::BoolInString => "true or false written as a string",
            Coercion::TextOfScalar => "a number or true/false where a string is declared",
        }
    }
}

/// Converts a JSON value to a value of type `ty`: the value, with how it was coerced if it
/// was not of the type; or why it cannot be read. `null` is a value that is not set.
pub fn coerce(v: &Json, ty: &Type) -> Result<(Val, Option<Coercion>), String> {
    let fail = || {
        // JSON text escapes control characters; a long value is cut so a message stays a line.
        let mut found = v.to_string();
        if let Some((cut, _)) = found.char_indices().nth(80) {
            found.truncate(cut);
            found.push('…');
        }
        format!("expected {}, found `{found}`", type_words(ty))
    };
    let exact = |val| Ok((val, None));
    let coerced = |val, how| Ok((val, Some(how)));
    match (ty, v) {
        (_, Json::Null) => exact(Val::Missing),
        (Type::String, Json::String(s)) => exact(Val::Str(Arc::from(s.as_str()))),
        (Type::String, Json::Number(_) | Json::Bool(_)) => coerced(
            Val::Str(Arc::from(v.to_string().as_str())),
            Coercion::TextOfScalar,
        ),
        (Type::Int | Type::Duration, _) => {
            let wrap = |n| {
                if matches!(ty, Type::Int) {
                    Val::Int(n)
                } else {
                    Val::Dur(n)
                }
            };
            match v {
                Json::Number(n) => match n.as_i64() {
                    Some(i) => exact(wrap(i)),
                    None => whole(n.as_f64())
                        .map_or_else(|| Err(fail()), |i| coerced(wrap(i), Coercion::WholeDecimal)),
                },
                Json::String(s) => match json_number(s) {
                    Some(n) => n.as_i64().or_else(|| whole(n.as_f64())).map_or_else(
                        || Err(fail()),
                        |i| coerced(wrap(i), Coercion::NumberInString),
                    ),
                    None => Err(fail()),
                },
                _ => Err(fail()),
            }
        }
        (Type::Decimal, Json::Number(n)) => match json_decimal(n) {
            Some(d) => exact(Val::Dec(d)),
            None => Err(beyond_decimal(&n.to_string())),
        },
        (Type::Decimal, Json::String(s)) => match json_number(s) {
            Some(_) => match decimal_in(s) {
                Some(d) => coerced(Val::Dec(d), Coercion::NumberInString),
                None => Err(beyond_decimal(s)),
            },
            None => Err(fail()),
        },
        (Type::Bool, Json::Bool(b)) => exact(Val::Bool(*b)),
        (Type::Bool, Json::String(s)) if s.eq_ignore_ascii_case("true") => {
            coerced(Val::Bool(true), Coercion::BoolInString)
        }
        (Type::Bool, Json::String(s)) if s.eq_ignore_ascii_case("false") => {
            coerced(Val::Bool(false), Coercion::BoolInString)
        }
        (Type::Date, Json::String(s)) => {
            parse_date(s).map_or_else(|| Err(fail()), |d| exact(Val::Date(d)))
        }
        (Type::DateTime, Json::String(s)) => crate::interp::time::parse_rfc3339(s)
            .map_or_else(|_| Err(fail()), |t| exact(Val::DateTime(t))),
        (Type::Time, Json::String(s)) => {
            let (h, m) = s.split_once(':').ok_or_else(fail)?;
            let (h, m): (u32, u32) = (
                h.parse().map_err(|_| fail())?,
                m.parse().map_err(|_| fail())?,
            );
            if h > 23 || m > 59 {
                return Err(fail());
            }
            exact(Val::Time(h * 60 + m))
        }
        // A zone name must be the database's exact spelling (no coercion): the error says which
        // zone was meant when a name is close.
        (Type::Timezone, Json::String(s)) => match super::super::zone::Zone::get(s) {
            Ok(z) => exact(Val::Zone(z)),
            Err(_) => Err(match super::super::zone::suggest(s) {
                Some(near) => format!("{}; did you mean `{near}`?", fail()),
                None => fail(),
            }),
        },
        (Type::Enum { values, .. }, Json::String(s)) => {
            if let Some(i) = values.iter().position(|x| x == s) {
                return exact(Val::Enum(i as u32));
            }
            // Only when one value matches: `Trial` is not read if both `trial` and `TRIAL` exist.
            let mut matching = values
                .iter()
                .enumerate()
                .filter(|(_, x)| x.eq_ignore_ascii_case(s));
            match (matching.next(), matching.next()) {
                (Some((i, _)), None) => coerced(Val::Enum(i as u32), Coercion::EnumCase),
                _ => Err(fail()),
            }
        }
        _ => Err(fail()),
    }
}

/// A JSON number as the decimal its text names: `19.99` is exactly 19.99. Whole numbers are
/// read as they are; a number with a fraction is held by serde_json as the nearest float (read
/// correctly rounded), whose shortest text is the text written for every number of up to 15
/// significant digits. Longer numbers keep all their digits only when written as a string
/// (`"0.12345678901234567890"`, docs/event-logs.md). `None` beyond a decimal's range.
fn json_decimal(n: &serde_json::Number) -> Option<rust_decimal::Decimal> {
    if let Some(i) = n.as_i64() {
        return Some(i.into());
    }
    if let Some(u) = n.as_u64() {
        return Some(u.into());
    }
    crate::ir::decimal::from_f64_text(n.as_f64()?)
}

/// A JSON number written in a string, as the exact decimal of its digits (`"1.5e3"` too).
fn decimal_in(s: &str) -> Option<rust_decimal::Decimal> {
    if s.contains(['e', 'E']) {
        rust_decimal::Decimal::from_scientific(s).ok()
    } else {
        rust_decimal::Decimal::from_str_exact(s).ok()
    }
}

/// Why a well-formed number is not read as a decimal.
fn beyond_decimal(found: &str) -> String {
    let mut found = found.to_string();
    if let Some((cut, _)) = found.char_indices().nth(80) {
        found.truncate(cut);
        found.push('…');
    }
    format!(
        "`{found}` is beyond what a decimal holds (up to 79228162514264337593543950335, \
         28 places after the point)"
    )
}

/// The string is exactly a JSON number (no spaces, no `+`).
fn json_number(s: &str) -> Option<serde_json::Number> {
    if s.trim() != s {
        return None;
    }
    serde_json::from_str(s).ok()
}

/// A float that holds a whole number that fits an i64.
fn whole(f: Option<f64>) -> Option<i64> {
    let f = f?;
    // 2^63 itself does not fit; every float below it in magnitude that is whole does.
    (f.fract() == 0.0 && f.abs() < 2f64.powi(63)).then_some(f as i64)
}

pub fn type_words(ty: &Type) -> String {
    match ty {
        Type::String => "a string".into(),
        Type::Int => "a whole number".into(),
        Type::Decimal => "a number".into(),
        Type::Bool => "true or false".into(),
        Type::Duration => "a number of seconds".into(),
        Type::Date => "a date like \"2026-12-01\"".into(),
        Type::Time => "a time like \"21:00\"".into(),
        Type::DateTime => {
            "an RFC 3339 instant with its offset like \"2026-03-08T15:00:00-05:00\"".into()
        }
        Type::Enum { name, values } => format!("one of {name}'s values ({})", values.join(", ")),
        Type::Timezone => "an IANA time zone name like \"Europe/Berlin\"".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::str::FromStr;

    fn dec(s: &str) -> Val {
        Val::Dec(rust_decimal::Decimal::from_str(s).unwrap())
    }

    fn plan() -> Type {
        Type::Enum {
            name: "plan".into(),
            values: vec!["free".into(), "trial".into()],
        }
    }

    #[test]
    fn values_of_the_declared_type_are_read_as_they_are() {
        assert_eq!(coerce(&json!(8), &Type::Int), Ok((Val::Int(8), None)));
        assert_eq!(coerce(&json!("trial"), &plan()), Ok((Val::Enum(1), None)));
        assert_eq!(coerce(&json!(null), &Type::Int), Ok((Val::Missing, None)));
        assert_eq!(coerce(&json!(1.5), &Type::Decimal), Ok((dec("1.5"), None)));
    }

    #[test]
    fn a_json_number_is_the_exact_decimal_of_its_text() {
        for (text, want) in [
            ("19.99", "19.99"),
            ("0.1", "0.1"),
            ("-19.99", "-19.99"),
            ("5", "5"),
            ("18446744073709551615", "18446744073709551615"),
            ("1.5e3", "1500"),
            ("123456789012.345", "123456789012.345"),
        ] {
            let v: Json = serde_json::from_str(text).unwrap();
            assert_eq!(coerce(&v, &Type::Decimal), Ok((dec(want), None)), "{text}");
        }
        // Digits a float cannot hold are kept when written as a string.
        assert_eq!(
            coerce(&json!("0.12345678901234567890123"), &Type::Decimal),
            Ok((
                dec("0.12345678901234567890123"),
                Some(Coercion::NumberInString)
            ))
        );
    }

    #[test]
    fn a_number_beyond_a_decimal_is_refused_with_the_reason() {
        for v in [json!(1e30), json!(-1e30), json!(1e-30), json!("1e30")] {
            let Err(why) = coerce(&v, &Type::Decimal) else {
                panic!("{v} is read")
            };
            assert!(why.contains("beyond what a decimal holds"), "{why}");
        }
    }

    #[test]
    fn certain_readings_are_coerced_and_said() {
        use Coercion::*;
        for (v, ty, want, how) in [
            (json!("8"), Type::Int, Val::Int(8), NumberInString),
            (json!("8.0"), Type::Int, Val::Int(8), NumberInString),
            (json!(8.0), Type::Int, Val::Int(8), WholeDecimal),
            (json!(-3.0), Type::Duration, Val::Dur(-3), WholeDecimal),
            (json!("2.5"), Type::Decimal, dec("2.5"), NumberInString),
            (json!("Trial"), plan(), Val::Enum(1), EnumCase),
            (json!("FREE"), plan(), Val::Enum(0), EnumCase),
            (json!("True"), Type::Bool, Val::Bool(true), BoolInString),
            (
                json!(42),
                Type::String,
                Val::Str(Arc::from("42")),
                TextOfScalar,
            ),
        ] {
            assert_eq!(coerce(&v, &ty), Ok((want, Some(how))), "{v}");
        }
    }

    /// Dates, times and datetimes are read from their strings as they are; `"false"` in any
    /// case is false; a time past 23:59 is refused.
    #[test]
    fn dates_times_and_bools_in_strings() {
        assert_eq!(
            coerce(&json!("2026-01-05"), &Type::Date),
            Ok((Val::Date(20_458), None))
        );
        assert_eq!(
            coerce(&json!("2026-01-05T09:00:00Z"), &Type::DateTime),
            Ok((Val::DateTime(1_767_603_600), None))
        );
        for (text, minute) in [("00:00", 0), ("09:30", 570), ("23:59", 1439), ("7:05", 425)] {
            assert_eq!(
                coerce(&json!(text), &Type::Time),
                Ok((Val::Time(minute), None)),
                "{text}"
            );
        }
        for bad in ["24:00", "12:60", "23:99", "0930", "09:xx", "-1:00"] {
            assert!(coerce(&json!(bad), &Type::Time).is_err(), "{bad}");
        }
        assert!(coerce(&json!("2026-02-30"), &Type::Date).is_err());
        for (text, b) in [("false", false), ("FALSE", false), ("true", true)] {
            assert_eq!(
                coerce(&json!(text), &Type::Bool),
                Ok((Val::Bool(b), Some(Coercion::BoolInString))),
                "{text}"
            );
        }
    }

    #[test]
    fn uncertain_readings_are_refused() {
        for (v, ty) in [
            (json!("8.5"), Type::Int),
            (json!(8.5), Type::Int),
            (json!(" 8"), Type::Int),
            (json!("+8"), Type::Int),
            (json!("8 "), Type::Decimal),
            (json!("NaN"), Type::Decimal),
            (json!("inf"), Type::Decimal),
            (json!("0x10"), Type::Int),
            (json!(1e19), Type::Int),
            // 2^63, the first whole float past the largest int
            (json!(9_223_372_036_854_775_808.0_f64), Type::Int),
            (json!("gold"), plan()),
            (json!("yes"), Type::Bool),
            (json!(1), Type::Bool),
            (json!({}), Type::String),
        ] {
            assert!(coerce(&v, &ty).is_err(), "{v}");
        }
        let two = Type::Enum {
            name: "e".into(),
            values: vec!["a".into(), "A".into()],
        };
        assert!(coerce(&json!("a"), &two).is_ok());
        assert!(coerce(&json!("a "), &two).is_err());
        let mixed = Type::Enum {
            name: "e".into(),
            values: vec!["x".into(), "X".into()],
        };
        assert!(coerce(&json!("x"), &mixed).is_ok());
        let ambiguous = Type::Enum {
            name: "e".into(),
            values: vec!["ab".into(), "AB".into()],
        };
        assert!(
            coerce(&json!("Ab"), &ambiguous).is_err(),
            "two values match"
        );
    }
}
