//! Replaying an event log (Segment-style JSON lines) through journeys, in timestamp order.
//!
//! The log is read one line at a time and decoded into calls ([`segment`], with [`coerce`] and
//! [`stamp`]); calls are held by the reorder window ([`order`]) and run in time order, for the
//! customers of one [`shard`] or all. State is kept per customer who has been seen, and a
//! queue of timers (waits and delays) runs them in global time order, so actions come out
//! sorted by time. Bad lines are reported with their line number; the caller decides whether a
//! bad line stops the replay. docs/event-logs.md is the user's account of all this.

use super::engine::{Action, NotEntered};
use super::program::Program;
use super::time::{format_rfc3339, Instant};
use super::world::{Cast, World, WorldObserver};
use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;
use std::cell::Cell;
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::io::{BufRead, Read};
use std::sync::Arc;

pub mod coerce;
pub mod done;
mod order;
mod record;
mod segment;
pub mod shard;
mod stamp;
pub mod state;

pub use coerce::Coercion;
use order::Reorder;
pub use order::DEFAULT_WINDOW as DEFAULT_REORDER_WINDOW;
pub use record::write_record;
use segment::{decode_line, LineKind, LogNames, Parsed};
use shard::Shard;

/// The longest line of an event log, in bytes, counting a `\r` before the newline but not the
/// newline: 1 MiB. A Segment call is a few hundred bytes; a longer line is a bad line (reported
/// with its number, then skipped without being held in memory), so a log that never ends a line
/// (`/dev/zero`, a binary file) cannot fill memory.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// The map of customers is first swept for done ones at this size (see `Replay::sweep`).
const SWEEP_FROM: usize = 4096;

/// Reads an event log line by line, holding at most [`MAX_LINE_BYTES`] of a line in memory.
pub struct LogLines<R> {
    reader: R,
    buf: Vec<u8>,
    number: usize,
    /// The last line was too long: its rest is skipped before the next line is read.
    skip_rest: bool,
}

impl<R: BufRead> LogLines<R> {
    pub fn new(reader: R) -> Self {
        LogLines {
            reader,
            buf: Vec::new(),
            number: 0,
            skip_rest: false,
        }
    }

    /// The next line and its number (from 1), without its line ending; a line longer than
    /// [`MAX_LINE_BYTES`] or not in UTF-8 is a bad line. `Ok(None)` at the end of the log;
    /// `Err` when the log cannot be read.
    pub fn next_line(&mut self) -> std::io::Result<Option<(usize, Result<&str, BadLine>)>> {
        if std::mem::take(&mut self.skip_rest) && self.reader.skip_until(b'\n')? == 0 {
            return Ok(None);
        }
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        if (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)?
            == 0
        {
            return Ok(None);
        }
        self.number += 1;
        let n = self.number;
        let line = match self.buf.strip_suffix(b"\n") {
            Some(l) => l.strip_suffix(b"\r").unwrap_or(l),
            None if self.buf.len() > MAX_LINE_BYTES => {
                self.skip_rest = true;
                return Ok(Some((
                    n,
                    Err(bad(
                        n,
                        format!(
                            "the line is longer than {} MiB ({MAX_LINE_BYTES} bytes), the most an event-log line may hold; is this a JSON lines file?",
                            MAX_LINE_BYTES >> 20
                        ),
                    )),
                )));
            }
            None => &self.buf,
        };
        Ok(Some((
            n,
            std::str::from_utf8(line).map_err(|e| {
                bad(
                    n,
                    format!(
                        "not valid UTF-8 at byte {} of the line; event logs are UTF-8 JSON",
                        e.valid_up_to() + 1
                    ),
                )
            }),
        )))
    }
}

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
    /// The key of the instance, for a journey with `per FIELD`.
    pub key: Option<Arc<str>>,
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
    /// Timestamps on a leap second (`23:59:60` UTC), read as `23:59:59`.
    pub leap_seconds: usize,
    pub customers: usize,
    pub entered: usize,
    pub in_flight: usize,
    /// Events that arrived while nothing in a journey waited for them (`Action::Ignored`).
    pub ignored_events: usize,
    /// `track` calls of events no journey reads (most of a real export): not bad lines.
    pub unread: usize,
    /// The first few names of those events, with how often each came.
    pub unread_names: Vec<(String, usize)>,
    /// Trait and property values not of the declared type, by field ("trait `seats`") and how
    /// each was read (`None`: it could not be, and was dropped from its call).
    pub fields: BTreeMap<(String, Option<Coercion>), FieldNote>,
    /// Calls of customers of other shards (`--shard`): read for their time only.
    pub other_shards: usize,
}

/// How often one field's values were coerced or dropped.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldNote {
    pub count: usize,
    pub first_line: usize,
    /// For a dropped value, why the first one could not be read.
    pub example: String,
}

pub struct Replay<'p> {
    programs: &'p [Program],
    /// The journeys run together for each customer.
    cast: Cast<'p>,
    /// The customers whose state differs from a new customer's and who are not [`done`].
    customers: HashMap<String, World>,
    /// The customers who are done (entered `once` and left for good, see [`done`]): by
    /// [`done::id_key`], the journeys they are done in (one bit each).
    done: HashMap<u128, u64, done::Keys>,
    /// The customers forgotten but for a profile (and the journeys they are done in), by key.
    profiles: HashMap<u128, done::Profile, done::Keys>,
    /// Whether the journeys declare the same attributes (see [`done::same_schema`]).
    same_schema: bool,
    /// The longest cap window of each world channel (to forget sends no cap counts).
    windows: Vec<i64>,
    /// When the map of customers reaches this size, the customers who became done since they
    /// were last seen are moved to `done` (see [`Replay::sweep`]).
    next_sweep: usize,
    /// Every customer id seen, hashed, for the summary's count of distinct customers.
    seen: HashSet<u64, done::Keys>,
    timers: BinaryHeap<Reverse<(Instant, String)>>,
    last_time: Option<(Instant, usize)>,
    explain: Option<String>,
    /// The names a log may give the journeys' events.
    names: LogNames,
    /// Calls read but not yet run, held to be run in time order.
    order: Reorder,
    /// Run only this shard's customers (`--shard K/N`).
    shard: Option<Shard>,
    /// What a customer's step produced, reused from call to call.
    items: Vec<Item>,
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
    /// The key of the keyed instance acting now (see [`WorldObserver::instance`]).
    key: Option<Arc<str>>,
}

impl WorldObserver for Collect<'_> {
    fn instance(&mut self, _journey: usize, key: Option<&str>) {
        self.key = key.map(Arc::from);
    }
    fn action(&mut self, journey: usize, time: Instant, node: Option<usize>, action: &Action) {
        self.items.push(Item::Record(Record {
            customer: self.customer.to_string(),
            journey,
            time,
            node,
            action: action.clone(),
            key: self.key.clone(),
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
                key: self.key.clone(),
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
    fn wants_data(&self) -> bool {
        true
    }
}

impl<'p> Replay<'p> {
    pub fn new(programs: &'p [Program], explain: Option<String>) -> Self {
        let cast = Cast::new(programs);
        Replay {
            programs,
            windows: done::channel_windows(&cast),
            cast,
            customers: HashMap::new(),
            done: HashMap::default(),
            profiles: HashMap::default(),
            same_schema: done::same_schema(programs),
            next_sweep: SWEEP_FROM,
            seen: HashSet::default(),
            timers: BinaryHeap::new(),
            last_time: None,
            explain,
            names: LogNames::new(programs),
            order: Reorder::new(DEFAULT_REORDER_WINDOW),
            shard: None,
            items: Vec::new(),
            summary: Summary::default(),
        }
    }

    /// Sets the reorder window, in seconds (see [`order`]); before the first line.
    pub fn set_reorder_window(&mut self, secs: i64) {
        self.order = Reorder::new(secs.max(0));
    }

    /// Runs only the customers of one shard; the calls of the others still set the log's time,
    /// so timers run to the same end as in a whole run.
    pub fn set_shard(&mut self, shard: Shard) {
        self.shard = Some(shard);
    }

    /// How many calls came before a call they follow in time and were sorted, and the most
    /// one came late by, in seconds.
    pub fn reordered(&self) -> (usize, i64) {
        (self.order.sorted, self.order.most_late)
    }

    /// Runs `f` on the customer's world at `now`, then files its next timer, or forgets the
    /// customer when they are new or done again.
    fn with_customer(
        &mut self,
        id: &str,
        now: Instant,
        sink: &mut dyn Sink,
        f: &mut dyn FnMut(&Cast, &mut World, &mut Collect),
    ) -> std::io::Result<()> {
        let explain = self.explain.as_deref() == Some(id);
        let programs = self.programs;
        let mut items = std::mem::take(&mut self.items);
        if self.seen.insert(super::program::stable_hash(&[id])) {
            self.summary.customers += 1;
        }
        let cast = &self.cast;
        if !self.customers.contains_key(id) {
            // Met for the first time, or again after being forgotten: the id is copied only then.
            let key = done::id_key(id);
            let w = match self.done.remove(&key) {
                Some(mask) => done::restore(cast, id, mask, None),
                None => match self.profiles.remove(&key) {
                    Some((mask, profile)) => done::restore(cast, id, mask, Some(&profile)),
                    None => World::new(cast, id),
                },
            };
            self.customers.insert(id.to_string(), w);
        }
        let Some(world) = self.customers.get_mut(id) else {
            return Ok(());
        };
        let mut obs = Collect {
            items: &mut items,
            customer: id,
            explain,
            ignored: 0,
            key: None,
        };
        f(cast, world, &mut obs);
        self.summary.ignored_events += obs.ignored;
        let next = world.deadline();
        let forget = done::forget(cast, world, now, &self.windows, self.same_schema);
        for c in world.instances.iter_mut().filter(|c| !c.in_journey()) {
            // Buffers kept for a next entry only save allocations in simulations.
            c.spare = None;
        }
        for k in world.keyed.iter_mut().filter(|k| !k.customer.in_journey()) {
            k.customer.spare = None;
        }
        if let Some(kept) = forget {
            self.customers.remove(id);
            keep(&mut self.done, &mut self.profiles, id, kept);
        }
        if let Some(t) = next {
            self.timers.push(Reverse((t, id.to_string())));
        }
        // Several journeys may act at different instants of one step: keep time order, and
        // within an instant the order things happened in.
        items.sort_by_key(Item::time);
        let mut result = Ok(());
        for item in items.drain(..) {
            if result.is_err() {
                continue;
            }
            match item {
                Item::Record(r) => {
                    if matches!(r.action, Action::Entered) {
                        self.summary.entered += 1;
                    }
                    result = sink.record(programs, &r);
                }
                Item::Ignored(r) => sink.ignored(programs, &r),
                Item::Detail(j, t, n, text) => sink.explain(j, t, n, text),
            }
        }
        // The buffer is kept for the next call.
        self.items = items;
        result
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
            self.with_customer(&id, due, sink, &mut |cast, w, obs| {
                w.advance(cast, due, obs)
            })?;
        }
        Ok(())
    }

    /// Handles one line of the log (one call, or a batch of them): the calls that could not be
    /// replayed, in order (bad lines); `Err` is an output error.
    pub fn line(
        &mut self,
        number: usize,
        text: &str,
        sink: &mut dyn Sink,
    ) -> std::io::Result<Vec<BadLine>> {
        self.summary.lines += 1;
        // A log written by a Windows tool may start with a byte order mark.
        let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
        if text.trim().is_empty() {
            return Ok(Vec::new());
        }
        let mut bad_calls = Vec::new();
        for call in decode_line(self.programs, &self.names, number, text, &mut self.summary) {
            match call {
                Ok(Some(parsed)) => {
                    if let Err(bad) = self.order.push(number, parsed) {
                        bad_calls.push(bad);
                    }
                }
                Ok(None) => {}
                Err(bad) => bad_calls.push(bad),
            }
        }
        self.run_held(false, sink)?;
        Ok(bad_calls)
    }

    /// Runs the held calls the reorder window lets go (all of them when `all`).
    fn run_held(&mut self, all: bool, sink: &mut dyn Sink) -> std::io::Result<()> {
        while let Some((number, call)) = self.order.pop(all) {
            self.call(number, call, sink)?;
        }
        Ok(())
    }

    /// Runs one call, after the timers due before it. Calls come in time order.
    fn call(&mut self, number: usize, parsed: Parsed, sink: &mut dyn Sink) -> std::io::Result<()> {
        self.last_time = Some((parsed.time, number));
        if parsed.leap_second {
            self.summary.leap_seconds += 1;
        }
        if self.shard.is_some_and(|s| !s.owns(&parsed.user)) {
            self.summary.other_shards += 1;
            return Ok(());
        }
        self.run_timers(parsed.time, false, sink)?;
        let t = parsed.time;
        match parsed.kind {
            LineKind::Identify(traits) => {
                self.summary.identifies += 1;
                self.with_customer(&parsed.user, t, sink, &mut |cast, w, obs| {
                    w.identify(cast, t, &traits, obs);
                })?;
            }
            LineKind::Track { name, fields } => {
                self.summary.events += 1;
                self.with_customer(&parsed.user, t, sink, &mut |cast, w, obs| {
                    w.event(cast, t, &name, &fields, obs);
                })?;
            }
            LineKind::Engage { kind, touchpoint } => {
                self.summary.events += 1;
                self.with_customer(&parsed.user, t, sink, &mut |cast, w, obs| {
                    w.engage(cast, t, kind, &touchpoint, obs);
                })?;
            }
        }
        if self.customers.len() >= self.next_sweep {
            self.sweep(t);
        }
        Ok(())
    }

    /// Moves the customers who are done or new at `now` (their last goal window closed since
    /// their last call) from the map to the done set. Run when the map has doubled since the
    /// last sweep, so its cost per call stays constant.
    fn sweep(&mut self, now: Instant) {
        let (cast, windows, same) = (&self.cast, &self.windows, self.same_schema);
        let (done, profiles) = (&mut self.done, &mut self.profiles);
        self.customers
            .retain(|id, w| match done::forget(cast, w, now, windows, same) {
                Some(kept) => {
                    keep(done, profiles, id, kept);
                    false
                }
                None => true,
            });
        self.next_sweep = (self.customers.len() * 2).max(SWEEP_FROM);
    }

    /// The time of the latest event read, if any.
    pub fn last_event_time(&self) -> Option<Instant> {
        self.order.latest()
    }

    /// Ends a run whose state is saved for the next (`--state`): runs the held calls and the
    /// timers that no later call can come before, and leaves the rest for the next run, so
    /// that runs over consecutive parts of a log do what one run over the whole log does.
    /// A later call may come as early as the reorder window before the latest call, or, with
    /// `until`, at `until` (the log holds every call before it); what is before the later of
    /// the two is done now, and calls before it are refused in the next run.
    pub fn finish_for_state(
        &mut self,
        until: Option<Instant>,
        sink: &mut dyn Sink,
    ) -> std::io::Result<()> {
        let bound = self.order.earliest_next().max(until);
        if let Some(b) = bound {
            while let Some((number, call)) = self.order.pop_before(b) {
                self.call(number, call, sink)?;
            }
            self.run_timers(b, false, sink)?;
            self.order.floor = Some(b);
        }
        self.end_counts(sink);
        Ok(())
    }

    /// How many customers are still in a journey, and where the explained one stands.
    fn end_counts(&mut self, sink: &mut dyn Sink) {
        self.summary.in_flight = self.customers.values().filter(|w| w.in_flight()).count();
        if let Some(w) = self.explain.as_ref().and_then(|id| self.customers.get(id)) {
            for (j, text) in super::world::standing::of(&self.cast, w) {
                sink.standing(self.programs, j, text);
            }
        }
    }

    /// Runs the timers due up to `until` (default: the last event's time) and counts the
    /// customers still in a journey.
    pub fn finish(&mut self, until: Option<Instant>, sink: &mut dyn Sink) -> std::io::Result<()> {
        self.run_held(true, sink)?;
        if let Some(t) = until.or(self.last_time.map(|l| l.0)) {
            self.run_timers(t, true, sink)?;
        }
        self.end_counts(sink);
        Ok(())
    }
}

/// Files what is left of a forgotten customer: nothing, the journeys they are done in, or
/// those and their profile.
fn keep(
    done: &mut HashMap<u128, u64, done::Keys>,
    profiles: &mut HashMap<u128, done::Profile, done::Keys>,
    id: &str,
    (mask, profile): done::Forgotten,
) {
    match profile {
        Some(p) => {
            profiles.insert(done::id_key(id), (mask, p));
        }
        None if mask != 0 => {
            done.insert(done::id_key(id), mask);
        }
        None => {}
    }
}

/// A JSON value read as `serde_json::Value` reads it, except that a key given twice in one
/// object is an error naming the key (kept in `.0`): serde_json keeps the last value silently, so
/// `{"type":"identify",…,"type":"track"}` would replay as a track call. The check costs nothing:
/// the insert that builds the map is the one that finds the key already there.
#[derive(Clone, Copy)]
struct Strict<'a>(&'a Cell<Option<String>>);

impl<'de> DeserializeSeed<'de> for Strict<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict<'_> {
    type Value = Json;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Json, E> {
        Ok(Json::Number(n.into()))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Json::Null, Json::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Json, E> {
        Ok(Json::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Json, E> {
        Ok(Json::String(s))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(self)? {
            items.push(v);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut m = serde_json::Map::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(self)?;
            match m.entry(k) {
                serde_json::map::Entry::Vacant(e) => {
                    e.insert(v);
                }
                serde_json::map::Entry::Occupied(e) => {
                    self.0.set(Some(e.key().clone()));
                    return Err(A::Error::custom("duplicate key"));
                }
            }
        }
        Ok(Json::Object(m))
    }
}

/// Parses one line of JSON, refusing a key given twice in one object.
fn parse_json(n: usize, text: &str) -> Result<Json, BadLine> {
    let duplicate = Cell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = Strict(&duplicate)
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v));
    parsed.map_err(|e| match duplicate.take() {
        Some(key) => bad(
            n,
            format!(
                "the key {} is given twice in one object (column {}); keep one",
                shown(&key),
                e.column()
            ),
        ),
        None => bad(n, format!("not valid JSON: {e}")),
    })
}

/// A string from the log as a message shows it: in backquotes, with control characters
/// escaped and cut after 80 characters, so a hostile log cannot garble the terminal or flood it.
fn shown(s: &str) -> String {
    let mut out = String::from("`");
    for (i, c) in s.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out.push('`');
    out
}

fn bad(line: usize, message: impl Into<String>) -> BadLine {
    BadLine {
        line,
        message: message.into(),
    }
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
        Action::Sent { touchpoint, data } => {
            tp(&mut m, *touchpoint);
            if let Some(d) = data {
                m.insert("data".into(), super::payload::json(p, *touchpoint, d));
            }
        }
        Action::Credited { touchpoint } => tp(&mut m, *touchpoint),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(usize, Result<String, String>)> {
        let mut log = LogLines::new(input);
        let mut out = Vec::new();
        while let Some((n, line)) = log.next_line().expect("a slice reads") {
            out.push((n, line.map(str::to_owned).map_err(|b| b.message)));
        }
        out
    }

    #[test]
    fn lines_end_at_the_limit_and_numbering_goes_on_after_a_long_one() {
        let at_limit = "a".repeat(MAX_LINE_BYTES);
        let over = "b".repeat(MAX_LINE_BYTES + 1);
        let input = format!("x\r\n{at_limit}\n{over}\ny\nlast");
        let got = lines(input.as_bytes());
        assert_eq!(got.len(), 5);
        assert_eq!(got[0], (1, Ok("x".to_string())));
        assert_eq!(got[1].1.as_deref().map(str::len), Ok(MAX_LINE_BYTES));
        assert_eq!(got[2].0, 3);
        assert!(got[2]
            .1
            .as_ref()
            .is_err_and(|e| e.contains("longer than 1 MiB")));
        assert_eq!(got[3], (4, Ok("y".to_string())));
        assert_eq!(got[4], (5, Ok("last".to_string())));
        // A long last line with no newline ends the log; one at the limit is read whole.
        let got = lines(format!("x\n{over}").as_bytes());
        assert_eq!(got.len(), 2);
        assert!(got[1].1.is_err());
        let got = lines(format!("x\n{at_limit}").as_bytes());
        assert_eq!(got[1].1.as_deref().map(str::len), Ok(MAX_LINE_BYTES));
    }

    #[test]
    fn strict_json_reads_what_serde_json_reads_and_refuses_keys_given_twice() {
        let text =
            r#"{"a":[1,-2,18446744073709551615,1.5e3,"s\n",null,true,{}],"b":{"c":{"d":0.1}}}"#;
        let strict = parse_json(1, text).expect("valid");
        let plain: Json = serde_json::from_str(text).expect("valid");
        assert_eq!(strict, plain);
        for (text, key) in [
            (r#"{"type":"a","type":"b"}"#, "`type`"),
            (r#"{"p":{"x":1,"y":2,"x":3}}"#, "`x`"),
            (r#"[{"k\u0000":1,"k\u0000":2}]"#, "`k\\0`"),
        ] {
            let e = parse_json(4, text).expect_err(text);
            assert_eq!(e.line, 4);
            assert!(
                e.message
                    .starts_with(&format!("the key {key} is given twice")),
                "{}",
                e.message
            );
        }
        assert!(
            parse_json(1, r#"{"a":1} x"#).is_err_and(|e| e.message.starts_with("not valid JSON"))
        );
    }
}
