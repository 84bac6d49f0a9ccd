//! W0407: two journeys of one project that can together send more on a channel, within its
//! `cap N per D` window, than the cap allows. Each stays within the cap alone (W0402 covers a
//! journey over it on its own), but the cap counts every journey's sends for a customer
//! (`docs/semantics.md`, "One world"), so the later sends are held back, whichever journey
//! makes them.
//!
//! For each journey, channel and cap, the most sends one path can make within the window is
//! found by the search W0402 uses ([`super::window`]: time at its least, paths the facts of
//! the path rule out left out); a pair of
//! journeys whose most add up to more than the cap is reported once per channel, naming a path
//! of each. Journeys of one `exclusive` group are left out: they never run at the same time
//! for a customer. Transactional touchpoints count for nothing, as at run time.

use super::facts::PathFacts;
use super::graph::{Graph, NodeId};
use super::path::describe;
use super::text;
use super::window::{most_sends, sends_on, Most};
use crate::check::model::{Cap, JourneyDef, Model};
use crate::check::Sink;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::Span;

/// At most this many search states per journey and channel.
const BUDGET: usize = 20_000;

pub fn check(model: &Model, sink: &mut Sink) {
    let mut journeys: Vec<&JourneyDef> = model.journeys.values().collect();
    if journeys.len() < 2 {
        return;
    }
    journeys.sort_by_key(|j| (j.file, j.decl.span.start));
    let graphs: Vec<(Graph, Vec<bool>)> = journeys
        .iter()
        .map(|j| {
            let sections: Vec<_> = j.sections().collect();
            let g = Graph::build(&sections);
            let r = g.reachable();
            (g, r)
        })
        .collect();
    for ch in model.channels.values() {
        if ch.caps.is_empty() {
            continue;
        }
        let on_channel: Vec<Vec<bool>> = graphs
            .iter()
            .map(|(g, reachable)| sends_on(model, g, reachable, &ch.name))
            .collect();
        'channel: for cap in &ch.caps {
            let most: Vec<Option<Most>> = graphs
                .iter()
                .zip(&on_channel)
                .map(|((g, _), on)| most(model, g, cap, on))
                .collect();
            for a in 0..journeys.len() {
                for b in a + 1..journeys.len() {
                    let (Some(ma), Some(mb)) = (&most[a], &most[b]) else {
                        continue;
                    };
                    let (ja, jb) = (journeys[a], journeys[b]);
                    let apart =
                        matches!((ja.exclusive(), jb.exclusive()), (Some(x), Some(y)) if x == y);
                    if apart
                        || ma.count > cap.count
                        || mb.count > cap.count
                        || ma.count + mb.count <= cap.count
                    {
                        continue;
                    }
                    report(
                        sink,
                        ch,
                        cap,
                        [
                            (ja, &graphs[a].0, ma, &on_channel[a]),
                            (jb, &graphs[b].0, mb, &on_channel[b]),
                        ],
                    );
                    break 'channel;
                }
            }
        }
    }
}

/// The path with the most sends on the channel within `cap.per_secs` of its first send.
/// Past the cap, the journey alone is over it (W0402): the search stops there.
fn most(model: &Model, g: &Graph, cap: &Cap, on_channel: &[bool]) -> Option<Most> {
    let mut starts: Vec<NodeId> = (0..g.nodes.len()).filter(|&n| on_channel[n]).collect();
    starts.sort_by_key(|&n| (g.nodes[n].span.start, n));
    let facts = PathFacts::new(model, g, |n| on_channel[n]);
    let mut budget = BUDGET;
    let mut best: Option<Most> = None;
    for start in starts {
        let m = most_sends(
            g,
            &facts,
            start,
            cap.per_secs,
            cap.count,
            on_channel,
            &mut budget,
        );
        if best.as_ref().is_none_or(|b| m.count > b.count) {
            best = Some(m);
        }
    }
    best
}

type Side<'a> = (&'a JourneyDef, &'a Graph<'a>, &'a Most, &'a Vec<bool>);

fn report(sink: &mut Sink, ch: &crate::check::model::ChannelDef, cap: &Cap, sides: [Side<'_>; 2]) {
    let window = text::dur(cap.per_secs);
    let [(ja, ga, ma, oa), (jb, gb, mb, ob)] = sides;
    // Every send of each path is labelled: the first says how many the path makes, the others
    // which one they are, so both paths can be read in the source.
    // (Spans compare equal whatever they cover: nodes are compared by id.)
    let sends = |g: &Graph, m: &Most, on: &[bool]| -> Vec<Span> {
        let mut seen: Vec<NodeId> = Vec::new();
        for (n, _) in &m.path {
            if on[*n] && !seen.contains(n) {
                seen.push(*n);
            }
        }
        seen.iter().map(|n| g.nodes[*n].span).collect()
    };
    // A path found by `most` starts at a send, so neither list is empty.
    let (sa, sb) = (sends(ga, ma, oa), sends(gb, mb, ob));
    let plural = |n: u64| if n == 1 { "message" } else { "messages" };
    let mut d = Diagnostic::warning(
        codes::CAP_EXCEEDED_TOGETHER,
        jb.file,
        format!(
            "journeys `{}` and `{}` can together send {} messages on `{}` within {window}, over the channel's cap of {} per {window}",
            ja.name,
            jb.name,
            ma.count + mb.count,
            ch.name,
            cap.count
        ),
    );
    for (j, spans, m, here) in [(jb, &sb, mb, true), (ja, &sa, ma, false)] {
        for (k, span) in spans.iter().enumerate() {
            let text = if k == 0 {
                format!(
                    "`{}` can send {} {} on `{}` within {window} from here",
                    j.name,
                    m.count,
                    plural(m.count),
                    ch.name
                )
            } else {
                format!("`{}`: {} send", j.name, text::ordinal(k + 1))
            };
            d = if here {
                d.label(*span, text)
            } else {
                d.label_in(j.file, *span, text)
            };
        }
    }
    let d = d
    .label_in(
        ch.origin.file,
        cap.span,
        format!("`{}` allows {} per {window}, all journeys together", ch.name, cap.count),
    )
    .help(
        "the cap counts every journey's sends for a customer, so sends over it are held back at run time, whichever journey makes them: put the journeys in one `exclusive` group, space their sends out, or mark messages the customer must get `transactional`",
    )
    .note(format!(
        "path in `{}`: {}",
        ja.name,
        describe(ga, &ma.path, |n| oa[n])
    ))
    .note(format!(
        "path in `{}`: {}",
        jb.name,
        describe(gb, &mb.path, |n| ob[n])
    ));
    sink.push(d);
}
