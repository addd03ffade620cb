//! Conflicting imports: conflict resolve messages, last writer wins, resolutions not claimed.

use super::*;

/// a conflicting version fails with FailOnConflict; without it
/// last writer wins and the PCL becomes the merge.
#[test]
fn import_conflicts() {
    let mut u = Up::new();
    let gid = u.new_gid();
    let ck1 = client_xid(1);
    u.import(gid, 1000, ck1, &Pcl::single(ck1), 0, "v1");
    let mid = Mid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    // The server changes the message: its PCL gains a server XID.
    server_edit(u.c.s.mailbox_mut(), mid, vec![subject("server")], vec![]);
    let ck2 = client_xid(2);
    let stale = Pcl::single(ck2); // does not include the server change
    assert_eq!(
        u.import(
            gid,
            u64::MAX / 2,
            ck2,
            &stale,
            ImportFlag::FAIL_ON_CONFLICT.0,
            "client"
        )
        .0,
        ErrorCode::SyncConflict
    );
    assert_eq!(u.subject(mid).as_deref(), Some("server"));
    // Newer LastModificationTime wins.
    assert_eq!(
        u.import(gid, u64::MAX / 2, ck2, &stale, 0, "client"),
        (ErrorCode::Success, Some(ErrorCode::Success))
    );
    assert_eq!(u.subject(mid).as_deref(), Some("client"));
    let g = u.c.s.mailbox().replguid();
    let pcl = ics_server::mailbox::message_pcl(u.c.s.mailbox().message(mid).unwrap(), g);
    assert!(
        pcl.includes(&stale) && pcl.xids().len() == 2,
        "merged PCL: {pcl:?}"
    );
    // Unknown ImportFlag bits fail.
    let fresh = u.new_gid();
    assert_eq!(
        u.import(fresh, 1, ck2, &stale, 0xAA, "x").0,
        ErrorCode::InvalidParameter
    );
}

/// Imports v1 of a new message (client namespace), then changes it on the
/// server, so that the next import based on v1 alone conflicts.
pub(super) fn conflicting(u: &mut Up, fai: bool) -> (Gid, Mid, Pcl) {
    let gid = u.new_gid();
    let ck1 = client_xid(1);
    let assoc = if fai { ImportFlag::ASSOCIATED.0 } else { 0 };
    u.import(gid, 1000, ck1, &Pcl::single(ck1), assoc, "v1");
    let mid = Mid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let edit = ics_server::mailbox::MessageEdit {
        set: vec![TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("server"),
        }],
        ..Default::default()
    };
    u.c.s.mailbox_mut().modify_message(mid, edit, None).unwrap();
    let g = u.c.s.mailbox().replguid();
    let server_pcl = ics_server::mailbox::message_pcl(u.c.s.mailbox().message(mid).unwrap(), g);
    (gid, mid, server_pcl)
}

/// The subjects of the embedded versions flagged PidTagInConflict, and the
/// PidTagMessageStatus of the message.
fn conflict_versions(u: &Up, mid: Mid) -> (Vec<String>, i32) {
    use ics_server::session::conflict::{PID_TAG_IN_CONFLICT, PID_TAG_MESSAGE_STATUS};
    let m = u.c.s.mailbox().message(mid).unwrap();
    let subjects = m
        .content
        .attachments
        .iter()
        .filter(|a| a.props.get(PID_TAG_IN_CONFLICT) == Some(&PropValue::Boolean(true)))
        .map(|a| {
            match a
                .embedded
                .as_ref()
                .unwrap()
                .props
                .get(tags::PID_TAG_SUBJECT)
            {
                Some(PropValue::Unicode(s)) => s.to_string_lossy(),
                other => format!("{other:?}"),
            }
        })
        .collect();
    let status = match m.content.props.get(PID_TAG_MESSAGE_STATUS) {
        Some(PropValue::I32(s)) => *s,
        _ => 0,
    };
    (subjects, status)
}

/// R-245 ([MS-OXCFXICS] 3.1.5.6.2.1, 2.2.1.4.1): without
/// PidTagResolveMethod a conflict on a normal message keeps a conflict
/// resolve message: the winner's content (last writer wins), both versions
/// as attachments with PidTagInConflict, msInConflict, the merged PCL; the
/// collector's state does not claim it.
#[test]
fn conflict_resolve_message_by_default() {
    for (client_lmt, winner) in [(u64::MAX / 2, "client"), (1, "server")] {
        let mut u = Up::new();
        let (gid, mid, server_pcl) = conflicting(&mut u, false);
        let ck2 = client_xid(2);
        let stale = Pcl::single(ck2);
        assert_eq!(
            u.import(gid, client_lmt, ck2, &stale, 0, "client"),
            (ErrorCode::Success, Some(ErrorCode::Success))
        );
        assert_eq!(u.subject(mid).as_deref(), Some(winner));
        let (mut versions, status) = conflict_versions(&u, mid);
        versions.sort();
        assert_eq!(versions, ["client", "server"]);
        assert_eq!(status & 0x800, 0x800, "msInConflict");
        let g = u.c.s.mailbox().replguid();
        let m = u.c.s.mailbox().message(mid).unwrap();
        let pcl = ics_server::mailbox::message_pcl(m, g);
        assert!(pcl.includes(&stale) && pcl.includes(&server_pcl), "{pcl:?}");
        let cn = m.cn;
        assert!(!u.collector_state().cnset_seen.contains(g, cn));
    }
}

/// [MS-OXCFXICS] 3.1.5.6.2.1: a conflict with a conflict resolve message
/// considers all versions: the new resolve message holds the earlier two and
/// the newly imported one, and its PCL includes all of them.
#[test]
fn conflict_resolve_message_keeps_every_version() {
    let mut u = Up::new();
    let (gid, mid, server_pcl) = conflicting(&mut u, false);
    let (ck2, ck3) = (client_xid(2), client_xid(3));
    let r = u.import(gid, u64::MAX / 4, ck2, &Pcl::single(ck2), 0, "client");
    assert_eq!(r, (ErrorCode::Success, Some(ErrorCode::Success)));
    let r = u.import(gid, u64::MAX / 2, ck3, &Pcl::single(ck3), 0, "third");
    assert_eq!(r, (ErrorCode::Success, Some(ErrorCode::Success)));
    assert_eq!(u.subject(mid).as_deref(), Some("third"));
    let (mut versions, status) = conflict_versions(&u, mid);
    versions.sort();
    assert_eq!(versions, ["client", "server", "third"]);
    assert_eq!(status & 0x800, 0x800);
    let g = u.c.s.mailbox().replguid();
    let pcl = ics_server::mailbox::message_pcl(u.c.s.mailbox().message(mid).unwrap(), g);
    for p in [server_pcl, Pcl::single(ck2), Pcl::single(ck3)] {
        assert!(pcl.includes(&p), "{pcl:?} includes {p:?}");
    }
}

/// FAI messages, and normal messages in a folder with
/// RESOLVE_METHOD_LAST_WRITER_WINS, resolve by last writer wins without a
/// conflict resolve message; on equal LastModificationTime the larger
/// ChangeKey NamespaceGuid wins, byte by byte.
#[test]
fn last_writer_wins_for_fai_and_by_resolve_method() {
    use ics_server::session::conflict::PID_TAG_RESOLVE_METHOD;
    let mut u = Up::new();
    let (gid, mid, _) = conflicting(&mut u, true);
    let ck2 = client_xid(2);
    let r = u.import(gid, u64::MAX / 2, ck2, &Pcl::single(ck2), 0x10, "client");
    assert_eq!(r, (ErrorCode::Success, Some(ErrorCode::Success)));
    assert_eq!(u.subject(mid).as_deref(), Some("client"));
    assert_eq!(conflict_versions(&u, mid), (vec![], 0));
    // Ties: the server's REPLGUID starts with 0x5A; 0xC1.. is larger, 0x01.. smaller.
    for (guid, winner) in [([0xC1; 16], "client"), ([0x01; 16], "server")] {
        let mut u = Up::new();
        let inbox = u.c.inbox();
        let lww = TaggedValue {
            tag: PID_TAG_RESOLVE_METHOD,
            value: PropValue::I32(1),
        };
        u.c.s
            .mailbox_mut()
            .set_folder_properties(inbox, &[lww], &[], None)
            .unwrap();
        let (gid, mid, _) = conflicting(&mut u, false);
        let server_lmt = u.c.s.mailbox().message(mid).unwrap().last_modified;
        let ck = Xid::new(Guid(guid), &7u64.to_be_bytes()).unwrap();
        let r = u.import(gid, server_lmt, ck, &Pcl::single(ck), 0, "client");
        assert_eq!(r, (ErrorCode::Success, Some(ErrorCode::Success)));
        assert_eq!(u.subject(mid).as_deref(), Some(winner), "{guid:02x?}");
        assert_eq!(conflict_versions(&u, mid), (vec![], 0));
    }
}

/// [MS-OXCFXICS] 3.2.5.9.4.2 / 3.1.5.6 (idset.md §14, §16): a conflict the
/// server resolves itself (no FailOnConflict) yields a version the client
/// does not have — the server's content when it wins, and the merged PCL
/// either way — so the collector's state MUST NOT claim its CN: the winner
/// comes down in the next download. A plain newer version is claimed.
#[test]
fn server_resolved_conflict_is_not_claimed() {
    let mut u = Up::new();
    let gid = u.new_gid();
    let ck1 = client_xid(1);
    u.import(gid, 1000, ck1, &Pcl::single(ck1), 0, "v1");
    let mid = Mid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let seen = |u: &mut Up| {
        let cn = u.c.s.mailbox().message(mid).unwrap().cn;
        u.collector_state().cnset_seen.contains(u.guid, cn)
    };
    assert!(seen(&mut u), "R-173: the imported version is claimed");
    let server_edit = |u: &mut Up, s: &str| {
        server_edit(u.c.s.mailbox_mut(), mid, vec![subject(s)], vec![]);
    };
    // The server version is newer by LastModificationTime: it wins.
    server_edit(&mut u, "server");
    u.c.s.mailbox_mut().set_read(mid, true).unwrap();
    let ck2 = client_xid(2);
    let stale = Pcl::single(ck1).merge(&Pcl::single(ck2));
    assert_eq!(
        u.import(gid, 2000, ck2, &stale, 0, "client loses"),
        (ErrorCode::Success, Some(ErrorCode::Success))
    );
    assert_eq!(u.subject(mid).as_deref(), Some("server"));
    assert!(
        u.c.s.mailbox().message(mid).unwrap().read,
        "the kept server version keeps its read state"
    );
    let g = u.c.s.mailbox().replguid();
    let pcl = ics_server::mailbox::message_pcl(u.c.s.mailbox().message(mid).unwrap(), g);
    assert!(pcl.includes(&stale), "R-238: the result succeeds both");
    assert!(!seen(&mut u), "the winner is not the client's version");
    // The imported version is newer by LastModificationTime: it wins, but
    // with the merged PCL, which the client does not have either.
    server_edit(&mut u, "server 2");
    let ck3 = client_xid(3);
    let stale = stale.merge(&Pcl::single(ck3));
    assert_eq!(
        u.import(gid, u64::MAX / 2, ck3, &stale, 0, "client wins"),
        (ErrorCode::Success, Some(ErrorCode::Success))
    );
    assert_eq!(u.subject(mid).as_deref(), Some("client wins"));
    assert!(!seen(&mut u));
    // A version that succeeds the server's is no conflict: claimed.
    let now = ics_server::mailbox::message_pcl(u.c.s.mailbox().message(mid).unwrap(), g);
    let ck4 = client_xid(4);
    assert_eq!(
        u.import(
            gid,
            u64::MAX / 2 + 1,
            ck4,
            &now.merge(&Pcl::single(ck4)),
            0,
            "newer"
        ),
        (ErrorCode::Success, Some(ErrorCode::Success))
    );
    assert!(seen(&mut u));
}

/// a hierarchy conflict is resolved (last writer wins,
/// Success) and the result's PCL succeeds both versions; CnsetSeen is not
/// updated, so the client downloads the result.
#[test]
fn hierarchy_conflict_resolved_not_claimed() {
    let mut u = Up::new();
    u.open_collector(0);
    let gid = u.new_gid();
    let hv =
        |lmt: u64, ck: Xid, pcl: &Pcl, name: &str| folder_values(vec![], gid, lmt, ck, pcl, name);
    let call = |u: &mut Up, v| u.import_hierarchy(v);
    let ck1 = client_xid(1);
    assert_eq!(
        call(&mut u, hv(5, ck1, &Pcl::single(ck1), "A")),
        ErrorCode::Success
    );
    let fid = Fid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let seen = |u: &mut Up| {
        let cn = u.c.s.mailbox().folder(fid).unwrap().cn;
        u.collector_state().cnset_seen.contains(u.guid, cn)
    };
    assert!(seen(&mut u), "R-216");
    let g = u.c.s.mailbox().replguid();
    // The server renames it (LastModificationTime = now, far later than 6).
    u.c.s
        .mailbox_mut()
        .set_folder_properties(
            fid,
            &[TaggedValue {
                tag: tags::PID_TAG_DISPLAY_NAME,
                value: PropValue::unicode("server"),
            }],
            &[],
            None,
        )
        .unwrap();
    let ck2 = client_xid(2);
    let stale = Pcl::single(ck1).merge(&Pcl::single(ck2));
    assert_eq!(call(&mut u, hv(6, ck2, &stale, "B")), ErrorCode::Success);
    let f = u.c.s.mailbox().folder(fid).unwrap();
    assert_eq!(f.display_name(), "server", "the newer server version wins");
    assert!(
        ics_server::mailbox::folder_pcl(f, g).includes(&stale),
        "R-238: the kept version succeeds the imported one"
    );
    assert!(!seen(&mut u), "R-246");
    // The imported version is newer: it wins with the merged PCL.
    u.c.s
        .mailbox_mut()
        .set_folder_properties(
            fid,
            &[TaggedValue {
                tag: tags::PID_TAG_DISPLAY_NAME,
                value: PropValue::unicode("server 2"),
            }],
            &[],
            None,
        )
        .unwrap();
    let ck3 = client_xid(3);
    let stale = stale.merge(&Pcl::single(ck3));
    assert_eq!(
        call(&mut u, hv(u64::MAX / 2, ck3, &stale, "C")),
        ErrorCode::Success
    );
    assert_eq!(u.c.s.mailbox().folder(fid).unwrap().display_name(), "C");
    assert!(!seen(&mut u), "R-246");
}
