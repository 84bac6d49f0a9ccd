//! `journeyc graph` output stays valid: the DOT of every example journey (and the export
//! fixture's, which has the constructs the examples leave out) is laid out by Graphviz
//! (`dot -Tsvg`) into exactly the graph [`describe`] holds, and the Mermaid of each passes a
//! structural check of the flowchart syntax the writer uses.
//!
//! Mermaid's own renderer (mermaid-cli) needs a headless browser and an npm install of a few
//! hundred megabytes, so the Mermaid side is checked here by a small parser of the constructs
//! `graph::mermaid` writes instead: every line is one of them, every quoted text is closed and
//! holds no raw quote, every id is plain and not a keyword, and the nodes, subgraphs and edges
//! are the graph's.

mod export_tools;
mod tool_runner;

use journeyc::ir::graph::{self, describe};
use journeyc::ir::Journey;
use std::collections::BTreeSet;
use std::io::Write;
use std::process::{Command, Stdio};
use tool_runner::Skip;

fn journeys() -> Vec<Journey> {
    let journeys = export_tools::export_journeys();
    assert!(journeys.len() >= 7, "all examples and the fixture compiled");
    journeys
}

/// Graphviz's `dot`, or a skip saying how to install it.
fn dot_command() -> Result<(), Skip> {
    match Command::new("dot").arg("-V").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(Skip(
            "Graphviz's `dot` is not installed (Debian: apt-get install graphviz)".into(),
        )),
    }
}

/// `dot -Tsvg` on `text`: the SVG, or Graphviz's complaint (an error or a warning).
fn render_svg(text: &str) -> Result<String, String> {
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run dot");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write the graph");
    let out = child.wait_with_output().expect("dot finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    if !out.status.success() || !stderr.trim().is_empty() {
        return Err(stderr.into_owned());
    }
    Ok(String::from_utf8(out.stdout).expect("UTF-8 SVG"))
}

fn every_example_graph_renders_with_graphviz() -> Result<(), Skip> {
    dot_command()?;
    for j in journeys() {
        let g = describe(&j);
        let text = graph::dot(&j);
        let svg = render_svg(&text).unwrap_or_else(|why| {
            panic!(
                "Graphviz rejected or warned about the graph of {}:\n{why}\n{text}",
                j.name
            )
        });
        assert!(svg.contains("<svg") && svg.trim_end().ends_with("</svg>"));
        // Graphviz draws one group per node, edge and cluster: a mis-quoted id would add a
        // node, a lost edge or cluster would be missing.
        let nodes = g.outer.len() + g.clusters.iter().map(|c| c.nodes.len()).sum::<usize>();
        let count = |class: &str| svg.matches(&format!("class=\"{class}\"")).count();
        assert_eq!(count("node"), nodes, "nodes of {}", j.name);
        assert_eq!(count("edge"), g.edges.len(), "edges of {}", j.name);
        assert_eq!(count("cluster"), g.clusters.len(), "clusters of {}", j.name);
        // The graph's font, not Graphviz's serif default, for the cluster titles too.
        assert!(!svg.contains("font-family=\"Times"), "{svg}");
    }
    Ok(())
}

/// The test has teeth: a graph Graphviz cannot read fails it.
fn a_broken_dot_graph_fails_the_render() -> Result<(), Skip> {
    dot_command()?;
    assert!(render_svg("digraph \"x\" { \"a\" -> }").is_err());
    // A warning counts too: an attribute Graphviz does not know.
    assert!(render_svg("digraph \"x\" { \"a\" [shape=blob]; }").is_err());
    Ok(())
}

/// A Mermaid text in double quotes, as `graph::mermaid` writes it: the text, if closed and free
/// of raw quotes.
fn quoted(s: &str) -> Option<&str> {
    let inner = s.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.contains('"')).then_some(inner)
}

/// A plain Mermaid id: letters, digits and `_`, and not a word the flowchart grammar reserves.
fn plain_id(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !matches!(
            s,
            "end" | "subgraph" | "graph" | "flowchart" | "style" | "class"
        )
}

/// A node statement `ID[".."]`, `ID([".."])`, `ID{".."}` or `ID{{".."}}`: its id and text.
fn node_statement(line: &str) -> Option<(&str, &str)> {
    let at = line.find(['[', '(', '{'])?;
    let (id, shape) = line.split_at(at);
    let text = [("{{", "}}"), ("([", "])"), ("[", "]"), ("{", "}")]
        .iter()
        .find_map(|(open, close)| shape.strip_prefix(open)?.strip_suffix(close))
        .and_then(quoted)?;
    plain_id(id).then_some((id, text))
}

/// An edge statement `A --> B`, `A -.-> B`, or either with `|".."|` after the arrow.
fn edge_statement(line: &str) -> Option<(&str, &str)> {
    let (from, rest) = line.split_once(' ')?;
    let rest = rest
        .strip_prefix("-->")
        .or_else(|| rest.strip_prefix("-.->"))?;
    let to = match rest.strip_prefix('|') {
        Some(labelled) => {
            let (label, to) = labelled.rsplit_once("| ")?;
            quoted(label)?;
            to
        }
        None => rest.strip_prefix(' ')?,
    };
    (plain_id(from) && plain_id(to)).then_some((from, to))
}

/// Checks the Mermaid flowchart of `j` line by line; a message says what is wrong.
fn check_mermaid(j: &Journey, text: &str) -> Result<(), String> {
    let g = describe(j);
    let mut lines = text.lines();
    let head: Vec<&str> = lines.by_ref().take(4).collect();
    if head
        != [
            "---",
            // A keyed journey's title says `per FIELD`.
            &format!(
                "title: journey {}{}",
                j.name,
                j.per
                    .as_deref()
                    .map(|f| format!(" per {f}"))
                    .unwrap_or_default()
            ),
            "---",
            "flowchart TD",
        ]
    {
        return Err(format!("front matter and header: {head:?}"));
    }
    let (mut nodes, mut subgraphs, mut edges) = (BTreeSet::new(), BTreeSet::new(), Vec::new());
    let mut open = 0;
    for line in lines {
        let stmt = line.trim_start();
        if let Some(rest) = stmt.strip_prefix("subgraph ") {
            let (id, title) = rest.split_once(" [").ok_or(format!("subgraph: {line}"))?;
            let title = title.strip_suffix(']').and_then(quoted);
            if !plain_id(id) || title.is_none() || !subgraphs.insert(id) {
                return Err(format!("subgraph: {line}"));
            }
            open += 1;
        } else if stmt == "end" {
            if open == 0 {
                return Err("`end` without a subgraph".into());
            }
            open -= 1;
        } else if let Some(edge) = edge_statement(stmt) {
            edges.push(edge);
        } else if let Some((id, _)) = node_statement(stmt) {
            if !nodes.insert(id) {
                return Err(format!("node declared twice: {line}"));
            }
        } else {
            return Err(format!("not a statement the writer uses: {line:?}"));
        }
    }
    if open != 0 {
        return Err("a subgraph is not closed".into());
    }
    if let Some(id) = nodes.intersection(&subgraphs).next() {
        return Err(format!("`{id}` names a node and a subgraph"));
    }
    for (from, to) in &edges {
        if !nodes.contains(from) || !nodes.contains(to) {
            return Err(format!("edge {from} -> {to} between undeclared nodes"));
        }
    }
    let want = g.outer.len() + g.clusters.iter().map(|c| c.nodes.len()).sum::<usize>();
    if (nodes.len(), subgraphs.len(), edges.len()) != (want, g.clusters.len(), g.edges.len()) {
        return Err(format!(
            "{} nodes, {} subgraphs, {} edges; the graph has {want}, {}, {}",
            nodes.len(),
            subgraphs.len(),
            edges.len(),
            g.clusters.len(),
            g.edges.len()
        ));
    }
    Ok(())
}

fn every_example_mermaid_flowchart_is_well_formed() {
    for j in journeys() {
        let text = graph::mermaid(&j);
        if let Err(why) = check_mermaid(&j, &text) {
            panic!("the Mermaid of {} is malformed: {why}\n{text}", j.name);
        }
    }
}

/// The structural check has teeth: each kind of breakage is caught.
fn the_mermaid_check_rejects_broken_flowcharts() {
    let j = journeys().remove(0);
    let good = graph::mermaid(&j);
    assert_eq!(check_mermaid(&j, &good), Ok(()));
    let first_edge = good
        .lines()
        .find(|l| l.contains("-->"))
        .expect("an edge")
        .to_string();
    let broken = [
        good.replacen("flowchart TD", "flowchart", 1),
        good.replacen("    end\n", "", 1),
        good.replacen("([\"", "([\"say \"hi\" ", 1),
        good.replacen(
            &first_edge,
            &format!("{first_edge}\n    start --> nowhere"),
            1,
        ),
        good.replacen(&first_edge, "", 1),
        good.replacen("start([", "end([", 1),
        format!("{good}    start -> completed\n"),
    ];
    for text in broken {
        assert!(check_mermaid(&j, &text).is_err(), "accepted:\n{text}");
    }
}

// `harness = false` (Cargo.toml): tests/tool_runner shows a missing Graphviz as a skip.
tool_runner::tool_tests![
    every_example_graph_renders_with_graphviz,
    a_broken_dot_graph_fails_the_render,
    every_example_mermaid_flowchart_is_well_formed,
    the_mermaid_check_rejects_broken_flowcharts,
];
