//! `journeyc run --state FILE`: runs over consecutive parts of a log, each continuing from the
//! state the previous one saved, write exactly the actions of one run over the whole log.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Two journeys sharing a capped channel with quiet hours: an `entry once` journey with waits,
/// a timeout, a delay, a goal window and an engagement branch, and an `entry every` journey.
const JOURNEY: &str = r#"
enum plan { free, trial, pro }
customer { plan: plan = trial, seats: int = 1 }
event signed_up as "Signed Up" { source: string }
event activated
event upgraded as "Plan Upgraded" { plan: plan }
event visited
channel email { cap 2 per 6h  quiet 22:00..07:00 }
touchpoint welcome { channel email  template "welcome" }
touchpoint nudge   { channel email  template "nudge" }
touchpoint tip     { channel email  template "tip" }
touchpoint ping    { channel email  template "ping" }
journey trial {
  trigger signed_up where plan == trial
  goal upgraded within 6h
  onboarding {
    send welcome
    wait activated up to 3h {
      if seats > 5 { send tip }
    } timeout {
      send nudge
    }
    wait 2h
    if opened(welcome) { send tip }
  }
}
journey visits {
  trigger visited
  entry every 4h
  onboarding {
    wait 30m
    if count(visited within 12h) < 3 and not (sent(welcome) within 2h) { send ping }
  }
}
"#;

/// 2026-03-02T00:00:00Z, the start of the log's day.
const DAY0: i64 = 1_772_409_600;
const END: &str = "2026-03-03T00:00:00Z";

/// One day of calls for 30 customers, each line as `(time, text)`, in the order a log holds
/// them: sorted by time plus a delay of 0 to 20 s (calls arriving late, which the default
/// one-minute reorder window sorts back).
fn calls() -> Vec<(i64, String)> {
    let mut calls: Vec<(i64, String)> = Vec::new();
    let mut push = |t: i64, text: String| {
        if t < DAY0 + 86_400 {
            calls.push((t, text));
        }
    };
    let ms = |t: i64| t * 1000;
    for i in 0..30_i64 {
        let id = format!("c{i}");
        // Customers in pairs 7 s apart, so that late calls change the order of the actions.
        let t = DAY0 + 600 + (i / 2) * 5_600 + (i % 2) * 7;
        let plan = ["trial", "Trial", "free", "trial"][(i % 4) as usize];
        if i % 5 == 2 {
            // No profile (the default plan is trial), and a call long after the journey: such a
            // customer is then done, kept as an id hash.
            let late = t + 13 * 3_600;
            push(
                late,
                format!(
                    r#"{{"type":"track","userId":"{id}","event":"activated","timestamp":{}}}"#,
                    ms(late)
                ),
            );
        } else {
            push(
                t,
                format!(
                    r#"{{"type":"identify","userId":"{id}","timestamp":{},"traits":{{"plan":"{plan}","seats":"{}"}}}}"#,
                    ms(t),
                    i % 11
                ),
            );
        }
        push(
            t + 60,
            format!(
                r#"{{"type":"track","userId":"{id}","event":"Signed Up","timestamp":{},"properties":{{"source":"ads"}}}}"#,
                ms(t + 60)
            ),
        );
        push(
            t + 75,
            format!(
                r#"{{"type":"track","userId":"{id}","event":"Page Viewed","timestamp":{}}}"#,
                ms(t + 75)
            ),
        );
        if i % 3 != 0 {
            let a = t + 60 + (i % 5) * 3_000;
            push(
                a,
                format!(
                    r#"{{"type":"track","userId":"{id}","event":"activated","timestamp":{}}}"#,
                    ms(a)
                ),
            );
        }
        if i % 4 == 1 {
            let o = t + 400;
            push(
                o,
                format!(
                    r#"{{"type":"track","userId":"{id}","event":"opened","timestamp":{},"properties":{{"touchpoint":"welcome"}}}}"#,
                    ms(o)
                ),
            );
        }
        if i % 6 == 1 {
            let u = t + 4 * 3_600;
            push(
                u,
                format!(
                    r#"{{"type":"track","userId":"{id}","event":"Plan Upgraded","timestamp":{},"properties":{{"plan":"pro"}}}}"#,
                    ms(u)
                ),
            );
        }
        if i % 3 == 0 {
            for k in 0..3 {
                let v = t + 120 + k * 7_000;
                push(
                    v,
                    format!(
                        r#"{{"type":"track","userId":"{id}","event":"visited","timestamp":{}}}"#,
                        ms(v)
                    ),
                );
            }
        }
    }
    let mut keyed: Vec<(i64, usize, (i64, String))> = calls
        .into_iter()
        .enumerate()
        .map(|(n, c)| (c.0 + (n as i64 * 7_919) % 21, n, c))
        .collect();
    keyed.sort();
    keyed.into_iter().map(|k| k.2).collect()
}

fn text(lines: &[(i64, String)]) -> String {
    lines.iter().map(|l| format!("{}\n", l.1)).collect()
}

fn journeyc(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .arg("run")
        .arg("j.journey")
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs")
}

struct Run {
    actions: String,
    stderr: String,
}

/// Replays `log` (written to `log.jsonl`), continuing `state` when given; the run must succeed.
fn run(dir: &Path, log: &str, state: Option<&str>, until: Option<&str>) -> Run {
    std::fs::write(dir.join("log.jsonl"), log).expect("write the log");
    let mut args = vec!["--events", "log.jsonl"];
    if let Some(s) = state {
        args.extend(["--state", s]);
    }
    if let Some(u) = until {
        args.extend(["--until", u]);
    }
    let out = journeyc(dir, &args);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    Run {
        actions: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr,
    }
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), JOURNEY).expect("write the journey");
    dir
}

/// The number before `word` in the state line of a run's summary.
fn state_count(stderr: &str, word: &str) -> usize {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("state: "))
        .unwrap_or_else(|| panic!("no state line in {stderr}"));
    let before = line.split(word).next().unwrap_or_default();
    before
        .rsplit(|c: char| !c.is_ascii_digit())
        .find(|w| !w.is_empty())
        .and_then(|w| w.parse().ok())
        .unwrap_or_else(|| panic!("no count before `{word}` in {line}"))
}

#[test]
fn a_log_split_at_every_line_gives_the_actions_of_one_run() {
    let dir = setup();
    let d = dir.path();
    let lines = calls();
    let whole = run(d, &text(&lines), Some("whole.state"), Some(END)).actions;
    // The log exercises what the state must carry.
    let kinds: BTreeSet<&str> = whole
        .lines()
        .filter_map(|l| l.split(r#""action":""#).nth(1)?.split('"').next())
        .collect();
    for kind in [
        "entered",
        "sent",
        "suppressed",
        "deferred",
        "timed_out",
        "converted",
        "completed",
    ] {
        assert!(
            kinds.contains(kind),
            "the log exercises `{kind}`: {kinds:?}"
        );
    }
    // One run without a state writes the same (no timer falls exactly on END).
    assert_eq!(run(d, &text(&lines), None, Some(END)).actions, whole);
    let (mut held, mut done, mut kept, mut profiles) = (0, 0, 0, 0);
    for k in 0..=lines.len() {
        let state = format!("split{k}.state");
        let first = run(d, &text(&lines[..k]), Some(&state), None);
        let second = run(d, &text(&lines[k..]), Some(&state), Some(END));
        held = held.max(state_count(&first.stderr, "held"));
        done = done.max(state_count(&first.stderr, "done"));
        kept = kept.max(state_count(&first.stderr, "kept whole"));
        profiles = profiles.max(state_count(&first.stderr, "kept as a profile"));
        assert_eq!(
            first.actions + &second.actions,
            whole,
            "split before line {}",
            k + 1
        );
        std::fs::remove_file(d.join(&state)).expect("the state was written");
    }
    assert!(
        held > 0 && done > 0 && kept > 0 && profiles > 0,
        "states carried held calls ({held}), done customers ({done}), profiles ({profiles}) and whole ones ({kept})"
    );
}

#[test]
fn twenty_four_hourly_runs_give_the_actions_of_one_run() {
    let dir = setup();
    let d = dir.path();
    let lines = calls();
    let whole = run(d, &text(&lines), None, Some(END)).actions;
    let mut hourly = String::new();
    for h in 0..24_i64 {
        let hour: Vec<(i64, String)> = lines
            .iter()
            .filter(|l| (l.0 - DAY0) / 3_600 == h)
            .cloned()
            .collect();
        let until = journeyc::interp::time::format_rfc3339(DAY0 + (h + 1) * 3_600);
        hourly += &run(d, &text(&hour), Some("hourly.state"), Some(&until)).actions;
    }
    assert!(whole.lines().count() > 100, "{whole}");
    assert_eq!(hourly, whole);
}

#[test]
fn a_call_before_the_end_of_the_previous_run_is_a_bad_line() {
    let dir = setup();
    let d = dir.path();
    let lines = calls();
    run(
        d,
        &text(&lines[..20]),
        Some("s.state"),
        Some("2026-03-02T12:00:00Z"),
    );
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    // The same first 20 lines again: before 12:00, where the first run ended.
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains(
            "is before 2026-03-02T12:00:00Z, where the previous run saved in the state ended"
        ),
        "{err}"
    );
}

fn first_run(d: &Path) -> PathBuf {
    let lines = calls();
    run(d, &text(&lines[..lines.len() / 2]), Some("s.state"), None);
    d.join("s.state")
}

fn refused(d: &Path) -> String {
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert!(out.stdout.is_empty(), "nothing is replayed");
    err
}

#[test]
fn a_state_of_another_version_of_the_journey_is_refused_naming_the_steps() {
    let dir = setup();
    let d = dir.path();
    let state = first_run(d);
    let before = std::fs::read(&state).expect("state");
    // A comment and a blank line move every step: positions are not part of the fingerprint.
    std::fs::write(d.join("j.journey"), format!("// moved\n\n{JOURNEY}")).expect("write");
    run(d, "", Some("s.state"), None);
    std::fs::write(&state, &before).expect("restore the state");
    // The timeout changes: customers waiting there would time out at another time.
    let changed = JOURNEY.replace("up to 3h", "up to 4h");
    std::fs::write(d.join("j.journey"), changed).expect("write");
    let err = refused(d);
    assert!(
        err.contains(
            "journey `trial` changed since the state was saved: step `onboarding.1.wait` changed"
        ),
        "{err}"
    );
    assert!(!err.contains("journey `visits` changed"), "{err}");
    assert!(!err.contains(" more"), "one change is all: {err}");
    assert_eq!(
        std::fs::read(&state).expect("state"),
        before,
        "left as it was"
    );
    // Many changes: the first twelve are named, and how many more there are.
    let changed = JOURNEY
        .replace(
            "  onboarding {\n    send welcome",
            "  onboarding {\n    wait 1m\n    send welcome",
        )
        .replace("within 6h", "within 7h")
        .replace("where plan == trial", "where plan == pro")
        .replace("cap 2 per 6h", "cap 3 per 6h");
    std::fs::write(d.join("j.journey"), changed).expect("write");
    let err = refused(d);
    let trial = err
        .split("journey `trial` changed since the state was saved: ")
        .nth(1)
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{err}"));
    let named: Vec<&str> = trial.split(", ").collect();
    assert_eq!(named.len(), 13, "{trial}");
    assert!(
        named[12].starts_with("and ") && named[12].ends_with(" more"),
        "{trial}"
    );
    // A journey removed.
    let (one, _) = JOURNEY.split_once("journey visits").expect("two journeys");
    std::fs::write(d.join("j.journey"), one).expect("write");
    let err = refused(d);
    assert!(
        err.contains("saved running the journeys `trial`, `visits`, and this run has `trial`"),
        "{err}"
    );
}

#[test]
fn a_truncated_or_damaged_state_is_an_error_never_a_panic() {
    let dir = setup();
    let d = dir.path();
    let state = first_run(d);
    let full = std::fs::read(&state).expect("state");
    assert!(full.len() > 400, "{}", full.len());
    let header_end = full.iter().position(|b| *b == b'\n').expect("lines") + 1;
    let cuts = [
        0,
        1,
        header_end - 1,
        header_end,
        full.len() / 2,
        full.len() - 1,
    ];
    for cut in cuts {
        std::fs::write(&state, &full[..cut]).expect("truncate");
        let err = refused(d);
        assert!(
            err.contains("cannot use the state `s.state`")
                && (err.contains("truncated")
                    || err.contains("empty")
                    || err.contains("not a journeyc state")),
            "cut at {cut}: {err}"
        );
    }
    // One digit changed inside a customer's line: valid JSON, wrong content.
    let text = String::from_utf8(full.clone()).expect("UTF-8");
    let at = text.find(r#""entries":1"#).expect("a customer entered");
    let damaged = format!("{}\"entries\":2{}", &text[..at], &text[at + 11..]);
    std::fs::write(&state, damaged).expect("damage");
    let err = refused(d);
    assert!(err.contains("checksum does not match"), "{err}");
    // Not a state at all.
    std::fs::write(&state, "{\"type\":\"identify\"}\n").expect("write");
    assert!(refused(d).contains("not a journeyc state"));
}

#[test]
fn a_run_killed_while_saving_leaves_the_old_state_whole() {
    let dir = setup();
    let d = dir.path();
    let state = first_run(d);
    let before = std::fs::read(&state).expect("state");
    let lines = calls();
    std::fs::write(d.join("log.jsonl"), text(&lines[lines.len() / 2..])).expect("write");
    // The shell limits the size of files the run may write to 1 KiB: the kernel kills it with
    // SIGXFSZ in the middle of writing the new state (as a kill -9 would), root or not.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -f 2 && exec '{}' run j.journey --events log.jsonl --state s.state --out out.jsonl",
            env!("CARGO_BIN_EXE_journeyc")
        ))
        .current_dir(d)
        .status()
        .expect("sh runs");
    assert!(!status.success(), "the run was stopped");
    assert_eq!(
        std::fs::read(&state).expect("state"),
        before,
        "the old state is whole"
    );
    assert!(!d.join("out.jsonl").exists(), "no output was put in place");
    // The same run again, unhindered, continues from the old state.
    run(d, &text(&lines[lines.len() / 2..]), Some("s.state"), None);
    assert_ne!(std::fs::read(&state).expect("state"), before);
    // A state in a folder that does not exist cannot be written: an error, and no output.
    let out = journeyc(
        d,
        &[
            "--events",
            "log.jsonl",
            "--state",
            "missing/s.state",
            "--out",
            "o.jsonl",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("cannot write the state `missing/s.state`"),
        "{err}"
    );
    assert!(!d.join("o.jsonl").exists());
}

#[test]
fn a_shard_state_is_refused_by_another_shard() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(d.join("log.jsonl"), text(&calls())).expect("write");
    let out = journeyc(
        d,
        &[
            "--events",
            "log.jsonl",
            "--state",
            "s.state",
            "--shard",
            "0/2",
        ],
    );
    assert_eq!(out.status.code(), Some(0));
    let out = journeyc(
        d,
        &[
            "--events",
            "log.jsonl",
            "--state",
            "s.state",
            "--shard",
            "1/2",
        ],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("the state is of shard 0/2, and this run replays shard 1/2"),
        "{err}"
    );
}

#[test]
fn a_state_that_is_a_folder_an_input_or_the_output_is_refused() {
    let dir = setup();
    let d = dir.path();
    std::fs::write(d.join("log.jsonl"), text(&calls()[..10])).expect("write");
    std::fs::create_dir(d.join("folder")).expect("mkdir");
    for (args, says) in [
        (vec!["--state", "folder"], "it is not a regular file"),
        (vec!["--state", "log.jsonl"], "is the input `log.jsonl`"),
        (
            vec!["--state", "j.journey"],
            "would overwrite a journey file",
        ),
        (
            vec!["--state", "o.jsonl", "--out", "o.jsonl"],
            "is also --out",
        ),
    ] {
        let mut all = vec!["--events", "log.jsonl"];
        all.extend(args);
        let out = journeyc(d, &all);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(err.contains(says), "{says}: {err}");
    }
    assert_eq!(
        std::fs::read_to_string(d.join("log.jsonl")).expect("log"),
        text(&calls()[..10]),
        "the log is untouched"
    );
}

/// FNV-1a, 64-bit: the state's checksum (docs/event-logs.md), written here from its definition.
fn fnv1a(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// A state's lines before its end line, with the end line a run writes: their count and their
/// checksum.
fn seal(body: &str) -> String {
    format!(
        "{body}{{\"end\":{{\"lines\":{},\"checksum\":\"{}\"}}}}\n",
        body.lines().count(),
        fnv1a(body.as_bytes())
    )
}

#[test]
fn a_state_edited_and_sealed_again_is_still_checked_line_by_line() {
    // A state changed by hand (or by a bug) and given a matching checksum: its lines must
    // still fit the journeys, or the run stops with an error, never a panic.
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let journey = "customer { plan: string = \"free\" }\nevent signed_up\nevent started\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\njourney welcome_mail {\n  trigger signed_up\n  onboarding { send welcome }\n}\njourney tips {\n  trigger started\n  onboarding { send welcome }\n}\n";
    std::fs::write(d.join("j.journey"), journey).expect("write the journey");
    // u2 is kept as a profile only, u3 as a profile and done in `welcome_mail` (the second: journeys are in name order).
    let log = [
        r#"{"type":"identify","userId":"u2","traits":{"plan":"pro"},"timestamp":"2026-01-05T09:01:00Z"}"#,
        r#"{"type":"identify","userId":"u3","traits":{"plan":"pro"},"timestamp":"2026-01-05T09:02:00Z"}"#,
        r#"{"type":"track","userId":"u3","event":"signed_up","timestamp":"2026-01-05T09:03:00Z"}"#,
    ]
    .join("\n");
    run(d, &log, Some("s.state"), Some("2026-01-06T00:00:00Z"));
    let state = std::fs::read_to_string(d.join("s.state")).expect("the state");
    let body_end = state.trim_end().rfind('\n').expect("an end line") + 1;
    let (body, end) = state.split_at(body_end);
    assert!(body.contains(r#""journeys":2"#), "{body}");
    assert!(
        end.contains(&fnv1a(body.as_bytes())),
        "the checksum is FNV-1a: {end}"
    );
    // Sealed again unchanged, it is taken.
    std::fs::write(d.join("s.state"), seal(body)).expect("write");
    std::fs::write(d.join("log.jsonl"), "").expect("write the log");
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for (from, to) in [
        // done in a third journey the project does not have
        (r#""journeys":0"#, r#""journeys":4"#),
        // a profile of two attributes for a customer block of one
        (
            r#""attrs":[{"Str":"pro"}]"#,
            r#""attrs":[{"Str":"pro"},{"Str":"x"}]"#,
        ),
    ] {
        assert!(body.contains(from), "{from} in {body}");
        std::fs::write(d.join("s.state"), seal(&body.replace(from, to))).expect("write");
        let err = refused(d);
        assert!(
            err.contains("a customer's profile does not fit the journeys"),
            "{to}: {err}"
        );
    }
    // A line of done customers (here one more, u9) must name journeys the project has.
    let with_done = |journeys: u64| {
        let (head, rest) = body.split_at(body.find('\n').expect("a header line") + 1);
        let head = head.replace(r#""done":0"#, r#""done":1"#);
        format!("{head}{{\"done\":{{\"journeys\":{journeys},\"ids\":[\"0123456789abcdef0123456789abcdef\"]}}}}\n{rest}")
    };
    std::fs::write(d.join("s.state"), seal(&with_done(3))).expect("write");
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for journeys in [0, 4, 5] {
        std::fs::write(d.join("s.state"), seal(&with_done(journeys))).expect("write");
        let err = refused(d);
        assert!(
            err.contains("names journeys this run does not have"),
            "{journeys}: {err}"
        );
    }
}

#[test]
fn a_sealed_state_whose_customer_does_not_fit_the_journeys_is_refused() {
    // u3 waits at `wait ok` after a welcome counted by the cap. Each edit below gives the
    // customer's line a shape the journeys cannot have, behind a matching checksum: the run
    // must stop with an error naming the line, where the engine would index out of bounds.
    let dir = tempfile::tempdir().expect("temp dir");
    let d = dir.path();
    let journey = "customer { plan: string = \"free\" }\nevent started\nevent ok\nchannel email { cap 2 per 1d }\ntouchpoint welcome { channel email  template \"w\" }\ntouchpoint tip { channel email  template \"t\" }\njourney tips {\n  trigger started\n  onboarding {\n    send welcome\n    wait ok up to 1d\n    send tip\n  }\n}\n";
    std::fs::write(d.join("j.journey"), journey).expect("write the journey");
    let log =
        r#"{"type":"track","userId":"u3","event":"started","timestamp":"2026-01-05T09:02:00Z"}"#;
    run(d, log, Some("s.state"), Some("2026-01-05T10:00:00Z"));
    let state = std::fs::read_to_string(d.join("s.state")).expect("the state");
    let body = &state[..state.trim_end().rfind('\n').expect("an end line") + 1];
    std::fs::write(d.join("log.jsonl"), "").expect("write the log");
    std::fs::write(d.join("s.state"), seal(body)).expect("write");
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let send = r#"{"at":1767603720,"journey":0,"touchpoint":1}"#;
    for (from, to) in [
        // a send of a touchpoint past the last
        (
            send.to_string(),
            send.replace(r#""touchpoint":1"#, r#""touchpoint":2"#),
        ),
        // a log for no channel
        (format!(r#""logs":[[{send}]]"#), r#""logs":[]"#.to_string()),
        // waiting at a step past the last (the journey has four)
        (r#""node":2"#.into(), r#""node":4"#.into()),
        // the event that entered is past the journey's two
        (
            r#""event":{"event":1"#.into(),
            r#""event":{"event":2"#.into(),
        ),
        (r#""attrs":[{"Str":"free"}]"#.into(), r#""attrs":[]"#.into()),
        (r#""channel_log":[[]]"#.into(), r#""channel_log":[]"#.into()),
        // a send lent to the instance, which only holds them during a call
        (
            r#""channel_log":[[]]"#.into(),
            format!(r#""channel_log":[[{send}]]"#),
        ),
        (
            r#""journey":0,"watch""#.into(),
            r#""journey":1,"watch""#.into(),
        ),
        (
            r#""last_sent":[null,1767603720]"#.into(),
            r#""last_sent":[null]"#.into(),
        ),
        (
            r#""opened":[false,false]"#.into(),
            r#""opened":[false]"#.into(),
        ),
        (
            r#""clicked":[false,false]"#.into(),
            r#""clicked":[false]"#.into(),
        ),
        (
            r#""milestones":[]"#.into(),
            r#""milestones":[false]"#.into(),
        ),
        (
            r#"{"Wait":{"node":2,"until":1767690120}}"#.into(),
            r#""Running""#.into(),
        ),
        // parked as `wait until` or a clock wait at a step that is neither, or at none
        (
            r#"{"Wait":{"node":2,"#.into(),
            r#"{"Until":{"node":2,"#.into(),
        ),
        (
            r#"{"Wait":{"node":2,"#.into(),
            r#"{"Until":{"node":9,"#.into(),
        ),
        (
            r#"{"Wait":{"node":2,"#.into(),
            r#"{"Clock":{"node":2,"#.into(),
        ),
    ] {
        assert!(body.contains(&from), "{from} in {body}");
        std::fs::write(d.join("s.state"), seal(&body.replacen(&from, &to, 1))).expect("write");
        let err = refused(d);
        assert!(
            err.contains("line 2 of the state") && err.contains("does not fit the journeys"),
            "{to}: {err}"
        );
    }
}

/// A folder with one journey: every signup gets the welcome (`entry always`).
fn welcome_always() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let journey = "event signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\njourney j {\n  trigger signed_up\n  entry always\n  onboarding { send welcome }\n}\n";
    std::fs::write(dir.path().join("j.journey"), journey).expect("write the journey");
    dir
}

/// u1 signs up at `t`.
fn call(t: &str) -> String {
    format!(r#"{{"type":"track","userId":"u1","event":"signed_up","timestamp":"{t}"}}"#)
}

#[test]
fn without_until_a_run_ends_the_reorder_window_before_its_latest_call() {
    // The latest call is at 09:00 and the window is a minute: the run saved in the state
    // replayed everything before 08:59, and the next run may not go back before it.
    let dir = welcome_always();
    let d = dir.path();
    run(d, &call("2026-01-05T09:00:00Z"), Some("s.state"), None);
    std::fs::write(d.join("log.jsonl"), call("2026-01-05T08:58:59Z")).expect("write");
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("timestamp 2026-01-05T08:58:59Z is before 2026-01-05T08:59:00Z, where the previous run saved in the state ended"),
        "{err}"
    );
}

#[test]
fn a_call_at_the_end_of_the_previous_run_is_taken() {
    // The first run ends at 10:00 (`--until`); a call at exactly 10:00 is the next run's. That
    // run ends at 11:00, and a call a second before it is refused.
    let dir = welcome_always();
    let d = dir.path();
    run(
        d,
        &call("2026-01-05T09:00:00Z"),
        Some("s.state"),
        Some("2026-01-05T10:00:00Z"),
    );
    let second = run(
        d,
        &call("2026-01-05T10:00:00Z"),
        Some("s.state"),
        Some("2026-01-05T11:00:00Z"),
    );
    assert!(
        second.actions.contains(r#""action":"sent""#),
        "{}",
        second.actions
    );
    std::fs::write(d.join("log.jsonl"), call("2026-01-05T10:59:59Z")).expect("write");
    let out = journeyc(d, &["--events", "log.jsonl", "--state", "s.state"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "is before 2026-01-05T11:00:00Z, where the previous run saved in the state ended"
        ),
        "{err}"
    );
}
