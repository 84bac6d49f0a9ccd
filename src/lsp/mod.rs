//! `journeyc lsp`: a language server over stdio for editors.
//!
//! It gives, as the user types, the checker's diagnostics (with codes and related locations),
//! hover, go to definition and find references across imports, completion in context, the
//! outline of a file, rename, and quick fixes for misspelt names. The protocol is spoken by `lsp-server` (no async runtime); the loop is
//! in [`server`], and each answer has its own module. Every module works on text and byte
//! offsets from the library; [`position`] alone converts them to the protocol's UTF-16 columns.

pub mod actions;
pub mod analysis;
pub mod completion;
pub mod context;
pub mod diagnostics;
pub mod documents;
pub mod hover;
pub mod navigation;
pub mod outline;
pub mod position;
pub mod rename;
pub mod server;
pub mod symbols;
pub mod transport;
pub mod uri;
pub mod worker;

pub use server::{run, run_with, Ending, Options};
