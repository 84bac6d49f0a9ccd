//! `journeyc graph`: a journey's graph as Mermaid or Graphviz text on stdout.

use super::output::{self, MessageFormat, EXIT_PROBLEMS};
use clap::{Args, ValueEnum};
use journeyc::ir::graph;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// A Mermaid flowchart (renders in GitHub and GitLab markdown).
    Mermaid,
    /// Graphviz DOT (`dot -Tsvg`).
    Dot,
}

#[derive(Args, Debug)]
pub struct GraphArgs {
    /// The `.journey` file (or a directory) that holds the journey; `-` reads standard input.
    pub path: PathBuf,
    /// The journey to draw when the file holds several.
    #[arg(long, value_name = "NAME")]
    pub journey: Option<String>,
    /// The notation to write the graph in.
    #[arg(long, value_enum, default_value = "mermaid")]
    pub format: GraphFormat,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value = "human")]
    pub message_format: MessageFormat,
}

pub fn run(args: GraphArgs) -> ExitCode {
    let compiled = match output::compile(std::slice::from_ref(&args.path)) {
        Ok(c) => c,
        Err(code) => return code,
    };
    output::print_compile_diagnostics(&compiled, args.message_format, true);
    if compiled.diagnostics.has_errors() {
        return ExitCode::from(EXIT_PROBLEMS);
    }
    let journey = match output::pick_journey(&compiled.journeys, args.journey.as_deref()) {
        Ok(j) => j,
        Err(msg) => return output::usage_error(msg),
    };
    let text = match args.format {
        GraphFormat::Mermaid => graph::mermaid(journey),
        GraphFormat::Dot => graph::dot(journey),
    };
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
    ExitCode::SUCCESS
}
