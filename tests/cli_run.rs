//! `journeyc run` and `journeyc test` through the real binary.

mod support;

use std::path::Path;
use std::process::{Command, Output};
use support::{journeyc, project};

const JOURNEY: &str = r#"
enum plan { free, trial, pro }
customer { plan: plan = trial  seats: int = 1 }
event signed_up { source: string }
event activated
event upgraded { plan: plan }
channel email { cap 3 per 1d }
touchpoint welcome { channel email  template "welcome" }
touchpoint nudge { channel email  template "nudge" }
touchpoint team_tip { channel email  template "team" }
journey trial {
  trigger signed_up where plan == trial
  goal upgraded within 14d
  onboarding {
    send welcome
    wait activated up to 2d {
      if seats > 5 { send team_tip }
    } timeout {
      send nudge
    }
  }
}
test "activation skips the nudge" {
  journey trial
  at 0 signed_up
  at 5h activated
  expect sent welcome at 0
  expect not sent nudge
}
test "no activation gets the nudge" {
  journey trial
  at 0 signed_up
  expect sent nudge at 2d
}
"#;

const LOG: &str = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"seats":8,"plan":"trial","email":"x@y.z"}}
{"type":"track","userId":"u1","event":"signed_up","timestamp":"2026-01-05T09:00:00Z","properties":{"source":"ads"}}
{"type":"track","userId":"u2","event":"signed_up","timestamp":"2026-01-05T09:30:00Z","properties":{"source":"ads"}}
{"type":"track","userId":"u1","event":"activated","timestamp":"2026-01-05T12:00:00Z"}
{"type":"track","userId":"u3","event":"signed_up","timestamp":"2026-01-08T09:00:00Z"}
"#;

#[test]
fn replay_writes_one_json_line_per_action_in_time_order() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    let times: Vec<&str> = lines.iter().filter_map(|l| l["time"].as_str()).collect();
    let mut sorted = times.clone();
    sorted.sort();
    assert_eq!(times, sorted, "actions come in time order");
    let sent: Vec<(String, String)> = lines
        .iter()
        .filter(|l| l["action"] == "sent")
        .map(|l| {
            (
                l["customer"].as_str().unwrap_or("").to_string(),
                l["touchpoint"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert!(
        sent.contains(&("u1".into(), "team_tip".into())),
        "identify traits reach conditions: {sent:?}"
    );
    assert!(
        sent.contains(&("u2".into(), "nudge".into())),
        "u2 timed out before u3's event: {sent:?}"
    );
    let nudge = lines
        .iter()
        .find(|l| l["action"] == "sent" && l["customer"] == "u2" && l["touchpoint"] == "nudge")
        .expect("nudge");
    assert_eq!(nudge["time"], "2026-01-07T09:30:00Z");
    assert_eq!(nudge["channel"], "email");
    assert_eq!(nudge["node"], "onboarding.1.wait.timeout.0.send");
}

#[test]
fn bad_lines_fail_with_their_line_number_and_write_nothing() {
    let log = format!("{LOG}not json\n");
    let dir = project(&[
        ("j.journey", JOURNEY),
        ("log.jsonl", &log),
        ("out.jsonl", "previous output\n"),
    ]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--out",
            "out.jsonl",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("log.jsonl:6: not valid JSON"));
    let kept = std::fs::read_to_string(dir.path().join("out.jsonl")).expect("out");
    assert_eq!(
        kept, "previous output\n",
        "a failed replay leaves the old output whole"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left behind");
}

#[test]
fn skipped_lines_are_counted_not_dropped_silently() {
    let log = format!(
        "{LOG}{}\n{}\n{}\n{}\n{}\n",
        r#"{"type":"track","userId":"u4","event":"no_such_event","timestamp":"2026-01-09T09:00:00Z"}"#,
        r#"{"type":"track","event":"signed_up","timestamp":"2026-01-09T09:00:00Z"}"#,
        r#"{"type":"track","userId":"u5","event":"signed_up","timestamp":"2026-01-01T09:00:00Z"}"#,
        r#"{"type":"track","userId":"u6","event":"upgraded","timestamp":"2026-01-09T10:00:00Z","properties":{"plan":"gold"}}"#,
        r#"{"type":"track","userId":"u7","event":"signed_up","timestamp":"9999-12-31T23:59:00Z"}"#,
    );
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", &log)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--on-bad-line",
            "skip",
            "--out",
            "out.jsonl",
        ],
        dir.path(),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains(":6:"),
        "an event no journey reads is no bad line: {err}"
    );
    assert!(
        err.contains("ignored 1 event no journey reads (`no_such_event` 1)"),
        "{err}"
    );
    assert!(err.contains(":7: missing `userId`"), "{err}");
    assert!(
        err.contains(":8: timestamp 2026-01-01T09:00:00Z is earlier"),
        "{err}"
    );
    assert!(
        !err.contains(":9:"),
        "a bad value drops its field only: {err}"
    );
    assert!(
        err.contains("dropped property `plan` of `upgraded` 1 time (first on line 9: expected one of plan's values"),
        "{err}"
    );
    assert!(
        err.contains(":10: `9999-12-31T23:59:00Z` is outside the years journeyc replays"),
        "{err}"
    );
    assert!(err.contains("3 bad lines skipped"), "{err}");
    assert!(dir.path().join("out.jsonl").exists());
}

#[test]
fn explain_tells_why() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "u1",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("because `plan == trial` was true (plan = trial)"),
        "{text}"
    );
    assert!(
        text.contains("because `seats > 5` was true (seats = 8)"),
        "{text}"
    );
    assert!(text.contains("sent team_tip (email)"), "{text}");
    assert!(
        text.contains("j.journey:"),
        "each decision names its source line: {text}"
    );
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "u2",
            "--until",
            "2026-01-10T00:00:00Z",
        ],
        dir.path(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("wait timed out: no `activated` within 2d"),
        "{text}"
    );
}

#[test]
fn unknown_journey_name_is_a_usage_error() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--journey",
            "nope",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no journey named `nope`"));
}

#[test]
fn test_command_reports_like_cargo_test() {
    let dir = project(&[("j.journey", JOURNEY)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("test j.journey: activation skips the nudge ... ok"),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(|l| l == "2 passed, 0 failed"),
        "{stdout}"
    );
    let filtered = journeyc(&["test", "j.journey", "--filter", "skips"], dir.path());
    let stdout = String::from_utf8_lossy(&filtered.stdout);
    assert!(stdout.contains("1 filtered out"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l == "1 passed, 0 failed"),
        "{stdout}"
    );
}

#[test]
fn failing_test_shows_the_expectation_and_the_timeline() {
    let broken = JOURNEY.replace("expect sent nudge at 2d", "expect sent nudge at 1d");
    let dir = project(&[("j.journey", &broken)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("test j.journey: no activation gets the nudge ... FAILED"),
        "{stdout}"
    );
    assert!(
        stdout.contains(
            "expectation failed: `expect sent nudge at 1d`: `nudge` was sent at +2d instead"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("--> j.journey:"), "{stdout}");
    assert!(stdout.contains("+2d        onboarding.1.wait"), "{stdout}");
    assert!(
        stdout.lines().any(|l| l == "1 passed, 1 failed"),
        "{stdout}"
    );
}

#[test]
fn a_byte_order_mark_and_other_segment_calls_are_not_bad_lines() {
    let log = format!(
        "\u{FEFF}{LOG}{}\n{}\n",
        r#"{"type":"page","userId":"u1","name":"Pricing","timestamp":"2026-01-09T09:00:00Z"}"#,
        r#"{"type":"screen","userId":"u1","name":"Home","timestamp":"2026-01-09T09:00:00Z"}"#,
    );
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", &log)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("0 bad lines skipped"), "{err}");
    assert!(err.contains("ignored 2 calls (`page`"), "{err}");
    std::fs::write(dir.path().join("plain.jsonl"), LOG).expect("write log");
    let plain = journeyc(&["run", "j.journey", "--events", "plain.jsonl"], dir.path());
    assert!(!plain.stdout.is_empty());
    assert_eq!(out.stdout, plain.stdout, "the same actions as without them");
    let unknown = format!(
        "{LOG}{}\n",
        r#"{"type":"purchase","userId":"u1","timestamp":"2026-01-09T09:00:00Z"}"#
    );
    std::fs::write(dir.path().join("log.jsonl"), unknown).expect("write log");
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(":6: `type` is `purchase`"));
}

#[test]
fn customers_forgotten_while_fresh_are_counted_once_and_enter_later() {
    // u9 sends the trigger as a pro customer (no entry: the state is a new customer's, so the
    // replay forgets it), then becomes a trial customer and enters on the next trigger.
    let log = [
        r#"{"type":"identify","userId":"u9","timestamp":"2026-01-05T08:00:00Z","traits":{"plan":"pro"}}"#,
        r#"{"type":"track","userId":"u9","event":"signed_up","timestamp":"2026-01-05T09:00:00Z","properties":{"source":"ads"}}"#,
        r#"{"type":"identify","userId":"u9","timestamp":"2026-01-05T10:00:00Z","traits":{"plan":"trial"}}"#,
        r#"{"type":"track","userId":"u9","event":"signed_up","timestamp":"2026-01-05T11:00:00Z","properties":{"source":"ads"}}"#,
        r#"{"type":"track","userId":"u8","event":"activated","timestamp":"2026-01-05T12:00:00Z"}"#,
        r#"{"type":"track","userId":"u8","event":"activated","timestamp":"2026-01-05T13:00:00Z"}"#,
    ]
    .join("\n");
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", &log)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("2 customers, 1 entry"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(
            r#""time":"2026-01-05T11:00:00Z","journey":"trial","node":null,"action":"entered""#
        ),
        "{stdout}"
    );
}

/// Runs journeyc with its output collected, killing it after `secs` seconds so that a
/// regression (a replay that never ends) fails the test instead of hanging it. Unix only: the
/// child runs under `ulimit -v` (1 GiB of address space, of which the worker's reserved stack
/// and the allocator's arenas take about 400 MB), so a replay that buffers an endless line
/// fails with an allocation error instead of taking the machine's memory.
#[cfg(unix)]
fn journeyc_bounded(args: &[&str], cwd: &Path, stdin: std::process::Stdio, secs: u64) -> Output {
    let mut cmd = Command::new("sh");
    cmd.arg("-c")
        .arg("ulimit -v 1048576 && exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(stdin);
    support::output_within(cmd, secs)
}

#[cfg(unix)]
#[test]
fn an_endless_line_is_a_bad_line_with_its_number_and_memory_stays_bounded() {
    use std::process::Stdio;
    let lines: Vec<&str> = LOG.lines().collect();
    // A 2 MiB line (longer than the 1 MiB limit) between two good lines.
    let long = format!("{}\n{}\n{}\n", lines[0], "x".repeat(2 << 20), lines[1]);
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", &long)]);
    let out = journeyc_bounded(
        &["run", "j.journey", "--events", "log.jsonl"],
        dir.path(),
        Stdio::null(),
        60,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: log.jsonl:2: the line is longer than 1 MiB"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "nothing is written on a failed replay"
    );
    // Skipped, the rest of the long line is passed over and the next line is line 3.
    let out = journeyc_bounded(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--on-bad-line",
            "skip",
        ],
        dir.path(),
        Stdio::null(),
        60,
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("skipped: log.jsonl:2: the line is longer"),
        "{err}"
    );
    assert!(
        err.contains("replayed 3 lines: 1 event, 1 identify call"),
        "{err}"
    );
    assert!(err.contains("1 bad line skipped"), "{err}");

    // A line that never ends, on standard input: the first line is bad, in bounded memory.
    let zero = Path::new("/dev/zero");
    if zero.exists() {
        let stdin = std::fs::File::open(zero).expect("open /dev/zero");
        let out = journeyc_bounded(
            &["run", "j.journey", "--events", "-"],
            dir.path(),
            Stdio::from(stdin),
            60,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(
            err.contains("error: -:1: the line is longer than 1 MiB"),
            "{err}"
        );
    }
}

#[cfg(unix)]
#[test]
fn devices_and_folders_are_refused_and_named_pipes_are_read() {
    use std::process::Stdio;
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    for (path, what) in [("/dev/zero", "a device"), (".", "a folder")] {
        if !Path::new(path).exists() {
            continue;
        }
        let out = journeyc_bounded(
            &["run", "j.journey", "--events", path],
            dir.path(),
            Stdio::null(),
            60,
        );
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(&format!("`{path}` is {what}")), "{err}");
    }
    // A link to a device is a device.
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.jsonl")).expect("symlink");
    let out = journeyc_bounded(
        &["run", "j.journey", "--events", "zero.jsonl"],
        dir.path(),
        Stdio::null(),
        60,
    );
    assert_eq!(out.status.code(), Some(2));
    // A named pipe is a stream like standard input.
    let fifo = dir.path().join("pipe.jsonl");
    let made = Command::new("mkfifo").arg(&fifo).status();
    if made.is_ok_and(|s| s.success()) {
        let writer = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::write(fifo, LOG).expect("write the pipe"))
        };
        let out = journeyc_bounded(
            &["run", "j.journey", "--events", "pipe.jsonl"],
            dir.path(),
            Stdio::null(),
            60,
        );
        writer.join().expect("writer");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        let plain = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
        assert_eq!(out.stdout, plain.stdout);
    }
}

#[test]
fn invalid_utf8_is_a_bad_line_pointing_at_the_byte() {
    let mut log = LOG.as_bytes().to_vec();
    let second = LOG.find('\n').expect("two lines") + 1;
    log.splice(second + 2..second + 2, [0xff]);
    let dir = project(&[("j.journey", JOURNEY)]);
    std::fs::write(dir.path().join("log.jsonl"), &log).expect("write log");
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: log.jsonl:2: not valid UTF-8 at byte 3 of the line"),
        "{err}"
    );
}

#[test]
fn a_key_given_twice_is_a_bad_line_naming_the_key() {
    // serde_json alone keeps the last `type`, which would make this identify a track call.
    let twice = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","type":"track","event":"signed_up"}"#;
    let nested = r#"{"userId":"u4","event":"signed_up","timestamp":"2026-01-09T09:00:00Z","properties":{"source":"ads","source":"tv"}}"#;
    let dir = project(&[
        ("j.journey", JOURNEY),
        ("log.jsonl", &format!("{twice}\n{LOG}{nested}\n")),
    ]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("error: log.jsonl:1: the key `type` is given twice in one object"),
        "{err}"
    );
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--on-bad-line",
            "skip",
        ],
        dir.path(),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("skipped: log.jsonl:7: the key `source` is given twice"),
        "{err}"
    );
    assert!(err.contains("2 bad lines skipped"), "{err}");
}

#[test]
fn a_leap_second_is_read_as_the_second_before_and_said() {
    let leap = [
        r#"{"userId":"u1","event":"signed_up","timestamp":"2026-12-31T23:59:60Z"}"#,
        // The same leap second in another offset.
        r#"{"userId":"u2","event":"signed_up","timestamp":"2026-12-31T15:59:60-08:00"}"#,
    ]
    .join("\n");
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", &leap)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("read 2 leap seconds (`23:59:60`) as `23:59:59`"),
        "{err}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(r#""customer":"u2","time":"2026-12-31T23:59:59Z""#),
        "{stdout}"
    );
    // A 60th second anywhere else is no leap second.
    let wrong = r#"{"userId":"u1","event":"signed_up","timestamp":"2026-01-05T09:00:60Z"}"#;
    std::fs::write(dir.path().join("log.jsonl"), wrong).expect("write log");
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("log.jsonl:1: timestamp `2026-01-05T09:00:60Z` has a 60th second"),
        "{err}"
    );
}

#[test]
fn a_closed_pipe_ends_the_replay_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    // Enough output to fill any pipe buffer: every customer enters and is sent a welcome.
    let log: String = (0..20_000)
        .map(|i| {
            format!(
                "{{\"userId\":\"u{i}\",\"event\":\"signed_up\",\"timestamp\":\"2026-01-05T09:00:00Z\"}}\n"
            )
        })
        .collect();
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", &log)]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["run", "j.journey", "--events", "log.jsonl"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the journeyc binary runs");
    let mut first = String::new();
    {
        let stdout = child.stdout.take().expect("stdout");
        BufReader::new(stdout)
            .read_line(&mut first)
            .expect("one line");
        // Dropped here, like `head -1` exiting.
    }
    let out = child.wait_with_output().expect("wait for journeyc");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(first.contains(r#""action":"entered""#), "{first}");
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(!err.contains("error"), "{err}");
}

#[test]
fn the_summary_counts_the_customers_still_in_a_journey() {
    // u1 and u2 finish (u1 activates, u2 gets the nudge at 2d); u3 signs up last and still
    // waits for `activated` when the log ends.
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    assert_eq!(out.status.code(), Some(0));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(", 1 still in a journey,"), "{err}");
}

#[test]
fn explain_shows_only_the_decisions_of_the_customer_asked_for() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "u2",
        ],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("because `plan == trial` was true (plan = trial)"),
        "{text}"
    );
    // u1's branch on `seats` (u2 never activates, so never reaches it).
    assert!(!text.contains("seats"), "{text}");
    assert_eq!(
        text.matches("because `plan == trial`").count(),
        1,
        "only u2's entry is explained: {text}"
    );
}

/// A customer whose only state is history some condition reads is not forgotten while it is
/// inside its window: the second order, a day after the first, counts both
/// (docs/event-logs.md, "Memory: customers done").
#[test]
fn a_replay_keeps_history_a_condition_still_reads() {
    let journey = "event ordered\nchannel email\n\
        touchpoint loyal { channel email  template \"loyal\" }\n\
        journey loyalty {\n  trigger ordered where count(ordered within 30d) >= 2\n  onboarding { send loyal }\n}\n";
    let log = "{\"userId\":\"u1\",\"event\":\"ordered\",\"timestamp\":\"2026-03-01T09:00:00Z\"}\n\
        {\"userId\":\"u1\",\"event\":\"ordered\",\"timestamp\":\"2026-03-02T09:00:00Z\"}\n";
    let dir = project(&[("j.journey", journey), ("log.jsonl", log)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let entered: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"action\":\"entered\""))
        .collect();
    assert_eq!(entered.len(), 1, "{stdout}");
    assert!(entered[0].contains("2026-03-02T09:00:00Z"), "{stdout}");
}

/// Three sign-ups, the first 30 s later than the second and 10 s later than the third.
const LATE_LOG: &str = r#"{"type":"track","userId":"u1","event":"signed_up","timestamp":"2026-01-05T09:00:30Z","properties":{"source":"ads"}}
{"type":"track","userId":"u2","event":"signed_up","timestamp":"2026-01-05T09:00:00Z","properties":{"source":"ads"}}
{"type":"track","userId":"u3","event":"signed_up","timestamp":"2026-01-05T09:00:20Z","properties":{"source":"ads"}}
"#;

#[test]
fn calls_out_of_order_within_the_reorder_window_run_in_time_order_and_are_counted() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LATE_LOG)]);
    // The default window (1m), and a window exactly as wide as the latest call is late.
    for extra in [&[][..], &["--reorder-window", "30s"][..]] {
        let mut args = vec!["run", "j.journey", "--events", "log.jsonl"];
        args.extend_from_slice(extra);
        let out = journeyc(&args, dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{stderr}");
        let lines = support::run_lines(&String::from_utf8_lossy(&out.stdout));
        let welcomed: Vec<&str> = lines
            .iter()
            .filter(|(_, _, a, t)| a == "sent" && t == "welcome")
            .map(|(c, _, _, _)| c.as_str())
            .collect();
        assert_eq!(welcomed, ["u2", "u3", "u1"], "{extra:?}");
        let window = if extra.is_empty() { "1m" } else { "30s" };
        assert!(
            stderr.contains(&format!(
                "sorted 2 calls that came out of time order, by at most 30s (the reorder window is {window})"
            )),
            "{stderr}"
        );
    }
    // In time order: nothing sorted, no line about it.
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    assert!(!String::from_utf8_lossy(&out.stderr).contains("sorted"));
}

/// One journey: a signup gets the welcome.
const WELCOME: &str = "event signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\njourney j {\n  trigger signed_up\n  onboarding { send welcome }\n}\n";

/// The customers something was sent to, in the order of the sends.
fn sent_to(lines: &[support::RunLine]) -> Vec<&str> {
    lines
        .iter()
        .filter(|(_, _, a, _)| a == "sent")
        .map(|(c, _, _, _)| c.as_str())
        .collect()
}

/// What `journeyc run SRC --events EVENTS --explain u1 EXTRA` prints.
fn explain_u1(src: &str, events: &str, extra: &[&str]) -> String {
    let dir = project(&[("j.journey", src), ("log.jsonl", events)]);
    let mut args = vec![
        "run",
        "j.journey",
        "--events",
        "log.jsonl",
        "--explain",
        "u1",
    ];
    args.extend_from_slice(extra);
    support::run_ok(&args, dir.path())
}

#[test]
fn calls_of_one_second_run_in_the_log_order_and_are_not_out_of_order() {
    // Six identifies of one second, then the signup: only the last `seats` is 6, and only the
    // log's order gets there. None of them is late, so nothing is sorted; a call too early
    // names the first line of the latest second.
    const SRC: &str = "customer { seats: int = 0 }\nevent signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\njourney j {\n  trigger signed_up where seats == 6\n  onboarding { send welcome }\n}\n";
    let at = "2026-01-05T09:00:00Z";
    let mut log: Vec<String> = (1..=6)
        .map(|n| {
            format!(
                r#"{{"type":"identify","userId":"u1","traits":{{"seats":{n}}},"timestamp":"{at}"}}"#
            )
        })
        .collect();
    log.push(format!(
        r#"{{"type":"track","userId":"u1","event":"signed_up","timestamp":"{at}"}}"#
    ));
    let dir = project(&[("j.journey", SRC), ("log.jsonl", &log.join("\n"))]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let lines = support::run_lines(&String::from_utf8_lossy(&out.stdout));
    assert_eq!(support::sent_at(&lines, "u1", "welcome"), [at]);
    assert!(!stderr.contains("sorted"), "{stderr}");
    log.push(
        r#"{"type":"track","userId":"u1","event":"signed_up","timestamp":"2026-01-05T08:58:00Z"}"#
            .to_string(),
    );
    std::fs::write(dir.path().join("log.jsonl"), log.join("\n")).expect("write");
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("log.jsonl:8: timestamp 2026-01-05T08:58:00Z is earlier than 2026-01-05T09:00:00Z on line 1, by 2m"),
        "{stderr}"
    );
}

#[test]
fn signups_of_one_second_are_replayed_in_the_log_order() {
    // Seven events of one second, each entering its own journey: the sends come out in the
    // order the log wrote the events, which is not the journeys' order.
    let order = [4, 1, 7, 3, 6, 2, 5];
    let mut src = String::from("channel email\n");
    for n in 1..=7 {
        src.push_str(&format!("event e{n}\ntouchpoint t{n} {{ channel email  template \"t\" }}\njourney j{n} {{\n  trigger e{n}\n  onboarding {{ send t{n} }}\n}}\n"));
    }
    let log: Vec<String> = order
        .iter()
        .map(|n| format!(r#"{{"type":"track","userId":"u1","event":"e{n}","timestamp":"2026-01-05T09:00:00Z"}}"#))
        .collect();
    let lines = support::replay_source(&src, &log.join("\n"), &[]);
    let sent: Vec<&str> = lines
        .iter()
        .filter(|(_, _, a, _)| a == "sent")
        .map(|(_, _, _, t)| t.as_str())
        .collect();
    assert_eq!(sent, ["t4", "t1", "t7", "t3", "t6", "t2", "t5"]);
}

#[test]
fn a_line_may_hold_a_batch_or_an_array_of_calls() {
    // Segment's HTTP batch (other keys ignored), a JSON array, and an object that has both
    // `type` and `batch`, which is one call whose `batch` is a property like any other.
    let call = |u: &str, t: &str| {
        format!(
            r#"{{"type":"track","userId":"{u}","event":"signed_up","timestamp":"2026-01-05T{t}Z"}}"#
        )
    };
    let log = [
        format!(
            r#"{{"sentAt":"2026-01-05T09:10:00Z","batch":[{},{}]}}"#,
            call("u1", "09:00:00"),
            call("u2", "09:01:00")
        ),
        format!("[{},{}]", call("u3", "09:02:00"), call("u4", "09:03:00")),
        r#"{"type":"track","userId":"u5","event":"signed_up","timestamp":"2026-01-05T09:04:00Z","batch":[1]}"#.to_string(),
    ]
    .join("\n");
    let lines = support::replay_source(WELCOME, &log, &[]);
    let welcomed = sent_to(&lines);
    assert_eq!(welcomed, ["u1", "u2", "u3", "u4", "u5"]);
    // A bad call of a batch is reported by its place in it, on the line's number.
    let bad = format!(
        r#"{{"batch":[{},{{"type":"track"}}]}}"#,
        call("u1", "09:00:00")
    );
    let dir = project(&[("j.journey", WELCOME), ("log.jsonl", &bad)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("log.jsonl:1: call 2 of the batch: "),
        "{stderr}"
    );
}

#[test]
fn an_empty_or_null_user_id_is_the_anonymous_id() {
    let log = [
        r#"{"type":"track","userId":"","anonymousId":"anon-1","event":"signed_up","timestamp":"2026-01-05T09:00:00Z"}"#,
        r#"{"type":"track","userId":null,"anonymousId":"anon-2","event":"signed_up","timestamp":"2026-01-05T09:01:00Z"}"#,
        r#"{"type":"track","userId":42,"event":"signed_up","timestamp":"2026-01-05T09:02:00Z"}"#,
    ]
    .join("\n");
    let lines = support::replay_source(WELCOME, &log, &[]);
    let welcomed = sent_to(&lines);
    assert_eq!(welcomed, ["anon-1", "anon-2", "42"]);
}

#[test]
fn the_summary_names_the_first_five_events_no_journey_reads() {
    let track = |e: &str, m: u32| {
        format!(
            r#"{{"type":"track","userId":"u1","event":"{e}","timestamp":"2026-01-05T09:{m:02}:00Z"}}"#
        )
    };
    let mut log: Vec<String> = ["a", "b", "a", "c", "d", "e", "f", "a"]
        .iter()
        .zip(0..)
        .map(|(e, m)| track(e, m))
        .collect();
    let dir = project(&[("j.journey", WELCOME), ("log.jsonl", &log.join("\n"))]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ignored 8 events no journey reads (`a` 3, `b` 1, `c` 1, `d` 1, `e` 1, …)"),
        "{stderr}"
    );
    // Five names or fewer: all of them, and no ellipsis.
    log.truncate(7);
    log.retain(|l| !l.contains(r#""event":"f""#));
    std::fs::write(dir.path().join("log.jsonl"), log.join("\n")).expect("write");
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("ignored 6 events no journey reads (`a` 2, `b` 1, `c` 1, `d` 1, `e` 1)"),
        "{stderr}"
    );
}

#[test]
fn opened_and_clicked_calls_are_engagement_with_the_message_they_name() {
    const SRC: &str = "event signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\ntouchpoint c { channel email  template \"c\" }\ntouchpoint o { channel email  template \"o\" }\njourney j {\n  trigger signed_up\n  onboarding {\n    send welcome\n    wait 1h\n    if clicked(welcome) { send c } else if opened(welcome) { send o }\n  }\n}\n";
    let call = |u: &str, e: &str, t: &str, props: &str| {
        format!(
            r#"{{"type":"track","userId":"{u}","event":"{e}","timestamp":"2026-01-05T{t}Z"{props}}}"#
        )
    };
    let engaged = r#","properties":{"touchpoint":"welcome"}"#;
    let log = [
        call("u1", "signed_up", "09:00:00", ""),
        call("u2", "signed_up", "09:00:00", ""),
        call("u1", "opened", "09:10:00", engaged),
        call("u2", "clicked", "09:20:00", engaged),
    ]
    .join("\n");
    let lines = support::replay_source(SRC, &log, &["--until", "2026-01-06T00:00:00Z"]);
    let followups: Vec<(&str, &str)> = lines
        .iter()
        .filter(|(_, _, a, t)| a == "sent" && t != "welcome")
        .map(|(c, _, _, t)| (c.as_str(), t.as_str()))
        .collect();
    assert_eq!(followups, [("u1", "o"), ("u2", "c")]);
}

#[test]
fn a_call_later_than_the_reorder_window_is_a_bad_line_naming_both_times() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LATE_LOG)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--reorder-window",
            "29s",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "log.jsonl:2: timestamp 2026-01-05T09:00:00Z is earlier than 2026-01-05T09:00:30Z on line 1, by 30s: more than the reorder window (29s)"
        ),
        "{stderr}"
    );
}

#[test]
fn explain_places_an_ignored_event_at_the_step_that_waited() {
    const SRC: &str = "event signed_up\nevent ping\nevent pong\nchannel email\ntouchpoint a { channel email  template \"a\" }\njourney first {\n  trigger signed_up\n  onboarding {\n    wait ping up to 10h\n    wait pong up to 10h\n    send a\n  }\n}\n";
    const EVENTS: &str = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"signed_up\",\"timestamp\":\"2026-01-05T09:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"pong\",\"timestamp\":\"2026-01-05T10:00:00Z\"}\n";
    let text = explain_u1(SRC, EVENTS, &[]);
    assert!(
        text.contains("ignored `pong`: waiting for `ping` until 2026-01-05T19:00:00Z, at `onboarding.0.wait`   [j.journey:9 (onboarding.0.wait)]"),
        "{text}"
    );
}

#[test]
fn explain_names_every_kind_of_step_an_event_is_ignored_at() {
    // Waits for three, two and one event, a clock wait and a send held by quiet hours: `d`,
    // then `a`, arrive while none of them waits for it.
    const SRC: &str = "event signed_up\nevent a\nevent b\nevent c\nevent d\nchannel email { quiet 21:00..08:00 }\ntouchpoint t1 { channel email  template \"1\" }\njourney j {\n  trigger signed_up\n  onboarding {\n    split {\n      50% left { }\n      50% right { }\n    }\n    wait up to 1h {\n      on a { }\n      on b { }\n      on c { }\n    }\n    wait up to 1h {\n      on a { }\n      on b { }\n    }\n    wait until 22:00\n    send t1\n    wait up to 1h {\n      on d { }\n    }\n  }\n}\n";
    let events: String = [
        ("signed_up", "05T09:00"),
        ("d", "05T09:30"),
        ("d", "05T10:30"),
        ("a", "05T10:45"),
        ("d", "05T15:00"),
        ("d", "05T23:00"),
        ("a", "06T08:30"),
    ]
    .iter()
    .map(|(e, t)| {
        format!("{{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"{e}\",\"timestamp\":\"2026-01-{t}:00Z\"}}\n")
    })
    .collect();
    let text = explain_u1(SRC, &events, &["--until", "2026-01-07T00:00:00Z"]);
    for line in [
        "assigned to split variant `left`",
        "2026-01-05T09:30:00Z   ignored `d`: waiting for `a`, `b` or `c` until 2026-01-05T10:00:00Z, at `onboarding.1.wait`",
        "2026-01-05T10:00:00Z   wait timed out: none of `a`, `b` or `c` within 1h",
        "2026-01-05T10:30:00Z   ignored `d`: waiting for `a` or `b` until 2026-01-05T11:00:00Z, at `onboarding.2.wait`",
        "2026-01-05T15:00:00Z   ignored `d`: in `wait until 22:00` until 2026-01-05T22:00:00Z, at `onboarding.3.wait`",
        "2026-01-05T22:00:00Z   deferred t1 (email) to 2026-01-06T08:00:00Z (quiet hours)",
        "2026-01-05T23:00:00Z   ignored `d`: held at `send t1` until 2026-01-06T08:00:00Z (quiet hours), at `onboarding.4.send`",
        "2026-01-06T08:30:00Z   ignored `a`: waiting for `d` until 2026-01-06T09:00:00Z, at `onboarding.5.wait`",
        "2026-01-06T09:00:00Z   wait timed out: no `d` within 1h",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

#[test]
fn explain_shows_enum_values_by_name_for_attributes_event_and_trigger_fields() {
    const SRC: &str = "enum tier { silver, gold }\ncustomer { level: tier = silver }\nevent order { tier: tier }\nchannel email\ntouchpoint t1 { channel email  template \"1\" }\njourney j {\n  trigger order where event.tier == gold\n  entry always\n  onboarding {\n    if trigger.tier == gold and level == silver {\n      send t1\n    }\n  }\n}\n";
    const EVENTS: &str = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"order\",\"properties\":{\"tier\":\"silver\"},\"timestamp\":\"2026-01-05T09:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"order\",\"properties\":{\"tier\":\"gold\"},\"timestamp\":\"2026-01-05T10:00:00Z\"}\n";
    let text = explain_u1(SRC, EVENTS, &[]);
    for line in [
        "because `event.tier == gold` was false (event.tier = silver)",
        "because `event.tier == gold` was true (event.tier = gold)",
        "because `trigger.tier == gold and level == silver` was true (trigger.tier = gold, level = silver)",
    ] {
        assert!(text.contains(line), "{line}\n{text}");
    }
}

#[test]
fn until_before_the_last_event_is_a_warning_and_the_replay_runs_to_that_event() {
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", LOG)]);
    let early = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--until",
            "2026-01-06T00:00:00Z",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&early.stderr);
    assert_eq!(early.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("warning: --until 2026-01-06T00:00:00Z is before the log's last event; the replay ran to the last event"),
        "{stderr}"
    );
    // u3 signed up on 2026-01-08 all the same.
    let lines = support::run_lines(&String::from_utf8_lossy(&early.stdout));
    assert_eq!(
        support::sent_at(&lines, "u3", "welcome"),
        ["2026-01-08T09:00:00Z"]
    );
    let late = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--until",
            "2026-01-20T00:00:00Z",
        ],
        dir.path(),
    );
    assert!(!String::from_utf8_lossy(&late.stderr).contains("warning"));
}

#[test]
fn the_summary_counts_opens_as_events_and_reads_a_leap_second_once() {
    const EVENTS: &str = r#"{"type":"track","userId":"u1","event":"signed_up","timestamp":"2016-12-31T23:59:60Z","properties":{"source":"ads"}}
{"type":"track","userId":"u1","event":"opened","timestamp":"2017-01-01T00:00:10Z","properties":{"touchpoint":"welcome"}}
{"type":"track","userId":"u1","event":"opened","timestamp":"2017-01-01T00:00:20Z","properties":{"touchpoint":"welcome"}}
"#;
    let dir = project(&[("j.journey", JOURNEY), ("log.jsonl", EVENTS)]);
    let out = journeyc(&["run", "j.journey", "--events", "log.jsonl"], dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("replayed 3 lines: 3 events, 0 identify calls, 1 customer"),
        "{stderr}"
    );
    assert!(
        stderr.contains("read 1 leap second (`23:59:60`) as `23:59:59`"),
        "{stderr}"
    );
}

#[test]
fn a_customer_out_of_every_journey_keeps_the_sends_a_cap_still_counts() {
    // After the welcome, the customer is in no journey; an hour later the cap of one email a
    // day still holds the thank-you back, though the replay has forgotten the rest of them.
    const SRC: &str = "event signed_up\nevent ordered\nchannel email { cap 1 per 1d }\ntouchpoint welcome { channel email  template \"welcome\" }\ntouchpoint thanks { channel email  template \"thanks\" }\njourney welcome_mail {\n  trigger signed_up\n  onboarding {\n    send welcome\n  }\n}\njourney thank_you {\n  trigger ordered\n  onboarding {\n    send thanks\n  }\n}\n";
    const EVENTS: &str = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"signed_up\",\"timestamp\":\"2026-01-05T09:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"ordered\",\"timestamp\":\"2026-01-05T10:00:00Z\"}\n";
    let lines = support::replay_source(SRC, EVENTS, &[]);
    let actions: Vec<(&str, &str)> = lines
        .iter()
        .filter(|(_, _, _, t)| !t.is_empty())
        .map(|(_, _, a, t)| (a.as_str(), t.as_str()))
        .collect();
    assert_eq!(actions, [("sent", "welcome"), ("suppressed", "thanks")]);
}

#[test]
fn a_customer_with_an_open_keyed_instance_is_not_forgotten() {
    // Nothing is sent before the wait, so only the instance of order A-1 holds the customer:
    // its timeout must still fire two days later.
    const SRC: &str = "event order_placed { order_id: string }\nevent order_shipped { order_id: string }\nchannel support_task\ntouchpoint stuck_order { channel support_task  template \"stuck\" }\njourney orders per order_id {\n  trigger order_placed\n  onboarding {\n    wait order_shipped up to 2d {\n      exit\n    } timeout {\n      send stuck_order\n    }\n  }\n}\n";
    const EVENTS: &str = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"order_placed\",\"properties\":{\"order_id\":\"A-1\"},\"timestamp\":\"2026-01-05T09:00:00Z\"}\n";
    let lines = support::replay_source(SRC, EVENTS, &["--until", "2026-01-10T00:00:00Z"]);
    let sends: Vec<(&str, &str)> = lines
        .iter()
        .filter(|(_, _, a, _)| a == "sent")
        .map(|(_, time, _, t)| (time.as_str(), t.as_str()))
        .collect();
    assert_eq!(sends, [("2026-01-07T09:00:00Z", "stuck_order")]);
}

#[test]
fn a_call_in_between_keeps_the_sends_the_longest_cap_window_still_counts() {
    // The order at 09:30 is a call of the customer between the welcome and the thank-you:
    // the replay then drops the sends no cap window holds any more, and the one-a-day cap
    // must still hold the welcome of 09:00 when the thank-you is due at 10:30.
    const SRC: &str = "event signed_up\nevent ordered\nchannel email { cap 1 per 1d\n  cap 2 per 1h }\ntouchpoint welcome { channel email  template \"welcome\" }\ntouchpoint thanks { channel email  template \"thanks\" }\njourney welcome_mail {\n  trigger signed_up\n  onboarding {\n    send welcome\n  }\n}\njourney thank_you {\n  trigger ordered\n  onboarding {\n    wait 1h\n    send thanks\n  }\n}\n";
    const EVENTS: &str = "{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"signed_up\",\"timestamp\":\"2026-01-05T09:00:00Z\"}\n{\"type\":\"track\",\"userId\":\"u1\",\"event\":\"ordered\",\"timestamp\":\"2026-01-05T09:30:00Z\"}\n";
    let lines = support::replay_source(SRC, EVENTS, &["--until", "2026-01-06T00:00:00Z"]);
    let actions: Vec<(&str, &str)> = lines
        .iter()
        .filter(|(_, _, _, t)| !t.is_empty())
        .map(|(_, _, a, t)| (a.as_str(), t.as_str()))
        .collect();
    assert_eq!(actions, [("sent", "welcome"), ("suppressed", "thanks")]);
}
