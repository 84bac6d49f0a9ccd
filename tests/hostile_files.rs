//! Hostile files (docs/limits.md): a link out of the project, a named pipe, a device, a huge
//! file, bytes that are not UTF-8, control characters, temporary files left by a killed build,
//! and standard input as `-`. Each runs the real binary with a time limit, so a regression that
//! hangs fails the test instead of hanging the suite.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Far above what any of these runs takes (well under a second), and far below forever.
const LIMIT: Duration = Duration::from_secs(20);

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs journeyc in `cwd` with `stdin` as its standard input (empty when `None`), killing it
/// and failing the test when it runs longer than [`LIMIT`].
fn journeyc_in(cwd: &Path, args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the journeyc binary runs");
    let input = stdin.unwrap_or_default().to_vec();
    let mut pipe_in = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = pipe_in.write_all(&input);
    });
    let mut pipe_out = child.stdout.take().expect("stdout");
    let mut pipe_err = child.stderr.take().expect("stderr");
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = pipe_out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = pipe_err.read_to_end(&mut s);
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for journeyc") {
            break status;
        }
        if start.elapsed() > LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("journeyc {args:?} still ran after {LIMIT:?}: killed");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = writer.join();
    let stdout = String::from_utf8_lossy(&out.join().unwrap_or_default()).into_owned();
    let stderr = String::from_utf8_lossy(&err.join().unwrap_or_default()).into_owned();
    Run {
        code: status.code(),
        stdout,
        stderr,
    }
}

fn journeyc(cwd: &Path, args: &[&str]) -> Run {
    journeyc_in(cwd, args, None)
}

const CLEAN: &str = r#"event signed_up

channel email

touchpoint welcome { channel email  template "welcome" }

journey onboarding_flow {
  trigger signed_up
  onboarding {
    send welcome
  }
}
"#;

fn write(path: &Path, text: impl AsRef<[u8]>) {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).expect("create folder");
    }
    std::fs::write(path, text).expect("write file");
}

#[cfg(unix)]
mod unix {
    use super::*;
    use std::os::unix::fs::symlink;

    /// What the file outside the project says: it must never be shown.
    const SECRET: &str = "root:x:0:0:SECRET_LINE_OF_A_FILE_OUTSIDE:/root:/bin/bash\n";

    /// `dir/proj` (a project root) with `secret.journey` linking to `dir/outside/secret.journey`.
    fn project_with_escaping_link() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("temp dir");
        let outside = dir.path().join("outside/secret.journey");
        write(&outside, SECRET);
        let proj = dir.path().join("proj");
        write(&proj.join("journey.toml"), "");
        symlink(&outside, proj.join("secret.journey")).expect("symlink");
        dir
    }

    fn assert_not_shown(run: &Run) {
        assert!(
            !run.stderr.contains("SECRET_LINE") && !run.stdout.contains("SECRET_LINE"),
            "the outside file's content was shown:\n{}{}",
            run.stdout,
            run.stderr
        );
    }

    #[test]
    fn an_import_through_a_link_out_of_the_root_is_e0011_and_never_read() {
        let dir = project_with_escaping_link();
        let proj = dir.path().join("proj");
        write(
            &proj.join("main.journey"),
            format!("import \"secret.journey\"\n{CLEAN}"),
        );
        let run = journeyc(&proj, &["check", "main.journey"]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(run.stderr.contains("E0011"), "{}", run.stderr);
        assert!(
            run.stderr.contains("leads outside the project root"),
            "{}",
            run.stderr
        );
        assert_not_shown(&run);
        let json = journeyc(
            &proj,
            &["check", "--message-format", "json", "main.journey"],
        );
        assert!(
            json.stdout.contains("\"code\":\"E0011\""),
            "{}",
            json.stdout
        );
        assert_not_shown(&json);
    }

    #[test]
    fn a_discovered_link_out_of_the_root_is_e0011_and_never_read() {
        let dir = project_with_escaping_link();
        let proj = dir.path().join("proj");
        write(&proj.join("main.journey"), CLEAN);
        for args in [&["check", "."][..], &["build", "."], &["test", "."]] {
            let run = journeyc(&proj, args);
            assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("E0011"), "{args:?}: {}", run.stderr);
            assert_not_shown(&run);
        }
        let fmt = journeyc(&proj, &["fmt", "."]);
        assert_eq!(fmt.code, Some(1), "{}", fmt.stderr);
        assert_not_shown(&fmt);
        let outside = std::fs::read_to_string(dir.path().join("outside/secret.journey"));
        assert_eq!(
            outside.ok().as_deref(),
            Some(SECRET),
            "fmt changed the outside file"
        );
        assert!(
            !proj.join("dist").exists(),
            "build wrote specs despite the error"
        );
    }

    #[test]
    fn a_linked_folder_out_of_the_root_is_not_walked() {
        let dir = project_with_escaping_link();
        let proj = dir.path().join("proj");
        std::fs::remove_file(proj.join("secret.journey")).expect("remove link");
        write(&proj.join("main.journey"), CLEAN);
        symlink(dir.path().join("outside"), proj.join("shared")).expect("symlink");
        let run = journeyc(&proj, &["check", "."]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(run.stderr.contains("E0011"), "{}", run.stderr);
        assert!(run.stderr.contains("shared"), "{}", run.stderr);
        assert_not_shown(&run);
    }

    fn mkfifo(path: &Path) {
        let status = Command::new("mkfifo")
            .arg(path)
            .status()
            .expect("mkfifo runs");
        assert!(status.success(), "mkfifo {}", path.display());
    }

    #[test]
    fn an_imported_fifo_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        mkfifo(&dir.path().join("pipe.journey"));
        write(
            &dir.path().join("main.journey"),
            format!("import \"pipe.journey\"\n{CLEAN}"),
        );
        for args in [&["check", "main.journey"][..], &["build", "main.journey"]] {
            let run = journeyc(dir.path(), args);
            assert_eq!(run.code, Some(1), "{args:?}: {}", run.stderr);
            assert!(run.stderr.contains("E0010"), "{args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains("named pipe"),
                "{args:?}: {}",
                run.stderr
            );
        }
    }

    #[test]
    fn a_fifo_in_a_walked_folder_is_refused_without_blocking() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(&dir.path().join("journeys/b.journey"), CLEAN);
        mkfifo(&dir.path().join("journeys/a.journey"));
        for args in [
            &["check", "journeys"][..],
            &["fmt", "journeys"],
            &["fmt", "--check", "journeys"],
            &["build", "journeys"],
        ] {
            let run = journeyc(dir.path(), args);
            assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
            assert!(
                run.stderr.contains("named pipe"),
                "{args:?}: {}",
                run.stderr
            );
            assert!(run.stderr.contains("a.journey"), "{args:?}: {}", run.stderr);
        }
    }

    #[test]
    fn a_device_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().expect("temp dir");
        let run = journeyc(dir.path(), &["check", "/dev/zero"]);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
        // A link to it inside a project leads out of the project.
        let proj = dir.path().join("proj");
        write(&proj.join("journey.toml"), "");
        symlink("/dev/zero", proj.join("zero.journey")).expect("symlink");
        write(
            &proj.join("main.journey"),
            format!("import \"zero.journey\"\n{CLEAN}"),
        );
        let run = journeyc(&proj, &["check", "main.journey"]);
        assert_eq!(run.code, Some(1), "{}", run.stderr);
        assert!(run.stderr.contains("E0011"), "{}", run.stderr);
        // A device inside the root (the root is `/dev` here) is not a regular file.
        let run = journeyc(dir.path(), &["fmt", "/dev/zero"]);
        assert_eq!(run.code, Some(2), "{}", run.stderr);
        assert!(run.stderr.contains("not a regular file"), "{}", run.stderr);
    }

    #[test]
    fn a_link_inside_the_root_is_followed() {
        let dir = tempfile::tempdir().expect("temp dir");
        write(&dir.path().join("journey.toml"), "");
        write(&dir.path().join("lib/real.journey"), CLEAN);
        symlink("lib/real.journey", dir.path().join("linked.journey")).expect("symlink");
        let run = journeyc(dir.path(), &["check", "linked.journey"]);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
    }
}

#[test]
fn a_file_over_the_limit_is_too_large() {
    let dir = tempfile::tempdir().expect("temp dir");
    let big = std::fs::File::create(dir.path().join("big.journey")).expect("create");
    // Sparse: no disk space is used.
    big.set_len(journeyc::project::MAX_FILE_BYTES + 1)
        .expect("set length");
    drop(big);
    let run = journeyc(dir.path(), &["check", "big.journey"]);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("file too large: 64.0 MiB (67108865 bytes)"),
        "{}",
        run.stderr
    );
    write(
        &dir.path().join("main.journey"),
        format!("import \"big.journey\"\n{CLEAN}"),
    );
    let run = journeyc(dir.path(), &["check", "main.journey"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E0010"), "{}", run.stderr);
    assert!(run.stderr.contains("file too large"), "{}", run.stderr);
}

#[test]
fn standard_input_over_the_limit_is_too_large() {
    let dir = tempfile::tempdir().expect("temp dir");
    let input = vec![b' '; journeyc::project::MAX_FILE_BYTES as usize + 10];
    let run = journeyc_in(dir.path(), &["check", "-"], Some(&input));
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("standard input"), "{}", run.stderr);
    assert!(run.stderr.contains("file too large"), "{}", run.stderr);
}

#[test]
fn text_that_is_not_utf8_is_a_located_diagnostic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = b"event signed_up\n// caf".to_vec();
    bytes.push(0xe9); // `é` in Latin-1
    bytes.extend_from_slice(b"\nevent\n");
    write(&dir.path().join("latin1.journey"), &bytes);
    let run = journeyc(dir.path(), &["check", "latin1.journey"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E0004"), "{}", run.stderr);
    assert!(
        run.stderr.contains("[latin1.journey:2:7]"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("0xe9"), "{}", run.stderr);
    // The rest of the file is still checked: the unfinished `event` is a syntax error.
    assert!(run.stderr.contains("E0001"), "{}", run.stderr);
    let json = journeyc(
        dir.path(),
        &["check", "--message-format", "json", "latin1.journey"],
    );
    let first = json.stdout.lines().next().unwrap_or_default();
    let d: serde_json::Value = serde_json::from_str(first).expect("a JSON line");
    assert_eq!(d["code"], "E0004");
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(7))
    );
    // Imported, it is a diagnostic in the imported file.
    write(
        &dir.path().join("main.journey"),
        format!("import \"latin1.journey\"\n{CLEAN}"),
    );
    let run = journeyc(dir.path(), &["check", "main.journey"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr.contains("[latin1.journey:2:7]"),
        "{}",
        run.stderr
    );
    // `fmt` leaves it alone.
    let run = journeyc(dir.path(), &["fmt", "latin1.journey"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("E0004"), "{}", run.stderr);
    let after = std::fs::read(dir.path().join("latin1.journey")).expect("read");
    assert_eq!(after, bytes, "fmt changed a file that is not UTF-8");
}

#[test]
fn control_characters_are_escaped_in_messages() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&dir.path().join("nul.journey"), "event a\0b\n");
    let run = journeyc(dir.path(), &["check", "nul.journey"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let message = run
        .stderr
        .lines()
        .find(|l| l.contains("found"))
        .unwrap_or_default();
    assert!(message.contains("found `\\u{0}`"), "{}", run.stderr);
    assert!(!message.contains('\0'), "a raw NUL in {message:?}");
    // A terminal escape in a test's name is shown escaped too.
    write(
        &dir.path().join("esc.journey"),
        format!("{CLEAN}\ntest \"red \u{1b}[31m\" {{\n  journey onboarding_flow\n}}\n"),
    );
    let run = journeyc(dir.path(), &["check", "esc.journey"]);
    let message = run
        .stderr
        .lines()
        .find(|l| l.contains("sends no events"))
        .unwrap_or_default();
    assert!(message.contains("red \\u{1b}[31m"), "{}", run.stderr);
    assert!(!message.contains('\u{1b}'), "a raw escape in {message:?}");
}

#[test]
fn a_build_removes_temporary_files_left_by_a_killed_build() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(&dir.path().join("a.journey"), CLEAN);
    // The id of a process that has ended.
    let mut gone = Command::new("true").spawn().expect("spawn");
    let pid = gone.id();
    gone.wait().expect("wait");
    let dist = dir.path().join("dist");
    let stale = dist.join(format!(".onboarding_flow.json.{pid}.tmp"));
    write(&stale, "{\"half\": ");
    // Not journeyc's temporary files, or not a spec's: left alone.
    let others = [
        dist.join(".notes.tmp"),
        dist.join(".onboarding_flow.json.x1.tmp"),
        dist.join("onboarding_flow.json.123.tmp"),
        dist.join(".readme.md.123.tmp"),
    ];
    for o in &others {
        write(o, "keep");
    }
    let check = journeyc(dir.path(), &["build", "--check"]);
    assert!(
        check
            .stderr
            .contains(&format!(".onboarding_flow.json.{pid}.tmp")),
        "{}",
        check.stderr
    );
    assert!(stale.exists(), "build --check removed a file");
    let run = journeyc(dir.path(), &["build"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(!stale.exists(), "the stale temporary file is still there");
    assert!(run.stderr.contains("removed"), "{}", run.stderr);
    for o in &others {
        assert!(o.exists(), "{} was removed", o.display());
    }
    assert!(dist.join("onboarding_flow.json").exists());
}

#[test]
fn dash_reads_standard_input() {
    let dir = tempfile::tempdir().expect("temp dir");
    let run = journeyc_in(dir.path(), &["check", "-"], Some(CLEAN.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("checked 1 file"), "{}", run.stderr);
    let broken = CLEAN.replace("trigger signed_up", "trigger signed_upp");
    let run = journeyc_in(dir.path(), &["check", "-"], Some(broken.as_bytes()));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("[<stdin>:8:11]"), "{}", run.stderr);
    // Imports resolve from the working directory.
    write(&dir.path().join("lib/events.journey"), "event signed_up\n");
    let importing = format!(
        "import \"lib/events.journey\"\n{}",
        CLEAN.replace("event signed_up\n", "")
    );
    let run = journeyc_in(dir.path(), &["check", "-"], Some(importing.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // fmt: formatted text on stdout; --check says whether it would change.
    let messy = CLEAN.replace("event signed_up", "event   signed_up");
    let run = journeyc_in(dir.path(), &["fmt", "-"], Some(messy.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert_eq!(run.stdout, CLEAN);
    let run = journeyc_in(dir.path(), &["fmt", "--check", "-"], Some(messy.as_bytes()));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let run = journeyc_in(dir.path(), &["fmt", "--check", "-"], Some(CLEAN.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    // The commands that compile.
    let run = journeyc_in(dir.path(), &["graph", "-"], Some(CLEAN.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("onboarding_flow"), "{}", run.stdout);
    let run = journeyc_in(
        dir.path(),
        &["build", "--stdout", "-"],
        Some(CLEAN.as_bytes()),
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("\"onboarding_flow\""), "{}", run.stdout);
    let run = journeyc_in(dir.path(), &["test", "-"], Some(CLEAN.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("running 0 tests"), "{}", run.stdout);
    let simulated =
        format!("{CLEAN}\nsimulation small {{\n  journey onboarding_flow\n  customers 10\n}}\n");
    let run = journeyc_in(dir.path(), &["simulate", "-"], Some(simulated.as_bytes()));
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout.contains("10 customers"), "{}", run.stdout);
}
