//! Rename: every place a named item is written, across the files of its units, changed in one
//! workspace edit.
//!
//! The edit is proved before it is offered: it is applied to the texts in memory and the
//! project checked again, and a rename that would leave more errors than there were (a name
//! the index missed, a clash with another declaration) is refused with the reason, so a rename
//! never breaks a journey silently.

use super::analysis::Analysis;
use super::symbols::{Occurrence, Sym};
use super::uri;
use crate::diagnostics::Severity;
use crate::project;
use crate::source::FileId;
use lsp_types::{Range, TextEdit, Uri, WorkspaceEdit};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

/// The range of the name under the cursor, when it can be renamed.
pub fn prepare(analysis: &Analysis, file: FileId, offset: usize) -> Result<Range, String> {
    let occ = renamable(analysis, file, offset)?;
    Ok(analysis.range(file, occ.span.start, occ.span.end))
}

/// The edit renaming the item under the cursor to `new_name`.
// `WorkspaceEdit::changes` is lsp-types' `HashMap<Uri, _>`; its URIs are never mutated.
#[allow(clippy::mutable_key_type)]
pub fn rename(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    new_name: &str,
) -> Result<WorkspaceEdit, String> {
    let occ = renamable(analysis, file, offset)?;
    let old = name_of(&occ.sym);
    if new_name == old {
        return Ok(WorkspaceEdit::default());
    }
    if !crate::syntax::is_identifier(new_name) {
        return Err(format!(
            "`{new_name}` is not a name: use letters, digits and `_`, starting with a letter, and no keyword"
        ));
    }
    let places = analysis.occurrences(file, &occ.sym);
    // Offsets of each file's edits, to apply them in memory and to answer with.
    let mut by_file: BTreeMap<FileId, Vec<(usize, usize)>> = BTreeMap::new();
    for o in &places {
        let text = &analysis.source(o.file).text;
        if text.get(o.span.start..o.span.end) != Some(old) {
            return Err(format!(
                "`{old}` cannot be renamed here: one of its uses is not written as `{old}`"
            ));
        }
        by_file
            .entry(o.file)
            .or_default()
            .push((o.span.start, o.span.end));
    }
    prove(analysis, &by_file, new_name)?;
    let mut changes: HashMap<Uri, Vec<TextEdit>> = HashMap::new();
    for (f, spans) in &by_file {
        let source = analysis.source(*f);
        let Some(u) = uri::from_path(&source.path) else {
            return Err(format!("`{}` has no file URI", source.path.display()));
        };
        changes.insert(
            u,
            spans
                .iter()
                .map(|(s, e)| TextEdit {
                    range: analysis.range(*f, *s, *e),
                    new_text: new_name.to_string(),
                })
                .collect(),
        );
    }
    Ok(WorkspaceEdit {
        changes: Some(changes),
        ..Default::default()
    })
}

fn renamable(analysis: &Analysis, file: FileId, offset: usize) -> Result<&Occurrence, String> {
    let (_, occ) = analysis
        .symbol_at(file, offset)
        .ok_or_else(|| "there is no name to rename here".to_string())?;
    let text = &analysis.source(file).text;
    let name = name_of(&occ.sym);
    let onboarding = matches!(&occ.sym, Sym::Stage { name, .. } if name == "onboarding");
    if onboarding || text.get(occ.span.start..occ.span.end) != Some(name) {
        // `onboarding` and `upgrade plan trial -> pro` are sections whose names come from the
        // language, not from the user.
        return Err(format!(
            "`{name}` is named by the language and cannot be renamed"
        ));
    }
    Ok(occ)
}

fn name_of(sym: &Sym) -> &str {
    match sym {
        Sym::Enum(n)
        | Sym::Attr(n)
        | Sym::Event(n)
        | Sym::Channel(n)
        | Sym::Touchpoint(n)
        | Sym::Journey(n) => n,
        Sym::EnumValue { value, .. } => value,
        Sym::Field { field, .. } | Sym::DataField { field, .. } => field,
        Sym::Stage { name, .. } | Sym::Milestone { name, .. } | Sym::Variant { name, .. } => name,
    }
}

/// Checks the project again with the edits applied; refuses a rename that adds errors.
fn prove(
    analysis: &Analysis,
    edits: &BTreeMap<FileId, Vec<(usize, usize)>>,
    new_name: &str,
) -> Result<(), String> {
    let mut texts: BTreeMap<PathBuf, String> = BTreeMap::new();
    for (f, source) in analysis.project.sources.files() {
        let mut text = source.text.clone();
        if let Some(spans) = edits.get(&f) {
            let mut spans = spans.clone();
            spans.sort_unstable();
            for (s, e) in spans.into_iter().rev() {
                text.replace_range(s..e, new_name);
            }
        }
        texts.insert(source.path.clone(), text);
    }
    let read = |p: &Path| match texts.get(p) {
        Some(t) => Ok(t.clone()),
        None => std::fs::read_to_string(p),
    };
    let files: Vec<PathBuf> = texts.keys().cloned().collect();
    let renamed = project::load_with(&files, &read).map_err(|e| e.to_string())?;
    let errors_before: Vec<&str> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect();
    let after = Analysis::from_project(renamed);
    let errors_after: Vec<&str> = after
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.message.as_str())
        .collect();
    if errors_after.len() > errors_before.len() {
        let added = errors_after.len() - errors_before.len();
        let example = errors_after
            .iter()
            .find(|m| !errors_before.contains(m))
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        return Err(format!(
            "renaming to `{new_name}` would add {added} error{}{example}",
            if added == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}
