//! `journeyc fmt`: idempotence and meaning preservation on every journey file in the repository,
//! snapshots of formatted fixtures, and the command line.

use journeyc::fmt::{comment_texts, format_source, FormatError};
use journeyc::source::FileId;
use journeyc::syntax;
use std::path::{Path, PathBuf};
use std::process::Command;

fn journey_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            journey_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "journey") {
            out.push(p);
        }
    }
}

/// Every `.journey` file under `tests/fixtures` and `examples`, whoever wrote it.
fn corpus() -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    journey_files(&root.join("tests/fixtures"), &mut files);
    journey_files(&root.join("examples"), &mut files);
    files
}

#[test]
fn formatting_is_idempotent_and_keeps_meaning_and_comments() {
    let files = corpus();
    assert!(
        files
            .iter()
            .any(|f| f.to_string_lossy().contains("fixtures/fmt")),
        "the fmt fixtures are missing"
    );
    let mut formatted_count = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let (original, diags) = syntax::parse(FileId(0), &text);
        match format_source(FileId(0), &text) {
            Err(FormatError::Syntax(_)) => {
                assert!(
                    !diags.is_empty(),
                    "{}: refused without a syntax error",
                    path.display()
                );
                continue;
            }
            Err(e) => panic!("{}: {e}", path.display()),
            Ok(once) => {
                assert!(
                    diags.is_empty(),
                    "{}: formatted despite syntax errors",
                    path.display()
                );
                let (again, diags) = syntax::parse(FileId(0), &once);
                assert!(
                    diags.is_empty(),
                    "{}: output does not parse:\n{once}",
                    path.display()
                );
                assert_eq!(original, again, "{}: meaning changed", path.display());
                assert_eq!(
                    comment_texts(&text),
                    comment_texts(&once),
                    "{}: comments changed",
                    path.display()
                );
                let twice = format_source(FileId(0), &once)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                assert_eq!(
                    once,
                    twice,
                    "{}: formatting is not idempotent",
                    path.display()
                );
                formatted_count += 1;
            }
        }
    }
    assert!(formatted_count > 0);
}

#[test]
fn formatted_fixtures() {
    insta::glob!("fixtures/fmt/*.journey", |path| {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        let out = format_source(FileId(0), &text).unwrap_or_else(|e| format!("error: {e}"));
        insta::assert_snapshot!(out);
    });
}

#[test]
fn syntax_errors_are_refused() {
    let text = "event e\njourney j {\n  trigger e\n  onboarding { send }\n}\n";
    assert!(matches!(format_source(FileId(0), text), Err(FormatError::Syntax(d)) if !d.is_empty()));
}

#[test]
fn empty_and_comment_only_files() {
    assert_eq!(format_source(FileId(0), "").ok().as_deref(), Some(""));
    assert_eq!(
        format_source(FileId(0), "\n\n  \n").ok().as_deref(),
        Some("")
    );
    assert_eq!(
        format_source(FileId(0), "  // only\n\n\n/* me */  ")
            .ok()
            .as_deref(),
        Some("// only\n\n/* me */\n")
    );
}

#[test]
fn crlf_line_ends_become_lf() {
    let out = format_source(FileId(0), "event e // c\r\nevent f\r\n").ok();
    assert_eq!(
        out.as_deref(),
        Some("event e                                // c\nevent f\n")
    );
}

/// A lone `\r` (old Mac line ends) ends a line too: the comment does not swallow `event f`.
#[test]
fn lone_cr_line_ends_become_lf() {
    let out = format_source(FileId(0), "event e\r// c\revent f\r").ok();
    assert_eq!(out.as_deref(), Some("event e\n// c\nevent f\n"));
}

// ---------------------------------------------------------------- command line

fn journeyc(args: &[&str], dir: &Path, stdin: Option<&str>) -> (i32, String, String) {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_journeyc"));
    cmd.args(args).current_dir(dir).env("NO_COLOR", "1");
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().expect("journeyc runs");
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin.unwrap_or("").as_bytes());
    }
    let out = child.wait_with_output().expect("journeyc finishes");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("journeyc-fmt-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("sub")).expect("temp dir");
    dir
}

const MESSY: &str = "event e\nchannel c{cap 1 per 1d}\n";
const TIDY: &str = "event e\n\nchannel c { cap 1 per 1d }\n";

#[test]
fn cli_check_lists_files_and_writes_nothing() {
    let dir = scratch("check");
    std::fs::write(dir.join("sub/messy.journey"), MESSY).expect("write");
    std::fs::write(dir.join("tidy.journey"), TIDY).expect("write");
    let (code, stdout, stderr) = journeyc(&["fmt", "--check"], &dir, None);
    assert_eq!(code, 1, "{stderr}");
    assert_eq!(
        stdout.trim(),
        Path::new("sub/messy.journey").display().to_string()
    );
    assert_eq!(stderr.trim(), "1 of 2 files would be reformatted");
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/messy.journey"))
            .ok()
            .as_deref(),
        Some(MESSY)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_rewrites_in_place_then_check_passes() {
    let dir = scratch("write");
    std::fs::write(dir.join("sub/messy.journey"), MESSY).expect("write");
    let (code, stdout, stderr) = journeyc(&["fmt", "sub"], &dir, None);
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
    assert_eq!(stderr.trim(), "formatted 1 file: 1 changed");
    assert_eq!(
        std::fs::read_to_string(dir.join("sub/messy.journey"))
            .ok()
            .as_deref(),
        Some(TIDY)
    );
    let (code, _, _) = journeyc(&["fmt", "--check", "sub/messy.journey"], &dir, None);
    assert_eq!(code, 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Formatting through a symbolic link rewrites the file it names and keeps the link; a file's
/// permissions survive the rewrite; a link back up the tree is walked once.
#[cfg(unix)]
#[test]
fn cli_keeps_links_permissions_and_walks_a_link_loop_once() {
    use std::os::unix::fs::{symlink, PermissionsExt};
    let dir = scratch("links");
    let real = dir.join("sub/real.journey");
    std::fs::write(&real, MESSY).expect("write");
    std::fs::set_permissions(&real, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    symlink("sub/real.journey", dir.join("link.journey")).expect("symlink");
    symlink("..", dir.join("sub/up")).expect("symlink");
    // The project root holds both, so `sub/up` stays inside it (a link out is refused).
    std::fs::write(dir.join("journey.toml"), "").expect("write");
    let (code, _, stderr) = journeyc(&["fmt", "link.journey"], &dir, None);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(std::fs::read_to_string(&real).ok().as_deref(), Some(TIDY));
    let link = std::fs::symlink_metadata(dir.join("link.journey")).expect("link");
    assert!(link.file_type().is_symlink(), "the link stays a link");
    let mode = std::fs::metadata(&real).expect("file").permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // `sub/up` leads back to the folder: `sub/real.journey` and `sub/up/link.journey` are
    // found, not `sub/up/sub/real.journey`, `sub/up/sub/up/...` and so on.
    let (code, _, stderr) = journeyc(&["fmt", "--check", "sub"], &dir, None);
    assert_eq!(
        (code, stderr.trim()),
        (0, "0 of 2 files would be reformatted")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_leaves_files_with_syntax_errors_alone() {
    let dir = scratch("syntax");
    let broken = "event e\njourney j {\n  trigger\n}\n";
    std::fs::write(dir.join("broken.journey"), broken).expect("write");
    let (code, _, stderr) = journeyc(&["fmt", "broken.journey"], &dir, None);
    assert_eq!(code, 1);
    assert!(stderr.contains("E0001"), "{stderr}");
    assert!(stderr.contains("it was not formatted"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("broken.journey"))
            .ok()
            .as_deref(),
        Some(broken)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn cli_stdin_to_stdout() {
    let dir = scratch("stdin");
    let (code, stdout, _) = journeyc(&["fmt", "--stdin"], &dir, Some(MESSY));
    assert_eq!((code, stdout.as_str()), (0, TIDY));
    let (code, stdout, _) = journeyc(&["fmt", "--stdin", "--check"], &dir, Some(MESSY));
    assert_eq!((code, stdout.trim()), (1, "<stdin>"));
    let (code, _, _) = journeyc(&["fmt", "--stdin"], &dir, Some("journey {"));
    assert_eq!(code, 1);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A comment or a line break after every token of a file that uses every construct (one kind
/// after each token, in turn, to keep the test fast): formatting must keep the comment and the
/// meaning, and be idempotent, wherever the edit is.
#[test]
fn a_comment_anywhere_is_kept() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join("tests/fixtures/fmt/every_construct.journey"))
        .expect("fixture");
    let (toks, _) = journeyc::fmt::lex::lex(&text);
    let mut failures = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let kinds = [" // c\n", " /* c */ ", "\n/* c\n   c */\n", "\n", "\n\n   "];
        for comment in [kinds[i % kinds.len()]] {
            let mut edited = text.clone();
            edited.insert_str(t.span.end, comment);
            let once = match format_source(FileId(0), &edited) {
                Ok(o) => o,
                Err(FormatError::Syntax(_)) => continue,
                Err(e) => {
                    failures.push(format!(
                        "after token {i} `{}` with {comment:?}: {e}",
                        t.text
                    ));
                    continue;
                }
            };
            match format_source(FileId(0), &once) {
                Ok(twice) if twice == once => {}
                Ok(twice) => failures.push(format!(
                    "after token {i} `{}` with {comment:?}: not idempotent\n--- once\n{once}\n--- twice\n{twice}",
                    t.text
                )),
                Err(e) => failures.push(format!("after token {i} `{}` with {comment:?}: second pass: {e}", t.text)),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
