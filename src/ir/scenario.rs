//! Lowering of `test` blocks: the sample customer, the timeline of events and the expectations,
//! with every value typed, so the interpreter runs them without the syntax tree.

use super::Value;
use crate::check::{Model, TestDef, Type};
use crate::source::Span;
use crate::syntax::ast::{self, ExpectKind, Literal, TestPart, ValueKind};

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub name: String,
    pub journey: String,
    /// Attribute values the customer starts with (others take their defaults).
    pub customer: Vec<(String, Value)>,
    pub steps: Vec<ScenarioStep>,
    pub expectations: Vec<Expectation>,
    /// The span of the test's name, for reports.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioStep {
    /// Seconds after the start of the test.
    pub at: u64,
    pub kind: StepKind,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Event {
        name: String,
        fields: Vec<(String, Value)>,
    },
    Engage {
        kind: super::Engagement,
        touchpoint: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expectation {
    pub negated: bool,
    pub kind: Expect,
    /// The `expect` line, for the failure report.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Expect {
    Sent { touchpoint: String, at: Option<u64> },
    Suppressed { touchpoint: String },
    Milestone { name: String },
    Reached { stage: String },
    Converted,
    Exited,
}

/// The IR value of a checked constant written for type `ty`.
pub fn value_of(model: &Model, v: &ast::Value, ty: &Type) -> Option<Value> {
    Some(match (&v.kind, ty) {
        (ValueKind::Lit(Literal::Str(s)), Type::Str) => Value::String(s.clone()),
        (ValueKind::Lit(Literal::Int(i)), Type::Int) => Value::Int(*i),
        (ValueKind::Lit(Literal::Int(i)), Type::Decimal) => Value::Decimal((*i).into()),
        (ValueKind::Lit(Literal::Decimal(d)), Type::Decimal) => Value::Decimal(*d),
        (ValueKind::Lit(Literal::Bool(b)), Type::Bool) => Value::Bool(*b),
        (ValueKind::Lit(Literal::Duration(d)), Type::Duration) => Value::Duration(*d),
        (ValueKind::Lit(Literal::Int(0)), Type::Duration) => Value::Duration(0),
        (ValueKind::Lit(Literal::Date(d)), Type::Date) => {
            Value::Date(format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
        }
        (ValueKind::Lit(Literal::Time(t)), Type::Time) => Value::Time(*t),
        (ValueKind::Name(n), Type::Enum(e)) => Value::Enum(super::EnumValue {
            enum_name: e.clone(),
            value: n.clone(),
            index: model.enum_index(e, n)?,
        }),
        _ => return None,
    })
}

/// Lowers a checked test. `None` when the test names no journey (the checker reported it).
pub fn lower_test(model: &Model, test: &TestDef) -> Option<Scenario> {
    let mut journey = None;
    let mut customer = Vec::new();
    let mut steps = Vec::new();
    let mut expectations = Vec::new();
    for part in &test.decl.parts {
        match part {
            TestPart::Journey(j, _) => journey = Some(j.name.clone()),
            TestPart::Customer(list, _) => {
                for a in list {
                    if let Some(v) = model
                        .attr_type(&a.name.name)
                        .and_then(|t| value_of(model, &a.value, t))
                    {
                        customer.push((a.name.name.clone(), v));
                    }
                }
            }
            TestPart::At {
                at, event, props, ..
            } => {
                let fields = props
                    .iter()
                    .filter_map(|p| {
                        let ty = model.field_type(&event.name, &p.name.name)?;
                        Some((p.name.name.clone(), value_of(model, &p.value, ty)?))
                    })
                    .collect();
                steps.push(ScenarioStep {
                    at: at.secs,
                    kind: StepKind::Event {
                        name: event.name.clone(),
                        fields,
                    },
                });
            }
            TestPart::Engage {
                at,
                func,
                touchpoint,
                ..
            } => {
                let kind = if func.name == "clicked" {
                    super::Engagement::Clicked
                } else {
                    super::Engagement::Opened
                };
                steps.push(ScenarioStep {
                    at: at.secs,
                    kind: StepKind::Engage {
                        kind,
                        touchpoint: touchpoint.name.clone(),
                    },
                });
            }
            TestPart::Expect(e) => {
                let kind = match &e.kind {
                    ExpectKind::Sent { touchpoint, at } => Expect::Sent {
                        touchpoint: touchpoint.name.clone(),
                        at: at.map(|d| d.secs),
                    },
                    ExpectKind::Suppressed(t) => Expect::Suppressed {
                        touchpoint: t.name.clone(),
                    },
                    ExpectKind::Milestone(m) => Expect::Milestone {
                        name: m.name.clone(),
                    },
                    ExpectKind::Reached(s) => Expect::Reached {
                        stage: s.name.clone(),
                    },
                    ExpectKind::Converted => Expect::Converted,
                    ExpectKind::Exited => Expect::Exited,
                };
                expectations.push(Expectation {
                    negated: e.negated,
                    kind,
                    span: e.span,
                });
            }
        }
    }
    Some(Scenario {
        name: test.name.clone(),
        journey: journey?,
        customer,
        steps,
        expectations,
        span: test.decl.name.span,
    })
}
