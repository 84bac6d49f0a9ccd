//! Completion items for what the model offers: touchpoints, events, attributes, enum values,
//! types, keywords. Which list fits where is decided in the parent module.

use crate::check::{Model, Type};
use lsp_types::{CompletionItem, CompletionItemKind};

/// The built-in types, for completion after `name:`.
const TYPES: &[&str] = &[
    "string", "int", "decimal", "bool", "duration", "date", "time", "timezone",
];

pub fn milestones_in(b: &crate::syntax::ast::Block, out: &mut Vec<String>) {
    use crate::syntax::ast::StepKind;
    for s in &b.steps {
        match &s.kind {
            StepKind::Milestone(m) => out.push(m.name.clone()),
            StepKind::WaitEvent(w) => {
                for b in w.on_event.iter().chain(&w.on_timeout) {
                    milestones_in(b, out);
                }
            }
            StepKind::WaitAny(w) => {
                for b in w.branches.iter().map(|b| &b.body).chain(&w.on_timeout) {
                    milestones_in(b, out);
                }
            }
            StepKind::If(i) => {
                for (_, b) in &i.branches {
                    milestones_in(b, out);
                }
                if let Some(b) = &i.otherwise {
                    milestones_in(b, out);
                }
            }
            StepKind::Split(vs) => {
                for v in vs {
                    milestones_in(&v.body, out);
                }
            }
            _ => {}
        }
    }
}

pub fn item(label: String, kind: CompletionItemKind, detail: &str) -> CompletionItem {
    CompletionItem {
        label,
        kind: Some(kind),
        detail: Some(detail.to_string()),
        ..Default::default()
    }
}

pub fn keywords(words: &[&str]) -> Vec<CompletionItem> {
    words
        .iter()
        .map(|w| item(w.to_string(), CompletionItemKind::KEYWORD, "keyword"))
        .collect()
}

pub fn touchpoints(m: &Model) -> Vec<CompletionItem> {
    m.touchpoints
        .values()
        .map(|t| {
            let detail = format!("touchpoint on {} ({})", t.channel, t.template);
            item(t.name.clone(), CompletionItemKind::CONSTANT, &detail)
        })
        .collect()
}

pub fn events(m: &Model) -> Vec<CompletionItem> {
    m.events
        .values()
        .map(|e| item(e.name.clone(), CompletionItemKind::EVENT, "event"))
        .collect()
}

pub fn attributes(m: &Model) -> Vec<CompletionItem> {
    m.attrs
        .values()
        .map(|a| {
            let detail = format!("{}: {}", a.name, a.ty.name());
            item(a.name.clone(), CompletionItemKind::PROPERTY, &detail)
        })
        .collect()
}

pub fn enum_attributes(m: &Model) -> Vec<CompletionItem> {
    attributes(m)
        .into_iter()
        .filter(|i| matches!(m.attr_type(&i.label), Some(Type::Enum(_))))
        .collect()
}

pub fn channels(m: &Model) -> Vec<CompletionItem> {
    m.channels
        .values()
        .map(|c| item(c.name.clone(), CompletionItemKind::MODULE, "channel"))
        .collect()
}

pub fn journeys(m: &Model) -> Vec<CompletionItem> {
    m.journeys
        .values()
        .map(|j| item(j.name.clone(), CompletionItemKind::CLASS, "journey"))
        .collect()
}

pub fn types(m: &Model) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = TYPES
        .iter()
        .map(|t| item(t.to_string(), CompletionItemKind::TYPE_PARAMETER, "type"))
        .collect();
    out.extend(
        m.enums
            .values()
            .map(|e| item(e.name.clone(), CompletionItemKind::ENUM, "enum")),
    );
    out
}

pub fn enum_values(m: &Model, ty: &str) -> Vec<CompletionItem> {
    m.enums
        .get(ty)
        .map(|e| {
            e.values
                .iter()
                .map(|v| {
                    item(
                        v.clone(),
                        CompletionItemKind::ENUM_MEMBER,
                        &format!("value of enum {ty}"),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}
