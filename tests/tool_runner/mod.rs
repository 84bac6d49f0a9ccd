//! The runner of the tool-driven tests: the ones that drive a tool we did not write (node and
//! `vscode-textmate`, `asl-validator`, SpiffWorkflow and moto), which a developer may not have.
//!
//! libtest cannot mark a test skipped once it runs, so a test whose tool is missing used to print
//! `ok` and a note only `--nocapture` showed. Their files set `harness = false` in Cargo.toml and
//! end with [`tool_tests!`], which runs them here: a test returns `Err(Skip)` when its tool is
//! missing and the runner prints `test NAME ... skipped: REASON` and counts it in the summary.
//! Under CI ([`ci`]) a skip is a failure, since `.ci/run` installs every tool.
//!
//! It reads the arguments cargo passes on as libtest does: name filters (`cargo test NAME`),
//! `--exact`, `--skip NAME`, `--list`, `--ignored` (none are ignored); others (`--nocapture`,
//! `--test-threads N`, ...) are accepted and change nothing. Tests run one after the other,
//! their output is not captured, and a failure exits with 101 as libtest does.

#![allow(dead_code, unused_macros, unused_imports)]

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Instant;

/// Why a test could not run: which tool is missing and how to install it.
#[derive(Debug)]
pub struct Skip(pub String);

/// The one reading of `CI` for every tool-driven test: set to anything but "", "0" or "false"
/// (in any case) means CI, where a missing tool fails the test instead of skipping it.
pub fn ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| {
        let v = v.to_string_lossy().to_ascii_lowercase();
        !matches!(v.as_str(), "" | "0" | "false")
    })
}

/// What a test function may return: nothing (it ran, or panicked), or `Result<(), Skip>`.
pub trait Outcome {
    fn outcome(self) -> Result<(), Skip>;
}

impl Outcome for () {
    fn outcome(self) -> Result<(), Skip> {
        Ok(())
    }
}

impl Outcome for Result<(), Skip> {
    fn outcome(self) -> Result<(), Skip> {
        self
    }
}

/// One test: its name (the function's) and the function.
pub struct Test {
    pub name: &'static str,
    pub run: fn() -> Result<(), Skip>,
}

/// `tool_tests![a, b];` at the end of a `harness = false` test file: its `main` runs the test
/// functions `a` and `b`.
macro_rules! tool_tests {
    ($($name:ident),* $(,)?) => {
        fn main() {
            $crate::tool_runner::main(
                file!(),
                &[$($crate::tool_runner::Test {
                    name: stringify!($name),
                    run: || $crate::tool_runner::Outcome::outcome($name()),
                }),*],
            )
        }
    };
}
pub(crate) use tool_tests;

/// The libtest arguments the runner understands.
#[derive(Default)]
struct Args {
    filters: Vec<String>,
    skip: Vec<String>,
    exact: bool,
    list: bool,
    only_ignored: bool,
}

fn parse_args() -> Args {
    let mut args = Args::default();
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--exact" => args.exact = true,
            "--list" => args.list = true,
            "--ignored" => args.only_ignored = true,
            "--skip" => args.skip.extend(it.next()),
            // Options with a value, which they take from the next argument unless given as
            // `--option=value`.
            "--test-threads" | "--format" | "--color" | "--logfile" | "--shuffle-seed" | "-Z" => {
                it.next();
            }
            a if a.starts_with("--skip=") => args.skip.push(a["--skip=".len()..].to_string()),
            a if a.starts_with('-') => {}
            _ => args.filters.push(arg),
        }
    }
    args
}

impl Args {
    fn selects(&self, name: &str) -> bool {
        let matches = |f: &String| {
            if self.exact {
                name == f
            } else {
                name.contains(f.as_str())
            }
        };
        !self.only_ignored
            && (self.filters.is_empty() || self.filters.iter().any(matches))
            && !self.skip.iter().any(matches)
    }
}

/// Runs `tests` (the test file `file`'s list) and exits: 0 when none failed, 101 otherwise.
pub fn main(file: &str, tests: &[Test]) {
    check_no_libtest_tests(file);
    let args = parse_args();
    let selected: Vec<&Test> = tests.iter().filter(|t| args.selects(t.name)).collect();
    if args.list {
        for t in &selected {
            println!("{}: test", t.name);
        }
        return;
    }
    let ci = ci();
    let start = Instant::now();
    println!(
        "\nrunning {} test{}",
        selected.len(),
        if selected.len() == 1 { "" } else { "s" }
    );
    let (mut passed, mut skipped, mut failed) = (0, 0, Vec::new());
    for t in &selected {
        match catch_unwind(AssertUnwindSafe(t.run)) {
            Ok(Ok(())) => {
                passed += 1;
                println!("test {} ... ok", t.name);
            }
            Ok(Err(Skip(why))) if ci => {
                eprintln!(
                    "{}: {why}\nUnder CI (CI is set) a tool-driven test must run: .ci/run \
                     installs every tool.",
                    t.name
                );
                println!("test {} ... FAILED (skipped under CI)", t.name);
                failed.push(t.name);
            }
            Ok(Err(Skip(why))) => {
                skipped += 1;
                println!("test {} ... skipped: {why}", t.name);
            }
            Err(_) => {
                // The panic hook has printed the message.
                println!("test {} ... FAILED", t.name);
                failed.push(t.name);
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailures:");
        for name in &failed {
            println!("    {name}");
        }
    }
    println!(
        "\ntest result: {}. {passed} passed; {} failed; {skipped} skipped; {} filtered out; \
         finished in {:.2}s\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        failed.len(),
        tests.len() - selected.len(),
        start.elapsed().as_secs_f64()
    );
    if !failed.is_empty() {
        std::process::exit(101);
    }
}

/// A `#[test]` function in a `harness = false` file is compiled out without a word: refuse it.
fn check_no_libtest_tests(file: &str) {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(file);
    let Ok(source) = std::fs::read_to_string(&path) else {
        return;
    };
    let stray = source
        .lines()
        .filter(|l| l.trim_start().starts_with("#[test]"))
        .count();
    if stray > 0 {
        eprintln!(
            "{file} has {stray} `#[test]` function(s), which never run: the file has \
             `harness = false` (tests/tool_runner/mod.rs). Drop the attribute and list the \
             function in the file's `tool_tests!` instead."
        );
        std::process::exit(101);
    }
}
