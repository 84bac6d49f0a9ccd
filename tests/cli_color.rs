//! Runs the real `journeyc` binary: `--color` against `NO_COLOR`, `CLICOLOR_FORCE` and
//! `FORCE_COLOR`, and a standard output whose reader has gone.

use std::path::Path;
use std::process::{Command, Output, Stdio};

const BROKEN: &str = "tests/fixtures/fail/E0101_unknown_event.journey";

/// `journeyc check BROKEN` off a terminal (stderr is a pipe), with only the given colour
/// variables set.
fn check(flags: &[&str], vars: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_journeyc"));
    cmd.arg("check").arg(BROKEN).args(flags);
    for name in ["NO_COLOR", "CLICOLOR_FORCE", "FORCE_COLOR", "CLICOLOR"] {
        cmd.env_remove(name);
    }
    cmd.envs(vars.iter().copied());
    cmd.output().expect("the journeyc binary runs")
}

fn coloured(out: &Output) -> bool {
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("E0101"), "{stderr}");
    stderr.contains('\u{1b}')
}

#[test]
fn off_a_terminal_there_is_no_colour_unless_asked() {
    assert!(!coloured(&check(&[], &[])));
    assert!(!coloured(&check(&["--color", "auto"], &[])));
}

#[test]
fn color_always_colours_a_pipe() {
    assert!(coloured(&check(&["--color", "always"], &[])));
    // The flag is global: it may come before the command.
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["--color", "always", "check", BROKEN])
        .env_remove("NO_COLOR")
        .output()
        .expect("the journeyc binary runs");
    assert!(coloured(&out));
    // And the flag beats NO_COLOR.
    assert!(coloured(&check(&["--color=always"], &[("NO_COLOR", "1")])));
}

#[test]
fn the_environment_decides_in_auto() {
    assert!(coloured(&check(&[], &[("CLICOLOR_FORCE", "1")])));
    assert!(coloured(&check(&[], &[("FORCE_COLOR", "1")])));
    assert!(!coloured(&check(&[], &[("FORCE_COLOR", "0")])));
    assert!(!coloured(&check(
        &[],
        &[("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")]
    )));
    assert!(!coloured(&check(
        &["--color", "auto"],
        &[("NO_COLOR", "1"), ("FORCE_COLOR", "1")]
    )));
}

#[test]
fn color_never_beats_clicolor_force() {
    assert!(!coloured(&check(
        &["--color", "never"],
        &[("CLICOLOR_FORCE", "1"), ("FORCE_COLOR", "1")]
    )));
}

#[test]
fn a_bad_color_value_is_a_usage_error() {
    let out = check(&["--color", "sometimes"], &[]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
}

/// Runs journeyc with a standard output whose reading end is closed before it starts, so its
/// first write fails with a broken pipe (no race with a reader).
fn into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(writer)
        .stderr(Stdio::piped())
        .spawn()
        .expect("the journeyc binary runs");
    child.wait_with_output().expect("journeyc ends")
}

#[test]
fn a_closed_stdout_ends_quietly_with_the_commands_own_exit_code() {
    let quiet = [
        &["explain"][..],
        &["explain", "E0304"],
        &["completions", "bash"],
        &["man"],
        &["graph", "examples/saas_trial.journey"],
        &["test", "examples/saas_trial.journey"],
        &["build", "--stdout", "examples/saas_trial.journey"],
    ];
    for args in quiet {
        let out = into_closed_pipe(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("panicked") && !stderr.contains("stopped unexpectedly"),
            "{args:?}: {stderr}"
        );
    }
    // `check` still says whether it found problems: a closed pipe changes nothing else.
    let out = into_closed_pipe(&["check", "--message-format", "json", BROKEN]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

/// Cutting `journeyc test`'s output short never turns failing tests into success: the verdict
/// is known before the first line is printed, and a closed pipe ends with it.
#[test]
fn a_closed_stdout_keeps_a_failing_test_runs_exit_code() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/saas_trial.journey"),
    )
    .expect("the example");
    let broken = source.replacen("expect sent welcome at 0", "expect sent welcome at 1d", 1);
    assert_ne!(
        broken, source,
        "the example's expectation moved: update this test"
    );
    let file = dir.path().join("failing.journey");
    std::fs::write(&file, broken).expect("write the journey");
    let out = into_closed_pipe(&["test", file.to_str().expect("a UTF-8 path")]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// Runs journeyc with a standard error whose reading end is closed before it starts.
fn stderr_into_closed_pipe(args: &[&str]) -> Output {
    let (reader, writer) = std::io::pipe().expect("a pipe");
    drop(reader);
    let child = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(writer)
        .spawn()
        .expect("the journeyc binary runs");
    child.wait_with_output().expect("journeyc ends")
}

/// A closed standard error loses the messages but never the verdict: no panic (exit 101).
#[test]
fn a_closed_stderr_keeps_the_commands_own_exit_code() {
    let cases: [(&[&str], i32); 4] = [
        (&["check", BROKEN], 1),
        (&["check", "examples/saas_trial.journey"], 0),
        (&["explain", "E9999"], 2),
        (
            &[
                "run",
                "examples/saas_trial.journey",
                "--events",
                "no-such.jsonl",
            ],
            2,
        ),
    ];
    for (args, code) in cases {
        let out = stderr_into_closed_pipe(args);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {out:?}");
    }
}
