//! `journeyc simulate`: runs a `simulation` block through its journey and prints the funnel.

use super::output::{self, MessageFormat, EXIT_PROBLEMS, EXIT_USAGE};
use clap::{Args, ValueEnum};
use journeyc::check::Checked;
use journeyc::interp::simulate::compare::{self, Comparison};
use journeyc::interp::simulate::paired::Pairs;
use journeyc::interp::simulate::{html, simulate, simulate_pair, text, Options, Report};
use journeyc::ir::lower::lower_journey;
use journeyc::ir::simulation::{lower_simulation, Simulation};
use journeyc::ir::Journey;
use journeyc::project::Project;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// A report for people.
    Text,
    /// One JSON document with the keys documented in docs/simulation.md.
    Json,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The `.journey` file holding the simulation (and the journey, or an import of it); `-`
    /// reads it from standard input.
    pub file: PathBuf,
    /// Which simulation to run, when the file has several.
    #[arg(long, value_name = "NAME")]
    pub simulation: Option<String>,
    /// Run only this journey of the simulation's (repeat to keep several). A simulation of
    /// several journeys runs them together, caps shared; with one left, it runs alone.
    #[arg(long = "journey", value_name = "NAME")]
    pub journeys: Vec<String>,
    /// How many customers (overrides the block's `customers`; default 10000 if neither says).
    #[arg(long, value_name = "N", value_parser = customers)]
    pub customers: Option<u64>,
    /// The random seed (overrides the block's `seed`; default 0).
    #[arg(long, value_name = "S")]
    pub seed: Option<u64>,
    /// Worker threads (default: the number of cores). The report does not depend on it.
    #[arg(long, value_name = "T", value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub threads: Option<u64>,
    /// The report's format on stdout.
    #[arg(long, value_enum, default_value_t = ReportFormat::Text)]
    pub format: ReportFormat,
    /// Also write a self-contained HTML report (funnel chart and tables) to this file.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Run the same simulation on this file's version of the journey too, and compare.
    ///
    /// Every customer goes through both versions with the same draws, so each change in a
    /// step, the goal or contact pressure comes with a 95% interval built from the customers the
    /// edit changed (paired), when both versions let in the same customers.
    #[arg(long, value_name = "OTHER_FILE")]
    pub compare: Option<PathBuf>,
}

/// `--customers`: a whole number from 1 to `MAX_CUSTOMERS` (a larger one is a typo or an
/// overflow, and would run for a long time with no sign of life off a terminal).
fn customers(s: &str) -> Result<u64, String> {
    use journeyc::ir::simulation::MAX_CUSTOMERS;
    let n: u64 = s
        .replace('_', "")
        .parse()
        .map_err(|_| format!("`{s}` is not a whole number of customers"))?;
    if n == 0 || n > MAX_CUSTOMERS {
        return Err(format!(
            "a simulation runs 1 to {MAX_CUSTOMERS} (100 million) customers; a larger number is most likely a typo, and the report's percentages stop moving long before (see docs/limits.md)"
        ));
    }
    Ok(n)
}

/// Runs with more customers than this show a progress bar (on a terminal only).
const PROGRESS_FROM: u64 = 200_000;

fn load(path: &Path) -> Result<(Project, Checked), ExitCode> {
    let (project, checked) = output::load_and_check(&[path.to_path_buf()])?;
    if checked.diagnostics.has_errors() {
        output::print_diagnostics(&checked.diagnostics, &project.sources, MessageFormat::Human);
        eprintln!(
            "error: {} has errors ({}); fix them before simulating",
            path.display(),
            output::summary(&checked.diagnostics)
        );
        return Err(ExitCode::from(EXIT_PROBLEMS));
    }
    Ok((project, checked))
}

fn fail(code: u8, message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(code)
}

/// The simulation to run: the one named, or the only one.
fn pick(checked: &Checked, file: &Path, name: Option<&str>) -> Result<Simulation, ExitCode> {
    let mut names: Vec<&str> = Vec::new();
    for m in &checked.models {
        for n in m.simulations.keys() {
            if !names.contains(&n.as_str()) {
                names.push(n);
            }
        }
    }
    let chosen = match (name, names.as_slice()) {
        (_, []) => {
            return Err(fail(
                EXIT_PROBLEMS,
                format!(
                    "{} has no `simulation` block; add one (see docs/simulation.md)",
                    file.display()
                ),
            ))
        }
        (Some(n), _) if names.contains(&n) => n.to_string(),
        (Some(n), _) => {
            let hint = match journeyc::diagnostics::did_you_mean(n, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("the simulations are {}", names.join(", ")),
            };
            return Err(fail(
                EXIT_USAGE,
                format!("no simulation named `{n}`: {hint}"),
            ));
        }
        (None, [one]) => one.to_string(),
        (None, many) => {
            return Err(fail(
                EXIT_USAGE,
                format!(
                    "{} has {} simulations ({}): pick one with `--simulation NAME`",
                    file.display(),
                    many.len(),
                    many.join(", ")
                ),
            ))
        }
    };
    for m in &checked.models {
        if let Some(def) = m.simulations.get(&chosen) {
            if let Some(sim) = lower_simulation(m, def) {
                return Ok(sim);
            }
        }
    }
    Err(fail(
        EXIT_PROBLEMS,
        format!("simulation `{chosen}` does not name a journey"),
    ))
}

/// The journey named `name`, lowered from the first unit that declares it.
fn journey(
    project: &Project,
    checked: &Checked,
    name: &str,
    file: &Path,
) -> Result<Journey, ExitCode> {
    for m in &checked.models {
        if let Some(j) = m.journeys.get(name) {
            return Ok(lower_journey(m, j, &project.sources));
        }
    }
    Err(fail(
        EXIT_PROBLEMS,
        format!("{} has no journey named `{name}`", file.display()),
    ))
}

/// Runs one simulation per journey given, showing a progress bar when it is worth one.
/// The reports of one journey, or of two versions run customer by customer with what changed.
type Runs = (Vec<Report>, Option<Pairs>);

fn run_all(journeys: &[&Journey], sim: &Simulation, opts: Options) -> Result<Runs, String> {
    with_progress(opts.customers, |progress| match journeys {
        [before, after] => simulate_pair(before, after, sim, opts, progress)
            .map(|(a, b, pairs)| (vec![a, b], Some(pairs)))
            .map_err(|e| e.to_string()),
        _ => journeys
            .iter()
            .map(|j| simulate(j, sim, opts, progress).map_err(|e| e.to_string()))
            .collect::<Result<Vec<_>, _>>()
            .map(|reports| (reports, None)),
    })
}

/// Runs `work` on a thread of its own and, on a terminal (not in CI) for runs of at least
/// [`PROGRESS_FROM`] customers, shows a progress bar fed by the counter `work` advances.
fn with_progress<T: Send>(
    total: u64,
    work: impl FnOnce(&AtomicU64) -> Result<T, String> + Send,
) -> Result<T, String> {
    // `CI` read as the tests read it: unset, empty, `0` or `false` mean not in CI.
    let in_ci = std::env::var("CI")
        .is_ok_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false"));
    let show = std::io::stderr().is_terminal() && !in_ci && total >= PROGRESS_FROM;
    let progress = AtomicU64::new(0);
    std::thread::scope(|s| {
        let worker = s.spawn(|| work(&progress));
        if show {
            let bar = indicatif::ProgressBar::new(total);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {human_pos}/{human_len} customers, eta {eta}",
            ) {
                bar.set_style(style);
            }
            while !worker.is_finished() {
                bar.set_position(progress.load(Ordering::Relaxed));
                std::thread::sleep(std::time::Duration::from_millis(100));
            }
            bar.finish_and_clear();
        }
        worker
            .join()
            .unwrap_or_else(|_| Err("the simulation stopped unexpectedly".to_string()))
    })
}

/// Keeps the journeys `--journey` names (all when none); the first kept is the arrival journey.
fn narrow(sim: &mut Simulation, keep: &[String]) -> Result<(), ExitCode> {
    if keep.is_empty() {
        return Ok(());
    }
    for k in keep {
        if !sim.journeys.contains(k) {
            let hint = match journeyc::diagnostics::did_you_mean(
                k,
                sim.journeys.iter().map(String::as_str),
            ) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("it runs {}", sim.journeys.join(", ")),
            };
            return Err(fail(
                EXIT_USAGE,
                format!(
                    "simulation `{}` does not run journey `{k}`: {hint}",
                    sim.name
                ),
            ));
        }
    }
    sim.journeys.retain(|j| keep.contains(j));
    if let Some(first) = sim.journeys.first() {
        sim.journey = first.clone();
    }
    Ok(())
}

fn threads(args: &SimulateArgs) -> usize {
    args.threads.map(|t| t as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    })
}

/// Several journeys together: one world per customer, one report per journey and contact
/// pressure across them.
fn run_world(
    args: &SimulateArgs,
    project: &Project,
    checked: &Checked,
    sim: &Simulation,
) -> ExitCode {
    if args.compare.is_some() {
        return fail(
            EXIT_USAGE,
            format!(
                "--compare compares two versions of one journey, and simulation `{}` runs {}: pick one with `--journey NAME`",
                sim.name,
                sim.journeys.join(", ")
            ),
        );
    }
    let mut journeys = Vec::with_capacity(sim.journeys.len());
    for name in &sim.journeys {
        match journey(project, checked, name, &args.file) {
            Ok(j) => journeys.push(j),
            Err(code) => return code,
        }
    }
    let opts = Options {
        customers: args.customers.or(sim.customers).unwrap_or(10_000),
        seed: args.seed.or(sim.seed).unwrap_or(0),
        threads: threads(args),
    };
    let result = with_progress(opts.customers, |progress| {
        journeyc::interp::simulate::simulate_world(&journeys, sim, opts, progress)
            .map_err(|e| e.to_string())
    });
    let report = match result {
        Ok(r) => r,
        Err(e) => return fail(EXIT_PROBLEMS, e),
    };
    if let Some(path) = &args.html {
        let page = html::render_world(&report);
        if let Err(e) = output::write_atomic(path, page.as_bytes()) {
            return fail(EXIT_USAGE, format!("cannot write {}: {e}", path.display()));
        }
    }
    let out = match args.format {
        ReportFormat::Text => journeyc::interp::simulate::pressure::render(&report),
        ReportFormat::Json => json(&report),
    };
    let _ = std::io::stdout().lock().write_all(out.as_bytes());
    ExitCode::SUCCESS
}

pub fn run(args: SimulateArgs) -> ExitCode {
    let stdin = |p: &Path| p.as_os_str() == journeyc::project::STDIN_PATH;
    if stdin(&args.file) && args.compare.as_deref().is_some_and(stdin) {
        return fail(
            EXIT_USAGE,
            "`-` (standard input) is given as both versions, and standard input can be read only once\nhelp: save one version to a file and give its path",
        );
    }
    if let Some(html) = &args.html {
        let inputs: Vec<&Path> = std::iter::once(args.file.as_path())
            .chain(args.compare.as_deref())
            .collect();
        if let Err(code) = output::refuse_overwrite("--html", html, &inputs) {
            return code;
        }
    }
    let (project, checked) = match load(&args.file) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let sim = match pick(&checked, &args.file, args.simulation.as_deref()) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut sim = sim;
    if let Err(code) = narrow(&mut sim, &args.journeys) {
        return code;
    }
    if sim.journeys.len() > 1 {
        return run_world(&args, &project, &checked, &sim);
    }
    let before = match journey(&project, &checked, &sim.journey, &args.file) {
        Ok(j) => j,
        Err(code) => return code,
    };
    let after = match &args.compare {
        None => None,
        Some(other) => {
            let (p2, c2) = match load(other) {
                Ok(v) => v,
                Err(code) => return code,
            };
            match journey(&p2, &c2, &sim.journey, other) {
                Ok(j) => {
                    let misfits = journeyc::ir::fit::misfits(&sim, &j);
                    if !misfits.is_empty() {
                        return fail(
                            EXIT_PROBLEMS,
                            format!(
                                "simulation `{}` of {} cannot run on `{}` in {}:\n  {}\nhelp: --compare runs one population and behaviour on both versions, so the customer schema they use must be the same",
                                sim.name,
                                args.file.display(),
                                sim.journey,
                                other.display(),
                                misfits.join("\n  ")
                            ),
                        );
                    }
                    Some(j)
                }
                Err(code) => return code,
            }
        }
    };
    let threads = args.threads.map(|t| t as usize).unwrap_or_else(|| {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    });
    let opts = Options {
        customers: args.customers.or(sim.customers).unwrap_or(10_000),
        seed: args.seed.or(sim.seed).unwrap_or(0),
        threads,
    };
    let journeys: Vec<&Journey> = std::iter::once(&before).chain(after.as_ref()).collect();
    let (mut reports, pairs) = match run_all(&journeys, &sim, opts) {
        Ok(r) => r,
        Err(e) => return fail(EXIT_PROBLEMS, e),
    };
    let (stdout_text, html_text) = if reports.len() == 2 {
        let after = reports.pop();
        let before = reports.pop();
        let (Some(before), Some(after)) = (before, after) else {
            return fail(EXIT_PROBLEMS, "the comparison produced no report");
        };
        let c = Comparison::build(before, after, pairs.as_ref());
        let out = match args.format {
            ReportFormat::Text => compare::render(&c),
            ReportFormat::Json => json(&c),
        };
        (out, args.html.as_ref().map(|_| html::render_compare(&c)))
    } else {
        let Some(r) = reports.pop() else {
            return fail(EXIT_PROBLEMS, "the simulation produced no report");
        };
        let out = match args.format {
            ReportFormat::Text => text::render(&r),
            ReportFormat::Json => json(&r),
        };
        (out, args.html.as_ref().map(|_| html::render(&r)))
    };
    if let (Some(path), Some(page)) = (&args.html, html_text) {
        if let Err(e) = output::write_atomic(path, page.as_bytes()) {
            return fail(EXIT_USAGE, format!("cannot write {}: {e}", path.display()));
        }
    }
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(stdout_text.as_bytes());
    ExitCode::SUCCESS
}

/// The report as JSON, with fractions rounded to 6 decimals: more digits carry no meaning
/// and would make reports differ in their last digit between platforms' maths libraries.
fn json<T: serde::Serialize>(v: &T) -> String {
    let mut value = serde_json::to_value(v).unwrap_or(serde_json::Value::Null);
    round_floats(&mut value);
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_else(|_| String::from("{}"));
    s.push('\n');
    s
}

fn round_floats(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Number(n) if n.is_f64() => {
            if let Some(r) = n
                .as_f64()
                .map(|x| (x * 1e6).round() / 1e6)
                .and_then(serde_json::Number::from_f64)
            {
                *n = r;
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(round_floats),
        serde_json::Value::Object(map) => map.values_mut().for_each(round_floats),
        _ => {}
    }
}
