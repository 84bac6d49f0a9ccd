//! `journeyc explain CODE`.

use clap::Args;
use journeyc::diagnostics::codes;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// A diagnostic code such as `E0304` (case does not matter). Without one, lists every code.
    pub code: Option<String>,
}

pub fn run(args: ExplainArgs) -> ExitCode {
    let Some(code) = args.code else {
        for (code, title) in codes::ALL {
            println!("{code}  {title}");
        }
        return ExitCode::SUCCESS;
    };
    match codes::lookup(&code).and_then(|(c, _)| codes::explanation(c).map(|text| (c, text))) {
        Some((_, text)) => {
            println!("{}", text.trim_end());
            ExitCode::SUCCESS
        }
        None => {
            let known: Vec<&str> = codes::ALL.iter().map(|(c, _)| *c).collect();
            let hint =
                journeyc::diagnostics::did_you_mean(&code.to_uppercase(), known.iter().copied())
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
            eprintln!("error: `{code}` is not a journeyc diagnostic code{hint}; `journeyc explain` lists them all");
            ExitCode::from(super::output::EXIT_USAGE)
        }
    }
}
