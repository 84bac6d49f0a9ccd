//! Details for `journeyc run --explain`: conditions in source form with the values they read.

use super::program::Program;
use super::value::Val;
use crate::ir::{self, BinOp, Engagement};

/// An IR expression written back in journey syntax.
pub fn expr_text(e: &ir::Expr) -> String {
    fn prec(e: &ir::Expr) -> u8 {
        match e {
            ir::Expr::Binary {
                operator: BinOp::Or,
                ..
            } => 1,
            ir::Expr::Binary {
                operator: BinOp::And,
                ..
            } => 2,
            ir::Expr::Not { .. } => 3,
            ir::Expr::Binary {
                operator: BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge,
                ..
            } => 4,
            ir::Expr::In { .. } => 5,
            ir::Expr::Binary {
                operator: BinOp::Add | BinOp::Sub,
                ..
            } => 6,
            ir::Expr::Binary { .. } => 7,
            ir::Expr::Neg { .. } => 8,
            _ => 9,
        }
    }
    fn wrap(e: &ir::Expr, min: u8) -> String {
        let s = expr_text(e);
        if prec(e) < min {
            format!("({s})")
        } else {
            s
        }
    }
    match e {
        ir::Expr::Const { value } => value_text(value),
        ir::Expr::Attr { name } => name.clone(),
        ir::Expr::EventField { field, .. } => format!("event.{field}"),
        ir::Expr::Engagement { kind, touchpoint } => {
            format!("{}({touchpoint})", engagement_name(*kind))
        }
        ir::Expr::Not { expr } => format!("not {}", wrap(expr, 4)),
        ir::Expr::Neg { expr } => format!("-{}", wrap(expr, 9)),
        ir::Expr::Binary { operator, lhs, rhs } => {
            let p = prec(e);
            format!(
                "{} {} {}",
                wrap(lhs, p),
                op_text(*operator),
                wrap(rhs, p + 1)
            )
        }
        ir::Expr::In { expr, list } => {
            let items: Vec<String> = list.iter().map(expr_text).collect();
            format!("{} in [{}]", wrap(expr, 6), items.join(", "))
        }
    }
}

pub fn engagement_name(k: Engagement) -> &'static str {
    match k {
        Engagement::Sent => "sent",
        Engagement::Opened => "opened",
        Engagement::Clicked => "clicked",
    }
}

fn op_text(op: BinOp) -> &'static str {
    match op {
        BinOp::And => "and",
        BinOp::Or => "or",
        BinOp::Eq => "==",
        BinOp::Ne => "!=",
        BinOp::Lt => "<",
        BinOp::Le => "<=",
        BinOp::Gt => ">",
        BinOp::Ge => ">=",
        BinOp::Add => "+",
        BinOp::Sub => "-",
        BinOp::Mul => "*",
        BinOp::Div => "/",
    }
}

pub fn value_text(v: &ir::Value) -> String {
    match v {
        ir::Value::String(s) => format!("{s:?}"),
        ir::Value::Int(i) => i.to_string(),
        ir::Value::Decimal(d) => d.to_string(),
        ir::Value::Bool(b) => b.to_string(),
        ir::Value::Duration(d) => {
            super::time::format_duration(i64::try_from(*d).unwrap_or(i64::MAX)).replace(' ', "")
        }
        ir::Value::Date(d) => d.clone(),
        ir::Value::Time(t) => format!("{:02}:{:02}", t / 60, t % 60),
        ir::Value::Enum(e) => e.value.clone(),
    }
}

/// The attributes, fields and engagements an expression reads, each once, in order.
pub fn inputs(e: &ir::Expr, out: &mut Vec<ir::Expr>) {
    match e {
        ir::Expr::Attr { .. } | ir::Expr::EventField { .. } | ir::Expr::Engagement { .. } => {
            if !out.contains(e) {
                out.push(e.clone());
            }
        }
        ir::Expr::Const { .. } => {}
        ir::Expr::Not { expr } | ir::Expr::Neg { expr } => inputs(expr, out),
        ir::Expr::Binary { lhs, rhs, .. } => {
            inputs(lhs, out);
            inputs(rhs, out);
        }
        ir::Expr::In { expr, list } => {
            inputs(expr, out);
            for x in list {
                inputs(x, out);
            }
        }
    }
}

/// "`seats > 5` was false (seats = 2)".
pub fn condition_report(
    p: &Program,
    e: &ir::Expr,
    result: bool,
    read: &dyn Fn(&ir::Expr) -> Val,
) -> String {
    let mut ins = Vec::new();
    inputs(e, &mut ins);
    let values: Vec<String> = ins
        .iter()
        .map(|i| {
            let v = read(i);
            let enums = match i {
                ir::Expr::Attr { name } => p
                    .attr(name)
                    .and_then(|a| p.attr_enums.get(a))
                    .and_then(|x| x.as_deref()),
                _ => None,
            };
            format!("{} = {}", expr_text(i), v.show(enums))
        })
        .collect();
    let vals = if values.is_empty() {
        String::new()
    } else {
        format!(" ({})", values.join(", "))
    };
    format!("`{}` was {result}{vals}", expr_text(e))
}
