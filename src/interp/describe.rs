//! Actions in words and as stable machine names, shared by test timelines, replay output and
//! explanations.

use super::engine::{Action, ExitReason};
use super::program::{CNode, Program};
use super::time::{format_rfc3339, Instant};

/// The stable name of an action in JSON output.
pub fn action_name(a: &Action) -> &'static str {
    match a {
        Action::Entered => "entered",
        Action::ReachedStage { .. } => "reached_stage",
        Action::StageSkipped { .. } => "skipped_stage",
        Action::Sent { .. } => "sent",
        Action::Suppressed { .. } => "suppressed",
        Action::Deferred { .. } => "deferred",
        Action::Milestone { .. } => "milestone",
        Action::Credited { .. } => "credited",
        Action::EventMatched { .. } => "event_matched",
        Action::TimedOut => "timed_out",
        Action::Branch { .. } => "branch",
        Action::SplitAssigned { .. } => "split_assigned",
        Action::Set { .. } => "set",
        Action::Converted { .. } => "converted",
        Action::Left {
            reason: ExitReason::Completed,
        } => "completed",
        Action::Left { .. } => "exited",
        Action::Ignored { .. } => "ignored",
    }
}

/// The reason a customer left, as a stable word.
pub fn exit_reason(p: &Program, r: ExitReason) -> String {
    match r {
        ExitReason::Converted => "goal".to_string(),
        ExitReason::ExitCriterion(i) => format!(
            "exit_on:{}",
            p.ir.exits.get(i).map(|x| x.event.as_str()).unwrap_or("?")
        ),
        ExitReason::ExitStep => "exit_step".to_string(),
        ExitReason::Completed => "completed".to_string(),
        ExitReason::Runaway => "runaway".to_string(),
    }
}

fn tp(p: &Program, t: usize) -> String {
    let name = p.touchpoint_names.get(t).map(String::as_str).unwrap_or("?");
    let channel = p
        .touchpoints
        .get(t)
        .and_then(|d| p.channel_names.get(d.channel))
        .map(String::as_str)
        .unwrap_or("?");
    format!("{name} ({channel})")
}

/// The action in words, for people.
pub fn describe(p: &Program, node: Option<usize>, a: &Action) -> String {
    match a {
        Action::Entered => format!("entered journey `{}`", p.ir.name),
        Action::ReachedStage { stage } => format!("reached stage `{}`", p.stage_names.get(*stage).map(String::as_str).unwrap_or("?")),
        Action::StageSkipped { stage } => {
            let name = p.stage_names.get(*stage).map(String::as_str).unwrap_or("?");
            let why = p
                .ir
                .stages
                .get(*stage)
                .and_then(|s| match &s.kind {
                    crate::ir::StageKind::Upgrade { attribute, from, .. } => Some(format!(" (`{attribute}` is not `{from}`)")),
                    _ => None,
                })
                .unwrap_or_default();
            format!("skipped stage `{name}`{why}")
        }
        Action::Sent { touchpoint, data } => format!(
            "sent {}{}",
            tp(p, *touchpoint),
            super::payload::suffix(p, *touchpoint, data)
        ),
        Action::Suppressed { touchpoint, reason, earlier } => {
            let why = match reason {
                super::engine::Suppression::Cap => {
                    let ch = &p.channels[p.touchpoints[*touchpoint].channel];
                    let caps: Vec<String> = ch
                        .caps
                        .iter()
                        .map(|(n, per)| format!("cap {n} per {}", super::time::format_duration(*per)))
                        .collect();
                    let by = earlier
                        .map(|e| format!(" (first send in the window at {})", format_rfc3339(e.at)))
                        .unwrap_or_default();
                    format!("the channel's {} was reached{by}", caps.join(", "))
                }
                super::engine::Suppression::Consent => {
                    let ch = &p.channels[p.touchpoints[*touchpoint].channel];
                    let attr = ch.consent.and_then(|a| p.attr_names.get(a)).map(String::as_str).unwrap_or("consent");
                    format!("`{attr}` is not true")
                }
            };
            format!("suppressed {}: {why}", tp(p, *touchpoint))
        }
        Action::Deferred { touchpoint, until } => {
            format!("deferred {} to {} (quiet hours)", tp(p, *touchpoint), format_rfc3339(*until))
        }
        Action::Milestone { milestone } => format!("milestone `{}`", p.milestone_names.get(*milestone).map(String::as_str).unwrap_or("?")),
        Action::Credited { touchpoint } => format!("conversion credited to {}", tp(p, *touchpoint)),
        Action::Converted { goal } => format!(
            "converted: goal `{}` reached",
            p.ir.goals.get(*goal).map(|g| g.event.as_str()).unwrap_or("?")
        ),
        Action::EventMatched { event } => format!("`{}` arrived: the wait ends", p.event_names.get(*event).map(String::as_str).unwrap_or("?")),
        Action::TimedOut => {
            let what = node
                .and_then(|n| match &p.nodes[n] {
                    super::program::CNode::Wait { event, timeout, .. } => Some(format!(
                        "no `{}` within {}",
                        p.event_names.get(*event).map(String::as_str).unwrap_or("?"),
                        timeout.map(super::time::format_duration).unwrap_or_default()
                    )),
                    super::program::CNode::WaitAny { branches, timeout, .. } => Some(format!(
                        "{} {} within {}",
                        if branches.len() == 1 { "no" } else { "none of" },
                        either(p, branches),
                        super::time::format_duration(*timeout)
                    )),
                    _ => None,
                })
                .unwrap_or_else(|| "the wait ran out".to_string());
            format!("wait timed out: {what}")
        }
        Action::Branch { arm: Some(i) } => format!("condition {} holds", i + 1),
        Action::Branch { arm: None } => "no condition holds: else".to_string(),
        Action::SplitAssigned { variant } => {
            let name = node
                .and_then(|n| p.ir.nodes.get(n))
                .and_then(|n| match &n.kind {
                    crate::ir::NodeKind::Split { variants } => variants.get(*variant).map(|v| v.name.clone()),
                    _ => None,
                })
                .unwrap_or_else(|| "?".to_string());
            format!("assigned to split variant `{name}`")
        }
        Action::Set { attr, value } => {
            let enums = p.attr_enums.get(*attr).and_then(|e| e.as_deref());
            format!("set {} = {}", p.attr_names.get(*attr).map(String::as_str).unwrap_or("?"), value.show(enums))
        }
        Action::Ignored { event, node, until } => {
            let name = p.event_names.get(*event).map(String::as_str).unwrap_or("?");
            format!("ignored `{name}`: {}", held(p, *node, *until))
        }
        Action::Left { reason } => match reason {
            ExitReason::Converted => "left the journey: converted".to_string(),
            ExitReason::Completed => "completed the journey".to_string(),
            ExitReason::ExitStep => "left at an `exit` step".to_string(),
            ExitReason::ExitCriterion(i) => format!(
                "exited: `exit on {}` matched",
                p.ir.exits.get(*i).map(|x| x.event.as_str()).unwrap_or("?")
            ),
            ExitReason::Runaway => format!(
                "stopped: more than {} steps without time passing (a loop the checker should have caught)",
                super::engine::MAX_INSTANT_STEPS
            ),
        },
    }
}

/// Where a customer is held and until when, in words: "held at `send under_review` until
/// 2026-01-06T07:00:00Z (quiet hours)", "waiting in `wait 2d` until ...".
pub fn held(p: &Program, node: Option<usize>, until: Option<Instant>) -> String {
    let until_text = |u: Option<Instant>| match u {
        Some(u) => format!("until {}", format_rfc3339(u)),
        None => "with no deadline".to_string(),
    };
    match node.and_then(|n| p.nodes.get(n).map(|k| (n, k))) {
        Some((n, CNode::Send { touchpoint, .. })) => format!(
            "held at `send {}` {} (quiet hours), at `{}`",
            p.touchpoint_names
                .get(*touchpoint)
                .map(String::as_str)
                .unwrap_or("?"),
            until_text(until),
            p.node_id(n)
        ),
        Some((n, CNode::Wait { event, .. })) => format!(
            "waiting for `{}` {}, at `{}`",
            p.event_names.get(*event).map(String::as_str).unwrap_or("?"),
            until_text(until),
            p.node_id(n)
        ),
        Some((n, CNode::WaitAny { branches, .. })) => format!(
            "waiting for {} {}, at `{}`",
            either(p, branches),
            until_text(until),
            p.node_id(n)
        ),
        Some((n, CNode::WaitClock { .. })) => format!(
            "in `wait until {}` {}, at `{}`",
            super::clock::written(p, n),
            until_text(until),
            p.node_id(n)
        ),
        _ => match until {
            Some(u) => format!("in a `wait` until {}", format_rfc3339(u)),
            None => "nothing in the journey waits for it".to_string(),
        },
    }
}

/// The events of a wait's branches: "`kyc_approved` or `kyc_rejected`".
fn either(
    p: &Program,
    branches: &[(usize, Option<super::program::CExpr>, super::program::Next)],
) -> String {
    let names: Vec<String> = branches
        .iter()
        .map(|(e, _, _)| {
            format!(
                "`{}`",
                p.event_names.get(*e).map(String::as_str).unwrap_or("?")
            )
        })
        .collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        Some((last, _)) => last.clone(),
        None => "an event".to_string(),
    }
}
