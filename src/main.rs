//! The `journeyc` binary: parses arguments, runs a command of the library, renders what it
//! returns and maps the outcome to an exit code (0 success, 1 problems found, 2 usage or I/O).

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // Deeply nested input is rejected by the parser, but the checker and interpreter still
    // recurse over the tree: give them a generous stack.
    let worker = std::thread::Builder::new()
        .name("journeyc".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || cli::run(args));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        _ => {
            eprintln!("error: journeyc stopped unexpectedly; please report this with the input that caused it");
            ExitCode::from(2)
        }
    }
}
