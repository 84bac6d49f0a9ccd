//! What must be true when a message goes out: a touchpoint's `requires` events have happened
//! (E0304, the "patio table" check) and a channel's consent attribute is known true (E0305).
//!
//! Both are "on every path" properties, checked as their opposite: a search for one path from
//! the start to the send on which the fact was never established. That is the same answer a
//! must-dataflow (intersection at merges) gives, and it yields the offending path to show.

use super::graph::{EdgeKind, Graph, NodeKind};
use super::path::{describe, Search};
use super::Ctx;
use crate::check::model::Type;
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Literal, UnOp};
use std::collections::BTreeSet;

/// E0304: every `send T` where `T` requires `E` is preceded, on every path, by `E` arriving.
pub fn requires(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let trigger = cx.journey.trigger().map(|t| t.event.name.as_str());
    let mut events: BTreeSet<&str> = BTreeSet::new();
    for (n, node) in g.nodes.iter().enumerate() {
        if let (true, NodeKind::Send(t)) = (reachable[n], node.kind) {
            if let Some(tp) = cx.model.touchpoints.get(&t.name) {
                events.extend(tp.requires.iter().map(String::as_str));
            }
        }
    }
    for event in events {
        // The trigger event happened before the first step, on every path.
        if Some(event) == trigger {
            continue;
        }
        // Search for paths on which `event` has not arrived: never take a wait's event edge for it.
        let search = Search::run(g, (g.start, ()), |n, i, ()| {
            let blocked = matches!(
                (g.nodes[n].kind, g.nodes[n].succ[i].kind),
                (NodeKind::Wait(w), EdgeKind::Event) if w.event.name == event
            ) || matches!(
                (g.nodes[n].kind, g.nodes[n].succ[i].kind),
                (NodeKind::WaitAny(w), EdgeKind::On(k))
                    if w.branches.get(k).is_some_and(|b| b.event.name == event)
            );
            (!blocked).then_some(())
        });
        for (n, node) in g.nodes.iter().enumerate() {
            let NodeKind::Send(t) = node.kind else {
                continue;
            };
            let Some(tp) = cx.model.touchpoints.get(&t.name) else {
                continue;
            };
            let Some(k) = tp.requires.iter().position(|r| r == event) else {
                continue;
            };
            if !search.reached(n, ()) {
                continue;
            }
            let path = describe(g, &search.path_to(n, ()), |_| false);
            let mut d = Diagnostic::error(
                codes::REQUIRES_NOT_MET,
                cx.file,
                format!("`{}` may be sent before `{event}` has happened", t.name),
            )
            .label(
                node.span,
                format!("`{event}` may not have happened yet on this path"),
            );
            if let Some(span) = tp.requires_spans.get(k) {
                d = d.label_in(
                    tp.origin.file,
                    *span,
                    format!("`{}` requires `{event}`", t.name),
                );
            }
            cx.sink.push(
                d.help(format!(
                    "send it only inside `wait {event} up to D {{ ... }}`, the block that runs when `{event}` arrives, or after such a block on every path"
                ))
                .note(format!("path: {path}")),
            );
        }
    }
}

/// E0305: a send on a channel with `consent ATTR` happens only where `ATTR` is known true: the
/// trigger's `where`, an `if` arm (or the `else` of `if not ATTR`), a wait's `where` when the event
/// came, or `set ATTR = true` said so, and no `set ATTR = ...` said otherwise since. Time passing
/// does not undo it: as far as a journey can see, attributes change only through `set`.
pub fn consent(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let mut attrs: BTreeSet<&str> = BTreeSet::new();
    for (n, node) in g.nodes.iter().enumerate() {
        if let (true, NodeKind::Send(t)) = (reachable[n], node.kind) {
            // A transactional touchpoint needs no consent.
            let channel = cx
                .model
                .touchpoints
                .get(&t.name)
                .filter(|tp| !tp.transactional)
                .and_then(|tp| cx.model.channels.get(&tp.channel));
            if let Some(attr) = channel.and_then(|c| c.consent.as_deref()) {
                attrs.insert(attr);
            }
        }
    }
    let model = cx.model;
    let at_entry: BTreeSet<&str> = cx
        .journey
        .trigger()
        .and_then(|t| t.condition.as_ref())
        .map(|c| known_true(c, true, &|a| model.attr_type(a) == Some(&Type::Bool)))
        .unwrap_or_default();
    for attr in attrs {
        let is_bool = |a: &str| model.attr_type(a) == Some(&Type::Bool);
        let search = Search::run(g, (g.start, at_entry.contains(attr)), |n, i, known| {
            let node = &g.nodes[n];
            Some(match (node.kind, node.succ[i].kind) {
                (NodeKind::Set { attr: a, value }, _) if a.name == attr => {
                    matches!(value.kind, ExprKind::Lit(Literal::Bool(true)))
                }
                (NodeKind::If(i), EdgeKind::Arm(k)) => {
                    known
                        || i.branches.iter().enumerate().any(|(j, (c, _))| {
                            j <= k && known_true(c, j == k, &is_bool).contains(attr)
                        })
                }
                (NodeKind::Wait(w), EdgeKind::Event) => {
                    known
                        || w.condition
                            .as_ref()
                            .is_some_and(|c| known_true(c, true, &is_bool).contains(attr))
                }
                (NodeKind::WaitAny(w), EdgeKind::On(k)) => {
                    known
                        || w.branches
                            .get(k)
                            .and_then(|b| b.condition.as_ref())
                            .is_some_and(|c| known_true(c, true, &is_bool).contains(attr))
                }
                (NodeKind::If(i), EdgeKind::Otherwise) => {
                    known
                        || i.branches
                            .iter()
                            .any(|(c, _)| known_true(c, false, &is_bool).contains(attr))
                }
                _ => known,
            })
        });
        for (n, node) in g.nodes.iter().enumerate() {
            let NodeKind::Send(t) = node.kind else {
                continue;
            };
            let Some(tp) = model
                .touchpoints
                .get(&t.name)
                .filter(|tp| !tp.transactional)
            else {
                continue;
            };
            let Some(ch) = model.channels.get(&tp.channel) else {
                continue;
            };
            if ch.consent.as_deref() != Some(attr) || !search.reached(n, false) {
                continue;
            }
            let path = describe(
                g,
                &search.path_to(n, false),
                |m| matches!(g.nodes[m].kind, NodeKind::Set { attr: a, .. } if a.name == attr),
            );
            let mut d = Diagnostic::error(
                codes::CONSENT_NOT_CHECKED,
                cx.file,
                format!(
                    "`{}` goes out on `{}` without knowing that `{attr}` is true",
                    t.name, ch.name
                ),
            )
            .label(node.span, format!("`{attr}` may be false here"));
            if let Some(span) = ch.consent_span {
                d = d.label_in(
                    ch.origin.file,
                    span,
                    format!("channel `{}` needs `{attr}`", ch.name),
                );
            }
            // When the trigger already requires consent, only a `set` on the path can have lost
            // it: suggesting `where ATTR` on the trigger again would be no help.
            let help = if at_entry.contains(attr) {
                format!(
                    "the trigger's `where` makes `{attr}` true at entry, but a `set {attr} = ...` on this path may have made it false: send it inside `if {attr} {{ ... }}` (with an `else` for customers without consent), or send it before that `set`"
                )
            } else {
                format!(
                    "send it inside `if {attr} {{ ... }}` (with an `else` for customers without consent), or start the journey only for them with `where {attr}` on the trigger"
                )
            };
            cx.sink.push(d.help(help).note(format!("path: {path}")));
        }
    }
}

/// The bool attributes known to be true when `e` evaluates to `value`: `a`, `a == true`,
/// `a != false`, `not a` when false, both sides of a true `and`, both sides of a false `or`.
pub fn known_true<'e>(
    e: &'e Expr,
    value: bool,
    is_bool: &dyn Fn(&str) -> bool,
) -> BTreeSet<&'e str> {
    let mut out = BTreeSet::new();
    match &e.kind {
        ExprKind::Name(a) if value && is_bool(a) => {
            out.insert(a.as_str());
        }
        ExprKind::Unary {
            op: UnOp::Not,
            expr,
        } => return known_true(expr, !value, is_bool),
        ExprKind::Binary {
            op: op @ (BinOp::Eq | BinOp::Ne),
            lhs,
            rhs,
        } => {
            let (name, lit) = match (&lhs.kind, &rhs.kind) {
                (ExprKind::Name(a), ExprKind::Lit(Literal::Bool(b)))
                | (ExprKind::Lit(Literal::Bool(b)), ExprKind::Name(a)) => (a, *b),
                _ => return out,
            };
            // `a == b` holding (or `a != b` failing) means a is b.
            let equal = (*op == BinOp::Eq) == value;
            if is_bool(name) && lit == equal {
                out.insert(name.as_str());
            }
        }
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } if value => {
            out.extend(known_true(lhs, true, is_bool));
            out.extend(known_true(rhs, true, is_bool));
        }
        ExprKind::Binary {
            op: BinOp::Or,
            lhs,
            rhs,
        } => {
            let l = known_true(lhs, value, is_bool);
            let r = known_true(rhs, value, is_bool);
            if value {
                // Either side may be the one that held: only what both guarantee.
                out.extend(l.intersection(&r).copied());
            } else {
                out.extend(l);
                out.extend(r);
            }
        }
        _ => {}
    }
    out
}
