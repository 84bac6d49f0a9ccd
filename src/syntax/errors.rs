//! Syntax errors in words a journey author understands.

use super::Rule;
use crate::diagnostics::{codes, Diagnostic};
use crate::source::{escape_controls, FileId, Span};
use pest::error::{ErrorVariant, InputLocation};

/// What a rule is called in an error message. One exhaustive match, so a new rule cannot be
/// added to the grammar without a name here.
fn describe(rule: Rule) -> &'static str {
    match rule {
        Rule::EOI => "end of file",
        Rule::WHITESPACE | Rule::line_comment | Rule::block_comment | Rule::trivia => {
            "a comment"
        }
        Rule::file | Rule::single_item | Rule::item | Rule::top_keyword => {
            "an item (`import`, `enum`, `customer`, `event`, `channel`, `touchpoint`, `journey`, `test` or `simulation`)"
        }
        Rule::ident_char | Rule::ident => "a name like `welcome`",
        Rule::onboarding_ref | Rule::section_ref => "`onboarding`",
        Rule::keyword => "a keyword",
        Rule::string | Rule::string_inner => "a string like \"welcome-v2\"",
        Rule::escape => "an escape like `\\n` or `\\\"`",
        Rule::digits | Rule::integer => "a whole number like `3`",
        Rule::date => "a date like `2026-12-01`",
        Rule::time => "a time of day like `21:00`",
        Rule::datetime => "an instant like `2026-03-08T15:00:00-05:00`",
        Rule::wait_until => "a `wait until DATETIME`",
        Rule::until_kw => "`until`",
        Rule::up_kw => "`up`",
        Rule::to_kw => "`to`",
        Rule::pop_now_range => "a range of datetimes like `now + 2d..10d`",
        Rule::now_kw => "`now`",
        Rule::duration => "a duration like `3d`",
        Rule::percent => "a percentage like `45%`",
        Rule::decimal => "a decimal like `9.99`",
        Rule::bool_lit => "`true` or `false`",
        // A negative number is a value too: the message stays the one it was before `-5` was one.
        Rule::literal | Rule::literal_or_name | Rule::neg_number => {
            "a value (a number, string, duration, date, or name)"
        }
        Rule::import_decl => "an `import`",
        Rule::enum_decl => "an `enum`",
        Rule::customer_decl => "a `customer` block",
        Rule::attr_decl => "an attribute like `seats: int = 1`",
        Rule::type_name => "a type (`string`, `int`, `decimal`, `bool`, `duration`, `date`, `time`, `timezone` or an enum)",
        Rule::event_decl => "an `event`",
        Rule::event_log_name => "`as \"Log Name\"`, the name event logs give the event",
        Rule::field_decl => "a field like `plan: plan`",
        Rule::channel_decl => "a `channel`",
        Rule::channel_prop | Rule::cap_prop | Rule::quiet_prop | Rule::consent_prop => {
            "a channel setting (`cap 3 per 1d`, `quiet 21:00..08:00` or `consent ATTRIBUTE`)"
        }
        Rule::zone_local => "`local` (in the customer's time zone)",
        Rule::expect_local => "a local time like `08:00 local` or `2026-03-09 08:00 local`",
        Rule::touchpoint_decl => "a `touchpoint`",
        Rule::touchpoint_prop
        | Rule::tp_channel
        | Rule::tp_template
        | Rule::tp_subject
        | Rule::tp_converts
        | Rule::tp_requires
        | Rule::req_event
        | Rule::tp_transactional => {
            "a touchpoint setting (`channel`, `template`, `subject`, `converts`, `requires` or `transactional`)"
        }
        Rule::tp_data | Rule::data_kw => "`data { FIELD: TYPE, ... }`",
        Rule::send_with | Rule::with_kw | Rule::expect_with => "`with { FIELD = VALUE, ... }`",
        Rule::payload_field => "a payload field like `carrier = event.carrier`",
        Rule::journey_decl => "a `journey`",
        Rule::journey_part => {
            "a journey part (`trigger`, `entry`, `priority`, `exclusive`, `goal`, `exit on`, `onboarding`, `stage` or `upgrade`)"
        }
        Rule::priority | Rule::priority_kw | Rule::minus_sign => "a `priority N` (a whole number; higher goes first)",
        Rule::exclusive | Rule::exclusive_kw => "an `exclusive GROUP`",
        Rule::journey_per | Rule::per_kw => "`per FIELD` (a field of the trigger event)",
        Rule::trigger => "a `trigger EVENT`",
        Rule::trigger_clock | Rule::every_kw => "a `trigger every DAY HH:MM`",
        Rule::trigger_when | Rule::when_kw | Rule::when_not_cond => "a `trigger when CONDITION`",
        Rule::test_identify => "`customer { ATTRIBUTE = VALUE, ... }`",
        Rule::wait_clock => "a `wait until [DAY] HH:MM`",
        Rule::clock_time | Rule::clock_day => "a time like `monday 09:00` or `09:00`",
        Rule::where_clause | Rule::goal_where => "`where CONDITION`",
        Rule::entry | Rule::entry_rule | Rule::entry_once | Rule::entry_always | Rule::entry_every => {
            "an entry rule (`once`, `always` or `every 30d`)"
        }
        Rule::goal => "a `goal EVENT within DURATION`",
        Rule::exit_on => "an `exit on EVENT`",
        Rule::onboarding => "an `onboarding` block",
        Rule::stage => "a `stage NAME { ... }`",
        Rule::upgrade => "an `upgrade ATTRIBUTE from -> to { ... }`",
        Rule::block | Rule::on_event_block => "a block `{ ... }`",
        Rule::step
        | Rule::send
        | Rule::wait_delay
        | Rule::wait_event
        | Rule::if_step
        | Rule::split
        | Rule::milestone
        | Rule::set_step
        | Rule::goto
        | Rule::exit_step => {
            "a step (`send`, `wait`, `if`, `split`, `milestone`, `set`, `goto` or `exit`)"
        }
        Rule::wait_any => "a `wait up to DURATION { on EVENT { ... } ... }`",
        // Reported only when its opening brace is missing.
        Rule::wait_branches => "`{`",
        Rule::wait_branch | Rule::on_kw => "a branch `on EVENT { ... }`",
        Rule::up_to => "`up to DURATION`",
        Rule::timeout_block => "a `timeout { ... }` block",
        Rule::else_if | Rule::else_block => "`else`",
        Rule::variant => "a split variant like `50% offer_a { ... }`",
        Rule::expr | Rule::goal_expr | Rule::primary | Rule::goal_primary | Rule::paren | Rule::prefix => {
            "a condition or value"
        }
        Rule::fcall | Rule::goal_fcall => "a function call like `opened(welcome)`",
        Rule::inner_window | Rule::outer_window => "a window like `within 7d`",
        Rule::infix
        | Rule::op_or
        | Rule::op_and
        | Rule::op_eq
        | Rule::op_ne
        | Rule::op_le
        | Rule::op_ge
        | Rule::op_lt
        | Rule::op_gt
        | Rule::op_add
        | Rule::op_sub
        | Rule::op_mul
        | Rule::op_div => "an operator (`and`, `or`, `==`, `!=`, `<`, `>`, ...)",
        Rule::op_not | Rule::op_neg => "`not`",
        Rule::postfix | Rule::in_list => "`in [ ... ]`",
        Rule::call => "a function call like `opened(welcome)`",
        Rule::event_field => "`event.FIELD`",
        Rule::trigger_field => "`trigger.FIELD`",
        Rule::test_decl => "a `test`",
        Rule::test_part
        | Rule::test_journey
        | Rule::test_customer
        | Rule::test_at
        | Rule::test_expect => "a test line (`journey`, `customer { }`, `at TIME EVENT` or `expect ...`)",
        Rule::assign => "an assignment like `plan = trial`",
        Rule::time_point => "a time like `0` or `5h`",
        Rule::expect_not => "`not`",
        Rule::expectation
        | Rule::expect_sent
        | Rule::expect_suppressed
        | Rule::expect_milestone
        | Rule::expect_reached
        | Rule::expect_converted
        | Rule::expect_exited => {
            "an expectation (`sent`, `suppressed`, `milestone`, `reached`, `converted` or `exited`)"
        }
        Rule::simulation_decl => "a `simulation`",
        Rule::sim_part
        | Rule::sim_journey
        | Rule::sim_journeys
        | Rule::sim_all
        | Rule::sim_customers
        | Rule::sim_seed
        | Rule::sim_trigger
        | Rule::sim_population
        | Rule::sim_behavior => {
            "a simulation setting (`journey`, `customers`, `seed`, `trigger`, `population` or `behavior`)"
        }
        Rule::pop_assign => "a population line like `plan = trial`",
        Rule::rule_fields => "the event's fields, like `{ plan = pro 80% | team 20% }`",
        Rule::pop_value | Rule::pop_choices | Rule::pop_choice | Rule::pop_range => {
            "a value, a range like `1..20`, or choices like `\"US\" 60% | \"DE\" 40%`"
        }
        Rule::behavior_rule | Rule::behavior_subject => "a behaviour like `project_created 65% after 2h..2d`",
        Rule::timing | Rule::timing_after | Rule::timing_within => "`after DURATION` or `within DURATION`",
    }
}

/// What is at `offset`, in words (a word, a character, or the end of the file), and how many
/// bytes of the source it covers. A control character is shown escaped (`\u{0}`), never raw.
fn found_at(text: &str, offset: usize) -> (String, usize) {
    let rest = &text[offset.min(text.len())..];
    let Some(first) = rest.chars().next() else {
        return ("end of file".to_string(), 1);
    };
    if first.is_ascii_alphanumeric() || first == '_' {
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '%')
            .take(40)
            .collect();
        let width = word.len();
        (format!("`{word}`"), width)
    } else if first == '\n' || first == '\r' {
        ("end of line".to_string(), 1)
    } else {
        let shown = escape_controls(first.encode_utf8(&mut [0; 4])).into_owned();
        (format!("`{shown}`"), first.len_utf8())
    }
}

/// Rules that are parts of an expression: when several are expected at once, the message says
/// "a condition or value" instead of listing each.
fn is_expression_part(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::expr
            | Rule::goal_expr
            | Rule::primary
            | Rule::goal_primary
            | Rule::paren
            | Rule::call
            | Rule::fcall
            | Rule::goal_fcall
            | Rule::event_field
            | Rule::trigger_field
            | Rule::literal
            | Rule::op_not
            | Rule::op_neg
            | Rule::prefix
    )
}

/// Rules for whole items, which pest reports as "expected" while inside one.
fn is_declaration(rule: Rule) -> bool {
    matches!(
        rule,
        Rule::import_decl
            | Rule::enum_decl
            | Rule::customer_decl
            | Rule::event_decl
            | Rule::channel_decl
            | Rule::touchpoint_decl
            | Rule::journey_decl
            | Rule::test_decl
            | Rule::simulation_decl
    )
}

/// What was expected at the farthest point the parser reached, in words.
fn rules_named_value(words: &[String]) -> bool {
    words.iter().any(|w| w == describe(Rule::neg_number))
}

fn expected_words(err: &pest::error::Error<Rule>, at: usize) -> Vec<String> {
    let mut rules: Vec<Rule> = Vec::new();
    let mut tokens: Vec<String> = Vec::new();
    if let Some(attempts) = err.parse_attempts().filter(|a| a.max_position == at) {
        let mut parents = Vec::new();
        for stack in attempts.call_stacks() {
            match (stack.deepest.get_rule(), stack.parent) {
                (Some(r), _) => rules.push(*r),
                (None, Some(parent)) => parents.push(parent),
                (None, None) => {}
            }
        }
        for t in attempts.expected_tokens() {
            // The token type is not exported; its text is enough.
            let token = t.to_string();
            let noise = token
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .is_empty()
                || token == "//"
                || token == "/*"
                || token == "BUILTIN_RULE";
            if !(noise || token.len() > 2 && token.contains("..")) {
                tokens.push(format!("`{token}`"));
            }
        }
        // A rule named only as the parent of a literal token (`enum_decl` around a missing `,`)
        // says less than the token itself.
        if rules.is_empty() && tokens.is_empty() {
            rules = parents;
        }
        // pest names the declaration being read when what it wanted there are its keywords
        // (`channel`, `template`, `}` inside a touchpoint): the keywords say more.
        if !tokens.is_empty() && !rules.is_empty() && rules.iter().all(|r| is_declaration(*r)) {
            rules.clear();
        }
    }
    if rules.is_empty() && tokens.is_empty() {
        if let ErrorVariant::ParsingError { positives, .. } = &err.variant {
            rules.extend(positives.iter().copied());
        }
    }
    rules.retain(|r| !matches!(r, Rule::WHITESPACE | Rule::EOI | Rule::top_keyword));
    let expression = rules.iter().filter(|r| is_expression_part(**r)).count() > 1
        || rules.contains(&Rule::expr)
        || rules.contains(&Rule::goal_expr);
    let mut words: Vec<String> = Vec::new();
    for r in rules {
        if expression && (is_expression_part(r) || r == Rule::ident) {
            words.push("a condition or value".to_string());
        } else {
            words.push(describe(r).to_string());
        }
    }
    // Letters and quotes are the insides of a token a rule already describes (`d` of `3d`).
    if !words.is_empty() {
        tokens.retain(|t| {
            !t.chars()
                .any(|c| c.is_alphanumeric() || c == '_' || c == '"')
        });
    }
    // The sign that starts a negative number is part of the value already named.
    if rules_named_value(&words) {
        tokens.retain(|t| t != "`-`");
    }
    words.extend(tokens);
    words.sort();
    words.dedup();
    words
}

fn join_words(words: &[String]) -> String {
    match words.len() {
        0 => String::from("something else"),
        1 => words[0].clone(),
        n => format!("{} or {}", words[..n - 1].join(", "), words[n - 1]),
    }
}

/// The words the grammar reserves (rule `keyword`).
fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "and"
            | "or"
            | "not"
            | "in"
            | "true"
            | "false"
            | "if"
            | "else"
            | "where"
            | "within"
            | "after"
            | "timeout"
            | "send"
            | "wait"
            | "split"
            | "milestone"
            | "set"
            | "goto"
            | "exit"
            | "trigger"
            | "entry"
            | "goal"
            | "stage"
            | "onboarding"
            | "upgrade"
            | "expect"
            | "at"
            | "event"
    )
}

/// Whether `at` is the start of a line that begins a top-level item: an error there means the
/// item before it ran on.
fn starts_item(text: &str, at: usize) -> bool {
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    line_start == at && super::starts_with_top_keyword(&text[at..])
}

/// The top-level keyword opening the line of `at`, when that line is not the first of the item
/// starting at `base`: an error there usually means the item above lacks its `}` and the parser
/// read the next item as part of it.
fn inside_next_item(text: &str, base: usize, at: usize) -> Option<&str> {
    let line_start = text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1);
    if line_start <= base {
        return None;
    }
    let line = &text[line_start..];
    super::TOP_KEYWORDS
        .iter()
        .copied()
        .find(|k| super::starts_with_top_keyword(line) && line.starts_with(k))
}

/// Converts pest's error for the item starting at `base` into a diagnostic over the whole file.
pub fn syntax_error(
    file: FileId,
    text: &str,
    base: usize,
    err: &pest::error::Error<Rule>,
) -> Diagnostic {
    let mut rel = match err.location {
        InputLocation::Pos(p) => p,
        InputLocation::Span((s, _)) => s,
    };
    // pest's plain error position counts only rules; the detailed one also counts literal tokens
    // (`,`, `}`) and so lies further on. But it also records the `!ident_char` check that ends
    // every word, which is never the real failure: skip a position just past a word.
    if let Some(attempts) = err.parse_attempts() {
        let max = attempts.max_position;
        let item = &text[base.min(text.len())..];
        let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
        let after_word = item[..max.min(item.len())]
            .chars()
            .next_back()
            .is_some_and(is_word)
            && !item[max.min(item.len())..]
                .chars()
                .next()
                .is_some_and(is_word);
        if max > rel && !after_word {
            rel = max;
        }
    }
    let at = (base + rel).min(text.len());
    let (found, width) = found_at(text, at);
    let end = (at + width).min(text.len().max(at));
    let (message, label) = match &err.variant {
        ErrorVariant::ParsingError {
            positives,
            negatives,
        } if positives.is_empty() && negatives.contains(&Rule::keyword) => (
            format!("{found} is a keyword and cannot be used as a name"),
            "reserved word".to_string(),
        ),
        ErrorVariant::ParsingError { .. } => {
            let words = expected_words(err, rel);
            let wants_name = words.iter().any(|w| w == describe(Rule::ident));
            if wants_name && is_keyword(found.trim_matches('`')) {
                (
                    format!("{found} is a keyword and cannot be used as a name"),
                    "reserved word".to_string(),
                )
            } else {
                let expected = join_words(&words);
                (
                    format!("expected {expected}, found {found}"),
                    format!("expected {expected}"),
                )
            }
        }
        ErrorVariant::CustomError { message } => (message.clone(), "here".to_string()),
    };
    let help = if found == "end of file" {
        "the file ends in the middle of an item: is a closing `}` or `\"` missing?".to_string()
    } else if message.ends_with("cannot be used as a name") {
        format!("choose another name: keywords such as {found} are reserved")
    } else if starts_item(text, at) {
        "the item before this one is not finished: is a closing `}` missing?".to_string()
    } else if let Some(word) = inside_next_item(text, base, at) {
        format!("`{word}` at the start of this line begins a new item, but the one above is not finished: is a closing `}}` missing?")
    } else if found == "`}`" {
        "something is missing before this `}`, or there is one `}` too many".to_string()
    } else if found == "`within`" && goal_line(text, at) {
        "in a goal's condition, `within D` after the condition is the goal's window: put a history call with a window in parentheses, like `goal upgraded where (sent(offer) within 3d) within 7d`".to_string()
    } else {
        "see docs/language.md for the form of each item".to_string()
    };
    if let Some(open) = unclosed_comment(text, base, at) {
        return Diagnostic::error(codes::SYNTAX, file, "this block comment is never closed")
            .label(Span::new(open, open + 2), "opened here")
            .help("close it with `*/`");
    }
    Diagnostic::error(codes::SYNTAX, file, message)
        .label(Span::new(at, end), label)
        .help(help)
}

/// Whether the line of `at` is a `goal` line (a second `within` there is usually a history call
/// that needed parentheses).
fn goal_line(text: &str, at: usize) -> bool {
    let at = at.min(text.len());
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    text[start..at].trim_start().starts_with("goal ")
}

/// The start of a `/*` that is never closed, when it explains an error at `at`: the comment
/// opens at the error, or the error is the end of the file and the comment opened in this item.
fn unclosed_comment(text: &str, base: usize, at: usize) -> Option<usize> {
    let open = if text.get(at..)?.starts_with("/*") {
        at
    } else if at >= text.len() {
        base + text.get(base..)?.rfind("/*")?
    } else {
        return None;
    };
    (!text[open + 2..].contains("*/")).then_some(open)
}
