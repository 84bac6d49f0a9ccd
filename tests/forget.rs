//! What a replay may forget of a customer (`src/interp/replay/done.rs`): after each call, a
//! customer who is done or new is dropped from memory and met again later as new, keeping
//! only the journeys they are done in and their profile. Each test here is a customer whose
//! next call must find what forgetting would lose.

mod support;

use support::{replay_source, RunLine};

fn track(user: &str, event: &str, time: &str) -> String {
    format!(r#"{{"type":"track","userId":"{user}","event":"{event}","timestamp":"{time}"}}"#)
}

fn identify(user: &str, traits: &str, time: &str) -> String {
    format!(r#"{{"type":"identify","userId":"{user}","traits":{traits},"timestamp":"{time}"}}"#)
}

/// `(time, touchpoint)` of every send.
fn sends(lines: &[RunLine]) -> Vec<(&str, &str)> {
    lines
        .iter()
        .filter(|(_, _, a, _)| a == "sent")
        .map(|(_, time, _, t)| (time.as_str(), t.as_str()))
        .collect()
}

const UNTIL: [&str; 2] = ["--until", "2026-03-01T00:00:00Z"];

#[test]
fn every_journey_a_customer_is_done_in_stays_done() {
    // Both journeys are `entry once`; the second signup must enter neither, whichever of the
    // two is remembered as done.
    let src = "event signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\ntouchpoint tips { channel email  template \"t\" }\njourney first {\n  trigger signed_up\n  onboarding { send welcome }\n}\njourney second {\n  trigger signed_up\n  onboarding { send tips }\n}\n";
    let log = [
        track("u1", "signed_up", "2026-01-05T09:00:00Z"),
        track("u1", "signed_up", "2026-01-06T09:00:00Z"),
    ]
    .join("\n");
    let lines = replay_source(src, &log, &UNTIL);
    assert_eq!(
        sends(&lines),
        [
            ("2026-01-05T09:00:00Z", "welcome"),
            ("2026-01-05T09:00:00Z", "tips")
        ]
    );
}

#[test]
fn a_journey_entered_every_d_remembers_the_last_entry() {
    let src = "event signed_up\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\njourney monthly {\n  trigger signed_up\n  entry every 30d\n  onboarding { send welcome }\n}\n";
    let log = [
        track("u1", "signed_up", "2026-01-05T09:00:00Z"),
        track("u1", "signed_up", "2026-01-06T09:00:00Z"),
        track("u1", "signed_up", "2026-02-05T09:00:00Z"),
    ]
    .join("\n");
    let lines = replay_source(src, &log, &UNTIL);
    assert_eq!(
        sends(&lines),
        [
            ("2026-01-05T09:00:00Z", "welcome"),
            ("2026-02-05T09:00:00Z", "welcome")
        ]
    );
}

#[test]
fn a_forgotten_customer_keeps_their_profile() {
    // After the identify the customer is in no journey but has a profile of their own: it is
    // what a forgotten customer keeps, and the order an hour later must still see `plan = pro`.
    let src = "customer { plan: string = \"free\" }\nevent signed_up\nevent ordered\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\ntouchpoint thanks { channel email  template \"t\" }\njourney alpha {\n  trigger signed_up\n  onboarding { send welcome }\n}\njourney beta {\n  trigger ordered where plan == \"pro\"\n  onboarding { send thanks }\n}\n";
    let log = [
        identify("u1", r#"{"plan":"pro"}"#, "2026-01-05T09:00:00Z"),
        track("u1", "ordered", "2026-01-05T10:00:00Z"),
    ]
    .join("\n");
    let lines = replay_source(src, &log, &UNTIL);
    assert_eq!(sends(&lines), [("2026-01-05T10:00:00Z", "thanks")]);
}

#[test]
fn a_project_of_more_journeys_than_a_done_mask_holds_replays() {
    // A done customer is remembered as one bit per journey, for the first 64; the 65th is
    // kept whole instead, and is not entered again either. The identify before makes a
    // profile that is forgotten and met again at the signup.
    let mut src =
        String::from("customer { plan: string = \"free\" }\nevent signed_up\nchannel email\n");
    for j in 0..65 {
        src.push_str(&format!(
            "touchpoint t{j} {{ channel email  template \"t\" }}\njourney j{j:02} {{\n  trigger signed_up\n  onboarding {{ send t{j} }}\n}}\n"
        ));
    }
    let log = [
        identify("u1", r#"{"plan":"pro"}"#, "2026-01-05T08:00:00Z"),
        track("u1", "signed_up", "2026-01-05T09:00:00Z"),
        track("u1", "signed_up", "2026-01-06T09:00:00Z"),
    ]
    .join("\n");
    let lines = replay_source(&src, &log, &UNTIL);
    let sent = sends(&lines);
    assert_eq!(sent.len(), 65, "{sent:?}");
    assert!(sent.iter().all(|(time, _)| *time == "2026-01-05T09:00:00Z"));
}

#[test]
fn a_send_that_may_still_convert_keeps_its_customer() {
    // The journey ends at the send; the conversion a day later (and one at the window's last
    // second) is still credited to it.
    let src = "event signed_up\nevent activated\nchannel email\ntouchpoint welcome { channel email  template \"w\"  converts activated within 7d }\njourney welcome_mail {\n  trigger signed_up\n  onboarding { send welcome }\n}\n";
    let log = [
        track("u1", "signed_up", "2026-01-05T09:00:00Z"),
        track("u2", "signed_up", "2026-01-05T09:00:00Z"),
        track("u1", "activated", "2026-01-06T09:00:00Z"),
        track("u2", "activated", "2026-01-12T09:00:00Z"),
    ]
    .join("\n");
    let lines = replay_source(src, &log, &UNTIL);
    let credited: Vec<(&str, &str)> = lines
        .iter()
        .filter(|(_, _, a, _)| a == "credited")
        .map(|(c, time, _, _)| (c.as_str(), time.as_str()))
        .collect();
    assert_eq!(
        credited,
        [
            ("u1", "2026-01-06T09:00:00Z"),
            ("u2", "2026-01-12T09:00:00Z")
        ]
    );
}

#[test]
fn a_state_counts_the_customers_kept_whole_done_and_as_a_profile() {
    // u1 and u4 are done in `welcome_mail`; u2 has only a profile; u3, u5 and u6 wait a day.
    // Without `--until` the last call (u6's) is held for the next run, which may bring calls
    // of the same second; with it, the log is known to be whole up to then.
    let src = "customer { plan: string = \"free\" }\nevent signed_up\nevent started\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\ntouchpoint tip { channel email  template \"t\" }\njourney welcome_mail {\n  trigger signed_up\n  onboarding { send welcome }\n}\njourney tips {\n  trigger started\n  onboarding {\n    wait 1d\n    send tip\n  }\n}\n";
    let log = [
        track("u1", "signed_up", "2026-01-05T09:00:00Z"),
        identify("u2", r#"{"plan":"pro"}"#, "2026-01-05T09:01:00Z"),
        track("u3", "started", "2026-01-05T09:02:00Z"),
        track("u4", "signed_up", "2026-01-05T09:03:00Z"),
        track("u5", "started", "2026-01-05T09:04:00Z"),
        track("u6", "started", "2026-01-05T09:05:00Z"),
    ]
    .join("\n");
    let dir = support::project(&[("j.journey", src), ("log.jsonl", &log)]);
    for (until, counts) in [
        (None, "2 customers kept whole, 2 customers done (entered `once` and left, kept as an id hash), 1 customer kept as a profile, 1 call held for the next run"),
        (Some("2026-01-05T12:00:00Z"), "3 customers kept whole, 2 customers done (entered `once` and left, kept as an id hash), 1 customer kept as a profile, 0 calls held for the next run"),
    ] {
        let mut args = vec!["run", "j.journey", "--events", "log.jsonl", "--state"];
        args.push(if until.is_some() { "until.state" } else { "s.state" });
        if let Some(u) = until {
            args.extend(["--until", u]);
        }
        let out = support::journeyc(&args, dir.path());
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{err}");
        assert!(err.contains(counts), "{err}");
    }
}
