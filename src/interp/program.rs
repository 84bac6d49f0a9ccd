//! A journey's IR compiled for running: node ids become indices and names become slots, so the
//! hot loop of a simulation does no string lookups. The IR stays beside it for names, ids and
//! source lines in outputs.

use super::value::Val;
use super::world::history::{Key, Layout};
use crate::ir::{self, BinOp, Engagement, HistoryOf, NodeKind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

#[derive(Clone, Debug)]
pub enum CExpr {
    Const(Val),
    Attr(usize),
    /// A field of the bound event, by name.
    Field(Arc<str>),
    /// `trigger.FIELD`: a field of the event that entered the customer, by name.
    TriggerField(Arc<str>),
    Engagement(Engagement, usize),
    /// A history read: the program's history `slot` (see [`Program::history`]) within `window`
    /// seconds; the number of them when `count`, else whether there was any.
    History {
        slot: usize,
        window: i64,
        count: bool,
    },
    Not(Box<CExpr>),
    Neg(Box<CExpr>),
    Bin(BinOp, Box<CExpr>, Box<CExpr>),
    In(Box<CExpr>, Vec<CExpr>),
    /// `now`: the time of the evaluation.
    Now,
}

/// An event as the interpreter sees it: its id in the program (if the journey knows it) and
/// its fields.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EventPayload {
    pub event: Option<usize>,
    pub fields: Vec<(Arc<str>, Val)>,
}

pub type Next = Option<usize>;

#[derive(Clone, Debug)]
pub enum CNode {
    EnterStage {
        stage: usize,
        guard: Option<CExpr>,
        next: Next,
        skip: Next,
    },
    Send {
        touchpoint: usize,
        next: Next,
    },
    Delay {
        secs: i64,
        next: Next,
    },
    Wait {
        event: usize,
        condition: Option<CExpr>,
        timeout: Option<i64>,
        on_event: Next,
        on_timeout: Next,
    },
    /// `wait up to D { on E { ... } ... }`: per branch its event, `where` and block.
    WaitAny {
        branches: Vec<(usize, Option<CExpr>, Next)>,
        timeout: i64,
        on_timeout: Next,
    },
    Branch {
        arms: Vec<(CExpr, Next)>,
        otherwise: Next,
    },
    /// `salt` is a hash of the journey name and node id; `variants` hold cumulative basis points.
    Split {
        salt: u64,
        variants: Vec<(u32, Next)>,
    },
    Milestone {
        milestone: usize,
        next: Next,
    },
    Set {
        attr: usize,
        value: CExpr,
        next: Next,
    },
    Goto {
        next: usize,
    },
    Exit,
    /// `wait until AT`: parks until the instant `at` evaluates to.
    WaitUntil {
        at: CExpr,
        next: Next,
    },
    /// `wait until [DAY] HH:MM [local]` (see `interp::clock`).
    WaitClock {
        day: Option<jiff::civil::Weekday>,
        minute: u32,
        local: bool,
        next: Next,
    },
}

#[derive(Clone, Debug)]
pub struct CTouchpoint {
    pub channel: usize,
    pub converts: Option<(usize, i64)>,
    /// Exempt from caps, quiet hours and consent, and not counted towards caps.
    pub transactional: bool,
}

#[derive(Clone, Debug)]
pub struct CChannel {
    pub caps: Vec<(usize, i64)>,
    pub quiet: Option<(u32, u32)>,
    pub consent: Option<usize>,
    /// `quiet` is read in the customer's time zone.
    pub quiet_local: bool,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub ir: ir::Journey,
    pub nodes: Vec<CNode>,
    pub start: Next,
    pub attr_names: Vec<String>,
    pub attr_defaults: Vec<Val>,
    /// For each attribute of enum type, its values (to show them).
    pub attr_enums: Vec<Option<Vec<String>>>,
    pub event_names: Vec<String>,
    pub touchpoint_names: Vec<String>,
    pub touchpoints: Vec<CTouchpoint>,
    pub channel_names: Vec<String>,
    pub channels: Vec<CChannel>,
    pub milestone_names: Vec<String>,
    pub stage_names: Vec<String>,
    pub trigger: (usize, Option<CExpr>),
    pub goals: Vec<(usize, Option<CExpr>, Option<i64>)>,
    pub exits: Vec<(usize, Option<CExpr>)>,
    /// The longest cap window of each channel: how much send history to keep.
    pub channel_window: Vec<i64>,
    /// Per event: whether some touchpoint `converts` it (conversion credit is then looked for).
    pub credits: Vec<bool>,
    /// Whether anything is still measured after the steps end: a goal with a window or a
    /// touchpoint with `converts`.
    pub watches: bool,
    /// What the journey's history conditions read (`CExpr::History`'s slots), each with the
    /// longest window it is read with.
    pub history: Layout,
    /// Per touchpoint: the history slot its sends are recorded in, when the journey reads them.
    pub history_sends: Vec<Option<usize>>,
    /// Per event: the history slot its arrivals are recorded in, when the journey reads them.
    pub history_events: Vec<Option<usize>>,
    /// Per node: the payload fields of a send with `with { ... }` (empty for every other
    /// node), evaluated only for observers that show them (see [`super::payload`]).
    pub payloads: Vec<super::payload::Fields>,
    /// The customer's `timezone` attribute (its index in `attr_names`), if the project has
    /// one: local times are read in it (see [`super::zone::customer_zone`]).
    pub zone_attr: Option<usize>,
    /// Whether some expression reads `trigger.FIELD`: only then does an entry keep the trigger
    /// event's payload for its whole length.
    pub reads_trigger: bool,
}

/// FNV-1a: a small, stable hash. Split assignment must never change between versions or
/// machines, which rules out the standard library's randomly keyed hasher.
pub fn stable_hash(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for p in parts {
        for b in p.bytes().chain(std::iter::once(0xff)) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    }
    h
}

/// Why an IR document cannot be run (only possible for a spec edited by hand).
#[derive(Debug, thiserror::Error)]
#[error("the journey spec is inconsistent: {0}")]
pub struct ProgramError(pub String);

struct Names<'a> {
    ir: &'a ir::Journey,
    node_index: HashMap<&'a str, usize>,
    attrs: HashMap<&'a str, usize>,
    events: HashMap<&'a str, usize>,
    touchpoints: HashMap<&'a str, usize>,
    milestones: Vec<String>,
    /// The history reads met so far (none where history cannot be read).
    history: Option<RefCell<Layout>>,
    /// Whether an expression compiled so far reads `trigger.FIELD`.
    reads_trigger: std::cell::Cell<bool>,
}

impl Names<'_> {
    fn next(&self, id: &Option<String>) -> Result<Next, ProgramError> {
        match id {
            None => Ok(None),
            Some(id) => self
                .node_index
                .get(id.as_str())
                .copied()
                .map(Some)
                .ok_or_else(|| ProgramError(format!("edge to unknown node `{id}`"))),
        }
    }

    fn event(&self, name: &str) -> Result<usize, ProgramError> {
        self.events
            .get(name)
            .copied()
            .ok_or_else(|| ProgramError(format!("unknown event `{name}`")))
    }

    fn expr(&self, e: &ir::Expr) -> Result<CExpr, ProgramError> {
        Ok(match e {
            ir::Expr::Const { value } => CExpr::Const(Val::from_ir(value)),
            ir::Expr::Attr { name } => CExpr::Attr(
                *self
                    .attrs
                    .get(name.as_str())
                    .ok_or_else(|| ProgramError(format!("unknown attribute `{name}`")))?,
            ),
            ir::Expr::EventField { field, .. } => CExpr::Field(Arc::from(field.as_str())),
            ir::Expr::TriggerField { field, .. } => {
                self.reads_trigger.set(true);
                CExpr::TriggerField(Arc::from(field.as_str()))
            }
            ir::Expr::Engagement { kind, touchpoint } => CExpr::Engagement(
                *kind,
                *self
                    .touchpoints
                    .get(touchpoint.as_str())
                    .ok_or_else(|| ProgramError(format!("unknown touchpoint `{touchpoint}`")))?,
            ),
            ir::Expr::History {
                of,
                name,
                within_secs,
            } => {
                let Some(layout) = &self.history else {
                    return Err(ProgramError(format!(
                        "`{e}` reads history, which only a journey's conditions can"
                    )));
                };
                let key = match of {
                    HistoryOf::Sent => Key::Sent(name.clone()),
                    HistoryOf::Happened | HistoryOf::Count => Key::Event(name.clone()),
                };
                let window = secs(*within_secs);
                CExpr::History {
                    slot: layout.borrow_mut().add(&key, window),
                    window,
                    count: *of == HistoryOf::Count,
                }
            }
            ir::Expr::Now => CExpr::Now,
            ir::Expr::Not { expr } => CExpr::Not(Box::new(self.expr(expr)?)),
            ir::Expr::Neg { expr } => CExpr::Neg(Box::new(self.expr(expr)?)),
            ir::Expr::Binary { operator, lhs, rhs } => CExpr::Bin(
                *operator,
                Box::new(self.expr(lhs)?),
                Box::new(self.expr(rhs)?),
            ),
            ir::Expr::In { expr, list } => CExpr::In(
                Box::new(self.expr(expr)?),
                list.iter()
                    .map(|x| self.expr(x))
                    .collect::<Result<_, _>>()?,
            ),
        })
    }

    fn opt_expr(&self, e: &Option<ir::Expr>) -> Result<Option<CExpr>, ProgramError> {
        e.as_ref().map(|e| self.expr(e)).transpose()
    }
}

fn secs(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}

impl Program {
    pub fn compile(j: &ir::Journey) -> Result<Program, ProgramError> {
        let attr_names: Vec<String> = j.attributes.keys().cloned().collect();
        let mut event_names: Vec<String> = j.events.keys().cloned().collect();
        // Events named only in the trigger, goals or exits are still events of the journey.
        for e in std::iter::once(&j.trigger.event)
            .filter(|e| !e.is_empty())
            .chain(j.goals.iter().map(|g| &g.event))
            .chain(j.exits.iter().map(|x| &x.event))
        {
            if !event_names.contains(e) {
                event_names.push(e.clone());
            }
        }
        let touchpoint_names: Vec<String> = j.touchpoints.keys().cloned().collect();
        let channel_names: Vec<String> = j.channels.keys().cloned().collect();
        let mut names = Names {
            ir: j,
            node_index: j
                .nodes
                .iter()
                .enumerate()
                .map(|(i, n)| (n.id.as_str(), i))
                .collect(),
            attrs: attr_names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            events: event_names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            touchpoints: touchpoint_names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            milestones: Vec::new(),
            history: Some(RefCell::new(Layout::default())),
            reads_trigger: std::cell::Cell::new(false),
        };
        for n in &j.nodes {
            if let NodeKind::Milestone { name, .. } = &n.kind {
                if !names.milestones.contains(name) {
                    names.milestones.push(name.clone());
                }
            }
        }
        let stage_names: Vec<String> = j.stages.iter().map(|s| s.name.clone()).collect();
        let mut nodes = Vec::with_capacity(j.nodes.len());
        for n in &j.nodes {
            nodes.push(match &n.kind {
                NodeKind::EnterStage { guard, next, skip } => CNode::EnterStage {
                    stage: stage_names.iter().position(|s| *s == n.stage).unwrap_or(0),
                    guard: names.opt_expr(guard)?,
                    next: names.next(next)?,
                    skip: names.next(skip)?,
                },
                NodeKind::Send {
                    touchpoint, next, ..
                } => CNode::Send {
                    touchpoint: *names.touchpoints.get(touchpoint.as_str()).ok_or_else(|| {
                        ProgramError(format!("unknown touchpoint `{touchpoint}`"))
                    })?,
                    next: names.next(next)?,
                },
                NodeKind::WaitUntil { at, next } => CNode::WaitUntil {
                    at: names.expr(at)?,
                    next: names.next(next)?,
                },
                NodeKind::Delay { secs: s, next } => CNode::Delay {
                    secs: secs(*s),
                    next: names.next(next)?,
                },
                NodeKind::WaitClock {
                    day,
                    minute_of_day,
                    local,
                    next,
                } => CNode::WaitClock {
                    day: day.map(crate::ir::clock::Weekday::to_jiff),
                    minute: *minute_of_day,
                    local: *local,
                    next: names.next(next)?,
                },
                NodeKind::WaitEvent {
                    event,
                    condition,
                    timeout_secs,
                    on_event,
                    on_timeout,
                } => CNode::Wait {
                    event: names.event(event)?,
                    condition: names.opt_expr(condition)?,
                    timeout: timeout_secs.map(secs),
                    on_event: names.next(on_event)?,
                    on_timeout: names.next(on_timeout)?,
                },
                NodeKind::WaitAny {
                    branches,
                    timeout_secs,
                    on_timeout,
                } => CNode::WaitAny {
                    branches: branches
                        .iter()
                        .map(|b| {
                            Ok((
                                names.event(&b.event)?,
                                names.opt_expr(&b.condition)?,
                                names.next(&b.next)?,
                            ))
                        })
                        .collect::<Result<_, ProgramError>>()?,
                    timeout: secs(*timeout_secs),
                    on_timeout: names.next(on_timeout)?,
                },
                NodeKind::Branch { arms, otherwise } => CNode::Branch {
                    arms: arms
                        .iter()
                        .map(|a| Ok((names.expr(&a.condition)?, names.next(&a.next)?)))
                        .collect::<Result<_, ProgramError>>()?,
                    otherwise: names.next(otherwise)?,
                },
                NodeKind::Split { variants } => {
                    let mut cum = 0u32;
                    let mut out = Vec::new();
                    for v in variants {
                        cum = cum.saturating_add(v.weight_bp);
                        out.push((cum, names.next(&v.next)?));
                    }
                    CNode::Split {
                        salt: stable_hash(&[&j.name, &n.id]),
                        variants: out,
                    }
                }
                NodeKind::Milestone { name, next } => CNode::Milestone {
                    milestone: names.milestones.iter().position(|m| m == name).unwrap_or(0),
                    next: names.next(next)?,
                },
                NodeKind::Set {
                    attribute,
                    value,
                    next,
                } => CNode::Set {
                    attr: *names
                        .attrs
                        .get(attribute.as_str())
                        .ok_or_else(|| ProgramError(format!("unknown attribute `{attribute}`")))?,
                    value: names.expr(value)?,
                    next: names.next(next)?,
                },
                NodeKind::Goto { next, .. } => CNode::Goto {
                    next: names.next(&Some(next.clone()))?.unwrap_or(0),
                },
                NodeKind::Exit => CNode::Exit,
            });
        }
        let touchpoints = touchpoint_names
            .iter()
            .map(|t| {
                let tp = &j.touchpoints[t];
                let channel = channel_names
                    .iter()
                    .position(|c| *c == tp.channel)
                    .ok_or_else(|| {
                        ProgramError(format!(
                            "touchpoint `{t}` uses unknown channel `{}`",
                            tp.channel
                        ))
                    })?;
                let converts = match &tp.converts {
                    Some(c) => Some((names.event(&c.event)?, secs(c.within_secs))),
                    None => None,
                };
                Ok(CTouchpoint {
                    channel,
                    converts,
                    transactional: tp.transactional,
                })
            })
            .collect::<Result<Vec<_>, ProgramError>>()?;
        let channels: Vec<CChannel> = channel_names
            .iter()
            .map(|c| {
                let ch = &j.channels[c];
                CChannel {
                    caps: ch
                        .caps
                        .iter()
                        .map(|cap| (cap.count as usize, secs(cap.per_secs)))
                        .collect(),
                    quiet: ch.quiet.as_ref().map(|q| (q.from_minute, q.to_minute)),
                    consent: ch
                        .consent
                        .as_ref()
                        .and_then(|a| names.attrs.get(a.as_str()).copied()),
                    quiet_local: ch.quiet.as_ref().is_some_and(|q| q.local),
                }
            })
            .collect();
        let channel_window = channels
            .iter()
            .map(|c| c.caps.iter().map(|(_, per)| *per).max().unwrap_or(0))
            .collect();
        let attr_defaults = attr_names
            .iter()
            .map(|a| {
                j.attributes[a]
                    .default
                    .as_ref()
                    .map(Val::from_ir)
                    .unwrap_or(Val::Missing)
            })
            .collect();
        let attr_enums = attr_names
            .iter()
            .map(|a| match &j.attributes[a].ty {
                ir::Type::Enum { values, .. } => Some(values.clone()),
                _ => None,
            })
            .collect();
        let trigger = (
            // A scheduled or condition trigger has no event: no event's index matches this one.
            match (&j.trigger.schedule, j.trigger.when) {
                (None, false) => names.event(&j.trigger.event)?,
                _ => usize::MAX,
            },
            names.opt_expr(&j.trigger.condition)?,
        );
        let goals: Vec<(usize, Option<CExpr>, Option<i64>)> = j
            .goals
            .iter()
            .map(|g| {
                Ok((
                    names.event(&g.event)?,
                    names.opt_expr(&g.condition)?,
                    g.within_secs.map(secs),
                ))
            })
            .collect::<Result<_, ProgramError>>()?;
        let exits = j
            .exits
            .iter()
            .map(|x| Ok((names.event(&x.event)?, names.opt_expr(&x.condition)?)))
            .collect::<Result<_, ProgramError>>()?;
        let payloads = super::payload::compile(j, |e| names.expr(e))?;
        let start = names.next(&j.start)?;
        let milestone_names = std::mem::take(&mut names.milestones);
        let history = names
            .history
            .take()
            .map(RefCell::into_inner)
            .unwrap_or_default();
        let history_sends = touchpoint_names
            .iter()
            .map(|t| history.slot(&Key::Sent(t.clone())))
            .collect();
        let history_events = event_names
            .iter()
            .map(|e| history.slot(&Key::Event(e.clone())))
            .collect();
        let _ = names.ir;
        let mut credits = vec![false; event_names.len()];
        for tp in &touchpoints {
            if let Some((e, _)) = tp.converts {
                if let Some(c) = credits.get_mut(e) {
                    *c = true;
                }
            }
        }
        let zone_attr = attr_names
            .iter()
            .position(|a| j.attributes[a].ty == ir::Type::Timezone);
        let watches = goals.iter().any(|g| g.2.is_some())
            || touchpoints.iter().any(|tp| tp.converts.is_some());
        let reads_trigger = names.reads_trigger.get();
        Ok(Program {
            ir: j.clone(),
            nodes,
            start,
            attr_names,
            attr_defaults,
            attr_enums,
            event_names,
            touchpoint_names,
            touchpoints,
            channel_names,
            channels,
            milestone_names,
            stage_names,
            trigger,
            goals,
            exits,
            channel_window,
            credits,
            watches,
            history,
            history_sends,
            history_events,
            payloads,
            zone_attr,
            reads_trigger,
        })
    }

    /// Compiles an expression written against this journey's names (a simulation's `where`)
    /// into the indexed form the engine evaluates.
    pub fn compile_expr(&self, e: &ir::Expr) -> Result<CExpr, ProgramError> {
        let names = Names {
            ir: &self.ir,
            node_index: HashMap::new(),
            attrs: self
                .attr_names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            events: HashMap::new(),
            touchpoints: self
                .touchpoint_names
                .iter()
                .enumerate()
                .map(|(i, n)| (n.as_str(), i))
                .collect(),
            milestones: Vec::new(),
            history: None,
            reads_trigger: std::cell::Cell::new(false),
        };
        names.expr(e)
    }

    /// The compiled form of one of the journey's history reads (for explanations).
    pub fn compile_history(&self, e: &ir::Expr) -> Option<CExpr> {
        let ir::Expr::History {
            of,
            name,
            within_secs,
        } = e
        else {
            return None;
        };
        let key = match of {
            HistoryOf::Sent => Key::Sent(name.clone()),
            HistoryOf::Happened | HistoryOf::Count => Key::Event(name.clone()),
        };
        Some(CExpr::History {
            slot: self.history.slot(&key)?,
            window: secs(*within_secs),
            count: *of == HistoryOf::Count,
        })
    }

    pub fn attr(&self, name: &str) -> Option<usize> {
        self.attr_names.iter().position(|a| a == name)
    }

    pub fn event(&self, name: &str) -> Option<usize> {
        self.event_names.iter().position(|e| e == name)
    }

    pub fn touchpoint(&self, name: &str) -> Option<usize> {
        self.touchpoint_names.iter().position(|t| t == name)
    }

    pub fn node_id(&self, node: usize) -> &str {
        self.ir
            .nodes
            .get(node)
            .map(|n| n.id.as_str())
            .unwrap_or("?")
    }
}

/// A one-file project and its checked model, for unit tests: the source must check without
/// errors.
#[cfg(test)]
pub fn check_for_test(file: &str, text: &str) -> (crate::project::Project, crate::check::Checked) {
    let project = crate::project::load_text(std::path::Path::new(file), text);
    let checked = crate::check::check_project(&project);
    assert!(
        !checked.diagnostics.has_errors(),
        "{:?}",
        checked.diagnostics
    );
    (project, checked)
}

/// The programs of every journey of a one-file project, for unit tests: the source must check
/// without errors.
#[cfg(test)]
pub fn compile_for_test(file: &str, text: &str) -> Vec<Program> {
    let (project, checked) = check_for_test(file, text);
    let model = &checked.models[0];
    model
        .journeys
        .values()
        .map(|j| {
            let ir = crate::ir::lower::lower_journey(model, j, &project.sources);
            Program::compile(&ir).expect("compiles")
        })
        .collect()
}
