//! Clock times: `wait until [DAY] HH:MM [local]` and `trigger every DAY HH:MM [local] [where
//! COND]`, through the real binary (docs/semantics.md, "Clock waits" and "Scheduled triggers").
//! 2026-01-05 is a Monday.

mod support;

use support::{journeyc, project, run_lines as lines, sent_at as sends, RunLine};

const DECLS: &str = r#"
customer {
  active: bool = true
}
event signed_up
event unsubscribed
channel email
touchpoint weekly_digest { channel email  template "digest" }
touchpoint evening_tip { channel email  template "tip" }
"#;

/// The lines a replay of `log` over the declarations and `journey` wrote.
fn replay(journey: &str, log: &str, extra: &[&str]) -> Vec<RunLine> {
    support::replay_source(&format!("{DECLS}\n{journey}"), log, extra)
}

fn track(user: &str, event: &str, at: &str) -> String {
    format!(r#"{{"type":"track","userId":"{user}","event":"{event}","timestamp":"{at}"}}"#)
}

fn identify(user: &str, active: bool, at: &str) -> String {
    format!(
        r#"{{"type":"identify","userId":"{user}","timestamp":"{at}","traits":{{"active":{active}}}}}"#
    )
}

const DIGEST_AFTER_SIGNUP: &str = r#"
journey digest_after_signup {
  trigger signed_up
  entry always
  onboarding {
    wait until monday 09:00
    send weekly_digest
    wait until 18:30
    send evening_tip
  }
}
"#;

#[test]
fn a_clock_wait_ends_at_the_next_such_time() {
    // Wednesday 10:00: the next Monday 09:00 is the 12th; then 18:30 that same day.
    let log = track("ann", "signed_up", "2026-01-07T10:00:00Z");
    let out = replay(
        DIGEST_AFTER_SIGNUP,
        &log,
        &["--until", "2026-02-01T00:00:00Z"],
    );
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        ["2026-01-12T09:00:00Z"]
    );
    assert_eq!(sends(&out, "ann", "evening_tip"), ["2026-01-12T18:30:00Z"]);
}

#[test]
fn a_clock_time_reached_exactly_is_the_next_one() {
    // Arriving at Monday 09:00 sharp waits a week, not zero seconds.
    let log = track("bob", "signed_up", "2026-01-05T09:00:00Z");
    let out = replay(
        DIGEST_AFTER_SIGNUP,
        &log,
        &["--until", "2026-02-01T00:00:00Z"],
    );
    assert_eq!(
        sends(&out, "bob", "weekly_digest"),
        ["2026-01-12T09:00:00Z"]
    );
}

#[test]
fn the_weekly_digest_goes_out_every_monday_at_0900() {
    let journey = r#"
journey weekly {
  trigger signed_up
  exit on unsubscribed
  stage digest {
    wait until monday 09:00
    send weekly_digest
    goto digest
  }
}
"#;
    let log = [
        track("ann", "signed_up", "2026-01-06T12:00:00Z"),
        track("ann", "unsubscribed", "2026-01-27T08:00:00Z"),
    ]
    .join("\n");
    let out = replay(journey, &log, &["--until", "2026-03-01T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        [
            "2026-01-12T09:00:00Z",
            "2026-01-19T09:00:00Z",
            "2026-01-26T09:00:00Z"
        ]
    );
}

#[test]
fn a_clock_wait_carries_over_a_saved_state() {
    let log = [
        track("ann", "signed_up", "2026-01-07T10:00:00Z"),
        track("bob", "signed_up", "2026-01-12T10:00:00Z"),
    ];
    let whole = replay(
        DIGEST_AFTER_SIGNUP,
        &log.join("\n"),
        &["--until", "2026-01-20T00:00:00Z"],
    );
    let src = format!("{DECLS}\n{DIGEST_AFTER_SIGNUP}");
    let dir = project(&[
        ("j.journey", &src),
        ("a.jsonl", &log[0]),
        ("b.jsonl", &log[1]),
    ]);
    let mut parts = String::new();
    for (file, until) in [
        ("a.jsonl", "2026-01-08T00:00:00Z"),
        ("b.jsonl", "2026-01-20T00:00:00Z"),
    ] {
        let args = [
            "run",
            "j.journey",
            "--events",
            file,
            "--state",
            "s.json",
            "--until",
            until,
        ];
        let out = journeyc(&args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        parts.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    assert_eq!(lines(&parts), whole);
    assert_eq!(
        sends(&whole, "bob", "weekly_digest"),
        ["2026-01-19T09:00:00Z"]
    );
}

#[test]
fn explain_shows_when_a_clock_wait_ends() {
    let src = format!("{DECLS}\n{DIGEST_AFTER_SIGNUP}");
    let log = track("ann", "signed_up", "2026-01-07T10:00:00Z");
    let dir = project(&[("j.journey", &src), ("log.jsonl", &log)]);
    let out = journeyc(
        &[
            "run",
            "j.journey",
            "--events",
            "log.jsonl",
            "--explain",
            "ann",
        ],
        dir.path(),
    );
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("waits in `wait until monday 09:00` until 2026-01-12T09:00:00Z: the first such time after 2026-01-07T10:00:00Z"),
        "{text}"
    );
    // Still waiting at the end of the log: where the customer stands says until when.
    assert!(
        text.contains("in `wait until monday 09:00` until 2026-01-12T09:00:00Z"),
        "{text}"
    );
}

const SCHEDULED: &str = r#"
journey monday_digest {
  trigger every monday 09:00 where active
  entry always
  stage digest { send weekly_digest }
}
"#;

#[test]
fn a_timer_goes_before_a_firing_of_the_same_instant() {
    // The week's wait ends exactly at the next Monday 09:00: the customer completes first, and
    // that firing enters them again (docs/semantics.md, "Scheduled triggers").
    let weekly = r#"
journey monday_digest {
  trigger every monday 09:00
  entry always
  stage digest {
    send weekly_digest
    wait 7d
    send evening_tip
  }
}
"#;
    let log = identify("ann", true, "2026-01-05T08:00:00Z");
    let out = replay(weekly, &log, &["--until", "2026-01-13T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        ["2026-01-05T09:00:00Z", "2026-01-12T09:00:00Z"]
    );
}

#[test]
fn a_schedule_enters_every_known_customer_at_each_firing() {
    let log = [
        identify("ann", true, "2026-01-01T10:00:00Z"),
        identify("bob", true, "2026-01-08T10:00:00Z"),
    ]
    .join("\n");
    let out = replay(SCHEDULED, &log, &["--until", "2026-01-20T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        [
            "2026-01-05T09:00:00Z",
            "2026-01-12T09:00:00Z",
            "2026-01-19T09:00:00Z"
        ]
    );
    // Known from the 8th: not entered for the firing of the 5th.
    assert_eq!(
        sends(&out, "bob", "weekly_digest"),
        ["2026-01-12T09:00:00Z", "2026-01-19T09:00:00Z"]
    );
}

#[test]
fn a_schedule_fires_after_the_events_of_its_instant() {
    // At Monday 09:00 sharp, the identify that clears `active` comes first: no entry then; the
    // one that sets it again at 09:00 a week later comes first too: an entry then.
    let log = [
        identify("ann", false, "2026-01-12T09:00:00Z"),
        identify("ann", true, "2026-01-19T09:00:00Z"),
    ]
    .join("\n");
    let out = replay(SCHEDULED, &log, &["--until", "2026-01-20T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        ["2026-01-19T09:00:00Z"]
    );
}

#[test]
fn a_schedule_follows_the_entry_rule() {
    let once = SCHEDULED.replace("entry always", "entry once");
    let log = identify("ann", true, "2026-01-01T10:00:00Z");
    let out = replay(&once, &log, &["--until", "2026-02-01T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        ["2026-01-05T09:00:00Z"]
    );
    // A customer still inside at a firing is not entered again.
    let long = r#"
journey monday_digest {
  trigger every monday 09:00
  entry always
  stage digest { send weekly_digest  wait 10d  send evening_tip }
}
"#;
    // Inside from the 5th to the 15th and from the 19th to the 29th.
    let out = replay(long, &log, &["--until", "2026-01-27T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        ["2026-01-05T09:00:00Z", "2026-01-19T09:00:00Z"]
    );
}

#[test]
fn a_daily_schedule_fires_every_day() {
    let daily = r#"
journey daily_tip {
  trigger every day 18:30
  entry always
  stage tip { send evening_tip }
}
"#;
    let log = identify("ann", true, "2026-01-05T19:00:00Z");
    let out = replay(daily, &log, &["--until", "2026-01-08T00:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "evening_tip"),
        ["2026-01-06T18:30:00Z", "2026-01-07T18:30:00Z"]
    );
}

#[test]
fn a_schedule_carries_over_a_saved_state() {
    let log = [
        identify("ann", true, "2026-01-01T10:00:00Z"),
        identify("bob", false, "2026-01-10T10:00:00Z"),
        identify("bob", true, "2026-01-13T10:00:00Z"),
    ];
    let whole = replay(
        SCHEDULED,
        &log.join("\n"),
        &["--until", "2026-01-27T00:00:00Z"],
    );
    let src = format!("{DECLS}\n{SCHEDULED}");
    let first = log[..2].join("\n");
    let dir = project(&[
        ("j.journey", &src),
        ("a.jsonl", &first),
        ("b.jsonl", &log[2]),
    ]);
    let mut parts = String::new();
    for (file, until) in [
        ("a.jsonl", "2026-01-11T00:00:00Z"),
        ("b.jsonl", "2026-01-27T00:00:00Z"),
    ] {
        let args = [
            "run",
            "j.journey",
            "--events",
            file,
            "--state",
            "s.json",
            "--until",
            until,
        ];
        let out = journeyc(&args, dir.path());
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        parts.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    assert_eq!(lines(&parts), whole);
    assert_eq!(
        sends(&whole, "bob", "weekly_digest"),
        ["2026-01-19T09:00:00Z", "2026-01-26T09:00:00Z"]
    );
}

#[test]
fn journeyc_test_knows_the_test_customer_from_the_start() {
    // Time 0 of a test is Monday 2026-01-05 09:00 UTC: the first firing is at 0.
    let src = format!(
        "{DECLS}\n{SCHEDULED}\n{}",
        r#"
test "every monday while active" {
  journey monday_digest
  expect sent weekly_digest at 0
  expect sent weekly_digest at 7d
}
test "not while inactive" {
  journey monday_digest
  customer { active = false }
  expect not sent weekly_digest
}
"#
    );
    let dir = project(&[("j.journey", &src)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
}

#[test]
fn simulation_enters_every_simulated_customer_from_arrival() {
    let src = format!(
        "{DECLS}\n{SCHEDULED}\n{}",
        r#"
simulation digest_sim {
  journey monday_digest
  customers 200
  seed 1
  population { active = true 50% | false 50% }
}
"#
    );
    let dir = project(&[("j.journey", &src)]);
    let out = journeyc(&["simulate", "j.journey", "--format", "json"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    let entered = v["entered"].as_u64().expect("entered");
    // About half the customers are active; each active one enters at every firing.
    assert!((70..=130).contains(&entered), "{entered}");
    let text = v.to_string();
    assert!(text.contains("weekly_digest"), "{text}");
}

// ---------------------------------------------------------------- local times

const ZONED: &str = r#"
customer {
  tz: timezone = "America/New_York"
  active: bool = true
}
event signed_up
channel email
touchpoint weekly_digest { channel email  template "digest" }
touchpoint night_note { channel email  template "night" }
"#;

/// A replay of `journey` with the zoned declarations.
fn replay_zoned(journey: &str, log: &[String], until: &str) -> Vec<RunLine> {
    support::replay_source(
        &format!("{ZONED}\n{journey}"),
        &log.join("\n"),
        &["--until", until],
    )
}

fn zone(user: &str, tz: &str, at: &str) -> String {
    format!(
        r#"{{"type":"identify","userId":"{user}","timestamp":"{at}","traits":{{"tz":"{tz}"}}}}"#
    )
}

const LOCAL_DIGEST: &str = r#"
journey weekly {
  trigger signed_up
  entry always
  onboarding {
    wait until monday 09:00 local
    send weekly_digest
  }
}
"#;

#[test]
fn a_local_clock_wait_reads_the_customers_zone() {
    let log = [
        zone("tokyo", "Asia/Tokyo", "2026-01-07T09:00:00Z"),
        track("ny", "signed_up", "2026-01-07T10:00:00Z"),
        track("tokyo", "signed_up", "2026-01-07T10:00:00Z"),
    ];
    let out = replay_zoned(LOCAL_DIGEST, &log, "2026-01-20T00:00:00Z");
    // Monday 09:00 in New York (UTC-5) and in Tokyo (UTC+9).
    assert_eq!(sends(&out, "ny", "weekly_digest"), ["2026-01-12T14:00:00Z"]);
    assert_eq!(
        sends(&out, "tokyo", "weekly_digest"),
        ["2026-01-12T00:00:00Z"]
    );
}

#[test]
fn a_local_time_in_the_spring_forward_gap_is_when_the_gap_ends() {
    // New York, Sunday 2026-03-08: clocks go from 02:00 EST to 03:00 EDT; 02:30 does not exist.
    let journey = r#"
journey night {
  trigger signed_up
  onboarding {
    wait until 02:30 local
    send night_note
    wait until monday 09:00 local
    send weekly_digest
  }
}
"#;
    let log = [track("ann", "signed_up", "2026-03-07T12:00:00Z")];
    let out = replay_zoned(journey, &log, "2026-03-20T00:00:00Z");
    // 03:00 EDT, then Monday 09:00 EDT (UTC-4, no longer UTC-5).
    assert_eq!(sends(&out, "ann", "night_note"), ["2026-03-08T07:00:00Z"]);
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        ["2026-03-09T13:00:00Z"]
    );
}

#[test]
fn a_local_time_in_the_fall_back_overlap_is_the_earlier_one() {
    // New York, Sunday 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST; 01:30 happens
    // twice (05:30Z and 06:30Z).
    let journey = r#"
journey night {
  trigger signed_up
  entry always
  onboarding {
    wait until 01:30 local
    send night_note
  }
}
"#;
    let log = [
        track("early", "signed_up", "2026-10-31T12:00:00Z"),
        // Between the two 01:30s: the earlier has passed, so the next is Monday's.
        track("between", "signed_up", "2026-11-01T06:00:00Z"),
    ];
    let out = replay_zoned(journey, &log, "2026-11-05T00:00:00Z");
    assert_eq!(sends(&out, "early", "night_note"), ["2026-11-01T05:30:00Z"]);
    assert_eq!(
        sends(&out, "between", "night_note"),
        ["2026-11-02T06:30:00Z"]
    );
}

#[test]
fn a_zone_change_while_waiting_moves_the_deadline() {
    let log = [
        track("mover", "signed_up", "2026-03-04T12:00:00Z"),
        track("stayer", "signed_up", "2026-03-04T12:00:00Z"),
        zone("mover", "Asia/Tokyo", "2026-03-07T12:00:00Z"),
        // The same zone again changes nothing.
        zone("stayer", "America/New_York", "2026-03-07T12:00:00Z"),
    ];
    let out = replay_zoned(LOCAL_DIGEST, &log, "2026-03-20T00:00:00Z");
    // Monday 09:00 in Tokyo, not in New York (13:00Z).
    assert_eq!(
        sends(&out, "mover", "weekly_digest"),
        ["2026-03-09T00:00:00Z"]
    );
    assert_eq!(
        sends(&out, "stayer", "weekly_digest"),
        ["2026-03-09T13:00:00Z"]
    );
}

#[test]
fn a_local_schedule_fires_at_the_local_time_across_a_dst_change() {
    let journey = r#"
journey morning {
  trigger every day 09:00 local where active
  entry always
  stage s { send weekly_digest }
}
"#;
    let log = [
        identify("ann", true, "2026-03-06T12:00:00Z"),
        zone("kei", "Asia/Tokyo", "2026-03-06T12:00:00Z"),
    ];
    let out = replay_zoned(journey, &log, "2026-03-10T00:00:00Z");
    // Known from 07:00 EST on Friday: 09:00 EST is 14:00Z until Sunday's change, then 09:00
    // EDT is 13:00Z.
    assert_eq!(
        sends(&out, "ann", "weekly_digest"),
        [
            "2026-03-06T14:00:00Z",
            "2026-03-07T14:00:00Z",
            "2026-03-08T13:00:00Z",
            "2026-03-09T13:00:00Z"
        ]
    );
    // Tokyo has no DST: 00:00Z every day (`--until` included).
    assert_eq!(
        sends(&out, "kei", "weekly_digest"),
        [
            "2026-03-07T00:00:00Z",
            "2026-03-08T00:00:00Z",
            "2026-03-09T00:00:00Z",
            "2026-03-10T00:00:00Z"
        ]
    );
}

#[test]
fn a_weekly_local_digest_in_a_journeyc_test_across_the_spring_change() {
    // Time 0 is Monday 2026-01-05 09:00 UTC, 04:00 in New York; nine weeks later (2026-03-09)
    // New York is on daylight time.
    let src = format!(
        "{ZONED}\n{}\n{}",
        r#"
journey weekly_loop {
  trigger signed_up
  stage digest {
    wait until monday 09:00 local
    send weekly_digest
    goto digest
  }
}
"#,
        r#"
test "09:00 New York time, before and after the change" {
  journey weekly_loop
  at 0 signed_up
  expect sent weekly_digest at 5h
  expect sent weekly_digest at 63d4h
}
test "a customer in Tokyo" {
  journey weekly_loop
  customer { tz = "Asia/Tokyo" }
  at 0 signed_up
  expect sent weekly_digest at 6d15h
}
"#
    );
    let dir = project(&[("j.journey", &src)]);
    let out = journeyc(&["test", "j.journey"], dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("2 passed, 0 failed"), "{text}");
}
