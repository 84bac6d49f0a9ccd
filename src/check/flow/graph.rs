//! The control-flow graph of one journey, built from its syntax tree.
//!
//! Every path analysis walks this graph rather than the tree, so that sections running in order,
//! `goto`, `exit`, the two outcomes of a wait and the arms of an `if` are modelled once. Edges say
//! how they were taken (which arm, which outcome) because that is what the analyses learn facts
//! from and what the paths shown to users describe.

use crate::source::Span;
use crate::syntax::ast::{self, Block, Expr, SectionKind, Step, StepKind};
use std::collections::BTreeMap;

pub type NodeId = usize;

#[derive(Clone, Copy, Debug)]
pub enum NodeKind<'a> {
    /// Arrival in a section. An upgrade section also has a `Skip` edge to the next section.
    Enter,
    Send(&'a ast::Ident),
    Delay(u64),
    /// `wait until EXPR`: no bound on the time it takes, and possibly none at all (a time
    /// already past), so it does not count as passing time.
    WaitUntil(&'a Expr),
    Wait(&'a ast::WaitEvent),
    /// `wait up to D { on E { ... } ... }`: one `On` edge per branch and one `Timeout` edge.
    WaitAny(&'a ast::WaitAny),
    If(&'a ast::IfStep),
    Split,
    Milestone(&'a ast::Ident),
    Set {
        attr: &'a ast::Ident,
        value: &'a Expr,
    },
    Goto(&'a ast::Ident),
    Exit,
    /// The customer completes the journey after the last section.
    End,
    /// `wait until [DAY] HH:MM [local]`.
    Clock(&'a ast::ClockTime),
}

#[derive(Clone, Copy, Debug)]
pub enum EdgeKind<'a> {
    Next,
    /// The awaited event arrived.
    Event,
    /// The wait's `up to` ran out.
    Timeout,
    /// Branch `index` of a `wait up to D { ... }` was taken: its event arrived first and its
    /// `where` held.
    On(usize),
    /// Arm `index` of an `if` was taken: its condition held and every earlier one did not.
    Arm(usize),
    /// No arm of an `if` was taken.
    Otherwise,
    Variant(&'a ast::Variant),
    /// An upgrade section was passed over: the attribute did not have the starting value.
    Skip,
    Goto,
}

#[derive(Clone, Copy, Debug)]
pub struct Edge<'a> {
    pub to: NodeId,
    pub kind: EdgeKind<'a>,
}

#[derive(Debug)]
pub struct Node<'a> {
    pub kind: NodeKind<'a>,
    /// Index into [`Graph::sections`].
    pub section: usize,
    /// The step's span (the section's header for `Enter`).
    pub span: Span,
    pub succ: Vec<Edge<'a>>,
}

#[derive(Debug)]
pub struct SectionInfo<'a> {
    pub section: &'a ast::Section,
    pub name: String,
    pub enter: NodeId,
}

#[derive(Debug)]
pub struct Graph<'a> {
    pub nodes: Vec<Node<'a>>,
    pub sections: Vec<SectionInfo<'a>>,
    /// Where a customer starts: the first section's `Enter`, or `End` for a journey without
    /// sections.
    pub start: NodeId,
    /// The node of each step, by the step's span.
    steps: BTreeMap<(usize, usize), NodeId>,
}

impl<'a> Graph<'a> {
    pub fn build(sections: &[&'a ast::Section]) -> Graph<'a> {
        let mut g = Graph {
            nodes: Vec::new(),
            sections: Vec::new(),
            start: 0,
            steps: BTreeMap::new(),
        };
        let end = g.add(
            NodeKind::End,
            sections.len().saturating_sub(1),
            Span::default(),
        );
        for (i, s) in sections.iter().enumerate() {
            let enter = g.add(NodeKind::Enter, i, s.head_span);
            g.sections.push(SectionInfo {
                section: s,
                name: s.kind.name(),
                enter,
            });
        }
        g.start = g.sections.first().map_or(end, |s| s.enter);
        for i in 0..g.sections.len() {
            let after = g.sections.get(i + 1).map_or(end, |s| s.enter);
            let s = g.sections[i].section;
            let body = g.block(&s.body, after, i);
            let enter = g.sections[i].enter;
            g.link(enter, body, EdgeKind::Next);
            if matches!(s.kind, SectionKind::Upgrade { .. }) {
                g.link(enter, after, EdgeKind::Skip);
            }
        }
        g
    }

    fn add(&mut self, kind: NodeKind<'a>, section: usize, span: Span) -> NodeId {
        self.nodes.push(Node {
            kind,
            section,
            span,
            succ: Vec::new(),
        });
        self.nodes.len() - 1
    }

    fn link(&mut self, from: NodeId, to: NodeId, kind: EdgeKind<'a>) {
        self.nodes[from].succ.push(Edge { to, kind });
    }

    /// The first section named `name` (duplicates are reported elsewhere).
    pub fn section_named(&self, name: &str) -> Option<usize> {
        self.sections.iter().position(|s| s.name == name)
    }

    pub fn node_of(&self, step: &Step) -> Option<NodeId> {
        self.steps.get(&(step.span.start, step.span.end)).copied()
    }

    /// Builds the steps of `b`, each continuing with the next and the last with `cont`; returns
    /// the node a customer entering the block reaches first.
    fn block(&mut self, b: &'a Block, cont: NodeId, section: usize) -> NodeId {
        let ids: Vec<NodeId> = b
            .steps
            .iter()
            .map(|s| {
                let kind = match &s.kind {
                    StepKind::Send(t) => NodeKind::Send(t),
                    StepKind::Wait(d) => NodeKind::Delay(d.secs),
                    StepKind::WaitEvent(w) => NodeKind::Wait(w),
                    StepKind::WaitAny(w) => NodeKind::WaitAny(w),
                    StepKind::If(i) => NodeKind::If(i),
                    StepKind::Split(_) => NodeKind::Split,
                    StepKind::Milestone(m) => NodeKind::Milestone(m),
                    StepKind::Set { attr, value } => NodeKind::Set { attr, value },
                    StepKind::Goto(t) => NodeKind::Goto(t),
                    StepKind::Exit => NodeKind::Exit,
                    StepKind::WaitUntil(e) => NodeKind::WaitUntil(e),
                    StepKind::WaitClock(c) => NodeKind::Clock(c),
                };
                // A send's `with { ... }` may span lines: what is said about the send points at
                // `send T`.
                let span = match (&s.kind, &s.payload) {
                    (StepKind::Send(t), Some(_)) => Span::new(s.span.start, t.span.end),
                    _ => s.span,
                };
                let id = self.add(kind, section, span);
                self.steps.insert((s.span.start, s.span.end), id);
                id
            })
            .collect();
        for (k, s) in b.steps.iter().enumerate() {
            let id = ids[k];
            let next = ids.get(k + 1).copied().unwrap_or(cont);
            match &s.kind {
                StepKind::Send(_)
                | StepKind::Wait(_)
                | StepKind::Milestone(_)
                | StepKind::Set { .. }
                | StepKind::WaitUntil(_)
                | StepKind::WaitClock(_) => self.link(id, next, EdgeKind::Next),
                StepKind::WaitEvent(w) => {
                    let on_event = self.opt_block(w.on_event.as_ref(), next, section);
                    self.link(id, on_event, EdgeKind::Event);
                    // Without `up to` the wait never times out: its `timeout` block (if any) is
                    // built, so its steps have nodes, but nothing leads there.
                    let on_timeout = self.opt_block(w.on_timeout.as_ref(), next, section);
                    if w.up_to.is_some() {
                        self.link(id, on_timeout, EdgeKind::Timeout);
                    }
                }
                StepKind::WaitAny(w) => {
                    for (n, b) in w.branches.iter().enumerate() {
                        let to = self.block(&b.body, next, section);
                        self.link(id, to, EdgeKind::On(n));
                    }
                    // `up to` is part of the syntax: this wait always times out.
                    let on_timeout = self.opt_block(w.on_timeout.as_ref(), next, section);
                    self.link(id, on_timeout, EdgeKind::Timeout);
                }
                StepKind::If(i) => {
                    for (n, (_, body)) in i.branches.iter().enumerate() {
                        let to = self.block(body, next, section);
                        self.link(id, to, EdgeKind::Arm(n));
                    }
                    let to = self.opt_block(i.otherwise.as_ref(), next, section);
                    self.link(id, to, EdgeKind::Otherwise);
                }
                StepKind::Split(variants) => {
                    for v in variants {
                        let to = self.block(&v.body, next, section);
                        self.link(id, to, EdgeKind::Variant(v));
                    }
                }
                StepKind::Goto(t) => {
                    // An unknown stage is reported by the journey pass; here it leads nowhere.
                    if let Some(target) = self.section_named(&t.name) {
                        let to = self.sections[target].enter;
                        self.link(id, to, EdgeKind::Goto);
                    }
                }
                StepKind::Exit => {}
            }
        }
        ids.first().copied().unwrap_or(cont)
    }

    fn opt_block(&mut self, b: Option<&'a Block>, cont: NodeId, section: usize) -> NodeId {
        match b {
            Some(b) => self.block(b, cont, section),
            None => cont,
        }
    }

    /// Every node a customer can reach from the start.
    pub fn reachable(&self) -> Vec<bool> {
        let mut seen = vec![false; self.nodes.len()];
        let mut stack = vec![self.start];
        while let Some(n) = stack.pop() {
            if std::mem::replace(&mut seen[n], true) {
                continue;
            }
            stack.extend(self.nodes[n].succ.iter().map(|e| e.to));
        }
        seen
    }

    /// Whether time passes when a customer leaves this node along any edge.
    pub fn passes_time(&self, n: NodeId) -> bool {
        matches!(
            self.nodes[n].kind,
            NodeKind::Delay(_) | NodeKind::Wait(_) | NodeKind::WaitAny(_) | NodeKind::Clock(_)
        )
    }
}

/// The least and the most time a `wait until [DAY] HH:MM [local]` can take: a second (it
/// waits for a time strictly after now) up to a day or a week, and an hour more in a zone whose
/// clocks go back that night.
pub fn clock_bounds(c: &ast::ClockTime) -> (u64, u64) {
    let span = if c.day.is_some() { 7 * 86_400 } else { 86_400 };
    (1, span + if c.local { 3_600 } else { 0 })
}
