//! Lowering a checked journey to the IR.
//!
//! Lowering only ever sees journeys the checker accepted, so every name resolves; where the model
//! still lacks something (it cannot after a clean check) lowering falls back to a harmless value
//! rather than panicking.
//!
//! # Node ids
//!
//! An id is the path of the step in the source: `<stage>.<index>.<kind>`, where `<stage>` is the
//! section's name (`onboarding`, the stage's name, or `upgrade_FROM_to_TO`), `<index>` the 0-based
//! position of the step in its block and `<kind>` the step's keyword (`send`, `wait`, `if`,
//! `split`, `milestone`, `set`, `goto`, `exit`). A step inside a block extends the id of the step
//! that holds the block:
//!
//! - `wait EVENT`: `.event.<index>.<kind>` for the block run on the event, `.timeout.<...>` for the
//!   timeout block (`onboarding.1.wait.event.0.send`);
//! - `if`: `.then.<...>`, `.else_if_<n>.<...>` for the n-th `else if` (from 1), `.else.<...>`;
//! - `split`: `.<variant>.<...>` (`upgrade_trial_to_pro.0.split.offer_a.0.send`).
//!
//! Each section starts with an `enter_stage` node `<stage>.enter`. Ids never depend on another
//! section, so editing one stage leaves every other stage's ids as they were.
//!
//! # Continuations
//!
//! Falling off the end of a block continues with the step after the construct that holds it;
//! falling off the end of a section continues with the next section's entry; falling off the last
//! section completes the journey (`next: None`).
//!
//! # Declarations carried in the IR
//!
//! The whole customer schema (every attribute: a customer record is one schema, and a consumer
//! needs every default to initialise it), and only the events, touchpoints and channels this
//! journey refers to, so an unrelated declaration added next to it leaves its spec unchanged.

use super::*;
use crate::check::{self, Checked, Const, JourneyDef, Model};
use crate::diagnostics::{codes, Diagnostic};
use crate::project;
use crate::source::{FileId, SourceFile, SourceMap, Span};
use crate::syntax::ast::{self, ExprKind, Literal, SectionKind, StepKind, UnOp};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Lowers every journey of a checked project. Call it only when checking found no errors.
///
/// A journey declared in a file that several units import is lowered once. Two different
/// journeys with the same name would both be written as `<name>.json`: that is reported as an
/// error, with both declarations labelled. Journeys come back sorted by name.
pub fn lower_all(checked: &Checked, sources: &SourceMap) -> Result<Vec<Journey>, Vec<Diagnostic>> {
    let mut seen: BTreeMap<&str, (FileId, Span)> = BTreeMap::new();
    // A file's name in specs is found by looking for the project root on disk: once per file,
    // not once per journey.
    let mut file_names: BTreeMap<FileId, String> = BTreeMap::new();
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for model in &checked.models {
        for j in model.journeys.values() {
            let here = (j.file, j.decl.name.span);
            match seen.get(j.name.as_str()) {
                Some(first) if first.0 == here.0 && first.1.start == here.1.start => {}
                Some(first) => errors.push(
                    Diagnostic::error(codes::DUPLICATE, j.file, format!("journey `{}` is defined in two places", j.name))
                        .label(j.decl.name.span, "defined again here")
                        .label_in(first.0, first.1, format!("`{}` is first defined here", j.name))
                        .help(format!(
                            "`journeyc build` writes one `{}.json` per journey name; rename one of them",
                            j.name
                        )),
                ),
                None => {
                    seen.insert(&j.name, here);
                    let file_name = file_names
                        .entry(j.file)
                        .or_insert_with(|| project_relative_name(sources.get(j.file)))
                        .clone();
                    out.push(lower_journey_in(model, j, sources, file_name));
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Lowers one journey of a model without errors.
pub fn lower_journey(model: &Model, journey: &JourneyDef, sources: &SourceMap) -> Journey {
    let file_name = project_relative_name(sources.get(journey.file));
    lower_journey_in(model, journey, sources, file_name)
}

/// [`lower_journey`], given the name its file has in specs.
fn lower_journey_in(
    model: &Model,
    journey: &JourneyDef,
    sources: &SourceMap,
    file_name: String,
) -> Journey {
    let file = sources.get(journey.file);
    let mut lw = Lowerer {
        model,
        file,
        file_name,
        nodes: Vec::new(),
        stage: String::new(),
        trigger: journey.trigger().map(|t| t.event.name.clone()),
    };

    let trigger = match journey.trigger() {
        Some(t) => Trigger {
            event: t.event.name.clone(),
            condition: t
                .condition
                .as_ref()
                .map(|c| lw.cx(Some(&t.event.name)).expr(c, None)),
            schedule: None,
            when: false,
        },
        None => match journey.schedule() {
            Some(s) => Trigger {
                event: String::new(),
                condition: s.condition.as_ref().map(|c| lw.cx(None).expr(c, None)),
                schedule: Some(crate::ir::Schedule {
                    day: s
                        .clock
                        .day
                        .as_ref()
                        .and_then(|d| crate::ir::clock::Weekday::from_name(&d.name)),
                    minute_of_day: s.clock.minute,
                    local: s.clock.local,
                }),
                when: false,
            },
            None => match journey.when() {
                Some(w) => Trigger {
                    event: String::new(),
                    condition: Some(lw.cx(None).expr(&w.condition, None)),
                    schedule: None,
                    when: true,
                },
                // Unreachable after a clean check, which requires a trigger.
                None => Trigger {
                    event: String::new(),
                    condition: None,
                    schedule: None,
                    when: false,
                },
            },
        },
    };
    let entry = match journey.entry() {
        ast::EntryRule::Once => Entry::Once,
        ast::EntryRule::Always => Entry::Always,
        ast::EntryRule::Every(d) => Entry::Every {
            period_secs: d.secs,
        },
    };
    let goals: Vec<Goal> = journey
        .goals()
        .map(|g| Goal {
            event: g.event.name.clone(),
            condition: g
                .condition
                .as_ref()
                .map(|c| lw.cx(Some(&g.event.name)).expr(c, None)),
            within_secs: g.within.map(|d| d.secs),
        })
        .collect();
    let exits: Vec<ExitCriterion> = journey
        .exits()
        .map(|x| ExitCriterion {
            event: x.event.name.clone(),
            condition: x
                .condition
                .as_ref()
                .map(|c| lw.cx(Some(&x.event.name)).expr(c, None)),
        })
        .collect();

    let sections: Vec<&ast::Section> = journey.sections().collect();
    let names: Vec<String> = sections.iter().map(|s| s.kind.name()).collect();
    let mut stages = Vec::new();
    for (i, s) in sections.iter().enumerate() {
        let after = names.get(i + 1).map(|n| enter_id(n));
        stages.push(lw.section(s, &names[i], after));
    }

    let mut journey_ir = Journey {
        spec_version: SPEC_VERSION,
        name: journey.name.clone(),
        source: lw.source(journey.decl.name.span),
        trigger,
        entry,
        priority: journey.priority(),
        exclusive: journey.exclusive().map(str::to_string),
        goals,
        exits,
        attributes: model
            .attrs
            .values()
            .map(|a| {
                (
                    a.name.clone(),
                    Attribute {
                        ty: lower_type(model, &a.ty),
                        default: a.default.as_ref().map(lower_const),
                    },
                )
            })
            .collect(),
        events: BTreeMap::new(),
        channels: BTreeMap::new(),
        touchpoints: BTreeMap::new(),
        stages,
        start: names.first().map(|n| enter_id(n)),
        nodes: lw.nodes,
        per: journey.decl.per.as_ref().map(|f| f.name.clone()),
    };
    fill_declarations(model, &mut journey_ir);
    journey_ir
}

/// The id of a section's `enter_stage` node.
fn enter_id(stage: &str) -> NodeId {
    concat(&[stage, ".enter"])
}

// Node ids are built by hand rather than with `format!`, whose machinery cost more than the rest
// of building a node: they are the same strings.

/// The strings one after the other.
fn concat(parts: &[&str]) -> String {
    let mut s = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        s.push_str(p);
    }
    s
}

/// Appends `n` in decimal, as `{n}` would.
fn push_decimal(s: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(s, n / 10);
    }
    s.push(char::from(b'0' + (n % 10) as u8));
}

fn step_keyword(k: &StepKind) -> &'static str {
    match k {
        StepKind::Send(_) => "send",
        StepKind::Wait(_)
        | StepKind::WaitEvent(_)
        | StepKind::WaitAny(_)
        | StepKind::WaitUntil(_) => "wait",
        StepKind::WaitClock(_) => "wait",
        StepKind::If(_) => "if",
        StepKind::Split(_) => "split",
        StepKind::Milestone(_) => "milestone",
        StepKind::Set { .. } => "set",
        StepKind::Goto(_) => "goto",
        StepKind::Exit => "exit",
    }
}

fn step_id(prefix: &str, index: usize, step: &ast::Step) -> NodeId {
    let mut id = String::with_capacity(prefix.len() + 16);
    id.push_str(prefix);
    id.push('.');
    push_decimal(&mut id, index);
    id.push('.');
    id.push_str(step_keyword(&step.kind));
    id
}

/// The node a customer reaches on entering a block: its first step, or `cont` for an empty block.
fn block_entry(prefix: &str, block: &ast::Block, cont: &Option<NodeId>) -> Option<NodeId> {
    match block.steps.first() {
        Some(s) => Some(step_id(prefix, 0, s)),
        None => cont.clone(),
    }
}

/// The file's path relative to its project root, with `/` separators: specs must read the same
/// on every machine and wherever `journeyc` was started, so they never hold an absolute path.
fn project_relative_name(file: &SourceFile) -> String {
    let root = project::project_root(&file.path);
    let rel = file
        .path
        .strip_prefix(&root)
        .ok()
        .or_else(|| file.path.file_name().map(Path::new));
    match rel {
        Some(p) => p
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/"),
        None => file.name.clone(),
    }
}

struct Lowerer<'a> {
    model: &'a Model,
    file: &'a SourceFile,
    file_name: String,
    nodes: Vec<Node>,
    /// The section being lowered.
    stage: String,
    /// The trigger event, which `trigger.FIELD` reads (none for a scheduled journey).
    trigger: Option<String>,
}

impl<'a> Lowerer<'a> {
    fn source(&self, span: Span) -> SourceRef {
        SourceRef {
            file: self.file_name.clone(),
            line: self.file.line(span.start),
        }
    }

    /// The field values of `send T with { ... }`, each lowered with its declared type as the
    /// hint (for bare enum values).
    fn payload(
        &self,
        t: &ast::Ident,
        payload: Option<&ast::Payload>,
        event: Option<&str>,
    ) -> BTreeMap<String, Expr> {
        let data = self
            .model
            .touchpoints
            .get(&t.name)
            .and_then(|tp| tp.data.as_ref());
        payload
            .iter()
            .flat_map(|p| &p.fields)
            .map(|f| {
                let hint = data
                    .and_then(|d| d.field(&f.name.name))
                    .and_then(|(_, ty, _)| ty.as_ref());
                (f.name.name.clone(), self.cx(event).expr(&f.value, hint))
            })
            .collect()
    }

    fn cx<'e>(&'e self, event: Option<&'e str>) -> ExprCx<'a, 'e> {
        ExprCx {
            model: self.model,
            event,
            trigger: self.trigger.as_deref(),
        }
    }

    fn push(&mut self, id: NodeId, span: Span, kind: NodeKind) {
        let source = self.source(span);
        self.nodes.push(Node {
            id,
            stage: self.stage.clone(),
            source,
            kind,
        });
    }

    fn section(&mut self, s: &ast::Section, name: &str, after: Option<NodeId>) -> Stage {
        self.stage = name.to_string();
        let (kind, guard, skip) = match &s.kind {
            SectionKind::Onboarding => (StageKind::Onboarding, None, None),
            SectionKind::Stage(_) => (StageKind::Stage, None, None),
            SectionKind::Upgrade { attr, from, to } => {
                let guard = Expr::Binary {
                    operator: BinOp::Eq,
                    lhs: Box::new(Expr::Attr {
                        name: attr.name.clone(),
                    }),
                    rhs: Box::new(self.enum_const(&attr.name, &from.name)),
                };
                let kind = StageKind::Upgrade {
                    attribute: attr.name.clone(),
                    from: from.name.clone(),
                    to: to.name.clone(),
                };
                (kind, Some(guard), after.clone())
            }
        };
        let entry = enter_id(name);
        let next = block_entry(name, &s.body, &after);
        self.push(
            entry.clone(),
            s.head_span,
            NodeKind::EnterStage { guard, next, skip },
        );
        self.block(name, &s.body, &after, None);
        Stage {
            name: name.to_string(),
            kind,
            entry,
            source: self.source(s.head_span),
        }
    }

    /// `wait up to D { on E { ... } ... } timeout { ... }`: one node, each branch's block under
    /// `ID.on_EVENT` (events are distinct within a wait), the timeout's under `ID.timeout`.
    fn wait_any(
        &mut self,
        id: &str,
        span: Span,
        w: &ast::WaitAny,
        next: Option<NodeId>,
        event: Option<&str>,
    ) {
        let prefixes: Vec<String> = w
            .branches
            .iter()
            .map(|b| concat(&[id, ".on_", &b.event.name]))
            .collect();
        let to_prefix = concat(&[id, ".timeout"]);
        let branches = w
            .branches
            .iter()
            .zip(&prefixes)
            .map(|(b, prefix)| WaitBranch {
                event: b.event.name.clone(),
                condition: b
                    .condition
                    .as_ref()
                    .map(|c| self.cx(Some(&b.event.name)).expr(c, None)),
                next: block_entry(prefix, &b.body, &next),
            })
            .collect();
        let on_timeout = match &w.on_timeout {
            Some(b) => block_entry(&to_prefix, b, &next),
            None => next.clone(),
        };
        let kind = NodeKind::WaitAny {
            branches,
            timeout_secs: w.up_to.secs,
            on_timeout,
        };
        self.push(id.into(), span, kind);
        for (b, prefix) in w.branches.iter().zip(&prefixes) {
            self.block(prefix, &b.body, &next, Some(&b.event.name));
        }
        if let Some(b) = &w.on_timeout {
            // No event arrived: the enclosing one, if any, is still the one `event.` reads.
            self.block(&to_prefix, b, &next, event);
        }
    }

    /// The value `value` of the enum type of attribute `attr`.
    fn enum_const(&self, attr: &str, value: &str) -> Expr {
        let enum_name = match self.model.attr_type(attr) {
            Some(check::Type::Enum(e)) => e.clone(),
            _ => String::new(),
        };
        let index = self.model.enum_index(&enum_name, value).unwrap_or(0);
        Expr::Const {
            value: Value::Enum(EnumValue {
                enum_name,
                value: value.to_string(),
                index,
            }),
        }
    }

    fn block(
        &mut self,
        prefix: &str,
        block: &ast::Block,
        cont: &Option<NodeId>,
        event: Option<&str>,
    ) {
        let ids: Vec<NodeId> = block
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| step_id(prefix, i, s))
            .collect();
        for (i, step) in block.steps.iter().enumerate() {
            let next = ids.get(i + 1).cloned().or_else(|| cont.clone());
            self.step(&ids[i], step, next, event);
        }
    }

    fn step(&mut self, id: &str, step: &ast::Step, next: Option<NodeId>, event: Option<&str>) {
        let span = step.span;
        match &step.kind {
            StepKind::Send(t) => {
                let data = self.payload(t, step.payload.as_ref(), event);
                self.push(
                    id.into(),
                    span,
                    NodeKind::Send {
                        touchpoint: t.name.clone(),
                        next,
                        data,
                    },
                )
            }
            StepKind::Wait(d) => self.push(id.into(), span, NodeKind::Delay { secs: d.secs, next }),
            StepKind::WaitUntil(e) => {
                let at = self.cx(event).expr(e, Some(&crate::check::Type::DateTime));
                self.push(id.into(), span, NodeKind::WaitUntil { at, next });
            }
            StepKind::WaitClock(c) => self.push(
                id.into(),
                span,
                NodeKind::WaitClock {
                    day: c
                        .day
                        .as_ref()
                        .and_then(|d| crate::ir::clock::Weekday::from_name(&d.name)),
                    minute_of_day: c.minute,
                    local: c.local,
                    next,
                },
            ),
            StepKind::WaitEvent(w) => {
                let on_prefix = concat(&[id, ".event"]);
                let to_prefix = concat(&[id, ".timeout"]);
                let on_event = match &w.on_event {
                    Some(b) => block_entry(&on_prefix, b, &next),
                    None => next.clone(),
                };
                let on_timeout = match &w.on_timeout {
                    Some(b) => block_entry(&to_prefix, b, &next),
                    None => next.clone(),
                };
                let condition = w
                    .condition
                    .as_ref()
                    .map(|c| self.cx(Some(&w.event.name)).expr(c, None));
                let kind = NodeKind::WaitEvent {
                    event: w.event.name.clone(),
                    condition,
                    timeout_secs: w.up_to.map(|d| d.secs),
                    on_event,
                    on_timeout,
                };
                self.push(id.into(), span, kind);
                if let Some(b) = &w.on_event {
                    self.block(&on_prefix, b, &next, Some(&w.event.name));
                }
                if let Some(b) = &w.on_timeout {
                    // No event arrived: the enclosing one, if any, is still the one `event.` reads.
                    self.block(&to_prefix, b, &next, event);
                }
            }
            StepKind::WaitAny(w) => self.wait_any(id, span, w, next, event),
            StepKind::If(i) => {
                let prefixes: Vec<String> = (0..i.branches.len())
                    .map(|k| {
                        if k == 0 {
                            concat(&[id, ".then"])
                        } else {
                            let mut p = concat(&[id, ".else_if_"]);
                            push_decimal(&mut p, k);
                            p
                        }
                    })
                    .collect();
                let arms = i
                    .branches
                    .iter()
                    .zip(&prefixes)
                    .map(|((cond, body), prefix)| Arm {
                        condition: self.cx(event).expr(cond, None),
                        next: block_entry(prefix, body, &next),
                    })
                    .collect();
                let else_prefix = concat(&[id, ".else"]);
                let otherwise = match &i.otherwise {
                    Some(b) => block_entry(&else_prefix, b, &next),
                    None => next.clone(),
                };
                self.push(id.into(), span, NodeKind::Branch { arms, otherwise });
                for ((_, body), prefix) in i.branches.iter().zip(&prefixes) {
                    self.block(prefix, body, &next, event);
                }
                if let Some(b) = &i.otherwise {
                    self.block(&else_prefix, b, &next, event);
                }
            }
            StepKind::Split(variants) => {
                let prefixes: Vec<String> = variants
                    .iter()
                    .map(|v| concat(&[id, ".", &v.name.name]))
                    .collect();
                let list = variants
                    .iter()
                    .zip(&prefixes)
                    .map(|(v, prefix)| SplitVariant {
                        name: v.name.name.clone(),
                        weight_bp: percent_to_bp(v.percent),
                        holdout: v.name.name == "holdout",
                        next: block_entry(prefix, &v.body, &next),
                    })
                    .collect();
                self.push(id.into(), span, NodeKind::Split { variants: list });
                for (v, prefix) in variants.iter().zip(&prefixes) {
                    self.block(prefix, &v.body, &next, event);
                }
            }
            StepKind::Milestone(m) => self.push(
                id.into(),
                span,
                NodeKind::Milestone {
                    name: m.name.clone(),
                    next,
                },
            ),
            StepKind::Set { attr, value } => {
                let hint = self.model.attr_type(&attr.name).cloned();
                let mut value = self.cx(event).expr(value, hint.as_ref());
                // `set tz = "Asia/Tokyo"`: the checked string is a zone.
                if hint == Some(check::Type::Timezone) {
                    if let Expr::Const {
                        value: Value::String(z),
                    } = &value
                    {
                        value = Expr::Const {
                            value: Value::Timezone(z.clone()),
                        };
                    }
                }
                self.push(
                    id.into(),
                    span,
                    NodeKind::Set {
                        attribute: attr.name.clone(),
                        value,
                        next,
                    },
                );
            }
            StepKind::Goto(target) => self.push(
                id.into(),
                span,
                NodeKind::Goto {
                    target: target.name.clone(),
                    next: enter_id(&target.name),
                },
            ),
            StepKind::Exit => self.push(id.into(), span, NodeKind::Exit),
        }
    }
}

/// A percentage as written (`12.5`) in basis points (`1250`); the checker bounds it to 0..=100.
fn percent_to_bp(percent: f64) -> u32 {
    (percent * 100.0).round().clamp(0.0, 10_000.0) as u32
}

/// Lowers a checked condition or expression outside a journey (a simulation's `where`), with
/// the same name resolution as the journey's own conditions: one lowerer for every stage.
/// `event` is the event whose fields `event.FIELD` reads, if any.
pub fn lower_expr(model: &Model, event: Option<&str>, e: &ast::Expr) -> Expr {
    ExprCx {
        model,
        event,
        trigger: None,
    }
    .expr(e, None)
}

/// Resolves the names of an expression. `event` is the event whose fields `event.FIELD` reads.
struct ExprCx<'a, 'e> {
    model: &'a Model,
    event: Option<&'e str>,
    /// The journey's trigger event, which `trigger.FIELD` reads.
    trigger: Option<&'e str>,
}

impl ExprCx<'_, '_> {
    /// A bare name that is not an attribute: an enum value whose enum comes from the context.
    fn is_enum_value(&self, e: &ast::Expr) -> bool {
        matches!(&e.kind, ExprKind::Name(n) if !self.model.attrs.contains_key(n))
    }

    /// The enum that owns value `n`: the hinted one when it has the value, else the only one.
    fn enum_of(&self, n: &str, hint: Option<&check::Type>) -> Option<String> {
        if let Some(check::Type::Enum(e)) = hint {
            if self.model.enum_index(e, n).is_some() {
                return Some(e.clone());
            }
        }
        let mut owners = self
            .model
            .enums
            .values()
            .filter(|d| d.values.iter().any(|v| v == n));
        match (owners.next(), owners.next()) {
            (Some(d), None) => Some(d.name.clone()),
            _ => None,
        }
    }

    /// The type of `e`, as far as hints for enum values need it.
    fn type_of(&self, e: &ast::Expr, hint: Option<&check::Type>) -> Option<check::Type> {
        use check::Type as T;
        match &e.kind {
            ExprKind::Lit(l) => Some(match l {
                Literal::Str(_) => T::Str,
                Literal::Int(_) => T::Int,
                Literal::Decimal(_) | Literal::Percent(_) => T::Decimal,
                Literal::Duration(_) => T::Duration,
                Literal::Time(_) => T::Time,
                Literal::Date(_) => T::Date,
                Literal::Bool(_) => T::Bool,
                Literal::DateTime { .. } => T::DateTime,
            }),
            ExprKind::Name(n) => match self.model.attr_type(n) {
                Some(t) => Some(t.clone()),
                None => self
                    .enum_of(n, hint)
                    .map(T::Enum)
                    .or_else(|| (n == crate::check::model::NOW).then_some(T::DateTime)),
            },
            ExprKind::EventField(f) => self
                .event
                .and_then(|ev| self.model.field_type(ev, &f.name))
                .cloned(),
            ExprKind::TriggerField(f) => self
                .trigger
                .and_then(|ev| self.model.field_type(ev, &f.name))
                .cloned(),
            ExprKind::Call { .. } | ExprKind::In { .. } | ExprKind::Unary { op: UnOp::Not, .. } => {
                Some(T::Bool)
            }
            ExprKind::History { func, .. } => Some(if func.name == "count" {
                T::Int
            } else {
                T::Bool
            }),
            ExprKind::Unary {
                op: UnOp::Neg,
                expr,
            } => self.type_of(expr, hint),
            ExprKind::Binary { op, lhs, .. } => match op {
                ast::BinOp::Add | ast::BinOp::Sub | ast::BinOp::Mul | ast::BinOp::Div => {
                    self.type_of(lhs, hint)
                }
                _ => Some(T::Bool),
            },
        }
    }

    fn expr(&self, e: &ast::Expr, hint: Option<&check::Type>) -> Expr {
        match &e.kind {
            ExprKind::Lit(l) => Expr::Const {
                value: lower_literal(l),
            },
            ExprKind::Name(n) => {
                if self.model.attrs.contains_key(n) {
                    return Expr::Attr { name: n.clone() };
                }
                match self.enum_of(n, hint) {
                    Some(enum_name) => {
                        let index = self.model.enum_index(&enum_name, n).unwrap_or(0);
                        Expr::Const {
                            value: Value::Enum(EnumValue {
                                enum_name,
                                value: n.clone(),
                                index,
                            }),
                        }
                    }
                    // `now` where no attribute or enum value has that name (as the checker).
                    None if n == crate::check::model::NOW => Expr::Now,
                    // Unreachable after a clean check, which resolves every name.
                    None => Expr::Attr { name: n.clone() },
                }
            }
            ExprKind::EventField(f) => Expr::EventField {
                event: self.event.unwrap_or_default().to_string(),
                field: f.name.clone(),
            },
            ExprKind::TriggerField(f) => Expr::TriggerField {
                event: self.trigger.unwrap_or_default().to_string(),
                field: f.name.clone(),
            },
            ExprKind::Call { func, arg } => {
                let kind = match func.name.as_str() {
                    "opened" => Engagement::Opened,
                    "clicked" => Engagement::Clicked,
                    _ => Engagement::Sent,
                };
                Expr::Engagement {
                    kind,
                    touchpoint: arg.name.clone(),
                }
            }
            ExprKind::History {
                func, arg, within, ..
            } => Expr::History {
                of: match func.name.as_str() {
                    "count" => HistoryOf::Count,
                    "happened" => HistoryOf::Happened,
                    _ => HistoryOf::Sent,
                },
                name: arg.name.clone(),
                within_secs: within.secs,
            },
            ExprKind::Unary {
                op: UnOp::Not,
                expr,
            } => Expr::Not {
                expr: Box::new(self.expr(expr, None)),
            },
            ExprKind::Unary {
                op: UnOp::Neg,
                expr,
            } => Expr::Neg {
                expr: Box::new(self.expr(expr, hint)),
            },
            ExprKind::Binary { op, lhs, rhs } => {
                // As in the checker: the side that is not a bare enum value gives the other its type.
                let lhs_hint = if self.is_enum_value(lhs) {
                    self.type_of(rhs, None)
                } else {
                    None
                };
                let lhs_ty = self.type_of(lhs, lhs_hint.as_ref());
                Expr::Binary {
                    operator: lower_binop(*op),
                    lhs: Box::new(self.expr(lhs, lhs_hint.as_ref())),
                    rhs: Box::new(self.expr(rhs, lhs_ty.as_ref())),
                }
            }
            ExprKind::In { expr, list } => {
                let ty = self.type_of(expr, None);
                Expr::In {
                    expr: Box::new(self.expr(expr, None)),
                    list: list.iter().map(|i| self.expr(i, ty.as_ref())).collect(),
                }
            }
        }
    }
}

fn lower_binop(op: ast::BinOp) -> BinOp {
    match op {
        ast::BinOp::Or => BinOp::Or,
        ast::BinOp::And => BinOp::And,
        ast::BinOp::Eq => BinOp::Eq,
        ast::BinOp::Ne => BinOp::Ne,
        ast::BinOp::Lt => BinOp::Lt,
        ast::BinOp::Le => BinOp::Le,
        ast::BinOp::Gt => BinOp::Gt,
        ast::BinOp::Ge => BinOp::Ge,
        ast::BinOp::Add => BinOp::Add,
        ast::BinOp::Sub => BinOp::Sub,
        ast::BinOp::Mul => BinOp::Mul,
        ast::BinOp::Div => BinOp::Div,
    }
}

/// An instant as the spec writes it: RFC 3339 in UTC.
pub fn fmt_datetime(secs: i64) -> String {
    crate::interp::time::format_rfc3339(secs)
}

fn fmt_date(d: ast::Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year, d.month, d.day)
}

/// A literal in an expression. A percentage is the fraction it stands for (`12%` is `0.12`).
fn lower_literal(l: &Literal) -> Value {
    match l {
        Literal::Str(s) => Value::String(s.clone()),
        Literal::Int(i) => Value::Int(*i),
        Literal::Decimal(d) => Value::Decimal(*d),
        Literal::Percent(p) => Value::Decimal(super::decimal::percent_fraction(*p)),
        Literal::Duration(s) => Value::Duration(*s),
        Literal::Time(m) => Value::Time(*m),
        Literal::Date(d) => Value::Date(fmt_date(*d)),
        Literal::Bool(b) => Value::Bool(*b),
        Literal::DateTime { secs, .. } => Value::DateTime(fmt_datetime(*secs)),
    }
}

fn lower_const(c: &Const) -> Value {
    match c {
        Const::Str(s) => Value::String(s.clone()),
        Const::Int(i) => Value::Int(*i),
        Const::Decimal(d) => Value::Decimal(*d),
        Const::Bool(b) => Value::Bool(*b),
        Const::Duration(s) => Value::Duration(*s),
        Const::Date(d) => Value::Date(fmt_date(*d)),
        Const::Time(m) => Value::Time(*m),
        Const::DateTime(s) => Value::DateTime(fmt_datetime(*s)),
        Const::Enum { ty, value, index } => Value::Enum(EnumValue {
            enum_name: ty.clone(),
            value: value.clone(),
            index: *index,
        }),
        Const::Timezone(z) => Value::Timezone(z.clone()),
    }
}

fn lower_type(model: &Model, t: &check::Type) -> Type {
    match t {
        check::Type::Str => Type::String,
        check::Type::Int => Type::Int,
        check::Type::Decimal => Type::Decimal,
        check::Type::Bool => Type::Bool,
        check::Type::Duration => Type::Duration,
        check::Type::Date => Type::Date,
        check::Type::Time => Type::Time,
        check::Type::Timezone => Type::Timezone,
        check::Type::DateTime => Type::DateTime,
        check::Type::Enum(name) => Type::Enum {
            name: name.clone(),
            values: model
                .enums
                .get(name)
                .map(|e| e.values.clone())
                .unwrap_or_default(),
        },
    }
}

/// Fills in the events, touchpoints and channels the journey refers to.
fn fill_declarations(model: &Model, j: &mut Journey) {
    let mut events: BTreeSet<String> = BTreeSet::new();
    let mut touchpoints: BTreeSet<String> = BTreeSet::new();
    let mut exprs: Vec<&Expr> = Vec::new();
    events.insert(j.trigger.event.clone());
    exprs.extend(j.trigger.condition.as_ref());
    for g in &j.goals {
        events.insert(g.event.clone());
        exprs.extend(g.condition.as_ref());
    }
    for x in &j.exits {
        events.insert(x.event.clone());
        exprs.extend(x.condition.as_ref());
    }
    for n in &j.nodes {
        match &n.kind {
            NodeKind::Send { touchpoint, .. } => {
                touchpoints.insert(touchpoint.clone());
            }
            NodeKind::WaitEvent {
                event, condition, ..
            } => {
                events.insert(event.clone());
                exprs.extend(condition.as_ref());
            }
            NodeKind::WaitAny { branches, .. } => {
                for b in branches {
                    events.insert(b.event.clone());
                    exprs.extend(b.condition.as_ref());
                }
            }
            NodeKind::EnterStage { guard, .. } => exprs.extend(guard.as_ref()),
            NodeKind::Branch { arms, .. } => exprs.extend(arms.iter().map(|a| &a.condition)),
            NodeKind::Set { value, .. } => exprs.push(value),
            _ => {}
        }
    }
    for e in exprs {
        walk_expr(e, &mut |e| match e {
            Expr::Engagement { touchpoint, .. } => {
                touchpoints.insert(touchpoint.clone());
            }
            Expr::EventField { event, .. } | Expr::TriggerField { event, .. } => {
                events.insert(event.clone());
            }
            // History names what it reads, so the journey's spec declares it (and the event's
            // log name reaches the replay); a touchpoint read is declared for its channel.
            Expr::History { of, name, .. } => {
                if *of == HistoryOf::Sent {
                    touchpoints.insert(name.clone());
                } else {
                    events.insert(name.clone());
                }
            }
            _ => {}
        });
    }
    for name in &touchpoints {
        let Some(t) = model.touchpoints.get(name) else {
            continue;
        };
        events.extend(t.requires.iter().cloned());
        if let Some((ev, _)) = &t.converts {
            events.insert(ev.clone());
        }
        if let Some(c) = model.channels.get(&t.channel) {
            j.channels.insert(
                c.name.clone(),
                Channel {
                    caps: c
                        .caps
                        .iter()
                        .map(|cap| Cap {
                            count: cap.count,
                            per_secs: cap.per_secs,
                        })
                        .collect(),
                    quiet: c.quiet.map(|(from_minute, to_minute)| Quiet {
                        from_minute,
                        to_minute,
                        local: c.quiet_local,
                    }),
                    consent: c.consent.clone(),
                },
            );
        }
        j.touchpoints.insert(
            name.clone(),
            Touchpoint {
                channel: t.channel.clone(),
                template: t.template.clone(),
                subject: t.subject.clone(),
                converts: t.converts.as_ref().map(|(event, within_secs)| Conversion {
                    event: event.clone(),
                    within_secs: *within_secs,
                }),
                requires: t.requires.clone(),
                transactional: t.transactional,
                data: t
                    .data
                    .iter()
                    .flat_map(|d| &d.fields)
                    .filter_map(|(f, ty, _)| Some((f.clone(), lower_type(model, ty.as_ref()?))))
                    .collect(),
                requires_where: t
                    .requires
                    .iter()
                    .zip(&t.requires_where)
                    .filter_map(|(e, c)| Some((e.clone(), lower_expr(model, Some(e), c.as_ref()?))))
                    .collect(),
            },
        );
    }
    for name in &events {
        if let Some(e) = model.events.get(name) {
            let fields = e
                .fields
                .iter()
                .map(|(f, t)| (f.clone(), lower_type(model, t)))
                .collect();
            j.events.insert(
                name.clone(),
                EventSchema {
                    fields,
                    log_name: e.log_name.clone(),
                },
            );
        }
    }
}

/// Calls `f` on `e` and every expression inside it.
pub fn walk_expr<'e>(e: &'e Expr, f: &mut impl FnMut(&'e Expr)) {
    f(e);
    match e {
        Expr::Not { expr } | Expr::Neg { expr } => walk_expr(expr, f),
        Expr::Binary { lhs, rhs, .. } => {
            walk_expr(lhs, f);
            walk_expr(rhs, f);
        }
        Expr::In { expr, list } => {
            walk_expr(expr, f);
            for i in list {
                walk_expr(i, f);
            }
        }
        Expr::Const { .. }
        | Expr::Attr { .. }
        | Expr::EventField { .. }
        | Expr::TriggerField { .. }
        | Expr::Engagement { .. }
        | Expr::History { .. }
        | Expr::Now => {}
    }
}
