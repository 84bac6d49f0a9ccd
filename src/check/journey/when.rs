//! `trigger when COND` (docs/semantics.md, "Entry when a condition becomes true"). The condition
//! is decided again at each identify, on the customer's attributes as they then are, so it may
//! read attributes only (E0225): `sent(T)` and history calls would change without an identify
//! to notice, and so would `now`, whose edge no identify marks.

use super::Ctx;
use crate::check::model::NOW;
use crate::diagnostics::{codes, Diagnostic};
use crate::syntax::ast::{Expr, ExprKind, When};

pub(super) fn when(cx: &mut Ctx, w: &When) {
    // No event: `event.FIELD` and `trigger.FIELD` are reported by the typer (E0201).
    cx.typer(None).condition(&w.condition);
    not_attributes(cx, &w.condition);
}

/// E0225: what a `trigger when` condition may not read.
fn not_attributes(cx: &mut Ctx, e: &Expr) {
    e.each_operand(&mut |x| {
        let what = match &x.kind {
            ExprKind::Call { func, .. } | ExprKind::History { func, .. } => {
                format!("`{}`", func.name)
            }
            ExprKind::Name(n) if n == NOW && !cx.model.attrs.contains_key(n) => "`now`".to_string(),
            _ => return,
        };
        let help = if what == "`now`" {
            "`trigger when` is decided at each identify, and `now` moves without one: for a time of day, start the journey with `trigger every day 09:00 where ...`; for a time an attribute holds, start on the event that sets it and `wait until ATTR - 3d`"
        } else {
            "`trigger when` is decided again at each identify, on the customer's attributes only; keep the fact in an attribute (set by an identify call), or test it in the journey's first step with `if`"
        };
        cx.sink.push(
            Diagnostic::error(
                codes::WHEN_READS_NON_ATTRIBUTE,
                cx.file,
                format!("a `trigger when` condition cannot read {what}"),
            )
            .label(x.span, "changes without an identify to notice it")
            .help(help),
        );
    });
}
