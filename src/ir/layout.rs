//! A layered (Sugiyama-style) layout of a journey graph ([`super::graph::describe`]), for the
//! SVG drawing in [`super::graph_svg`]: pure geometry, no text measuring beyond a fixed width per
//! character (the drawing uses a monospace font), so the same journey always gives the same
//! picture.
//!
//! Steps:
//! 1. **Layers.** Top to bottom: the trigger, the goals and `exit on` criteria (how customers
//!    leave at any time), then each stage in its own band of layers, then `completed`. Within a
//!    band a node sits one layer below its lowest predecessor. An edge with a label gets a layer
//!    of its own for the label (the label is a box like a node, so labels never overlap), and
//!    an edge spanning several layers gets a point in each (so it is routed between boxes, never
//!    through them). Edges back to an earlier node (`goto` an earlier stage) are left out of the
//!    layering and drawn in lanes on the right.
//! 2. **Order** within layers: a few sweeps of the barycentre heuristic, from the source order.
//! 3. **Positions**: each layer is placed as near as possible to its neighbours' positions with
//!    a minimum gap between boxes (isotonic regression, the pool-adjacent-violators algorithm),
//!    alternating downward and upward passes.

use super::graph::{Graph, Shape};

/// Width of one character of a node label and of an edge label, in the drawing's units.
pub const NODE_CHAR: f64 = 7.3;
pub const EDGE_CHAR: f64 = 6.7;
/// The longest label drawn in full; longer ones are cut with `…` (the drawing shows the full
/// text on hover).
pub const NODE_CHARS: usize = 40;
pub const EDGE_CHARS: usize = 30;

const GAP: f64 = 26.0;
const DUMMY_GAP: f64 = 10.0;
const VGAP: f64 = 20.0;
const TITLE: f64 = 30.0;
const MARGIN: f64 = 12.0;

/// What a placed box is.
#[derive(Clone, Debug, PartialEq)]
pub enum BoxKind {
    /// A node of the graph: its id, its shape, and the line of notes under its label.
    Node {
        id: String,
        shape: Shape,
        note: Option<String>,
    },
    /// The label of an edge.
    EdgeLabel,
}

/// A box: its centre `x`, its `top`, its size, and its text (`label` in full; the drawing cuts
/// it).
#[derive(Clone, Debug, PartialEq)]
pub struct Placed {
    pub kind: BoxKind,
    pub label: String,
    pub x: f64,
    pub top: f64,
    pub w: f64,
    pub h: f64,
}

/// An edge as a polyline, with the label box it passes through (the line stops at the label's
/// top and resumes at its bottom).
#[derive(Clone, Debug, PartialEq)]
pub struct Route {
    pub points: Vec<(f64, f64)>,
    /// Index into [`Layout::boxes`] of the label, drawn between `points[label_at - 1]` and
    /// `points[label_at]`.
    pub label: Option<(usize, usize)>,
    /// A jump (`goto`, how customers leave at any time): drawn dashed.
    pub jump: bool,
}

/// A stage's frame and title.
#[derive(Clone, Debug, PartialEq)]
pub struct Band {
    pub title: String,
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub boxes: Vec<Placed>,
    pub routes: Vec<Route>,
    pub bands: Vec<Band>,
}

/// `s` cut to `max` characters, with `…` when cut.
pub fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

#[derive(Clone, Copy, PartialEq)]
enum VKind {
    /// Index into the graph's nodes (see `Flat`).
    Real(usize),
    /// The label of edge `e`.
    Label(usize),
    Dummy,
}

struct Vertex {
    kind: VKind,
    w: f64,
    h: f64,
    layer: usize,
    /// The stage band it is drawn in (for the frame), if any.
    stage: Option<usize>,
    x: f64,
}

/// The graph's nodes in processing order: the trigger, goals and exits, stage nodes in
/// source order, then the other outer nodes (`completed`).
struct Flat<'g> {
    nodes: Vec<(&'g super::graph::GraphNode, Option<usize>)>,
}

fn flatten(g: &Graph) -> Flat<'_> {
    let mut nodes = Vec::new();
    // The outer nodes other than the trigger and `completed`: goals and `exit on` criteria.
    let leaves = |n: &&super::graph::GraphNode| n.id != "completed";
    if let Some(start) = g.outer.first() {
        nodes.push((start, None));
    }
    for n in g.outer.iter().skip(1).filter(leaves) {
        nodes.push((n, None));
    }
    for (k, c) in g.clusters.iter().enumerate() {
        for n in &c.nodes {
            nodes.push((n, Some(k)));
        }
    }
    for n in g.outer.iter().skip(1).filter(|n| !leaves(n)) {
        nodes.push((n, None));
    }
    Flat { nodes }
}

fn node_size(label: &str, shape: Shape, note: Option<&str>) -> (f64, f64) {
    let chars = label.chars().count().min(NODE_CHARS) as f64;
    let note_chars = note.map(|n| n.chars().count() as f64).unwrap_or(0.0);
    let text = (chars * NODE_CHAR).max(note_chars * EDGE_CHAR);
    let extra = match shape {
        Shape::Diamond => 36.0,
        Shape::Hexagon => 24.0,
        Shape::Round => 24.0,
        Shape::Box => 18.0,
    };
    let h = if note.is_some() { 42.0 } else { 28.0 };
    (text + extra, h)
}

/// Lays out `g`; `note` gives the line under a node's label (the simulation's counts), by node
/// id.
pub fn layout(g: &Graph, note: &dyn Fn(&str) -> Option<String>) -> Layout {
    let flat = flatten(g);
    let index: std::collections::HashMap<&str, usize> = flat
        .nodes
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.id.as_str(), i))
        .collect();
    let pos_of = |id: &str| index.get(id).copied();
    let mut v: Vec<Vertex> = flat
        .nodes
        .iter()
        .map(|(n, stage)| {
            let nt = note(&n.id);
            let (w, h) = node_size(&n.label, n.shape, nt.as_deref());
            Vertex {
                kind: VKind::Real(0),
                w,
                h,
                layer: 0,
                stage: *stage,
                x: 0.0,
            }
        })
        .collect();
    for (i, vx) in v.iter_mut().enumerate() {
        vx.kind = VKind::Real(i);
    }
    let notes: Vec<Option<String>> = flat.nodes.iter().map(|(n, _)| note(&n.id)).collect();
    // Edges by endpoints in processing order; forward when the target comes later.
    let edges: Vec<(usize, usize, usize)> = g
        .edges
        .iter()
        .enumerate()
        .filter_map(|(e, ed)| Some((e, pos_of(&ed.from)?, pos_of(&ed.to)?)))
        .collect();
    let forward: Vec<&(usize, usize, usize)> = edges.iter().filter(|(_, a, b)| b > a).collect();
    let back: Vec<&(usize, usize, usize)> = edges.iter().filter(|(_, a, b)| b <= a).collect();
    // Forward edges into and out of each node, so layering is linear in the edges.
    let mut into: Vec<Vec<(usize, usize)>> = vec![Vec::new(); flat.nodes.len()];
    let mut out_of: Vec<Vec<usize>> = vec![Vec::new(); flat.nodes.len()];
    for (e, a, b) in &forward {
        into[*b].push((*e, *a));
        out_of[*a].push(*e);
    }

    // 1. Layers, in processing order (every forward edge's source comes first).
    let mut label_of: Vec<Option<usize>> = vec![None; g.edges.len()];
    let mut max_used = 0usize;
    let mut current_stage: Option<usize> = None;
    let mut band_min = 0usize;
    for i in 0..flat.nodes.len() {
        let stage = flat.nodes[i].1;
        if stage != current_stage || (stage.is_none() && i > 0) {
            if stage.is_some() || current_stage.is_some() {
                band_min = max_used + 1;
            }
            current_stage = stage;
        }
        let mut layer = if i == 0 { 0 } else { band_min.max(1) };
        for (e, a) in &into[i] {
            let from = match label_of[*e] {
                Some(l) => v[l].layer,
                None => v[*a].layer,
            };
            layer = layer.max(from + 1);
        }
        // Goals and exits sit together right under the trigger and its labels.
        if stage.is_none() && i > 0 && flat.nodes[i].0.id != "completed" {
            layer = layer.max(2);
        }
        v[i].layer = layer;
        max_used = max_used.max(layer);
        // The labels of the edges out of this node, one layer down.
        for e in &out_of[i] {
            if let Some(text) = &g.edges[*e].label {
                let chars = text.chars().count().min(EDGE_CHARS) as f64;
                v.push(Vertex {
                    kind: VKind::Label(*e),
                    w: chars * EDGE_CHAR + 8.0,
                    h: 16.0,
                    layer: layer + 1,
                    stage,
                    x: 0.0,
                });
                label_of[*e] = Some(v.len() - 1);
                max_used = max_used.max(layer + 1);
            }
        }
    }
    // Chains of vertices, one per forward edge, with a dummy in every layer crossed.
    let mut chains: Vec<(usize, Vec<usize>)> = Vec::new();
    for (e, a, b) in &forward {
        let mut chain = vec![*a];
        if let Some(l) = label_of[*e] {
            chain.push(l);
        }
        let mut at = v[*chain.last().unwrap_or(a)].layer;
        while at + 1 < v[*b].layer {
            at += 1;
            v.push(Vertex {
                kind: VKind::Dummy,
                w: 2.0,
                h: 0.0,
                layer: at,
                stage: None,
                x: 0.0,
            });
            chain.push(v.len() - 1);
        }
        chain.push(*b);
        chains.push((*e, chain));
    }
    let n_layers = v.iter().map(|x| x.layer).max().unwrap_or(0) + 1;
    let mut layers: Vec<Vec<usize>> = vec![Vec::new(); n_layers];
    for (i, x) in v.iter().enumerate() {
        layers[x.layer].push(i);
    }
    let mut up: Vec<Vec<usize>> = vec![Vec::new(); v.len()];
    let mut down: Vec<Vec<usize>> = vec![Vec::new(); v.len()];
    for (_, chain) in &chains {
        for w in chain.windows(2) {
            down[w[0]].push(w[1]);
            up[w[1]].push(w[0]);
        }
    }

    // 2. Order: barycentre sweeps.
    let mut pos = vec![0.0f64; v.len()];
    let set_pos = |layers: &Vec<Vec<usize>>, pos: &mut Vec<f64>| {
        for l in layers {
            for (k, i) in l.iter().enumerate() {
                pos[*i] = k as f64;
            }
        }
    };
    set_pos(&layers, &mut pos);
    for _ in 0..4 {
        for dir in [true, false] {
            let range: Vec<usize> = if dir {
                (1..n_layers).collect()
            } else {
                (0..n_layers.saturating_sub(1)).rev().collect()
            };
            for l in range {
                let nb = if dir { &up } else { &down };
                let mut keyed: Vec<(f64, usize)> = layers[l]
                    .iter()
                    .map(|i| {
                        let ns = &nb[*i];
                        let key = if ns.is_empty() {
                            pos[*i]
                        } else {
                            ns.iter().map(|n| pos[*n]).sum::<f64>() / ns.len() as f64
                        };
                        (key, *i)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
                layers[l] = keyed.into_iter().map(|(_, i)| i).collect();
                for (k, i) in layers[l].iter().enumerate() {
                    pos[*i] = k as f64;
                }
            }
        }
    }

    // 3. Positions.
    for l in &layers {
        let mut x = 0.0;
        for i in l {
            v[*i].x = x + v[*i].w / 2.0;
            x += v[*i].w + GAP;
        }
    }
    for _ in 0..8 {
        for dir in [true, false] {
            let range: Vec<usize> = if dir {
                (1..n_layers).collect()
            } else {
                (0..n_layers.saturating_sub(1)).rev().collect()
            };
            for l in range {
                let nb = if dir { &up } else { &down };
                let desired: Vec<f64> = layers[l]
                    .iter()
                    .map(|i| {
                        let ns = &nb[*i];
                        if ns.is_empty() {
                            v[*i].x
                        } else {
                            ns.iter().map(|n| v[*n].x).sum::<f64>() / ns.len() as f64
                        }
                    })
                    .collect();
                let placed = place(&layers[l], &desired, &v);
                for (i, x) in layers[l].iter().zip(placed) {
                    v[*i].x = x;
                }
            }
        }
    }
    let min_left = v
        .iter()
        .map(|x| x.x - x.w / 2.0)
        .fold(f64::INFINITY, f64::min);
    let has_bands = !g.clusters.is_empty();
    let shift = MARGIN - min_left + if has_bands { 12.0 } else { 0.0 };
    for x in &mut v {
        x.x += shift;
    }

    // Vertical: each layer as tall as its tallest box, with room for a stage's title above its
    // first layer.
    let stage_of_layer = |l: usize| -> Option<usize> {
        layers[l]
            .iter()
            .filter(|i| v[**i].kind != VKind::Dummy)
            .find_map(|i| v[*i].stage)
    };
    let mut layer_top = vec![0.0; n_layers];
    let mut layer_h = vec![0.0; n_layers];
    let mut y = MARGIN;
    let mut prev: Option<usize> = None;
    for l in 0..n_layers {
        let st = stage_of_layer(l);
        if st != prev {
            if prev.is_some() {
                y += 10.0;
            }
            if st.is_some() {
                y += TITLE;
            }
        }
        prev = st;
        layer_top[l] = y;
        layer_h[l] = layers[l]
            .iter()
            .map(|i| v[*i].h)
            .fold(0.0, f64::max)
            .max(6.0);
        y += layer_h[l] + VGAP;
    }
    let mut height = y - VGAP + MARGIN;

    let mut boxes = Vec::new();
    let mut box_of = vec![usize::MAX; v.len()];
    for (i, x) in v.iter().enumerate() {
        let (kind, label) = match x.kind {
            VKind::Real(n) => {
                let node = flat.nodes[n].0;
                (
                    BoxKind::Node {
                        id: node.id.clone(),
                        shape: node.shape,
                        note: notes[n].clone(),
                    },
                    node.label.clone(),
                )
            }
            VKind::Label(e) => (
                BoxKind::EdgeLabel,
                g.edges[e].label.clone().unwrap_or_default(),
            ),
            VKind::Dummy => continue,
        };
        box_of[i] = boxes.len();
        boxes.push(Placed {
            kind,
            label,
            x: x.x,
            top: layer_top[x.layer],
            w: x.w,
            h: x.h,
        });
    }

    let mut width = v.iter().map(|x| x.x + x.w / 2.0).fold(0.0, f64::max);
    // Stage frames.
    let mut bands = Vec::new();
    for (k, c) in g.clusters.iter().enumerate() {
        let members: Vec<&Vertex> = v
            .iter()
            .filter(|x| x.stage == Some(k) && x.kind != VKind::Dummy)
            .collect();
        if members.is_empty() {
            continue;
        }
        let left = members
            .iter()
            .map(|x| x.x - x.w / 2.0)
            .fold(f64::INFINITY, f64::min)
            - 10.0;
        let right = members.iter().map(|x| x.x + x.w / 2.0).fold(0.0, f64::max) + 10.0;
        let top = members
            .iter()
            .map(|x| layer_top[x.layer])
            .fold(f64::INFINITY, f64::min)
            - TITLE
            + 4.0;
        let bottom = members
            .iter()
            .map(|x| layer_top[x.layer] + x.h)
            .fold(0.0, f64::max)
            + 8.0;
        let title_w = c.title.chars().count().min(NODE_CHARS) as f64 * NODE_CHAR + 16.0;
        let w = (right - left).max(title_w);
        width = width.max(left + w);
        bands.push(Band {
            title: c.title.clone(),
            x: left,
            y: top,
            w,
            h: bottom - top,
        });
    }

    let mut routes = Vec::new();
    for (e, chain) in &chains {
        let mut points = Vec::new();
        let mut label = None;
        for (k, i) in chain.iter().enumerate() {
            let x = &v[*i];
            let top = layer_top[x.layer];
            match x.kind {
                VKind::Dummy => {
                    points.push((x.x, top));
                    points.push((x.x, top + layer_h[x.layer]));
                }
                VKind::Label(_) => {
                    points.push((x.x, top));
                    label = Some((box_of[*i], points.len()));
                    points.push((x.x, top + x.h));
                }
                VKind::Real(_) if k == 0 => {
                    points.push((x.x, top + x.h));
                    if x.h < layer_h[x.layer] {
                        points.push((x.x, top + layer_h[x.layer]));
                    }
                }
                VKind::Real(_) => points.push((x.x, top)),
            }
        }
        routes.push(Route {
            points,
            label,
            jump: g.edges[*e].jump,
        });
    }
    // Back edges: out of the source's right side, up a lane on the right, into the target's
    // right side.
    let base = width + 14.0;
    for (k, (e, a, b)) in back.iter().enumerate() {
        let (s, t) = (&v[*a], &v[*b]);
        let lane = base + 12.0 * k as f64;
        let sy = layer_top[s.layer] + s.h / 2.0;
        let ty = layer_top[t.layer] + t.h / 2.0;
        routes.push(Route {
            points: vec![
                (s.x + s.w / 2.0, sy),
                (lane, sy),
                (lane, ty),
                (t.x + t.w / 2.0, ty),
            ],
            label: None,
            jump: g.edges[*e].jump,
        });
        width = width.max(lane);
    }
    height = height.max(MARGIN);
    Layout {
        width: (width + MARGIN).ceil(),
        height: height.ceil(),
        boxes,
        routes,
        bands,
    }
}

/// Positions for the boxes of one layer, in their order, as near as possible (least squares) to
/// `desired` while keeping a gap between neighbours: the pool-adjacent-violators algorithm on
/// the positions minus their minimum offsets.
fn place(order: &[usize], desired: &[f64], v: &[Vertex]) -> Vec<f64> {
    let mut offset = Vec::with_capacity(order.len());
    let mut acc = 0.0;
    for (k, i) in order.iter().enumerate() {
        if k > 0 {
            let p = &v[order[k - 1]];
            let gap = if p.kind == VKind::Dummy || v[*i].kind == VKind::Dummy {
                DUMMY_GAP
            } else {
                GAP
            };
            acc += (p.w + v[*i].w) / 2.0 + gap;
        }
        offset.push(acc);
    }
    // Blocks of (sum of targets, count).
    let mut blocks: Vec<(f64, usize)> = Vec::new();
    for (k, d) in desired.iter().enumerate() {
        blocks.push((d - offset[k], 1));
        while blocks.len() > 1 {
            let n = blocks.len();
            let (s1, c1) = blocks[n - 2];
            let (s2, c2) = blocks[n - 1];
            if s1 / c1 as f64 > s2 / c2 as f64 {
                blocks.truncate(n - 2);
                blocks.push((s1 + s2, c1 + c2));
            } else {
                break;
            }
        }
    }
    let mut out = Vec::with_capacity(order.len());
    for (s, c) in blocks {
        for _ in 0..c {
            let k = out.len();
            out.push(s / c as f64 + offset[k]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placing_keeps_the_gap_and_the_order() {
        let v: Vec<Vertex> = (0..3)
            .map(|_| Vertex {
                kind: VKind::Real(0),
                w: 10.0,
                h: 10.0,
                layer: 0,
                stage: None,
                x: 0.0,
            })
            .collect();
        // All three want the same place: they spread around it.
        let x = place(&[0, 1, 2], &[100.0, 100.0, 100.0], &v);
        assert!((x[1] - 100.0).abs() < 1e-9, "{x:?}");
        assert!((x[1] - x[0] - (10.0 + GAP)).abs() < 1e-9);
        assert!((x[2] - x[1] - (10.0 + GAP)).abs() < 1e-9);
        // Far apart: each where it wants.
        let x = place(&[0, 1, 2], &[0.0, 200.0, 400.0], &v);
        assert_eq!(x, vec![0.0, 200.0, 400.0]);
    }

    #[test]
    fn cut_marks_what_it_cut() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("abcdefghij", 5), "abcd…");
    }
}
