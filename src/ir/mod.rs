//! The intermediate representation: one journey as a graph of nodes.
//!
//! This is the single artefact both consumers use: [`crate::spec`] writes it as the JSON
//! automation spec, and [`crate::interp`] runs it. Everything a consumer needs is resolved here
//! (touchpoints with their channels, caps, quiet hours and consent; enum values with their
//! order); nothing is re-derived from the syntax tree.
//!
//! Node ids are readable paths derived from the structure (`onboarding.1.wait`,
//! `upgrade_trial_to_pro.0.split.offer_a.0.send`), so a small edit changes few ids.

pub mod clock;
pub mod decimal;
pub mod display;
pub mod fit;
pub mod graph;
pub mod graph_svg;
pub mod layout;
pub mod lower;
pub mod scenario;
pub mod simulation;

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The version of the IR and of the JSON spec written from it.
pub const SPEC_VERSION: u32 = 2;

/// Where a node or declaration came from: a file path relative to the project and a 1-based line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceRef {
    pub file: String,
    pub line: usize,
}

/// One journey, lowered.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Journey {
    pub spec_version: u32,
    pub name: String,
    pub source: SourceRef,
    pub trigger: Trigger,
    pub entry: Entry,
    /// `priority N` (0 when not written): when journeys of one customer compete at one instant
    /// (entering an exclusive group, the last slot of a cap), the higher goes first.
    #[serde(default)]
    pub priority: i64,
    /// `exclusive GROUP`: a customer is in at most one journey of the group at a time.
    #[serde(default)]
    pub exclusive: Option<String>,
    pub goals: Vec<Goal>,
    pub exits: Vec<ExitCriterion>,
    /// The whole customer schema, with types and defaults: a customer record is one schema, and
    /// whoever runs the journey needs every default to initialise it.
    pub attributes: BTreeMap<String, Attribute>,
    /// The events the journey refers to (trigger, goals, exits, waits, `event.FIELD`, and the
    /// `converts` and `requires` of its touchpoints), with their fields. Only these, so that a
    /// declaration added for another journey leaves this journey's spec unchanged.
    pub events: BTreeMap<String, EventSchema>,
    /// The channels of the touchpoints below.
    pub channels: BTreeMap<String, Channel>,
    /// The touchpoints the journey sends or reads (`opened(t)` and friends).
    pub touchpoints: BTreeMap<String, Touchpoint>,
    /// Sections in the order they run.
    pub stages: Vec<Stage>,
    /// The first node a customer reaches after entering; `None` for a journey without steps.
    pub start: Option<NodeId>,
    /// Every node, in source order.
    pub nodes: Vec<Node>,
    /// `per FIELD`: one instance per distinct value of the trigger event's field; every wait,
    /// goal and exit of an instance only takes events whose field equals its key. Absent for a
    /// journey of one instance per customer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per: Option<String>,
}

pub type NodeId = String;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    /// The event that starts the journey; empty (and absent from the spec) for a scheduled
    /// trigger.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub event: String,
    pub condition: Option<Expr>,
    /// `trigger every DAY HH:MM [local]`: entry without an event, at each such time, for every
    /// known customer (docs/semantics.md, "Scheduled triggers"). Absent for an event trigger,
    /// so those specs are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// `trigger when COND`: entry without an event, when an identify makes `condition` true
    /// having been false (docs/semantics.md, "Entry when a condition becomes true"). Absent
    /// (false) for every other trigger, so those specs are unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub when: bool,
}

/// When a scheduled trigger fires: `minute_of_day` on `day` (every day when `None`), in the
/// customer's zone when `local`, else in UTC.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schedule {
    pub day: Option<clock::Weekday>,
    pub minute_of_day: u32,
    pub local: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Entry {
    /// At most one entry per customer, ever.
    Once,
    /// A customer may enter again whenever they are not in the journey.
    Always,
    /// A customer may enter again when `period_secs` have passed since their last entry.
    Every { period_secs: u64 },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    pub event: String,
    pub condition: Option<Expr>,
    /// Counted only within this long of entry; `None` for no limit.
    pub within_secs: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExitCriterion {
    pub event: String,
    pub condition: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    #[serde(rename = "type")]
    pub ty: Type,
    pub default: Option<Value>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EventSchema {
    /// Field name to type, sorted by name.
    pub fields: BTreeMap<String, Type>,
    /// The name event logs give the event (`event signed_up as "Signed Up"`), when it has one;
    /// absent from the spec otherwise, so specs of journeys without one are unchanged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
}

/// A value type. Enums carry their values in order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Type {
    String,
    Int,
    Decimal,
    Bool,
    Duration,
    Date,
    Time,
    Enum {
        name: String,
        values: Vec<String>,
    },
    /// An IANA time zone name.
    Timezone,
    /// An instant, to the second (RFC 3339 in event logs).
    #[serde(rename = "datetime")]
    DateTime,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Channel {
    pub caps: Vec<Cap>,
    pub quiet: Option<Quiet>,
    /// A bool attribute that must be true for a send on this channel.
    pub consent: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cap {
    pub count: u64,
    pub per_secs: u64,
}

/// Quiet hours in minutes after midnight; `from > to` crosses midnight.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quiet {
    pub from_minute: u32,
    pub to_minute: u32,
    /// `quiet FROM..TO local`: minutes after midnight in the customer's time zone (its
    /// `timezone` attribute, else UTC); absent (UTC) otherwise.
    #[serde(default, skip_serializing_if = "is_false")]
    pub local: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Touchpoint {
    pub channel: String,
    pub template: String,
    pub subject: Option<String>,
    pub converts: Option<Conversion>,
    pub requires: Vec<String>,
    /// Exempt from caps, quiet hours and consent, and not counted towards caps.
    #[serde(default)]
    pub transactional: bool,
    /// `data { FIELD: TYPE, ... }`: the payload every send gives, field name to type, sorted
    /// by name. Absent from the spec when the touchpoint declares none.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub data: BTreeMap<String, Type>,
    /// `requires E where COND`: per required event, the condition it must have arrived with
    /// (reading `event.FIELD` of that event). Absent from the spec when no `requires` has one.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub requires_where: BTreeMap<String, Expr>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    pub event: String,
    pub within_secs: u64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    #[serde(flatten)]
    pub kind: StageKind,
    /// The stage's first node (its `enter_stage` node).
    pub entry: NodeId,
    pub source: SourceRef,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageKind {
    Onboarding,
    Stage,
    /// Runs only for customers whose `attribute` equals `from` on arrival.
    Upgrade {
        attribute: String,
        from: String,
        to: String,
    },
}

/// One step. In the spec the fields of `kind` (its `type` first) follow the id, so a node reads
/// as what it is and where it leads, then where it came from.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Node {
    pub id: NodeId,
    #[serde(flatten)]
    pub kind: NodeKind,
    /// The section the node belongs to.
    pub stage: String,
    pub source: SourceRef,
}

/// What a node does. `next: None` means the customer completes the journey there.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum NodeKind {
    /// Marks arrival in a stage (for funnels and `expect reached`). For an upgrade stage,
    /// `guard` must hold or the customer goes to `skip`.
    EnterStage {
        guard: Option<Expr>,
        next: Option<NodeId>,
        skip: Option<NodeId>,
    },
    Send {
        touchpoint: String,
        next: Option<NodeId>,
        /// `with { FIELD = EXPR, ... }`: the value of each field of the touchpoint's `data`,
        /// computed when the message goes out. Absent when the touchpoint declares no data.
        #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
        data: BTreeMap<String, Expr>,
    },
    Delay {
        secs: u64,
        next: Option<NodeId>,
    },
    /// Waits for `event` (matching `condition`) at most `timeout_secs` (for ever when `None`).
    WaitEvent {
        event: String,
        condition: Option<Expr>,
        timeout_secs: Option<u64>,
        on_event: Option<NodeId>,
        on_timeout: Option<NodeId>,
    },
    /// `wait up to D { on E1 { ... } on E2 { ... } } timeout { ... }`: waits at most
    /// `timeout_secs` for the first event that matches a branch (its event, and its `condition`
    /// holds); that branch's `next` is taken. Branches are tried in order and name distinct
    /// events. On the timeout, `on_timeout`.
    WaitAny {
        branches: Vec<WaitBranch>,
        timeout_secs: u64,
        on_timeout: Option<NodeId>,
    },
    /// The first arm whose condition holds is taken, else `otherwise`.
    Branch {
        arms: Vec<Arm>,
        otherwise: Option<NodeId>,
    },
    Split {
        variants: Vec<SplitVariant>,
    },
    Milestone {
        name: String,
        next: Option<NodeId>,
    },
    Set {
        attribute: String,
        value: Expr,
        next: Option<NodeId>,
    },
    /// `wait until EXPR`: waits until the instant `at` (a datetime expression). A time already
    /// past, or not set, continues at once; the time is evaluated again when the customer's
    /// attributes change while waiting (docs/semantics.md, "Waiting until a datetime").
    WaitUntil {
        at: Expr,
        next: Option<NodeId>,
    },
    /// `goto STAGE`: continues at that stage's entry node. (Named `target`, not `stage`: a
    /// node's own `stage` field sits beside it in the spec.)
    Goto {
        target: String,
        next: NodeId,
    },
    /// `exit`: the customer leaves the journey.
    Exit,
    /// `wait until [DAY] HH:MM [local]`: waits until the next time, strictly after the
    /// customer arrives, that is `minute_of_day` on `day` (any day when `None`), in the
    /// customer's zone when `local`, else in UTC (docs/semantics.md, "Clock waits").
    WaitClock {
        day: Option<clock::Weekday>,
        minute_of_day: u32,
        local: bool,
        next: Option<NodeId>,
    },
}

/// One `on EVENT [where COND] { ... }` of a [`NodeKind::WaitAny`]. In `condition` and in the
/// steps from `next` on, `event.FIELD` reads this branch's event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WaitBranch {
    pub event: String,
    pub condition: Option<Expr>,
    pub next: Option<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Arm {
    pub condition: Expr,
    pub next: Option<NodeId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SplitVariant {
    pub name: String,
    /// Share in basis points (1% = 100), summing to 10000 across variants.
    pub weight_bp: u32,
    /// The control group: the variant named `holdout`.
    pub holdout: bool,
    pub next: Option<NodeId>,
}

/// A constant.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "value", rename_all = "snake_case")]
pub enum Value {
    String(String),
    Int(i64),
    /// Exact; written as a JSON number when it reads back exactly, else as a string
    /// (`ir::decimal::json`).
    Decimal(#[serde(with = "decimal::json")] rust_decimal::Decimal),
    Bool(bool),
    /// Seconds.
    Duration(u64),
    /// `YYYY-MM-DD`.
    Date(String),
    /// Minutes after midnight.
    Time(u32),
    Enum(EnumValue),
    /// An IANA time zone name, `"Asia/Tokyo"`.
    Timezone(String),
    /// An instant, RFC 3339 in UTC: `2026-03-08T20:00:00Z`.
    #[serde(rename = "datetime")]
    DateTime(String),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EnumValue {
    pub enum_name: String,
    pub value: String,
    /// Position in the enum's declared order.
    pub index: usize,
}

/// An expression with every name resolved.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Expr {
    Const {
        value: Value,
    },
    Attr {
        name: String,
    },
    /// `event.FIELD`: a field of `event`, the event that ended the enclosing wait (or the
    /// trigger, goal or exit event in their conditions). The event is named so a consumer can
    /// keep the payload of each received event, and so the spec reads without the source.
    EventField {
        event: String,
        field: String,
    },
    /// `trigger.FIELD`: a field of `event`, the event that entered the customer (the
    /// trigger's), readable anywhere in the journey; a consumer keeps that payload for the
    /// whole entry.
    TriggerField {
        event: String,
        field: String,
    },
    /// `sent(t)`, `opened(t)`, `clicked(t)`: engagement with an earlier message of this entry.
    Engagement {
        kind: Engagement,
        touchpoint: String,
    },
    /// `sent(t) within D` (`of: sent`, `name` a touchpoint), `happened(e) within D` and
    /// `count(e within D)` (`name` an event): the customer's history across entries and
    /// journeys, within the last `within_secs` (a moment exactly that long ago included). A
    /// consumer answers it from a store shared by every journey of the customer
    /// (docs/exports.md, "History").
    History {
        of: HistoryOf,
        name: String,
        within_secs: u64,
    },
    Not {
        expr: Box<Expr>,
    },
    Neg {
        expr: Box<Expr>,
    },
    Binary {
        operator: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `now`: the current instant (a datetime).
    Now,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Engagement {
    Sent,
    Opened,
    Clicked,
}

/// What a history expression reads: sends of a touchpoint (a bool), arrivals of an event (a
/// bool), or the number of arrivals of an event (an int).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HistoryOf {
    Sent,
    Happened,
    Count,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BinOp {
    And,
    Or,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl Journey {
    /// The node with this id.
    pub fn node(&self, id: &str) -> Option<&Node> {
        self.nodes.iter().find(|n| n.id == id)
    }
}
