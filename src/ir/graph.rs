//! The journey graph as Mermaid or Graphviz text, for a pull request or a doc.
//!
//! Both renderings share one description of the graph ([`describe`]): a trigger node, one
//! cluster per stage holding that stage's nodes, a `completed` node when some path completes the
//! journey, a node per goal and `exit on` criterion (dashed from the trigger: how customers
//! leave), and labelled edges (the event or `timeout 3d` out of a wait, the condition or `else`
//! out of an `if`, the share out of a split). Output is deterministic: nodes and edges come in
//! the IR's order.

use super::display::{duration, percent};
use super::{Journey, Node, NodeKind, StageKind};
use std::collections::BTreeSet;
use std::fmt::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// An ordinary step.
    Box,
    /// Start, end, stage entries, milestones and exits.
    Round,
    /// A decision: `if`, `split`, an upgrade stage's guard.
    Diamond,
    /// A wait for an event.
    Hexagon,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GraphNode {
    /// The IR node id, or `start` / `completed` for the two synthetic nodes.
    pub id: String,
    pub label: String,
    pub shape: Shape,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub label: Option<String>,
    /// A jump (`goto`) rather than the flow of the steps.
    pub jump: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cluster {
    pub stage: String,
    pub title: String,
    pub nodes: Vec<GraphNode>,
}

/// A journey as a graph to draw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Graph {
    pub name: String,
    /// Nodes outside any stage: the trigger, the completion, goals and exits.
    pub outer: Vec<GraphNode>,
    pub clusters: Vec<Cluster>,
    pub edges: Vec<Edge>,
}

const START: &str = "start";
const DONE: &str = "completed";

fn label_and_shape(n: &Node, j: &Journey) -> (String, Shape) {
    match &n.kind {
        NodeKind::EnterStage { guard: Some(g), .. } => (format!("{g}?"), Shape::Diamond),
        NodeKind::EnterStage { guard: None, .. } => (format!("enter {}", n.stage), Shape::Round),
        NodeKind::Send { touchpoint, .. } => {
            let channel = j
                .touchpoints
                .get(touchpoint)
                .map(|t| format!(" ({})", t.channel))
                .unwrap_or_default();
            (format!("send {touchpoint}{channel}"), Shape::Box)
        }
        NodeKind::Delay { secs, .. } => (format!("wait {}", duration(*secs)), Shape::Box),
        NodeKind::WaitUntil { at, .. } => (format!("wait until {at}"), Shape::Box),
        NodeKind::WaitClock {
            day,
            minute_of_day,
            local,
            ..
        } => (
            format!(
                "wait until {}",
                super::clock::describe(*day, *minute_of_day, *local)
            ),
            Shape::Box,
        ),
        NodeKind::WaitEvent {
            event,
            condition,
            timeout_secs,
            ..
        } => {
            let mut s = format!("wait {event}");
            if let Some(c) = condition {
                let _ = write!(s, " where {c}");
            }
            if let Some(t) = timeout_secs {
                let _ = write!(s, " ≤ {}", duration(*t));
            }
            (s, Shape::Hexagon)
        }
        NodeKind::WaitAny {
            branches,
            timeout_secs,
            ..
        } => {
            let events: Vec<&str> = branches.iter().map(|b| b.event.as_str()).collect();
            let events = events.join(" or ");
            (
                format!("wait {events} ≤ {}", duration(*timeout_secs)),
                Shape::Hexagon,
            )
        }
        NodeKind::Branch { .. } => ("if".into(), Shape::Diamond),
        NodeKind::Split { .. } => ("split".into(), Shape::Diamond),
        NodeKind::Milestone { name, .. } => (format!("milestone {name}"), Shape::Round),
        NodeKind::Set {
            attribute, value, ..
        } => (format!("set {attribute} = {value}"), Shape::Box),
        NodeKind::Goto { target, .. } => (format!("goto {target}"), Shape::Box),
        NodeKind::Exit => ("exit".into(), Shape::Round),
    }
}

/// The edges out of a node, in a fixed order.
fn edges_of(n: &Node) -> Vec<Edge> {
    let edge = |to: &Option<String>, label: Option<String>| Edge {
        from: n.id.clone(),
        to: to.clone().unwrap_or_else(|| DONE.to_string()),
        label,
        jump: false,
    };
    match &n.kind {
        NodeKind::EnterStage {
            guard: Some(_),
            next,
            skip,
        } => {
            vec![
                edge(next, Some("yes".into())),
                edge(skip, Some("no: skip".into())),
            ]
        }
        NodeKind::EnterStage {
            guard: None, next, ..
        }
        | NodeKind::Send { next, .. }
        | NodeKind::Delay { next, .. }
        | NodeKind::WaitUntil { next, .. }
        | NodeKind::WaitClock { next, .. }
        | NodeKind::Milestone { next, .. }
        | NodeKind::Set { next, .. } => vec![edge(next, None)],
        NodeKind::WaitEvent {
            event,
            timeout_secs,
            on_event,
            on_timeout,
            ..
        } => {
            let mut out = vec![edge(on_event, Some(event.clone()))];
            if let Some(t) = timeout_secs {
                out.push(edge(on_timeout, Some(format!("timeout {}", duration(*t)))));
            }
            out
        }
        NodeKind::WaitAny {
            branches,
            timeout_secs,
            on_timeout,
        } => {
            let mut out: Vec<Edge> = branches
                .iter()
                .map(|b| {
                    let label = match &b.condition {
                        Some(c) => format!("{} where {c}", b.event),
                        None => b.event.clone(),
                    };
                    edge(&b.next, Some(label))
                })
                .collect();
            out.push(edge(
                on_timeout,
                Some(format!("timeout {}", duration(*timeout_secs))),
            ));
            out
        }
        NodeKind::Branch { arms, otherwise } => {
            let mut out: Vec<Edge> = arms
                .iter()
                .map(|a| edge(&a.next, Some(a.condition.to_string())))
                .collect();
            out.push(edge(otherwise, Some("else".into())));
            out
        }
        NodeKind::Split { variants } => variants
            .iter()
            .map(|v| {
                edge(
                    &v.next,
                    Some(format!("{} {}", percent(v.weight_bp), v.name)),
                )
            })
            .collect(),
        NodeKind::Goto { next, .. } => vec![Edge {
            jump: true,
            ..edge(&Some(next.clone()), None)
        }],
        NodeKind::Exit => Vec::new(),
    }
}

/// The graph of a journey.
pub fn describe(j: &Journey) -> Graph {
    let mut trigger = match &j.trigger.schedule {
        Some(s) => format!(
            "trigger every {} {}{}",
            s.day.map_or("day", |d| d.name()),
            super::clock::hhmm(s.minute_of_day),
            if s.local { " local" } else { "" }
        ),
        None if j.trigger.when => "trigger when".to_string(),
        None => format!("trigger {}", j.trigger.event),
    };
    if let Some(c) = &j.trigger.condition {
        let word = if j.trigger.when { "" } else { " where" };
        let _ = write!(trigger, "{word} {c}");
    }
    // `per FIELD`: each key is its own instance of the journey.
    if let Some(f) = &j.per {
        let _ = write!(trigger, ", one instance per {f}");
    }
    let mut outer = vec![GraphNode {
        id: START.into(),
        label: trigger,
        shape: Shape::Round,
    }];
    let mut edges = Vec::new();
    edges.push(Edge {
        from: START.into(),
        to: j.start.clone().unwrap_or_else(|| DONE.into()),
        label: None,
        jump: false,
    });
    let clusters: Vec<Cluster> = j
        .stages
        .iter()
        .map(|s| {
            let title = match &s.kind {
                StageKind::Onboarding => "onboarding".to_string(),
                StageKind::Stage => format!("stage {}", s.name),
                StageKind::Upgrade {
                    attribute,
                    from,
                    to,
                } => format!("upgrade {attribute} {from} -> {to}"),
            };
            let nodes = j
                .nodes
                .iter()
                .filter(|n| n.stage == s.name)
                .map(|n| {
                    let (label, shape) = label_and_shape(n, j);
                    GraphNode {
                        id: n.id.clone(),
                        label,
                        shape,
                    }
                })
                .collect();
            Cluster {
                stage: s.name.clone(),
                title,
                nodes,
            }
        })
        .collect();
    for n in &j.nodes {
        edges.extend(edges_of(n));
    }
    if edges.iter().any(|e| e.to == DONE) {
        outer.push(GraphNode {
            id: DONE.into(),
            label: "completed".into(),
            shape: Shape::Round,
        });
    }
    leave_nodes(j, &mut outer, &mut edges);
    Graph {
        name: j.name.clone(),
        outer,
        clusters,
        edges,
    }
}

/// How customers leave besides finishing the steps: one node per goal and per `exit on`
/// criterion, reached from the trigger by a dashed edge labelled with the event (and the goal's
/// window), since either can happen at any point after entry.
fn leave_nodes(j: &Journey, outer: &mut Vec<GraphNode>, edges: &mut Vec<Edge>) {
    let goals = j.goals.iter().enumerate();
    let goals = goals.map(|(i, g)| ("goal", i, &g.event, &g.condition, g.within_secs));
    let exits = j.exits.iter().enumerate();
    let exits = exits.map(|(i, x)| ("exit", i, &x.event, &x.condition, None));
    for (kind, i, event, condition, within) in goals.chain(exits) {
        let id = format!("{kind}.{i}");
        let mut label = format!("{kind}: {event}");
        if let Some(c) = condition {
            let _ = write!(label, " where {c}");
        }
        let mut on = event.clone();
        if let Some(t) = within {
            let _ = write!(on, " within {}", duration(t));
        }
        outer.push(GraphNode {
            id: id.clone(),
            label,
            shape: Shape::Round,
        });
        edges.push(Edge {
            from: START.into(),
            to: id,
            label: Some(on),
            jump: true,
        });
    }
}

/// Mermaid ids allow letters, digits and `_`; node ids are made of those and dots. Collisions
/// (possible only with contrived names) get a numeric suffix.
struct MermaidIds {
    taken: BTreeSet<String>,
    map: std::collections::BTreeMap<String, String>,
}

impl MermaidIds {
    fn get(&mut self, id: &str) -> String {
        if let Some(m) = self.map.get(id) {
            return m.clone();
        }
        let base: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut candidate = base.clone();
        let mut n = 2;
        while self.taken.contains(&candidate) || candidate == "end" {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        self.taken.insert(candidate.clone());
        self.map.insert(id.to_string(), candidate.clone());
        candidate
    }
}

fn mermaid_text(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "#quot;"))
}

fn mermaid_node(ids: &mut MermaidIds, n: &GraphNode) -> String {
    let id = ids.get(&n.id);
    let text = mermaid_text(&n.label);
    match n.shape {
        Shape::Box => format!("{id}[{text}]"),
        Shape::Round => format!("{id}([{text}])"),
        Shape::Diamond => format!("{id}{{{text}}}"),
        Shape::Hexagon => format!("{id}{{{{{text}}}}}"),
    }
}

/// The graph as a Mermaid flowchart, stages as subgraphs.
pub fn mermaid(j: &Journey) -> String {
    let g = describe(j);
    let mut ids = MermaidIds {
        taken: BTreeSet::new(),
        map: Default::default(),
    };
    let mut out = String::new();
    let per = j
        .per
        .as_deref()
        .map(|f| format!(" per {f}"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "---\ntitle: journey {}{per}\n---\nflowchart TD",
        g.name
    );
    let start = &g.outer[0];
    let _ = writeln!(out, "    {}", mermaid_node(&mut ids, start));
    for c in &g.clusters {
        let cid = ids.get(&format!("stage.{}", c.stage));
        let _ = writeln!(out, "    subgraph {cid} [{}]", mermaid_text(&c.title));
        for n in &c.nodes {
            let _ = writeln!(out, "        {}", mermaid_node(&mut ids, n));
        }
        let _ = writeln!(out, "    end");
    }
    for n in &g.outer[1..] {
        let _ = writeln!(out, "    {}", mermaid_node(&mut ids, n));
    }
    for e in &g.edges {
        let arrow = if e.jump { "-.->" } else { "-->" };
        let from = ids.get(&e.from);
        let to = ids.get(&e.to);
        match &e.label {
            Some(l) => {
                let _ = writeln!(out, "    {from} {arrow}|{}| {to}", mermaid_text(l));
            }
            None => {
                let _ = writeln!(out, "    {from} {arrow} {to}");
            }
        }
    }
    out
}

fn dot_text(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn dot_node(n: &GraphNode) -> String {
    let shape = match n.shape {
        Shape::Box => "box",
        Shape::Round => "oval",
        Shape::Diamond => "diamond",
        Shape::Hexagon => "hexagon",
    };
    format!(
        "{} [label={}, shape={shape}];",
        dot_text(&n.id),
        dot_text(&n.label)
    )
}

/// The font list every DOT label (graph, cluster titles, nodes, edges) is drawn in.
const DOT_FONT: &str = "Helvetica,Arial,sans-serif";

/// The graph in Graphviz DOT, stages as `cluster_` subgraphs.
pub fn dot(j: &Journey) -> String {
    let g = describe(j);
    let mut out = String::new();
    let _ = writeln!(out, "digraph {} {{", dot_text(&g.name));
    let _ = writeln!(out, "    rankdir=TB;");
    // Set on the graph too: Graphviz draws cluster titles in the graph's font, and a font list
    // falls back where Helvetica is missing instead of Graphviz's serif default.
    for kind in ["graph", "node", "edge"] {
        let _ = writeln!(out, "    {kind} [fontname={}];", dot_text(DOT_FONT));
    }
    let _ = writeln!(out, "    {}", dot_node(&g.outer[0]));
    for c in &g.clusters {
        let _ = writeln!(
            out,
            "    subgraph {} {{",
            dot_text(&format!("cluster_{}", c.stage))
        );
        let _ = writeln!(out, "        label={};", dot_text(&c.title));
        for n in &c.nodes {
            let _ = writeln!(out, "        {}", dot_node(n));
        }
        let _ = writeln!(out, "    }}");
    }
    for n in &g.outer[1..] {
        let _ = writeln!(out, "    {}", dot_node(n));
    }
    for e in &g.edges {
        let mut attrs = Vec::new();
        if let Some(l) = &e.label {
            attrs.push(format!("label={}", dot_text(l)));
        }
        if e.jump {
            attrs.push("style=dashed".to_string());
        }
        let attrs = if attrs.is_empty() {
            String::new()
        } else {
            format!(" [{}]", attrs.join(", "))
        };
        let _ = writeln!(
            out,
            "    {} -> {}{attrs};",
            dot_text(&e.from),
            dot_text(&e.to)
        );
    }
    out.push_str("}\n");
    out
}
