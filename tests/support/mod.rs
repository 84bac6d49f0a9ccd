//! Helpers shared by the tests that run the real `journeyc` binary (`mod support;`): running it,
//! running it with a time limit, and writing a scratch project.
//!
//! Each test file compiles this module on its own and uses a part of it, hence `dead_code`.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The journeyc binary with `args`, run in `cwd`, without colour.
pub fn command(args: &[&str], cwd: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_journeyc"));
    cmd.args(args).current_dir(cwd).env("NO_COLOR", "1");
    cmd
}

/// Runs journeyc to the end with its output collected.
pub fn journeyc(args: &[&str], cwd: &Path) -> Output {
    command(args, cwd)
        .output()
        .expect("the journeyc binary runs")
}

/// Runs `cmd` with its output collected, killing it after `secs` seconds so that a regression
/// (a replay that never ends, a simulation of billions of customers) fails the test instead of
/// hanging it. Its standard input is what `cmd` says (inherited unless set).
pub fn output_within(mut cmd: Command, secs: u64) -> Output {
    use std::io::Read;
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the journeyc binary runs");
    // Read both pipes while the child runs, so that it never blocks on a full one.
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for journeyc") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} still ran after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    }
}

/// A scratch folder holding `files` (name, text).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("write fixture");
    }
    dir
}

/// A line a `journeyc run` wrote, as `(customer, time, action, touchpoint)` (empty strings for
/// what the line does not have).
pub type RunLine = (String, String, String, String);

/// The lines of a `journeyc run`'s standard output.
pub fn run_lines(stdout: &str) -> Vec<RunLine> {
    stdout
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            let s = |k: &str| v[k].as_str().unwrap_or("").to_string();
            (s("customer"), s("time"), s("action"), s("touchpoint"))
        })
        .collect()
}

/// The times at which `customer` was sent `touchpoint`.
pub fn sent_at(out: &[RunLine], customer: &str, touchpoint: &str) -> Vec<String> {
    out.iter()
        .filter(|(c, _, a, t)| c == customer && a == "sent" && t == touchpoint)
        .map(|(_, time, _, _)| time.clone())
        .collect()
}

/// Replays `log` (JSON lines) over the journey file `src` in a scratch project, with `extra`
/// flags after `journeyc run j.journey --events log.jsonl`, and returns the lines written. The
/// run must succeed.
pub fn replay_source(src: &str, log: &str, extra: &[&str]) -> Vec<RunLine> {
    let dir = project(&[("j.journey", src), ("log.jsonl", log)]);
    let mut args = vec!["run", "j.journey", "--events", "log.jsonl"];
    args.extend_from_slice(extra);
    run_lines(&run_ok(&args, dir.path()))
}

/// The standard output of `journeyc ARGS` run in `cwd`, which must succeed (its standard error
/// is the failure message otherwise).
pub fn run_ok(args: &[&str], cwd: &Path) -> String {
    let out = journeyc(args, cwd);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The wrong and the fixed example of a code's page (`docs/codes/CODE.md`): its two
/// ```` ```journey ```` blocks, in order.
pub fn code_page_examples(code: &str) -> [String; 2] {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs/codes")
        .join(format!("{code}.md"));
    let page = std::fs::read_to_string(&path).unwrap_or_default();
    let blocks: Vec<String> = page
        .split("```journey\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .map(str::to_string)
        .collect();
    match <[String; 2]>::try_from(blocks) {
        Ok(pair) => pair,
        Err(blocks) => panic!(
            "{} should have a wrong and a fixed example, has {} blocks",
            path.display(),
            blocks.len()
        ),
    }
}
