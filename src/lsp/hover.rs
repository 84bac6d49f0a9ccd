//! Hover: what a name stands for, from the checked model (a touchpoint's channel and template, an
//! event's fields, an attribute's type and default, an enum's values), and a duration literal in
//! words.

use super::analysis::{Analysis, Unit};

use super::symbols::Sym;
use crate::check::{Const, Model};
use crate::source::FileId;
use crate::units;
use lsp_types::{Hover, HoverContents, MarkupContent, MarkupKind};

pub fn hover(analysis: &Analysis, file: FileId, offset: usize) -> Option<Hover> {
    let text = &analysis.source(file).text;
    let (value, span) = match analysis.symbol_at(file, offset) {
        Some((unit, occ)) => (describe(unit, &occ.sym), occ.span),
        None => {
            let (start, end) = word_at(text, offset)?;
            let word = &text[start..end];
            let value = match history_word(text, word, end) {
                Some(doc) => doc.to_string(),
                None if word == "local" && after_time_of_day(text, start) => LOCAL_DOC.to_string(),
                None => duration_in_words(parse_duration(word)?),
            };
            (value, crate::source::Span::new(start, end))
        }
    };
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value,
        }),
        range: Some(analysis.range(file, span.start, span.end)),
    })
}

/// What `local` after a time of day means.
const LOCAL_DOC: &str = "`local`: the time is read on the customer's wall clock, in their time zone: the value of the customer's `timezone` attribute, else that attribute's default (the project default), else UTC. On a DST day a local time that does not exist (02:30 when clocks jump from 02:00 to 03:00) is the moment the gap ends, and one that happens twice is the earlier.";

/// Whether the word starting at `start` follows a time of day (`21:00..08:00 local`).
fn after_time_of_day(text: &str, start: usize) -> bool {
    let before = text[..start].trim_end();
    let word = before
        .rsplit(|c: char| c.is_whitespace() || c == '.')
        .next()
        .unwrap_or("");
    word.contains(':') && word.bytes().all(|b| b.is_ascii_digit() || b == b':')
}

/// What a history function, or the `within` of one, means: `word` ends at `end`.
fn history_word(text: &str, word: &str, end: usize) -> Option<&'static str> {
    let call = text[end..].trim_start().starts_with('(');
    Some(match word {
        "happened" if call => "`happened(EVENT) within D`: whether the event arrived for the customer in the last `D` (any journey's knowledge; a moment exactly `D` ago included). A `bool`.",
        "count" if call => "`count(EVENT within D)`: how many of the event arrived for the customer in the last `D` (a moment exactly `D` ago included). An `int`: `count(order_placed within 30d) >= 3`.",
        "sent" if call => "`sent(TOUCHPOINT)`: whether the touchpoint was sent in this entry of this journey. `sent(TOUCHPOINT) within D`: whether it was sent to the customer in the last `D`, by any journey, in any entry.",
        // `now` and `until` only reach here when no attribute or enum value takes the name.
        "now" => "`now`: the current instant, a `datetime` (the time of the event, identify or timer being handled). `now + 2d`, `next_appointment - now` (a `duration`).",
        "until" => "`wait until DATETIME`: waits until that instant; a time already past or not set does not wait, and an identify that changes it while the customer waits moves the wait.",
        "within" => "`within D`: a window. After `sent(T)` or `happened(E)`, and inside `count(E within D)`, it reads the customer's history across entries and journeys; the world remembers only what some condition reads, for its longest window. After a goal (`goal E within D`) or `converts E within D`, it bounds the time to convert.",
        _ => return None,
    })
}

fn code(text: &str) -> String {
    format!("```journey\n{text}\n```")
}

fn describe(unit: &Unit, sym: &Sym) -> String {
    let m = &unit.model;
    match sym {
        Sym::Enum(name) => match m.enums.get(name) {
            Some(e) => format!(
                "{}\n\nValues in order (`upgrade` climbs it, `<` compares by it).",
                code(&format!("enum {name} {{ {} }}", e.values.join(", ")))
            ),
            None => format!("enum `{name}`"),
        },
        Sym::EnumValue { ty, value } => match m.enums.get(ty) {
            Some(e) => match e.values.iter().position(|v| v == value) {
                Some(i) => format!(
                    "{}\n\nValue {} of {} of enum `{ty}`: {}",
                    code(value),
                    i + 1,
                    e.values.len(),
                    e.values.join(" < ")
                ),
                None => format!("`{value}` is not a value of enum `{ty}`"),
            },
            None => format!("`{value}`"),
        },
        Sym::Attr(name) => match m.attrs.get(name) {
            Some(a) => {
                let default = match &a.default {
                    Some(c) => format!(" = {}", const_text(c)),
                    None => String::new(),
                };
                let mut extra = enum_values(m, &a.ty);
                if a.ty == crate::check::Type::Timezone {
                    extra.push_str("\n\nThe customer's time zone (an IANA name): `quiet FROM..TO local` and other local times are read in it. Its default is the project default; without one a customer whose zone is not set is in UTC.");
                }
                format!(
                    "{}\n\nA customer attribute.{extra}",
                    code(&format!("{name}: {}{default}", a.ty.name()))
                )
            }
            None if m.untyped_attrs.contains(name) => {
                format!("customer attribute `{name}` (its type is unknown)")
            }
            None => format!("`{name}` is not a customer attribute"),
        },
        Sym::Event(name) => match m.events.get(name) {
            Some(e) if e.fields.is_empty() => {
                format!(
                    "{}\n\nAn event without fields.",
                    code(&format!("event {name}{}", log_name(e)))
                )
            }
            Some(e) => {
                let fields: Vec<String> = e
                    .fields
                    .iter()
                    .map(|(f, t)| format!("  {f}: {}", t.name()))
                    .collect();
                code(&format!(
                    "event {name}{} {{\n{}\n}}",
                    log_name(e),
                    fields.join("\n")
                ))
            }
            None => format!("`{name}` is not a declared event"),
        },
        Sym::Field { event, field } => match m.field_type(event, field) {
            Some(t) => format!(
                "{}\n\nA field of event `{event}`.{}",
                code(&format!("{field}: {}", t.name())),
                enum_values(m, t)
            ),
            None => format!("`{field}` is not a field of event `{event}`"),
        },
        Sym::DataField { touchpoint, field } => {
            let declared = m
                .touchpoints
                .get(touchpoint)
                .and_then(|t| t.data.as_ref())
                .and_then(|d| d.field(field));
            match declared {
                Some((_, Some(t), _)) => format!(
                    "{}

A data field of touchpoint `{touchpoint}`: every `send {touchpoint}` gives it.{}",
                    code(&format!("{field}: {}", t.name())),
                    enum_values(m, t)
                ),
                Some((_, None, _)) => format!(
                    "`{field}`: a data field of touchpoint `{touchpoint}` of an unknown type"
                ),
                None => format!("`{field}` is not a data field of touchpoint `{touchpoint}`"),
            }
        }
        Sym::Channel(name) => match m.channels.get(name) {
            Some(c) => {
                let mut props: Vec<String> = c
                    .caps
                    .iter()
                    .map(|cap| format!("cap {} per {}", cap.count, units::duration(cap.per_secs)))
                    .collect();
                if let Some((from, to)) = c.quiet {
                    props.push(format!("quiet {}..{}", hhmm(from), hhmm(to)));
                }
                if let Some(a) = &c.consent {
                    props.push(format!("consent {a}"));
                }
                if props.is_empty() {
                    code(&format!("channel {name}"))
                } else {
                    code(&format!("channel {name} {{ {} }}", props.join("  ")))
                }
            }
            None => format!("`{name}` is not a declared channel"),
        },
        Sym::Touchpoint(name) => match m.touchpoints.get(name) {
            Some(t) => {
                let mut lines = vec![
                    format!("**touchpoint** `{name}`"),
                    String::new(),
                    format!("- channel: `{}`", t.channel),
                    format!("- template: `{}`", t.template),
                ];
                if let Some(s) = &t.subject {
                    lines.push(format!("- subject: \"{s}\""));
                }
                if let Some((e, w)) = &t.converts {
                    lines.push(format!(
                        "- converts: `{e}` within {}",
                        duration_in_words(*w)
                    ));
                }
                if !t.requires.is_empty() {
                    lines.push(format!("- requires: `{}`", t.requires.join("`, `")));
                }
                if t.transactional {
                    lines.push(
                        "- transactional: exempt from caps, quiet hours and consent".to_string(),
                    );
                }
                if let Some(d) = &t.data {
                    let fields: Vec<String> = d
                        .fields
                        .iter()
                        .map(|(f, ty, _)| {
                            format!("`{f}: {}`", ty.as_ref().map_or("?".into(), |t| t.name()))
                        })
                        .collect();
                    lines.push(format!("- data: {}", fields.join(", ")));
                }
                lines.join("\n")
            }
            None => format!("`{name}` is not a declared touchpoint"),
        },
        Sym::Journey(name) => match m.journeys.get(name) {
            Some(j) => {
                let trigger = j
                    .trigger()
                    .map(|t| format!("trigger `{}`", t.event.name))
                    .unwrap_or_else(|| "no trigger".to_string());
                let sections: Vec<String> = j.sections().map(|s| s.kind.name()).collect();
                let mut arbitration = String::new();
                if j.priority() != 0 {
                    arbitration.push_str(&format!("; priority {}", j.priority()));
                }
                if let Some(g) = j.exclusive() {
                    arbitration.push_str(&format!("; exclusive `{g}`"));
                }
                // `per FIELD`: one instance per key.
                let per = j
                    .decl
                    .per
                    .as_ref()
                    .map(|f| format!(" per `{}`", f.name))
                    .unwrap_or_default();
                format!(
                    "**journey** `{name}`{per}\n\n{trigger}{arbitration}; sections: {}",
                    sections.join(" → ")
                )
            }
            None => format!("journey `{name}`"),
        },
        Sym::Stage { journey, name } => format!("**stage** `{name}` of journey `{journey}`"),
        Sym::Milestone { journey, name } => {
            format!("**milestone** `{name}` of journey `{journey}`")
        }
        Sym::Variant { journey, name } => {
            let control = if name == "holdout" {
                " (the control group)"
            } else {
                ""
            };
            format!("**split variant** `{name}` of journey `{journey}`{control}")
        }
    }
}

fn enum_values(m: &Model, ty: &crate::check::Type) -> String {
    match ty {
        crate::check::Type::Enum(e) => m
            .enums
            .get(e)
            .map(|d| format!("\n\nValues of `{e}`: {}", d.values.join(" < ")))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

fn const_text(c: &Const) -> String {
    match c {
        Const::Str(s) => format!("{s:?}"),
        Const::Int(i) => i.to_string(),
        Const::Decimal(d) => crate::ir::decimal::show(d),
        Const::Bool(b) => b.to_string(),
        Const::Duration(s) => units::duration(*s),
        Const::Date(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        Const::Time(t) => hhmm(*t),
        Const::DateTime(s) => crate::interp::time::format_rfc3339(*s),
        Const::Enum { value, .. } => value.clone(),
        Const::Timezone(z) => format!("{z:?}"),
    }
}

fn hhmm(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// The word (letters, digits, `_`) touching byte `offset`.
pub fn word_at(text: &str, offset: usize) -> Option<(usize, usize)> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let start = text[..offset]
        .char_indices()
        .rev()
        .take_while(|(_, c)| is_word(*c))
        .last()
        .map_or(offset, |(i, _)| i);
    let end = text[offset..]
        .char_indices()
        .find(|(_, c)| !is_word(*c))
        .map_or(text.len(), |(i, _)| offset + i);
    (start < end).then_some((start, end))
}

/// Seconds of a duration literal such as `1d12h`; `None` for anything else.
pub fn parse_duration(word: &str) -> Option<u64> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    for c in word.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit: u64 = match c {
            'w' => 604_800,
            'd' => 86_400,
            'h' => 3_600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
        let n: u64 = digits.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        digits.clear();
    }
    digits.is_empty().then_some(total)
}

/// `1 day 12 hours`, `2 weeks (14 days)`, `0 seconds`.
pub fn duration_in_words(secs: u64) -> String {
    if secs == 0 {
        return "0 seconds".to_string();
    }
    let mut parts = Vec::new();
    let mut rest = secs;
    for (unit, size) in [
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
        ("second", 1),
    ] {
        let n = rest / size;
        rest %= size;
        if n > 0 {
            parts.push(format!("{n} {unit}{}", if n == 1 { "" } else { "s" }));
        }
    }
    let words = parts.join(" ");
    if secs.is_multiple_of(604_800) {
        let w = secs / 604_800;
        format!("{w} week{} ({words})", if w == 1 { "" } else { "s" })
    } else {
        words
    }
}

/// ` as "Signed Up"` for an event event logs name otherwise, or nothing.
fn log_name(e: &crate::check::model::EventDef) -> String {
    e.log_name
        .as_ref()
        .map(|l| format!(" as {}", serde_json::Value::String(l.clone())))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_in_words() {
        assert_eq!(parse_duration("1d12h"), Some(129_600));
        assert_eq!(parse_duration("3x"), None);
        assert_eq!(parse_duration("12"), None);
        assert_eq!(duration_in_words(129_600), "1 day 12 hours");
        assert_eq!(duration_in_words(1_209_600), "2 weeks (14 days)");
        assert_eq!(duration_in_words(90), "1 minute 30 seconds");
    }

    #[test]
    fn words_touch_the_cursor_from_either_side() {
        let text = "wait 3d\n";
        assert_eq!(word_at(text, 5), Some((5, 7)));
        assert_eq!(word_at(text, 7), Some((5, 7)));
        assert_eq!(word_at("é 3d", 0), None);
        assert_eq!(word_at("é 3d", 1), None);
    }
}
