//! Checks of drawn values in simulations: population lines, the `trigger { ... }` block, and the
//! field blocks of behaviour rules. All three write values the same way (a fixed value, weighted
//! choices or a range), so one function checks a value against the type it is drawn for.

use super::expr::{const_of, field_list};
use super::journey::fmt_pct;
use super::model::*;
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use std::collections::BTreeMap;

/// What a drawn line sets, for messages.
#[derive(Clone, Copy, PartialEq)]
pub enum Drawn {
    /// A population line: one value per customer.
    Attribute,
    /// A field line: one value per event.
    Field,
}

/// Checks the value of one drawn line against `ty`, the type of what it sets.
pub fn drawn_value(
    model: &Model,
    file: FileId,
    a: &ast::PopAssign,
    ty: &Type,
    drawn: Drawn,
    sink: &mut Sink,
) {
    let (who, name) = match drawn {
        Drawn::Attribute => ("customer", format!("`{}`", a.attr.name)),
        Drawn::Field => ("event", format!("field `{}`", a.attr.name)),
    };
    match &a.value {
        ast::PopValue::Fixed(v) => {
            const_of(model, file, v, ty, sink);
        }
        ast::PopValue::Choices(choices) => {
            for (v, _, _) in choices {
                const_of(model, file, v, ty, sink);
            }
            let total: f64 = choices.iter().map(|c| c.1).sum();
            if (total - 100.0).abs() > 1e-9 {
                sink.push(
                    Diagnostic::error(
                        codes::SHARES_SUM,
                        file,
                        format!(
                            "the shares of `{}` add up to {}%, not 100%",
                            a.attr.name,
                            fmt_pct(total)
                        ),
                    )
                    .label(a.span, format!("{}% in all", fmt_pct(total)))
                    .help(format!(
                        "every {who} gets one of the values, so the shares must add up to 100%"
                    )),
                );
            }
        }
        ast::PopValue::FromNow(lo, hi) => {
            if *ty != Type::DateTime {
                sink.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        file,
                        format!("{name} is {}: `now + ..` draws datetimes", ty.a()),
                    )
                    .label(a.span, "a range of datetimes")
                    .help("`now + 2d..10d` is for a `datetime`; for a duration write `2d..10d`"),
                );
            } else if lo.secs > hi.secs {
                sink.push(
                    Diagnostic::error(codes::BAD_VALUE, file, "the range is backwards")
                        .label(lo.span.to(hi.span), "the low end is above the high end")
                        .help("write the low end first, like `now + 2d..10d`"),
                );
            }
        }
        ast::PopValue::Range(lo, hi) => {
            if !matches!(
                ty,
                Type::Int | Type::Decimal | Type::Duration | Type::Date | Type::DateTime
            ) {
                sink.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        file,
                        format!("{name} is {}: it has no ranges", ty.a()),
                    )
                    .label(a.span, "a range")
                    .help("ranges are for numbers, durations, dates and datetimes; use choices like `\"US\" 60% | \"DE\" 40%` instead"),
                );
                return;
            }
            let l = const_of(model, file, lo, ty, sink);
            let h = const_of(model, file, hi, ty, sink);
            let backwards = match (l, h) {
                (Some(Const::Int(l)), Some(Const::Int(h))) => l > h,
                (Some(Const::Decimal(l)), Some(Const::Decimal(h))) => l > h,
                (Some(Const::Duration(l)), Some(Const::Duration(h))) => l > h,
                (Some(Const::Date(l)), Some(Const::Date(h))) => l > h,
                (Some(Const::DateTime(l)), Some(Const::DateTime(h))) => l > h,
                _ => false,
            };
            if backwards {
                sink.push(
                    Diagnostic::error(codes::BAD_VALUE, file, "the range is backwards")
                        .label(lo.span.to(hi.span), "the low end is above the high end")
                        .help("write the low end first, like `1..20`"),
                );
            }
            super::decimal_range::whole_ends(file, &name, ty, lo, hi, sink);
        }
    }
}

/// Reports a field that event `event` does not declare, suggesting the nearest one.
pub fn unknown_field(
    model: &Model,
    file: FileId,
    event: &str,
    field: &ast::Ident,
    sink: &mut Sink,
) {
    sink.push(unknown_field_error(model, file, event, field, ""));
}

/// The E0109 for `field` of `event`; `written` is what the suggestion is written after
/// (`event.` in an expression).
pub fn unknown_field_error(
    model: &Model,
    file: FileId,
    event: &str,
    field: &ast::Ident,
    written: &str,
) -> Diagnostic {
    let fields: Vec<&str> = model
        .events
        .get(event)
        .map(|e| e.fields.iter().map(|(n, _)| n.as_str()).collect())
        .unwrap_or_default();
    let d = Diagnostic::error(
        codes::UNKNOWN_FIELD,
        file,
        format!("event `{event}` has no field `{}`", field.name),
    )
    .label(field.span, "unknown field");
    match did_you_mean(&field.name, fields.iter().copied()) {
        // The help shows the whole reference; the fix replaces only the field's name.
        Some(s) => d
            .help(format!("did you mean `{written}{s}`?"))
            .fix(field.span, s),
        None if fields.is_empty() => d.help(format!(
            "`{event}` has no fields; declare one with `event {event} {{ {}: string }}`",
            field.name
        )),
        None => d.help(format!("`{event}` has {}", field_list(&fields))),
    }
}

/// Whether `a` is the first line drawing its name in one block; a second one is reported
/// (E0121, with both places).
pub fn first_line<'a>(
    seen: &mut BTreeMap<&'a str, Span>,
    a: &'a ast::PopAssign,
    file: FileId,
    drawn: Drawn,
    sink: &mut Sink,
) -> bool {
    let name = a.attr.name.as_str();
    let Some(first) = seen.get(name) else {
        seen.insert(name, a.attr.span);
        return true;
    };
    let (message, help) = match drawn {
        Drawn::Field => (
            format!("field `{name}` is given twice"),
            "give each field one line",
        ),
        Drawn::Attribute => (
            format!("`{name}` is given twice"),
            "give each attribute one line",
        ),
    };
    sink.push(
        Diagnostic::error(codes::DUPLICATE_PROPERTY, file, message)
            .label(a.attr.span, "given again here")
            .label(*first, "first given here")
            .help(help),
    );
    false
}

/// Checks the field lines drawn for event `event` (a `trigger` block or a rule's field block):
/// each names a field of the event once, with a value of the field's type.
pub fn field_lines(
    model: &Model,
    file: FileId,
    event: &str,
    list: &[ast::PopAssign],
    sink: &mut Sink,
) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for a in list {
        if !first_line(&mut seen, a, file, Drawn::Field, sink) {
            continue;
        }
        match model.field_type(event, &a.attr.name) {
            Some(ty) => drawn_value(model, file, a, ty, Drawn::Field, sink),
            None => unknown_field(model, file, event, &a.attr, sink),
        }
    }
}

/// A behaviour rule's field block: only events have fields.
pub fn rule_fields(model: &Model, file: FileId, r: &ast::BehaviorRule, sink: &mut Sink) {
    let Some(block) = &r.fields else { return };
    match &r.subject {
        ast::BehaviorSubject::Event(e) => {
            // An unknown event is reported once, by name; its fields cannot be checked.
            if model.events.contains_key(&e.name) {
                field_lines(model, file, &e.name, &block.fields, sink);
            }
        }
        ast::BehaviorSubject::Engagement { func, touchpoint } => {
            sink.push(
                Diagnostic::error(
                    codes::SIMULATION_INVALID,
                    file,
                    format!("`{}({})` has no fields", func.name, touchpoint.name),
                )
                .label(block.span, "fields of an engagement")
                .help("only events have fields; remove the block, or give it to a rule that names an event"),
            );
        }
    }
}

/// A simulation's `trigger { ... }` block: the fields of the journey's trigger event.
pub fn trigger_fields(
    model: &Model,
    file: FileId,
    journey: Option<&JourneyDef>,
    list: &[ast::PopAssign],
    sink: &mut Sink,
) {
    // Without a known journey and trigger (reported elsewhere) the fields cannot be checked.
    let Some(trigger) = journey.and_then(JourneyDef::trigger) else {
        return;
    };
    if model.events.contains_key(&trigger.event.name) {
        field_lines(model, file, &trigger.event.name, list, sink);
    }
}
