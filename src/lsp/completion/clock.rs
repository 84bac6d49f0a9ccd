//! Completion in clock times: the days after `wait until` and `trigger every` (and `day` after
//! `trigger every`), then `local` (and a trigger's `where`) after the time.

use super::items::item;
use super::Completer;
use crate::ir::clock::Weekday;
use lsp_types::{CompletionItem, CompletionItemKind};

/// The days of the week, and `day` (every day) after `trigger every`.
pub(super) fn days(every: bool) -> Vec<CompletionItem> {
    let mut out: Vec<CompletionItem> = Weekday::ALL
        .iter()
        .map(|d| {
            item(
                d.name().to_string(),
                CompletionItemKind::ENUM_MEMBER,
                "day of the week",
            )
        })
        .collect();
    if every {
        out.insert(
            0,
            item(
                "day".to_string(),
                CompletionItemKind::ENUM_MEMBER,
                "every day",
            ),
        );
    }
    out
}

impl Completer<'_> {
    /// After the time of `wait until [DAY] HH:MM` or `trigger every DAY HH:MM`, the words that
    /// may follow it.
    pub(super) fn after_clock_time(&self) -> Option<&'static [&'static str]> {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        if !(digits(self.back(0)) && self.back(1) == ":" && digits(self.back(2))) {
            return None;
        }
        let day = self.back(3);
        let k = if day == "day" || Weekday::from_name(day).is_some() {
            4
        } else {
            3
        };
        match (self.back(k), self.back(k + 1)) {
            ("until", "wait") => Some(&["local"]),
            ("every", "trigger") => Some(&["local", "where"]),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::check::Model;

    fn labels(text: &str) -> Vec<String> {
        super::super::complete(text, text.len(), &Model::default())
            .into_iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn days_follow_wait_until_and_trigger_every() {
        let wait = labels("journey j {\n  trigger a\n  onboarding {\n    wait until ");
        assert_eq!(wait.len(), 7, "{wait:?}");
        assert!(wait.contains(&"monday".to_string()) && !wait.contains(&"day".to_string()));
        let every = labels("journey j {\n  trigger every ");
        assert_eq!(every.first().map(String::as_str), Some("day"));
        assert!(every.contains(&"sunday".to_string()));
    }

    #[test]
    fn local_follows_the_time() {
        let wait = labels("journey j {\n  trigger a\n  onboarding {\n    wait until monday 09:00 ");
        assert_eq!(wait, ["local"]);
        let daily = labels("journey j {\n  trigger a\n  onboarding {\n    wait until 09:00 ");
        assert_eq!(daily, ["local"]);
        let every = labels("journey j {\n  trigger every day 18:30 ");
        assert_eq!(every, ["local", "where"]);
    }
}
