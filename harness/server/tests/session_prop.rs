//! proptest over ROP bytes: random mailbox changes and downloads with random
//! BufferSizes; a replica built only from the parsed FastTransfer streams
//! (full and partial changes, deletions, read-state changes, the final state
//! uploaded again next time) equals the folder after every download.

mod common;

use std::collections::BTreeMap;

use common::Client;
use ics_server::ics::SyncOptions;
use ics_server::ics::materialize::message_content;
use ics_server::mailbox::groups::GROUPS;
use ics_server::mailbox::{DeleteKind, MessageContent, MessageEdit, PropertyBag};
use ics_server::session::profile::Profile;
use ics_wire::ftstream::{self as ft, Root, RootKind};
use ics_wire::ids::Mid;
use ics_wire::idset::ReplIdSet;
use ics_wire::prop::{PropTag, PropType, PropValue, TaggedValue, tags};
use ics_wire::rop::flags::SynchronizationType;
use ics_wire::state::IcsState;
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Op {
    Create(u8),
    SetSubject(usize, u8),
    SetBody(usize, u8),
    SetOther(usize, u8),
    DeleteBody(usize),
    Delete(usize),
    Read(usize, bool),
    Sync(u8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => any::<u8>().prop_map(Op::Create),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Op::SetSubject(a, b)),
        2 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Op::SetBody(a, b)),
        1 => (any::<usize>(), any::<u8>()).prop_map(|(a, b)| Op::SetOther(a, b)),
        1 => any::<usize>().prop_map(Op::DeleteBody),
        1 => any::<usize>().prop_map(Op::Delete),
        2 => (any::<usize>(), any::<bool>()).prop_map(|(a, b)| Op::Read(a, b)),
        2 => (0u8..4).prop_map(Op::Sync),
    ]
}

#[derive(Default)]
struct Replica {
    /// By SourceKey.
    msgs: BTreeMap<Vec<u8>, PropertyBag>,
    state: IcsState,
}

fn tv(p: &ft::FtProp) -> TaggedValue {
    TaggedValue {
        tag: p.tag,
        value: p.value.clone(),
    }
}

fn source_key(header: &[ft::FtProp]) -> Vec<u8> {
    header[0].as_binary().expect("SourceKey first").to_vec()
}

impl Replica {
    fn apply(&mut self, cs: ft::ContentsSync, sk_of: impl Fn(Mid) -> Vec<u8>) {
        for item in cs.changes {
            let ft::ContentsSyncItem::Change { change, .. } = item else {
                continue;
            };
            match change {
                ft::MessageChange::Full(f) => {
                    self.msgs.insert(
                        source_key(&f.header),
                        PropertyBag::from_values(f.props.iter().map(tv)),
                    );
                }
                ft::MessageChange::Partial(p) => {
                    let bag = self
                        .msgs
                        .get_mut(&source_key(&p.header))
                        .expect("partial for a known message");
                    for g in p.groups {
                        for id in GROUPS[g.index as usize] {
                            bag.remove(PropTag::new(*id, PropType::NULL));
                        }
                        for v in g.props.iter().filter(|v| v.tag != PropTag(3)) {
                            bag.set(v.tag, v.value.clone());
                        }
                    }
                }
            }
        }
        let mids = |b: Option<&[u8]>| -> Vec<Mid> {
            b.map(|b| {
                ReplIdSet::decode_replid(b)
                    .unwrap()
                    .iter()
                    .map(|(r, g)| Mid::new(r, g))
                    .collect()
            })
            .unwrap_or_default()
        };
        if let Some(d) = &cs.deletions {
            for m in mids(d.idset_deleted())
                .into_iter()
                .chain(mids(d.idset_no_longer_in_scope()))
            {
                self.msgs.remove(&sk_of(m));
            }
        }
        if let Some(r) = &cs.read_state_changes {
            for (set, read) in [
                (mids(r.idset_read()), true),
                (mids(r.idset_unread()), false),
            ] {
                for m in set {
                    let bag = self
                        .msgs
                        .get_mut(&sk_of(m))
                        .expect("read change for a known message");
                    let f = match bag.get(tags::PID_TAG_MESSAGE_FLAGS) {
                        Some(PropValue::I32(f)) => *f,
                        _ => 0,
                    };
                    bag.set(
                        tags::PID_TAG_MESSAGE_FLAGS,
                        PropValue::I32(if read { f | 1 } else { f & !1 }),
                    );
                }
            }
        }
        let props: Vec<TaggedValue> = cs.state.props.iter().map(tv).collect();
        self.state = IcsState::from_props(&props).unwrap();
    }
}

fn pick(c: &Client, i: usize) -> Option<Mid> {
    let f = c.s.mailbox().folder(c.inbox())?;
    let mut v: Vec<Mid> = f.messages().map(|m| m.mid).collect();
    v.sort_by_key(|m| m.globcnt());
    (!v.is_empty()).then(|| v[i % v.len()])
}

fn run(ops: Vec<Op>) -> Result<(), TestCaseError> {
    let mut c = Client::new(Profile::default());
    c.s.set_check_invariants(true);
    let inbox = c.inbox();
    c.open(inbox);
    let mut rep = Replica::default();
    let set = |tag, v: PropValue| MessageEdit {
        set: vec![TaggedValue { tag, value: v }],
        ..Default::default()
    };
    for op in ops.into_iter().chain([Op::Sync(3)]) {
        let mb = c.s.mailbox_mut();
        match op {
            Op::Create(n) => {
                mb.create_message(
                    inbox,
                    n % 5 == 0,
                    MessageContent::with_props([TaggedValue {
                        tag: tags::PID_TAG_SUBJECT,
                        value: PropValue::unicode(&format!("s{n}")),
                    }]),
                )
                .unwrap();
            }
            Op::SetSubject(i, n) => {
                if let Some(m) = pick(&c, i) {
                    c.s.mailbox_mut()
                        .modify_message(
                            m,
                            set(tags::PID_TAG_SUBJECT, PropValue::unicode(&format!("t{n}"))),
                            None,
                        )
                        .unwrap();
                }
            }
            Op::SetBody(i, n) => {
                if let Some(m) = pick(&c, i) {
                    c.s.mailbox_mut()
                        .modify_message(
                            m,
                            set(
                                tags::PID_TAG_BODY,
                                PropValue::unicode(&"b".repeat(n as usize)),
                            ),
                            None,
                        )
                        .unwrap();
                }
            }
            Op::SetOther(i, n) => {
                if let Some(m) = pick(&c, i) {
                    c.s.mailbox_mut()
                        .modify_message(
                            m,
                            set(PropTag(0x0017_0003), PropValue::I32(n.into())),
                            None,
                        )
                        .unwrap();
                }
            }
            Op::DeleteBody(i) => {
                if let Some(m) = pick(&c, i) {
                    let edit = MessageEdit {
                        delete: vec![tags::PID_TAG_BODY],
                        ..Default::default()
                    };
                    c.s.mailbox_mut().modify_message(m, edit, None).unwrap();
                }
            }
            Op::Delete(i) => {
                if let Some(m) = pick(&c, i) {
                    c.s.mailbox_mut()
                        .delete_message(m, DeleteKind::Soft)
                        .unwrap();
                }
            }
            Op::Read(i, r) => {
                if let Some(m) = pick(&c, i) {
                    c.s.mailbox_mut().set_read(m, r).unwrap();
                }
            }
            Op::Sync(k) => {
                let size = [10u16, 64, 1000, 0xBABE][k as usize];
                // Unicode | PartialItem; flags: Unicode ReadState FAI Normal.
                prop_assert_eq!(
                    c.configure(SynchronizationType::CONTENTS, 0x11, 0x0039, 0),
                    ics_wire::rop::ErrorCode::Success
                );
                c.upload_state(
                    &rep.state,
                    ics_wire::state::SynchronizationType::Contents,
                    5,
                );
                let bytes = c.download(2, size).concat();
                let Root::ContentsSync(cs) = ft::parse(RootKind::ContentsSync, &bytes)
                    .map_err(|e| TestCaseError::fail(format!("{e}")))?
                else {
                    unreachable!()
                };
                let mb = c.s.mailbox();
                rep.apply(cs, |m| mb.source_key_of(m.0));
                let opts = SyncOptions::contents();
                let expected: BTreeMap<Vec<u8>, PropertyBag> = mb
                    .folder(inbox)
                    .unwrap()
                    .messages()
                    .map(|m| {
                        (
                            mb.source_key_of(m.mid.0),
                            PropertyBag::from_values(message_content(m, &opts).props),
                        )
                    })
                    .collect();
                prop_assert_eq!(&rep.msgs, &expected);
                prop_assert!(
                    c.s.invariant_violations().is_empty(),
                    "{:?}",
                    c.s.invariant_violations()
                );
            }
        }
    }
    prop_assert!(c.s.checked_downloads() > 0);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig {
        failure_persistence: None,
        ..ProptestConfig::with_cases(std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48))
    })]

    #[test]
    fn replica_from_streams_equals_folder(ops in prop::collection::vec(op(), 1..40)) {
        run(ops)?;
    }
}
