//! Mailbox model: identifiers, change numbers, PCLs, tombstones, read state.

use ics_server::mailbox::{
    DeleteKind, Mailbox, MessageContent, MessageEdit, message_change_key, message_pcl, xid_of_cn,
};
use ics_wire::ids::GlobCnt;
use ics_wire::prop::{PropValue, TaggedValue, tags};

fn subject(s: &str) -> TaggedValue {
    TaggedValue {
        tag: tags::PID_TAG_SUBJECT,
        value: PropValue::unicode(s),
    }
}

fn setup() -> (Mailbox, ics_wire::ids::Fid) {
    let mut mb = Mailbox::default();
    let inbox = mb.create_folder(mb.root(), "Inbox").unwrap();
    (mb, inbox)
}

/// [MS-OXCFXICS] 3.1.5.3: every modification gets a new, larger CN, the
/// ChangeKey is the XID of the CN and the PCL is merged with it.
#[test]
fn modification_bumps_cn_change_key_and_pcl() {
    let (mut mb, inbox) = setup();
    let mid = mb
        .create_message(inbox, false, MessageContent::with_props([subject("a")]))
        .unwrap();
    let m0 = mb.message(mid).unwrap().clone();
    mb.modify_message(
        mid,
        MessageEdit {
            set: vec![subject("b")],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let m1 = mb.message(mid).unwrap().clone();
    assert!(m1.cn > m0.cn);
    let g = mb.replguid();
    assert_eq!(message_change_key(&m1, g), xid_of_cn(g, m1.cn));
    let pcl = message_pcl(&m1, g);
    assert!(pcl.includes(&message_pcl(&m0, g)));
    assert_eq!(pcl.xids().len(), 1, "same namespace keeps the max");
    assert!(m1.last_modified > m0.last_modified);
    assert_eq!(m1.history, vec![m0.cn]);
    // Index by CN follows the message.
    let f = mb.folder(inbox).unwrap();
    let hits: Vec<_> = f.changes_in(false, GlobCnt::ZERO, GlobCnt::MAX).collect();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].0, m1.cn);
}

/// a read/unread transition gets its own CN and leaves the message CN.
#[test]
fn read_state_has_its_own_cn() {
    let (mut mb, inbox) = setup();
    let mid = mb
        .create_message(inbox, false, MessageContent::default())
        .unwrap();
    let cn = mb.message(mid).unwrap().cn;
    assert!(mb.set_read(mid, true).unwrap());
    assert!(!mb.set_read(mid, true).unwrap(), "no transition, no CN");
    let m = mb.message(mid).unwrap();
    assert_eq!(m.cn, cn);
    let rcn = m.read_cn.unwrap();
    assert!(rcn > cn);
    assert_eq!(m.message_flags() & 1, 1);
    let f = mb.folder(inbox).unwrap();
    assert_eq!(f.read_changes_in(GlobCnt::ZERO, GlobCnt::MAX).count(), 1);
    // FAI messages have no read state.
    let fai = mb
        .create_message(inbox, true, MessageContent::default())
        .unwrap();
    assert!(!mb.set_read(fai, true).unwrap());
}

/// Group CNs: only the groups touched by an edit move; a property
/// outside the groups marks `other_cn`.
#[test]
fn edits_mark_only_touched_groups() {
    let (mut mb, inbox) = setup();
    let mid = mb
        .create_message(inbox, false, MessageContent::with_props([subject("a")]))
        .unwrap();
    let c0 = mb.message(mid).unwrap().cn;
    mb.modify_message(
        mid,
        MessageEdit {
            set: vec![TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode("x"),
            }],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    let m = mb.message(mid).unwrap();
    assert_eq!(m.groups_changed_since(c0), Some(vec![1]));
    mb.modify_message(
        mid,
        MessageEdit {
            delete: vec![tags::PID_TAG_SUBJECT],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(
        mb.message(mid).unwrap().groups_changed_since(c0),
        Some(vec![0, 1])
    );
    mb.modify_message(
        mid,
        MessageEdit {
            set: vec![TaggedValue {
                tag: ics_wire::prop::PropTag(0x8001_0003),
                value: PropValue::I32(1),
            }],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    assert_eq!(mb.message(mid).unwrap().groups_changed_since(c0), None);
}

/// R-157 and [MS-OXCFXICS] 3.1.5.3 step 6: a move creates a new MID in the
/// destination and soft-deletes the source; tombstones keep the deletion CN.
#[test]
fn move_is_copy_plus_soft_delete() {
    let (mut mb, inbox) = setup();
    let other = mb.create_folder(mb.root(), "Other").unwrap();
    let mid = mb
        .create_message(inbox, false, MessageContent::with_props([subject("m")]))
        .unwrap();
    mb.set_read(mid, true).unwrap();
    let new = mb.move_message(mid, other).unwrap();
    assert_ne!(new, mid);
    assert!(mb.message(mid).is_none());
    assert_eq!(mb.folder_of(new), Some(other));
    assert!(mb.message(new).unwrap().read);
    let t = *mb
        .folder(inbox)
        .unwrap()
        .tombstone(ics_server::mailbox::key(mid.0))
        .unwrap();
    assert_eq!(t.kind, DeleteKind::Soft);
    assert!(t.cn > mb.message(new).unwrap().cn);
    mb.delete_message(new, DeleteKind::Hard).unwrap();
    assert_eq!(mb.message_count(), 0);
}

/// Deleting a folder removes its subtree; the root cannot be deleted or moved.
#[test]
fn folder_tree_operations() {
    let (mut mb, inbox) = setup();
    let a = mb.create_folder(inbox, "A").unwrap();
    let b = mb.create_folder(a, "B").unwrap();
    mb.create_message(b, false, MessageContent::default())
        .unwrap();
    assert_eq!(mb.descendants(mb.root()), vec![inbox, a, b]);
    assert!(mb.move_folder(inbox, b, None).is_err(), "cycle");
    assert!(mb.move_folder(mb.root(), inbox, None).is_err());
    let cn_before = mb.folder(a).unwrap().cn;
    mb.move_folder(b, inbox, None).unwrap();
    assert_eq!(
        mb.folder(a).unwrap().cn,
        cn_before,
        "parent CN unchanged by child moves"
    );
    assert_eq!(mb.folder(b).unwrap().parent, Some(inbox));
    mb.delete_folder(inbox, DeleteKind::Hard).unwrap();
    assert!(mb.folder(a).is_none() && mb.folder(b).is_none());
    assert!(mb.folder_tombstone(b).is_some());
    assert_eq!(mb.message_count(), 0);
    assert!(mb.delete_folder(mb.root(), DeleteKind::Hard).is_err());
}

/// Provider-internal properties (0x6600–0x67FF) are ignored on input.
#[test]
fn internal_properties_are_not_stored() {
    let (mut mb, inbox) = setup();
    let mid = mb
        .create_message(
            inbox,
            false,
            MessageContent::with_props([
                TaggedValue {
                    tag: tags::PID_TAG_MID,
                    value: PropValue::I64(5),
                },
                subject("s"),
            ]),
        )
        .unwrap();
    let m = mb.message(mid).unwrap();
    assert!(m.content.props.get(tags::PID_TAG_MID).is_none());
    assert!(
        m.content
            .props
            .get(tags::PID_TAG_MESSAGE_DELIVERY_TIME)
            .is_some()
    );
}

/// reserved ranges never overlap later allocations; ids in use are refused.
#[test]
fn reserved_ids_are_usable_once() {
    let (mut mb, inbox) = setup();
    let (guid, first) = mb.reserve_ids(16).unwrap();
    assert_eq!(guid, mb.replguid());
    let next = mb
        .create_message(inbox, false, MessageContent::default())
        .unwrap();
    assert!(next.globcnt().value() >= first.value() + 16);
    let mid = ics_wire::ids::Mid::new(ics_server::mailbox::LOCAL_REPLID, first);
    mb.create_message_with_id(inbox, mid, false, MessageContent::default(), None)
        .unwrap();
    assert!(
        mb.create_message_with_id(inbox, mid, false, MessageContent::default(), None)
            .is_err()
    );
    mb.delete_message(mid, DeleteKind::Hard).unwrap();
    assert!(
        mb.create_message_with_id(inbox, mid, false, MessageContent::default(), None)
            .is_err(),
        "ids are never reused"
    );
}
