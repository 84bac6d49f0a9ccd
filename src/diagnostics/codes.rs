//! The registry of diagnostic codes. Codes are stable: a code is never reused for another
//! problem, so CI configurations and documentation can refer to them.
//!
//! `E` codes are errors, `W` codes warnings. The explanation of each code, with a wrong and a
//! fixed example, is what `journeyc explain CODE` prints.

pub struct CodeInfo {
    pub code: &'static str,
    pub title: &'static str,
    pub explanation: &'static str,
}

macro_rules! codes {
    ($($konst:ident = $code:literal, $title:literal;)*) => {
        $(pub const $konst: &str = $code;)*
        /// Every code with its one-line title, in code order.
        pub const ALL: &[(&str, &str)] = &[$(($code, $title)),*];
    };
}

codes! {
    SYNTAX = "E0001", "syntax error";
    TOO_DEEP = "E0002", "nesting too deep";
    BAD_LITERAL = "E0003", "invalid literal";
    NOT_UTF8 = "E0004", "file is not UTF-8 text";
    IMPORT_NOT_FOUND = "E0010", "imported file not found";
    IMPORT_OUTSIDE_ROOT = "E0011", "import leaves the project root";
    IMPORT_CYCLE = "E0012", "import cycle";
    UNKNOWN_EVENT = "E0101", "unknown event";
    UNKNOWN_TOUCHPOINT = "E0102", "unknown touchpoint";
    UNKNOWN_CHANNEL = "E0103", "unknown channel";
    UNKNOWN_ATTRIBUTE = "E0104", "unknown customer attribute";
    UNKNOWN_TYPE = "E0105", "unknown type";
    UNKNOWN_ENUM_VALUE = "E0106", "unknown enum value";
    UNKNOWN_STAGE = "E0107", "unknown stage";
    UNKNOWN_JOURNEY = "E0108", "unknown journey";
    UNKNOWN_FIELD = "E0109", "unknown event field";
    UNKNOWN_FUNCTION = "E0110", "unknown function";
    UNKNOWN_MILESTONE = "E0111", "unknown milestone";
    UNKNOWN_KEY_FIELD = "E0112", "`per FIELD` is not a field of the trigger event";
    KEY_FIELD_MISSING = "E0113", "an event a keyed journey matches has no key field";
    UNKNOWN_PAYLOAD_FIELD = "E0115", "unknown payload field";
    DUPLICATE_PAYLOAD_FIELD = "E0116", "payload field given twice";
    UNKNOWN_DAY = "E0117", "unknown day of the week";
    UNKNOWN_TIME_ZONE = "E0119", "unknown time zone";
    DUPLICATE = "E0120", "duplicate definition";
    DUPLICATE_PROPERTY = "E0121", "property given twice";
    MISSING_PROPERTY = "E0122", "required property missing";
    LOG_NAME_CLASH = "E0123", "two events read the same name from event logs";
    DUPLICATE_BRANCH = "E0124", "event has two branches in one wait";
    TYPE_MISMATCH = "E0200", "type mismatch";
    EVENT_FIELD_OUTSIDE_WAIT = "E0201", "`event.FIELD` used where no event was received";
    NOT_A_CONDITION = "E0202", "condition is not a bool";
    KEY_FIELD_TYPE = "E0210", "key field of a type that cannot tell instances apart";
    KEY_FIELD_MISMATCH = "E0211", "an event's key field has another type than the trigger's";
    PAYLOAD_TYPE = "E0214", "payload value of the wrong type";
    PAYLOAD_MISSING = "E0215", "payload field missing";
    PAYLOAD_WITHOUT_DATA = "E0216", "payload given to a touchpoint without data";
    SCHEDULE_READS_NON_ATTRIBUTE = "E0219", "scheduled trigger's condition reads more than attributes";
    SECOND_ZONE_ATTR = "E0224", "a second `timezone` attribute";
    WHEN_READS_NON_ATTRIBUTE = "E0225", "`trigger when` condition reads more than attributes";
    WAIT_UNTIL_NOT_DATETIME = "E0221", "`wait until` is not given a datetime";
    SPLIT_SUM = "E0300", "split shares do not sum to 100%";
    UPGRADE_DIRECTION = "E0301", "upgrade does not go up the enum's order";
    UPGRADE_NOT_ENUM = "E0302", "upgrade attribute is not an enum";
    INSTANT_LOOP = "E0303", "loop without time passing";
    REQUIRES_NOT_MET = "E0304", "required event may not have happened";
    CONSENT_NOT_CHECKED = "E0305", "consent not known on this path";
    BAD_VALUE = "E0306", "value out of range";
    EMPTY_JOURNEY = "E0307", "journey has no steps";
    HISTORY_FORM = "E0308", "history function written without its window or in the wrong form";
    SCHEDULE_WITHOUT_DAY = "E0322", "scheduled trigger without a day";
    UNREACHABLE = "W0400", "unreachable step";
    WAIT_FOREVER = "W0401", "wait without a timeout";
    CAP_EXCEEDED = "W0402", "path sends more than the channel's cap";
    GOAL_UNREACHABLE = "W0403", "goal can never be reached";
    UNUSED = "W0404", "declared but never used";
    NAMING = "W0405", "name is not snake_case";
    SHADOWED_BRANCH = "W0406", "condition is always true or always false";
    CAP_EXCEEDED_TOGETHER = "W0407", "journeys together send more than the channel's cap";
    GOAL_TAKES_WAIT = "W0408", "a goal takes the event a wait's block is for";
    LOCAL_WITHOUT_ZONE = "W0419", "`local` time with no `timezone` attribute";
    WAIT_UNTIL_UNSET = "W0417", "`wait until` reads a time that may not be set";
    WAIT_UNTIL_PAST = "W0418", "`wait until` a time that does not depend on the customer";
    WHOLE_DECIMAL_RANGE = "W0414", "a decimal range written with whole numbers draws whole numbers";
    TEST_INVALID = "E0500", "invalid test";
    SIMULATION_INVALID = "E0600", "invalid simulation";
    SHARES_SUM = "E0601", "population shares do not sum to 100%";
    RUNTIME_LOOP = "E0900", "customer took too many steps without time passing";
}

/// Looks up a code, case-insensitively.
pub fn lookup(code: &str) -> Option<(&'static str, &'static str)> {
    ALL.iter()
        .find(|(c, _)| c.eq_ignore_ascii_case(code))
        .copied()
}

/// The long explanation of a code: what `journeyc explain` prints. The texts live in
/// `docs/codes/`, where they double as the user's reference; a test checks every code has one.
pub fn explanation(code: &str) -> Option<&'static str> {
    let (code, _) = lookup(code)?;
    Some(match code {
        "E0001" => include_str!("../../docs/codes/E0001.md"),
        "E0002" => include_str!("../../docs/codes/E0002.md"),
        "E0003" => include_str!("../../docs/codes/E0003.md"),
        "E0004" => include_str!("../../docs/codes/E0004.md"),
        "E0010" => include_str!("../../docs/codes/E0010.md"),
        "E0011" => include_str!("../../docs/codes/E0011.md"),
        "E0012" => include_str!("../../docs/codes/E0012.md"),
        "E0101" => include_str!("../../docs/codes/E0101.md"),
        "E0102" => include_str!("../../docs/codes/E0102.md"),
        "E0103" => include_str!("../../docs/codes/E0103.md"),
        "E0104" => include_str!("../../docs/codes/E0104.md"),
        "E0105" => include_str!("../../docs/codes/E0105.md"),
        "E0106" => include_str!("../../docs/codes/E0106.md"),
        "E0107" => include_str!("../../docs/codes/E0107.md"),
        "E0108" => include_str!("../../docs/codes/E0108.md"),
        "E0109" => include_str!("../../docs/codes/E0109.md"),
        "E0110" => include_str!("../../docs/codes/E0110.md"),
        "E0111" => include_str!("../../docs/codes/E0111.md"),
        "E0112" => include_str!("../../docs/codes/E0112.md"),
        "E0113" => include_str!("../../docs/codes/E0113.md"),
        "E0115" => include_str!("../../docs/codes/E0115.md"),
        "E0116" => include_str!("../../docs/codes/E0116.md"),
        "E0117" => include_str!("../../docs/codes/E0117.md"),
        "E0119" => include_str!("../../docs/codes/E0119.md"),
        "E0120" => include_str!("../../docs/codes/E0120.md"),
        "E0121" => include_str!("../../docs/codes/E0121.md"),
        "E0122" => include_str!("../../docs/codes/E0122.md"),
        "E0123" => include_str!("../../docs/codes/E0123.md"),
        "E0124" => include_str!("../../docs/codes/E0124.md"),
        "E0200" => include_str!("../../docs/codes/E0200.md"),
        "E0201" => include_str!("../../docs/codes/E0201.md"),
        "E0202" => include_str!("../../docs/codes/E0202.md"),
        "E0210" => include_str!("../../docs/codes/E0210.md"),
        "E0211" => include_str!("../../docs/codes/E0211.md"),
        "E0214" => include_str!("../../docs/codes/E0214.md"),
        "E0215" => include_str!("../../docs/codes/E0215.md"),
        "E0216" => include_str!("../../docs/codes/E0216.md"),
        "E0219" => include_str!("../../docs/codes/E0219.md"),
        "E0224" => include_str!("../../docs/codes/E0224.md"),
        "E0225" => include_str!("../../docs/codes/E0225.md"),
        "E0221" => include_str!("../../docs/codes/E0221.md"),
        "E0300" => include_str!("../../docs/codes/E0300.md"),
        "E0301" => include_str!("../../docs/codes/E0301.md"),
        "E0302" => include_str!("../../docs/codes/E0302.md"),
        "E0303" => include_str!("../../docs/codes/E0303.md"),
        "E0304" => include_str!("../../docs/codes/E0304.md"),
        "E0305" => include_str!("../../docs/codes/E0305.md"),
        "E0306" => include_str!("../../docs/codes/E0306.md"),
        "E0307" => include_str!("../../docs/codes/E0307.md"),
        "E0308" => include_str!("../../docs/codes/E0308.md"),
        "E0322" => include_str!("../../docs/codes/E0322.md"),
        "W0400" => include_str!("../../docs/codes/W0400.md"),
        "W0401" => include_str!("../../docs/codes/W0401.md"),
        "W0402" => include_str!("../../docs/codes/W0402.md"),
        "W0403" => include_str!("../../docs/codes/W0403.md"),
        "W0404" => include_str!("../../docs/codes/W0404.md"),
        "W0405" => include_str!("../../docs/codes/W0405.md"),
        "W0406" => include_str!("../../docs/codes/W0406.md"),
        "W0407" => include_str!("../../docs/codes/W0407.md"),
        "W0408" => include_str!("../../docs/codes/W0408.md"),
        "W0419" => include_str!("../../docs/codes/W0419.md"),
        "W0417" => include_str!("../../docs/codes/W0417.md"),
        "W0418" => include_str!("../../docs/codes/W0418.md"),
        "W0414" => include_str!("../../docs/codes/W0414.md"),
        "E0500" => include_str!("../../docs/codes/E0500.md"),
        "E0600" => include_str!("../../docs/codes/E0600.md"),
        "E0601" => include_str!("../../docs/codes/E0601.md"),
        "E0900" => include_str!("../../docs/codes/E0900.md"),
        _ => return None,
    })
}
