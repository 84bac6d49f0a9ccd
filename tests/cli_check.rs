//! Runs the real `journeyc` binary: exit codes and the JSON message format of `check`.

use std::path::Path;
use std::process::{Command, Output};

fn journeyc(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .expect("the journeyc binary runs")
}

const CLEAN: &str = r#"
event signed_up
channel email
touchpoint welcome { channel email  template "welcome" }
journey onboarding_flow {
  trigger signed_up
  onboarding { send welcome }
}
"#;

const BROKEN: &str = r#"
event signed_up
channel email
touchpoint welcome { channel email  template "welcome" }
journey onboarding_flow {
  trigger signed_upp
  onboarding { send welcom }
}
"#;

const WARNS: &str = r#"
event signed_up
event never_used
channel email
touchpoint welcome { channel email  template "welcome" }
journey onboarding_flow {
  trigger signed_up
  onboarding { send welcome }
}
"#;

fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}

#[test]
fn clean_file_exits_zero() {
    let dir = project(&[("a.journey", CLEAN)]);
    let out = journeyc(&["check", "a.journey"], dir.path());
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("no problems found"));
}

#[test]
fn errors_exit_one_and_name_every_problem() {
    let dir = project(&[("a.journey", BROKEN)]);
    let out = journeyc(&["check", "a.journey"], dir.path());
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E0101"), "{err}");
    assert!(err.contains("E0102"), "{err}");
    assert!(err.contains("did you mean `signed_up`?"), "{err}");
    assert!(err.contains("did you mean `welcome`?"), "{err}");
    assert!(err.contains("2 errors"), "{err}");
}

#[test]
fn warnings_pass_unless_denied() {
    let dir = project(&[("a.journey", WARNS)]);
    assert_eq!(
        journeyc(&["check", "a.journey"], dir.path()).status.code(),
        Some(0)
    );
    let denied = journeyc(&["check", "--deny", "warnings", "a.journey"], dir.path());
    assert_eq!(denied.status.code(), Some(1));
}

#[test]
fn json_format_has_one_object_per_diagnostic() {
    let dir = project(&[("a.journey", BROKEN)]);
    let out = journeyc(
        &["check", "--message-format", "json", "a.journey"],
        dir.path(),
    );
    assert_eq!(out.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    assert_eq!(lines.len(), 2);
    let first = &lines[0];
    assert_eq!(first["code"], "E0101");
    assert_eq!(first["severity"], "error");
    assert_eq!(first["file"], "a.journey");
    assert_eq!(first["line"], 6);
    assert_eq!(first["column"], 11);
    let start = first["span"]["start"].as_u64().expect("span start");
    let end = first["span"]["end"].as_u64().expect("span end");
    assert_eq!(&BROKEN[start as usize..end as usize], "signed_upp");
    assert!(first["help"]
        .as_str()
        .is_some_and(|h| h.contains("signed_up")));
    assert!(first["labels"].as_array().is_some_and(|l| !l.is_empty()));
}

#[test]
fn directories_are_searched_recursively() {
    let dir = project(&[("a.journey", CLEAN)]);
    std::fs::create_dir(dir.path().join("sub")).expect("mkdir");
    std::fs::write(dir.path().join("sub/b.journey"), BROKEN).expect("write");
    let out = journeyc(&["check", "."], dir.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("checked 2 files"));
}

#[test]
fn missing_file_is_a_usage_error() {
    let dir = project(&[]);
    let out = journeyc(&["check", "nope.journey"], dir.path());
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read `nope.journey`"));
}

#[test]
fn bad_flag_is_a_usage_error() {
    let dir = project(&[]);
    let out = journeyc(&["check", "--message-format", "xml"], dir.path());
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn explain_knows_every_code_and_rejects_unknown_ones() {
    let dir = project(&[]);
    let list = journeyc(&["explain"], dir.path());
    assert_eq!(list.status.code(), Some(0));
    let listing = String::from_utf8_lossy(&list.stdout).to_string();
    for line in listing.lines() {
        let code = line.split_whitespace().next().expect("code column");
        let out = journeyc(&["explain", code], dir.path());
        assert_eq!(out.status.code(), Some(0), "explain {code}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains(code), "explanation of {code} names it");
    }
    assert_eq!(
        journeyc(&["explain", "E9999"], dir.path()).status.code(),
        Some(2)
    );
}

#[test]
fn non_utf8_file_is_reported_not_a_crash() {
    let dir = project(&[]);
    std::fs::write(dir.path().join("bin.journey"), [0xff, 0xfe, 0x00, 0x41]).expect("write");
    let out = journeyc(&["check", "bin.journey"], dir.path());
    // The file is there and readable: a problem in it (exit 1), at its first byte.
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E0004"), "{err}");
    assert!(err.contains("[bin.journey:1:1]"), "{err}");
}

/// `journeyc check` on one journey with `channel email { CAPS }`: its combined output.
fn check_caps(caps: &str, steps: &str) -> String {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = format!(
        "event signed_up
channel email {{ {caps} }}
touchpoint a {{ channel email  template \"a\" }}
touchpoint b {{ channel email  template \"b\" }}
touchpoint c {{ channel email  template \"c\" }}
journey j {{ trigger signed_up  onboarding {{ {steps} }} }}
"
    );
    std::fs::write(dir.path().join("j.journey"), text).expect("write");
    let out = journeyc(&["check", "j.journey"], dir.path());
    String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr)
}

#[test]
fn w0402_counts_the_time_a_wait_lets_pass() {
    // Two days apart, two sends never share a `cap 1 per 1d` window.
    let out = check_caps("cap 1 per 1d", "send a  wait 2d  send b");
    assert!(!out.contains("W0402"), "{out}");
    let out = check_caps("cap 1 per 1d", "send a  wait 2h  send b");
    assert!(out.contains("W0402"), "{out}");
}

#[test]
fn w0402_checks_every_cap_of_the_channel() {
    // The hourly cap holds; the daily one does not.
    let out = check_caps(
        "cap 1 per 1h  cap 2 per 1d",
        "send a  wait 2h  send b  wait 2h  send c",
    );
    assert!(out.contains("W0402"), "{out}");
}

#[test]
fn e0303_shows_the_loop_that_takes_no_time() {
    // Round `again`, the `else` path takes no time; the shorter `then` path waits a day and is
    // no part of the loop the note shows.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("j.journey"),
        "event signed_up
customer { n: int = 0 }
channel email
touchpoint a { channel email  template \"a\" }
journey j {
  trigger signed_up
  onboarding { send a }
  stage again {
    if n > 0 {
      wait 1d
    } else {
      set n = 1
      set n = 2
      set n = 3
    }
    goto again
  }
}
",
    )
    .expect("write");
    let out = journeyc(&["check", "j.journey"], dir.path());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("E0303"), "{text}");
    let note = text
        .lines()
        .find(|l| l.contains("loop:"))
        .unwrap_or_else(|| panic!("no loop note: {text}"));
    assert!(
        note.contains("`if n > 0` was false") && !note.contains("wait"),
        "{note}"
    );
}

#[test]
fn w0400_looks_inside_every_block_and_says_why() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("j.journey"),
        "event signed_up
event activated
customer { vip: bool = false }
channel email
touchpoint a { channel email  template \"a\" }
touchpoint b { channel email  template \"b\" }
touchpoint c { channel email  template \"c\" }
touchpoint d { channel email  template \"d\" }
journey j {
  trigger signed_up
  onboarding {
    wait activated up to 1d {
      goto fin
      send a
    }
    if vip {
      exit
      send b
    }
    split {
      50% x { exit  send c }
      50% y { send d }
    }
    goto fin
  }
  stage lost1 { send a }
  stage lost2 { send b }
  stage fin { send d }
}
",
    )
    .expect("write");
    let out = journeyc(&["check", "j.journey"], dir.path());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    for needle in [
        "`send a` can never run",
        "the customer goes to `fin` here",
        "`send b` can never run",
        "`send c` can never run",
        "the stage before it, `lost1`, is never reached either",
    ] {
        assert!(text.contains(needle), "{needle}: {text}");
    }
}

#[test]
fn w0406_looks_inside_splits_and_names_the_branches_it_hides() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("j.journey"),
        "event signed_up
customer { vip: bool = false }
channel email
touchpoint a { channel email  template \"a\" }
touchpoint b { channel email  template \"b\" }
journey j {
  trigger signed_up
  onboarding {
    split {
      50% x { if false { send a } }
      50% y { if true { send a } else { send b } }
    }
    if true { send a } else if vip { send b }
  }
}
",
    )
    .expect("write");
    let out = journeyc(&["check", "j.journey"], dir.path());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.contains("this condition is always false: its branch never runs"),
        "{text}"
    );
    assert!(
        text.contains("this condition is always true: the branches after it never run"),
        "an `else` is a branch after it: {text}"
    );
    let hides = text
        .matches("this condition is always true: the branches after it never run")
        .count();
    assert_eq!(
        hides, 2,
        "`else` and `else if` are branches after it: {text}"
    );
    assert!(
        !text
            .lines()
            .any(|l| l.trim_end().ends_with("this condition is always true")),
        "{text}"
    );
    // Alone, `if true` hides no branch.
    std::fs::write(
        dir.path().join("j.journey"),
        "event signed_up
channel email
touchpoint a { channel email  template \"a\" }
journey j { trigger signed_up  onboarding { if true { send a } } }
",
    )
    .expect("write");
    let out = journeyc(&["check", "j.journey"], dir.path());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(
        text.lines()
            .any(|l| l.trim_end().ends_with("this condition is always true")),
        "{text}"
    );
}

#[test]
fn a_journey_without_steps_is_e0307_and_no_w0403_on_top() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("j.journey"),
        "event signed_up\nevent ordered\njourney j {\n  trigger signed_up\n  goal ordered\n  onboarding { }\n}\n",
    )
    .expect("write");
    let out = journeyc(&["check", "j.journey"], dir.path());
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    assert!(text.contains("E0307"), "{text}");
    assert!(!text.contains("W0403"), "{text}");
}
