//! RopSynchronizationImportDeletes on a hierarchy collector, driven through
//! ROP bytes ([MS-OXCFXICS] 2.2.3.2.4.5, 3.2.5.9.4.5; ).

mod common;

use common::Client;
use ics_server::session::profile::Profile;
use ics_wire::Guid;
use ics_wire::ids::{Fid, Gid, GlobCnt, ReplGuid, Xid};
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::flags::ImportDeleteFlags;
use ics_wire::rop::import::*;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

fn tv(tag: PropTag, value: PropValue) -> TaggedPropertyValue {
    TaggedPropertyValue(TaggedValue { tag, value })
}

/// A hierarchy collector (slot 2) on folder Sync (slot 1) holding A / A1 and B.
fn setup() -> (Client, [Fid; 4]) {
    let mut c = Client::new(Profile::default());
    let ipm = c.s.special_folders()[3];
    let mb = c.s.mailbox_mut();
    let sync = mb.create_folder(ipm, "Sync").unwrap();
    let a = mb.create_folder(sync, "A").unwrap();
    let a1 = mb.create_folder(a, "A1").unwrap();
    let b = mb.create_folder(sync, "B").unwrap();
    c.open(sync);
    let r = c.call(vec![RopRequest::SynchronizationOpenCollector(
        SynchronizationOpenCollectorRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            is_contents_collector: 0,
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationOpenCollector(x) if x.return_value == ErrorCode::Success)
    );
    (c, [sync, a, a1, b])
}

fn key(c: &Client, f: Fid) -> Vec<u8> {
    c.s.mailbox().source_key_of(f.0)
}

fn delete(c: &mut Client, flags: u8, keys: Vec<Vec<u8>>) -> ErrorCode {
    let r = c.call(vec![RopRequest::SynchronizationImportDeletes(
        SynchronizationImportDeletesRequest {
            logon_id: 0,
            input_handle_index: 2,
            import_delete_flags: ImportDeleteFlags(flags),
            property_values: vec![tv(PropTag(0x0000_1102), PropValue::MvBinary(keys))],
        },
    )]);
    match &r.rops[0] {
        RopResponse::SynchronizationImportDeletes(x) => x.return_value,
        other => panic!("{other:?}"),
    }
}

const HIERARCHY: u8 = ImportDeleteFlags::HIERARCHY.0;

/// the Hierarchy flag on a hierarchy collector deletes the folder
/// with its subtree; without it the ROP fails; a second deletion is ignored
/// the collector's own folder and folders outside it stay.
#[test]
fn folders_deleted_with_their_subtree() {
    let (mut c, [sync, a, a1, b]) = setup();
    let ka = key(&c, a);
    assert_eq!(
        delete(&mut c, 0, vec![ka.clone()]),
        ErrorCode::InvalidParameter
    );
    assert!(c.s.mailbox().folder(a).is_some());
    let ipm = c.s.special_folders()[3];
    let outside = c.s.mailbox_mut().create_folder(ipm, "Outside").unwrap();
    let keys = vec![ka.clone(), key(&c, sync), key(&c, outside)];
    assert_eq!(delete(&mut c, HIERARCHY, keys), ErrorCode::Success);
    let mb = c.s.mailbox();
    assert!(mb.folder(a).is_none() && mb.folder(a1).is_none());
    assert!(mb.folder_tombstone(a1).is_some());
    assert!(mb.folder(b).is_some() && mb.folder(sync).is_some() && mb.folder(outside).is_some());
    assert_eq!(
        delete(
            &mut c,
            HIERARCHY | ImportDeleteFlags::HARD_DELETE.0,
            vec![ka]
        ),
        ErrorCode::Success
    );
}

/// the deletion of a folder id the server never had is recorded, so
/// an ImportHierarchyChange cannot create it afterwards (SyncObjectDeleted).
#[test]
fn deleting_an_unseen_folder_prevents_its_creation() {
    let (mut c, _) = setup();
    let r = c.call(vec![RopRequest::GetLocalReplicaIds(
        ics_wire::rop::idmgmt::GetLocalReplicaIdsRequest {
            logon_id: 0,
            input_handle_index: 0,
            id_count: 0x10,
        },
    )]);
    let RopResponse::GetLocalReplicaIds(x) = &r.rops[0] else {
        panic!()
    };
    let s = x.result.success().unwrap();
    let gid = Gid {
        replguid: ReplGuid(s.repl_guid.0),
        globcnt: GlobCnt::new(s.global_count.value()).unwrap(),
    };
    let sk = gid.to_xid().to_bytes();
    assert_eq!(
        delete(&mut c, HIERARCHY, vec![sk.clone()]),
        ErrorCode::Success
    );
    let ck = Xid::new(Guid([0xC1; 16]), &1u64.to_be_bytes()).unwrap();
    let hv = vec![
        tv(
            tags::PID_TAG_PARENT_SOURCE_KEY,
            PropValue::Binary(Vec::new()),
        ),
        tv(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(sk)),
        tv(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(1)),
        tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck.to_bytes())),
        tv(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            PropValue::Binary(Pcl::single(ck).to_bytes()),
        ),
        tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("zombie")),
    ];
    let r = c.call(vec![RopRequest::SynchronizationImportHierarchyChange(
        SynchronizationImportHierarchyChangeRequest {
            logon_id: 0,
            input_handle_index: 2,
            hierarchy_values: hv,
            property_values: vec![tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("zombie"))],
        },
    )]);
    let RopResponse::SynchronizationImportHierarchyChange(x) = &r.rops[0] else {
        panic!()
    };
    assert_eq!(x.result.return_value(), ErrorCode::SyncObjectDeleted);
}
