//! `journeyc check`.

use super::output::{self, MessageFormat, EXIT_PROBLEMS};
use clap::{Args, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Deny {
    /// Treat warnings as errors: exit 1 when any warning is reported.
    Warnings,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Files or directories to check; directories are searched recursively for `.journey`
    /// files. Defaults to the current directory. `-` reads a file from standard input.
    pub paths: Vec<PathBuf>,
    /// Fail on warnings too (for CI).
    #[arg(long, value_enum)]
    pub deny: Option<Deny>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub message_format: MessageFormat,
}

pub fn run(args: CheckArgs) -> ExitCode {
    let (project, checked) = match output::load_and_check(&args.paths) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let diags = &checked.diagnostics;
    output::print_diagnostics(diags, &project.sources, args.message_format);
    let failed = diags.has_errors() || (args.deny == Some(Deny::Warnings) && !diags.is_empty());
    if args.message_format == MessageFormat::Human {
        let files = project.sources.len();
        let noun = if files == 1 { "file" } else { "files" };
        if diags.is_empty() {
            eprintln!("checked {files} {noun}: no problems found");
        } else {
            eprintln!("checked {files} {noun}: {}", output::summary(diags));
        }
    }
    if failed {
        ExitCode::from(EXIT_PROBLEMS)
    } else {
        ExitCode::SUCCESS
    }
}
