//! Command-line interface: argument definitions and one module per command.

mod build;
mod check;
mod completions;
mod explain;
mod fmt;
mod graph;
mod lsp;
mod output;
mod run;
mod run_flags;
mod run_notes;
mod run_progress;
mod run_state;
mod simulate;
mod test;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// journeyc: check, build, test and simulate `.journey` customer-journey files.
#[derive(Parser, Debug)]
#[command(name = "journeyc", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// When to colour output: `auto` colours on a terminal, unless `NO_COLOR` is set (not
    /// empty); `CLICOLOR_FORCE` or `FORCE_COLOR` set (not empty, not `0`) colour off a terminal
    /// too. `always` and `never` override the environment.
    #[arg(
        long,
        value_enum,
        global = true,
        default_value = "auto",
        value_name = "WHEN"
    )]
    pub color: output::ColorChoice,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check files for errors and warnings without building anything.
    ///
    /// Every problem in every file is reported at once, sorted by position. Exit code 0 when
    /// clean, 1 when there are errors (or warnings with `--deny warnings`), 2 on usage or I/O
    /// errors.
    Check(check::CheckArgs),
    /// Build one JSON automation spec per journey into `--out-dir` (default `dist/`), or with
    /// `--target asl|bpmn` a Step Functions state machine or a BPMN 2.0 process per journey.
    ///
    /// Nothing is written when any file has errors. The same sources always give the same bytes,
    /// and each file is written whole (to a temporary file, then renamed). `--check` writes
    /// nothing and fails when a committed spec is missing, stale or orphaned.
    Build(build::BuildArgs),
    /// Draw a journey as a Mermaid (default) or Graphviz graph, stages as clusters.
    Graph(graph::GraphArgs),
    /// Explain a diagnostic code, with a wrong and a fixed example.
    Explain(explain::ExplainArgs),
    /// Run every `test` block: one line per test, a summary, exit 1 on any failure.
    ///
    /// Each test is one sample customer: the events written with `at`, on a simulated clock
    /// starting Monday 2026-01-05 09:00 UTC. A failure shows the expectation and the customer's
    /// timeline.
    Test(test::TestArgs),
    /// Replay an event log through a journey and write what it would have done.
    ///
    /// The log is JSON lines in the Segment style: `{"type": "track", "userId": "u1",
    /// "event": "signed_up", "timestamp": "2026-01-05T09:00:00Z", "properties": {...}}` and
    /// `identify` calls with `traits`. Output: one JSON line per action.
    Run(run::RunArgs),
    /// Run a `simulation` block: a synthetic cohort through its journey, reported as a funnel.
    ///
    /// Prints entries, each stage and step reached, sends and suppressions, contact pressure,
    /// milestones, goal conversion and each split variant's conversion with a 95% interval.
    /// The same seed gives the same bytes for any `--threads`. Exit 1 on errors in the file,
    /// 2 on usage errors.
    Simulate(simulate::SimulateArgs),
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
    /// Run the language server on stdin and stdout, for editors (`docs/lsp.md`).
    ///
    /// Diagnostics as you type, hover, go to definition, find references, completion and the
    /// outline of a file. Logs go to stderr.
    Lsp(lsp::LspArgs),
}

pub use output::verdict_on_cut_output;

pub fn run(cli: Cli) -> ExitCode {
    output::set_color(cli.color);
    match cli.command {
        Command::Check(a) => check::run(a),
        Command::Build(a) => build::run(a),
        Command::Graph(a) => graph::run(a),
        Command::Explain(a) => explain::run(a),
        Command::Test(a) => test::run(a),
        Command::Run(a) => run::run(a),
        Command::Simulate(a) => simulate::run(a),
        Command::Fmt(a) => fmt::run(a),
        Command::Completions(a) => completions::completions(a),
        Command::Man(a) => completions::man(a),
        Command::Lsp(a) => lsp::run(a),
    }
}
