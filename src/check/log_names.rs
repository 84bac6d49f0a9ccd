//! The names event logs give events: an event is read from a log by its own name and by its
//! `as "Log Name"`, so no two events may read the same name (a log line can be only one event).

use super::Sink;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::{FileId, Span};
use crate::syntax::ast::{self, Item};
use std::collections::BTreeMap;

/// Reports each name two events would read from a log (E0123), in declaration order.
pub fn check(modules: &[(FileId, &ast::Module)], sink: &mut Sink) {
    // Log name → the event that reads it, and where that was said.
    let mut taken: BTreeMap<&str, (&str, FileId, Span)> = BTreeMap::new();
    let already = |event: &str, read: &str| {
        if event == read {
            format!("`{event}` is already read by its own name")
        } else {
            format!("`{event}` already reads `{read}`")
        }
    };
    for (file, module) in modules {
        for item in &module.items {
            let Item::Event(e) = item else { continue };
            let own = (e.name.name.as_str(), e.name.span);
            let alias = e.log_name.as_ref().map(|s| (s.value.as_str(), s.span));
            for (read, span) in std::iter::once(own).chain(alias) {
                match taken.get(read) {
                    // The same event (declared twice is E0120, or `as` its own name).
                    Some((event, _, _)) if *event == e.name.name => {}
                    Some((event, first_file, first_span)) => sink.push(
                        Diagnostic::error(
                            codes::LOG_NAME_CLASH,
                            *file,
                            format!(
                                "events `{event}` and `{}` both read `{read}` from event logs",
                                e.name.name
                            ),
                        )
                        .label(span, format!("`{}` reads `{read}` here", e.name.name))
                        .label_in(
                            *first_file,
                            *first_span,
                            already(event, read),
                        )
                        .help(format!(
                            "a log line can be only one event: give `{}` another log name with `as \"...\"`, or remove one of the two",
                            e.name.name
                        )),
                    ),
                    None => {
                        taken.insert(read, (e.name.name.as_str(), *file, span));
                    }
                }
            }
        }
    }
}
