//! ImportDeletes (no resurrection of unseen IDs) and ImportReadStateChanges.

use super::*;

/// ImportDeletes (hard), deleted twice is ignored, unknown flag bits fail.
#[test]
fn import_deletes() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let mid = u.stored(inbox);
    let gid = u.c.s.mailbox().ids().gid_of(mid.0).unwrap();
    let del = |flags: u8| {
        RopRequest::SynchronizationImportDeletes(SynchronizationImportDeletesRequest {
            logon_id: 0,
            input_handle_index: 2,
            import_delete_flags: ImportDeleteFlags(flags),
            property_values: vec![tv(
                PropTag(0x0000_1102),
                PropValue::MvBinary(vec![gid.to_xid().to_bytes()]),
            )],
        })
    };
    let rv = |r: &ics_wire::rop::RopResponseBuffer| match &r.rops[0] {
        RopResponse::SynchronizationImportDeletes(x) => x.return_value,
        other => panic!("{other:?}"),
    };
    assert_eq!(rv(&u.c.call(vec![del(0x10)])), ErrorCode::InvalidParameter);
    assert_eq!(
        rv(&u.c.call(vec![del(ImportDeleteFlags::HIERARCHY.0)])),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        rv(&u.c.call(vec![del(ImportDeleteFlags::HARD_DELETE.0)])),
        ErrorCode::Success
    );
    assert!(u.c.s.mailbox().message(mid).is_none());
    assert_eq!(
        rv(&u.c.call(vec![del(ImportDeleteFlags::HARD_DELETE.0)])),
        ErrorCode::Success
    );
    // An imported change of the deleted message cannot resurrect it.
    let ck = client_xid(9);
    assert_eq!(
        u.import(gid, 1, ck, &Pcl::single(ck), 0, "zombie").0,
        ErrorCode::SyncObjectDeleted
    );
}

/// R-161 ([MS-OXCFXICS] 3.2.5.9.4.5): ImportDeletes of a reserved id the
/// server never saw is recorded, so a later ImportMessageChange of that id is
/// refused with SyncObjectDeleted and creates nothing.
#[test]
fn import_deletes_of_unseen_id_prevents_resurrection() {
    let mut u = Up::new();
    let gid = u.new_gid();
    let r = u.c.call(vec![RopRequest::SynchronizationImportDeletes(
        SynchronizationImportDeletesRequest {
            logon_id: 0,
            input_handle_index: 2,
            import_delete_flags: ImportDeleteFlags(0),
            property_values: vec![tv(
                PropTag(0x0000_1102),
                PropValue::MvBinary(vec![gid.to_xid().to_bytes()]),
            )],
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportDeletes(x) if x.return_value == ErrorCode::Success)
    );
    let ck = client_xid(1);
    assert_eq!(
        u.import(gid, 1, ck, &Pcl::single(ck), 0, "zombie"),
        (ErrorCode::SyncObjectDeleted, None)
    );
    let mid = Mid(u.c.s.mailbox_mut().ids_mut().id_of_gid(gid).unwrap());
    assert!(u.c.s.mailbox().message(mid).is_none());
}

/// ImportReadStateChanges sets the read state and records the read CN.
#[test]
fn import_read_state() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let mid = u.stored(inbox);
    let sk = u.c.s.mailbox().source_key_of(mid.0);
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportReadStateChanges(
            SynchronizationImportReadStateChangesRequest {
                logon_id: 0,
                input_handle_index: 2,
                message_read_states: vec![MessageReadState {
                    message_id: sk,
                    mark_as_read: 1,
                }],
            },
        )]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportReadStateChanges(x) if x.return_value == ErrorCode::Success)
    );
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert!(m.read);
    let rcn = m.read_cn.unwrap();
    assert!(u.collector_state().cnset_read.contains(u.guid, rcn));
}
