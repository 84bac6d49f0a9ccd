//! One analysis of the files around an open document: loaded, checked and indexed, with open
//! buffers read instead of the disk.
//!
//! The server analyses the document's whole project (the files below its project root), as
//! `journeyc check` run there in CI does: a file that others import is then checked within their
//! compilation unit, so its declarations are not reported as unused merely because the file is
//! open on its own, and references are found in the files that import it.

use super::documents::Documents;
use super::position::LineIndex;
use super::symbols::{Index, Occurrence, Sym};
use crate::check::{check_project, Model};
use crate::diagnostics::Diagnostic;
use crate::project::{self, Project};
use crate::source::{FileId, SourceFile};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// More journey files than this in a folder, or more entries of any kind to look through, and
/// only the document and its imports are analysed: a file opened at the top of a large tree
/// (a home folder) must not make the server walk all of it on every keystroke.
const MAX_FOLDER_FILES: usize = 200;
const MAX_FOLDER_ENTRIES: usize = 5_000;

/// The `.journey` files in `dir` and below, sorted, skipping what `journeyc check` skips
/// (hidden folders, `target`, `node_modules`); `None` when the folder is too large to scan.
fn folder_files(dir: &Path) -> Option<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    let mut seen = 0usize;
    while let Some(d) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            seen += 1;
            if seen > MAX_FOLDER_ENTRIES {
                return None;
            }
            let path = e.path();
            let name = e.file_name();
            let name = name.to_string_lossy();
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            match e.file_type() {
                Ok(t) if t.is_dir() => pending.push(path),
                // Only regular files (after links): a FIFO or a device named `x.journey` is
                // never opened, as opening one can block for ever.
                Ok(_)
                    if path.extension().is_some_and(|x| x == "journey")
                        && std::fs::metadata(&path).is_ok_and(|m| m.is_file()) =>
                {
                    out.push(project::normalize(&path));
                    if out.len() > MAX_FOLDER_FILES {
                        return None;
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    Some(out)
}

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
    /// Each file's line index, built the first time one of its offsets is converted.
    lines: Vec<OnceLock<LineIndex>>,
}

impl Analysis {
    /// The folder whose files are analysed with `doc`: its project root (the nearest folder
    /// holding a `journey.toml` or `.git`, where CI runs `journeyc check`), else its own folder.
    pub fn scope(doc: &Path) -> PathBuf {
        project::project_root(doc)
    }

    /// Analyses `doc` (which may exist only in the editor) with the files of its scope; when
    /// that is too large, with those of its folder; when that is too, with its imports alone.
    pub fn of(doc: &Path, docs: &Documents) -> Analysis {
        Self::with_reader(doc, docs, &super::documents::read_disk)
    }

    /// Like [`Analysis::of`], reading files that are not open through `disk`.
    pub fn with_reader(
        doc: &Path,
        docs: &Documents,
        disk: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> Analysis {
        let read = |p: &Path| docs.read_with(p, disk);
        let scope = Self::scope(doc);
        let folder = doc.parent().map(Path::to_path_buf).unwrap_or_default();
        let scanned = match folder_files(&scope) {
            Some(found) => Some((scope, found)),
            None if folder != scope => folder_files(&folder).map(|found| (folder, found)),
            None => None,
        };
        let mut files = Vec::new();
        if let Some((dir, found)) = scanned {
            files = found;
            // Buffers not saved yet are not on disk.
            for (path, _) in docs.iter() {
                if path.starts_with(&dir) && !files.contains(path) {
                    files.push(path.clone());
                }
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

    pub(super) fn from_project(project: Project) -> Analysis {
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
        let lines = (0..project.sources.len())
            .map(|_| OnceLock::new())
            .collect();
        Analysis {
            project,
            diagnostics: diagnostics.into_vec(),
            units,
            lines,
        }
    }

    pub fn file_id(&self, path: &Path) -> Option<FileId> {
        self.project.sources.find_path(path)
    }

    pub fn source(&self, id: FileId) -> &SourceFile {
        self.project.sources.get(id)
    }

    /// The line index of a file, to convert its offsets to LSP positions.
    pub fn lines(&self, id: FileId) -> &LineIndex {
        // Ids come from this analysis's source map, which has one cell per file.
        self.lines[id.0 as usize].get_or_init(|| LineIndex::new(&self.source(id).text))
    }

    /// The LSP range of a byte span of a file.
    pub fn range(&self, id: FileId, start: usize, end: usize) -> lsp_types::Range {
        self.lines(id).range(&self.source(id).text, start, end)
    }

    /// The byte offset of an LSP position in a file.
    pub fn offset(&self, id: FileId, pos: lsp_types::Position) -> usize {
        self.lines(id).offset(&self.source(id).text, pos)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folder_scan_skips_hidden_folders_and_gives_up_on_large_trees() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("sub")).unwrap();
        std::fs::create_dir_all(dir.path().join(".hidden")).unwrap();
        std::fs::write(dir.path().join("a.journey"), "").unwrap();
        std::fs::write(dir.path().join("sub/b.journey"), "").unwrap();
        std::fs::write(dir.path().join(".hidden/c.journey"), "").unwrap();
        std::fs::write(dir.path().join("notes.txt"), "").unwrap();
        let names: Vec<String> = folder_files(dir.path())
            .unwrap()
            .iter()
            .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        assert_eq!(names, ["a.journey", "b.journey"]);
        for i in 0..=MAX_FOLDER_FILES {
            std::fs::write(dir.path().join(format!("f{i}.journey")), "").unwrap();
        }
        assert_eq!(folder_files(dir.path()), None);
    }

    #[test]
    fn a_document_in_a_large_folder_is_analysed_with_its_imports_alone() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..=MAX_FOLDER_FILES {
            std::fs::write(dir.path().join(format!("f{i}.journey")), "event x\n").unwrap();
        }
        let doc = project::normalize(&dir.path().join("f0.journey"));
        let a = Analysis::of(&doc, &Documents::default());
        assert_eq!(a.project.sources.len(), 1);
        assert!(a.file_id(&doc).is_some());
    }
}
