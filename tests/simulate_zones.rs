//! `journeyc simulate` per customer time zone (issue 17, item 5): the sends quiet hours held and
//! the local hour at which messages were delivered, per zone, in the text, JSON and HTML
//! reports; the same for any `--threads`; and no zone section for a project that reads no zone.

mod support;

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
use support::journeyc;

/// Customers in Tokyo and New York, a channel quiet 21:00..08:00 on each customer's clock.
const ZONES: &str = r#"
customer {
  tz: timezone
}

event signed_up

channel email { quiet 21:00..08:00 local }

touchpoint welcome  { channel email  template "welcome" }
touchpoint reminder { channel email  template "reminder" }

// Sent on arrival (arrivals are spread over every hour of a week), and a day later.
journey welcome_now {
  trigger signed_up
  onboarding {
    send welcome
    wait 1d
    send reminder
  }
}

// Sent at 14:00 UTC: 23:00 in Tokyo (held until 08:00 there), 09:00 in New York (not held).
journey at_two_pm {
  trigger signed_up
  onboarding {
    wait until 14:00
    send welcome
  }
}

simulation spread {
  journey welcome_now
  customers 3000
  seed 11
  population {
    tz = "Asia/Tokyo" 50% | "America/New_York" 50%
  }
}

simulation fixed {
  journey at_two_pm
  customers 3000
  seed 11
  population {
    tz = "Asia/Tokyo" 50% | "America/New_York" 50%
  }
}

simulation both {
  journeys welcome_now, at_two_pm
  customers 3000
  seed 11
  population {
    tz = "Asia/Tokyo" 50% | "America/New_York" 50%
  }
}
"#;

/// Local quiet hours are 21:00..08:00: no ordinary send is delivered from 21:00 to 07:59.
const QUIET: [usize; 11] = [21, 22, 23, 0, 1, 2, 3, 4, 5, 6, 7];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A scratch project holding `source` as `zones.journey`.
fn project(source: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temp dir");
    std::fs::write(dir.path().join("zones.journey"), source).expect("writable");
    dir
}

/// `journeyc simulate zones.journey ARGS` in `dir`, which must succeed.
fn simulate(dir: &Path, args: &[&str]) -> Output {
    let mut all = vec!["simulate", "zones.journey"];
    all.extend_from_slice(args);
    let out = journeyc(&all, dir);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(dir: &Path, args: &[&str]) -> Value {
    let mut all = args.to_vec();
    all.extend(["--format", "json"]);
    serde_json::from_str(&stdout(&simulate(dir, &all))).expect("the report is JSON")
}

fn zones(report: &Value) -> &Vec<Value> {
    report["zones"].as_array().expect("a zones list")
}

fn zone<'v>(report: &'v Value, name: &str) -> &'v Value {
    zones(report)
        .iter()
        .find(|z| z["zone"] == name)
        .unwrap_or_else(|| panic!("no zone {name} in {report}"))
}

fn hours(z: &Value) -> Vec<u64> {
    let h: Vec<u64> = z["local_hour"]
        .as_array()
        .expect("local_hour")
        .iter()
        .map(|n| n.as_u64().expect("a count"))
        .collect();
    assert_eq!(h.len(), 24, "{z}");
    h
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// A send at 14:00 UTC is held in Tokyo (23:00 there) and delivered at 08:00 Tokyo time; in
/// New York (09:00) it goes at once: the held counts are each zone's own.
#[test]
fn held_sends_are_counted_in_the_customer_s_zone() {
    let dir = project(ZONES);
    let r = json(dir.path(), &["--simulation", "fixed"]);
    let tokyo = zone(&r, "Asia/Tokyo");
    let ny = zone(&r, "America/New_York");
    let in_tokyo = count(&tokyo["customers"]);
    let in_ny = count(&ny["customers"]);
    assert_eq!(in_tokyo + in_ny, 3000);
    assert!(in_tokyo > 1000 && in_ny > 1000, "{r}");
    // Everyone entered and got the message once.
    assert_eq!(count(&tokyo["held"]), in_tokyo);
    assert_eq!(count(&ny["held"]), 0);
    assert_eq!(count(&tokyo["delivered"]), in_tokyo);
    assert_eq!(count(&ny["delivered"]), in_ny);
    let (th, nh) = (hours(tokyo), hours(ny));
    assert_eq!(
        th[8], in_tokyo,
        "every Tokyo message at 08:00 Tokyo: {th:?}"
    );
    assert_eq!(
        nh[9], in_ny,
        "every New York message at 09:00 New York: {nh:?}"
    );
    // The zones' held sends are the report's deferred sends.
    let deferred: u64 = r["touchpoints"]
        .as_array()
        .expect("touchpoints")
        .iter()
        .map(|t| count(&t["deferred"]))
        .sum();
    assert_eq!(deferred, in_tokyo);
}

/// Arrivals at every hour: sends in a quiet hour are held to 08:00 local, so no message is
/// delivered from 21:00 to 07:59 on the customer's clock, in either zone.
#[test]
fn no_message_is_delivered_in_a_local_quiet_hour() {
    let dir = project(ZONES);
    let r = json(dir.path(), &["--simulation", "spread"]);
    let names: Vec<&str> = zones(&r)
        .iter()
        .map(|z| z["zone"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["America/New_York", "Asia/Tokyo"], "sorted by name");
    let mut held = 0;
    for z in zones(&r) {
        let h = hours(z);
        for q in QUIET {
            assert_eq!(h[q], 0, "{} delivered at {q}:00 local: {h:?}", z["zone"]);
        }
        assert_eq!(h.iter().sum::<u64>(), count(&z["delivered"]));
        // The held sends all go at 08:00, on top of those sent then anyway.
        assert!(h[8] >= count(&z["held"]), "{z}");
        assert!(count(&z["held"]) > 0, "{z}");
        // Sends outside the quiet hours are spread over the day.
        assert!((9..21).all(|x| h[x] > 0), "{h:?}");
        held += count(&z["held"]);
    }
    assert_eq!(held, count(&r["channels"][0]["deferred"]));
}

/// The same channel quiet in UTC (no `local`) lets messages reach Tokyo customers at night,
/// and the histogram shows it: the test above can fail.
#[test]
fn utc_quiet_hours_reach_tokyo_at_night() {
    let utc = ZONES.replace("quiet 21:00..08:00 local", "quiet 21:00..08:00");
    assert_ne!(utc, ZONES);
    let dir = project(&utc);
    let r = json(dir.path(), &["--simulation", "spread"]);
    let h = hours(zone(&r, "Asia/Tokyo"));
    let at_night: u64 = QUIET.iter().map(|q| h[*q]).sum();
    assert!(at_night > 0, "{h:?}");
    // 08:00 UTC, when the UTC window ends, is 17:00 in Tokyo.
    assert!(h[17] > h[8], "{h:?}");
}

/// A transactional message is not held, so it reaches customers in their quiet hours; the
/// histogram counts every delivered message.
#[test]
fn transactional_messages_are_delivered_at_night() {
    let source = ZONES.replace(
        "touchpoint welcome  { channel email  template \"welcome\" }",
        "touchpoint welcome  { channel email  template \"welcome\"  transactional }",
    );
    assert_ne!(source, ZONES);
    let dir = project(&source);
    let r = json(dir.path(), &["--simulation", "fixed"]);
    let tokyo = zone(&r, "Asia/Tokyo");
    assert_eq!(count(&tokyo["held"]), 0);
    assert_eq!(hours(tokyo)[23], count(&tokyo["customers"]));
}

/// Shards merge by zone name: one thread or several, the reports are byte for byte the same.
#[test]
fn threads_do_not_change_a_byte() {
    let dir = project(ZONES);
    for sim in ["spread", "both"] {
        for format in ["json", "text"] {
            let args = |t| vec!["--simulation", sim, "--format", format, "--threads", t];
            let one = simulate(dir.path(), &args("1")).stdout;
            let two = simulate(dir.path(), &args("2")).stdout;
            let three = simulate(dir.path(), &args("3")).stdout;
            assert_eq!(one, two, "{sim} {format}: 1 and 2 threads differ");
            assert_eq!(one, three, "{sim} {format}: 1 and 3 threads differ");
            assert!(String::from_utf8_lossy(&one).contains("Asia/Tokyo"));
        }
    }
    let page = |t: &str| {
        let name = format!("page{t}.html");
        simulate(
            dir.path(),
            &["--simulation", "spread", "--threads", t, "--html", &name],
        );
        std::fs::read(dir.path().join(name)).expect("the page was written")
    };
    assert_eq!(page("1"), page("2"), "the HTML pages differ");
}

/// A project with no `timezone` attribute and no local quiet hours has no zone section: no
/// `zones` key, no text or HTML section.
#[test]
fn a_project_without_zones_has_no_zone_section() {
    let saas = [
        "simulate",
        "examples/saas_trial.journey",
        "--customers",
        "500",
    ];
    let mut args = saas.to_vec();
    args.extend(["--format", "json"]);
    let out = journeyc(&args, &root());
    assert!(out.status.success());
    let r: Value = serde_json::from_str(&stdout(&out)).expect("JSON");
    assert!(r.get("entered").is_some());
    assert!(r.get("zones").is_none(), "{r}");
    let dir = tempfile::tempdir().expect("a temp dir");
    let page = dir.path().join("page.html");
    let page_arg = page.to_string_lossy().into_owned();
    let mut args = saas.to_vec();
    args.extend(["--html", &page_arg]);
    let out = journeyc(&args, &root());
    assert!(out.status.success());
    assert!(!stdout(&out).contains("time zones"));
    let html = std::fs::read_to_string(&page).expect("the page");
    assert!(!html.contains("time zones"));
    // The same journey with a `timezone` attribute gets the section (every customer in the
    // attribute's default zone).
    let source = std::fs::read_to_string(root().join("examples/saas_trial.journey"))
        .expect("readable")
        .replacen(
            "customer {",
            "customer {\n  tz: timezone = \"Europe/Paris\"",
            1,
        );
    let dir = project(&source);
    let r = json(dir.path(), &["--customers", "500"]);
    let names: Vec<&str> = zones(&r)
        .iter()
        .map(|z| z["zone"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(names, ["Europe/Paris"], "{r}");
    assert_eq!(count(&zones(&r)[0]["customers"]), 500);
}

/// Local quiet hours without a `timezone` attribute (W0419) read every customer in UTC, and
/// the report says so.
#[test]
fn local_quiet_hours_without_an_attribute_are_utc() {
    let source = ZONES
        .replace("customer {\n  tz: timezone\n}\n", "")
        .replace(
            "  population {\n    tz = \"Asia/Tokyo\" 50% | \"America/New_York\" 50%\n  }\n",
            "",
        );
    assert!(!source.contains("tz"), "{source}");
    let dir = project(&source);
    let r = json(dir.path(), &["--simulation", "spread"]);
    let z = zones(&r);
    assert_eq!(z.len(), 1, "{r}");
    assert_eq!(z[0]["zone"], "UTC");
    assert_eq!(count(&z[0]["customers"]), 3000);
    let h = hours(&z[0]);
    assert!(QUIET.iter().all(|q| h[*q] == 0), "{h:?}");
}

/// A `set` step that moves the customer to another zone counts their later sends there.
#[test]
fn a_set_step_moves_later_sends_to_the_new_zone() {
    let source = ZONES.replace(
        "    wait 1d\n    send reminder",
        "    wait 1d\n    set tz = \"Europe/Paris\"\n    send reminder",
    );
    assert_ne!(source, ZONES);
    let dir = project(&source);
    let r = json(dir.path(), &["--simulation", "spread"]);
    let paris = zone(&r, "Europe/Paris");
    assert_eq!(count(&paris["customers"]), 0, "nobody arrived in Paris");
    assert_eq!(count(&paris["delivered"]), 3000, "every reminder: {r}");
    let h = hours(paris);
    assert!(QUIET.iter().all(|q| h[*q] == 0), "{h:?}");
    let tokyo = zone(&r, "Asia/Tokyo");
    assert_eq!(count(&tokyo["delivered"]), count(&tokyo["customers"]));
}

/// Several journeys together: each journey's report counts its own sends by zone.
#[test]
fn each_journey_of_a_world_counts_its_zones() {
    let dir = project(ZONES);
    let w = json(dir.path(), &["--simulation", "both"]);
    let reports = w["reports"].as_array().expect("reports");
    assert_eq!(reports.len(), 2);
    let fixed = &reports[1];
    assert_eq!(fixed["journey"], "at_two_pm");
    let tokyo = zone(fixed, "Asia/Tokyo");
    assert_eq!(count(&tokyo["held"]), count(&tokyo["customers"]));
    assert_eq!(hours(tokyo)[8], count(&tokyo["customers"]));
    assert_eq!(count(&zone(fixed, "America/New_York")["held"]), 0);
    let spread = &reports[0];
    for z in zones(spread) {
        let h = hours(z);
        assert!(QUIET.iter().all(|q| h[*q] == 0), "{h:?}");
    }
}

/// The zone section of the text report.
fn zone_section(text: &str) -> String {
    let from = text.find("\nCustomer time zones").expect("a zone section");
    let to = text[from..].find("\nGoal").map_or(text.len(), |e| from + e);
    text[from..to].trim().to_string()
}

/// The zone section as a reader sees it (reviewed: the counts table with its total, and the
/// shares by local hour, within 100 columns).
#[test]
fn text_section() {
    let dir = project(ZONES);
    let text = stdout(&simulate(dir.path(), &["--simulation", "spread"]));
    let section = zone_section(&text);
    assert!(
        section.lines().all(|l| l.chars().count() <= 100),
        "{section}"
    );
    insta::assert_snapshot!(section);
}

/// A zone whose name is longer than the hour table's column is cut there, and in full above.
#[test]
fn text_section_with_a_long_zone_name() {
    let source = ZONES.replace("\"America/New_York\"", "\"America/Argentina/Buenos_Aires\"");
    let dir = project(&source);
    let text = stdout(&simulate(dir.path(), &["--simulation", "fixed"]));
    let section = zone_section(&text);
    assert!(
        section.lines().all(|l| l.chars().count() <= 100),
        "{section}"
    );
    insta::assert_snapshot!(section);
}

/// The page as a reader sees it: without the style sheet and the tags, entities decoded.
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

/// The HTML page has the zone section: a chart per zone and the total, and every number and
/// name of the text's section.
#[test]
fn the_page_shows_the_zones() {
    let dir = project(ZONES);
    let out = simulate(
        dir.path(),
        &["--simulation", "spread", "--html", "page.html"],
    );
    let html = std::fs::read_to_string(dir.path().join("page.html")).expect("the page");
    assert_eq!(
        html.matches("<svg class=\"bar hours\"").count(),
        3,
        "two zones and all"
    );
    let seen = visible_text(&html);
    assert!(seen.contains("Customer time zones"), "{seen}");
    let section = zone_section(&stdout(&out));
    let mut missing = Vec::new();
    // The rows of the two tables (indented), cell by cell.
    for line in section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("  (") && !l.starts_with("  every"))
    {
        for word in line.split_whitespace() {
            if !seen.contains(word) {
                missing.push(format!("`{word}` of `{}`", line.trim()));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}
