//! Typed payloads: a touchpoint's `data { FIELD: TYPE, ... }` and the `with { FIELD = EXPR }`
//! of each `send` of it (and of each `expect sent T with { ... }` in tests).
//!
//! The rule is the template's contract, checked before launch: every declared field is given
//! exactly once, with a value of its type, and nothing else. Each broken part is its own
//! diagnostic, with the touchpoint's `data` declaration as a second label, so that one run of
//! the checker lists every field to fix.

use super::collect::naming;
use super::expr::{assignable, const_of, resolve_type, Typer};
use super::model::*;
use super::usage::{Kind, Usage};
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast;
use std::collections::BTreeMap;

/// Reads a touchpoint's `data { ... }`: names are snake_case and unique, types exist.
pub fn declaration(
    model: &Model,
    file: FileId,
    fields: &[ast::FieldDecl],
    span: Span,
    sink: &mut Sink,
    used: &mut Usage,
) -> DataDef {
    let mut out: Vec<(String, Option<Type>, Span)> = Vec::new();
    for f in fields {
        naming(sink, file, &f.name, "field");
        if let Some((_, _, first)) = out.iter().find(|(n, _, _)| *n == f.name.name) {
            sink.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    file,
                    format!("data field `{}` is declared twice", f.name.name),
                )
                .label(f.name.span, "declared again here")
                .label(*first, "first declared here")
                .help("keep one declaration of each field"),
            );
            continue;
        }
        let ty = resolve_type(model, file, &f.ty, sink);
        if let Some(Type::Enum(en)) = &ty {
            used.mark(Kind::Enum, en);
        }
        out.push((f.name.name.clone(), ty, f.name.span));
    }
    DataDef { fields: out, span }
}

/// "`order_id`, `carrier`": the names, quoted, for messages.
fn quoted<'a>(names: impl IntoIterator<Item = &'a str>) -> String {
    names
        .into_iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks `send T [with { ... }]`: `head` is the span of `send T`. The typer reads the scope of
/// the send (the event of an enclosing wait, for `event.FIELD`).
pub fn send(typer: &mut Typer, head: Span, t: &ast::Ident, payload: Option<&ast::Payload>) {
    let model = typer.scope.model;
    let file = typer.scope.file;
    let Some(tp) = model.touchpoints.get(&t.name) else {
        // An unknown touchpoint is reported by the caller; the values are still checked.
        for f in payload.iter().flat_map(|p| &p.fields) {
            typer.infer(&f.value, None);
        }
        return;
    };
    let origin = tp.origin;
    match (&tp.data, payload) {
        (None, None) => {}
        (None, Some(p)) => {
            typer.sink.push(
                Diagnostic::error(
                    codes::PAYLOAD_WITHOUT_DATA,
                    file,
                    format!("touchpoint `{}` declares no `data`, but this send gives some", t.name),
                )
                .label(p.span, "values for a touchpoint without data")
                .label_in(origin.file, origin.span, "declared here, without `data { ... }`")
                .help(format!(
                    "declare what its template takes in the touchpoint, e.g. `data {{ {}: string }}`, or remove `with {{ ... }}`",
                    p.fields.first().map_or("order_id", |f| f.name.name.as_str())
                )),
            );
            for f in &p.fields {
                typer.infer(&f.value, None);
            }
        }
        // `data { }` declares nothing to give.
        (Some(data), None) if data.fields.is_empty() => {}
        (Some(data), None) => {
            let names: Vec<&str> = data.fields.iter().map(|(n, _, _)| n.as_str()).collect();
            let example: Vec<String> = names.iter().map(|n| format!("{n} = ...")).collect();
            typer.sink.push(
                Diagnostic::error(
                    codes::PAYLOAD_MISSING,
                    file,
                    format!(
                        "`send {}` gives none of the touchpoint's data: {}",
                        t.name,
                        quoted(names.iter().copied())
                    ),
                )
                .label(head, "no `with { ... }`")
                .label_in(origin.file, data.span, "the data every send must give")
                .help(format!(
                    "give every field: `send {} with {{ {} }}`",
                    t.name,
                    example.join(", ")
                )),
            );
        }
        (Some(data), Some(p)) => given(typer, head, t, origin.file, data, p),
    }
}

/// Each field of `with { ... }` against the touchpoint's data.
fn given(
    typer: &mut Typer,
    head: Span,
    t: &ast::Ident,
    data_file: FileId,
    data: &DataDef,
    p: &ast::Payload,
) {
    let file = typer.scope.file;
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    // Fields offered as the fix of a misspelling: their absence is the same mistake, said once.
    let mut offered: Vec<&str> = Vec::new();
    for f in &p.fields {
        let name = f.name.name.as_str();
        let Some((_, ty, decl)) = data.field(name) else {
            let d = Diagnostic::error(
                codes::UNKNOWN_PAYLOAD_FIELD,
                file,
                format!("touchpoint `{}` has no data field `{name}`", t.name),
            )
            .label(f.name.span, "not a field of its data")
            .label_in(data_file, data.span, "its data");
            let free = data
                .fields
                .iter()
                .map(|(n, _, _)| n.as_str())
                .filter(|n| !p.fields.iter().any(|g| g.name.name == *n));
            typer.sink.push(match did_you_mean(name, free) {
                Some(s) => {
                    offered.push(s);
                    d.suggest(f.name.span, s)
                }
                None => d.help(format!(
                    "its data has {}; remove this one, or declare it in the touchpoint's `data {{ ... }}`",
                    quoted(data.fields.iter().map(|(n, _, _)| n.as_str()))
                )),
            });
            typer.infer(&f.value, None);
            continue;
        };
        if let Some(first) = seen.get(name) {
            typer.sink.push(
                Diagnostic::error(
                    codes::DUPLICATE_PAYLOAD_FIELD,
                    file,
                    format!("data field `{name}` is given twice"),
                )
                .label(f.name.span, "given again here")
                .label(*first, "first given here")
                .label_in(data_file, *decl, "declared here")
                .help("give each field once: the send carries one value per field"),
            );
            typer.infer(&f.value, ty.as_ref());
            continue;
        }
        seen.insert(name, f.name.span);
        let Some(ty) = ty else {
            // Its type is unknown (reported at the declaration): only the value is checked.
            typer.infer(&f.value, None);
            continue;
        };
        if let Some(found) = typer.infer(&f.value, Some(ty)) {
            if !assignable(&found, ty) {
                typer.sink.push(
                    Diagnostic::error(
                        codes::PAYLOAD_TYPE,
                        file,
                        format!("data field `{name}` is {}, this value is {}", ty.a(), found.a()),
                    )
                    .label(f.value.span, found.a())
                    .label_in(data_file, *decl, format!("declared {} here", ty.name()))
                    .help(format!(
                        "give `{name}` a value of type {}, or change its type in the touchpoint's `data`",
                        ty.name()
                    )),
                );
            }
        }
    }
    for (name, _, decl) in &data.fields {
        if !seen.contains_key(name.as_str()) && !offered.contains(&name.as_str()) {
            typer.sink.push(
                Diagnostic::error(
                    codes::PAYLOAD_MISSING,
                    file,
                    format!("`send {}` does not give data field `{name}`", t.name),
                )
                .label(head, format!("no `{name}` in `with {{ ... }}`"))
                .label_in(data_file, *decl, "declared here")
                .help(format!(
                    "add `{name} = ...` to `with {{ ... }}`: every field of the data must be given"
                )),
            );
        }
    }
}

/// Checks `expect sent T with { FIELD = VALUE, ... }`: the fields exist in T's data, each once,
/// with constants of their types.
pub fn expectation(
    model: &Model,
    file: FileId,
    t: &ast::Ident,
    with: &ast::ExpectWith,
    sink: &mut Sink,
) {
    let Some(tp) = model.touchpoints.get(&t.name) else {
        return;
    };
    let Some(data) = &tp.data else {
        sink.push(
            Diagnostic::error(
                codes::PAYLOAD_WITHOUT_DATA,
                file,
                format!("touchpoint `{}` declares no `data`: its sends carry no values to expect", t.name),
            )
            .label(with.span, "values of a touchpoint without data")
            .label_in(tp.origin.file, tp.origin.span, "declared here, without `data { ... }`")
            .help(format!("write `expect sent {}`, or declare the touchpoint's `data {{ ... }}` and give it in its sends", t.name)),
        );
        return;
    };
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for a in &with.fields {
        let name = a.name.name.as_str();
        let Some((_, ty, decl)) = data.field(name) else {
            let d = Diagnostic::error(
                codes::UNKNOWN_PAYLOAD_FIELD,
                file,
                format!("touchpoint `{}` has no data field `{name}`", t.name),
            )
            .label(a.name.span, "not a field of its data")
            .label_in(tp.origin.file, data.span, "its data");
            sink.push(
                match did_you_mean(name, data.fields.iter().map(|(n, _, _)| n.as_str())) {
                    Some(s) => d.suggest(a.name.span, s),
                    None => d.help(format!(
                        "its data has {}",
                        quoted(data.fields.iter().map(|(n, _, _)| n.as_str()))
                    )),
                },
            );
            continue;
        };
        if let Some(first) = seen.get(name) {
            sink.push(
                Diagnostic::error(
                    codes::DUPLICATE_PAYLOAD_FIELD,
                    file,
                    format!("data field `{name}` is expected twice"),
                )
                .label(a.name.span, "given again here")
                .label(*first, "first given here")
                .label_in(tp.origin.file, *decl, "declared here")
                .help("give each field once"),
            );
            continue;
        }
        seen.insert(name, a.name.span);
        if let Some(ty) = ty {
            const_of(model, file, &a.value, ty, sink);
        }
    }
}
