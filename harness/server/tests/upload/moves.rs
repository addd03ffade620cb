//! ImportMessageMove: moves, a newer client version, a stale version not hidden.

use super::*;

/// ImportMessageMove moves to the collector's folder with the
/// client's destination id.
#[test]
fn import_message_move() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let other = u.c.s.mailbox_mut().create_folder(inbox, "Other").unwrap();
    let mid = u.stored(other);
    let dst = u.new_gid();
    let mb = u.c.s.mailbox();
    let g = mb.replguid();
    let pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), g);
    let ck = client_xid(7);
    let req = SynchronizationImportMessageMoveRequest {
        logon_id: 0,
        input_handle_index: 2,
        source_folder_id: mb.source_key_of(other.0),
        source_message_id: mb.source_key_of(mid.0),
        predecessor_change_list: pcl.to_bytes(),
        destination_message_id: dst.to_xid().to_bytes(),
        change_number: ck.to_bytes(),
    };
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportMessageMove(req)]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportMessageMove(x) if x.result.return_value() == ErrorCode::Success)
    );
    let new = Mid::new(ics_server::mailbox::LOCAL_REPLID, dst.globcnt);
    assert_eq!(u.c.s.mailbox().folder_of(new), Some(inbox));
    assert!(u.c.s.mailbox().message(mid).is_none());
    let cn = u.c.s.mailbox().message(new).unwrap().cn;
    assert!(u.collector_state().cnset_seen.contains(u.guid, cn), "R-219");
}

/// when the client's version is newer than the server's, the move
/// succeeds with SyncClientChangeNewer and the server keeps its own change
/// identity; a move of a deleted source is SyncObjectDeleted.
#[test]
fn import_message_move_client_newer() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let other = u.c.s.mailbox_mut().create_folder(inbox, "Other").unwrap();
    let mid = u.stored(other);
    let dst = u.new_gid();
    let mb = u.c.s.mailbox();
    let g = mb.replguid();
    let server_pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), g);
    let server_ck = ics_server::mailbox::message_change_key(mb.message(mid).unwrap(), g);
    let mut client_pcl = server_pcl.clone();
    client_pcl.insert(client_xid(40)); // the client changed it offline
    let req = SynchronizationImportMessageMoveRequest {
        logon_id: 0,
        input_handle_index: 2,
        source_folder_id: mb.source_key_of(other.0),
        source_message_id: mb.source_key_of(mid.0),
        predecessor_change_list: client_pcl.to_bytes(),
        destination_message_id: dst.to_xid().to_bytes(),
        change_number: client_xid(41).to_bytes(),
    };
    let r = u.c.call(vec![RopRequest::SynchronizationImportMessageMove(
        req.clone(),
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportMessageMove(x) if x.result.return_value() == ErrorCode::SyncClientChangeNewer)
    );
    let new = Mid::new(ics_server::mailbox::LOCAL_REPLID, dst.globcnt);
    let m = u.c.s.mailbox().message(new).unwrap();
    // Neither the client's ChangeNumber nor its PCL: the server version moved
    // as it was, so the client's newer version uploaded next succeeds it.
    assert_eq!(
        ics_server::mailbox::message_change_key(m, g),
        server_ck,
        "server change identity kept"
    );
    assert_eq!(ics_server::mailbox::message_pcl(m, g), server_pcl);
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportMessageMove(req)]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportMessageMove(x) if x.result.return_value() == ErrorCode::SyncObjectDeleted)
    );
}

/// R-219 with a stale client version: the client moves the version it
/// knows, the server's newer version is what moves. The collector's state
/// records the move's CN but the moved message then carries a CN
/// the state does not claim, so the server's version comes down in the
/// next download instead of being hidden behind the move.
#[test]
fn import_message_move_of_a_stale_version_is_not_hidden() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let other = u.c.s.mailbox_mut().create_folder(inbox, "Other").unwrap();
    let mid = u.stored(other);
    let g = u.c.s.mailbox().replguid();
    let known = ics_server::mailbox::message_pcl(u.c.s.mailbox().message(mid).unwrap(), g);
    // The server changes the message after the client last saw it.
    server_edit(u.c.s.mailbox_mut(), mid, vec![subject("server")], vec![]);
    let dst = u.new_gid();
    let mb = u.c.s.mailbox();
    let req = SynchronizationImportMessageMoveRequest {
        logon_id: 0,
        input_handle_index: 2,
        source_folder_id: mb.source_key_of(other.0),
        source_message_id: mb.source_key_of(mid.0),
        predecessor_change_list: known.to_bytes(),
        destination_message_id: dst.to_xid().to_bytes(),
        change_number: client_xid(9).to_bytes(),
    };
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportMessageMove(req)]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportMessageMove(x) if x.result.return_value() == ErrorCode::Success)
    );
    let new = Mid::new(ics_server::mailbox::LOCAL_REPLID, dst.globcnt);
    assert_eq!(u.subject(new).as_deref(), Some("server"));
    let m = u.c.s.mailbox().message(new).unwrap();
    let (cn, pcl) = (m.cn, ics_server::mailbox::message_pcl(m, g));
    assert!(pcl.includes(&known), "a successor of the client's version");
    let st = u.collector_state();
    assert!(
        !st.cnset_seen.contains(u.guid, cn),
        "the server's version is not claimed"
    );
    assert!(
        !st.cnset_seen.is_empty(),
        "R-219: the move's CN is recorded"
    );
}
