//! `journeyc build`: one file per journey: the JSON automation spec (default), or an export to a
//! workflow engine (`--target asl`, `--target bpmn`).

use super::output::{self, MessageFormat, EXIT_PROBLEMS, EXIT_USAGE};
use clap::{Args, ValueEnum};
use journeyc::export::asl::AslOptions;
use journeyc::export::services::FILE as SERVICES;
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Files or directories to build; directories are searched recursively for `.journey`
    /// files. Defaults to the current directory. `-` reads a file from standard input.
    pub paths: Vec<PathBuf>,
    /// Where to write the files: `<journey>.json` (spec), `<journey>.asl.json` (asl),
    /// `<journey>.bpmn` (bpmn); asl and bpmn also write `journeyc-services.json`, what the
    /// router and senders need across journeys (docs/exports.md).
    #[arg(long, default_value = "dist")]
    pub out_dir: PathBuf,
    /// What to build: the JSON automation spec, an AWS Step Functions state machine (Amazon
    /// States Language) or a BPMN 2.0 process for Camunda 8 / Zeebe (docs/exports.md).
    #[arg(long, value_enum, default_value = "spec")]
    pub target: Target,
    /// ASL: the prefix of the SQS queue URLs that sends (`send-<channel>`) and event waits
    /// (`waits`) post their task tokens to.
    #[arg(long, value_name = "URL", default_value_t = AslOptions::default().queue_url_prefix)]
    pub asl_queue_prefix: String,
    /// ASL: the DynamoDB table the engagement service writes opens and clicks to.
    #[arg(long, value_name = "TABLE", default_value_t = AslOptions::default().engagement_table)]
    pub asl_engagement_table: String,
    /// Write nothing; exit 1 listing every spec in the output directory that is missing, stale or
    /// orphaned (built by no journey), exit 0 when all are up to date. For CI.
    #[arg(long, conflicts_with = "stdout")]
    pub check: bool,
    /// Print one journey's spec on stdout instead of writing files.
    #[arg(long)]
    pub stdout: bool,
    /// The journey to print with `--stdout` when the paths hold several.
    #[arg(long, requires = "stdout", value_name = "NAME")]
    pub journey: Option<String>,
    /// How to print diagnostics (and, with `--check`, the out-of-date specs).
    #[arg(long, value_enum, default_value = "human")]
    pub message_format: MessageFormat,
}

/// What `journeyc build` writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// The JSON automation spec (docs/spec.md).
    Spec,
    /// Amazon States Language for AWS Step Functions.
    Asl,
    /// BPMN 2.0 for Camunda 8 / Zeebe.
    Bpmn,
}

impl Target {
    /// The file name ending of this target's files.
    fn suffix(self) -> &'static str {
        match self {
            Target::Spec => ".json",
            Target::Asl => ".asl.json",
            Target::Bpmn => ".bpmn",
        }
    }

    /// Whether a file in the output directory is one of this target's (a spec directory may
    /// also hold `.asl.json` files, which are not specs).
    fn owns(self, file: &str) -> bool {
        match self {
            Target::Spec => {
                file.ends_with(".json") && !file.ends_with(".asl.json") && file != SERVICES
            }
            Target::Asl | Target::Bpmn => file.ends_with(self.suffix()) || file == SERVICES,
        }
    }

    /// What one file is called in messages.
    fn one(self) -> &'static str {
        match self {
            Target::Spec => "spec",
            Target::Asl => "state machine",
            Target::Bpmn => "process",
        }
    }

    /// `n` files, in words: `1 spec`, `4 processes`.
    fn noun(self, n: usize) -> String {
        let many = match self {
            Target::Spec => "specs",
            Target::Asl => "state machines",
            Target::Bpmn => "processes",
        };
        format!("{n} {}", if n == 1 { self.one() } else { many })
    }

    /// The command that rebuilds this target's files.
    fn command(self) -> &'static str {
        match self {
            Target::Spec => "journeyc build",
            Target::Asl => "journeyc build --target asl",
            Target::Bpmn => "journeyc build --target bpmn",
        }
    }

    fn render(self, j: &journeyc::ir::Journey, args: &BuildArgs) -> Result<String, String> {
        match self {
            Target::Spec => journeyc::spec::to_json(j)
                .map_err(|e| format!("cannot write the spec of `{}`: {e}", j.name)),
            Target::Asl => {
                let options = AslOptions {
                    queue_url_prefix: args.asl_queue_prefix.clone(),
                    engagement_table: args.asl_engagement_table.clone(),
                };
                journeyc::export::asl::to_asl(j, &options).map_err(|e| e.to_string())
            }
            Target::Bpmn => journeyc::export::bpmn::to_bpmn(j).map_err(|e| e.to_string()),
        }
    }
}

pub fn run(args: BuildArgs) -> ExitCode {
    let compiled = match output::compile(&args.paths) {
        Ok(c) => c,
        Err(code) => return code,
    };
    output::print_compile_diagnostics(&compiled, args.message_format, args.stdout);
    if compiled.diagnostics.has_errors() {
        return ExitCode::from(EXIT_PROBLEMS);
    }
    let mut specs: BTreeMap<String, String> = BTreeMap::new();
    let target = args.target;
    let mut failures = Vec::new();
    for j in &compiled.journeys {
        match target.render(j, &args) {
            Ok(text) => {
                specs.insert(format!("{}{}", j.name, target.suffix()), text);
            }
            Err(e) => failures.push(e),
        }
    }
    // What spans journeys (arbitration, caps, transactional touchpoints) goes in one file for
    // the services beside the engine; the same for both engine targets.
    if matches!(target, Target::Asl | Target::Bpmn) && !compiled.journeys.is_empty() {
        specs.insert(
            SERVICES.to_string(),
            journeyc::export::services::to_json(&compiled.journeys),
        );
    }
    if !failures.is_empty() {
        for f in &failures {
            eprintln!("error: {f}");
        }
        return ExitCode::from(EXIT_PROBLEMS);
    }
    if args.stdout {
        return match output::pick_journey(&compiled.journeys, args.journey.as_deref()) {
            Ok(j) => {
                let text = specs
                    .get(&format!("{}{}", j.name, target.suffix()))
                    .map(String::as_str)
                    .unwrap_or_default();
                let _ = std::io::stdout().lock().write_all(text.as_bytes());
                ExitCode::SUCCESS
            }
            Err(msg) => output::usage_error(msg),
        };
    }
    let existing = match existing_specs(&args.out_dir, target) {
        Ok(e) => e,
        Err(e) => {
            return output::usage_error(format!("cannot read `{}`: {e}", args.out_dir.display()))
        }
    };
    let stale = match stale_temp_files(&args.out_dir, target) {
        Ok(s) => s,
        Err(e) => {
            return output::usage_error(format!("cannot read `{}`: {e}", args.out_dir.display()))
        }
    };
    if args.check {
        for t in &stale {
            eprintln!(
                "note: {} is a temporary file left by an interrupted build; `{}` removes it",
                t.display(),
                target.command()
            );
        }
        check(
            &args.out_dir,
            &specs,
            &existing,
            args.message_format,
            target,
        )
    } else {
        for t in &stale {
            match std::fs::remove_file(t) {
                Ok(()) => eprintln!(
                    "note: removed {}, a temporary file left by an interrupted build",
                    t.display()
                ),
                Err(e) => eprintln!("warning: cannot remove {}: {e}", t.display()),
            }
        }
        write(
            &args.out_dir,
            &specs,
            &existing,
            args.message_format,
            target,
        )
    }
}

/// The files of `target` already in `dir`, sorted; none when the directory does not exist yet.
fn existing_specs(dir: &Path, target: Target) -> std::io::Result<Vec<String>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut names = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if target.owns(&name) && !name.starts_with('.') && entry.file_type()?.is_file() {
            names.push(name);
        }
    }
    names.sort();
    Ok(names)
}

/// Temporary files a killed `journeyc build` left in `dir` (`.NAME.PID.tmp`, see
/// `output::write_atomic`) beside files of `target`, whose process is no longer running: a
/// build that is writing in the same folder right now keeps its own.
fn stale_temp_files(dir: &Path, target: Target) -> std::io::Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut stale = Vec::new();
    for entry in entries {
        let entry = entry?;
        let file = entry.file_name().to_string_lossy().into_owned();
        let Some((name, pid)) = output::parse_temp_name(&file) else {
            continue;
        };
        // `file_type` does not follow links: only a plain file is ever removed.
        if !target.owns(name) || !entry.file_type()?.is_file() {
            continue;
        }
        if pid != std::process::id() && !process_may_run(pid, &entry.path()) {
            stale.push(entry.path());
        }
    }
    stale.sort();
    Ok(stale)
}

/// Whether the process that wrote a temporary file may still be writing it. Where `/proc`
/// lists processes (Linux), by its id; elsewhere, a file untouched for an hour is taken as
/// left behind.
fn process_may_run(pid: u32, tmp: &Path) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return proc.join(pid.to_string()).exists();
    }
    let age = std::fs::metadata(tmp)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.elapsed().ok());
    age.is_none_or(|a| a < std::time::Duration::from_secs(3600))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Missing,
    Stale,
    Orphaned,
}

impl Status {
    fn word(self) -> &'static str {
        match self {
            Status::Missing => "missing",
            Status::Stale => "stale",
            Status::Orphaned => "orphaned",
        }
    }
}

fn check(
    dir: &Path,
    specs: &BTreeMap<String, String>,
    existing: &[String],
    format: MessageFormat,
    target: Target,
) -> ExitCode {
    let mut problems: Vec<(Status, String)> = Vec::new();
    for (file, text) in specs {
        let path = dir.join(file);
        match std::fs::read(&path) {
            Ok(bytes) if bytes == text.as_bytes() => {}
            Ok(_) => problems.push((Status::Stale, file.clone())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                problems.push((Status::Missing, file.clone()))
            }
            Err(e) => return output::usage_error(format!("cannot read `{}`: {e}", path.display())),
        }
    }
    for file in existing {
        if !specs.contains_key(file) {
            problems.push((Status::Orphaned, file.clone()));
        }
    }
    problems.sort_by(|a, b| a.1.cmp(&b.1));
    match format {
        MessageFormat::Github => {
            for (status, file) in &problems {
                println!(
                    "::error file={},title=journeyc build --check::{} is {}; run `{}` and commit the result",
                    dir.join(file).display(),
                    target.one(),
                    status.word(),
                    target.command(),
                );
            }
        }
        // SARIF describes source diagnostics; the spec listing stays human-readable.
        MessageFormat::Human | MessageFormat::Sarif => {
            for (status, file) in &problems {
                let missing = if file == SERVICES {
                    "not written yet".to_string()
                } else {
                    format!("no {} written yet for this journey", target.one())
                };
                let why = match status {
                    Status::Missing => missing.as_str(),
                    Status::Stale => "differs from what the sources build",
                    Status::Orphaned => "no journey builds this file",
                };
                eprintln!("{:>8}: {} ({why})", status.word(), dir.join(file).display());
            }
            if problems.is_empty() {
                eprintln!("{} up to date in {}", listing(specs, target), dir.display());
            } else {
                let orphans = if problems.iter().any(|p| p.0 == Status::Orphaned) {
                    format!(
                        ", and delete orphaned {}",
                        target.noun(0).trim_start_matches("0 ")
                    )
                } else {
                    String::new()
                };
                let stale: BTreeMap<String, String> = problems
                    .iter()
                    .map(|(_, f)| (f.clone(), String::new()))
                    .collect();
                eprintln!(
                    "{} out of date in {}: run `{}` and commit the result{orphans}",
                    listing(&stale, target),
                    dir.display(),
                    target.command(),
                );
            }
        }
        MessageFormat::Json => {
            let mut out = std::io::stdout().lock();
            for (status, file) in &problems {
                let line = serde_json::json!({
                    "status": status.word(),
                    "path": dir.join(file).display().to_string(),
                    "journey": (specs.contains_key(file) && file != SERVICES).then(|| file.trim_end_matches(target.suffix())),
                });
                let _ = writeln!(out, "{line}");
            }
        }
    }
    if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    }
}

fn write(
    dir: &Path,
    specs: &BTreeMap<String, String>,
    existing: &[String],
    format: MessageFormat,
    target: Target,
) -> ExitCode {
    let mut written = 0;
    for (file, text) in specs {
        let path = dir.join(file);
        // Leave an up-to-date spec alone, so its modification time says when it last changed.
        if std::fs::read(&path).is_ok_and(|b| b == text.as_bytes()) {
            continue;
        }
        if let Err(e) = output::write_atomic(&path, text.as_bytes()) {
            eprintln!("error: cannot write `{}`: {e}", path.display());
            return ExitCode::from(EXIT_USAGE);
        }
        written += 1;
    }
    if format == MessageFormat::Human {
        let orphans: Vec<&String> = existing
            .iter()
            .filter(|f| !specs.contains_key(*f))
            .collect();
        for o in &orphans {
            eprintln!(
                "warning: {} is built by no journey; delete it (`journeyc build --check` reports it)",
                dir.join(o).display()
            );
        }
        if specs.is_empty() {
            eprintln!("no journeys found: nothing to build");
        } else {
            eprintln!(
                "built {} in {} ({} written, {} unchanged)",
                listing(specs, target),
                dir.display(),
                written,
                specs.len() - written
            );
        }
    }
    ExitCode::SUCCESS
}

/// Files of a build in words: `3 state machines and journeyc-services.json`, or
/// `journeyc-services.json` alone.
fn listing(files: &BTreeMap<String, String>, target: Target) -> String {
    let journeys = files.keys().filter(|f| *f != SERVICES).count();
    match (journeys, files.contains_key(SERVICES)) {
        (0, true) => SERVICES.to_string(),
        (_, true) => format!("{} and {SERVICES}", target.noun(journeys)),
        (_, false) => target.noun(journeys),
    }
}
