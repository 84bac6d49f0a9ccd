//! `journeyc run --shard K/N`: N runs on the same log, one per shard, do together exactly what
//! one run does.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn fixtures() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/logs"))
}

/// A log of 90 customers over ten days: profiles, signups, activations after 0 to 3 days
/// (so some time out and get the nudge), upgrades, engagement and events no journey reads.
fn log() -> String {
    let mut calls: Vec<(i64, String)> = Vec::new();
    let day0 = 1_772_409_600; // 2026-03-02T00:00:00Z
    for i in 0..90_i64 {
        let id = format!("c{i}");
        let t = day0 + i * 2_417;
        let plan = ["trial", "Trial", "free"][(i % 3) as usize];
        calls.push((t, format!(r#"{{"type":"identify","userId":"{id}","timestamp":{},"traits":{{"plan":"{plan}","seats":"{}"}}}}"#, t * 1000, i % 11)));
        calls.push((t + 60, format!(r#"{{"type":"track","userId":"{id}","event":"Signed Up","timestamp":{},"properties":{{"source":"ads"}}}}"#, (t + 60) * 1000)));
        if i % 4 != 0 {
            let a = t + 60 + (i % 5) * 20_000;
            calls.push((
                a,
                format!(
                    r#"{{"type":"track","userId":"{id}","event":"activated","timestamp":{}}}"#,
                    a * 1000
                ),
            ));
        }
        if i % 6 == 1 {
            let u = t + 5 * 86_400;
            calls.push((u, format!(r#"{{"type":"track","userId":"{id}","event":"Plan Upgraded","timestamp":{},"properties":{{"plan":"pro"}}}}"#, u * 1000)));
        }
        calls.push((
            t + 90,
            format!(
                r#"{{"type":"track","anonymousId":"{id}","event":"Page Viewed","timestamp":{}}}"#,
                (t + 90) * 1000
            ),
        ));
    }
    calls.sort_by_key(|c| c.0);
    calls.into_iter().map(|c| c.1 + "\n").collect()
}

/// The actions a run printed, and (for a shard) how many calls it says belonged to other shards.
fn run(dir: &Path, extra: &[&str]) -> (Vec<String>, usize) {
    let log = dir.join("log.jsonl");
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["run", "trial.journey", "--events"])
        .arg(&log)
        .args(["--until", "2026-03-20T00:00:00Z"])
        .args(extra)
        .current_dir(fixtures())
        .output()
        .expect("the journeyc binary runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    let mut other = 0;
    if let Some(shard) = extra.get(1) {
        assert!(
            err.contains(&format!("shard {shard}: replayed the customers")),
            "{err}"
        );
        let count = err
            .split("customers read for their times only")
            .next()
            .and_then(|head| head.rsplit("; ").next())
            .and_then(|n| n.split(' ').next())
            .and_then(|n| n.parse().ok());
        other = count.unwrap_or_else(|| panic!("the shard note counts the other calls: {err}"));
    }
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    (lines, other)
}

#[test]
fn the_shards_together_do_what_one_run_does() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("log.jsonl"), log()).expect("write log");
    // `Page Viewed` is read by no journey: the replay counts it as unread before any shard.
    let calls = log().lines().filter(|l| !l.contains("Page Viewed")).count();
    let (whole, _) = run(dir.path(), &[]);
    let kinds: BTreeSet<&str> = whole
        .iter()
        .filter_map(|l| l.split(r#""action":""#).nth(1)?.split('"').next())
        .collect();
    for kind in ["entered", "sent", "converted", "timed_out", "completed"] {
        assert!(
            kinds.contains(kind),
            "the log exercises `{kind}`: {kinds:?}"
        );
    }
    let mut whole_sorted = whole.clone();
    whole_sorted.sort();
    for n in [1_u64, 3, 7] {
        let mut union = Vec::new();
        let mut customers_per_shard = Vec::new();
        let mut others = 0;
        for k in 0..n {
            let (part, other) = run(dir.path(), &["--shard", &format!("{k}/{n}")]);
            let customers: BTreeSet<String> = part
                .iter()
                .filter_map(|l| {
                    l.split(r#""customer":""#)
                        .nth(1)?
                        .split('"')
                        .next()
                        .map(str::to_owned)
                })
                .collect();
            customers_per_shard.push(customers);
            union.extend(part);
            others += other;
        }
        // Each call belongs to one shard, so the other N - 1 each count it once.
        let n_calls = u64::try_from(calls).expect("a small log");
        assert_eq!(others as u64, n_calls * (n - 1), "N = {n}");
        // No customer is in two shards, and every shard has some.
        let all: usize = customers_per_shard.iter().map(BTreeSet::len).sum();
        let distinct: BTreeSet<&String> = customers_per_shard.iter().flatten().collect();
        assert_eq!(all, distinct.len(), "N = {n}");
        assert!(customers_per_shard.iter().all(|c| !c.is_empty()), "N = {n}");
        union.sort();
        assert_eq!(union, whole_sorted, "N = {n}");
    }
}

#[test]
fn a_bad_shard_is_a_usage_error() {
    for bad in ["3/3", "0/0", "1-3"] {
        let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
            .args([
                "run",
                "trial.journey",
                "--events",
                "clean.jsonl",
                "--shard",
                bad,
            ])
            .current_dir(fixtures())
            .output()
            .expect("the journeyc binary runs");
        assert_eq!(out.status.code(), Some(2), "{bad}");
    }
    // `u1` hashes to shard 3 of 7: explaining them elsewhere says where they are.
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args([
            "run",
            "trial.journey",
            "--events",
            "clean.jsonl",
            "--shard",
            "0/7",
            "--explain",
            "u1",
        ])
        .current_dir(fixtures())
        .output()
        .expect("the journeyc binary runs");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("customer `u1` is in shard 3/7, not in --shard 0/7"));
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args([
            "run",
            "trial.journey",
            "--events",
            "clean.jsonl",
            "--shard",
            "3/7",
            "--explain",
            "u1",
        ])
        .current_dir(fixtures())
        .output()
        .expect("the journeyc binary runs");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("customer `u1`:"));
}
