//! Clock times: `wait until [DAY] HH:MM [local]` and `trigger every DAY HH:MM [local] [where
//! COND]` (docs/semantics.md, "Clock waits" and "Scheduled triggers"). The day is a name read
//! here rather than a keyword, so that a misspelt one gets a did-you-mean (E0117); a scheduled
//! trigger needs a day (E0322) and a condition that reads attributes only (E0219), since no
//! event arrives and no entry exists yet when it is decided.

use super::Ctx;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::ir::clock::Weekday;
use crate::source::Span;
use crate::syntax::ast::{ClockTime, Expr, ExprKind, Schedule};

/// W0419: `local` in a project whose customers have no `timezone` attribute reads UTC.
fn local_without_zone(cx: &mut Ctx, clock: &ClockTime) {
    if !clock.local {
        return;
    }
    // `local` is the clock time's last word.
    let local = Span::new(clock.span.end.saturating_sub("local".len()), clock.span.end);
    crate::check::zones::local_without_zone(cx.model, cx.file, local, cx.sink);
}

/// `wait until [DAY] HH:MM [local]`: the day, when written, is a day of the week.
pub(super) fn wait(cx: &mut Ctx, clock: &ClockTime) {
    local_without_zone(cx, clock);
    let Some(day) = &clock.day else { return };
    if Weekday::from_name(&day.name).is_some() {
        return;
    }
    let d = Diagnostic::error(
        codes::UNKNOWN_DAY,
        cx.file,
        format!("`{}` is not a day of the week", day.name),
    )
    .label(day.span, "not `monday` .. `sunday`");
    let d = if day.name == "day" {
        d.help("for the next such time on any day, write the time alone: `wait until 09:00`")
    } else {
        unknown_day(d, day, false)
    };
    cx.sink.push(d);
}

/// `trigger every DAY HH:MM [local] [where COND]`.
pub(super) fn schedule(cx: &mut Ctx, s: &Schedule) {
    local_without_zone(cx, &s.clock);
    match &s.clock.day {
        None => cx.sink.push(
            Diagnostic::error(
                codes::SCHEDULE_WITHOUT_DAY,
                cx.file,
                "a scheduled trigger needs a day",
            )
            .label(s.clock.span, "which days?")
            .help({
                let time = crate::ir::clock::hhmm(s.clock.minute);
                format!("write `trigger every day {time}` for every day, or a day of the week: `trigger every monday {time}`")
            }),
        ),
        Some(day) if day.name != "day" && Weekday::from_name(&day.name).is_none() => {
            let d = Diagnostic::error(
                codes::UNKNOWN_DAY,
                cx.file,
                format!("`{}` is not a day of the week", day.name),
            )
            .label(day.span, "not `day` or `monday` .. `sunday`");
            let d = unknown_day(d, day, true);
            cx.sink.push(d);
        }
        Some(_) => {}
    }
    if let Some(c) = &s.condition {
        // No event: `event.FIELD` is reported by the typer as anywhere without one (E0201).
        cx.typer(None).condition(c);
        not_attributes(cx, c);
    }
}

/// A did-you-mean among the day names (and `day` in a trigger, `every`: true).
fn unknown_day(d: Diagnostic, day: &crate::syntax::ast::Ident, every: bool) -> Diagnostic {
    let names = Weekday::ALL
        .iter()
        .map(|w| w.name())
        .chain(every.then_some("day"));
    match did_you_mean(&day.name.to_ascii_lowercase(), names) {
        Some(s) => d.suggest(day.span, s),
        None => d.help("write a day in full and in lower case: `monday`, `tuesday`, ... `sunday`"),
    }
}

/// E0219: a function call in a scheduled trigger's condition. `sent(T)` and friends read the
/// current entry, and there is none before the customer enters; history windows are not offered
/// at a firing time either (docs/semantics.md, "Scheduled triggers").
fn not_attributes(cx: &mut Ctx, e: &Expr) {
    e.each_operand(&mut |x| {
        if let ExprKind::Call { func, .. } | ExprKind::History { func, .. } = &x.kind {
            cx.sink.push(
                Diagnostic::error(
                    codes::SCHEDULE_READS_NON_ATTRIBUTE,
                    cx.file,
                    format!("a scheduled trigger's condition cannot call `{}`", func.name),
                )
                .label(x.span, "read at a firing time, before any entry")
                .help("a scheduled trigger decides on the customer's attributes only; keep a fact in an attribute with `set`, or test it in the journey's first step with `if`"),
            );
        }
    });
}
