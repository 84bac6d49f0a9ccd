//! The walk over the syntax tree: which elements go on their own lines, which brace groups
//! open, and where blank lines and alignment go. Everything inside one line is printed from the
//! source tokens (see [`Printer::tokens`]), so spellings such as `1d12h` or `100_000` survive.

use super::printer::{Lead, Printer, TableKind, WIDTH};
use crate::source::Span;
use crate::syntax::ast::*;

/// How a brace group of elements is laid out.
#[derive(Clone, Copy)]
struct Style {
    /// Whether the group may stay on one line (when it was on one line in the source).
    may_flat: bool,
    /// Separator on one line: `, ` when true, two spaces otherwise.
    comma_flat: bool,
    /// Whether each element ends with `,` when the group spans lines (enum values).
    comma_broken: bool,
}

const BODY: Style = Style {
    may_flat: false,
    comma_flat: false,
    comma_broken: false,
};
const PROPS: Style = Style {
    may_flat: true,
    comma_flat: false,
    comma_broken: false,
};
const FIELDS: Style = Style {
    may_flat: true,
    comma_flat: true,
    comma_broken: false,
};
const ENUM: Style = Style {
    may_flat: true,
    comma_flat: true,
    comma_broken: true,
};

pub fn module(p: &mut Printer, m: &Module) {
    let mut prev: Option<&Item> = None;
    let mut prev_end = 0;
    for item in &m.items {
        let span = item.span();
        let lead = match prev {
            None => Lead::Drop,
            Some(before) if grouped(before, item) => Lead::Keep,
            Some(_) => Lead::Force,
        };
        p.gap(prev_end, span.start, lead, true);
        self::item(p, item);
        prev_end = p.end_of(span);
        prev = Some(item);
    }
    p.gap(prev_end, p.src.len() + 1, Lead::Keep, false);
    p.finish();
}

/// Consecutive declarations of one kind may be written as a block with no blank lines.
fn grouped(a: &Item, b: &Item) -> bool {
    matches!(
        (a, b),
        (Item::Import(_), Item::Import(_))
            | (Item::Enum(_), Item::Enum(_))
            | (Item::Event(_), Item::Event(_))
            | (Item::Channel(_), Item::Channel(_))
            | (Item::Touchpoint(_), Item::Touchpoint(_))
    )
}

fn item(p: &mut Printer, item: &Item) {
    match item {
        Item::Import(i) => p.tokens_in(i.span),
        Item::Enum(e) => braced(
            p,
            e.span,
            &e.values,
            ENUM,
            |i| i.span,
            |p, i| p.tokens_in(i.span),
        ),
        Item::Customer(c) => braced(
            p,
            c.span,
            &c.attrs,
            FIELDS,
            |a| a.span,
            |p, a| p.tokens_in(a.span),
        ),
        Item::Event(e) => optional_braces(
            p,
            e.span,
            &e.fields,
            FIELDS,
            |f| f.span,
            |p, f| p.tokens_in(f.span),
        ),
        Item::Channel(c) => table(p, TableKind::Channel, |p| {
            optional_braces(p, c.span, &c.props, PROPS, ChannelProp::span, |p, x| {
                p.tokens_in(x.span())
            })
        }),
        Item::Touchpoint(t) => table(p, TableKind::Touchpoint, |p| {
            braced(
                p,
                t.span,
                &t.props,
                PROPS,
                TouchpointProp::span,
                |p, x| match x {
                    TouchpointProp::Data(fields, span) => data(p, fields, *span),
                    _ => p.tokens_in(x.span()),
                },
            )
        }),
        Item::Journey(j) => braced(p, j.span, &j.parts, BODY, part_span, journey_part),
        Item::Test(t) => braced(p, t.span, &t.parts, BODY, test_part_span, test_part),
        Item::Simulation(s) => braced(p, s.span, &s.parts, BODY, sim_part_span, sim_part),
    }
}

/// Prints a declaration, and when it fits on one line, records its cells so that a run of such
/// lines can be aligned into columns.
fn table(p: &mut Printer, kind: TableKind, print: impl FnOnce(&mut Printer)) {
    let snap = p.snapshot();
    p.broke = false;
    let starts_line = p.cur.is_empty();
    p.cells = Some(Vec::new());
    print(p);
    let bounds = p.cells.take().unwrap_or_default();
    if !starts_line || p.broke || !p.same_line_since(&snap) {
        return;
    }
    let line = p.cur.clone();
    let mut cells: Vec<String> = Vec::new();
    let head_end = bounds.first().map_or(line.len(), |b| b.0);
    cells.push(line[..head_end].trim_end().to_string());
    if bounds.len() > 1 {
        let mut from = head_end;
        for (i, (_, end)) in bounds.iter().enumerate().skip(1) {
            let to = if i + 1 == bounds.len() {
                line.len()
            } else {
                *end
            };
            cells.push(line[from..to].trim().to_string());
            from = to;
        }
    } else if head_end < line.len() {
        cells.push(line[head_end..].trim().to_string());
    }
    let rebuilt = cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            if i == 0 {
                c.clone()
            } else if i == 1 {
                format!(" {c}")
            } else {
                format!("  {c}")
            }
        })
        .collect::<String>();
    if rebuilt == line {
        p.cur_table = Some((kind, cells));
    }
}

/// A declaration whose braces may be left out when empty (events, channels).
fn optional_braces<T>(
    p: &mut Printer,
    span: Span,
    elems: &[T],
    style: Style,
    elem_span: fn(&T) -> Span,
    print: impl Fn(&mut Printer, &T),
) {
    if elems.is_empty() {
        let end = p.find(span.start, span.end, "{").unwrap_or(span.end);
        p.tokens(span.start, end);
        return;
    }
    braced(p, span, elems, style, elem_span, print);
}

/// A header followed by a brace group that closes the span.
fn braced<T>(
    p: &mut Printer,
    span: Span,
    elems: &[T],
    style: Style,
    elem_span: fn(&T) -> Span,
    print: impl Fn(&mut Printer, &T),
) {
    let open = p.find(span.start, span.end, "{").unwrap_or(span.end);
    p.tokens(span.start, open);
    let close = p.last_token(span).start;
    group(p, open, close, elems, style, elem_span, print);
}

/// A brace group from the `{` at `open` to the `}` at `close`.
fn group<T>(
    p: &mut Printer,
    open: usize,
    close: usize,
    elems: &[T],
    style: Style,
    elem_span: fn(&T) -> Span,
    print: impl Fn(&mut Printer, &T),
) {
    p.tok(open, "{");
    if let Some(cells) = p.cells.as_mut() {
        cells.push((p.cur.len() - 1, p.cur.len()));
    }
    let inside_commented = p.has_comment_in(open + 1, close);
    if elems.is_empty() && !inside_commented {
        p.word("}");
        return;
    }
    let one_line_in_source = p.src.get(open..close).is_some_and(|s| !s.contains('\n'));
    if style.may_flat && one_line_in_source && !inside_commented {
        let snap = p.snapshot();
        for (i, e) in elems.iter().enumerate() {
            if i > 0 {
                if style.comma_flat {
                    p.word(",");
                } else {
                    p.raw("  ");
                }
            }
            let start = p.cur.len();
            print(p, e);
            if let Some(cells) = p.cells.as_mut() {
                cells.push((start, p.cur.len()));
            }
        }
        p.word("}");
        if p.width() <= WIDTH && p.same_line_since(&snap) {
            return;
        }
        p.restore(snap);
        if let Some(cells) = p.cells.as_mut() {
            cells.truncate(1);
        }
    }
    p.cells = None;
    p.level += 1;
    let mut prev_end = open + 1;
    for (i, e) in elems.iter().enumerate() {
        let s = elem_span(e);
        p.gap(
            prev_end,
            s.start,
            if i == 0 { Lead::Drop } else { Lead::Keep },
            true,
        );
        print(p, e);
        if style.comma_broken {
            p.word(",");
        }
        prev_end = p.end_of(s);
    }
    p.gap(
        prev_end,
        close,
        if elems.is_empty() {
            Lead::Drop
        } else {
            Lead::Keep
        },
        false,
    );
    p.level -= 1;
    p.tok(close, "}");
}

// ---------------------------------------------------------------- journeys

fn part_span(part: &JourneyPart) -> Span {
    match part {
        JourneyPart::Trigger(t) => t.span,
        JourneyPart::Entry(e) => e.span,
        JourneyPart::Priority(x) => x.span,
        JourneyPart::Exclusive(x) => x.span,
        JourneyPart::Goal(g) => g.span,
        JourneyPart::Exit(x) => x.span,
        JourneyPart::Section(s) => s.span,
        JourneyPart::Schedule(s) => s.span,
        JourneyPart::When(w) => w.span,
    }
}

fn journey_part(p: &mut Printer, part: &JourneyPart) {
    match part {
        JourneyPart::Section(s) => {
            p.tokens(s.span.start, s.body.span.start);
            block(p, &s.body);
        }
        other => p.tokens_in(part_span(other)),
    }
}

fn block(p: &mut Printer, b: &Block) {
    block_in(p, b, true);
}

fn block_in(p: &mut Printer, b: &Block, may_flat: bool) {
    let style = Style {
        may_flat: may_flat && b.steps.iter().all(is_simple),
        ..PROPS
    };
    braced(p, b.span, &b.steps, style, |s| s.span, step);
}

/// A step that holds no block of its own.
fn is_simple(s: &Step) -> bool {
    match &s.kind {
        StepKind::If(_) | StepKind::Split(_) | StepKind::WaitAny(_) => false,
        StepKind::WaitEvent(w) => w.on_event.is_none() && w.on_timeout.is_none(),
        _ => true,
    }
}

fn step(p: &mut Printer, s: &Step) {
    match &s.kind {
        StepKind::Split(variants) => split(p, s.span, variants),
        StepKind::WaitAny(w) => wait_any(p, s.span, w),
        StepKind::If(i) => {
            let blocks: Vec<&Block> = i
                .branches
                .iter()
                .map(|(_, b)| b)
                .chain(i.otherwise.as_ref())
                .collect();
            compound(p, s.span.start, &blocks);
        }
        StepKind::WaitEvent(w) => {
            let blocks: Vec<&Block> = w.on_event.iter().chain(w.on_timeout.as_ref()).collect();
            if blocks.is_empty() {
                p.tokens_in(s.span);
            } else {
                compound(p, s.span.start, &blocks);
            }
        }
        StepKind::Send(_) => match &s.payload {
            Some(w) => {
                p.tokens(s.span.start, w.span.start);
                fields_group(p, w.span, &w.fields, |f| f.span);
            }
            None => p.tokens_in(s.span),
        },
        _ => p.tokens_in(s.span),
    }
}

/// `data { FIELD: TYPE, ... }` of a touchpoint, laid out like an event's fields. Its cells are
/// not the touchpoint's: a table of touchpoints aligns the properties, not the fields inside.
fn data(p: &mut Printer, fields: &[FieldDecl], span: Span) {
    let cells = p.cells.take();
    fields_group(p, span, fields, |f| f.span);
    if p.cells.is_none() {
        p.cells = cells;
    }
}

/// A keyword and a brace group of fields (`with { a = 1, b = 2 }`, `data { a: int }`): on one
/// line with commas when it was written on one line and fits, else one field per line.
fn fields_group<T>(p: &mut Printer, span: Span, fields: &[T], field_span: fn(&T) -> Span) {
    let open = p.find(span.start, span.end, "{").unwrap_or(span.end);
    p.tokens(span.start, open);
    let close = p.last_token(span).start;
    group(p, open, close, fields, FIELDS, field_span, |p, f| {
        p.tokens_in(field_span(f))
    });
}

/// A step made of headers and blocks: `if c { } else if d { } else { }`, `wait e { } timeout { }`.
/// Either the whole step fits on one line, or every one of its blocks spans lines.
fn compound(p: &mut Printer, start: usize, blocks: &[&Block]) {
    let snap = p.snapshot();
    compound_in(p, start, blocks, true);
    if p.same_line_since(&snap) && p.width() <= WIDTH {
        return;
    }
    p.restore(snap);
    compound_in(p, start, blocks, false);
}

fn compound_in(p: &mut Printer, start: usize, blocks: &[&Block], may_flat: bool) {
    let mut from = start;
    for b in blocks {
        p.tokens(from, b.span.start);
        block_in(p, b, may_flat);
        from = p.end_of(b.span);
    }
}

/// `wait up to D { ... } timeout { ... }`: each branch on its own line (like split variants),
/// then the `timeout` block after the closing brace, as in `if ... else`.
fn wait_any(p: &mut Printer, span: Span, w: &WaitAny) {
    let open = w.branches_span.start;
    p.tokens(span.start, open);
    let close = p.last_token(w.branches_span).start;
    group(
        p,
        open,
        close,
        &w.branches,
        BODY,
        |b| b.span,
        |p, b| {
            p.tokens(b.span.start, b.body.span.start);
            block(p, &b.body);
        },
    );
    if let Some(t) = &w.on_timeout {
        p.tokens(p.end_of(w.branches_span), t.span.start);
        block(p, t);
    }
}

/// A split, with its shares right-aligned and its variant names padded so the blocks line up.
fn split(p: &mut Printer, span: Span, variants: &[Variant]) {
    let open = p.find(span.start, span.end, "{").unwrap_or(span.end);
    p.tokens(span.start, open);
    let close = p.last_token(span).start;
    let width = |s: Span| p.src.get(s.start..s.end).map_or(0, |t| t.chars().count());
    let pct = variants
        .iter()
        .map(|v| width(v.percent_span))
        .max()
        .unwrap_or(0);
    let name = variants
        .iter()
        .map(|v| width(v.name.span))
        .max()
        .unwrap_or(0);
    group(
        p,
        open,
        close,
        variants,
        BODY,
        |v| v.span,
        |p, v| variant(p, v, pct, name),
    );
}

fn variant(p: &mut Printer, v: &Variant, pct: usize, name: usize) {
    let len = |s: Span| p.src.get(s.start..s.end).map_or(0, |t| t.chars().count());
    let (pct_len, name_len) = (len(v.percent_span), len(v.name.span));
    p.flush_before(v.percent_span.start);
    if pct > pct_len {
        p.raw(&" ".repeat(pct - pct_len));
    }
    p.tokens_in(v.percent_span);
    p.tokens_in(v.name.span);
    if name > name_len {
        p.flush_before(v.body.span.start);
        p.raw(&" ".repeat(name - name_len + 1));
    }
    p.tokens(v.name.span.end, v.body.span.start);
    block(p, &v.body);
}

// ---------------------------------------------------------------- tests and simulations

fn test_part_span(part: &TestPart) -> Span {
    match part {
        TestPart::Journey(_, s)
        | TestPart::Customer(_, s)
        | TestPart::At { span: s, .. }
        | TestPart::Identify { span: s, .. }
        | TestPart::Engage { span: s, .. } => *s,
        TestPart::Expect(e) => e.span,
    }
}

fn test_part(p: &mut Printer, part: &TestPart) {
    match part {
        TestPart::Customer(assigns, span)
        | TestPart::Identify {
            props: assigns,
            span,
            ..
        } => braced(
            p,
            *span,
            assigns,
            FIELDS,
            |a| a.span,
            |p, a| p.tokens_in(a.span),
        ),
        TestPart::At { props, span, .. } => optional_braces(
            p,
            *span,
            props,
            FIELDS,
            |a| a.span,
            |p, a| p.tokens_in(a.span),
        ),
        TestPart::Expect(Expect {
            kind: ExpectKind::Sent { with: Some(w), .. },
            span,
            ..
        }) => {
            p.tokens(span.start, w.span.start);
            fields_group(p, w.span, &w.fields, |a| a.span);
            p.tokens(p.end_of(w.span), span.end);
        }
        other => p.tokens_in(test_part_span(other)),
    }
}

fn sim_part_span(part: &SimPart) -> Span {
    match part {
        SimPart::Journey(_, s)
        | SimPart::Journeys(_, s)
        | SimPart::Customers(_, s)
        | SimPart::Seed(_, s)
        | SimPart::Trigger(_, s)
        | SimPart::Population(_, s)
        | SimPart::Behavior(_, s) => *s,
    }
}

fn sim_part(p: &mut Printer, part: &SimPart) {
    match part {
        SimPart::Population(assigns, span) | SimPart::Trigger(assigns, span) => braced(
            p,
            *span,
            assigns,
            FIELDS,
            |a| a.span,
            |p, a| p.tokens_in(a.span),
        ),
        SimPart::Behavior(rules, span) => braced(p, *span, rules, PROPS, |r| r.span, behavior_rule),
        other => p.tokens_in(sim_part_span(other)),
    }
}

/// A behaviour rule on one line; its field block, if any, laid out like a test event's fields.
fn behavior_rule(p: &mut Printer, r: &BehaviorRule) {
    match &r.fields {
        None => p.tokens_in(r.span),
        Some(b) => {
            p.tokens(r.span.start, b.span.start);
            let close = p.last_token(b.span).start;
            group(
                p,
                b.span.start,
                close,
                &b.fields,
                FIELDS,
                |a| a.span,
                |p, a| p.tokens_in(a.span),
            );
        }
    }
}
