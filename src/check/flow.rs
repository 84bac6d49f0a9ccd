//! Path-sensitive analyses of a journey: what holds on every path a customer can take.
//!
//! The journey is turned into a control-flow graph ([`graph`]) once; each property is then a
//! search over that graph ([`path`]) that, when it fails, names one concrete path in the words of
//! the file, so the user sees how a customer gets there.

mod cap;
mod crowd;
mod facts;
mod goal_wait;
mod graph;
mod known;
mod logic;
mod loops;
mod path;
mod reach;
mod text;
mod window;

use super::model::{JourneyDef, Model};
use super::Sink;
use crate::source::FileId;

/// What every analysis reports against.
struct Ctx<'a> {
    model: &'a Model,
    journey: &'a JourneyDef,
    file: FileId,
    sink: &'a mut Sink,
}

/// W0407: journeys of one project that together exceed a channel's cap (see [`crowd`]).
pub fn crowd(model: &Model, sink: &mut Sink) {
    crowd::check(model, sink);
}

pub fn check(j: &JourneyDef, model: &Model, sink: &mut Sink) {
    let sections: Vec<_> = j.sections().collect();
    let g = graph::Graph::build(&sections);
    let reachable = g.reachable();
    let mut cx = Ctx {
        model,
        journey: j,
        file: j.file,
        sink,
    };
    reach::sections(&mut cx, &g, &reachable);
    for s in &sections {
        reach::local(&mut cx, &s.body);
    }
    known::check(&mut cx, &g, &reachable);
    reach::goals(&mut cx, &g, &reachable);
    goal_wait::check(&mut cx, &g, &reachable);
    loops::check(&mut cx, &g, &reachable);
    facts::requires(&mut cx, &g, &reachable);
    facts::consent(&mut cx, &g, &reachable);
    cap::check(&mut cx, &g, &reachable);
}
