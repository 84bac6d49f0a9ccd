//! The search W0402 ([`super::cap`]) and W0407 ([`super::crowd`]) share: from a send on a
//! capped channel, the most sends on that channel one path can make before the cap's window
//! closes, and that path.
//!
//! Time along a path is counted at its least: `wait D` adds D, a wait that times out adds its
//! `up to`, and a wait whose event arrives adds nothing (the event may come at once), so the
//! search finds sends that *can* fall in one window. It runs over (node, time since the first
//! send, facts of the path), keeping the most sends seen for each; a state no better than one
//! seen is dropped, so loops are fine to explore, and a budget bounds the work on huge
//! journeys. The facts ([`PathFacts`]) keep out paths no customer can take, such as the arm of
//! `if not sent(T)` right after `send T`.

use super::facts::{Known, PathFacts};
use super::graph::{EdgeKind, Graph, NodeId, NodeKind};
use super::path::Path;
use crate::check::model::Model;
use std::collections::{BTreeMap, VecDeque};

/// Per node of `g`: whether it is a reachable send on `channel` that a cap counts (a
/// transactional touchpoint neither counts towards caps nor is held back by them).
pub fn sends_on(model: &Model, g: &Graph, reachable: &[bool], channel: &str) -> Vec<bool> {
    (0..g.nodes.len())
        .map(|n| {
            let NodeKind::Send(t) = g.nodes[n].kind else {
                return false;
            };
            reachable[n]
                && model
                    .touchpoints
                    .get(&t.name)
                    .is_some_and(|tp| !tp.transactional && tp.channel == channel)
        })
        .collect()
}

/// The time that passes when a customer leaves `n` by edge `i`, at the least.
fn elapsed(g: &Graph, n: NodeId, i: usize) -> u64 {
    match (g.nodes[n].kind, g.nodes[n].succ[i].kind) {
        (NodeKind::Delay(secs), _) => secs,
        (NodeKind::Clock(c), _) => super::graph::clock_bounds(c).0,
        (NodeKind::Wait(w), EdgeKind::Timeout) => w.up_to.map_or(0, |d| d.secs),
        (NodeKind::WaitAny(w), EdgeKind::Timeout) => w.up_to.secs,
        _ => 0,
    }
}

/// The most sends found from one start, and the path that makes them (ending at its last send).
pub struct Most {
    pub count: u64,
    pub path: Path,
}

/// Searches from `start` (a send on the channel, `on_channel[start]`) for the path with the
/// most sends within `per_secs`, stopping at the first path with more than `limit`. When the
/// budget runs out, the best path found so far.
pub fn most_sends(
    g: &Graph,
    facts: &PathFacts,
    start: NodeId,
    per_secs: u64,
    limit: u64,
    on_channel: &[bool],
    budget: &mut usize,
) -> Most {
    struct State {
        node: NodeId,
        time: u64,
        facts: Known,
        count: u64,
        parent: Option<(usize, usize)>,
    }
    let known = facts.start(start);
    let mut states = vec![State {
        node: start,
        time: 0,
        facts: known,
        count: 1,
        parent: None,
    }];
    let mut top = 0usize;
    let mut best: BTreeMap<(NodeId, u64, Known), u64> = BTreeMap::new();
    best.insert((start, 0, known), 1);
    let mut queue = VecDeque::from([0usize]);
    'search: while let Some(k) = queue.pop_front() {
        let (node, time, known, count) = {
            let s = &states[k];
            (s.node, s.time, s.facts, s.count)
        };
        for (i, e) in g.nodes[node].succ.iter().enumerate() {
            let t = time.saturating_add(elapsed(g, node, i));
            if t >= per_secs {
                continue;
            }
            let Some(f) = facts.step(g, node, i, known) else {
                continue;
            };
            let c = count + u64::from(on_channel[e.to]);
            if best.get(&(e.to, t, f)).is_some_and(|&b| b >= c) {
                continue;
            }
            if *budget == 0 {
                break 'search;
            }
            *budget -= 1;
            best.insert((e.to, t, f), c);
            states.push(State {
                node: e.to,
                time: t,
                facts: f,
                count: c,
                parent: Some((k, i)),
            });
            let id = states.len() - 1;
            if c > states[top].count {
                top = id;
            }
            if c > limit {
                break 'search;
            }
            queue.push_back(id);
        }
    }
    let mut path = vec![(states[top].node, None)];
    let mut at = top;
    while let Some((p, edge)) = states[at].parent {
        path.push((states[p].node, Some(edge)));
        at = p;
    }
    path.reverse();
    Most {
        count: states[top].count,
        path,
    }
}
