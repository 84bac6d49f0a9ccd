//! Replay state files (`journeyc run --state FILE`): what a replay knows at the end of a run,
//! saved so that the next run over the next part of the log continues every customer exactly
//! as one run over the whole log would (docs/event-logs.md#incremental-runs---state).
//!
//! A state file is JSON lines, written in one pass and read in one pass, so that a state of a
//! million customers never has to be one JSON value in memory:
//!
//! 1. a header: the format and its version, the journeyc version that wrote it, the shard, the
//!    replay's clock, how many lines of each kind follow, and a fingerprint of every part of
//!    every journey (each step, the trigger, the goals, ...) so that a state is refused by a
//!    journey that changed, naming what changed;
//! 2. one line per customer whose world is kept (`customer`), lines of done customers (`done`,
//!    many to a line), and the calls the reorder window still holds (`held`), in time order;
//! 3. a last line with the number of lines and an FNV-1a checksum of every byte before it, so a
//!    truncated or damaged file is an error, never a half-loaded state.

use super::order::Held;
use super::shard::Shard;
use super::Replay;
use crate::interp::program::{stable_hash, Program};
use crate::interp::time::Instant;
use crate::interp::world::{Cast, World};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Read, Write};

/// The format's name, in every header.
pub const FORMAT: &str = "journeyc-replay-state";
/// The version of the format: bumped when a file of the previous version would be read wrong.
pub const VERSION: u32 = 1;
/// Done customers written per line.
const DONE_PER_LINE: usize = 4096;
/// The longest line a state file may have (a customer's world is a few hundred bytes).
const MAX_LINE: u64 = 64 << 20;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    version: u32,
    journeyc: String,
    /// `K/N`, when the state is a shard's.
    shard: Option<String>,
    clock: Clock,
    journeys: Vec<Fingerprint>,
    customers: usize,
    done: usize,
    #[serde(default)]
    profiles: usize,
    held: usize,
}

/// The reorder window's clock: the latest time read, the count of calls read (which orders the
/// calls of one instant), and the time before which no later call may come.
#[derive(Serialize, Deserialize)]
struct Clock {
    latest: Option<Instant>,
    seq: u64,
    floor: Option<Instant>,
}

/// A journey as the state depends on it: by name, a hash of each part.
#[derive(Serialize, Deserialize, PartialEq)]
struct Fingerprint {
    name: String,
    parts: BTreeMap<String, String>,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Customer {
        id: String,
        world: World,
    },
    /// Customers done in the journeys of `journeys` (a bit per journey, in the header's order),
    /// by the hex of their 128-bit id key.
    Done {
        journeys: u64,
        ids: Vec<String>,
    },
    /// A customer forgotten but for a profile (and the journeys they are done in).
    Profile {
        id: String,
        journeys: u64,
        attrs: Vec<crate::interp::value::Val>,
    },
    Held(Held),
    End {
        lines: usize,
        checksum: String,
    },
}

/// Why a state file cannot be used.
#[derive(Debug)]
pub struct StateError(pub String);

impl std::fmt::Display for StateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The fingerprint of each part of a journey the saved state depends on: node indices, slots
/// and names. Source positions are left out, so that a comment or a moved line does not make a
/// state unusable.
fn fingerprint(p: &Program) -> Fingerprint {
    let hash = |v: serde_json::Value| -> String {
        let text = serde_json::to_string(&v).unwrap_or_default();
        format!("{:016x}", stable_hash(&[&text]))
    };
    let json = |v: &dyn erased::Ser| v.value();
    let ir = &p.ir;
    let mut parts = BTreeMap::new();
    parts.insert("trigger".to_string(), hash(json(&ir.trigger)));
    parts.insert("entry".to_string(), hash(json(&ir.entry)));
    parts.insert("goals".to_string(), hash(json(&ir.goals)));
    parts.insert("exit criteria".to_string(), hash(json(&ir.exits)));
    parts.insert(
        "customer attributes".to_string(),
        hash(json(&ir.attributes)),
    );
    parts.insert("events".to_string(), hash(json(&ir.events)));
    parts.insert("channels".to_string(), hash(json(&ir.channels)));
    parts.insert("touchpoints".to_string(), hash(json(&ir.touchpoints)));
    let stages: Vec<serde_json::Value> =
        ir.stages.iter().map(|s| without_source(json(s))).collect();
    parts.insert("stages".to_string(), hash(serde_json::Value::Array(stages)));
    parts.insert("start".to_string(), hash(json(&ir.start)));
    for (i, n) in ir.nodes.iter().enumerate() {
        let v = serde_json::json!([i, without_source(json(n))]);
        parts.insert(format!("step `{}`", n.id), hash(v));
    }
    Fingerprint {
        name: ir.name.clone(),
        parts,
    }
}

/// Serializing IR parts of different types through one closure.
mod erased {
    pub trait Ser {
        fn value(&self) -> serde_json::Value;
    }
    impl<T: serde::Serialize> Ser for T {
        fn value(&self) -> serde_json::Value {
            serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
        }
    }
}

fn without_source(mut v: serde_json::Value) -> serde_json::Value {
    if let Some(o) = v.as_object_mut() {
        o.remove("source");
    }
    v
}

/// Writes lines and hashes every byte written (FNV-1a, 64-bit) for the checksum.
struct Hashing<W> {
    inner: W,
    hash: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash = fnv(self.hash, &buf[..n]);
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

fn fnv(mut h: u64, bytes: &[u8]) -> u64 {
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn shard_text(s: Option<Shard>) -> Option<String> {
    s.map(|s| format!("{}/{}", s.index, s.count))
}

impl Replay<'_> {
    /// How many customers the state keeps whole, as done, and as a profile.
    pub fn kept(&self) -> (usize, usize, usize) {
        (self.customers.len(), self.done.len(), self.profiles.len())
    }

    /// How many calls the reorder window still holds.
    pub fn held_calls(&self) -> usize {
        self.order.held().len()
    }

    /// Writes the state (after [`Replay::finish_for_state`]). Deterministic: customers in the
    /// order of their ids, done customers in the order of their keys.
    pub fn save_state(&self, w: &mut dyn Write) -> std::io::Result<()> {
        let mut out = Hashing {
            inner: w,
            hash: FNV_OFFSET,
        };
        let held = self.order.held();
        let mut by_mask: BTreeMap<u64, Vec<u128>> = BTreeMap::new();
        for (k, m) in &self.done {
            by_mask.entry(*m).or_default().push(*k);
        }
        let header = Header {
            format: FORMAT.to_string(),
            version: VERSION,
            journeyc: env!("CARGO_PKG_VERSION").to_string(),
            shard: shard_text(self.shard),
            clock: Clock {
                latest: self.order.latest(),
                seq: self.order.seq,
                floor: self.order.floor,
            },
            journeys: self.programs.iter().map(fingerprint).collect(),
            customers: self.customers.len(),
            done: self.done.len(),
            profiles: self.profiles.len(),
            held: held.len(),
        };
        let mut lines = 1usize;
        serde_json::to_writer(&mut out, &header)?;
        out.write_all(b"\n")?;
        let mut ids: Vec<&String> = self.customers.keys().collect();
        ids.sort_unstable();
        for id in ids {
            // Written through a borrowed view: a million worlds are not cloned.
            #[derive(Serialize)]
            #[serde(rename_all = "snake_case")]
            enum LineRef<'a> {
                Customer { id: &'a str, world: &'a World },
            }
            let world = &self.customers[id];
            serde_json::to_writer(&mut out, &LineRef::Customer { id, world })?;
            out.write_all(b"\n")?;
            lines += 1;
        }
        for (mask, mut keys) in by_mask {
            keys.sort_unstable();
            for chunk in keys.chunks(DONE_PER_LINE) {
                let line = Line::Done {
                    journeys: mask,
                    ids: chunk.iter().map(|k| format!("{k:032x}")).collect(),
                };
                serde_json::to_writer(&mut out, &line)?;
                out.write_all(b"\n")?;
                lines += 1;
            }
        }
        let mut profiles: Vec<(&u128, &super::done::Profile)> = self.profiles.iter().collect();
        profiles.sort_unstable_by_key(|p| p.0);
        for (key, (mask, attrs)) in profiles {
            #[derive(Serialize)]
            #[serde(rename_all = "snake_case")]
            enum LineRef<'a> {
                Profile {
                    id: String,
                    journeys: u64,
                    attrs: &'a [crate::interp::value::Val],
                },
            }
            let line = LineRef::Profile {
                id: format!("{key:032x}"),
                journeys: *mask,
                attrs,
            };
            serde_json::to_writer(&mut out, &line)?;
            out.write_all(b"\n")?;
            lines += 1;
        }
        for h in held {
            #[derive(Serialize)]
            #[serde(rename_all = "snake_case")]
            enum LineRef<'a> {
                Held(&'a Held),
            }
            serde_json::to_writer(&mut out, &LineRef::Held(h))?;
            out.write_all(b"\n")?;
            lines += 1;
        }
        let end = Line::End {
            lines,
            checksum: format!("{:016x}", out.hash),
        };
        serde_json::to_writer(&mut out.inner, &end)?;
        out.inner.write_all(b"\n")?;
        out.flush()
    }

    /// Loads a state saved by [`Replay::save_state`], before the first line of the log. Refuses
    /// a state of another format version, another shard, or other journeys (naming what
    /// differs), and a damaged or truncated file.
    pub fn load_state(&mut self, r: &mut dyn BufRead) -> Result<(), StateError> {
        let mut hash = FNV_OFFSET;
        let mut line = String::new();
        let mut number = 0usize;
        let mut read = |line: &mut String, number: &mut usize| -> Result<bool, StateError> {
            line.clear();
            let n = r
                .take(MAX_LINE)
                .read_line(line)
                .map_err(|e| StateError(format!("cannot read the state: {e}")))?;
            if n == 0 {
                return Ok(false);
            }
            *number += 1;
            if !line.ends_with('\n') {
                return Err(StateError(format!(
                    "the state ends in the middle of line {number}: the file is truncated (was the disk full?)"
                )));
            }
            Ok(true)
        };
        if !read(&mut line, &mut number)? {
            return Err(StateError(
                "the state file is empty: it was not written by `journeyc run --state`".into(),
            ));
        }
        let header = parse_header(&line)?;
        hash = fnv(hash, line.as_bytes());
        self.check_header(&header)?;
        let mut customers = 0usize;
        let mut done_count = 0usize;
        let mut profile_count = 0usize;
        let mut held_count = 0usize;
        let mut end = None;
        loop {
            if !read(&mut line, &mut number)? {
                break;
            }
            let parsed: Line = serde_json::from_str(&line).map_err(|e| {
                StateError(format!(
                    "line {number} of the state is damaged ({e}); the file was changed or cut"
                ))
            })?;
            match parsed {
                Line::End { lines, checksum } => {
                    end = Some((lines, checksum, number));
                    break;
                }
                Line::Customer { id, mut world } => {
                    check_world(&self.cast, &world)
                        .and_then(|()| world.reattach(&self.cast))
                        .map_err(|e| StateError(format!("line {number} of the state: {e}")))?;
                    let h = stable_hash(&[&id]);
                    // serde gives each vector room for 4 (a customer's world would take
                    // 2.5 times its size in memory after a load).
                    world.instances.shrink_to_fit();
                    world.logs.shrink_to_fit();
                    for k in &mut world.keyed {
                        // Each instance of a keyed journey splits by the id and its key.
                        k.customer.id_hash = crate::interp::world::keyed::instance_hash(h, &k.key);
                    }
                    for c in &mut world.instances {
                        c.id_hash = h;
                        c.attrs.shrink_to_fit();
                        c.channel_log.shrink_to_fit();
                        if let Some(w) = c.watch.as_mut() {
                            w.last_sent.shrink_to_fit();
                        }
                        if let Some(r) = c.run.as_mut() {
                            r.last_sent.shrink_to_fit();
                            r.opened.shrink_to_fit();
                            r.clicked.shrink_to_fit();
                            r.milestones.shrink_to_fit();
                        }
                    }
                    self.customers.insert(id, world);
                    customers += 1;
                }
                Line::Profile {
                    id,
                    journeys,
                    attrs,
                } => {
                    let key = parse_key(&id, number)?;
                    let fits = self.same_schema
                        && self
                            .programs
                            .first()
                            .is_some_and(|p| p.attr_defaults.len() == attrs.len())
                        && (self.programs.len() >= 64 || journeys >> self.programs.len() == 0);
                    if !fits {
                        return Err(StateError(format!(
                            "line {number} of the state: a customer's profile does not fit the journeys"
                        )));
                    }
                    self.profiles
                        .insert(key, (journeys, attrs.into_boxed_slice()));
                    profile_count += 1;
                }
                Line::Done { journeys, ids } => {
                    if journeys == 0
                        || (self.programs.len() < 64 && journeys >> self.programs.len() != 0)
                    {
                        return Err(StateError(format!(
                            "line {number} of the state names journeys this run does not have"
                        )));
                    }
                    for id in ids {
                        let key = parse_key(&id, number)?;
                        self.done.insert(key, journeys);
                        done_count += 1;
                    }
                }
                Line::Held(h) => {
                    self.order.hold(h);
                    held_count += 1;
                }
            }
            hash = fnv(hash, line.as_bytes());
        }
        let Some((lines, checksum, at)) = end else {
            return Err(StateError(
                "the state has no end line: the file is truncated (was the run that wrote it killed before it renamed the file, or the disk full?)".into(),
            ));
        };
        if lines != at - 1 || checksum != format!("{hash:016x}") {
            return Err(StateError(
                "the state's checksum does not match its content: the file was changed or damaged after it was written".into(),
            ));
        }
        let counts = (customers, done_count, profile_count, held_count);
        if counts != (header.customers, header.done, header.profiles, header.held) {
            return Err(StateError(
                "the state holds other counts than its header says: the file was changed after it was written".into(),
            ));
        }
        if read(&mut line, &mut number)? {
            return Err(StateError(format!(
                "the state goes on after its end line (line {number}): the file was changed after it was written"
            )));
        }
        self.order.latest = header.clock.latest.map(|t| (t, 0));
        self.order.seq = header.clock.seq;
        self.order.floor = header.clock.floor;
        for (id, w) in &self.customers {
            if let Some(t) = w.deadline() {
                self.timers.push(std::cmp::Reverse((t, id.clone())));
            }
        }
        Ok(())
    }

    fn check_header(&self, h: &Header) -> Result<(), StateError> {
        if h.version != VERSION {
            return Err(StateError(format!(
                "the state is in version {} of the state format, written by journeyc {}; this journeyc {} reads version {VERSION}: finish the runs of that state with the version that wrote it, or start a new state",
                h.version, h.journeyc, env!("CARGO_PKG_VERSION")
            )));
        }
        if h.shard != shard_text(self.shard) {
            let says = |s: &Option<String>| match s {
                Some(s) => format!("shard {s}"),
                None => "all customers (no --shard)".to_string(),
            };
            return Err(StateError(format!(
                "the state is of {}, and this run replays {}: give each shard its own state file",
                says(&h.shard),
                says(&shard_text(self.shard))
            )));
        }
        let now: Vec<Fingerprint> = self.programs.iter().map(fingerprint).collect();
        if now == h.journeys {
            return Ok(());
        }
        let mut problems = Vec::new();
        let names = |v: &[Fingerprint]| v.iter().map(|f| f.name.clone()).collect::<Vec<_>>();
        if names(&now) != names(&h.journeys) {
            problems.push(format!(
                "the state was saved running the journeys {}, and this run has {}",
                list(&names(&h.journeys)),
                list(&names(&now))
            ));
        }
        for f in &now {
            let Some(old) = h.journeys.iter().find(|o| o.name == f.name) else {
                continue;
            };
            let mut diff = Vec::new();
            for (part, fp) in &f.parts {
                match old.parts.get(part) {
                    Some(o) if o == fp => {}
                    Some(_) => diff.push(format!("{part} changed")),
                    None => diff.push(format!("{part} is new")),
                }
            }
            for part in old.parts.keys() {
                if !f.parts.contains_key(part) {
                    diff.push(format!("{part} was removed"));
                }
            }
            if !diff.is_empty() {
                let more = diff.len().saturating_sub(12);
                diff.truncate(12);
                if more > 0 {
                    diff.push(format!("and {more} more"));
                }
                problems.push(format!(
                    "journey `{}` changed since the state was saved: {}",
                    f.name,
                    diff.join(", ")
                ));
            }
        }
        Err(StateError(format!(
            "the state was saved for another version of the journeys: {}; customers in flight stand at steps of the old version, so the state cannot be used with this one (run the old version to the end of its customers, or start a new state)",
            problems.join("; ")
        )))
    }
}

/// A customer key as the state writes it: 32 hex digits.
fn parse_key(id: &str, number: usize) -> Result<u128, StateError> {
    u128::from_str_radix(id, 16)
        .ok()
        .filter(|_| id.len() == 32)
        .ok_or_else(|| {
            StateError(format!(
                "line {number} of the state is damaged: `{id}` is not a customer key"
            ))
        })
}

fn list(names: &[String]) -> String {
    if names.is_empty() {
        return "(none)".to_string();
    }
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn parse_header(line: &str) -> Result<Header, StateError> {
    let not_state = || {
        StateError(
            "the file is not a journeyc state (its first line is not a state header); `--state` takes a file written by `journeyc run --state`".into(),
        )
    };
    let v: serde_json::Value = serde_json::from_str(line).map_err(|_| not_state())?;
    if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_state());
    }
    if let Some(version) = v.get("version").and_then(|f| f.as_u64()) {
        if version != u64::from(VERSION) {
            return Err(StateError(format!(
                "the state is in version {version} of the state format (written by journeyc {}); this journeyc {} reads version {VERSION}: finish the runs of that state with the version that wrote it, or start a new state",
                v.get("journeyc").and_then(|f| f.as_str()).unwrap_or("?"),
                env!("CARGO_PKG_VERSION")
            )));
        }
    }
    serde_json::from_value(v)
        .map_err(|e| StateError(format!("the state's header is damaged ({e})")))
}

/// Refuses a world whose shape does not fit the journeys (a file edited by hand), which the
/// engine would otherwise index out of bounds.
fn check_world(cast: &Cast, w: &World) -> Result<(), String> {
    let ps = cast.programs;
    let bad = |what: &str| Err(format!("a customer's {what} does not fit the journeys"));
    if w.instances.len() != ps.len() || w.logs.logs().len() != cast.channel_names.len() {
        return bad("journeys or channels");
    }
    for log in w.logs.logs() {
        for m in log {
            let ok = ps
                .get(m.journey as usize)
                .is_some_and(|p| (m.touchpoint as usize) < p.touchpoints.len());
            if !ok {
                return bad("send log");
            }
        }
    }
    let keyed = w.keyed.iter().map(|k| (k.journey as usize, &k.customer));
    for (j, c) in w.instances.iter().enumerate().chain(keyed) {
        let Some(p) = ps.get(j) else {
            return bad("instances");
        };
        let n_tp = p.touchpoints.len();
        let node_ok = |n: usize| n < p.nodes.len();
        let clock_ok = |n: usize| {
            matches!(
                p.nodes.get(n),
                Some(crate::interp::program::CNode::WaitClock { .. })
            )
        };
        let ok = c.attrs.len() == p.attr_defaults.len()
            && c.channel_log.len() == p.channels.len()
            && c.channel_log.iter().all(Vec::is_empty)
            && c.journey as usize == j
            && c.watch.as_ref().is_none_or(|w| w.last_sent.len() == n_tp)
            && c.run.as_ref().is_none_or(|r| {
                r.last_sent.len() == n_tp
                    && r.opened.len() == n_tp
                    && r.clicked.len() == n_tp
                    && r.milestones.len() == p.milestone_names.len()
                    && r.event
                        .as_ref()
                        .is_none_or(|e| e.event.is_none_or(|e| e < p.event_names.len()))
                    && match &r.park {
                        crate::interp::engine::Park::Running => false,
                        crate::interp::engine::Park::Delay { next, .. } => next.is_none_or(node_ok),
                        crate::interp::engine::Park::Wait { node, .. }
                        | crate::interp::engine::Park::Deferred { node, .. } => node_ok(*node),
                        crate::interp::engine::Park::Until { node, .. } => {
                            node_ok(*node)
                                && matches!(
                                    p.nodes[*node],
                                    crate::interp::program::CNode::WaitUntil { .. }
                                )
                        }
                        crate::interp::engine::Park::Clock { node, .. } => clock_ok(*node),
                    }
            });
        if !ok {
            return bad(&format!("state in journey `{}`", p.ir.name));
        }
    }
    Ok(())
}
