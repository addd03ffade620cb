//! Apply rules of a download on the replica ([MS-OXCSYNC] 3.1.5.3), without any codec.

mod common;

use common::*;
use ics_client::ReplicaError;
use ics_client::model::*;
use ics_client::replica::{Replica, schema};
use ics_wire::prop::{NameKind, PropValue, PropertyName, tags};
use ics_wire::{GlobCnt, Guid, ReplGuid};

fn apply(r: &mut Replica, scope: &Scope, changes: &[Change], st: &StateBlobs) {
    let mut t = r.begin_download(scope).unwrap();
    for c in changes {
        t.apply(c).unwrap();
    }
    t.commit(st).unwrap();
}

fn flags(v: i32) -> Prop {
    Prop::tagged(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(v))
}

/// a full item change removes every local property and stores the downloaded set.
#[test]
fn r319_full_change_replaces_all_properties() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    let body = Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("body"));
    apply(
        &mut r,
        &scope,
        &[full(1, 1, vec![subject("a"), body.clone()])],
        &state(1),
    );
    apply(&mut r, &scope, &[full(1, 2, vec![subject("b")])], &state(2));
    let m = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(
        m.props,
        vec![subject("b")],
        "the body removed on the server must disappear"
    );
    assert_eq!(m.change_key, sk(0x1002));
    assert_eq!(m.last_modification_time, 1002);
    assert_eq!(r.state(&scope).unwrap(), state(2));
}

/// a partial change deletes only the properties of the groups it sends.
#[test]
fn r325_partial_change_deletes_only_its_groups() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    let body = |s| Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode(s));
    let class = |s| Prop::tagged(tags::PID_TAG_MESSAGE_CLASS, PropValue::unicode(s));
    let size = Prop::tagged(tags::PID_TAG_MESSAGE_SIZE, PropValue::I32(7));
    apply(
        &mut r,
        &scope,
        &[full(
            1,
            1,
            vec![subject("s"), body("old"), class("IPM.Note"), size.clone()],
        )],
        &state(1),
    );
    // Group 0 = {subject, message class}, group 1 = {body}, group 2 = {message size}.
    let mapping = vec![
        vec![
            PropKey::of_tag(tags::PID_TAG_SUBJECT),
            PropKey::of_tag(tags::PID_TAG_MESSAGE_CLASS),
        ],
        vec![PropKey::of_tag(tags::PID_TAG_BODY)],
        vec![PropKey::of_tag(tags::PID_TAG_MESSAGE_SIZE)],
    ];
    let partial = Change::MessagePartial(MessagePartial {
        header: header(1, 2, false),
        mapping,
        groups: vec![
            // Group 0 now holds only the subject: the message class was deleted on the server.
            (0, vec![subject("new")]),
            // Group 2 changed and is empty: the placeholder, then nothing.
            (
                2,
                vec![Prop::tagged(EMPTY_GROUP_PLACEHOLDER, PropValue::I32(0))],
            ),
            // Properties outside every group.
            (NO_GROUP, vec![tagged(0x0E17_0003, PropValue::I32(5))]),
        ],
        children: Children::default(),
    });
    apply(&mut r, &scope, &[partial], &state(2));
    let m = r.message(&sk(1)).unwrap().unwrap();
    let mut want = vec![
        subject("new"),
        body("old"),
        tagged(0x0E17_0003, PropValue::I32(5)),
    ];
    want.sort_by(|a, b| a.key.cmp(&b.key));
    assert_eq!(m.props, want);
    assert_eq!(m.change_key, sk(0x1002));
}

/// a partial change for a message the replica lacks fails the download; nothing is kept.
#[test]
fn r146_partial_change_for_unknown_message_fails_and_rolls_back() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    apply(&mut r, &scope, &[full(1, 1, vec![subject("a")])], &state(1));
    let before = r.dump().unwrap();
    let mut t = r.begin_download(&scope).unwrap();
    t.apply(&full(2, 1, vec![subject("x")])).unwrap();
    let e = t
        .apply(&Change::MessagePartial(MessagePartial {
            header: header(9, 1, false),
            mapping: vec![],
            groups: vec![],
            children: Children::default(),
        }))
        .unwrap_err();
    assert!(matches!(e, ReplicaError::UnknownMessage(_)), "{e}");
    drop(t);
    assert_eq!(r.dump().unwrap(), before);
}

/// A group index outside the mapping is an error, not a silent skip.
#[test]
fn partial_change_with_group_outside_mapping_is_an_error() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    apply(&mut r, &scope, &[full(1, 1, vec![subject("a")])], &state(1));
    let mut t = r.begin_download(&scope).unwrap();
    let e = t
        .apply(&Change::MessagePartial(MessagePartial {
            header: header(1, 2, false),
            mapping: vec![vec![PropKey::of_tag(tags::PID_TAG_SUBJECT)]],
            groups: vec![(3, vec![])],
            children: Children::default(),
        }))
        .unwrap_err();
    assert!(matches!(e, ReplicaError::Corrupt(_)), "{e}");
}

/// Deletions (hard or soft: one meta-property, R-157), NoLongerInScope and Expired all delete locally.
#[test]
fn deletions_of_every_kind_remove_messages() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    let msgs: Vec<Change> = (1..=5).map(|n| full(n, 1, vec![subject("m")])).collect();
    apply(&mut r, &scope, &msgs, &state(1));
    let mut t = r.begin_download(&scope).unwrap();
    t.apply(&Change::Deletions {
        kind: DeletionKind::Deleted,
        ids: vec![sk(1), sk(2), sk(77)],
    })
    .unwrap();
    t.apply(&Change::Deletions {
        kind: DeletionKind::NoLongerInScope,
        ids: vec![sk(3)],
    })
    .unwrap();
    t.apply(&Change::Deletions {
        kind: DeletionKind::Expired,
        ids: vec![sk(4)],
    })
    .unwrap();
    let s = t.commit(&state(2)).unwrap();
    assert_eq!((s.deleted, s.deletions_unknown), (4, 1));
    let left: Vec<_> = r
        .messages_in_fid(FOLDER)
        .unwrap()
        .into_iter()
        .map(|m| m.source_key)
        .collect();
    assert_eq!(left, vec![sk(5)]);
}

/// Deletions of a contents scope touch only that folder.
#[test]
fn contents_deletions_stay_in_their_folder() {
    let mut r = Replica::open_in_memory().unwrap();
    let a = Scope::contents(FOLDER);
    let b = Scope::contents(FOLDER + 1);
    apply(&mut r, &a, &[full(1, 1, vec![subject("in a")])], &state(1));
    apply(
        &mut r,
        &b,
        &[Change::Deletions {
            kind: DeletionKind::Deleted,
            ids: vec![sk(1)],
        }],
        &state(1),
    );
    assert!(r.message(&sk(1)).unwrap().is_some());
}

/// Read-state changes set the read flag and PidTagMessageFlags; FAI messages are ignored.
#[test]
fn read_state_changes_and_fai() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    apply(
        &mut r,
        &scope,
        &[
            full(1, 1, vec![flags(0x10)]),
            full(2, 1, vec![flags(0x11)]),
            fai(3, 1, vec![subject("cfg")]),
        ],
        &state(1),
    );
    assert!(!r.message(&sk(1)).unwrap().unwrap().read);
    assert!(r.message(&sk(2)).unwrap().unwrap().read);
    let m3 = r.message(&sk(3)).unwrap().unwrap();
    assert!(m3.fai && !m3.read);
    apply(
        &mut r,
        &scope,
        &[Change::ReadState {
            read: vec![sk(1), sk(3), sk(99)],
            unread: vec![sk(2)],
        }],
        &state(2),
    );
    let m1 = r.message(&sk(1)).unwrap().unwrap();
    assert!(m1.read);
    assert_eq!(m1.props, vec![flags(0x11)]);
    let m2 = r.message(&sk(2)).unwrap().unwrap();
    assert!(!m2.read);
    assert_eq!(m2.props, vec![flags(0x10)]);
    assert!(
        !r.message(&sk(3)).unwrap().unwrap().read,
        "FAI read state is ignored"
    );
    // A full change without PidTagMessageFlags keeps the read state.
    apply(&mut r, &scope, &[full(1, 2, vec![subject("x")])], &state(3));
    assert!(r.message(&sk(1)).unwrap().unwrap().read);
}

/// an errorInfo moves the item to the unsynchronized folder; the download goes on.
#[test]
fn r322_error_info_moves_item_aside_and_sync_goes_on() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    apply(&mut r, &scope, &[full(1, 1, vec![subject("a")])], &state(1));
    let mut t = r.begin_download(&scope).unwrap();
    t.apply(&Change::ErrorInfo {
        error_code: 0x8004_010F,
        folder: None,
        message: Some(sk(1)),
    })
    .unwrap();
    t.apply(&Change::ErrorInfo {
        error_code: 0x8007_000E,
        folder: None,
        message: Some(sk(2)),
    })
    .unwrap();
    t.apply(&full(3, 1, vec![subject("after")])).unwrap();
    let s = t.commit(&state(2)).unwrap();
    assert_eq!(s.errors.len(), 2);
    let unsync = r.unsynchronized_folder().unwrap();
    let aside = r.messages_in_folder(unsync).unwrap();
    assert_eq!(aside.len(), 2);
    assert_eq!(aside[0].source_key, sk(1));
    assert_eq!(aside[0].error_code, Some(0x8004_010F));
    assert_eq!(
        aside[0].props,
        vec![subject("a")],
        "the moved item keeps its content"
    );
    assert_eq!(aside[1].error_code, Some(0x8007_000E));
    let left: Vec<_> = r
        .messages_in_fid(FOLDER)
        .unwrap()
        .into_iter()
        .map(|m| m.source_key)
        .collect();
    assert_eq!(left, vec![sk(3)]);
    // Items in the unsynchronized folder are out of reach of the folder's deletions.
    apply(
        &mut r,
        &scope,
        &[Change::Deletions {
            kind: DeletionKind::Deleted,
            ids: vec![sk(1)],
        }],
        &state(3),
    );
    assert_eq!(r.messages_in_folder(unsync).unwrap().len(), 2);
}

fn folder(n: u64, parent: Option<u64>, name: &str) -> Change {
    Change::Folder(FolderChange {
        source_key: sk(n),
        parent_source_key: parent.map(sk).unwrap_or_default(),
        fid: Some(0x100 + n),
        last_modification_time: 5,
        change_key: sk(0x2000 + n),
        pcl: vec![1],
        display_name: name.into(),
        props: vec![Prop::tagged(
            tags::PID_TAG_DISPLAY_NAME,
            PropValue::unicode(name),
        )],
    })
}

/// Hierarchy sync builds the tree; a folder deletion removes its subtree, messages and states.
#[test]
fn hierarchy_changes_and_folder_deletion() {
    let mut r = Replica::open_in_memory().unwrap();
    let h = Scope::hierarchy(FOLDER);
    apply(
        &mut r,
        &h,
        &[
            folder(1, None, "Inbox"),
            folder(2, Some(1), "Sub"),
            folder(3, None, "Notes"),
        ],
        &state(1),
    );
    let root = r.folder_by_fid(FOLDER).unwrap().unwrap();
    let tree = r.subfolders(root.id).unwrap();
    let names: Vec<_> = tree.iter().map(|f| f.display_name.as_str()).collect();
    assert_eq!(names, vec!["Inbox", "Notes", "Sub"]);
    let sub = r.folder_by_source_key(&sk(2)).unwrap().unwrap();
    assert_eq!(
        sub.parent_id,
        Some(r.folder_by_source_key(&sk(1)).unwrap().unwrap().id)
    );
    // Contents of Sub, then rename Inbox, then delete Inbox (and Sub with it).
    let sub_scope = Scope::contents(0x102);
    apply(
        &mut r,
        &sub_scope,
        &[full(50, 1, vec![subject("deep")])],
        &state(7),
    );
    apply(&mut r, &h, &[folder(1, None, "Renamed")], &state(2));
    assert_eq!(
        r.folder_by_fid(0x101).unwrap().unwrap().display_name,
        "Renamed"
    );
    apply(
        &mut r,
        &h,
        &[Change::Deletions {
            kind: DeletionKind::Deleted,
            ids: vec![sk(1)],
        }],
        &state(3),
    );
    let tree = r.subfolders(root.id).unwrap();
    assert_eq!(
        tree.iter()
            .map(|f| f.display_name.as_str())
            .collect::<Vec<_>>(),
        vec!["Notes"]
    );
    assert!(r.message(&sk(50)).unwrap().is_none());
    assert_eq!(
        r.state(&sub_scope).unwrap(),
        StateBlobs::default(),
        "state of a deleted scope is void"
    );
}

/// Parents come before children ([MS-OXCFXICS] 2.2.4.3.9): an unknown parent fails the download.
#[test]
fn folder_with_unknown_parent_fails() {
    let mut r = Replica::open_in_memory().unwrap();
    let mut t = r.begin_download(&Scope::hierarchy(FOLDER)).unwrap();
    assert!(matches!(
        t.apply(&folder(2, Some(1), "orphan")),
        Err(ReplicaError::UnknownFolder(_))
    ));
}

/// A contents sync before the hierarchy sync creates a stub folder that the hierarchy sync fills in.
#[test]
fn contents_before_hierarchy_reuses_the_folder() {
    let mut r = Replica::open_in_memory().unwrap();
    apply(
        &mut r,
        &Scope::contents(0x101),
        &[full(1, 1, vec![])],
        &state(1),
    );
    apply(
        &mut r,
        &Scope::hierarchy(FOLDER),
        &[folder(1, None, "Inbox")],
        &state(1),
    );
    let f = r.folder_by_fid(0x101).unwrap().unwrap();
    assert_eq!(f.source_key, Some(sk(1)));
    assert_eq!(r.messages_in_folder(f.id).unwrap().len(), 1);
}

/// Named properties, children and a zero-property child survive storage.
#[test]
fn named_properties_and_children_are_stored() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    let named = |k| Prop {
        key: PropKey::Named(PropertyName {
            guid: Guid::from_bytes([3; 16]),
            kind: k,
        }),
        value: PropValue::I32(1),
    };
    let p1 = named(NameKind::Lid(0x8501));
    let p2 = named(NameKind::Name("Keywords".into()));
    let rowid = tagged(0x3000_0003, PropValue::I32(0));
    let m = Change::MessageFull(MessageFull {
        header: header(1, 1, false),
        props: vec![p1.clone(), p2.clone()],
        children: Children {
            recipients: Some(vec![vec![rowid.clone()], vec![]]),
            attachments: Some(vec![vec![tagged(0x0E21_0003, PropValue::I32(0))]]),
        },
    });
    apply(&mut r, &scope, &[m], &state(1));
    let got = r.message(&sk(1)).unwrap().unwrap();
    assert_eq!(got.props.len(), 2);
    assert!(got.props.contains(&p1) && got.props.contains(&p2));
    assert_eq!(got.recipients, vec![vec![rowid], vec![]]);
    assert_eq!(got.attachments.len(), 1);
    // A full change without children removes them (the full item is complete).
    apply(&mut r, &scope, &[full(1, 2, vec![])], &state(2));
    let got = r.message(&sk(1)).unwrap().unwrap();
    assert!(got.recipients.is_empty() && got.attachments.is_empty());
}

/// Dropping or rolling back a download keeps the old replica and the old state.
#[test]
fn rollback_keeps_old_replica_and_state() {
    let mut r = Replica::open_in_memory().unwrap();
    let scope = Scope::contents(FOLDER);
    apply(&mut r, &scope, &[full(1, 1, vec![subject("a")])], &state(1));
    let before = r.dump().unwrap();
    let mut t = r.begin_download(&scope).unwrap();
    t.apply(&full(1, 2, vec![subject("b")])).unwrap();
    t.apply(&Change::Deletions {
        kind: DeletionKind::Deleted,
        ids: vec![sk(1)],
    })
    .unwrap();
    t.rollback().unwrap();
    assert_eq!(r.dump().unwrap(), before);
    {
        let mut t = r.begin_download(&scope).unwrap();
        t.apply(&full(2, 1, vec![])).unwrap();
    }
    assert_eq!(r.dump().unwrap(), before);
    assert_eq!(r.state(&scope).unwrap(), state(1));
}

/// States are kept per scope (folder, type, restriction).
#[test]
fn r267_one_state_per_scope() {
    let mut r = Replica::open_in_memory().unwrap();
    let c = Scope::contents(FOLDER);
    let h = Scope::hierarchy(FOLDER);
    let mut restricted = Scope::contents(FOLDER);
    restricted.restriction = vec![1, 2, 3];
    assert_eq!(
        r.state(&c).unwrap(),
        StateBlobs::default(),
        "first sync: empty state (R-136)"
    );
    apply(&mut r, &c, &[], &state(1));
    apply(&mut r, &h, &[], &state(2));
    apply(&mut r, &restricted, &[], &state(3));
    assert_eq!(r.state(&c).unwrap(), state(1));
    assert_eq!(r.state(&h).unwrap(), state(2));
    assert_eq!(r.state(&restricted).unwrap(), state(3));
}

fn temp_db(name: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!("ics-client-{}-{name}.db", std::process::id()));
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
    }
    p
}

/// the replica remembers its mailbox and refuses another one, across reopen.
#[test]
fn r270_replica_is_bound_to_its_mailbox() {
    let path = temp_db("mailbox");
    let a = Guid::from_bytes([1; 16]);
    {
        let mut r = Replica::open(&path).unwrap();
        assert_eq!(r.mailbox_guid().unwrap(), None);
        r.bind_mailbox(a).unwrap();
        r.bind_mailbox(a).unwrap();
        r.set_back_in_time_counter(41).unwrap();
    }
    let mut r = Replica::open(&path).unwrap();
    assert_eq!(r.mailbox_guid().unwrap(), Some(a));
    assert_eq!(r.back_in_time_counter().unwrap(), 41);
    match r.bind_mailbox(Guid::from_bytes([2; 16])) {
        Err(ReplicaError::WrongMailbox { replica, .. }) => assert_eq!(replica, a),
        other => panic!("{other:?}"),
    }
}

/// reserved ranges are used one ID at a time, consecutively.
#[test]
fn reserved_id_ranges() {
    let mut r = Replica::open_in_memory().unwrap();
    assert!(r.needs_id_reservation(1).unwrap());
    assert!(matches!(
        r.allocate_ids(1),
        Err(ReplicaError::NoReservedIds)
    ));
    let g = ReplGuid(Guid::from_bytes([9; 16]));
    r.add_id_range(g, GlobCnt::new(100).unwrap(), 8).unwrap();
    assert!(!r.needs_id_reservation(1).unwrap());
    let ids = r.allocate_ids(5).unwrap();
    let counters: Vec<u64> = ids.iter().map(|i| i.globcnt.value()).collect();
    assert_eq!(counters, vec![100, 101, 102, 103, 104]);
    assert!(ids.iter().all(|i| i.replguid == g));
    assert_eq!(r.reserved_ids().unwrap(), (3, 8));
    // 1 left of 8 is "mostly used".
    r.allocate_ids(2).unwrap();
    assert!(r.needs_id_reservation(1).unwrap());
    // Asking for more than is left fails without consuming anything.
    assert!(matches!(
        r.allocate_ids(2),
        Err(ReplicaError::NoReservedIds)
    ));
    assert_eq!(r.reserved_ids().unwrap(), (1, 8));
    r.add_id_range(g, GlobCnt::new(500).unwrap(), 4).unwrap();
    let ids = r.allocate_ids(3).unwrap();
    assert_eq!(
        ids.iter().map(|i| i.globcnt.value()).collect::<Vec<_>>(),
        vec![107, 500, 501]
    );
    assert!(r.add_id_range(g, GlobCnt::MAX, 2).is_err());
    assert!(r.add_id_range(g, GlobCnt::ZERO, 0).is_err());
}

/// The local folders exist once, also after reopening.
#[test]
fn local_folders_are_created_once() {
    let path = temp_db("local");
    let (u, c) = {
        let r = Replica::open(&path).unwrap();
        (
            r.unsynchronized_folder().unwrap(),
            r.conflicts_folder().unwrap(),
        )
    };
    let r = Replica::open(&path).unwrap();
    assert_eq!(r.unsynchronized_folder().unwrap(), u);
    assert_eq!(r.conflicts_folder().unwrap(), c);
    assert_ne!(u, c);
    assert_eq!(schema::SCHEMA_VERSION, 1);
}
