//! Quick fixes: a diagnostic whose help says "did you mean `x`?" offers to write `x` in place of
//! the misspelt name, as rust-analyzer and rustc's suggestions do.

use super::analysis::Analysis;
use super::{diagnostics, uri};
use crate::source::FileId;
use lsp_types::{CodeAction, CodeActionKind, TextEdit, WorkspaceEdit};
use std::collections::HashMap;

/// The quick fixes for the diagnostics of `file` whose primary span touches `start..end`.
pub fn quick_fixes(analysis: &Analysis, file: FileId, start: usize, end: usize) -> Vec<CodeAction> {
    let source = analysis.source(file);
    let Some(doc) = uri::from_path(&source.path) else {
        return Vec::new();
    };
    analysis
        .diagnostics
        .iter()
        .filter(|d| d.file == file)
        .filter_map(|d| {
            let span = d.primary_span();
            if span.end < start || span.start > end {
                return None;
            }
            let suggestion = d
                .help
                .as_deref()?
                .strip_prefix("did you mean `")?
                .split('`')
                .next()?;
            let edit = TextEdit {
                range: analysis.range(file, span.start, span.end),
                new_text: suggestion.to_string(),
            };
            Some(CodeAction {
                title: format!("Replace with `{suggestion}`"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![diagnostics::convert(analysis, d)]),
                edit: Some(WorkspaceEdit {
                    changes: Some(HashMap::from([(doc.clone(), vec![edit])])),
                    ..Default::default()
                }),
                is_preferred: Some(true),
                ..Default::default()
            })
        })
        .collect()
}
