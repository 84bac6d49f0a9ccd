//! The files open in the editor. Their text overrides what is on disk, for the file itself and
//! for every file that imports it, so diagnostics follow the user's typing before they save.
//!
//! Documents are shared (`Arc`), so the server hands a snapshot of them to its analysis thread
//! on every change without copying the texts.

use super::position;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The largest file read from disk (64 MiB), as `journeyc check` reads: a link to `/dev/zero`
/// or a huge generated file is reported, not held in memory.
pub const MAX_FILE: u64 = 64 * 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    pub text: String,
}

/// Open documents by normalized absolute path (the key the project loader uses).
#[derive(Debug, Default, Clone)]
pub struct Documents {
    open: BTreeMap<PathBuf, Arc<Document>>,
}

impl Documents {
    pub fn open(&mut self, path: PathBuf, uri: Uri, text: String) {
        self.open.insert(path, Arc::new(Document { uri, text }));
    }

    /// Applies edits in order. The server asks for whole-text sync, but a ranged edit is applied
    /// too rather than corrupting the buffer.
    pub fn change(&mut self, path: &Path, changes: Vec<TextDocumentContentChangeEvent>) {
        let Some(doc) = self.open.get_mut(path) else {
            return;
        };
        // Copies the text only when a snapshot given to the analysis thread still holds it.
        let doc = Arc::make_mut(doc);
        for change in changes {
            match change.range {
                None => doc.text = change.text,
                Some(r) => {
                    let start = position::offset(&doc.text, r.start);
                    let end = position::offset(&doc.text, r.end).max(start);
                    doc.text.replace_range(start..end, &change.text);
                }
            }
        }
    }

    pub fn close(&mut self, path: &Path) -> Option<Document> {
        self.open.remove(path).map(Arc::unwrap_or_clone)
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path).map(|d| &**d)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PathBuf, &Document)> {
        self.open.iter().map(|(p, d)| (p, &**d))
    }

    /// A file's text: the editor's buffer when open, else the disk (see [`read_disk`]).
    pub fn read(&self, path: &Path) -> std::io::Result<String> {
        self.read_with(path, &read_disk)
    }

    /// A file's text: the editor's buffer when open, else what `disk` reads.
    pub fn read_with(
        &self,
        path: &Path,
        disk: &dyn Fn(&Path) -> std::io::Result<String>,
    ) -> std::io::Result<String> {
        match self.open.get(path) {
            Some(d) => Ok(d.text.clone()),
            None => disk(path),
        }
    }
}

/// Reads a file that is not open in the editor: a regular file only (after following links),
/// as opening a FIFO blocks until something writes to it and a device can be endless, and at
/// most [`MAX_FILE`] bytes of it.
pub fn read_disk(path: &Path) -> std::io::Result<String> {
    use std::io::{Error, ErrorKind};
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(Error::new(
            ErrorKind::InvalidInput,
            "it is not a regular file (a folder, a FIFO or a device); journeyc reads only regular files",
        ));
    }
    let too_large = |size: u64| {
        Error::new(
            ErrorKind::InvalidData,
            format!("the file is too large ({size} bytes; the limit is {MAX_FILE} bytes)"),
        )
    };
    if meta.len() > MAX_FILE {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(MAX_FILE + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::InvalidData,
            format!(
                "it is not UTF-8 text (byte offset {}); save the file as UTF-8",
                e.utf8_error().valid_up_to()
            ),
        )
    })
}
