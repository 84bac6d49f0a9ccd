//! `journeyc simulate` on several journeys together (issue 15): one world per simulated
//! customer, caps shared, contact pressure across journeys in the report.

mod support;

use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

fn journeyc(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")))
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs")
}

const EXAMPLE: &str = "examples/one_customer.journey";

fn json(args: &[&str]) -> Value {
    let out = journeyc(args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("the report is JSON")
}

fn report<'v>(world: &'v Value, journey: &str) -> &'v Value {
    world["reports"]
        .as_array()
        .and_then(|r| r.iter().find(|r| r["journey"] == journey))
        .unwrap_or_else(|| panic!("no report for {journey}: {world}"))
}

fn capped(report: &Value, touchpoint: &str) -> u64 {
    report["touchpoints"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == touchpoint))
        .and_then(|t| t["suppressed_cap"].as_u64())
        .unwrap_or_else(|| panic!("no touchpoint {touchpoint}: {report}"))
}

#[test]
fn journeys_share_caps_and_the_report_names_who_filled_them() {
    let world = json(&[
        "simulate",
        EXAMPLE,
        "--customers",
        "3000",
        "--format",
        "json",
    ]);
    assert_eq!(
        world["journeys"],
        serde_json::json!(["onboarding_series", "spring_promotion", "order_mail"])
    );
    let promo = report(&world, "spring_promotion");
    let lost = capped(promo, "spring");
    assert!(lost > 0, "the series fills the cap the promotion needs");
    let email = &world["contact_pressure"][0];
    assert_eq!(email["channel"], "email");
    assert_eq!(
        email["capped_by_other_journeys"],
        serde_json::json!([{"journey": "spring_promotion", "suppressed": lost}])
    );
    // Sends summed over journeys.
    let sent: u64 = world["reports"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|r| r["channels"].as_array().into_iter().flatten())
        .filter(|c| c["name"] == "email")
        .filter_map(|c| c["sent"].as_u64())
        .sum();
    assert_eq!(email["sent"].as_u64(), Some(sent));

    // Alone, the promotion's sends are never capped: nothing else filled the week.
    let alone = json(&[
        "simulate",
        EXAMPLE,
        "--customers",
        "3000",
        "--format",
        "json",
        "--journey",
        "spring_promotion",
    ]);
    assert_eq!(alone["journey"], "spring_promotion");
    assert_eq!(capped(&alone, "spring"), 0);
}

#[test]
fn a_world_simulation_does_not_depend_on_the_thread_count() {
    let run = |threads: &str| {
        let out = journeyc(&[
            "simulate",
            EXAMPLE,
            "--customers",
            "2500",
            "--threads",
            threads,
        ]);
        assert!(out.status.success());
        out.stdout
    };
    let one = run("1");
    assert_eq!(one, run("3"));
    let text = String::from_utf8_lossy(&one);
    assert!(text.contains("Contact pressure across journeys"), "{text}");
}

#[test]
fn journeys_all_runs_every_journey_in_declaration_order() {
    let world = json(&[
        "simulate",
        "tests/fixtures/fail/W0407_simulate_all.journey",
        "--format",
        "json",
    ]);
    assert_eq!(
        world["journeys"],
        serde_json::json!(["welcome_mail", "thank_you"])
    );
    // Customers arrive with the first journey's trigger; the second is entered by behaviour.
    assert_eq!(report(&world, "welcome_mail")["entered"], 1000);
    let thanked = report(&world, "thank_you")["entered"].as_u64().unwrap_or(0);
    assert!(thanked > 300 && thanked < 700, "{thanked}");
    // One email a day: the thanks within a day of the welcome is capped by the other journey.
    let lost = capped(report(&world, "thank_you"), "thanks");
    assert!(lost > 0);
}

#[test]
fn narrowing_to_a_journey_the_simulation_does_not_run_is_a_usage_error() {
    let out = journeyc(&["simulate", EXAMPLE, "--journey", "spring_promo"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("did you mean `spring_promotion`?"), "{err}");
    let out = journeyc(&["simulate", EXAMPLE, "--compare", EXAMPLE]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn the_html_report_has_a_table_of_pressure_across_journeys() {
    let dir = tempfile::tempdir().expect("temp dir");
    let page = dir.path().join("r.html");
    let out = journeyc(&[
        "simulate",
        EXAMPLE,
        "--customers",
        "500",
        "--html",
        page.to_str().unwrap_or_default(),
    ]);
    assert!(out.status.success());
    let html = std::fs::read_to_string(&page).unwrap_or_default();
    assert!(html.contains("<h2>Contact pressure across journeys"));
    assert!(html.contains("<h1>Journey order_mail</h1>"));
}

/// W0407's page: the wrong version warns (both journeys named), the fixed one (one `exclusive`
/// group) checks clean.
#[test]
fn w0407_warns_about_journeys_crowding_a_cap_unless_they_are_exclusive() {
    let blocks = support::code_page_examples("W0407");
    let dir = tempfile::tempdir().expect("temp dir");
    let check = |text: &str| {
        let file = dir.path().join("p.journey");
        std::fs::write(&file, text).expect("write");
        journeyc(&[
            "check",
            "--deny",
            "warnings",
            file.to_str().unwrap_or_default(),
        ])
    };
    let wrong = check(&blocks[0]);
    assert_eq!(wrong.status.code(), Some(1));
    let err = String::from_utf8_lossy(&wrong.stderr).to_string()
        + &String::from_utf8_lossy(&wrong.stdout);
    assert!(err.contains("W0407"), "{err}");
    assert!(
        err.contains("`welcome_series` and `spring_promotion`"),
        "{err}"
    );
    let fixed = check(&blocks[1]);
    assert_eq!(fixed.status.code(), Some(0), "{fixed:?}");
}

fn sent(report: &Value, touchpoint: &str) -> u64 {
    report["touchpoints"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == touchpoint))
        .and_then(|t| t["sent"].as_u64())
        .unwrap_or_else(|| panic!("no touchpoint {touchpoint}: {report}"))
}

#[test]
fn history_reads_across_simulated_journeys_and_entries() {
    const FILE: &str = "tests/fixtures/pass/history_simulation.journey";
    // `follow_up` sends a reminder exactly to the customers `welcome` nudged.
    let world = json(&[
        "simulate",
        FILE,
        "--simulation",
        "together",
        "--format",
        "json",
    ]);
    let nudged = sent(report(&world, "welcome"), "nudge");
    assert!(nudged > 300 && nudged < 700, "{nudged}");
    assert_eq!(sent(report(&world, "follow_up"), "reminder"), nudged);
    // Alone, a journey counts its own trigger events across its entries: about half the
    // customers browse a second time.
    let alone = json(&[
        "simulate",
        FILE,
        "--simulation",
        "alone",
        "--format",
        "json",
    ]);
    let tips = sent(&alone, "browse_tip");
    assert!(tips > 400 && tips < 600, "{tips}");
}

/// Contact pressure is counted per channel: sends on a second channel are not booked to the
/// first (each journey's channel is mapped to the world's channel of that name).
#[test]
fn contact_pressure_counts_each_channel_apart() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("two_channels.journey");
    std::fs::write(
        &file,
        r#"
event signed_up
channel email { cap 5 per 1d }
channel push { cap 5 per 1d }
touchpoint mail { channel email  template "mail" }
touchpoint nudge { channel push  template "nudge" }
journey mailer { trigger signed_up  onboarding { send mail } }
journey pusher { trigger signed_up  onboarding { send nudge  send nudge } }
simulation both {
  journeys mailer, pusher
  customers 100
  seed 1
}
"#,
    )
    .expect("write");
    let world = json(&[
        "simulate",
        file.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    let sent = |channel: &str| {
        world["contact_pressure"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["channel"] == channel))
            .and_then(|c| c["sent"].as_u64())
            .unwrap_or_else(|| panic!("no pressure on {channel}: {world}"))
    };
    assert_eq!((sent("email"), sent("push")), (100, 200), "{world}");
}

#[test]
fn a_world_simulation_counts_each_journeys_funnel_steps() {
    let world = json(&[
        "simulate",
        EXAMPLE,
        "--customers",
        "300",
        "--format",
        "json",
    ]);
    let stage = &report(&world, "onboarding_series")["stages"][0];
    let first = &stage["steps"][0];
    assert_eq!(first["id"], "onboarding.0.if", "{stage}");
    // Every customer who reached the stage reached its first step.
    assert!(stage["reached"].as_u64().unwrap_or(0) > 0, "{stage}");
    assert_eq!(first["reached"], stage["reached"], "{stage}");
}

/// Two journeys in a world, and a response to the first one's send that starts the second.
const RESPONSES: &str = r#"
customer { seats: int = 1 }
event signed_up
event bought { amount: int }
channel email { cap 1 per 1d }
channel push
touchpoint offer { channel email  template "offer" }
touchpoint thanks { channel push  template "thanks" }
touchpoint late { channel email  template "late" }
touchpoint note { channel push  template "note" }
journey seller {
  trigger signed_up
  onboarding {
    send offer
    wait up to 90m { on bought { send thanks } }
    timeout { send late }
  }
}
journey buyer { trigger bought where event.amount > 50  onboarding { send note } }
simulation world {
  journeys seller, buyer
  customers 4000
  seed 5
  population { seats = 1 50% | 20 50% }
  behavior { bought 100% after 1h..2h after offer where seats > 10 { amount = 1..100 } }
}
"#;

/// A response (`after T`) in a world: drawn for each send of `T`, its `where` read in the
/// journey that sent it, timed from the send with its delay drawn in `1h..2h`, its fields drawn,
/// and the event it produces reaches every journey that knows it (docs/simulation.md, "Several
/// journeys together").
#[test]
fn a_response_in_a_world_reaches_every_journey_at_its_drawn_delay() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("world.journey");
    std::fs::write(&file, RESPONSES).expect("write");
    let world = json(&[
        "simulate",
        file.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    let seller = report(&world, "seller");
    let buyer = report(&world, "buyer");
    assert_eq!(seller["entered"], 4000, "{world}");
    let share = |n: u64| n as f64 / 4000.0;
    // Half the customers have more than ten seats: they, and only they, buy. Those who buy
    // within 90 minutes of the offer (half of 1h..2h) are thanked by the seller, who waits
    // for it.
    let thanked = sent(seller, "thanks");
    assert!((share(thanked) - 0.25).abs() < 0.03, "{thanked} thanked");
    // The buyer enters when the amount drawn (1..100) is above 50: half the buyers.
    let entered = buyer["entered"].as_u64().expect("entered");
    assert!((share(entered) - 0.25).abs() < 0.03, "{entered} entered");
    assert_eq!(sent(buyer, "note"), entered);
    // The seller's `late` comes within a day of its own offer: its own cap holds it, so no
    // other journey is named as having filled the cap.
    assert_eq!(sent(seller, "late"), 0);
    assert_eq!(capped(seller, "late"), 4000 - thanked);
    let pressure = |channel: &str| {
        world["contact_pressure"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["channel"] == channel))
            .unwrap_or_else(|| panic!("no pressure on {channel}: {world}"))
    };
    assert_eq!(
        pressure("email")["capped_by_other_journeys"],
        serde_json::json!([])
    );
    // Messages per customer on push, over every customer who entered a journey (all of them):
    // the mean is the sends over the customers, and a customer both thanked and noted got two.
    let push = pressure("push");
    let mean = push["per_customer"]["mean"].as_f64().expect("mean");
    let sends = push["sent"].as_u64().expect("sent");
    assert_eq!(sends, entered + thanked);
    assert!((mean - share(sends)).abs() < 1e-9, "{mean} vs {sends}");
    assert_eq!(push["per_customer"]["max"], 2);
}

/// The whole text report of a world simulation: each journey's funnel, then the pressure across
/// journeys. Any change to the world's draws (arrival times, population, rules, responses)
/// or to its arbitration shows here.
#[test]
fn world_text_report() {
    let out = journeyc(&["simulate", EXAMPLE, "--customers", "2000", "--threads", "2"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    insta::assert_snapshot!(String::from_utf8_lossy(&out.stdout));
}

/// In a world as alone: an event drawn for the instant a `wait up to` ends is taken by the wait
/// (events before timers), and a timer due before the next drawn event fires first, so a
/// response to what it sent comes in time for the wait after it.
#[test]
fn a_world_takes_events_and_timers_in_time_order() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("order.journey");
    std::fs::write(
        &file,
        r#"
event signed_up
event approved
event bought
event later
channel email
touchpoint ready { channel email  template "ready" }
touchpoint late { channel email  template "late" }
touchpoint offer { channel email  template "offer" }
touchpoint thanks { channel email  template "thanks" }
touchpoint slow { channel email  template "slow" }
touchpoint follow_up { channel email  template "follow-up" }
journey kyc {
  trigger signed_up
  onboarding {
    wait up to 1d { on approved { send ready } }
    timeout { send late }
    wait 1d
    send offer
    wait up to 2h { on bought { send thanks } }
    timeout { send slow }
  }
}
journey afterwards { trigger later  onboarding { send follow_up } }
simulation order {
  journeys kyc, afterwards
  customers 300
  seed 3
  behavior {
    approved 100% after 1d
    later 100% after 30d
    bought 100% after 1h after offer
  }
}
"#,
    )
    .expect("write");
    let world = json(&[
        "simulate",
        file.to_str().unwrap_or_default(),
        "--format",
        "json",
    ]);
    let kyc = report(&world, "kyc");
    let got = |t: &str| sent(kyc, t);
    assert_eq!(
        (got("ready"), got("late"), got("thanks"), got("slow")),
        (300, 0, 300, 0),
        "{world}"
    );
    assert_eq!(sent(report(&world, "afterwards"), "follow_up"), 300);
}

/// Two journeys of one `exclusive` group: the second's trigger comes while the first holds
/// some customers and after it let others go.
const KEPT_OUT: &str = r#"
event signed_up
event visited
channel email
touchpoint hi { channel email  template "hi" }
touchpoint offer { channel email  template "offer" }
journey series { trigger signed_up  exclusive g  onboarding { send hi  wait 2d } }
journey promo { trigger visited  exclusive g  onboarding { send offer } }
simulation some {
  journeys series, promo
  customers 1000
  seed 3
  behavior { visited 100% after 1h..3d }
}
simulation all {
  journeys series, promo
  customers 300
  seed 3
  behavior { visited 100% after 1h..1d }
}
simulation later {
  journeys series, promo
  customers 300
  seed 3
  behavior {
    visited 100% after 1h
    visited 100% after 3d
  }
}
"#;

/// A customer whose trigger held while another journey of the `exclusive` group held them is
/// counted as kept out, not as a customer whose condition failed: with the customers who
/// entered, they make up everyone the trigger reached. One kept out first and let in later
/// counts as entered. The text and HTML reports say so, and never say the trigger's condition
/// failed when the group kept everyone out.
#[test]
fn customers_kept_out_by_an_exclusive_group_are_counted() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("kept_out.journey");
    std::fs::write(&file, KEPT_OUT).expect("write");
    let file = file.to_string_lossy().into_owned();
    let page = dir.path().join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    let run = |sim: &str, format: &str| {
        let mut args = vec!["simulate", &file, "--simulation", sim];
        args.extend(match format {
            "html" => ["--html", &page_arg],
            _ => ["--format", format],
        });
        let out = journeyc(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        match format {
            "html" => std::fs::read_to_string(&page).expect("the page is written"),
            _ => String::from_utf8_lossy(&out.stdout).into_owned(),
        }
    };
    let promo = |sim: &str| {
        let world: Value = serde_json::from_str(&run(sim, "json")).expect("JSON");
        let series = report(&world, "series");
        assert_eq!(
            series["exclusive"],
            serde_json::json!({"group": "g", "kept_out": 0, "kept_out_rate": 0.0}),
            "{series}"
        );
        let promo = report(&world, "promo").clone();
        let entered = promo["entered"].as_u64().unwrap_or(u64::MAX);
        let kept_out = promo["exclusive"]["kept_out"].as_u64().unwrap_or(u64::MAX);
        (entered, kept_out, promo)
    };

    let (entered, kept_out, json) = promo("some");
    assert_eq!(entered + kept_out, 1000, "{json}");
    // Uniform from 1h to 3d, the visit falls in the series' two days for 47 of 71 hours.
    assert!((600..720).contains(&kept_out), "{json}");
    assert_eq!(json["exclusive"]["kept_out_rate"], kept_out as f64 / 1000.0);
    let text = run("some", "text");
    let line = format!(
        "Kept out: {kept_out} ({:.1}% of customers; the trigger's condition held, but each time \
         they were in another journey of `exclusive g`)",
        kept_out as f64 / 10.0
    );
    assert!(text.contains(&line), "{text}");
    assert_eq!(text.matches("Kept out:").count(), 1, "{text}");
    let html = run("some", "html");
    assert!(
        html.contains(&format!("<p>Kept out: <b>{kept_out}</b> (")),
        "{html}"
    );

    let (entered, kept_out, json) = promo("all");
    assert_eq!((entered, kept_out), (0, 300), "{json}");
    for format in ["text", "html"] {
        let out = run("all", format);
        assert!(out.contains("Kept out:"), "{out}");
        assert!(!out.contains("Nobody entered"), "{out}");
    }

    let (entered, kept_out, json) = promo("later");
    assert_eq!((entered, kept_out), (300, 0), "{json}");
    for format in ["text", "html"] {
        let out = run("later", format);
        assert!(!out.contains("Kept out"), "{out}");
    }
}
