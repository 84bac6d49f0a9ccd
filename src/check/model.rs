//! The checked model: what the checker hands to lowering once a project has no errors.
//!
//! Declarations are resolved into tables keyed by name (a `BTreeMap`, so iteration order is
//! stable); journeys, tests and simulations keep their syntax trees, which the checker has
//! validated: every name in them resolves and every expression has its expected type.

use crate::source::{FileId, Span};
use crate::syntax::ast;
use std::collections::BTreeMap;

/// The name of the current instant in expressions. No keyword: it means the current instant
/// only where no attribute or enum value is called `now`.
pub const NOW: &str = "now";

/// The type of an attribute, an event field or an expression.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Type {
    Str,
    Int,
    Decimal,
    Bool,
    Duration,
    Date,
    Time,
    /// A value of the named enum.
    Enum(String),
    /// An IANA time zone name (`"Asia/Tokyo"`), checked against the bundled zone database.
    Timezone,
    /// An instant (`2026-03-08T15:00:00-05:00`, `now`), to the second, in UTC.
    DateTime,
}

impl Type {
    /// The name as written in a `.journey` file.
    pub fn name(&self) -> String {
        match self {
            Type::Str => "string".into(),
            Type::Int => "int".into(),
            Type::Decimal => "decimal".into(),
            Type::Bool => "bool".into(),
            Type::Duration => "duration".into(),
            Type::Date => "date".into(),
            Type::Time => "time".into(),
            Type::Enum(e) => e.clone(),
            Type::Timezone => "timezone".into(),
            Type::DateTime => "datetime".into(),
        }
    }

    /// The name with its article, for messages: "an int", "a string".
    pub fn a(&self) -> String {
        let name = self.name();
        let vowel = name.starts_with(['a', 'e', 'i', 'o', 'u']);
        format!("{} {name}", if vowel { "an" } else { "a" })
    }

    pub fn is_numeric(&self) -> bool {
        matches!(self, Type::Int | Type::Decimal)
    }
}

/// A constant value of a known type.
#[derive(Clone, Debug, PartialEq)]
pub enum Const {
    Str(String),
    Int(i64),
    Decimal(rust_decimal::Decimal),
    Bool(bool),
    /// Seconds.
    Duration(u64),
    Date(ast::Date),
    /// Minutes after midnight.
    Time(u32),
    /// An enum value by name, with its position in the enum's order.
    Enum {
        ty: String,
        value: String,
        index: usize,
    },
    /// An IANA time zone name, as the bundled database spells it.
    Timezone(String),
    /// An instant: seconds since 1970-01-01T00:00:00Z.
    DateTime(i64),
}

/// Where a declaration was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub file: FileId,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct EnumDef {
    pub name: String,
    /// In declared order: the order an `upgrade` climbs.
    pub values: Vec<String>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct AttrDef {
    pub name: String,
    pub ty: Type,
    /// The value a customer has when nothing else set it.
    pub default: Option<Const>,
    pub origin: Origin,
}

#[derive(Clone, Debug)]
pub struct EventDef {
    pub name: String,
    /// `as "Signed Up"`: the name event logs give the event, when it is not `name`.
    pub log_name: Option<String>,
    /// Fields in declared order.
    pub fields: Vec<(String, Type)>,
    pub origin: Origin,
    /// Where each field of `fields` is declared (same order): diagnostics point at it.
    pub field_spans: Vec<Span>,
}

#[derive(Clone, Debug)]
pub struct Cap {
    pub count: u64,
    pub per_secs: u64,
    /// Where `cap N per D` is written, for diagnostics.
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct ChannelDef {
    pub name: String,
    pub caps: Vec<Cap>,
    /// Quiet hours as minutes after midnight, `from..to`; `from > to` crosses midnight.
    pub quiet: Option<(u32, u32)>,
    /// A bool attribute that must be true to send on this channel.
    pub consent: Option<String>,
    /// Where `consent ATTR` is written, for diagnostics.
    pub consent_span: Option<Span>,
    pub origin: Origin,
    /// `quiet FROM..TO local`: the quiet hours are read in the customer's time zone.
    pub quiet_local: bool,
}

#[derive(Clone, Debug)]
pub struct TouchpointDef {
    pub name: String,
    pub channel: String,
    pub template: String,
    pub subject: Option<String>,
    /// The conversion event credited to this touchpoint, and the window in seconds.
    pub converts: Option<(String, u64)>,
    /// Events that must have happened before this touchpoint is sent.
    pub requires: Vec<String>,
    /// Where each of `requires` is named, in the same order, for diagnostics.
    pub requires_spans: Vec<Span>,
    /// `requires E where COND`: the condition each of `requires` must have met, in the same
    /// order (`None` for a plain `requires E`).
    pub requires_where: Vec<Option<crate::syntax::ast::Expr>>,
    /// `transactional`: exempt from caps, quiet hours and consent, and not counted by caps.
    pub transactional: bool,
    pub origin: Origin,
    /// `data { FIELD: TYPE, ... }`: what every send must give; `None` when not written.
    pub data: Option<DataDef>,
}

/// A touchpoint's `data { ... }` declaration.
#[derive(Clone, Debug)]
pub struct DataDef {
    /// Fields in declared order, each with its type and where its name is written. A field
    /// whose type is unknown is kept with `None`, so sends giving it are not told it is unknown.
    pub fields: Vec<(String, Option<Type>, Span)>,
    /// The whole `data { ... }`, for the second label of payload diagnostics.
    pub span: Span,
}

impl DataDef {
    pub fn field(&self, name: &str) -> Option<&(String, Option<Type>, Span)> {
        self.fields.iter().find(|(n, _, _)| n == name)
    }
}

#[derive(Clone, Debug)]
pub struct JourneyDef {
    pub name: String,
    pub file: FileId,
    pub decl: ast::JourneyDecl,
}

impl JourneyDef {
    pub fn trigger(&self) -> Option<&ast::Trigger> {
        self.decl.parts.iter().find_map(|p| match p {
            ast::JourneyPart::Trigger(t) => Some(t),
            _ => None,
        })
    }

    /// The scheduled trigger (`trigger every DAY HH:MM`), if that is how the journey starts.
    pub fn schedule(&self) -> Option<&ast::Schedule> {
        self.decl.parts.iter().find_map(|p| match p {
            ast::JourneyPart::Schedule(s) => Some(s),
            _ => None,
        })
    }

    /// The condition trigger (`trigger when COND`), if that is how the journey starts.
    pub fn when(&self) -> Option<&ast::When> {
        self.decl.parts.iter().find_map(|p| match p {
            ast::JourneyPart::When(w) => Some(w),
            _ => None,
        })
    }

    /// The entry rule; `once` when none is written.
    pub fn entry(&self) -> ast::EntryRule {
        self.decl
            .parts
            .iter()
            .find_map(|p| match p {
                ast::JourneyPart::Entry(e) => Some(e.rule),
                _ => None,
            })
            .unwrap_or(ast::EntryRule::Once)
    }

    /// `priority N`; 0 when none is written.
    pub fn priority(&self) -> i64 {
        self.decl
            .parts
            .iter()
            .find_map(|p| match p {
                ast::JourneyPart::Priority(p) => Some(p.value),
                _ => None,
            })
            .unwrap_or(0)
    }

    /// `exclusive GROUP`, if written.
    pub fn exclusive(&self) -> Option<&str> {
        self.decl.parts.iter().find_map(|p| match p {
            ast::JourneyPart::Exclusive(x) => Some(x.group.name.as_str()),
            _ => None,
        })
    }

    pub fn goals(&self) -> impl Iterator<Item = &ast::Goal> {
        self.decl.parts.iter().filter_map(|p| match p {
            ast::JourneyPart::Goal(g) => Some(g),
            _ => None,
        })
    }

    pub fn exits(&self) -> impl Iterator<Item = &ast::ExitOn> {
        self.decl.parts.iter().filter_map(|p| match p {
            ast::JourneyPart::Exit(e) => Some(e),
            _ => None,
        })
    }

    /// Sections (onboarding, stages, upgrades) in the order they run.
    pub fn sections(&self) -> impl Iterator<Item = &ast::Section> {
        self.decl.parts.iter().filter_map(|p| match p {
            ast::JourneyPart::Section(s) => Some(s),
            _ => None,
        })
    }
}

#[derive(Clone, Debug)]
pub struct TestDef {
    pub name: String,
    pub file: FileId,
    pub decl: ast::TestDecl,
}

#[derive(Clone, Debug)]
pub struct SimulationDef {
    pub name: String,
    pub file: FileId,
    pub decl: ast::SimulationDecl,
}

/// A whole checked project.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub enums: BTreeMap<String, EnumDef>,
    pub attrs: BTreeMap<String, AttrDef>,
    pub events: BTreeMap<String, EventDef>,
    pub channels: BTreeMap<String, ChannelDef>,
    pub touchpoints: BTreeMap<String, TouchpointDef>,
    pub journeys: BTreeMap<String, JourneyDef>,
    /// Tests in file order (names need not be unique across files).
    pub tests: Vec<TestDef>,
    pub simulations: BTreeMap<String, SimulationDef>,
    /// Attributes declared with a type that does not exist: the declaration is reported once,
    /// and uses of the name are not reported again as unknown.
    pub untyped_attrs: std::collections::BTreeSet<String>,
}

impl Model {
    /// The type of a customer attribute.
    pub fn attr_type(&self, name: &str) -> Option<&Type> {
        self.attrs.get(name).map(|a| &a.ty)
    }

    /// The customer's `timezone` attribute (at most one is allowed): the zone local times of
    /// that customer are read in. See `interp::zone::customer_zone`.
    pub fn zone_attr(&self) -> Option<&AttrDef> {
        self.attrs.values().find(|a| a.ty == Type::Timezone)
    }

    /// The position of `value` in enum `ty`'s declared order.
    pub fn enum_index(&self, ty: &str, value: &str) -> Option<usize> {
        self.enums.get(ty)?.values.iter().position(|v| v == value)
    }

    /// The type of field `field` of event `event`.
    pub fn field_type(&self, event: &str, field: &str) -> Option<&Type> {
        self.events
            .get(event)?
            .fields
            .iter()
            .find(|(f, _)| f == field)
            .map(|(_, t)| t)
    }
}
