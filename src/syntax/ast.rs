//! The typed syntax tree of one `.journey` file.
//!
//! Every node carries the byte span it was parsed from. Spans never count in equality (see
//! [`Span`]), so two trees compare by meaning; that is what the formatter's tests rely on.

use crate::source::Span;

/// A name as written, with where it was written.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ident {
    pub name: String,
    pub span: Span,
}

/// A string literal with its escapes resolved.
#[derive(Clone, Debug, PartialEq)]
pub struct StrLit {
    pub value: String,
    pub span: Span,
}

/// A duration, in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Dur {
    pub secs: u64,
    pub span: Span,
}

/// A calendar date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    Str(String),
    Int(i64),
    /// Exact, with the scale written (`1.50` has two places).
    Decimal(rust_decimal::Decimal),
    /// A percentage as written: `12.5%` is `12.5`.
    Percent(f64),
    /// Seconds.
    Duration(u64),
    /// Minutes after midnight.
    Time(u32),
    Date(Date),
    Bool(bool),
    /// An instant (`2026-03-08T15:00:00-05:00`): seconds since 1970-01-01T00:00:00Z, and the
    /// text as written (the formatter keeps the offset the author chose).
    DateTime {
        secs: i64,
        text: String,
    },
}

/// A literal or a bare name (an enum value) where a constant is expected.
#[derive(Clone, Debug, PartialEq)]
pub struct Value {
    pub kind: ValueKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ValueKind {
    Lit(Literal),
    Name(String),
}

/// A parsed file.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Module {
    pub items: Vec<Item>,
    /// The items that failed to parse, so that the checker can keep quiet about references to
    /// them: "unknown journey `j`" next to a syntax error inside `journey j` is only noise.
    pub unparsed: Vec<Unparsed>,
}

/// An item with a syntax error: its keyword (`journey`, `customer`) and its name, when the name
/// itself could be read.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct Unparsed {
    pub keyword: String,
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Item {
    Import(Import),
    Enum(EnumDecl),
    Customer(CustomerDecl),
    Event(EventDecl),
    Channel(ChannelDecl),
    Touchpoint(TouchpointDecl),
    Journey(JourneyDecl),
    Test(TestDecl),
    Simulation(SimulationDecl),
}

impl Item {
    pub fn span(&self) -> Span {
        match self {
            Item::Import(i) => i.span,
            Item::Enum(i) => i.span,
            Item::Customer(i) => i.span,
            Item::Event(i) => i.span,
            Item::Channel(i) => i.span,
            Item::Touchpoint(i) => i.span,
            Item::Journey(i) => i.span,
            Item::Test(i) => i.span,
            Item::Simulation(i) => i.span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Import {
    pub path: StrLit,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EnumDecl {
    pub name: Ident,
    pub values: Vec<Ident>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct CustomerDecl {
    pub attrs: Vec<AttrDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AttrDecl {
    pub name: Ident,
    pub ty: Ident,
    pub default: Option<Value>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct EventDecl {
    pub name: Ident,
    /// `as "Signed Up"`: the name event logs give the event, when it is not `name`.
    pub log_name: Option<StrLit>,
    pub fields: Vec<FieldDecl>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDecl {
    pub name: Ident,
    pub ty: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ChannelDecl {
    pub name: Ident,
    pub props: Vec<ChannelProp>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ChannelProp {
    /// At most `count` sends per `per` window.
    Cap { count: u64, per: Dur, span: Span },
    /// Quiet hours from `from` to `to`, minutes after midnight; may cross midnight. `local`:
    /// read in the customer's time zone (`quiet 21:00..08:00 local`), else in UTC.
    Quiet {
        from: u32,
        to: u32,
        span: Span,
        local: bool,
    },
    /// A bool customer attribute that must be true before anything is sent on the channel.
    Consent { attr: Ident, span: Span },
}

impl ChannelProp {
    pub fn span(&self) -> Span {
        match self {
            ChannelProp::Cap { span, .. }
            | ChannelProp::Quiet { span, .. }
            | ChannelProp::Consent { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TouchpointDecl {
    pub name: Ident,
    pub props: Vec<TouchpointProp>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TouchpointProp {
    Channel(Ident, Span),
    Template(StrLit, Span),
    Subject(StrLit, Span),
    /// A conversion point: `event` within `within` of the send is credited to this touchpoint.
    Converts {
        event: Ident,
        within: Dur,
        span: Span,
    },
    /// Events that must have happened, on every path, before this touchpoint is sent.
    /// `requires E1 [where C1], E2 ...`: the events, and the condition each must have met.
    Requires(Vec<Ident>, Span, Vec<Option<Expr>>),
    /// A message the customer must get: exempt from caps, quiet hours and consent.
    Transactional(Span),
    /// `data { FIELD: TYPE, ... }`: the typed payload every send of the touchpoint gives.
    Data(Vec<FieldDecl>, Span),
}

impl TouchpointProp {
    pub fn span(&self) -> Span {
        match self {
            TouchpointProp::Channel(_, s)
            | TouchpointProp::Template(_, s)
            | TouchpointProp::Subject(_, s)
            | TouchpointProp::Requires(_, s, _)
            | TouchpointProp::Transactional(s)
            | TouchpointProp::Data(_, s) => *s,
            TouchpointProp::Converts { span, .. } => *span,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct JourneyDecl {
    pub name: Ident,
    pub parts: Vec<JourneyPart>,
    pub span: Span,
    /// `per FIELD`: one instance per distinct value of the trigger event's field.
    pub per: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum JourneyPart {
    Trigger(Trigger),
    Entry(Entry),
    /// `priority N`: who goes first when journeys of one customer compete.
    Priority(Priority),
    /// `exclusive GROUP`: a customer is in at most one journey of the group at a time.
    Exclusive(Exclusive),
    Goal(Goal),
    Exit(ExitOn),
    Section(Section),
    /// `trigger every DAY HH:MM [local] [where COND]`: entry without an event, on a schedule.
    Schedule(Schedule),
    /// `trigger when COND`: entry without an event, when the condition becomes true.
    When(When),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Trigger {
    pub event: Ident,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Priority {
    pub value: i64,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Exclusive {
    pub group: Ident,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub rule: EntryRule,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum EntryRule {
    /// A customer enters at most once, ever.
    Once,
    /// A customer may enter again whenever they are not in the journey.
    Always,
    /// A customer may enter again once this long has passed since their last entry.
    Every(Dur),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Goal {
    pub event: Ident,
    pub condition: Option<Expr>,
    pub within: Option<Dur>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExitOn {
    pub event: Ident,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Section {
    pub kind: SectionKind,
    pub body: Block,
    /// The header: `onboarding`, `stage NAME` or `upgrade ATTR a -> b`.
    pub head_span: Span,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SectionKind {
    Onboarding,
    Stage(Ident),
    Upgrade { attr: Ident, from: Ident, to: Ident },
}

impl SectionKind {
    /// The name `goto` uses and reports show: `onboarding`, the stage's name, or
    /// `upgrade_FROM_to_TO`.
    pub fn name(&self) -> String {
        match self {
            SectionKind::Onboarding => "onboarding".to_string(),
            SectionKind::Stage(n) => n.name.clone(),
            SectionKind::Upgrade { from, to, .. } => {
                format!("upgrade_{}_to_{}", from.name, to.name)
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    pub steps: Vec<Step>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub kind: StepKind,
    pub span: Span,
    /// `with { FIELD = EXPR, ... }` after `send T`: the values of the touchpoint's `data`.
    /// Only a send step has one.
    pub payload: Option<Payload>,
}

/// `with { FIELD = EXPR, ... }` of a send.
#[derive(Clone, Debug, PartialEq)]
pub struct Payload {
    /// In the order written (duplicates kept, for the checker to report).
    pub fields: Vec<PayloadField>,
    /// From `with` to the closing brace.
    pub span: Span,
}

/// `FIELD = EXPR` in a [`Payload`].
#[derive(Clone, Debug, PartialEq)]
pub struct PayloadField {
    pub name: Ident,
    pub value: Expr,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    Send(Ident),
    Wait(Dur),
    WaitEvent(WaitEvent),
    /// `wait up to D { on E1 { ... } on E2 { ... } } timeout { ... }`.
    WaitAny(WaitAny),
    If(IfStep),
    Split(Vec<Variant>),
    Milestone(Ident),
    Set {
        attr: Ident,
        value: Expr,
    },
    Goto(Ident),
    Exit,
    /// `wait until EXPR`: waits until the instant EXPR (a datetime) names.
    WaitUntil(Expr),
    /// `wait until [DAY] HH:MM [local]`: until the next such time.
    WaitClock(ClockTime),
}

/// `[DAY] HH:MM [local]`: a time of the week, or of every day (docs/semantics.md, "Clock
/// waits" and "Scheduled triggers").
#[derive(Clone, Debug, PartialEq)]
pub struct ClockTime {
    /// The day as written (`monday`, or `day` in a trigger); `None` when none was written. The
    /// checker reads the name, so that a misspelt day gets a did-you-mean.
    pub day: Option<Ident>,
    /// Minutes after midnight.
    pub minute: u32,
    /// `local`: in the customer's time zone; otherwise UTC.
    pub local: bool,
    pub span: Span,
}

impl ClockTime {
    /// As written, normalised: `monday 09:00 local`, `09:00`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if let Some(d) = &self.day {
            s.push_str(&d.name);
            s.push(' ');
        }
        s.push_str(&format!("{:02}:{:02}", self.minute / 60, self.minute % 60));
        if self.local {
            s.push_str(" local");
        }
        s
    }
}

/// `trigger when COND`: the customer enters when an identify makes the condition true, having
/// been false (docs/semantics.md, "Entry when a condition becomes true").
#[derive(Clone, Debug, PartialEq)]
pub struct When {
    pub condition: Expr,
    pub span: Span,
}

/// `trigger every DAY HH:MM [local] [where COND]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub clock: ClockTime,
    pub condition: Option<Expr>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WaitEvent {
    pub event: Ident,
    pub condition: Option<Expr>,
    pub up_to: Option<Dur>,
    /// Steps run when the event arrives in time; `None` when no block was written.
    pub on_event: Option<Block>,
    /// Steps run when the wait times out; `None` when no `timeout` block was written.
    pub on_timeout: Option<Block>,
}

/// A wait for whichever of several events comes first (`wait up to D { on E { ... } ... }`).
#[derive(Clone, Debug, PartialEq)]
pub struct WaitAny {
    pub up_to: Dur,
    /// In the order written: an event is taken by the first branch it matches.
    pub branches: Vec<WaitBranch>,
    /// From the `{` before the first branch to the `}` after the last.
    pub branches_span: Span,
    /// Steps run when the wait times out; `None` when no `timeout` block was written.
    pub on_timeout: Option<Block>,
}

/// `on EVENT [where COND] { ... }` inside a [`WaitAny`].
#[derive(Clone, Debug, PartialEq)]
pub struct WaitBranch {
    pub event: Ident,
    pub condition: Option<Expr>,
    /// Steps run when this branch's event arrives first; `event.FIELD` reads it there.
    pub body: Block,
    /// From `on` to the end of the block.
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct IfStep {
    /// `if` and every `else if`, in order.
    pub branches: Vec<(Expr, Block)>,
    pub otherwise: Option<Block>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variant {
    /// The share as written: `45%` is `45.0`.
    pub percent: f64,
    pub percent_span: Span,
    pub name: Ident,
    pub body: Block,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
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
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnOp {
    Not,
    Neg,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    Lit(Literal),
    /// A customer attribute or an enum value; the checker decides which.
    Name(String),
    /// `event.FIELD`: a field of the event that ended the enclosing wait.
    EventField(Ident),
    /// `trigger.FIELD`: a field of the event that entered the customer (the trigger's event).
    TriggerField(Ident),
    /// `sent(t)`, `opened(t)`, `clicked(t)`.
    Call {
        func: Ident,
        arg: Ident,
    },
    /// A call with a window, reading the customer's history across entries and journeys:
    /// `sent(t) within 7d`, `happened(e) within 7d` (`inside: false`) or `count(e within 30d)`
    /// (`inside: true`). The checker says which function takes which form.
    History {
        func: Ident,
        arg: Ident,
        within: Dur,
        inside: bool,
    },
    Unary {
        op: UnOp,
        expr: Box<Expr>,
    },
    Binary {
        op: BinOp,
        lhs: Box<Expr>,
        rhs: Box<Expr>,
    },
    In {
        expr: Box<Expr>,
        list: Vec<Expr>,
    },
}

impl Expr {
    /// Calls `f` on every operand of the expression that is not itself an operator (names,
    /// fields, literals, calls), left to right: what a check of "what may this read" visits.
    pub fn each_operand(&self, f: &mut dyn FnMut(&Expr)) {
        match &self.kind {
            ExprKind::Unary { expr, .. } => expr.each_operand(f),
            ExprKind::Binary { lhs, rhs, .. } => {
                lhs.each_operand(f);
                rhs.each_operand(f);
            }
            ExprKind::In { expr, list } => {
                expr.each_operand(f);
                for x in list {
                    x.each_operand(f);
                }
            }
            _ => f(self),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TestDecl {
    pub name: StrLit,
    pub parts: Vec<TestPart>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TestPart {
    Journey(Ident, Span),
    Customer(Vec<Assign>, Span),
    /// `at T EVENT { field = value }`: the event arrives `at` after the test starts.
    At {
        at: Dur,
        event: Ident,
        props: Vec<Assign>,
        span: Span,
    },
    /// `at T customer { attr = value }`: an identify during the test.
    Identify {
        at: Dur,
        props: Vec<Assign>,
        span: Span,
    },
    /// `at T opened(t)` / `at T clicked(t)`: the customer engages with a message.
    Engage {
        at: Dur,
        func: Ident,
        touchpoint: Ident,
        span: Span,
    },
    Expect(Expect),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Assign {
    pub name: Ident,
    pub value: Value,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expect {
    pub negated: bool,
    pub kind: ExpectKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExpectKind {
    Sent {
        touchpoint: Ident,
        at: Option<Dur>,
        /// `with { FIELD = VALUE, ... }`: the payload fields the send must carry (others are
        /// not looked at).
        with: Option<ExpectWith>,
        /// `at [DATE] HH:MM local`: the customer's local clock at delivery.
        local: Option<LocalClock>,
    },
    Suppressed(Ident),
    Milestone(Ident),
    Reached(Ident),
    Converted,
    Exited,
}

/// `with { FIELD = VALUE, ... }` of `expect sent T`.
#[derive(Clone, Debug, PartialEq)]
pub struct ExpectWith {
    pub fields: Vec<Assign>,
    /// From `with` to the closing brace.
    pub span: Span,
}

/// A local wall-clock time in a test expectation (`08:00 local`, `2026-03-09 08:00 local`):
/// minutes after midnight, on `date` when one is written.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LocalClock {
    pub date: Option<Date>,
    pub minute: u32,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct SimulationDecl {
    pub name: Ident,
    pub parts: Vec<SimPart>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum SimPart {
    Journey(Ident, Span),
    /// `journeys a, b` (the names) or `journeys all` (no names): one world of journeys.
    Journeys(Vec<Ident>, Span),
    Customers(u64, Span),
    Seed(u64, Span),
    /// `trigger { FIELD = VALUE ... }`: how the fields of the arrival's trigger event are drawn.
    Trigger(Vec<PopAssign>, Span),
    Population(Vec<PopAssign>, Span),
    Behavior(Vec<BehaviorRule>, Span),
}

#[derive(Clone, Debug, PartialEq)]
pub struct PopAssign {
    pub attr: Ident,
    pub value: PopValue,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PopValue {
    Fixed(Value),
    /// Weighted choices: each value with its share in percent.
    Choices(Vec<(Value, f64, Span)>),
    /// A uniform range, both ends included.
    Range(Value, Value),
    /// `now + LO..HI`: a datetime drawn uniformly between `LO` and `HI` after the moment of
    /// the draw, both ends included.
    FromNow(Dur, Dur),
}

#[derive(Clone, Debug, PartialEq)]
pub struct BehaviorRule {
    pub subject: BehaviorSubject,
    /// The probability in percent.
    pub percent: f64,
    pub timing: Option<Timing>,
    /// `after TOUCHPOINT`: a response to a touchpoint rather than a base rate.
    pub after: Option<Ident>,
    pub condition: Option<Expr>,
    /// `{ FIELD = VALUE ... }`: how the fields of the produced event are drawn.
    pub fields: Option<FieldBlock>,
    pub span: Span,
}

/// A brace block of field draws after a behaviour rule. Kept apart from "no block" so that an
/// empty `{}` survives formatting.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldBlock {
    /// Each line names a field (in `attr`) and draws it like a population line.
    pub fields: Vec<PopAssign>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BehaviorSubject {
    Event(Ident),
    /// `opened(t)` or `clicked(t)`.
    Engagement {
        func: Ident,
        touchpoint: Ident,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum Timing {
    /// `after 2h..2d` (or a single duration): uniform delay in the range.
    After(Dur, Option<Dur>),
    /// `within 3d`: uniform delay between zero and the duration.
    Within(Dur),
}
