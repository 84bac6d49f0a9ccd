//! Reading the IR back as `.journey`-like text: expressions as a user would write them, with
//! the fewest parentheses, and durations and shares in the source's units. Used by graphs and
//! by messages that show a condition.

use super::{BinOp, Engagement, Expr, HistoryOf, Value};
use std::fmt;

pub use crate::units::duration;

/// A share in basis points as a percentage: `4500` is `45%`, `1250` is `12.5%`.
pub fn percent(bp: u32) -> String {
    let whole = bp / 100;
    let frac = bp % 100;
    match frac {
        0 => format!("{whole}%"),
        f if f % 10 == 0 => format!("{whole}.{}%", f / 10),
        f => format!("{whole}.{f:02}%"),
    }
}

/// Binding strength, loosest first, as in the parser: `or`, `and`, prefix `not`, comparisons,
/// postfix `in`, `+ -`, `* /`, prefix `-`.
fn precedence(e: &Expr) -> u8 {
    match e {
        Expr::Binary { operator, .. } => match operator {
            BinOp::Or => 1,
            BinOp::And => 2,
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => 4,
            BinOp::Add | BinOp::Sub => 6,
            BinOp::Mul | BinOp::Div => 7,
        },
        Expr::Not { .. } => 3,
        Expr::In { .. } => 5,
        Expr::Neg { .. } => 8,
        Expr::Const { .. }
        | Expr::Attr { .. }
        | Expr::EventField { .. }
        | Expr::TriggerField { .. }
        | Expr::Engagement { .. }
        | Expr::History { .. }
        | Expr::Now => 9,
    }
}

fn symbol(op: BinOp) -> &'static str {
    match op {
        BinOp::Or => "or",
        BinOp::And => "and",
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

/// Writes `e`, in parentheses when it binds looser than `min`.
fn write_at(f: &mut fmt::Formatter<'_>, e: &Expr, min: u8) -> fmt::Result {
    if precedence(e) < min {
        write!(f, "(")?;
        write_at(f, e, 0)?;
        return write!(f, ")");
    }
    match e {
        Expr::Const { value } => write!(f, "{value}"),
        Expr::Attr { name } => write!(f, "{name}"),
        Expr::Now => write!(f, "now"),
        Expr::EventField { field, .. } => write!(f, "event.{field}"),
        Expr::TriggerField { field, .. } => write!(f, "trigger.{field}"),
        Expr::Engagement { kind, touchpoint } => {
            let func = match kind {
                Engagement::Sent => "sent",
                Engagement::Opened => "opened",
                Engagement::Clicked => "clicked",
            };
            write!(f, "{func}({touchpoint})")
        }
        Expr::History {
            of,
            name,
            within_secs,
        } => {
            let within = crate::units::duration(*within_secs);
            match of {
                HistoryOf::Sent => write!(f, "sent({name}) within {within}"),
                HistoryOf::Happened => write!(f, "happened({name}) within {within}"),
                HistoryOf::Count => write!(f, "count({name} within {within})"),
            }
        }
        Expr::Not { expr } => {
            write!(f, "not ")?;
            write_at(f, expr, 3)
        }
        Expr::Neg { expr } => {
            write!(f, "-")?;
            write_at(f, expr, 8)
        }
        Expr::Binary { operator, lhs, rhs } => {
            let p = precedence(e);
            write_at(f, lhs, p)?;
            write!(f, " {} ", symbol(*operator))?;
            write_at(f, rhs, p + 1)
        }
        Expr::In { expr, list } => {
            write_at(f, expr, 6)?;
            write!(f, " in [")?;
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    write!(f, ", ")?;
                }
                write_at(f, item, 0)?;
            }
            write!(f, "]")
        }
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_at(f, self, 0)
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::String(s) => write!(f, "{s:?}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Decimal(d) => write!(f, "{}", super::decimal::show(d)),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Duration(s) => write!(f, "{}", duration(*s)),
            Value::Date(d) => write!(f, "{d}"),
            Value::Time(m) => write!(f, "{:02}:{:02}", m / 60, m % 60),
            Value::Enum(e) => write!(f, "{}", e.value),
            Value::Timezone(z) => write!(f, "{z:?}"),
            Value::DateTime(t) => write!(f, "{t}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_use_the_source_units() {
        assert_eq!(duration(3 * 86_400), "3d");
        assert_eq!(duration(86_400 + 12 * 3_600), "1d12h");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(0), "0s");
    }

    #[test]
    fn shares_drop_trailing_zeros() {
        assert_eq!(percent(4500), "45%");
        assert_eq!(percent(1250), "12.5%");
        assert_eq!(percent(3333), "33.33%");
        assert_eq!(percent(5), "0.05%");
    }

    #[test]
    fn parentheses_only_where_needed() {
        let attr = |n: &str| Box::new(Expr::Attr { name: n.into() });
        let or = Expr::Binary {
            operator: BinOp::Or,
            lhs: attr("a"),
            rhs: attr("b"),
        };
        let and = Expr::Binary {
            operator: BinOp::And,
            lhs: Box::new(or.clone()),
            rhs: attr("c"),
        };
        assert_eq!(and.to_string(), "(a or b) and c");
        let not = Expr::Not {
            expr: Box::new(and),
        };
        assert_eq!(not.to_string(), "not ((a or b) and c)");
        let sub = Expr::Binary {
            operator: BinOp::Sub,
            lhs: attr("x"),
            rhs: Box::new(Expr::Binary {
                operator: BinOp::Sub,
                lhs: attr("y"),
                rhs: attr("z"),
            }),
        };
        assert_eq!(sub.to_string(), "x - (y - z)");
    }
}
