//! Command-line interface: argument definitions and one module per command.

mod check;
mod completions;
mod explain;
mod fmt;
mod output;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// journeyc: check, build, test and simulate `.journey` customer-journey files.
#[derive(Parser, Debug)]
#[command(name = "journeyc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check files for errors and warnings without building anything.
    ///
    /// Every problem in every file is reported at once, sorted by position. Exit code 0 when
    /// clean, 1 when there are errors (or warnings with `--deny warnings`), 2 on usage or I/O
    /// errors.
    Check(check::CheckArgs),
    /// Explain a diagnostic code, with a wrong and a fixed example.
    Explain(explain::ExplainArgs),
    /// Format files in the one canonical layout, keeping every comment.
    ///
    /// Files are rewritten in place; with `--check` nothing is written and the files that would
    /// change are listed (exit code 1 if any). Files with syntax errors are never touched.
    Fmt(fmt::FmtArgs),
    /// Print a shell completion script for bash, zsh, fish, elvish or powershell.
    ///
    /// For example `journeyc completions bash > ~/.local/share/bash-completion/completions/journeyc`.
    Completions(completions::CompletionsArgs),
    /// Print the man page of journeyc or of one of its commands.
    ///
    /// For example `journeyc man | man -l -`, or `journeyc man check`.
    Man(completions::ManArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
    }
}
