//! Shared output helpers: loading a project with its diagnostics, printing diagnostics in the
//! chosen format, and writing files atomically.

use clap::ValueEnum;
use journeyc::check::{check_project, Checked};
use journeyc::diagnostics::render::{self, HumanStyle};
use journeyc::diagnostics::Diagnostics;
use journeyc::diagnostics::{github, sarif};
use journeyc::ir::Journey;
use journeyc::project::{self, Project};
use journeyc::source::SourceMap;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Rendered reports with the source and labels, for people.
    Human,
    /// One JSON object per diagnostic per line on stdout, for CI steps and editors.
    Json,
    /// GitHub Actions workflow commands on stdout: annotations on the exact lines of a pull request.
    Github,
    /// One SARIF 2.1.0 log on stdout, for code scanning.
    Sarif,
}

pub const EXIT_PROBLEMS: u8 = 1;
pub const EXIT_USAGE: u8 = 2;

/// The exit code a run ends with if the reader of standard output goes away while it prints
/// (`journeyc test | head -1`). A command that knows its verdict before printing records it
/// here, so cutting the output short never turns a failure into success.
static VERDICT_IF_CUT: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);

pub fn verdict_if_output_cut(code: u8) {
    VERDICT_IF_CUT.store(code, std::sync::atomic::Ordering::Relaxed);
}

pub fn verdict_on_cut_output() -> u8 {
    VERDICT_IF_CUT.load(std::sync::atomic::Ordering::Relaxed)
}

/// The `--color` flag.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour on a terminal, as the environment (`NO_COLOR`, `CLICOLOR_FORCE`, `FORCE_COLOR`) says.
    #[default]
    Auto,
    /// Always colour, even into a file or a pipe.
    Always,
    /// Never colour.
    Never,
}

/// The choice of this run, set once from the command line before any command runs.
static COLOR: std::sync::OnceLock<ColorChoice> = std::sync::OnceLock::new();

pub fn set_color(choice: ColorChoice) {
    let _ = COLOR.set(choice);
}

/// Whether to colour output on stderr (diagnostics), as `--color` and the environment say.
pub fn color_stderr() -> bool {
    wants_color(
        COLOR.get().copied().unwrap_or_default(),
        std::io::stderr().is_terminal(),
        |name| std::env::var_os(name),
    )
}

/// The decision: the flag over the environment, and in `auto` a non-empty `NO_COLOR` over
/// `CLICOLOR_FORCE` and `FORCE_COLOR` (set, not empty and not `0`), over whether the output is
/// a terminal. These are the conventions of no-color.org and bixense.com/clicolors.
pub fn wants_color(
    choice: ColorChoice,
    terminal: bool,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            let set = |name: &str| env(name).filter(|v| !v.is_empty());
            if set("NO_COLOR").is_some() {
                return false;
            }
            let forced = |name: &str| set(name).is_some_and(|v| v != "0");
            forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") || terminal
        }
    }
}

pub fn usage_error(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(EXIT_USAGE)
}

/// Discovers, loads and checks the given paths (default: the current directory).
pub fn load_and_check(paths: &[PathBuf]) -> Result<(Project, Checked), ExitCode> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let files = project::discover(&paths).map_err(usage_error)?;
    let project = project::load(&files).map_err(usage_error)?;
    let checked = check_project(&project);
    Ok((project, checked))
}

/// Prints every diagnostic in the chosen format.
pub fn print_diagnostics(diags: &Diagnostics, sources: &SourceMap, format: MessageFormat) {
    match format {
        MessageFormat::Human => {
            let style = HumanStyle {
                color: color_stderr(),
                width: 100,
            };
            let mut err = std::io::stderr().lock();
            for d in diags.iter() {
                let _ = write!(err, "{}", render::human(d, sources, style));
                let _ = writeln!(err);
            }
        }
        MessageFormat::Json => {
            let mut out = std::io::stdout().lock();
            for d in diags.iter() {
                let _ = writeln!(out, "{}", render::json_line(d, sources));
            }
        }
        MessageFormat::Github => {
            let mut out = std::io::stdout().lock();
            for d in diags.iter() {
                let _ = writeln!(out, "{}", github::github_line(d, sources));
            }
        }
        MessageFormat::Sarif => {
            let log = sarif::sarif_log(diags.iter(), sources);
            let text = serde_json::to_string_pretty(&log).unwrap_or_else(|_| String::from("{}"));
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }
}

/// "2 errors, 1 warning" style counts.
pub fn summary(diags: &Diagnostics) -> String {
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {}",
        plural(diags.error_count(), "error"),
        plural(diags.warning_count(), "warning")
    )
}

/// Writes a file by writing a temporary file beside it and renaming it over the target, so an
/// interrupted write never leaves a half-written file and the old content stays whole.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    // Through a symbolic link to the file it names, so the link stays a link; and with the
    // permissions the file had, so `journeyc fmt` never widens a private file's mode.
    let resolved = match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => std::fs::canonicalize(path)?,
        _ => path.to_path_buf(),
    };
    let path = resolved.as_path();
    let permissions = std::fs::metadata(path).ok().map(|m| m.permissions());
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("out");
    let tmp = dir.join(temp_name(name, std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(contents)?;
        if let Some(p) = permissions {
            f.set_permissions(p)?;
        }
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// The temporary file [`write_atomic`] writes beside the file `name`: `.NAME.PID.tmp`, so that
/// two runs never share one, and one left by a killed run names the process that wrote it.
fn temp_name(name: &str, pid: u32) -> String {
    format!(".{name}.{pid}.tmp")
}

/// The file name and process id of one of [`write_atomic`]'s temporary files, when `file` is
/// one: `.trial.json.4242.tmp` gives `("trial.json", 4242)`. Anything else gives `None`, so a
/// clean-up never touches a file journeyc did not write.
pub fn parse_temp_name(file: &str) -> Option<(&str, u32)> {
    let inner = file.strip_prefix('.')?.strip_suffix(".tmp")?;
    let (name, pid) = inner.rsplit_once('.')?;
    if name.is_empty() || pid.is_empty() || !pid.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let pid: u32 = pid.parse().ok()?;
    (temp_name(name, pid) == file).then_some((name, pid))
}

/// Refuses an output path that would overwrite one of the command's inputs or any journey
/// file: `--html v.journey` typed for `--compare v.journey` must not destroy the journey.
pub fn refuse_overwrite(flag: &str, out: &Path, inputs: &[&Path]) -> Result<(), ExitCode> {
    if out.extension().is_some_and(|x| x == "journey") {
        return Err(usage_error(format!(
            "{flag} `{}` would overwrite a journey file; write the output to another name",
            out.display()
        )));
    }
    let same = |input: &Path| match (std::fs::canonicalize(out), std::fs::canonicalize(input)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if let Some(input) = inputs.iter().find(|i| same(i)) {
        return Err(usage_error(format!(
            "{flag} `{}` is the input `{}`; write the output to another file",
            out.display(),
            input.display()
        )));
    }
    Ok(())
}

/// Loads, checks and lowers the given paths (default: the current directory).
pub fn compile(paths: &[PathBuf]) -> Result<journeyc::Compiled, ExitCode> {
    let paths: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    journeyc::compile(&paths).map_err(usage_error)
}

/// Prints a compilation's diagnostics. When stdout carries the command's own output (a spec, a
/// graph), JSON diagnostics would corrupt it: they are then printed only when the command fails.
pub fn print_compile_diagnostics(
    compiled: &journeyc::Compiled,
    format: MessageFormat,
    stdout_is_output: bool,
) {
    let failed = compiled.diagnostics.has_errors();
    if format == MessageFormat::Json && stdout_is_output && !failed {
        return;
    }
    print_diagnostics(&compiled.diagnostics, &compiled.project.sources, format);
    if failed && format == MessageFormat::Human {
        eprintln!("{}: nothing was built", summary(&compiled.diagnostics));
    }
}

/// The journey a single-journey command works on: the one named, or the only one there is.
pub fn pick_journey<'a>(
    journeys: &'a [Journey],
    name: Option<&str>,
) -> Result<&'a Journey, String> {
    let names: Vec<&str> = journeys.iter().map(|j| j.name.as_str()).collect();
    match name {
        Some(n) => journeys.iter().find(|j| j.name == n).ok_or_else(|| {
            let hint = match journeyc::diagnostics::did_you_mean(n, names.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None if names.is_empty() => "the paths hold no journey".to_string(),
                None => format!("the journeys are {}", names.join(", ")),
            };
            format!("no journey named `{n}`: {hint}")
        }),
        None => match journeys {
            [one] => Ok(one),
            [] => Err("the paths hold no journey".to_string()),
            _ => Err(format!(
                "the paths hold {} journeys ({}): pick one with `--journey NAME`",
                journeys.len(),
                names.join(", ")
            )),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::{wants_color, ColorChoice};
    use std::ffi::OsString;

    fn decide(choice: ColorChoice, terminal: bool, vars: &[(&str, &str)]) -> bool {
        wants_color(choice, terminal, |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| OsString::from(v))
        })
    }

    #[test]
    fn the_flag_beats_the_environment_which_beats_the_terminal() {
        use ColorChoice::*;
        assert!(decide(Auto, true, &[]));
        assert!(!decide(Auto, false, &[]));
        assert!(!decide(Auto, true, &[("NO_COLOR", "1")]));
        assert!(decide(Auto, true, &[("NO_COLOR", "")]));
        assert!(decide(Auto, false, &[("CLICOLOR_FORCE", "1")]));
        assert!(decide(Auto, false, &[("FORCE_COLOR", "true")]));
        assert!(!decide(Auto, false, &[("FORCE_COLOR", "0")]));
        assert!(!decide(Auto, false, &[("CLICOLOR_FORCE", "")]));
        assert!(!decide(
            Auto,
            false,
            &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
        ));
        assert!(decide(Always, false, &[("NO_COLOR", "1")]));
        assert!(!decide(Never, true, &[("CLICOLOR_FORCE", "1")]));
    }
}
