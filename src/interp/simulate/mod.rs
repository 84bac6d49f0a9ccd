//! Monte Carlo simulation: a synthetic cohort run through a journey on the interpreter.
//!
//! [`model`] compiles the population and behaviour model to tables, [`rng`] gives each customer
//! its own random stream, [`runner`] moves customers through the engine on worker threads,
//! [`tally`] counts on the fly (by customer time zone too, in [`zones`], for a project that
//! reads zones), [`report`] turns the counts into rates and intervals ([`stats`], [`hist`]), and
//! [`text`], [`html`] and [`compare`] write them. JSON is the report serialised.
//! The model is defined in `docs/simulation.md`.

pub mod compare;
pub mod decimal_draw;
pub mod hist;
pub mod html;
pub mod html_chart;
pub mod html_compare;
pub mod html_zones;
pub mod keys;
pub mod model;
pub mod paired;
pub mod pressure;
pub mod report;
pub mod rng;
pub mod runner;
pub mod stats;
pub mod tally;
pub mod text;
pub mod world;
pub mod zones;

use crate::ir::simulation::Simulation;
use crate::ir::Journey;
use std::sync::atomic::AtomicU64;

pub use report::Report;

/// Why a simulation cannot run.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error("a simulation needs at least one customer")]
    NoCustomers,
    #[error("{0}")]
    Model(String),
}

/// How to run: the simulation block's values after command-line overrides.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    pub customers: u64,
    pub seed: u64,
    pub threads: usize,
}

impl Options {
    /// Calls `run` with the customer count, seed and threads, once the count is known to be one
    /// a simulation can run (every entry point below checks it the same way).
    fn run<T>(
        self,
        run: impl FnOnce(u64, u64, usize) -> Result<T, SimError>,
    ) -> Result<T, SimError> {
        if self.customers == 0 {
            return Err(SimError::NoCustomers);
        }
        run(self.customers, self.seed, self.threads)
    }
}

/// Runs the simulation on `journey` and builds its report. `progress` counts customers done.
pub fn simulate(
    journey: &Journey,
    sim: &Simulation,
    opts: Options,
    progress: &AtomicU64,
) -> Result<Report, SimError> {
    // A keyed journey (`per FIELD`) runs in a world, which holds its instances.
    if journey.per.is_some() {
        let journeys = std::slice::from_ref(journey);
        let agg =
            opts.run(|n, seed, threads| world::run(journeys, sim, n, seed, threads, progress))?;
        let Some(agg) = agg.journeys.first() else {
            return Err(SimError::Model("no journey to simulate".to_string()));
        };
        return report(journey, sim, opts, agg);
    }
    let agg = opts.run(|n, seed, threads| runner::run(journey, sim, n, seed, threads, progress))?;
    report(journey, sim, opts, &agg)
}

/// Runs the simulation on several journeys together, one world per customer (see [`world`]):
/// each journey's report and contact pressure across them.
pub fn simulate_world(
    journeys: &[Journey],
    sim: &Simulation,
    opts: Options,
    progress: &AtomicU64,
) -> Result<pressure::WorldReport, SimError> {
    let agg = opts.run(|n, seed, threads| world::run(journeys, sim, n, seed, threads, progress))?;
    let programs = journeys
        .iter()
        .map(compile)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(pressure::WorldReport::build(
        &programs,
        &sim.name,
        opts.customers,
        opts.seed,
        &agg,
    ))
}

/// The report of `journey`'s counts.
fn report(
    journey: &Journey,
    sim: &Simulation,
    opts: Options,
    agg: &tally::Aggregate,
) -> Result<Report, SimError> {
    Ok(Report::build(&compile(journey)?, &sim.name, opts.seed, agg))
}

/// The interpreter's program for `journey`, as every simulation run needs it.
fn compile(journey: &Journey) -> Result<crate::interp::program::Program, SimError> {
    crate::interp::program::Program::compile(journey).map_err(|e| SimError::Model(e.to_string()))
}

/// Runs the simulation on two versions of a journey, customer by customer (`--compare`): both
/// reports, and what the edit changed for the customers who entered both.
pub fn simulate_pair(
    before: &Journey,
    after: &Journey,
    sim: &Simulation,
    opts: Options,
    progress: &AtomicU64,
) -> Result<(Report, Report, paired::Pairs), SimError> {
    if before.per.is_some() || after.per.is_some() {
        return Err(SimError::Model(
            "--compare of a journey with `per FIELD` is not supported yet: simulate each version on its own".to_string(),
        ));
    }
    let (a, b, pairs) =
        opts.run(|n, seed, threads| paired::run(before, after, sim, n, seed, threads, progress))?;
    Ok((
        report(before, sim, opts, &a)?,
        report(after, sim, opts, &b)?,
        pairs,
    ))
}
