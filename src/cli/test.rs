//! `journeyc test`: runs every `test` block like `cargo test`.

use super::output::{self, MessageFormat, EXIT_PROBLEMS};
use clap::Args;
use journeyc::interp::program::Program;
use journeyc::interp::scenario::TEST_EPOCH;
use journeyc::interp::time::format_duration;
use journeyc::interp::world::scenario::{self as world_scenario, Outcome};
use journeyc::interp::world::{self, Cast};
use journeyc::ir::scenario::lower_test;
use journeyc::source::SourceMap;
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
    /// Run only this journey (its tests, with no other journey beside it).
    #[arg(long, value_name = "NAME")]
    pub journey: Option<String>,
}

struct Ran {
    label: String,
    file: journeyc::source::FileId,
    /// The unit whose journeys ran together (an index into the compiled units).
    unit: usize,
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
    let mut units: Vec<Vec<Program>> = Vec::new();
    let mut ran: Vec<Ran> = Vec::new();
    let mut filtered = 0usize;
    for model in &checked.models {
        // Every journey of the unit runs for the test's customer (one world).
        let mut programs = Vec::new();
        for journey in model.journeys.values() {
            if args.journey.as_deref().is_some_and(|n| n != journey.name) {
                continue;
            }
            let ir = journeyc::ir::lower::lower_journey(model, journey, &project.sources);
            match Program::compile(&ir) {
                Ok(p) => programs.push(p),
                Err(e) => return output::usage_error(e),
            }
        }
        units.push(programs);
        let unit = units.len() - 1;
        let cast = Cast::new(&units[unit]);
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
            let Some(focus) = cast.journey(&sc.journey) else {
                filtered += usize::from(args.journey.is_some());
                continue;
            };
            let outcome = world_scenario::run(&cast, focus, &sc);
            let label = format!(
                "{}: {}",
                project.sources.get(test.file).name,
                one_line(&test.name)
            );
            ran.push(Ran {
                label,
                file: test.file,
                unit,
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
            print_failure(r, &units[r.unit], &project.sources);
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

fn print_failure(r: &Ran, programs: &[Program], sources: &SourceMap) {
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
    for e in &r.outcome.timeline {
        let (h, program) = (&e.happening, &programs[e.journey]);
        let node = h.node.map(|n| program.node_id(n)).unwrap_or("");
        // With several journeys, each line says whose it is.
        let node = if programs.len() > 1 {
            format!("{}: {node}", program.ir.name)
        } else {
            node.to_string()
        };
        // An instance of a keyed journey (`per FIELD`) says which key it is.
        let node = match (&e.key, &program.ir.per) {
            (Some(k), Some(f)) => format!("[{f} {k}] {node}"),
            _ => node,
        };
        let when = format!("+{}", format_duration(h.time - TEST_EPOCH));
        println!(
            "  {when:<10} {node:<36} {}",
            world::describe(programs, e.journey, h.node, &h.action)
        );
    }
}
