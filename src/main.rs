//! The `journeyc` binary: parses arguments, runs a command of the library, renders what it
//! returns and maps the outcome to an exit code (0 success, 1 problems found, 2 usage or I/O).

/// `eprintln!` and `eprint!` for the whole binary, written so that a standard error whose
/// reader has gone (`journeyc check 2>&1 | head -1` once `head` exits) loses the message
/// instead of panicking: the command still ends with its own verdict. Defined before `mod
/// cli` so that, by textual scope, they take the place of the standard library's macros there.
macro_rules! eprintln {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::writeln!(::std::io::stderr(), $($arg)*);
    }};
}

#[allow(unused_macros)] // kept so that an `eprint!` added later cannot panic either
macro_rules! eprint {
    ($($arg:tt)*) => {{
        use ::std::io::Write as _;
        let _ = ::std::write!(::std::io::stderr(), $($arg)*);
    }};
}

mod cli;

use clap::Parser;
use std::any::Any;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args = cli::Cli::parse();
    // `println!` panics when the reader of standard output has gone (`journeyc explain | head
    // -1`): that is the reader's choice, not a failure, so it ends the run quietly with exit 0,
    // the way commands that ignore a failed write (`build --stdout`) already end.
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !info.payload_as_str().is_some_and(is_closed_stdout) {
            report(info);
        }
    }));
    // Deeply nested input is rejected by the parser, but the checker and interpreter still
    // recurse over the tree: give them a generous stack.
    let worker = std::thread::Builder::new()
        .name("journeyc".into())
        .stack_size(256 * 1024 * 1024)
        .spawn(move || cli::run(args));
    match worker.map(|h| h.join()) {
        Ok(Ok(code)) => code,
        Ok(Err(payload)) if panic_message(&*payload).is_some_and(is_closed_stdout) => {
            ExitCode::from(cli::verdict_on_cut_output())
        }
        _ => {
            eprintln!("error: journeyc stopped unexpectedly; please report this with the input that caused it");
            ExitCode::from(2)
        }
    }
}

fn panic_message(payload: &(dyn Any + Send)) -> Option<&str> {
    payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
}

/// Whether a panic is `print!`'s on a standard output whose pipe was closed (and not, say, a
/// full disk, which stays an error).
fn is_closed_stdout(message: &str) -> bool {
    message.starts_with("failed printing to stdout") && message.contains(BROKEN_PIPE)
}

/// How the OS error of a write to a closed pipe reads in a panic message.
#[cfg(windows)]
const BROKEN_PIPE: &str = "(os error 232)";
#[cfg(not(windows))]
const BROKEN_PIPE: &str = "(os error 32)";
