//! Document symbols: the outline of one file, from its syntax tree. Journeys hold their stages
//! (and goals); enums their values; events their fields; the customer block its attributes.
//! Items that do not parse are left out, the rest still show.

use super::position;
use crate::source::Span;
use crate::syntax::ast::{self, Item, JourneyPart, SectionKind, StepKind};
use lsp_types::{DocumentSymbol, SymbolKind};

pub fn outline(text: &str, module: &ast::Module) -> Vec<DocumentSymbol> {
    let lines = position::LineIndex::new(text);
    let o = Outline {
        text,
        lines: &lines,
    };
    module.items.iter().filter_map(|i| o.item(i)).collect()
}

struct Outline<'a> {
    text: &'a str,
    lines: &'a position::LineIndex,
}

impl Outline<'_> {
    #[allow(deprecated)] // `deprecated` is a required field of the struct.
    fn symbol(
        &self,
        name: String,
        detail: Option<String>,
        kind: SymbolKind,
        span: Span,
        selection: Span,
        children: Vec<DocumentSymbol>,
    ) -> DocumentSymbol {
        let range = self.lines.range(self.text, span.start, span.end);
        // The selection must lie inside the range.
        let selection = if selection.start >= span.start && selection.end <= span.end {
            self.lines.range(self.text, selection.start, selection.end)
        } else {
            range
        };
        DocumentSymbol {
            name: if name.is_empty() { "?".into() } else { name },
            detail,
            kind,
            tags: None,
            deprecated: None,
            range,
            selection_range: selection,
            children: (!children.is_empty()).then_some(children),
        }
    }

    fn leaf(
        &self,
        id: &ast::Ident,
        detail: Option<String>,
        kind: SymbolKind,
        span: Span,
    ) -> DocumentSymbol {
        self.symbol(id.name.clone(), detail, kind, span, id.span, Vec::new())
    }

    /// The waits for several events in `b` (at any depth), each with its branches and its
    /// `timeout`: the places where a journey forks on what the customer does.
    fn waits(&self, b: &ast::Block, out: &mut Vec<DocumentSymbol>) {
        for step in &b.steps {
            match &step.kind {
                StepKind::WaitAny(w) => {
                    let mut branches: Vec<DocumentSymbol> = w
                        .branches
                        .iter()
                        .map(|br| {
                            let mut inner = Vec::new();
                            self.waits(&br.body, &mut inner);
                            let detail = br
                                .condition
                                .as_ref()
                                .and_then(|c| self.text.get(c.span.start..c.span.end))
                                .map(|c| format!("where {c}"));
                            self.symbol(
                                format!("on {}", br.event.name),
                                detail,
                                SymbolKind::EVENT,
                                br.span,
                                br.event.span,
                                inner,
                            )
                        })
                        .collect();
                    if let Some(t) = &w.on_timeout {
                        let mut inner = Vec::new();
                        self.waits(t, &mut inner);
                        let head = Span::new(t.span.start, t.span.start + "timeout".len());
                        branches.push(self.symbol(
                            "timeout".into(),
                            None,
                            SymbolKind::EVENT,
                            t.span,
                            head,
                            inner,
                        ));
                    }
                    let head = Span::new(step.span.start, w.up_to.span.end);
                    let up_to = self
                        .text
                        .get(w.up_to.span.start..w.up_to.span.end)
                        .unwrap_or("");
                    self.symbol_into(
                        out,
                        format!("wait up to {up_to}"),
                        step.span,
                        head,
                        branches,
                    );
                }
                StepKind::WaitEvent(w) => {
                    for blk in w.on_event.iter().chain(&w.on_timeout) {
                        self.waits(blk, out);
                    }
                }
                StepKind::If(i) => {
                    for blk in i.branches.iter().map(|(_, b)| b).chain(&i.otherwise) {
                        self.waits(blk, out);
                    }
                }
                StepKind::Split(vs) => {
                    for v in vs {
                        self.waits(&v.body, out);
                    }
                }
                _ => {}
            }
        }
    }

    fn symbol_into(
        &self,
        out: &mut Vec<DocumentSymbol>,
        name: String,
        span: Span,
        head: Span,
        children: Vec<DocumentSymbol>,
    ) {
        out.push(self.symbol(
            name,
            Some("wait".into()),
            SymbolKind::OPERATOR,
            span,
            head,
            children,
        ));
    }

    fn item(&self, item: &Item) -> Option<DocumentSymbol> {
        Some(match item {
            Item::Import(i) => self.symbol(
                i.path.value.clone(),
                Some("import".into()),
                SymbolKind::FILE,
                i.span,
                i.path.span,
                Vec::new(),
            ),
            Item::Enum(e) => {
                let values = e
                    .values
                    .iter()
                    .map(|v| self.leaf(v, None, SymbolKind::ENUM_MEMBER, v.span))
                    .collect();
                self.symbol(
                    e.name.name.clone(),
                    None,
                    SymbolKind::ENUM,
                    e.span,
                    e.name.span,
                    values,
                )
            }
            Item::Customer(c) => {
                let attrs = c
                    .attrs
                    .iter()
                    .map(|a| {
                        self.leaf(
                            &a.name,
                            Some(a.ty.name.clone()),
                            SymbolKind::PROPERTY,
                            a.span,
                        )
                    })
                    .collect();
                let head = Span::new(c.span.start, c.span.start + "customer".len());
                self.symbol(
                    "customer".into(),
                    None,
                    SymbolKind::STRUCT,
                    c.span,
                    head,
                    attrs,
                )
            }
            Item::Event(e) => {
                let fields = e
                    .fields
                    .iter()
                    .map(|f| self.leaf(&f.name, Some(f.ty.name.clone()), SymbolKind::FIELD, f.span))
                    .collect();
                self.symbol(
                    e.name.name.clone(),
                    Some("event".into()),
                    SymbolKind::EVENT,
                    e.span,
                    e.name.span,
                    fields,
                )
            }
            Item::Channel(c) => self.leaf(
                &c.name,
                Some("channel".into()),
                SymbolKind::INTERFACE,
                c.span,
            ),
            Item::Touchpoint(t) => {
                // Its `data { ... }` fields, like an event's.
                let fields = t
                    .props
                    .iter()
                    .filter_map(|p| match p {
                        crate::syntax::ast::TouchpointProp::Data(fields, _) => Some(fields),
                        _ => None,
                    })
                    .flatten()
                    .map(|f| self.leaf(&f.name, Some(f.ty.name.clone()), SymbolKind::FIELD, f.span))
                    .collect();
                self.symbol(
                    t.name.name.clone(),
                    Some("touchpoint".into()),
                    SymbolKind::CONSTANT,
                    t.span,
                    t.name.span,
                    fields,
                )
            }
            Item::Journey(j) => {
                let children = j
                    .parts
                    .iter()
                    .filter_map(|p| match p {
                        JourneyPart::Section(s) => {
                            let name = s.kind.name();
                            let sel = match &s.kind {
                                SectionKind::Stage(id) => id.span,
                                _ => s.head_span,
                            };
                            let mut waits = Vec::new();
                            self.waits(&s.body, &mut waits);
                            Some(self.symbol(
                                name,
                                Some("stage".into()),
                                SymbolKind::NAMESPACE,
                                s.span,
                                sel,
                                waits,
                            ))
                        }
                        JourneyPart::Goal(g) => {
                            Some(self.leaf(&g.event, Some("goal".into()), SymbolKind::KEY, g.span))
                        }
                        _ => None,
                    })
                    .collect();
                // `journey NAME per FIELD`: the outline says it is keyed.
                let detail = match &j.per {
                    Some(f) => format!("journey per {}", f.name),
                    None => "journey".into(),
                };
                self.symbol(
                    j.name.name.clone(),
                    Some(detail),
                    SymbolKind::CLASS,
                    j.span,
                    j.name.span,
                    children,
                )
            }
            Item::Test(t) => self.symbol(
                t.name.value.clone(),
                Some("test".into()),
                SymbolKind::METHOD,
                t.span,
                t.name.span,
                Vec::new(),
            ),
            Item::Simulation(s) => self.leaf(
                &s.name,
                Some("simulation".into()),
                SymbolKind::OBJECT,
                s.span,
            ),
        })
    }
}
