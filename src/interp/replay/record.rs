//! Writing a record's JSON line straight to the output: the bytes of [`super::record_json`]
//! (same keys, same order, same escaping), without building a map of values for each action,
//! which cost a replay about as much as reading its log.

use super::Record;
use crate::interp::describe::{action_name, describe, exit_reason};
use crate::interp::engine::Action;
use crate::interp::program::Program;
use crate::interp::time::format_rfc3339;
use std::io::{self, Write};

/// Writes `"key":"value"` (with a comma before it unless `first`), the value escaped as JSON.
fn field<W: Write + ?Sized>(w: &mut W, key: &str, value: &str) -> io::Result<()> {
    w.write_all(b",\"")?;
    w.write_all(key.as_bytes())?;
    w.write_all(b"\":")?;
    serde_json::to_writer(&mut *w, value).map_err(io::Error::from)
}

/// Writes `"key":"2026-03-02T09:00:00Z"`, the text of [`format_rfc3339`], without formatting
/// machinery for the years 0 to 9999 (every time a replay reads or reaches).
fn write_time<W: Write + ?Sized>(w: &mut W, key: &str, t: i64) -> io::Result<()> {
    let days = t.div_euclid(86_400);
    let secs = t.rem_euclid(86_400);
    let (y, m, d) = crate::interp::time::civil_from_days(days);
    if !(0..=9999).contains(&y) {
        return field(w, key, &format_rfc3339(t));
    }
    let two = |n: i64| [b'0' + (n / 10) as u8, b'0' + (n % 10) as u8];
    let (hi, lo) = (two(y / 100), two(y % 100));
    let (mo, da) = (two(i64::from(m)), two(i64::from(d)));
    let (h, mi, se) = (two(secs / 3_600), two(secs % 3_600 / 60), two(secs % 60));
    let text = [
        b'"', hi[0], hi[1], lo[0], lo[1], b'-', mo[0], mo[1], b'-', da[0], da[1], b'T', h[0], h[1],
        b':', mi[0], mi[1], b':', se[0], se[1], b'Z', b'"',
    ];
    w.write_all(b",\"")?;
    w.write_all(key.as_bytes())?;
    w.write_all(b"\":")?;
    w.write_all(&text)
}

/// Writes the record's JSON line, with its newline.
pub fn write_record<W: Write + ?Sized>(
    programs: &[Program],
    r: &Record,
    w: &mut W,
) -> io::Result<()> {
    let p = &programs[r.journey];
    w.write_all(b"{\"customer\":")?;
    serde_json::to_writer(&mut *w, r.customer.as_str()).map_err(io::Error::from)?;
    write_time(w, "time", r.time)?;
    field(w, "journey", &p.ir.name)?;
    // A keyed journey's instance (`per FIELD`): the key it was entered with.
    if let Some(k) = &r.key {
        field(w, "key", k)?;
    }
    match r.node {
        Some(n) => field(w, "node", p.node_id(n))?,
        None => w.write_all(b",\"node\":null")?,
    }
    field(w, "action", action_name(&r.action))?;
    let tp = |w: &mut W, t: usize| -> io::Result<()> {
        field(w, "touchpoint", &p.touchpoint_names[t])?;
        field(w, "channel", &p.channel_names[p.touchpoints[t].channel])
    };
    match &r.action {
        Action::Sent { touchpoint, data } => {
            tp(w, *touchpoint)?;
            if let Some(d) = data {
                w.write_all(b",\"data\":")?;
                let json = crate::interp::payload::json(p, *touchpoint, d);
                serde_json::to_writer(&mut *w, &json).map_err(io::Error::from)?;
            }
        }
        Action::Credited { touchpoint } => tp(w, *touchpoint)?,
        Action::Converted { goal } => field(
            w,
            "goal",
            p.ir.goals
                .get(*goal)
                .map(|g| g.event.as_str())
                .unwrap_or(""),
        )?,
        Action::Suppressed {
            touchpoint, reason, ..
        } => {
            tp(w, *touchpoint)?;
            field(w, "reason", reason.as_str())?;
        }
        Action::Deferred { touchpoint, until } => {
            tp(w, *touchpoint)?;
            write_time(w, "until", *until)?;
            field(w, "reason", "quiet_hours")?;
        }
        Action::ReachedStage { stage } | Action::StageSkipped { stage } => {
            field(w, "stage", &p.stage_names[*stage])?;
        }
        Action::Milestone { milestone } => {
            field(w, "milestone", &p.milestone_names[*milestone])?;
        }
        Action::EventMatched { event } => field(w, "event", &p.event_names[*event])?,
        Action::SplitAssigned { .. }
        | Action::Branch { .. }
        | Action::Set { .. }
        | Action::TimedOut
        | Action::Entered => field(w, "detail", &describe(p, r.node, &r.action))?,
        Action::Left { reason } => field(w, "reason", &exit_reason(p, *reason))?,
        Action::Ignored { event, .. } => {
            field(w, "event", &p.event_names[*event])?;
            field(w, "detail", &describe(p, r.node, &r.action))?;
        }
    }
    w.write_all(b"}\n")
}

#[cfg(test)]
mod tests {
    use super::super::{record_json, Replay, Sink};
    use super::*;

    struct Both(Vec<(String, String)>);

    impl Sink for Both {
        fn record(&mut self, programs: &[Program], r: &Record) -> io::Result<()> {
            let mut fast = Vec::new();
            write_record(programs, r, &mut fast)?;
            let fast = String::from_utf8(fast).expect("UTF-8");
            self.0
                .push((fast, format!("{}\n", record_json(programs, r))));
            Ok(())
        }
    }

    #[test]
    fn records_are_written_as_record_json_writes_them() {
        let text = r#"
enum plan { free, trial, pro }
customer { plan: plan = trial, seats: int = 1 }
event signed_up { source: string }
event activated
event upgraded { plan: plan }
channel email { cap 1 per 6h  quiet 22:00..07:00 }
touchpoint welcome { channel email  template "welcome"  converts upgraded within 1d }
touchpoint nudge   { channel email  template "nudge" }
journey trial {
  trigger signed_up where plan == trial
  goal upgraded within 6h
  exit on activated where seats > 100
  onboarding {
    send welcome
    milestone welcomed
    split { 50% a { send nudge } 50% b { wait 1h } }
    set seats = 7
    wait activated up to 3h {
      if seats > 5 { send nudge }
    } timeout {
      send nudge
    }
  }
}
"#;
        let programs: Vec<Program> =
            crate::interp::program::compile_for_test("records.journey", text);
        let mut replay = Replay::new(&programs, None);
        let mut sink = Both(Vec::new());
        let log = [
            r#"{"userId":"a\"1","event":"signed_up","timestamp":"2026-03-02T21:30:00Z","properties":{"source":"ads"}}"#,
            r#"{"userId":"b","event":"signed_up","timestamp":"2026-03-02T10:00:00Z"}"#,
            r#"{"userId":"b","event":"upgraded","timestamp":"2026-03-02T10:00:05Z","properties":{"plan":"pro"}}"#,
            r#"{"userId":"c","event":"signed_up","timestamp":"2026-03-02T10:00:10Z"}"#,
            r#"{"userId":"c","event":"activated","timestamp":"2026-03-02T10:30:00Z"}"#,
            r#"{"userId":"c","event":"activated","timestamp":"2026-03-02T10:31:00Z"}"#,
            r#"{"userId":"d","event":"signed_up","timestamp":"2026-03-02T11:00:00Z"}"#,
            r#"{"userId":"ü","event":"signed_up","timestamp":"2026-03-02T12:00:00Z"}"#,
        ];
        let mut lines: Vec<&str> = log.to_vec();
        lines.sort_by_key(|l| l.split("timestamp").nth(1).map(str::to_owned));
        for (n, l) in lines.iter().enumerate() {
            let bad = replay.line(n + 1, l, &mut sink).expect("no output error");
            assert!(bad.is_empty(), "{bad:?}");
        }
        replay
            .finish(Some(1_772_582_400), &mut sink)
            .expect("no output error");
        let kinds: std::collections::BTreeSet<String> = sink
            .0
            .iter()
            .filter_map(|(f, _)| {
                f.split(r#""action":""#)
                    .nth(1)?
                    .split('"')
                    .next()
                    .map(str::to_owned)
            })
            .collect();
        assert!(kinds.len() >= 10, "{kinds:?}");
        for t in [
            i64::MIN / 4,
            -62_135_596_801,
            -1,
            0,
            59,
            1_772_409_600,
            253_402_300_799,
            253_402_300_800,
        ] {
            let mut fast = Vec::new();
            write_time(&mut fast, "t", t).expect("writes");
            let slow = format!(",\"t\":\"{}\"", format_rfc3339(t));
            assert_eq!(String::from_utf8(fast).expect("UTF-8"), slow, "{t}");
        }
        for (fast, slow) in &sink.0 {
            assert_eq!(fast, slow);
        }
    }
}
