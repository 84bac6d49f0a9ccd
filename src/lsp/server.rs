//! The server loop: the LSP handshake, then one message at a time (no async runtime),
//! dispatching requests and notifications to the modules that answer them.
//!
//! The loop never touches the file system and never checks a file itself: checks run on the
//! analysis thread ([`worker`]), so a file that blocks (a FIFO, a hung network mount) or a huge
//! check cannot stop it. A request needing an analysis waits for the one of the current
//! documents, at most [`Options::analysis_timeout`]; a change answers the waiting requests with
//! `ContentModified` and supersedes the check under way; `shutdown` is answered at once.
//!
//! A request on a document that does not parse still gets an answer (an empty one when nothing
//! fits), and a handler that panics answers with an internal error instead of ending the
//! session: the editor keeps its server while the user fixes the file.

use super::analysis::Analysis;
use super::documents::{read_disk, Documents};
use super::worker::{self, DiskReader, Done, Job};
use super::{actions, completion, hover, navigation, outline, position, rename, uri};
use crate::check::Model;
use crate::source::FileId;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, Response};
use lsp_types::notification::{self as note, Notification as _};
use lsp_types::request::{self as req, Request as _};
use lsp_types::{
    CodeActionKind, CodeActionOptions, CodeActionOrCommand, CodeActionProviderCapability,
    CompletionOptions, CompletionResponse, DocumentSymbolResponse, GotoDefinitionResponse,
    HoverProviderCapability, InitializeResult, OneOf, Position, PrepareRenameResponse,
    PublishDiagnosticsParams, Range, RenameOptions, SaveOptions, ServerCapabilities, ServerInfo,
    TextDocumentPositionParams, TextDocumentSyncCapability, TextDocumentSyncKind,
    TextDocumentSyncOptions, TextDocumentSyncSaveOptions, TextEdit, Uri,
};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

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

/// How long a request waits for the analysis it needs before it is answered with
/// `RequestCancelled`, and how long an analysis may run before its thread is given up for a
/// fresh one (a file system that never answers), by default.
pub const ANALYSIS_TIMEOUT: Duration = Duration::from_secs(10);
pub const STUCK_AFTER: Duration = Duration::from_secs(30);

/// The most analysis threads alive at once, counting those given up that are still blocked.
const MAX_WORKERS: usize = 3;

/// `ContentModified` and `RequestCancelled`: editors drop these answers silently.
const CONTENT_MODIFIED: i32 = -32801;
const REQUEST_CANCELLED: i32 = -32800;

/// How a session runs; the binary uses [`Options::default`].
#[derive(Clone)]
pub struct Options {
    pub analysis_timeout: Duration,
    pub stuck_after: Duration,
    /// Reads the files that are not open in the editor.
    pub disk: DiskReader,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            analysis_timeout: ANALYSIS_TIMEOUT,
            stuck_after: STUCK_AFTER,
            disk: Arc::new(read_disk),
        }
    }
}

/// Runs a session on `connection` until the client exits. `log` receives one line per event
/// worth telling (the binary writes them to stderr; stdout is the protocol's).
pub fn run(connection: &Connection, log: &dyn Fn(&str)) -> Result<Ending, Error> {
    run_with(connection, log, Options::default())
}

/// What the loop waits for: a message from the client, or an analysis.
enum Event {
    Client(Message),
    ClientGone,
    Analysed(Done),
}

/// Like [`run`], with `options`.
pub fn run_with(
    connection: &Connection,
    log: &dyn Fn(&str),
    options: Options,
) -> Result<Ending, Error> {
    let (id, params) = connection.initialize_start()?;
    let result = InitializeResult {
        capabilities: capabilities(),
        server_info: Some(ServerInfo {
            name: "journeyc".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
    };
    connection.initialize_finish(id, serde_json::to_value(result)?)?;
    log("initialized");
    let (events, inbox) = mpsc::channel();
    // The client's messages and the analyses' results arrive on one channel, so the loop
    // waits on both (with a deadline) without an async runtime.
    let from_client = connection.receiver.clone();
    let forward = events.clone();
    std::thread::Builder::new()
        .name("journeyc-lsp-input".to_string())
        .spawn(move || {
            for msg in from_client {
                if forward.send(Event::Client(msg)).is_err() {
                    return;
                }
            }
            let _ = forward.send(Event::ClientGone);
        })?;
    let mut server = Server {
        connection,
        log,
        options,
        docs: Documents::default(),
        generation: 0,
        latest: Arc::new(AtomicU64::new(0)),
        analyses: BTreeMap::new(),
        diagnostics_due: false,
        pending: Vec::new(),
        events,
        worker: None,
        next_worker: 0,
        next_seq: 0,
        alive: Arc::new(AtomicUsize::new(0)),
        shutting_down: false,
        published: BTreeMap::new(),
        next_request: 0,
    };
    if watches_files_dynamically(&params) {
        server.register_file_watcher();
    }
    loop {
        let event = match server.next_deadline() {
            Some(at) => match inbox.recv_timeout(at.saturating_duration_since(Instant::now())) {
                Ok(e) => Some(e),
                Err(RecvTimeoutError::Timeout) => None,
                Err(RecvTimeoutError::Disconnected) => Some(Event::ClientGone),
            },
            None => Some(inbox.recv().unwrap_or(Event::ClientGone)),
        };
        match event {
            None => {}
            Some(Event::Client(Message::Request(r))) => server.request(r),
            Some(Event::Client(Message::Notification(n))) if n.method == note::Exit::METHOD => {
                return Ok(if server.shutting_down {
                    Ending::Clean
                } else {
                    Ending::WithoutShutdown
                });
            }
            Some(Event::Client(Message::Notification(n))) => server.notification(n),
            Some(Event::Client(Message::Response(_))) => {}
            Some(Event::Analysed(done)) => server.analysed(done),
            Some(Event::ClientGone) => {
                log("the client closed the connection without `exit`");
                return Ok(Ending::WithoutShutdown);
            }
        }
        server.expire();
    }
}

/// Whether the client lets the server register a file watcher (`workspace/didChangeWatchedFiles`
/// with dynamic registration, as the protocol asks; the server cannot declare it statically).
fn watches_files_dynamically(params: &Value) -> bool {
    params
        .pointer("/capabilities/workspace/didChangeWatchedFiles/dynamicRegistration")
        .and_then(Value::as_bool)
        .unwrap_or(false)
}

/// A request waiting for the analysis of its document.
struct Pending {
    request: Request,
    doc: PathBuf,
    deadline: Instant,
}

/// The analysis thread the loop currently uses.
struct WorkerHandle {
    id: u64,
    jobs: mpsc::Sender<Job>,
    /// The last job sent, and when the thread was last seen working towards it (when the job
    /// was sent, or when it answered an earlier one); `None` when it has answered them all.
    busy: Option<(u64, Instant)>,
}

struct Server<'a> {
    connection: &'a Connection,
    log: &'a dyn Fn(&str),
    options: Options,
    docs: Documents,
    /// Bumped on every change of the documents or of watched files; `latest` shares it with the
    /// analysis thread, which drops work on an older one.
    generation: u64,
    latest: Arc<AtomicU64>,
    /// The analyses of the current generation, by document (`None`: checking it failed).
    analyses: BTreeMap<PathBuf, Option<Arc<Analysis>>>,
    /// Whether the current generation's diagnostics are still to be published.
    diagnostics_due: bool,
    pending: Vec<Pending>,
    events: mpsc::Sender<Event>,
    worker: Option<WorkerHandle>,
    next_worker: u64,
    next_seq: u64,
    alive: Arc<AtomicUsize>,
    shutting_down: bool,
    /// The files whose diagnostics were last published (by URI text, as `Uri` has interior
    /// mutability and makes a poor key), to clear those that drop out.
    published: BTreeMap<String, Uri>,
    next_request: i32,
}

impl Server<'_> {
    fn send(&self, msg: Message) {
        if self.connection.sender.send(msg).is_err() {
            (self.log)("the client went away; a message was not sent");
        }
    }

    fn register_file_watcher(&mut self) {
        let options = lsp_types::DidChangeWatchedFilesRegistrationOptions {
            watchers: vec![lsp_types::FileSystemWatcher {
                glob_pattern: lsp_types::GlobPattern::String("**/*.journey".to_string()),
                kind: None,
            }],
        };
        let params = lsp_types::RegistrationParams {
            registrations: vec![lsp_types::Registration {
                id: "journeyc-watch-journey-files".to_string(),
                method: note::DidChangeWatchedFiles::METHOD.to_string(),
                register_options: serde_json::to_value(options).ok(),
            }],
        };
        self.next_request += 1;
        let id = lsp_server::RequestId::from(format!("journeyc-{}", self.next_request));
        self.send(Request::new(id, req::RegisterCapability::METHOD.to_string(), params).into());
    }

    /// The earliest time the loop must wake without a message: a request's deadline, or the
    /// time the analysis thread counts as stuck.
    fn next_deadline(&self) -> Option<Instant> {
        let requests = self.pending.iter().map(|p| p.deadline).min();
        let stuck = self
            .worker
            .as_ref()
            .and_then(|w| w.busy)
            .map(|(_, since)| since + self.options.stuck_after);
        requests.into_iter().chain(stuck).min()
    }

    /// Answers the requests whose wait is over, and replaces an analysis thread that has
    /// worked on one job for too long (blocked on a file that never answers) with a new one.
    fn expire(&mut self) {
        let now = Instant::now();
        let (late, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| p.deadline <= now);
        self.pending = waiting;
        for p in late {
            (self.log)(&format!(
                "`{}` on `{}` was cancelled: the check did not finish within {} ms",
                p.request.method,
                p.doc.display(),
                self.options.analysis_timeout.as_millis()
            ));
            self.send(
                Response::new_err(
                    p.request.id,
                    REQUEST_CANCELLED,
                    format!(
                        "the check of `{}` did not finish within {} ms",
                        p.doc.display(),
                        self.options.analysis_timeout.as_millis()
                    ),
                )
                .into(),
            );
        }
        let stuck = self
            .worker
            .as_ref()
            .and_then(|w| w.busy)
            .is_some_and(|(_, since)| since + self.options.stuck_after <= now);
        if stuck {
            (self.log)(&format!(
                "an analysis has run for over {} s (a file that never answers?): starting a new analysis thread",
                self.options.stuck_after.as_secs()
            ));
            // The old thread ends once it is unblocked; its results are ignored.
            self.worker = None;
            if self.diagnostics_due || !self.pending.is_empty() {
                self.schedule();
            }
        }
    }

    /// Sends the analysis thread a job holding all the loop now wants, starting a thread if
    /// there is none.
    fn schedule(&mut self) {
        if self.worker.is_none() {
            if self.alive.load(Ordering::SeqCst) >= MAX_WORKERS {
                (self.log)("every analysis thread is blocked; requests wait for one to finish");
                return;
            }
            let (jobs, inbox) = mpsc::channel();
            self.next_worker += 1;
            let id = self.next_worker;
            let started = worker::spawn(
                id,
                inbox,
                self.events.clone(),
                Event::Analysed,
                Arc::clone(&self.latest),
                Arc::clone(&self.alive),
                Arc::clone(&self.options.disk),
            );
            if let Err(e) = started {
                (self.log)(&format!("could not start an analysis thread: {e}"));
                return;
            }
            self.worker = Some(WorkerHandle {
                id,
                jobs,
                busy: None,
            });
        }
        self.next_seq += 1;
        let mut wanted: Vec<PathBuf> = Vec::new();
        for p in &self.pending {
            if !wanted.contains(&p.doc) {
                wanted.push(p.doc.clone());
            }
        }
        let job = Job {
            seq: self.next_seq,
            generation: self.generation,
            docs: self.docs.clone(),
            wanted,
            publish: self.diagnostics_due,
        };
        let Some(w) = self.worker.as_mut() else {
            return;
        };
        if w.jobs.send(job).is_err() {
            // The thread ended (it cannot, short of a bug): the next change starts another.
            (self.log)("the analysis thread ended");
            self.worker = None;
            return;
        }
        let since = w.busy.map_or_else(Instant::now, |(_, since)| since);
        w.busy = Some((self.next_seq, since));
    }

    /// Takes an analysis's results: answers the requests that waited for them, and publishes
    /// the diagnostics, when they are of the current documents.
    fn analysed(&mut self, done: Done) {
        for line in &done.log {
            (self.log)(line);
        }
        let Some(w) = self.worker.as_mut() else {
            return;
        };
        if w.id != done.worker {
            return;
        }
        w.busy = match w.busy {
            Some((last, _)) if last != done.seq => Some((last, Instant::now())),
            _ => None,
        };
        let idle = w.busy.is_none();
        if done.generation != self.generation {
            if idle {
                self.schedule();
            }
            return;
        }
        for (doc, a) in done.analyses {
            self.analyses.insert(doc, a);
        }
        if let Some(diagnostics) = done.diagnostics {
            if self.diagnostics_due {
                self.diagnostics_due = false;
                self.publish_all(diagnostics);
            }
        }
        let (ready, waiting): (Vec<Pending>, Vec<Pending>) = std::mem::take(&mut self.pending)
            .into_iter()
            .partition(|p| self.analyses.contains_key(&p.doc));
        self.pending = waiting;
        for p in ready {
            let a = self.analyses.get(&p.doc).cloned().flatten();
            self.answer(p.request, a);
        }
        if idle && (self.diagnostics_due || !self.pending.is_empty()) {
            self.schedule();
        }
    }

    /// The documents changed (or files on disk): every analysis is stale, requests waiting for
    /// one are answered `ContentModified`, and a new check is started.
    fn invalidate(&mut self) {
        if self.shutting_down {
            // Nothing is checked after `shutdown`.
            return;
        }
        self.generation += 1;
        self.latest.store(self.generation, Ordering::SeqCst);
        self.analyses.clear();
        self.diagnostics_due = true;
        for p in std::mem::take(&mut self.pending) {
            self.send(
                Response::new_err(
                    p.request.id,
                    CONTENT_MODIFIED,
                    "the document changed before the request could be answered".to_string(),
                )
                .into(),
            );
        }
        self.schedule();
    }

    fn request(&mut self, r: Request) {
        if self.shutting_down {
            let resp = Response::new_err(
                r.id,
                ErrorCode::InvalidRequest as i32,
                "the server is shutting down".to_string(),
            );
            self.send(resp.into());
            return;
        }
        if r.method == req::Shutdown::METHOD {
            self.shutting_down = true;
            (self.log)("shutdown");
            for p in std::mem::take(&mut self.pending) {
                self.send(
                    Response::new_err(
                        p.request.id,
                        REQUEST_CANCELLED,
                        "the server is shutting down".to_string(),
                    )
                    .into(),
                );
            }
            // Stale work is dropped; a thread blocked on a file does not delay the answer.
            self.latest.store(u64::MAX, Ordering::SeqCst);
            self.worker = None;
            self.send(Response::new_ok(r.id, ()).into());
            return;
        }
        if !needs_analysis(&r.method) {
            self.answer(r, None);
            return;
        }
        let doc = document_of(&r);
        match doc {
            Some(doc) if !self.analyses.contains_key(&doc) => {
                self.pending.push(Pending {
                    request: r,
                    doc,
                    deadline: Instant::now() + self.options.analysis_timeout,
                });
                self.schedule();
            }
            Some(doc) => {
                let a = self.analyses.get(&doc).cloned().flatten();
                self.answer(r, a);
            }
            None => self.answer(r, None),
        }
    }

    /// Answers `r` with `analysis` (of its document, when it needs one).
    fn answer(&mut self, r: Request, analysis: Option<Arc<Analysis>>) {
        let id = r.id.clone();
        let method = r.method.clone();
        let outcome = catch_unwind(AssertUnwindSafe(|| self.dispatch(r, analysis.as_deref())));
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
    }

    /// The result of a request, or the error to answer with instead. `a` is the analysis of
    /// the request's document (`None` for one that is not a file).
    fn dispatch(&mut self, r: Request, a: Option<&Analysis>) -> Result<Value, Failure> {
        let json = |v: Result<Value, serde_json::Error>| {
            v.map_err(|e| Failure {
                code: ErrorCode::InternalError,
                message: e.to_string(),
            })
        };
        match r.method.as_str() {
            req::HoverRequest::METHOD => {
                let p: lsp_types::HoverParams = params(&r)?;
                let out = at(a, &p.text_document_position_params)
                    .and_then(|(a, f, o)| hover::hover(a, f, o));
                json(serde_json::to_value(out))
            }
            req::GotoDefinition::METHOD => {
                let p: lsp_types::GotoDefinitionParams = params(&r)?;
                let out = at(a, &p.text_document_position_params)
                    .and_then(|(a, f, o)| navigation::definition(a, f, o))
                    .map(GotoDefinitionResponse::Scalar);
                json(serde_json::to_value(out))
            }
            req::References::METHOD => {
                let p: lsp_types::ReferenceParams = params(&r)?;
                let out = at(a, &p.text_document_position)
                    .map(|(a, f, o)| navigation::references(a, f, o, p.context.include_declaration))
                    .unwrap_or_default();
                json(serde_json::to_value(out))
            }
            req::Completion::METHOD => {
                let p: lsp_types::CompletionParams = params(&r)?;
                let items = at(a, &p.text_document_position)
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
                        let a = a?;
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
                match at(a, &p) {
                    Some((a, f, o)) => {
                        let range = rename::prepare(a, f, o).map_err(refused)?;
                        json(serde_json::to_value(PrepareRenameResponse::Range(range)))
                    }
                    None => Ok(Value::Null),
                }
            }
            req::Rename::METHOD => {
                let p: lsp_types::RenameParams = params(&r)?;
                match at(a, &p.text_document_position) {
                    Some((a, f, o)) => {
                        let edit = rename::rename(a, f, o, &p.new_name).map_err(refused)?;
                        json(serde_json::to_value(edit))
                    }
                    None => Ok(Value::Null),
                }
            }
            req::CodeActionRequest::METHOD => {
                let p: lsp_types::CodeActionParams = params(&r)?;
                let fixes = uri::to_path(&p.text_document.uri)
                    .and_then(|path| {
                        let a = a?;
                        let f = a.file_id(&path)?;
                        let start = a.offset(f, p.range.start);
                        let end = a.offset(f, p.range.end);
                        Some(actions::quick_fixes(a, f, start, end))
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
                            Position::new(0, 0),
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

    fn notification(&mut self, n: Notification) {
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Some(p) = note_params::<lsp_types::DidOpenTextDocumentParams>(self, &n) {
                    let doc = p.text_document;
                    if let Some(path) = uri::to_path(&doc.uri) {
                        self.docs.open(path, doc.uri, doc.text);
                        self.invalidate();
                    }
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Some(p) = note_params::<lsp_types::DidChangeTextDocumentParams>(self, &n) {
                    if let Some(path) = uri::to_path(&p.text_document.uri) {
                        self.docs.change(&path, p.content_changes);
                        self.invalidate();
                    }
                }
            }
            // A saved file, or a file created, changed, renamed or deleted on disk (an import,
            // a file importing an open one): what the open documents mean may have changed.
            note::DidSaveTextDocument::METHOD | note::DidChangeWatchedFiles::METHOD => {
                self.invalidate()
            }
            note::DidCloseTextDocument::METHOD => {
                if let Some(p) = note_params::<lsp_types::DidCloseTextDocumentParams>(self, &n) {
                    if let Some(path) = uri::to_path(&p.text_document.uri) {
                        self.docs.close(&path);
                        self.invalidate();
                    }
                }
            }
            note::Cancel::METHOD => {
                let id = n.params.get("id").cloned();
                let (cancelled, waiting): (Vec<Pending>, Vec<Pending>) =
                    std::mem::take(&mut self.pending)
                        .into_iter()
                        .partition(|p| serde_json::to_value(&p.request.id).ok() == id);
                self.pending = waiting;
                for p in cancelled {
                    self.send(
                        Response::new_err(
                            p.request.id,
                            REQUEST_CANCELLED,
                            "cancelled by the client".to_string(),
                        )
                        .into(),
                    );
                }
            }
            // `initialized`, `$/setTrace` and the like need nothing.
            _ => {}
        }
    }

    /// Publishes each file's diagnostics (to the buffer's URI when it is open), and clears
    /// those of files published before that no longer qualify.
    fn publish_all(&mut self, targets: Vec<(PathBuf, Vec<lsp_types::Diagnostic>)>) {
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

/// Whether answering `method` needs the analysis of its document.
fn needs_analysis(method: &str) -> bool {
    matches!(
        method,
        req::HoverRequest::METHOD
            | req::GotoDefinition::METHOD
            | req::References::METHOD
            | req::Completion::METHOD
            | req::DocumentSymbolRequest::METHOD
            | req::PrepareRenameRequest::METHOD
            | req::Rename::METHOD
            | req::CodeActionRequest::METHOD
    )
}

/// The file a request is about (`textDocument.uri`, at the top of every request that needs an
/// analysis); `None` for a document that is not a file.
fn document_of(r: &Request) -> Option<PathBuf> {
    let uri: Uri = serde_json::from_value(r.params.pointer("/textDocument/uri")?.clone()).ok()?;
    uri::to_path(&uri)
}

/// The analysis, file and byte offset a position request points at; `None` for a document
/// that is not a file.
fn at<'a>(
    a: Option<&'a Analysis>,
    p: &TextDocumentPositionParams,
) -> Option<(&'a Analysis, FileId, usize)> {
    let a = a?;
    let path = uri::to_path(&p.text_document.uri)?;
    let f = a.file_id(&path)?;
    Some((a, f, a.offset(f, p.position)))
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::Path;
    use std::sync::Mutex;

    /// Waits (at most 20 s, so a hang fails) for the first message satisfying `pred`.
    fn wait_for(client: &Connection, pred: impl Fn(&Message) -> bool) -> Message {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match client.receiver.recv_timeout(left) {
                Ok(m) if pred(&m) => return m,
                Ok(_) => {}
                Err(e) => panic!("the server did not answer: {e}"),
            }
        }
    }

    fn response(client: &Connection, id: i32) -> Response {
        match wait_for(
            client,
            |m| matches!(m, Message::Response(r) if r.id == id.into()),
        ) {
            Message::Response(r) => r,
            _ => unreachable!(),
        }
    }

    fn notify(client: &Connection, method: &str, params: Value) {
        let n = Notification::new(method.to_string(), params);
        client.sender.send(n.into()).expect("send");
    }

    fn call(client: &Connection, id: i32, method: &str, params: Value) {
        let r = Request::new(id.into(), method.to_string(), params);
        client.sender.send(r.into()).expect("send");
    }

    /// A file that never answers (a stand-in for a FIFO or a hung mount: the reader blocks
    /// until the test lets it go): the request waiting for the analysis is answered
    /// `RequestCancelled` in bounded time, the blocked thread is replaced so a later edit is
    /// checked and answered, and `shutdown` is answered.
    #[test]
    fn a_check_that_never_ends_is_bounded_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("journey.toml"), "").unwrap();
        let doc = crate::project::normalize(&dir.path().join("main.journey"));
        let uri = uri::from_path(&doc).unwrap();
        let (release, blocked) = mpsc::channel::<()>();
        let blocked = Arc::new(Mutex::new(blocked));
        let disk: DiskReader = Arc::new(move |p: &Path| {
            if p.ends_with("slow.journey") {
                let _ = blocked.lock().map(|b| b.recv());
            }
            read_disk(p)
        });
        let options = Options {
            analysis_timeout: Duration::from_millis(300),
            stuck_after: Duration::from_millis(600),
            disk,
        };
        let (server, client) = Connection::memory();
        let session = std::thread::spawn(move || run_with(&server, &|_| {}, options).ok());
        call(&client, 1, "initialize", json!({ "capabilities": {} }));
        response(&client, 1);
        notify(&client, "initialized", json!({}));
        let text = "import \"slow.journey\"\nevent started\n";
        notify(
            &client,
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 1, "text": text } }),
        );
        let hover =
            json!({ "textDocument": { "uri": uri }, "position": { "line": 1, "character": 7 } });
        call(&client, 2, "textDocument/hover", hover);
        let cancelled = response(&client, 2);
        assert_eq!(cancelled.error.map(|e| e.code), Some(REQUEST_CANCELLED));
        // The edit drops the import; once the blocked thread is given up, a new one checks it.
        notify(
            &client,
            "textDocument/didChange",
            json!({ "textDocument": { "uri": uri, "version": 2 }, "contentChanges": [{ "text": "event started\n" }] }),
        );
        wait_for(
            &client,
            |m| matches!(m, Message::Notification(n) if n.method == note::PublishDiagnostics::METHOD),
        );
        let hover =
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 7 } });
        call(&client, 3, "textDocument/hover", hover);
        let answered = response(&client, 3);
        assert!(answered.error.is_none(), "{answered:?}");
        assert!(answered
            .result
            .is_some_and(|r| r.to_string().contains("started")));
        call(&client, 4, "shutdown", Value::Null);
        assert!(response(&client, 4).error.is_none());
        notify(&client, "exit", Value::Null);
        assert_eq!(session.join().unwrap(), Some(Ending::Clean));
        let _ = release.send(());
    }

    /// Changes while a check runs: the waiting request is answered `ContentModified`, and the
    /// diagnostics finally published are those of the last text.
    #[test]
    fn a_newer_change_supersedes_the_pending_analysis() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("journey.toml"), "").unwrap();
        let doc = crate::project::normalize(&dir.path().join("main.journey"));
        let uri = uri::from_path(&doc).unwrap();
        let (server, client) = Connection::memory();
        let session =
            std::thread::spawn(move || run_with(&server, &|_| {}, Options::default()).ok());
        call(&client, 1, "initialize", json!({ "capabilities": {} }));
        response(&client, 1);
        notify(&client, "initialized", json!({}));
        notify(
            &client,
            "textDocument/didOpen",
            json!({ "textDocument": { "uri": uri, "languageId": "journey", "version": 1, "text": "event a\n" } }),
        );
        call(
            &client,
            2,
            "textDocument/hover",
            json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 6 } }),
        );
        for v in 2..40 {
            let text = if v == 39 {
                "journey j { trigger nope }\n".to_string()
            } else {
                format!("event a{v}\n")
            };
            notify(
                &client,
                "textDocument/didChange",
                json!({ "textDocument": { "uri": uri, "version": v }, "contentChanges": [{ "text": text }] }),
            );
        }
        // Answered: either with the first analysis (it was quick) or `ContentModified`.
        let hover = response(&client, 2);
        if let Some(e) = hover.error {
            assert_eq!(e.code, CONTENT_MODIFIED);
        }
        // The last publication is the last text's (an unknown event), whatever came before.
        let last = wait_for(&client, |m| {
            matches!(m, Message::Notification(n) if n.method == note::PublishDiagnostics::METHOD
                && n.params.to_string().contains("nope"))
        });
        drop(last);
        call(&client, 3, "shutdown", Value::Null);
        assert!(response(&client, 3).error.is_none());
        notify(&client, "exit", Value::Null);
        assert_eq!(session.join().unwrap(), Some(Ending::Clean));
    }
}
