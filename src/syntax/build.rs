//! From pest pairs to the typed AST: one function per rule.
//!
//! The grammar guarantees the shape of the pairs, so a missing child is a grammar bug, not a user
//! error; such cases fall back to an empty value rather than panicking.

use super::ast::*;
use super::literals;
use super::Rule;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::{FileId, Span};
use pest::iterators::{Pair, Pairs};
use pest::pratt_parser::{Assoc, Op, PrattParser};
use std::sync::OnceLock;

type P<'i> = Pair<'i, Rule>;

fn pratt() -> &'static PrattParser<Rule> {
    static PRATT: OnceLock<PrattParser<Rule>> = OnceLock::new();
    PRATT.get_or_init(|| {
        PrattParser::new()
            .op(Op::infix(Rule::op_or, Assoc::Left))
            .op(Op::infix(Rule::op_and, Assoc::Left))
            // `not` binds looser than comparisons: `not plan == trial` is `not (plan == trial)`.
            .op(Op::prefix(Rule::op_not))
            .op(Op::infix(Rule::op_eq, Assoc::Left)
                | Op::infix(Rule::op_ne, Assoc::Left)
                | Op::infix(Rule::op_lt, Assoc::Left)
                | Op::infix(Rule::op_le, Assoc::Left)
                | Op::infix(Rule::op_gt, Assoc::Left)
                | Op::infix(Rule::op_ge, Assoc::Left))
            // `in` tests a whole arithmetic value: `seats + 1 in [2, 3]`.
            .op(Op::postfix(Rule::in_list))
            .op(Op::infix(Rule::op_add, Assoc::Left) | Op::infix(Rule::op_sub, Assoc::Left))
            .op(Op::infix(Rule::op_mul, Assoc::Left) | Op::infix(Rule::op_div, Assoc::Left))
            .op(Op::prefix(Rule::op_neg))
    })
}

/// Most operators one expression may hold; a longer chain would make a tree too deep to walk.
const MAX_OPERATORS: usize = 256;

pub struct Builder {
    file: FileId,
    /// Byte offset of the parsed text in the file.
    offset: usize,
    diags: Vec<Diagnostic>,
}

impl Builder {
    pub fn new(file: FileId, offset: usize) -> Self {
        Builder {
            file,
            offset,
            diags: Vec::new(),
        }
    }

    pub fn into_diagnostics(self) -> Vec<Diagnostic> {
        self.diags
    }

    /// The pair's span without the blank space pest's implicit whitespace leaves at the end of
    /// a rule whose last part is optional (`trigger x` followed by a missing `where`), so labels
    /// end on the last character written.
    fn span(&self, p: &P) -> Span {
        let s = p.as_span();
        let text = p.as_str();
        let end = s.start() + text.trim_end().len();
        Span::new(s.start() + self.offset, end.max(s.start()) + self.offset)
    }

    fn bad_literal(&mut self, span: Span, message: String, help: &str) {
        self.diags.push(
            Diagnostic::error(codes::BAD_LITERAL, self.file, message)
                .label(span, "invalid value")
                .help(help.to_string()),
        );
    }

    pub fn item(&mut self, p: P) -> Option<Item> {
        Some(match p.as_rule() {
            Rule::import_decl => Item::Import(self.import(p)),
            Rule::enum_decl => Item::Enum(self.enum_decl(p)),
            Rule::customer_decl => Item::Customer(self.customer(p)),
            Rule::event_decl => Item::Event(self.event(p)),
            Rule::channel_decl => Item::Channel(self.channel(p)),
            Rule::touchpoint_decl => Item::Touchpoint(self.touchpoint(p)),
            Rule::journey_decl => Item::Journey(self.journey(p)),
            Rule::test_decl => Item::Test(self.test(p)),
            Rule::simulation_decl => Item::Simulation(self.simulation(p)),
            _ => return None,
        })
    }

    fn ident(&self, p: P) -> Ident {
        Ident {
            name: p.as_str().to_string(),
            span: self.span(&p),
        }
    }

    fn next_ident(&self, it: &mut Pairs<Rule>) -> Ident {
        match it.next() {
            Some(p) => self.ident(p),
            None => Ident {
                name: String::new(),
                span: Span::default(),
            },
        }
    }

    fn string(&mut self, p: P) -> StrLit {
        let span = self.span(&p);
        let inner = p.into_inner().next().map(|i| i.as_str()).unwrap_or("");
        let value = match literals::string(inner) {
            Ok(v) => v,
            Err(msg) => {
                self.bad_literal(
                    span,
                    msg,
                    "escapes are `\\\"`, `\\\\`, `\\n`, `\\t`, `\\r`, `\\0` and `\\u{...}`",
                );
                inner.to_string()
            }
        };
        StrLit { value, span }
    }

    /// The next pair as a duration (a zero one at `span` if the grammar gave none).
    fn next_dur(&mut self, it: &mut Pairs<Rule>, span: Span) -> Dur {
        match it.next() {
            Some(p) => self.dur(p),
            None => Dur { secs: 0, span },
        }
    }

    fn dur(&mut self, p: P) -> Dur {
        let span = self.span(&p);
        let secs = match literals::duration(p.as_str()) {
            Ok(s) => s,
            Err(msg) => {
                self.bad_literal(
                    span,
                    msg,
                    "write a duration like `30m`, `2h`, `3d`, `2w` or `1d12h`",
                );
                0
            }
        };
        Dur { secs, span }
    }

    fn percent(&mut self, p: P) -> f64 {
        let span = self.span(&p);
        match literals::percent(p.as_str()) {
            Ok(v) => v,
            Err(msg) => {
                self.bad_literal(span, msg, "write a percentage like `45%` or `12.5%`");
                0.0
            }
        }
    }

    fn integer(&mut self, p: P) -> i64 {
        let span = self.span(&p);
        match literals::integer(p.as_str()) {
            Ok(v) => v,
            Err(msg) => {
                self.bad_literal(span, msg, "whole numbers go up to 9223372036854775807");
                0
            }
        }
    }

    fn count(&mut self, p: P) -> u64 {
        let span = self.span(&p);
        let v = self.integer(p);
        u64::try_from(v).unwrap_or_else(|_| {
            self.bad_literal(
                span,
                "a count cannot be negative".into(),
                "write a whole number of 0 or more",
            );
            0
        })
    }

    fn literal(&mut self, p: P) -> Literal {
        let Some(inner) = p.into_inner().next() else {
            return Literal::Int(0);
        };
        let span = self.span(&inner);
        let text = inner.as_str();
        match inner.as_rule() {
            Rule::string => Literal::Str(self.string(inner).value),
            Rule::date => match literals::date(text) {
                Ok(d) => Literal::Date(d),
                Err(msg) => {
                    self.bad_literal(span, msg, "write a date as YYYY-MM-DD, like `2026-12-01`");
                    Literal::Date(Date {
                        year: 1970,
                        month: 1,
                        day: 1,
                    })
                }
            },
            Rule::datetime => match literals::datetime(text) {
                Ok(secs) => Literal::DateTime {
                    secs,
                    text: text.to_string(),
                },
                Err(msg) => {
                    self.bad_literal(
                        span,
                        msg,
                        "write an instant as RFC 3339 with its offset, like `2026-03-08T15:00:00-05:00` or `2026-03-08T20:00:00Z`",
                    );
                    Literal::DateTime {
                        secs: 0,
                        text: text.to_string(),
                    }
                }
            },
            Rule::time => match literals::time(text) {
                Ok(t) => Literal::Time(t),
                Err(msg) => {
                    self.bad_literal(span, msg, "write a time of day as HH:MM, like `21:00`");
                    Literal::Time(0)
                }
            },
            Rule::duration => Literal::Duration(self.dur(inner).secs),
            Rule::percent => Literal::Percent(self.percent(inner)),
            Rule::decimal => match literals::decimal(text) {
                Ok(v) => Literal::Decimal(v),
                Err(msg) => {
                    self.bad_literal(span, msg, "write a decimal like `9.99`");
                    Literal::Decimal(rust_decimal::Decimal::ZERO)
                }
            },
            Rule::integer => Literal::Int(self.integer(inner)),
            Rule::bool_lit => Literal::Bool(text == "true"),
            _ => Literal::Int(0),
        }
    }

    /// `-5` or `-19.99` where a value is written: read with its sign, so that the smallest
    /// whole number (`-9223372036854775808`) is accepted too.
    fn neg_number(&mut self, p: P) -> Literal {
        let span = self.span(&p);
        let text = p.as_str();
        let is_decimal = p.into_inner().next().map(|n| n.as_rule()) == Some(Rule::decimal);
        if is_decimal {
            match literals::decimal(text) {
                Ok(v) => Literal::Decimal(v),
                Err(msg) => {
                    self.bad_literal(span, msg, "write a decimal like `-9.99`");
                    Literal::Decimal(rust_decimal::Decimal::ZERO)
                }
            }
        } else {
            match literals::integer(text) {
                Ok(v) => Literal::Int(v),
                Err(msg) => {
                    self.bad_literal(span, msg, "whole numbers go down to -9223372036854775808");
                    Literal::Int(0)
                }
            }
        }
    }

    fn value(&mut self, p: P) -> Value {
        // literal_or_name or literal
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::literal => ValueKind::Lit(self.literal(p)),
            Rule::neg_number => ValueKind::Lit(self.neg_number(p)),
            Rule::ident => ValueKind::Name(p.as_str().to_string()),
            _ => match p.into_inner().next() {
                Some(inner) if inner.as_rule() == Rule::literal => {
                    ValueKind::Lit(self.literal(inner))
                }
                Some(inner) if inner.as_rule() == Rule::neg_number => {
                    ValueKind::Lit(self.neg_number(inner))
                }
                Some(inner) => ValueKind::Name(inner.as_str().to_string()),
                None => ValueKind::Lit(Literal::Int(0)),
            },
        };
        Value { kind, span }
    }

    // ------------------------------------------------------------ declarations

    fn import(&mut self, p: P) -> Import {
        let span = self.span(&p);
        let path = match p.into_inner().next() {
            Some(s) => self.string(s),
            None => StrLit {
                value: String::new(),
                span,
            },
        };
        Import { path, span }
    }

    fn enum_decl(&mut self, p: P) -> EnumDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.next_ident(&mut it);
        let values = it.map(|v| self.ident(v)).collect();
        EnumDecl { name, values, span }
    }

    fn customer(&mut self, p: P) -> CustomerDecl {
        let span = self.span(&p);
        let attrs = p
            .into_inner()
            .map(|a| {
                let span = self.span(&a);
                let mut it = a.into_inner();
                let name = self.next_ident(&mut it);
                let ty = it
                    .next()
                    .and_then(|t| t.into_inner().next())
                    .map(|t| self.ident(t))
                    .unwrap_or(Ident {
                        name: String::new(),
                        span,
                    });
                let default = it.next().map(|v| self.value(v));
                AttrDecl {
                    name,
                    ty,
                    default,
                    span,
                }
            })
            .collect();
        CustomerDecl { attrs, span }
    }

    fn event(&mut self, p: P) -> EventDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.next_ident(&mut it);
        let mut it = it.peekable();
        let log_name = it
            .next_if(|p| p.as_rule() == Rule::event_log_name)
            .and_then(|p| p.into_inner().next())
            .map(|s| self.string(s));
        let fields = it
            .map(|f| {
                let span = self.span(&f);
                let mut it = f.into_inner();
                let name = self.next_ident(&mut it);
                let ty = it
                    .next()
                    .and_then(|t| t.into_inner().next())
                    .map(|t| self.ident(t))
                    .unwrap_or(Ident {
                        name: String::new(),
                        span,
                    });
                FieldDecl { name, ty, span }
            })
            .collect();
        EventDecl {
            name,
            log_name,
            fields,
            span,
        }
    }

    fn channel(&mut self, p: P) -> ChannelDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.next_ident(&mut it);
        let mut props = Vec::new();
        for prop in it {
            let span = self.span(&prop);
            let rule = prop.as_rule();
            let mut inner = prop.into_inner();
            match rule {
                Rule::cap_prop => {
                    let count = inner.next().map(|c| self.count(c)).unwrap_or(0);
                    let per = inner
                        .next()
                        .map(|d| self.dur(d))
                        .unwrap_or(Dur { secs: 0, span });
                    props.push(ChannelProp::Cap { count, per, span });
                }
                Rule::quiet_prop => {
                    let mut t = |this: &mut Self| {
                        inner.next().map(|t| {
                            let s = this.span(&t);
                            literals::time(t.as_str()).unwrap_or_else(|msg| {
                                this.bad_literal(
                                    s,
                                    msg,
                                    "write a time of day as HH:MM, like `21:00`",
                                );
                                0
                            })
                        })
                    };
                    let from = t(self).unwrap_or(0);
                    let to = t(self).unwrap_or(0);
                    let local = inner.any(|p| p.as_rule() == Rule::zone_local);
                    props.push(ChannelProp::Quiet {
                        from,
                        to,
                        span,
                        local,
                    });
                }
                Rule::consent_prop => {
                    let attr = self.next_ident(&mut inner);
                    props.push(ChannelProp::Consent { attr, span });
                }
                _ => {}
            }
        }
        ChannelDecl { name, props, span }
    }

    fn touchpoint(&mut self, p: P) -> TouchpointDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.next_ident(&mut it);
        let mut props = Vec::new();
        for prop in it {
            let span = self.span(&prop);
            let rule = prop.as_rule();
            let mut inner = prop.into_inner();
            let made = match rule {
                Rule::tp_channel => TouchpointProp::Channel(self.next_ident(&mut inner), span),
                Rule::tp_template | Rule::tp_subject => {
                    let s = match inner.next() {
                        Some(s) => self.string(s),
                        None => StrLit {
                            value: String::new(),
                            span,
                        },
                    };
                    if rule == Rule::tp_template {
                        TouchpointProp::Template(s, span)
                    } else {
                        TouchpointProp::Subject(s, span)
                    }
                }
                Rule::tp_converts => {
                    let event = self.next_ident(&mut inner);
                    let within = inner
                        .next()
                        .map(|d| self.dur(d))
                        .unwrap_or(Dur { secs: 0, span });
                    TouchpointProp::Converts {
                        event,
                        within,
                        span,
                    }
                }
                Rule::tp_requires => {
                    let mut events = Vec::new();
                    let mut conditions = Vec::new();
                    for r in inner.filter(|r| r.as_rule() == Rule::req_event) {
                        let mut it = r.into_inner();
                        events.push(self.next_ident(&mut it));
                        conditions.push(
                            it.find(|w| w.as_rule() == Rule::where_clause)
                                .and_then(|w| w.into_inner().next())
                                .map(|e| self.expr(e)),
                        );
                    }
                    TouchpointProp::Requires(events, span, conditions)
                }
                Rule::tp_transactional => TouchpointProp::Transactional(span),
                Rule::tp_data => TouchpointProp::Data(
                    inner
                        .filter(|f| f.as_rule() == Rule::field_decl)
                        .map(|f| self.field_decl(f))
                        .collect(),
                    span,
                ),
                _ => continue,
            };
            props.push(made);
        }
        TouchpointDecl { name, props, span }
    }

    // ------------------------------------------------------------ journeys

    fn journey(&mut self, p: P) -> JourneyDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.next_ident(&mut it);
        let mut per = None;
        let parts = it
            .filter_map(|part| {
                if part.as_rule() == Rule::journey_per {
                    let mut inner = part.into_inner();
                    let _keyword = inner.next();
                    per = Some(self.next_ident(&mut inner));
                    return None;
                }
                self.journey_part(part)
            })
            .collect();
        JourneyDecl {
            name,
            parts,
            span,
            per,
        }
    }

    fn where_clause(&mut self, p: Option<P>) -> Option<Expr> {
        p.and_then(|w| w.into_inner().next()).map(|e| self.expr(e))
    }

    fn journey_part(&mut self, p: P) -> Option<JourneyPart> {
        let span = self.span(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        Some(match rule {
            Rule::trigger => {
                let event = self.next_ident(&mut it);
                let condition = self.where_clause(it.next());
                JourneyPart::Trigger(Trigger {
                    event,
                    condition,
                    span,
                })
            }
            Rule::trigger_clock => {
                // `every_kw` carries no meaning beyond the rule itself.
                let mut it = it.filter(|q| q.as_rule() != Rule::every_kw);
                let clock = self.clock_time(it.next(), span);
                let condition = self.where_clause(it.next());
                JourneyPart::Schedule(Schedule {
                    clock,
                    condition,
                    span,
                })
            }
            Rule::trigger_when => {
                let mut it = it.filter(|q| q.as_rule() != Rule::when_kw);
                let condition = match it.next() {
                    Some(e) => self.expr(e),
                    None => return None,
                };
                JourneyPart::When(When { condition, span })
            }
            Rule::entry => {
                let rule = it.next().and_then(|r| r.into_inner().next());
                let rule = match rule {
                    Some(r) if r.as_rule() == Rule::entry_always => EntryRule::Always,
                    Some(r) if r.as_rule() == Rule::entry_every => {
                        let d = r
                            .into_inner()
                            .next()
                            .map(|d| self.dur(d))
                            .unwrap_or(Dur { secs: 0, span });
                        EntryRule::Every(d)
                    }
                    _ => EntryRule::Once,
                };
                JourneyPart::Entry(Entry { rule, span })
            }
            Rule::priority => {
                let mut negative = false;
                let mut value = 0;
                for n in it {
                    match n.as_rule() {
                        Rule::minus_sign => negative = true,
                        Rule::integer => value = self.integer(n),
                        _ => {}
                    }
                }
                let value = if negative { -value } else { value };
                JourneyPart::Priority(Priority { value, span })
            }
            Rule::exclusive => {
                let _keyword = it.next();
                let group = self.next_ident(&mut it);
                JourneyPart::Exclusive(Exclusive { group, span })
            }
            Rule::goal => {
                let event = self.next_ident(&mut it);
                let mut condition = None;
                let mut within = None;
                for rest in it {
                    match rest.as_rule() {
                        Rule::where_clause | Rule::goal_where => {
                            condition = self.where_clause(Some(rest))
                        }
                        Rule::duration => within = Some(self.dur(rest)),
                        _ => {}
                    }
                }
                JourneyPart::Goal(Goal {
                    event,
                    condition,
                    within,
                    span,
                })
            }
            Rule::exit_on => {
                let event = self.next_ident(&mut it);
                let condition = self.where_clause(it.next());
                JourneyPart::Exit(ExitOn {
                    event,
                    condition,
                    span,
                })
            }
            Rule::onboarding => {
                let body = self.block_opt(it.next(), span);
                let head_span = Span::new(span.start, span.start + "onboarding".len());
                JourneyPart::Section(Section {
                    kind: SectionKind::Onboarding,
                    body,
                    head_span,
                    span,
                })
            }
            Rule::stage => {
                let name = self.next_ident(&mut it);
                let head_span = Span::new(span.start, name.span.end);
                let body = self.block_opt(it.next(), span);
                JourneyPart::Section(Section {
                    kind: SectionKind::Stage(name),
                    body,
                    head_span,
                    span,
                })
            }
            Rule::upgrade => {
                let attr = self.next_ident(&mut it);
                let from = self.next_ident(&mut it);
                let to = self.next_ident(&mut it);
                let head_span = Span::new(span.start, to.span.end);
                let body = self.block_opt(it.next(), span);
                JourneyPart::Section(Section {
                    kind: SectionKind::Upgrade { attr, from, to },
                    body,
                    head_span,
                    span,
                })
            }
            _ => return None,
        })
    }

    fn block_opt(&mut self, p: Option<P>, fallback: Span) -> Block {
        match p {
            Some(b) => self.block(b),
            None => Block {
                steps: Vec::new(),
                span: fallback,
            },
        }
    }

    /// `wait up to D { on E [where C] { ... } ... } timeout { ... }`.
    fn wait_any(&mut self, span: Span, parts: Pairs<'_, Rule>) -> StepKind {
        let mut w = WaitAny {
            up_to: Dur { secs: 0, span },
            branches: Vec::new(),
            branches_span: span,
            on_timeout: None,
        };
        for part in parts {
            match part.as_rule() {
                Rule::duration => w.up_to = self.dur(part),
                Rule::wait_branches => {
                    w.branches_span = self.span(&part);
                    for b in part.into_inner() {
                        let bspan = self.span(&b);
                        let mut inner = b.into_inner();
                        // `on_kw`, then the event.
                        inner.next();
                        let event = self.next_ident(&mut inner);
                        let mut condition = None;
                        let mut body = None;
                        for rest in inner {
                            match rest.as_rule() {
                                Rule::where_clause => condition = self.where_clause(Some(rest)),
                                Rule::block => body = Some(self.block(rest)),
                                _ => {}
                            }
                        }
                        w.branches.push(WaitBranch {
                            event,
                            condition,
                            body: body.unwrap_or(Block {
                                steps: Vec::new(),
                                span: bspan,
                            }),
                            span: bspan,
                        });
                    }
                }
                Rule::timeout_block => w.on_timeout = Some(self.block(part)),
                _ => {}
            }
        }
        StepKind::WaitAny(w)
    }

    /// `[DAY] HH:MM [local]`. A time out of range (`24:00`) is reported as any bad time is.
    fn clock_time(&mut self, p: Option<P>, span: Span) -> ClockTime {
        let mut clock = ClockTime {
            day: None,
            minute: 0,
            local: false,
            span,
        };
        let Some(p) = p else { return clock };
        clock.span = self.span(&p);
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::clock_day => clock.day = Some(self.next_ident(&mut part.into_inner())),
                Rule::time => {
                    let span = self.span(&part);
                    clock.minute = match literals::time(part.as_str()) {
                        Ok(t) => t,
                        Err(msg) => {
                            self.bad_literal(
                                span,
                                msg,
                                "write a time of day as HH:MM, like `09:00`",
                            );
                            0
                        }
                    };
                }
                Rule::zone_local => clock.local = true,
                _ => {}
            }
        }
        clock
    }

    fn block(&mut self, p: P) -> Block {
        let span = self.span(&p);
        // `on_event_block` and `timeout_block` wrap a `block`.
        if matches!(p.as_rule(), Rule::on_event_block | Rule::timeout_block) {
            let inner = p.into_inner().next();
            let mut b = self.block_opt(inner, span);
            b.span = span;
            return b;
        }
        let steps = p.into_inner().filter_map(|s| self.step(s)).collect();
        Block { steps, span }
    }

    fn step(&mut self, p: P) -> Option<Step> {
        let mut span = self.span(&p);
        let rule = p.as_rule();
        let mut it = p.into_inner();
        let mut payload = None;
        let kind = match rule {
            Rule::send => {
                let t = self.next_ident(&mut it);
                payload = it
                    .find(|w| w.as_rule() == Rule::send_with)
                    .map(|w| self.payload(w));
                if payload.is_none() && t.span.end > span.start {
                    // The look for `with` reads the blanks and comments after the name: they
                    // are not part of the step.
                    span.end = t.span.end;
                }
                StepKind::Send(t)
            }
            Rule::wait_delay => StepKind::Wait(
                it.next()
                    .map(|d| self.dur(d))
                    .unwrap_or(Dur { secs: 0, span }),
            ),
            Rule::wait_event => {
                let event = self.next_ident(&mut it);
                let mut w = WaitEvent {
                    event,
                    condition: None,
                    up_to: None,
                    on_event: None,
                    on_timeout: None,
                };
                for part in it {
                    match part.as_rule() {
                        Rule::where_clause => w.condition = self.where_clause(Some(part)),
                        Rule::up_to => {
                            w.up_to = part.into_inner().next().map(|d| self.dur(d));
                        }
                        Rule::on_event_block => w.on_event = Some(self.block(part)),
                        Rule::timeout_block => w.on_timeout = Some(self.block(part)),
                        _ => {}
                    }
                }
                StepKind::WaitEvent(w)
            }
            Rule::wait_any => self.wait_any(span, it),
            Rule::wait_until => {
                // `until` is its own token; the expression follows it.
                let e = it.find(|p| p.as_rule() == Rule::expr)?;
                StepKind::WaitUntil(self.expr(e))
            }
            Rule::wait_clock => {
                let clock = it.find(|q| q.as_rule() == Rule::clock_time);
                StepKind::WaitClock(self.clock_time(clock, span))
            }
            Rule::if_step => {
                let mut branches = Vec::new();
                let mut otherwise = None;
                let cond = it.next().map(|e| self.expr(e));
                let body = it.next().map(|b| self.block(b));
                if let (Some(c), Some(b)) = (cond, body) {
                    branches.push((c, b));
                }
                for rest in it {
                    match rest.as_rule() {
                        Rule::else_if => {
                            let mut inner = rest.into_inner();
                            let c = inner.next().map(|e| self.expr(e));
                            let b = inner.next().map(|b| self.block(b));
                            if let (Some(c), Some(b)) = (c, b) {
                                branches.push((c, b));
                            }
                        }
                        Rule::else_block => {
                            let s = self.span(&rest);
                            otherwise = Some(self.block_opt(rest.into_inner().next(), s));
                        }
                        _ => {}
                    }
                }
                StepKind::If(IfStep {
                    branches,
                    otherwise,
                })
            }
            Rule::split => {
                let variants = it
                    .map(|v| {
                        let span = self.span(&v);
                        let mut inner = v.into_inner();
                        let (percent, percent_span) = match inner.next() {
                            Some(pc) => {
                                let s = self.span(&pc);
                                (self.percent(pc), s)
                            }
                            None => (0.0, span),
                        };
                        let name = self.next_ident(&mut inner);
                        let body = self.block_opt(inner.next(), span);
                        Variant {
                            percent,
                            percent_span,
                            name,
                            body,
                            span,
                        }
                    })
                    .collect();
                StepKind::Split(variants)
            }
            Rule::milestone => StepKind::Milestone(self.next_ident(&mut it)),
            Rule::set_step => {
                let attr = self.next_ident(&mut it);
                let value = match it.next() {
                    Some(e) => self.expr(e),
                    None => Expr {
                        kind: ExprKind::Lit(Literal::Int(0)),
                        span,
                    },
                };
                StepKind::Set { attr, value }
            }
            Rule::goto => StepKind::Goto(self.next_ident(&mut it)),
            Rule::exit_step => StepKind::Exit,
            _ => return None,
        };
        Some(Step {
            kind,
            span,
            payload,
        })
    }

    // ------------------------------------------------------------ expressions

    pub fn expr(&mut self, p: P) -> Expr {
        let span = self.span(&p);
        let operators = p
            .clone()
            .into_inner()
            .filter(|t| {
                !matches!(
                    t.as_rule(),
                    Rule::paren
                        | Rule::call
                        | Rule::fcall
                        | Rule::goal_fcall
                        | Rule::event_field
                        | Rule::trigger_field
                        | Rule::literal
                        | Rule::ident
                )
            })
            .count();
        if operators > MAX_OPERATORS {
            self.diags.push(
                Diagnostic::error(
                    codes::TOO_DEEP,
                    self.file,
                    format!("this expression has {operators} operators"),
                )
                .label(span, format!("more than {MAX_OPERATORS} operators"))
                .help("split the condition into smaller ones, for instance with nested `if` steps"),
            );
            return Expr {
                kind: ExprKind::Lit(Literal::Bool(false)),
                span,
            };
        }
        let offset = self.offset;
        let file = self.file;
        let builder = std::cell::RefCell::new(std::mem::replace(self, Builder::new(file, offset)));
        let out = pratt()
            .map_primary(|primary| builder.borrow_mut().primary(primary))
            .map_prefix(|op, rhs| {
                let b = builder.borrow();
                let op_span = b.span(&op);
                let op = if op.as_rule() == Rule::op_not {
                    UnOp::Not
                } else {
                    UnOp::Neg
                };
                Expr {
                    span: op_span.to(rhs.span),
                    kind: ExprKind::Unary {
                        op,
                        expr: Box::new(rhs),
                    },
                }
            })
            .map_postfix(|lhs, op| {
                let mut b = builder.borrow_mut();
                let op_span = b.span(&op);
                let list = op.into_inner().map(|e| b.expr(e)).collect();
                Expr {
                    span: lhs.span.to(op_span),
                    kind: ExprKind::In {
                        expr: Box::new(lhs),
                        list,
                    },
                }
            })
            .map_infix(|lhs, op, rhs| {
                let op = match op.as_rule() {
                    Rule::op_or => BinOp::Or,
                    Rule::op_and => BinOp::And,
                    Rule::op_eq => BinOp::Eq,
                    Rule::op_ne => BinOp::Ne,
                    Rule::op_lt => BinOp::Lt,
                    Rule::op_le => BinOp::Le,
                    Rule::op_gt => BinOp::Gt,
                    Rule::op_ge => BinOp::Ge,
                    Rule::op_add => BinOp::Add,
                    Rule::op_sub => BinOp::Sub,
                    Rule::op_mul => BinOp::Mul,
                    _ => BinOp::Div,
                };
                Expr {
                    span: lhs.span.to(rhs.span),
                    kind: ExprKind::Binary {
                        op,
                        lhs: Box::new(lhs),
                        rhs: Box::new(rhs),
                    },
                }
            })
            .parse(p.into_inner());
        *self = builder.into_inner();
        out
    }

    fn primary(&mut self, p: P) -> Expr {
        let span = self.span(&p);
        let kind = match p.as_rule() {
            Rule::paren => match p.into_inner().next() {
                Some(e) => {
                    return Expr {
                        span,
                        ..self.expr(e)
                    }
                }
                None => ExprKind::Lit(Literal::Bool(false)),
            },
            Rule::call => {
                let mut it = p.into_inner();
                let func = self.next_ident(&mut it);
                let arg = self.next_ident(&mut it);
                ExprKind::Call { func, arg }
            }
            Rule::fcall | Rule::goal_fcall => {
                let mut it = p.into_inner();
                let func = self.next_ident(&mut it);
                let arg = self.next_ident(&mut it);
                match it.next() {
                    Some(w) => {
                        let inside = w.as_rule() == Rule::inner_window;
                        let within = self.next_dur(&mut w.into_inner(), span);
                        ExprKind::History {
                            func,
                            arg,
                            within,
                            inside,
                        }
                    }
                    None => ExprKind::Call { func, arg },
                }
            }
            Rule::event_field => {
                let mut it = p.into_inner();
                ExprKind::EventField(self.next_ident(&mut it))
            }
            Rule::trigger_field => {
                let mut it = p.into_inner();
                ExprKind::TriggerField(self.next_ident(&mut it))
            }
            Rule::literal => ExprKind::Lit(self.literal(p)),
            Rule::ident => ExprKind::Name(p.as_str().to_string()),
            _ => ExprKind::Lit(Literal::Bool(false)),
        };
        Expr { kind, span }
    }

    /// `FIELD: TYPE` in a touchpoint's `data`.
    fn field_decl(&mut self, f: P) -> FieldDecl {
        let span = self.span(&f);
        let mut it = f.into_inner();
        let name = self.next_ident(&mut it);
        let ty = it
            .next()
            .and_then(|t| t.into_inner().next())
            .map(|t| self.ident(t))
            .unwrap_or(Ident {
                name: String::new(),
                span,
            });
        FieldDecl { name, ty, span }
    }

    /// `with { FIELD = EXPR, ... }` of a send.
    fn payload(&mut self, p: P) -> Payload {
        let span = self.span(&p);
        let fields = p
            .into_inner()
            .filter(|f| f.as_rule() == Rule::payload_field)
            .map(|f| {
                let span = self.span(&f);
                let mut it = f.into_inner();
                let name = self.next_ident(&mut it);
                let value = match it.next() {
                    Some(e) => self.expr(e),
                    None => Expr {
                        kind: ExprKind::Lit(Literal::Int(0)),
                        span,
                    },
                };
                PayloadField { name, value, span }
            })
            .collect();
        Payload { fields, span }
    }

    // ------------------------------------------------------------ tests

    fn assigns(&mut self, pairs: Pairs<Rule>) -> Vec<Assign> {
        pairs
            .filter(|a| a.as_rule() == Rule::assign)
            .map(|a| {
                let span = self.span(&a);
                let mut it = a.into_inner();
                let name = self.next_ident(&mut it);
                let value = match it.next() {
                    Some(v) => self.value(v),
                    None => Value {
                        kind: ValueKind::Lit(Literal::Int(0)),
                        span,
                    },
                };
                Assign { name, value, span }
            })
            .collect()
    }

    /// `[DATE] HH:MM local` in a test expectation.
    fn local_clock(&mut self, p: P) -> LocalClock {
        let span = self.span(&p);
        let mut clock = LocalClock {
            date: None,
            minute: 0,
            span,
        };
        for part in p.into_inner() {
            let s = self.span(&part);
            match part.as_rule() {
                Rule::date => match literals::date(part.as_str()) {
                    Ok(d) => clock.date = Some(d),
                    Err(msg) => self.bad_literal(s, msg, "write a date as YYYY-MM-DD"),
                },
                Rule::time => match literals::time(part.as_str()) {
                    Ok(m) => clock.minute = m,
                    Err(msg) => {
                        self.bad_literal(s, msg, "write a time of day as HH:MM, like `08:00`")
                    }
                },
                _ => {}
            }
        }
        clock
    }

    fn time_point(&mut self, p: P) -> Dur {
        let span = self.span(&p);
        match p.into_inner().next() {
            Some(d) if d.as_rule() == Rule::duration => self.dur(d),
            Some(n) => {
                let v = self.integer(n);
                if v != 0 {
                    self.bad_literal(
                        span,
                        format!("`{v}` has no unit"),
                        "a time in a test is `0` or a duration like `5h`",
                    );
                }
                Dur { secs: 0, span }
            }
            None => Dur { secs: 0, span },
        }
    }

    fn test(&mut self, p: P) -> TestDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = match it.next() {
            Some(s) => self.string(s),
            None => StrLit {
                value: String::new(),
                span,
            },
        };
        let mut parts = Vec::new();
        for part in it {
            let span = self.span(&part);
            let rule = part.as_rule();
            let mut inner = part.into_inner();
            match rule {
                Rule::test_journey => {
                    parts.push(TestPart::Journey(self.next_ident(&mut inner), span))
                }
                Rule::test_customer => parts.push(TestPart::Customer(self.assigns(inner), span)),
                Rule::test_at => {
                    let at = inner
                        .next()
                        .map(|t| self.time_point(t))
                        .unwrap_or(Dur { secs: 0, span });
                    match inner.peek() {
                        Some(c) if c.as_rule() == Rule::test_identify => {
                            let props = self.assigns(c.into_inner());
                            parts.push(TestPart::Identify { at, props, span });
                        }
                        Some(c) if c.as_rule() == Rule::call => {
                            let mut ci = c.into_inner();
                            let func = self.next_ident(&mut ci);
                            let touchpoint = self.next_ident(&mut ci);
                            parts.push(TestPart::Engage {
                                at,
                                func,
                                touchpoint,
                                span,
                            });
                        }
                        _ => {
                            let event = self.next_ident(&mut inner);
                            let props = self.assigns(inner);
                            parts.push(TestPart::At {
                                at,
                                event,
                                props,
                                span,
                            });
                        }
                    }
                }
                Rule::test_expect => {
                    let mut negated = false;
                    let mut kind = None;
                    for e in inner {
                        match e.as_rule() {
                            Rule::expect_not => negated = true,
                            Rule::expect_sent => {
                                let mut x = e.into_inner();
                                let touchpoint = self.next_ident(&mut x);
                                let (mut at, mut local) = (None, None);
                                let mut with = None;
                                for part in x {
                                    if part.as_rule() == Rule::expect_with {
                                        let span = self.span(&part);
                                        let fields = self.assigns(part.into_inner());
                                        with = Some(ExpectWith { fields, span });
                                    } else if part.as_rule() == Rule::expect_local {
                                        local = Some(self.local_clock(part));
                                    } else {
                                        at = Some(self.time_point(part));
                                    }
                                }
                                kind = Some(ExpectKind::Sent {
                                    touchpoint,
                                    at,
                                    with,
                                    local,
                                });
                            }
                            Rule::expect_suppressed => {
                                kind = Some(ExpectKind::Suppressed(
                                    self.next_ident(&mut e.into_inner()),
                                ))
                            }
                            Rule::expect_milestone => {
                                kind = Some(ExpectKind::Milestone(
                                    self.next_ident(&mut e.into_inner()),
                                ))
                            }
                            Rule::expect_reached => {
                                kind =
                                    Some(ExpectKind::Reached(self.next_ident(&mut e.into_inner())))
                            }
                            Rule::expect_converted => kind = Some(ExpectKind::Converted),
                            Rule::expect_exited => kind = Some(ExpectKind::Exited),
                            _ => {}
                        }
                    }
                    if let Some(kind) = kind {
                        parts.push(TestPart::Expect(Expect {
                            negated,
                            kind,
                            span,
                        }));
                    }
                }
                _ => {}
            }
        }
        TestDecl { name, parts, span }
    }

    // ------------------------------------------------------------ simulations

    fn simulation(&mut self, p: P) -> SimulationDecl {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let name = self.next_ident(&mut it);
        let mut parts = Vec::new();
        for part in it {
            let span = self.span(&part);
            let rule = part.as_rule();
            let mut inner = part.into_inner();
            match rule {
                Rule::sim_journey => {
                    parts.push(SimPart::Journey(self.next_ident(&mut inner), span))
                }
                Rule::sim_journeys => {
                    let names = inner
                        .filter(|p| p.as_rule() == Rule::ident)
                        .map(|p| self.ident(p))
                        .collect();
                    parts.push(SimPart::Journeys(names, span))
                }
                Rule::sim_customers => {
                    let n = inner.next().map(|n| self.count(n)).unwrap_or(0);
                    parts.push(SimPart::Customers(n, span));
                }
                Rule::sim_seed => {
                    let n = inner.next().map(|n| self.count(n)).unwrap_or(0);
                    parts.push(SimPart::Seed(n, span));
                }
                Rule::sim_trigger => {
                    let assigns = inner.map(|a| self.pop_assign(a)).collect();
                    parts.push(SimPart::Trigger(assigns, span));
                }
                Rule::sim_population => {
                    let assigns = inner.map(|a| self.pop_assign(a)).collect();
                    parts.push(SimPart::Population(assigns, span));
                }
                Rule::sim_behavior => {
                    let rules = inner.map(|r| self.behavior_rule(r)).collect();
                    parts.push(SimPart::Behavior(rules, span));
                }
                _ => {}
            }
        }
        SimulationDecl { name, parts, span }
    }

    fn pop_assign(&mut self, p: P) -> PopAssign {
        let span = self.span(&p);
        let mut it = p.into_inner();
        let attr = self.next_ident(&mut it);
        let value = match it.next() {
            Some(v) if v.as_rule() == Rule::pop_choices => PopValue::Choices(
                v.into_inner()
                    .map(|c| {
                        let cspan = self.span(&c);
                        let mut ci = c.into_inner();
                        let value = match ci.next() {
                            Some(v) => self.value(v),
                            None => Value {
                                kind: ValueKind::Lit(Literal::Int(0)),
                                span: cspan,
                            },
                        };
                        let pct = ci.next().map(|pc| self.percent(pc)).unwrap_or(0.0);
                        (value, pct, cspan)
                    })
                    .collect(),
            ),
            Some(v) if v.as_rule() == Rule::pop_now_range => {
                let mut ri = v.into_inner().filter(|x| x.as_rule() == Rule::duration);
                let lo = ri.next().map(|x| self.dur(x));
                let hi = ri.next().map(|x| self.dur(x));
                match (lo, hi) {
                    (Some(lo), Some(hi)) => PopValue::FromNow(lo, hi),
                    _ => PopValue::Fixed(Value {
                        kind: ValueKind::Lit(Literal::Int(0)),
                        span,
                    }),
                }
            }
            Some(v) if v.as_rule() == Rule::pop_range => {
                let mut ri = v.into_inner();
                let lo = ri.next().map(|x| self.value(x));
                let hi = ri.next().map(|x| self.value(x));
                match (lo, hi) {
                    (Some(lo), Some(hi)) => PopValue::Range(lo, hi),
                    _ => PopValue::Fixed(Value {
                        kind: ValueKind::Lit(Literal::Int(0)),
                        span,
                    }),
                }
            }
            Some(v) => PopValue::Fixed(self.value(v)),
            None => PopValue::Fixed(Value {
                kind: ValueKind::Lit(Literal::Int(0)),
                span,
            }),
        };
        PopAssign { attr, value, span }
    }

    fn behavior_rule(&mut self, p: P) -> BehaviorRule {
        let span = self.span(&p);
        let mut rule = BehaviorRule {
            subject: BehaviorSubject::Event(Ident {
                name: String::new(),
                span,
            }),
            percent: 0.0,
            timing: None,
            after: None,
            condition: None,
            fields: None,
            span,
        };
        for part in p.into_inner() {
            match part.as_rule() {
                Rule::behavior_subject => {
                    if let Some(s) = part.into_inner().next() {
                        rule.subject = if s.as_rule() == Rule::call {
                            let mut ci = s.into_inner();
                            let func = self.next_ident(&mut ci);
                            let touchpoint = self.next_ident(&mut ci);
                            BehaviorSubject::Engagement { func, touchpoint }
                        } else {
                            BehaviorSubject::Event(self.ident(s))
                        };
                    }
                }
                Rule::percent => rule.percent = self.percent(part),
                Rule::timing => {
                    if let Some(t) = part.into_inner().next() {
                        let tspan = self.span(&t);
                        let rule_kind = t.as_rule();
                        let mut ti = t.into_inner();
                        let first = ti.next().map(|d| self.dur(d)).unwrap_or(Dur {
                            secs: 0,
                            span: tspan,
                        });
                        rule.timing = Some(if rule_kind == Rule::timing_within {
                            Timing::Within(first)
                        } else {
                            Timing::After(first, ti.next().map(|d| self.dur(d)))
                        });
                    }
                }
                Rule::ident => rule.after = Some(self.ident(part)),
                Rule::where_clause => rule.condition = self.where_clause(Some(part)),
                Rule::rule_fields => {
                    let span = self.span(&part);
                    let fields = part.into_inner().map(|a| self.pop_assign(a)).collect();
                    rule.fields = Some(FieldBlock { fields, span });
                }
                _ => {}
            }
        }
        rule
    }
}
