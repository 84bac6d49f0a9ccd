//! `journeyc completions` and `journeyc man`, generated from the clap definitions.

use std::process::Command;

fn journeyc(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_journeyc"))
        .args(args)
        .output()
        .expect("journeyc runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn every_shell_gets_a_script_that_knows_the_commands() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let (code, script) = journeyc(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for word in ["check", "fmt", "explain", "message-format"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
    }
    let (code, _) = journeyc(&["completions", "tcsh"]);
    assert_eq!(code, 2);
}

#[test]
fn man_pages_are_roff() {
    let (code, page) = journeyc(&["man"]);
    assert_eq!(code, 0);
    assert!(page.contains(".TH journeyc 1"), "{page}");
    assert!(page.contains("journeyc\\-fmt(1)"), "{page}");
    let (code, page) = journeyc(&["man", "check"]);
    assert_eq!(code, 0);
    assert!(page.contains(".TH journeyc-check 1"), "{page}");
    assert!(page.contains("message\\-format"), "{page}");
    let (code, _) = journeyc(&["man", "nope"]);
    assert_eq!(code, 2);
}
