//! W0406: an `if` condition that is the same for every customer who reaches it. A literal
//! (`if false`, `if vip and false`) is one; so is a condition that what is known on every path
//! to it already decides: the trigger's `where`, the arm of an enclosing `if`, an earlier
//! `else if` that catches the same customers first, a wait's `where`, or a `set`.
//!
//! A forward must-analysis over the graph: per node, for each attribute, the values it may have
//! on arrival there, joined at merges. Taking an arm narrows the attributes its condition reads
//! (and the arms before it, which did not hold); `set ATTR = VALUE` fixes one. Anything that lets
//! time pass (a wait, a send quiet hours may hold) forgets everything, since an `identify` may
//! change any attribute meanwhile, though not between two steps that run at one instant. Only
//! what every path agrees on is kept, so a condition some customer could see either way is never
//! reported.
//!
//! The domains follow the rule for missing values (docs/semantics.md): a comparison with an
//! attribute that is not set is false, and so is a bool attribute that is not set. A condition is
//! therefore always true only where its attributes are known to be set, and always false where no
//! value they may have makes it true.

use super::graph::{EdgeKind, Graph, NodeKind};
use super::Ctx;
use crate::check::model::{Model, Type};
use crate::diagnostics::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::{BinOp, Expr, ExprKind, IfStep, Literal, SectionKind, UnOp};
use std::collections::BTreeMap;

/// W0406 for every `if` a path reaches.
pub fn check(cx: &mut Ctx, g: &Graph, reachable: &[bool]) {
    let an = Analysis { model: cx.model };
    let start = an.start(cx);
    let arrival = an.arrival(g, start);
    for (n, node) in g.nodes.iter().enumerate() {
        let (true, NodeKind::If(ifs), Some(Some(k))) = (reachable[n], node.kind, arrival.get(n))
        else {
            continue;
        };
        report(cx, &an, ifs, k.clone());
    }
}

/// The arms of one `if`, each under what is known once the arms before it did not hold.
fn report(cx: &mut Ctx, an: &Analysis, ifs: &IfStep, known: Known) {
    let mut k = known;
    for (j, (cond, _)) in ifs.branches.iter().enumerate() {
        let Some(v) = an.eval(cond, &k) else {
            match an.assume(cond, false, k) {
                Some(next) => {
                    k = next;
                    continue;
                }
                None => return,
            }
        };
        let (msg, help) = if v {
            let rest = if j + 1 < ifs.branches.len() || ifs.otherwise.is_some() {
                ": the branches after it never run"
            } else {
                ""
            };
            (
                format!("this condition is always true{rest}"),
                "remove the `if` and keep the steps that should always run, or write the condition you meant",
            )
        } else {
            (
                "this condition is always false: its branch never runs".to_string(),
                "remove the branch, or write the condition you meant",
            )
        };
        let mut d = Diagnostic::warning(codes::SHADOWED_BRANCH, cx.file, msg)
            .label(cond.span, format!("always `{v}`"));
        // Where what is known of each attribute it reads was learnt, at most three places.
        let mut why: Vec<((usize, usize), String)> = Vec::new();
        for attr in Analysis::names_read(cond) {
            for w in k.get(&attr).map(|d| d.why.as_slice()).unwrap_or_default() {
                if !why.iter().any(|(x, _)| x == w) {
                    why.push((*w, attr.clone()));
                }
            }
        }
        why.sort();
        for ((start, end), attr) in why.into_iter().take(3) {
            d = d.label(
                Span::new(start, end),
                format!("what `{attr}` can be is narrowed here"),
            );
        }
        cx.sink.push(d.help(help));
        if v {
            return;
        }
    }
}

/// Per attribute, what every path agrees on; an attribute not in the map may be anything.
type Known = BTreeMap<String, Dom>;

/// What is known of one attribute on arrival somewhere.
#[derive(Clone, Debug, PartialEq)]
struct Dom {
    /// It has a value (it is not "not set").
    set: bool,
    vals: Vals,
    /// The conditions and `set`s that narrowed it to `vals` (byte ranges, sorted). Not
    /// [`Span`]s: spans compare equal wherever they were written.
    why: Vec<(usize, usize)>,
}

/// The values an attribute may have, when it has one.
#[derive(Clone, Debug, PartialEq)]
enum Vals {
    /// An enum's values by position, or a bool's (`false` is 0): bit `i` when value `i` may be.
    Finite { possible: u64, count: u32 },
    /// A whole number from `lo` to `hi`.
    Range { lo: i64, hi: i64 },
    /// A string: the one it is, or some it is not.
    Str {
        is: Option<String>,
        not: Vec<String>,
    },
    /// No value: the attribute is not set (or, if it is known to be set, no customer gets
    /// here).
    Nothing,
}

/// A constant an attribute is compared with.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    /// An enum value's position, or a bool (`false` is 0).
    Index(u32),
    Int(i64),
    Str(String),
}

/// What a condition says of one attribute.
#[derive(Clone, Debug)]
enum Pred {
    Cmp(BinOp, Val),
    In(Vec<Val>),
}

impl Pred {
    fn holds(&self, v: &Val) -> bool {
        match self {
            Pred::Cmp(op, c) => {
                let ord = match (v, c) {
                    (Val::Index(a), Val::Index(b)) => a.cmp(b),
                    (Val::Int(a), Val::Int(b)) => a.cmp(b),
                    (Val::Str(a), Val::Str(b)) => a.cmp(b),
                    _ => return false,
                };
                match op {
                    BinOp::Eq => ord.is_eq(),
                    BinOp::Ne => ord.is_ne(),
                    BinOp::Lt => ord.is_lt(),
                    BinOp::Le => ord.is_le(),
                    BinOp::Gt => ord.is_gt(),
                    BinOp::Ge => ord.is_ge(),
                    _ => false,
                }
            }
            Pred::In(list) => list.contains(v),
        }
    }
}

impl Vals {
    /// Whether some value makes `p` true, and whether some value makes it false.
    fn split(&self, p: &Pred) -> (bool, bool) {
        match self {
            Vals::Nothing => (false, false),
            Vals::Finite { possible, count } => {
                let (mut yes, mut no) = (false, false);
                for i in (0..*count).filter(|i| possible & (1 << i) != 0) {
                    if p.holds(&Val::Index(i)) {
                        yes = true;
                    } else {
                        no = true;
                    }
                }
                (yes, no)
            }
            Vals::Range { lo, hi } => {
                let (lo, hi) = (*lo, *hi);
                if lo > hi {
                    return (false, false);
                }
                // A predicate changes its value only next to its constants: the range's ends,
                // the constants and their neighbours inside the range see both sides. (A value
                // an `in` list leaves out is next to a member or is an end.)
                let mut probes = vec![lo, hi];
                let consts: Vec<i64> = match p {
                    Pred::Cmp(_, Val::Int(c)) => vec![*c],
                    Pred::In(list) => list
                        .iter()
                        .filter_map(|v| match v {
                            Val::Int(c) => Some(*c),
                            _ => None,
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                for c in consts {
                    for x in [c.checked_sub(1), Some(c), c.checked_add(1)]
                        .into_iter()
                        .flatten()
                    {
                        if lo <= x && x <= hi {
                            probes.push(x);
                        }
                    }
                }
                let yes = probes.iter().any(|x| p.holds(&Val::Int(*x)));
                let no = probes.iter().any(|x| !p.holds(&Val::Int(*x)));
                (yes, no)
            }
            Vals::Str { is: Some(s), .. } => {
                let h = p.holds(&Val::Str(s.clone()));
                (h, !h)
            }
            Vals::Str { is: None, not } => {
                let excluded = |v: &Val| matches!(v, Val::Str(s) if not.contains(s));
                let yes = match p {
                    Pred::Cmp(BinOp::Eq, v) => !excluded(v),
                    Pred::In(list) => list.iter().any(|v| !excluded(v)),
                    _ => true,
                };
                let no = match p {
                    Pred::Cmp(BinOp::Ne, v) => !excluded(v),
                    _ => true,
                };
                (yes, no)
            }
        }
    }

    /// The values left once `p` is known to be `truth` (possibly none).
    fn narrow(&self, p: &Pred, truth: bool) -> Vals {
        let out = match self {
            Vals::Nothing => Vals::Nothing,
            Vals::Finite { possible, count } => {
                let kept = (0..*count)
                    .filter(|i| possible & (1 << i) != 0 && p.holds(&Val::Index(*i)) == truth)
                    .fold(0u64, |m, i| m | 1 << i);
                Vals::Finite {
                    possible: kept,
                    count: *count,
                }
            }
            Vals::Range { lo, hi } => {
                let (mut lo, mut hi) = (*lo, *hi);
                let cut = |op: BinOp| if truth { Some(op) } else { negate(op) };
                match p {
                    Pred::Cmp(op, Val::Int(c)) => match cut(*op) {
                        Some(BinOp::Eq) => (lo, hi) = (lo.max(*c), hi.min(*c)),
                        Some(BinOp::Lt) => hi = hi.min(c.saturating_sub(1)),
                        Some(BinOp::Le) => hi = hi.min(*c),
                        Some(BinOp::Gt) => lo = lo.max(c.saturating_add(1)),
                        Some(BinOp::Ge) => lo = lo.max(*c),
                        // `!= c`: only an end can be cut off.
                        _ => {
                            if lo == *c {
                                lo = lo.saturating_add(1);
                            } else if hi == *c {
                                hi = hi.saturating_sub(1);
                            }
                        }
                    },
                    Pred::In(list) if truth => {
                        let ints = list.iter().filter_map(|v| match v {
                            Val::Int(c) if lo <= *c && *c <= hi => Some(*c),
                            _ => None,
                        });
                        let (a, b) =
                            ints.fold((i64::MAX, i64::MIN), |(a, b), c| (a.min(c), b.max(c)));
                        (lo, hi) = (a, b);
                    }
                    _ => {}
                }
                Vals::Range { lo, hi }
            }
            Vals::Str { is, not } => match (p, truth) {
                (Pred::Cmp(BinOp::Eq, Val::Str(s)), true)
                | (Pred::Cmp(BinOp::Ne, Val::Str(s)), false) => match is {
                    Some(x) if x != s => Vals::Nothing,
                    _ if not.contains(s) => Vals::Nothing,
                    _ => Vals::Str {
                        is: Some(s.clone()),
                        not: Vec::new(),
                    },
                },
                (Pred::Cmp(BinOp::Ne, Val::Str(s)), true)
                | (Pred::Cmp(BinOp::Eq, Val::Str(s)), false) => match is {
                    Some(x) if x == s => Vals::Nothing,
                    Some(_) => self.clone(),
                    None => {
                        let mut not = not.clone();
                        if !not.contains(s) {
                            not.push(s.clone());
                            not.sort();
                        }
                        Vals::Str { is: None, not }
                    }
                },
                (Pred::In(list), false) => {
                    let mut out = self.clone();
                    for v in list {
                        out = out.narrow(&Pred::Cmp(BinOp::Eq, v.clone()), false);
                    }
                    out
                }
                (Pred::In(list), true) => match list.as_slice() {
                    [one] => self.narrow(&Pred::Cmp(BinOp::Eq, one.clone()), true),
                    _ if self.split(p).0 => self.clone(),
                    _ => Vals::Nothing,
                },
                _ => self.clone(),
            },
        };
        if out.is_empty() {
            Vals::Nothing
        } else {
            out
        }
    }

    fn is_empty(&self) -> bool {
        match self {
            Vals::Nothing => true,
            Vals::Finite { possible, .. } => *possible == 0,
            Vals::Range { lo, hi } => lo > hi,
            Vals::Str { .. } => false,
        }
    }

    /// Values either side may have.
    fn join(&self, other: &Vals) -> Vals {
        match (self, other) {
            (Vals::Nothing, x) | (x, Vals::Nothing) => x.clone(),
            (Vals::Finite { possible: a, count }, Vals::Finite { possible: b, .. }) => {
                Vals::Finite {
                    possible: a | b,
                    count: *count,
                }
            }
            (Vals::Range { lo: a, hi: b }, Vals::Range { lo: c, hi: d }) => Vals::Range {
                lo: *a.min(c),
                hi: *b.max(d),
            },
            (Vals::Str { is: a, not: na }, Vals::Str { is: b, not: nb }) => match (a, b) {
                (Some(x), Some(y)) if x == y => self.clone(),
                (Some(_), Some(_)) => Vals::Str {
                    is: None,
                    not: Vec::new(),
                },
                (Some(x), None) | (None, Some(x)) => {
                    let n = if a.is_none() { na } else { nb };
                    Vals::Str {
                        is: None,
                        not: n.iter().filter(|s| *s != x).cloned().collect(),
                    }
                }
                (None, None) => Vals::Str {
                    is: None,
                    not: na.iter().filter(|s| nb.contains(s)).cloned().collect(),
                },
            },
            (a, _) => a.clone(),
        }
    }
}

/// The comparison that holds when `op` does not (`None` for `==`'s opposite, `!=`, which an
/// interval cannot hold).
fn negate(op: BinOp) -> Option<BinOp> {
    Some(match op {
        BinOp::Ne => BinOp::Eq,
        BinOp::Lt => BinOp::Ge,
        BinOp::Le => BinOp::Gt,
        BinOp::Gt => BinOp::Le,
        BinOp::Ge => BinOp::Lt,
        _ => return None,
    })
}

/// The same comparison read from the other side (`5 < seats` is `seats > 5`).
fn flip(op: BinOp) -> BinOp {
    match op {
        BinOp::Lt => BinOp::Gt,
        BinOp::Le => BinOp::Ge,
        BinOp::Gt => BinOp::Lt,
        BinOp::Ge => BinOp::Le,
        o => o,
    }
}

struct Analysis<'m> {
    model: &'m Model,
}

impl Analysis<'_> {
    /// What holds at the first step: the condition the customer entered by.
    fn start(&self, cx: &Ctx) -> Known {
        let j = cx.journey;
        let cond = j
            .trigger()
            .and_then(|t| t.condition.as_ref())
            .or_else(|| j.schedule().and_then(|s| s.condition.as_ref()))
            .or_else(|| j.when().map(|w| &w.condition));
        match cond {
            Some(c) => self.assume(c, true, Known::new()).unwrap_or_default(),
            None => Known::new(),
        }
    }

    /// Per node, what every path from the start agrees on at arrival (`None`: no path).
    fn arrival(&self, g: &Graph, start: Known) -> Vec<Option<Known>> {
        let mut arrival: Vec<Option<Known>> = vec![None; g.nodes.len()];
        let Some(first) = arrival.get_mut(g.start) else {
            return arrival;
        };
        *first = Some(start);
        let mut queue = std::collections::VecDeque::from([g.start]);
        while let Some(n) = queue.pop_front() {
            let Some(k) = arrival[n].clone() else {
                continue;
            };
            for (i, e) in g.nodes[n].succ.iter().enumerate() {
                let Some(next) = self.step(g, n, i, k.clone()) else {
                    continue;
                };
                let merged = match &arrival[e.to] {
                    None => next,
                    Some(old) => join(old, &next),
                };
                if arrival[e.to].as_ref() != Some(&merged) {
                    arrival[e.to] = Some(merged);
                    queue.push_back(e.to);
                }
            }
        }
        arrival
    }

    /// What is known after leaving `n` by its edge `i`; `None` when no customer can take it.
    fn step(&self, g: &Graph, n: usize, i: usize, k: Known) -> Option<Known> {
        let node = &g.nodes[n];
        let edge = node.succ.get(i)?.kind;
        match (node.kind, edge) {
            (NodeKind::If(ifs), EdgeKind::Arm(arm)) => {
                let mut k = k;
                for (j, (c, _)) in ifs.branches.iter().enumerate().take(arm + 1) {
                    k = self.assume(c, j == arm, k)?;
                }
                Some(k)
            }
            (NodeKind::If(ifs), EdgeKind::Otherwise) => {
                let mut k = k;
                for (c, _) in &ifs.branches {
                    k = self.assume(c, false, k)?;
                }
                Some(k)
            }
            (NodeKind::Set { attr, value }, _) => {
                let mut k = k;
                match self.fixed(&attr.name, value) {
                    Some(d) => {
                        k.insert(attr.name.clone(), d);
                    }
                    None => {
                        k.remove(&attr.name);
                    }
                }
                Some(k)
            }
            // The event came and its `where` held, at the instant the next steps run.
            (NodeKind::Wait(w), EdgeKind::Event) => match &w.condition {
                Some(c) => self.assume(c, true, Known::new()),
                None => Some(Known::new()),
            },
            (NodeKind::WaitAny(w), EdgeKind::On(b)) => {
                match w.branches.get(b).and_then(|b| b.condition.as_ref()) {
                    Some(c) => self.assume(c, true, Known::new()),
                    None => Some(Known::new()),
                }
            }
            // An upgrade section runs only for customers whose attribute has its starting
            // value when they reach it, and is skipped by the others.
            (NodeKind::Enter, EdgeKind::Next | EdgeKind::Skip) => {
                let section = g.sections.get(node.section).map(|s| &s.section.kind);
                let Some(SectionKind::Upgrade { attr, from, .. }) = section else {
                    return Some(k);
                };
                let Some(Type::Enum(ty)) = self.model.attr_type(&attr.name) else {
                    return Some(k);
                };
                let from = (self.model.enum_index(ty, &from.name))
                    .and_then(|i| u32::try_from(i).ok())
                    .map(|i| (i, from.span));
                let Some((i, span)) = from else {
                    return Some(k);
                };
                let p = Pred::Cmp(BinOp::Eq, Val::Index(i));
                let runs = matches!(edge, EdgeKind::Next);
                self.learn(&attr.name, &p, runs, span, k)
            }
            _ if super::facts::lets_time_pass(self.model, g, n) => Some(Known::new()),
            _ => Some(k),
        }
    }

    /// What `set ATTR = VALUE` makes known, when the value is a constant.
    fn fixed(&self, attr: &str, value: &Expr) -> Option<Dom> {
        let v = self.constant(attr, value)?;
        let vals = self.full(attr)?.narrow(&Pred::Cmp(BinOp::Eq, v), true);
        Some(Dom {
            set: true,
            vals,
            why: vec![(value.span.start, value.span.end)],
        })
    }

    /// Every value of the attribute's type, for the types the analysis follows.
    fn full(&self, attr: &str) -> Option<Vals> {
        match self.model.attr_type(attr)? {
            Type::Bool => Some(Vals::Finite {
                possible: 0b11,
                count: 2,
            }),
            Type::Enum(e) => {
                let count = u32::try_from(self.model.enums.get(e)?.values.len()).ok()?;
                (count <= 64).then(|| Vals::Finite {
                    possible: u64::MAX.checked_shr(64 - count).unwrap_or(0),
                    count,
                })
            }
            Type::Int => Some(Vals::Range {
                lo: i64::MIN,
                hi: i64::MAX,
            }),
            Type::Str => Some(Vals::Str {
                is: None,
                not: Vec::new(),
            }),
            _ => None,
        }
    }

    /// `e` as a constant of the attribute's type.
    fn constant(&self, attr: &str, e: &Expr) -> Option<Val> {
        let ty = self.model.attr_type(attr)?;
        match (ty, &e.kind) {
            (Type::Bool, ExprKind::Lit(Literal::Bool(b))) => Some(Val::Index(u32::from(*b))),
            (Type::Int, ExprKind::Lit(Literal::Int(i))) => Some(Val::Int(*i)),
            (
                Type::Int,
                ExprKind::Unary {
                    op: UnOp::Neg,
                    expr,
                },
            ) => match &expr.kind {
                ExprKind::Lit(Literal::Int(i)) => i.checked_neg().map(Val::Int),
                _ => None,
            },
            (Type::Str, ExprKind::Lit(Literal::Str(s))) => Some(Val::Str(s.clone())),
            (Type::Enum(ty), ExprKind::Name(v)) if self.model.attr_type(v).is_none() => self
                .model
                .enum_index(ty, v)
                .and_then(|i| u32::try_from(i).ok())
                .map(Val::Index),
            _ => None,
        }
    }

    /// `e` as something said of one attribute the analysis follows.
    fn atom<'e>(&self, e: &'e Expr) -> Option<(&'e str, Pred)> {
        match &e.kind {
            ExprKind::Name(a) if self.model.attr_type(a) == Some(&Type::Bool) => {
                Some((a.as_str(), Pred::Cmp(BinOp::Eq, Val::Index(1))))
            }
            ExprKind::Binary { op, lhs, rhs }
                if matches!(
                    op,
                    BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge
                ) =>
            {
                let (attr, other, op) = match (&lhs.kind, &rhs.kind) {
                    (ExprKind::Name(a), _) if self.full(a).is_some() => (a, rhs, *op),
                    (_, ExprKind::Name(a)) => (a, lhs, flip(*op)),
                    _ => return None,
                };
                let ordered = !matches!(op, BinOp::Eq | BinOp::Ne);
                let ty = self.model.attr_type(attr)?;
                if ordered && matches!(ty, Type::Bool | Type::Str) {
                    return None;
                }
                Some((attr.as_str(), Pred::Cmp(op, self.constant(attr, other)?)))
            }
            ExprKind::In { expr, list } => {
                let ExprKind::Name(a) = &expr.kind else {
                    return None;
                };
                self.full(a)?;
                let vals = list
                    .iter()
                    .map(|x| self.constant(a, x))
                    .collect::<Option<Vec<_>>>()?;
                Some((a.as_str(), Pred::In(vals)))
            }
            _ => None,
        }
    }

    /// `e` under `k`: `Some` when it is the same for every customer `k` allows.
    fn eval(&self, e: &Expr, k: &Known) -> Option<bool> {
        super::logic::decide(e, &|x| {
            let (attr, p) = self.atom(x)?;
            let d = k.get(attr)?;
            match d.vals.split(&p) {
                // A value that is not set makes the comparison false too.
                (false, _) => Some(false),
                (true, false) if d.set => Some(true),
                _ => None,
            }
        })
    }

    /// What is known once `e` is known to be `truth`; `None` when that cannot be.
    fn assume(&self, e: &Expr, truth: bool, k: Known) -> Option<Known> {
        match &e.kind {
            ExprKind::Lit(Literal::Bool(b)) => (*b == truth).then_some(k),
            ExprKind::Unary {
                op: UnOp::Not,
                expr,
            } => self.assume(expr, !truth, k),
            ExprKind::Binary {
                op: BinOp::And,
                lhs,
                rhs,
            } if truth => self.assume(rhs, true, self.assume(lhs, true, k)?),
            ExprKind::Binary {
                op: BinOp::Or,
                lhs,
                rhs,
            } if !truth => self.assume(rhs, false, self.assume(lhs, false, k)?),
            // `a and b` false, `a or b` true: one of two things, unless one side is decided.
            ExprKind::Binary {
                op: op @ (BinOp::And | BinOp::Or),
                lhs,
                rhs,
            } => match (self.eval(lhs, &k), self.eval(rhs, &k), op) {
                (Some(true), _, BinOp::And) => self.assume(rhs, false, k),
                (_, Some(true), BinOp::And) => self.assume(lhs, false, k),
                (Some(false), _, BinOp::Or) => self.assume(rhs, true, k),
                (_, Some(false), BinOp::Or) => self.assume(lhs, true, k),
                // Both sides true under `and` (false under `or`) is caught by the arms above.
                _ => Some(k),
            },
            _ => match self.atom(e) {
                Some((attr, p)) => self.learn(attr, &p, truth, e.span, k),
                None => Some(k),
            },
        }
    }

    /// What is known once `p` of `attr` is known to be `truth` (said at `span`); `None` when
    /// that cannot be.
    fn learn(&self, attr: &str, p: &Pred, truth: bool, span: Span, k: Known) -> Option<Known> {
        let mut k = k;
        let d = match k.remove(attr) {
            Some(d) => d,
            None => match self.full(attr) {
                Some(vals) => Dom {
                    set: false,
                    vals,
                    why: Vec::new(),
                },
                None => return Some(k),
            },
        };
        let vals = d.vals.narrow(p, truth);
        let set = d.set || truth;
        // No value left: the attribute is not set, unless it is known to be.
        if set && vals.is_empty() {
            return None;
        }
        // A condition that tells nothing new of the values gets no credit.
        let mut why = d.why;
        if vals != d.vals {
            why.push((span.start, span.end));
            why.sort();
            why.dedup();
        }
        k.insert(attr.to_string(), Dom { set, vals, why });
        Some(k)
    }

    /// The names `e` reads (attributes and enum values), in the order it reads them.
    fn names_read(e: &Expr) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        e.each_operand(&mut |x| {
            if let ExprKind::Name(a) = &x.kind {
                out.push(a.clone());
            }
        });
        out
    }
}

/// Where the joined values were learnt: the side whose values they are (a side with no value,
/// not set, says nothing of them), or else both sides' places.
fn join_why(x: &Dom, y: &Dom) -> Vec<(usize, usize)> {
    let vals = x.vals.join(&y.vals);
    if vals == x.vals {
        x.why.clone()
    } else if vals == y.vals {
        y.why.clone()
    } else {
        let mut why: Vec<(usize, usize)> = x.why.iter().chain(&y.why).copied().collect();
        why.sort();
        why.dedup();
        why
    }
}

/// What both sides know: an attribute known on one side only may be anything.
fn join(a: &Known, b: &Known) -> Known {
    a.iter()
        .filter_map(|(attr, x)| {
            let y = b.get(attr)?;
            Some((
                attr.clone(),
                Dom {
                    set: x.set && y.set,
                    vals: x.vals.join(&y.vals),
                    why: join_why(x, y),
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(lo: i64, hi: i64) -> Vals {
        Vals::Range { lo, hi }
    }
    fn cmp(op: BinOp, c: i64) -> Pred {
        Pred::Cmp(op, Val::Int(c))
    }
    fn ints(list: &[i64]) -> Pred {
        Pred::In(list.iter().map(|c| Val::Int(*c)).collect())
    }
    fn s(x: &str) -> Val {
        Val::Str(x.to_string())
    }
    fn is(x: &str) -> Vals {
        Vals::Str {
            is: Some(x.to_string()),
            not: Vec::new(),
        }
    }
    fn not(xs: &[&str]) -> Vals {
        Vals::Str {
            is: None,
            not: xs.iter().map(|x| x.to_string()).collect(),
        }
    }
    fn finite(possible: u64) -> Vals {
        Vals::Finite { possible, count: 3 }
    }

    #[test]
    fn a_predicate_compares_values_of_its_kind_only() {
        use BinOp::*;
        for (op, want) in [
            (Eq, [false, true, false]),
            (Ne, [true, false, true]),
            (Lt, [true, false, false]),
            (Le, [true, true, false]),
            (Gt, [false, false, true]),
            (Ge, [false, true, true]),
        ] {
            let got = [1, 2, 3].map(|v| cmp(op, 2).holds(&Val::Int(v)));
            assert_eq!(got, want, "{op:?}");
            let got = [1, 2, 3].map(|v| Pred::Cmp(op, Val::Index(2)).holds(&Val::Index(v)));
            assert_eq!(got, want, "{op:?} on indexes");
        }
        assert!(Pred::Cmp(Eq, s("US")).holds(&s("US")));
        assert!(Pred::Cmp(Ne, s("US")).holds(&s("DE")));
        assert!(!Pred::Cmp(Eq, s("US")).holds(&s("DE")));
        assert!(!cmp(Eq, 1).holds(&Val::Index(1)));
        assert!(!Pred::Cmp(Add, Val::Int(1)).holds(&Val::Int(1)));
        assert!(ints(&[1, 3]).holds(&Val::Int(3)));
        assert!(!ints(&[1, 3]).holds(&Val::Int(2)));
    }

    /// `split` says whether some value makes the predicate true, and whether some makes it
    /// false.
    #[test]
    fn a_range_splits_at_its_constants() {
        use BinOp::*;
        let r = range(0, 10);
        for (p, want) in [
            (cmp(Gt, 5), (true, true)),
            (cmp(Gt, 10), (false, true)),
            (cmp(Gt, -1), (true, false)),
            (cmp(Ge, 0), (true, false)),
            (cmp(Ge, 11), (false, true)),
            (cmp(Lt, 0), (false, true)),
            (cmp(Le, 10), (true, false)),
            (cmp(Eq, 3), (true, true)),
            (cmp(Eq, 11), (false, true)),
            (cmp(Ne, 3), (true, true)),
            (ints(&[20, 30]), (false, true)),
            (ints(&[0, 5]), (true, true)),
            (ints(&[5]), (true, true)),
        ] {
            assert_eq!(r.split(&p), want, "{p:?}");
        }
        assert_eq!(range(3, 3).split(&cmp(Eq, 3)), (true, false));
        assert_eq!(range(3, 3).split(&cmp(Ne, 3)), (false, true));
        assert_eq!(range(1, 2).split(&ints(&[1, 2])), (true, false));
        assert_eq!(range(1, 3).split(&ints(&[1, 3])), (true, true));
        assert_eq!(range(1, 5).split(&ints(&[1, 2, 4, 5])), (true, true));
        assert_eq!(range(1, 3).split(&ints(&[1, 2, 3, 9])), (true, false));
        assert_eq!(range(5, 4).split(&cmp(Gt, 0)), (false, false));
        assert_eq!(
            range(i64::MIN, i64::MAX).split(&ints(&[i64::MIN, i64::MAX])),
            (true, true)
        );
        assert_eq!(Vals::Nothing.split(&cmp(Gt, 0)), (false, false));
    }

    #[test]
    fn strings_split_by_what_they_are_or_are_not() {
        use BinOp::*;
        let us = || Pred::Cmp(Eq, s("US"));
        assert_eq!(is("US").split(&us()), (true, false));
        assert_eq!(is("DE").split(&us()), (false, true));
        assert_eq!(is("US").split(&Pred::Cmp(Ne, s("US"))), (false, true));
        assert_eq!(not(&["US"]).split(&us()), (false, true));
        assert_eq!(not(&["US"]).split(&Pred::Cmp(Ne, s("US"))), (true, false));
        assert_eq!(not(&["US"]).split(&Pred::Cmp(Ne, s("DE"))), (true, true));
        assert_eq!(not(&[]).split(&us()), (true, true));
        assert_eq!(not(&["US"]).split(&Pred::In(vec![s("US")])), (false, true));
        assert_eq!(
            not(&["US"]).split(&Pred::In(vec![s("US"), s("DE")])),
            (true, true)
        );
        assert_eq!(
            is("DE").split(&Pred::In(vec![s("US"), s("DE")])),
            (true, false)
        );
    }

    #[test]
    fn narrowing_keeps_the_values_the_condition_allows() {
        use BinOp::*;
        let r = range(0, 10);
        for (p, truth, want) in [
            (cmp(Eq, 3), true, range(3, 3)),
            (cmp(Eq, 3), false, range(0, 10)),
            (cmp(Eq, 0), false, range(1, 10)),
            (cmp(Eq, 10), false, range(0, 9)),
            (cmp(Ne, 10), true, range(0, 9)),
            (cmp(Ne, 3), false, range(3, 3)),
            (cmp(Lt, 4), true, range(0, 3)),
            (cmp(Lt, 4), false, range(4, 10)),
            (cmp(Le, 4), true, range(0, 4)),
            (cmp(Le, 4), false, range(5, 10)),
            (cmp(Gt, 4), true, range(5, 10)),
            (cmp(Gt, 4), false, range(0, 4)),
            (cmp(Ge, 4), true, range(4, 10)),
            (cmp(Ge, 4), false, range(0, 3)),
            (cmp(Gt, 10), true, Vals::Nothing),
            (ints(&[2, 7, 20]), true, range(2, 7)),
            (ints(&[2, 7]), false, range(0, 10)),
            (ints(&[20]), true, Vals::Nothing),
        ] {
            assert_eq!(r.narrow(&p, truth), want, "{p:?} {truth}");
        }
        let three = finite(0b111);
        assert_eq!(
            three.narrow(&Pred::Cmp(Ge, Val::Index(1)), true),
            finite(0b110)
        );
        assert_eq!(
            three.narrow(&Pred::Cmp(Ge, Val::Index(1)), false),
            finite(0b001)
        );
        assert_eq!(
            finite(0b001).narrow(&Pred::Cmp(Eq, Val::Index(2)), true),
            Vals::Nothing
        );
        assert_eq!(Vals::Nothing.narrow(&cmp(Gt, 0), false), Vals::Nothing);
    }

    #[test]
    fn narrowing_a_string_remembers_what_it_is_or_is_not() {
        use BinOp::*;
        let eq = |x: &str| Pred::Cmp(Eq, s(x));
        let ne = |x: &str| Pred::Cmp(Ne, s(x));
        assert_eq!(not(&[]).narrow(&eq("US"), true), is("US"));
        assert_eq!(not(&[]).narrow(&ne("US"), false), is("US"));
        assert_eq!(is("DE").narrow(&eq("US"), true), Vals::Nothing);
        assert_eq!(not(&["US"]).narrow(&eq("US"), true), Vals::Nothing);
        assert_eq!(is("US").narrow(&eq("US"), true), is("US"));
        assert_eq!(not(&["US"]).narrow(&ne("DE"), true), not(&["DE", "US"]));
        assert_eq!(not(&["US"]).narrow(&eq("US"), false), not(&["US"]));
        assert_eq!(not(&[]).narrow(&eq("US"), false), not(&["US"]));
        assert_eq!(is("US").narrow(&ne("US"), true), Vals::Nothing);
        assert_eq!(is("US").narrow(&ne("DE"), true), is("US"));
        let both = Pred::In(vec![s("US"), s("DE")]);
        assert_eq!(not(&[]).narrow(&both, false), not(&["DE", "US"]));
        assert_eq!(is("US").narrow(&both, false), Vals::Nothing);
        assert_eq!(not(&[]).narrow(&Pred::In(vec![s("FR")]), true), is("FR"));
        assert_eq!(not(&[]).narrow(&both, true), not(&[]));
        assert_eq!(not(&["US", "DE"]).narrow(&both, true), Vals::Nothing);
    }

    /// Every value of a followed type is possible, and no bit past the last value is set.
    #[test]
    fn a_type_starts_with_all_its_values() {
        let values: Vec<String> = (0..64).map(|i| format!("v{i}")).collect();
        let text = format!(
            "enum plan {{ free, trial, pro }}\nenum wide {{ {} }}\n\
             customer {{ plan: plan = free  wide: wide = v0  vip: bool = false  seats: int = 0  \
             name: string = \"\"  spend: decimal = 0.0 }}\n",
            values.join(", ")
        );
        let (_, checked) = crate::interp::program::check_for_test("t.journey", &text);
        let an = Analysis {
            model: &checked.models[0],
        };
        assert_eq!(an.full("plan"), Some(finite(0b111)));
        assert_eq!(
            an.full("vip"),
            Some(Vals::Finite {
                possible: 0b11,
                count: 2
            })
        );
        assert_eq!(
            an.full("wide"),
            Some(Vals::Finite {
                possible: u64::MAX,
                count: 64
            })
        );
        assert_eq!(an.full("seats"), Some(range(i64::MIN, i64::MAX)));
        assert_eq!(an.full("name"), Some(not(&[])));
        assert_eq!(an.full("spend"), None);
        assert_eq!(an.full("nobody"), None);
    }

    #[test]
    fn a_join_keeps_the_values_either_side_may_have() {
        assert_eq!(finite(0b001).join(&finite(0b100)), finite(0b101));
        assert_eq!(range(0, 3).join(&range(7, 9)), range(0, 9));
        assert_eq!(range(5, 9).join(&range(0, 2)), range(0, 9));
        assert_eq!(is("US").join(&is("US")), is("US"));
        assert_eq!(is("US").join(&is("DE")), not(&[]));
        assert_eq!(is("US").join(&not(&["US", "DE"])), not(&["DE"]));
        assert_eq!(not(&["US", "DE"]).join(&is("DE")), not(&["US"]));
        assert_eq!(not(&["US", "DE"]).join(&not(&["DE", "FR"])), not(&["DE"]));
        assert_eq!(Vals::Nothing.join(&range(1, 2)), range(1, 2));
        assert_eq!(range(1, 2).join(&Vals::Nothing), range(1, 2));
    }
}
