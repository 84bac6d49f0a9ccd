//! `journeyc test`: runs every `test` block like `cargo test`.

use super::output::{self, MessageFormat, EXIT_PROBLEMS};
use clap::Args;
use journeyc::interp::describe::describe;
use journeyc::interp::program::Program;
use journeyc::interp::scenario::{self, Outcome, TEST_EPOCH};
use journeyc::interp::time::format_duration;
use journeyc::ir::scenario::lower_test;
use journeyc::source::SourceMap;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Args, Debug)]
pub struct TestArgs {
    /// Files or directories holding journeys and their tests. Defaults to the current directory.
    /// `-` reads a file from standard input.
    pub paths: Vec<PathBuf>,
    /// Run only the tests whose name contains this text.
    #[arg(long)]
    pub filter: Option<String>,
}

struct Ran {
    label: String,
    file: journeyc::source::FileId,
    program: usize,
    outcome: Outcome,
}

pub fn run(args: TestArgs) -> ExitCode {
    let (project, checked) = match output::load_and_check(&args.paths) {
        Ok(v) => v,
        Err(code) => return code,
    };
    if checked.diagnostics.has_errors() {
        output::print_diagnostics(&checked.diagnostics, &project.sources, MessageFormat::Human);
        eprintln!(
            "error: the journeys have errors ({}); fix them before running tests",
            output::summary(&checked.diagnostics)
        );
        return ExitCode::from(EXIT_PROBLEMS);
    }
    let mut programs: Vec<Program> = Vec::new();
    let mut ran: Vec<Ran> = Vec::new();
    let mut filtered = 0usize;
    for model in &checked.models {
        let mut by_name: BTreeMap<&str, usize> = BTreeMap::new();
        for test in &model.tests {
            if args
                .filter
                .as_deref()
                .is_some_and(|f| !test.name.contains(f))
            {
                filtered += 1;
                continue;
            }
            let Some(sc) = lower_test(model, test) else {
                continue;
            };
            let Some(journey) = model.journeys.get(&sc.journey) else {
                continue;
            };
            let index = match by_name.get(sc.journey.as_str()) {
                Some(i) => *i,
                None => {
                    let ir = journeyc::ir::lower::lower_journey(model, journey, &project.sources);
                    match Program::compile(&ir) {
                        Ok(p) => {
                            programs.push(p);
                            by_name.insert(journey.name.as_str(), programs.len() - 1);
                            programs.len() - 1
                        }
                        Err(e) => return output::usage_error(e),
                    }
                }
            };
            let outcome = scenario::run(&programs[index], &sc);
            let label = format!(
                "{}: {}",
                project.sources.get(test.file).name,
                one_line(&test.name)
            );
            ran.push(Ran {
                label,
                file: test.file,
                program: index,
                outcome,
            });
        }
    }
    let any_failed = ran.iter().any(|r| !r.outcome.passed());
    output::verdict_if_output_cut(if any_failed { EXIT_PROBLEMS } else { 0 });
    println!(
        "\nrunning {} test{}",
        ran.len(),
        if ran.len() == 1 { "" } else { "s" }
    );
    for r in &ran {
        println!(
            "test {} ... {}",
            r.label,
            if r.outcome.passed() { "ok" } else { "FAILED" }
        );
    }
    let failed: Vec<&Ran> = ran.iter().filter(|r| !r.outcome.passed()).collect();
    if !failed.is_empty() {
        println!("\nfailures:");
        for r in &failed {
            print_failure(r, &programs[r.program], &project.sources);
        }
    }
    let passed = ran.len() - failed.len();
    let status = if failed.is_empty() { "ok" } else { "FAILED" };
    println!(
        "\ntest result: {status}. {passed} passed; {} failed; {filtered} filtered out",
        failed.len()
    );
    println!("{passed} passed, {} failed", failed.len());
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_PROBLEMS)
    }
}

/// A test name as one line: control characters (a `\n` in the name) are shown escaped, so
/// each test keeps its one line of output.
fn one_line(name: &str) -> String {
    name.chars()
        .flat_map(|c| {
            if c.is_control() {
                c.escape_default().collect::<Vec<_>>()
            } else {
                vec![c]
            }
        })
        .collect()
}

fn print_failure(r: &Ran, program: &Program, sources: &SourceMap) {
    let file = sources.get(r.file);
    println!("\n---- {} ----", r.label);
    for f in &r.outcome.failures {
        let span = f.expectation.span;
        let (line, col) = file.line_col(span.start);
        let text = file.text.get(span.start..span.end).unwrap_or("").trim();
        println!("expectation failed: `{text}`: {}", f.message);
        println!("  --> {}:{line}:{col}", file.name);
    }
    for e in &r.outcome.runtime_errors {
        println!("{e}");
    }
    println!("timeline of the test customer:");
    if r.outcome.timeline.is_empty() {
        println!("  (nothing happened: did the trigger event arrive and its condition hold?)");
    }
    for h in &r.outcome.timeline {
        let node = h.node.map(|n| program.node_id(n)).unwrap_or("");
        let when = format!("+{}", format_duration(h.time - TEST_EPOCH));
        println!(
            "  {when:<10} {node:<36} {}",
            describe(program, h.node, &h.action)
        );
    }
}
