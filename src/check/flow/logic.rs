//! Deciding a condition from what is known of its parts: literals, `not`, `and` and `or` in
//! three-valued logic (true, false, not known), the parts (comparisons, names, calls) left to
//! the caller. The path facts of the cap searches ([`super::facts`]) and W0406
//! ([`super::known`]) know different things of the parts and combine them the same way.

use crate::syntax::ast::{BinOp, Expr, ExprKind, Literal, UnOp};

/// `e`'s value when what `part` says of its parts decides it; `None` when it does not.
pub fn decide(e: &Expr, part: &dyn Fn(&Expr) -> Option<bool>) -> Option<bool> {
    match &e.kind {
        ExprKind::Lit(Literal::Bool(b)) => Some(*b),
        ExprKind::Unary {
            op: UnOp::Not,
            expr,
        } => decide(expr, part).map(|b| !b),
        ExprKind::Binary {
            op: BinOp::And,
            lhs,
            rhs,
        } => match (decide(lhs, part), decide(rhs, part)) {
            (Some(false), _) | (_, Some(false)) => Some(false),
            (Some(true), Some(true)) => Some(true),
            _ => None,
        },
        ExprKind::Binary {
            op: BinOp::Or,
            lhs,
            rhs,
        } => match (decide(lhs, part), decide(rhs, part)) {
            (Some(true), _) | (_, Some(true)) => Some(true),
            (Some(false), Some(false)) => Some(false),
            _ => None,
        },
        _ => part(e),
    }
}
