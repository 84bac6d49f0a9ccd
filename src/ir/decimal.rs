//! Exact decimals (`rust_decimal`): how a `decimal` constant is written in a spec and shown to
//! authors, and how a percentage becomes the fraction it stands for.
//!
//! A spec writes a decimal as a JSON number whenever that number reads back as the same decimal
//! (every decimal of up to 15 significant digits, so the specs written before decimals were
//! exact are unchanged), and as a string of its digits (`"0.1234567890123456789"`) otherwise,
//! because a JSON number is read as a 64-bit float by most tools. docs/spec.md says so.

use rust_decimal::prelude::{FromPrimitive, ToPrimitive};
use rust_decimal::Decimal;
use std::str::FromStr;

/// The float that stands for `d` when it reads back as exactly `d`.
pub fn exact_f64(d: &Decimal) -> Option<f64> {
    let f = d.to_f64()?;
    let back = Decimal::from_str(&format!("{f}")).ok()?;
    (back == *d).then_some(f)
}

/// The decimal a float's shortest text names: `19.99_f64` is 19.99, not the binary fraction
/// nearest to it. `None` for NaN, infinities and numbers beyond a decimal's range (about
/// ±7.9e28) or with more than 28 places after the point (`1e-30`).
pub fn from_f64_text(f: f64) -> Option<Decimal> {
    if !f.is_finite() {
        return None;
    }
    let text = format!("{f}");
    Decimal::from_str_exact(&text).ok()
}

/// A percentage as written (`12.5`) as the fraction it stands for (`0.125`), exactly.
pub fn percent_fraction(p: f64) -> Decimal {
    from_f64_text(p)
        .and_then(|d| d.checked_div(Decimal::ONE_HUNDRED))
        .or_else(|| Decimal::from_f64(p / 100.0))
        .unwrap_or(Decimal::ZERO)
}

/// A decimal as an author writes it: its digits with the scale kept (`19.90`), and `5.0`
/// rather than `5` so that it reads as a decimal.
pub fn show(d: &Decimal) -> String {
    let s = d.to_string();
    if s.contains('.') {
        s
    } else {
        format!("{s}.0")
    }
}

/// Serde for a decimal in a spec: a JSON number when it reads back exactly, else a string.
pub mod json {
    use super::{exact_f64, from_f64_text};
    use rust_decimal::Decimal;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Decimal, s: S) -> Result<S::Ok, S::Error> {
        match exact_f64(d) {
            Some(f) => s.serialize_f64(f),
            None => s.serialize_str(&d.to_string()),
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        I(i64),
        N(f64),
        S(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
        let bad = |what: &dyn std::fmt::Display| {
            serde::de::Error::custom(format!("`{what}` is not a decimal a spec can hold"))
        };
        match Repr::deserialize(d)? {
            Repr::I(i) => Ok(Decimal::from(i)),
            Repr::N(f) => from_f64_text(f).ok_or_else(|| bad(&f)),
            Repr::S(s) => Decimal::from_str_exact(&s).map_err(|_| bad(&s)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    #[test]
    fn a_float_is_read_as_the_decimal_its_text_names() {
        assert_eq!(from_f64_text(19.99), Some(dec("19.99")));
        assert_eq!(from_f64_text(0.1), Some(dec("0.1")));
        assert_eq!(from_f64_text(-5.0), Some(dec("-5")));
        assert_eq!(from_f64_text(1e30), None);
        assert_eq!(from_f64_text(f64::NAN), None);
    }

    #[test]
    fn a_spec_writes_a_number_when_it_reads_back_exactly_and_digits_otherwise() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct W(#[serde(with = "json")] Decimal);
        let short = serde_json::to_string(&W(dec("9.99"))).unwrap();
        assert_eq!(short, "9.99");
        let long = serde_json::to_string(&W(dec("0.1234567890123456789"))).unwrap();
        assert_eq!(long, "\"0.1234567890123456789\"");
        let back: W = serde_json::from_str(&long).unwrap();
        assert_eq!(back, W(dec("0.1234567890123456789")));
        let back: W = serde_json::from_str(&short).unwrap();
        assert_eq!(back, W(dec("9.99")));
        let back: W = serde_json::from_str("5").unwrap();
        assert_eq!(back, W(Decimal::from(5)));
    }

    #[test]
    fn a_percentage_is_its_exact_fraction() {
        assert_eq!(percent_fraction(12.5), dec("0.125"));
        assert_eq!(percent_fraction(33.33), dec("0.3333"));
    }

    #[test]
    fn show_keeps_the_scale_and_marks_a_whole_decimal() {
        assert_eq!(show(&dec("19.90")), "19.90");
        assert_eq!(show(&Decimal::from(5)), "5.0");
        assert_eq!(show(&dec("-0.5")), "-0.5");
    }
}
