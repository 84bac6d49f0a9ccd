//! One test per rule of docs/semantics.md: each fails if its rule is broken.

mod support;

use journeyc::interp::describe::describe;
use journeyc::interp::engine::{Customer, Engine};
use journeyc::interp::program::{EventPayload, Program};
use journeyc::interp::scenario::{Recorder, TEST_EPOCH};
use journeyc::interp::time::{format_duration, HOUR};
use journeyc::interp::value::Val;
use journeyc::ir::Engagement;
use std::path::Path;
use std::sync::Arc;

const DECLS: &str = r#"
enum plan { free, trial, pro, team }
customer {
  plan: plan = trial
  seats: int = 1
  sms_consent: bool = false
  country: string
  score: int
  vip: bool
}
event signed_up { source: string }
event activated
event upgraded { plan: plan }
event cancelled
event ping
channel email { cap 2 per 1d }
channel night { quiet 21:00..08:00 }
channel sms { consent sms_consent }
touchpoint welcome { channel email  template "welcome" }
touchpoint tip { channel email  template "tip" }
touchpoint extra { channel email  template "extra" }
touchpoint offer { channel email  template "offer"  converts upgraded within 3d }
touchpoint late { channel night  template "late" }
touchpoint text { channel sms  template "text" }
channel push { cap 1 per 1h  cap 2 per 1d }
touchpoint p1 { channel push  template "p1" }
touchpoint p2 { channel push  template "p2" }
touchpoint p3 { channel push  template "p3" }
touchpoint p4 { channel push  template "p4" }
channel night_sms { quiet 21:00..08:00  consent sms_consent  cap 1 per 12h }
touchpoint n1 { channel night_sms  template "n1" }
touchpoint n2 { channel night_sms  template "n2" }
"#;

/// Checks and lowers `journey` (declarations above included) and compiles it.
fn program(journey: &str) -> Program {
    let src = format!("{DECLS}\n{journey}");
    let project = journeyc::project::load_text(Path::new("semantics_test.journey"), &src);
    let checked = journeyc::check::check_project(&project);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "the test journey has errors: {errors:?}");
    let model = &checked.models[0];
    let j = model.journeys.values().next().expect("one journey");
    let ir = journeyc::ir::lower::lower_journey(model, j, &project.sources);
    Program::compile(&ir).expect("the lowered journey compiles")
}

struct Run<'p> {
    p: &'p Program,
    c: Customer,
    rec: Recorder,
    last: i64,
}

fn secs(d: &str) -> i64 {
    let mut total = 0i64;
    let mut n = 0i64;
    for ch in d.chars() {
        match ch {
            '0'..='9' => n = n * 10 + i64::from(ch.to_digit(10).unwrap_or(0)),
            's' => (total, n) = (total + n, 0),
            'm' => (total, n) = (total + n * 60, 0),
            'h' => (total, n) = (total + n * 3600, 0),
            'd' => (total, n) = (total + n * 86_400, 0),
            _ => {}
        }
    }
    total + n
}

impl<'p> Run<'p> {
    fn new(p: &'p Program) -> Self {
        Run::for_customer(p, "c1")
    }

    fn for_customer(p: &'p Program, id: &str) -> Self {
        Run {
            p,
            c: Customer::new(p, id),
            rec: Recorder::default(),
            last: TEST_EPOCH,
        }
    }

    fn attr(&mut self, name: &str, v: Val) -> &mut Self {
        let slot = self.p.attr(name).expect("attribute");
        Engine::new(self.p).identify(&mut self.c, &[(slot, v)]);
        self
    }

    fn event_with(&mut self, at: &str, name: &str, fields: Vec<(&str, Val)>) -> &mut Self {
        let t = TEST_EPOCH + secs(at);
        self.last = t;
        let payload = EventPayload {
            event: self.p.event(name),
            fields: fields.into_iter().map(|(f, v)| (Arc::from(f), v)).collect(),
        };
        Engine::new(self.p).event(&mut self.c, t, &payload, &mut self.rec);
        self
    }

    fn event(&mut self, at: &str, name: &str) -> &mut Self {
        self.event_with(at, name, Vec::new())
    }

    fn engage(&mut self, at: &str, kind: Engagement, tp: &str) -> &mut Self {
        let t = TEST_EPOCH + secs(at);
        self.last = t;
        let tp = self.p.touchpoint(tp).expect("touchpoint");
        Engine::new(self.p).engage(&mut self.c, t, kind, tp, &mut self.rec);
        self
    }

    /// Runs timers for `d` after the last event, and returns the timeline as text.
    fn after(&mut self, d: &str) -> Vec<String> {
        Engine::new(self.p).advance(&mut self.c, self.last + secs(d), &mut self.rec);
        self.timeline()
    }

    fn timeline(&self) -> Vec<String> {
        self.rec
            .happenings
            .iter()
            .map(|h| {
                format!(
                    "+{} {}",
                    format_duration(h.time - TEST_EPOCH),
                    describe(self.p, h.node, &h.action)
                )
            })
            .collect()
    }
}

fn has(timeline: &[String], needle: &str) -> bool {
    timeline.iter().any(|l| l.contains(needle))
}

fn count(timeline: &[String], needle: &str) -> usize {
    timeline.iter().filter(|l| l.contains(needle)).count()
}

#[test]
fn delay_parks_the_customer() {
    let p =
        program("journey j { trigger signed_up  onboarding { send welcome  wait 2d  send tip } }");
    let mut r = Run::new(&p);
    r.event("0", "signed_up");
    let early = r.after("1d");
    assert!(has(&early, "+0s sent welcome"));
    assert!(!has(&early, "sent tip"), "{early:?}");
    let later = r.after("2d");
    assert!(has(&later, "+2d sent tip"), "{later:?}");
    assert!(has(&later, "+2d completed the journey"));
}

#[test]
fn trigger_condition_filters() {
    let p = program("journey j { trigger signed_up where seats > 5  onboarding { send welcome } }");
    let mut small = Run::new(&p);
    assert!(!has(&small.event("0", "signed_up").after("1d"), "entered"));
    let mut big = Run::new(&p);
    big.attr("seats", Val::Int(6));
    assert!(has(&big.event("0", "signed_up").after("1d"), "entered"));
}

#[test]
fn trigger_reads_event_fields() {
    let p = program(
        r#"journey j { trigger signed_up where event.source == "ads"  onboarding { send welcome } }"#,
    );
    let mut r = Run::new(&p);
    r.event_with(
        "0",
        "signed_up",
        vec![("source", Val::Str(Arc::from("organic")))],
    );
    assert!(!has(&r.timeline(), "entered"));
    r.event_with(
        "1h",
        "signed_up",
        vec![("source", Val::Str(Arc::from("ads")))],
    );
    assert!(has(&r.timeline(), "+1h entered"));
}

#[test]
fn entry_once_never_reenters() {
    let p = program("journey j { trigger signed_up  entry once  onboarding { send welcome } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("3d", "signed_up")
        .after("1d");
    assert_eq!(count(&t, "entered"), 1, "{t:?}");
}

#[test]
fn entry_always_reenters_after_leaving() {
    let p = program("journey j { trigger signed_up  entry always  onboarding { send welcome } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("3d", "signed_up")
        .after("1d");
    assert_eq!(count(&t, "entered"), 2, "{t:?}");
}

#[test]
fn entry_while_inside_is_ignored() {
    let p = program(
        "journey j { trigger signed_up  entry always  onboarding { wait 2d  send welcome } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1d", "signed_up")
        .after("3d");
    assert_eq!(count(&t, "entered"), 1, "{t:?}");
    assert_eq!(count(&t, "sent welcome"), 1);
}

#[test]
fn entry_every_waits_for_the_period() {
    let p = program("journey j { trigger signed_up  entry every 7d  onboarding { send welcome } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("6d", "signed_up")
        .event("7d", "signed_up")
        .after("1d");
    let entries: Vec<&String> = t.iter().filter(|l| l.contains("entered")).collect();
    assert_eq!(entries.len(), 2, "{t:?}");
    assert!(entries[1].starts_with("+7d "), "{t:?}");
}

#[test]
fn exit_during_a_wait() {
    let p = program("journey j { trigger signed_up  exit on cancelled  onboarding { wait activated up to 3d  send tip } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1d", "cancelled")
        .after("5d");
    assert!(has(&t, "+1d exited: `exit on cancelled` matched"), "{t:?}");
    assert!(!has(&t, "sent tip"));
}

#[test]
fn goal_converts_and_leaves() {
    let p = program("journey j { trigger signed_up  goal upgraded within 14d  onboarding { wait 2d  send tip } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1d", "upgraded")
        .after("5d");
    assert!(has(&t, "+1d converted"), "{t:?}");
    assert!(!has(&t, "sent tip"));
}

#[test]
fn goal_outside_window_does_not_count() {
    let p = program("journey j { trigger signed_up  goal upgraded within 1d  onboarding { wait 5d  send tip } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("2d", "upgraded")
        .after("5d");
    assert!(!has(&t, "converted"), "{t:?}");
    assert!(has(&t, "+5d sent tip"));
}

#[test]
fn conversion_is_credited_to_the_touchpoint() {
    let p = program("journey j { trigger signed_up  onboarding { send offer  wait 10d } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("2d", "upgraded")
        .event("5d", "upgraded")
        .after("1d");
    assert_eq!(count(&t, "conversion credited to offer"), 1, "{t:?}");
}

#[test]
fn wait_event_takes_the_event_branch() {
    let p = program("journey j { trigger signed_up  onboarding { wait activated up to 3d { send tip } timeout { send extra } } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("5h", "activated")
        .after("5d");
    assert!(has(&t, "+5h sent tip"), "{t:?}");
    assert!(!has(&t, "extra"));
}

#[test]
fn event_exactly_at_the_timeout_is_in_time() {
    let p = program("journey j { trigger signed_up  onboarding { wait activated up to 3d { send tip } timeout { send extra } } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("3d", "activated")
        .after("5d");
    assert!(has(&t, "+3d sent tip"), "{t:?}");
    assert!(!has(&t, "timed out"));
}

#[test]
fn wait_times_out() {
    let p = program("journey j { trigger signed_up  onboarding { wait activated up to 3d { send tip } timeout { send extra } } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("3d1s", "activated")
        .after("5d");
    assert!(
        has(&t, "+3d wait timed out: no `activated` within 3d"),
        "{t:?}"
    );
    assert!(has(&t, "+3d sent extra"));
    assert!(!has(&t, "sent tip"));
}

#[test]
fn wait_where_ignores_non_matching_events() {
    let p = program("journey j { trigger signed_up  onboarding { wait upgraded where event.plan == pro up to 3d { send tip } } }");
    let mut r = Run::new(&p);
    let t = r
        .event_with("0", "signed_up", vec![])
        .event_with("1h", "upgraded", vec![("plan", Val::Enum(3))])
        .event_with("2h", "upgraded", vec![("plan", Val::Enum(2))])
        .after("5d");
    assert!(has(&t, "+2h sent tip"), "{t:?}");
}

#[test]
fn event_field_reads_the_matched_event() {
    let p = program("journey j { trigger signed_up  onboarding { wait upgraded up to 3d { set plan = event.plan } } }");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event_with("1h", "upgraded", vec![("plan", Val::Enum(3))])
        .after("1d");
    assert!(has(&t, "+1h set plan = team"), "{t:?}");
}

/// A wait for several events, used by the `wait up to D { on ... }` rules below.
const WAIT_ANY: &str = r#"journey j {
  trigger signed_up
  onboarding {
    wait up to 3d {
      on activated { send welcome }
      on upgraded where event.plan == pro { set plan = event.plan  send tip }
      on cancelled { }
    } timeout {
      send extra
    }
    send offer
  }
}"#;

#[test]
fn wait_any_first_matching_event_wins() {
    let p = program(WAIT_ANY);
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1h", "activated")
        .event_with("2h", "upgraded", vec![("plan", Val::Enum(2))])
        .after("5d");
    assert!(has(&t, "+1h `activated` arrived: the wait ends"), "{t:?}");
    assert!(has(&t, "+1h sent welcome"), "{t:?}");
    assert!(
        has(&t, "+1h sent offer"),
        "the step after the wait follows: {t:?}"
    );
    assert!(
        !has(&t, "sent tip"),
        "only the first event's branch runs: {t:?}"
    );
    assert!(!has(&t, "sent extra"), "{t:?}");
}

#[test]
fn wait_any_where_is_per_branch() {
    let p = program(WAIT_ANY);
    let mut r = Run::new(&p);
    // `upgraded` to team fails its branch's `where`: the wait goes on, and `activated` wins.
    let t = r
        .event("0", "signed_up")
        .event_with("1h", "upgraded", vec![("plan", Val::Enum(3))])
        .event("2h", "activated")
        .after("5d");
    assert!(!has(&t, "+1h `upgraded` arrived"), "{t:?}");
    assert!(has(&t, "+2h sent welcome"), "{t:?}");
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event_with("1h", "upgraded", vec![("plan", Val::Enum(2))])
        .after("5d");
    assert!(
        has(&t, "+1h sent tip"),
        "a `where` that holds takes the event: {t:?}"
    );
}

#[test]
fn wait_any_times_out() {
    let p = program(WAIT_ANY);
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("5d");
    assert!(
        has(
            &t,
            "+3d wait timed out: none of `activated`, `upgraded` or `cancelled` within 3d"
        ),
        "{t:?}"
    );
    assert!(has(&t, "+3d sent extra"), "{t:?}");
    assert!(has(&t, "+3d sent offer"), "{t:?}");
    // An event at exactly the deadline is in time, as for a wait for one event.
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("3d", "activated")
        .after("1d");
    assert!(has(&t, "+3d sent welcome"), "{t:?}");
    assert!(!has(&t, "sent extra"), "{t:?}");
}

#[test]
fn wait_any_event_fields_are_the_branch_event() {
    // `event.plan` in the branch of `upgraded` reads the `upgraded` event, not the trigger.
    let p = program(WAIT_ANY);
    let mut r = Run::new(&p);
    let t = r
        .event_with(
            "0",
            "signed_up",
            vec![("source", Val::Str(Arc::from("ads")))],
        )
        .event_with("1h", "upgraded", vec![("plan", Val::Enum(2))])
        .after("1d");
    assert!(has(&t, "+1h set plan = pro"), "{t:?}");
}

#[test]
fn wait_any_exits_and_goals_come_first() {
    let p = program(
        "journey j { trigger signed_up  goal upgraded  exit on cancelled
           onboarding { wait up to 3d { on upgraded { send tip } on cancelled { send welcome } } } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event_with("1h", "upgraded", vec![("plan", Val::Enum(2))])
        .after("1d");
    assert!(has(&t, "+1h converted"), "{t:?}");
    assert!(
        !has(&t, "sent tip"),
        "the goal ended the entry first: {t:?}"
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1h", "cancelled")
        .after("1d");
    assert!(has(&t, "+1h exited: `exit on cancelled` matched"), "{t:?}");
    assert!(!has(&t, "sent welcome"), "{t:?}");
}

#[test]
fn quiet_hours_defer_across_midnight() {
    let p = program("journey j { trigger signed_up  onboarding { send late  send welcome } }");
    let mut r = Run::new(&p);
    // 09:00 + 13h = 22:00 UTC: inside 21:00..08:00, deferred to 08:00 the next day (+23h).
    let t = r.event("13h", "signed_up").after("2d");
    assert!(
        has(&t, "+13h deferred late (night) to 2026-01-06T08:00:00Z"),
        "{t:?}"
    );
    assert!(has(&t, "+23h sent late"), "{t:?}");
    assert!(
        has(&t, "+23h sent welcome"),
        "the steps after a deferred send wait for it: {t:?}"
    );
}

#[test]
fn send_before_quiet_hours_goes_out() {
    let p = program("journey j { trigger signed_up  onboarding { send late } }");
    let mut r = Run::new(&p);
    let t = r.event("11h59m", "signed_up").after("1d");
    assert!(has(&t, "+11h59m sent late"), "{t:?}");
}

#[test]
fn cap_suppresses_over_the_limit() {
    let p = program("journey j { trigger signed_up  onboarding { send welcome  send tip  send extra  send offer } }");
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert!(has(&t, "sent welcome") && has(&t, "sent tip"), "{t:?}");
    assert!(
        has(
            &t,
            "suppressed extra (email): the channel's cap 2 per 1d was reached"
        ),
        "{t:?}"
    );
    assert!(
        has(&t, "suppressed offer"),
        "a suppressed send is not sent later: {t:?}"
    );
    assert!(
        has(&t, "completed"),
        "the journey goes on after a suppression"
    );
}

#[test]
fn cap_window_boundary() {
    let p = program("journey j { trigger signed_up  onboarding { send welcome  send tip  wait 1d  send extra } }");
    let mut r = Run::new(&p);
    // Exactly one window later the first two sends no longer count.
    let t = r.event("0", "signed_up").after("2d");
    assert!(has(&t, "+1d sent extra"), "{t:?}");
    let p2 = program("journey j { trigger signed_up  onboarding { send welcome  send tip  wait 23h59m59s  send extra } }");
    let mut r2 = Run::new(&p2);
    let t2 = r2.event("0", "signed_up").after("2d");
    assert!(has(&t2, "suppressed extra"), "{t2:?}");
}

#[test]
fn consent_suppresses_without_it() {
    // The journey checks consent only at the trigger; the channel checks it at each send.
    let p = program(
        "journey j { trigger signed_up where sms_consent  onboarding { wait 1d  send text  send welcome } }",
    );
    let mut kept = Run::new(&p);
    kept.attr("sms_consent", Val::Bool(true));
    let t = kept.event("0", "signed_up").after("2d");
    assert!(has(&t, "+1d sent text (sms)"), "{t:?}");
    let mut revoked = Run::new(&p);
    revoked.attr("sms_consent", Val::Bool(true));
    revoked.event("0", "signed_up");
    revoked.attr("sms_consent", Val::Bool(false));
    let t = revoked.after("2d");
    assert!(
        has(&t, "+1d suppressed text (sms): `sms_consent` is not true"),
        "{t:?}"
    );
    assert!(!has(&t, "sent text"), "{t:?}");
    assert!(
        has(&t, "+1d sent welcome (email)"),
        "the journey goes on after a suppression: {t:?}"
    );
}

const SPLIT: &str = "journey j { trigger signed_up  onboarding { split { 30% a { send welcome } 70% b { send tip } } } }";

#[test]
fn split_assignment_is_deterministic() {
    let p = program(SPLIT);
    for id in ["alice", "bob", "carol"] {
        let runs: Vec<Vec<String>> = (0..3)
            .map(|_| {
                let mut c = Customer::new(&p, id);
                let mut rec = Recorder::default();
                let engine = Engine::new(&p);
                engine.event(
                    &mut c,
                    TEST_EPOCH,
                    &EventPayload {
                        event: p.event("signed_up"),
                        fields: vec![],
                    },
                    &mut rec,
                );
                rec.happenings
                    .iter()
                    .map(|h| describe(&p, h.node, &h.action))
                    .collect()
            })
            .collect();
        assert_eq!(runs[0], runs[1]);
        assert_eq!(runs[1], runs[2]);
    }
}

#[test]
fn split_respects_shares() {
    let p = program(SPLIT);
    let engine = Engine::new(&p);
    let mut a = 0;
    for i in 0..10_000 {
        let mut c = Customer::new(&p, &format!("customer-{i}"));
        let mut rec = Recorder::default();
        engine.event(
            &mut c,
            TEST_EPOCH,
            &EventPayload {
                event: p.event("signed_up"),
                fields: vec![],
            },
            &mut rec,
        );
        if rec
            .happenings
            .iter()
            .any(|h| describe(&p, h.node, &h.action).contains("variant `a`"))
        {
            a += 1;
        }
    }
    assert!(
        (2_800..3_200).contains(&a),
        "30% of 10,000 expected, got {a}"
    );
}

#[test]
fn milestone_recorded_once() {
    let p = program("journey j { trigger signed_up  onboarding { milestone activated_user  wait 1h  milestone activated_user } }");
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert_eq!(count(&t, "milestone `activated_user`"), 1, "{t:?}");
}

#[test]
fn set_changes_later_decisions() {
    let p = program("journey j { trigger signed_up  onboarding { set seats = seats + 10  if seats > 5 { send welcome } } }");
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert!(has(&t, "set seats = 11"), "{t:?}");
    assert!(has(&t, "sent welcome"));
}

#[test]
fn goto_jumps_to_the_stage() {
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  goto last }  stage middle { send tip }  stage last { send extra } }",
    );
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert!(has(&t, "sent extra"), "{t:?}");
    assert!(!has(&t, "sent tip"), "{t:?}");
}

#[test]
fn exit_step_leaves() {
    let p = program("journey j { trigger signed_up  onboarding { send welcome  exit }  stage later { send tip } }");
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert!(has(&t, "left at an `exit` step"), "{t:?}");
    assert!(!has(&t, "sent tip"));
}

#[test]
fn upgrade_runs_only_from_its_value() {
    let p = program("journey j { trigger signed_up  upgrade plan trial -> pro { send offer }  stage later { send tip } }");
    let mut trial = Run::new(&p);
    let t = trial.event("0", "signed_up").after("1d");
    assert!(has(&t, "sent offer"), "{t:?}");
    let mut free = Run::new(&p);
    free.attr("plan", Val::Enum(0));
    let t = free.event("0", "signed_up").after("1d");
    assert!(
        has(
            &t,
            "skipped stage `upgrade_trial_to_pro` (`plan` is not `trial`)"
        ),
        "{t:?}"
    );
    assert!(has(&t, "sent tip"));
}

#[test]
fn engagement_functions() {
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  wait 1d  if clicked(welcome) { send tip } else if opened(welcome) { send extra } } }",
    );
    let mut opened = Run::new(&p);
    let t = opened
        .event("0", "signed_up")
        .engage("2h", Engagement::Opened, "welcome")
        .after("2d");
    assert!(has(&t, "sent extra"), "{t:?}");
    let mut clicked = Run::new(&p);
    let t = clicked
        .event("0", "signed_up")
        .engage("2h", Engagement::Clicked, "welcome")
        .after("2d");
    assert!(has(&t, "sent tip"), "{t:?}");
    let mut neither = Run::new(&p);
    let t = neither.event("0", "signed_up").after("2d");
    assert!(!has(&t, "sent tip") && !has(&t, "sent extra"), "{t:?}");
}

#[test]
fn runaway_loop_is_stopped() {
    // The checker rejects this loop (E0303); a hand-edited spec could still hold one, so the
    // interpreter guards against it. Build the IR by hand from a valid journey with a goto.
    let mut ir = {
        let p = program("journey j { trigger signed_up  onboarding { send welcome }  stage again { send tip } }");
        p.ir.clone()
    };
    let again = ir
        .stages
        .iter()
        .find(|s| s.name == "again")
        .map(|s| s.entry.clone())
        .expect("stage");
    for n in &mut ir.nodes {
        if let journeyc::ir::NodeKind::Send {
            touchpoint, next, ..
        } = &mut n.kind
        {
            if touchpoint == "tip" {
                *next = Some(again.clone());
            }
        }
    }
    let p = Program::compile(&ir).expect("compiles");
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1h");
    assert!(
        has(&t, "stopped: more than 10000 steps without time passing"),
        "{:?}",
        t.last()
    );
    let stopped_at = r.rec.happenings.last().and_then(|h| h.node);
    let message = journeyc::interp::scenario::runaway_message(&p, stopped_at);
    assert!(
        message.contains("E0900") && message.contains("semantics_test.journey:"),
        "{message}"
    );
    let _ = HOUR;
}

// ---- Rules and sub-rules pinned before the engine changes (issue 14) ----

#[test]
fn exits_are_checked_before_goals() {
    let p = program(
        "journey j { trigger signed_up  goal upgraded  exit on upgraded  onboarding { wait 2d  send tip } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1d", "upgraded")
        .after("2d");
    assert!(has(&t, "+1d exited: `exit on upgraded` matched"), "{t:?}");
    assert!(!has(&t, "converted"), "{t:?}");
    assert!(!has(&t, "sent tip"), "{t:?}");
}

#[test]
fn events_come_before_timers_at_one_instant() {
    // An exit at exactly the end of a `wait 2d` is seen while the customer still waits.
    let p = program(
        "journey j { trigger signed_up  exit on cancelled  onboarding { wait 2d  send tip } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("2d", "cancelled")
        .after("1d");
    assert!(has(&t, "+2d exited: `exit on cancelled` matched"), "{t:?}");
    assert!(!has(&t, "sent tip"), "{t:?}");
    // An open at exactly the end of a `wait 1d` is known to the decision after it.
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  wait 1d  if opened(welcome) { send tip } else { send extra } } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .engage("1d", Engagement::Opened, "welcome")
        .after("1d");
    assert!(has(&t, "+1d sent tip"), "{t:?}");
    assert!(!has(&t, "sent extra"), "{t:?}");
}

#[test]
fn goal_window_includes_its_end() {
    let p = program(
        "journey j { trigger signed_up  goal upgraded within 1d  onboarding { wait 5d  send tip } }",
    );
    let mut at_end = Run::new(&p);
    let t = at_end
        .event("0", "signed_up")
        .event("1d", "upgraded")
        .after("5d");
    assert!(has(&t, "+1d converted: goal `upgraded` reached"), "{t:?}");
    let mut late = Run::new(&p);
    let t = late
        .event("0", "signed_up")
        .event("1d1s", "upgraded")
        .after("5d");
    assert!(!has(&t, "converted"), "{t:?}");
}

#[test]
fn several_goals_the_first_reached_counts() {
    let p = program(
        "journey j { trigger signed_up  goal activated within 1d  goal upgraded  onboarding { wait 10d  send tip } }",
    );
    // `activated` after its window does not count; `upgraded` later does.
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("2d", "activated")
        .event("3d", "upgraded")
        .after("10d");
    assert!(has(&t, "+3d converted: goal `upgraded` reached"), "{t:?}");
    assert_eq!(count(&t, "converted:"), 1, "{t:?}");
    // The first goal reached ends the entry: a later goal event converts nothing more.
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("5h", "activated")
        .event("1d", "upgraded")
        .after("10d");
    assert!(has(&t, "+5h converted: goal `activated` reached"), "{t:?}");
    assert_eq!(count(&t, "converted:"), 1, "{t:?}");
    assert!(!has(&t, "sent tip"), "{t:?}");
}

#[test]
fn conversion_credit_window_includes_its_end() {
    // `offer` converts `upgraded` within 3d.
    let p = program("journey j { trigger signed_up  onboarding { send offer  wait 10d } }");
    let mut at_end = Run::new(&p);
    let t = at_end
        .event("0", "signed_up")
        .event("3d", "upgraded")
        .after("1d");
    assert!(has(&t, "+3d conversion credited to offer"), "{t:?}");
    let mut late = Run::new(&p);
    let t = late
        .event("0", "signed_up")
        .event("3d1s", "upgraded")
        .after("1d");
    assert!(!has(&t, "credited"), "{t:?}");
}

#[test]
fn several_caps_on_one_channel_all_apply() {
    // `push` has `cap 1 per 1h  cap 2 per 1d`.
    let p = program(
        "journey j { trigger signed_up  onboarding { send p1  wait 59m59s  send p2  wait 1s  send p3  wait 1h  send p4 } }",
    );
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert!(has(&t, "+0s sent p1"), "{t:?}");
    assert!(
        has(&t, "+59m59s suppressed p2 (push)"),
        "the hourly cap: {t:?}"
    );
    assert!(
        has(&t, "+1h sent p3"),
        "exactly one hour later the hourly cap no longer counts p1: {t:?}"
    );
    assert!(
        has(&t, "+2h suppressed p4 (push)"),
        "the daily cap, with the hourly one free: {t:?}"
    );
}

#[test]
fn caps_count_across_entries() {
    // `email` has `cap 2 per 1d`; the second entry's sends count the first entry's.
    let p = program(
        "journey j { trigger signed_up  entry always  onboarding { send welcome  send tip } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .event("1h", "signed_up")
        .event("1d", "signed_up")
        .after("1h");
    assert_eq!(count(&t, "entered"), 3, "{t:?}");
    assert!(has(&t, "+1h suppressed welcome"), "{t:?}");
    assert!(has(&t, "+1h suppressed tip"), "{t:?}");
    assert!(
        has(&t, "+1d sent welcome") && has(&t, "+1d sent tip"),
        "a day after the first sends: {t:?}"
    );
}

#[test]
fn entry_every_counts_from_the_entry_not_the_exit() {
    let p = program(
        "journey j { trigger signed_up  entry every 7d  onboarding { wait 5d  send welcome } }",
    );
    let mut r = Run::new(&p);
    // Entered at 0, left at 5d: 7d after the entry (2d after the exit) enters again.
    let t = r
        .event("0", "signed_up")
        .event("6d", "signed_up")
        .event("7d", "signed_up")
        .after("6d");
    let entries: Vec<&String> = t.iter().filter(|l| l.contains("entered")).collect();
    assert_eq!(entries.len(), 2, "{t:?}");
    assert!(entries[1].starts_with("+7d "), "{t:?}");
}

#[test]
fn a_deferred_send_is_checked_against_consent_when_it_goes_out() {
    // `night_sms` has quiet hours 21:00..08:00 and `consent sms_consent`.
    let p = program("journey j { trigger signed_up where sms_consent  onboarding { send n1 } }");
    let mut r = Run::new(&p);
    r.attr("sms_consent", Val::Bool(true));
    // 22:00: deferred to 08:00 the next day (+23h); consent is withdrawn meanwhile.
    r.event("13h", "signed_up");
    r.attr("sms_consent", Val::Bool(false));
    let t = r.after("1d");
    assert!(has(&t, "+13h deferred n1"), "{t:?}");
    assert!(
        has(
            &t,
            "+23h suppressed n1 (night_sms): `sms_consent` is not true"
        ),
        "{t:?}"
    );
    assert!(!has(&t, "sent n1"), "{t:?}");
}

#[test]
fn a_deferred_send_is_checked_against_caps_when_it_goes_out() {
    // `night_sms` has quiet hours 21:00..08:00 and `cap 1 per 12h`.
    let journey = |gap: &str| {
        program(&format!(
            "journey j {{ trigger signed_up where sms_consent  onboarding {{ send n1  wait {gap}  send n2 }} }}"
        ))
    };
    // n1 at 19:00, n2 at 21:30 deferred to 08:00: 13h after n1, so the cap lets it go, though
    // it would not have at 21:30.
    let p = journey("2h30m");
    let mut r = Run::new(&p);
    r.attr("sms_consent", Val::Bool(true));
    let t = r.event("10h", "signed_up").after("1d");
    assert!(has(&t, "+10h sent n1"), "{t:?}");
    assert!(has(&t, "+12h30m deferred n2"), "{t:?}");
    assert!(has(&t, "+23h sent n2"), "{t:?}");
    // n1 at 20:30, n2 at 22:00 deferred to 08:00: 11h30m after n1, within the cap's 12h.
    let p = journey("1h30m");
    let mut r = Run::new(&p);
    r.attr("sms_consent", Val::Bool(true));
    let t = r.event("11h30m", "signed_up").after("1d");
    assert!(has(&t, "+11h30m sent n1"), "{t:?}");
    assert!(has(&t, "+13h deferred n2"), "{t:?}");
    assert!(
        has(
            &t,
            "+23h suppressed n2 (night_sms): the channel's cap 1 per 12h"
        ),
        "{t:?}"
    );
}

#[test]
fn a_click_implies_an_open() {
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  wait 1d  if opened(welcome) { send tip } else { send extra } } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .engage("2h", Engagement::Clicked, "welcome")
        .after("2d");
    assert!(has(&t, "+1d sent tip"), "{t:?}");
    assert!(!has(&t, "sent extra"), "{t:?}");
}

#[test]
fn engagement_with_a_message_never_sent_is_ignored() {
    // `extra` is suppressed by the email cap (2 per 1d), so it was never sent.
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  send tip  send extra  wait 1d  if sent(extra) or opened(extra) or clicked(extra) { send p1 } else { send p2 } } }",
    );
    let mut r = Run::new(&p);
    let t = r
        .event("0", "signed_up")
        .engage("1h", Engagement::Opened, "extra")
        .engage("2h", Engagement::Clicked, "extra")
        .after("2d");
    assert!(has(&t, "+0s suppressed extra"), "{t:?}");
    assert!(has(&t, "+1d sent p2"), "{t:?}");
    assert!(!has(&t, "sent p1"), "{t:?}");
}

#[test]
fn missing_values_compare_false() {
    // `country`, `score` and `vip` have no default and are never set.
    let p = program(
        r#"journey j { trigger signed_up  onboarding {
            if country == "FR" { milestone eq }
            if country != "FR" { milestone ne }
            if not (country == "FR") { milestone not_eq }
            if vip { milestone bare }
            set seats = score + 1
            if seats > 0 or seats <= 0 or seats == seats { milestone arithmetic }
            if not (seats > 0) { milestone not_arithmetic }
        } }"#,
    );
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1d");
    assert!(!has(&t, "milestone `eq`"), "{t:?}");
    assert!(
        !has(&t, "milestone `ne`"),
        "a `!=` with a missing value is false: {t:?}"
    );
    assert!(has(&t, "milestone `not_eq`"), "{t:?}");
    assert!(
        !has(&t, "milestone `bare`"),
        "a condition not set is false: {t:?}"
    );
    assert!(
        !has(&t, "milestone `arithmetic`"),
        "arithmetic with a missing value is not set: {t:?}"
    );
    assert!(has(&t, "milestone `not_arithmetic`"), "{t:?}");
    // An event field that was not sent is missing in the same way.
    let p = program(
        r#"journey j { trigger signed_up where event.source != "ads"  onboarding { send welcome } }"#,
    );
    let mut r = Run::new(&p);
    assert!(!has(&r.event("0", "signed_up").after("1d"), "entered"));
    let p = program(
        r#"journey j { trigger signed_up where not (event.source == "ads")  onboarding { send welcome } }"#,
    );
    let mut r = Run::new(&p);
    assert!(has(&r.event("0", "signed_up").after("1d"), "entered"));
}

/// The id of the (only) split node of `p`.
fn split_node_id(p: &Program) -> String {
    p.ir.nodes
        .iter()
        .find(|n| matches!(n.kind, journeyc::ir::NodeKind::Split { .. }))
        .map(|n| n.id.clone())
        .expect("a split")
}

/// The variant customer `id` is assigned when entering `p` at time 0.
fn variant(p: &Program, id: &str) -> String {
    let mut r = Run::for_customer(p, id);
    let t = r.event("0", "signed_up").after("1d");
    t.iter()
        .find_map(|l| l.split("assigned to split variant `").nth(1))
        .map(|v| v.trim_end_matches('`').to_string())
        .unwrap_or_else(|| panic!("no variant assigned: {t:?}"))
}

#[test]
fn split_boundary_bucket_goes_to_the_next_variant() {
    // 30% a, 70% b: buckets 0..=2999 are `a`, 3000..=9999 `b` (the table of docs/exports.md).
    use journeyc::export::split_bucket;
    let p = program(SPLIT);
    assert_eq!(split_node_id(&p), "onboarding.0.split");
    assert_eq!(
        split_bucket("j", "onboarding.0.split", "customer-5917"),
        2999
    );
    assert_eq!(
        split_bucket("j", "onboarding.0.split", "customer-1871"),
        3000
    );
    assert_eq!(variant(&p, "customer-5917"), "a");
    assert_eq!(variant(&p, "customer-1871"), "b");
}

#[test]
fn split_reshuffles_when_the_journey_is_renamed_or_the_split_moved() {
    use journeyc::export::split_bucket;
    let j = program(SPLIT);
    let k = program(&SPLIT.replace("journey j", "journey k"));
    let moved = program(
        "journey j { trigger signed_up  onboarding { milestone before  split { 30% a { send welcome } 70% b { send tip } } } }",
    );
    assert_eq!(split_node_id(&moved), "onboarding.1.split");
    // Pinned on purpose: a change here re-shuffles every running experiment.
    for (id, in_j, in_k, in_moved) in [
        ("alice", "a", "b", "b"),
        ("dave", "b", "b", "a"),
        ("carol", "a", "a", "b"),
    ] {
        assert_eq!(variant(&j, id), in_j, "{id} in journey j");
        assert_eq!(variant(&k, id), in_k, "{id} in journey k");
        assert_eq!(variant(&moved, id), in_moved, "{id} with the split moved");
    }
    // Every customer's variant is the documented bucket function of (journey, node, id).
    for i in 0..200 {
        let id = format!("customer-{i}");
        for (p, journey) in [(&j, "j"), (&k, "k"), (&moved, "j")] {
            let bucket = split_bucket(journey, &split_node_id(p), &id);
            let expected = if bucket < 3000 { "a" } else { "b" };
            assert_eq!(
                variant(p, &id),
                expected,
                "{id} in {journey}, bucket {bucket}"
            );
        }
    }
}

// ---- Event logs, through `journeyc run` ----

const LOG_JOURNEY: &str = r#"
customer { seats: int = 1 }
event signed_up
channel email { cap 2 per 1h }
touchpoint welcome { channel email  template "welcome" }
touchpoint third { channel email  template "third" }
touchpoint team { channel email  template "team" }
touchpoint tip { channel email  template "tip" }
touchpoint extra { channel email  template "extra" }
journey j {
  trigger signed_up
  onboarding {
    send welcome
    if seats > 5 { send team }
    send third
    wait 1d
    if opened(welcome) { send tip } else { send extra }
  }
}
"#;

const LOG: &str = r#"{"type":"identify","userId":"u1","timestamp":"2026-01-05T08:00:00Z","traits":{"seats":8,"nickname":"Al"}}
{"userId":"u1","event":"signed_up","timestamp":"2026-01-05T09:00:00Z"}
{"type":"track","anonymousId":"a1","event":"signed_up","timestamp":"2026-01-05T10:00:00Z"}
{"type":"track","userId":"u1","event":"opened","timestamp":"2026-01-05T11:00:00Z","properties":{"touchpoint":"welcome"}}
{"type":"track","userId":"u1","event":"signed_up","timestamp":"2026-01-06T09:30:00Z"}
"#;

/// Replays `LOG` with `journeyc run` (and `extra` arguments); returns every action as JSON.
fn replay(extra: &[&str]) -> Vec<serde_json::Value> {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), LOG_JOURNEY).expect("write journey");
    std::fs::write(dir.path().join("log.jsonl"), LOG).expect("write log");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["run", "j.journey", "--events", "log.jsonl"])
        .args(extra)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .expect("journeyc runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("a JSON line"))
        .collect()
}

/// The (customer, time, touchpoint) of every send of a replay.
fn replay_sends(extra: &[&str]) -> Vec<(String, String, String)> {
    replay(extra)
        .into_iter()
        .filter(|l| l["action"] == "sent")
        .map(|l| {
            let s = |k: &str| l[k].as_str().unwrap_or_default().to_string();
            (s("customer"), s("time"), s("touchpoint"))
        })
        .collect()
}

#[test]
fn event_logs_are_read_segment_style() {
    let sends = replay_sends(&[]);
    let sent = |c: &str, t: &str, tp: &str| sends.contains(&(c.into(), t.into(), tp.into()));
    // `identify` traits update the profile (the undeclared `nickname` is ignored).
    assert!(sent("u1", "2026-01-05T09:00:00Z", "team"), "{sends:?}");
    // A line without `type` is a `track`; `anonymousId` names a customer without `userId`.
    assert!(sent("a1", "2026-01-05T10:00:00Z", "welcome"), "{sends:?}");
    // A `track` named `opened` with a `touchpoint` property is an open.
    assert!(sent("u1", "2026-01-06T09:00:00Z", "tip"), "{sends:?}");
    // `entry once`: u1's trigger at 09:30 the next day, after completing, does not re-enter.
    let welcomes = sends
        .iter()
        .filter(|(c, _, tp)| c == "u1" && tp == "welcome");
    assert_eq!(welcomes.count(), 1, "{sends:?}");
    // Timers run up to the last event's time (09:30), not beyond: a1's wait ends at 10:00.
    assert!(
        !sends
            .iter()
            .any(|(c, t, _)| c == "a1" && t.starts_with("2026-01-06")),
        "{sends:?}"
    );
    // A suppression says why: u1's third email of the hour, over `cap 2 per 1h`.
    let actions = replay(&[]);
    assert!(
        actions.iter().any(|l| l["customer"] == "u1"
            && l["action"] == "suppressed"
            && l["touchpoint"] == "third"
            && l["reason"] == "cap"),
        "{actions:?}"
    );
    assert!(sent("a1", "2026-01-05T10:00:00Z", "third"), "{sends:?}");
    // With `--until`, beyond it.
    let sends = replay_sends(&["--until", "2026-01-07T00:00:00Z"]);
    assert!(
        sends.contains(&("a1".into(), "2026-01-06T10:00:00Z".into(), "extra".into())),
        "{sends:?}"
    );
}

// ---------------------------------------------------------------- one world (issue 15)

/// Checks and lowers every journey of `src` (a whole file, declarations included).
fn programs(src: &str) -> Vec<Program> {
    let project = journeyc::project::load_text(Path::new("world_test.journey"), src);
    let checked = journeyc::check::check_project(&project);
    let errors: Vec<String> = checked
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    assert!(errors.is_empty(), "the test file has errors: {errors:?}");
    let model = &checked.models[0];
    model
        .journeys
        .values()
        .map(|j| {
            let ir = journeyc::ir::lower::lower_journey(model, j, &project.sources);
            Program::compile(&ir).expect("compiles")
        })
        .collect()
}

/// Every journey's actions and ignored events, as text: `+1h b: sent tip (email)`.
#[derive(Default)]
struct WorldLog {
    lines: Vec<(i64, usize, Option<usize>, journeyc::interp::engine::Action)>,
    not_entered: Vec<(usize, journeyc::interp::engine::NotEntered)>,
}

impl journeyc::interp::world::WorldObserver for WorldLog {
    fn action(
        &mut self,
        journey: usize,
        time: i64,
        node: Option<usize>,
        action: &journeyc::interp::engine::Action,
    ) {
        self.lines.push((time, journey, node, action.clone()));
    }
    fn ignored(&mut self, journey: usize, time: i64, action: &journeyc::interp::engine::Action) {
        self.lines.push((time, journey, None, action.clone()));
    }
    fn not_entered(
        &mut self,
        journey: usize,
        _time: i64,
        why: journeyc::interp::engine::NotEntered,
    ) {
        self.not_entered.push((journey, why));
    }
}

/// Runs `events` (time, name) through every journey of `src` for one customer, then timers
/// for a week, and returns the timeline as text.
fn world_timeline(src: &str, events: &[(&str, &str)]) -> (Vec<String>, WorldLog) {
    use journeyc::interp::world::{Cast, World};
    let ps = programs(src);
    let cast = Cast::new(&ps);
    let mut w = World::new(&cast, "c1");
    let mut log = WorldLog::default();
    let mut last = TEST_EPOCH;
    for (at, name) in events {
        last = TEST_EPOCH + secs(at);
        w.event(&cast, last, name, &[], &mut log);
    }
    w.advance(&cast, last + secs("7d"), &mut log);
    log.lines.sort_by_key(|l| l.0);
    let text = log
        .lines
        .iter()
        .map(|(t, j, node, a)| {
            format!(
                "+{} {}: {}",
                format_duration(t - TEST_EPOCH),
                ps[*j].ir.name,
                journeyc::interp::world::describe(&ps, *j, *node, a)
            )
        })
        .collect();
    (text, log)
}

const WORLD_DECLS: &str = r#"
customer { email_consent: bool = false }
event signed_up
event ordered
event kyc_applied
event kyc_approved
channel email { cap 1 per 1d  quiet 21:00..07:00  consent email_consent }
touchpoint welcome { channel email  template "welcome" }
touchpoint promo { channel email  template "promo" }
touchpoint receipt { channel email  template "receipt"  transactional }
touchpoint under_review { channel email  template "under-review"  transactional }
channel post { quiet 21:00..07:00 }
touchpoint account_ready { channel post  template "account-ready" }
touchpoint delayed { channel post  template "delayed" }
"#;

#[test]
fn a_cap_counts_the_sends_of_every_journey() {
    // Issue 15, failure 1: two journeys each send one email, an hour apart, on `cap 1 per 1d`.
    let src = format!(
        "{WORLD_DECLS}
journey welcome_series {{ trigger signed_up  onboarding {{ if email_consent {{ send welcome }} }} }}
journey promotion {{ trigger signed_up  onboarding {{ wait 1h  if email_consent {{ send promo }} }} }}"
    );
    let ps = programs(&src);
    let cast = journeyc::interp::world::Cast::new(&ps);
    let mut w = journeyc::interp::world::World::new(&cast, "c1");
    let mut log = WorldLog::default();
    w.identify(
        &cast,
        TEST_EPOCH,
        &[("email_consent".to_string(), Val::Bool(true))],
        &mut log,
    );
    w.event(&cast, TEST_EPOCH, "signed_up", &[], &mut log);
    w.advance(&cast, TEST_EPOCH + secs("2d"), &mut log);
    let t: Vec<String> = log
        .lines
        .iter()
        .map(|(t, j, node, a)| {
            format!(
                "+{} {}: {}",
                format_duration(t - TEST_EPOCH),
                ps[*j].ir.name,
                journeyc::interp::world::describe(&ps, *j, *node, a)
            )
        })
        .collect();
    assert!(has(&t, "+0s welcome_series: sent welcome (email)"), "{t:?}");
    assert!(
        has(
            &t,
            "+1h promotion: suppressed promo (email): the channel's cap 1 per 1d was reached by `welcome` of journey `welcome_series` sent at 2026-01-05T09:00:00Z"
        ),
        "the second journey's send is suppressed, naming the cap and the earlier send: {t:?}"
    );
    assert!(!has(&t, "sent promo"), "{t:?}");
}

#[test]
fn a_transactional_touchpoint_ignores_caps_quiet_hours_and_consent() {
    // No consent, the cap already used, and 22:00 (quiet): the receipt still goes, at once, and
    // does not count towards the cap.
    let src = format!(
        "{WORLD_DECLS}
journey orders {{ trigger ordered  onboarding {{ send receipt }} }}"
    );
    let (t, _) = world_timeline(&src, &[("13h", "ordered"), ("14h", "ordered")]);
    assert!(has(&t, "+13h orders: sent receipt (email)"), "{t:?}");
    assert!(!has(&t, "deferred"), "{t:?}");
    assert!(!has(&t, "suppressed"), "{t:?}");
}

#[test]
fn transactional_sends_do_not_count_towards_caps() {
    let src = format!(
        "{WORLD_DECLS}
journey orders {{ trigger ordered  onboarding {{ send receipt }} }}
journey welcome_series {{ trigger signed_up  onboarding {{ if email_consent {{ send welcome }} }} }}"
    );
    let ps = programs(&src);
    let cast = journeyc::interp::world::Cast::new(&ps);
    let mut w = journeyc::interp::world::World::new(&cast, "c1");
    let mut log = WorldLog::default();
    w.identify(
        &cast,
        TEST_EPOCH,
        &[("email_consent".to_string(), Val::Bool(true))],
        &mut log,
    );
    w.event(&cast, TEST_EPOCH, "ordered", &[], &mut log);
    w.event(&cast, TEST_EPOCH + HOUR, "signed_up", &[], &mut log);
    let sent: Vec<String> = log
        .lines
        .iter()
        .map(|(_, j, n, a)| describe(&ps[*j], *n, a))
        .collect();
    assert!(has(&sent, "sent receipt"), "{sent:?}");
    assert!(
        has(&sent, "sent welcome"),
        "the receipt did not use the cap's one slot: {sent:?}"
    );
}

#[test]
fn an_event_nothing_waits_for_is_reported_as_ignored() {
    // Issue 15, failure 2 (KYC): the approval arrives while `under_review`... is held by quiet
    // hours. Here `under_review` is transactional, so the hold comes from an ordinary send.
    let src = format!(
        "{WORLD_DECLS}
journey kyc {{
  trigger kyc_applied
  onboarding {{
    send delayed
    wait kyc_approved up to 3d {{ send account_ready }} timeout {{ send under_review }}
  }}
}}"
    );
    // 21:00: `delayed` is held until 07:00; the approval at 23:00 finds nothing waiting.
    let (t, _) = world_timeline(&src, &[("12h", "kyc_applied"), ("14h", "kyc_approved")]);
    assert!(
        has(
            &t,
            "+14h kyc: ignored `kyc_approved`: held at `send delayed` until 2026-01-06T07:00:00Z (quiet hours), at `onboarding.0.send`"
        ),
        "the approval is shown as ignored, with where the customer was: {t:?}"
    );
}

#[test]
fn an_event_during_a_delay_is_reported_as_ignored() {
    let src = format!(
        "{WORLD_DECLS}
journey kyc {{ trigger kyc_applied  onboarding {{ wait 2d  wait kyc_approved up to 1d {{ send account_ready }} }} }}"
    );
    let (t, _) = world_timeline(&src, &[("0", "kyc_applied"), ("1h", "kyc_approved")]);
    assert!(
        has(
            &t,
            "+1h kyc: ignored `kyc_approved`: in a `wait` until 2026-01-07T09:00:00Z"
        ),
        "{t:?}"
    );
}

#[test]
fn at_one_instant_the_higher_priority_gets_the_last_slot_of_a_cap() {
    let src = format!(
        "{WORLD_DECLS}
customer {{ }}
journey zeta {{ trigger signed_up  priority 5  onboarding {{ if email_consent {{ send promo }} }} }}
journey alpha {{ trigger signed_up  onboarding {{ if email_consent {{ send welcome }} }} }}"
    );
    let src = src.replace("customer { }\n", "");
    let ps = programs(&src);
    let cast = journeyc::interp::world::Cast::new(&ps);
    let mut w = journeyc::interp::world::World::new(&cast, "c1");
    let mut log = WorldLog::default();
    w.identify(
        &cast,
        TEST_EPOCH,
        &[("email_consent".to_string(), Val::Bool(true))],
        &mut log,
    );
    w.event(&cast, TEST_EPOCH, "signed_up", &[], &mut log);
    let t: Vec<String> = log
        .lines
        .iter()
        .map(|(_, j, n, a)| format!("{}: {}", ps[*j].ir.name, describe(&ps[*j], *n, a)))
        .collect();
    assert!(has(&t, "zeta: sent promo"), "priority 5 goes first: {t:?}");
    assert!(has(&t, "alpha: suppressed welcome"), "{t:?}");
}

#[test]
fn at_one_instant_equal_priorities_go_in_journey_name_order() {
    let src = format!(
        "{WORLD_DECLS}
journey zeta {{ trigger signed_up  onboarding {{ if email_consent {{ send promo }} }} }}
journey alpha {{ trigger signed_up  onboarding {{ if email_consent {{ send welcome }} }} }}"
    );
    let ps = programs(&src);
    let cast = journeyc::interp::world::Cast::new(&ps);
    let mut w = journeyc::interp::world::World::new(&cast, "c1");
    let mut log = WorldLog::default();
    w.identify(
        &cast,
        TEST_EPOCH,
        &[("email_consent".to_string(), Val::Bool(true))],
        &mut log,
    );
    w.event(&cast, TEST_EPOCH, "signed_up", &[], &mut log);
    let t: Vec<String> = log
        .lines
        .iter()
        .map(|(_, j, n, a)| format!("{}: {}", ps[*j].ir.name, describe(&ps[*j], *n, a)))
        .collect();
    assert!(has(&t, "alpha: sent welcome"), "{t:?}");
    assert!(has(&t, "zeta: suppressed promo"), "{t:?}");
}

#[test]
fn an_exclusive_group_admits_one_journey_at_a_time() {
    let src = format!(
        "{WORLD_DECLS}
journey welcome_series {{ trigger signed_up  exclusive marketing  onboarding {{ wait 3d }} }}
journey promotion {{ trigger ordered  exclusive marketing  priority 9  onboarding {{ wait 1d }} }}"
    );
    let (t, log) = world_timeline(
        &src,
        &[("0", "signed_up"), ("1h", "ordered"), ("4d", "ordered")],
    );
    let entered: Vec<&String> = t.iter().filter(|l| l.contains("entered")).collect();
    assert_eq!(
        entered.len(),
        2,
        "promotion is refused while welcome_series runs, and enters once it ended: {t:?}"
    );
    assert!(has(&t, "+0s welcome_series: entered"), "{t:?}");
    assert!(has(&t, "+4d promotion: entered"), "{t:?}");
    assert!(
        log.not_entered
            .iter()
            .any(|(_, why)| matches!(why, journeyc::interp::engine::NotEntered::Exclusive { .. })),
        "the refusal says why"
    );
}

#[test]
fn at_one_instant_the_higher_priority_enters_an_exclusive_group() {
    let src = format!(
        "{WORLD_DECLS}
journey welcome_series {{ trigger signed_up  exclusive marketing  onboarding {{ wait 3d }} }}
journey promotion {{ trigger signed_up  exclusive marketing  priority 1  onboarding {{ wait 1d }} }}"
    );
    let (t, _) = world_timeline(&src, &[("0", "signed_up")]);
    assert!(has(&t, "promotion: entered"), "{t:?}");
    assert!(!has(&t, "welcome_series: entered"), "{t:?}");
}

// ------------------------------------------------------------ history (issue 15, item 3)

const HISTORY_DECLS: &str = r#"
event signed_up
event ordered
event browsed
channel post
touchpoint nudge { channel post  template "nudge" }
touchpoint reminder { channel post  template "reminder" }
touchpoint loyalty { channel post  template "loyalty" }
"#;

fn history_timeline(journeys: &str, events: &[(&str, &str)]) -> Vec<String> {
    world_timeline(&format!("{HISTORY_DECLS}\n{journeys}"), events).0
}

#[test]
fn sent_within_reads_the_sends_of_earlier_entries() {
    let j = "journey j { trigger ordered  entry always  onboarding { if not (sent(nudge) within 2d) { send nudge } } }";
    let t = history_timeline(j, &[("0", "ordered"), ("1d", "ordered"), ("3d", "ordered")]);
    assert_eq!(count(&t, "sent nudge"), 2, "{t:?}");
    assert!(has(&t, "+0s j: sent nudge"), "{t:?}");
    assert!(
        !has(&t, "+1d j: sent nudge"),
        "sent 1d ago, in the last entry: {t:?}"
    );
    assert!(has(&t, "+3d j: sent nudge"), "3d ago is outside 2d: {t:?}");
}

#[test]
fn a_history_window_includes_its_far_end() {
    // Sent at 0; at exactly 2d the send is within 2d (as a goal's `within` counts an event at
    // exactly its window); one second later it is not.
    let j = "journey j { trigger ordered  entry always  onboarding { if not (sent(nudge) within 2d) { send nudge } } }";
    let t = history_timeline(
        j,
        &[("0", "ordered"), ("2d", "ordered"), ("2d1s", "ordered")],
    );
    assert!(!has(&t, "+2d j: sent nudge"), "{t:?}");
    assert!(has(&t, "+2d1s j: sent nudge"), "{t:?}");
    assert_eq!(count(&t, "sent nudge"), 2, "{t:?}");
}

#[test]
fn plain_sent_still_reads_this_entry_only() {
    // `sent(T)` without a window keeps its meaning: sent in this entry of this journey.
    let j = "journey j { trigger ordered  entry always  onboarding { if sent(nudge) { send reminder } else { send nudge } } }";
    let t = history_timeline(j, &[("0", "ordered"), ("1h", "ordered")]);
    assert_eq!(count(&t, "sent nudge"), 2, "{t:?}");
    assert!(!has(&t, "sent reminder"), "{t:?}");
}

#[test]
fn sent_within_reads_the_sends_of_other_journeys() {
    let js = "journey a { trigger signed_up  onboarding { send nudge } }
journey b { trigger signed_up  onboarding { wait 1h  if sent(nudge) within 1d { send reminder } } }
journey c { trigger signed_up  onboarding { wait 1h  if sent(nudge) { send loyalty } } }";
    let t = history_timeline(js, &[("0", "signed_up")]);
    assert!(has(&t, "+0s a: sent nudge"), "{t:?}");
    assert!(has(&t, "+1h b: sent reminder"), "b sees a's send: {t:?}");
    assert!(
        !has(&t, "sent loyalty"),
        "plain `sent` reads c's own entry: {t:?}"
    );
}

#[test]
fn happened_within_reads_the_customer_s_events_before_the_entry_too() {
    let j = "journey j { trigger signed_up  onboarding { wait 1h  if happened(browsed) within 1d { send nudge } } }";
    let t = history_timeline(j, &[("0", "browsed"), ("10h", "signed_up")]);
    assert!(has(&t, "+11h j: sent nudge"), "browsed 11h ago: {t:?}");
    let t = history_timeline(j, &[("0", "browsed"), ("30h", "signed_up")]);
    assert!(!has(&t, "sent nudge"), "browsed 31h ago: {t:?}");
    let t = history_timeline(j, &[("10h", "signed_up")]);
    assert!(!has(&t, "sent nudge"), "never browsed: {t:?}");
}

#[test]
fn count_within_counts_events_including_the_one_being_handled() {
    // The third order in 30 days enters; the order being handled is counted.
    let j = "journey loyal { trigger ordered where count(ordered within 30d) >= 3  entry always  onboarding { send loyalty } }";
    let t = history_timeline(
        j,
        &[
            ("0", "ordered"),
            ("10d", "ordered"),
            ("20d", "ordered"),
            ("51d", "ordered"),
        ],
    );
    assert_eq!(count(&t, "sent loyalty"), 1, "{t:?}");
    assert!(has(&t, "+20d loyal: sent loyalty"), "{t:?}");
}

#[test]
fn count_within_is_an_int() {
    let j = "journey j { trigger signed_up  onboarding { wait 1h  if count(browsed within 1d) * 2 == 4 { send nudge } } }";
    let t = history_timeline(
        j,
        &[("0", "browsed"), ("1m", "browsed"), ("2m", "signed_up")],
    );
    assert!(has(&t, "sent nudge"), "{t:?}");
    let t = history_timeline(j, &[("0", "browsed"), ("2m", "signed_up")]);
    assert!(!has(&t, "sent nudge"), "{t:?}");
}

#[test]
fn a_journey_alone_reads_its_own_history() {
    // Without a world (the engine alone), the journey records what it reads itself.
    let p = program(
        "journey j { trigger activated  entry always  onboarding { if count(activated within 1d) >= 2 and not (sent(tip) within 1d) { send tip } } }",
    );
    let t = Run::new(&p)
        .event("0", "activated")
        .event("1h", "activated")
        .event("2h", "activated")
        .after("1h");
    assert_eq!(count(&t, "sent tip"), 1, "{t:?}");
    assert!(has(&t, "+1h sent tip"), "{t:?}");
}

#[test]
fn history_keeps_only_what_conditions_read_within_their_longest_window() {
    use journeyc::interp::world::{Cast, World};
    // `a` reads browsed within 1d, `b` within 3d: the world keeps browsed for 3d, which
    // changes nothing for `a`; `ordered` is read by nobody and never remembered.
    let src = format!(
        "{HISTORY_DECLS}
journey a {{ trigger signed_up  onboarding {{ if happened(browsed) within 1d {{ send nudge }} }} }}
journey b {{ trigger signed_up  onboarding {{ if happened(browsed) within 3d {{ send reminder }} }} }}"
    );
    let ps = programs(&src);
    let cast = Cast::new(&ps);
    let mut w = World::new(&cast, "c1");
    let mut log = WorldLog::default();
    for h in 0..200 {
        let t = TEST_EPOCH + h * HOUR;
        w.event(&cast, t, "browsed", &[], &mut log);
        w.event(&cast, t, "ordered", &[], &mut log);
        assert!(
            w.remembered() <= 73,
            "3d of hourly events at most: {}",
            w.remembered()
        );
    }
    assert_eq!(w.remembered(), 73, "browsed within 3d, ordered never");
    // Two days after the last browse: only `b`'s window still holds it.
    let t = TEST_EPOCH + 199 * HOUR + 2 * 24 * HOUR;
    w.event(&cast, t, "signed_up", &[], &mut log);
    let sent: Vec<&str> = log
        .lines
        .iter()
        .filter_map(|(_, j, _, a)| match a {
            journeyc::interp::engine::Action::Sent { .. } => Some(ps[*j].ir.name.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(sent, vec!["b"], "{sent:?}");
    w.advance(&cast, t + 4 * 24 * HOUR, &mut log);
    assert_eq!(w.remembered(), 0, "everything fell out of the window");
}

#[test]
fn an_event_history_reads_is_not_reported_as_ignored() {
    // `browsed` arrives during the delay: nothing waits for it, but the journey's history
    // condition counts it, so it is not "ignored"; `ordered`, known only from a wait the
    // customer is not at, still is.
    let j = "journey j { trigger signed_up  onboarding { wait 1d  if happened(browsed) within 1d { send nudge }  wait ordered up to 1d } }";
    let (t, _) = world_timeline(
        &format!("{HISTORY_DECLS}\n{j}"),
        &[("0", "signed_up"), ("1h", "browsed"), ("2h", "ordered")],
    );
    assert!(!has(&t, "ignored `browsed`"), "{t:?}");
    assert!(has(&t, "ignored `ordered`"), "{t:?}");
    assert!(has(&t, "+1d j: sent nudge"), "{t:?}");
}

#[test]
fn wait_any_reports_an_event_no_branch_takes_as_ignored() {
    let src = r#"
event applied
event approved { level: int }
event rejected
channel post
touchpoint ready { channel post  template "ready" }
touchpoint sorry { channel post  template "sorry" }
journey kyc {
  trigger applied
  onboarding {
    wait up to 2d {
      on approved where event.level > 1 { send ready }
      on rejected { send sorry }
    }
  }
}"#;
    // The approval has no `level`, so its branch's `where` fails: nothing takes it.
    let (t, _) = world_timeline(
        src,
        &[("0", "applied"), ("1h", "approved"), ("2h", "rejected")],
    );
    assert!(
        has(
            &t,
            "+1h kyc: ignored `approved`: waiting for `approved` or `rejected` until 2026-01-07T09:00:00Z, at `onboarding.0.wait`"
        ),
        "{t:?}"
    );
    assert!(has(&t, "+2h kyc: sent sorry (post)"), "{t:?}");
}

#[test]
fn a_goal_in_its_window_after_the_steps_end_converts() {
    // The steps end at +2d (completed); the goal event at +5d is inside `within 14d`: converted.
    let p = program("journey j { trigger signed_up  goal upgraded within 14d  onboarding { wait 2d  send tip } }");
    let t = Run::new(&p)
        .event("0", "signed_up")
        .event("5d", "upgraded")
        .after("1d");
    assert!(has(&t, "+2d sent tip"), "{t:?}");
    assert!(has(&t, "completed"), "{t:?}");
    assert!(has(&t, "+5d converted"), "{t:?}");
    // After an `exit` step too; outside the window, never.
    let p = program(
        "journey j { trigger signed_up  goal upgraded within 3d  onboarding { send tip  exit } }",
    );
    let t = Run::new(&p)
        .event("0", "signed_up")
        .event("2d", "upgraded")
        .after("1d");
    assert!(has(&t, "+2d converted"), "{t:?}");
    let t = Run::new(&p)
        .event("0", "signed_up")
        .event("4d", "upgraded")
        .after("1d");
    assert!(!has(&t, "converted"), "{t:?}"); // A goal without `within` has no window to watch: only while in the journey.
    let p = program("journey j { trigger signed_up  goal upgraded  onboarding { send tip } }");
    let t = Run::new(&p)
        .event("0", "signed_up")
        .event("2d", "upgraded")
        .after("1d");
    assert!(has(&t, "completed"), "{t:?}");
    assert!(!has(&t, "converted"), "{t:?}");
}

fn journeyc_in(dir: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("journeyc runs")
}

#[test]
fn test_and_run_count_a_conversion_after_completion() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("j.journey"), AFTER_COMPLETION).expect("write journey");
    // `journeyc test`: `expect converted` holds for a customer who completed, then upgraded.
    let out = journeyc_in(dir.path(), &["test", "j.journey"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // `journeyc run`: the replay records the conversion after `completed`.
    let log = "{\"userId\":\"u1\",\"event\":\"signed_up\",\"timestamp\":\"2026-01-05T09:00:00Z\"}\n{\"userId\":\"u1\",\"event\":\"upgraded\",\"timestamp\":\"2026-01-08T09:00:00Z\"}\n";
    std::fs::write(dir.path().join("log.jsonl"), log).expect("write log");
    let out = journeyc_in(dir.path(), &["run", "j.journey", "--events", "log.jsonl"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actions: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    let at = |action: &str| {
        actions
            .iter()
            .position(|a| a["action"] == action)
            .unwrap_or_else(|| panic!("no {action} in {actions:?}"))
    };
    assert!(at("completed") < at("converted"), "{actions:?}");
    let converted = &actions[at("converted")];
    assert_eq!(converted["time"], "2026-01-08T09:00:00Z", "{actions:?}");
    assert_eq!(converted["goal"], "upgraded", "{actions:?}");
}

#[test]
fn a_goal_takes_its_event_before_a_wait() {
    let p = program("journey j { trigger signed_up  goal upgraded within 14d  onboarding { wait upgraded up to 7d { send tip } timeout { send extra } } }");
    let t = Run::new(&p)
        .event("0", "signed_up")
        .event("1d", "upgraded")
        .after("10d");
    assert!(has(&t, "+1d converted"), "{t:?}");
    assert!(!has(&t, "sent tip"), "the wait's block never runs: {t:?}");
    assert!(!has(&t, "sent extra"), "{t:?}");
}

#[test]
fn w0408_warns_that_the_goal_takes_the_event_of_a_wait() {
    let blocks = support::code_page_examples("W0408");
    let dir = tempfile::tempdir().expect("temp dir");
    let check = |text: &str| {
        std::fs::write(dir.path().join("p.journey"), text).expect("write");
        let out = journeyc_in(dir.path(), &["check", "--deny", "warnings", "p.journey"]);
        let all = String::from_utf8_lossy(&out.stderr).to_string()
            + &String::from_utf8_lossy(&out.stdout);
        (out.status.code(), all)
    };
    let (code, wrong) = check(&blocks[0]);
    assert_eq!(code, Some(1), "{wrong}");
    assert!(wrong.contains("W0408"), "{wrong}");
    assert!(
        wrong.contains("the block of `wait upgraded` never runs"),
        "{wrong}"
    );
    assert_eq!(check(&blocks[1]).0, Some(0));
    // A goal with `where`, or a wait that can end after the goal's window: no warning.
    let (_, with_where) = check(
        &blocks[0]
            .replace(
                "goal upgraded within 14d",
                "goal upgraded where plan == pro within 14d",
            )
            .replace(
                "event upgraded",
                "enum plan { free, pro }\ncustomer { plan: plan = free }\nevent upgraded",
            ),
    );
    assert!(!with_where.contains("W0408"), "{with_where}");
    let (_, late) = check(&blocks[0].replace("up to 7d", "up to 15d"));
    assert!(!late.contains("W0408"), "{late}");
}

/// A journey whose steps end at once, with a goal window that outlives them.
const AFTER_COMPLETION: &str = r#"
event signed_up
event upgraded
channel email
touchpoint tip { channel email  template "tip" }
journey j {
  trigger signed_up
  goal upgraded within 14d
  onboarding {
    send tip
  }
}
test "converts after completing" {
  journey j
  at 0 signed_up
  at 3d upgraded
  expect sent tip
  expect converted
}
"#;

// ---------------------------------------------------------------- explanations (`--explain`)

/// Keeps what `run --explain` shows of each decision: the condition with the values it read.
#[derive(Default)]
struct Explained {
    details: Vec<String>,
}

impl journeyc::interp::engine::Observer for Explained {
    fn action(
        &mut self,
        _time: i64,
        _node: Option<usize>,
        _action: &journeyc::interp::engine::Action,
    ) {
    }
    fn wants_detail(&self) -> bool {
        true
    }
    fn detail(&mut self, time: i64, _node: Option<usize>, text: String) {
        self.details
            .push(format!("+{} {text}", format_duration(time - TEST_EPOCH)));
    }
}

/// An event at a time: (time, name, fields).
type Timed<'a> = (&'a str, &'a str, Vec<(&'a str, Val)>);

/// Runs `events` through journey `p` for one explained customer, then timers for `d` after the
/// last one, and returns the explanations.
fn explain(p: &Program, events: &[Timed], d: &str) -> Vec<String> {
    let engine = Engine::new(p);
    let mut c = Customer::new(p, "c1");
    let mut obs = Explained::default();
    let mut last = TEST_EPOCH;
    for (at, name, fields) in events {
        last = TEST_EPOCH + secs(at);
        let payload = EventPayload {
            event: p.event(name),
            fields: fields
                .iter()
                .map(|(f, v)| (Arc::from(*f), v.clone()))
                .collect(),
        };
        engine.event(&mut c, last, &payload, &mut obs);
    }
    engine.advance(&mut c, last + secs(d), &mut obs);
    obs.details
}

#[test]
fn explanations_show_the_event_fields_a_wait_condition_read() {
    let p = program(
        r#"journey j { trigger ping  onboarding { wait signed_up where event.source == "ads" up to 3d { send tip }  wait activated up to 1d } }"#,
    );
    // `activated` at 30m is not what the customer waits for then: nothing to explain.
    let details = explain(
        &p,
        &[
            ("0", "ping", vec![]),
            ("30m", "activated", vec![]),
            ("1h", "signed_up", vec![("source", Val::Str("seo".into()))]),
            ("2h", "signed_up", vec![("source", Val::Str("ads".into()))]),
        ],
        "1d",
    );
    assert_eq!(
        details,
        vec![
            "+1h `event.source == \"ads\"` was false (event.source = \"seo\")".to_string(),
            "+2h `event.source == \"ads\"` was true (event.source = \"ads\")".to_string(),
        ],
        "only the awaited event's `where` is explained, with the field it read"
    );
}

#[test]
fn explanations_show_the_engagement_a_condition_read() {
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  wait 1d  if opened(welcome) { send tip } } }",
    );
    let engine = Engine::new(&p);
    let mut c = Customer::new(&p, "c1");
    let mut obs = Explained::default();
    let signed_up = EventPayload {
        event: p.event("signed_up"),
        fields: Vec::new(),
    };
    engine.event(&mut c, TEST_EPOCH, &signed_up, &mut obs);
    let welcome = p.touchpoint("welcome").expect("touchpoint");
    engine.engage(
        &mut c,
        TEST_EPOCH + HOUR,
        Engagement::Opened,
        welcome,
        &mut obs,
    );
    engine.advance(&mut c, TEST_EPOCH + secs("2d"), &mut obs);
    assert_eq!(
        obs.details,
        vec!["+1d `opened(welcome)` was true (opened(welcome) = true)".to_string()]
    );
}

#[test]
fn an_event_during_a_wait_for_another_is_reported_as_ignored() {
    let src = format!(
        "{WORLD_DECLS}
journey kyc {{ trigger kyc_applied  onboarding {{ wait kyc_approved up to 3d {{ send account_ready }}  wait ordered up to 1d }} }}"
    );
    // `ordered` comes while the customer waits for `kyc_approved`: the later wait is not active.
    let (t, _) = world_timeline(&src, &[("0", "kyc_applied"), ("1h", "ordered")]);
    assert!(
        has(
            &t,
            "+1h kyc: ignored `ordered`: waiting for `kyc_approved` until 2026-01-08T09:00:00Z, at `onboarding.0.wait`"
        ),
        "{t:?}"
    );
}

#[test]
fn runaway_guard_runs_exactly_the_maximum_steps() {
    // "More than 10000 steps without time passing": 10000 steps run, the next one is cut. The
    // loop alternates `stage again` and `send tip` (each step reports one action).
    let mut ir = {
        let p = program("journey j { trigger signed_up  onboarding { send welcome }  stage again { send tip } }");
        p.ir.clone()
    };
    let again = ir
        .stages
        .iter()
        .find(|s| s.name == "again")
        .map(|s| s.entry.clone())
        .expect("stage");
    for n in &mut ir.nodes {
        if let journeyc::ir::NodeKind::Send {
            touchpoint, next, ..
        } = &mut n.kind
        {
            if touchpoint == "tip" {
                *next = Some(again.clone());
            }
        }
    }
    let p = Program::compile(&ir).expect("compiles");
    let mut r = Run::new(&p);
    let t = r.event("0", "signed_up").after("1h");
    assert_eq!(
        t.len(),
        journeyc::interp::engine::MAX_INSTANT_STEPS + 2,
        "entered, one action per step, stopped: {:?}",
        &t[..4.min(t.len())]
    );
    assert!(has(&t[t.len() - 1..], "stopped: more than 10000 steps"));
}

#[test]
fn in_a_world_an_event_at_a_wait_deadline_is_in_time() {
    let src = format!(
        "{WORLD_DECLS}
journey kyc {{ trigger kyc_applied  onboarding {{ wait kyc_approved up to 1d {{ send account_ready }} timeout {{ send delayed }} }} }}"
    );
    let (t, _) = world_timeline(&src, &[("0", "kyc_applied"), ("1d", "kyc_approved")]);
    assert!(has(&t, "+1d kyc: sent account_ready"), "{t:?}");
    assert!(!has(&t, "timed out") && !has(&t, "delayed"), "{t:?}");
}

/// Runs journey `journey` (with the world declarations) for one customer with email consent:
/// `signed_up` at 0, then `at_1d` at exactly 1d, then timers; returns the timeline.
fn world_at_the_end_of_a_wait(
    journey: &str,
    at_1d: impl Fn(&mut journeyc::interp::world::World, &journeyc::interp::world::Cast, &mut WorldLog),
) -> Vec<String> {
    use journeyc::interp::world::{Cast, World};
    let ps = programs(&format!("{WORLD_DECLS}\n{journey}"));
    let cast = Cast::new(&ps);
    let mut w = World::new(&cast, "c1");
    let mut log = WorldLog::default();
    w.event(&cast, TEST_EPOCH, "signed_up", &[], &mut log);
    at_1d(&mut w, &cast, &mut log);
    w.advance(&cast, TEST_EPOCH + secs("3d"), &mut log);
    log.lines.sort_by_key(|l| l.0);
    log.lines
        .iter()
        .map(|(t, j, node, a)| {
            format!(
                "+{} {}",
                format_duration(t - TEST_EPOCH),
                journeyc::interp::world::describe(&ps, *j, *node, a)
            )
        })
        .collect()
}

#[test]
fn in_a_world_an_open_at_the_end_of_a_wait_is_known_after_it() {
    let t = world_at_the_end_of_a_wait(
        "journey j { trigger signed_up  onboarding { send receipt  wait 1d  if opened(receipt) { send account_ready } } }",
        |w, cast, log| w.engage(cast, TEST_EPOCH + secs("1d"), Engagement::Opened, "receipt", log),
    );
    assert!(has(&t, "+1d sent account_ready"), "{t:?}");
}

#[test]
fn in_a_world_a_profile_update_at_the_end_of_a_wait_is_known_after_it() {
    let t = world_at_the_end_of_a_wait(
        "journey j { trigger signed_up  onboarding { wait 1d  if email_consent { send account_ready } } }",
        |w, cast, log| {
            w.identify(
                cast,
                TEST_EPOCH + secs("1d"),
                &[("email_consent".to_string(), Val::Bool(true))],
                log,
            )
        },
    );
    assert!(has(&t, "+1d sent account_ready"), "{t:?}");
}

/// `--explain` shows the value a history call read (`docs/semantics.md`, "History").
#[test]
fn explanations_show_the_history_a_condition_read() {
    let p = program(
        "journey j { trigger signed_up  onboarding { send welcome  wait 1d  if sent(welcome) within 2d { send tip } } }",
    );
    let engine = Engine::new(&p);
    let mut c = Customer::new(&p, "c1");
    let mut obs = Explained::default();
    let signed_up = EventPayload {
        event: p.event("signed_up"),
        fields: Vec::new(),
    };
    engine.event(&mut c, TEST_EPOCH, &signed_up, &mut obs);
    engine.advance(&mut c, TEST_EPOCH + secs("2d"), &mut obs);
    assert_eq!(
        obs.details,
        vec!["+1d `sent(welcome) within 2d` was true (sent(welcome) within 2d = true)".to_string()]
    );
}

/// An enum event field is explained by its value's name, as an enum attribute is.
#[test]
fn explanations_name_the_value_of_an_enum_event_field() {
    let p = program(
        "journey j { trigger ping  onboarding { wait upgraded where event.plan == pro up to 3d { send tip } } }",
    );
    let team = Val::Enum(3);
    let details = explain(
        &p,
        &[
            ("0", "ping", vec![]),
            ("1h", "upgraded", vec![("plan", team)]),
        ],
        "1d",
    );
    assert_eq!(
        details,
        vec!["+1h `event.plan == pro` was false (event.plan = team)".to_string()]
    );
}
