//! `journeyc lsp`: runs the language server on stdin and stdout until the editor exits.

use clap::Args;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct LspArgs {
    /// Accepted for editors that pass it by habit; stdio is the only transport.
    #[arg(long)]
    pub stdio: bool,
}

pub fn run(_args: LspArgs) -> ExitCode {
    let log = |line: &str| eprintln!("journeyc lsp: {line}");
    let (connection, io_threads) = journeyc::lsp::transport::connect(
        std::io::BufReader::new(std::io::stdin()),
        std::io::stdout(),
        |line: &str| eprintln!("journeyc lsp: {line}"),
    );
    let ending = journeyc::lsp::run(&connection, &log);
    // Dropping the connection closes the writer, so the I/O threads can finish.
    drop(connection);
    let code = match ending {
        Ok(journeyc::lsp::Ending::Clean) => ExitCode::SUCCESS,
        Ok(journeyc::lsp::Ending::WithoutShutdown) => ExitCode::from(1),
        Err(e) => {
            log(&format!("stopped: {e}"));
            ExitCode::from(1)
        }
    };
    if let Err(e) = io_threads.join() {
        log(&format!("stdio: {e}"));
    }
    code
}
