//! Finding the external engines the export tests drive: `asl-validator` (npm, in
//! `exports/test/node_modules`) and SpiffWorkflow and moto (PyPI, in the virtual environment
//! `target/pyenv`). `.ci/run` installs both. Without them a test is skipped with a note on how to
//! install them, except under `CI`, where a missing tool fails the test: CI must run them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

const INSTALL: &str = "install them with `npm ci --prefix exports/test` and \
`python3.11 -m venv target/pyenv && target/pyenv/bin/pip install -r exports/test/requirements.txt` \
(what .ci/run does)";

/// `Some(path)` when `path` exists; otherwise skips (returns `None`) or, under `CI`, panics.
fn require(path: PathBuf, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let msg = format!("{what} not found at {}: {INSTALL}", path.display());
    if std::env::var_os("CI").is_some() {
        panic!("{msg}");
    }
    eprintln!("skipped: {msg}");
    None
}

/// The asl-validator script, when the npm packages are installed.
pub fn asl_validator() -> Option<PathBuf> {
    require(
        root().join("exports/test/node_modules/asl-validator"),
        "asl-validator",
    )?;
    Some(root().join("exports/test/validate_asl.js"))
}

/// The virtual environment's Python, when it is installed.
pub fn python() -> Option<PathBuf> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"));
    require(target.join("pyenv/bin/python"), "the Python environment")
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
