//! Finding the external engines the export tests drive: `asl-validator` (npm, in
//! `exports/test/node_modules`) and SpiffWorkflow and moto (PyPI, in the virtual environment
//! `$CARGO_TARGET_DIR/pyenv`, by default `target/pyenv`). `.ci/run` installs both. Without them a
//! test returns [`Skip`] with how to install them; the runner (`tests/tool_runner`) shows it as
//! skipped, or fails it under `CI`: CI must run them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use crate::tool_runner::Skip;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Where cargo builds: `CARGO_TARGET_DIR`, or `target/` of the project.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// `Ok(path)` when `path` exists; otherwise why the test cannot run and how to install it.
fn require(path: PathBuf, what: &str) -> Result<PathBuf, Skip> {
    if path.exists() {
        return Ok(path);
    }
    let pyenv = target_dir().join("pyenv");
    Err(Skip(format!(
        "{what} not found at {}: install the engines with `npm ci --prefix exports/test` and \
         `python3.11 -m venv {pyenv} && {pyenv}/bin/pip install -r exports/test/requirements.txt` \
         (what .ci/run does)",
        path.display(),
        pyenv = pyenv.display()
    )))
}

/// The asl-validator script, when the npm packages are installed.
pub fn asl_validator() -> Result<PathBuf, Skip> {
    require(
        root().join("exports/test/node_modules/asl-validator"),
        "asl-validator",
    )?;
    Ok(root().join("exports/test/validate_asl.js"))
}

/// The virtual environment's Python, when it is installed.
pub fn python() -> Result<PathBuf, Skip> {
    require(
        target_dir().join("pyenv/bin/python"),
        "the Python environment",
    )
}

/// The example journeys, compiled.
pub fn examples() -> Vec<journeyc::ir::Journey> {
    journeys_in(&["examples"])
}

/// The journeys the exports are tested on: the examples, and `tests/fixtures/export`, which
/// holds the constructs the examples leave out (caps that suppress, `clicked()`, a loop).
pub fn export_journeys() -> Vec<journeyc::ir::Journey> {
    journeys_in(&["examples", "tests/fixtures/export"])
}

/// The journeys of folders under the project root, compiled.
pub fn journeys_in(dirs: &[&str]) -> Vec<journeyc::ir::Journey> {
    let mut out = Vec::new();
    for dir in dirs {
        let compiled = journeyc::compile(&[root().join(dir)]).expect("load the journeys");
        assert!(!compiled.diagnostics.has_errors(), "{dir} has errors");
        out.extend(compiled.journeys);
    }
    out
}

/// A fresh scratch folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("export")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create a scratch folder");
    dir
}
