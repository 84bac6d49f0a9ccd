//! What can never happen: steps and stages no path reaches (W0400), waits that never end
//! (W0401) and goals no customer can reach (W0403).

use super::graph::{Graph, NodeKind};
use super::text;
use super::Ctx;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{Block, SectionKind, Step, StepKind};

/// W0400 for sections: one that no path reaches is reported on its header, and its steps are not
/// reported again one by one.
pub fn sections(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    for (i, s) in g.sections.iter().enumerate() {
        if reachable[s.enter] {
            unreachable_steps(cx, g, &s.section.body, reachable);
            continue;
        }
        let title = section_title(&s.section.kind);
        let prev = i.checked_sub(1).map(|p| &g.sections[p]);
        let why = match prev {
            Some(p) if !reachable[p.enter] => {
                format!("the stage before it, `{}`, is never reached either", p.name)
            }
            Some(p) => format!(
                "every path through `{}`, the stage before it, ends with `exit` or `goto`",
                p.name
            ),
            None => String::new(),
        };
        cx.sink.push(
            Diagnostic::warning(codes::UNREACHABLE, cx.file, format!("{title} is never reached"))
                .label(s.section.head_span, "no path leads here")
                .help(format!(
                    "{why}, and no reachable `goto {}` leads here: add one where customers should continue, or remove the stage",
                    s.name
                )),
        );
    }
}

fn section_title(kind: &SectionKind) -> String {
    match kind {
        SectionKind::Onboarding => "`onboarding`".to_string(),
        SectionKind::Stage(n) => format!("stage `{}`", n.name),
        SectionKind::Upgrade { attr, from, to } => {
            format!("`upgrade {} {} -> {}`", attr.name, from.name, to.name)
        }
    }
}

/// W0400 for steps in a reached block: the first step of each run that no path reaches, with the
/// step before it that ends every path.
fn unreachable_steps(cx: &mut Ctx, g: &Graph, b: &Block, reachable: &[bool]) {
    let is_reached = |s: &Step| g.node_of(s).is_some_and(|n| reachable[n]);
    for (k, step) in b.steps.iter().enumerate() {
        if !is_reached(step) {
            // The first step of a reached block is reached, so there is a step before this one.
            if let Some(prev) = k.checked_sub(1).and_then(|p| b.steps.get(p)) {
                report_step(cx, step, prev);
            }
            return;
        }
        match &step.kind {
            StepKind::WaitEvent(w) => {
                if let Some(on) = &w.on_event {
                    unreachable_steps(cx, g, on, reachable);
                }
                // Without `up to` the timeout block never runs: W0401 says so.
                if let (Some(t), Some(_)) = (&w.on_timeout, w.up_to) {
                    unreachable_steps(cx, g, t, reachable);
                }
            }
            StepKind::WaitAny(w) => {
                for b in &w.branches {
                    unreachable_steps(cx, g, &b.body, reachable);
                }
                if let Some(t) = &w.on_timeout {
                    unreachable_steps(cx, g, t, reachable);
                }
            }
            StepKind::If(i) => {
                for (_, body) in &i.branches {
                    unreachable_steps(cx, g, body, reachable);
                }
                if let Some(o) = &i.otherwise {
                    unreachable_steps(cx, g, o, reachable);
                }
            }
            StepKind::Split(vs) => {
                for v in vs {
                    unreachable_steps(cx, g, &v.body, reachable);
                }
            }
            _ => {}
        }
    }
}

fn report_step(cx: &mut Ctx, step: &Step, prev: &Step) {
    let (label, help) = match &prev.kind {
        StepKind::Exit => (
            "the customer leaves the journey here".to_string(),
            "remove it, or move it before the `exit`".to_string(),
        ),
        StepKind::Goto(t) => (
            format!("the customer goes to `{}` here", t.name),
            format!("remove it, or move it before the `goto {}`", t.name),
        ),
        _ => (
            "every branch of this step ends with `exit` or `goto`".to_string(),
            "remove it, or move it into a branch that carries on".to_string(),
        ),
    };
    cx.sink.push(
        Diagnostic::warning(
            codes::UNREACHABLE,
            cx.file,
            format!("`{}` can never run", step_words(step)),
        )
        .label(text::head(step), "unreachable")
        .label(text::head(prev), label)
        .help(help),
    );
}

fn step_words(step: &Step) -> String {
    match &step.kind {
        StepKind::Send(t) => format!("send {}", t.name),
        StepKind::Wait(d) => format!("wait {}", text::dur(d.secs)),
        StepKind::WaitUntil(e) => format!("wait until {}", text::expr(e)),
        StepKind::WaitEvent(w) => text::wait(w),
        StepKind::WaitAny(w) => text::wait_any(w),
        StepKind::If(i) => format!(
            "if {}",
            i.branches
                .first()
                .map(|(c, _)| text::expr(c))
                .unwrap_or_default()
        ),
        StepKind::Split(_) => "split".to_string(),
        StepKind::Milestone(m) => format!("milestone {}", m.name),
        StepKind::Set { attr, value } => format!("set {} = {}", attr.name, text::expr(value)),
        StepKind::Goto(t) => format!("goto {}", t.name),
        StepKind::Exit => "exit".to_string(),
        StepKind::WaitClock(c) => format!("wait until {}", c.text()),
    }
}

/// W0401, which needs no paths: every wait for an event, reached or not.
pub fn local(cx: &mut Ctx, b: &Block) {
    for step in &b.steps {
        match &step.kind {
            StepKind::WaitEvent(w) => {
                if w.up_to.is_none() {
                    let mut d = Diagnostic::warning(
                        codes::WAIT_FOREVER,
                        cx.file,
                        format!("`wait {}` has no time limit", w.event.name),
                    )
                    .label(
                        text::head(step),
                        format!(
                            "a customer whose `{}` never comes waits here for ever",
                            w.event.name
                        ),
                    );
                    if let Some(t) = &w.on_timeout {
                        d = d.label(
                            Span::new(t.span.start, t.span.start + 1),
                            "so this `timeout` block never runs",
                        );
                    }
                    cx.sink.push(d.help(format!(
                        "add `up to D` and say what happens then in a `timeout` block, e.g. `wait {} up to 7d {{ ... }} timeout {{ exit }}`",
                        w.event.name
                    )));
                }
                for blk in w.on_event.iter().chain(&w.on_timeout) {
                    local(cx, blk);
                }
            }
            // W0406 is `known`'s: it needs what every path to the `if` knows.
            StepKind::If(i) => {
                for (_, body) in &i.branches {
                    local(cx, body);
                }
                if let Some(o) = &i.otherwise {
                    local(cx, o);
                }
            }
            StepKind::WaitAny(w) => {
                for blk in w.branches.iter().map(|b| &b.body).chain(&w.on_timeout) {
                    local(cx, blk);
                }
            }
            StepKind::Split(vs) => {
                for v in vs {
                    local(cx, &v.body);
                }
            }
            _ => {}
        }
    }
}

/// W0403: goals no customer can reach.
pub fn goals(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let journey = cx.journey;
    // Customers who never wait leave the journey the moment they enter: no goal event can come
    // while they are in it. (A journey without steps is E0307 already.)
    let waits = (0..g.nodes.len()).any(|n| reachable[n] && g.passes_time(n));
    let has_steps = g
        .nodes
        .iter()
        .any(|n| !matches!(n.kind, NodeKind::Enter | NodeKind::End));
    for goal in journey.goals() {
        // A goal with `within` is still watched after the steps end (`docs/semantics.md`,
        // "Goals"), so it can be reached even by customers who pass through at once.
        if !waits && has_steps && goal.within.is_none() {
            cx.sink.push(
                Diagnostic::warning(codes::GOAL_UNREACHABLE, cx.file, format!("goal `{}` can never be reached", goal.event.name))
                    .label(goal.event.span, "customers leave the journey before this can happen")
                    .help(format!(
                        "no path has a `wait`, so every customer passes through at once: give the goal a window, e.g. `goal {} within 14d` (a conversion after the steps end counts then), or wait for it, e.g. `wait {} up to 14d`",
                        goal.event.name, goal.event.name
                    )),
            );
            continue;
        }
        // Exit criteria are checked before goals when an event arrives, so an unconditional
        // `exit on E` takes every customer out before `goal E` can count them as converted.
        if let Some(exit) = journey
            .exits()
            .find(|x| x.event.name == goal.event.name && x.condition.is_none())
        {
            cx.sink.push(
                Diagnostic::warning(codes::GOAL_UNREACHABLE, cx.file, format!("goal `{}` can never be reached", goal.event.name))
                    .label(goal.event.span, "never counted")
                    .label(Span::new(exit.span.start, exit.event.span.end), format!("`{}` ends the journey first: exits are checked before goals", goal.event.name))
                    .help("remove the `exit on` (reaching the goal already ends the journey), or give the exit a `where` condition the goal does not share"),
            );
        }
    }
}
