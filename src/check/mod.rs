//! The checker: resolves names and types and proves journey properties, reporting every problem
//! it finds (never stopping at the first) as diagnostics sorted by position.
//!
//! Checking runs per compilation unit (a file and what it imports). Each pass pushes into one
//! [`Sink`]; the declarations pass builds the [`Model`] the later passes resolve against.

mod collect;
mod decimal_range;
mod draws;
mod expr;
mod flow;
mod journey;
mod log_names;
pub mod model;
mod payload;
mod per;
mod samples;
mod usage;
mod zones;

pub use model::*;

use crate::diagnostics::{codes, Diagnostic, Diagnostics};
use crate::project::Project;
use crate::source::FileId;
use std::collections::BTreeMap;

/// What checking a project produced. Models are returned even when there are errors (an editor
/// still wants them); lowering must only be given models from a run without errors.
#[derive(Debug, Default)]
pub struct Checked {
    /// One model per compilation unit, in the order of the files named.
    pub models: Vec<Model>,
    pub diagnostics: Diagnostics,
}

/// Where passes report problems.
pub(crate) struct Sink {
    pub diags: Vec<Diagnostic>,
    /// Names offered as "did you mean" suggestions: the user meant to use them, so they are not
    /// reported as unused on top of the misspelling.
    pub suggested: std::collections::BTreeSet<String>,
}

impl Sink {
    pub fn push(&mut self, d: Diagnostic) {
        self.suggested
            .extend(d.suggestions.iter().map(|s| s.replacement.clone()));
        self.diags.push(d);
    }
}

/// Checks every unit of a loaded project.
pub fn check_project(project: &Project) -> Checked {
    let mut diagnostics = project.diagnostics.clone();
    let mut models = Vec::new();
    // Files whose loader already reported a problem of one of these kinds.
    let files_with = |kinds: &[&str]| -> Vec<FileId> {
        project
            .diagnostics
            .iter()
            .filter(|d| kinds.contains(&d.code))
            .map(|d| d.file)
            .collect()
    };
    let unparsed = files_with(&[codes::SYNTAX, codes::TOO_DEEP]);
    // An import that could not be loaded may declare any name, and may use any declaration.
    let lost_imports = files_with(&[codes::IMPORT_NOT_FOUND, codes::IMPORT_OUTSIDE_ROOT]);
    let bad_literals: Vec<(FileId, usize, usize)> = project
        .diagnostics
        .iter()
        .filter(|d| d.code == codes::BAD_LITERAL)
        .map(|d| (d.file, d.primary_span().start, d.primary_span().end))
        .collect();
    // A file imported by several units (a shared `events.journey`) declares names each unit may
    // use or not: a name there is unused only when no unit uses it.
    let mut unused: BTreeMap<(FileId, usize, usize), (Diagnostic, usize)> = BTreeMap::new();
    for unit in &project.units {
        let modules: Vec<(FileId, &crate::syntax::ast::Module)> = unit
            .iter()
            .filter_map(|f| project.module(*f).map(|m| (*f, m)))
            .collect();
        let mut sink = Sink {
            diags: Vec::new(),
            suggested: Default::default(),
        };
        let model = check_unit(&modules, &mut sink);
        let broken: Vec<&crate::syntax::ast::Unparsed> =
            modules.iter().flat_map(|(_, m)| &m.unparsed).collect();
        sink.diags
            .retain(|d| !refers_to_unparsed(d, &broken, &project.sources.get(d.file).text));
        if unit.iter().any(|f| lost_imports.contains(f)) {
            // "unknown event" for a name the missing file would declare is a cascade of the
            // E0010 already reported, and its fix (declare it) would be wrong.
            sink.diags
                .retain(|d| !UNKNOWN_DECLARATIONS.contains(&d.code) && d.code != codes::UNUSED);
        }
        if unit.iter().any(|f| unparsed.contains(f)) {
            // What uses a declaration may be in the item that failed to parse: "never used"
            // would be wrong there, and is noise next to the syntax error anyway.
            sink.diags.retain(|d| d.code != codes::UNUSED);
        }
        // A literal that could not be read stands in the AST as a zero; what the checker says
        // about that zero ("needs a duration longer than zero", "needs at least one customer")
        // is a cascade of the E0003 already reported inside the same span.
        sink.diags.retain(|d| {
            let span = d.primary_span();
            !bad_literals
                .iter()
                .any(|(f, s, e)| *f == d.file && span.start <= *s && *e <= span.end)
        });
        for d in sink.diags {
            if d.code != codes::UNUSED {
                diagnostics.push(d);
            } else {
                let at = (d.file, d.primary_span().start, d.primary_span().end);
                unused.entry(at).or_insert((d, 0)).1 += 1;
            }
        }
        models.push(model);
    }
    for (d, units_reporting) in unused.into_values() {
        let units_holding = project.units.iter().filter(|u| u.contains(&d.file)).count();
        if units_reporting == units_holding {
            diagnostics.push(d);
        }
    }
    diagnostics.sort();
    Checked {
        models,
        diagnostics,
    }
}

/// Codes saying a name declared at the top level of some file is unknown.
const UNKNOWN_DECLARATIONS: [&str; 6] = [
    codes::UNKNOWN_EVENT,
    codes::UNKNOWN_TOUCHPOINT,
    codes::UNKNOWN_CHANNEL,
    codes::UNKNOWN_ATTRIBUTE,
    codes::UNKNOWN_TYPE,
    codes::UNKNOWN_JOURNEY,
];

/// Whether `d` only says that a name is unknown where the name's declaration is an item that
/// failed to parse (or, for attributes, where the `customer` block did): a cascade of the syntax
/// error already reported, with a fix that is wrong (declare what is declared).
fn refers_to_unparsed(
    d: &Diagnostic,
    broken: &[&crate::syntax::ast::Unparsed],
    text: &str,
) -> bool {
    let keyword = match d.code {
        c if c == codes::UNKNOWN_EVENT => "event",
        c if c == codes::UNKNOWN_TOUCHPOINT => "touchpoint",
        c if c == codes::UNKNOWN_CHANNEL => "channel",
        c if c == codes::UNKNOWN_TYPE => "enum",
        c if c == codes::UNKNOWN_JOURNEY => "journey",
        c if c == codes::UNKNOWN_ATTRIBUTE => {
            return broken.iter().any(|b| b.keyword == "customer");
        }
        _ => return false,
    };
    let span = d.primary_span();
    let Some(name) = text.get(span.start..span.end) else {
        return false;
    };
    broken
        .iter()
        .any(|b| b.keyword == keyword && b.name.as_deref() == Some(name))
}

fn check_unit(modules: &[(FileId, &crate::syntax::ast::Module)], sink: &mut Sink) -> Model {
    let mut used = usage::Usage::default();
    let mut model = collect::declarations(modules, sink, &mut used);
    for j in model.journeys.values() {
        journey::check(j, &model, sink, &mut used);
        per::check(j, &model, sink);
        flow::check(j, &model, sink);
    }
    flow::crowd(&model, sink);
    samples::check(&model, sink, &mut used);
    usage::report_unused(&model, &used, sink);
    model.tests.sort_by_key(|t| (t.file, t.decl.span.start));
    model
}
