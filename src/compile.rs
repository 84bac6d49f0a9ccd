//! Source files to IR in one call: what `journeyc build` and `journeyc graph` do before they
//! write anything, and what tests use to get a journey from a file.

use crate::check::check_project;
use crate::diagnostics::Diagnostics;
use crate::ir::{self, Journey};
use crate::project::{self, LoadError, Project};
use std::path::{Path, PathBuf};

/// A loaded, checked and (when clean) lowered project.
#[derive(Debug)]
pub struct Compiled {
    pub project: Project,
    /// Every problem found, sorted: parse, check and lowering (two journeys with one name).
    pub diagnostics: Diagnostics,
    /// Every journey, sorted by name; empty when `diagnostics` has errors, so that nothing is
    /// ever built from a project with errors.
    pub journeys: Vec<Journey>,
}

/// Discovers, loads, checks and lowers the given files and directories.
pub fn compile(paths: &[PathBuf]) -> Result<Compiled, LoadError> {
    let files = project::discover(paths)?;
    let project = project::load(&files)?;
    Ok(finish(project))
}

/// Like [`compile`] for one file's text in memory (imports are read relative to `path`).
pub fn compile_text(path: &Path, text: &str) -> Compiled {
    finish(project::load_text(path, text))
}

fn finish(project: Project) -> Compiled {
    let checked = check_project(&project);
    let mut diagnostics = checked.diagnostics.clone();
    let mut journeys = Vec::new();
    if !diagnostics.has_errors() {
        match ir::lower::lower_all(&checked, &project.sources) {
            Ok(js) => journeys = js,
            Err(errors) => {
                diagnostics.extend(errors);
                diagnostics.sort();
            }
        }
    }
    Compiled {
        project,
        diagnostics,
        journeys,
    }
}
