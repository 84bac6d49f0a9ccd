//! Go to definition and find references, over the symbol index of every unit the file is in.

use super::analysis::Analysis;
use super::uri;
use crate::source::{FileId, Span};
use crate::syntax::ast;
use lsp_types::Location;

/// Where the symbol at `offset` is declared; `None` on anything that is not a name, or a name
/// that resolves to nothing (an unknown event has nowhere to go).
pub fn definition(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let Some((unit, occ)) = analysis.symbol_at(file, offset) else {
        return imported_file(analysis, file, offset);
    };
    let def = unit.index.definition(&occ.sym).or_else(|| {
        analysis
            .units_of(file)
            .find_map(|u| u.index.definition(&occ.sym))
    })?;
    location(analysis, def.file, def.span)
}

/// Every place the symbol at `offset` is written, its declaration included when asked.
pub fn references(
    analysis: &Analysis,
    file: FileId,
    offset: usize,
    include_declaration: bool,
) -> Vec<Location> {
    let Some((_, occ)) = analysis.symbol_at(file, offset) else {
        return Vec::new();
    };
    analysis
        .occurrences(file, &occ.sym)
        .into_iter()
        .filter(|o| include_declaration || !o.def)
        .filter_map(|o| location(analysis, o.file, o.span))
        .collect()
}

/// On the path of an `import`, the start of the imported file.
fn imported_file(analysis: &Analysis, file: FileId, offset: usize) -> Option<Location> {
    let import = analysis
        .project
        .module(file)?
        .items
        .iter()
        .find_map(|i| match i {
            ast::Item::Import(imp)
                if imp.path.span.start <= offset && offset <= imp.path.span.end =>
            {
                Some(imp)
            }
            _ => None,
        })?;
    let dir = analysis.path(file).parent()?.to_path_buf();
    let target = analysis.file_id(&crate::project::normalize(&dir.join(&import.path.value)))?;
    location(analysis, target, Span::new(0, 0))
}

pub fn location(analysis: &Analysis, file: FileId, span: Span) -> Option<Location> {
    let source = analysis.source(file);
    Some(Location::new(
        uri::from_path(&source.path)?,
        analysis.range(file, span.start, span.end),
    ))
}
