//! Command-line interface: argument definitions and one module per command.

mod build;
mod check;
mod explain;
mod graph;
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
    /// Build one JSON automation spec per journey into `--out-dir` (default `dist/`).
    ///
    /// Nothing is written when any file has errors. The same sources always give the same bytes,
    /// and each file is written whole (to a temporary file, then renamed). `--check` writes
    /// nothing and fails when a committed spec is missing, stale or orphaned.
    Build(build::BuildArgs),
    /// Draw a journey as a Mermaid (default) or Graphviz graph, stages as clusters.
    Graph(graph::GraphArgs),
    /// Explain a diagnostic code, with a wrong and a fixed example.
    Explain(explain::ExplainArgs),
}

pub fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Build(a) => build::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Explain(a) => explain::run(a),
    }
}
