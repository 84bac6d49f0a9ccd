//! Writing steps, conditions and durations back as a user would write them, for the paths and
//! messages the flow checks show. The checker has the syntax tree, not the text, so these are
//! re-printed; durations come back in days and smaller units (`14d`, never `2w`), the unit most
//! journeys are written in.

use crate::source::Span;
use crate::syntax::ast::{
    BinOp, Expr, ExprKind, Literal, Step, StepKind, UnOp, WaitAny, WaitBranch, WaitEvent,
};

pub use crate::units::duration as dur;

/// Binding strength, loosest first, as the parser's table has it.
fn prec(op: BinOp) -> u8 {
    match op {
        BinOp::Or => 1,
        BinOp::And => 2,
        // 3 is `not`, which binds looser than comparisons.
        BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
        // 5 is `in`.
        BinOp::Add | BinOp::Sub => 6,
        BinOp::Mul | BinOp::Div => 7,
    }
}

pub fn expr(e: &Expr) -> String {
    let mut out = String::new();
    write_expr(e, 0, &mut out);
    out
}

/// Writes `e`, in parentheses when it binds more loosely than `min` requires.
fn write_expr(e: &Expr, min: u8, out: &mut String) {
    match &e.kind {
        ExprKind::Lit(l) => out.push_str(&literal(l)),
        ExprKind::Name(n) => out.push_str(n),
        ExprKind::EventField(f) => {
            out.push_str("event.");
            out.push_str(&f.name);
        }
        ExprKind::TriggerField(f) => {
            out.push_str("trigger.");
            out.push_str(&f.name);
        }
        ExprKind::Call { func, arg } => out.push_str(&format!("{}({})", func.name, arg.name)),
        ExprKind::History {
            func,
            arg,
            within,
            inside: true,
        } => out.push_str(&format!(
            "{}({} within {})",
            func.name,
            arg.name,
            dur(within.secs)
        )),
        ExprKind::History {
            func, arg, within, ..
        } => out.push_str(&format!(
            "{}({}) within {}",
            func.name,
            arg.name,
            dur(within.secs)
        )),
        ExprKind::Unary {
            op: UnOp::Not,
            expr,
        } => {
            let paren = min > 3;
            if paren {
                out.push('(');
            }
            out.push_str("not ");
            write_expr(expr, 3, out);
            if paren {
                out.push(')');
            }
        }
        ExprKind::Unary {
            op: UnOp::Neg,
            expr,
        } => {
            out.push('-');
            write_expr(expr, 8, out);
        }
        ExprKind::Binary { op, lhs, rhs } => {
            let p = prec(*op);
            let paren = p < min;
            if paren {
                out.push('(');
            }
            write_expr(lhs, p, out);
            out.push_str(&format!(" {} ", op.symbol()));
            write_expr(rhs, p + 1, out);
            if paren {
                out.push(')');
            }
        }
        ExprKind::In { expr, list } => {
            let paren = min > 5;
            if paren {
                out.push('(');
            }
            write_expr(expr, 6, out);
            out.push_str(" in [");
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_expr(item, 0, out);
            }
            out.push(']');
            if paren {
                out.push(')');
            }
        }
    }
}

fn literal(l: &Literal) -> String {
    match l {
        Literal::Str(s) => format!("{s:?}"),
        Literal::Int(i) => i.to_string(),
        Literal::Decimal(d) => {
            let s = d.to_string();
            if s.contains('.') {
                s
            } else {
                format!("{s}.0")
            }
        }
        Literal::Percent(p) => format!("{p}%"),
        Literal::Duration(s) => dur(*s),
        Literal::DateTime { text, .. } => text.clone(),
        Literal::Time(m) => format!("{:02}:{:02}", m / 60, m % 60),
        Literal::Date(d) => format!("{:04}-{:02}-{:02}", d.year, d.month, d.day),
        Literal::Bool(b) => b.to_string(),
    }
}

/// `wait order_delivered where ... up to 3d`, without its blocks.
pub fn wait(w: &WaitEvent) -> String {
    let mut s = format!("wait {}", w.event.name);
    if let Some(c) = &w.condition {
        s.push_str(&format!(" where {}", expr(c)));
    }
    if let Some(d) = w.up_to {
        s.push_str(&format!(" up to {}", dur(d.secs)));
    }
    s
}

/// `wait up to 2d`, the head of a wait for several events.
pub fn wait_any(w: &WaitAny) -> String {
    format!("wait up to {}", dur(w.up_to.secs))
}

/// `on kyc_rejected where event.reason == "documents"`, a branch without its block.
pub fn branch(b: &WaitBranch) -> String {
    let mut s = format!("on {}", b.event.name);
    if let Some(c) = &b.condition {
        s.push_str(&format!(" where {}", expr(c)));
    }
    s
}

/// The first line of a step: the whole of a simple step, the part before the first block of a
/// compound one. Labels go there, so a long `if` is not underlined from top to bottom.
pub fn head(step: &Step) -> Span {
    let s = step.span;
    let end = match &step.kind {
        StepKind::If(i) => i.branches.first().map_or(s.end, |(c, _)| c.span.end),
        StepKind::WaitEvent(w) => {
            let mut end = w.event.span.end;
            if let Some(c) = &w.condition {
                end = end.max(c.span.end);
            }
            if let Some(d) = w.up_to {
                end = end.max(d.span.end);
            }
            end
        }
        StepKind::WaitAny(w) => w.up_to.span.end,
        StepKind::Split(_) => s.start + "split".len(),
        _ => s.end,
    };
    Span::new(s.start, end.clamp(s.start, s.end))
}

pub fn ordinal(n: usize) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::FileId;
    use crate::syntax::ast::{Item, JourneyPart};

    /// The trigger condition of `journey j { trigger e where COND }`, printed back.
    fn reprint(cond: &str) -> String {
        let text = format!("journey j {{ trigger e where {cond} }}");
        let (module, diags) = crate::syntax::parse(FileId(0), &text);
        assert!(diags.is_empty(), "{diags:?}");
        let Some(Item::Journey(j)) = module.items.first() else {
            panic!("no journey")
        };
        let Some(JourneyPart::Trigger(t)) = j.parts.first() else {
            panic!("no trigger")
        };
        expr(t.condition.as_ref().expect("a condition"))
    }

    #[test]
    fn durations_read_as_written_in_days_and_hours() {
        assert_eq!(dur(14 * 86_400), "14d");
        assert_eq!(dur(36 * 3_600), "1d12h");
        assert_eq!(dur(90), "1m30s");
        assert_eq!(dur(0), "0s");
    }

    #[test]
    fn conditions_keep_their_meaning_when_printed() {
        for src in [
            "a and b or c",
            "(a or b) and c",
            "not (a and b)",
            "not a == b",
            "(not a) == b",
            "seats + 1 in [2, 3]",
            "seats * (2 + 1) > 10",
            "country in [\"US\", \"DE\"] and -seats < -3",
            "opened(welcome) and event.plan >= pro",
            "at_time == 09:05 and day > 2026-01-02 and wait_for == 1d12h and n == 1.5",
            "not not a",
            "seats - (1 - seats) > 0",
            "seats / (2 * seats) > 0",
            "b == plan in [free]",
            "(plan in [free]) + 1 > 0",
            "not plan in [free]",
        ] {
            assert_eq!(reprint(src), src);
        }
    }

    #[test]
    fn ordinals_take_the_suffix_of_their_last_digits() {
        let got: Vec<String> = [1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 101, 111, 112]
            .into_iter()
            .map(ordinal)
            .collect();
        assert_eq!(
            got,
            [
                "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd",
                "101st", "111th", "112th"
            ]
        );
    }
}
