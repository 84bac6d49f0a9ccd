//! `journeyc build` and `journeyc graph`, run as the real binary in scratch projects.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const DECLS: &str = r#"
enum plan { free, trial, pro }
customer { plan: plan = free }
event signed_up
event upgraded { plan: plan }
channel email
touchpoint welcome { channel email  template "welcome" }
touchpoint offer   { channel email  template "offer" }
"#;

fn alpha() -> String {
    format!("{DECLS}\njourney alpha {{\n  trigger signed_up\n  onboarding {{\n    send welcome\n    wait upgraded up to 3d {{\n      set plan = event.plan\n    }} timeout {{\n      send offer\n    }}\n  }}\n}}\n")
}

fn beta() -> String {
    format!("{DECLS}\njourney beta {{\n  trigger signed_up where plan == trial\n  stage nudge {{\n    split {{\n      50% a {{ send offer }}\n      50% b {{ send welcome }}\n    }}\n    wait upgraded up to 1d\n  }}\n}}\n")
}

/// A fresh project folder (with a `journey.toml`, so it is its own project root) holding `files`.
fn project(name: &str, files: &[(&str, &str)]) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join("build_cli")
        .join(name);
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).expect("create the project folder");
    fs::write(dir.join("journey.toml"), "").expect("write journey.toml");
    for (path, text) in files {
        let p = dir.join(path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).expect("create a folder");
        }
        fs::write(p, text).expect("write a file");
    }
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn journeyc(dir: &Path, args: &[&str]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("run journeyc");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = match fs::read_dir(dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

fn two_journeys(name: &str) -> PathBuf {
    project(
        name,
        &[
            ("flows/alpha.journey", &alpha()),
            ("flows/beta.journey", &beta()),
        ],
    )
}

#[test]
fn build_writes_one_spec_per_journey_and_leaves_up_to_date_ones_alone() {
    let dir = two_journeys("writes");
    let run = journeyc(&dir, &["build", "flows"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(
        run.stderr,
        "built 2 specs in dist (2 written, 0 unchanged)\n"
    );
    assert_eq!(
        listing(&dir.join("dist")),
        vec!["alpha.json", "beta.json"],
        "one file each, no temporary files left"
    );
    let alpha = fs::read_to_string(dir.join("dist/alpha.json")).expect("alpha.json");
    let j = journeyc::spec::from_json(&alpha).expect("a spec");
    assert_eq!(j.name, "alpha");
    assert_eq!(
        j.source.file, "flows/alpha.journey",
        "relative to the project root"
    );

    let again = journeyc(&dir, &["build", "flows"]);
    assert_eq!(
        again.stderr,
        "built 2 specs in dist (0 written, 2 unchanged)\n"
    );
    assert_eq!(
        fs::read_to_string(dir.join("dist/alpha.json")).expect("alpha.json"),
        alpha
    );
}

#[test]
fn the_same_sources_give_the_same_bytes_from_anywhere() {
    let dir = two_journeys("anywhere");
    assert_eq!(
        journeyc(&dir, &["build", "flows", "--out-dir", "one"]).code,
        0
    );
    let parent = dir.parent().expect("a parent");
    let run = journeyc(
        parent,
        &["build", "anywhere/flows", "--out-dir", "anywhere/two"],
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    for name in ["alpha.json", "beta.json"] {
        let one = fs::read(dir.join("one").join(name)).expect("first build");
        let two = fs::read(dir.join("two").join(name)).expect("second build");
        assert_eq!(one, two, "{name}");
        let text = String::from_utf8(one).expect("UTF-8");
        assert!(
            !text.contains(env!("CARGO_TARGET_TMPDIR")),
            "no absolute path in {name}"
        );
        assert!(text.ends_with("}\n"));
    }
}

#[test]
fn check_lists_missing_stale_and_orphaned_specs() {
    let dir = two_journeys("check");
    let missing = journeyc(&dir, &["build", "flows", "--check"]);
    assert_eq!(missing.code, 1);
    insta::assert_snapshot!("check_missing", missing.stderr);
    assert!(!dir.join("dist").exists(), "--check writes nothing");

    assert_eq!(journeyc(&dir, &["build", "flows"]).code, 0);
    let clean = journeyc(&dir, &["build", "flows", "--check"]);
    assert_eq!(
        (clean.code, clean.stderr.as_str()),
        (0, "2 specs up to date in dist\n")
    );

    fs::write(dir.join("dist/alpha.json"), "{}\n").expect("edit a spec");
    fs::write(dir.join("dist/gamma.json"), "{}\n").expect("add an orphan");
    fs::write(dir.join("dist/notes.txt"), "not a spec").expect("add another file");
    let stale = journeyc(&dir, &["build", "flows", "--check"]);
    assert_eq!(stale.code, 1);
    insta::assert_snapshot!("check_stale_and_orphaned", stale.stderr);
    let json = journeyc(
        &dir,
        &["build", "flows", "--check", "--message-format", "json"],
    );
    assert_eq!(json.code, 1);
    insta::assert_snapshot!("check_json", json.stdout);
    assert_eq!(
        fs::read_to_string(dir.join("dist/alpha.json")).expect("alpha"),
        "{}\n",
        "--check never repairs"
    );
}

#[test]
fn nothing_is_written_when_any_file_has_errors() {
    let broken = format!(
        "{DECLS}\njourney broken {{\n  trigger signed_up\n  onboarding {{ send welcom }}\n}}\n"
    );
    let dir = project(
        "errors",
        &[
            ("flows/alpha.journey", &alpha()),
            ("flows/broken.journey", &broken),
        ],
    );
    fs::create_dir_all(dir.join("dist")).expect("dist");
    fs::write(dir.join("dist/alpha.json"), "earlier output\n").expect("an earlier spec");
    let run = journeyc(&dir, &["build", "flows"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("unknown touchpoint `welcom`"),
        "{}",
        run.stderr
    );
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("1 error, ") && last.ends_with(": nothing was built"),
        "{last}"
    );
    assert_eq!(listing(&dir.join("dist")), vec!["alpha.json"]);
    assert_eq!(
        fs::read_to_string(dir.join("dist/alpha.json")).expect("alpha"),
        "earlier output\n"
    );

    let json = journeyc(&dir, &["build", "flows", "--message-format", "json"]);
    assert_eq!(json.code, 1);
    let codes: Vec<String> = json
        .stdout
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("one JSON object a line")["code"]
                .to_string()
        })
        .collect();
    assert!(codes.contains(&"\"E0102\"".to_string()), "{codes:?}");
}

#[test]
fn two_journeys_with_one_name_are_an_error() {
    let twin = alpha();
    let dir = project(
        "twins",
        &[("a/alpha.journey", &alpha()), ("b/alpha.journey", &twin)],
    );
    let run = journeyc(&dir, &["build", "a", "b"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr
            .contains("journey `alpha` is defined in two places"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("b/alpha.journey"), "{}", run.stderr);
    assert!(!dir.join("dist").exists());
}

#[test]
fn stdout_prints_one_journey() {
    let dir = two_journeys("stdout");
    let one = journeyc(&dir, &["build", "flows/alpha.journey", "--stdout"]);
    assert_eq!(one.code, 0, "{}", one.stderr);
    assert_eq!(
        journeyc::spec::from_json(&one.stdout).expect("a spec").name,
        "alpha"
    );
    assert!(!dir.join("dist").exists(), "--stdout writes no file");

    let ambiguous = journeyc(&dir, &["build", "flows", "--stdout"]);
    assert_eq!(ambiguous.code, 2);
    assert_eq!(
        ambiguous.stderr,
        "error: the paths hold 2 journeys (alpha, beta): pick one with `--journey NAME`\n"
    );
    let picked = journeyc(&dir, &["build", "flows", "--stdout", "--journey", "beta"]);
    assert_eq!(picked.code, 0);
    assert_eq!(
        journeyc::spec::from_json(&picked.stdout)
            .expect("a spec")
            .name,
        "beta"
    );
    let typo = journeyc(&dir, &["build", "flows", "--stdout", "--journey", "betta"]);
    assert_eq!(
        (typo.code, typo.stderr.as_str()),
        (2, "error: no journey named `betta`: did you mean `beta`?\n")
    );

    assert_eq!(
        journeyc(&dir, &["build", "flows", "--journey", "beta"]).code,
        2,
        "--journey needs --stdout"
    );
    assert_eq!(
        journeyc(&dir, &["build", "flows", "--stdout", "--check"]).code,
        2
    );
}

#[test]
fn graph_draws_a_journey_as_mermaid_or_dot() {
    let dir = two_journeys("graph");
    let mermaid = journeyc(&dir, &["graph", "flows/alpha.journey"]);
    assert_eq!(mermaid.code, 0, "{}", mermaid.stderr);
    insta::assert_snapshot!("graph_alpha_mermaid", mermaid.stdout);
    let dot = journeyc(&dir, &["graph", "flows/beta.journey", "--format", "dot"]);
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    // Cluster titles take the graph's font, so the graph sets it too, not only nodes and edges.
    for kind in ["graph", "node", "edge"] {
        let line = format!("    {kind} [fontname=\"Helvetica,Arial,sans-serif\"];");
        assert!(dot.stdout.contains(&line), "missing {line}\n{}", dot.stdout);
    }
    insta::assert_snapshot!("graph_beta_dot", dot.stdout);

    let ambiguous = journeyc(&dir, &["graph", "flows"]);
    assert_eq!(ambiguous.code, 2);
    let picked = journeyc(
        &dir,
        &["graph", "flows", "--journey", "beta", "--format", "mermaid"],
    );
    assert_eq!(picked.code, 0);
    assert!(picked.stdout.contains("|\"50% a\"|"), "{}", picked.stdout);
}

#[test]
fn a_missing_path_is_a_usage_error() {
    let dir = project("missing", &[]);
    let run = journeyc(&dir, &["build", "nowhere"]);
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.starts_with("error: cannot read `nowhere`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_journey_in_a_file_two_units_import_is_built_once() {
    let shared = alpha();
    let user = "import \"common.journey\"\n";
    let dir = project(
        "shared",
        &[
            ("flows/common.journey", &shared),
            ("flows/a.journey", user),
            ("flows/b.journey", user),
        ],
    );
    let run = journeyc(&dir, &["build", "flows/a.journey", "flows/b.journey"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(listing(&dir.join("dist")), vec!["alpha.json"]);
    let j =
        journeyc::spec::from_json(&fs::read_to_string(dir.join("dist/alpha.json")).expect("alpha"))
            .expect("a spec");
    assert_eq!(j.source.file, "flows/common.journey");
}

#[test]
fn graph_shows_how_customers_leave_by_goal_or_exit() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dot = journeyc(
        root,
        &["graph", "examples/saas_trial.journey", "--format", "dot"],
    );
    assert_eq!(dot.code, 0, "{}", dot.stderr);
    for line in [
        r#""goal.0" [label="goal: upgraded", shape=oval];"#,
        r#""exit.0" [label="exit: cancelled", shape=oval];"#,
        r#""start" -> "goal.0" [label="upgraded within 14d", style=dashed];"#,
        r#""start" -> "exit.0" [label="cancelled", style=dashed];"#,
    ] {
        assert!(dot.stdout.contains(line), "missing {line}\n{}", dot.stdout);
    }
    let mermaid = journeyc(root, &["graph", "examples/saas_trial.journey"]);
    assert_eq!(mermaid.code, 0, "{}", mermaid.stderr);
    assert!(
        mermaid
            .stdout
            .contains("start -.->|\"upgraded within 14d\"| goal_0"),
        "{}",
        mermaid.stdout
    );
}
