//! The declarations pass: enums, the customer schema, events, channels, touchpoints, and the
//! names of journeys, tests and simulations, with duplicates and malformed declarations reported.

use super::expr::{const_of, resolve_type};
use super::model::*;
use super::usage::{Kind, Usage};
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Item};
use std::collections::BTreeMap;

fn duplicate(sink: &mut Sink, what: &str, name: &str, file: FileId, span: Span, first: Origin) {
    sink.push(
        Diagnostic::error(
            codes::DUPLICATE,
            file,
            format!("{what} `{name}` is defined twice"),
        )
        .label(span, "defined again here")
        .label_in(
            first.file,
            first.span,
            format!("`{name}` is first defined here"),
        )
        .help(format!(
            "rename one of them or remove the second definition of `{name}`"
        )),
    );
}

/// Warns about names that are not snake_case: they still work, but every name in a journey file
/// is snake_case so that reviews read alike.
pub fn naming(sink: &mut Sink, file: FileId, ident: &ast::Ident, what: &str) {
    let n = &ident.name;
    let ok = n
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !n.starts_with(|c: char| c.is_ascii_digit());
    if !ok && !n.is_empty() {
        let snake = to_snake(n);
        sink.push(
            Diagnostic::warning(
                codes::NAMING,
                file,
                format!("{what} `{n}` is not snake_case"),
            )
            .label(ident.span, format!("write `{snake}`"))
            .help(format!(
                "rename it `{snake}`: names are lower case words joined by `_`"
            )),
        );
    }
}

fn to_snake(n: &str) -> String {
    let mut out = String::new();
    for (i, c) in n.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else if c == '-' {
            out.push('_');
        } else {
            out.push(c);
        }
    }
    out
}

pub fn declarations(
    modules: &[(FileId, &ast::Module)],
    sink: &mut Sink,
    used: &mut Usage,
) -> Model {
    let mut model = Model::default();
    // Enums first: attribute and field types refer to them.
    for (file, module) in modules {
        for item in &module.items {
            if let Item::Enum(e) = item {
                naming(sink, *file, &e.name, "enum");
                if let Some(first) = model.enums.get(&e.name.name) {
                    duplicate(sink, "enum", &e.name.name, *file, e.name.span, first.origin);
                    continue;
                }
                let mut values: Vec<String> = Vec::new();
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                for v in &e.values {
                    naming(sink, *file, v, "enum value");
                    if let Some(first) = seen.get(v.name.as_str()) {
                        duplicate(
                            sink,
                            "enum value",
                            &v.name,
                            *file,
                            v.span,
                            Origin {
                                file: *file,
                                span: *first,
                            },
                        );
                        continue;
                    }
                    seen.insert(&v.name, v.span);
                    values.push(v.name.clone());
                }
                if values.is_empty() {
                    sink.push(
                        Diagnostic::error(codes::MISSING_PROPERTY, *file, format!("enum `{}` has no values", e.name.name))
                            .label(e.span, "empty enum")
                            .help("list its values in order, lowest first: `enum plan { free, trial, pro }`"),
                    );
                }
                model.enums.insert(
                    e.name.name.clone(),
                    EnumDef {
                        name: e.name.name.clone(),
                        values,
                        origin: Origin {
                            file: *file,
                            span: e.name.span,
                        },
                    },
                );
            }
        }
    }
    let mut customer_seen: Option<Origin> = None;
    for (file, module) in modules {
        for item in &module.items {
            match item {
                Item::Customer(c) => {
                    if let Some(first) = customer_seen {
                        sink.push(
                            Diagnostic::error(codes::DUPLICATE, *file, "the customer schema is defined twice")
                                .label(Span::new(c.span.start, c.span.start + "customer".len()), "second `customer` block")
                                .label_in(first.file, first.span, "first `customer` block")
                                .help("keep one `customer { ... }` block per project and put every attribute in it"),
                        );
                    }
                    customer_seen.get_or_insert(Origin {
                        file: *file,
                        span: Span::new(c.span.start, c.span.start + 8),
                    });
                    for a in &c.attrs {
                        attribute(&mut model, *file, a, sink, used);
                    }
                }
                Item::Event(e) => event(&mut model, *file, e, sink, used),
                _ => {}
            }
        }
    }
    super::log_names::check(modules, sink);
    for (file, module) in modules {
        for item in &module.items {
            match item {
                Item::Channel(c) => channel(&mut model, *file, c, sink, used),
                Item::Journey(j) => {
                    naming(sink, *file, &j.name, "journey");
                    if let Some(first) = model.journeys.get(&j.name.name) {
                        let origin = Origin {
                            file: first.file,
                            span: first.decl.name.span,
                        };
                        duplicate(sink, "journey", &j.name.name, *file, j.name.span, origin);
                        continue;
                    }
                    model.journeys.insert(
                        j.name.name.clone(),
                        JourneyDef {
                            name: j.name.name.clone(),
                            file: *file,
                            decl: j.clone(),
                        },
                    );
                }
                Item::Test(t) => model.tests.push(TestDef {
                    name: t.name.value.clone(),
                    file: *file,
                    decl: t.clone(),
                }),
                Item::Simulation(s) => {
                    if let Some(first) = model.simulations.get(&s.name.name) {
                        let origin = Origin {
                            file: first.file,
                            span: first.decl.name.span,
                        };
                        duplicate(sink, "simulation", &s.name.name, *file, s.name.span, origin);
                        continue;
                    }
                    model.simulations.insert(
                        s.name.name.clone(),
                        SimulationDef {
                            name: s.name.name.clone(),
                            file: *file,
                            decl: s.clone(),
                        },
                    );
                }
                _ => {}
            }
        }
    }
    // Touchpoints last: they refer to channels and events.
    for (file, module) in modules {
        for item in &module.items {
            if let Item::Touchpoint(t) = item {
                touchpoint(&mut model, *file, t, sink, used);
            }
        }
    }
    // Test names must be unique within a unit so `--filter` and reports can name them.
    let mut test_names: BTreeMap<&str, Origin> = BTreeMap::new();
    for t in &model.tests {
        if let Some(first) = test_names.get(t.name.as_str()) {
            duplicate(sink, "test", &t.name, t.file, t.decl.name.span, *first);
        } else {
            test_names.insert(
                &t.name,
                Origin {
                    file: t.file,
                    span: t.decl.name.span,
                },
            );
        }
    }
    model
}

fn attribute(
    model: &mut Model,
    file: FileId,
    a: &ast::AttrDecl,
    sink: &mut Sink,
    used: &mut Usage,
) {
    naming(sink, file, &a.name, "attribute");
    let origin = Origin {
        file,
        span: a.name.span,
    };
    if let Some(first) = model.attrs.get(&a.name.name) {
        duplicate(
            sink,
            "attribute",
            &a.name.name,
            file,
            a.name.span,
            first.origin,
        );
        return;
    }
    let Some(ty) = resolve_type(model, file, &a.ty, sink) else {
        model.untyped_attrs.insert(a.name.name.clone());
        return;
    };
    if let Type::Enum(e) = &ty {
        used.mark(Kind::Enum, e);
    }
    if ty == Type::Timezone {
        super::zones::second_zone_attr(model, file, &a.name.name, a.name.span, sink);
        // The customer's zone is read by every local time, not only where it is named.
        used.mark(Kind::Attr, &a.name.name);
    }
    let default = a
        .default
        .as_ref()
        .and_then(|v| const_of(model, file, v, &ty, sink));
    model.attrs.insert(
        a.name.name.clone(),
        AttrDef {
            name: a.name.name.clone(),
            ty,
            default,
            origin,
        },
    );
}

fn event(model: &mut Model, file: FileId, e: &ast::EventDecl, sink: &mut Sink, used: &mut Usage) {
    naming(sink, file, &e.name, "event");
    let origin = Origin {
        file,
        span: e.name.span,
    };
    if let Some(first) = model.events.get(&e.name.name) {
        duplicate(sink, "event", &e.name.name, file, e.name.span, first.origin);
        return;
    }
    let mut fields: Vec<(String, Type)> = Vec::new();
    let mut field_spans: Vec<Span> = Vec::new();
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for f in &e.fields {
        naming(sink, file, &f.name, "field");
        if let Some(first) = seen.get(f.name.name.as_str()) {
            duplicate(
                sink,
                "field",
                &f.name.name,
                file,
                f.name.span,
                Origin { file, span: *first },
            );
            continue;
        }
        seen.insert(&f.name.name, f.name.span);
        if let Some(ty) = resolve_type(model, file, &f.ty, sink) {
            if let Type::Enum(en) = &ty {
                used.mark(Kind::Enum, en);
            }
            fields.push((f.name.name.clone(), ty));
            field_spans.push(f.name.span);
        }
    }
    model.events.insert(
        e.name.name.clone(),
        EventDef {
            name: e.name.name.clone(),
            log_name: e.log_name.as_ref().map(|s| s.value.clone()),
            fields,
            origin,
            field_spans,
        },
    );
}

fn twice(sink: &mut Sink, file: FileId, what: &str, span: Span, first: Span) {
    sink.push(
        Diagnostic::error(
            codes::DUPLICATE_PROPERTY,
            file,
            format!("`{what}` is given twice"),
        )
        .label(span, "given again here")
        .label(first, "first given here")
        .help(format!("keep one `{what}`")),
    );
}

fn channel(
    model: &mut Model,
    file: FileId,
    c: &ast::ChannelDecl,
    sink: &mut Sink,
    used: &mut Usage,
) {
    naming(sink, file, &c.name, "channel");
    let origin = Origin {
        file,
        span: c.name.span,
    };
    if let Some(first) = model.channels.get(&c.name.name) {
        duplicate(
            sink,
            "channel",
            &c.name.name,
            file,
            c.name.span,
            first.origin,
        );
        return;
    }
    let mut def = ChannelDef {
        name: c.name.name.clone(),
        caps: Vec::new(),
        quiet: None,
        consent: None,
        consent_span: None,
        origin,
        quiet_local: false,
    };
    let mut quiet_span: Option<Span> = None;
    let mut consent_span: Option<Span> = None;
    let mut cap_windows: BTreeMap<u64, Span> = BTreeMap::new();
    for p in &c.props {
        match p {
            ast::ChannelProp::Cap { count, per, span } => {
                if *count == 0 || per.secs == 0 {
                    sink.push(
                        Diagnostic::error(codes::BAD_VALUE, file, "a cap needs a count and a window above zero")
                            .label(*span, "this cap would block every send")
                            .help("write a cap like `cap 3 per 1d`; to stop sending on a channel, stop using it"),
                    );
                    continue;
                }
                if let Some(first) = cap_windows.get(&per.secs) {
                    twice(sink, file, "cap ... per", *span, *first);
                    continue;
                }
                cap_windows.insert(per.secs, *span);
                def.caps.push(Cap {
                    count: *count,
                    per_secs: per.secs,
                    span: *span,
                });
            }
            ast::ChannelProp::Quiet {
                from,
                to,
                span,
                local,
            } => {
                if let Some(first) = quiet_span {
                    twice(sink, file, "quiet", *span, first);
                    continue;
                }
                quiet_span = Some(*span);
                if from == to {
                    sink.push(
                        Diagnostic::error(codes::BAD_VALUE, file, "quiet hours start and end at the same time")
                            .label(*span, "an empty quiet window")
                            .help("write the window as `quiet 21:00..08:00` (it may cross midnight), or remove it"),
                    );
                    continue;
                }
                def.quiet = Some((*from, *to));
                def.quiet_local = *local;
                if *local {
                    super::zones::local_without_zone(model, file, *span, sink);
                }
            }
            ast::ChannelProp::Consent { attr, span } => {
                if let Some(first) = consent_span {
                    twice(sink, file, "consent", *span, first);
                    continue;
                }
                consent_span = Some(*span);
                match model.attrs.get(&attr.name) {
                    Some(a) if a.ty == Type::Bool => {
                        used.mark(Kind::Attr, &attr.name);
                        def.consent = Some(attr.name.clone());
                        def.consent_span = Some(*span);
                    }
                    Some(a) => sink.push(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            file,
                            format!(
                                "consent attribute `{}` is {}, not a bool",
                                attr.name,
                                a.ty.a()
                            ),
                        )
                        .label(attr.span, "expected a bool attribute")
                        .label_in(a.origin.file, a.origin.span, "declared here")
                        .help("consent is a yes/no attribute such as `sms_consent: bool = false`"),
                    ),
                    None => unknown_attr(model, file, attr, sink),
                }
            }
        }
    }
    model.channels.insert(c.name.name.clone(), def);
}

pub fn unknown_attr(model: &Model, file: FileId, attr: &ast::Ident, sink: &mut Sink) {
    if model.untyped_attrs.contains(&attr.name) {
        return;
    }
    let mut d = Diagnostic::error(
        codes::UNKNOWN_ATTRIBUTE,
        file,
        format!("unknown customer attribute `{}`", attr.name),
    )
    .label(attr.span, "not in the `customer` schema");
    d = match did_you_mean(&attr.name, model.attrs.keys().map(String::as_str)) {
        Some(s) => d.suggest(attr.span, s),
        None => d.help(format!(
            "declare it in the `customer` block, e.g. `{}: bool = false`",
            attr.name
        )),
    };
    sink.push(d);
}

pub fn unknown_event(model: &Model, file: FileId, e: &ast::Ident, sink: &mut Sink) {
    let mut d = Diagnostic::error(
        codes::UNKNOWN_EVENT,
        file,
        format!("unknown event `{}`", e.name),
    )
    .label(e.span, "no event has this name");
    d = match did_you_mean(&e.name, model.events.keys().map(String::as_str)) {
        Some(s) => d.suggest(e.span, s),
        None => d.help(format!("declare it with `event {}`", e.name)),
    };
    sink.push(d);
}

pub fn unknown_touchpoint(model: &Model, file: FileId, t: &ast::Ident, sink: &mut Sink) {
    let mut d = Diagnostic::error(
        codes::UNKNOWN_TOUCHPOINT,
        file,
        format!("unknown touchpoint `{}`", t.name),
    )
    .label(t.span, "no touchpoint has this name");
    d = match did_you_mean(&t.name, model.touchpoints.keys().map(String::as_str)) {
        Some(s) => d.suggest(t.span, s),
        None => d.help(format!(
            "declare it with `touchpoint {} {{ channel email  template \"...\" }}`",
            t.name
        )),
    };
    sink.push(d);
}

fn touchpoint(
    model: &mut Model,
    file: FileId,
    t: &ast::TouchpointDecl,
    sink: &mut Sink,
    used: &mut Usage,
) {
    naming(sink, file, &t.name, "touchpoint");
    let origin = Origin {
        file,
        span: t.name.span,
    };
    if let Some(first) = model.touchpoints.get(&t.name.name) {
        duplicate(
            sink,
            "touchpoint",
            &t.name.name,
            file,
            t.name.span,
            first.origin,
        );
        return;
    }
    let mut channel: Option<(String, Span)> = None;
    let mut template: Option<(String, Span)> = None;
    let mut subject: Option<(String, Span)> = None;
    let mut converts: Option<((String, u64), Span)> = None;
    let mut requires: Vec<String> = Vec::new();
    let mut requires_spans: Vec<Span> = Vec::new();
    let mut requires_where: Vec<Option<crate::syntax::ast::Expr>> = Vec::new();
    let mut requires_span: Option<Span> = None;
    let mut transactional: Option<Span> = None;
    let mut data: Option<DataDef> = None;
    for p in &t.props {
        match p {
            ast::TouchpointProp::Channel(c, span) => {
                if let Some((_, first)) = &channel {
                    twice(sink, file, "channel", *span, *first);
                    continue;
                }
                if model.channels.contains_key(&c.name) {
                    used.mark(Kind::Channel, &c.name);
                } else {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_CHANNEL,
                        file,
                        format!("unknown channel `{}`", c.name),
                    )
                    .label(c.span, "no channel has this name");
                    d = match did_you_mean(&c.name, model.channels.keys().map(String::as_str)) {
                        Some(s) => d.suggest(c.span, s),
                        None => d.help(format!("declare it with `channel {}`", c.name)),
                    };
                    sink.push(d);
                }
                channel = Some((c.name.clone(), *span));
            }
            ast::TouchpointProp::Template(s, span) => {
                if let Some((_, first)) = &template {
                    twice(sink, file, "template", *span, *first);
                    continue;
                }
                if s.value.trim().is_empty() {
                    sink.push(
                        Diagnostic::error(codes::BAD_VALUE, file, "the template name is empty")
                            .label(s.span, "empty template")
                            .help("name the template the messaging platform should render, e.g. `template \"welcome-v2\"`"),
                    );
                }
                template = Some((s.value.clone(), *span));
            }
            ast::TouchpointProp::Subject(s, span) => {
                if let Some((_, first)) = &subject {
                    twice(sink, file, "subject", *span, *first);
                    continue;
                }
                subject = Some((s.value.clone(), *span));
            }
            ast::TouchpointProp::Converts {
                event,
                within,
                span,
            } => {
                if let Some((_, first)) = &converts {
                    twice(sink, file, "converts", *span, *first);
                    continue;
                }
                if model.events.contains_key(&event.name) {
                    used.mark(Kind::Event, &event.name);
                } else {
                    unknown_event(model, file, event, sink);
                }
                if within.secs == 0 {
                    sink.push(
                        Diagnostic::error(
                            codes::BAD_VALUE,
                            file,
                            "a conversion window must be longer than zero",
                        )
                        .label(within.span, "no conversion could be credited")
                        .help("write a window like `converts upgraded within 3d`"),
                    );
                }
                converts = Some(((event.name.clone(), within.secs), *span));
            }
            ast::TouchpointProp::Transactional(span) => {
                if let Some(first) = transactional {
                    twice(sink, file, "transactional", *span, first);
                    continue;
                }
                transactional = Some(*span);
            }
            ast::TouchpointProp::Data(fields, span) => {
                if let Some(first) = &data {
                    twice(sink, file, "data", *span, first.span);
                    continue;
                }
                data = Some(super::payload::declaration(
                    model, file, fields, *span, sink, used,
                ));
            }
            ast::TouchpointProp::Requires(events, span, conditions) => {
                if let Some(first) = requires_span {
                    twice(sink, file, "requires", *span, first);
                    continue;
                }
                requires_span = Some(*span);
                for (k, e) in events.iter().enumerate() {
                    if let Some((name, _)) = model.events.get_key_value(&e.name) {
                        used.mark(Kind::Event, &e.name);
                        let condition = conditions.get(k).cloned().flatten();
                        if let Some(c) = &condition {
                            // The condition reads the required event's fields and attributes.
                            let mut typer = super::expr::Typer {
                                scope: super::expr::Scope {
                                    model,
                                    file,
                                    event: Some(name.as_str()),
                                    trigger: None,
                                },
                                sink,
                                used,
                            };
                            typer.condition(c);
                        }
                        requires.push(e.name.clone());
                        requires_spans.push(e.span);
                        requires_where.push(condition);
                    } else {
                        unknown_event(model, file, e, sink);
                    }
                }
            }
        }
    }
    let head = Span::new(t.span.start, t.name.span.end);
    if channel.is_none() {
        sink.push(
            Diagnostic::error(
                codes::MISSING_PROPERTY,
                file,
                format!("touchpoint `{}` has no channel", t.name.name),
            )
            .label(head, "no `channel` in this touchpoint")
            .help("say where it is delivered, e.g. `channel email`"),
        );
    }
    if template.is_none() {
        sink.push(
            Diagnostic::error(
                codes::MISSING_PROPERTY,
                file,
                format!("touchpoint `{}` has no template", t.name.name),
            )
            .label(head, "no `template` in this touchpoint")
            .help("name the message template, e.g. `template \"welcome-v2\"`"),
        );
    }
    model.touchpoints.insert(
        t.name.name.clone(),
        TouchpointDef {
            name: t.name.name.clone(),
            channel: channel.map(|c| c.0).unwrap_or_default(),
            template: template.map(|t| t.0).unwrap_or_default(),
            subject: subject.map(|s| s.0),
            converts: converts.map(|c| c.0),
            requires,
            requires_spans,
            requires_where,
            transactional: transactional.is_some(),
            origin,
            data,
        },
    );
}
