//! Time zones in the checker (issue 17): zone names are checked against the bundled IANA
//! database, and the customer schema has at most one `timezone` attribute, the customer's zone.

use super::model::{Model, Origin, Type};
use super::Sink;
use crate::diagnostics::{codes, Diagnostic};
use crate::interp::zone::{suggest, Zone};
use crate::source::{FileId, Span};

/// E0119: checks a zone name written as a string literal at `span` (quotes included); the
/// name when it is a zone of the database.
pub fn zone_name(file: FileId, name: &str, span: Span, sink: &mut Sink) -> Option<String> {
    if Zone::get(name).is_ok() {
        return Some(name.to_string());
    }
    let d = Diagnostic::error(
        codes::UNKNOWN_TIME_ZONE,
        file,
        format!("unknown time zone `{name}`"),
    )
    .label(span, "not a zone of the IANA database");
    // The fix replaces the text between the quotes.
    let inner = Span::new(
        span.start + 1,
        span.end.saturating_sub(1).max(span.start + 1),
    );
    sink.push(match suggest(name) {
        Some(s) => d.suggest(inner, s),
        None => d.help(
            "write an IANA zone name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\" (the list is at https://en.wikipedia.org/wiki/List_of_tz_database_time_zones)",
        ),
    });
    None
}

/// E0224: an attribute of type `timezone` when the schema already has one (`first`). The
/// customer's zone must be one attribute, or local times would be ambiguous.
pub fn second_zone_attr(model: &Model, file: FileId, name: &str, span: Span, sink: &mut Sink) {
    let Some(first) = model.attrs.values().find(|a| a.ty == Type::Timezone) else {
        return;
    };
    let Origin {
        file: first_file,
        span: first_span,
    } = first.origin;
    sink.push(
        Diagnostic::error(
            codes::SECOND_ZONE_ATTR,
            file,
            format!(
                "`{name}` is a second `timezone` attribute; `{}` is already the customer's zone",
                first.name
            ),
        )
        .label(span, "second `timezone` attribute")
        .label_in(first_file, first_span, "the customer's zone")
        .help(format!(
            "keep one `timezone` attribute (local times are read in it); make `{name}` a `string` if it only records a zone"
        )),
    );
}

/// W0419: a `local` time (`quiet 21:00..08:00 local`) in a project whose customer schema has no
/// `timezone` attribute: every customer's zone is UTC, so `local` changes nothing.
pub fn local_without_zone(model: &Model, file: FileId, span: Span, sink: &mut Sink) {
    if model.zone_attr().is_some() || !model.untyped_attrs.is_empty() {
        return;
    }
    sink.push(
        Diagnostic::warning(
            codes::LOCAL_WITHOUT_ZONE,
            file,
            "`local` is read in UTC: the customer schema has no `timezone` attribute",
        )
        .label(span, "read in UTC for every customer")
        .help(
            "declare the customer's zone in the `customer` block, e.g. `tz: timezone = \"Europe/Berlin\"` (its default is the project default), or drop `local`",
        ),
    );
}
