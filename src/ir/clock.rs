//! Days of the week for clock times (`wait until monday 09:00`, `trigger every monday 09:00`):
//! the names the language reads, the spec writes and the interpreter turns into jiff's.

use serde::{Deserialize, Serialize};

/// A day of the week, Monday first (ISO 8601).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Monday,
    Tuesday,
    Wednesday,
    Thursday,
    Friday,
    Saturday,
    Sunday,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Weekday::Monday,
        Weekday::Tuesday,
        Weekday::Wednesday,
        Weekday::Thursday,
        Weekday::Friday,
        Weekday::Saturday,
        Weekday::Sunday,
    ];

    /// The name as written in `.journey` files and the spec.
    pub fn name(self) -> &'static str {
        match self {
            Weekday::Monday => "monday",
            Weekday::Tuesday => "tuesday",
            Weekday::Wednesday => "wednesday",
            Weekday::Thursday => "thursday",
            Weekday::Friday => "friday",
            Weekday::Saturday => "saturday",
            Weekday::Sunday => "sunday",
        }
    }

    /// The day a name means (lower case, in full).
    pub fn from_name(name: &str) -> Option<Weekday> {
        Weekday::ALL.into_iter().find(|w| w.name() == name)
    }

    /// 0 for Monday .. 6 for Sunday.
    pub fn index(self) -> u8 {
        self as u8
    }

    pub fn to_jiff(self) -> jiff::civil::Weekday {
        match self {
            Weekday::Monday => jiff::civil::Weekday::Monday,
            Weekday::Tuesday => jiff::civil::Weekday::Tuesday,
            Weekday::Wednesday => jiff::civil::Weekday::Wednesday,
            Weekday::Thursday => jiff::civil::Weekday::Thursday,
            Weekday::Friday => jiff::civil::Weekday::Friday,
            Weekday::Saturday => jiff::civil::Weekday::Saturday,
            Weekday::Sunday => jiff::civil::Weekday::Sunday,
        }
    }
}

/// `HH:MM` of minutes after midnight.
pub fn hhmm(minute: u32) -> String {
    format!("{:02}:{:02}", minute / 60, minute % 60)
}

/// A clock time as the language writes it: `monday 09:00 local`, `09:00`.
pub fn describe(day: Option<Weekday>, minute: u32, local: bool) -> String {
    let mut s = String::new();
    if let Some(d) = day {
        s.push_str(d.name());
        s.push(' ');
    }
    s.push_str(&hhmm(minute));
    if local {
        s.push_str(" local");
    }
    s
}
