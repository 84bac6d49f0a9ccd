//! `wait until EXPR`: the expression must be a datetime (E0221). The checker warns where the
//! time may not be set (W0417: it reads an attribute without a default or an event field, and a
//! wait on a time not set continues at once) and where it does not depend on the customer
//! (W0418: a fixed instant, which every customer arriving after it passes at once, or one
//! counted from `now`, which is a `wait D` or no wait at all).

use super::Ctx;
use crate::check::model::{Type, NOW};
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{BinOp, Expr, ExprKind};

pub(super) fn check(cx: &mut Ctx, e: &Expr, event: Option<&str>) {
    let Some(t) = cx.typer(event).infer(e, Some(&Type::DateTime)) else {
        return;
    };
    if t != Type::DateTime {
        cx.sink.push(
            Diagnostic::error(
                codes::WAIT_UNTIL_NOT_DATETIME,
                cx.file,
                format!("`wait until` needs a datetime, found {}", t.a()),
            )
            .label(e.span, t.a())
            .help(match t {
                Type::Duration => "to wait for a length of time write `wait 2d`; `wait until` takes an instant, like `wait until next_appointment - 24h`",
                _ => "give an instant: a `datetime` attribute or event field, plus or minus a duration, like `wait until next_appointment - 24h`",
            }),
        );
        return;
    }
    let mut reads = Reads::default();
    reads.walk(cx, e);
    reads.unset.retain(|(name, _)| !cx.guarded.contains(name));
    if let Some((name, span)) = reads.unset.first() {
        cx.sink.push(
            Diagnostic::warning(
                codes::WAIT_UNTIL_UNSET,
                cx.file,
                format!("`wait until` reads `{name}`, which may not be set"),
            )
            .label(*span, "may be unset")
            .label(e.span, "a customer whose time is not set continues at once")
            .help(format!(
                "guard the wait (`if {name} > now {{ wait until ... }}`) or give `{name}` a default in `customer`"
            )),
        );
    } else if !reads.customer {
        let help = if reads.now {
            "counted from `now`, this is `wait D` (or no wait at all): write `wait D`, or wait until a time the customer carries"
        } else {
            "every customer who arrives after this instant continues at once: wait until a time the customer carries, like `wait until next_appointment - 24h`"
        };
        cx.sink.push(
            Diagnostic::warning(
                codes::WAIT_UNTIL_PAST,
                cx.file,
                "`wait until` a time that does not depend on the customer",
            )
            .label(e.span, "the same for every customer: may already be past")
            .help(help),
        );
    }
}

/// Adds the attributes and event fields `cond` compares (`x > now`, `x != ...`) to `out`: in the
/// block of an `if` on it, a value not set never gets there (every comparison with it is false).
pub(super) fn guards(cond: &Expr, out: &mut Vec<String>) {
    if let ExprKind::Binary { op, lhs, rhs } = &cond.kind {
        match op {
            BinOp::And => {
                guards(lhs, out);
                guards(rhs, out);
            }
            BinOp::Or => {}
            _ => {
                names(lhs, out);
                names(rhs, out);
            }
        }
    }
}

fn names(e: &Expr, out: &mut Vec<String>) {
    match &e.kind {
        ExprKind::Name(n) => out.push(n.clone()),
        ExprKind::EventField(f) => out.push(format!("event.{}", f.name)),
        ExprKind::TriggerField(f) => out.push(format!("trigger.{}", f.name)),
        ExprKind::Binary { lhs, rhs, .. } => {
            names(lhs, out);
            names(rhs, out);
        }
        ExprKind::Unary { expr, .. } => names(expr, out),
        _ => {}
    }
}

/// What a wait's time reads.
#[derive(Default)]
struct Reads {
    /// Attributes without a default, and event and trigger fields, in the order written.
    unset: Vec<(String, crate::source::Span)>,
    /// Any attribute or event field at all.
    customer: bool,
    now: bool,
}

impl Reads {
    fn walk(&mut self, cx: &Ctx, e: &Expr) {
        match &e.kind {
            ExprKind::Name(n) => match cx.model.attrs.get(n) {
                Some(a) => {
                    self.customer = true;
                    if a.default.is_none() {
                        self.unset.push((n.clone(), e.span));
                    }
                }
                None if n == NOW => self.now = true,
                None => {}
            },
            ExprKind::EventField(f) => {
                self.customer = true;
                self.unset.push((format!("event.{}", f.name), e.span));
            }
            // The trigger's fields are the customer's too (an appointment each booking carries).
            ExprKind::TriggerField(f) => {
                self.customer = true;
                self.unset.push((format!("trigger.{}", f.name), e.span));
            }
            ExprKind::Unary { expr, .. } => self.walk(cx, expr),
            ExprKind::Binary { lhs, rhs, .. } => {
                self.walk(cx, lhs);
                self.walk(cx, rhs);
            }
            _ => {}
        }
    }
}
