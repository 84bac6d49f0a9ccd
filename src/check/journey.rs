//! Per-journey checks: the header (trigger, entry, goals, exits), section names, and every step's
//! names and types. Path-sensitive properties are in [`super::flow`].

use super::collect::{naming, unknown_attr, unknown_event, unknown_touchpoint};
use super::expr::{unknown_enum_value, Scope, Typer};
use super::model::*;
use super::usage::{Kind, Usage};
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, JourneyPart, SectionKind, StepKind};
use std::collections::BTreeMap;

mod clock;
mod wait_any;
mod wait_until;
mod when;

struct Ctx<'a, 'b> {
    model: &'a Model,
    file: FileId,
    sink: &'b mut Sink,
    used: &'b mut Usage,
    sections: Vec<String>,
    /// The names the conditions of the enclosing `if`s read: a `wait until` inside `if x > now`
    /// has its time set (W0417 keeps quiet).
    guarded: Vec<String>,
    /// The trigger event, which `trigger.FIELD` reads.
    trigger: Option<&'a str>,
}

impl Ctx<'_, '_> {
    fn typer(&mut self, event: Option<&str>) -> Typer<'_, '_> {
        // `event` borrows from the model, which outlives the typer.
        let event = event.and_then(|e| self.model.events.get_key_value(e).map(|(k, _)| k.as_str()));
        Typer {
            scope: Scope {
                model: self.model,
                file: self.file,
                event,
                trigger: self.trigger,
            },
            sink: self.sink,
            used: self.used,
        }
    }

    fn event(&mut self, e: &ast::Ident) -> bool {
        if self.model.events.contains_key(&e.name) {
            self.used.mark(Kind::Event, &e.name);
            true
        } else {
            unknown_event(self.model, self.file, e, self.sink);
            false
        }
    }
}

pub fn check(j: &JourneyDef, model: &Model, sink: &mut Sink, used: &mut Usage) {
    let file = j.file;
    let sections: Vec<String> = j.sections().map(|s| s.kind.name()).collect();
    let mut cx = Ctx {
        model,
        file,
        sink,
        used,
        sections,
        guarded: Vec::new(),
        trigger: j
            .trigger()
            .and_then(|t| model.events.get_key_value(&t.event.name))
            .map(|(k, _)| k.as_str()),
    };
    let mut trigger: Option<Span> = None;
    let mut entry: Option<Span> = None;
    let mut priority: Option<Span> = None;
    let mut exclusive: Option<Span> = None;
    for part in &j.decl.parts {
        match part {
            JourneyPart::Trigger(t) => {
                if let Some(first) = trigger {
                    twice(cx.sink, file, "trigger", t.span, first);
                    continue;
                }
                trigger = Some(t.span);
                let ok = cx.event(&t.event);
                if let Some(c) = &t.condition {
                    cx.typer(ok.then_some(t.event.name.as_str())).condition(c);
                }
            }
            JourneyPart::Entry(e) => {
                if let Some(first) = entry {
                    twice(cx.sink, file, "entry", e.span, first);
                    continue;
                }
                entry = Some(e.span);
                if let ast::EntryRule::Every(d) = e.rule {
                    if d.secs == 0 {
                        cx.sink.push(
                            Diagnostic::error(codes::BAD_VALUE, file, "`entry every` needs a period longer than zero")
                                .label(d.span, "zero period")
                                .help("write `entry every 30d`, or `entry always` to let customers re-enter whenever they are not in the journey"),
                        );
                    }
                }
            }
            JourneyPart::Priority(p) => {
                if let Some(first) = priority {
                    twice(cx.sink, file, "priority", p.span, first);
                    continue;
                }
                priority = Some(p.span);
            }
            JourneyPart::Exclusive(x) => {
                if let Some(first) = exclusive {
                    twice(cx.sink, file, "exclusive", x.span, first);
                    continue;
                }
                exclusive = Some(x.span);
                super::collect::naming(cx.sink, file, &x.group, "exclusive group");
            }
            JourneyPart::Goal(g) => {
                let ok = cx.event(&g.event);
                if let Some(c) = &g.condition {
                    cx.typer(ok.then_some(g.event.name.as_str())).condition(c);
                }
                if let Some(w) = g.within {
                    if w.secs == 0 {
                        cx.sink.push(
                            Diagnostic::error(codes::BAD_VALUE, file, "a goal window must be longer than zero")
                                .label(w.span, "no customer could reach this goal")
                                .help("write a window like `goal upgraded within 14d`, or leave out `within` for no limit"),
                        );
                    }
                }
            }
            JourneyPart::Exit(x) => {
                let ok = cx.event(&x.event);
                if let Some(c) = &x.condition {
                    cx.typer(ok.then_some(x.event.name.as_str())).condition(c);
                }
            }
            JourneyPart::Section(s) => section(&mut cx, s),
            JourneyPart::Schedule(s) => {
                if let Some(first) = trigger {
                    twice(cx.sink, file, "trigger", s.span, first);
                    continue;
                }
                trigger = Some(s.span);
                clock::schedule(&mut cx, s);
            }
            JourneyPart::When(w) => {
                if let Some(first) = trigger {
                    twice(cx.sink, file, "trigger", w.span, first);
                    continue;
                }
                trigger = Some(w.span);
                when::when(&mut cx, w);
            }
        }
    }
    if trigger.is_none() {
        cx.sink.push(
            Diagnostic::error(
                codes::MISSING_PROPERTY,
                file,
                format!("journey `{}` has no trigger", j.name),
            )
            .label(j.decl.name.span, "no `trigger` in this journey")
            .help("say which event starts it, e.g. `trigger signed_up where plan == trial`"),
        );
    }
    if j.sections().all(|s| s.body.steps.is_empty()) {
        cx.sink.push(
            Diagnostic::error(codes::EMPTY_JOURNEY, file, format!("journey `{}` has no steps", j.name))
                .label(j.decl.name.span, "nothing happens to a customer who enters")
                .help("add an `onboarding { ... }` or `stage NAME { ... }` with steps such as `send welcome`"),
        );
    }
    // Section names are what `goto` and reports use: they must be unique.
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for s in j.sections() {
        let name = s.kind.name();
        if let Some(first) = seen.get(&name) {
            cx.sink.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    file,
                    format!("stage `{name}` is defined twice in journey `{}`", j.name),
                )
                .label(s.head_span, "defined again here")
                .label(*first, "first defined here")
                .help("give each stage its own name; `goto` needs to know which one it means"),
            );
        } else {
            seen.insert(name, s.head_span);
        }
    }
}

fn twice(sink: &mut Sink, file: FileId, what: &str, span: Span, first: Span) {
    sink.push(
        Diagnostic::error(
            codes::DUPLICATE_PROPERTY,
            file,
            format!("a journey has one `{what}`, this one has two"),
        )
        .label(span, "second one")
        .label(first, "first one")
        .help(format!(
            "keep one `{what}`; to start on several events, write a journey for each"
        )),
    );
}

fn section(cx: &mut Ctx, s: &ast::Section) {
    match &s.kind {
        SectionKind::Onboarding => {}
        SectionKind::Stage(name) => naming(cx.sink, cx.file, name, "stage"),
        SectionKind::Upgrade { attr, from, to } => upgrade(cx, attr, from, to),
    }
    block(cx, &s.body, None);
}

fn upgrade(cx: &mut Ctx, attr: &ast::Ident, from: &ast::Ident, to: &ast::Ident) {
    let Some(a) = cx.model.attrs.get(&attr.name) else {
        unknown_attr(cx.model, cx.file, attr, cx.sink);
        return;
    };
    cx.used.mark(Kind::Attr, &attr.name);
    let Type::Enum(en) = &a.ty else {
        cx.sink.push(
            Diagnostic::error(codes::UPGRADE_NOT_ENUM, cx.file, format!("`{}` is {}, not an enum", attr.name, a.ty.a()))
                .label(attr.span, "an upgrade climbs an enum")
                .label_in(a.origin.file, a.origin.span, "declared here")
                .help("declare the attribute with an enum type, e.g. `plan: plan` with `enum plan { free, trial, pro }`"),
        );
        return;
    };
    let f = cx.model.enum_index(en, &from.name);
    let t = cx.model.enum_index(en, &to.name);
    if f.is_none() {
        unknown_enum_value(cx.model, cx.file, &from.name, en, from.span, cx.sink);
    }
    if t.is_none() {
        unknown_enum_value(cx.model, cx.file, &to.name, en, to.span, cx.sink);
    }
    if let (Some(f), Some(t)) = (f, t) {
        if t <= f {
            let order = cx
                .model
                .enums
                .get(en)
                .map(|e| e.values.join(" < "))
                .unwrap_or_default();
            let d = Diagnostic::error(
                codes::UPGRADE_DIRECTION,
                cx.file,
                format!("`upgrade {} {} -> {}` does not go up the order of `{en}`", attr.name, from.name, to.name),
            )
            .label(to.span, if t == f { "the same value" } else { "this value is below the starting one" })
            .label(from.span, "starting value")
            .help(format!("`{en}` is ordered {order}; an upgrade goes from a lower value to a higher one (a downgrade is a `stage` with `set`)"));
            cx.sink.push(d);
        }
    }
}

fn block(cx: &mut Ctx, b: &ast::Block, event: Option<&str>) {
    for step in &b.steps {
        match &step.kind {
            StepKind::Send(t) => {
                if cx.model.touchpoints.contains_key(&t.name) {
                    cx.used.mark(Kind::Touchpoint, &t.name);
                } else {
                    unknown_touchpoint(cx.model, cx.file, t, cx.sink);
                }
                let head = Span::new(step.span.start, t.span.end);
                super::payload::send(&mut cx.typer(event), head, t, step.payload.as_ref());
            }
            StepKind::Wait(d) => {
                if d.secs == 0 {
                    cx.sink.push(
                        Diagnostic::error(
                            codes::BAD_VALUE,
                            cx.file,
                            "`wait` needs a duration longer than zero",
                        )
                        .label(d.span, "waits for nothing")
                        .help("write a delay like `wait 2d`, or remove the step"),
                    );
                }
            }
            StepKind::WaitEvent(w) => {
                let ok = cx.event(&w.event);
                let ev = ok.then_some(w.event.name.as_str());
                if let Some(c) = &w.condition {
                    cx.typer(ev).condition(c);
                }
                if let Some(d) = w.up_to {
                    if d.secs == 0 {
                        cx.sink.push(
                            Diagnostic::error(
                                codes::BAD_VALUE,
                                cx.file,
                                "`up to` needs a duration longer than zero",
                            )
                            .label(d.span, "the wait would time out at once")
                            .help("write a window like `up to 3d`"),
                        );
                    }
                }
                if let Some(on) = &w.on_event {
                    block(cx, on, ev);
                }
                if let Some(t) = &w.on_timeout {
                    // After a timeout there is no event: the enclosing one (if any) still holds.
                    block(cx, t, event);
                }
            }
            StepKind::WaitAny(w) => wait_any::check(cx, w, event),
            StepKind::WaitUntil(e) => wait_until::check(cx, e, event),
            StepKind::If(i) => {
                for (cond, body) in &i.branches {
                    cx.typer(event).condition(cond);
                    let depth = cx.guarded.len();
                    wait_until::guards(cond, &mut cx.guarded);
                    block(cx, body, event);
                    cx.guarded.truncate(depth);
                }
                if let Some(o) = &i.otherwise {
                    block(cx, o, event);
                }
            }
            StepKind::Split(variants) => split(cx, step.span, variants, event),
            StepKind::Milestone(m) => naming(cx.sink, cx.file, m, "milestone"),
            StepKind::Set { attr, value } => match cx.model.attrs.get(&attr.name) {
                Some(a) => {
                    cx.used.mark(Kind::Attr, &attr.name);
                    let ty = a.ty.clone();
                    cx.typer(event).expect(value, &ty);
                }
                None => {
                    unknown_attr(cx.model, cx.file, attr, cx.sink);
                    cx.typer(event).infer(value, None);
                }
            },
            StepKind::Goto(target) => {
                if !cx.sections.contains(&target.name) {
                    let mut d = Diagnostic::error(
                        codes::UNKNOWN_STAGE,
                        cx.file,
                        format!("unknown stage `{}`", target.name),
                    )
                    .label(target.span, "no stage of this journey has this name");
                    d = match did_you_mean(&target.name, cx.sections.iter().map(String::as_str)) {
                        Some(s) => d.suggest(target.span, s),
                        None => d.help(format!("the stages are {}", cx.sections.join(", "))),
                    };
                    cx.sink.push(d);
                }
            }
            StepKind::Exit => {}
            StepKind::WaitClock(c) => clock::wait(cx, c),
        }
    }
}

fn split(cx: &mut Ctx, span: Span, variants: &[ast::Variant], event: Option<&str>) {
    let head = Span::new(span.start, span.start + "split".len());
    if variants.is_empty() {
        cx.sink.push(
            Diagnostic::error(codes::SPLIT_SUM, cx.file, "a split has no variants")
                .label(head, "empty split")
                .help("give it named variants whose shares add up to 100%, e.g. `50% a { ... }  50% b { ... }`"),
        );
        return;
    }
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for v in variants {
        if let Some(first) = seen.get(v.name.name.as_str()) {
            cx.sink.push(
                Diagnostic::error(
                    codes::DUPLICATE,
                    cx.file,
                    format!("split variant `{}` is defined twice", v.name.name),
                )
                .label(v.name.span, "defined again here")
                .label(*first, "first defined here")
                .help("each variant needs its own name: reports and assignment use it"),
            );
        } else {
            seen.insert(&v.name.name, v.name.span);
        }
        naming(cx.sink, cx.file, &v.name, "variant");
        if v.percent <= 0.0 {
            cx.sink.push(
                Diagnostic::error(
                    codes::BAD_VALUE,
                    cx.file,
                    format!("variant `{}` has no share", v.name.name),
                )
                .label(v.percent_span, "no customer would get it")
                .help("give it a share above 0%, or remove it"),
            );
        }
        block(cx, &v.body, event);
    }
    let total: f64 = variants.iter().map(|v| v.percent).sum();
    if (total - 100.0).abs() > 1e-9 {
        let mut d = Diagnostic::error(
            codes::SPLIT_SUM,
            cx.file,
            format!("split shares add up to {}%, not 100%", fmt_pct(total)),
        )
        .label(head, format!("{}% in all", fmt_pct(total)));
        for v in variants {
            d = d.label(v.percent_span, "");
        }
        let help = if total < 100.0 {
            format!(
                "add {}% to a variant, or add a `holdout` variant with the rest",
                fmt_pct(100.0 - total)
            )
        } else {
            format!("take {}% off the variants", fmt_pct(total - 100.0))
        };
        cx.sink.push(d.help(help));
    }
}

pub fn fmt_pct(v: f64) -> String {
    let s = format!("{v:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
