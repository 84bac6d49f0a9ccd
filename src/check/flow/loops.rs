//! E0303: a `goto` loop a customer can go round without time passing.
//!
//! Time passes only at `wait D` and `wait EVENT` (the customer is suspended until the delay, the
//! event or the timeout). Remove the edges leaving those steps and any cycle left is a loop that
//! would spin at run time. Cycles are found as strongly connected components (Kosaraju, written
//! with explicit stacks so a huge journey cannot exhaust the call stack).

use super::graph::{EdgeKind, Graph, NodeId, NodeKind};
use super::path::{describe, Search};
use super::Ctx;
use crate::diagnostics::{codes, Diagnostic};

pub fn check(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    // Every cycle passes through a `goto` (sections otherwise only run forwards), and a cycle
    // without one is never reported below: a journey without `goto` needs no search.
    if !g
        .nodes
        .iter()
        .any(|node| matches!(node.kind, NodeKind::Goto(_)))
    {
        return;
    }
    let n = g.nodes.len();
    // The graph without time passing, restricted to what customers can reach.
    let live = |a: NodeId| reachable[a] && !g.passes_time(a);
    let succ = |a: NodeId| -> Vec<NodeId> {
        if !live(a) {
            return Vec::new();
        }
        g.nodes[a]
            .succ
            .iter()
            .map(|e| e.to)
            .filter(|b| reachable[*b])
            .collect()
    };
    let mut pred: Vec<Vec<NodeId>> = vec![Vec::new(); n];
    for a in 0..n {
        for b in succ(a) {
            pred[b].push(a);
        }
    }
    // Pass 1: nodes in order of finishing.
    let mut order = Vec::with_capacity(n);
    let mut seen = vec![false; n];
    for root in 0..n {
        if seen[root] {
            continue;
        }
        seen[root] = true;
        let mut stack: Vec<(NodeId, Vec<NodeId>, usize)> = vec![(root, succ(root), 0)];
        while let Some(top) = stack.last_mut() {
            if let Some(&next) = top.1.get(top.2) {
                top.2 += 1;
                if !seen[next] {
                    seen[next] = true;
                    let s = succ(next);
                    stack.push((next, s, 0));
                }
            } else {
                order.push(top.0);
                stack.pop();
            }
        }
    }
    // Pass 2: components on the reversed graph, in reverse finishing order.
    let mut comp = vec![usize::MAX; n];
    let mut comps: Vec<Vec<NodeId>> = Vec::new();
    for &root in order.iter().rev() {
        if comp[root] != usize::MAX {
            continue;
        }
        let id = comps.len();
        let mut members = Vec::new();
        let mut stack = vec![root];
        comp[root] = id;
        while let Some(a) = stack.pop() {
            members.push(a);
            for &b in &pred[a] {
                if comp[b] == usize::MAX {
                    comp[b] = id;
                    stack.push(b);
                }
            }
        }
        comps.push(members);
    }
    for (id, members) in comps.iter().enumerate() {
        let cyclic = members.len() > 1 || members.iter().any(|&a| succ(a).contains(&a));
        if !cyclic {
            continue;
        }
        let mut gotos: Vec<NodeId> = members
            .iter()
            .copied()
            .filter(|&a| matches!(g.nodes[a].kind, NodeKind::Goto(_)))
            .collect();
        gotos.sort_by_key(|&a| (g.nodes[a].span.start, a));
        // Every cycle passes through a `goto`: sections otherwise only run forwards.
        let Some(&first) = gotos.first() else {
            continue;
        };
        report(cx, g, first, &gotos[1..], |a| comp[a] == id && live(a));
    }
}

fn report(
    cx: &mut Ctx,
    g: &Graph,
    goto: NodeId,
    others: &[NodeId],
    inside: impl Fn(NodeId) -> bool,
) {
    let NodeKind::Goto(target) = g.nodes[goto].kind else {
        return;
    };
    let Some(jump) = g.nodes[goto]
        .succ
        .iter()
        .find(|e| matches!(e.kind, EdgeKind::Goto))
    else {
        return;
    };
    // The loop as a path: from where the `goto` lands, round to the `goto` again.
    let search = Search::run(g, (jump.to, ()), |a, i, ()| {
        let b = g.nodes[a].succ[i].to;
        (inside(a) && inside(b)).then_some(())
    });
    let walk = search.path_to(goto, ());
    let mut sections: Vec<usize> = walk.iter().map(|&(a, _)| g.nodes[a].section).collect();
    sections.sort_unstable();
    sections.dedup();
    let stages: Vec<&str> = sections
        .iter()
        .map(|&s| g.sections[s].name.as_str())
        .collect();
    let path = describe(g, &walk, |_| false);
    let mut d = Diagnostic::error(
        codes::INSTANT_LOOP,
        cx.file,
        format!(
            "customers can go round this loop without any time passing (through {})",
            quoted(&stages)
        ),
    )
    .label(
        g.nodes[goto].span,
        format!(
            "jumps to `{}`; there is no `wait` on the way round",
            target.name
        ),
    );
    for &o in others {
        d = d.label(g.nodes[o].span, "part of the same loop");
    }
    cx.sink.push(
        d.help("put a `wait` in the loop (e.g. `wait 1d`, or `wait EVENT up to D`), or leave it with `exit`; at run time a customer caught in it is stopped")
            .note(format!("loop: {path} -> back to `{}`", target.name)),
    );
}

fn quoted(names: &[&str]) -> String {
    let q: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        k => format!("{} and {}", q[..k - 1].join(", "), q[k - 1]),
    }
}
