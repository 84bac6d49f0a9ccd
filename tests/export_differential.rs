//! Differential tests: the same customers through (a) the interpreter, (b) the exported state
//! machine in moto's Step Functions executor and (c) the exported BPMN process in SpiffWorkflow.
//! All three must send the same touchpoints at the same times in the same order, and end the
//! same way. The customers are every example's `test` blocks plus generated ones (seeded, so a
//! failure reproduces), and the same for `tests/fixtures/export`. A disagreement prints the customer, the three timelines and the first
//! divergence.
//!
//! The engines are driven by `exports/test/differential.py`, which plays the services
//! `docs/exports.md` puts beside an engine (event router, channel senders, engagement store) on a
//! simulated clock. Set `JOURNEYC_DIFF_CUSTOMERS` to change how many customers are generated per
//! journey (default 8), and `JOURNEYC_DIFF_SEED` (a number) to generate other ones.
//!
//! Several journeys of one customer: the projects of `WORLDS` run each customer in every
//! journey at once, in `journeyc`'s world (`interp::world`) and, on each engine, as one
//! execution or instance per journey and entry behind one shared router and one set of senders
//! (`exports/test/shared_services.py`, configured by the project's `journeyc-services.json`).
//! Every journey's entries, sends, cap suppressions, refusals by an `exclusive` group and
//! endings must agree, in order.

mod export_tools;
mod tool_runner;

use journeyc::export::{json_value, split_bucket, splits};
use journeyc::interp::engine::{Action, ExitReason, NotEntered, Suppression};
use journeyc::interp::program::Program;
use journeyc::interp::scenario::{self, Happening, HORIZON, TEST_EPOCH};
use journeyc::interp::value::Val;
use journeyc::interp::world::{Cast, World, WorldObserver};
use journeyc::ir::scenario::{Scenario, ScenarioStep, StepKind};
use journeyc::ir::{Engagement, Expr, Journey, NodeKind, Type, Value};
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::process::Command;

/// What a run produced that all three must agree on.
#[derive(Debug, PartialEq)]
struct Run {
    sends: Vec<(i64, String)>,
    ended: String,
    timeline: Vec<String>,
}

fn when(t: i64) -> String {
    format!("+{}", journeyc::units::signed_duration(t))
}

/// The interpreter's run of the first entry: sends and how it ended.
fn interpret(program: &Program, sc: &Scenario) -> Run {
    let outcome = scenario::run(program, sc);
    let mut sends = Vec::new();
    let mut timeline = Vec::new();
    let mut ended = None;
    let mut entered = false;
    for Happening { time, node, action } in &outcome.timeline {
        let t = time - TEST_EPOCH;
        let at = node
            .map(|n| program.node_id(n).to_string())
            .unwrap_or_default();
        let text = match action {
            Action::Entered => {
                entered = true;
                "entered".to_string()
            }
            Action::Sent { touchpoint, data } => {
                // A send is its touchpoint and the values it carried.
                let name = program.touchpoint_names[*touchpoint].clone()
                    + &payload_json(program, *touchpoint, data);
                sends.push((t, name.clone()));
                format!("sent {name}")
            }
            Action::Suppressed {
                touchpoint, reason, ..
            } => format!(
                "suppressed {} ({})",
                program.touchpoint_names[*touchpoint],
                reason.as_str()
            ),
            Action::Deferred { touchpoint, until } => format!(
                "deferred {} to {}",
                program.touchpoint_names[*touchpoint],
                when(until - TEST_EPOCH)
            ),
            Action::EventMatched { event } => {
                format!("{} reached {at}", program.event_names[*event])
            }
            Action::TimedOut => format!("timeout at {at}"),
            Action::Converted { .. } => "goal".to_string(),
            Action::Left { reason } => {
                let r = match reason {
                    ExitReason::Converted => "converted",
                    ExitReason::ExitCriterion(_) => "exit_on",
                    ExitReason::ExitStep => "exit_step",
                    ExitReason::Completed => "completed",
                    ExitReason::Runaway => "runaway",
                };
                ended = Some(r.to_string());
                format!("ended: {r}")
            }
            _ => continue,
        };
        timeline.push(format!("{} {text}", when(t)));
        if ended.is_some() {
            break;
        }
    }
    let ended = ended.unwrap_or_else(|| {
        if entered {
            "in_journey".into()
        } else {
            "not_entered".into()
        }
    });
    Run {
        sends,
        ended,
        timeline,
    }
}

/// ` {"carrier":"ups",...}`: the values a send carried as the exports deliver them (enums by
/// name, durations in seconds, times in minutes, dates as text; keys sorted, compact), as
/// `exports/test/journey_router.py` shows what an engine's message carried; empty without data.
fn payload_json(
    program: &Program,
    touchpoint: usize,
    data: &journeyc::interp::payload::Data,
) -> String {
    let Some(data) = data else {
        return String::new();
    };
    let types = &program.ir.touchpoints[&program.touchpoint_names[touchpoint]].data;
    let fields: BTreeMap<String, J> = data
        .iter()
        .map(|(f, v)| {
            let value = match v {
                Val::Missing => J::Null,
                Val::Bool(b) => json!(b),
                Val::Int(i) | Val::Dur(i) => json!(i),
                Val::Dec(_) => journeyc::interp::payload::value_json(v, None),
                Val::Str(s) => json!(s.as_ref()),
                Val::Zone(z) => json!(z.name()),
                Val::DateTime(t) => json!(journeyc::interp::time::format_rfc3339(*t)),
                Val::Time(m) => json!(m),
                Val::Date(_) => json!(v.show(None)),
                Val::Enum(i) => match types.get(f.as_ref()) {
                    Some(Type::Enum { values, .. }) => json!(values.get(*i as usize)),
                    _ => json!(i),
                },
            };
            (f.to_string(), value)
        })
        .collect();
    format!(" {}", serde_json::to_string(&fields).unwrap_or_default())
}

fn from_engine(v: &J) -> Run {
    let sends = v["sends"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| {
                    (
                        s[0].as_i64().unwrap_or(-1),
                        s[1].as_str().unwrap_or("?").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let timeline = v["timeline"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().unwrap_or("?").to_string())
                .collect()
        })
        .unwrap_or_default();
    Run {
        sends,
        ended: v["ended"].as_str().unwrap_or("?").to_string(),
        timeline,
    }
}

/// The first place two runs differ, or `None`.
fn divergence(a: &Run, b: &Run) -> Option<String> {
    for i in 0..a.sends.len().max(b.sends.len()) {
        let (x, y) = (a.sends.get(i), b.sends.get(i));
        if x != y {
            let show = |s: Option<&(i64, String)>| {
                s.map(|(t, n)| format!("{n} at {}", when(*t)))
                    .unwrap_or_else(|| "nothing".into())
            };
            return Some(format!("send #{}: {} vs {}", i + 1, show(x), show(y)));
        }
    }
    (a.ended != b.ended).then(|| format!("ending: {} vs {}", a.ended, b.ended))
}

/// A small deterministic generator (xorshift64*), so a failing customer can be regenerated.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next() % n
        }
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        items.get(self.below(items.len() as u64) as usize)
    }
}

/// Constants the journey compares with, by type, so generated values hit both sides of them.
fn constants(j: &Journey) -> Vec<Value> {
    fn walk(e: &Expr, out: &mut Vec<Value>) {
        match e {
            Expr::Const { value } => out.push(value.clone()),
            Expr::Not { expr } | Expr::Neg { expr } => walk(expr, out),
            Expr::Binary { lhs, rhs, .. } => {
                walk(lhs, out);
                walk(rhs, out);
            }
            Expr::In { expr, list } => {
                walk(expr, out);
                list.iter().for_each(|x| walk(x, out));
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let conds = j
        .trigger
        .condition
        .iter()
        .chain(j.goals.iter().filter_map(|g| g.condition.as_ref()))
        .chain(j.exits.iter().filter_map(|x| x.condition.as_ref()));
    for c in conds {
        walk(c, &mut out);
    }
    for n in &j.nodes {
        match &n.kind {
            NodeKind::Branch { arms, .. } => arms.iter().for_each(|a| walk(&a.condition, &mut out)),
            NodeKind::EnterStage { guard: Some(g), .. } => walk(g, &mut out),
            NodeKind::Set { value, .. } => walk(value, &mut out),
            NodeKind::WaitAny { branches, .. } => branches
                .iter()
                .filter_map(|b| b.condition.as_ref())
                .for_each(|c| walk(c, &mut out)),
            _ => {}
        }
    }
    out
}

fn random_value(rng: &mut Rng, ty: &Type, pool: &[Value]) -> Value {
    match ty {
        Type::Enum { name, values } => {
            let i = rng.below(values.len() as u64) as usize;
            Value::Enum(journeyc::ir::EnumValue {
                enum_name: name.clone(),
                value: values.get(i).cloned().unwrap_or_default(),
                index: i,
            })
        }
        Type::Bool => Value::Bool(rng.below(2) == 0),
        Type::Int => {
            let near: Vec<i64> = pool
                .iter()
                .filter_map(|v| match v {
                    Value::Int(i) => Some(*i),
                    _ => None,
                })
                .collect();
            match rng.pick(&near) {
                Some(i) if rng.below(3) > 0 => Value::Int(i + rng.below(3) as i64 - 1),
                _ => Value::Int(rng.below(200) as i64),
            }
        }
        Type::Decimal => {
            let near: Vec<rust_decimal::Decimal> = pool
                .iter()
                .filter_map(|v| match v {
                    Value::Decimal(d) => Some(*d),
                    _ => None,
                })
                .collect();
            match rng.pick(&near) {
                Some(d) if rng.below(2) == 0 => Value::Decimal(*d),
                _ => Value::Decimal(rust_decimal::Decimal::new(rng.below(4000) as i64 * 5, 1)),
            }
        }
        Type::String => {
            let strings: Vec<&String> = pool
                .iter()
                .filter_map(|v| match v {
                    Value::String(s) => Some(s),
                    _ => None,
                })
                .collect();
            match rng.pick(&strings) {
                Some(s) if rng.below(4) > 0 => Value::String((*s).clone()),
                _ => Value::String(format!("s{}", rng.below(5))),
            }
        }
        Type::Duration => Value::Duration(rng.below(30) * 86_400),
        Type::Date => Value::Date(format!("2026-0{}-1{}", 1 + rng.below(9), rng.below(10))),
        Type::Time => Value::Time(rng.below(24 * 60) as u32),
        Type::Timezone => {
            let zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Tokyo"];
            Value::Timezone(zones[rng.below(zones.len() as u64) as usize].to_string())
        }
        // An instant within the 40 days a generated customer lives, to the half hour.
        Type::DateTime => Value::DateTime(journeyc::interp::time::format_rfc3339(
            TEST_EPOCH + rng.below(40 * 48) as i64 * 1_800,
        )),
    }
}

/// A generated customer: random attributes, the trigger at 0, then events and opens over 40 days
/// at half-hour steps (so quiet hours and wait deadlines are crossed at many times of day).
fn generate(j: &Journey, i: usize, rng: &mut Rng) -> Scenario {
    let pool = constants(j);
    let mut customer = Vec::new();
    for (name, a) in &j.attributes {
        // Now and then an attribute is left unset, to exercise missing values.
        if rng.below(8) > 0 {
            customer.push((name.clone(), random_value(rng, &a.ty, &pool)));
        }
    }
    let fields = |rng: &mut Rng, event: &str| -> Vec<(String, Value)> {
        j.events
            .get(event)
            .map(|e| {
                let mut out = Vec::new();
                for (f, ty) in &e.fields {
                    // Now and then a field is not sent, to exercise missing values.
                    if rng.below(8) > 0 {
                        out.push((f.clone(), random_value(rng, ty, &pool)));
                    }
                }
                out
            })
            .unwrap_or_default()
    };
    // The trigger comes at any half hour of the first day, so later sends fall at every time
    // of day, quiet hours included.
    let start = rng.below(48) * 1_800;
    let first = if j.trigger.when {
        // `trigger when`: an identify with new values, which may make the condition rise.
        let mut attrs = Vec::new();
        for (name, a) in &j.attributes {
            if rng.below(2) == 0 {
                attrs.push((name.clone(), random_value(rng, &a.ty, &pool)));
            }
        }
        StepKind::Identify { attrs }
    } else {
        StepKind::Event {
            name: j.trigger.event.clone(),
            fields: fields(rng, &j.trigger.event),
        }
    };
    let mut steps = vec![ScenarioStep {
        at: start,
        kind: first,
    }];
    let events: Vec<&String> = j.events.keys().collect();
    let touchpoints: Vec<&String> = j.touchpoints.keys().collect();
    for _ in 0..2 + rng.below(7) {
        // Half the events come in the first week, where most waits are.
        let days = if rng.below(2) == 0 { 7 } else { 40 };
        let at = start + rng.below(days * 48) * 1_800;
        let kind = if rng.below(4) == 0 {
            match rng.pick(&touchpoints) {
                Some(tp) => StepKind::Engage {
                    kind: if rng.below(2) == 0 {
                        Engagement::Opened
                    } else {
                        Engagement::Clicked
                    },
                    touchpoint: (*tp).clone(),
                },
                None => continue,
            }
        } else {
            let Some(name) = rng.pick(&events).map(|e| (*e).clone()) else {
                continue;
            };
            let f = fields(rng, &name);
            StepKind::Event { name, fields: f }
        };
        steps.push(ScenarioStep { at, kind });
    }
    steps.sort_by_key(|s| s.at);
    Scenario {
        name: format!("generated {} #{i}", j.name),
        journey: j.name.clone(),
        customer,
        steps,
        expectations: Vec::new(),
        span: journeyc::source::Span { start: 0, end: 0 },
    }
}

/// The `test` blocks of the examples, lowered, by journey.
fn example_tests() -> BTreeMap<String, Vec<Scenario>> {
    let dirs = ["examples", "tests/fixtures/export"].map(|d| export_tools::root().join(d));
    let files = journeyc::project::discover(&dirs).expect("find the examples");
    let project = journeyc::project::load(&files).expect("load the examples");
    let checked = journeyc::check::check_project(&project);
    let mut out: BTreeMap<String, Vec<Scenario>> = BTreeMap::new();
    for model in &checked.models {
        for test in &model.tests {
            if let Some(sc) = journeyc::ir::scenario::lower_test(model, test) {
                out.entry(sc.journey.clone()).or_default().push(sc);
            }
        }
    }
    out
}

/// The scenario as the harness reads it: the customer's attributes with defaults filled in,
/// the split buckets of the customer's id, and the steps.
fn scenario_json(j: &Journey, sc: &Scenario) -> J {
    let customer_id = format!("test:{}", sc.name);
    let mut attrs = serde_json::Map::new();
    for (name, a) in &j.attributes {
        if let Some(d) = &a.default {
            attrs.insert(name.clone(), json_value(d));
        }
    }
    for (name, v) in &sc.customer {
        attrs.insert(name.clone(), json_value(v));
    }
    let splits: serde_json::Map<String, J> = splits(j)
        .into_iter()
        .map(|(id, key)| (key, J::from(split_bucket(&j.name, id, &customer_id))))
        .collect();
    let steps: Vec<J> = sc
        .steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Event { name, fields } => {
                let f: serde_json::Map<String, J> = fields
                    .iter()
                    .map(|(k, v)| (k.clone(), json_value(v)))
                    .collect();
                json!({ "at": s.at, "event": name, "fields": f })
            }
            StepKind::Engage { kind, touchpoint } => {
                let k = if *kind == Engagement::Clicked {
                    "clicked"
                } else {
                    "opened"
                };
                json!({ "at": s.at, "engage": k, "touchpoint": touchpoint })
            }
            StepKind::Identify { attrs } => {
                let a: serde_json::Map<String, J> = attrs
                    .iter()
                    .map(|(k, v)| (k.clone(), json_value(v)))
                    .collect();
                json!({ "at": s.at, "identify": a })
            }
        })
        .collect();
    json!({ "name": sc.name, "customer_id": customer_id, "attributes": attrs, "splits": splits, "steps": steps })
}

fn interpreter_step_functions_and_bpmn_agree_on_every_scenario() -> Result<(), tool_runner::Skip> {
    let python = export_tools::python()?;
    let generated: usize = std::env::var("JOURNEYC_DIFF_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("JOURNEYC_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let dir = export_tools::scratch("differential");
    let tests = example_tests();
    let mut reports = Vec::new();
    let mut compared = 0;
    let mut endings: BTreeMap<String, usize> = BTreeMap::new();
    let mut sends = 0;
    for j in export_tools::export_journeys() {
        // A keyed journey (`per FIELD`) has instances only in a world: its scenarios run in
        // `several_journeys_of_one_customer_agree_with_the_interpreter` (WORLDS).
        if j.per.is_some() {
            continue;
        }
        let program = Program::compile(&j).expect("the example compiles");
        let mut scenarios: Vec<Scenario> = tests.get(&j.name).cloned().unwrap_or_default();
        let mut rng = Rng(seed ^ journeyc::interp::program::stable_hash(&[&j.name]));
        // Generated customers who never enter test little: keep one in four of them.
        let mut made = 0;
        for i in 0..generated * 10 {
            if made == generated {
                break;
            }
            let sc = generate(&j, i, &mut rng);
            if interpret(&program, &sc).ended != "not_entered" || rng.below(4) == 0 {
                scenarios.push(sc);
                made += 1;
            }
        }
        let bpmn_path = dir.join(format!("{}.bpmn", j.name));
        std::fs::write(
            &bpmn_path,
            journeyc::export::bpmn::to_bpmn(&j).expect("bpmn"),
        )
        .expect("write the process");
        let asl = journeyc::export::asl::document(&j, &Default::default()).expect("asl");
        let case = json!({
            "spec": serde_json::to_value(&j).expect("spec"),
            "asl": asl,
            "bpmn_path": bpmn_path.to_string_lossy(),
            "epoch": TEST_EPOCH,
            "horizon": HORIZON,
            "scenarios": scenarios.iter().map(|s| scenario_json(&j, s)).collect::<Vec<_>>(),
        });
        let case_path = dir.join(format!("{}.case.json", j.name));
        std::fs::write(&case_path, case.to_string()).expect("write the case");
        let out = Command::new(&python)
            .arg(export_tools::root().join("exports/test/differential.py"))
            .arg(&case_path)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "the harness failed on {}:\n{}",
            j.name,
            String::from_utf8_lossy(&out.stderr)
        );
        let results: Vec<J> = serde_json::from_slice(&out.stdout).expect("harness output is JSON");
        assert_eq!(results.len(), scenarios.len());
        for (sc, r) in scenarios.iter().zip(&results) {
            compared += 1;
            let interp = interpret(&program, sc);
            *endings.entry(interp.ended.clone()).or_default() += 1;
            sends += interp.sends.len();
            for line in &interp.timeline {
                for word in ["deferred", "suppressed", "timeout", "reached"] {
                    if line.contains(word) {
                        *endings.entry(format!("({word})")).or_default() += 1;
                    }
                }
            }
            let asl = from_engine(&r["asl"]);
            let bpmn = from_engine(&r["bpmn"]);
            let d_asl = divergence(&interp, &asl);
            let d_bpmn = divergence(&interp, &bpmn);
            if d_asl.is_some() || d_bpmn.is_some() {
                let show = |run: &Run| {
                    run.timeline
                        .iter()
                        .map(|l| format!("      {l}"))
                        .collect::<Vec<_>>()
                        .join("\n")
                };
                reports.push(format!(
                    "journey {}, customer \"{}\"\n  customer: {}\n  first divergence: {}\n  interpreter:\n{}\n  step functions (moto):\n{}\n  bpmn (SpiffWorkflow):\n{}",
                    j.name,
                    sc.name,
                    scenario_json(&j, sc),
                    [d_asl.map(|d| format!("asl: {d}")), d_bpmn.map(|d| format!("bpmn: {d}"))]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join("; "),
                    show(&interp),
                    show(&asl),
                    show(&bpmn),
                ));
            }
        }
    }
    eprintln!("compared {compared} customers, {sends} sends; endings and (steps): {endings:?}");
    assert!(compared > 20, "too few scenarios compared: {compared}");
    // The scenarios must exercise the journeys, not just fail to enter them.
    for ending in [
        "completed",
        "converted",
        "exit_on",
        "exit_step",
        "(suppressed)",
        "(deferred)",
    ] {
        assert!(
            endings.contains_key(ending),
            "no scenario ended `{ending}`: {endings:?}"
        );
    }
    assert!(
        reports.is_empty(),
        "{} of {compared} scenarios disagree:\n\n{}",
        reports.len(),
        reports.join("\n\n")
    );
    Ok(())
}

/// Projects whose journeys run together for each customer (`docs/exports.md`, "Several
/// journeys of one customer").
const WORLDS: [&str; 5] = [
    "examples/one_customer.journey",
    "tests/fixtures/export_world/world.journey",
    "tests/fixtures/export_world/history.journey",
    // One instance per order (`per order_id`): the example's tests of overlapping orders, and
    // generated customers whose events carry one of a few order ids.
    "examples/ecommerce_order.journey",
    // Quiet hours in each customer's zone: the senders read it from the customer.
    "tests/fixtures/export/local_quiet.journey",
];

/// The keys generated events of a keyed journey carry: few, so that orders overlap.
const KEYS: [&str; 3] = ["K-1", "K-2", "K-3"];

/// What one journey of a world did that the engines and the services must agree on:
/// (seconds after the test epoch, journey, what).
type WorldAction = (i64, String, String);

/// Records a world's actions the way `shared_services.py` reports them.
struct WorldRecorder<'a> {
    programs: &'a [Program],
    actions: Vec<WorldAction>,
    /// Cap suppressions whose cap another journey's send filled.
    cross_journey_caps: usize,
    /// The key of the keyed instance acting now: its actions are tagged `journey[key]`.
    key: Option<String>,
}

impl WorldRecorder<'_> {
    fn label(&self, journey: usize) -> String {
        let name = &self.programs[journey].ir.name;
        match &self.key {
            Some(k) => format!("{name}[{k}]"),
            None => name.clone(),
        }
    }
}

impl WorldObserver for WorldRecorder<'_> {
    fn wants_data(&self) -> bool {
        true
    }
    fn action(&mut self, journey: usize, time: i64, _node: Option<usize>, action: &Action) {
        let p = &self.programs[journey];
        let tp = |i: &usize| p.touchpoint_names[*i].clone();
        let what = match action {
            Action::Entered => "entered".to_string(),
            Action::Sent { touchpoint, data } => format!(
                "sent {}{}",
                tp(touchpoint),
                payload_json(p, *touchpoint, data)
            ),
            Action::Suppressed {
                touchpoint,
                reason: Suppression::Cap,
                earlier,
            } => {
                if earlier.is_some_and(|e| e.journey as usize != journey) {
                    self.cross_journey_caps += 1;
                }
                format!("suppressed {} (cap)", tp(touchpoint))
            }
            Action::Left { reason } => format!(
                "ended: {}",
                match reason {
                    ExitReason::Converted => "converted",
                    ExitReason::ExitCriterion(_) => "exit_on",
                    ExitReason::ExitStep => "exit_step",
                    ExitReason::Completed => "completed",
                    ExitReason::Runaway => "runaway",
                }
            ),
            _ => return,
        };
        let label = self.label(journey);
        self.actions.push((time - TEST_EPOCH, label, what));
    }

    fn instance(&mut self, _journey: usize, key: Option<&str>) {
        self.key = key.map(str::to_string);
    }

    fn not_entered(&mut self, journey: usize, time: i64, why: NotEntered) {
        if let NotEntered::Exclusive { holder } = why {
            let p = &self.programs[journey];
            let what = format!(
                "refused: in {} (exclusive {})",
                self.programs[holder as usize].ir.name,
                p.ir.exclusive.as_deref().unwrap_or("?")
            );
            let label = self.label(journey);
            self.actions.push((time - TEST_EPOCH, label, what));
        }
    }
}

/// The interpreter's world for one customer: every journey's actions, in the order they
/// happened, and how many cap suppressions another journey's send caused.
fn interpret_world(cast: &Cast, sc: &Scenario) -> (Vec<WorldAction>, usize) {
    let mut world = World::new(cast, &format!("test:{}", sc.name));
    let mut rec = WorldRecorder {
        programs: cast.programs,
        actions: Vec::new(),
        cross_journey_caps: 0,
        key: None,
    };
    let traits: Vec<(String, Val)> = sc
        .customer
        .iter()
        .map(|(n, v)| (n.clone(), Val::from_ir(v)))
        .collect();
    world.identify(cast, TEST_EPOCH, &traits, &mut rec);
    let mut last = TEST_EPOCH;
    for step in &sc.steps {
        let t = TEST_EPOCH + i64::try_from(step.at).expect("a test time");
        last = t;
        match &step.kind {
            StepKind::Event { name, fields } => {
                let fields: Vec<(std::sync::Arc<str>, Val)> = fields
                    .iter()
                    .map(|(f, v)| (std::sync::Arc::from(f.as_str()), Val::from_ir(v)))
                    .collect();
                world.event(cast, t, name, &fields, &mut rec);
            }
            StepKind::Engage { kind, touchpoint } => {
                world.engage(cast, t, *kind, touchpoint, &mut rec);
            }
            StepKind::Identify { attrs } => {
                let traits: Vec<(String, Val)> = attrs
                    .iter()
                    .map(|(n, v)| (n.clone(), Val::from_ir(v)))
                    .collect();
                world.identify(cast, t, &traits, &mut rec);
            }
        }
    }
    world.advance(cast, last + HORIZON, &mut rec);
    // Stable: within an instant, the order things happened in.
    rec.actions.sort_by_key(|a| a.0);
    (rec.actions, rec.cross_journey_caps)
}

/// A generated customer of a world: random attributes, then 3 to 10 events of any journey of
/// the project (a trigger first) and opens, over 20 days at half-hour steps.
fn generate_world(journeys: &[Journey], i: usize, rng: &mut Rng) -> Scenario {
    let pool: Vec<Value> = journeys.iter().flat_map(constants).collect();
    let mut events: BTreeMap<&str, &journeyc::ir::EventSchema> = BTreeMap::new();
    let mut touchpoints: Vec<&String> = Vec::new();
    for j in journeys {
        events.extend(j.events.iter().map(|(n, e)| (n.as_str(), e)));
        touchpoints.extend(j.touchpoints.keys());
    }
    touchpoints.sort();
    touchpoints.dedup();
    let names: Vec<&str> = events.keys().copied().collect();
    let triggers: Vec<&str> = journeys.iter().map(|j| j.trigger.event.as_str()).collect();
    let keys: Vec<&str> = journeys.iter().filter_map(|j| j.per.as_deref()).collect();
    let mut customer = Vec::new();
    for (name, a) in &journeys[0].attributes {
        if rng.below(8) > 0 {
            customer.push((name.clone(), random_value(rng, &a.ty, &pool)));
        }
    }
    let mut steps = Vec::new();
    let start = rng.below(48) * 1_800;
    for k in 0..3 + rng.below(8) {
        let at = if k == 0 {
            start
        } else {
            // Now and then at the instant of the step before, so journeys meet at one instant.
            match steps.last() {
                Some(ScenarioStep { at, .. }) if rng.below(5) == 0 => *at,
                _ => start + rng.below(20 * 48) * 1_800,
            }
        };
        let kind = if k > 0 && rng.below(5) == 0 {
            match rng.pick(&touchpoints) {
                Some(tp) => StepKind::Engage {
                    kind: Engagement::Opened,
                    touchpoint: (*tp).clone(),
                },
                None => continue,
            }
        } else {
            let name = if k == 0 {
                rng.pick(&triggers)
            } else {
                rng.pick(&names)
            }
            .copied()
            .unwrap_or_default();
            let mut fields = Vec::new();
            for (f, ty) in events.get(name).map(|e| &e.fields).into_iter().flatten() {
                if rng.below(8) > 0 {
                    let key = keys.contains(&f.as_str()) && *ty == Type::String;
                    let value = match key.then(|| rng.pick(&KEYS)).flatten() {
                        Some(k) => Value::String((*k).to_string()),
                        None => random_value(rng, ty, &pool),
                    };
                    fields.push((f.clone(), value));
                }
            }
            StepKind::Event {
                name: name.to_string(),
                fields,
            }
        };
        steps.push(ScenarioStep { at, kind });
    }
    steps.sort_by_key(|s| s.at);
    Scenario {
        name: format!("generated world #{i}"),
        journey: journeys[0].name.clone(),
        customer,
        steps,
        expectations: Vec::new(),
        span: journeyc::source::Span { start: 0, end: 0 },
    }
}

/// A world scenario as `shared_services.py` reads it: per journey, the customer's attributes
/// and split buckets.
fn world_scenario_json(journeys: &[Journey], sc: &Scenario) -> J {
    let mut per = serde_json::Map::new();
    let mut steps = J::Null;
    let mut customer_id = J::Null;
    for j in journeys {
        let one = scenario_json(j, sc);
        per.insert(
            j.name.clone(),
            json!({ "attributes": one["attributes"], "splits": one["splits"] }),
        );
        steps = one["steps"].clone();
        customer_id = one["customer_id"].clone();
    }
    json!({ "name": sc.name, "customer_id": customer_id, "journeys": per, "steps": steps })
}

fn several_journeys_of_one_customer_agree_with_the_interpreter() -> Result<(), tool_runner::Skip> {
    let python = export_tools::python()?;
    let generated: usize = std::env::var("JOURNEYC_DIFF_CUSTOMERS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(8);
    let seed: u64 = std::env::var("JOURNEYC_DIFF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x9e37_79b9_7f4a_7c15);
    let dir = export_tools::scratch("differential_world");
    let mut reports = Vec::new();
    let (mut compared, mut disagree) = (0, 0);
    let (mut refused, mut cross_caps, mut transactional) = (0, 0, 0);
    // Customers with two instances of a keyed journey or more (`per FIELD`).
    let mut overlapping = 0;
    for (w, file) in WORLDS.iter().enumerate() {
        let path = export_tools::root().join(file);
        let compiled = journeyc::compile(std::slice::from_ref(&path)).expect("load the world");
        assert!(!compiled.diagnostics.has_errors(), "{file} has errors");
        let journeys = compiled.journeys;
        let programs: Vec<Program> = journeys
            .iter()
            .map(|j| Program::compile(j).expect("the journey compiles"))
            .collect();
        let cast = Cast::new(&programs);
        // The file's `test` blocks, each run in the whole world; their expectations must hold
        // there, so that the scenarios do what their names say.
        let project = journeyc::project::load(std::slice::from_ref(&path)).expect("load");
        let checked = journeyc::check::check_project(&project);
        let mut scenarios: Vec<Scenario> = Vec::new();
        for model in &checked.models {
            for test in &model.tests {
                if let Some(sc) = journeyc::ir::scenario::lower_test(model, test) {
                    let focus = cast.journey(&sc.journey).expect("the test's journey");
                    let outcome = journeyc::interp::world::scenario::run(&cast, focus, &sc);
                    assert!(
                        outcome.passed(),
                        "{file}: test \"{}\" fails in the interpreter: {:?}",
                        sc.name,
                        outcome.failures
                    );
                    scenarios.push(sc);
                }
            }
        }
        let mut rng = Rng(seed ^ (w as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d));
        for i in 0..generated * 2 {
            scenarios.push(generate_world(&journeys, i, &mut rng));
        }
        let mut entries = Vec::new();
        for j in &journeys {
            let bpmn_path = dir.join(format!("world{w}.{}.bpmn", j.name));
            std::fs::write(
                &bpmn_path,
                journeyc::export::bpmn::to_bpmn(j).expect("bpmn"),
            )
            .expect("write the process");
            entries.push(json!({
                "spec": serde_json::to_value(j).expect("spec"),
                "asl": journeyc::export::asl::document(j, &Default::default()).expect("asl"),
                "bpmn_path": bpmn_path.to_string_lossy(),
            }));
        }
        let case = json!({
            "services": journeyc::export::services::document(&journeys),
            "journeys": entries,
            "epoch": TEST_EPOCH,
            "horizon": HORIZON,
            "scenarios": scenarios.iter().map(|s| world_scenario_json(&journeys, s)).collect::<Vec<_>>(),
        });
        let case_path = dir.join(format!("world{w}.case.json"));
        std::fs::write(&case_path, case.to_string()).expect("write the case");
        let out = Command::new(&python)
            .arg(export_tools::root().join("exports/test/differential.py"))
            .arg(&case_path)
            .output()
            .expect("run python");
        assert!(
            out.status.success(),
            "the harness failed on {file}:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let results: Vec<J> = serde_json::from_slice(&out.stdout).expect("harness output is JSON");
        assert_eq!(results.len(), scenarios.len());
        let transactional_tps: Vec<&String> = journeys
            .iter()
            .flat_map(|j| j.touchpoints.iter())
            .filter(|(_, tp)| tp.transactional)
            .map(|(n, _)| n)
            .collect();
        for (sc, r) in scenarios.iter().zip(&results) {
            compared += 1;
            let (interp, crossed) = interpret_world(&cast, sc);
            cross_caps += crossed;
            let keyed: std::collections::BTreeSet<&str> = interp
                .iter()
                .filter(|a| a.1.contains('[') && a.2 == "entered")
                .map(|a| a.1.as_str())
                .collect();
            if keyed.len() > 1 {
                overlapping += 1;
            }
            refused += interp.iter().filter(|a| a.2.starts_with("refused")).count();
            transactional += interp
                .iter()
                .filter(|a| transactional_tps.iter().any(|t| a.2 == format!("sent {t}")))
                .count();
            let engines: Vec<(&str, Vec<WorldAction>)> = ["asl", "bpmn"]
                .iter()
                .map(|label| {
                    let acts = r[label]["actions"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|x| {
                                    (
                                        x[0].as_i64().unwrap_or(-1),
                                        x[1].as_str().unwrap_or("?").to_string(),
                                        x[2].as_str().unwrap_or("?").to_string(),
                                    )
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    (*label, acts)
                })
                .collect();
            let show = |acts: &[WorldAction]| {
                acts.iter()
                    .map(|(t, j, what)| format!("      {} {j}: {what}", when(*t)))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            if engines.iter().any(|(_, acts)| *acts != interp) {
                disagree += 1;
            }
            for (label, acts) in &engines {
                if *acts != interp {
                    let at = interp
                        .iter()
                        .zip(acts)
                        .position(|(a, b)| a != b)
                        .unwrap_or(interp.len().min(acts.len()));
                    let timeline = r[*label]["timeline"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .map(|l| format!("      {}", l.as_str().unwrap_or("?")))
                                .collect::<Vec<_>>()
                                .join("\n")
                        })
                        .unwrap_or_default();
                    reports.push(format!(
                        "{file}, customer \"{}\", {label}: first divergence at action #{}\n  customer: {}\n  interpreter:\n{}\n  {label}:\n{}\n  {label}, the services' timeline:\n{timeline}",
                        sc.name,
                        at + 1,
                        world_scenario_json(&journeys, sc),
                        show(&interp),
                        show(acts),
                    ));
                }
            }
        }
    }
    eprintln!(
        "compared {compared} customers in several journeys: {refused} refusals by an exclusive group, {cross_caps} cap suppressions by another journey's send, {transactional} transactional sends, {overlapping} customers with several instances of a keyed journey"
    );
    assert!(
        overlapping > 2,
        "too few customers with overlapping instances of a keyed journey"
    );
    // The worlds must exercise what spans journeys, not just run side by side.
    assert!(refused > 0, "no scenario was refused by an exclusive group");
    assert!(
        cross_caps > 0,
        "no cap was filled by another journey's send"
    );
    assert!(transactional > 0, "no transactional send");
    assert!(
        reports.is_empty(),
        "{disagree} of {compared} world scenarios disagree:\n\n{}",
        reports.join("\n\n")
    );
    Ok(())
}

// `harness = false` (Cargo.toml): tests/tool_runner shows a missing engine as a skip.
tool_runner::tool_tests![
    interpreter_step_functions_and_bpmn_agree_on_every_scenario,
    several_journeys_of_one_customer_agree_with_the_interpreter
];
