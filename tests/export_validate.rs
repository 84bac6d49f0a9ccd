//! Independent validation of the exports: every example's (and the export fixtures') state
//! machine passes the `asl-validator` npm package, and every BPMN process parses and validates
//! in SpiffWorkflow's BPMN parser. Neither tool was written by us.

mod export_tools;
mod tool_runner;

use journeyc::export::asl::{to_asl, AslOptions};
use std::process::Command;

/// The journeys to validate, with a file name prefix: the world fixture (several journeys of
/// one customer, `tests/export_differential.rs`) reuses names of the examples.
fn journeys() -> Vec<(&'static str, journeyc::ir::Journey)> {
    let world = export_tools::journeys_in(&["tests/fixtures/export_world"]);
    export_tools::export_journeys()
        .into_iter()
        .map(|j| ("", j))
        .chain(world.into_iter().map(|j| ("world.", j)))
        .collect()
}

fn every_example_state_machine_passes_asl_validator() -> Result<(), tool_runner::Skip> {
    let script = export_tools::asl_validator()?;
    let dir = export_tools::scratch("asl_validate");
    let mut files = Vec::new();
    for (prefix, j) in journeys() {
        let text = to_asl(&j, &AslOptions::default()).expect("every example exports to ASL");
        let path = dir.join(format!("{prefix}{}.asl.json", j.name));
        std::fs::write(&path, text).expect("write the state machine");
        files.push(path);
    }
    assert!(files.len() >= 5, "all examples and the fixture exported");
    let out = Command::new("node")
        .arg(&script)
        .args(&files)
        .output()
        .expect("run node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "asl-validator rejected a state machine:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches(": valid").count(), files.len(), "{stdout}");
    Ok(())
}

fn every_example_process_parses_and_validates_in_spiffworkflow() -> Result<(), tool_runner::Skip> {
    let python = export_tools::python()?;
    let dir = export_tools::scratch("bpmn_validate");
    let mut files = Vec::new();
    for (prefix, j) in journeys() {
        let text = journeyc::export::bpmn::to_bpmn(&j).expect("every example exports to BPMN");
        let path = dir.join(format!("{prefix}{}.bpmn", j.name));
        std::fs::write(&path, text).expect("write the process");
        files.push(path);
    }
    let out = Command::new(python)
        .arg(export_tools::root().join("exports/test/validate_bpmn.py"))
        .args(&files)
        .output()
        .expect("run python");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "SpiffWorkflow rejected a process:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout.matches(": valid").count(), files.len(), "{stdout}");
    Ok(())
}

// `harness = false` (Cargo.toml): tests/tool_runner shows a missing engine as a skip.
tool_runner::tool_tests![
    every_example_state_machine_passes_asl_validator,
    every_example_process_parses_and_validates_in_spiffworkflow,
];
