//! The server loop: the LSP handshake, then one message at a time (no async runtime; analyses
//! take milliseconds), dispatching requests and notifications to the modules that answer them.
//!
//! A request on a document that does not parse still gets an answer (an empty one when nothing
//! fits), and a handler that panics answers with an internal error instead of ending the
//! session: the editor keeps its server while the user fixes the file.

use super::analysis::Analysis;
use super::documents::Documents;
use super::{actions, completion, diagnostics, hover, navigation, outline, position, rename, uri};
use crate::check::Model;
use crate::source::FileId;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionProviderCapability,
    CompletionOptions, CompletionResponse, DocumentSymbolResponse, GotoDefinitionResponse,
    HoverProviderCapability, InitializeResult, OneOf, PrepareRenameResponse,
    PublishDiagnosticsParams, Range, RenameOptions, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::rc::Rc;

pub type Error = Box<dyn std::error::Error + Send + Sync>;

/// How the session ended: `exit` after `shutdown` is a clean stop (exit code 0); `exit` without
/// it, or the client going away, is not (exit code 1), as the protocol asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    Clean,
    WithoutShutdown,
}

pub fn capabilities() -> ServerCapabilities {
    ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Options(
            TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(TextDocumentSyncKind::FULL),
                save: Some(TextDocumentSyncSaveOptions::SaveOptions(SaveOptions {
                    include_text: Some(false),
                })),
                ..Default::default()
            },
        )),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        definition_provider: Some(OneOf::Left(true)),
        references_provider: Some(OneOf::Left(true)),
        document_symbol_provider: Some(OneOf::Left(true)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![".".to_string()]),
            ..Default::default()
        }),
        rename_provider: Some(OneOf::Right(RenameOptions {
            prepare_provider: Some(true),
            work_done_progress_options: Default::default(),
        })),
        document_formatting_provider: Some(OneOf::Left(true)),
        code_action_provider: Some(CodeActionProviderCapability::Options(CodeActionOptions {
            code_action_kinds: Some(vec![CodeActionKind::QUICKFIX]),
            ..Default::default()
        })),
        ..Default::default()
    }
}

/// Runs a session on `connection` until the client exits. `log` receives one line per event
/// worth telling (the binary writes them to stderr; stdout is the protocol's).
pub fn run(connection: &Connection, log: &dyn Fn(&str)) -> Result<Ending, Error> {
    let (id, _params) = connection.initialize_start()?;
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "journeyc".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    log("initialized");
    let mut server = Server {
        connection,
        log,
        docs: Documents::default(),
        cache: BTreeMap::new(),
        shutting_down: false,
        published: BTreeMap::new(),
    };
    for msg in &connection.receiver {
        match msg {
            Message::Request(r) => server.request(r)?,
            Message::Notification(n) if n.method == note::Exit::METHOD => {
                return Ok(if server.shutting_down {
                    Ending::Clean
                } else {
                    Ending::WithoutShutdown
                });
            }
            Message::Notification(n) => server.notification(n),
            Message::Response(_) => {}
        }
    }
    log("the client closed the connection without `exit`");
    Ok(Ending::WithoutShutdown)
}

struct Server<'a> {
    connection: &'a Connection,
    log: &'a dyn Fn(&str),
    docs: Documents,
    /// Analyses by scope (project root), dropped whenever any buffer changes.
    cache: BTreeMap<PathBuf, Rc<Analysis>>,
    shutting_down: bool,
    /// The files whose diagnostics were last published (by URI text, as `Uri` has interior
    /// mutability and makes a poor key), to clear those that drop out.
    published: BTreeMap<String, Uri>,
}

impl Server<'_> {
    fn send(&self, msg: Message) {
        if self.connection.sender.send(msg).is_err() {
            (self.log)("the client went away; a message was not sent");
        }
    }

    fn analysis(&mut self, doc: &Path) -> Rc<Analysis> {
        let dir = Analysis::scope(doc);
        if let Some(a) = self.cache.get(&dir) {
            if a.file_id(doc).is_some() {
                return a.clone();
            }
        }
        let started = std::time::Instant::now();
        let a = Rc::new(Analysis::of(doc, &self.docs));
        (self.log)(&format!(
            "checked {} file(s) around `{}` in {} ms",
            a.project.sources.len(),
            doc.display(),
            started.elapsed().as_millis()
        ));
        self.cache.insert(dir, a.clone());
        a
    }

    fn request(&mut self, r: Request) -> Result<(), Error> {
        if self.shutting_down {
            let resp = Response::new_err(
                r.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
            self.send(resp.into());
            return Ok(());
        }
        if r.method == req::Shutdown::METHOD {
            self.shutting_down = true;
            (self.log)("shutdown");
            self.send(Response::new_ok(r.id, ()).into());
            return Ok(());
        }
        let id = r.id.clone();
        let method = r.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.dispatch(r)));
        let resp = match outcome {
            Ok(Ok(value)) => Response {
                id,
                result: Some(value),
                error: None,
            },
            Ok(Err(f)) => Response::new_err(id, f.code as i32, f.message),
            Err(_) => {
                (self.log)(&format!("`{method}` failed: the server hit a bug"));
                Response::new_err(
                    id,
                    ErrorCode::InternalError as i32,
                    format!(
                        "journeyc could not answer `{method}`; please report this with the file"
                    ),
                )
            }
        };
        self.send(resp.into());
        Ok(())
    }

    /// The result of a request, or the error to answer with instead.
    fn dispatch(&mut self, r: Request) -> Result<Value, Failure> {
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| Failure {
                code: ErrorCode::InternalError,
                message: e.to_string(),
            })
        };
        match r.method.as_str() {
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(&r)?;
                let out = self
                    .at(&p.text_document_position_params)
                    .and_then(|(a, f, o)| hover::hover(&a, f, o));
                json(serde_json::to_value(out))
            }
            req::GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(&r)?;
                let out = self
                    .at(&p.text_document_position_params)
                    .and_then(|(a, f, o)| navigation::definition(&a, f, o))
                    .map(GotoDefinitionResponse::Scalar);
                json(serde_json::to_value(out))
            }
            req::References::METHOD => {
                let p: lsp_types::ReferenceParams = params(&r)?;
                let out = self
                    .at(&p.text_document_position)
                    .map(|(a, f, o)| {
                        navigation::references(&a, f, o, p.context.include_declaration)
                    })
                    .unwrap_or_default();
                json(serde_json::to_value(out))
            }
            req::Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(&r)?;
                let items = self
                    .at(&p.text_document_position)
                    .map(|(a, f, o)| {
                        let empty = Model::default();
                        let model = a.units_of(f).next().map_or(&empty, |u| &u.model);
                        completion::complete(&a.source(f).text, o, model)
                    })
                    .unwrap_or_default();
                json(serde_json::to_value(CompletionResponse::Array(items)))
            }
            req::DocumentSymbolRequest::METHOD => {
                let p: lsp_types::DocumentSymbolParams = params(&r)?;
                let symbols = uri::to_path(&p.text_document.uri)
                    .and_then(|path| {
                        let a = self.analysis(&path);
                        let f = a.file_id(&path)?;
                        let module = a.project.module(f)?;
                        Some(outline::outline(&a.source(f).text, module))
                    })
                    .unwrap_or_default();
                json(serde_json::to_value(DocumentSymbolResponse::Nested(
                    symbols,
                )))
            }
            req::PrepareRenameRequest::METHOD => {
                let p: TextDocumentPositionParams = params(&r)?;
                match self.at(&p) {
                    Some((a, f, o)) => {
                        let range = rename::prepare(&a, f, o).map_err(refused)?;
                        json(serde_json::to_value(PrepareRenameResponse::Range(range)))
                    }
                    None => Ok(Value::Null),
                }
            }
            req::Rename::METHOD => {
                let p: lsp_types::RenameParams = params(&r)?;
                match self.at(&p.text_document_position) {
                    Some((a, f, o)) => {
                        let edit = rename::rename(&a, f, o, &p.new_name).map_err(refused)?;
                        json(serde_json::to_value(edit))
                    }
                    None => Ok(Value::Null),
                }
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(&r)?;
                let fixes = uri::to_path(&p.text_document.uri)
                    .and_then(|path| {
                        let a = self.analysis(&path);
                        let f = a.file_id(&path)?;
                        let text = &a.source(f).text;
                        let start = position::offset(text, p.range.start);
                        let end = position::offset(text, p.range.end);
                        Some(actions::quick_fixes(&a, f, start, end))
                    })
                    .unwrap_or_default();
                let out: Vec<CodeActionOrCommand> = fixes
                    .into_iter()
                    .map(CodeActionOrCommand::CodeAction)
                    .collect();
                json(serde_json::to_value(out))
            }
            req::Formatting::METHOD => {
                let p: lsp_types::DocumentFormattingParams = params(&r)?;
                let Some(doc) =
                    uri::to_path(&p.text_document.uri).and_then(|path| self.docs.get(&path))
                else {
                    return Ok(Value::Null);
                };
                match crate::fmt::format_source(FileId(0), &doc.text) {
                    Ok(out) if out == doc.text => {
                        json(serde_json::to_value(Vec::<TextEdit>::new()))
                    }
                    Ok(out) => {
                        let whole = Range::new(
                            position::position(&doc.text, 0),
                            position::position(&doc.text, doc.text.len()),
                        );
                        json(serde_json::to_value(vec![TextEdit::new(whole, out)]))
                    }
                    // Like `journeyc fmt`, a file with syntax errors is left alone; the errors
                    // are already in the editor.
                    Err(crate::fmt::FormatError::Syntax(_)) => Ok(Value::Null),
                    Err(e) => Err(refused(e.to_string())),
                }
            }
            other => Err(Failure {
                code: ErrorCode::MethodNotFound,
                message: format!("journeyc does not handle `{other}`"),
            }),
        }
    }

    /// The analysis, file and byte offset a position request points at; `None` for a document
    /// that is not a file.
    fn at(
        &mut self,
        p: &TextDocumentPositionParams,
    ) -> Option<(Rc<Analysis>, crate::source::FileId, usize)> {
        let path = uri::to_path(&p.text_document.uri)?;
        let a = self.analysis(&path);
        let f = a.file_id(&path)?;
        let offset = position::offset(&a.source(f).text, p.position);
        Some((a, f, offset))
    }

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Some(p) = note_params::<lsp_types::DidOpenTextDocumentParams>(self, &n) {
                    let doc = p.text_document;
                    if let Some(path) = uri::to_path(&doc.uri) {
                        self.docs.open(path, doc.uri, doc.text);
                        self.refresh();
                    }
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Some(p) = note_params::<lsp_types::DidChangeTextDocumentParams>(self, &n) {
                    if let Some(path) = uri::to_path(&p.text_document.uri) {
                        self.docs.change(&path, p.content_changes);
                        self.refresh();
                    }
                }
            }
            note::DidSaveTextDocument::METHOD => self.refresh(),
            note::DidCloseTextDocument::METHOD => {
                if let Some(p) = note_params::<lsp_types::DidCloseTextDocumentParams>(self, &n) {
                    if let Some(path) = uri::to_path(&p.text_document.uri) {
                        self.docs.close(&path);
                        self.refresh();
                    }
                }
            }
            // `initialized`, `$/cancelRequest`, `$/setTrace` and the like need nothing.
            _ => {}
        }
    }

    /// Re-analyses and publishes diagnostics: for every open document, and for the other files
    /// of its compilation units (its imports, the files importing it), since a problem there
    /// (a duplicate of one of its names) is often caused by the file being edited. Files that
    /// no longer qualify get an empty list, which clears them in the editor.
    fn refresh(&mut self) {
        self.cache.clear();
        let open: Vec<PathBuf> = self.docs.iter().map(|(p, _)| p.clone()).collect();
        // Each file's diagnostics come from the analysis of the first open document that sees
        // it: an open document's own first.
        let mut targets: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for round in [true, false] {
            for path in &open {
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let a = self.analysis(path);
                    let Some(f) = a.file_id(path) else {
                        return Vec::new();
                    };
                    let files: Vec<FileId> = if round {
                        vec![f]
                    } else {
                        a.units_of(f).flat_map(|u| u.files.clone()).collect()
                    };
                    files
                        .into_iter()
                        .map(|g| (a.path(g), diagnostics::for_file(&a, g)))
                        .collect()
                }));
                match outcome {
                    Ok(found) => {
                        for (p, d) in found {
                            targets.entry(p).or_insert(d);
                        }
                    }
                    Err(_) => (self.log)(&format!(
                        "checking `{}` failed: the server hit a bug",
                        path.display()
                    )),
                }
            }
        }
        let mut published = BTreeMap::new();
        for (path, diags) in targets {
            let uri = match self.docs.get(&path) {
                Some(d) => Some(d.uri.clone()),
                None => uri::from_path(&path),
            };
            if let Some(uri) = uri {
                self.publish(uri.clone(), diags);
                published.insert(uri.as_str().to_string(), uri);
            }
        }
        for (key, stale) in &self.published {
            if !published.contains_key(key) {
                self.publish(stale.clone(), Vec::new());
            }
        }
        self.published = published;
    }

    fn publish(&self, uri: Uri, diagnostics: Vec<lsp_types::Diagnostic>) {
        let params = PublishDiagnosticsParams {
            uri,
            diagnostics,
            version: None,
        };
        self.send(Notification::new(note::PublishDiagnostics::METHOD.to_string(), params).into());
    }
}

/// Why a request gets an error instead of a result.
struct Failure {
    code: ErrorCode,
    message: String,
}

fn params<P: DeserializeOwned>(r: &Request) -> Result<P, Failure> {
    serde_json::from_value(r.params.clone()).map_err(|e| Failure {
        code: ErrorCode::InvalidParams,
        message: format!("invalid parameters for `{}`: {e}", r.method),
    })
}

fn note_params<P: DeserializeOwned>(server: &Server, n: &Notification) -> Option<P> {
    match serde_json::from_value(n.params.clone()) {
        Ok(p) => Some(p),
        Err(e) => {
            (server.log)(&format!(
                "ignored `{}` with invalid parameters: {e}",
                n.method
            ));
            None
        }
    }
}

/// A request the server understood but will not carry out (a rename that would break the
/// journey): the editor shows the message.
fn refused(message: String) -> Failure {
    Failure {
        code: ErrorCode::RequestFailed,
        message,
    }
}
