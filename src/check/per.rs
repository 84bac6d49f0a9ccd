//! `journey NAME per FIELD`: the key field must be a field of the trigger event, of a type whose
//! values can be told apart exactly (string, int or an enum), and every event the journey's waits,
//! goals and exits match must carry it with the same type, or no instance could tell that the
//! event is its own (docs/semantics.md, "One instance per key").

use super::model::{EventDef, JourneyDef, Model, Type};
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::syntax::ast::{self, Block, JourneyPart, StepKind};
use std::collections::BTreeSet;

/// Checks the `per FIELD` of journey `j`, if it has one.
pub fn check(j: &JourneyDef, model: &Model, sink: &mut Sink) {
    let Some(per) = &j.decl.per else { return };
    let file = j.file;
    // A scheduled trigger or a condition trigger enters without an event: there is no field to
    // key instances by.
    let without_event = j
        .schedule()
        .map(|s| (s.span, "a scheduled trigger", "a scheduled journey"))
        .or_else(|| {
            j.when()
                .map(|w| (w.span, "`trigger when`", "a `trigger when` journey"))
        });
    if let Some((span, trigger, journey)) = without_event {
        sink.push(
            Diagnostic::error(
                codes::UNKNOWN_KEY_FIELD,
                file,
                format!(
                    "journey `{}` is keyed by `{}`, but {trigger} has no event to read it from",
                    j.decl.name.name, per.name
                ),
            )
            .label(per.span, "one instance per value of this field")
            .label(span, "enters without an event")
            .help(format!(
                "remove `per {}` ({journey} has one instance per customer), or start the journey with `trigger EVENT` on an event that carries `{}`",
                per.name, per.name
            )),
        );
        return;
    }
    let Some(trigger) = j.trigger() else { return };
    // An unknown trigger event is reported where it is named.
    let Some(event) = model.events.get(&trigger.event.name) else {
        return;
    };
    let Some(at) = event.fields.iter().position(|(n, _)| *n == per.name) else {
        let mut d = Diagnostic::error(
            codes::UNKNOWN_KEY_FIELD,
            file,
            format!(
                "the trigger event `{}` has no field `{}` to key the journey by",
                event.name, per.name
            ),
        )
        .label(per.span, "not a field of the trigger event")
        .label_in(
            event.origin.file,
            event.origin.span,
            "the trigger event, declared here",
        );
        d = match did_you_mean(&per.name, event.fields.iter().map(|(n, _)| n.as_str())) {
            Some(s) => d.suggest(per.span, s),
            None => d.help(format!(
                "add `{}: string` to `event {}`, or key the journey by one of its fields{}",
                per.name,
                event.name,
                field_list(event)
            )),
        };
        sink.push(d);
        return;
    };
    let ty = &event.fields[at].1;
    let key_span = event
        .field_spans
        .get(at)
        .copied()
        .unwrap_or(event.origin.span);
    let key_file = event.origin.file;
    if !matches!(ty, Type::Str | Type::Int | Type::Enum(_)) {
        sink.push(
            Diagnostic::error(
                codes::KEY_FIELD_TYPE,
                file,
                format!(
                    "a journey cannot be keyed by `{}`, {}: keys are strings, ints or enums",
                    per.name,
                    ty.a()
                ),
            )
            .label(per.span, format!("`{}` is {}", per.name, ty.a()))
            .label_in(key_file, key_span, "declared here")
            .help("key the journey by an id (`order_id: string`, `subscription: int`) or an enum; a decimal, a time or a bool cannot tell instances apart reliably"),
        );
        return;
    }
    let mut seen = BTreeSet::new();
    let mut use_of = |e: &ast::Ident, sink: &mut Sink| {
        if e.name == trigger.event.name || !seen.insert(e.name.clone()) {
            return;
        }
        let Some(def) = model.events.get(&e.name) else {
            return;
        };
        match def.fields.iter().position(|(n, _)| *n == per.name) {
            None => sink.push(
                Diagnostic::error(
                    codes::KEY_FIELD_MISSING,
                    file,
                    format!(
                        "event `{}` has no field `{}`, the key of journey `{}`",
                        e.name, per.name, j.name
                    ),
                )
                .label(e.span, format!("no instance could tell whether this `{}` is its own", e.name))
                .label_in(key_file, key_span, format!("the key: the trigger's `{}`", per.name))
                .help(format!(
                    "add `{}: {}` to `event {}` (the events a keyed journey waits for, converts on or exits on say which instance they belong to)",
                    per.name,
                    ty.name(),
                    e.name
                )),
            ),
            Some(i) if def.fields[i].1 != *ty => {
                let other = &def.fields[i].1;
                let mut d = Diagnostic::error(
                    codes::KEY_FIELD_MISMATCH,
                    file,
                    format!(
                        "event `{}` declares `{}` as {}, but the key of journey `{}` is {}",
                        e.name,
                        per.name,
                        other.a(),
                        j.name,
                        ty.a()
                    ),
                )
                .label(e.span, format!("its `{}` could never equal a key", per.name));
                if let Some(s) = def.field_spans.get(i) {
                    d = d.label_in(def.origin.file, *s, format!("declared as {}", other.a()));
                }
                sink.push(
                    d.label_in(key_file, key_span, format!("the key: {}", ty.a()))
                        .help(format!(
                            "declare `{}: {}` in `event {}`, the type of the trigger's field",
                            per.name,
                            ty.name(),
                            e.name
                        )),
                );
            }
            Some(_) => {}
        }
    };
    for part in &j.decl.parts {
        match part {
            JourneyPart::Goal(g) => use_of(&g.event, sink),
            JourneyPart::Exit(x) => use_of(&x.event, sink),
            JourneyPart::Section(s) => block(&s.body, &mut |e| use_of(e, sink)),
            _ => {}
        }
    }
}

/// `: a, b` listing the event's fields, or nothing when it has none.
fn field_list(event: &EventDef) -> String {
    if event.fields.is_empty() {
        return String::new();
    }
    let names: Vec<String> = event.fields.iter().map(|(n, _)| format!("`{n}`")).collect();
    format!(": {}", names.join(", "))
}

/// Calls `f` with every event a wait of `b` (or a block inside it) matches, in source order.
fn block(b: &Block, f: &mut dyn FnMut(&ast::Ident)) {
    for s in &b.steps {
        match &s.kind {
            StepKind::WaitEvent(w) => {
                f(&w.event);
                w.on_event.iter().for_each(|b| block(b, f));
                w.on_timeout.iter().for_each(|b| block(b, f));
            }
            StepKind::WaitAny(w) => {
                for br in &w.branches {
                    f(&br.event);
                    block(&br.body, f);
                }
                w.on_timeout.iter().for_each(|b| block(b, f));
            }
            StepKind::If(i) => {
                i.branches.iter().for_each(|(_, b)| block(b, f));
                i.otherwise.iter().for_each(|b| block(b, f));
            }
            StepKind::Split(vs) => vs.iter().for_each(|v| block(&v.body, f)),
            _ => {}
        }
    }
}
