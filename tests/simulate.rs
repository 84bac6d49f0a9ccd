//! `journeyc simulate` through the real binary: the reports on a small fixed seed, their
//! independence from `--threads`, `--compare`, the HTML page, and bad input.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::journeyc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

const SAAS: &str = "examples/saas_trial.journey";

fn simulate(extra: &[&str]) -> Output {
    let mut args = vec!["simulate", SAAS, "--customers", "3000", "--seed", "7"];
    args.extend_from_slice(extra);
    let out = journeyc(&args, &root());
    assert!(out.status.success(), "{}", stderr(&out));
    out
}

#[test]
fn text_report() {
    insta::assert_snapshot!(stdout(&simulate(&["--threads", "2"])));
}

#[test]
fn json_report() {
    let out = stdout(&simulate(&["--format", "json", "--threads", "2"]));
    let v: serde_json::Value = serde_json::from_str(&out).expect("the report is JSON");
    insta::assert_json_snapshot!(v);
}

#[test]
fn threads_do_not_change_a_byte() {
    for format in ["text", "json"] {
        let one = simulate(&["--format", format, "--threads", "1"]).stdout;
        let two = simulate(&["--format", format, "--threads", "2"]).stdout;
        let five = simulate(&["--format", format, "--threads", "5"]).stdout;
        assert_eq!(one, two, "{format}: 1 and 2 threads differ");
        assert_eq!(one, five, "{format}: 1 and 5 threads differ");
    }
}

#[test]
fn the_seed_changes_the_draws() {
    let a = simulate(&["--format", "json"]).stdout;
    let out = journeyc(
        &[
            "simulate",
            SAAS,
            "--customers",
            "3000",
            "--seed",
            "8",
            "--format",
            "json",
        ],
        &root(),
    );
    assert_ne!(a, out.stdout);
}

#[test]
fn json_agrees_with_text() {
    let text = stdout(&simulate(&[]));
    let json: serde_json::Value =
        serde_json::from_str(&stdout(&simulate(&["--format", "json"]))).expect("JSON");
    let entered = json["entered"].as_u64().expect("entered is a count");
    assert!(
        text.contains(&format!("Entered: {}", fmt_count(entered))),
        "{text}"
    );
    let converted = json["goal"]["converted"].as_u64().expect("a count");
    assert!(text.contains(&format!("converted {}", fmt_count(converted))));
    let steps: u64 = json["stages"][0]["steps"]
        .as_array()
        .map(|s| s.len() as u64)
        .unwrap_or(0);
    assert!(steps > 0);
    for stage in json["stages"].as_array().expect("stages") {
        for step in stage["steps"].as_array().expect("steps") {
            assert!(step["reached"].as_u64() <= Some(entered));
        }
    }
}

fn fmt_count(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn html_is_self_contained_and_agrees() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    let json = stdout(&simulate(&["--format", "json", "--html", &page_arg]));
    let json: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let html = std::fs::read_to_string(&page).expect("the page was written");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<svg"), "the funnel is drawn");
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http"),
        "nothing is loaded from the network"
    );
    assert!(
        !html.contains("href=\"http"),
        "nothing is linked from the network"
    );
    let entered = json["entered"].as_u64().unwrap_or(0);
    assert!(html.contains(&format!("<b>{}</b>", fmt_count(entered))));
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .expect("readable")
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "no temporary file is left");
}

#[test]
fn compare_shows_the_effect_of_an_edit() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    // The edit: no activation nudge for customers who did not create a project.
    let edited = source.replace("      send activation_nudge\n", "");
    assert_ne!(source, edited);
    let after = dir.path().join("saas_trial_after.journey");
    std::fs::write(&after, edited).expect("writable");
    let after_arg = after.to_string_lossy().into_owned();
    let out = simulate(&["--compare", &after_arg, "--threads", "2"]);
    let text = stdout(&out);
    insta::assert_snapshot!(text);
    assert!(text.contains("timeout: send activation_nudge"));
    let json = stdout(&simulate(&["--compare", &after_arg, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let email = v["pressure"]
        .as_array()
        .and_then(|p| p.iter().find(|c| c["name"] == "email"))
        .expect("an email row");
    assert!(
        email["difference"].as_f64() < Some(0.0),
        "fewer emails after the edit"
    );
    assert_eq!(email["significant"], true);
    let same = simulate(&["--compare", SAAS, "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&same)).expect("JSON");
    assert_eq!(
        v["goal"]["difference"].as_f64(),
        Some(0.0),
        "a file against itself"
    );
    // The same customers entered both versions: intervals are paired, so a file against itself
    // changes nothing and its interval is narrow around zero.
    assert_eq!(v["paired"], true);
    let ci = &v["goal"]["ci95"];
    let width = ci[1].as_f64().unwrap_or(1.0) - ci[0].as_f64().unwrap_or(0.0);
    assert!(width < 0.002, "paired interval {ci}");
    assert_eq!(v["goal"]["significant"], false);
    let one = simulate(&[
        "--compare",
        &after_arg,
        "--format",
        "json",
        "--threads",
        "1",
    ]);
    let three = simulate(&[
        "--compare",
        &after_arg,
        "--format",
        "json",
        "--threads",
        "3",
    ]);
    assert_eq!(
        one.stdout, three.stdout,
        "pairing does not depend on threads"
    );
}

/// Paired, the difference of every row is counted customer by customer (who gained the step,
/// who lost it), and it equals the difference of the two reports' own rates: for steps,
/// stages, each milestone, the goal and messages per customer. The edit (a shorter wait for
/// the first project) moves most of them. Both versions leave out the same customers (those
/// from the US), which keeps the pairing: only customers who entered either version count.
#[test]
fn paired_differences_agree_with_the_two_reports() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS))
        .expect("readable")
        .replace("country != \"ZZ\"", "country != \"US\"");
    let edited = source.replace(
        "wait project_created up to 3d",
        "wait project_created up to 1d",
    );
    assert_ne!(source, edited);
    std::fs::write(dir.path().join("before.journey"), &source).expect("writable");
    std::fs::write(dir.path().join("after.journey"), &edited).expect("writable");
    let out = journeyc(
        &[
            "simulate",
            "before.journey",
            "--compare",
            "after.journey",
            "--customers",
            "3000",
            "--seed",
            "7",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let entered = v["before"]["entered"].as_u64().expect("entered");
    assert!(
        entered < 2000,
        "the US customers stay out: {entered} entered"
    );
    assert_eq!(v["paired"], true);
    let mut rows: Vec<&serde_json::Value> = Vec::new();
    for section in ["steps", "milestones", "pressure"] {
        rows.extend(v[section].as_array().into_iter().flatten());
    }
    rows.push(&v["goal"]);
    let mut moved = std::collections::BTreeSet::new();
    for row in rows {
        let num = |k: &str| row[k].as_f64().unwrap_or_else(|| panic!("{k} in {row}"));
        let (before, after, difference) = (num("before"), num("after"), num("difference"));
        assert!(
            (difference - (after - before)).abs() < 3e-6,
            "{row}: {difference} is not {after} - {before}"
        );
        if difference != 0.0 {
            moved.insert(row["name"].as_str().unwrap_or_default().to_string());
        }
    }
    for name in ["engagement.enter", "activated", "team_invited", "email"] {
        assert!(moved.contains(name), "the edit moves {name}: {moved:?}");
    }
}

#[test]
fn compare_falls_back_to_independent_intervals_when_other_customers_enter() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    // The edit: customers from the US no longer enter.
    let edited = source.replace("country != \"ZZ\"", "country != \"US\"");
    assert_ne!(source, edited);
    let after = dir.path().join("saas_trial_after.journey");
    std::fs::write(&after, edited).expect("writable");
    let after_arg = after.to_string_lossy().into_owned();
    let text = stdout(&simulate(&["--compare", &after_arg]));
    assert!(
        text.contains("intervals: independent samples (the versions let in different customers)"),
        "{text}"
    );
    let json = stdout(&simulate(&["--compare", &after_arg, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    assert_eq!(v["paired"], false);
    // Each row still has its difference, with Newcombe's interval for two samples: wide.
    for row in [&v["goal"], &v["milestones"][0]] {
        let num = |k: &str| row[k].as_f64().unwrap_or_else(|| panic!("{k} in {row}"));
        let (lo, hi) = (row["ci95"][0].as_f64(), row["ci95"][1].as_f64());
        let (Some(lo), Some(hi)) = (lo, hi) else {
            panic!("an interval in {row}")
        };
        assert!((num("difference") - (num("after") - num("before"))).abs() < 3e-6);
        assert!(
            lo < num("difference") && num("difference") < hi && hi - lo > 0.02,
            "{row}"
        );
    }
}

/// A milestone only the edited version has gets its own row, with no difference to show.
#[test]
fn compare_lists_a_milestone_only_one_version_has() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    let edited = source.replace(
        "      send book_demo\n",
        "      send book_demo\n      milestone demo_booked\n",
    );
    assert_ne!(source, edited);
    let after = dir.path().join("saas_trial_after.journey");
    std::fs::write(&after, edited).expect("writable");
    let after_arg = after.to_string_lossy().into_owned();
    let json = stdout(&simulate(&["--compare", &after_arg, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let names: Vec<&str> = v["milestones"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|m| m["name"].as_str())
        .collect();
    assert_eq!(names, ["activated", "team_invited", "demo_booked"], "{v}");
    let new = &v["milestones"][2];
    assert_eq!(new["before"], serde_json::Value::Null);
    assert!(new["after"].as_f64() > Some(0.0), "{new}");
    assert_eq!(new["difference"], serde_json::Value::Null);
}

#[test]
fn bad_input_gets_a_clear_message() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["simulate", SAAS, "--simulation", "trial_cohrt"],
            2,
            "did you mean `trial_cohort`?",
        ),
        (&["simulate", SAAS, "--customers", "0"], 2, "--customers"),
        (&["simulate", SAAS, "--threads", "0"], 2, "--threads"),
        (&["simulate", SAAS, "--format", "yaml"], 2, "--format"),
        (
            &["simulate", "examples/missing.journey"],
            2,
            "missing.journey",
        ),
        (
            &["simulate", SAAS, "--compare", "examples/missing.journey"],
            2,
            "missing.journey",
        ),
    ];
    for (args, code, needle) in cases {
        let out = journeyc(args, &root());
        assert_eq!(out.status.code(), Some(*code), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"), "{args:?}");
    }
    let plain = dir.path().join("plain.journey");
    std::fs::write(
        &plain,
        "event go\nchannel email\ntouchpoint hi { channel email template \"hi\" }\n\
         journey j {\n  trigger go\n  onboarding {\n    send hi\n  }\n}\n",
    )
    .expect("writable");
    let out = journeyc(&["simulate", &plain.to_string_lossy()], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("has no `simulation` block"),
        "{}",
        stderr(&out)
    );
    let broken = dir.path().join("broken.journey");
    std::fs::write(&broken, "journey j {\n  trigger nothing_here\n}\n").expect("writable");
    let out = journeyc(&["simulate", &broken.to_string_lossy()], dir.path());
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("fix them before simulating"));
}

/// `--compare` runs one population on both versions: a version whose schema cannot hold it is
/// refused with the reason, and `--html` never overwrites a journey.
#[test]
fn compare_refuses_a_schema_the_population_does_not_fit() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    let body = &source[..source.find("\ntest \"").expect("tests in the example")];
    let dropped = body
        .replace(
            "enum plan { free, trial, pro, team }",
            "enum plan { free, pro, team }",
        )
        .replace("plan == trial", "plan == free")
        .replace("upgrade plan trial -> pro", "upgrade plan free -> pro");
    assert_ne!(body, dropped);
    let after = dir.path().join("after.journey");
    std::fs::write(&after, dropped).expect("writable");
    let out = journeyc(
        &["simulate", SAAS, "--compare", &after.to_string_lossy()],
        &root(),
    );
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("gives `plan` the value `trial`"),
        "{}",
        stderr(&out)
    );

    let copy = dir.path().join("copy.journey");
    std::fs::write(&copy, &source).expect("writable");
    for target in [copy.clone(), dir.path().join("report.journey")] {
        let out = journeyc(
            &[
                "simulate",
                &copy.to_string_lossy(),
                "--html",
                &target.to_string_lossy(),
            ],
            dir.path(),
        );
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("--html"), "{}", stderr(&out));
    }
    assert_eq!(std::fs::read_to_string(&copy).expect("still there"), source);
}

/// A step edited in place (same node id, new text) is shown as it is now, marked as edited.
#[test]
fn compare_marks_a_step_edited_in_place() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    let edited = source.replace(
        "offer_a { send offer_discount }",
        "offer_a { send offer_annual }",
    );
    assert_ne!(source, edited);
    let after = dir.path().join("after.journey");
    std::fs::write(&after, edited).expect("writable");
    let text = stdout(&simulate(&["--compare", &after.to_string_lossy()]));
    assert!(
        text.contains("offer_a: send offer_annual (edited)"),
        "{text}"
    );
}

/// Runs `source` (written to a temp file) and returns the JSON report.
fn run_json(source: &str, extra: &[&str]) -> serde_json::Value {
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("model.journey");
    std::fs::write(&file, source).expect("writable");
    let mut args = vec!["simulate", "model.journey", "--format", "json"];
    args.extend_from_slice(extra);
    let out = journeyc(&args, dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    serde_json::from_str(&stdout(&out)).expect("JSON")
}

const MODEL: &str = r#"
customer { seats: int = 1 }
event go
event bought
channel email
channel push { quiet 00:00..12:00 }
touchpoint offer { channel email  template "offer" }
touchpoint ping { channel push  template "ping" }
journey j {
  trigger go
  goal bought within 30d
  onboarding {
    if seats > 10 {
      send offer
    }
    wait 1d
    send ping
    wait 20d
  }
}
"#;

fn rate(v: &serde_json::Value) -> f64 {
    v["goal"]["rate"].as_f64().expect("a rate")
}

#[test]
fn base_rates_and_responses_combine_as_independent_chances() {
    let sim = "simulation s {\n  journey j\n  customers 20_000\n  seed 3\n  population { seats = 20 }\n  behavior {\n    bought 50% within 10d\n    bought 50% within 1d after offer\n  }\n}\n";
    let v = run_json(&format!("{MODEL}{sim}"), &[]);
    // 1 - (1 - 0.5)(1 - 0.5) = 0.75
    assert!((rate(&v) - 0.75).abs() < 0.015, "{}", rate(&v));
    // Nobody sent the offer: the response is never drawn.
    let sim = sim.replace("seats = 20", "seats = 2");
    let v = run_json(&format!("{MODEL}{sim}"), &[]);
    assert!((rate(&v) - 0.5).abs() < 0.015, "{}", rate(&v));
}

#[test]
fn where_restricts_a_rule_to_some_customers() {
    let sim = "simulation s {\n  journey j\n  customers 10_000\n  seed 4\n  population { seats = 1 30% | 50 70% }\n  behavior {\n    bought 100% within 1d where seats > 10\n  }\n}\n";
    let v = run_json(&format!("{MODEL}{sim}"), &[]);
    assert!((rate(&v) - 0.7).abs() < 0.02, "{}", rate(&v));
    let offer = v["touchpoints"]
        .as_array()
        .and_then(|t| t.iter().find(|x| x["name"] == "offer"))
        .expect("offer");
    assert_eq!(
        offer["sent"], v["goal"]["converted"],
        "exactly the big teams"
    );
}

#[test]
fn quiet_hours_defer_sends_in_the_report() {
    let sim = "simulation s {\n  journey j\n  customers 4_000\n  seed 5\n}\n";
    let v = run_json(&format!("{MODEL}{sim}"), &[]);
    let ping = v["touchpoints"]
        .as_array()
        .and_then(|t| t.iter().find(|x| x["name"] == "ping"))
        .expect("ping");
    // Arrivals are spread over the day; half of them fall in 00:00..12:00.
    let deferred = ping["deferred"].as_f64().unwrap_or(0.0) / 4000.0;
    assert!((deferred - 0.5).abs() < 0.05, "{deferred}");
    assert_eq!(ping["sent"], 4000);
    assert_eq!(v["goal"]["converted"], 0, "no behaviour, no conversion");
}

#[test]
fn several_simulations_need_a_name() {
    let two = format!(
        "{MODEL}simulation a {{\n  journey j\n  customers 10\n}}\nsimulation b {{\n  journey j\n  customers 20\n}}\n"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("two.journey"), two).expect("writable");
    let out = journeyc(&["simulate", "two.journey"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("pick one with `--simulation NAME`"),
        "{}",
        stderr(&out)
    );
    let out = journeyc(
        &[
            "simulate",
            "two.journey",
            "--simulation",
            "b",
            "--format",
            "json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert_eq!(v["simulation"], "b");
    assert_eq!(v["customers"], 20);
}

#[test]
fn every_example_simulation_runs() {
    for f in [
        "examples/saas_trial.journey",
        "examples/b2b_onboarding.journey",
        "examples/ecommerce_order.journey",
        "examples/subscription_winback.journey",
        "examples/kyc_account.journey",
    ] {
        let out = journeyc(&["simulate", f, "--customers", "500"], &root());
        assert!(out.status.success(), "{f}: {}", stderr(&out));
        assert!(stdout(&out).contains("Funnel"), "{f}");
    }
}

#[test]
fn compare_html_has_both_versions() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("cmp.html");
    let page_arg = page.to_string_lossy().into_owned();
    simulate(&["--compare", SAAS, "--html", &page_arg]);
    let html = std::fs::read_to_string(&page).expect("written");
    assert!(html.contains("<h1>Before</h1>") && html.contains("<h1>After</h1>"));
    assert_eq!(
        html.matches("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"graph\"")
            .count(),
        2,
        "each version's journey is drawn"
    );
}

/// The edit the compare page's tests make: variant offer_a sends nothing, so fewer convert and
/// fewer emails go out. Writes it in `dir`; returns the example's text and the arguments for
/// the edited file and the page.
fn offer_a_sends_nothing(dir: &Path) -> (String, String, String) {
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    let edited = source.replace("45% offer_a { send offer_discount }", "45% offer_a { }");
    assert_ne!(source, edited);
    let after = dir.join("after.journey");
    std::fs::write(&after, edited).expect("writable");
    let page = dir.join("cmp.html");
    let (after_arg, page_arg) = (
        after.to_string_lossy().into_owned(),
        page.to_string_lossy().into_owned(),
    );
    (source, after_arg, page_arg)
}

/// The compare page colours a change by its direction: an edit that lowers the goal is worse
/// (red), even though the number went down like the messages, which is better.
#[test]
fn compare_html_colours_by_direction() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (_, after_arg, page_arg) = offer_a_sends_nothing(dir.path());
    simulate(&["--compare", &after_arg, "--html", &page_arg]);
    let html = std::fs::read_to_string(&page_arg).expect("written");
    let row = |label: &str| -> String {
        let at = html
            .find(&format!("<span class=\"lbl\" title=\"{label}\">"))
            .unwrap_or_else(|| panic!("a row for {label}"));
        html[at..].lines().next().unwrap_or_default().to_string()
    };
    assert!(row("goal").contains("class=\"worse\""), "{}", row("goal"));
    assert!(
        row("email").contains("class=\"better\""),
        "{}",
        row("email")
    );
    // A step reached by more customers is a change, not a verdict.
    assert!(
        row("timeout: if sms_consent").contains("class=\"changed\""),
        "{}",
        row("timeout: if sms_consent")
    );
    let glance = visible_text(&html[html.find("At a glance").expect("a summary")..]);
    let worse = glance.find("Worse:").expect("something is worse");
    assert!(glance[worse..].starts_with("Worse: goal"), "{glance}");
}

/// The page as a reader sees it: without the style sheet and the tags, entities decoded, runs
/// of white space as one space.
fn visible_text(html: &str) -> String {
    let html = match (html.find("<style>"), html.find("</style>")) {
        (Some(a), Some(b)) if a < b => format!("{}{}", &html[..a], &html[b..]),
        _ => html.to_string(),
    };
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let out = out
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The numbers of a line of the text report (counts, rates, times, intervals): its words with
/// a digit in them, without the punctuation around them. A word the text cut (`…`) is skipped.
fn key_numbers(line: &str) -> Vec<String> {
    line.split_whitespace()
        .map(|w| w.trim_matches(|c: char| "()[],;:*`'".contains(c)))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| w.chars().any(|c| c.is_ascii_digit()) && !w.contains('…'))
        .map(str::to_string)
        .collect()
}

/// Every line of the text report has its numbers in the HTML page: the page says everything
/// the text says (one journey, several journeys together, and `--compare`).
#[test]
fn the_html_says_everything_the_text_says() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let after = dir.path().join("after.journey");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    std::fs::write(&after, source.replace("      send activation_nudge\n", "")).expect("writable");
    let after_arg = after.to_string_lossy().into_owned();
    let runs: Vec<Vec<&str>> = vec![
        vec![SAAS],
        vec!["examples/b2b_onboarding.journey"],
        vec!["examples/ecommerce_order.journey"],
        vec!["examples/subscription_winback.journey"],
        vec!["examples/one_customer.journey"],
        vec!["tests/fixtures/pass/simulation_fields.journey"],
        vec![SAAS, "--compare", &after_arg],
    ];
    let page = dir.path().join("page.html");
    let page_arg = page.to_string_lossy().into_owned();
    for run in runs {
        let mut args = vec!["simulate"];
        args.extend(&run);
        args.extend(["--customers", "2000", "--seed", "3", "--html", &page_arg]);
        let out = journeyc(&args, &root());
        assert!(out.status.success(), "{run:?}: {}", stderr(&out));
        let html = std::fs::read_to_string(&page).expect("the page was written");
        let seen = visible_text(&html);
        let mut missing = Vec::new();
        for line in stdout(&out).lines() {
            for n in key_numbers(line) {
                if !seen.contains(&n) {
                    missing.push(format!("`{n}` of `{}`", line.trim()));
                }
            }
        }
        assert!(
            missing.is_empty(),
            "{run:?}: the HTML lacks what the text says:\n{}",
            missing.join("\n")
        );
    }
}

/// The page of a fixed simulation, as written (reviewed: the sections, the rows, the drawing).
#[test]
fn html_report() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("report.html");
    let page_arg = page.to_string_lossy().into_owned();
    simulate(&["--threads", "2", "--html", &page_arg]);
    let html = std::fs::read_to_string(&page).expect("the page was written");
    insta::assert_snapshot!(html);
}

#[test]
fn nobody_entering_is_said_plainly() {
    let source = "event go { source: string }\nevent bought\nchannel email\n\
        touchpoint offer { channel email  template \"offer\" }\n\
        journey j {\n  trigger go where event.source == \"ads\"\n  goal bought within 30d\n  \
        onboarding {\n    split {\n      50% a { send offer }\n      50% b { }\n    }\n  }\n}\n\
        simulation s {\n  journey j\n  customers 100\n  behavior {\n    bought 50% within 1d after offer\n  }\n}\n";
    let v = run_json(source, &[]);
    assert_eq!(v["entered"], 0);
    assert!(v["splits"][0]["variants"][0]["versus"].is_null());
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("none.journey"), source).expect("writable");
    let out = journeyc(
        &["simulate", "none.journey", "--html", "none.html"],
        dir.path(),
    );
    assert!(out.status.success());
    let text = stdout(&out);
    assert!(text.contains("Nobody entered"), "{text}");
    assert!(!text.contains("inf"), "{text}");
    assert!(!text.contains("NaN"), "{text}");
    let html = std::fs::read_to_string(dir.path().join("none.html")).expect("the page");
    let seen = visible_text(&html);
    assert!(seen.contains("Nobody entered"), "{seen}");
    assert!(!html.contains("NaN") && !html.contains("inf\""), "{html}");
    assert!(seen.contains("No step loses customers"), "{seen}");
    assert!(
        !html.contains("<small>per customer</small>"),
        "no chart of messages per customer when nobody got one"
    );
}

#[path = "../benches/support/native.rs"]
mod native;

/// The hand-written ceiling of `docs/performance.md` must be the same journey with the same
/// draws: customers draw the same numbers in the same order, so who activates is identical;
/// only the split (a different hash) differs, so conversions agree statistically.
#[test]
fn the_native_ceiling_simulates_the_same_journey() {
    let path = root().join("benches/bench.journey");
    let text = std::fs::read_to_string(&path).expect("readable");
    let project = journeyc::project::load_text(&path, &text);
    let checked = journeyc::check::check_project(&project);
    assert!(!checked.diagnostics.has_errors());
    let model = &checked.models[0];
    let sim = journeyc::ir::simulation::lower_simulation(model, &model.simulations["bench_cohort"])
        .expect("a journey");
    let journey =
        journeyc::ir::lower::lower_journey(model, &model.journeys["bench"], &project.sources);
    let n = 40_000;
    let opts = journeyc::interp::simulate::Options {
        customers: n,
        seed: 1,
        threads: 2,
    };
    let progress = std::sync::atomic::AtomicU64::new(0);
    let report = journeyc::interp::simulate::simulate(&journey, &sim, opts, &progress)
        .expect("the simulation runs");
    let hand = native::run(1, 0, n);
    let sent = |name: &str| {
        report
            .touchpoints
            .iter()
            .find(|t| t.name == name)
            .map(|t| t.sent)
            .unwrap_or(0)
    };
    assert_eq!(report.entered, hand.entered);
    assert_eq!(sent("welcome"), hand.welcome);
    assert_eq!(sent("reminder"), hand.reminder);
    assert_eq!(sent("offer_a") + sent("offer_b"), hand.activated);
    let (a, b) = (report.goal.rate, hand.converted as f64 / n as f64);
    assert!((a - b).abs() < 0.01, "journeyc {a}, by hand {b}");
    assert!(
        (a - 0.075).abs() < 0.01,
        "0.6 × (10% + 15%) / 2 = 7.5%, got {a}"
    );
}

/// Runs journeyc, killing it after `secs` seconds so that a regression (a simulation of
/// billions of customers) fails the test instead of running for hours.
fn journeyc_within(args: &[&str], cwd: &Path, secs: u64) -> Output {
    support::output_within(support::command(args, cwd), secs)
}

#[test]
fn absurd_customer_counts_are_refused_with_the_limit() {
    for n in ["18446744073709551615", "100000001"] {
        let out = journeyc_within(&["simulate", SAAS, "--customers", n], &root(), 60);
        assert_eq!(out.status.code(), Some(2), "{n}: {}", stderr(&out));
        assert!(stderr(&out).contains("--customers"), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("1 to 100000000 (100 million) customers"),
            "{}",
            stderr(&out)
        );
    }
    // The same number in a `simulation` block is an E0600 on the block.
    let text = std::fs::read_to_string(root().join(SAAS)).expect("the example");
    assert!(text.contains("customers 100_000\n"));
    let dir = tempfile::tempdir().expect("a temp dir");
    let big = dir.path().join("big.journey");
    std::fs::write(
        &big,
        text.replace("customers 100_000\n", "customers 1_000_000_000\n"),
    )
    .expect("writable");
    let out = journeyc_within(&["simulate", "big.journey"], dir.path(), 60);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("E0600"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("a simulation runs at most 100,000,000 customers"),
        "{}",
        stderr(&out)
    );
    // `--customers` within the limit overrides the block's number, as before.
    let out = journeyc_within(
        &["simulate", "big.journey", "--customers", "1_000"],
        dir.path(),
        60,
    );
    assert_eq!(out.status.code(), Some(1), "the block is still wrong");
    let ok = journeyc_within(&["simulate", SAAS, "--customers", "1_000"], &root(), 60);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
}

#[test]
fn a_closed_pipe_ends_a_simulation_quietly() {
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(["simulate", SAAS, "--customers", "2000"])
        .current_dir(root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the journeyc binary runs");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("wait for journeyc");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

/// Standard input can be read once: `-` as both versions is a usage error, before reading it.
#[test]
fn compare_refuses_standard_input_as_both_versions() {
    let out = journeyc(&["simulate", "-", "--compare", "-"], &root());
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("standard input can be read only once"),
        "{}",
        stderr(&out)
    );
}

/// A wait for several events takes whichever drawn event comes first: with a rejection drawn
/// for half the customers within 30 minutes and an approval for half of them after an hour, half
/// take the rejection branch, a quarter the approval (approved, not rejected) and a quarter time
/// out (docs/simulation.md, "Waits for several events").
#[test]
fn a_wait_for_several_events_takes_the_first_drawn_event() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = "event applied\nevent approved\nevent rejected\nchannel email\n\
        touchpoint ready { channel email  template \"ready\" }\n\
        touchpoint sorry { channel email  template \"sorry\" }\n\
        touchpoint late { channel email  template \"late\" }\n\
        journey kyc { trigger applied  onboarding {\n\
          wait up to 1d { on approved { send ready }  on rejected { send sorry } }\n\
          timeout { send late } } }\n\
        simulation s { journey kyc  customers 4000  seed 1\n\
          behavior { rejected 50% within 30m  approved 50% after 1h..2h } }\n";
    std::fs::write(dir.path().join("k.journey"), source).expect("write");
    let out = journeyc(&["simulate", "k.journey", "--format", "json"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    let rate = |label: &str| -> f64 {
        v["stages"][0]["steps"]
            .as_array()
            .and_then(|steps| steps.iter().find(|s| s["label"] == label))
            .and_then(|s| s["rate"].as_f64())
            .unwrap_or_else(|| panic!("no step `{label}` in {v}"))
    };
    let near = |x: f64, want: f64| (x - want).abs() < 0.04;
    assert!(near(rate("on rejected: send sorry"), 0.5), "{v}");
    assert!(near(rate("on approved: send ready"), 0.25), "{v}");
    assert!(near(rate("timeout: send late"), 0.25), "{v}");
}

/// An event drawn for the very second a `wait up to` ends is taken by the wait: events before
/// timers (docs/semantics.md), in a simulation as in a test.
#[test]
fn an_event_at_the_instant_a_wait_times_out_is_taken() {
    let source = "event applied\nevent approved\nchannel email\n\
        touchpoint ready { channel email  template \"ready\" }\n\
        touchpoint late { channel email  template \"late\" }\n\
        journey kyc { trigger applied  onboarding {\n\
          wait up to 1d { on approved { send ready } }\n\
          timeout { send late } } }\n\
        simulation s { journey kyc  customers 300  seed 2\n\
          behavior { approved 100% after 1d } }\n";
    let v = run_json(source, &[]);
    let sent = |name: &str| {
        v["touchpoints"]
            .as_array()
            .and_then(|t| t.iter().find(|x| x["name"] == name))
            .and_then(|x| x["sent"].as_u64())
            .unwrap_or_else(|| panic!("no touchpoint `{name}` in {v}"))
    };
    assert_eq!((sent("ready"), sent("late")), (300, 0), "{v}");
}

fn outcome_sum(o: &serde_json::Value) -> u64 {
    let mut sum = 0;
    for (k, v) in o.as_object().expect("outcomes is an object") {
        sum += match (k.as_str(), v) {
            ("exit_on", serde_json::Value::Array(rows)) => {
                rows.iter().filter_map(|r| r[1].as_u64()).sum::<u64>()
            }
            _ => v.as_u64().unwrap_or_else(|| panic!("{k} is a count")),
        };
    }
    sum
}

#[test]
fn how_customers_left_is_a_partition_when_customers_complete_then_convert() {
    let v = run_json(LEAVERS, &[]);
    let o = &v["outcomes"];
    let entered = v["entered"].as_u64().expect("entered");
    assert_eq!(outcome_sum(o), entered, "every entered customer once: {o}");
    for key in [
        "converted",
        "completed_then_converted",
        "exit_step_then_converted",
        "exit_step",
        "completed",
        "still_inside",
    ] {
        assert!(o[key].as_u64() > Some(0), "{key} happens here: {o}");
    }
    let converted: u64 = [
        "converted",
        "completed_then_converted",
        "exit_step_then_converted",
    ]
    .iter()
    .filter_map(|k| o[*k].as_u64())
    .sum();
    assert_eq!(Some(converted), v["goal"]["converted"].as_u64(), "{o}");

    // The text rows say the same and add up to the customers who entered.
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("model.journey"), LEAVERS).expect("writable");
    let page = dir.path().join("r.html");
    let page_arg = page.to_string_lossy().into_owned();
    let out = journeyc(
        &["simulate", "model.journey", "--html", &page_arg],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let section = text
        .split("How customers left")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("the section is there");
    let rows: Vec<(String, u64)> = section
        .lines()
        .skip(1)
        .map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let n = cols[cols.len() - 2]
                .replace(',', "")
                .parse()
                .expect("a count");
            (cols[..cols.len() - 2].join(" "), n)
        })
        .collect();
    assert_eq!(rows.iter().map(|r| r.1).sum::<u64>(), entered, "{section}");
    let row = |label: &str| rows.iter().find(|r| r.0 == label).map(|r| r.1);
    assert_eq!(
        row("completed, then converted"),
        o["completed_then_converted"].as_u64()
    );
    assert_eq!(
        row("exit step, then converted"),
        o["exit_step_then_converted"].as_u64()
    );
    assert_eq!(row("completed the steps"), o["completed"].as_u64());
    let html = std::fs::read_to_string(&page).expect("the page was written");
    // The HTML row: the label, then its bar, then the count.
    let label = ">completed, then converted</span>";
    let at = html.find(label).expect("the HTML has the row") + label.len();
    let num = "<span class=\"num\">";
    let count_at = html[at..].find(num).expect("the row has a count") + at + num.len();
    let want = fmt_count(o["completed_then_converted"].as_u64().unwrap_or(0));
    assert!(
        html[count_at..].starts_with(&format!("{want} <small>")),
        "{}",
        &html[at..(count_at + 40).min(html.len())]
    );
    // The drawn journey's goal counts every converted customer, however their steps ended.
    let goal = fmt_count(converted);
    assert!(
        html.contains(&format!(">{goal} · ")),
        "the goal node shows {goal}"
    );
}

#[test]
fn how_customers_left_shows_only_rows_that_can_happen() {
    // No goal, no `exit` step: neither conversion rows nor an exit-step row.
    let src = "event go\nchannel email\ntouchpoint hi { channel email  template \"hi\" }\njourney j {\n  trigger go\n  onboarding {\n    send hi\n  }\n}\nsimulation s {\n  journey j\n  customers 100\n}\n";
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("model.journey"), src).expect("writable");
    let out = journeyc(&["simulate", "model.journey"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let section = text
        .split("How customers left")
        .nth(1)
        .expect("the section is there");
    assert!(!section.contains("exit step"), "{section}");
    assert!(!section.contains("converted"), "{section}");
    assert!(section.contains("completed the steps"), "{section}");
}

/// A journey where customers convert in it, after completing it and after an `exit` step.
const LEAVERS: &str = r#"
customer { seats: int = 1 }
event go
event bought
event cancelled
event shipped
channel email
touchpoint offer { channel email  template "offer" }
journey j {
  trigger go
  goal bought within 30d
  exit on cancelled
  onboarding {
    if seats > 10 {
      exit
    }
    send offer
    wait 2d
    if seats == 5 {
      wait shipped
    }
  }
}
simulation s {
  journey j
  customers 6_000
  seed 11
  population { seats = 1 60% | 5 10% | 50 30% }
  behavior {
    bought 60% within 10d
    cancelled 10% within 3d
  }
}
"#;

/// A base rule's `where` reads `sent(T)` for what the journey sent at the arrival instant
/// (docs/simulation.md), also when that send was the journey's last step: the entry has ended,
/// but what it sent still counts. It used to read as never sent there.
#[test]
fn a_rule_reads_what_an_entry_that_just_ended_sent() {
    let source = "event signed_up\nevent activated\nchannel email\ntouchpoint welcome { channel email  template \"w\" }\njourney j {\n  trigger signed_up\n  goal activated within 7d\n  onboarding {\n    send welcome\n  }\n}\nsimulation s {\n  journey j\n  customers 200\n  behavior {\n    activated 100% after 1h where sent(welcome)\n  }\n}\n";
    let v = run_json(source, &[]);
    assert_eq!(v["goal"]["converted"], 200, "{}", v["goal"]);
    let v = run_json(
        &source.replace("where sent(welcome)", "where not sent(welcome)"),
        &[],
    );
    assert_eq!(v["goal"]["converted"], 0, "{}", v["goal"]);
    // Only what was sent counts, and opens are not drawn yet: a customer the entry sent nothing
    // has not been sent `welcome`, and nobody has opened it.
    let some = "customer { vip: bool = false }\nevent signed_up\nevent activated\nchannel email\n\
        touchpoint welcome { channel email  template \"w\" }\n\
        journey j {\n  trigger signed_up\n  goal activated within 7d\n  onboarding {\n    \
        if vip {\n      send welcome\n    }\n  }\n}\n\
        simulation s {\n  journey j\n  customers 400\n  population { vip = true 50% | false 50% }\n  \
        behavior {\n    activated 100% after 1h where sent(welcome)\n  }\n}\n";
    let v = run_json(some, &[]);
    let sent = v["touchpoints"][0]["sent"].as_u64().expect("sent");
    assert!(sent > 100 && sent < 300, "{sent}");
    assert_eq!(v["goal"]["converted"].as_u64(), Some(sent), "{}", v["goal"]);
    let v = run_json(
        &some.replace("where sent(welcome)", "where opened(welcome)"),
        &[],
    );
    assert_eq!(v["goal"]["converted"], 0, "{}", v["goal"]);
}

/// An `upgrade` section is skipped by a customer without its starting value: the report counts
/// them (docs/simulation.md, "The report").
#[test]
fn an_upgrade_section_counts_the_customers_who_skipped_it() {
    let source = "enum plan { trial, pro }\ncustomer { plan: plan = trial }\nevent go\n\
        channel email\ntouchpoint offer { channel email  template \"offer\" }\n\
        journey j {\n  trigger go\n  onboarding {\n    wait 1d\n  }\n  \
        upgrade plan trial -> pro {\n    send offer\n  }\n}\n\
        simulation s {\n  journey j\n  customers 2000\n  seed 4\n  \
        population { plan = trial 30% | pro 70% }\n}\n";
    let v = run_json(source, &[]);
    let upgrade = &v["stages"][1];
    assert_eq!(upgrade["name"], "upgrade_trial_to_pro", "{v}");
    let skipped = upgrade["skipped"].as_u64().expect("skipped");
    let reached = upgrade["reached"].as_u64().expect("reached");
    assert_eq!(skipped + reached, 2000, "{upgrade}");
    assert!((skipped as f64 / 2000.0 - 0.7).abs() < 0.03, "{upgrade}");
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("s.journey"), source).expect("writable");
    let text = stdout(&journeyc(
        &["simulate", "s.journey", "--html", "s.html"],
        dir.path(),
    ));
    let want = format!("upgrade_trial_to_pro (skipped by {})", fmt_count(skipped));
    assert!(text.contains(&format!("  {want}")), "`{want}` in:\n{text}");
    assert!(!text.contains("  onboarding (skipped"), "{text}");
    let page = visible_text(&std::fs::read_to_string(dir.path().join("s.html")).expect("page"));
    assert!(page.contains(&want), "`{want}` in:\n{page}");
    assert!(!page.contains("onboarding (skipped"), "{page}");
}

/// The funnel keeps a step's line of up to 56 characters whole and cuts a longer one to 55 and
/// an ellipsis, so the counts after it stay aligned.
#[test]
fn the_funnel_cuts_only_labels_longer_than_its_column() {
    // "    send " and 47 characters make 56.
    let fits = "welcome_email_for_customers_who_signed_up_today";
    let long = "reminder_email_for_customers_who_signed_up_yesterday";
    let source = format!(
        "event go\nchannel email\n\
         touchpoint {fits} {{ channel email  template \"a\" }}\n\
         touchpoint {long} {{ channel email  template \"b\" }}\n\
         journey j {{\n  trigger go\n  onboarding {{\n    send {fits}\n    send {long}\n  }}\n}}\n\
         simulation s {{\n  journey j\n  customers 100\n}}\n"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("a.journey"), &source).expect("writable");
    let text = stdout(&journeyc(&["simulate", "a.journey"], dir.path()));
    assert!(text.contains(&format!("\n    send {fits} ")), "{text}");
    let cut: String = format!("    send {long}").chars().take(55).collect();
    assert!(text.contains(&format!("\n{cut}… ")), "{text}");
}

/// A touchpoint's `converts EVENT within D` credits it with each such event within `D` of a
/// send: the report counts the credits.
#[test]
fn a_touchpoint_is_credited_with_the_conversions_it_converts() {
    let source = "event go\nevent bought\nchannel email\n\
        touchpoint offer { channel email  template \"offer\"  converts bought within 2d }\n\
        journey j {\n  trigger go\n  onboarding {\n    send offer\n    wait 5d\n  }\n}\n\
        simulation s {\n  journey j\n  customers 2000\n  seed 6\n  \
        behavior {\n    bought 50% within 1d after offer\n    bought 30% after 3d..4d after offer\n  }\n}\n";
    let v = run_json(source, &[]);
    let offer = &v["touchpoints"][0];
    let credited = offer["credited"].as_u64().expect("credited");
    // Only the purchases within two days of the offer count: half the customers.
    assert!((credited as f64 / 2000.0 - 0.5).abs() < 0.03, "{offer}");
}

/// A comparison's rows keep an indented label of up to 52 characters whole and cut a longer one
/// to 51 and an ellipsis, so the columns after it stay aligned.
#[test]
fn compare_cuts_only_labels_longer_than_its_column() {
    // A step is indented by two: "  send " and 45 characters make 52.
    let fits = "welcome_note_for_customers_who_signed_up_now1";
    let long = "reminder_email_for_customers_who_signed_up_yesterday";
    let source = format!(
        "event go\nchannel email\n\
         touchpoint {fits} {{ channel email  template \"a\" }}\n\
         touchpoint {long} {{ channel email  template \"b\" }}\n\
         journey j {{\n  trigger go\n  onboarding {{\n    send {fits}\n    wait 1d\n    send {long}\n  }}\n}}\n\
         simulation s {{\n  journey j\n  customers 100\n}}\n"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("a.journey"), &source).expect("writable");
    std::fs::write(
        dir.path().join("b.journey"),
        source.replace("wait 1d", "wait 2d"),
    )
    .expect("writable");
    let out = journeyc(
        &["simulate", "a.journey", "--compare", "b.journey"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    let row = |start: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("a row starting `{start}` in:\n{text}"))
            .trim_start()
            .to_string()
    };
    assert!(row(&format!("send {fits}")).starts_with(&format!("send {fits} ")));
    let cut: String = format!("  send {long}").chars().take(51).collect();
    let cut = cut.trim_start();
    assert!(row(cut).starts_with(&format!("{cut}…")), "{text}");
}

/// The funnel names the block a nested step opens: `then:`, `else if:`, `else:`.
#[test]
fn the_funnel_names_each_branch_of_an_if() {
    let source = "customer { seats: int = 1 }\nevent go\nchannel email\n\
        touchpoint small { channel email  template \"s\" }\n\
        touchpoint mid { channel email  template \"m\" }\n\
        touchpoint big { channel email  template \"b\" }\n\
        journey j {\n  trigger go\n  onboarding {\n    if seats < 5 {\n      send small\n    } \
        else if seats < 20 {\n      send mid\n    } else {\n      send big\n    }\n  }\n}\n\
        simulation s {\n  journey j\n  customers 300\n  population { seats = 1..40 }\n}\n";
    let v = run_json(source, &[]);
    let labels: Vec<&str> = v["stages"][0]["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["label"].as_str())
        .collect();
    assert_eq!(
        labels,
        [
            "if seats < 5",
            "then: send small",
            "else if: send mid",
            "else: send big"
        ],
        "{v}"
    );
}

/// A split without a holdout compares each variant with all the others together; a lift is
/// shown only against a reference that converted someone (there is no lift over nothing).
#[test]
fn a_split_without_a_holdout_compares_each_variant_with_the_others() {
    let source = "event go\nevent bought\nchannel email\n\
        touchpoint a_mail { channel email  template \"a\" }\n\
        touchpoint b_mail { channel email  template \"b\" }\n\
        journey j {\n  trigger go\n  goal bought within 10d\n  onboarding {\n    split {\n      \
        50% a { send a_mail }\n      50% b { send b_mail }\n    }\n    wait 5d\n  }\n}\n\
        simulation s {\n  journey j\n  customers 2000\n  seed 1\n  \
        behavior { bought 30% within 2d after a_mail }\n}\n";
    let v = run_json(source, &[]);
    let split = &v["splits"][0];
    assert_eq!(split["reference"], "others", "{split}");
    let (a, b) = (&split["variants"][0], &split["variants"][1]);
    let rate = |x: &serde_json::Value| x["rate"].as_f64().expect("a rate");
    assert!(rate(a) > 0.25 && rate(b) == 0.0, "{split}");
    let diff = |x: &serde_json::Value| x["versus"]["difference"].as_f64().expect("a difference");
    assert!((diff(a) - (rate(a) - rate(b))).abs() < 2e-6, "{split}");
    assert!((diff(b) - (rate(b) - rate(a))).abs() < 2e-6, "{split}");
    assert_eq!(a["versus"]["lift"], serde_json::Value::Null);
    assert_eq!(b["versus"]["lift"], -1.0);
    // The text says the same: a lift for `b` only.
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("s.journey"), source).expect("writable");
    let text = stdout(&journeyc(&["simulate", "s.journey"], dir.path()));
    let line = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")) && l.contains("converted"))
            .unwrap_or_else(|| panic!("variant {name} in:\n{text}"))
            .to_string()
    };
    assert!(!line("a").contains("lift"), "{text}");
    assert!(line("b").contains("lift -100%"), "{text}");
}

/// A split variant nobody was assigned to has nothing to compare: the report says so, rather
/// than calling it the reference.
#[test]
fn a_variant_without_customers_has_nothing_to_compare() {
    let source = "event go\nevent bought\nchannel email\n\
        touchpoint a_mail { channel email  template \"a\" }\n\
        touchpoint b_mail { channel email  template \"b\" }\n\
        journey j {\n  trigger go\n  goal bought within 10d\n  onboarding {\n    split {\n      \
        99% a { send a_mail }\n      1% b { send b_mail }\n    }\n    wait 5d\n  }\n}\n\
        simulation s {\n  journey j\n  customers 30\n  \
        behavior { bought 30% within 2d after a_mail }\n}\n";
    let v = run_json(source, &[]);
    assert_eq!(v["splits"][0]["variants"][1]["customers"], 0, "{v}");
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("s.journey"), source).expect("writable");
    let text = stdout(&journeyc(&["simulate", "s.journey"], dir.path()));
    let b = text
        .lines()
        .find(|l| l.starts_with("  b "))
        .unwrap_or_else(|| panic!("variant b in:\n{text}"));
    assert!(b.ends_with("no customers to compare"), "{b}");
    let out = journeyc(&["simulate", "s.journey", "--html", "s.html"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("s.html")).expect("the page");
    let at = html.find("<li><b>b</b>").expect("b's verdict");
    let b = html[at..].lines().next().unwrap_or_default();
    assert!(b.contains(">no customers to compare<"), "{b}");
}

/// The compare page's rows: both values (rates as percentages, messages per customer with two
/// decimals, `removed` for a step the edit took out), and two bars in the ratio of the values,
/// the larger one full. The outcome rows (independent samples) show both values too.
#[test]
fn compare_html_rows_show_both_values_in_proportion() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (source, after_arg, page_arg) = offer_a_sends_nothing(dir.path());
    let (after, page) = (
        dir.path().join("after.journey"),
        dir.path().join("cmp.html"),
    );
    let json = stdout(&simulate(&["--compare", &after_arg, "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    simulate(&["--compare", &after_arg, "--html", &page_arg]);
    let html = std::fs::read_to_string(&page).expect("written");
    let row = |label: &str| -> String {
        let at = html
            .find(&format!(
                "<div class=\"row wide\" style=\"--d:0\"><span class=\"lbl\" title=\"{label}\">"
            ))
            .or_else(|| html.find(&format!("<span class=\"lbl\" title=\"{label}\">")))
            .unwrap_or_else(|| panic!("a row for {label}"));
        html[at..].lines().next().unwrap_or_default().to_string()
    };
    let widths = |r: &str| -> Vec<f64> {
        r.split("width=\"")
            .skip(1)
            .filter_map(|w| w.split('"').next()?.parse().ok())
            .collect()
    };
    let num =
        |x: &serde_json::Value, k: &str| x[k].as_f64().unwrap_or_else(|| panic!("{k} in {x}"));
    let pressure = v["pressure"]
        .as_array()
        .and_then(|p| p.iter().find(|c| c["name"] == "email"))
        .expect("an email row");
    for (label, x, shown) in [
        (
            "goal",
            &v["goal"],
            format!(
                "{:.1}% → {:.1}%",
                num(&v["goal"], "before") * 100.0,
                num(&v["goal"], "after") * 100.0
            ),
        ),
        (
            "email",
            pressure,
            format!(
                "{:.2} → {:.2}",
                num(pressure, "before"),
                num(pressure, "after")
            ),
        ),
    ] {
        let r = row(label);
        assert!(r.contains(&shown), "`{shown}` in {r}");
        let (b, a) = (num(x, "before"), num(x, "after"));
        let w = widths(&r);
        assert_eq!(w.len(), 2, "{r}");
        // Two bars share the row's height: each 4.2 high, the second below the first.
        assert!(
            r.contains("y=\"0.40\" width=")
                && r.contains("y=\"5.40\" width=")
                && r.matches("height=\"4.20\"").count() == 2,
            "{r}"
        );
        let full = b.max(a);
        assert!(
            (w[0] - b / full * 100.0).abs() < 0.01 && (w[1] - a / full * 100.0).abs() < 0.01,
            "{r}"
        );
    }
    let removed = row("offer_a: send offer_discount");
    assert!(
        removed.contains("% → -<br>") && removed.contains("removed"),
        "{removed}"
    );
    let completed = row("completed the steps");
    let shown = completed
        .split("<span class=\"num\">")
        .nth(1)
        .and_then(|s| s.split("<br>").next())
        .unwrap_or_default();
    let parts: Vec<&str> = shown.split(" → ").collect();
    assert!(
        parts.len() == 2 && parts.iter().all(|p| p.ends_with('%')),
        "{completed}"
    );

    // A milestone only the edit has is new; a version nobody enters has no rates to show.
    let edited = source
        .replace(
            "      send book_demo\n",
            "      send book_demo\n      milestone demo_booked\n",
        )
        .replace("country != \"ZZ\"", "country == \"ZZ\"");
    std::fs::write(&after, edited).expect("writable");
    simulate(&["--compare", &after_arg, "--html", &page_arg]);
    let html = std::fs::read_to_string(&page).expect("written");
    let row = |label: &str| -> String {
        let at = html
            .find(&format!("<span class=\"lbl\" title=\"{label}\">"))
            .unwrap_or_else(|| panic!("a row for {label}"));
        html[at..].lines().next().unwrap_or_default().to_string()
    };
    let new = row("demo_booked");
    assert!(new.contains(">- → ") && new.contains(">new<"), "{new}");
    let completed = row("completed the steps");
    assert!(completed.contains("% → -<br>"), "{completed}");
    // And the other way round.
    let saas = root().join(SAAS).to_string_lossy().into_owned();
    let out = journeyc(
        &[
            "simulate",
            &after_arg,
            "--compare",
            &saas,
            "--html",
            &page_arg,
            "--customers",
            "300",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(&page).expect("written");
    let at = html
        .find("<span class=\"lbl\" title=\"completed the steps\">")
        .expect("the row");
    let completed = html[at..].lines().next().unwrap_or_default();
    assert!(completed.contains("\">- → "), "{completed}");
}

/// The compare page's "How customers left": one row per `exit on` event of either version,
/// and the rows for customers still waiting or stopped by a runaway loop only when there are
/// some.
#[test]
fn compare_html_outcome_rows_are_the_ones_that_happen() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let source = std::fs::read_to_string(root().join(SAAS)).expect("readable");
    let page = dir.path().join("cmp.html");
    let page_arg = page.to_string_lossy().into_owned();
    let rows = |after: &str| -> (serde_json::Value, String) {
        let file = dir.path().join("after.journey");
        std::fs::write(&file, after).expect("writable");
        let after_arg = file.to_string_lossy().into_owned();
        let json = stdout(&simulate(&["--compare", &after_arg, "--format", "json"]));
        simulate(&["--compare", &after_arg, "--html", &page_arg]);
        let html = std::fs::read_to_string(&page).expect("written");
        let at = html
            .find("<h2>How customers left</h2>")
            .expect("the section");
        let end = html[at..]
            .find("</div>\n</div>")
            .map_or(html.len(), |e| at + e);
        (
            serde_json::from_str(&json).expect("JSON"),
            html[at..end].to_string(),
        )
    };
    let (v, left) = rows(&source);
    assert_eq!(
        left.matches("title=\"exit on cancelled\"").count(),
        1,
        "{left}"
    );
    let share = |side: &str| {
        let n = v[side]["outcomes"]["exit_on"][0][1]
            .as_f64()
            .expect("a count");
        n / v[side]["entered"].as_f64().expect("entered") * 100.0
    };
    let want = format!("{:.1}% → {:.1}%", share("before"), share("after"));
    let cancelled = &left[left.find("title=\"exit on cancelled\"").unwrap_or(0)..];
    assert!(
        cancelled.lines().next().unwrap_or_default().contains(&want),
        "{want} in {cancelled}"
    );
    assert!(
        !left.contains("still waiting") && !left.contains("runaway"),
        "{left}"
    );
    // Without its `up to`, the wait for a first project keeps some customers waiting for ever.
    let (_, left) =
        rows(&source.replace("wait project_created up to 3d {", "wait project_created {"));
    let waiting = &left[left
        .find("title=\"still waiting at the end\"")
        .expect("the row")..];
    assert!(
        waiting
            .lines()
            .next()
            .unwrap_or_default()
            .contains("0.0% → "),
        "{waiting}"
    );
}

/// The page colours each split variant by its verdict against the reference: green when
/// significantly better, red when significantly worse, blue when it could be chance.
#[test]
fn split_variants_are_coloured_by_their_verdict() {
    let source = "event go\nevent bought\nchannel email\n\
        touchpoint a_mail { channel email  template \"a\" }\n\
        touchpoint b_mail { channel email  template \"b\" }\n\
        touchpoint c_mail { channel email  template \"c\" }\n\
        journey j {\n  trigger go\n  goal bought within 10d\n  onboarding {\n    split {\n      \
        34% a { send a_mail }\n      33% b { send b_mail }\n      33% c { send c_mail }\n    }\n    \
        wait 5d\n  }\n}\n\
        simulation s {\n  journey j\n  customers 3000\n  seed 1\n  behavior {\n    \
        bought 30% within 2d after a_mail\n    bought 17% within 2d after c_mail\n  }\n}\n";
    let v = run_json(source, &[]);
    let variants = &v["splits"][0]["variants"];
    let significant = |i: usize| variants[i]["versus"]["significant"].as_bool();
    assert_eq!(
        (significant(0), significant(1), significant(2)),
        (Some(true), Some(true), Some(false)),
        "{variants}"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("s.journey"), source).expect("writable");
    let out = journeyc(&["simulate", "s.journey", "--html", "s.html"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("s.html")).expect("the page");
    let row = |name: &str| {
        let at = html
            .find(&format!("<span class=\"lbl\">{name} ("))
            .unwrap_or_else(|| panic!("a row for {name}"));
        html[at..].lines().next().unwrap_or_default().to_string()
    };
    assert!(row("a").contains("fill=\"#38a169\""), "{}", row("a"));
    assert!(row("b").contains("fill=\"#e53e3e\""), "{}", row("b"));
    assert!(row("c").contains("fill=\"#2b6cb0\""), "{}", row("c"));
    // The verdicts under the chart say the same.
    let verdict = |name: &str| {
        let at = html
            .find(&format!("<li><b>{name}</b>"))
            .unwrap_or_else(|| panic!("a verdict for {name}"));
        html[at..].lines().next().unwrap_or_default().to_string()
    };
    assert!(
        verdict("a").contains("class=\"better\""),
        "{}",
        verdict("a")
    );
    assert!(verdict("b").contains("class=\"worse\""), "{}", verdict("b"));
    assert!(verdict("c").contains("class=\"ns\""), "{}", verdict("c"));
}

/// The compare page's suppressed sends: per channel, the sends a cap held back as a share of
/// the sends each version attempted on it.
#[test]
fn compare_html_counts_suppressed_sends_per_channel() {
    let before = "event go\nchannel push { cap 1 per 1d }\nchannel email { cap 1 per 1d }\nchannel sms\n\
        touchpoint ping { channel push  template \"p\" }\n\
        touchpoint note { channel sms  template \"n\" }\n\
        touchpoint a { channel email  template \"a\" }\n\
        touchpoint b { channel email  template \"b\" }\n\
        touchpoint c { channel email  template \"c\" }\n\
        journey j {\n  trigger go\n  onboarding {\n    send note\n    send ping\n    send a\n    send b\n  }\n}\n\
        simulation s {\n  journey j\n  customers 200\n}\n";
    let after = before.replace("    send b\n", "    send b\n    send c\n    send ping\n");
    assert_ne!(before, after);
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("before.journey"), before).expect("writable");
    std::fs::write(dir.path().join("after.journey"), after).expect("writable");
    let out = journeyc(
        &[
            "simulate",
            "before.journey",
            "--compare",
            "after.journey",
            "--html",
            "c.html",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("c.html")).expect("the page");
    let at = html.find("<h2>Suppressed sends</h2>").expect("the section");
    let end = html[at..].find("<h1>").map_or(html.len(), |e| at + e);
    let section = &html[at..end];
    let row = |label: &str| {
        section
            .find(&format!("title=\"{label}\""))
            .map(|i| section[i..].lines().next().unwrap_or_default())
            .unwrap_or_else(|| panic!("a row `{label}` in {section}"))
    };
    // 200 customers: 400 email sends attempted before (one held each), 600 after (two held).
    let email = row("email (of 400 and 600 sends)");
    assert!(email.contains("50.0% → 66.7%"), "{email}");
    // Push loses a send only after the edit: its row is there all the same. SMS loses none.
    let push = row("push (of 200 and 400 sends)");
    assert!(push.contains("0.0% → 50.0%"), "{push}");
    assert_eq!(
        section.matches("<div class=\"row wide\"").count(),
        2,
        "{section}"
    );
}

/// A journey of hundreds of steps is not drawn on the page (it would be too big to read): the
/// page says so and points to `journeyc graph`.
#[test]
fn the_page_does_not_draw_a_journey_too_big_to_read() {
    let sends: String = (0..450).map(|i| format!("    send t{i}\n")).collect();
    let touchpoints: String = (0..450)
        .map(|i| format!("touchpoint t{i} {{ channel email  template \"t\" }}\n"))
        .collect();
    let source = format!(
        "event go\nchannel email\n{touchpoints}journey j {{\n  trigger go\n  onboarding {{\n{sends}  }}\n}}\n\
         simulation s {{\n  journey j\n  customers 10\n}}\n"
    );
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("big.journey"), &source).expect("writable");
    let out = journeyc(
        &["simulate", "big.journey", "--html", "big.html"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let html = std::fs::read_to_string(dir.path().join("big.html")).expect("the page");
    assert!(
        html.contains("steps are too many to draw here"),
        "not drawn"
    );
    assert!(!html.contains("class=\"graph\""), "no drawing");
}
