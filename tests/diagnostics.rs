//! Fixture tests of the checker: every file in `fixtures/fail/` is snapshotted with its source
//! and the diagnostics a user would see, and must produce the code its name starts with; every
//! file in `fixtures/pass/` must check without a single error or warning.
//!
//! Only the top-level `.journey` files are fixtures; `imports/` folders hold the files they
//! import. Paths in the output are relative to the crate root (cargo runs tests there), so the
//! snapshots hold no absolute paths.

mod support;

use journeyc::check::check_project;
use journeyc::diagnostics::render::{human, HumanStyle};
use journeyc::diagnostics::{codes, Diagnostic};
use journeyc::project::{self, Project};
use journeyc::source::FileId;
use std::path::Path;

const STYLE: HumanStyle = HumanStyle {
    color: false,
    width: 80,
};

/// The path relative to the crate root, so file names in the output are relative.
fn relative(path: &Path) -> &Path {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap_or(path)
}

fn check(path: &Path) -> (Project, Vec<Diagnostic>) {
    let project = match project::load(&[relative(path).to_path_buf()]) {
        Ok(p) => p,
        Err(e) => panic!("cannot load {}: {e}", path.display()),
    };
    let diags = check_project(&project).diagnostics.into_vec();
    (project, diags)
}

fn render(project: &Project, diags: &[Diagnostic]) -> String {
    diags
        .iter()
        .map(|d| human(d, &project.sources, STYLE))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn failing_fixtures() {
    insta::glob!("fixtures/fail/*.journey", |path| {
        let (project, diags) = check(path);
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        let code = name.split('_').next().unwrap_or_default();
        assert!(
            codes::lookup(code).is_some(),
            "fixture {name} must start with a diagnostic code"
        );
        assert!(
            diags.iter().any(|d| d.code == code),
            "fixture {name} should report {code}, but reported:\n{}",
            render(&project, &diags)
        );
        let source = &project.sources.get(FileId(0)).text;
        insta::assert_snapshot!(format!(
            "{source}\n---- diagnostics ----\n\n{}",
            render(&project, &diags)
        ));
    });
}

#[test]
fn passing_fixtures() {
    insta::glob!("fixtures/pass/*.journey", |path| {
        let (project, diags) = check(path);
        assert!(
            diags.is_empty(),
            "{} should check clean, but reported:\n{}",
            path.display(),
            render(&project, &diags)
        );
    });
}

/// Every code but the run-time one has a failing fixture.
#[test]
fn every_code_has_a_failing_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/fail");
    let names: Vec<String> = std::fs::read_dir(&dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok()?.file_name().into_string().ok())
                .collect()
        })
        .unwrap_or_default();
    for (code, _) in codes::ALL {
        if *code == codes::RUNTIME_LOOP {
            continue;
        }
        assert!(
            names
                .iter()
                .any(|n| n.starts_with(&format!("{code}_")) && n.ends_with(".journey")),
            "no fixture in tests/fixtures/fail for {code}"
        );
    }
}

/// One bad item does not hide the next: three broken items give three syntax errors.
#[test]
fn syntax_errors_in_three_items_are_all_reported() {
    let text = r#"
event signed_up {
  source: string,,
}

channel email { cap three per 1d }

touchpoint welcome { channel email  template "welcome" }

journey welcome_flow {
  trigger signed_up
  onboarding { send welcome  wait }
}
"#;
    let (_, diags) = journeyc::syntax::parse(FileId(0), text);
    let syntax: Vec<&Diagnostic> = diags.iter().filter(|d| d.code == codes::SYNTAX).collect();
    assert_eq!(
        syntax.len(),
        3,
        "expected three syntax errors, got {diags:#?}"
    );
    // One per broken item, in file order.
    let lines: Vec<usize> = syntax
        .iter()
        .map(|d| text[..d.primary_span().start].lines().count())
        .collect();
    assert!(
        lines.windows(2).all(|w| w[0] < w[1]),
        "errors out of order: {lines:?}"
    );
}

fn assert_too_deep(text: &str) {
    let (_, diags) = journeyc::syntax::parse(FileId(0), text);
    assert!(
        diags
            .iter()
            .any(|d| d.code == codes::TOO_DEEP && d.is_error()),
        "expected E0002, got {:?}",
        diags.iter().map(|d| d.code).collect::<Vec<_>>()
    );
}

/// Hostile nesting is an error, not a stack overflow.
#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    const DEPTH: usize = 100_000;
    let head =
        "customer { seats: int = 1 }\nevent signed_up\njourney deep {\n  trigger signed_up where ";
    let brackets = format!(
        "{head}{}seats > 1{}\n}}\n",
        "(".repeat(DEPTH),
        ")".repeat(DEPTH)
    );
    assert_too_deep(&brackets);
    let nots = format!("{head}{}true\n}}\n", "not ".repeat(DEPTH));
    assert_too_deep(&nots);
    let lists = format!(
        "{head}seats in {}1{}\n}}\n",
        "[".repeat(DEPTH),
        "]".repeat(DEPTH)
    );
    assert_too_deep(&lists);
    let blocks = format!(
        "journey deep {{\n  onboarding {}{}\n}}\n",
        "{ if true ".repeat(DEPTH),
        "}".repeat(DEPTH)
    );
    assert_too_deep(&blocks);
    // Through the whole pipeline too.
    let project = project::load_text(Path::new("deep.journey"), &brackets);
    let checked = check_project(&project);
    assert!(checked
        .diagnostics
        .iter()
        .any(|d| d.code == codes::TOO_DEEP));
}

/// Two journeys sharing one imported file: a declaration there is "never used" only when neither
/// journey uses it, and it is reported once, not once per journey.
#[test]
fn a_shared_import_is_unused_only_where_no_importer_uses_it() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/shared");
    let files = match project::discover(&[relative(&dir).to_path_buf()]) {
        Ok(files) => files,
        Err(e) => panic!("cannot list {}: {e}", dir.display()),
    };
    let project = match project::load(&files) {
        Ok(p) => p,
        Err(e) => panic!("cannot load {}: {e}", dir.display()),
    };
    assert_eq!(project.units.len(), 2, "each journey file is its own unit");
    let diags = check_project(&project).diagnostics.into_vec();
    let messages: Vec<String> = diags.iter().map(|d| d.message.clone()).collect();
    assert_eq!(
        messages,
        ["touchpoint `unused_by_all` is never used"],
        "{}",
        render(&project, &diags)
    );
}

/// W0406's page: its wrong example warns, naming the trigger's `where` as what decides the
/// condition, and its fixed one checks clean.
#[test]
fn w0406_page_examples_warn_and_check_clean() {
    let blocks = support::code_page_examples("W0406");
    let diagnose = |text: &str| {
        let project = project::load_text(Path::new("page.journey"), text);
        let diags = check_project(&project).diagnostics.into_vec();
        render(&project, &diags)
    };
    let wrong = diagnose(&blocks[0]);
    assert!(wrong.contains("W0406"), "{wrong}");
    assert!(
        wrong.contains("this condition is always true: the branches after it never run"),
        "{wrong}"
    );
    assert!(
        wrong.contains("what `plan` can be is narrowed here"),
        "{wrong}"
    );
    assert_eq!(diagnose(&blocks[1]), "");
}
