//! Loading a project: the files named on the command line, the files in named directories, and
//! every file they import, each parsed once.
//!
//! Import paths are relative to the importing file and may not leave the project root: the
//! nearest ancestor directory holding a `journey.toml` or `.git`, or else the directory of the
//! file named on the command line. Problems with imports are diagnostics in the importing file.
//!
//! Files are read defensively (docs/limits.md): a file whose real path (after following symbolic
//! links) leaves the project root is never read (E0011); only regular files are opened, so a
//! named pipe or a device cannot hang or flood a run; at most [`MAX_FILE_BYTES`] are read; and
//! text that is not UTF-8 is a diagnostic in the file (E0004), not an I/O error. The path `-`
//! names standard input, shown as `<stdin>`, whose imports resolve from the working directory.

use crate::diagnostics::{codes, Diagnostic, Diagnostics};
use crate::source::{FileId, SourceFile, SourceMap, Span};
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

/// Expands directories (recursively, sorted) into the `.journey` files they hold. `-` (standard
/// input) is kept as it is. A folder inside that links out of the project is not walked: it is
/// listed itself, so that loading reports it (E0011).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == STDIN_PATH {
            out.push(p.clone());
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|e| LoadError::Io {
            path: p.display().to_string(),
            source: e,
        })?;
        if meta.is_dir() {
            let before = out.len();
            // The folder's project root: its own or an ancestor's `journey.toml` or `.git`.
            let root = project_root(&normalize(p).join("_"));
            let root = std::fs::canonicalize(&root).unwrap_or(root);
            walk(p, &root, &mut out, &mut BTreeSet::new()).map_err(|e| LoadError::Io {
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
/// (or to a folder seen already) is not walked again; `root` is the real project root, which
/// a folder's real path must stay in to be walked.
fn walk(
    dir: &Path,
    root: &Path,
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
            match std::fs::canonicalize(&e) {
                Ok(real) if !real.starts_with(root) => out.push(e),
                _ => walk(&e, root, out, visited)?,
            }
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
/// when the file is open there, so that imports see what the user is typing. The loader checks
/// a file on disk ([`guard`]) before it asks the reader, so no reader ever opens a pipe, a
/// device or a file outside the project.
pub type Reader<'a> = &'a dyn Fn(&Path) -> std::io::Result<String>;

/// The largest journey file journeyc reads, in bytes (64 MiB): far above any hand-written
/// project (the largest example is a few kilobytes) and small enough that a mistaken path, a
/// log file or a disk image cannot exhaust memory. Standard input is held to the same limit.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The path that names standard input on the command line.
pub const STDIN_PATH: &str = "-";

/// The name standard input has in diagnostics.
pub const STDIN_NAME: &str = "<stdin>";

/// Why a file's text was not taken. Carried inside the `std::io::Error` a [`Reader`] returns
/// (see [`problem`]), so readers keep their simple signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
    /// The file's real path (after following links) is outside the project root.
    OutsideRoot { target: PathBuf, root: PathBuf },
    /// A named pipe, a device, a socket or a folder: what it is, in words.
    NotRegular(&'static str),
    /// Larger than [`MAX_FILE_BYTES`]: its size in bytes (at least, for a stream).
    TooLarge(u64),
    /// The bytes are not UTF-8: the text with each bad sequence read as U+FFFD (same offsets up
    /// to the first one), where the first bad byte is, and its value.
    NotUtf8 {
        text: String,
        offset: usize,
        byte: u8,
    },
}

impl std::fmt::Display for FileProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FileProblem::OutsideRoot { target, root } => write!(
                f,
                "it leads to `{}`, outside the project root `{}`",
                target.display(),
                root.display()
            ),
            FileProblem::NotRegular(what) => write!(
                f,
                "it is {what}, not a regular file; journeyc reads only regular files"
            ),
            FileProblem::TooLarge(size) => write!(
                f,
                "file too large: {}; the limit is {} MiB per journey file",
                bytes_in_words(*size),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
            FileProblem::NotUtf8 { offset, byte, .. } => write!(
                f,
                "it is not UTF-8 text: the byte 0x{byte:02x} at byte offset {offset} is not part of a UTF-8 character"
            ),
        }
    }
}

impl std::error::Error for FileProblem {}

impl From<FileProblem> for std::io::Error {
    fn from(p: FileProblem) -> Self {
        std::io::Error::new(std::io::ErrorKind::InvalidData, p)
    }
}

/// The [`FileProblem`] inside an error from [`guard`], [`read_file`] or [`read_stdin`], if any.
pub fn problem(e: &std::io::Error) -> Option<&FileProblem> {
    e.get_ref()?.downcast_ref::<FileProblem>()
}

/// A size for people: `2.0 GiB (2147483648 bytes)`.
fn bytes_in_words(n: u64) -> String {
    const MIB: u64 = 1024 * 1024;
    if n >= 1024 * MIB {
        format!("{:.1} GiB ({n} bytes)", n as f64 / (1024 * MIB) as f64)
    } else if n >= MIB {
        format!("{:.1} MiB ({n} bytes)", n as f64 / MIB as f64)
    } else {
        format!("{n} bytes")
    }
}

/// What a file that is not a regular file is, in words.
fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_dir() {
        return "a folder";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe (FIFO)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    "not a regular file"
}

/// Checks a file on disk before anything reads it, from its metadata alone (so a named pipe is
/// never opened, which would block): its real path must be inside the real `root`, and it must
/// be a regular file of at most [`MAX_FILE_BYTES`]. A missing file gives `NotFound` (an editor
/// buffer may still have it).
pub fn guard(path: &Path, root: &Path) -> std::io::Result<()> {
    // The real path first: a link out of the project is refused before anything else is
    // learnt about its target.
    let real = std::fs::canonicalize(path)?;
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if !real.starts_with(&real_root) {
        return Err(FileProblem::OutsideRoot {
            target: real,
            root: real_root,
        }
        .into());
    }
    let meta = std::fs::metadata(&real)?;
    if !meta.is_file() {
        return Err(FileProblem::NotRegular(kind_of(&meta)).into());
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge(meta.len()).into());
    }
    Ok(())
}

/// Reads a journey file from disk: only a regular file (checked before opening, so a pipe never
/// blocks, and again on the open file), at most [`MAX_FILE_BYTES`], as UTF-8. It does not check
/// the project root: [`guard`] does, or [`read_project_file`].
pub fn read_file(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(FileProblem::NotRegular(kind_of(&meta)).into());
    }
    let file = std::fs::File::open(path)?;
    // The path may have been replaced between the two looks: trust the open file.
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(FileProblem::NotRegular(kind_of(&meta)).into());
    }
    read_bounded(file, meta.len())
}

/// Reads standard input, bounded like a file.
pub fn read_stdin() -> std::io::Result<String> {
    read_bounded(std::io::stdin().lock(), 0)
}

/// Reads a file of a project as `journeyc fmt` does: [`guard`] against the file's project root,
/// then [`read_file`].
pub fn read_project_file(path: &Path) -> std::io::Result<String> {
    let abs = normalize(path);
    guard(&abs, &project_root(&abs))?;
    read_file(&abs)
}

/// Reads at most [`MAX_FILE_BYTES`] (one byte more tells a larger input) and decodes UTF-8.
/// `size_hint` is the size the file system gave, reported when larger.
fn read_bounded(source: impl std::io::Read, size_hint: u64) -> std::io::Result<String> {
    use std::io::Read;
    let mut bytes = Vec::new();
    source.take(MAX_FILE_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE_BYTES {
        return Err(FileProblem::TooLarge(size_hint.max(bytes.len() as u64)).into());
    }
    decode(bytes)
}

/// UTF-8 text, or [`FileProblem::NotUtf8`] pointing at the first bad byte.
pub fn decode(bytes: Vec<u8>) -> std::io::Result<String> {
    String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        let byte = e.as_bytes()[offset];
        let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
        FileProblem::NotUtf8 { text, offset, byte }.into()
    })
}

/// The diagnostic for a file that is not UTF-8, in that file (whose text is the lossy one).
pub fn not_utf8_diagnostic(file: FileId, offset: usize, byte: u8) -> Diagnostic {
    Diagnostic::error(
        codes::NOT_UTF8,
        file,
        format!("this file is not UTF-8 text: the byte 0x{byte:02x} is not part of a UTF-8 character"),
    )
    .label(
        Span::new(offset, offset + '\u{fffd}'.len_utf8()),
        format!("byte 0x{byte:02x} (byte offset {offset})"),
    )
    .help("save the file as UTF-8 (in most editors: \"Save with Encoding\" or \"Reopen with Encoding\", then save)")
    .note("each byte that is not UTF-8 is shown as `\u{fffd}`")
}

/// E0011 for a file whose real path leaves the project root: reported in the file itself (its
/// text is never read), or at the `import` that names it.
fn outside_root_diagnostic(file: FileId, shown: &str, target: &Path, root: &Path) -> Diagnostic {
    Diagnostic::error(
        codes::IMPORT_OUTSIDE_ROOT,
        file,
        format!("`{shown}` is a link that leads outside the project root"),
    )
    .help(format!(
        "journey files stay inside the project root `{}` (the nearest folder with a `journey.toml` or `.git`); copy the file into the project instead of linking to it",
        display_name(root)
    ))
    .note(format!(
        "the link leads to `{}`, which was not read",
        target.display()
    ))
}

/// Loads and parses the given files (already discovered) and everything they import.
pub fn load(files: &[PathBuf]) -> Result<Project, LoadError> {
    load_with(files, &read_file)
}

/// Like [`load`], reading every file (named or imported) through `read`. `-` is standard input.
pub fn load_with(files: &[PathBuf], read: Reader) -> Result<Project, LoadError> {
    let mut project = Project::default();
    let mut roots = Vec::new();
    for f in files {
        let stdin = f.as_os_str() == STDIN_PATH;
        // Standard input stands in the working directory, so its imports resolve from there.
        let abs = normalize(if stdin { Path::new(STDIN_NAME) } else { f });
        if let Some(id) = project.sources.find_path(&abs) {
            roots.push(id);
            continue;
        }
        let root = project_root(&abs);
        let io_error = |e| LoadError::Io {
            path: if stdin {
                "standard input".to_string()
            } else {
                f.display().to_string()
            },
            source: e,
        };
        let guarded = if stdin { Ok(()) } else { guard(&abs, &root) };
        if let Err(e) = guarded {
            match problem(&e) {
                Some(FileProblem::OutsideRoot { target, root }) => {
                    let (target, root) = (target.clone(), root.clone());
                    roots.push(add_unread(&mut project, abs, &target, &root));
                    continue;
                }
                // Not on disk: an editor's buffer may still hold it.
                None if e.kind() == std::io::ErrorKind::NotFound => {}
                _ => return Err(io_error(e)),
            }
        }
        let result = if stdin { read_stdin() } else { read(&abs) };
        let mut stack = Vec::new();
        match result {
            Ok(text) => roots.push(add_file(&mut project, &root, abs, text, &mut stack, read)),
            Err(e) => match problem(&e) {
                Some(FileProblem::NotUtf8 { text, offset, byte }) => {
                    let (offset, byte) = (*offset, *byte);
                    let id = add_file(&mut project, &root, abs, text.clone(), &mut stack, read);
                    project
                        .diagnostics
                        .push(not_utf8_diagnostic(id, offset, byte));
                    roots.push(id);
                }
                _ => return Err(io_error(e)),
            },
        }
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
        &read_file,
    );
    project.compute_units(&[id]);
    project
}

/// A file named or found that links outside the project root: an empty file (its text is never
/// read) carrying the E0011 diagnostic.
fn add_unread(project: &mut Project, abs: PathBuf, target: &Path, root: &Path) -> FileId {
    let name = display_name(&abs);
    let id = project
        .sources
        .add(SourceFile::new(name.clone(), abs, String::new()));
    project.modules.push((id, ast::Module::default()));
    project
        .diagnostics
        .push(outside_root_diagnostic(id, &name, target, root).label(
            Span::new(0, 0),
            "this file is a link that leaves the project",
        ));
    id
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
    let result = match guard(&target, root) {
        Ok(()) => read(&target),
        // Not on disk: an editor's buffer may still hold it (else the reader says not found).
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && problem(&e).is_none() => {
            read(&target)
        }
        Err(e) => Err(e),
    };
    let e = match result {
        Ok(text) => {
            let id = add_file(project, root, target, text, stack, read);
            project.imports.push((from, id));
            return;
        }
        Err(e) => e,
    };
    match problem(&e) {
        Some(FileProblem::OutsideRoot { target: real, root }) => {
            project.diagnostics.push(
                outside_root_diagnostic(from, &imp.path.value, real, root)
                    .label(span, "this file is a link that leaves the project"),
            );
            return;
        }
        Some(FileProblem::NotUtf8 { text, offset, byte }) => {
            let (text, offset, byte) = (text.clone(), *offset, *byte);
            let id = add_file(project, root, target, text, stack, read);
            project
                .diagnostics
                .push(not_utf8_diagnostic(id, offset, byte));
            project.imports.push((from, id));
            return;
        }
        _ => {}
    }
    let (message, help) = if e.kind() == std::io::ErrorKind::NotFound {
        (
            format!("imported file `{}` not found", imp.path.value),
            format!(
                "the path is relative to this file's folder, so it points to `{}`",
                display_name(&target)
            ),
        )
    } else if let Some(p) = problem(&e) {
        let help = match p {
            FileProblem::TooLarge(_) => {
                "check that the path names a journey file; a larger one must be split into files that import each other"
            }
            _ => "import a regular `.journey` file of the project",
        };
        (
            format!("cannot read imported file `{}`: {e}", imp.path.value),
            help.to_string(),
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
