//! W0402: a path that sends more on a channel, within the channel's `cap N per D` window, than
//! the cap allows, so some of its messages would be held back.
//!
//! Time along a path is counted at its least: `wait D` adds D, a wait that times out adds its
//! `up to`, and a wait whose event arrives adds nothing (the event may come at once). The check
//! therefore warns about sends that *can* fall in one window. From each send on a capped
//! channel, a search over (node, time since that send, sends so far) looks for one send too
//! many before the window closes. Loops are fine to explore (time or the count grows, and a
//! state no better than one seen is dropped), and a budget bounds the work on huge journeys.

use super::graph::{EdgeKind, Graph, NodeId, NodeKind};
use super::path::{describe, Path};
use super::text;
use super::Ctx;
use crate::check::model::{Cap, ChannelDef};
use crate::diagnostics::{codes, Diagnostic};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// At most this many search states per channel; past it the check gives up silently.
const BUDGET: usize = 50_000;

pub fn check(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let model = cx.model;
    let channel_of = |n: NodeId| -> Option<&ChannelDef> {
        let NodeKind::Send(t) = g.nodes[n].kind else {
            return None;
        };
        // A transactional touchpoint neither counts towards caps nor is held back by them.
        let tp = model
            .touchpoints
            .get(&t.name)
            .filter(|tp| !tp.transactional)?;
        model.channels.get(&tp.channel)
    };
    let mut channels: BTreeSet<&str> = BTreeSet::new();
    for (n, _) in reachable.iter().enumerate().filter(|(_, r)| **r) {
        if let Some(c) = channel_of(n) {
            if !c.caps.is_empty() {
                channels.insert(c.name.as_str());
            }
        }
    }
    for name in channels {
        let Some(ch) = model.channels.get(name) else {
            continue;
        };
        let on_channel: Vec<bool> = (0..g.nodes.len())
            .map(|n| channel_of(n).is_some_and(|c| c.name == name))
            .collect();
        let mut starts: Vec<NodeId> = (0..g.nodes.len())
            .filter(|&n| reachable[n] && on_channel[n])
            .collect();
        starts.sort_by_key(|&n| (g.nodes[n].span.start, n));
        let mut budget = BUDGET;
        'found: for &start in &starts {
            for cap in &ch.caps {
                if let Some(path) = over_cap(g, start, cap, &on_channel, &mut budget) {
                    report(cx, g, ch, cap, &path, &on_channel);
                    break 'found;
                }
                if budget == 0 {
                    break 'found;
                }
            }
        }
    }
}

/// The time that passes when a customer leaves `n` by edge `i`, at the least.
pub(super) fn elapsed(g: &Graph, n: NodeId, i: usize) -> u64 {
    match (g.nodes[n].kind, g.nodes[n].succ[i].kind) {
        (NodeKind::Delay(secs), _) => secs,
        (NodeKind::Wait(w), EdgeKind::Timeout) => w.up_to.map_or(0, |d| d.secs),
        (NodeKind::WaitAny(w), EdgeKind::Timeout) => w.up_to.secs,
        _ => 0,
    }
}

/// A path from `start` (a send on the channel) with more than `cap.count` sends on the channel
/// within `cap.per_secs`, if there is one.
fn over_cap(
    g: &Graph,
    start: NodeId,
    cap: &Cap,
    on_channel: &[bool],
    budget: &mut usize,
) -> Option<Path> {
    struct State {
        node: NodeId,
        time: u64,
        count: u64,
        parent: Option<(usize, usize)>,
    }
    let mut states = vec![State {
        node: start,
        time: 0,
        count: 1,
        parent: None,
    }];
    let mut best: BTreeMap<(NodeId, u64), u64> = BTreeMap::new();
    best.insert((start, 0), 1);
    let mut queue = VecDeque::from([0usize]);
    while let Some(k) = queue.pop_front() {
        let (node, time, count) = (states[k].node, states[k].time, states[k].count);
        for (i, e) in g.nodes[node].succ.iter().enumerate() {
            let t = time.saturating_add(elapsed(g, node, i));
            if t >= cap.per_secs {
                continue;
            }
            let c = count + u64::from(on_channel[e.to]);
            if best.get(&(e.to, t)).is_some_and(|&b| b >= c) {
                continue;
            }
            if *budget == 0 {
                return None;
            }
            *budget -= 1;
            best.insert((e.to, t), c);
            states.push(State {
                node: e.to,
                time: t,
                count: c,
                parent: Some((k, i)),
            });
            let id = states.len() - 1;
            if c > cap.count {
                let mut path = vec![(e.to, None)];
                let mut at = id;
                while let Some((p, edge)) = states[at].parent {
                    path.push((states[p].node, Some(edge)));
                    at = p;
                }
                path.reverse();
                return Some(path);
            }
            queue.push_back(id);
        }
    }
    None
}

fn report(cx: &mut Ctx, g: &Graph, ch: &ChannelDef, cap: &Cap, path: &Path, on_channel: &[bool]) {
    let window = text::dur(cap.per_secs);
    let sends: Vec<NodeId> = path
        .iter()
        .map(|&(n, _)| n)
        .filter(|&n| on_channel[n])
        .collect();
    let mut d = Diagnostic::warning(
        codes::CAP_EXCEEDED,
        cx.file,
        format!(
            "this path can send {} messages on `{}` within {window}, over the channel's cap of {} per {window}",
            sends.len(),
            ch.name,
            cap.count
        ),
    );
    let mut labelled: Vec<NodeId> = Vec::new();
    for (k, &n) in sends.iter().enumerate() {
        if labelled.contains(&n) {
            continue;
        }
        labelled.push(n);
        let times = sends.iter().filter(|&&m| m == n).count();
        let text = if times > 1 {
            format!("sent {times} times: the path goes round a loop")
        } else {
            format!("{} send", text::ordinal(k + 1))
        };
        d = d.label(g.nodes[n].span, text);
    }
    d = d.label_in(
        ch.origin.file,
        cap.span,
        format!("`{}` allows {} per {window}", ch.name, cap.count),
    );
    let instant_waits = path.iter().any(|&(n, e)| {
        matches!(
            (
                g.nodes[n].kind,
                e.and_then(|i| g.nodes[n].succ.get(i)).map(|e| e.kind)
            ),
            (NodeKind::Wait(_), Some(EdgeKind::Event))
                | (NodeKind::WaitAny(_), Some(EdgeKind::On(_)))
        )
    });
    d = d
        .help(format!(
            "sends over the cap are held back at run time: space them out with `wait` so no {window} holds more than {}, or send fewer on this path",
            cap.count
        ))
        .note(format!("path: {}", describe(g, path, |n| on_channel[n])));
    if instant_waits {
        d = d.note("a wait for an event counts as no time here: the event may arrive at once");
    }
    cx.sink.push(d);
}
