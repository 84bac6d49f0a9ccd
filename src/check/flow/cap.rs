//! W0402: a path that sends more on a channel, within the channel's `cap N per D` window, than
//! the cap allows, so some of its messages would be held back.
//!
//! From each send on a capped channel, the search shared with W0407 ([`super::window`]) looks
//! for one send too many before the window closes, counting time at its least and leaving out
//! paths the facts of the path rule out (`if not sent(T)` right after `send T`).

use super::facts::PathFacts;
use super::graph::{EdgeKind, Graph, NodeId, NodeKind};
use super::path::{describe, Path};
use super::text;
use super::window::{most_sends, sends_on};
use super::Ctx;
use crate::check::model::{Cap, ChannelDef};
use crate::diagnostics::{codes, Diagnostic};

/// At most this many search states per channel; past it the check gives up silently.
const BUDGET: usize = 50_000;

pub fn check(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let model = cx.model;
    for ch in model.channels.values() {
        if ch.caps.is_empty() {
            continue;
        }
        let on_channel = sends_on(model, g, reachable, &ch.name);
        let mut starts: Vec<NodeId> = (0..g.nodes.len()).filter(|&n| on_channel[n]).collect();
        if starts.is_empty() {
            continue;
        }
        starts.sort_by_key(|&n| (g.nodes[n].span.start, n));
        let facts = PathFacts::new(model, g, |n| on_channel[n]);
        let mut budget = BUDGET;
        'found: for &start in &starts {
            for cap in &ch.caps {
                let most = most_sends(
                    g,
                    &facts,
                    start,
                    cap.per_secs,
                    cap.count,
                    &on_channel,
                    &mut budget,
                );
                if most.count > cap.count {
                    report(cx, g, ch, cap, &most.path, &on_channel);
                    break 'found;
                }
                if budget == 0 {
                    break 'found;
                }
            }
        }
    }
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
