//! `journeyc completions SHELL` and `journeyc man [COMMAND]`: generated from the clap
//! definitions, so they never drift from the real arguments.

use clap::{Args, CommandFactory};
use std::io::Write;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct CompletionsArgs {
    /// The shell to print a completion script for.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

pub fn completions(args: CompletionsArgs) -> ExitCode {
    let mut cmd = super::Cli::command();
    // Generated whole first: clap_complete panics on a failed write, and a closed pipe
    // (`journeyc completions bash | head`) must end quietly, as for every command.
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut cmd, "journeyc", &mut script);
    let _ = std::io::stdout().lock().write_all(&script);
    ExitCode::SUCCESS
}

#[derive(Args, Debug)]
pub struct ManArgs {
    /// A command to print the page of (`journeyc-check(1)`); without one, the main page.
    pub command: Option<String>,
}

pub fn man(args: ManArgs) -> ExitCode {
    let mut cmd = super::Cli::command();
    cmd.build();
    let page = match &args.command {
        None => cmd,
        Some(name) => match cmd.find_subcommand(name) {
            // After `build`, a subcommand's display name is `journeyc-NAME`, which the page uses.
            Some(sub) => sub.clone(),
            None => {
                return super::output::usage_error(format!("`{name}` is not a journeyc command"))
            }
        },
    };
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(page).render(&mut out) {
        return super::output::usage_error(format!("cannot render the man page: {e}"));
    }
    let _ = std::io::stdout().lock().write_all(&out);
    ExitCode::SUCCESS
}
