//! Decoding one line of a Segment export into the calls the replay runs: single calls,
//! `{"batch": [...]}` payloads, anonymous ids, the time fields' fallbacks, events no journey
//! reads (ignored and counted) and the coercion of traits and properties (see [`super::coerce`]).

use super::coerce::{coerce, Coercion};
use super::stamp::call_time;
use super::{bad, parse_json, shown, BadLine, FieldNote, Summary};
use crate::interp::program::Program;
use crate::interp::time::Instant;
use crate::interp::value::Val;
use crate::ir::{Engagement, Type};
use serde_json::{Map, Value as Json};
use std::collections::HashMap;
use std::sync::Arc;

#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum LineKind {
    Identify(Vec<(String, Val)>),
    Track {
        name: Arc<str>,
        fields: Vec<(Arc<str>, Val)>,
    },
    Engage {
        kind: Engagement,
        touchpoint: String,
    },
}

/// A call the replay runs (held calls are carried in state files).
#[derive(serde::Serialize, serde::Deserialize)]
pub(super) struct Parsed {
    pub user: String,
    pub time: Instant,
    /// The timestamp was `23:59:60` UTC, read as `23:59:59`.
    pub leap_second: bool,
    pub kind: LineKind,
}

/// How many names of events no journey reads the summary keeps (with their counts).
const UNREAD_NAMES: usize = 5;

/// The calls of one line, in the order written, each a call to run or a bad call (`Ok(None)`
/// is a call journeys do not read, counted in `summary`). A line holds one call, or a batch:
/// `{"batch": [...]}` (Segment's HTTP payload) or a JSON array of calls.
pub(super) fn decode_line(
    programs: &[Program],
    names: &LogNames,
    n: usize,
    text: &str,
    summary: &mut Summary,
) -> Vec<Result<Option<Parsed>, BadLine>> {
    let v = match parse_json(n, text) {
        Ok(v) => v,
        Err(mut e) => {
            if matches!(text.trim(), "{" | "[") {
                e.message.push_str("; an event log holds one JSON object per line: a pretty-printed file can be rewritten as one with `jq -c '.batch[]? // .'`");
            }
            return vec![Err(e)];
        }
    };
    let items = match v {
        Json::Object(mut obj)
            if matches!(obj.get("batch"), Some(Json::Array(_))) && !obj.contains_key("type") =>
        {
            match obj.remove("batch") {
                Some(Json::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        Json::Array(items) => items,
        one => return vec![decode_call(programs, names, n, &one, summary)],
    };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            decode_call(programs, names, n, item, summary).map_err(|mut e| {
                e.message = format!("call {} of the batch: {}", i + 1, e.message);
                e
            })
        })
        .collect()
}

/// The events the journeys read, by the names a log may give them: each event's own name and
/// its `as "Log Name"` (the checker makes sure no two events read one name).
pub(super) struct LogNames(HashMap<String, Arc<str>>);

impl LogNames {
    pub fn new(programs: &[Program]) -> Self {
        let mut names = HashMap::new();
        for p in programs {
            for (event, schema) in &p.ir.events {
                names.insert(event.clone(), Arc::from(event.as_str()));
                if let Some(log) = &schema.log_name {
                    names.insert(log.clone(), Arc::from(event.as_str()));
                }
            }
            for event in &p.event_names {
                names.insert(event.clone(), Arc::from(event.as_str()));
            }
        }
        LogNames(names)
    }

    /// The event a log's name stands for, in the journeys' own names.
    fn event(&self, logged: &str) -> Option<&Arc<str>> {
        self.0.get(logged)
    }
}

fn note(summary: &mut Summary, n: usize, label: String, how: Option<Coercion>, example: String) {
    let entry = summary.fields.entry((label, how)).or_insert(FieldNote {
        count: 0,
        first_line: n,
        example,
    });
    entry.count += 1;
}

/// Reads one declared field: its value, or `None` when it was dropped (and noted).
fn field(
    summary: &mut Summary,
    n: usize,
    label: impl FnOnce() -> String,
    v: &Json,
    ty: &Type,
) -> Option<Val> {
    match coerce(v, ty) {
        Ok((val, None)) => Some(val),
        Ok((val, Some(how))) => {
            note(summary, n, label(), Some(how), String::new());
            Some(val)
        }
        Err(why) => {
            note(summary, n, label(), None, why);
            None
        }
    }
}

/// The customer a call is about: `userId`, or `anonymousId` when `userId` is missing, `null` or
/// empty (analytics.js before `identify`). The two are different customers.
fn user(n: usize, obj: &Map<String, Json>) -> Result<String, BadLine> {
    let id = |key: &str| match obj.get(key) {
        Some(Json::String(s)) if !s.is_empty() => Ok(Some(s.clone())),
        Some(Json::Number(num)) => Ok(Some(num.to_string())),
        None | Some(Json::Null) => Ok(None),
        Some(Json::String(_)) => Ok(None),
        Some(_) => Err(bad(n, format!("`{key}` must be a non-empty string"))),
    };
    match id("userId")? {
        Some(u) => Ok(u),
        None => id("anonymousId")?.ok_or_else(|| bad(n, "missing `userId` (and no `anonymousId`)")),
    }
}

fn decode_call(
    programs: &[Program],
    names: &LogNames,
    n: usize,
    v: &Json,
    summary: &mut Summary,
) -> Result<Option<Parsed>, BadLine> {
    let obj = v
        .as_object()
        .ok_or_else(|| bad(n, "expected a JSON object"))?;
    let kind = match obj.get("type") {
        None | Some(Json::Null) => "track",
        Some(Json::String(k)) => k.as_str(),
        Some(_) => return Err(bad(n, "`type` must be a string such as \"track\"")),
    };
    if matches!(kind, "page" | "screen" | "group" | "alias") {
        summary.ignored += 1;
        return Ok(None);
    }
    if !matches!(kind, "track" | "identify") {
        return Err(bad(
            n,
            format!("`type` is {}: only `track` and `identify` calls are replayed (`page`, `screen`, `group` and `alias` are ignored)", shown(kind)),
        ));
    }
    let user = user(n, obj)?;
    let (time, leap_second) = call_time(n, obj)?;
    let kind = if kind == "identify" {
        let traits = match obj.get("traits") {
            None | Some(Json::Null) => None,
            Some(Json::Object(m)) => Some(m),
            Some(_) => return Err(bad(n, "`traits` must be an object")),
        };
        let mut out = Vec::new();
        for (k, val) in traits.into_iter().flatten() {
            // Profiles carry many traits; only the ones a journey declares are read.
            let ty = programs
                .iter()
                .find_map(|p| p.ir.attributes.get(k).map(|a| &a.ty));
            if let Some(ty) = ty {
                if let Some(value) = field(summary, n, || format!("trait `{k}`"), val, ty) {
                    out.push((k.clone(), value));
                }
            }
        }
        LineKind::Identify(out)
    } else {
        let logged = match obj.get("event") {
            Some(Json::String(s)) => s,
            Some(_) => return Err(bad(n, "`event` must be a string")),
            None => return Err(bad(n, "missing `event` in a track call")),
        };
        let props = match obj.get("properties") {
            None | Some(Json::Null) => None,
            Some(Json::Object(m)) => Some(m),
            Some(_) => return Err(bad(n, "`properties` must be an object")),
        };
        match names.event(logged) {
            Some(name) => {
                let name = name.clone();
                let mut fields = Vec::new();
                if let Some(schema) = programs.iter().find_map(|p| p.ir.events.get(&*name)) {
                    for (k, ty) in &schema.fields {
                        let Some(val) = props.and_then(|p| p.get(k)) else {
                            continue;
                        };
                        let label = || format!("property `{k}` of `{name}`");
                        if let Some(value) = field(summary, n, label, val, ty) {
                            fields.push((Arc::from(k.as_str()), value));
                        }
                    }
                }
                LineKind::Track { name, fields }
            }
            None if logged == "opened" || logged == "clicked" => {
                let tp = props
                    .and_then(|p| p.get("touchpoint"))
                    .and_then(Json::as_str)
                    .ok_or_else(|| {
                        bad(
                            n,
                            format!(
                                "{} needs a `touchpoint` property naming the message",
                                shown(logged)
                            ),
                        )
                    })?;
                let kind = if logged == "opened" {
                    Engagement::Opened
                } else {
                    Engagement::Clicked
                };
                LineKind::Engage {
                    kind,
                    touchpoint: tp.to_string(),
                }
            }
            None => {
                // Most of a real log: events no journey reads are counted, never bad lines.
                summary.unread += 1;
                if let Some(e) = summary.unread_names.iter_mut().find(|e| e.0 == *logged) {
                    e.1 += 1;
                } else if summary.unread_names.len() < UNREAD_NAMES {
                    summary.unread_names.push((logged.clone(), 1));
                }
                return Ok(None);
            }
        }
    };
    Ok(Some(Parsed {
        user,
        time,
        leap_second,
        kind,
    }))
}
