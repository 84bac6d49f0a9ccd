//! The analysis thread: loads, checks and indexes the files around the open documents, and
//! turns the checker's diagnostics into LSP ones, away from the server's message loop.
//!
//! The loop sends a [`Job`] holding everything it currently wants (a snapshot of the open
//! documents, the documents that requests wait on, whether diagnostics are due), tagged with the
//! generation of the documents (bumped on every change). Each job supersedes the ones before
//! it: the thread skips to the newest queued job, and stops work on a job as soon as a newer
//! generation exists, so typing never queues a backlog of checks. Results carry their
//! generation and the loop drops stale ones.

use super::analysis::Analysis;
use super::diagnostics;
use super::documents::Documents;
use crate::source::FileId;
use std::collections::{BTreeMap, BTreeSet};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender};
use std::sync::Arc;

/// How files that are not open are read (the disk, or a stand-in in tests).
pub type DiskReader = Arc<dyn Fn(&Path) -> std::io::Result<String> + Send + Sync>;

/// What the loop wants done, as of one generation of the documents.
pub struct Job {
    /// Numbers jobs in the order sent, so the loop knows which one a result answers.
    pub seq: u64,
    pub generation: u64,
    pub docs: Documents,
    /// Documents whose analyses requests are waiting for.
    pub wanted: Vec<PathBuf>,
    /// Whether the diagnostics of the open documents (and of the files sharing a compilation
    /// unit with them) are to be published.
    pub publish: bool,
}

/// What a job produced.
pub struct Done {
    pub worker: u64,
    pub seq: u64,
    pub generation: u64,
    /// The analysis each document was checked in (open and wanted documents); `None` when
    /// checking it failed (a bug, logged), so requests waiting for it are answered anyway.
    pub analyses: Vec<(PathBuf, Option<Arc<Analysis>>)>,
    /// Every file's diagnostics, when they were asked for.
    pub diagnostics: Option<Vec<(PathBuf, Vec<lsp_types::Diagnostic>)>>,
    /// Lines for the server's log.
    pub log: Vec<String>,
}

/// Runs jobs from `jobs` until the loop drops its end, sending results as `wrap(done)`.
/// `latest` is the newest generation the loop has seen; `alive` counts running workers.
pub fn spawn<E: Send + 'static>(
    id: u64,
    jobs: Receiver<Job>,
    results: Sender<E>,
    wrap: fn(Done) -> E,
    latest: Arc<AtomicU64>,
    alive: Arc<AtomicUsize>,
    disk: DiskReader,
) -> std::io::Result<()> {
    alive.fetch_add(1, Ordering::SeqCst);
    let guard = Alive(Arc::clone(&alive));
    let spawned = std::thread::Builder::new()
        .name(format!("journeyc-analysis-{id}"))
        .spawn(move || {
            let _guard = guard;
            let mut worker = Worker {
                id,
                latest,
                disk,
                cache_generation: u64::MAX,
                cache: BTreeMap::new(),
                published: None,
            };
            while let Ok(mut job) = jobs.recv() {
                // Only the newest job matters: each holds all the loop wants.
                while let Ok(newer) = jobs.try_recv() {
                    job = newer;
                }
                let done = worker.run(job);
                if results.send(wrap(done)).is_err() {
                    return;
                }
            }
        });
    spawned.map(|_| ())
}

/// Decrements the count of running workers when a worker's thread ends (or fails to start).
struct Alive(Arc<AtomicUsize>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Worker {
    id: u64,
    latest: Arc<AtomicU64>,
    disk: DiskReader,
    /// Analyses by scope (project root), valid for `cache_generation` only.
    cache_generation: u64,
    cache: BTreeMap<PathBuf, Arc<Analysis>>,
    /// The generation whose diagnostics were last computed.
    published: Option<u64>,
}

impl Worker {
    fn superseded(&self, generation: u64) -> bool {
        self.latest.load(Ordering::SeqCst) != generation
    }

    fn run(&mut self, job: Job) -> Done {
        let mut done = Done {
            worker: self.id,
            seq: job.seq,
            generation: job.generation,
            analyses: Vec::new(),
            diagnostics: None,
            log: Vec::new(),
        };
        if self.cache_generation != job.generation {
            self.cache.clear();
            self.cache_generation = job.generation;
        }
        let open: Vec<PathBuf> = job.docs.iter().map(|(p, _)| p.clone()).collect();
        let mut docs: Vec<PathBuf> = open.clone();
        for w in &job.wanted {
            if !docs.contains(w) {
                docs.push(w.clone());
            }
        }
        for doc in &docs {
            if self.superseded(job.generation) {
                done.log
                    .push("a check was dropped: the documents changed".to_string());
                return done;
            }
            let a = self.analysis(doc, &job.docs, &mut done.log);
            done.analyses.push((doc.clone(), a));
        }
        if job.publish && self.published != Some(job.generation) {
            done.diagnostics = Some(self.diagnostics(&open, &done.analyses, &mut done.log));
            self.published = Some(job.generation);
        }
        done
    }

    /// The analysis `doc` is checked in, from the cache when its scope was checked in this
    /// generation; `None` when checking failed (a bug, logged).
    fn analysis(
        &mut self,
        doc: &Path,
        docs: &Documents,
        log: &mut Vec<String>,
    ) -> Option<Arc<Analysis>> {
        let dir = Analysis::scope(doc);
        if let Some(a) = self.cache.get(&dir) {
            if a.file_id(doc).is_some() {
                return Some(a.clone());
            }
        }
        let started = std::time::Instant::now();
        let disk = &*self.disk;
        let outcome = catch_unwind(AssertUnwindSafe(|| Analysis::with_reader(doc, docs, disk)));
        match outcome {
            Ok(a) => {
                let a = Arc::new(a);
                log.push(format!(
                    "checked {} file(s) around `{}` in {} ms",
                    a.project.sources.len(),
                    doc.display(),
                    started.elapsed().as_millis()
                ));
                self.cache.insert(dir, a.clone());
                Some(a)
            }
            Err(_) => {
                log.push(format!(
                    "checking `{}` failed: the server hit a bug",
                    doc.display()
                ));
                None
            }
        }
    }

    /// The diagnostics of every open document, and of the other files of its compilation
    /// units (its imports, the files importing it), since a problem there (a duplicate of one
    /// of its names) is often caused by the file being edited. Each file's come from the
    /// analysis of the first open document that sees it, an open document's own first; each
    /// file is converted once.
    fn diagnostics(
        &self,
        open: &[PathBuf],
        analyses: &[(PathBuf, Option<Arc<Analysis>>)],
        log: &mut Vec<String>,
    ) -> Vec<(PathBuf, Vec<lsp_types::Diagnostic>)> {
        let analysis_of = |p: &PathBuf| {
            analyses
                .iter()
                .find(|(d, _)| d == p)
                .and_then(|(_, a)| a.as_ref())
        };
        let mut targets: BTreeMap<PathBuf, Vec<lsp_types::Diagnostic>> = BTreeMap::new();
        for own_first in [true, false] {
            for path in open {
                let Some(a) = analysis_of(path) else {
                    continue;
                };
                let outcome = catch_unwind(AssertUnwindSafe(|| {
                    let Some(f) = a.file_id(path) else {
                        return Vec::new();
                    };
                    let files: BTreeSet<FileId> = if own_first {
                        BTreeSet::from([f])
                    } else {
                        a.units_of(f)
                            .flat_map(|u| u.files.iter().copied())
                            .collect()
                    };
                    let files: Vec<FileId> = files
                        .into_iter()
                        .filter(|g| !targets.contains_key(&a.path(*g)))
                        .collect();
                    diagnostics::for_files(a, &files)
                }));
                match outcome {
                    Ok(found) => {
                        for (g, d) in found {
                            targets.entry(a.path(g)).or_insert(d);
                        }
                    }
                    Err(_) => log.push(format!(
                        "the diagnostics of `{}` failed: the server hit a bug",
                        path.display()
                    )),
                }
            }
        }
        targets.into_iter().collect()
    }
}
