//! `journeyc-services.json`: what the services beside the engines need to know about the whole
//! project, in one machine-readable file.
//!
//! A state machine or a BPMN process is one journey; a customer lives in every journey of the
//! project at once (`docs/semantics.md`, "One world"). What spans journeys cannot live in any one
//! of them: the event router needs the arbitration order and the `exclusive` groups, and the
//! senders need each channel's caps and quiet hours and which touchpoints are transactional, to
//! keep one send log per customer and channel for every journey. `journeyc build --target asl`
//! and `--target bpmn` write this file beside the journeys' files; its contract is in
//! `docs/exports.md`, "Several journeys of one customer". The file is the same for both
//! targets, so both can share an output folder.

use crate::ir::{Channel, Journey};
use serde_json::{json, Map, Value as J};
use std::collections::BTreeMap;

/// The file's name. A journey name is an identifier (letters, digits, `_`), so no journey's own
/// file (`<journey>.asl.json`, `<journey>.bpmn`, or its spec `<journey>.json`) can take it.
pub const FILE: &str = "journeyc-services.json";

/// The version of the file's layout, bumped on an incompatible change.
pub const VERSION: u32 = 1;

/// Journeys in arbitration order: higher `priority` first, then by name (the interpreter's
/// order, `interp::world::Cast`).
pub fn arbitration_order(journeys: &[Journey]) -> Vec<&Journey> {
    let mut order: Vec<&Journey> = journeys.iter().collect();
    order.sort_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then_with(|| a.name.cmp(&b.name))
    });
    order
}

/// The services file of a project's journeys, as JSON.
pub fn document(journeys: &[Journey]) -> J {
    let order = arbitration_order(journeys);
    let list: Vec<J> = order
        .iter()
        .enumerate()
        .map(|(rank, j)| {
            let mut entry = json!({
                "name": j.name,
                "rank": rank,
                "priority": j.priority,
                "exclusive": j.exclusive,
                "trigger": j.trigger.event,
                "events": j.events.keys().collect::<Vec<_>>(),
            });
            // `journey NAME per FIELD`: the router keeps an instance per key (absent otherwise,
            // so the file of a project without one is unchanged).
            if let (Some(per), Some(o)) = (&j.per, entry.as_object_mut()) {
                o.insert("per".to_string(), json!(per));
            }
            // A scheduled journey: no trigger event, and the schedule the router expands.
            if let (Some(s), Some(map)) =
                (super::schedule::services_entry(j), entry.as_object_mut())
            {
                map.insert("trigger".into(), J::Null);
                map.insert("schedule".into(), s);
            }
            // A `trigger when` journey: no trigger event, and the condition the router decides.
            if let (Some(w), Some(map)) = (super::schedule::when_entry(j), entry.as_object_mut()) {
                map.insert("trigger".into(), J::Null);
                map.insert("when".into(), w);
            }
            entry
        })
        .collect();
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for j in &order {
        if let Some(g) = &j.exclusive {
            groups.entry(g).or_default().push(&j.name);
        }
    }
    // Channels and touchpoints are declared once for the project; each journey's spec holds
    // those it uses, so their union is the project's.
    let mut channels: BTreeMap<&str, &Channel> = BTreeMap::new();
    let mut touchpoints: BTreeMap<&str, J> = BTreeMap::new();
    for j in journeys {
        for (name, c) in &j.channels {
            channels.entry(name).or_insert(c);
        }
        for (name, tp) in &j.touchpoints {
            touchpoints.entry(name).or_insert_with(
                || json!({ "channel": tp.channel, "transactional": tp.transactional }),
            );
        }
    }
    let channels: Map<String, J> = channels
        .into_iter()
        .map(|(name, c)| {
            let caps: Vec<J> = c
                .caps
                .iter()
                .map(|cap| json!({ "count": cap.count, "per_secs": cap.per_secs }))
                .collect();
            let quiet = c.quiet.as_ref().map(|q| {
                let mut w = json!({ "from_minute": q.from_minute, "to_minute": q.to_minute });
                // `quiet A..B local`: the sender reads the window in the customer's zone.
                if q.local {
                    w["local"] = J::Bool(true);
                }
                w
            });
            (
                name.to_string(),
                json!({ "caps": caps, "quiet": quiet, "consent": c.consent }),
            )
        })
        .collect();
    let mut doc = json!({
        "journeyc_services": VERSION,
        "journeys": list,
        "exclusive_groups": groups,
        "channels": channels,
        "touchpoints": touchpoints,
    });
    if let Some(zone) = customer_zone(journeys) {
        doc["customer_zone"] = zone;
    }
    doc
}

/// The customer's zone rule for senders of `quiet A..B local` channels: the `timezone`
/// attribute that holds it and its default (the project default; UTC when it has none).
/// Absent when the project has no `timezone` attribute (every customer is in UTC).
fn customer_zone(journeys: &[Journey]) -> Option<J> {
    journeys.iter().find_map(|j| {
        let (name, a) = j
            .attributes
            .iter()
            .find(|(_, a)| a.ty == crate::ir::Type::Timezone)?;
        let default = match &a.default {
            Some(crate::ir::Value::Timezone(z)) => z.as_str(),
            _ => "UTC",
        };
        Some(json!({ "attribute": name, "default": default }))
    })
}

/// The services file, pretty-printed with a trailing newline.
pub fn to_json(journeys: &[Journey]) -> String {
    let mut s = serde_json::to_string_pretty(&document(journeys)).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn journeys(src: &str) -> Vec<Journey> {
        let compiled = crate::compile_text(std::path::Path::new("p.journey"), src);
        assert!(!compiled.diagnostics.has_errors());
        compiled.journeys
    }

    const PROJECT: &str = r#"
event a
event b
channel email { cap 1 per 1d  quiet 21:00..07:00 }
touchpoint x { channel email  template "x" }
touchpoint r { channel email  template "r"  transactional }
journey zed { trigger a  priority 5  exclusive promo  onboarding { send x } }
journey alpha { trigger a  exclusive promo  onboarding { send x } }
journey beta { trigger b  onboarding { send r } }
"#;

    #[test]
    fn journeys_are_listed_in_arbitration_order() {
        let doc = document(&journeys(PROJECT));
        let names: Vec<&str> = doc["journeys"]
            .as_array()
            .expect("list")
            .iter()
            .map(|j| j["name"].as_str().unwrap_or("?"))
            .collect();
        // Priority first (zed has 5), then by name.
        assert_eq!(names, ["zed", "alpha", "beta"]);
        assert_eq!(doc["journeys"][0]["rank"], 0);
        assert_eq!(doc["exclusive_groups"]["promo"], json!(["zed", "alpha"]));
    }

    #[test]
    fn channels_and_transactional_touchpoints_are_machine_readable() {
        let doc = document(&journeys(PROJECT));
        assert_eq!(
            doc["channels"]["email"]["caps"],
            json!([{ "count": 1, "per_secs": 86_400 }])
        );
        assert_eq!(doc["channels"]["email"]["quiet"]["from_minute"], 1260);
        assert_eq!(doc["touchpoints"]["r"]["transactional"], true);
        assert_eq!(doc["touchpoints"]["x"]["transactional"], false);
    }

    #[test]
    fn the_order_of_the_sources_does_not_change_the_file() {
        let mut js = journeys(PROJECT);
        let a = to_json(&js);
        js.reverse();
        assert_eq!(a, to_json(&js));
    }
}
