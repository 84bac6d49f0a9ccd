//! Quick fixes: a diagnostic's suggestions (the checker attaches one to each "did you mean `x`?"
//! help) are offered as edits writing `x` in place of the misspelt name, as rust-analyzer and
//! rustc's suggestions do.

use super::analysis::Analysis;
use super::{diagnostics, uri};
use crate::source::FileId;
use lsp_types::{CodeAction, CodeActionKind, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

/// The quick fixes for the suggestions in `file` whose span touches `start..end`.
pub fn quick_fixes(analysis: &Analysis, file: FileId, start: usize, end: usize) -> Vec<CodeAction> {
    let source = analysis.source(file);
    let Some(doc) = uri::from_path(&source.path) else {
        return Vec::new();
    };
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.file == file)
        .flat_map(|d| d.suggestions.iter().map(move |s| (d, s)))
        .filter(|(_, s)| s.file == file && s.span.end >= start && s.span.start <= end)
        .map(|(d, s)| {
            let edit = TextEdit {
                range: analysis.range(file, s.span.start, s.span.end),
                new_text: s.replacement.clone(),
            };
            CodeAction {
                title: format!("Replace with `{}`", s.replacement),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostics::convert(analysis, d)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(doc.clone(), vec![edit])])),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            }
        })
        .collect()
}
