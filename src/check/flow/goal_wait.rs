//! W0408: a `goal E` that takes every `E` before a `wait E { ... }` can, so the wait's block
//! never runs.
//!
//! When an event arrives, goals are checked before a waiting step (`docs/semantics.md`, "Goals"
//! and "`wait EVENT`"): a goal without `where` converts the customer, who leaves the journey,
//! and the wait never sees the event. With `within D` the goal only takes events up to `D`
//! after entry, so the block is dead only when the wait always ends inside that window: the
//! latest time a customer can reach the wait (counted at its most: delays, waits running to
//! their `up to`, sends held by quiet hours) plus its `up to` is at most `D`. A wait reached
//! after a loop, or after a wait without `up to`, may come at any time and is not reported.

use super::graph::{EdgeKind, Graph, NodeId, NodeKind};
use super::text;
use super::Ctx;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast;

pub fn check(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let goals: Vec<_> = cx
        .journey
        .goals()
        .filter(|goal| goal.condition.is_none())
        .collect();
    if goals.is_empty() {
        return;
    }
    let mut latest: Option<Vec<Option<u64>>> = None;
    for (n, node) in g.nodes.iter().enumerate() {
        if !reachable[n] {
            continue;
        }
        // What of this step runs only when its event arrives: (the event, the step's head to
        // point at, the block, the wait's `up to`, whether it is a branch of a wait for several).
        let takers: Vec<(&ast::Ident, Span, Span, Option<u64>, bool)> = match node.kind {
            NodeKind::Wait(w) => w
                .on_event
                .as_ref()
                .map(|block| {
                    let head = Span::new(
                        node.span.start,
                        w.up_to.map_or(w.event.span.end, |u| u.span.end),
                    );
                    (&w.event, head, block.span, w.up_to.map(|u| u.secs), false)
                })
                .into_iter()
                .collect(),
            NodeKind::WaitAny(w) => w
                .branches
                .iter()
                .map(|b| {
                    let head = Span::new(b.span.start, b.event.span.end);
                    (&b.event, head, b.body.span, Some(w.up_to.secs), true)
                })
                .collect(),
            _ => continue,
        };
        for (event, head, block, up_to, branch) in takers {
            let Some(goal) = goals.iter().find(|goal| goal.event.name == event.name) else {
                continue;
            };
            let window = match goal.within {
                None => None,
                Some(d) => {
                    let latest = latest.get_or_insert_with(|| latest_arrival(cx, g, reachable));
                    let ends = latest[n].zip(up_to).map(|(t, u)| t.saturating_add(u));
                    match ends {
                        Some(end) if end <= d.secs => Some(text::dur(d.secs)),
                        _ => continue,
                    }
                }
            };
            let e = &event.name;
            let goal_label = match &window {
                None => format!("`goal {e}` takes every `{e}` first: goals are checked before waits"),
                Some(d) => format!("`goal {e}` takes every `{e}` within {d} of entry first: goals are checked before waits"),
            };
            let (message, what, help) = if branch {
                (
                    format!("the branch `on {e}` never runs: the goal takes the event first"),
                    "branch",
                    format!("reaching the goal already ends the journey: drop the branch `on {e}`, give the goal a `where` this event does not meet, or send the follow-up from a journey triggered by `{e}`"),
                )
            } else {
                (
                    format!("the block of `wait {e}` never runs: the goal takes the event first"),
                    "block",
                    format!("reaching the goal already ends the journey: drop the block and keep `wait {e} up to D` with its `timeout` for the others, give the goal a `where` this event does not meet, or send the follow-up from a journey triggered by `{e}`"),
                )
            };
            let d = Diagnostic::warning(codes::GOAL_TAKES_WAIT, cx.file, message)
                .label(
                    head,
                    match &window {
                        None => format!("customers whose `{e}` comes convert and leave here"),
                        Some(_) => format!("this wait always ends inside the goal's window: customers whose `{e}` comes convert and leave"),
                    },
                )
                .label(
                    Span::new(block.start, block.start + 1),
                    format!("so this {what} never runs"),
                )
                .label(goal.event.span, goal_label)
                .help(help);
            cx.sink.push(d);
        }
    }
}

/// Per node, the latest time after entry a customer can arrive there, or `None` when there is
/// no bound (a loop, or a wait without `up to`, on the way). Counted in topological order of
/// the reachable graph; nodes on or after a cycle are never ordered and stay `None`.
fn latest_arrival(cx: &Ctx, g: &Graph, reachable: &[bool]) -> Vec<Option<u64>> {
    let n = g.nodes.len();
    let mut indegree = vec![0usize; n];
    for (a, node) in g.nodes.iter().enumerate() {
        if reachable[a] {
            for e in &node.succ {
                indegree[e.to] += 1;
            }
        }
    }
    let mut latest: Vec<Option<u64>> = vec![None; n];
    let mut unbounded = vec![false; n];
    latest[g.start] = Some(0);
    let mut ready: Vec<NodeId> = (0..n)
        .filter(|&a| reachable[a] && indegree[a] == 0)
        .collect();
    let mut done = vec![false; n];
    while let Some(a) = ready.pop() {
        done[a] = true;
        for (i, e) in g.nodes[a].succ.iter().enumerate() {
            match (latest[a], most_elapsed(cx, g, a, i)) {
                (Some(t), Some(dt)) if !unbounded[a] => {
                    let t = t.saturating_add(dt);
                    latest[e.to] = Some(latest[e.to].map_or(t, |x| x.max(t)));
                }
                _ => unbounded[e.to] = true,
            }
            indegree[e.to] -= 1;
            if indegree[e.to] == 0 {
                ready.push(e.to);
            }
        }
    }
    (0..n)
        .map(|a| latest[a].filter(|_| done[a] && !unbounded[a]))
        .collect()
}

/// The most time that can pass when a customer leaves `n` by edge `i`; `None` for no bound.
fn most_elapsed(cx: &Ctx, g: &Graph, n: NodeId, i: usize) -> Option<u64> {
    Some(match (g.nodes[n].kind, g.nodes[n].succ[i].kind) {
        (NodeKind::Delay(secs), _) => secs,
        (NodeKind::Clock(c), _) => super::graph::clock_bounds(c).1,
        (NodeKind::Wait(w), EdgeKind::Event | EdgeKind::Timeout) => w.up_to?.secs,
        (NodeKind::WaitAny(w), EdgeKind::On(_) | EdgeKind::Timeout) => w.up_to.secs,
        (NodeKind::Send(t), _) => {
            // A send held by quiet hours goes out at the end of the window.
            let tp = cx.model.touchpoints.get(&t.name);
            let quiet = tp
                .filter(|tp| !tp.transactional)
                .and_then(|tp| cx.model.channels.get(&tp.channel))
                .and_then(|c| c.quiet);
            match quiet {
                Some((from, to)) => u64::from((to + 24 * 60 - from) % (24 * 60)) * 60,
                None => 0,
            }
        }
        (NodeKind::WaitUntil(_), _) => return None,
        // Any other step that makes time pass: no bound is known here.
        _ if g.passes_time(n) => return None,
        _ => 0,
    })
}
