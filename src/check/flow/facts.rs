//! What must be true when a message goes out: a touchpoint's `requires` events have happened
//! (E0304, the "patio table" check) and a channel's consent attribute is known true (E0305).
//!
//! Both are "on every path" properties, checked as their opposite: a search for one path from
//! the start to the send on which the fact was never established. That is the same answer a
//! must-dataflow (intersection at merges) gives, and it yields the offending path to show.

use super::graph::{EdgeKind, Graph, NodeKind};
use super::path::{describe, Search};
use super::{text, Ctx};
use crate::check::model::Type;
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{BinOp, Expr, ExprKind, Literal, UnOp};
use std::collections::BTreeSet;

/// E0304: every `send T` where `T` requires `E` is preceded, on every path, by `E` arriving;
/// for `requires E where COND`, by `E` arriving through a `where` that says `COND` (the same
/// condition, or a conjunction holding it: docs/semantics.md, "`requires E where COND`").
pub fn requires(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let trigger = cx.journey.trigger();
    // Each distinct requirement: the event and the condition's text ("" for none).
    let mut wanted: BTreeSet<(&str, String)> = BTreeSet::new();
    for (n, node) in g.nodes.iter().enumerate() {
        if let (true, NodeKind::Send(t)) = (reachable[n], node.kind) {
            if let Some(tp) = cx.model.touchpoints.get(&t.name) {
                for (k, e) in tp.requires.iter().enumerate() {
                    let cond = tp.requires_where.get(k).and_then(Option::as_ref);
                    wanted.insert((e.as_str(), cond.map(text::expr).unwrap_or_default()));
                }
            }
        }
    }
    for (event, cond) in wanted {
        // The trigger event happened before the first step, on every path (through the
        // trigger's `where`).
        if trigger.is_some_and(|t| t.event.name == event && implies(t.condition.as_ref(), &cond)) {
            continue;
        }
        // Search for paths on which `event` has not arrived (with `cond`): never take a wait's
        // event edge that establishes it.
        let search = Search::run(g, (g.start, ()), |n, i, ()| {
            let blocked = match (g.nodes[n].kind, g.nodes[n].succ[i].kind) {
                (NodeKind::Wait(w), EdgeKind::Event) => {
                    w.event.name == event && implies(w.condition.as_ref(), &cond)
                }
                (NodeKind::WaitAny(w), EdgeKind::On(k)) => w
                    .branches
                    .get(k)
                    .is_some_and(|b| b.event.name == event && implies(b.condition.as_ref(), &cond)),
                _ => false,
            };
            (!blocked).then_some(())
        });
        for (n, node) in g.nodes.iter().enumerate() {
            let NodeKind::Send(t) = node.kind else {
                continue;
            };
            let Some(tp) = cx.model.touchpoints.get(&t.name) else {
                continue;
            };
            let Some(k) = tp.requires.iter().enumerate().position(|(k, r)| {
                r == event
                    && tp
                        .requires_where
                        .get(k)
                        .and_then(Option::as_ref)
                        .map(text::expr)
                        .unwrap_or_default()
                        == cond
            }) else {
                continue;
            };
            if !search.reached(n, ()) {
                continue;
            }
            let path = describe(g, &search.path_to(n, ()), |_| false);
            let what = if cond.is_empty() {
                format!("`{event}`")
            } else {
                format!("`{event}` where `{cond}`")
            };
            let mut d = Diagnostic::error(
                codes::REQUIRES_NOT_MET,
                cx.file,
                format!("`{}` may be sent before {what} has happened", t.name),
            )
            .label(
                node.span,
                format!("{what} may not have happened yet on this path"),
            );
            if let Some(span) = tp.requires_spans.get(k) {
                d = d.label_in(
                    tp.origin.file,
                    *span,
                    format!("`{}` requires {what}", t.name),
                );
            }
            let help = if cond.is_empty() {
                format!(
                    "send it only inside `wait {event} up to D {{ ... }}`, the block that runs when `{event}` arrives, or after such a block on every path"
                )
            } else {
                format!(
                    "send it only inside `wait {event} where {cond} up to D {{ ... }}` (a `where` that says `{cond}`, alone or joined with `and`), or after such a block on every path: a wait whose `where` says something else does not prove it"
                )
            };
            cx.sink.push(d.help(help).note(format!("path: {path}")));
        }
    }
}

/// Whether a `where` (`have`) proves the condition written as `want` (its text; "" for none):
/// it is the same condition, or a conjunction (`and`) one of whose parts is.
fn implies(have: Option<&Expr>, want: &str) -> bool {
    if want.is_empty() {
        return true;
    }
    let Some(have) = have else { return false };
    if text::expr(have) == want {
        return true;
    }
    match &have.kind {
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => implies(Some(lhs), want) || implies(Some(rhs), want),
        _ => false,
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

/// What a path has made certain, for searches that must not report paths no customer can take
/// (W0402, W0407): touchpoints sent on the path, so `sent(T)` is true after `send T`, and
/// attribute values a `set ATTR = VALUE` fixed, so a condition read right after it is decided.
///
/// A `set` fact lasts until time may pass ([`lets_time_pass`]): an `identify` may change the
/// attribute meanwhile, but not between two instantaneous steps. A sent fact lasts for the
/// rest of the path (it is the same entry). Only sends that surely go out are facts: transactional
/// ones, ones on a channel without consent or caps, and the sends the search counts (its
/// premise is that they go out). Which arm of an `if` a path may take then follows: an arm
/// whose condition the facts make false, or one after an arm they make true, is never taken.
/// Everything not known stays possible, so the searches still find every path that can happen.
pub struct PathFacts<'a> {
    /// Touchpoints some condition reads with `sent(T)` (at most 64), by bit.
    sent: Vec<&'a str>,
    /// Attributes some condition reads and some `set` assigns a constant (at most 8).
    attrs: Vec<&'a str>,
    /// The constants those `set`s assign; a fact is an index into this, plus one.
    values: Vec<Const<'a>>,
    /// Per node: the bit its `send` sets, if it surely goes out.
    sure_send: Vec<Option<u32>>,
    /// Per node: the attribute slot its `set` assigns and the fact it leaves (0: not known).
    set: Vec<Option<(usize, u8)>>,
    /// Per node: whether time may pass there (a wait, or a send quiet hours may hold).
    holds: Vec<bool>,
    /// The `sent` bits of touchpoints that go out whatever the search's premise (transactional,
    /// or on a channel without consent or caps).
    always_sent: u64,
    /// Per node: the facts that hold on arrival there on every path from the journey's start.
    arrival: Vec<Known>,
    model: &'a crate::check::model::Model,
}

/// The facts at one point of a path (compact, ordered, to be part of a search state).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Known {
    sent: u64,
    attrs: [u8; 8],
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Const<'a> {
    Lit(&'a Literal),
    /// An enum value, by name.
    Name(&'a str),
}

impl<'a> PathFacts<'a> {
    /// The facts worth tracking in `g`; `counted(n)` says which sends the search counts.
    pub fn new(
        model: &'a crate::check::model::Model,
        g: &Graph<'a>,
        counted: impl Fn(usize) -> bool,
    ) -> Self {
        let mut read_sent: BTreeSet<&'a str> = BTreeSet::new();
        let mut read_attrs: BTreeSet<&'a str> = BTreeSet::new();
        for node in &g.nodes {
            if let NodeKind::If(i) = node.kind {
                for (c, _) in &i.branches {
                    reads(c, &mut read_sent, &mut read_attrs);
                }
            }
        }
        let sent: Vec<&str> = read_sent.into_iter().take(64).collect();
        let mut attrs: Vec<&str> = Vec::new();
        let mut values: Vec<Const> = Vec::new();
        for node in &g.nodes {
            if let NodeKind::Set { attr, value } = node.kind {
                let Some(v) = constant(model, value) else {
                    continue;
                };
                if !read_attrs.contains(attr.name.as_str()) {
                    continue;
                }
                if !attrs.contains(&attr.name.as_str()) && attrs.len() < 8 {
                    attrs.push(attr.name.as_str());
                }
                if !values.contains(&v) && values.len() < 255 {
                    values.push(v);
                }
            }
        }
        let sure_send = g
            .nodes
            .iter()
            .enumerate()
            .map(|(n, node)| {
                let NodeKind::Send(t) = node.kind else {
                    return None;
                };
                let bit = sent.iter().position(|s| *s == t.name)?;
                let tp = model.touchpoints.get(&t.name)?;
                let plain = model
                    .channels
                    .get(&tp.channel)
                    .is_some_and(|c| c.caps.is_empty() && c.consent.is_none());
                (tp.transactional || plain || counted(n)).then_some(bit as u32)
            })
            .collect();
        let set = g
            .nodes
            .iter()
            .map(|node| {
                let NodeKind::Set { attr, value } = node.kind else {
                    return None;
                };
                let slot = attrs.iter().position(|a| *a == attr.name)?;
                let v = constant(model, value)
                    .and_then(|v| values.iter().position(|x| *x == v))
                    .map_or(0, |p| p as u8 + 1);
                Some((slot, v))
            })
            .collect();
        let holds = (0..g.nodes.len())
            .map(|n| lets_time_pass(model, g, n))
            .collect();
        let always_sent = sent
            .iter()
            .enumerate()
            .filter(|(_, t)| {
                model.touchpoints.get(**t).is_some_and(|tp| {
                    tp.transactional
                        || model
                            .channels
                            .get(&tp.channel)
                            .is_some_and(|c| c.caps.is_empty() && c.consent.is_none())
                })
            })
            .fold(0u64, |m, (bit, _)| m | 1 << bit);
        let mut facts = PathFacts {
            sent,
            attrs,
            values,
            sure_send,
            set,
            holds,
            always_sent,
            arrival: Vec::new(),
            model,
        };
        facts.arrival = facts.must_on_arrival(g);
        facts
    }

    /// The facts on arrival at each node that every path from the start gives it (a forward
    /// must-analysis: at a merge, only the facts both sides agree on). Before the window a
    /// search starts at, its premise that counted sends go out does not hold: only
    /// `always_sent` sends count as sent. Nodes no path reaches get no facts.
    fn must_on_arrival(&self, g: &Graph) -> Vec<Known> {
        let mut arrival: Vec<Option<Known>> = vec![None; g.nodes.len()];
        let Some(first) = arrival.get_mut(g.start) else {
            return Vec::new();
        };
        *first = Some(Known::default());
        let mut queue = std::collections::VecDeque::from([g.start]);
        while let Some(n) = queue.pop_front() {
            let Some(k) = arrival[n] else { continue };
            let mut k = self.at(n, k);
            k.sent &= self.always_sent;
            for (i, e) in g.nodes[n].succ.iter().enumerate() {
                let Some(next) = self.step(g, n, i, k) else {
                    continue;
                };
                let merged = match arrival[e.to] {
                    None => next,
                    Some(old) => Known {
                        sent: old.sent & next.sent,
                        attrs: std::array::from_fn(|a| {
                            if old.attrs[a] == next.attrs[a] {
                                old.attrs[a]
                            } else {
                                0
                            }
                        }),
                    },
                };
                if arrival[e.to] != Some(merged) {
                    arrival[e.to] = Some(merged);
                    queue.push_back(e.to);
                }
            }
        }
        arrival.into_iter().map(Option::unwrap_or_default).collect()
    }

    /// The facts a search starting at `n` begins with: those on arrival there, and its send.
    pub fn start(&self, n: usize) -> Known {
        self.at(n, self.arrival.get(n).copied().unwrap_or_default())
    }

    /// The facts once the customer is at `n` (a send there counts as done).
    pub fn at(&self, n: usize, k: Known) -> Known {
        let mut k = k;
        if let Some(bit) = self.sure_send.get(n).copied().flatten() {
            k.sent |= 1 << bit;
        }
        k
    }

    /// The facts after leaving `n` by edge `i`, or `None` when the facts rule that edge out.
    pub fn step(&self, g: &Graph, n: usize, i: usize, k: Known) -> Option<Known> {
        let node = &g.nodes[n];
        let mut k = k;
        match (node.kind, node.succ.get(i).map(|e| e.kind)) {
            (NodeKind::Set { .. }, _) => {
                if let Some((slot, v)) = self.set.get(n).copied().flatten() {
                    k.attrs[slot] = v;
                }
            }
            (NodeKind::If(ifs), Some(EdgeKind::Arm(arm))) => {
                for (j, (c, _)) in ifs.branches.iter().enumerate().take(arm + 1) {
                    let want = j == arm;
                    if self.eval(c, k) == Some(!want) {
                        return None;
                    }
                }
            }
            (NodeKind::If(ifs), Some(EdgeKind::Otherwise))
                if ifs
                    .branches
                    .iter()
                    .any(|(c, _)| self.eval(c, k) == Some(true)) =>
            {
                return None;
            }
            _ => {}
        }
        if self.holds.get(n).copied().unwrap_or(false) {
            k.attrs = [0; 8];
        }
        Some(self.at(node.succ.get(i)?.to, k))
    }

    /// `e` under the facts: `Some` when they decide it.
    fn eval(&self, e: &Expr, k: Known) -> Option<bool> {
        super::logic::decide(e, &|x| self.part(x, k))
    }

    /// A part of a condition (not a literal, `not`, `and` or `or`) under the facts.
    fn part(&self, e: &Expr, k: Known) -> Option<bool> {
        match &e.kind {
            ExprKind::Call { func, arg, .. } if func.name == "sent" => {
                let bit = self.sent.iter().position(|s| *s == arg.name)?;
                (k.sent & (1 << bit) != 0).then_some(true)
            }
            ExprKind::Name(a) => match self.value(a, k)? {
                Const::Lit(Literal::Bool(b)) => Some(*b),
                _ => None,
            },
            ExprKind::Binary {
                op: op @ (BinOp::Eq | BinOp::Ne),
                lhs,
                rhs,
            } => {
                let (name, other) = match (&lhs.kind, &rhs.kind) {
                    (ExprKind::Name(a), _) if self.attrs.contains(&a.as_str()) => (a, rhs),
                    (_, ExprKind::Name(a)) => (a, lhs),
                    _ => return None,
                };
                let known = self.value(name, k)?;
                let same = same_const(known, constant(self.model, other)?)?;
                Some(same == (*op == BinOp::Eq))
            }
            // `ATTR in [A, B]`: true when the known value is one of them, false when it is
            // none of them (every element a constant of its kind).
            ExprKind::In { expr, list } => {
                let ExprKind::Name(a) = &expr.kind else {
                    return None;
                };
                let known = self.value(a, k)?;
                let mut found = false;
                for x in list {
                    found |= same_const(known, constant(self.model, x)?)?;
                }
                Some(found)
            }
            _ => None,
        }
    }

    fn value(&self, attr: &str, k: Known) -> Option<Const<'a>> {
        let slot = self.attrs.iter().position(|a| *a == attr)?;
        let v = k.attrs[slot];
        (v > 0).then(|| self.values.get(usize::from(v) - 1).copied())?
    }
}

/// Whether an `identify` may come between step `n` and the next, changing any attribute: a wait
/// of any kind (`wait until` too, which may wait, though it gives no time for a cap's window),
/// or a send quiet hours may hold. What a path knows of attributes ends there.
pub fn lets_time_pass(model: &crate::check::model::Model, g: &Graph, n: usize) -> bool {
    match g.nodes[n].kind {
        NodeKind::WaitUntil(_) => true,
        _ if g.passes_time(n) => true,
        NodeKind::Send(t) => model
            .touchpoints
            .get(&t.name)
            .filter(|tp| !tp.transactional)
            .and_then(|tp| model.channels.get(&tp.channel))
            .is_some_and(|c| c.quiet.is_some()),
        _ => false,
    }
}

/// Whether two constants are the same value; `None` when they are of different kinds (the
/// checker reports those comparisons; here they decide nothing).
fn same_const(a: Const<'_>, b: Const<'_>) -> Option<bool> {
    match (a, b) {
        (Const::Lit(a), Const::Lit(b)) => {
            (std::mem::discriminant(a) == std::mem::discriminant(b)).then(|| a == b)
        }
        (Const::Name(a), Const::Name(b)) => Some(a == b),
        _ => None,
    }
}

/// The touchpoints a condition reads with `sent(T)`, and the attributes it reads.
fn reads<'a>(e: &'a Expr, sent: &mut BTreeSet<&'a str>, attrs: &mut BTreeSet<&'a str>) {
    match &e.kind {
        ExprKind::Call { func, arg, .. } if func.name == "sent" => {
            sent.insert(arg.name.as_str());
        }
        ExprKind::Name(a) => {
            attrs.insert(a.as_str());
        }
        ExprKind::Unary { expr, .. } => reads(expr, sent, attrs),
        ExprKind::Binary { lhs, rhs, .. } => {
            reads(lhs, sent, attrs);
            reads(rhs, sent, attrs);
        }
        ExprKind::In { expr, list } => {
            reads(expr, sent, attrs);
            for x in list {
                reads(x, sent, attrs);
            }
        }
        _ => {}
    }
}

/// The constant `e` is, when it is a literal or an enum value (a name that is no attribute).
fn constant<'a>(model: &crate::check::model::Model, e: &'a Expr) -> Option<Const<'a>> {
    match &e.kind {
        ExprKind::Lit(l) => Some(Const::Lit(l)),
        ExprKind::Name(n) if model.attr_type(n).is_none() => Some(Const::Name(n.as_str())),
        _ => None,
    }
}
