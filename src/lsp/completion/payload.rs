//! Completion inside `with { ... }` of `send T` and `expect sent T`: the fields of T's `data`
//! not given yet in that block.

use super::Completer;
use lsp_types::{CompletionItem, CompletionItemKind};

impl Completer<'_> {
    pub(super) fn payload_fields(&self) -> Vec<CompletionItem> {
        let Some(open) = self.open_braces().last().copied() else {
            return Vec::new();
        };
        let Some(touchpoint) = open
            .checked_sub(2)
            .and_then(|i| self.toks.get(i))
            .map(|t| t.text)
        else {
            return Vec::new();
        };
        let Some(data) = self
            .model
            .touchpoints
            .get(touchpoint)
            .and_then(|t| t.data.as_ref())
        else {
            return Vec::new();
        };
        let given: Vec<&str> = self.toks[open..]
            .windows(2)
            .filter(|w| w[1].text == "=")
            .map(|w| w[0].text)
            .collect();
        data.fields
            .iter()
            .filter(|(f, _, _)| !given.contains(&f.as_str()))
            .map(|(f, ty, _)| CompletionItem {
                label: f.clone(),
                kind: Some(CompletionItemKind::FIELD),
                detail: Some(format!(
                    "{f}: {} (data of {touchpoint})",
                    ty.as_ref().map_or("?".to_string(), |t| t.name())
                )),
                ..Default::default()
            })
            .collect()
    }
}
