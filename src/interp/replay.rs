//! Replaying an event log (Segment-style JSON lines) through journeys, in timestamp order.
//!
//! The log is read one line at a time; state is kept per customer who has been seen, and a
//! queue of timers (waits and delays) runs them in global time order, so actions come out
//! sorted by time. Bad lines are reported with their line number; the caller decides whether a
//! bad line stops the replay.

use super::engine::{Action, NotEntered};
use super::program::Program;
use super::time::{format_rfc3339, parse_rfc3339, Instant};
use super::value::Val;
use super::world::{Cast, World, WorldObserver};
use crate::ir::{Engagement, Type};
use serde_json::Value as Json;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::sync::Arc;

/// A line that could not be replayed.
#[derive(Clone, Debug, PartialEq)]
pub struct BadLine {
    pub line: usize,
    pub message: String,
}

/// Something the automation did, as one JSON line of output.
#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub customer: String,
    pub journey: usize,
    pub time: Instant,
    pub node: Option<usize>,
    pub action: Action,
}

/// Receives records as they happen, and explanations for the customer being explained.
pub trait Sink {
    fn record(&mut self, programs: &[Program], r: &Record) -> std::io::Result<()>;
    fn explain(&mut self, _journey: usize, _time: Instant, _node: Option<usize>, _text: String) {}
    /// An event nothing waited for, for the customer being explained (not an output record).
    fn ignored(&mut self, _programs: &[Program], _r: &Record) {}
    /// Where each customer still in a journey stands at the end of the replay, for the
    /// customer being explained.
    fn standing(&mut self, _programs: &[Program], _journey: usize, _text: String) {}
}

/// Counts for the summary printed at the end.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    pub lines: usize,
    pub events: usize,
    pub identifies: usize,
    pub skipped: usize,
    /// Segment calls that say nothing a journey reads (`page`, `screen`, `group`, `alias`).
    pub ignored: usize,
    pub customers: usize,
    pub entered: usize,
    pub in_flight: usize,
    /// Events that arrived while nothing in a journey waited for them (`Action::Ignored`).
    pub ignored_events: usize,
}

pub struct Replay<'p> {
    programs: &'p [Program],
    /// The journeys run together for each customer.
    cast: Cast<'p>,
    /// The customers whose state differs from a new customer's (see [`World::is_fresh`]).
    customers: HashMap<String, World>,
    /// Every customer id seen, hashed, for the summary's count of distinct customers.
    seen: HashSet<u64>,
    timers: BinaryHeap<Reverse<(Instant, String)>>,
    last_time: Option<(Instant, usize)>,
    explain: Option<String>,
    pub summary: Summary,
}

/// What one step of a customer produced, in the order it happened.
enum Item {
    Record(Record),
    /// An ignored event, for the customer being explained.
    Ignored(Record),
    Detail(usize, Instant, Option<usize>, String),
}

impl Item {
    fn time(&self) -> Instant {
        match self {
            Item::Record(r) | Item::Ignored(r) => r.time,
            Item::Detail(_, t, _, _) => *t,
        }
    }
}

struct Collect<'a> {
    items: &'a mut Vec<Item>,
    customer: &'a str,
    explain: bool,
    ignored: usize,
}

impl WorldObserver for Collect<'_> {
    fn action(&mut self, journey: usize, time: Instant, node: Option<usize>, action: &Action) {
        self.items.push(Item::Record(Record {
            customer: self.customer.to_string(),
            journey,
            time,
            node,
            action: action.clone(),
        }));
    }
    fn ignored(&mut self, journey: usize, time: Instant, action: &Action) {
        // Counted for the summary; shown in explanations, not written as output records.
        self.ignored += 1;
        if self.explain {
            let node = match action {
                Action::Ignored { node, .. } => *node,
                _ => None,
            };
            self.items.push(Item::Ignored(Record {
                customer: self.customer.to_string(),
                journey,
                time,
                node,
                action: action.clone(),
            }));
        }
    }
    fn not_entered(&mut self, journey: usize, time: Instant, why: NotEntered) {
        if self.explain {
            let text = match why {
                NotEntered::ConditionFalse => {
                    "did not enter: the trigger's condition was false".to_string()
                }
                NotEntered::AlreadyInJourney => "did not enter: already in the journey".to_string(),
                NotEntered::EnteredBefore => {
                    "did not enter: `entry once` and this customer entered before".to_string()
                }
                NotEntered::Exclusive { holder } => {
                    format!("did not enter: in journey #{holder} of the same `exclusive` group")
                }
                NotEntered::TooSoon { next_allowed } => {
                    format!(
                        "did not enter: `entry every` allows the next entry at {}",
                        format_rfc3339(next_allowed)
                    )
                }
            };
            self.items.push(Item::Detail(journey, time, None, text));
        }
    }
    fn wants_detail(&self) -> bool {
        self.explain
    }
    fn detail(&mut self, journey: usize, time: Instant, node: Option<usize>, text: String) {
        self.items.push(Item::Detail(journey, time, node, text));
    }
}

impl<'p> Replay<'p> {
    pub fn new(programs: &'p [Program], explain: Option<String>) -> Self {
        Replay {
            programs,
            cast: Cast::new(programs),
            customers: HashMap::new(),
            seen: HashSet::new(),
            timers: BinaryHeap::new(),
            last_time: None,
            explain,
            summary: Summary::default(),
        }
    }

    /// Runs `f` on the customer's world, then files its next timer.
    fn with_customer(
        &mut self,
        id: &str,
        sink: &mut dyn Sink,
        f: &mut dyn FnMut(&Cast, &mut World, &mut Collect),
    ) -> std::io::Result<()> {
        let explain = self.explain.as_deref() == Some(id);
        let programs = self.programs;
        let mut items = Vec::new();
        if self.seen.insert(super::program::stable_hash(&[id])) {
            self.summary.customers += 1;
        }
        let cast = &self.cast;
        let world = self
            .customers
            .entry(id.to_string())
            .or_insert_with(|| World::new(cast, id));
        let mut obs = Collect {
            items: &mut items,
            customer: id,
            explain,
            ignored: 0,
        };
        f(cast, world, &mut obs);
        self.summary.ignored_events += obs.ignored;
        let next = world.deadline();
        let fresh = world.is_fresh(cast);
        for c in world.instances.iter_mut().filter(|c| !c.in_journey()) {
            // Buffers kept for a next entry only save allocations in simulations.
            c.spare = None;
        }
        if fresh {
            self.customers.remove(id);
        }
        if let Some(t) = next {
            self.timers.push(Reverse((t, id.to_string())));
        }
        // Several journeys may act at different instants of one step: keep time order, and
        // within an instant the order things happened in.
        items.sort_by_key(Item::time);
        for item in items {
            match item {
                Item::Record(r) => {
                    if matches!(r.action, Action::Entered) {
                        self.summary.entered += 1;
                    }
                    sink.record(programs, &r)?;
                }
                Item::Ignored(r) => sink.ignored(programs, &r),
                Item::Detail(j, t, n, text) => sink.explain(j, t, n, text),
            }
        }
        Ok(())
    }

    /// Fires every timer due before `t` (or at it, when `inclusive`), in time order.
    fn run_timers(
        &mut self,
        t: Instant,
        inclusive: bool,
        sink: &mut dyn Sink,
    ) -> std::io::Result<()> {
        while let Some(Reverse((due, _))) = self.timers.peek() {
            let due = *due;
            if due > t || (!inclusive && due == t) {
                break;
            }
            let Some(Reverse((due, id))) = self.timers.pop() else {
                break;
            };
            let current = self.customers.get(&id).and_then(World::deadline);
            if current != Some(due) {
                continue; // a stale entry: the customer moved on since it was filed
            }
            self.with_customer(&id, sink, &mut |cast, w, obs| w.advance(cast, due, obs))?;
        }
        Ok(())
    }

    /// Handles one line of the log. `Ok(Err(bad))` is a bad line; `Err` is an output error.
    pub fn line(
        &mut self,
        number: usize,
        text: &str,
        sink: &mut dyn Sink,
    ) -> std::io::Result<Result<(), BadLine>> {
        self.summary.lines += 1;
        // A log written by a Windows tool may start with a byte order mark.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.trim().is_empty() {
            return Ok(Ok(()));
        }
        let parsed = match parse_line(self.programs, number, text) {
            Ok(Some(p)) => p,
            Ok(None) => {
                self.summary.ignored += 1;
                return Ok(Ok(()));
            }
            Err(bad) => return Ok(Err(bad)),
        };
        if let Some((prev, prev_line)) = self.last_time {
            if parsed.time < prev {
                return Ok(Err(BadLine {
                    line: number,
                    message: format!(
                        "timestamp {} is earlier than {} on line {prev_line}: the log must be in time order",
                        format_rfc3339(parsed.time),
                        format_rfc3339(prev)
                    ),
                }));
            }
        }
        self.last_time = Some((parsed.time, number));
        self.run_timers(parsed.time, false, sink)?;
        let t = parsed.time;
        match parsed.kind {
            LineKind::Identify(traits) => {
                self.summary.identifies += 1;
                self.with_customer(&parsed.user, sink, &mut |cast, w, obs| {
                    w.identify(cast, t, &traits, obs);
                })?;
            }
            LineKind::Track { name, fields } => {
                self.summary.events += 1;
                self.with_customer(&parsed.user, sink, &mut |cast, w, obs| {
                    w.event(cast, t, &name, &fields, obs);
                })?;
            }
            LineKind::Engage { kind, touchpoint } => {
                self.summary.events += 1;
                self.with_customer(&parsed.user, sink, &mut |cast, w, obs| {
                    w.engage(cast, t, kind, &touchpoint, obs);
                })?;
            }
        }
        Ok(Ok(()))
    }

    /// The time of the last event read, if any.
    pub fn last_event_time(&self) -> Option<Instant> {
        self.last_time.map(|(t, _)| t)
    }

    /// Runs the timers due up to `until` (default: the last event's time) and counts the
    /// customers still in a journey.
    pub fn finish(&mut self, until: Option<Instant>, sink: &mut dyn Sink) -> std::io::Result<()> {
        if let Some(t) = until.or(self.last_time.map(|l| l.0)) {
            self.run_timers(t, true, sink)?;
        }
        self.summary.in_flight = self.customers.values().filter(|w| w.in_flight()).count();
        if let Some(w) = self.explain.as_ref().and_then(|id| self.customers.get(id)) {
            for (j, text) in super::world::standing::of(&self.cast, w) {
                sink.standing(self.programs, j, text);
            }
        }
        Ok(())
    }
}

enum LineKind {
    Identify(Vec<(String, Val)>),
    Track {
        name: String,
        fields: Vec<(Arc<str>, Val)>,
    },
    Engage {
        kind: Engagement,
        touchpoint: String,
    },
}

struct Parsed {
    user: String,
    time: Instant,
    kind: LineKind,
}

fn bad(line: usize, message: impl Into<String>) -> BadLine {
    BadLine {
        line,
        message: message.into(),
    }
}

/// Converts a JSON value to a typed value, or says why it does not fit.
pub fn json_value(v: &Json, ty: &Type) -> Result<Val, String> {
    let fail = || format!("expected {}, found `{v}`", type_words(ty));
    Ok(match (ty, v) {
        (_, Json::Null) => Val::Missing,
        (Type::String, Json::String(s)) => Val::Str(Arc::from(s.as_str())),
        (Type::Int, Json::Number(n)) => Val::Int(n.as_i64().ok_or_else(fail)?),
        (Type::Decimal, Json::Number(n)) => Val::Dec(n.as_f64().ok_or_else(fail)?),
        (Type::Bool, Json::Bool(b)) => Val::Bool(*b),
        (Type::Duration, Json::Number(n)) => Val::Dur(n.as_i64().ok_or_else(fail)?),
        (Type::Date, Json::String(s)) => Val::Date(super::value::parse_date(s).ok_or_else(fail)?),
        (Type::Time, Json::String(s)) => {
            let (h, m) = s.split_once(':').ok_or_else(fail)?;
            let (h, m): (u32, u32) = (
                h.parse().map_err(|_| fail())?,
                m.parse().map_err(|_| fail())?,
            );
            if h > 23 || m > 59 {
                return Err(fail());
            }
            Val::Time(h * 60 + m)
        }
        (Type::Enum { values, .. }, Json::String(s)) => {
            Val::Enum(values.iter().position(|x| x == s).ok_or_else(fail)? as u32)
        }
        _ => return Err(fail()),
    })
}

fn type_words(ty: &Type) -> String {
    match ty {
        Type::String => "a string".into(),
        Type::Int => "a whole number".into(),
        Type::Decimal => "a number".into(),
        Type::Bool => "true or false".into(),
        Type::Duration => "a number of seconds".into(),
        Type::Date => "a date like \"2026-12-01\"".into(),
        Type::Time => "a time like \"21:00\"".into(),
        Type::Enum { name, values } => format!("one of {name}'s values ({})", values.join(", ")),
    }
}

/// The line's call, or `None` for a Segment call that journeys do not read.
fn parse_line(programs: &[Program], n: usize, text: &str) -> Result<Option<Parsed>, BadLine> {
    let v: Json = serde_json::from_str(text).map_err(|e| bad(n, format!("not valid JSON: {e}")))?;
    let obj = v
        .as_object()
        .ok_or_else(|| bad(n, "expected a JSON object"))?;
    let kind = match obj.get("type") {
        None | Some(Json::Null) => "track",
        Some(Json::String(k)) => k.as_str(),
        Some(_) => return Err(bad(n, "`type` must be a string such as \"track\"")),
    };
    if matches!(kind, "page" | "screen" | "group" | "alias") {
        return Ok(None);
    }
    let user = match obj.get("userId").or_else(|| obj.get("anonymousId")) {
        Some(Json::String(s)) if !s.is_empty() => s.clone(),
        Some(Json::Number(num)) => num.to_string(),
        Some(_) => return Err(bad(n, "`userId` must be a non-empty string")),
        None => return Err(bad(n, "missing `userId`")),
    };
    let time = match obj.get("timestamp") {
        Some(Json::String(s)) => parse_rfc3339(s).map_err(|e| bad(n, e))?,
        Some(_) => return Err(bad(n, "`timestamp` must be an RFC 3339 string")),
        None => return Err(bad(n, "missing `timestamp`")),
    };
    let kind = match kind {
        "identify" => {
            let traits = match obj.get("traits") {
                None | Some(Json::Null) => serde_json::Map::new(),
                Some(Json::Object(m)) => m.clone(),
                Some(_) => return Err(bad(n, "`traits` must be an object")),
            };
            let mut out = Vec::new();
            for (k, val) in &traits {
                // Profiles carry many traits; only the ones a journey declares are read.
                let ty = programs
                    .iter()
                    .find_map(|p| p.ir.attributes.get(k).map(|a| a.ty.clone()));
                if let Some(ty) = ty {
                    let value =
                        json_value(val, &ty).map_err(|e| bad(n, format!("trait `{k}`: {e}")))?;
                    out.push((k.clone(), value));
                }
            }
            LineKind::Identify(out)
        }
        "track" => {
            let name = match obj.get("event") {
                Some(Json::String(s)) => s.clone(),
                Some(_) => return Err(bad(n, "`event` must be a string")),
                None => return Err(bad(n, "missing `event` in a track call")),
            };
            let props = match obj.get("properties") {
                None | Some(Json::Null) => serde_json::Map::new(),
                Some(Json::Object(m)) => m.clone(),
                Some(_) => return Err(bad(n, "`properties` must be an object")),
            };
            let schema = programs.iter().find_map(|p| p.ir.events.get(&name));
            let declared = programs.iter().any(|p| p.event(&name).is_some());
            match schema {
                Some(schema) => {
                    let mut fields = Vec::new();
                    for (k, ty) in &schema.fields {
                        if let Some(val) = props.get(k) {
                            let value = json_value(val, ty)
                                .map_err(|e| bad(n, format!("property `{k}` of `{name}`: {e}")))?;
                            fields.push((Arc::from(k.as_str()), value));
                        }
                    }
                    LineKind::Track { name, fields }
                }
                None if declared => LineKind::Track {
                    name,
                    fields: Vec::new(),
                },
                None if name == "opened" || name == "clicked" => {
                    let tp = props
                        .get("touchpoint")
                        .and_then(Json::as_str)
                        .ok_or_else(|| {
                            bad(
                                n,
                                format!(
                                    "`{name}` needs a `touchpoint` property naming the message"
                                ),
                            )
                        })?;
                    let kind = if name == "opened" {
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
                    return Err(bad(
                        n,
                        format!("unknown event `{name}`: no journey replayed here uses it"),
                    ))
                }
            }
        }
        other => {
            return Err(bad(
                n,
                format!("`type` is `{other}`: only `track` and `identify` calls are replayed (`page`, `screen`, `group` and `alias` are ignored)"),
            ))
        }
    };
    Ok(Some(Parsed { user, time, kind }))
}

/// The JSON line for a record.
pub fn record_json(programs: &[Program], r: &Record) -> Json {
    let p = &programs[r.journey];
    let mut m = serde_json::Map::new();
    m.insert("customer".into(), Json::String(r.customer.clone()));
    m.insert("time".into(), Json::String(format_rfc3339(r.time)));
    m.insert("journey".into(), Json::String(p.ir.name.clone()));
    m.insert(
        "node".into(),
        r.node
            .map(|n| Json::String(p.node_id(n).to_string()))
            .unwrap_or(Json::Null),
    );
    m.insert(
        "action".into(),
        Json::String(super::describe::action_name(&r.action).to_string()),
    );
    let tp = |m: &mut serde_json::Map<String, Json>, t: usize| {
        m.insert(
            "touchpoint".into(),
            Json::String(p.touchpoint_names[t].clone()),
        );
        m.insert(
            "channel".into(),
            Json::String(p.channel_names[p.touchpoints[t].channel].clone()),
        );
    };
    match &r.action {
        Action::Sent { touchpoint } | Action::Credited { touchpoint } => tp(&mut m, *touchpoint),
        Action::Converted { goal } => {
            m.insert(
                "goal".into(),
                Json::String(
                    p.ir.goals
                        .get(*goal)
                        .map(|g| g.event.clone())
                        .unwrap_or_default(),
                ),
            );
        }
        Action::Suppressed {
            touchpoint, reason, ..
        } => {
            tp(&mut m, *touchpoint);
            m.insert("reason".into(), Json::String(reason.as_str().into()));
        }
        Action::Deferred { touchpoint, until } => {
            tp(&mut m, *touchpoint);
            m.insert("until".into(), Json::String(format_rfc3339(*until)));
            m.insert("reason".into(), Json::String("quiet_hours".into()));
        }
        Action::ReachedStage { stage } | Action::StageSkipped { stage } => {
            m.insert("stage".into(), Json::String(p.stage_names[*stage].clone()));
        }
        Action::Milestone { milestone } => {
            m.insert(
                "milestone".into(),
                Json::String(p.milestone_names[*milestone].clone()),
            );
        }
        Action::EventMatched { event } => {
            m.insert("event".into(), Json::String(p.event_names[*event].clone()));
        }
        Action::SplitAssigned { .. }
        | Action::Branch { .. }
        | Action::Set { .. }
        | Action::TimedOut
        | Action::Entered => {
            m.insert(
                "detail".into(),
                Json::String(super::describe::describe(p, r.node, &r.action)),
            );
        }
        Action::Left { reason } => {
            m.insert(
                "reason".into(),
                Json::String(super::describe::exit_reason(p, *reason)),
            );
        }
        Action::Ignored { event, .. } => {
            m.insert("event".into(), Json::String(p.event_names[*event].clone()));
            m.insert(
                "detail".into(),
                Json::String(super::describe::describe(p, r.node, &r.action)),
            );
        }
    }
    Json::Object(m)
}
