//! Lowering, construct by construct: where each step leads and how names resolve.

use journeyc::ir::{BinOp, Entry, Expr, Journey, NodeKind, StageKind, Value};
use std::path::Path;

const HEADER: &str = r#"
enum plan { free, trial, pro }
enum tier { low, high }
customer { plan: plan = free  tier: tier = low  seats: int = 1 }
event signed_up { plan: plan }
event upgraded { plan: plan, tier: tier }
event left
channel email
touchpoint hi { channel email  template "hi" }
touchpoint bye { channel email  template "bye" }
"#;

fn lower(journey: &str) -> Journey {
    let text = format!("{HEADER}\n{journey}");
    let compiled = journeyc::compile_text(Path::new("tests/fixtures/build/inline.journey"), &text);
    let errors: Vec<&str> = compiled
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.as_str())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    compiled.journeys.into_iter().next().expect("a journey")
}

fn node<'a>(j: &'a Journey, id: &str) -> &'a NodeKind {
    match j.node(id) {
        Some(n) => &n.kind,
        None => panic!(
            "no node `{id}` in {:?}",
            j.nodes.iter().map(|n| &n.id).collect::<Vec<_>>()
        ),
    }
}

fn next_of(k: &NodeKind) -> Option<&str> {
    match k {
        NodeKind::Send { next, .. }
        | NodeKind::Delay { next, .. }
        | NodeKind::Milestone { next, .. }
        | NodeKind::Set { next, .. } => next.as_deref(),
        NodeKind::EnterStage { next, .. } => next.as_deref(),
        other => panic!("{other:?} has no single next"),
    }
}

fn enum_const(e: &Expr) -> Option<(&str, &str, usize)> {
    match e {
        Expr::Const {
            value: Value::Enum(v),
        } => Some((&v.enum_name, &v.value, v.index)),
        _ => None,
    }
}

#[test]
fn steps_follow_each_other_and_the_last_one_completes_the_journey() {
    let j = lower(
        "journey j { trigger signed_up  onboarding { send hi  wait 2d } stage later { send bye } }",
    );
    assert_eq!(j.start.as_deref(), Some("onboarding.enter"));
    assert_eq!(
        next_of(node(&j, "onboarding.enter")),
        Some("onboarding.0.send")
    );
    assert_eq!(
        next_of(node(&j, "onboarding.0.send")),
        Some("onboarding.1.wait")
    );
    assert_eq!(
        next_of(node(&j, "onboarding.1.wait")),
        Some("later.enter"),
        "falling off a section enters the next"
    );
    assert_eq!(
        next_of(node(&j, "later.0.send")),
        None,
        "falling off the last section completes"
    );
    assert!(matches!(
        node(&j, "onboarding.1.wait"),
        NodeKind::Delay { secs: 172_800, .. }
    ));
    assert_eq!(j.entry, Entry::Once);
}

#[test]
fn a_wait_without_blocks_continues_at_the_next_step_either_way() {
    let j = lower("journey j { trigger signed_up  onboarding { wait left up to 1d  send hi } }");
    let NodeKind::WaitEvent {
        on_event,
        on_timeout,
        timeout_secs,
        ..
    } = node(&j, "onboarding.0.wait")
    else {
        panic!()
    };
    assert_eq!(on_event.as_deref(), Some("onboarding.1.send"));
    assert_eq!(on_timeout.as_deref(), Some("onboarding.1.send"));
    assert_eq!(*timeout_secs, Some(86_400));
}

#[test]
fn wait_blocks_run_then_rejoin_after_the_wait() {
    let j = lower("journey j { trigger signed_up  onboarding { wait left up to 1d { send hi } timeout { send bye }  wait 1h } }");
    let NodeKind::WaitEvent {
        on_event,
        on_timeout,
        ..
    } = node(&j, "onboarding.0.wait")
    else {
        panic!()
    };
    assert_eq!(on_event.as_deref(), Some("onboarding.0.wait.event.0.send"));
    assert_eq!(
        on_timeout.as_deref(),
        Some("onboarding.0.wait.timeout.0.send")
    );
    assert_eq!(
        next_of(node(&j, "onboarding.0.wait.event.0.send")),
        Some("onboarding.1.wait")
    );
    assert_eq!(
        next_of(node(&j, "onboarding.0.wait.timeout.0.send")),
        Some("onboarding.1.wait")
    );
}

#[test]
fn an_upgrade_stage_is_guarded_by_its_starting_value_and_skips_to_the_next_stage() {
    let j = lower("journey j { trigger signed_up  upgrade plan trial -> pro { send hi } stage later { send bye } }");
    let NodeKind::EnterStage {
        guard: Some(guard),
        next,
        skip,
    } = node(&j, "upgrade_trial_to_pro.enter")
    else {
        panic!()
    };
    let Expr::Binary {
        operator: BinOp::Eq,
        lhs,
        rhs,
    } = guard
    else {
        panic!("{guard:?}")
    };
    assert_eq!(
        **lhs,
        Expr::Attr {
            name: "plan".into()
        }
    );
    assert_eq!(enum_const(rhs), Some(("plan", "trial", 1)));
    assert_eq!(next.as_deref(), Some("upgrade_trial_to_pro.0.send"));
    assert_eq!(skip.as_deref(), Some("later.enter"));
    assert_eq!(
        j.stages[0].kind,
        StageKind::Upgrade {
            attribute: "plan".into(),
            from: "trial".into(),
            to: "pro".into()
        }
    );
}

#[test]
fn if_arms_are_tried_in_order_and_every_branch_rejoins() {
    let j = lower(
        "journey j { trigger signed_up  onboarding {
           if seats > 5 { send hi } else if seats > 2 { send bye } else { wait 1d }
           wait 2d
         } }",
    );
    let NodeKind::Branch { arms, otherwise } = node(&j, "onboarding.0.if") else {
        panic!()
    };
    let nexts: Vec<Option<&str>> = arms.iter().map(|a| a.next.as_deref()).collect();
    assert_eq!(
        nexts,
        vec![
            Some("onboarding.0.if.then.0.send"),
            Some("onboarding.0.if.else_if_1.0.send")
        ]
    );
    assert_eq!(otherwise.as_deref(), Some("onboarding.0.if.else.0.wait"));
    for id in [
        "onboarding.0.if.then.0.send",
        "onboarding.0.if.else_if_1.0.send",
        "onboarding.0.if.else.0.wait",
    ] {
        assert_eq!(next_of(node(&j, id)), Some("onboarding.1.wait"), "{id}");
    }
}

#[test]
fn an_if_without_else_falls_through_to_the_next_step() {
    let j =
        lower("journey j { trigger signed_up  onboarding { if seats > 5 { send hi }  send bye } }");
    let NodeKind::Branch { otherwise, .. } = node(&j, "onboarding.0.if") else {
        panic!()
    };
    assert_eq!(otherwise.as_deref(), Some("onboarding.1.send"));
}

#[test]
fn split_weights_are_basis_points_and_the_holdout_is_marked() {
    let j = lower(
        "journey j { trigger signed_up  onboarding {
           split { 12.5% a { send hi } 37.5% b { send bye } 50% holdout { } }
           wait 1d
         } }",
    );
    let NodeKind::Split { variants } = node(&j, "onboarding.0.split") else {
        panic!()
    };
    let got: Vec<(&str, u32, bool, Option<&str>)> = variants
        .iter()
        .map(|v| (v.name.as_str(), v.weight_bp, v.holdout, v.next.as_deref()))
        .collect();
    assert_eq!(
        got,
        vec![
            ("a", 1250, false, Some("onboarding.0.split.a.0.send")),
            ("b", 3750, false, Some("onboarding.0.split.b.0.send")),
            ("holdout", 5000, true, Some("onboarding.1.wait")),
        ]
    );
}

#[test]
fn goto_and_exit() {
    let j = lower("journey j { trigger signed_up  onboarding { send hi } stage loop { wait 1d  if seats > 5 { exit }  goto loop } }");
    assert_eq!(node(&j, "loop.1.if.then.0.exit"), &NodeKind::Exit);
    assert_eq!(
        node(&j, "loop.2.goto"),
        &NodeKind::Goto {
            target: "loop".into(),
            next: "loop.enter".into()
        }
    );
}

#[test]
fn bare_names_are_attributes_or_enum_values_from_context() {
    let j = lower(
        "journey j {
           trigger signed_up where event.plan == trial and pro != plan
           onboarding {
             wait upgraded where event.tier in [high] up to 1d { set plan = event.plan  set tier = high }
           }
         }",
    );
    let Some(Expr::Binary { lhs, rhs, .. }) = &j.trigger.condition else {
        panic!()
    };
    let Expr::Binary {
        lhs: field,
        rhs: trial,
        ..
    } = &**lhs
    else {
        panic!()
    };
    assert_eq!(
        **field,
        Expr::EventField {
            event: "signed_up".into(),
            field: "plan".into()
        }
    );
    assert_eq!(enum_const(trial), Some(("plan", "trial", 1)));
    let Expr::Binary {
        lhs: pro,
        rhs: plan,
        ..
    } = &**rhs
    else {
        panic!()
    };
    assert_eq!(
        enum_const(pro),
        Some(("plan", "pro", 2)),
        "the enum comes from the other side"
    );
    assert_eq!(
        **plan,
        Expr::Attr {
            name: "plan".into()
        }
    );

    let NodeKind::WaitEvent {
        condition: Some(Expr::In { expr, list }),
        ..
    } = node(&j, "onboarding.0.wait")
    else {
        panic!()
    };
    assert_eq!(
        **expr,
        Expr::EventField {
            event: "upgraded".into(),
            field: "tier".into()
        }
    );
    assert_eq!(enum_const(&list[0]), Some(("tier", "high", 1)));
    let NodeKind::Set {
        attribute, value, ..
    } = node(&j, "onboarding.0.wait.event.0.set")
    else {
        panic!()
    };
    assert_eq!(
        (attribute.as_str(), value),
        (
            "plan",
            &Expr::EventField {
                event: "upgraded".into(),
                field: "plan".into()
            }
        )
    );
    let NodeKind::Set { value, .. } = node(&j, "onboarding.0.wait.event.1.set") else {
        panic!()
    };
    assert_eq!(
        enum_const(value),
        Some(("tier", "high", 1)),
        "a set value takes the attribute's enum"
    );
}

#[test]
fn only_the_declarations_the_journey_uses_are_carried() {
    let j = lower("journey j { trigger signed_up  exit on left  onboarding { send hi } }");
    assert_eq!(j.touchpoints.keys().collect::<Vec<_>>(), vec!["hi"]);
    assert_eq!(j.channels.keys().collect::<Vec<_>>(), vec!["email"]);
    assert_eq!(
        j.events.keys().collect::<Vec<_>>(),
        vec!["left", "signed_up"]
    );
    assert_eq!(
        j.attributes.keys().collect::<Vec<_>>(),
        vec!["plan", "seats", "tier"],
        "the whole customer schema"
    );
}

#[test]
fn every_node_records_its_file_relative_to_the_project_and_its_line() {
    let j = lower("journey j {\n  trigger signed_up\n  onboarding {\n    send hi\n  }\n}");
    let n = j.node("onboarding.0.send").expect("node");
    assert_eq!(n.source.file, "tests/fixtures/build/inline.journey");
    let header_lines = HEADER.lines().count() + 1;
    assert_eq!(n.source.line, header_lines + 4);
    assert_eq!(
        j.node("onboarding.enter").expect("node").source.line,
        header_lines + 3
    );
}
