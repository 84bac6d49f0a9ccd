//! `journeyc fmt`.

use super::output::{self, MessageFormat, EXIT_PROBLEMS, EXIT_USAGE};
use clap::Args;
use journeyc::diagnostics::Diagnostics;
use journeyc::fmt::{format_source, FormatError};
use journeyc::project::{self, FileProblem};
use journeyc::source::{FileId, SourceFile, SourceMap};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct FmtArgs {
    /// Files or directories to format; directories are searched recursively for `.journey`
    /// files. Defaults to the current directory. `-` formats standard input to standard output.
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit 1 if there are any (for CI).
    #[arg(long)]
    pub check: bool,
    /// Read one file from standard input and write it formatted to standard output.
    #[arg(long, conflicts_with = "paths")]
    pub stdin: bool,
}

/// What happened to one file.
enum Outcome {
    Unchanged,
    Changed,
    Failed,
}

pub fn run(args: FmtArgs) -> ExitCode {
    let dash = args
        .paths
        .iter()
        .any(|p| p.as_os_str() == project::STDIN_PATH);
    if dash && args.paths.len() > 1 {
        return output::usage_error(
            "`-` (standard input) is formatted on its own: give it as the only path",
        );
    }
    if args.stdin || dash {
        return run_stdin(args.check);
    }
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let files = match project::discover(&paths) {
        Ok(f) => f,
        Err(e) => return output::usage_error(e),
    };
    let (mut changed, mut failed) = (0usize, 0usize);
    for path in &files {
        let text = match project::read_project_file(path) {
            Ok(t) => t,
            Err(e) => match unreadable(path, &e) {
                Some(()) => {
                    failed += 1;
                    continue;
                }
                None => {
                    return output::usage_error(format!("cannot read `{}`: {e}", path.display()))
                }
            },
        };
        match format_one(path, &text, args.check) {
            Ok(Outcome::Unchanged) => {}
            Ok(Outcome::Changed) => changed += 1,
            Ok(Outcome::Failed) => failed += 1,
            Err(code) => return code,
        }
    }
    let total = files.len();
    let noun = |n: usize| if n == 1 { "file" } else { "files" };
    let mut summary = if args.check {
        format!("{changed} of {total} {} would be reformatted", noun(total))
    } else {
        format!("formatted {total} {}: {changed} changed", noun(total))
    };
    if failed > 0 {
        summary.push_str(&format!(", {failed} left alone because of errors"));
    }
    eprintln!("{summary}");
    if failed > 0 || (args.check && changed > 0) {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}

fn format_one(path: &Path, text: &str, check: bool) -> Result<Outcome, ExitCode> {
    // `journeyc fmt` searches `.`; its files read better as `a/b.journey` than `./a/b.journey`.
    let name = path.strip_prefix(".").unwrap_or(path).display().to_string();
    let formatted = match format_source(FileId(0), text) {
        Ok(f) => f,
        Err(e) => {
            report(&name, text, e);
            return Ok(Outcome::Failed);
        }
    };
    if formatted == text {
        return Ok(Outcome::Unchanged);
    }
    if check {
        println!("{name}");
    } else if let Err(e) = output::write_atomic(path, formatted.as_bytes()) {
        eprintln!("error: cannot write `{name}`: {e}");
        return Err(ExitCode::from(EXIT_USAGE));
    }
    Ok(Outcome::Changed)
}

/// Reports a file that is there but is not formatted: text that is not UTF-8 (E0004) or a link
/// out of the project (never read). `None` for other errors, which stop the run.
fn unreadable(path: &Path, e: &std::io::Error) -> Option<()> {
    let name = path.strip_prefix(".").unwrap_or(path).display().to_string();
    match project::problem(e)? {
        FileProblem::NotUtf8 { text, offset, byte } => {
            let mut sources = SourceMap::new();
            let id = sources.add(SourceFile::new(name.as_str(), name.as_str(), text.as_str()));
            let mut all = Diagnostics::new();
            all.push(project::not_utf8_diagnostic(id, *offset, *byte));
            output::print_diagnostics(&all, &sources, MessageFormat::Human);
            eprintln!("error: `{name}` is not UTF-8 text; it was not formatted");
        }
        FileProblem::OutsideRoot { .. } => {
            eprintln!("error: `{name}`: {e}; it was not read");
        }
        _ => return None,
    }
    Some(())
}

fn run_stdin(check: bool) -> ExitCode {
    let text = match project::read_stdin() {
        Ok(t) => t,
        Err(e) if matches!(project::problem(&e), Some(FileProblem::NotUtf8 { .. })) => {
            let _ = unreadable(Path::new(project::STDIN_NAME), &e);
            return ExitCode::from(EXIT_PROBLEMS);
        }
        Err(e) => return output::usage_error(format!("cannot read standard input: {e}")),
    };
    match format_source(FileId(0), &text) {
        Ok(formatted) if check => {
            if formatted == text {
                ExitCode::SUCCESS
            } else {
                println!("<stdin>");
                ExitCode::from(EXIT_PROBLEMS)
            }
        }
        Ok(formatted) => {
            let _ = std::io::stdout().lock().write_all(formatted.as_bytes());
            ExitCode::SUCCESS
        }
        Err(e) => {
            report("<stdin>", &text, e);
            ExitCode::from(EXIT_PROBLEMS)
        }
    }
}

fn report(name: &str, text: &str, err: FormatError) {
    match err {
        FormatError::Syntax(diags) => {
            let mut sources = SourceMap::new();
            sources.add(SourceFile::new(name, name, text));
            let mut all = Diagnostics::new();
            all.extend(diags);
            output::print_diagnostics(&all, &sources, MessageFormat::Human);
            eprintln!("error: `{name}` has syntax errors; it was not formatted");
        }
        other => eprintln!("error: `{name}`: {other}"),
    }
}
