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
    /// `at T customer { attr = value }`: an identify, changing the customer's attributes.
    Identify { attrs: Vec<(String, Value)> },
}

/// A local wall-clock time a send is expected at: minutes after midnight, on `date`
/// (`YYYY-MM-DD`) when one is written, in `zone`: the test customer's zone (its `customer { }`
/// value, else the `timezone` attribute's default, else UTC).
#[derive(Clone, Debug, PartialEq)]
pub struct LocalExpect {
    pub date: Option<(i32, u32, u32)>,
    pub minute: u32,
    pub zone: String,
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
    Sent {
        touchpoint: String,
        at: Option<u64>,
        /// `with { FIELD = VALUE, ... }`: fields the send's data must hold with these values
        /// (fields not listed are not looked at).
        with: Vec<(String, Value)>,
        /// `at [DATE] HH:MM local`: the local clock at delivery.
        local: Option<LocalExpect>,
    },
    Suppressed {
        touchpoint: String,
    },
    Milestone {
        name: String,
    },
    Reached {
        stage: String,
    },
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
        (ValueKind::Lit(Literal::Str(s)), Type::Timezone) => Value::Timezone(s.clone()),
        (ValueKind::Lit(Literal::DateTime { secs, .. }), Type::DateTime) => {
            Value::DateTime(super::lower::fmt_datetime(*secs))
        }
        (ValueKind::Name(n), Type::Enum(e)) => Value::Enum(super::EnumValue {
            enum_name: e.clone(),
            value: n.clone(),
            index: model.enum_index(e, n)?,
        }),
        _ => return None,
    })
}

/// The zone of a test's customer: its value for the `timezone` attribute, else that
/// attribute's default, else UTC.
fn test_zone(model: &Model, customer: &[(String, Value)]) -> String {
    let Some(attr) = model.zone_attr() else {
        return "UTC".into();
    };
    let given = customer
        .iter()
        .find(|(n, _)| *n == attr.name)
        .map(|(_, v)| v);
    match (given, &attr.default) {
        (Some(Value::Timezone(z)), _) | (None, Some(crate::check::Const::Timezone(z))) => z.clone(),
        _ => "UTC".into(),
    }
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
            TestPart::Identify { at, props, .. } => {
                let attrs = props
                    .iter()
                    .filter_map(|a| {
                        let ty = model.attr_type(&a.name.name)?;
                        Some((a.name.name.clone(), value_of(model, &a.value, ty)?))
                    })
                    .collect();
                steps.push(ScenarioStep {
                    at: at.secs,
                    kind: StepKind::Identify { attrs },
                });
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
                    ExpectKind::Sent {
                        touchpoint,
                        at,
                        with,
                        local,
                    } => Expect::Sent {
                        touchpoint: touchpoint.name.clone(),
                        at: at.map(|d| d.secs),
                        with: expected_data(model, &touchpoint.name, with.as_ref()),
                        local: local.map(|l| LocalExpect {
                            date: l.date.map(|d| (d.year, d.month, d.day)),
                            minute: l.minute,
                            zone: String::new(),
                        }),
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
    // Local expectations read the test customer's zone, wherever the `customer` line is.
    let zone = test_zone(model, &customer);
    for e in &mut expectations {
        if let Expect::Sent { local: Some(l), .. } = &mut e.kind {
            l.zone = zone.clone();
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

/// The values of `expect sent T with { ... }`, typed by T's data.
fn expected_data(
    model: &Model,
    touchpoint: &str,
    with: Option<&ast::ExpectWith>,
) -> Vec<(String, Value)> {
    let data = model
        .touchpoints
        .get(touchpoint)
        .and_then(|t| t.data.as_ref());
    with.iter()
        .flat_map(|w| &w.fields)
        .filter_map(|a| {
            let (_, ty, _) = data?.field(&a.name.name)?;
            Some((
                a.name.name.clone(),
                value_of(model, &a.value, ty.as_ref()?)?,
            ))
        })
        .collect()
}
