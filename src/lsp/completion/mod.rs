//! Completion in context: touchpoints after `send`, events after `wait`, `trigger`, `goal`,
//! `exit on` and a wait's branch `on`, attributes after `set` and in conditions, enum values where an enum attribute is
//! compared or assigned, fields after `event.`, and otherwise the keywords that fit where the
//! cursor is. Names come from the checked model of the file's unit; the context comes from the
//! text (see [`super::context`]), since the item being typed does not parse yet.

mod clock;
mod items;
mod payload;

use super::context::{depth, item_bounds, tokens, Token, TOP_KEYWORDS};
use crate::check::{Model, Type};
use items::*;
use lsp_types::{CompletionItem, CompletionItemKind};

const JOURNEY_KEYWORDS: &[&str] = &[
    "trigger",
    "entry",
    "priority",
    "exclusive",
    "goal",
    "exit on",
    "onboarding",
    "stage",
    "upgrade",
];
const STEP_KEYWORDS: &[&str] = &[
    "send",
    "wait",
    "if",
    "else",
    "split",
    "milestone",
    "set",
    "goto",
    "exit",
    "timeout",
];
const EXPR_KEYWORDS: &[&str] = &["and", "or", "not", "in", "true", "false"];
const FUNCTIONS: &[&str] = &["sent", "opened", "clicked"];
/// The history functions, whose argument is an event (`sent(T) within D` reads a touchpoint).
const HISTORY_FUNCTIONS: &[&str] = &["happened", "count"];

/// Completion items for the cursor at byte `offset` of `text`.
pub fn complete(text: &str, offset: usize, model: &Model) -> Vec<CompletionItem> {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let (item_start, item_end) = item_bounds(text, offset);
    let before = &text[item_start..offset];
    // The word being typed is what the client filters on; the context is what precedes it.
    let partial = before
        .bytes()
        .rev()
        .take_while(|b| super::context::is_word_byte(*b))
        .count();
    let toks = tokens(&before[..before.len() - partial]);
    let whole = tokens(&text[item_start..item_end]);
    let c = Completer {
        model,
        toks: &toks,
        whole: &whole,
    };
    c.items()
}

struct Completer<'a> {
    model: &'a Model,
    /// The tokens of the item before the cursor (without the word being typed).
    toks: &'a [Token<'a>],
    /// The tokens of the whole item, for names declared after the cursor (stages).
    whole: &'a [Token<'a>],
}

impl Completer<'_> {
    /// The `n`th token before the cursor (0 = the last).
    fn back(&self, n: usize) -> &str {
        self.toks
            .len()
            .checked_sub(n + 1)
            .and_then(|i| self.toks.get(i))
            .map_or("", |t| t.text)
    }

    fn item_kind(&self) -> &str {
        self.toks.first().map_or("", |t| t.text)
    }

    fn items(&self) -> Vec<CompletionItem> {
        let m = self.model;
        let last = self.back(0);
        let prev = self.back(1);
        if self.toks.is_empty() {
            return keywords(TOP_KEYWORDS);
        }
        if last == "." && prev == "event" {
            return self.fields();
        }
        // `trigger.FIELD`: the fields of the journey's trigger event (the nearest `trigger E`
        // before the cursor).
        if last == "." && prev == "trigger" {
            let trigger = self
                .toks
                .windows(2)
                .rev()
                .find(|w| w[0].text == "trigger" && self.model.events.contains_key(w[1].text))
                .map(|w| w[1].text.to_string());
            return match trigger {
                Some(e) => self.fields_of(&e),
                None => self.fields(),
            };
        }
        if let Some(words) = self.after_clock_time() {
            return keywords(words);
        }
        match last {
            // `wait until [DAY] HH:MM`, `trigger every DAY HH:MM`.
            "until" if prev == "wait" => return clock::days(false),
            "every" if prev == "trigger" => return clock::days(true),
            "send" => return touchpoints(m),
            // `journey NAME per FIELD`: the fields of the trigger event.
            "per" if self.item_kind() == "journey" && self.toks.len() == 3 => {
                return self.key_fields()
            }
            // A simulation's `trigger` opens a block of fields, not an event name.
            "trigger" if self.item_kind() == "simulation" => return Vec::new(),
            // `send T with { ... }`, `expect sent T with { ... }` for a touchpoint with data.
            t if matches!(prev, "send" | "sent")
                && m.touchpoints.get(t).is_some_and(|tp| tp.data.is_some()) =>
            {
                return keywords(&["with"])
            }
            // `wait until DATETIME` next to the events a wait can take.
            "wait" => {
                let mut out = events(m);
                out.push(item(
                    "until".to_string(),
                    CompletionItemKind::KEYWORD,
                    "wait until DATETIME: until that instant (`wait until next_appointment - 24h`)",
                ));
                return out;
            }
            // `trigger E`, or an entry without an event: `trigger every ...`, `trigger when COND`.
            "trigger" if self.item_kind() == "journey" => {
                let mut out = events(m);
                out.push(item(
                    "every".to_string(),
                    CompletionItemKind::KEYWORD,
                    "trigger every DAY HH:MM: on a schedule, for every known customer",
                ));
                out.push(item(
                    "when".to_string(),
                    CompletionItemKind::KEYWORD,
                    "trigger when COND: when an identify makes the condition true",
                ));
                return out;
            }
            // `trigger when COND`: attributes only (E0225).
            "when" if prev == "trigger" && !m.events.contains_key("when") => return attributes(m),
            "trigger" | "goal" | "converts" | "requires" => return events(m),
            // `exit on E`, and a branch `on E { ... }` of `wait up to D { ... }`.
            "on" if prev == "exit" || self.in_wait_branches() => return events(m),
            "," if self.in_requires() => return events(m),
            "set" => return attributes(m),
            "goto" => return self.stages(),
            "reached" if matches!(prev, "expect" | "not") => return self.stages(),
            "sent" | "suppressed" if matches!(prev, "expect" | "not") => return touchpoints(m),
            "milestone" if matches!(prev, "expect" | "not") => return self.milestones(),
            "(" if FUNCTIONS.contains(&prev) => return touchpoints(m),
            // History: `happened(E) within D`, `count(E within D)`.
            "(" if HISTORY_FUNCTIONS.contains(&prev) => return events(m),
            ")" if self.history_call_closed() => return keywords(&["within", "and", "or"]),
            "channel" if self.item_kind() == "touchpoint" => return channels(m),
            "journey" if matches!(self.item_kind(), "test" | "simulation") => return journeys(m),
            "upgrade" => return enum_attributes(m),
            "after" if self.item_kind() == "simulation" => return touchpoints(m),
            ":" if matches!(self.item_kind(), "customer" | "event" | "touchpoint") => {
                return types(m)
            }
            "->" => return self.enum_values_of_attr(self.back(2)),
            "expect" => {
                return keywords(&[
                    "sent",
                    "suppressed",
                    "milestone",
                    "reached",
                    "converted",
                    "exited",
                    "not",
                ])
            }
            _ => {}
        }
        if prev == "upgrade" {
            return self.enum_values_of_attr(last);
        }
        // `quiet 21:00..08:00 local`, `expect sent T at [DATE] 08:00 local`: after a time of day.
        // The tokens split a time at its colon: `08`, `:`, `00`.
        let after_time = is_digits(last) && prev == ":" && is_digits(self.back(2));
        if after_time && (self.back(3) == ".." || self.item_kind() == "test") {
            let mut out = keywords(&["local"]);
            if self.item_kind() == "channel" {
                out.extend(keywords(&["cap", "quiet", "consent"]));
            }
            return out;
        }
        if prev == "(" && self.back(2) == "count" {
            return keywords(&["within"]);
        }
        if self.item_kind() == "simulation" && matches!(last, "=" | "|") {
            // A draw line (`plan = pro 80% | `): the values of the attribute or field it draws.
            let Some(eq) = self.toks.iter().rposition(|t| t.text == "=") else {
                return Vec::new();
            };
            let name = eq
                .checked_sub(1)
                .and_then(|i| self.toks.get(i))
                .map_or("", |t| t.text);
            let ty = match self.sim_field_event() {
                Some(event) => self.model.field_type(&event, name),
                None => self.model.attr_type(name),
            };
            return match ty {
                Some(Type::Enum(e)) => enum_values(self.model, e),
                _ => Vec::new(),
            };
        }
        if matches!(last, "==" | "!=" | "<" | "<=" | ">" | ">=" | "=") {
            let mut out = self.values_for(self.toks.len().saturating_sub(2));
            if last == "=" && matches!(self.item_kind(), "customer" | "test" | "simulation") {
                return out;
            }
            out.extend(self.expression());
            return out;
        }
        if matches!(last, "[" | ",") {
            if let Some(i) = self.open_list_operand() {
                let mut out = self.values_for(i);
                out.extend(self.expression());
                return out;
            }
        }
        if matches!(
            last,
            "where" | "if" | "and" | "or" | "not" | "(" | "+" | "-" | "*" | "/"
        ) {
            return self.expression();
        }
        let d = depth(self.toks);
        // Lists inside a block: test customers and populations name attributes, behaviour
        // rules name events, a test's `at T EVENT { ... }` names the event's fields.
        let head = self.block_head();
        if head == "with" {
            return self.payload_fields();
        }
        if self.item_kind() == "simulation" {
            if let Some(event) = self.sim_field_event() {
                return self.fields_of(&event);
            }
        }
        match (self.item_kind(), head) {
            ("test", "customer") | ("simulation", "population") => return attributes(m),
            ("simulation", "behavior") => {
                let mut out = events(m);
                out.extend(keywords(&["opened", "clicked"]));
                return out;
            }
            ("test", event) if m.events.contains_key(event) => {
                return self.fields_of(event);
            }
            _ => {}
        }
        if self.in_wait_branches() {
            return keywords(&["on"]);
        }
        match (self.item_kind(), d) {
            (_, 0) => keywords(TOP_KEYWORDS),
            ("journey", 1) => keywords(JOURNEY_KEYWORDS),
            ("journey", _) => keywords(STEP_KEYWORDS),
            ("touchpoint", _) => keywords(&[
                "channel",
                "template",
                "subject",
                "converts",
                "requires",
                "transactional",
                "data",
            ]),
            ("channel", _) => keywords(&["cap", "quiet", "consent"]),
            ("test", _) => keywords(&["journey", "customer", "at", "expect"]),
            ("simulation", 1) => keywords(&[
                "journey",
                "customers",
                "seed",
                "trigger",
                "population",
                "behavior",
            ]),
            _ => Vec::new(),
        }
    }

    /// Indices of the `{` still open at the cursor, outermost first.
    fn open_braces(&self) -> Vec<usize> {
        let mut open: Vec<usize> = Vec::new();
        for (i, t) in self.toks.iter().enumerate() {
            match t.text {
                "{" => open.push(i),
                "}" => {
                    open.pop();
                }
                _ => {}
            }
        }
        open
    }

    /// In a simulation, the event whose fields the brace block at the cursor draws: the
    /// journey's trigger event in `trigger { ... }`, the rule's event in a behaviour rule's
    /// field block.
    fn sim_field_event(&self) -> Option<String> {
        let open = self.open_braces();
        let inner = *open.last()?;
        let head = self.toks.get(inner.checked_sub(1)?)?.text;
        if head == "trigger" {
            let journey = self
                .whole
                .windows(2)
                .find(|w| w[0].text == "journey" && is_name(w[1].text))?[1]
                .text;
            let t = self.model.journeys.get(journey)?.trigger()?;
            return Some(t.event.name.clone());
        }
        let outer = *open.iter().rev().nth(1)?;
        if self.toks.get(outer.checked_sub(1)?)?.text != "behavior" {
            return None;
        }
        // The rule's subject is the name just before its rate (`upgraded 40% ...`).
        let is_rate = |i: usize| {
            let t = self.toks.get(i).map_or("", |t| t.text);
            t.ends_with('%') || self.toks.get(i + 1).is_some_and(|n| n.text == "%")
        };
        let subject = (outer + 1..inner).rev().find(|i| is_rate(i + 1))?;
        let name = self.toks.get(subject)?.text;
        self.model
            .events
            .contains_key(name)
            .then(|| name.to_string())
    }

    /// The token before the innermost `{` still open at the cursor.
    fn block_head(&self) -> &str {
        self.open_braces()
            .last()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| self.toks.get(i))
            .map_or("", |t| t.text)
    }

    /// Whether the innermost open brace is that of `wait up to D {`, where branches `on E` go.
    fn in_wait_branches(&self) -> bool {
        if self.item_kind() != "journey" {
            return false;
        }
        let Some(open) = self.open_braces().last().copied() else {
            return false;
        };
        let at = |k: usize| {
            open.checked_sub(k)
                .and_then(|i| self.toks.get(i))
                .map_or("", |t| t.text)
        };
        at(4) == "wait" && at(3) == "up" && at(2) == "to"
    }

    /// Whether the cursor follows `requires A, B,` on a touchpoint.
    fn in_requires(&self) -> bool {
        let mut i = 1;
        loop {
            if !is_name(self.back(i)) {
                return false;
            }
            match self.back(i + 1) {
                "requires" => return true,
                "," => i += 2,
                _ => return false,
            }
        }
    }

    /// The values to offer after an operator whose left operand ends at token `i`: the values
    /// of its enum, when it is an enum attribute or `event.FIELD` of an enum field.
    fn values_for(&self, i: usize) -> Vec<CompletionItem> {
        let Some(t) = self.toks.get(i) else {
            return Vec::new();
        };
        let is_field = i >= 2 && self.toks[i - 1].text == "." && self.toks[i - 2].text == "event";
        let ty = if is_field {
            self.event_in_scope()
                .and_then(|e| self.model.field_type(&e, t.text))
                .or_else(|| {
                    self.model
                        .events
                        .values()
                        .find_map(|e| self.model.field_type(&e.name, t.text))
                })
        } else {
            self.model.attr_type(t.text)
        };
        match ty {
            Some(Type::Enum(e)) => enum_values(self.model, e),
            _ if self.model.enums.contains_key(t.text) => enum_values(self.model, t.text),
            _ => Vec::new(),
        }
    }

    fn enum_values_of_attr(&self, attr: &str) -> Vec<CompletionItem> {
        match self.model.attr_type(attr) {
            Some(Type::Enum(e)) => enum_values(self.model, e),
            _ => Vec::new(),
        }
    }

    /// Whether the tokens end with `sent(T)` or `happened(E)`, which a window may follow.
    fn history_call_closed(&self) -> bool {
        self.back(1) != "(" && self.back(2) == "(" && matches!(self.back(3), "sent" | "happened")
    }

    /// In `X in [a, b, ` the index of the token `X`.
    fn open_list_operand(&self) -> Option<usize> {
        let open = self.toks.iter().rposition(|t| t.text == "[")?;
        if self.toks[open..].iter().any(|t| t.text == "]") || open < 2 {
            return None;
        }
        (self.toks[open - 1].text == "in").then_some(open - 2)
    }

    fn expression(&self) -> Vec<CompletionItem> {
        let mut out = attributes(self.model);
        out.extend(FUNCTIONS.iter().map(|f| CompletionItem {
            label: f.to_string(),
            kind: Some(CompletionItemKind::FUNCTION),
            detail: Some(if *f == "sent" {
                "sent(TOUCHPOINT): bool, in this entry; sent(TOUCHPOINT) within D: by any journey in the last D".to_string()
            } else {
                format!("{f}(TOUCHPOINT): bool")
            }),
            ..Default::default()
        }));
        out.extend(
            [
                (
                    "happened",
                    "happened(EVENT) within D: bool, the event arrived in the last D",
                ),
                (
                    "count",
                    "count(EVENT within D): int, how many arrived in the last D",
                ),
            ]
            .map(|(f, detail)| CompletionItem {
                label: f.to_string(),
                kind: Some(CompletionItemKind::FUNCTION),
                detail: Some(detail.to_string()),
                ..Default::default()
            }),
        );
        out.extend(keywords(EXPR_KEYWORDS));
        out.extend(keywords(&["event"]));
        // `now`, unless an attribute or enum value of that name (listed above) takes the name.
        if !out.iter().any(|i| i.label == crate::check::model::NOW) {
            out.push(item(
                crate::check::model::NOW.to_string(),
                CompletionItemKind::CONSTANT,
                "now: datetime, the current instant",
            ));
        }
        out
    }

    /// The event `event.FIELD` reads at the cursor: the one named by the nearest `wait`,
    /// `trigger`, `goal`, `exit on` or behaviour rule before it.
    fn event_in_scope(&self) -> Option<String> {
        let t = self.toks;
        (1..t.len()).rev().find_map(|i| {
            let known = self.model.events.contains_key(t[i].text);
            // `requires E where event.F`, `requires A, B where event.F`: the event before it.
            let listed = (1..=i)
                .rev()
                .step_by(2)
                .map(|j| t[j - 1].text)
                .find(|w| *w != ",")
                == Some("requires");
            (known && (listed || matches!(t[i - 1].text, "wait" | "trigger" | "goal" | "on")))
                .then(|| t[i].text.to_string())
        })
    }

    fn fields(&self) -> Vec<CompletionItem> {
        match self.event_in_scope() {
            Some(e) => self.fields_of(&e),
            None => self
                .model
                .events
                .keys()
                .flat_map(|e| self.fields_of(e))
                .collect(),
        }
    }

    /// After `journey NAME per`: the fields of the journey's trigger event that can key it
    /// (strings, ints, enums); with no trigger written yet, those of every event.
    fn key_fields(&self) -> Vec<CompletionItem> {
        let trigger = self
            .whole
            .windows(2)
            .find(|w| w[0].text == "trigger")
            .map(|w| w[1].text.to_string());
        let events: Vec<String> = match trigger {
            Some(t) if self.model.events.contains_key(&t) => vec![t],
            _ => self.model.events.keys().cloned().collect(),
        };
        let mut out: Vec<CompletionItem> = Vec::new();
        for e in &events {
            let Some(def) = self.model.events.get(e) else {
                continue;
            };
            for (f, t) in &def.fields {
                let key = matches!(t, Type::Str | Type::Int | Type::Enum(_));
                if key && !out.iter().any(|i| i.label == *f) {
                    out.push(CompletionItem {
                        label: f.clone(),
                        kind: Some(CompletionItemKind::FIELD),
                        detail: Some(format!(
                            "{}: {} (event {}): one instance per value",
                            f,
                            t.name(),
                            def.name
                        )),
                        ..Default::default()
                    });
                }
            }
        }
        out
    }

    fn fields_of(&self, event: &str) -> Vec<CompletionItem> {
        self.model
            .events
            .get(event)
            .into_iter()
            .flat_map(|e| {
                e.fields.iter().map(move |(f, t)| CompletionItem {
                    label: f.clone(),
                    kind: Some(CompletionItemKind::FIELD),
                    detail: Some(format!("{}: {} (event {})", f, t.name(), e.name)),
                    ..Default::default()
                })
            })
            .collect()
    }

    /// Section names of the journey being typed (or the one a test names), from its text.
    fn stages(&self) -> Vec<CompletionItem> {
        let mut names: Vec<String> = Vec::new();
        if self.item_kind() == "journey" {
            for w in self.whole.windows(4) {
                match (w[0].text, w[1].text, w[2].text, w[3].text) {
                    ("stage", name, _, _) if is_name(name) => names.push(name.to_string()),
                    ("upgrade", _, from, "->") => {
                        if let Some(to) = self.whole.iter().find(|t| t.start > w[3].start) {
                            names.push(format!("upgrade_{from}_to_{}", to.text));
                        }
                    }
                    _ => {}
                }
            }
            if self.whole.iter().any(|t| t.text == "onboarding") {
                names.push("onboarding".into());
            }
        }
        let journey = self
            .toks
            .windows(2)
            .find(|w| w[0].text == "journey")
            .map(|w| w[1].text);
        if let Some(j) = journey.and_then(|j| self.model.journeys.get(j)) {
            names.extend(j.sections().map(|s| s.kind.name()));
        }
        names.sort();
        names.dedup();
        names
            .into_iter()
            .map(|n| item(n, CompletionItemKind::MODULE, "stage"))
            .collect()
    }

    fn milestones(&self) -> Vec<CompletionItem> {
        let journey = self
            .toks
            .windows(2)
            .find(|w| w[0].text == "journey")
            .map(|w| w[1].text);
        let Some(j) = journey.and_then(|j| self.model.journeys.get(j)) else {
            return Vec::new();
        };
        let mut names = Vec::new();
        for s in j.sections() {
            milestones_in(&s.body, &mut names);
        }
        names.sort();
        names.dedup();
        names
            .into_iter()
            .map(|n| item(n, CompletionItemKind::CONSTANT, "milestone"))
            .collect()
    }
}

fn is_name(t: &str) -> bool {
    t.bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
}

/// One or two digits: a part of a time of day (`08`, `00`).
fn is_digits(word: &str) -> bool {
    (1..=2).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_digit())
}
