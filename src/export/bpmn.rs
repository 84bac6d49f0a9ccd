//! BPMN 2.0: one executable process per journey, for Camunda 8 / Zeebe.
//!
//! Elements are named by node ids (helper elements `<id>.<role>`), sequence flows
//! `<from>.flow<k>`, so a small edit of the source changes few lines. Conditions and `set`
//! values are FEEL ([`super::feel`]); timers are ISO-8601 durations; sends are service tasks
//! whose job type names the channel (`journey-send-<channel>`), with the touchpoint in task
//! headers. A process instance starts with the variables `customer_id`, one per customer
//! attribute, `event` (the trigger's fields) and `split_<key>` per split (the bucket from
//! [`super::split_bucket`]).
//!
//! Messages are named after the event (`project_created`) and correlated on `customer_id`. Exit
//! criteria and goals are interrupting event subprocesses started by the messages
//! `<journey>.exit` and `<journey>.converted`, which the event router publishes after checking
//! the criterion's condition and the goal's window (`docs/exports.md`).
//!
//! The document has no diagram (`bpmndi`): Zeebe runs it as is; Camunda Modeler shows it once
//! laid out (for example with `bpmn-auto-layout`).

mod clock;

use super::feel;
use super::xml::Writer;
use super::{iso_duration, split_key, ExportError};
use crate::ir::{Expr, Journey, Node, NodeKind};
use std::collections::BTreeSet;

const BPMN: &str = "http://www.omg.org/spec/BPMN/20100524/MODEL";
const ZEEBE: &str = "http://camunda.org/schema/zeebe/1.0";
const MODELER: &str = "http://camunda.org/schema/modeler/1.0";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

pub const START: &str = "journey.start";
pub const COMPLETED: &str = "journey.completed";
pub const EXITED: &str = "journey.exited";
pub const CONVERTED: &str = "journey.converted";

/// The message name that ends a customer's instance because an exit criterion matched.
pub fn exit_message(journey: &str) -> String {
    format!("{journey}.exit")
}

/// The message name that ends a customer's instance because they reached a goal.
pub fn converted_message(journey: &str) -> String {
    format!("{journey}.converted")
}

/// The id of an event's `bpmn:message` element.
fn message_id(name: &str) -> String {
    format!("message.{name}")
}

struct Flow {
    id: String,
    from: String,
    to: String,
    condition: Option<String>,
}

struct Out {
    w: Writer,
    flows: Vec<Flow>,
}

impl Out {
    /// Adds a flow out of `from` and returns its id.
    fn flow(&mut self, from: &str, to: &str, condition: Option<String>) -> String {
        let k = self.flows.iter().filter(|f| f.from == from).count();
        let id = format!("{from}.flow{k}");
        self.flows.push(Flow {
            id: id.clone(),
            from: from.into(),
            to: to.into(),
            condition,
        });
        id
    }
}

fn target(next: &Option<String>) -> String {
    next.clone().unwrap_or_else(|| COMPLETED.into())
}

/// The process of `journey`, as a BPMN 2.0 document.
pub fn to_bpmn(journey: &Journey) -> Result<String, ExportError> {
    let unsupported = |node: &str, what: String| ExportError {
        journey: journey.name.clone(),
        node: node.into(),
        what,
        target: "BPMN",
    };
    for reserved in ["customer_id", "event", "engagement", "history"] {
        // `history` holds the history worker's answers, only in a journey that reads history.
        if reserved == "history" && !super::reads_history(journey) {
            continue;
        }
        if journey.attributes.contains_key(reserved) {
            return Err(unsupported(
                "",
                format!(
                    "an attribute named `{reserved}` (a process variable of that name is reserved)"
                ),
            ));
        }
    }
    // `instance_key` holds the key of an instance of a keyed journey (`per FIELD`).
    if journey.per.is_some() && journey.attributes.contains_key("instance_key") {
        return Err(unsupported(
            "",
            "an attribute named `instance_key` in a journey with `per FIELD` (a process variable of that name is reserved)".to_string(),
        ));
    }
    let mut messages: BTreeSet<&str> = BTreeSet::new();
    for n in &journey.nodes {
        match &n.kind {
            NodeKind::WaitEvent { event, .. } => {
                messages.insert(event);
            }
            NodeKind::WaitAny { branches, .. } => {
                messages.extend(branches.iter().map(|b| b.event.as_str()));
            }
            _ => {}
        }
    }
    let mut w = Writer::new();
    let ns = format!("https://journeyc.dev/journey/{}", journey.name);
    w.open(
        "bpmn:definitions",
        &[
            ("xmlns:bpmn", BPMN),
            ("xmlns:zeebe", ZEEBE),
            ("xmlns:modeler", MODELER),
            ("xmlns:xsi", XSI),
            ("id", &format!("{}.definitions", journey.name)),
            ("targetNamespace", &ns),
            // No exporterVersion: a new journeyc must not change every committed process.
            ("exporter", "journeyc"),
            ("modeler:executionPlatform", "Camunda Cloud"),
            ("modeler:executionPlatformVersion", "8.5.0"),
        ],
    );
    let exit = exit_message(&journey.name);
    let converted = converted_message(&journey.name);
    let mut all_messages: Vec<&str> = messages.iter().copied().collect();
    if !journey.exits.is_empty() {
        all_messages.push(&exit);
    }
    if !journey.goals.is_empty() {
        all_messages.push(&converted);
    }
    // A keyed journey's (`per FIELD`) process instance is one per customer and key: its
    // messages correlate on both (docs/exports.md, "Keyed journeys").
    let correlation = if journey.per.is_some() {
        "=customer_id + \"/\" + instance_key"
    } else {
        "=customer_id"
    };
    for m in &all_messages {
        w.open("bpmn:message", &[("id", &message_id(m)), ("name", m)]);
        w.open("bpmn:extensionElements", &[]);
        w.empty("zeebe:subscription", &[("correlationKey", correlation)]);
        w.close();
        w.close();
    }
    w.open(
        "bpmn:process",
        &[
            ("id", &journey.name),
            ("name", &format!("journey {}", journey.name)),
            ("isExecutable", "true"),
        ],
    );
    let arbitration = super::arbitration(journey) + &super::schedule::note(journey);
    if !arbitration.is_empty() {
        w.text("bpmn:documentation", &[], arbitration.trim());
    }
    let mut out = Out {
        w,
        flows: Vec::new(),
    };
    out.w.empty(
        "bpmn:startEvent",
        &[
            ("id", START),
            ("name", &super::schedule::start_name(journey)),
        ],
    );
    out.flow(START, &target(&journey.start), None);
    for n in &journey.nodes {
        node(journey, n, &mut out).map_err(|what| unsupported(&n.id, what))?;
    }
    out.w
        .empty("bpmn:endEvent", &[("id", COMPLETED), ("name", "completed")]);
    if !journey.exits.is_empty() {
        let events: Vec<&str> = journey.exits.iter().map(|x| x.event.as_str()).collect();
        interrupt(
            &mut out,
            "journey.exit_on",
            &exit,
            EXITED,
            &format!("exit on {}", events.join(", ")),
        );
    }
    if !journey.goals.is_empty() {
        let events: Vec<&str> = journey.goals.iter().map(|g| g.event.as_str()).collect();
        interrupt(
            &mut out,
            "journey.goal",
            &converted,
            CONVERTED,
            &format!("goal {}", events.join(", ")),
        );
    }
    let Out { mut w, flows } = out;
    for f in &flows {
        let attrs = [
            ("id", f.id.as_str()),
            ("sourceRef", f.from.as_str()),
            ("targetRef", f.to.as_str()),
        ];
        match &f.condition {
            Some(c) => {
                w.open("bpmn:sequenceFlow", &attrs);
                w.text(
                    "bpmn:conditionExpression",
                    &[("xsi:type", "bpmn:tFormalExpression")],
                    &format!("={c}"),
                );
                w.close();
            }
            None => w.empty("bpmn:sequenceFlow", &attrs),
        }
    }
    w.finish().map_err(|u| ExportError {
        journey: journey.name.clone(),
        node: u.element,
        what: format!(
            "the text {:?} (it holds a control character XML cannot write)",
            u.text
        ),
        target: "BPMN",
    })
}

/// An interrupting event subprocess: message `message` ends the instance at `end`.
fn interrupt(out: &mut Out, id: &str, message: &str, end: &str, name: &str) {
    out.w.open(
        "bpmn:subProcess",
        &[("id", id), ("name", name), ("triggeredByEvent", "true")],
    );
    let start = format!("{id}.start");
    out.w.open(
        "bpmn:startEvent",
        &[
            ("id", &start),
            ("name", message),
            ("isInterrupting", "true"),
        ],
    );
    out.w.empty(
        "bpmn:messageEventDefinition",
        &[
            ("id", &format!("{id}.message")),
            ("messageRef", &message_id(message)),
        ],
    );
    out.w.close();
    out.w.empty("bpmn:endEvent", &[("id", end), ("name", name)]);
    let flow = format!("{start}.flow0");
    out.w.empty(
        "bpmn:sequenceFlow",
        &[("id", &flow), ("sourceRef", &start), ("targetRef", end)],
    );
    out.w.close();
}

fn condition(j: &Journey, e: &Expr) -> Result<String, String> {
    feel::condition(j, e).ok_or_else(|| format!("the condition `{e}`"))
}

/// A gateway choosing among `conds` (first match wins, as in the interpreter: each condition
/// excludes the ones before it, so the choice does not depend on the engine's flow order), with
/// `default` otherwise. Reads the engagement service first when a condition needs it.
fn gateway(
    j: &Journey,
    id: &str,
    name: &str,
    conds: &[(&Expr, String)],
    default: &str,
    out: &mut Out,
) -> Result<(), String> {
    let mut reads = std::collections::BTreeMap::new();
    conds
        .iter()
        .for_each(|(e, _)| super::history_reads(e, &mut reads));
    let engagement = conds
        .iter()
        .any(|(e, _)| super::asl_rule::reads_engagement(e));
    // History spans the customer's journeys and entries: a `journey-history` job, whose worker
    // answers every read, comes first (docs/exports.md, "History").
    let first_read = if reads.is_empty() {
        id.to_string()
    } else {
        let then = if engagement {
            format!("{id}.engagement")
        } else {
            format!("{id}.gateway")
        };
        out.w
            .open("bpmn:serviceTask", &[("id", id), ("name", "read history")]);
        out.w.open("bpmn:extensionElements", &[]);
        out.w
            .empty("zeebe:taskDefinition", &[("type", "journey-history")]);
        out.w.open("zeebe:taskHeaders", &[]);
        out.w
            .empty("zeebe:header", &[("key", "journey"), ("value", &j.name)]);
        out.w
            .empty("zeebe:header", &[("key", "node"), ("value", id)]);
        let reads = serde_json::Value::Array(reads.into_values().collect()).to_string();
        out.w
            .empty("zeebe:header", &[("key", "reads"), ("value", &reads)]);
        out.w.close();
        out.w.close();
        out.w.close();
        out.flow(id, &then, None);
        then
    };
    let gw = if engagement {
        let gw = format!("{id}.gateway");
        let id = first_read.as_str();
        out.w.open(
            "bpmn:serviceTask",
            &[("id", id), ("name", "read opens and clicks")],
        );
        out.w.open("bpmn:extensionElements", &[]);
        out.w
            .empty("zeebe:taskDefinition", &[("type", "journey-engagement")]);
        out.w.close();
        out.w.close();
        out.flow(id, &gw, None);
        gw
    } else {
        first_read
    };
    let mut earlier: Vec<String> = Vec::new();
    let mut flows = Vec::new();
    for (e, next) in conds {
        let c = condition(j, e)?;
        let mut full = vec![c.clone()];
        full.extend(earlier.iter().map(|x| format!("not({x})")));
        flows.push((full.join(" and "), next.clone()));
        earlier.push(c);
    }
    let first = out.flows.len();
    for (c, next) in flows {
        out.flow(&gw, &next, Some(c));
    }
    let default_flow = out.flow(&gw, default, None);
    let _ = first;
    out.w.empty(
        "bpmn:exclusiveGateway",
        &[("id", &gw), ("name", name), ("default", &default_flow)],
    );
    Ok(())
}

fn node(j: &Journey, n: &Node, out: &mut Out) -> Result<(), String> {
    let id = n.id.as_str();
    match &n.kind {
        NodeKind::EnterStage {
            guard: None, next, ..
        } => {
            out.w.empty(
                "bpmn:intermediateThrowEvent",
                &[("id", id), ("name", &format!("stage {}", n.stage))],
            );
            out.flow(id, &target(next), None);
        }
        NodeKind::EnterStage {
            guard: Some(g),
            next,
            skip,
        } => {
            gateway(
                j,
                id,
                &format!("{g}?"),
                &[(g, target(next))],
                &target(skip),
                out,
            )?;
        }
        NodeKind::Send {
            touchpoint,
            next,
            data,
        } => {
            let payload = super::feel_payload::context(j, touchpoint, data)?;
            let tp = j
                .touchpoints
                .get(touchpoint)
                .ok_or_else(|| format!("the unknown touchpoint `{touchpoint}`"))?;
            // A transactional touchpoint needs no consent; the worker skips caps and quiet hours
            // for it (the `transactional` header).
            let consent = j
                .channels
                .get(&tp.channel)
                .filter(|_| !tp.transactional)
                .and_then(|c| c.consent.as_ref());
            let task = match consent {
                Some(attr) => {
                    let task = format!("{id}.deliver");
                    let yes = out.flow(id, &task, Some(format!("({attr} = true)")));
                    let no = out.flow(id, &target(next), None);
                    let _ = yes;
                    out.w.empty(
                        "bpmn:exclusiveGateway",
                        &[("id", id), ("name", &format!("{attr}?")), ("default", &no)],
                    );
                    task
                }
                None => id.to_string(),
            };
            out.w.open(
                "bpmn:serviceTask",
                &[("id", &task), ("name", &format!("send {touchpoint}"))],
            );
            out.w.open("bpmn:extensionElements", &[]);
            out.w.empty(
                "zeebe:taskDefinition",
                &[("type", &format!("journey-send-{}", tp.channel))],
            );
            if let Some(context) = payload {
                // The job worker receives the values in the variable `data`.
                out.w.open("zeebe:ioMapping", &[]);
                out.w.empty(
                    "zeebe:input",
                    &[("source", &format!("={context}")), ("target", "data")],
                );
                out.w.close();
            }
            out.w.open("zeebe:taskHeaders", &[]);
            let mut headers = vec![
                ("journey", j.name.as_str()),
                ("node", id),
                ("touchpoint", touchpoint.as_str()),
                ("channel", tp.channel.as_str()),
                ("template", tp.template.as_str()),
            ];
            if let Some(s) = &tp.subject {
                headers.push(("subject", s));
            }
            if tp.transactional {
                headers.push(("transactional", "true"));
            }
            for (k, v) in headers {
                out.w.empty("zeebe:header", &[("key", k), ("value", v)]);
            }
            out.w.close();
            out.w.close();
            out.w.close();
            out.flow(&task, &target(next), None);
        }
        NodeKind::WaitUntil { at, next } => {
            let Some(feel) = super::feel_time::instant(at) else {
                return Err(format!(
                    "`wait until {at}` (only attributes, event fields, datetimes and `now`, plus or minus durations, have a FEEL form)"
                ));
            };
            // A time that is not set is not waited for (as in the interpreter): an exclusive
            // gateway arms the timer only when every value the time reads is set.
            let wait = match super::feel_time::set_guard(at) {
                Some(guard) => {
                    let wait = format!("{id}.wait");
                    out.flow(id, &wait, Some(guard));
                    let default = out.flow(id, &target(next), None);
                    out.w.empty(
                        "bpmn:exclusiveGateway",
                        &[
                            ("id", id),
                            ("name", &format!("is the time of wait until {at} set?")),
                            ("default", &default),
                        ],
                    );
                    wait
                }
                None => id.to_string(),
            };
            let id = wait.as_str();
            out.w.open(
                "bpmn:intermediateCatchEvent",
                &[("id", id), ("name", &format!("wait until {at}"))],
            );
            out.w.open(
                "bpmn:timerEventDefinition",
                &[("id", &format!("{id}.timer"))],
            );
            out.w.text(
                "bpmn:timeDate",
                &[("xsi:type", "bpmn:tFormalExpression")],
                &format!("={feel}"),
            );
            out.w.close();
            out.w.close();
            out.flow(id, &target(next), None);
        }
        NodeKind::WaitClock {
            day,
            minute_of_day,
            local,
            next,
        } => clock::wait_clock(j, id, (*day, *minute_of_day, *local), next, out),
        NodeKind::Delay { secs, next } => {
            out.w.open(
                "bpmn:intermediateCatchEvent",
                &[
                    ("id", id),
                    ("name", &format!("wait {}", crate::units::duration(*secs))),
                ],
            );
            timer(out, &format!("{id}.timer"), *secs);
            out.w.close();
            out.flow(id, &target(next), None);
        }
        NodeKind::WaitEvent {
            event,
            timeout_secs,
            on_event,
            on_timeout,
            ..
        } => {
            let catch = match timeout_secs {
                Some(_) => format!("{id}.event"),
                None => id.to_string(),
            };
            if let Some(t) = timeout_secs {
                out.w.empty(
                    "bpmn:eventBasedGateway",
                    &[
                        ("id", id),
                        (
                            "name",
                            &format!("wait {event} up to {}", crate::units::duration(*t)),
                        ),
                    ],
                );
                out.flow(id, &catch, None);
                let timeout = format!("{id}.timeout");
                out.flow(id, &timeout, None);
                out.w.open(
                    "bpmn:intermediateCatchEvent",
                    &[("id", &timeout), ("name", "timeout")],
                );
                timer(out, &format!("{timeout}.timer"), *t);
                out.w.close();
                out.flow(&timeout, &target(on_timeout), None);
            }
            out.w.open(
                "bpmn:intermediateCatchEvent",
                &[("id", &catch), ("name", event)],
            );
            out.w.empty(
                "bpmn:messageEventDefinition",
                &[
                    ("id", &format!("{catch}.message")),
                    ("messageRef", &message_id(event)),
                ],
            );
            out.w.close();
            out.flow(&catch, &target(on_event), None);
        }
        NodeKind::WaitAny {
            branches,
            timeout_secs,
            on_timeout,
        } => wait_any(id, branches, *timeout_secs, on_timeout, out),
        NodeKind::Branch { arms, otherwise } => {
            let conds: Vec<(&Expr, String)> = arms
                .iter()
                .map(|a| (&a.condition, target(&a.next)))
                .collect();
            gateway(j, id, "if", &conds, &target(otherwise), out)?;
        }
        NodeKind::Split { variants } => {
            let var = format!("split_{}", split_key(id));
            let Some((last, rest)) = variants.split_last() else {
                out.w.empty(
                    "bpmn:intermediateThrowEvent",
                    &[("id", id), ("name", "split")],
                );
                out.flow(id, COMPLETED, None);
                return Ok(());
            };
            let mut lo = 0u32;
            for v in rest {
                let hi = lo.saturating_add(v.weight_bp);
                out.flow(
                    id,
                    &target(&v.next),
                    Some(format!(
                        "({var} != null and {var} >= {lo} and {var} < {hi})"
                    )),
                );
                lo = hi;
            }
            let default = out.flow(id, &target(&last.next), None);
            let names: Vec<&str> = variants.iter().map(|v| v.name.as_str()).collect();
            out.w.empty(
                "bpmn:exclusiveGateway",
                &[
                    ("id", id),
                    ("name", &format!("split {}", names.join(" / "))),
                    ("default", &default),
                ],
            );
        }
        NodeKind::Milestone { name, next } => {
            out.w.empty(
                "bpmn:intermediateThrowEvent",
                &[("id", id), ("name", &format!("milestone {name}"))],
            );
            out.flow(id, &target(next), None);
        }
        NodeKind::Set {
            attribute,
            value,
            next,
        } => {
            let v = feel::value(value).ok_or_else(|| format!("`set {attribute} = {value}`"))?;
            out.w.open(
                "bpmn:scriptTask",
                &[
                    ("id", id),
                    ("name", &format!("set {attribute}")),
                    ("scriptFormat", "feel"),
                ],
            );
            out.w.open("bpmn:extensionElements", &[]);
            out.w.empty(
                "zeebe:script",
                &[
                    ("expression", &format!("={v}")),
                    ("resultVariable", attribute),
                ],
            );
            out.w.close();
            out.w
                .text("bpmn:script", &[], &format!("{attribute} = {v}"));
            out.w.close();
            out.flow(id, &target(next), None);
        }
        NodeKind::Goto {
            target: stage,
            next,
        } => {
            out.w.empty(
                "bpmn:intermediateThrowEvent",
                &[("id", id), ("name", &format!("goto {stage}"))],
            );
            out.flow(id, next, None);
        }
        NodeKind::Exit => {
            out.w
                .empty("bpmn:endEvent", &[("id", id), ("name", "exit")]);
        }
    }
    Ok(())
}

/// `wait up to D { on E1 { ... } on E2 { ... } }`: an event-based gateway with one message
/// catch per branch (`ID.on_EVENT`) and a timer (`ID.timeout`). The router publishes an event's
/// message only when the branch's `where` holds, so the first message that arrives wins.
fn wait_any(
    id: &str,
    branches: &[crate::ir::WaitBranch],
    timeout_secs: u64,
    on_timeout: &Option<String>,
    out: &mut Out,
) {
    let names: Vec<&str> = branches.iter().map(|b| b.event.as_str()).collect();
    out.w.empty(
        "bpmn:eventBasedGateway",
        &[
            ("id", id),
            (
                "name",
                &format!(
                    "wait {} up to {}",
                    names.join(" or "),
                    crate::units::duration(timeout_secs)
                ),
            ),
        ],
    );
    for b in branches {
        let catch = format!("{id}.on_{}", b.event);
        out.flow(id, &catch, None);
        out.w.open(
            "bpmn:intermediateCatchEvent",
            &[("id", &catch), ("name", &b.event)],
        );
        out.w.empty(
            "bpmn:messageEventDefinition",
            &[
                ("id", &format!("{catch}.message")),
                ("messageRef", &message_id(&b.event)),
            ],
        );
        out.w.close();
        out.flow(&catch, &target(&b.next), None);
    }
    let timeout = format!("{id}.timeout");
    out.flow(id, &timeout, None);
    out.w.open(
        "bpmn:intermediateCatchEvent",
        &[("id", &timeout), ("name", "timeout")],
    );
    timer(out, &format!("{timeout}.timer"), timeout_secs);
    out.w.close();
    out.flow(&timeout, &target(on_timeout), None);
}

fn timer(out: &mut Out, id: &str, secs: u64) {
    out.w.open("bpmn:timerEventDefinition", &[("id", id)]);
    out.w.text(
        "bpmn:timeDuration",
        &[("xsi:type", "bpmn:tFormalExpression")],
        &iso_duration(secs),
    );
    out.w.close();
}
