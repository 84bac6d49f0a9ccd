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

/// A reached (node, state), with the entry it was first reached from and the edge taken from
/// there (`None` for the start).
type Entry<S> = ((NodeId, S), Option<(usize, usize)>);

/// The result of a search: every reachable (node, state).
pub struct Search<S> {
    index: BTreeMap<(NodeId, S), usize>,
    entries: Vec<Entry<S>>,
}

impl<S: Ord + Copy> Search<S> {
    /// Explores from `start`; `step(node, edge index, state)` gives the state after taking that
    /// edge, or `None` when the search must not take it.
    pub fn run(
        g: &Graph,
        start: (NodeId, S),
        mut step: impl FnMut(NodeId, usize, S) -> Option<S>,
    ) -> Self {
        let mut search = Search {
            index: BTreeMap::from([(start, 0)]),
            entries: vec![(start, None)],
        };
        let mut queue = VecDeque::from([0usize]);
        while let Some(at) = queue.pop_front() {
            let (n, s) = search.entries[at].0;
            for (i, e) in g.nodes[n].succ.iter().enumerate() {
                let Some(next) = step(n, i, s) else { continue };
                let key = (e.to, next);
                if let std::collections::btree_map::Entry::Vacant(v) = search.index.entry(key) {
                    v.insert(search.entries.len());
                    queue.push_back(search.entries.len());
                    search.entries.push((key, Some((at, i))));
                }
            }
        }
        search
    }

    pub fn reached(&self, n: NodeId, s: S) -> bool {
        self.index.contains_key(&(n, s))
    }

    /// The path by which (n, s) was first reached, from the start.
    pub fn path_to(&self, n: NodeId, s: S) -> Path {
        let mut rev = vec![(n, None)];
        let mut at = self.index.get(&(n, s)).copied();
        while let Some(Some((prev, edge))) = at.map(|a| self.entries[a].1) {
            rev.push((self.entries[prev].0 .0, Some(edge)));
            at = Some(prev);
        }
        rev.reverse();
        rev
    }
}

/// At most this many steps are named at each end of a long path; the middle is elided, since
/// a note a screen long helps nobody and costs time on huge journeys.
const HEAD: usize = 4;
const TAIL: usize = 8;

/// Describes a path in the words of the file: the sections it passes through, each decision
/// (which outcome of a wait, which arm of an `if`, which split variant), each delay and `goto`,
/// and the last step. Sends, sets and milestones on the way appear only where `show` says they
/// matter to the check.
pub fn describe(
    g: &Graph,
    path: &[(NodeId, Option<usize>)],
    show: impl Fn(NodeId) -> bool,
) -> String {
    let item = |k: usize| -> Option<(usize, String)> {
        let (n, edge) = path[k];
        let node = &g.nodes[n];
        let last = k + 1 == path.len();
        let edge = edge.and_then(|i| node.succ.get(i)).map(|e| e.kind);
        words(g, n, edge, last || show(n)).map(|w| (node.section, w))
    };
    let mut head: Vec<(usize, String)> = Vec::new();
    let mut k = 0;
    while k < path.len() && head.len() < HEAD {
        head.extend(item(k));
        k += 1;
    }
    let mut tail: Vec<(usize, String)> = Vec::new();
    let mut j = path.len();
    while j > k && tail.len() < TAIL {
        j -= 1;
        tail.extend(item(j));
    }
    tail.reverse();
    // Whether a step between the two ends would have been named.
    let skipped = (k..j).any(|m| item(m).is_some());
    let middle = skipped.then_some(None);
    let mut parts: Vec<String> = Vec::new();
    let mut section: Option<usize> = None;
    for it in head
        .into_iter()
        .map(Some)
        .chain(middle)
        .chain(tail.into_iter().map(Some))
    {
        match it {
            Some((sec, words)) if section != Some(sec) => {
                section = Some(sec);
                parts.push(format!("{}: {words}", g.sections[sec].name));
            }
            Some((_, words)) => parts.push(words),
            None => {
                parts.push("...".to_string());
                section = None;
            }
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
        NodeKind::WaitUntil(e) => format!("`wait until {}`", text::expr(e)),
        NodeKind::Clock(c) => format!("`wait until {}`", c.text()),
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
        NodeKind::WaitAny(w) => {
            let head = text::wait_any(w);
            match edge {
                Some(EdgeKind::Timeout) => format!("`{head}` timed out"),
                Some(EdgeKind::On(k)) => match w.branches.get(k) {
                    Some(b) if b.condition.is_some() => {
                        format!("`{head}` got `{}` (`{}`)", b.event.name, text::branch(b))
                    }
                    Some(b) => format!("`{head}` got `{}`", b.event.name),
                    None => format!("`{head}`"),
                },
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
