//! One analysis of the files around an open document: loaded, checked and indexed, with open
//! buffers read instead of the disk.
//!
//! The server analyses the document's whole folder (recursively), as `journeyc check FOLDER`
//! does: a file that others import is then checked within their compilation unit, so its
//! declarations are not reported as unused merely because the file is open on its own, and
//! references are found in the files that import it.

use super::documents::Documents;
use super::symbols::{Index, Occurrence, Sym};
use crate::check::{check_project, Model};
use crate::diagnostics::Diagnostic;
use crate::project::{self, Project};
use crate::source::{FileId, SourceFile};
use std::path::{Path, PathBuf};

/// More files than this in a folder and only the document and its imports are analysed, so that
/// opening a file at the top of a large tree stays quick.
const MAX_FOLDER_FILES: usize = 200;

/// A compilation unit with its checked model and symbol index.
#[derive(Debug)]
pub struct Unit {
    pub files: Vec<FileId>,
    pub model: Model,
    pub index: Index,
}

#[derive(Debug)]
pub struct Analysis {
    pub project: Project,
    pub diagnostics: Vec<Diagnostic>,
    pub units: Vec<Unit>,
}

impl Analysis {
    /// Analyses the folder of `doc` (which may exist only in the editor).
    pub fn of(doc: &Path, docs: &Documents) -> Analysis {
        let read = |p: &Path| docs.read(p);
        let mut files = doc
            .parent()
            .and_then(|dir| project::discover(&[dir.to_path_buf()]).ok())
            .filter(|f| f.len() <= MAX_FOLDER_FILES)
            .unwrap_or_default();
        // Buffers not saved yet are not on disk; the document itself always belongs.
        for (path, _) in docs.iter() {
            if path.parent() == doc.parent() && !files.contains(path) {
                files.push(path.clone());
            }
        }
        if !files.iter().any(|f| f == doc) {
            files.push(doc.to_path_buf());
        }
        let project = match project::load_with(&files, &read) {
            Ok(p) => p,
            // A file vanished between listing and reading: fall back to the document alone.
            Err(_) => project::load_with(&[doc.to_path_buf()], &read).unwrap_or_default(),
        };
        Self::from_project(project)
    }

    fn from_project(project: Project) -> Analysis {
        let checked = check_project(&project);
        let mut diagnostics = checked.diagnostics.clone();
        if !diagnostics.has_errors() {
            // Lowering finds the last errors (two journeys with one name across files).
            if let Err(errors) = crate::ir::lower::lower_all(&checked, &project.sources) {
                diagnostics.extend(errors);
                diagnostics.sort();
            }
        }
        let units = project
            .units
            .iter()
            .zip(checked.models)
            .map(|(files, model)| {
                let modules: Vec<_> = files
                    .iter()
                    .filter_map(|f| project.module(*f).map(|m| (*f, m)))
                    .collect();
                let index = Index::build(&modules, &model);
                Unit {
                    files: files.clone(),
                    model,
                    index,
                }
            })
            .collect();
        Analysis {
            project,
            diagnostics: diagnostics.into_vec(),
            units,
        }
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.project.sources.find_path(path)
    }

    pub fn source(&self, id: FileId) -> &SourceFile {
        self.project.sources.get(id)
    }

    pub fn path(&self, id: FileId) -> PathBuf {
        self.source(id).path.clone()
    }

    /// The units a file belongs to (a shared import belongs to several).
    pub fn units_of(&self, file: FileId) -> impl Iterator<Item = &Unit> {
        self.units.iter().filter(move |u| u.files.contains(&file))
    }

    /// The symbol under a byte offset, with the unit it was found in.
    pub fn symbol_at(&self, file: FileId, offset: usize) -> Option<(&Unit, &Occurrence)> {
        self.units_of(file)
            .find_map(|u| u.index.at(file, offset).map(|o| (u, o)))
    }

    /// Every occurrence of the symbol declared where `def` is (or, for a name that resolves to
    /// nothing, of that name) in every unit that sees it, without repeats.
    pub fn occurrences<'a>(&'a self, file: FileId, sym: &'a Sym) -> Vec<&'a Occurrence> {
        let mut out: Vec<&Occurrence> = Vec::new();
        for unit in self.units_of(file) {
            for o in unit.index.occurrences_of(sym) {
                if !out
                    .iter()
                    .any(|x| x.file == o.file && x.span.start == o.span.start)
                {
                    out.push(o);
                }
            }
        }
        out.sort_by_key(|o| (o.file, o.span.start));
        out
    }
}
