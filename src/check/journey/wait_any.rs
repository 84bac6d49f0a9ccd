//! Names and types of a `wait up to D { on E1 { ... } on E2 { ... } } timeout { ... }`: each
//! branch's event is known, its `where` and its block read that event's fields, and no event has
//! two branches (E0124: the second could never be taken, since the first branch an event
//! matches takes it).

use super::{block, Ctx};
use crate::diagnostics::{codes, Diagnostic};
use crate::source::Span;
use crate::syntax::ast::WaitAny;
use std::collections::BTreeMap;

pub(super) fn check(cx: &mut Ctx, w: &WaitAny, event: Option<&str>) {
    if w.up_to.secs == 0 {
        cx.sink.push(
            Diagnostic::error(
                codes::BAD_VALUE,
                cx.file,
                "`up to` needs a duration longer than zero",
            )
            .label(w.up_to.span, "the wait would time out at once")
            .help("write a window like `up to 3d`"),
        );
    }
    let mut seen: BTreeMap<&str, Span> = BTreeMap::new();
    for b in &w.branches {
        if let Some(first) = seen.get(b.event.name.as_str()) {
            cx.sink.push(
                Diagnostic::error(
                    codes::DUPLICATE_BRANCH,
                    cx.file,
                    format!("`{}` has two branches in one wait", b.event.name),
                )
                .label(b.event.span, "a second branch for the same event")
                .label(*first, "this branch is the one an arriving event is matched against first")
                .help(format!(
                    "keep one `on {}` branch and choose inside it with `if`, or join the two `where` conditions with `or`",
                    b.event.name
                )),
            );
        } else {
            seen.insert(&b.event.name, b.event.span);
        }
        let ok = cx.event(&b.event);
        let ev = ok.then_some(b.event.name.as_str());
        if let Some(c) = &b.condition {
            cx.typer(ev).condition(c);
        }
        block(cx, &b.body, ev);
    }
    if let Some(t) = &w.on_timeout {
        // After a timeout there is no event: the enclosing one (if any) still holds.
        block(cx, t, event);
    }
}
