//! W0414: a `decimal` range written with whole numbers at both ends (`mrr = 20..60`) draws
//! whole numbers only, because a decimal range draws at the places its ends are written with
//! (docs/simulation.md). Before decimals were exact such a range drew any fraction, so the
//! warning points existing simulations at the one-character fix.

use super::model::Type;
use super::Sink;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast::{Literal, Value, ValueKind};

pub fn whole_ends(file: FileId, name: &str, ty: &Type, lo: &Value, hi: &Value, sink: &mut Sink) {
    if *ty != Type::Decimal {
        return;
    }
    let (l, h) = match (&lo.kind, &hi.kind) {
        (ValueKind::Lit(Literal::Int(l)), ValueKind::Lit(Literal::Int(h))) => (*l, *h),
        _ => return,
    };
    sink.push(
        Diagnostic::warning(
            codes::WHOLE_DECIMAL_RANGE,
            file,
            format!("{name} is a decimal, but this range draws whole numbers only"),
        )
        .label(lo.span.to(hi.span), "both ends are whole numbers")
        .help(format!(
            "a decimal range draws at the places its ends are written with: write \
             `{l}.00..{h}.00` to draw cents, or `{l}.0..{h}.0` for tenths"
        )),
    );
}
