//! Which declarations something refers to, for the "declared but never used" warnings.

use super::model::Model;
use super::Sink;
use crate::diagnostics::{codes, Diagnostic};
use std::collections::BTreeSet;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    Enum,
    Attr,
    Event,
    Channel,
    Touchpoint,
}

#[derive(Default)]
pub struct Usage {
    used: BTreeSet<(Kind, String)>,
}

impl Usage {
    pub fn mark(&mut self, kind: Kind, name: &str) {
        if !self.used.contains(&(kind, name.to_string())) {
            self.used.insert((kind, name.to_string()));
        }
    }

    fn is_used(&self, kind: Kind, name: &str) -> bool {
        self.used.contains(&(kind, name.to_string()))
    }
}

pub fn report_unused(model: &Model, used: &Usage, sink: &mut Sink) {
    let mut warn = |kind: Kind, what: &str, name: &str, file, span, help: &str| {
        if !used.is_used(kind, name) && !name.is_empty() {
            sink.push(
                Diagnostic::warning(
                    codes::UNUSED,
                    file,
                    format!("{what} `{name}` is never used"),
                )
                .label(span, "declared here")
                .help(help.to_string()),
            );
        }
    };
    for e in model.enums.values() {
        warn(
            Kind::Enum,
            "enum",
            &e.name,
            e.origin.file,
            e.origin.span,
            "use it as the type of an attribute or event field, or remove it",
        );
    }
    for a in model.attrs.values() {
        warn(
            Kind::Attr,
            "attribute",
            &a.name,
            a.origin.file,
            a.origin.span,
            "use it in a condition, a `set`, a consent or a test, or remove it",
        );
    }
    for e in model.events.values() {
        warn(
            Kind::Event,
            "event",
            &e.name,
            e.origin.file,
            e.origin.span,
            "use it in a trigger, goal, exit, wait or `converts`, or remove it",
        );
    }
    for c in model.channels.values() {
        warn(
            Kind::Channel,
            "channel",
            &c.name,
            c.origin.file,
            c.origin.span,
            "give it to a touchpoint with `channel NAME`, or remove it",
        );
    }
    for t in model.touchpoints.values() {
        warn(
            Kind::Touchpoint,
            "touchpoint",
            &t.name,
            t.origin.file,
            t.origin.span,
            "send it from a journey with `send NAME`, or remove it",
        );
    }
}
