//! Loading a project: the files named on the command line, the files in named directories, and
//! every file they import, each parsed once.
//!
//! Import paths are relative to the importing file and may not leave the project root: the
//! nearest ancestor directory holding a `journey.toml` or `.git`, or else the directory of the
//! file named on the command line. Problems with imports are diagnostics in the importing file.

use crate::diagnostics::{codes, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceFile, SourceMap};
use crate::syntax::{self, ast};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

/// The parsed files of a project.
#[derive(Debug, Default)]
pub struct Project {
    pub sources: SourceMap,
    /// Every loaded file with its syntax tree, in load order.
    pub modules: Vec<(FileId, ast::Module)>,
    pub diagnostics: Diagnostics,
    /// The files each file imports (resolved ones only).
    pub imports: Vec<(FileId, FileId)>,
    /// Compilation units: a file named on the command line (and not imported by another one)
    /// with every file it imports, directly or not, each import before the files importing it.
    /// Names are shared within a unit only, so two independent journey files may both declare
    /// `channel email`.
    pub units: Vec<Vec<FileId>>,
}

impl Project {
    pub fn module(&self, id: FileId) -> Option<&ast::Module> {
        self.modules.iter().find(|(f, _)| *f == id).map(|(_, m)| m)
    }

    fn compute_units(&mut self, roots: &[FileId]) {
        let imported: BTreeSet<FileId> = self.imports.iter().map(|(_, to)| *to).collect();
        self.units = roots
            .iter()
            .filter(|r| !imported.contains(r))
            .map(|r| {
                let mut unit = Vec::new();
                self.imports_first(*r, &mut unit, &mut BTreeSet::new());
                unit
            })
            .collect();
        // A cycle among command-line files leaves no root: check each on its own then.
        if self.units.is_empty() {
            self.units = roots.iter().map(|r| vec![*r]).collect();
        }
    }
}

impl Project {
    /// Appends `file` after everything it imports (depth first, each file once): a name declared
    /// in an import is then seen before the importer's, so a clash is reported where the importer
    /// declares the name again, with the imported declaration as the original.
    fn imports_first(&self, file: FileId, unit: &mut Vec<FileId>, visiting: &mut BTreeSet<FileId>) {
        if unit.contains(&file) || !visiting.insert(file) {
            return;
        }
        for (from, to) in &self.imports {
            if *from == file {
                self.imports_first(*to, unit, visiting);
            }
        }
        unit.push(file);
    }
}

/// An error that stops loading before any file can be checked: a path on the command line that
/// does not exist or cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read `{path}`: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("no `.journey` files found in `{0}`")]
    NoFiles(String),
}

/// Expands directories (recursively, sorted) into the `.journey` files they hold.
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).map_err(|e| LoadError::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            let before = out.len();
            walk(p, &mut out, &mut BTreeSet::new()).map_err(|e| LoadError::Io {
                path: p.display().to_string(),
                source: e,
            })?;
            if out.len() == before {
                return Err(LoadError::NoFiles(p.display().to_string()));
            }
        } else {
            out.push(p.clone());
        }
    }
    let mut seen = BTreeSet::new();
    out.retain(|p| seen.insert(normalize(p)));
    Ok(out)
}

/// `visited` holds the real paths of the folders walked, so a symbolic link back up the tree
/// (or to a folder seen already) is not walked again.
fn walk(
    dir: &Path,
    out: &mut Vec<PathBuf>,
    visited: &mut BTreeSet<PathBuf>,
) -> std::io::Result<()> {
    if !visited.insert(std::fs::canonicalize(dir)?) {
        return Ok(());
    }
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for e in entries {
        let name = e.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if name.starts_with('.') || name == "target" || name == "node_modules" {
            continue;
        }
        if e.is_dir() {
            walk(&e, out, visited)?;
        } else if e.extension().is_some_and(|x| x == "journey") {
            out.push(e);
        }
    }
    Ok(())
}

/// Makes a path absolute and removes `.` and `..` without touching the file system. Files are
/// keyed by this form, so the language server uses it to match editor buffers with imports.
pub fn normalize(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// The name shown to users: relative to the working directory when the file is below it.
fn display_name(abs: &Path) -> String {
    let cwd = normalize(Path::new("."));
    match abs.strip_prefix(&cwd) {
        // The working directory itself.
        Ok(p) if p.as_os_str().is_empty() => ".".to_string(),
        Ok(p) => p.display().to_string(),
        Err(_) => abs.display().to_string(),
    }
}

/// The project root of a file: the nearest ancestor folder holding a `journey.toml` or `.git`, or
/// else the file's own folder. Imports may not leave it, and specs name files relative to it.
pub fn project_root(file: &Path) -> PathBuf {
    let mut dir = file.parent();
    while let Some(d) = dir {
        if d.join("journey.toml").exists() || d.join(".git").exists() {
            return d.to_path_buf();
        }
        dir = d.parent();
    }
    file.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// How a file's text is read: from disk, or (in the language server) from the editor's buffer
/// when the file is open there, so that imports see what the user is typing.
pub type Reader<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

fn read_disk(path: &Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let before = &e.as_bytes()[..at];
        let line = before.iter().filter(|b| **b == b'\n').count() + 1;
        let line_start = before.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&before[line_start..]).chars().count() + 1;
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text: the byte 0x{:02x} at line {line}, column {column} (byte offset {at}) is not part of a UTF-8 character; save the file as UTF-8",
                e.as_bytes()[at]
            ),
        )
    })
}

/// Loads and parses the given files (already discovered) and everything they import.
pub fn load(files: &[PathBuf]) -> Result<Project, LoadError> {
    load_with(files, &read_disk)
}

/// Like [`load`], reading every file (named or imported) through `read`.
pub fn load_with(files: &[PathBuf], read: Reader) -> Result<Project, LoadError> {
    let mut project = Project::default();
    let mut roots = Vec::new();
    for f in files {
        let abs = normalize(f);
        if let Some(id) = project.sources.find_path(&abs) {
            roots.push(id);
            continue;
        }
        let text = read(&abs).map_err(|e| LoadError::Io {
            path: f.display().to_string(),
            source: e,
        })?;
        let root = project_root(&abs);
        let mut stack = Vec::new();
        roots.push(add_file(&mut project, &root, abs, text, &mut stack, read));
    }
    project.compute_units(&roots);
    Ok(project)
}

/// Loads a project from text in memory (tests, the language server): one file, imports
/// resolved against the file system relative to `path`.
pub fn load_text(path: &Path, text: &str) -> Project {
    let mut project = Project::default();
    let abs = normalize(path);
    let root = project_root(&abs);
    let id = add_file(
        &mut project,
        &root,
        abs,
        text.to_string(),
        &mut Vec::new(),
        &read_disk,
    );
    project.compute_units(&[id]);
    project
}

fn add_file(
    project: &mut Project,
    root: &Path,
    abs: PathBuf,
    text: String,
    stack: &mut Vec<PathBuf>,
    read: Reader,
) -> FileId {
    let id = project
        .sources
        .add(SourceFile::new(display_name(&abs), abs.clone(), text));
    let (module, diags) = syntax::parse(id, &project.sources.get(id).text);
    project.diagnostics.extend(diags);
    stack.push(abs.clone());
    let imports: Vec<ast::Import> = module
        .items
        .iter()
        .filter_map(|i| match i {
            ast::Item::Import(imp) => Some(imp.clone()),
            _ => None,
        })
        .collect();
    project.modules.push((id, module));
    for imp in imports {
        resolve_import(project, root, id, &abs, &imp, stack, read);
    }
    stack.pop();
    id
}

fn resolve_import(
    project: &mut Project,
    root: &Path,
    from: FileId,
    from_path: &Path,
    imp: &ast::Import,
    stack: &mut Vec<PathBuf>,
    read: Reader,
) {
    let dir = from_path.parent().unwrap_or(Path::new(""));
    let target = normalize(&dir.join(&imp.path.value));
    let span = imp.path.span;
    if !target.starts_with(root) {
        project.diagnostics.push(
            Diagnostic::error(
                codes::IMPORT_OUTSIDE_ROOT,
                from,
                format!("`{}` is outside the project root", imp.path.value),
            )
            .label(span, "this path leaves the project")
            .help(format!(
                "imports stay inside the project root `{}` (the nearest folder with a `journey.toml` or `.git`); move the file into the project",
                display_name(root)
            )),
        );
        return;
    }
    if let Some(pos) = stack.iter().position(|p| *p == target) {
        let cycle: Vec<String> = stack[pos..]
            .iter()
            .chain(std::iter::once(&target))
            .map(|p| display_name(p))
            .collect();
        project.diagnostics.push(
            Diagnostic::error(codes::IMPORT_CYCLE, from, "import cycle")
                .label(span, "this import leads back to a file that imports it")
                .help("move the shared declarations into a file that both import, and remove one of the imports")
                .note(format!("cycle: {}", cycle.join(" -> "))),
        );
        return;
    }
    if let Some(existing) = project.sources.find_path(&target) {
        project.imports.push((from, existing));
        return;
    }
    match read(&target) {
        Ok(text) => {
            let id = add_file(project, root, target, text, stack, read);
            project.imports.push((from, id));
        }
        Err(e) => {
            let (message, help) = if e.kind() == std::io::ErrorKind::NotFound {
                (
                    format!("imported file `{}` not found", imp.path.value),
                    format!(
                        "the path is relative to this file's folder, so it points to `{}`",
                        display_name(&target)
                    ),
                )
            } else {
                (
                    format!("cannot read imported file `{}`: {e}", imp.path.value),
                    "check that the file is readable text (UTF-8)".to_string(),
                )
            };
            project.diagnostics.push(
                Diagnostic::error(codes::IMPORT_NOT_FOUND, from, message)
                    .label(span, "imported here")
                    .help(help)
                    .note("until it can be read, names it would declare are not reported as unknown, nor declarations as unused"),
            );
        }
    }
}
