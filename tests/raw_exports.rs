//! `journeyc run` on what real Segment exports hold: a raw export replays with the same actions
//! as its cleaned version (tests/fixtures/logs).

use std::path::Path;
use std::process::{Command, Output};

fn journeyc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs")
}

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs"))
}

fn run(log: &str, extra: &[&str]) -> (String, String) {
    let mut args = vec!["run", "trial.journey", "--events", log];
    args.extend_from_slice(extra);
    let out = journeyc(&args, fixtures());
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{log}: {err}");
    (String::from_utf8_lossy(&out.stdout).into_owned(), err)
}

#[test]
fn a_raw_export_replays_with_the_same_actions_as_its_cleaned_version() {
    let (clean, clean_err) = run("clean.jsonl", &[]);
    let (raw, err) = run("raw.jsonl", &[]);
    assert!(clean_err.contains("0 bad lines"), "{clean_err}");
    assert!(err.contains("0 bad lines"), "{err}");
    // The replay does something worth comparing: every kind of customer acts.
    for needle in [
        r#""customer":"anon-7","time":"2026-03-02T09:20:00Z","journey":"trial","node":null,"action":"entered""#,
        r#""customer":"u4""#,
        r#""touchpoint":"team_tip""#,
        r#""action":"converted""#,
    ] {
        assert!(clean.contains(needle), "{needle} in {clean}");
    }
    assert_eq!(raw, clean);
    // What was read differently from how it was written is said, field by field, once each.
    for line in [
        "ignored 3 events no journey reads (`Page Viewed` 2, `Button Clicked` 1)",
        "coerced trait `plan` 2 times (an enum value in another case; first on line 1)",
        "coerced trait `seats` 2 times (a number written as a string; first on line 1)",
        "coerced trait `seats` 1 time (a whole number written with a fraction of zero; first on line 5)",
        "sorted 2 calls that came out of time order, by at most 5s (the reorder window is 1m)",
        "coerced property `plan` of `upgraded` 1 time (an enum value in another case; first on line 15)",
        "coerced property `source` of `signed_up` 1 time (a number or true/false where a string is declared; first on line 10)",
        "dropped trait `seats` 1 time (first on line 7: expected a whole number, found `\"many\"`); the rest of each call was replayed",
    ] {
        assert!(err.lines().any(|l| l == line), "{line}\nin:\n{err}");
    }
    assert!(err.contains("ignored 2 calls (`page`, `screen`"), "{err}");
    assert!(
        !err.contains("raw.jsonl:"),
        "no line is reported on its own: {err}"
    );
}

fn run_status(log: &str, extra: &[&str]) -> (Option<i32>, String, String) {
    let mut args = vec!["run", "trial.journey", "--events", log];
    args.extend_from_slice(extra);
    let out = journeyc(&args, fixtures());
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn only_calls_later_than_the_reorder_window_are_out_of_order() {
    // Without a window, the first call that goes back is a bad line.
    let (code, _, err) = run_status("raw.jsonl", &["--reorder-window", "0"]);
    assert_eq!(code, Some(1), "{err}");
    assert!(
        err.contains("raw.jsonl:7: timestamp 2026-03-02T10:00:00Z is earlier than 2026-03-02T10:00:05Z on line 6, by 5s: more than the reorder window (0s)"),
        "{err}"
    );
    // A window of 3s sorts the call 2s late and refuses the one 5s late.
    let (code, _, err) = run_status(
        "raw.jsonl",
        &["--reorder-window", "3s", "--on-bad-line", "skip"],
    );
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("raw.jsonl:7: timestamp"), "{err}");
    assert!(!err.contains("raw.jsonl:12:"), "{err}");
    assert!(
        err.contains(
            "sorted 1 call that came out of time order, by at most 2s (the reorder window is 3s)"
        ),
        "{err}"
    );
    // On a log in time order the window changes nothing.
    let (clean, _) = run("clean.jsonl", &["--reorder-window", "0"]);
    for window in ["1m", "7d"] {
        let (windowed, err) = run("clean.jsonl", &["--reorder-window", window]);
        assert_eq!(windowed, clean, "{window}");
        assert!(!err.contains("sorted"), "{err}");
    }
    let (code, _, err) = run_status("clean.jsonl", &["--reorder-window", "8d"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("longer than a week"), "{err}");
}
