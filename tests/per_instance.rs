//! `journey NAME per FIELD`: one instance per key (docs/semantics.md, "One instance per key").
//! Each test drives one customer's world and reads the timeline, every line naming the
//! instance's key.

use journeyc::interp::program::Program;
use journeyc::interp::scenario::TEST_EPOCH;
use journeyc::interp::time::format_duration;
use journeyc::interp::value::Val;
use journeyc::interp::world::{Cast, World, WorldObserver};
use std::path::Path;
use std::sync::Arc;

fn programs(src: &str) -> Vec<Program> {
    let project = journeyc::project::load_text(Path::new("per_test.journey"), src);
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

/// Every action as `+1d [A-1] j: sent x (email)`, and explanations when asked.
#[derive(Default)]
struct Log {
    lines: Vec<(i64, usize, Option<String>, String)>,
    key: Option<String>,
    details: Vec<String>,
    explain: bool,
}

struct Run<'a> {
    ps: &'a [Program],
    log: Log,
}

impl WorldObserver for Run<'_> {
    fn action(
        &mut self,
        journey: usize,
        time: i64,
        node: Option<usize>,
        action: &journeyc::interp::engine::Action,
    ) {
        let text = journeyc::interp::world::describe(self.ps, journey, node, action);
        self.log
            .lines
            .push((time, journey, self.log.key.clone(), text));
    }
    fn instance(&mut self, _journey: usize, key: Option<&str>) {
        self.log.key = key.map(str::to_string);
    }
    fn wants_detail(&self) -> bool {
        self.log.explain
    }
    fn detail(&mut self, _journey: usize, _time: i64, _node: Option<usize>, text: String) {
        self.log.details.push(text);
    }
}

type Ev<'a> = (&'a str, &'a str, &'a [(&'a str, &'a str)]);

/// Runs `events` (time, name, string fields) for one customer, then timers for 30 days.
fn timeline(src: &str, events: &[Ev]) -> (Vec<String>, Vec<String>) {
    let ps = programs(src);
    let cast = Cast::new(&ps);
    let mut w = World::new(&cast, "c1");
    let mut run = Run {
        ps: &ps,
        log: Log {
            explain: true,
            ..Log::default()
        },
    };
    let mut last = TEST_EPOCH;
    for (at, name, fields) in events {
        last = TEST_EPOCH + secs(at);
        let fields: Vec<(Arc<str>, Val)> = fields
            .iter()
            .map(|(n, v)| (Arc::from(*n), Val::Str(Arc::from(*v))))
            .collect();
        w.event(&cast, last, name, &fields, &mut run);
    }
    w.advance(&cast, last + secs("30d"), &mut run);
    run.log.lines.sort_by_key(|l| l.0);
    let text = run
        .log
        .lines
        .iter()
        .map(|(t, j, key, a)| {
            let key = key
                .as_deref()
                .map(|k| format!("[{k}] "))
                .unwrap_or_default();
            format!(
                "+{} {key}{}: {a}",
                format_duration(t - TEST_EPOCH),
                ps[*j].ir.name
            )
        })
        .collect();
    (text, run.log.details)
}

fn sends(t: &[String]) -> Vec<&str> {
    t.iter()
        .filter(|l| l.contains(": sent ") || l.contains(": suppressed "))
        .map(String::as_str)
        .collect()
}

const DECLS: &str = r#"
event placed { order_id: string }
event shipped { order_id: string }
event delivered { order_id: string }
event cancelled { order_id: string }
event rated { stars: int }
channel email
touchpoint confirm { channel email  template "confirm" }
touchpoint shipped_note { channel email  template "shipped" }
touchpoint arrived { channel email  template "arrived"  requires delivered }
touchpoint late { channel email  template "late" }
touchpoint ask { channel email  template "ask"  converts rated within 2d }
"#;

const ORDERS: &str = r#"
journey orders per order_id {
  trigger placed
  entry always
  exit on cancelled
  stage s {
    send confirm
    wait shipped up to 2d {
      send shipped_note
      wait delivered up to 3d { send arrived } timeout { send late }
    }
  }
}
"#;

fn src(journey: &str) -> String {
    format!("{DECLS}\n{journey}")
}

#[test]
fn a_customer_is_in_one_instance_per_key() {
    let (t, _) = timeline(
        &src(ORDERS),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-2")]),
        ],
    );
    assert_eq!(
        sends(&t),
        [
            "+0s [A-1] orders: sent confirm (email)",
            "+1h [A-2] orders: sent confirm (email)"
        ],
        "{t:#?}"
    );
}

#[test]
fn waits_take_only_the_events_of_their_key() {
    let (t, _) = timeline(
        &src(ORDERS),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-2")]),
            ("2h", "shipped", &[("order_id", "A-2")]),
            ("3h", "delivered", &[("order_id", "A-2")]),
            ("1d", "shipped", &[("order_id", "A-1")]),
        ],
    );
    assert_eq!(
        sends(&t),
        [
            "+0s [A-1] orders: sent confirm (email)",
            "+1h [A-2] orders: sent confirm (email)",
            "+2h [A-2] orders: sent shipped_note (email)",
            "+3h [A-2] orders: sent arrived (email)",
            "+1d [A-1] orders: sent shipped_note (email)",
            // A-2's delivery never reached A-1: late, and no "arrived".
            "+4d [A-1] orders: sent late (email)",
        ],
        "{t:#?}"
    );
}

#[test]
fn an_event_of_a_key_no_instance_has_changes_nothing() {
    let (t, _) = timeline(
        &src(ORDERS),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "shipped", &[("order_id", "B-9")]),
            ("2h", "cancelled", &[("order_id", "B-9")]),
        ],
    );
    assert!(
        !t.iter()
            .any(|l| l.contains("shipped_note") || l.contains("exited")),
        "{t:#?}"
    );
    assert!(
        t.iter()
            .any(|l| l.starts_with("+2d [A-1] orders: wait timed out")),
        "{t:#?}"
    );
}

#[test]
fn an_exit_ends_only_its_own_instance() {
    let (t, _) = timeline(
        &src(ORDERS),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-2")]),
            ("2h", "cancelled", &[("order_id", "A-1")]),
            ("3h", "shipped", &[("order_id", "A-2")]),
        ],
    );
    assert!(
        t.iter().any(|l| l.starts_with("+2h [A-1] orders: exited")),
        "{t:#?}"
    );
    assert!(
        t.iter()
            .any(|l| l == "+3h [A-2] orders: sent shipped_note (email)"),
        "{t:#?}"
    );
    assert!(
        !t.iter().any(|l| l.contains("[A-2] orders: exited")),
        "{t:#?}"
    );
}

#[test]
fn a_trigger_without_its_key_does_not_enter_and_says_why() {
    let (t, why) = timeline(&src(ORDERS), &[("0", "placed", &[])]);
    assert!(t.is_empty(), "{t:#?}");
    assert_eq!(
        why,
        ["did not enter: the `placed` has no `order_id`, the key of journey `orders` (one instance per `order_id`)"]
    );
}

#[test]
fn entry_always_ignores_a_trigger_while_that_key_is_in_flight() {
    let (t, _) = timeline(
        &src(ORDERS),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-1")]),
            ("3d", "placed", &[("order_id", "A-1")]),
        ],
    );
    let confirms: Vec<&str> = t
        .iter()
        .filter(|l| l.contains("sent confirm"))
        .map(String::as_str)
        .collect();
    // In flight at 1h (ignored); timed out at 2d, so the order enters again at 3d.
    assert_eq!(
        confirms,
        [
            "+0s [A-1] orders: sent confirm (email)",
            "+3d [A-1] orders: sent confirm (email)"
        ]
    );
}

#[test]
fn entry_once_is_once_per_key() {
    let journey = ORDERS.replace("entry always", "entry once");
    let (t, _) = timeline(
        &src(&journey),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("3d", "placed", &[("order_id", "A-1")]),
            ("4d", "placed", &[("order_id", "A-2")]),
        ],
    );
    let confirms: Vec<&str> = t
        .iter()
        .filter(|l| l.contains("sent confirm"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        confirms,
        [
            "+0s [A-1] orders: sent confirm (email)",
            "+4d [A-2] orders: sent confirm (email)"
        ]
    );
}

#[test]
fn entry_every_counts_per_key() {
    let journey = ORDERS.replace("entry always", "entry every 10d");
    let (t, _) = timeline(
        &src(&journey),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("3d", "placed", &[("order_id", "A-1")]),
            ("3d", "placed", &[("order_id", "A-2")]),
            ("11d", "placed", &[("order_id", "A-1")]),
        ],
    );
    let confirms: Vec<&str> = t
        .iter()
        .filter(|l| l.contains("sent confirm"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        confirms,
        [
            "+0s [A-1] orders: sent confirm (email)",
            "+3d [A-2] orders: sent confirm (email)",
            "+11d [A-1] orders: sent confirm (email)",
        ]
    );
}

#[test]
fn caps_count_the_sends_of_every_instance() {
    let capped = src(ORDERS).replace("channel email\n", "channel email { cap 1 per 1d }\n");
    let (t, _) = timeline(
        &capped,
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-2")]),
        ],
    );
    assert_eq!(sends(&t)[0], "+0s [A-1] orders: sent confirm (email)");
    assert!(sends(&t)[1].starts_with("+1h [A-2] orders: suppressed confirm (email): the channel's cap 1 per 1d was reached by `confirm` of journey `orders`"), "{t:#?}");
}

#[test]
fn an_event_without_the_key_field_reaches_every_instance() {
    // `rated` has no `order_id`: it credits the conversion in each instance that sent `ask`.
    let journey = r#"
journey orders per order_id {
  trigger placed
  entry always
  stage s { send ask  wait 5d }
}"#;
    let (t, _) = timeline(
        &src(journey),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-2")]),
            ("1d", "rated", &[]),
        ],
    );
    let credited: Vec<&str> = t
        .iter()
        .filter(|l| l.contains("credited"))
        .map(String::as_str)
        .collect();
    assert_eq!(credited.len(), 2, "{t:#?}");
    assert!(
        credited[0].contains("[A-1]") && credited[1].contains("[A-2]"),
        "{t:#?}"
    );
}

#[test]
fn instances_of_one_journey_do_not_exclude_each_other_but_hold_their_group() {
    let journeys = r#"
journey orders per order_id {
  trigger placed
  entry always
  exclusive busy
  stage s { send confirm  wait 2d }
}
journey promo {
  trigger shipped
  exclusive busy
  stage s { send late }
}"#;
    let (t, _) = timeline(
        &src(journeys),
        &[
            ("0", "placed", &[("order_id", "A-1")]),
            ("1h", "placed", &[("order_id", "A-2")]),
            ("2h", "shipped", &[("order_id", "A-1")]),
            ("3d", "shipped", &[("order_id", "A-1")]),
        ],
    );
    assert_eq!(
        sends(&t),
        [
            "+0s [A-1] orders: sent confirm (email)",
            "+1h [A-2] orders: sent confirm (email)",
            "+3d promo: sent late (email)",
        ],
        "{t:#?}"
    );
}

#[test]
fn splits_are_stable_per_instance() {
    use journeyc::interp::engine::bucket;
    use journeyc::interp::program::stable_hash;
    use journeyc::interp::world::keyed::instance_hash;
    // The instance hash is the hash of the id and the key one after the other.
    assert_eq!(
        instance_hash(stable_hash(&["c1"]), "A-1"),
        stable_hash(&["c1", "A-1"])
    );
    // Golden values of docs/exports.md ("Splits in keyed journeys"): salt 0 shows the hash alone.
    assert_eq!(bucket(stable_hash(&["c1", "A-1"]), 0), GOLDEN_A1);
    assert_eq!(bucket(stable_hash(&["c1", "A-2"]), 0), GOLDEN_A2);
    let journey = r#"
journey orders per order_id {
  trigger placed
  entry always
  stage s { split { 50% a { send confirm } 50% b { send late } } }
}"#;
    let events: Vec<(String, String)> = (0..40)
        .map(|i| (format!("{i}h"), format!("K-{i}")))
        .collect();
    let run = || {
        let fields: Vec<[(&str, &str); 1]> = events
            .iter()
            .map(|(_, k)| [("order_id", k.as_str())])
            .collect();
        let evs: Vec<Ev> = events
            .iter()
            .zip(&fields)
            .map(|((at, _), f)| (at.as_str(), "placed", f.as_slice()))
            .collect();
        timeline(&src(journey), &evs).0
    };
    let first = run();
    assert_eq!(first, run(), "the same keys get the same variants");
    let a = first.iter().filter(|l| l.contains("sent confirm")).count();
    let b = first.iter().filter(|l| l.contains("sent late")).count();
    assert!(
        a > 5 && b > 5,
        "instances of one customer spread over variants: {a} / {b}"
    );
}

const GOLDEN_A1: u32 = 9124;
const GOLDEN_A2: u32 = 2064;

/// The example's test of three overlapping orders, run in the world: the complete list of
/// messages, each with its order. Nothing more, nothing less.
#[test]
fn three_overlapping_orders_get_exactly_their_messages() {
    let text = std::fs::read_to_string("examples/ecommerce_order.journey").expect("the example");
    let src = text.replace(
        "customer {\n  tier: tier = guest\n  country: string",
        "customer {\n  tier: tier = member\n  country: string = \"CA\"",
    );
    let (t, _) = timeline(
        &src,
        &[
            ("0", "order_placed", &[("order_id", "A-1")]),
            ("2h", "order_placed", &[("order_id", "A-2")]),
            ("4h", "order_placed", &[("order_id", "A-3")]),
            ("5h", "order_cancelled", &[("order_id", "A-2")]),
            ("1d", "order_shipped", &[("order_id", "A-1")]),
            ("1d6h", "order_shipped", &[("order_id", "A-3")]),
            ("3d", "order_delivered", &[("order_id", "A-1")]),
        ],
    );
    assert_eq!(
        sends(&t),
        [
            "+0s [A-1] order_updates: sent order_confirmation (email)",
            "+2h [A-2] order_updates: sent order_confirmation (email)",
            "+4h [A-3] order_updates: sent order_confirmation (email)",
            "+1d [A-1] order_updates: sent shipped_notice (email)",
            "+1d6h [A-3] order_updates: sent shipped_notice (email)",
            "+3d [A-1] order_updates: sent order_arrived (email)",
            "+6d [A-1] order_updates: sent review_request (email)",
            "+6d6h [A-3] order_updates: sent late_apology (email)",
        ],
        "{t:#?}"
    );
}

#[test]
fn an_identify_reaches_every_instance_of_a_keyed_journey() {
    // An identify during an instance's wait changes the attribute the instance reads next
    // (docs/semantics.md, "One world": an identify updates the attribute in every journey).
    let src = format!(
        "customer {{ vip: bool = false }}\n{DECLS}\n{}",
        r#"
journey orders per order_id {
  trigger placed
  entry always
  stage s {
    wait 1d
    if vip { send confirm } else { send late }
  }
}
"#
    );
    let ps = programs(&src);
    let cast = Cast::new(&ps);
    let mut w = World::new(&cast, "c1");
    let mut run = Run {
        ps: &ps,
        log: Log::default(),
    };
    let key = vec![(Arc::from("order_id"), Val::Str(Arc::from("A-1")))];
    w.event(&cast, TEST_EPOCH, "placed", &key, &mut run);
    w.identify(
        &cast,
        TEST_EPOCH + secs("1h"),
        &[("vip".to_string(), Val::Bool(true))],
        &mut run,
    );
    w.advance(&cast, TEST_EPOCH + secs("30d"), &mut run);
    let sent: Vec<&str> = run.log.lines.iter().map(|l| l.3.as_str()).collect();
    assert!(sent.contains(&"sent confirm (email)"), "{sent:?}");
    assert!(!sent.contains(&"sent late (email)"), "{sent:?}");
}

// ---------------------------------------------------------------- a world driven by hand

/// A step of [`drive`]: an event with typed fields, or an open of a touchpoint.
enum Step<'a> {
    Event(&'a str, &'a str, Vec<(&'a str, Val)>),
    Open(&'a str, &'a str),
}

/// Drives one customer's world through `steps`, then `then` more time, and returns the world
/// and what it recorded (`explain` asks for explanations).
fn drive<'p>(
    ps: &'p [Program],
    cast: &Cast<'p>,
    steps: &[Step],
    then: &str,
    explain: bool,
) -> (World, Log) {
    let mut w = World::new(cast, "c1");
    let mut run = Run {
        ps,
        log: Log {
            explain,
            ..Log::default()
        },
    };
    let mut last = TEST_EPOCH;
    for s in steps {
        match s {
            Step::Event(at, name, fields) => {
                last = TEST_EPOCH + secs(at);
                let fields: Vec<(Arc<str>, Val)> = fields
                    .iter()
                    .map(|(n, v)| (Arc::from(*n), v.clone()))
                    .collect();
                w.event(cast, last, name, &fields, &mut run);
            }
            Step::Open(at, tp) => {
                last = TEST_EPOCH + secs(at);
                w.engage(cast, last, journeyc::ir::Engagement::Opened, tp, &mut run);
            }
        }
    }
    w.advance(cast, last + secs(then), &mut run);
    (w, run.log)
}

/// The keys of the instances that sent something, in order.
fn keys_that_sent(log: &Log) -> Vec<String> {
    log.lines
        .iter()
        .filter(|l| l.3.starts_with("sent "))
        .filter_map(|l| l.2.clone())
        .collect()
}

#[test]
fn int_and_enum_keys_make_instances_named_by_their_value() {
    let src = r#"
enum region { north, south }
event booked { seat: int, region: region }
channel email
touchpoint hi { channel email  template "hi" }
journey by_seat per seat {
  trigger booked
  entry always
  stage s { send hi }
}
journey by_region per region {
  trigger booked
  entry always
  stage s { send hi }
}
"#;
    let ps = programs(src);
    let cast = Cast::new(&ps);
    let booked =
        |seat: i64, region: u32| vec![("seat", Val::Int(seat)), ("region", Val::Enum(region))];
    let steps = [
        Step::Event("0", "booked", booked(7, 1)),
        Step::Event("1h", "booked", booked(9, 0)),
    ];
    let (_, log) = drive(&ps, &cast, &steps, "1d", false);
    let mut keys = keys_that_sent(&log);
    keys.sort();
    assert_eq!(keys, ["7", "9", "north", "south"]);
}

const OPENS: &str = r#"
event placed { order_id: string }
channel email
touchpoint confirm { channel email  template "confirm" }
touchpoint ask { channel email  template "ask" }
touchpoint late { channel email  template "late" }
journey orders per order_id {
  trigger placed
  entry every 1d
  stage s {
    send confirm
    wait 2h
    if opened(confirm) { send ask } else { send late }
  }
}
"#;

fn placed(id: &str) -> Vec<(&'static str, Val)> {
    vec![("order_id", Val::Str(Arc::from(id)))]
}

#[test]
fn an_open_reaches_the_instances_of_a_keyed_journey() {
    let ps = programs(OPENS);
    let cast = Cast::new(&ps);
    let steps = [
        Step::Event("0", "placed", placed("A-1")),
        Step::Open("1h", "confirm"),
    ];
    let (_, log) = drive(&ps, &cast, &steps, "1d", false);
    let sent: Vec<&str> = log.lines.iter().map(|l| l.3.as_str()).collect();
    assert!(sent.contains(&"sent ask (email)"), "{sent:?}");
}

#[test]
fn finished_instances_are_forgotten_once_they_can_change_nothing() {
    let ps = programs(OPENS);
    let cast = Cast::new(&ps);
    // Two orders; one still open when looked at, one finished.
    let steps = [
        Step::Event("0", "placed", placed("A-1")),
        Step::Event("3h", "placed", placed("A-2")),
    ];
    let (w, _) = drive(&ps, &cast, &steps, "0", false);
    let open: Vec<&str> = w.open_instances(0).map(|(k, _)| k).collect();
    assert_eq!(open, ["A-2"]);
    // `entry every 1d`: A-1's last entry is remembered for a day, then forgotten at the next
    // call for the journey.
    assert_eq!(w.keyed.len(), 2);
    let steps = [
        Step::Event("0", "placed", placed("A-1")),
        Step::Event("20h", "placed", placed("B-1")),
        Step::Event("3d", "placed", placed("C-1")),
    ];
    let (w, _) = drive(&ps, &cast, &steps, "0", false);
    let kept: Vec<&str> = w.keyed.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(kept, ["C-1"]);
    // Within the day, a finished order is still remembered.
    let (w, _) = drive(&ps, &cast, &steps[..2], "0", false);
    let kept: Vec<&str> = w.keyed.iter().map(|k| k.key.as_str()).collect();
    assert_eq!(kept, ["A-1", "B-1"]);
}

#[test]
fn a_missing_key_is_explained_for_the_trigger_only_and_only_when_asked() {
    let src = format!(
        "{DECLS}\n{}",
        r#"
journey orders per order_id {
  trigger placed
  stage s {
    send confirm
    wait shipped up to 2d { send shipped_note }
  }
}
"#
    );
    let ps = programs(&src);
    let cast = Cast::new(&ps);
    let steps = [
        Step::Event("0", "placed", Vec::new()),
        Step::Event("1h", "shipped", Vec::new()),
    ];
    let (_, log) = drive(&ps, &cast, &steps, "3d", true);
    let missing: Vec<&String> = log
        .details
        .iter()
        .filter(|d| d.contains("has no `order_id`"))
        .collect();
    assert_eq!(missing.len(), 1, "{:?}", log.details);
    assert!(missing[0].contains("the `placed` has no"), "{missing:?}");
    let (_, quiet) = drive(&ps, &cast, &steps, "3d", false);
    assert!(quiet.details.is_empty(), "{:?}", quiet.details);
}
