//! The values of `send T with { ... }` in a state machine: computed into `$.payload.FIELD`
//! by states just before the send's Task, whose message body carries them as `data`.
//!
//! What each field may be, as for `set` (docs/exports.md): a constant (written into the message
//! body as is), an attribute or event field (copied; a missing one is `null`, as the
//! interpreter writes a value nobody set), or any other condition the Choice rules express
//! (`event.risk_level == 2`, `sent(t)`, history): a Choice writes `true` or `false`. Anything
//! else (arithmetic, a date plus a duration) cannot be computed by the engine, and the journey
//! is not exported: the build fails naming the field, rather than sending without it.

use super::{json_value, Writer};
use crate::ir::{Expr, Type};
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;

impl Writer<'_> {
    /// Writes the states computing the fields of send node `id` that are not constants, the
    /// first named `first`, the last going on to `then`; returns the message body's `data`.
    pub(super) fn payload(
        &self,
        id: &str,
        touchpoint: &str,
        data: &BTreeMap<String, Expr>,
        first: &str,
        then: &str,
        out: &mut Map<String, J>,
    ) -> Result<J, super::ExportError> {
        let types = self.j.touchpoints.get(touchpoint).map(|t| &t.data);
        let mut body = Map::new();
        let computed: Vec<(&String, &Expr)> = data
            .iter()
            .filter(|(f, e)| match e {
                Expr::Const { value } => {
                    body.insert((*f).clone(), json_value(value));
                    false
                }
                _ => true,
            })
            .collect();
        if computed.is_empty() {
            // Only constants: nothing to compute before the Task.
            out.insert(
                first.into(),
                json!({ "Type": "Pass", "Comment": "the payload is constant", "Next": then }),
            );
        }
        for (i, (field, e)) in computed.iter().enumerate() {
            let name = if i == 0 {
                first.to_string()
            } else {
                format!("{id}.data_{field}")
            };
            let next = computed
                .get(i + 1)
                .map(|(f, _)| format!("{id}.data_{f}"))
                .unwrap_or_else(|| then.to_string());
            let target = format!("$.payload.{field}");
            body.insert(format!("{field}.$"), J::from(target.as_str()));
            let set = format!("{id}.data_{field}.set");
            let clear = format!("{id}.data_{field}.clear");
            match e {
                Expr::Attr { .. } | Expr::EventField { .. } | Expr::TriggerField { .. } => {
                    let source = super::asl_rule::path(e).unwrap_or_default();
                    let mut present = vec![json!({ "Variable": source, "IsPresent": true })];
                    if matches!(e, Expr::Attr { name } if self.ctx.nullable.contains(name)) {
                        present.push(json!({ "Variable": source, "IsNull": false }));
                    }
                    out.insert(
                        name,
                        json!({
                            "Type": "Choice",
                            "Comment": format!("data {field} = {e}"),
                            "Choices": [{ "And": present, "Next": set }],
                            "Default": clear,
                        }),
                    );
                    out.insert(
                        set,
                        json!({ "Type": "Pass", "InputPath": source, "ResultPath": target, "Next": next }),
                    );
                    out.insert(
                        clear,
                        json!({ "Type": "Pass", "Result": null, "ResultPath": target, "Next": next }),
                    );
                }
                _ if types.and_then(|t| t.get(*field)) == Some(&Type::Bool) => {
                    self.decide(&name, &[(e, set.clone())], clear.clone(), out)?;
                    out.insert(
                        set,
                        json!({ "Type": "Pass", "Result": true, "ResultPath": target, "Next": next }),
                    );
                    out.insert(
                        clear,
                        json!({ "Type": "Pass", "Result": false, "ResultPath": target, "Next": next }),
                    );
                }
                _ => {
                    return Err(self.unsupported(
                        id,
                        format!("the payload value `{field} = {e}` (only constants, attributes, event fields and conditions are computed)"),
                    ))
                }
            }
        }
        Ok(J::Object(body))
    }
}
