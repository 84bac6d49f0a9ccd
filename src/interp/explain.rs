//! Details for `journeyc run --explain`: conditions in source form with the values they read.

use super::program::Program;
use super::value::Val;
use crate::ir;

/// The attributes, fields and engagements an expression reads, each once, in order.
pub fn inputs(e: &ir::Expr, out: &mut Vec<ir::Expr>) {
    match e {
        ir::Expr::Attr { .. }
        | ir::Expr::EventField { .. }
        | ir::Expr::TriggerField { .. }
        | ir::Expr::Engagement { .. }
        | ir::Expr::History { .. } => {
            if !out.contains(e) {
                out.push(e.clone());
            }
        }
        ir::Expr::Const { .. } | ir::Expr::Now => {}
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
    let values: Vec<String> =
        ins.iter()
            .map(|i| {
                let v = read(i);
                let enums = match i {
                    ir::Expr::Attr { name } => p
                        .attr(name)
                        .and_then(|a| p.attr_enums.get(a))
                        .and_then(|x| x.as_deref()),
                    // An enum field shows its value's name, as an enum attribute does.
                    ir::Expr::EventField { event, field }
                    | ir::Expr::TriggerField { event, field } => match p
                        .ir
                        .events
                        .get(event)
                        .and_then(|schema| schema.fields.get(field))
                    {
                        Some(ir::Type::Enum { values, .. }) => Some(values.as_slice()),
                        _ => None,
                    },
                    _ => None,
                };
                format!("{} = {}", i, v.show(enums))
            })
            .collect();
    let vals = if values.is_empty() {
        String::new()
    } else {
        format!(" ({})", values.join(", "))
    };
    format!("`{}` was {result}{vals}", e)
}
