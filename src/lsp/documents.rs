//! The files open in the editor. Their text overrides what is on disk, for the file itself and
//! for every file that imports it, so diagnostics follow the user's typing before they save.

use super::position;
use lsp_types::{TextDocumentContentChangeEvent, Uri};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct Document {
    pub uri: Uri,
    pub text: String,
}

/// Open documents by normalized absolute path (the key the project loader uses).
#[derive(Debug, Default)]
pub struct Documents {
    open: BTreeMap<PathBuf, Document>,
}

impl Documents {
    pub fn open(&mut self, path: PathBuf, uri: Uri, text: String) {
        self.open.insert(path, Document { uri, text });
    }

    /// Applies edits in order. The server asks for whole-text sync, but a ranged edit is applied
    /// too rather than corrupting the buffer.
    pub fn change(&mut self, path: &Path, changes: Vec<TextDocumentContentChangeEvent>) {
        let Some(doc) = self.open.get_mut(path) else {
            return;
        };
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
        self.open.remove(path)
    }

    pub fn get(&self, path: &Path) -> Option<&Document> {
        self.open.get(path)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&PathBuf, &Document)> {
        self.open.iter()
    }

    /// A file's text: the editor's buffer when open, else the disk.
    pub fn read(&self, path: &Path) -> std::io::Result<String> {
        match self.open.get(path) {
            Some(d) => Ok(d.text.clone()),
            None => std::fs::read_to_string(path),
        }
    }
}
