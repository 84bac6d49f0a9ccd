//! Searching the graph for a path with a property, and telling the user which path it was.
//!
//! Each check that can fail on some path is a breadth-first search over (node, state) pairs,
//! where the state is what the check tracks (whether consent is known, say). Breadth-first finds a
//! shortest offending path, which is the easiest one to read in a note.

use super::graph::{EdgeKind, Graph, NodeId, NodeKind};
use super::text;
use crate::syntax::ast::SectionKind;
use std::collections::{BTreeMap, VecDeque};

/// A walk through the graph: each node with the index of the edge taken to leave it (`None` for
/// the last node).
pub type Path = Vec<(NodeId, Option<usize>)>;

/// How a (node, state) pair was first reached: the pair before it and the edge taken from there
/// (`None` for the start).
type Parents<S> = BTreeMap<(NodeId, S), Option<((NodeId, S), usize)>>;

/// The result of a search: every reachable (node, state) with how it was first reached.
pub struct Search<S> {
    parent: Parents<S>,
}

impl<S: Ord + Copy> Search<S> {
    /// Explores from `start`; `step(node, edge index, state)` gives the state after taking that
    /// edge, or `None` when the search must not take it.
    pub fn run(
        g: &Graph,
        start: (NodeId, S),
        mut step: impl FnMut(NodeId, usize, S) -> Option<S>,
    ) -> Self {
        let mut parent = BTreeMap::new();
        parent.insert(start, None);
        let mut queue = VecDeque::from([start]);
        while let Some((n, s)) = queue.pop_front() {
            for (i, e) in g.nodes[n].succ.iter().enumerate() {
                let Some(next) = step(n, i, s) else { continue };
                let key = (e.to, next);
                if let std::collections::btree_map::Entry::Vacant(v) = parent.entry(key) {
                    v.insert(Some(((n, s), i)));
                    queue.push_back(key);
                }
            }
        }
        Search { parent }
    }

    pub fn reached(&self, n: NodeId, s: S) -> bool {
        self.parent.contains_key(&(n, s))
    }

    /// The path by which (n, s) was first reached, from the start.
    pub fn path_to(&self, n: NodeId, s: S) -> Path {
        let mut rev = vec![(n, None)];
        let mut at = (n, s);
        while let Some(Some((prev, edge))) = self.parent.get(&at) {
            rev.push((prev.0, Some(*edge)));
            at = *prev;
        }
        rev.reverse();
        rev
    }
}

/// Describes a path in the words of the file: the sections it passes through, each decision
/// (which outcome of a wait, which arm of an `if`, which split variant), each delay and `goto`,
/// and the last step. Sends, sets and milestones on the way appear only where `show` says they
/// matter to the check.
pub fn describe(
    g: &Graph,
    path: &[(NodeId, Option<usize>)],
    show: impl Fn(NodeId) -> bool,
) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut section: Option<usize> = None;
    for (k, &(n, edge)) in path.iter().enumerate() {
        let node = &g.nodes[n];
        let last = k + 1 == path.len();
        let edge = edge.and_then(|i| node.succ.get(i)).map(|e| e.kind);
        let Some(words) = words(g, n, edge, last || show(n)) else {
            continue;
        };
        if section != Some(node.section) && !matches!(node.kind, NodeKind::End) {
            section = Some(node.section);
            parts.push(format!("{}: {words}", g.sections[node.section].name));
        } else {
            parts.push(words);
        }
    }
    parts.join(" -> ")
}

fn words(g: &Graph, n: NodeId, edge: Option<EdgeKind>, shown: bool) -> Option<String> {
    let node = &g.nodes[n];
    Some(match node.kind {
        NodeKind::Enter => {
            let SectionKind::Upgrade { attr, from, to } = &g.sections[node.section].section.kind
            else {
                return None;
            };
            if !matches!(edge, Some(EdgeKind::Skip)) {
                return None;
            }
            format!(
                "`upgrade {} {} -> {}` skipped (`{}` was not `{}`)",
                attr.name, from.name, to.name, attr.name, from.name
            )
        }
        NodeKind::Send(t) if shown => format!("`send {}`", t.name),
        NodeKind::Delay(secs) => format!("`wait {}`", text::dur(secs)),
        NodeKind::Wait(w) => {
            let head = text::wait(w);
            match edge {
                Some(EdgeKind::Timeout) => format!("`{head}` timed out"),
                Some(EdgeKind::Event) if w.up_to.is_some() => {
                    format!("`{head}` got `{}`", w.event.name)
                }
                _ => format!("`{head}`"),
            }
        }
        NodeKind::If(i) => {
            let cond = |k: usize| {
                i.branches
                    .get(k)
                    .map(|(c, _)| text::expr(c))
                    .unwrap_or_default()
            };
            match edge {
                Some(EdgeKind::Arm(0)) => format!("`if {}` was true", cond(0)),
                Some(EdgeKind::Arm(k)) => format!("`else if {}` was true", cond(k)),
                Some(EdgeKind::Otherwise) if i.branches.len() == 1 => {
                    format!("`if {}` was false", cond(0))
                }
                Some(EdgeKind::Otherwise) => {
                    format!("`if {}` and each `else if` were false", cond(0))
                }
                _ => format!("`if {}`", cond(0)),
            }
        }
        NodeKind::Split => match edge {
            Some(EdgeKind::Variant(v)) => format!("split variant `{}`", v.name.name),
            _ => "`split`".to_string(),
        },
        NodeKind::Set { attr, value } if shown => {
            format!("`set {} = {}`", attr.name, text::expr(value))
        }
        NodeKind::Milestone(m) if shown => format!("`milestone {}`", m.name),
        NodeKind::Goto(t) => format!("`goto {}`", t.name),
        NodeKind::Exit => "`exit`".to_string(),
        _ => return None,
    })
}
