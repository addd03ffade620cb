//! proptest: random mailbox changes interleaved with downloads keep the
//! invariants of idset.md §14.5, and a replica built by applying every
//! download equals the folder after each complete sync.

use ics_server::ics::invariants::{check, check_no_hidden_changes};
use ics_server::ics::replica::Replica;
use ics_server::ics::{Download, Restriction, SyncOptions};
use ics_server::mailbox::{DeleteKind, Mailbox, MessageContent, MessageEdit};
use ics_wire::ids::{Fid, Mid};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Create { fai: bool, subject: u8, body: bool },
    SetGroupProp { pick: usize, group: u8, value: u8 },
    SetOtherProp { pick: usize, value: u8 },
    DeleteProp { pick: usize, body: bool },
    Recipients { pick: usize, n: u8 },
    Delete { pick: usize, hard: bool },
    Read { pick: usize, read: bool },
    MoveOut { pick: usize },
    MoveIn { pick: usize },
    Sync { variant: u8 },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (any::<bool>(), any::<u8>(), any::<bool>()).prop_map(|(fai, subject, body)| Op::Create { fai, subject, body }),
        3 => (any::<usize>(), 0u8..3, any::<u8>()).prop_map(|(pick, group, value)| Op::SetGroupProp { pick, group, value }),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(pick, value)| Op::SetOtherProp { pick, value }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, body)| Op::DeleteProp { pick, body }),
        1 => (any::<usize>(), 0u8..3).prop_map(|(pick, n)| Op::Recipients { pick, n }),
        1 => (any::<usize>(), any::<bool>()).prop_map(|(pick, hard)| Op::Delete { pick, hard }),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(pick, read)| Op::Read { pick, read }),
        1 => any::<usize>().prop_map(|pick| Op::MoveOut { pick }),
        1 => any::<usize>().prop_map(|pick| Op::MoveIn { pick }),
        3 => (0u8..5).prop_map(|variant| Op::Sync { variant }),
    ]
}

fn pick(mb: &Mailbox, f: Fid, i: usize) -> Option<Mid> {
    let mut mids: Vec<Mid> = mb.folder(f)?.messages().map(|m| m.mid).collect();
    mids.sort_by_key(|m| m.globcnt());
    (!mids.is_empty()).then(|| mids[i % mids.len()])
}

fn tv(tag: PropTag, value: PropValue) -> TaggedValue {
    TaggedValue { tag, value }
}

/// Sync variants: 0/1 complete (convergence checked), 2 NoDeletions, 3
/// normal only, 4 FAI only without read state.
fn options(variant: u8) -> (SyncOptions, bool) {
    let mut o = SyncOptions::contents();
    o.partial_item = true;
    match variant {
        1 => {
            o.eid = true;
            o.change_number = true;
            o.progress = true;
            o.order_by_delivery_time = true;
            o.partial_item = false;
        }
        2 => o.no_deletions = true,
        3 => o.fai = false,
        4 => {
            o.normal = false;
            o.read_state = false;
        }
        _ => {}
    }
    (o, variant <= 1)
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut mb = Mailbox::default();
    let inbox = mb.create_folder(mb.root(), "Inbox").unwrap();
    let other = mb.create_folder(mb.root(), "Other").unwrap();
    let mut rep = Replica::default();
    // A second replica of another scope: the same folder under a restriction
    // (its own state, R-134), with NoLongerInScope reporting.
    let mut rep_r = Replica::default();
    let mut ropts = SyncOptions::contents();
    ropts.restriction = Some(Restriction::Substring {
        tag: tags::PID_TAG_SUBJECT,
        text: "1".into(),
        ignore_case: false,
    });
    let group_tags = [
        tags::PID_TAG_SUBJECT,
        tags::PID_TAG_BODY,
        PropTag(0x1090_0003),
    ];
    for op in ops.into_iter().chain([Op::Sync { variant: 0 }]) {
        match op {
            Op::Create { fai, subject, body } => {
                let mut props = vec![tv(
                    tags::PID_TAG_SUBJECT,
                    PropValue::unicode(&format!("s{subject}")),
                )];
                if body {
                    props.push(tv(tags::PID_TAG_BODY, PropValue::unicode("body")));
                }
                mb.create_message(inbox, fai, MessageContent::with_props(props))
                    .unwrap();
            }
            Op::SetGroupProp {
                pick: p,
                group,
                value,
            } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    let tag = group_tags[group as usize];
                    let v = if group == 2 {
                        PropValue::I32(value.into())
                    } else {
                        PropValue::unicode(&format!("v{value}"))
                    };
                    mb.modify_message(
                        m,
                        MessageEdit {
                            set: vec![tv(tag, v)],
                            ..Default::default()
                        },
                        None,
                    )
                    .unwrap();
                }
            }
            Op::SetOtherProp { pick: p, value } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    let set = vec![tv(PropTag(0x8010_0003), PropValue::I32(value.into()))];
                    mb.modify_message(
                        m,
                        MessageEdit {
                            set,
                            ..Default::default()
                        },
                        None,
                    )
                    .unwrap();
                }
            }
            Op::DeleteProp { pick: p, body } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    let t = if body {
                        tags::PID_TAG_BODY
                    } else {
                        tags::PID_TAG_SUBJECT
                    };
                    mb.modify_message(
                        m,
                        MessageEdit {
                            delete: vec![t],
                            ..Default::default()
                        },
                        None,
                    )
                    .unwrap();
                }
            }
            Op::Recipients { pick: p, n } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    let rows = (0..n)
                        .map(|i| {
                            ics_server::mailbox::PropertyBag::from_values([
                                tv(PropTag(0x3000_0003), PropValue::I32(i.into())),
                                tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("r")),
                            ])
                        })
                        .collect();
                    mb.modify_message(
                        m,
                        MessageEdit {
                            recipients: Some(rows),
                            ..Default::default()
                        },
                        None,
                    )
                    .unwrap();
                }
            }
            Op::Delete { pick: p, hard } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    mb.delete_message(
                        m,
                        if hard {
                            DeleteKind::Hard
                        } else {
                            DeleteKind::Soft
                        },
                    )
                    .unwrap();
                }
            }
            Op::Read { pick: p, read } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    mb.set_read(m, read).unwrap();
                }
            }
            Op::MoveOut { pick: p } => {
                if let Some(m) = pick(&mb, inbox, p) {
                    mb.move_message(m, other).unwrap();
                }
            }
            Op::MoveIn { pick: p } => {
                if let Some(m) = pick(&mb, other, p) {
                    mb.move_message(m, inbox).unwrap();
                }
            }
            Op::Sync { variant } => {
                let (opts, complete) = options(variant);
                let initial = rep.state.clone();
                let els = Download::new(&mb, inbox, opts.clone(), initial.clone())
                    .unwrap()
                    .collect(&mb)
                    .unwrap();
                if let Err(v) = check(&initial, &els) {
                    return Err(TestCaseError::fail(format!("invariants: {v:?}")));
                }
                if let Err(v) = check_no_hidden_changes(&mb, inbox, opts.kind, &initial, &els) {
                    return Err(TestCaseError::fail(format!("R-135: {v:?}")));
                }
                rep.apply(&els);
                if complete {
                    let initial = rep_r.state.clone();
                    let els = Download::new(&mb, inbox, ropts.clone(), initial.clone())
                        .unwrap()
                        .collect(&mb)
                        .unwrap();
                    if let Err(v) = check(&initial, &els) {
                        return Err(TestCaseError::fail(format!(
                            "invariants (restricted): {v:?}"
                        )));
                    }
                    if let Err(v) = check_no_hidden_changes(&mb, inbox, ropts.kind, &initial, &els)
                    {
                        return Err(TestCaseError::fail(format!("R-135 (restricted): {v:?}")));
                    }
                    rep_r.apply(&els);
                    prop_assert_eq!(&rep_r.objects, &Replica::expected(&mb, inbox, &ropts));
                    prop_assert_eq!(&rep.objects, &Replica::expected(&mb, inbox, &opts));
                    // Syncing again right away brings nothing but the state.
                    let again = Download::new(&mb, inbox, opts, rep.state.clone())
                        .unwrap()
                        .collect(&mb)
                        .unwrap();
                    let extra = again
                        .iter()
                        .filter(|e| {
                            !matches!(
                                e,
                                ics_server::ics::Element::State(_)
                                    | ics_server::ics::Element::ProgressTotal(_)
                            )
                        })
                        .count();
                    prop_assert_eq!(extra, 0);
                }
            }
        }
    }
    Ok(())
}

#[derive(Debug, Clone)]
enum HOp {
    Create { parent: usize },
    Rename { pick: usize, v: u8 },
    Move { pick: usize, to: usize },
    Delete { pick: usize },
    Sync,
}

fn hop() -> impl Strategy<Value = HOp> {
    prop_oneof![
        3 => any::<usize>().prop_map(|parent| HOp::Create { parent }),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(pick, v)| HOp::Rename { pick, v }),
        2 => (any::<usize>(), any::<usize>()).prop_map(|(pick, to)| HOp::Move { pick, to }),
        1 => any::<usize>().prop_map(|pick| HOp::Delete { pick }),
        2 => Just(HOp::Sync),
    ]
}

fn run_hierarchy(ops: Vec<HOp>) -> Result<(), TestCaseError> {
    let mut mb = Mailbox::default();
    let top = mb.create_folder(mb.root(), "Top").unwrap();
    let mut opts = SyncOptions::hierarchy();
    opts.eid = true;
    let mut rep = Replica::default();
    let all = |mb: &Mailbox| {
        let mut v = mb.descendants(mb.root());
        v.sort_by_key(|f| f.globcnt());
        v
    };
    for op in ops.into_iter().chain([HOp::Sync]) {
        let fs = all(&mb);
        match op {
            HOp::Create { parent } => {
                mb.create_folder(fs[parent % fs.len()], "n").unwrap();
            }
            HOp::Rename { pick, v } => {
                let f = fs[pick % fs.len()];
                mb.set_folder_properties(
                    f,
                    &[tv(
                        tags::PID_TAG_DISPLAY_NAME,
                        PropValue::unicode(&format!("n{v}")),
                    )],
                    &[],
                    None,
                )
                .unwrap();
            }
            HOp::Move { pick, to } => {
                let (f, t) = (fs[pick % fs.len()], fs[to % fs.len()]);
                let _ = mb.move_folder(f, t, None); // cycles are refused
            }
            HOp::Delete { pick } => {
                let f = fs[pick % fs.len()];
                if f != top {
                    mb.delete_folder(f, DeleteKind::Hard).unwrap();
                }
            }
            HOp::Sync => {
                let initial = rep.state.clone();
                let els = Download::new(&mb, top, opts.clone(), initial.clone())
                    .unwrap()
                    .collect(&mb)
                    .unwrap();
                if let Err(v) = check(&initial, &els) {
                    return Err(TestCaseError::fail(format!("invariants: {v:?}")));
                }
                if let Err(v) = check_no_hidden_changes(&mb, top, opts.kind, &initial, &els) {
                    return Err(TestCaseError::fail(format!("R-135: {v:?}")));
                }
                rep.apply(&els);
                prop_assert_eq!(&rep.objects, &Replica::expected(&mb, top, &opts));
            }
        }
    }
    Ok(())
}

/// 96 cases by default; PROPTEST_CASES overrides.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(96)
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::with_cases(cases()) })]

    #[test]
    fn contents_sync_converges(ops in prop::collection::vec(op(), 1..60)) {
        run(ops)?;
    }

    #[test]
    fn hierarchy_sync_converges(ops in prop::collection::vec(hop(), 1..40)) {
        run_hierarchy(ops)?;
    }
}
