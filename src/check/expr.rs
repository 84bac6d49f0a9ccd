//! Types: resolving type names, checking constants against a type, and inferring the type of
//! every expression (conditions, `set` values), with enum values resolved from context.

use super::collect::{unknown_attr, unknown_event, unknown_touchpoint};
use super::model::*;
use super::usage::{Kind, Usage};
use super::Sink;
use crate::diagnostics::{codes, did_you_mean, Diagnostic};
use crate::source::FileId;
use crate::syntax::ast::{self, BinOp, ExprKind, Literal, UnOp, ValueKind};

pub const BUILTIN_TYPES: &[&str] = &[
    "string", "int", "decimal", "bool", "duration", "date", "time", "timezone", "datetime",
];

pub use super::model::NOW;

pub fn resolve_type(model: &Model, file: FileId, ty: &ast::Ident, sink: &mut Sink) -> Option<Type> {
    Some(match ty.name.as_str() {
        "string" => Type::Str,
        "int" => Type::Int,
        "decimal" => Type::Decimal,
        "bool" => Type::Bool,
        "duration" => Type::Duration,
        "date" => Type::Date,
        "time" => Type::Time,
        "timezone" => Type::Timezone,
        "datetime" => Type::DateTime,
        name if model.enums.contains_key(name) => Type::Enum(name.to_string()),
        name => {
            let candidates = BUILTIN_TYPES
                .iter()
                .copied()
                .chain(model.enums.keys().map(String::as_str));
            let d = Diagnostic::error(codes::UNKNOWN_TYPE, file, format!("unknown type `{name}`"))
                .label(ty.span, "not a type");
            sink.push(match did_you_mean(name, candidates) {
                Some(s) => d.suggest(ty.span, s),
                None => d.help(format!(
                    "use one of {}, or declare `enum {name} {{ ... }}`",
                    BUILTIN_TYPES
                        .iter()
                        .map(|t| format!("`{t}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            });
            return None;
        }
    })
}

fn literal_type(l: &Literal) -> Type {
    match l {
        Literal::Str(_) => Type::Str,
        Literal::Int(_) => Type::Int,
        Literal::Decimal(_) | Literal::Percent(_) => Type::Decimal,
        Literal::Duration(_) => Type::Duration,
        Literal::Time(_) => Type::Time,
        Literal::Date(_) => Type::Date,
        Literal::Bool(_) => Type::Bool,
        Literal::DateTime { .. } => Type::DateTime,
    }
}

/// A value written for a known type (a default, a test attribute, a population value).
pub fn const_of(
    model: &Model,
    file: FileId,
    v: &ast::Value,
    ty: &Type,
    sink: &mut Sink,
) -> Option<Const> {
    let c = match (&v.kind, ty) {
        (ValueKind::Lit(Literal::Str(s)), Type::Str) => Const::Str(s.clone()),
        (ValueKind::Lit(Literal::Int(i)), Type::Int) => Const::Int(*i),
        (ValueKind::Lit(Literal::Int(i)), Type::Decimal) => Const::Decimal((*i).into()),
        (ValueKind::Lit(Literal::Decimal(d)), Type::Decimal) => Const::Decimal(*d),
        (ValueKind::Lit(Literal::Bool(b)), Type::Bool) => Const::Bool(*b),
        (ValueKind::Lit(Literal::Duration(d)), Type::Duration) => Const::Duration(*d),
        (ValueKind::Lit(Literal::Int(0)), Type::Duration) => Const::Duration(0),
        (ValueKind::Lit(Literal::Date(d)), Type::Date) => Const::Date(*d),
        (ValueKind::Lit(Literal::Time(t)), Type::Time) => Const::Time(*t),
        (ValueKind::Lit(Literal::Str(s)), Type::Timezone) => {
            Const::Timezone(super::zones::zone_name(file, s, v.span, sink)?)
        }
        (ValueKind::Lit(Literal::DateTime { secs, .. }), Type::DateTime) => Const::DateTime(*secs),
        (ValueKind::Name(n), Type::Enum(e)) => match model.enum_index(e, n) {
            Some(index) => Const::Enum {
                ty: e.clone(),
                value: n.clone(),
                index,
            },
            None => {
                unknown_enum_value(model, file, n, e, v.span, sink);
                return None;
            }
        },
        (kind, ty) => {
            let found = match kind {
                ValueKind::Lit(l) => literal_type(l).a(),
                ValueKind::Name(n) => format!("the name `{n}`"),
            };
            let hint = match ty {
                Type::Enum(e) => {
                    let vals = model
                        .enums
                        .get(e)
                        .map(|d| d.values.join(", "))
                        .unwrap_or_default();
                    format!("write one of the values of `{e}`: {vals}")
                }
                Type::Str => "write a string in double quotes, like \"US\"".to_string(),
                Type::Int => "write a whole number, like `3`".to_string(),
                Type::Decimal => "write a number, like `9.99`".to_string(),
                Type::Bool => "write `true` or `false`".to_string(),
                Type::Duration => "write a duration, like `3d`".to_string(),
                Type::Date => "write a date, like `2026-12-01`".to_string(),
                Type::Time => "write a time of day, like `09:00`".to_string(),
                Type::Timezone => {
                    "write an IANA time zone name in double quotes, like \"Europe/Berlin\""
                        .to_string()
                }
                Type::DateTime => {
                    "write an instant with its offset, like `2026-03-08T15:00:00-05:00`".to_string()
                }
            };
            sink.push(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    file,
                    format!("expected {}, found {found}", ty.a()),
                )
                .label(v.span, format!("expected {}", ty.name()))
                .help(hint),
            );
            return None;
        }
    };
    Some(c)
}

pub fn unknown_enum_value(
    model: &Model,
    file: FileId,
    name: &str,
    ty: &str,
    span: crate::source::Span,
    sink: &mut Sink,
) {
    let values: Vec<&str> = model
        .enums
        .get(ty)
        .map(|e| e.values.iter().map(String::as_str).collect())
        .unwrap_or_default();
    let d = Diagnostic::error(
        codes::UNKNOWN_ENUM_VALUE,
        file,
        format!("`{name}` is not a value of enum `{ty}`"),
    )
    .label(span, format!("not a `{ty}`"));
    sink.push(match did_you_mean(name, values.iter().copied()) {
        Some(s) => d.suggest(span, s),
        None => d.help(format!("`{ty}` has the values {}", values.join(", "))),
    });
}

/// What an expression may refer to where it is written.
pub struct Scope<'a> {
    pub model: &'a Model,
    pub file: FileId,
    /// The event whose fields `event.FIELD` reads: inside a wait's block, or in a trigger, goal
    /// or exit condition.
    pub event: Option<&'a str>,
    /// The journey's trigger event, whose fields `trigger.FIELD` reads anywhere in the journey
    /// (`None` outside a journey, or for a journey entered without an event).
    pub trigger: Option<&'a str>,
}

pub struct Typer<'a, 'b> {
    pub scope: Scope<'a>,
    pub sink: &'b mut Sink,
    pub used: &'b mut Usage,
}

impl Typer<'_, '_> {
    fn err(&mut self, d: Diagnostic) -> Option<Type> {
        self.sink.push(d);
        None
    }

    /// Checks a condition: its type must be bool.
    pub fn condition(&mut self, e: &ast::Expr) {
        if let Some(t) = self.infer(e, None) {
            if t != Type::Bool {
                self.sink.push(
                    Diagnostic::error(
                        codes::NOT_A_CONDITION,
                        self.scope.file,
                        format!("this condition is {}, not a bool", t.a()),
                    )
                    .label(e.span, t.a())
                    .help("compare it with something, e.g. `seats > 5` or `plan == pro`"),
                );
            }
        }
    }

    /// Checks that `e` has type `expected` (for `set` and similar).
    pub fn expect(&mut self, e: &ast::Expr, expected: &Type) {
        if let Some(t) = self.infer(e, Some(expected)) {
            // `set tz = "Asia/Tokyo"`: a zone written as a string, checked as a zone.
            if self.zone_literal(expected, e, &t) {
                return;
            }
            if !assignable(&t, expected) {
                self.sink.push(
                    Diagnostic::error(
                        codes::TYPE_MISMATCH,
                        self.scope.file,
                        format!("expected {}, found {}", expected.a(), t.a()),
                    )
                    .label(e.span, t.a())
                    .help(format!("give a value of type {}", expected.name())),
                );
            }
        }
    }

    /// A history call (`sent(t) within D`, `happened(e) within D`, `count(e within D)`): the
    /// function must take the form written, the window must be longer than zero, and the name
    /// must be a touchpoint (`sent`) or an event (the others).
    fn history(
        &mut self,
        e: &ast::Expr,
        func: &ast::Ident,
        arg: &ast::Ident,
        within: &ast::Dur,
        inside: bool,
    ) -> Option<Type> {
        let file = self.scope.file;
        let wanted = match (func.name.as_str(), inside) {
            ("sent" | "happened", false) | ("count", true) => true,
            ("sent" | "happened" | "count" | "opened" | "clicked", _) => false,
            (name, _) => {
                let known: &[&str] = if inside {
                    &["count"]
                } else {
                    &["sent", "happened"]
                };
                let d = Diagnostic::error(
                    codes::UNKNOWN_FUNCTION,
                    file,
                    format!("unknown function `{name}`"),
                )
                .label(func.span, "not a function");
                return self.err(match did_you_mean(name, known.iter().copied()) {
                    Some(s) => d.suggest(func.span, s),
                    None => d.help("the functions with a window are `sent(t) within D`, `happened(e) within D` and `count(e within D)`"),
                });
            }
        };
        if !wanted {
            self.mark_history_arg(func, arg);
            return self.err(history_form(file, e, func, true));
        }
        if func.name == "sent" {
            if self.scope.model.touchpoints.contains_key(&arg.name) {
                self.used.mark(Kind::Touchpoint, &arg.name);
            } else {
                unknown_touchpoint(self.scope.model, file, arg, self.sink);
            }
        } else if self.scope.model.events.contains_key(&arg.name) {
            self.used.mark(Kind::Event, &arg.name);
        } else {
            unknown_event(self.scope.model, file, arg, self.sink);
        }
        if within.secs == 0 {
            self.sink.push(
                Diagnostic::error(codes::BAD_VALUE, file, "a history window of zero")
                    .label(within.span, "nothing is ever within zero time")
                    .help("give the window a length, like `within 7d`"),
            );
        }
        Some(if func.name == "count" {
            Type::Int
        } else {
            Type::Bool
        })
    }

    /// Marks the name of a history call written in the wrong form as used, so that the one
    /// error does not bring a W0404 along.
    fn mark_history_arg(&mut self, func: &ast::Ident, arg: &ast::Ident) {
        let model = self.scope.model;
        if matches!(func.name.as_str(), "happened" | "count") {
            if model.events.contains_key(&arg.name) {
                self.used.mark(Kind::Event, &arg.name);
            }
        } else if model.touchpoints.contains_key(&arg.name) {
            self.used.mark(Kind::Touchpoint, &arg.name);
        }
    }

    /// The type of `e`; `hint` is the type the context expects, used to resolve bare enum values.
    pub fn infer(&mut self, e: &ast::Expr, hint: Option<&Type>) -> Option<Type> {
        let file = self.scope.file;
        match &e.kind {
            ExprKind::Lit(l) => Some(literal_type(l)),
            ExprKind::Name(n) => self.name(n, e, hint),
            ExprKind::TriggerField(f) => {
                let Some(event) = self.scope.trigger else {
                    return self.err(
                        Diagnostic::error(
                            codes::EVENT_FIELD_OUTSIDE_WAIT,
                            file,
                            format!("`trigger.{}` is used where no trigger event entered the customer", f.name),
                        )
                        .label(e.span, "no trigger event here")
                        .help("`trigger.FIELD` reads the event that entered the customer, anywhere in a journey with `trigger EVENT`; a journey entered by a schedule (`trigger every`) or a condition (`trigger when`), or anything outside a journey, has none"),
                    );
                };
                match self.scope.model.field_type(event, &f.name) {
                    Some(t) => Some(t.clone()),
                    None => self.err(super::draws::unknown_field_error(
                        self.scope.model,
                        file,
                        event,
                        f,
                        "trigger.",
                    )),
                }
            }
            ExprKind::EventField(f) => {
                let Some(event) = self.scope.event else {
                    let mut d = Diagnostic::error(
                        codes::EVENT_FIELD_OUTSIDE_WAIT,
                        file,
                        format!("`event.{}` is used where no event was received", f.name),
                    )
                    .label(e.span, "no event here");
                    // The trigger's field, which can be read anywhere: offer `trigger.FIELD`.
                    let of_trigger = self
                        .scope
                        .trigger
                        .and_then(|t| self.scope.model.field_type(t, &f.name))
                        .is_some();
                    d = if of_trigger {
                        d.help(format!(
                            "`event.FIELD` reads the event just received: in a `where` of a trigger, goal, exit or wait, or in the block right after `wait EVENT`; the trigger event's `{}` can be read anywhere in the journey as `trigger.{}`",
                            f.name, f.name
                        ))
                        .fix(e.span, format!("trigger.{}", f.name))
                    } else {
                        d.help("`event.FIELD` reads the event just received: in a `where` of a trigger, goal, exit or wait, or in the block right after `wait EVENT`; `trigger.FIELD` reads the trigger event's fields anywhere in the journey")
                    };
                    return self.err(d);
                };
                match self.scope.model.field_type(event, &f.name) {
                    Some(t) => Some(t.clone()),
                    None => {
                        let d = super::draws::unknown_field_error(
                            self.scope.model,
                            file,
                            event,
                            f,
                            "event.",
                        );
                        // The trigger event has it: `trigger.FIELD` reads it here.
                        let of_trigger = self
                            .scope
                            .trigger
                            .filter(|t| *t != event)
                            .is_some_and(|t| self.scope.model.field_type(t, &f.name).is_some());
                        self.err(if of_trigger && d.suggestions.is_empty() {
                            d.help(format!(
                                "`{event}` has no `{}`, but the trigger event does: read it as `trigger.{}`",
                                f.name, f.name
                            ))
                            .fix(e.span, format!("trigger.{}", f.name))
                        } else {
                            d
                        })
                    }
                }
            }
            ExprKind::Call { func, arg } if matches!(func.name.as_str(), "happened" | "count") => {
                self.mark_history_arg(func, arg);
                self.err(history_form(file, e, func, false))
            }
            ExprKind::History {
                func,
                arg,
                within,
                inside,
            } => self.history(e, func, arg, within, *inside),
            ExprKind::Call { func, arg } => {
                if !matches!(func.name.as_str(), "sent" | "opened" | "clicked") {
                    let d = Diagnostic::error(
                        codes::UNKNOWN_FUNCTION,
                        file,
                        format!("unknown function `{}`", func.name),
                    )
                    .label(func.span, "not a function");
                    return self.err(
                        match did_you_mean(
                            &func.name,
                            ["sent", "opened", "clicked", "happened", "count"],
                        ) {
                            Some(s) => d.suggest(func.span, s),
                            None => d.help(
                                "the functions are `sent(t)`, `opened(t)`, `clicked(t)`, `happened(e) within D` and `count(e within D)`",
                            ),
                        },
                    );
                }
                if self.scope.model.touchpoints.contains_key(&arg.name) {
                    self.used.mark(Kind::Touchpoint, &arg.name);
                } else {
                    unknown_touchpoint(self.scope.model, file, arg, self.sink);
                }
                Some(Type::Bool)
            }
            ExprKind::Unary {
                op: UnOp::Not,
                expr,
            } => {
                let t = self.infer(expr, Some(&Type::Bool))?;
                if t != Type::Bool {
                    return self.err(mismatch(file, expr, "`not` needs a bool", &t));
                }
                Some(Type::Bool)
            }
            ExprKind::Unary {
                op: UnOp::Neg,
                expr,
            } => {
                let t = self.infer(expr, hint)?;
                if !(t.is_numeric() || t == Type::Duration) {
                    return self.err(mismatch(file, expr, "`-` needs a number", &t));
                }
                Some(t)
            }
            ExprKind::Binary { op, lhs, rhs } => self.binary(*op, lhs, rhs, e),
            ExprKind::In { expr, list } => {
                let t = self.infer(expr, None);
                for item in list {
                    if let (Some(t), Some(it)) = (t.as_ref(), self.infer(item, t.as_ref())) {
                        if !self.zone_literal(t, item, &it) && !comparable(t, &it) {
                            self.sink.push(
                                Diagnostic::error(codes::TYPE_MISMATCH, file, format!("a list of {} values holds {}", t.name(), it.a()))
                                    .label(item.span, it.a())
                                    .label(expr.span, format!("this is {}", t.a()))
                                    .help("every value in the list must have the type of the value being tested"),
                            );
                        }
                    }
                }
                Some(Type::Bool)
            }
        }
    }

    /// A string literal compared with a `timezone` (`tz == "Asia/Tokyo"`): the name is checked
    /// (E0119) and the comparison allowed. Whether `other` (of type `other_ty`) is one.
    fn zone_literal(&mut self, zone_ty: &Type, other: &ast::Expr, other_ty: &Type) -> bool {
        if *zone_ty != Type::Timezone || *other_ty != Type::Str {
            return false;
        }
        let ExprKind::Lit(Literal::Str(name)) = &other.kind else {
            return false;
        };
        super::zones::zone_name(self.scope.file, name, other.span, self.sink);
        true
    }

    fn name(&mut self, n: &str, e: &ast::Expr, hint: Option<&Type>) -> Option<Type> {
        let model = self.scope.model;
        if let Some(a) = model.attrs.get(n) {
            self.used.mark(Kind::Attr, n);
            return Some(a.ty.clone());
        }
        if let Some(Type::Enum(en)) = hint {
            if model.enum_index(en, n).is_some() {
                return Some(Type::Enum(en.clone()));
            }
            if !model
                .enums
                .values()
                .any(|d| d.values.iter().any(|v| v == n))
            {
                unknown_enum_value(model, self.scope.file, n, en, e.span, self.sink);
                return None;
            }
        }
        let owners: Vec<&EnumDef> = model
            .enums
            .values()
            .filter(|d| d.values.iter().any(|v| v == n))
            .collect();
        if owners.len() == 1 {
            return Some(Type::Enum(owners[0].name.clone()));
        }
        if owners.len() > 1 {
            let names: Vec<String> = owners.iter().map(|d| format!("`{}`", d.name)).collect();
            return self.err(
                Diagnostic::error(
                    codes::TYPE_MISMATCH,
                    self.scope.file,
                    format!("`{n}` is a value of several enums ({})", names.join(", ")),
                )
                .label(e.span, "ambiguous value")
                .help("compare it with an attribute so its enum is known, e.g. `plan == trial`"),
            );
        }
        if model.untyped_attrs.contains(n) {
            return None;
        }
        // `now` is no keyword: it names the current instant only where no attribute or enum
        // value is called `now` (those were found above), so older journeys keep their meaning.
        if n == NOW {
            return Some(Type::DateTime);
        }
        let ident = ast::Ident {
            name: n.to_string(),
            span: e.span,
        };
        let candidates: Vec<&str> = model
            .attrs
            .keys()
            .map(String::as_str)
            .chain(
                model
                    .enums
                    .values()
                    .flat_map(|d| d.values.iter().map(String::as_str)),
            )
            .collect();
        match did_you_mean(n, candidates.iter().copied()) {
            Some(s) => self.sink.push(
                Diagnostic::error(
                    codes::UNKNOWN_ATTRIBUTE,
                    self.scope.file,
                    format!("unknown name `{n}`"),
                )
                .label(e.span, "not an attribute or enum value")
                .suggest(e.span, s),
            ),
            None => unknown_attr(model, self.scope.file, &ident, self.sink),
        }
        None
    }

    fn binary(
        &mut self,
        op: BinOp,
        lhs: &ast::Expr,
        rhs: &ast::Expr,
        whole: &ast::Expr,
    ) -> Option<Type> {
        let file = self.scope.file;
        match op {
            BinOp::And | BinOp::Or => {
                let l = self.infer(lhs, Some(&Type::Bool));
                let r = self.infer(rhs, Some(&Type::Bool));
                for (t, side) in [(l, lhs), (r, rhs)] {
                    if let Some(t) = t {
                        if t != Type::Bool {
                            self.sink.push(mismatch(
                                file,
                                side,
                                &format!("`{}` joins conditions (bools)", op.symbol()),
                                &t,
                            ));
                        }
                    }
                }
                Some(Type::Bool)
            }
            BinOp::Eq | BinOp::Ne | BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                // Infer the side that is not a bare name first, so `trial == plan` works too.
                let (l, r) = if matches!(lhs.kind, ExprKind::Name(ref n) if !self.scope.model.attrs.contains_key(n))
                {
                    let r = self.infer(rhs, None);
                    (self.infer(lhs, r.as_ref()), r)
                } else {
                    let l = self.infer(lhs, None);
                    (l.clone(), self.infer(rhs, l.as_ref()))
                };
                let (l, r) = (l?, r?);
                let zone_literal = self.zone_literal(&l, rhs, &r) || self.zone_literal(&r, lhs, &l);
                if !zone_literal && !comparable(&l, &r) {
                    return self.err(
                        Diagnostic::error(
                            codes::TYPE_MISMATCH,
                            file,
                            format!("cannot compare {} with {}", l.a(), r.a()),
                        )
                        .label(lhs.span, l.a())
                        .label(rhs.span, r.a())
                        .help("both sides of a comparison must have the same type"),
                    );
                }
                let ordered = matches!(op, BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge);
                if ordered && matches!(l, Type::Bool | Type::Str | Type::Timezone) {
                    return self.err(
                        Diagnostic::error(codes::TYPE_MISMATCH, file, format!("{} has no order for `{}`", l.a(), op.symbol()))
                            .label(whole.span, "no order")
                            .help("use `==` or `!=`; numbers, durations, dates, times and enums (by declared order) can be ordered"),
                    );
                }
                Some(Type::Bool)
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div => {
                let l = self.infer(lhs, None)?;
                let r = self.infer(rhs, Some(&l))?;
                let out = match (op, &l, &r) {
                    (_, Type::Int, Type::Int) => Some(Type::Int),
                    (_, a, b) if a.is_numeric() && b.is_numeric() => Some(Type::Decimal),
                    (BinOp::Add | BinOp::Sub, Type::Duration, Type::Duration) => {
                        Some(Type::Duration)
                    }
                    (BinOp::Add | BinOp::Sub, Type::Date, Type::Duration) => Some(Type::Date),
                    (BinOp::Add | BinOp::Sub, Type::DateTime, Type::Duration) => {
                        Some(Type::DateTime)
                    }
                    (BinOp::Add, Type::Duration, Type::DateTime) => Some(Type::DateTime),
                    (BinOp::Sub, Type::DateTime, Type::DateTime) => Some(Type::Duration),
                    (BinOp::Mul, Type::Duration, Type::Int)
                    | (BinOp::Mul, Type::Int, Type::Duration) => Some(Type::Duration),
                    _ => None,
                };
                match out {
                    Some(t) => Some(t),
                    None => self.err(
                        Diagnostic::error(codes::TYPE_MISMATCH, file, format!("cannot apply `{}` to {} and {}", op.symbol(), l.a(), r.a()))
                            .label(lhs.span, l.a())
                            .label(rhs.span, r.a())
                            .help("arithmetic works on numbers, and `+`/`-` on durations, on a date or datetime plus a duration, and `-` between two datetimes (a duration)"),
                    ),
                }
            }
        }
    }
}

fn mismatch(file: FileId, e: &ast::Expr, what: &str, found: &Type) -> Diagnostic {
    Diagnostic::error(
        codes::TYPE_MISMATCH,
        file,
        format!("{what}, found {}", found.a()),
    )
    .label(e.span, found.a())
    .help("check the operator and the types of its operands")
}

/// Whether values of the two types can be compared with `==` and friends.
pub fn comparable(a: &Type, b: &Type) -> bool {
    a == b || (a.is_numeric() && b.is_numeric())
}

/// Whether a value of type `from` can be stored where `to` is expected.
pub fn assignable(from: &Type, to: &Type) -> bool {
    from == to || (*from == Type::Int && *to == Type::Decimal)
}

/// "the field `a`" or "the fields `a`, `b`", for helps that list an event's fields.
pub fn field_list(fields: &[&str]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    match quoted.len() {
        1 => format!("the field {}", quoted[0]),
        _ => format!("the fields {}", quoted.join(", ")),
    }
}

/// E0308: a history function written without its window, or in the other function's form.
fn history_form(file: FileId, e: &ast::Expr, func: &ast::Ident, windowed: bool) -> Diagnostic {
    let (label, help) = match (func.name.as_str(), windowed) {
        ("happened", false) => (
            "`happened` needs a window",
            "write `happened(EVENT) within D`, for example `happened(order_placed) within 7d`",
        ),
        ("count", false) => (
            "`count` needs a window",
            "write `count(EVENT within D)`, for example `count(order_placed within 30d) >= 3`",
        ),
        ("count", true) => (
            "the window of `count` goes inside the parentheses",
            "write `count(EVENT within D)`, for example `count(order_placed within 30d) >= 3`",
        ),
        ("sent" | "happened", true) => (
            "the window goes after the parentheses",
            "write `sent(TOUCHPOINT) within D` or `happened(EVENT) within D`",
        ),
        _ => (
            "`opened` and `clicked` read this entry only and take no window",
            "write `opened(t)` or `clicked(t)`; for sends across entries and journeys use `sent(t) within D`",
        ),
    };
    Diagnostic::error(
        codes::HISTORY_FORM,
        file,
        format!("`{}` is not written this way", func.name),
    )
    .label(e.span, label)
    .help(help)
}
