//! The symbol index of one compilation unit: every place a named item is declared or used, for
//! go to definition, find references and hover.
//!
//! It walks the syntax trees of the unit's files and resolves names against the checked
//! [`Model`] the way the checker does (an attribute wins over an enum value; an enum value takes
//! its enum from what it is compared with or assigned to), so a name means the same thing here
//! as in the diagnostics. Names that do not resolve are still recorded, without a definition.

use crate::check::{Model, Type};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, ExprKind, Item, JourneyPart, SectionKind, StepKind};
use std::collections::BTreeSet;

/// A named item, by what identifies it within a unit.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sym {
    Enum(String),
    EnumValue {
        ty: String,
        value: String,
    },
    Attr(String),
    Event(String),
    Field {
        event: String,
        field: String,
    },
    Channel(String),
    Touchpoint(String),
    Journey(String),
    /// A section: `onboarding`, a stage, or `upgrade_FROM_to_TO`.
    Stage {
        journey: String,
        name: String,
    },
    /// Milestones need no declaration: the first `milestone M` of a journey stands for it.
    Milestone {
        journey: String,
        name: String,
    },
    Variant {
        journey: String,
        name: String,
    },
    /// A field of a touchpoint's `data { ... }`, given in `send T with { ... }` and expected in
    /// `expect sent T with { ... }`.
    DataField {
        touchpoint: String,
        field: String,
    },
}

/// One place a symbol is written.
#[derive(Clone, Debug)]
pub struct Occurrence {
    pub file: FileId,
    pub span: Span,
    pub sym: Sym,
    /// True where the symbol is declared.
    pub def: bool,
}

#[derive(Debug, Default)]
pub struct Index {
    pub occurrences: Vec<Occurrence>,
}

impl Index {
    pub fn build(modules: &[(FileId, &ast::Module)], model: &Model) -> Index {
        let mut w = Walker {
            model,
            file: FileId::default(),
            out: Vec::new(),
            journey: None,
            event: None,
            trigger: None,
            milestones: BTreeSet::new(),
        };
        for (file, module) in modules {
            w.file = *file;
            for item in &module.items {
                w.item(item);
            }
        }
        Index { occurrences: w.out }
    }

    /// The occurrence under byte `offset` of `file`: the innermost one when several contain it
    /// (a name touching the cursor at either end counts, as editors place the cursor after it).
    pub fn at(&self, file: FileId, offset: usize) -> Option<&Occurrence> {
        self.occurrences
            .iter()
            .filter(|o| o.file == file && o.span.start <= offset && offset <= o.span.end)
            .min_by_key(|o| o.span.len())
    }

    pub fn definition(&self, sym: &Sym) -> Option<&Occurrence> {
        self.occurrences.iter().find(|o| o.def && o.sym == *sym)
    }

    pub fn occurrences_of<'a>(&'a self, sym: &'a Sym) -> impl Iterator<Item = &'a Occurrence> {
        self.occurrences.iter().filter(move |o| o.sym == *sym)
    }
}

struct Walker<'m> {
    model: &'m Model,
    file: FileId,
    out: Vec<Occurrence>,
    /// The journey being walked, or the one a test or simulation names.
    journey: Option<String>,
    /// The event whose fields `event.FIELD` reads here.
    event: Option<String>,
    /// The trigger event of the journey being walked, whose fields `trigger.FIELD` reads.
    trigger: Option<String>,
    milestones: BTreeSet<(String, String)>,
}

impl Walker<'_> {
    fn push(&mut self, span: Span, sym: Sym, def: bool) {
        self.out.push(Occurrence {
            file: self.file,
            span,
            sym,
            def,
        });
    }

    fn ident(&mut self, id: &ast::Ident, sym: Sym, def: bool) {
        if !id.name.is_empty() {
            self.push(id.span, sym, def);
        }
    }

    fn item(&mut self, item: &Item) {
        self.journey = None;
        self.event = None;
        self.trigger = None;
        match item {
            Item::Import(_) => {}
            Item::Enum(e) => {
                self.ident(&e.name, Sym::Enum(e.name.name.clone()), true);
                for v in &e.values {
                    let sym = Sym::EnumValue {
                        ty: e.name.name.clone(),
                        value: v.name.clone(),
                    };
                    self.ident(v, sym, true);
                }
            }
            Item::Customer(c) => {
                for a in &c.attrs {
                    self.ident(&a.name, Sym::Attr(a.name.name.clone()), true);
                    self.type_name(&a.ty);
                    if let Some(v) = &a.default {
                        let ty = self.model.attr_type(&a.name.name).cloned();
                        self.value(v, ty.as_ref());
                    }
                }
            }
            Item::Event(e) => {
                self.ident(&e.name, Sym::Event(e.name.name.clone()), true);
                for f in &e.fields {
                    let sym = Sym::Field {
                        event: e.name.name.clone(),
                        field: f.name.name.clone(),
                    };
                    self.ident(&f.name, sym, true);
                    self.type_name(&f.ty);
                }
            }
            Item::Channel(c) => {
                self.ident(&c.name, Sym::Channel(c.name.name.clone()), true);
                for p in &c.props {
                    if let ast::ChannelProp::Consent { attr, .. } = p {
                        self.ident(attr, Sym::Attr(attr.name.clone()), false);
                    }
                }
            }
            Item::Touchpoint(t) => {
                self.ident(&t.name, Sym::Touchpoint(t.name.name.clone()), true);
                for p in &t.props {
                    match p {
                        ast::TouchpointProp::Channel(c, _) => {
                            self.ident(c, Sym::Channel(c.name.clone()), false)
                        }
                        ast::TouchpointProp::Converts { event, .. } => {
                            self.ident(event, Sym::Event(event.name.clone()), false)
                        }
                        ast::TouchpointProp::Requires(events, _, conditions) => {
                            for (e, c) in events.iter().zip(conditions) {
                                self.ident(e, Sym::Event(e.name.clone()), false);
                                if let Some(c) = c {
                                    // `event.FIELD` in the condition reads the required event.
                                    let outer = self.event.replace(e.name.clone());
                                    self.expr(c, None);
                                    self.event = outer;
                                }
                            }
                        }
                        ast::TouchpointProp::Template(..)
                        | ast::TouchpointProp::Subject(..)
                        | ast::TouchpointProp::Transactional(..) => {}
                        ast::TouchpointProp::Data(fields, _) => {
                            for f in fields {
                                let sym = Sym::DataField {
                                    touchpoint: t.name.name.clone(),
                                    field: f.name.name.clone(),
                                };
                                self.ident(&f.name, sym, true);
                                self.type_name(&f.ty);
                            }
                        }
                    }
                }
            }
            Item::Journey(j) => self.journey_decl(j),
            Item::Test(t) => self.test(t),
            Item::Simulation(s) => self.simulation(s),
        }
    }

    fn type_name(&mut self, ty: &ast::Ident) {
        if self.model.enums.contains_key(&ty.name) {
            self.ident(ty, Sym::Enum(ty.name.clone()), false);
        }
    }

    fn journey_decl(&mut self, j: &ast::JourneyDecl) {
        let name = j.name.name.clone();
        self.ident(&j.name, Sym::Journey(name.clone()), true);
        self.journey = Some(name.clone());
        self.trigger = j.parts.iter().find_map(|p| match p {
            JourneyPart::Trigger(t) => Some(t.event.name.clone()),
            _ => None,
        });
        // `per FIELD` names a field of the trigger event: renaming the field renames it.
        if let Some(per) = &j.per {
            if let Some(event) = self.trigger.clone() {
                let sym = Sym::Field {
                    event,
                    field: per.name.clone(),
                };
                self.ident(per, sym, false);
            }
        }
        for part in &j.parts {
            match part {
                JourneyPart::Trigger(t) => self.clause(&t.event, t.condition.as_ref()),
                JourneyPart::Goal(g) => self.clause(&g.event, g.condition.as_ref()),
                JourneyPart::Exit(x) => self.clause(&x.event, x.condition.as_ref()),
                JourneyPart::Entry(_) | JourneyPart::Priority(_) | JourneyPart::Exclusive(_) => {}
                JourneyPart::Schedule(s) => {
                    if let Some(c) = &s.condition {
                        let outer = self.event.take();
                        self.expr(c, None);
                        self.event = outer;
                    }
                }
                JourneyPart::When(w) => {
                    let outer = self.event.take();
                    self.expr(&w.condition, None);
                    self.event = outer;
                }
                JourneyPart::Section(s) => {
                    let stage = |n: String| Sym::Stage {
                        journey: name.clone(),
                        name: n,
                    };
                    match &s.kind {
                        SectionKind::Onboarding => {
                            self.push(s.head_span, stage(s.kind.name()), true)
                        }
                        SectionKind::Stage(id) => self.ident(id, stage(id.name.clone()), true),
                        SectionKind::Upgrade { attr, from, to } => {
                            let head = Span::new(s.head_span.start, s.head_span.start + 7);
                            self.push(head, stage(s.kind.name()), true);
                            self.ident(attr, Sym::Attr(attr.name.clone()), false);
                            let ty = self.model.attr_type(&attr.name).cloned();
                            for v in [from, to] {
                                let value = ast::Value {
                                    kind: ast::ValueKind::Name(v.name.clone()),
                                    span: v.span,
                                };
                                self.value(&value, ty.as_ref());
                            }
                        }
                    }
                    self.event = None;
                    self.block(&s.body);
                }
            }
        }
    }

    /// `trigger E where C`, `goal E where C`, `exit on E where C`: `event.FIELD` in `C` reads `E`.
    fn clause(&mut self, event: &ast::Ident, condition: Option<&ast::Expr>) {
        self.ident(event, Sym::Event(event.name.clone()), false);
        if let Some(c) = condition {
            let outer = self.event.replace(event.name.clone());
            self.expr(c, None);
            self.event = outer;
        }
    }

    fn block(&mut self, b: &ast::Block) {
        for step in &b.steps {
            self.step(step);
        }
    }

    fn step(&mut self, step: &ast::Step) {
        let journey = self.journey.clone().unwrap_or_default();
        match &step.kind {
            StepKind::Send(t) => {
                self.ident(t, Sym::Touchpoint(t.name.clone()), false);
                for f in step.payload.iter().flat_map(|p| &p.fields) {
                    let hint = match self.data_field(t, &f.name) {
                        Some(Type::Enum(e)) => Some(e),
                        _ => None,
                    };
                    self.expr(&f.value, hint.as_deref());
                }
            }
            StepKind::Wait(_) | StepKind::Exit | StepKind::WaitClock(_) => {}
            StepKind::WaitUntil(e) => self.expr(e, None),
            StepKind::WaitEvent(w) => {
                self.clause(&w.event, w.condition.as_ref());
                if let Some(on) = &w.on_event {
                    let outer = self.event.replace(w.event.name.clone());
                    self.block(on);
                    self.event = outer;
                }
                if let Some(t) = &w.on_timeout {
                    self.block(t);
                }
            }
            StepKind::WaitAny(w) => {
                // Each branch's `where` and block read its own event.
                for b in &w.branches {
                    self.clause(&b.event, b.condition.as_ref());
                    let outer = self.event.replace(b.event.name.clone());
                    self.block(&b.body);
                    self.event = outer;
                }
                if let Some(t) = &w.on_timeout {
                    self.block(t);
                }
            }
            StepKind::If(i) => {
                for (cond, body) in &i.branches {
                    self.expr(cond, None);
                    self.block(body);
                }
                if let Some(o) = &i.otherwise {
                    self.block(o);
                }
            }
            StepKind::Split(variants) => {
                for v in variants {
                    let sym = Sym::Variant {
                        journey: journey.clone(),
                        name: v.name.name.clone(),
                    };
                    self.ident(&v.name, sym, true);
                    self.block(&v.body);
                }
            }
            StepKind::Milestone(m) => {
                let first = self.milestones.insert((journey.clone(), m.name.clone()));
                let sym = Sym::Milestone {
                    journey,
                    name: m.name.clone(),
                };
                self.ident(m, sym, first);
            }
            StepKind::Set { attr, value } => {
                self.ident(attr, Sym::Attr(attr.name.clone()), false);
                let hint = match self.model.attr_type(&attr.name) {
                    Some(Type::Enum(e)) => Some(e.clone()),
                    _ => None,
                };
                self.expr(value, hint.as_deref());
            }
            StepKind::Goto(target) => {
                let sym = Sym::Stage {
                    journey,
                    name: target.name.clone(),
                };
                self.ident(target, sym, false);
            }
        }
    }

    /// The enum an expression's value belongs to, when it is an attribute or event field.
    fn enum_of(&self, e: &ast::Expr) -> Option<String> {
        let ty = match &e.kind {
            ExprKind::Name(n) => self.model.attr_type(n)?,
            ExprKind::EventField(f) => self.model.field_type(self.event.as_deref()?, &f.name)?,
            ExprKind::TriggerField(f) => {
                self.model.field_type(self.trigger.as_deref()?, &f.name)?
            }
            _ => return None,
        };
        match ty {
            Type::Enum(en) => Some(en.clone()),
            _ => None,
        }
    }

    fn expr(&mut self, e: &ast::Expr, hint: Option<&str>) {
        match &e.kind {
            ExprKind::Lit(_) => {}
            // `now` with no attribute or enum value of that name is the current instant: no
            // symbol (hover explains the word, rename leaves it alone).
            ExprKind::Name(n)
                if n == crate::check::model::NOW
                    && !self.model.attrs.contains_key(n)
                    && !self
                        .model
                        .enums
                        .values()
                        .any(|e| e.values.iter().any(|v| v == n)) => {}
            ExprKind::Name(n) => {
                let sym = self.name(n, hint);
                self.push(e.span, sym, false);
            }
            ExprKind::EventField(f) => {
                if let Some(event) = self.event.clone() {
                    let sym = Sym::Field {
                        event,
                        field: f.name.clone(),
                    };
                    self.ident(f, sym, false);
                }
            }
            ExprKind::TriggerField(f) => {
                if let Some(event) = self.trigger.clone() {
                    let sym = Sym::Field {
                        event,
                        field: f.name.clone(),
                    };
                    self.ident(f, sym, false);
                }
            }
            ExprKind::Call { arg, .. } => self.ident(arg, Sym::Touchpoint(arg.name.clone()), false),
            ExprKind::History { func, arg, .. } => {
                let sym = if func.name == "sent" {
                    Sym::Touchpoint(arg.name.clone())
                } else {
                    Sym::Event(arg.name.clone())
                };
                self.ident(arg, sym, false)
            }
            ExprKind::Unary { expr, .. } => self.expr(expr, hint),
            ExprKind::Binary { op, lhs, rhs } => {
                use ast::BinOp::*;
                let hint = match op {
                    Eq | Ne | Lt | Le | Gt | Ge => self.enum_of(lhs).or_else(|| self.enum_of(rhs)),
                    _ => None,
                };
                self.expr(lhs, hint.as_deref());
                self.expr(rhs, hint.as_deref());
            }
            ExprKind::In { expr, list } => {
                let hint = self.enum_of(expr);
                self.expr(expr, hint.as_deref());
                for l in list {
                    self.expr(l, hint.as_deref());
                }
            }
        }
    }

    /// A bare name: an attribute if there is one, else a value of the hinted enum, else of the
    /// first enum holding it.
    fn name(&self, n: &str, hint: Option<&str>) -> Sym {
        if self.model.attrs.contains_key(n) || self.model.untyped_attrs.contains(n) {
            return Sym::Attr(n.to_string());
        }
        let holds = |e: &str| self.model.enum_index(e, n).is_some();
        let ty = hint.filter(|h| holds(h)).map(str::to_string).or_else(|| {
            self.model
                .enums
                .values()
                .find(|e| e.values.iter().any(|v| v == n))
                .map(|e| e.name.clone())
        });
        match ty {
            Some(ty) => Sym::EnumValue {
                ty,
                value: n.to_string(),
            },
            None => Sym::Attr(n.to_string()),
        }
    }

    /// A constant written for a known type: a bare name in it is an enum value.
    fn value(&mut self, v: &ast::Value, ty: Option<&Type>) {
        if let ast::ValueKind::Name(n) = &v.kind {
            let hint = match ty {
                Some(Type::Enum(e)) => Some(e.as_str()),
                _ => None,
            };
            let sym = match self.name_as_value(n, hint) {
                Some(s) => s,
                None => return,
            };
            self.push(v.span, sym, false);
        }
    }

    fn name_as_value(&self, n: &str, hint: Option<&str>) -> Option<Sym> {
        let ty = match hint {
            Some(h) => h.to_string(),
            None => self
                .model
                .enums
                .values()
                .find(|e| e.values.iter().any(|v| v == n))?
                .name
                .clone(),
        };
        Some(Sym::EnumValue {
            ty,
            value: n.to_string(),
        })
    }

    fn test(&mut self, t: &ast::TestDecl) {
        self.journey = t.parts.iter().find_map(|p| match p {
            ast::TestPart::Journey(j, _) => Some(j.name.clone()),
            _ => None,
        });
        let journey = self.journey.clone().unwrap_or_default();
        for part in &t.parts {
            match part {
                ast::TestPart::Journey(j, _) => self.ident(j, Sym::Journey(j.name.clone()), false),
                ast::TestPart::Customer(assigns, _)
                | ast::TestPart::Identify { props: assigns, .. } => self.attr_assigns(assigns),
                ast::TestPart::At { event, props, .. } => {
                    self.ident(event, Sym::Event(event.name.clone()), false);
                    for a in props {
                        let sym = Sym::Field {
                            event: event.name.clone(),
                            field: a.name.name.clone(),
                        };
                        self.ident(&a.name, sym, false);
                        let ty = self.model.field_type(&event.name, &a.name.name).cloned();
                        self.value(&a.value, ty.as_ref());
                    }
                }
                ast::TestPart::Engage { touchpoint, .. } => {
                    self.ident(touchpoint, Sym::Touchpoint(touchpoint.name.clone()), false)
                }
                ast::TestPart::Expect(x) => match &x.kind {
                    ast::ExpectKind::Sent { touchpoint: t, .. }
                    | ast::ExpectKind::Suppressed(t) => {
                        self.ident(t, Sym::Touchpoint(t.name.clone()), false);
                        if let ast::ExpectKind::Sent { with: Some(w), .. } = &x.kind {
                            for a in &w.fields {
                                let ty = self.data_field(t, &a.name);
                                self.value(&a.value, ty.as_ref());
                            }
                        }
                    }
                    ast::ExpectKind::Milestone(m) => {
                        let sym = Sym::Milestone {
                            journey: journey.clone(),
                            name: m.name.clone(),
                        };
                        self.ident(m, sym, false);
                    }
                    ast::ExpectKind::Reached(s) => {
                        let sym = Sym::Stage {
                            journey: journey.clone(),
                            name: s.name.clone(),
                        };
                        self.ident(s, sym, false);
                    }
                    ast::ExpectKind::Converted | ast::ExpectKind::Exited => {}
                },
            }
        }
    }

    /// Records `FIELD` of `with { FIELD = ... }` for touchpoint `t`; returns the field's type.
    fn data_field(&mut self, t: &ast::Ident, field: &ast::Ident) -> Option<Type> {
        let sym = Sym::DataField {
            touchpoint: t.name.clone(),
            field: field.name.clone(),
        };
        self.ident(field, sym, false);
        self.model
            .touchpoints
            .get(&t.name)?
            .data
            .as_ref()?
            .field(&field.name)?
            .1
            .clone()
    }

    fn attr_assigns(&mut self, assigns: &[ast::Assign]) {
        for a in assigns {
            self.ident(&a.name, Sym::Attr(a.name.name.clone()), false);
            let ty = self.model.attr_type(&a.name.name).cloned();
            self.value(&a.value, ty.as_ref());
        }
    }

    fn simulation(&mut self, s: &ast::SimulationDecl) {
        for part in &s.parts {
            match part {
                ast::SimPart::Journey(j, _) => self.ident(j, Sym::Journey(j.name.clone()), false),
                ast::SimPart::Journeys(list, _) => {
                    for j in list {
                        self.ident(j, Sym::Journey(j.name.clone()), false)
                    }
                }
                ast::SimPart::Customers(..) | ast::SimPart::Seed(..) => {}
                ast::SimPart::Population(assigns, _) => {
                    for a in assigns {
                        self.ident(&a.attr, Sym::Attr(a.attr.name.clone()), false);
                        let ty = self.model.attr_type(&a.attr.name).cloned();
                        self.pop_value(&a.value, ty.as_ref());
                    }
                }
                ast::SimPart::Trigger(assigns, _) => {
                    let event = trigger_event(self.model, &s.parts);
                    self.field_draws(event.as_deref(), assigns);
                }
                ast::SimPart::Behavior(rules, _) => {
                    for r in rules {
                        self.event = None;
                        match &r.subject {
                            ast::BehaviorSubject::Event(e) => {
                                self.ident(e, Sym::Event(e.name.clone()), false);
                                self.event = Some(e.name.clone());
                            }
                            ast::BehaviorSubject::Engagement { touchpoint, .. } => self.ident(
                                touchpoint,
                                Sym::Touchpoint(touchpoint.name.clone()),
                                false,
                            ),
                        }
                        if let Some(t) = &r.after {
                            self.ident(t, Sym::Touchpoint(t.name.clone()), false);
                        }
                        if let Some(c) = &r.condition {
                            self.expr(c, None);
                        }
                        if let Some(b) = &r.fields {
                            let event = self.event.clone();
                            self.field_draws(event.as_deref(), &b.fields);
                        }
                    }
                }
            }
        }
    }

    fn pop_value(&mut self, value: &ast::PopValue, ty: Option<&Type>) {
        match value {
            ast::PopValue::Fixed(v) => self.value(v, ty),
            ast::PopValue::Choices(cs) => {
                for (v, _, _) in cs {
                    self.value(v, ty);
                }
            }
            ast::PopValue::Range(lo, hi) => {
                self.value(lo, ty);
                self.value(hi, ty);
            }
            ast::PopValue::FromNow(..) => {}
        }
    }

    /// Field lines of a simulation's `trigger` block or of a behaviour rule's field block.
    fn field_draws(&mut self, event: Option<&str>, assigns: &[ast::PopAssign]) {
        for a in assigns {
            let ty = event.and_then(|e| self.model.field_type(e, &a.attr.name).cloned());
            if let Some(e) = event {
                let sym = Sym::Field {
                    event: e.to_string(),
                    field: a.attr.name.clone(),
                };
                self.ident(&a.attr, sym, false);
            }
            self.pop_value(&a.value, ty.as_ref());
        }
    }
}

/// The trigger event of the journey a simulation runs, when both are known.
fn trigger_event(model: &Model, parts: &[ast::SimPart]) -> Option<String> {
    let journey = parts.iter().find_map(|p| match p {
        ast::SimPart::Journey(j, _) => Some(&j.name),
        ast::SimPart::Journeys(list, _) => list.first().map(|j| &j.name),
        _ => None,
    })?;
    let t = model.journeys.get(journey)?.trigger()?;
    Some(t.event.name.clone())
}
