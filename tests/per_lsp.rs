//! The language server and `journey NAME per FIELD`: hover on the journey says `per FIELD`,
//! completion after `per` offers the trigger event's fields that can key it, and renaming the
//! trigger's field renames `per FIELD`.

use journeyc::lsp::{analysis::Analysis, completion, documents::Documents, hover, rename, uri};
use std::path::{Path, PathBuf};

const TEXT: &str = "event placed { order_id: string, total: decimal, tier: tier }\nenum tier { a, b }\nevent viewed { page: string }\nchannel email\ntouchpoint confirm { channel email  template \"c\" }\n\njourney orders per order_id {\n  trigger placed\n  entry always\n  onboarding { send confirm }\n}\n";

fn analyse(path: &Path, text: &str) -> Analysis {
    let mut docs = Documents::default();
    docs.open(
        path.to_path_buf(),
        uri::from_path(path).expect("uri"),
        text.to_string(),
    );
    Analysis::of(path, &docs)
}

fn path(dir: &tempfile::TempDir) -> PathBuf {
    journeyc::project::normalize(&dir.path().join("orders.journey"))
}

#[test]
fn hover_on_a_keyed_journey_says_per_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = path(&dir);
    let a = analyse(&p, TEXT);
    let f = a.file_id(&p).expect("loaded");
    let offset = TEXT.find("journey orders").expect("journey") + "journey o".len();
    let text = match hover::hover(&a, f, offset).map(|h| h.contents) {
        Some(lsp_types::HoverContents::Markup(m)) => m.value,
        other => panic!("no hover: {other:?}"),
    };
    assert!(
        text.starts_with("**journey** `orders` per `order_id`"),
        "{text}"
    );
}

#[test]
fn completion_after_per_offers_the_trigger_events_key_fields() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = path(&dir);
    let text = TEXT.replace("per order_id {", "per  {");
    let a = analyse(&p, &text);
    let f = a.file_id(&p).expect("loaded");
    let model = a
        .units_of(f)
        .next()
        .map(|u| u.model.clone())
        .unwrap_or_default();
    let offset = text.find("per  {").expect("per") + "per ".len();
    let labels: Vec<String> = completion::complete(&text, offset, &model)
        .into_iter()
        .map(|i| i.label)
        .collect();
    // The string and the enum field of `placed`; not the decimal, not another event's field.
    assert_eq!(labels, ["order_id", "tier"]);
}

// `WorkspaceEdit::changes` is lsp-types' `HashMap<Uri, _>`; its URIs are never mutated.
#[allow(clippy::mutable_key_type)]
#[test]
fn renaming_the_trigger_field_renames_per_field() {
    let dir = tempfile::tempdir().expect("temp dir");
    let p = path(&dir);
    let a = analyse(&p, TEXT);
    let f = a.file_id(&p).expect("loaded");
    let offset = TEXT.find("order_id: string").expect("field") + 2;
    let edit = rename::rename(&a, f, offset, "order").expect("a rename");
    let changes = edit.changes.expect("changes");
    let edits: Vec<usize> = changes
        .values()
        .flatten()
        .map(|e| e.range.start.line as usize)
        .collect();
    let mut lines = edits.clone();
    lines.sort();
    // The declaration (line 0) and `journey orders per order_id` (line 6).
    assert_eq!(lines, [0, 6], "{changes:?}");
    // And from `per FIELD` itself.
    let offset = TEXT.find("per order_id").expect("per") + "per o".len();
    let edit = rename::rename(&a, f, offset, "order").expect("a rename from per");
    assert_eq!(edit.changes.expect("changes").values().flatten().count(), 2);
}

#[test]
fn the_outline_says_a_journey_is_keyed() {
    let (module, _) = journeyc::syntax::parse(journeyc::source::FileId(0), TEXT);
    let symbols = journeyc::lsp::outline::outline(TEXT, &module);
    let journey = symbols
        .iter()
        .find(|s| s.name == "orders")
        .expect("the journey in the outline");
    assert_eq!(journey.detail.as_deref(), Some("journey per order_id"));
}
