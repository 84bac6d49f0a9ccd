//! Checks of `test` and `simulation` blocks: the sample customers users try a journey on.

use super::collect::{unknown_attr, unknown_event, unknown_touchpoint};
use super::draws::{drawn_value, rule_fields, trigger_fields, unknown_field, Drawn};
use super::expr::{const_of, Scope, Typer};
use super::journey::fmt_pct;
use super::model::*;
use super::usage::{Kind, Usage};
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, ExpectKind, SimPart, StepKind, TestPart};
use std::collections::BTreeMap;

pub fn check(model: &Model, sink: &mut Sink, used: &mut Usage) {
    for t in &model.tests {
        test(model, t, sink, used);
    }
    for s in model.simulations.values() {
        simulation(model, s, sink, used);
    }
}

fn journey_ref<'m>(
    model: &'m Model,
    file: FileId,
    j: &ast::Ident,
    sink: &mut Sink,
) -> Option<&'m JourneyDef> {
    if let Some(def) = model.journeys.get(&j.name) {
        return Some(def);
    }
    let mut d = Diagnostic::error(
        codes::UNKNOWN_JOURNEY,
        file,
        format!("unknown journey `{}`", j.name),
    )
    .label(j.span, "no journey has this name");
    d = match did_you_mean(&j.name, model.journeys.keys().map(String::as_str)) {
        Some(s) => d.suggest(j.span, s),
        None => d.help("name a journey declared in this file or one it imports"),
    };
    sink.push(d);
    None
}

/// Checks `name = value` lines against the customer schema.
fn assigns(model: &Model, file: FileId, list: &[ast::Assign], sink: &mut Sink, used: &mut Usage) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for a in list {
        if let Some(first) = seen.get(a.name.name.as_str()) {
            sink.push(
                Diagnostic::error(
                    codes::DUPLICATE_PROPERTY,
                    file,
                    format!("`{}` is given twice", a.name.name),
                )
                .label(a.name.span, "given again here")
                .label(*first, "first given here")
                .help("give each attribute once"),
            );
            continue;
        }
        seen.insert(&a.name.name, a.name.span);
        match model.attrs.get(&a.name.name) {
            Some(def) => {
                used.mark(Kind::Attr, &a.name.name);
                const_of(model, file, &a.value, &def.ty, sink);
            }
            None => unknown_attr(model, file, &a.name, sink),
        }
    }
}

/// Milestone names and section names of a journey, for `expect milestone` and `expect reached`.
fn milestones(b: &ast::Block, out: &mut Vec<String>) {
    for s in &b.steps {
        match &s.kind {
            StepKind::Milestone(m) => out.push(m.name.clone()),
            StepKind::WaitEvent(w) => {
                for blk in w.on_event.iter().chain(w.on_timeout.iter()) {
                    milestones(blk, out);
                }
            }
            StepKind::WaitAny(w) => {
                for blk in w
                    .branches
                    .iter()
                    .map(|b| &b.body)
                    .chain(w.on_timeout.iter())
                {
                    milestones(blk, out);
                }
            }
            StepKind::If(i) => {
                for (_, blk) in &i.branches {
                    milestones(blk, out);
                }
                if let Some(o) = &i.otherwise {
                    milestones(o, out);
                }
            }
            StepKind::Split(vs) => {
                for v in vs {
                    milestones(&v.body, out);
                }
            }
            _ => {}
        }
    }
}

/// Test lines go forward in time, so a test reads as a timeline.
fn in_order(last: Option<(u64, Span)>, at: &ast::Dur, file: FileId, sink: &mut Sink) {
    if let Some((prev, prev_span)) = last {
        if at.secs < prev {
            sink.push(
                Diagnostic::error(codes::TEST_INVALID, file, "test events are out of order")
                    .label(at.span, "earlier than the line before it")
                    .label(prev_span, "this line's time is later")
                    .help("list `at` lines in time order, so the test reads as a timeline"),
            );
        }
    }
}

fn test(model: &Model, t: &TestDef, sink: &mut Sink, used: &mut Usage) {
    let file = t.file;
    let mut journey: Option<&JourneyDef> = None;
    let mut journey_span: Option<Span> = None;
    let mut last_at: Option<(u64, Span)> = None;
    for part in &t.decl.parts {
        match part {
            TestPart::Journey(j, span) => {
                if let Some(first) = journey_span {
                    sink.push(
                        Diagnostic::error(
                            codes::TEST_INVALID,
                            file,
                            "a test names its journey twice",
                        )
                        .label(*span, "second `journey`")
                        .label(first, "first `journey`")
                        .help("a test tries one journey; write another test for the other"),
                    );
                    continue;
                }
                journey_span = Some(*span);
                journey = journey_ref(model, file, j, sink);
            }
            TestPart::Customer(list, _) => assigns(model, file, list, sink, used),
            TestPart::At {
                at, event, props, ..
            } => {
                in_order(last_at, at, file, sink);
                // The time, not the whole line: the line's span runs on to the next one.
                last_at = Some((at.secs, at.span));
                if !model.events.contains_key(&event.name) {
                    unknown_event(model, file, event, sink);
                    continue;
                }
                used.mark(Kind::Event, &event.name);
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                for p in props {
                    if let Some(first) = seen.get(p.name.name.as_str()) {
                        sink.push(
                            Diagnostic::error(
                                codes::DUPLICATE_PROPERTY,
                                file,
                                format!("field `{}` is given twice", p.name.name),
                            )
                            .label(p.name.span, "given again here")
                            .label(*first, "first given here")
                            .help("give each field once"),
                        );
                        continue;
                    }
                    seen.insert(&p.name.name, p.name.span);
                    match model.field_type(&event.name, &p.name.name) {
                        Some(ty) => {
                            const_of(model, file, &p.value, ty, sink);
                        }
                        None => unknown_field(model, file, &event.name, &p.name, sink),
                    }
                }
            }
            TestPart::Identify { at, props, .. } => {
                in_order(last_at, at, file, sink);
                last_at = Some((at.secs, at.span));
                assigns(model, file, props, sink, used);
            }
            TestPart::Engage {
                at,
                func,
                touchpoint,
                ..
            } => {
                in_order(last_at, at, file, sink);
                last_at = Some((at.secs, at.span));
                if !matches!(func.name.as_str(), "opened" | "clicked") {
                    sink.push(
                        Diagnostic::error(codes::UNKNOWN_FUNCTION, file, format!("`{}` is not an engagement", func.name))
                            .label(func.span, "not `opened` or `clicked`")
                            .help("a test customer can `opened(t)` or `clicked(t)` a message they were sent"),
                    );
                }
                if model.touchpoints.contains_key(&touchpoint.name) {
                    used.mark(Kind::Touchpoint, &touchpoint.name);
                } else {
                    unknown_touchpoint(model, file, touchpoint, sink);
                }
            }
            TestPart::Expect(_) => {}
        }
    }
    let Some(span) = journey_span else {
        sink.push(
            Diagnostic::error(
                codes::TEST_INVALID,
                file,
                format!("test \"{}\" does not say which journey it tries", t.name),
            )
            .label(t.decl.name.span, "no `journey` line")
            .help("add `journey NAME` as the test's first line"),
        );
        return;
    };
    let _ = span;
    // A scheduled journey (`trigger every`) needs no event: the test customer is known from
    // the start and the schedule enters them. So does a `trigger when` journey, which the
    // customer enters from the start when the condition holds, or at an identify
    // (`at T customer { ... }`) that makes it hold.
    let scheduled = journey.is_some_and(|j| j.schedule().is_some() || j.when().is_some());
    if !scheduled
        && !t
            .decl
            .parts
            .iter()
            .any(|p| matches!(p, TestPart::At { .. }))
    {
        sink.push(
            Diagnostic::error(
                codes::TEST_INVALID,
                file,
                format!("test \"{}\" sends no events", t.name),
            )
            .label(t.decl.name.span, "nothing happens in this test")
            .help("add the trigger event, e.g. `at 0 signed_up`"),
        );
    }
    let Some(j) = journey else { return };
    let mut ms = Vec::new();
    for s in j.sections() {
        milestones(&s.body, &mut ms);
    }
    let sections: Vec<String> = j.sections().map(|s| s.kind.name()).collect();
    for part in &t.decl.parts {
        let TestPart::Expect(e) = part else { continue };
        match &e.kind {
            ExpectKind::Sent { touchpoint, .. } | ExpectKind::Suppressed(touchpoint) => {
                if model.touchpoints.contains_key(&touchpoint.name) {
                    used.mark(Kind::Touchpoint, &touchpoint.name);
                } else {
                    unknown_touchpoint(model, file, touchpoint, sink);
                }
                if let ExpectKind::Sent {
                    with: Some(with), ..
                } = &e.kind
                {
                    super::payload::expectation(model, file, touchpoint, with, sink);
                }
            }
            ExpectKind::Milestone(m) => {
                if !ms.contains(&m.name) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_MILESTONE,
                        file,
                        format!("journey `{}` has no milestone `{}`", j.name, m.name),
                    )
                    .label(m.span, "no `milestone` step has this name");
                    d = match did_you_mean(&m.name, ms.iter().map(String::as_str)) {
                        Some(s) => d.suggest(m.span, s),
                        None if ms.is_empty() => d.help("the journey has no `milestone` steps"),
                        None => d.help(format!("its milestones are {}", ms.join(", "))),
                    };
                    sink.push(d);
                }
            }
            ExpectKind::Reached(s) => {
                if !sections.contains(&s.name) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_STAGE,
                        file,
                        format!("journey `{}` has no stage `{}`", j.name, s.name),
                    )
                    .label(s.span, "no stage has this name");
                    d = match did_you_mean(&s.name, sections.iter().map(String::as_str)) {
                        Some(x) => d.suggest(s.span, x),
                        None => d.help(format!("its stages are {}", sections.join(", "))),
                    };
                    sink.push(d);
                }
            }
            ExpectKind::Converted | ExpectKind::Exited => {}
        }
    }
}

fn simulation(model: &Model, s: &SimulationDef, sink: &mut Sink, used: &mut Usage) {
    let file = s.file;
    let mut seen_parts: BTreeMap<&'static str, Span> = BTreeMap::new();
    let mut journey: Option<&JourneyDef> = None;
    for part in &s.decl.parts {
        let (key, span) = match part {
            SimPart::Journey(_, sp) | SimPart::Journeys(_, sp) => ("journey", *sp),
            SimPart::Customers(_, sp) => ("customers", *sp),
            SimPart::Seed(_, sp) => ("seed", *sp),
            SimPart::Trigger(_, sp) => ("trigger", *sp),
            SimPart::Population(_, sp) => ("population", *sp),
            SimPart::Behavior(_, sp) => ("behavior", *sp),
        };
        if let Some(first) = seen_parts.get(key) {
            sink.push(
                Diagnostic::error(
                    codes::DUPLICATE_PROPERTY,
                    file,
                    format!("`{key}` is given twice"),
                )
                .label(span, "given again here")
                .label(*first, "first given here")
                .help(format!("keep one `{key}` in the simulation")),
            );
            continue;
        }
        seen_parts.insert(key, span);
        match part {
            SimPart::Journey(j, _) => journey = journey_ref(model, file, j, sink),
            // The first journey named is the one customers arrive in.
            SimPart::Journeys(list, sp) => {
                let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
                for j in list {
                    if let Some(first) = seen.insert(&j.name, j.span) {
                        sink.push(
                            Diagnostic::error(
                                codes::DUPLICATE_PROPERTY,
                                file,
                                format!("journey `{}` is named twice", j.name),
                            )
                            .label(j.span, "named again here")
                            .label(first, "first named here")
                            .help("name each journey once"),
                        );
                        continue;
                    }
                    let def = journey_ref(model, file, j, sink);
                    journey = journey.or(def);
                }
                if list.is_empty() {
                    journey = model
                        .journeys
                        .values()
                        .min_by_key(|j| (j.file, j.decl.span.start));
                    if journey.is_none() {
                        sink.push(
                            Diagnostic::error(
                                codes::SIMULATION_INVALID,
                                file,
                                "`journeys all` but the project has no journey",
                            )
                            .label(*sp, "no journey to run")
                            .help("declare a journey, or import the files that do"),
                        );
                    }
                }
            }
            SimPart::Customers(n, sp) => {
                if *n == 0 {
                    sink.push(
                        Diagnostic::error(
                            codes::SIMULATION_INVALID,
                            file,
                            "a simulation needs at least one customer",
                        )
                        .label(*sp, "zero customers")
                        .help("write `customers 10_000`"),
                    );
                } else if *n > crate::ir::simulation::MAX_CUSTOMERS {
                    sink.push(
                        Diagnostic::error(
                            codes::SIMULATION_INVALID,
                            file,
                            "a simulation runs at most 100,000,000 customers",
                        )
                        .label(*sp, "more than 100 million customers")
                        .help("write a smaller number, like `customers 1_000_000`: the report's percentages stop moving long before 100 million"),
                    );
                }
            }
            SimPart::Seed(..) => {}
            // Checked below, once the journey (which may come later) is known.
            SimPart::Trigger(..) => {}
            SimPart::Population(list, _) => population(model, file, list, sink, used),
            SimPart::Behavior(rules, _) => behavior(model, file, rules, sink, used),
        }
    }
    if !seen_parts.contains_key("journey") {
        sink.push(
            Diagnostic::error(
                codes::SIMULATION_INVALID,
                file,
                format!("simulation `{}` does not say which journey it runs", s.name),
            )
            .label(s.decl.name.span, "no `journey` line")
            .help("add `journey NAME`"),
        );
    }
    // Only the first `trigger` block: a second one was reported as given twice.
    let trigger = s.decl.parts.iter().find_map(|p| match p {
        SimPart::Trigger(list, _) => Some(list),
        _ => None,
    });
    if let Some(list) = trigger {
        trigger_fields(model, file, journey, list, sink);
    }
}

fn population(
    model: &Model,
    file: FileId,
    list: &[ast::PopAssign],
    sink: &mut Sink,
    used: &mut Usage,
) {
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for a in list {
        if !super::draws::first_line(&mut seen, a, file, Drawn::Attribute, sink) {
            continue;
        }
        let Some(def) = model.attrs.get(&a.attr.name) else {
            unknown_attr(model, file, &a.attr, sink);
            continue;
        };
        used.mark(Kind::Attr, &a.attr.name);
        drawn_value(model, file, a, &def.ty, Drawn::Attribute, sink);
    }
}

fn behavior(
    model: &Model,
    file: FileId,
    rules: &[ast::BehaviorRule],
    sink: &mut Sink,
    used: &mut Usage,
) {
    for r in rules {
        let mut event_scope: Option<&str> = None;
        match &r.subject {
            ast::BehaviorSubject::Event(e) => {
                if model.events.contains_key(&e.name) {
                    used.mark(Kind::Event, &e.name);
                    event_scope = model.events.get_key_value(&e.name).map(|(k, _)| k.as_str());
                } else {
                    unknown_event(model, file, e, sink);
                }
            }
            ast::BehaviorSubject::Engagement { func, touchpoint } => {
                if !matches!(func.name.as_str(), "opened" | "clicked") {
                    sink.push(
                        Diagnostic::error(codes::UNKNOWN_FUNCTION, file, format!("`{}` is not an engagement", func.name))
                            .label(func.span, "not `opened` or `clicked`")
                            .help("a behaviour rule models `opened(t)` or `clicked(t)`, or an event by name"),
                    );
                }
                if model.touchpoints.contains_key(&touchpoint.name) {
                    used.mark(Kind::Touchpoint, &touchpoint.name);
                } else {
                    unknown_touchpoint(model, file, touchpoint, sink);
                }
            }
        }
        if !(0.0..=100.0).contains(&r.percent) {
            sink.push(
                Diagnostic::error(
                    codes::BAD_VALUE,
                    file,
                    format!("a rate of {}% is not a probability", fmt_pct(r.percent)),
                )
                .label(r.span, "rates go from 0% to 100%")
                .help("write the share of customers who do this, between 0% and 100%"),
            );
        }
        if let Some(ast::Timing::After(lo, Some(hi))) = &r.timing {
            if lo.secs > hi.secs {
                sink.push(
                    Diagnostic::error(codes::BAD_VALUE, file, "the delay range is backwards")
                        .label(lo.span.to(hi.span), "the low end is above the high end")
                        .help("write the shorter delay first, like `after 2h..2d`"),
                );
            }
        }
        if let Some(t) = &r.after {
            if model.touchpoints.contains_key(&t.name) {
                used.mark(Kind::Touchpoint, &t.name);
            } else {
                unknown_touchpoint(model, file, t, sink);
            }
        }
        if let Some(c) = &r.condition {
            let mut typer = Typer {
                scope: Scope {
                    model,
                    file,
                    event: event_scope,
                    trigger: None,
                },
                sink,
                used,
            };
            typer.condition(c);
            if let Some(h) = first_history(c) {
                sink.push(
                    Diagnostic::error(
                        codes::SIMULATION_INVALID,
                        file,
                        "a behaviour rule's `where` cannot read history",
                    )
                    .label(h, "history is read by journey conditions only")
                    .help("decide it in the journey instead (`if happened(E) within D { ... }`), or draw the rule from attributes"),
                );
            }
        }
        rule_fields(model, file, r, sink);
    }
}

/// The span of the first history call in `e` (`sent(T) within D`, `happened`, `count`).
fn first_history(e: &ast::Expr) -> Option<crate::source::Span> {
    match &e.kind {
        ast::ExprKind::History { .. } => Some(e.span),
        ast::ExprKind::Unary { expr, .. } => first_history(expr),
        ast::ExprKind::Binary { lhs, rhs, .. } => first_history(lhs).or_else(|| first_history(rhs)),
        ast::ExprKind::In { expr, list } => {
            first_history(expr).or_else(|| list.iter().find_map(first_history))
        }
        _ => None,
    }
}
