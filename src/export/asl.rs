//! Amazon States Language: one Step Functions state machine per journey.
//!
//! Each IR node becomes the state named by its node id (plus helper states named `<id>.<role>`
//! where one state is not enough), so a state machine's execution history reads like the
//! interpreter's timeline. The execution's input is
//!
//! ```json
//! { "customer_id": "c1", "customer": { "plan": "trial" }, "event": { "source": "ads" },
//!   "splits": { "upgrade_trial_to_pro_0_split": 4321 } }
//! ```
//!
//! (`customer`: the profile attributes with defaults filled in; `event`: the trigger event's
//! fields; `splits`: the bucket of each split from [`super::split_bucket`].)
//!
//! The steps run in one branch of a Parallel state; the other branch is a listener task whose
//! token the event router fails with `Journey.Exit` or `Journey.Converted` when an exit criterion
//! or a goal is met, which stops the steps wherever they are (even in a `Wait`). The Parallel's
//! `Catch` leads to one explicit end state per reason, each writing `ended` to the output:
//! `completed`, `exit_step`, `exit_on` or `converted`. `docs/exports.md` describes the router.

mod clock;
mod payload;

use super::asl_rule::{self, Ctx};
use super::{json_value, split_key, ExportError};
use crate::ir::{Expr, Journey, Node, NodeKind};
use serde_json::{json, Map, Value as J};
use std::collections::BTreeSet;

/// Where sends and waits go. The defaults are placeholders in the form AWS accepts (account
/// `123456789012`, which is also moto's), so an export validates before anything is deployed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AslOptions {
    /// Queue URLs are this prefix plus `send-<channel>` for sends and `waits` for event waits.
    pub queue_url_prefix: String,
    /// The DynamoDB table the engagement service writes opens and clicks to.
    pub engagement_table: String,
}

impl Default for AslOptions {
    fn default() -> Self {
        AslOptions {
            queue_url_prefix: "https://sqs.us-east-1.amazonaws.com/123456789012/journeyc-".into(),
            engagement_table: "journeyc-engagement".into(),
        }
    }
}

/// The Parallel state that runs the steps beside the listener.
pub const RUN: &str = "journey";
/// Inside the steps: the end of the last stage (a node whose `next` is none leads here).
pub const DONE: &str = "journey.done";
/// The listener for exit criteria and goals.
pub const LISTEN: &str = "journey.listen";
/// The four ways an execution ends; each writes `ended` into the output.
pub const COMPLETED: &str = "journey.completed";
pub const EXIT_STEP: &str = "journey.exit_step";
pub const EXITED: &str = "journey.exited";
pub const CONVERTED: &str = "journey.converted";

/// Step Functions limits state names to 80 characters.
const MAX_NAME: usize = 80;

/// The state machine of `journey`, pretty-printed with a trailing newline.
pub fn to_asl(journey: &Journey, options: &AslOptions) -> Result<String, ExportError> {
    let doc = document(journey, options)?;
    let mut s = serde_json::to_string_pretty(&doc).map_err(|e| ExportError {
        journey: journey.name.clone(),
        node: String::new(),
        what: format!("the document ({e})"),
        target: "ASL",
    })?;
    s.push('\n');
    Ok(s)
}

/// The state machine as JSON.
pub fn document(journey: &Journey, options: &AslOptions) -> Result<J, ExportError> {
    let mut nullable = BTreeSet::new();
    let mut sent = BTreeSet::new();
    for n in &journey.nodes {
        match &n.kind {
            NodeKind::Set { attribute, .. } => {
                nullable.insert(attribute.clone());
            }
            NodeKind::Branch { arms, .. } => {
                arms.iter()
                    .for_each(|a| asl_rule::sent_refs(&a.condition, &mut sent));
            }
            NodeKind::EnterStage { guard: Some(g), .. } => asl_rule::sent_refs(g, &mut sent),
            _ => {}
        }
    }
    let w = Writer {
        j: journey,
        o: options,
        ctx: Ctx {
            journey,
            nullable: &nullable,
        },
        sent,
    };
    let mut steps = Map::new();
    for n in &journey.nodes {
        w.node(n, &mut steps)?;
    }
    steps.insert(
        DONE.into(),
        json!({ "Type": "Fail", "Comment": "the end of the last stage", "Error": "Journey.Completed" }),
    );
    let mut start = journey.start.clone().unwrap_or_else(|| DONE.into());
    shorten_names(&mut steps, &mut start);
    let mut listen_body = Map::new();
    listen_body.insert("type".into(), J::from("listen"));
    listen_body.insert("journey".into(), J::from(journey.name.as_str()));
    listen_body.insert("customer_id.$".into(), J::from("$.customer_id"));
    listen_body.insert("execution.$".into(), J::from("$$.Execution.Id"));
    listen_body.insert("task_token.$".into(), J::from("$$.Task.Token"));
    let listener = json!({
        "StartAt": LISTEN,
        "States": { LISTEN: {
            "Type": "Task",
            "Comment": "exit criteria and goals: the event router fails this token with Journey.Exit or Journey.Converted",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": format!("{}listen", options.queue_url_prefix),
                "MessageBody": listen_body,
            },
            "End": true,
        } },
    });
    let ending = |reason: &str| json!({ "Type": "Pass", "Result": reason, "ResultPath": "$.ended", "End": true });
    let mut states = Map::new();
    states.insert(
        RUN.into(),
        json!({
            "Type": "Parallel",
            "Comment": "the steps beside a listener for exits and goals; whichever ends first ends both",
            "Branches": [ { "StartAt": start, "States": steps }, listener ],
            "Catch": [
                { "ErrorEquals": ["Journey.Completed"], "ResultPath": "$.error", "Next": COMPLETED },
                { "ErrorEquals": ["Journey.ExitStep"], "ResultPath": "$.error", "Next": EXIT_STEP },
                { "ErrorEquals": ["Journey.Exit"], "ResultPath": "$.error", "Next": EXITED },
                { "ErrorEquals": ["Journey.Converted"], "ResultPath": "$.error", "Next": CONVERTED },
            ],
            "Next": COMPLETED,
        }),
    );
    states.insert(COMPLETED.into(), ending("completed"));
    states.insert(EXIT_STEP.into(), ending("exit_step"));
    states.insert(EXITED.into(), ending("exit_on"));
    states.insert(CONVERTED.into(), ending("converted"));
    Ok(json!({
        "Comment": format!(
            "journey {} ({}:{}), generated by journeyc from the IR; do not edit. Input: customer_id, customer, event, splits (docs/exports.md).{}",
            journey.name, journey.source.file, journey.source.line, super::arbitration(journey)
        ) + &super::schedule::note(journey),
        "StartAt": RUN,
        "States": states,
    }))
}

/// Step Functions refuses state names over 80 characters, and deeply nested steps have long
/// node ids. Such a name keeps its first 63 characters and gets `-` and 16 hex digits of a
/// stable hash of the whole name, so it stays unique, readable and the same on every build; every
/// `Next`, `Default` and the start that pointed to it follow.
fn shorten_names(steps: &mut Map<String, J>, start: &mut String) {
    let short = |name: &str| -> Option<String> {
        if name.chars().count() <= MAX_NAME {
            return None;
        }
        let head: String = name.chars().take(MAX_NAME - 17).collect();
        let hash = crate::interp::program::stable_hash(&[name]);
        Some(format!("{head}-{hash:016x}"))
    };
    if !steps.keys().any(|k| short(k).is_some()) {
        return;
    }
    fn retarget(v: &mut J, short: &dyn Fn(&str) -> Option<String>) {
        match v {
            J::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if matches!(k.as_str(), "Next" | "Default") {
                        if let Some(n) = x.as_str().and_then(short) {
                            *x = J::String(n);
                            continue;
                        }
                    }
                    retarget(x, short);
                }
            }
            J::Array(a) => a.iter_mut().for_each(|x| retarget(x, short)),
            _ => {}
        }
    }
    let old = std::mem::take(steps);
    for (name, mut state) in old {
        retarget(&mut state, &short);
        steps.insert(short(&name).unwrap_or(name), state);
    }
    if let Some(n) = short(start) {
        *start = n;
    }
}

struct Writer<'a> {
    j: &'a Journey,
    o: &'a AslOptions,
    ctx: Ctx<'a>,
    /// Touchpoints some condition reads with `sent(t)`: their sends record it.
    sent: BTreeSet<String>,
}

fn next_name(next: &Option<String>) -> String {
    next.clone().unwrap_or_else(|| DONE.into())
}

impl Writer<'_> {
    fn unsupported(&self, node: &str, what: impl Into<String>) -> ExportError {
        ExportError {
            journey: self.j.name.clone(),
            node: node.into(),
            what: what.into(),
            target: "ASL",
        }
    }

    fn rule(&self, node: &str, e: &Expr) -> Result<J, ExportError> {
        self.ctx
            .rule(e)
            .ok_or_else(|| self.unsupported(node, format!("the condition `{e}`")))
    }

    /// A Choice state deciding `rules` in order, after asking the history service when a
    /// condition reads history, and reading the engagement store when one needs `opened(t)` or
    /// `clicked(t)`.
    fn decide(
        &self,
        id: &str,
        conds: &[(&Expr, String)],
        default: String,
        out: &mut Map<String, J>,
    ) -> Result<(), ExportError> {
        let choices = conds
            .iter()
            .map(|(e, next)| {
                let mut r = self.rule(id, e)?;
                if let J::Object(m) = &mut r {
                    m.insert("Next".into(), J::String(next.clone()));
                }
                Ok(r)
            })
            .collect::<Result<Vec<J>, ExportError>>()?;
        let choice = json!({ "Type": "Choice", "Choices": choices, "Default": default });
        let mut reads = std::collections::BTreeMap::new();
        conds
            .iter()
            .for_each(|(e, _)| super::history_reads(e, &mut reads));
        let engagement = conds.iter().any(|(e, _)| asl_rule::reads_engagement(e));
        let decide = format!("{id}.decide");
        // The engagement read comes first, unless history is read: then the history lookup is
        // at `id` and the engagement read follows it.
        let engagement_state = if reads.is_empty() {
            id.to_string()
        } else {
            format!("{id}.engagement")
        };
        if !reads.is_empty() {
            // History spans the customer's journeys and entries: the history service answers
            // it at the moment of the decision (docs/exports.md, "History").
            let mut body = Map::new();
            body.insert("type".into(), J::from("history"));
            body.insert("journey".into(), J::from(self.j.name.as_str()));
            body.insert("node".into(), J::from(id));
            body.insert("reads".into(), J::Array(reads.into_values().collect()));
            body.insert("customer_id.$".into(), J::from("$.customer_id"));
            body.insert("execution.$".into(), J::from("$$.Execution.Id"));
            body.insert("task_token.$".into(), J::from("$$.Task.Token"));
            let then = if engagement {
                engagement_state.clone()
            } else {
                decide.clone()
            };
            out.insert(
                id.into(),
                json!({
                    "Type": "Task",
                    "Comment": "the customer's history across journeys and entries: the history service completes the token with a value per read",
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": format!("{}history", self.o.queue_url_prefix),
                        "MessageBody": body,
                    },
                    "ResultPath": "$.history",
                    "Next": then,
                }),
            );
        }
        if engagement {
            out.insert(
                engagement_state,
                json!({
                    "Type": "Task",
                    "Comment": "opens and clicks of this execution, written by the engagement service",
                    "Resource": "arn:aws:states:::dynamodb:getItem",
                    "Parameters": {
                        "TableName": self.o.engagement_table,
                        "Key": { "execution": { "S.$": "$$.Execution.Id" } },
                    },
                    "ResultPath": "$.engagement",
                    "Next": decide,
                }),
            );
            out.insert(decide, choice);
        } else if out.contains_key(id) {
            out.insert(decide, choice);
        } else {
            out.insert(id.into(), choice);
        }
        Ok(())
    }

    fn node(&self, n: &Node, out: &mut Map<String, J>) -> Result<(), ExportError> {
        let id = n.id.as_str();
        match &n.kind {
            NodeKind::EnterStage {
                guard: None, next, ..
            } => {
                out.insert(
                    id.into(),
                    json!({ "Type": "Pass", "Comment": format!("stage {}", n.stage), "Next": next_name(next) }),
                );
            }
            NodeKind::EnterStage {
                guard: Some(g),
                next,
                skip,
            } => self.decide(id, &[(g, next_name(next))], next_name(skip), out)?,
            NodeKind::Send {
                touchpoint,
                next,
                data,
            } => self.send(n, (touchpoint, data), next, out)?,
            NodeKind::WaitClock {
                day,
                minute_of_day,
                local,
                next,
            } => self.wait_clock(n, (*day, *minute_of_day, *local), next, out),
            NodeKind::Delay { secs, next } => {
                out.insert(
                    id.into(),
                    json!({ "Type": "Wait", "Seconds": secs, "Next": next_name(next) }),
                );
            }
            NodeKind::WaitUntil { at, next } => {
                // A time carried in the data waits on its path; one plus or minus durations
                // (`x - 24h`) is computed by the clock service (the States Language has no date
                // arithmetic); anything else is refused rather than dropped.
                let Some((path, offset)) = clock::offset_path(at) else {
                    return Err(self.unsupported(
                        id,
                        format!("`wait until {at}` (a `Wait` reads a timestamp from the input, `TimestampPath`: only a datetime attribute or event field, plus or minus durations, has a Step Functions form; compute other times before the journey and pass them as an attribute)"),
                    ));
                };
                // A time not set (or not a timestamp) continues at once, as the interpreter does.
                let wait = if offset == 0 {
                    format!("{id}.wait")
                } else {
                    format!("{id}.compute")
                };
                out.insert(
                    id.into(),
                    json!({
                        "Type": "Choice",
                        "Choices": [{
                            "And": [
                                { "Variable": path, "IsPresent": true },
                                { "Variable": path, "IsTimestamp": true }
                            ],
                            "Next": wait
                        }],
                        "Default": next_name(next),
                    }),
                );
                if offset == 0 {
                    out.insert(
                        wait,
                        json!({ "Type": "Wait", "TimestampPath": path, "Next": next_name(next) }),
                    );
                } else {
                    self.wait_offset(n, &path, offset, next, out);
                }
            }
            NodeKind::WaitEvent {
                event,
                condition,
                timeout_secs,
                on_event,
                on_timeout,
            } => {
                let mut body = Map::new();
                body.insert("type".into(), J::from("wait"));
                body.insert("journey".into(), J::from(self.j.name.as_str()));
                body.insert("node".into(), J::from(id));
                body.insert("event".into(), J::from(event.as_str()));
                if let Some(c) = condition {
                    body.insert("where".into(), J::from(c.to_string()));
                }
                body.insert("customer_id.$".into(), J::from("$.customer_id"));
                body.insert("execution.$".into(), J::from("$$.Execution.Id"));
                body.insert("task_token.$".into(), J::from("$$.Task.Token"));
                let mut state = json!({
                    "Type": "Task",
                    "Comment": format!("wait for {event}; the event router completes the token with the event's fields"),
                    "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                    "Parameters": {
                        "QueueUrl": format!("{}waits", self.o.queue_url_prefix),
                        "MessageBody": body,
                    },
                    "ResultPath": "$.event",
                });
                if let (Some(t), J::Object(m)) = (timeout_secs, &mut state) {
                    // Step Functions needs a positive timeout; `up to 0s` waits one second.
                    m.insert("TimeoutSeconds".into(), J::from((*t).clamp(1, 99_999_999)));
                    m.insert(
                        "Catch".into(),
                        json!([{ "ErrorEquals": ["States.Timeout"], "ResultPath": null, "Next": next_name(on_timeout) }]),
                    );
                }
                if let J::Object(m) = &mut state {
                    m.insert("Next".into(), J::String(next_name(on_event)));
                }
                out.insert(id.into(), state);
            }
            NodeKind::WaitAny {
                branches,
                timeout_secs,
                on_timeout,
            } => self.wait_any(id, branches, *timeout_secs, on_timeout, out),
            NodeKind::Branch { arms, otherwise } => {
                let conds: Vec<(&Expr, String)> = arms
                    .iter()
                    .map(|a| (&a.condition, next_name(&a.next)))
                    .collect();
                self.decide(id, &conds, next_name(otherwise), out)?;
            }
            NodeKind::Split { variants } => {
                let key = format!("$.splits.{}", split_key(id));
                let Some((last, rest)) = variants.split_last() else {
                    out.insert(id.into(), json!({ "Type": "Pass", "Next": DONE }));
                    return Ok(());
                };
                let mut cum = 0u32;
                let choices: Vec<J> = rest
                    .iter()
                    .map(|v| {
                        cum = cum.saturating_add(v.weight_bp);
                        json!({ "And": [
                            { "Variable": key, "IsPresent": true },
                            { "Variable": key, "NumericLessThan": cum },
                        ], "Next": next_name(&v.next) })
                    })
                    .collect();
                let comment = format!(
                    "split: variants {} by the bucket the caller computed (docs/exports.md)",
                    variants
                        .iter()
                        .map(|v| v.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                if choices.is_empty() {
                    out.insert(
                        id.into(),
                        json!({ "Type": "Pass", "Comment": comment, "Next": next_name(&last.next) }),
                    );
                } else {
                    out.insert(
                        id.into(),
                        json!({ "Type": "Choice", "Comment": comment, "Choices": choices, "Default": next_name(&last.next) }),
                    );
                }
            }
            NodeKind::Milestone { name, next } => {
                out.insert(
                    id.into(),
                    json!({ "Type": "Pass", "Result": true, "ResultPath": format!("$.milestones.{name}"), "Next": next_name(next) }),
                );
            }
            NodeKind::Set {
                attribute,
                value,
                next,
            } => self.set(id, attribute, value, next_name(next), out)?,
            NodeKind::Goto { target, next } => {
                out.insert(
                    id.into(),
                    json!({ "Type": "Pass", "Comment": format!("goto {target}"), "Next": next }),
                );
            }
            NodeKind::Exit => {
                out.insert(
                    id.into(),
                    json!({ "Type": "Fail", "Comment": "exit", "Error": "Journey.ExitStep" }),
                );
            }
        }
        Ok(())
    }

    /// `wait up to D { on E1 { ... } on E2 { ... } }`: one Task posting every branch (event and
    /// `where`) to the `waits` queue; the router completes the token with `{"event": NAME,
    /// "fields": {...}}` for the first event that matches a branch. A Choice on the event's name
    /// then leads to one Pass per branch (`ID.on_EVENT`) that puts the fields in `$.event`, where
    /// the branch's steps read `event.FIELD`, and goes on to the branch's steps.
    fn wait_any(
        &self,
        id: &str,
        branches: &[crate::ir::WaitBranch],
        timeout_secs: u64,
        on_timeout: &Option<String>,
        out: &mut Map<String, J>,
    ) {
        let list: Vec<J> = branches
            .iter()
            .map(|b| {
                let mut m = Map::new();
                m.insert("event".into(), J::from(b.event.as_str()));
                if let Some(c) = &b.condition {
                    m.insert("where".into(), J::from(c.to_string()));
                }
                J::Object(m)
            })
            .collect();
        let mut body = Map::new();
        body.insert("type".into(), J::from("wait_any"));
        body.insert("journey".into(), J::from(self.j.name.as_str()));
        body.insert("node".into(), J::from(id));
        body.insert("branches".into(), J::Array(list));
        body.insert("customer_id.$".into(), J::from("$.customer_id"));
        body.insert("execution.$".into(), J::from("$$.Execution.Id"));
        body.insert("task_token.$".into(), J::from("$$.Task.Token"));
        let names: Vec<&str> = branches.iter().map(|b| b.event.as_str()).collect();
        let which = format!("{id}.which");
        out.insert(
            id.into(),
            json!({
                "Type": "Task",
                "Comment": format!(
                    "wait for the first of {}; the event router completes the token with {{\"event\": NAME, \"fields\": {{...}}}}",
                    names.join(", ")
                ),
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": format!("{}waits", self.o.queue_url_prefix),
                    "MessageBody": body,
                },
                "ResultPath": "$.arrived",
                // Step Functions needs a positive timeout.
                "TimeoutSeconds": timeout_secs.clamp(1, 99_999_999),
                "Catch": [{ "ErrorEquals": ["States.Timeout"], "ResultPath": null, "Next": next_name(on_timeout) }],
                "Next": which,
            }),
        );
        let choices: Vec<J> = branches
            .iter()
            .map(|b| {
                json!({
                    "Variable": "$.arrived.event",
                    "StringEquals": b.event,
                    "Next": format!("{id}.on_{}", b.event),
                })
            })
            .collect();
        out.insert(
            which,
            json!({ "Type": "Choice", "Comment": "which event arrived", "Choices": choices }),
        );
        for b in branches {
            out.insert(
                format!("{id}.on_{}", b.event),
                json!({
                    "Type": "Pass",
                    "Comment": format!("on {}: its fields are the event `event.FIELD` reads", b.event),
                    "InputPath": "$.arrived.fields",
                    "ResultPath": "$.event",
                    "Next": next_name(&b.next),
                }),
            );
        }
    }

    fn send(
        &self,
        n: &Node,
        (touchpoint, data): (&str, &std::collections::BTreeMap<String, Expr>),
        next: &Option<String>,
        out: &mut Map<String, J>,
    ) -> Result<(), ExportError> {
        let id = n.id.as_str();
        let tp = self.j.touchpoints.get(touchpoint).ok_or_else(|| {
            self.unsupported(id, format!("the unknown touchpoint `{touchpoint}`"))
        })?;
        // A transactional touchpoint needs no consent; the sender skips caps and quiet hours
        // for it (the `transactional` flag of the message body).
        let consent = self
            .j
            .channels
            .get(&tp.channel)
            .filter(|_| !tp.transactional)
            .and_then(|c| c.consent.clone());
        let after = if self.sent.contains(touchpoint) {
            format!("{id}.record")
        } else {
            next_name(next)
        };
        let task = if let Some(attr) = consent {
            let task = format!("{id}.deliver");
            let path = format!("$.customer.{attr}");
            let mut all = vec![json!({ "Variable": path, "IsPresent": true })];
            if self.ctx.nullable.contains(&attr) {
                all.push(json!({ "Variable": path, "IsNull": false }));
            }
            all.push(json!({ "Variable": path, "BooleanEquals": true }));
            out.insert(
                id.into(),
                json!({
                    "Type": "Choice",
                    "Comment": format!("consent: without {attr} the send is suppressed"),
                    "Choices": [{ "And": all, "Next": task }],
                    "Default": next_name(next),
                }),
            );
            task
        } else {
            id.to_string()
        };
        let mut body = Map::new();
        body.insert("type".into(), J::from("send"));
        body.insert("journey".into(), J::from(self.j.name.as_str()));
        body.insert("node".into(), J::from(id));
        body.insert("touchpoint".into(), J::from(touchpoint));
        body.insert("channel".into(), J::from(tp.channel.as_str()));
        body.insert("template".into(), J::from(tp.template.as_str()));
        if let Some(s) = &tp.subject {
            body.insert("subject".into(), J::from(s.as_str()));
        }
        if tp.transactional {
            body.insert("transactional".into(), J::from(true));
        }
        // The payload is computed by states before the Task, which then takes the Task's name.
        let task = if data.is_empty() {
            task
        } else {
            let message = format!("{id}.message");
            let values = self.payload(id, touchpoint, data, &task, &message, out)?;
            body.insert("data".into(), values);
            message
        };
        // Local quiet hours: the sender reads the customer's zone from the attributes the
        // execution holds (`customer_zone` of journeyc-services.json names the attribute).
        let local = self
            .j
            .channels
            .get(&tp.channel)
            .and_then(|c| c.quiet.as_ref())
            .is_some_and(|q| q.local);
        if local && !tp.transactional {
            body.insert("customer.$".into(), J::from("$.customer"));
        }
        body.insert("customer_id.$".into(), J::from("$.customer_id"));
        body.insert("execution.$".into(), J::from("$$.Execution.Id"));
        body.insert("task_token.$".into(), J::from("$$.Task.Token"));
        out.insert(
            task,
            json!({
                "Type": "Task",
                "Comment": format!("send {touchpoint}; the channel's sender applies caps and quiet hours and answers {{\"outcome\": \"sent\" | \"suppressed\"}}"),
                "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
                "Parameters": {
                    "QueueUrl": format!("{}send-{}", self.o.queue_url_prefix, tp.channel),
                    "MessageBody": body,
                },
                "ResultPath": "$.last_send",
                "Next": after,
            }),
        );
        if self.sent.contains(touchpoint) {
            let mark = format!("{id}.sent");
            out.insert(
                format!("{id}.record"),
                json!({
                    "Type": "Choice",
                    "Choices": [{ "And": [
                        { "Variable": "$.last_send.outcome", "IsPresent": true },
                        { "Variable": "$.last_send.outcome", "StringEquals": "sent" },
                    ], "Next": mark }],
                    "Default": next_name(next),
                }),
            );
            out.insert(
                mark,
                json!({ "Type": "Pass", "Result": true, "ResultPath": format!("$.sent.{touchpoint}"), "Next": next_name(next) }),
            );
        }
        Ok(())
    }

    /// `set ATTR = EXPR` for a constant, a copy of an attribute or event field, or an integer
    /// attribute plus or minus a constant (`States.MathAdd`). A missing source sets `null`,
    /// which conditions read as not set.
    fn set(
        &self,
        id: &str,
        attr: &str,
        value: &Expr,
        next: String,
        out: &mut Map<String, J>,
    ) -> Result<(), ExportError> {
        let target = format!("$.customer.{attr}");
        let (source, step) = match value {
            Expr::Const { value } => {
                out.insert(
                    id.into(),
                    json!({ "Type": "Pass", "Result": json_value(value), "ResultPath": target, "Next": next }),
                );
                return Ok(());
            }
            Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => {
                (asl_rule::path(value).unwrap_or_default(), None)
            }
            Expr::Binary {
                operator: op @ (crate::ir::BinOp::Add | crate::ir::BinOp::Sub),
                lhs,
                rhs,
            } => match (lhs.as_ref(), rhs.as_ref()) {
                (
                    src @ (Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. }),
                    Expr::Const {
                        value: crate::ir::Value::Int(k),
                    },
                ) => {
                    let k = if *op == crate::ir::BinOp::Sub {
                        k.checked_neg()
                    } else {
                        Some(*k)
                    };
                    let k = k.ok_or_else(|| self.unsupported(id, format!("`{value}`")))?;
                    (asl_rule::path(src).unwrap_or_default(), Some(k))
                }
                _ => return Err(self.unsupported(id, format!("`set {attr} = {value}`"))),
            },
            _ => return Err(self.unsupported(id, format!("`set {attr} = {value}`"))),
        };
        let assign = format!("{id}.assign");
        let clear = format!("{id}.clear");
        let mut present = vec![json!({ "Variable": source, "IsPresent": true })];
        let nullable_source = matches!(value, Expr::Attr { name } if self.ctx.nullable.contains(name))
            || matches!(value, Expr::Binary { lhs, .. } if matches!(lhs.as_ref(), Expr::Attr { name } if self.ctx.nullable.contains(name)));
        if nullable_source {
            present.push(json!({ "Variable": source, "IsNull": false }));
        }
        out.insert(
            id.into(),
            json!({
                "Type": "Choice",
                "Comment": format!("set {attr} = {value}"),
                "Choices": [{ "And": present, "Next": assign }],
                "Default": clear,
            }),
        );
        match step {
            None => {
                out.insert(
                    assign,
                    json!({ "Type": "Pass", "InputPath": source, "ResultPath": target, "Next": next }),
                );
            }
            Some(k) => {
                let copy = format!("{id}.copy");
                out.insert(
                    assign,
                    json!({
                        "Type": "Pass",
                        "Parameters": { "value.$": format!("States.MathAdd({source}, {k})") },
                        "ResultPath": "$.scratch",
                        "Next": copy,
                    }),
                );
                out.insert(
                    copy,
                    json!({ "Type": "Pass", "InputPath": "$.scratch.value", "ResultPath": target, "Next": next }),
                );
            }
        }
        out.insert(
            clear,
            json!({ "Type": "Pass", "Result": null, "ResultPath": target, "Next": next }),
        );
        Ok(())
    }
}
