//! ICS upload and setup ROPs, driven through ROP bytes ([MS-OXCFXICS]
//! 3.2.5.9.4; server-rules.md groups S, T, U).

mod common;

use common::{Client, server_edit, subject};
use ics_server::session::profile::Profile;
use ics_wire::Guid;
use ics_wire::ids::{Fid, Gid, GlobCnt, Mid, ReplGuid, Xid};
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::flags::{ImportDeleteFlags, ImportFlag, SaveFlags};
use ics_wire::rop::folder::{CreateFolderRequest, FolderString};
use ics_wire::rop::idmgmt::GetLocalReplicaIdsRequest;
use ics_wire::rop::import::*;
use ics_wire::rop::message::{CreateMessageRequest, SaveChangesMessageRequest};
use ics_wire::rop::property::SetPropertiesRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};
use ics_wire::state::IcsState;

fn tv(tag: PropTag, value: PropValue) -> TaggedPropertyValue {
    TaggedPropertyValue(TaggedValue { tag, value })
}

/// Client change namespace: a GUID of its own, 8-byte LocalIds.
fn client_xid(n: u64) -> Xid {
    Xid::new(Guid([0xC1; 16]), &n.to_be_bytes()).unwrap()
}

/// The change header of an import ([MS-OXCFXICS] 2.2.3.2.4.2.1 /
/// 2.2.3.2.4.3.1): PidTagSourceKey, PidTagLastModificationTime,
/// PidTagChangeKey, PidTagPredecessorChangeList.
fn change_header(gid: Gid, lmt: u64, ck: Xid, pcl: &Pcl) -> Vec<TaggedPropertyValue> {
    vec![
        tv(
            tags::PID_TAG_SOURCE_KEY,
            PropValue::Binary(gid.to_xid().to_bytes()),
        ),
        tv(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(lmt)),
        tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck.to_bytes())),
        tv(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            PropValue::Binary(pcl.to_bytes()),
        ),
    ]
}

/// PidTagParentSourceKey, the change header, PidTagDisplayName: the
/// hierarchy values of ImportHierarchyChange (2.2.3.2.4.3.1).
fn folder_values(
    parent: Vec<u8>,
    gid: Gid,
    lmt: u64,
    ck: Xid,
    pcl: &Pcl,
    name: &str,
) -> Vec<TaggedPropertyValue> {
    let mut v = vec![tv(
        tags::PID_TAG_PARENT_SOURCE_KEY,
        PropValue::Binary(parent),
    )];
    v.extend(change_header(gid, lmt, ck, pcl));
    v.push(tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode(name)));
    v
}

/// RopSaveChangesMessage of the message in `slot`, kept open read-write.
fn save_rop(slot: u8) -> RopRequest {
    RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
        logon_id: 0,
        response_handle_index: slot,
        input_handle_index: slot,
        save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
    })
}

struct Up {
    c: Client,
    /// REPLGUID and next GLOBCNT of the reserved range.
    guid: ReplGuid,
    next: u64,
}

impl Up {
    fn new() -> Self {
        let mut c = Client::new(Profile::default());
        let inbox = c.inbox();
        c.open(inbox);
        let r = c.call(vec![RopRequest::GetLocalReplicaIds(
            GetLocalReplicaIdsRequest {
                logon_id: 0,
                input_handle_index: 0,
                id_count: 0x200,
            },
        )]);
        let RopResponse::GetLocalReplicaIds(x) = &r.rops[0] else {
            panic!()
        };
        let s = x.result.success().unwrap();
        let mut up = Up {
            c,
            guid: s.repl_guid,
            next: s.global_count.value(),
        };
        up.open_collector(1);
        up
    }

    fn open_collector(&mut self, contents: u8) {
        let r = self.c.call(vec![RopRequest::SynchronizationOpenCollector(
            SynchronizationOpenCollectorRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                is_contents_collector: contents,
            },
        )]);
        assert!(
            matches!(&r.rops[0], RopResponse::SynchronizationOpenCollector(x) if x.return_value == ErrorCode::Success)
        );
    }

    /// An empty normal message the server stores in `folder` (no ROP).
    fn stored(&mut self, folder: Fid) -> Mid {
        self.c
            .s
            .mailbox_mut()
            .create_message(folder, false, Default::default())
            .unwrap()
    }

    fn new_gid(&mut self) -> Gid {
        let g = Gid {
            replguid: self.guid,
            globcnt: GlobCnt::new(self.next).unwrap(),
        };
        self.next += 1;
        g
    }

    /// ImportMessageChange + SetProperties(subject) + SaveChangesMessage.
    fn import(
        &mut self,
        gid: Gid,
        lmt: u64,
        ck: Xid,
        pcl: &Pcl,
        flags: u8,
        subject: &str,
    ) -> (ErrorCode, Option<ErrorCode>) {
        let header = change_header(gid, lmt, ck, pcl);
        let r = self
            .c
            .call(vec![RopRequest::SynchronizationImportMessageChange(
                SynchronizationImportMessageChangeRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    output_handle_index: 3,
                    import_flag: ImportFlag(flags),
                    property_values: header,
                },
            )]);
        let RopResponse::SynchronizationImportMessageChange(x) = &r.rops[0] else {
            panic!()
        };
        let rv = x.result.return_value();
        if rv != ErrorCode::Success {
            return (rv, None);
        }
        assert_eq!(
            x.result.success().unwrap().message_id,
            Mid::default(),
            "R-209"
        );
        let r = self.c.call(vec![
            RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 3,
                property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode(subject))],
            }),
            save_rop(3),
        ]);
        let RopResponse::SaveChangesMessage(s) = &r.rops[1] else {
            panic!()
        };
        (rv, Some(s.result.return_value()))
    }

    /// RopSynchronizationImportHierarchyChange with `hierarchy_values` and
    /// no other properties; its ReturnValue.
    fn import_hierarchy(&mut self, hierarchy_values: Vec<TaggedPropertyValue>) -> ErrorCode {
        let r = self
            .c
            .call(vec![RopRequest::SynchronizationImportHierarchyChange(
                SynchronizationImportHierarchyChangeRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    hierarchy_values,
                    property_values: vec![],
                },
            )]);
        match &r.rops[0] {
            RopResponse::SynchronizationImportHierarchyChange(x) => x.result.return_value(),
            other => panic!("{other:?}"),
        }
    }

    fn collector_state(&mut self) -> IcsState {
        self.c.transfer_state(2, 4)
    }

    fn subject(&self, mid: Mid) -> Option<String> {
        match self
            .c
            .s
            .mailbox()
            .message(mid)?
            .content
            .props
            .get(tags::PID_TAG_SUBJECT)
        {
            Some(PropValue::Unicode(s)) => Some(s.to_string_lossy()),
            _ => None,
        }
    }
}

/// a new message imported with a reserved id is stored
/// with its ChangeKey and PCL, gets a server CN that the collector's state
/// records, and re-importing the same version is SyncIgnore.
#[test]
fn import_new_message_and_ignore_repeat() {
    let mut u = Up::new();
    let gid = u.new_gid();
    let ck = client_xid(1);
    let pcl = Pcl::single(ck);
    assert_eq!(
        u.import(gid, 1000, ck, &pcl, 0, "from client"),
        (ErrorCode::Success, Some(ErrorCode::Success))
    );
    let mid = Mid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    assert_eq!(u.c.s.mailbox().folder_of(mid), Some(u.c.inbox()));
    assert_eq!(u.subject(mid).as_deref(), Some("from client"));
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert_eq!(m.change_key, Some(ck));
    let cn = m.cn;
    let st = u.collector_state();
    assert!(st.cnset_seen.contains(u.guid, cn));
    assert!(st.idset_given.is_empty(), "R-129");
    assert_eq!(
        u.import(gid, 1000, ck, &pcl, 0, "again").0,
        ErrorCode::SyncIgnore
    );
}

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
fn conflicting(u: &mut Up, fai: bool) -> (Gid, Mid, Pcl) {
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

/// [MS-OXCFXICS] 3.1.5.6.2.1: a conflict resolve message is not synchronized
/// as such: a download sends the winner, without the version attachments and
/// without msInConflict, with the merged PCL; the invariants hold.
#[test]
fn conflict_resolve_message_downloads_as_its_winner() {
    use ics_server::ics::{ChangeBody, Download, Element, SyncOptions, SyncState};
    let mut u = Up::new();
    let (gid, mid, server_pcl) = conflicting(&mut u, false);
    let ck2 = client_xid(2);
    let r = u.import(gid, u64::MAX / 2, ck2, &Pcl::single(ck2), 0, "client");
    assert_eq!(r, (ErrorCode::Success, Some(ErrorCode::Success)));
    let inbox = u.c.inbox();
    let mb = u.c.s.mailbox();
    let els = Download::new(mb, inbox, SyncOptions::contents(), SyncState::default())
        .unwrap()
        .collect(mb)
        .unwrap();
    ics_server::ics::invariants::check(&SyncState::default(), &els).unwrap();
    let change = els
        .iter()
        .find_map(|e| match e {
            Element::MessageChange(c) if c.mid == mid => Some(c),
            _ => None,
        })
        .expect("a change for the message");
    let ChangeBody::Full(content) = &change.body else {
        panic!("a full change")
    };
    assert_eq!(content.attachments.as_deref().map(<[_]>::len), Some(0));
    let status = content.props.iter().find(|v| v.tag.id() == 0x0E17);
    assert!(
        !matches!(status, Some(TaggedValue { value: PropValue::I32(s), .. }) if s & 0x800 != 0),
        "{status:?}"
    );
    let subject = content
        .props
        .iter()
        .find(|v| v.tag.id() == tags::PID_TAG_SUBJECT.id());
    assert_eq!(
        subject.map(|v| &v.value),
        Some(&PropValue::unicode("client"))
    );
    let pcl = change
        .header
        .iter()
        .find(|v| v.tag.id() == tags::PID_TAG_PREDECESSOR_CHANGE_LIST.id())
        .map(|v| match &v.value {
            PropValue::Binary(b) => Pcl::decode(b).unwrap(),
            other => panic!("{other:?}"),
        })
        .unwrap();
    assert!(pcl.includes(&server_pcl) && pcl.includes(&Pcl::single(ck2)));
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

/// ImportHierarchyChange creates a folder under the collector's
/// folder; an unknown parent is SyncNoParent.
#[test]
fn import_hierarchy_change() {
    let mut u = Up::new();
    u.open_collector(0);
    let gid = u.new_gid();
    let ck = client_xid(3);
    let hv =
        |parent: Vec<u8>, gid: Gid| folder_values(parent, gid, 5, ck, &Pcl::single(ck), "Imported");
    let call = |u: &mut Up, v| u.import_hierarchy(v);
    let orphan = Gid {
        replguid: ReplGuid(Guid([0xEE; 16])),
        globcnt: GlobCnt::new(5).unwrap(),
    };
    assert_eq!(
        call(&mut u, hv(orphan.to_xid().to_bytes(), gid)),
        ErrorCode::SyncNoParent
    );
    assert_eq!(call(&mut u, hv(vec![], gid)), ErrorCode::Success);
    let fid = Fid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let f = u.c.s.mailbox().folder(fid).unwrap();
    assert_eq!(f.display_name(), "Imported");
    assert_eq!(f.parent, Some(u.c.inbox()));
    assert_eq!(call(&mut u, hv(vec![], gid)), ErrorCode::SyncIgnore);
}

/// a new folder imported with PropertyValues keeps the
/// client's ChangeKey and PCL (the extra properties are part of the same
/// version), and a PidTagDisplayName in PropertyValues is ignored.
#[test]
fn imported_folder_keeps_client_change_key() {
    let mut u = Up::new();
    u.open_collector(0);
    let gid = u.new_gid();
    let ck = client_xid(7);
    let hv = vec![
        tv(tags::PID_TAG_PARENT_SOURCE_KEY, PropValue::Binary(vec![])),
        tv(
            tags::PID_TAG_SOURCE_KEY,
            PropValue::Binary(gid.to_xid().to_bytes()),
        ),
        tv(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(9)),
        tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck.to_bytes())),
        tv(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            PropValue::Binary(Pcl::single(ck).to_bytes()),
        ),
        tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("X")),
    ];
    let container_class = PropTag(0x3613_001F);
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportHierarchyChange(
            SynchronizationImportHierarchyChangeRequest {
                logon_id: 0,
                input_handle_index: 2,
                hierarchy_values: hv,
                property_values: vec![
                    tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("Y")),
                    tv(container_class, PropValue::unicode("IPF.Note")),
                ],
            },
        )]);
    match &r.rops[0] {
        RopResponse::SynchronizationImportHierarchyChange(x) => {
            assert_eq!(x.result.return_value(), ErrorCode::Success)
        }
        other => panic!("{other:?}"),
    }
    let fid = Fid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let mb = u.c.s.mailbox();
    let g = mb.replguid();
    let f = mb.folder(fid).unwrap();
    assert_eq!(f.display_name(), "X");
    assert_eq!(
        f.props.get(container_class),
        Some(&PropValue::unicode("IPF.Note"))
    );
    assert_eq!(ics_server::mailbox::folder_change_key(f, g), ck);
    assert_eq!(ics_server::mailbox::folder_pcl(f, g), Pcl::single(ck));
    assert_eq!(f.last_modified, 9);
}

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

/// Setup ROPs: CreateFolder, CreateMessage + SetProperties + SaveChangesMessage.
#[test]
fn setup_rops_create_folder_and_message() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    let r = c.call(vec![RopRequest::CreateFolder(CreateFolderRequest {
        logon_id: 0,
        input_handle_index: 1,
        output_handle_index: 5,
        display_name: FolderString::Unicode("Projects".into()),
        comment: FolderString::Unicode("".into()),
        use_unicode_strings: true,
        ..Default::default()
    })]);
    let RopResponse::CreateFolder(x) = &r.rops[0] else {
        panic!()
    };
    let fid = x.result.success().unwrap().folder_id;
    assert_eq!(
        c.s.mailbox().folder(fid).unwrap().display_name(),
        "Projects"
    );
    let r = c.call(vec![
        RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 5,
            output_handle_index: 6,
            code_page_id: 0x0FFF,
            folder_id: fid,
            associated_flag: 0,
        }),
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 6,
            property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode("hello"))],
        }),
        RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 6,
            input_handle_index: 6,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        }),
    ]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[2] else {
        panic!("{:?}", r.rops)
    };
    let mid = s.result.success().unwrap().message_id;
    assert_eq!(c.s.mailbox().folder_of(mid), Some(fid));
    assert_eq!(
        c.s.mailbox()
            .message(mid)
            .unwrap()
            .content
            .props
            .get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("hello"))
    );
}

/// Exchange 2007 profile: HardDelete imports are not supported (R-223, <19>).
#[test]
fn hard_delete_unsupported_profile() {
    let mut c = Client::new(Profile::exchange2007());
    let inbox = c.inbox();
    let mid =
        c.s.mailbox_mut()
            .create_message(inbox, false, Default::default())
            .unwrap();
    let sk = c.s.mailbox().source_key_of(mid.0);
    c.open(inbox);
    c.call(vec![RopRequest::SynchronizationOpenCollector(
        SynchronizationOpenCollectorRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            is_contents_collector: 1,
        },
    )]);
    let r = c.call(vec![RopRequest::SynchronizationImportDeletes(
        SynchronizationImportDeletesRequest {
            logon_id: 0,
            input_handle_index: 2,
            import_delete_flags: ImportDeleteFlags::HARD_DELETE,
            property_values: vec![tv(PropTag(0x0000_1102), PropValue::MvBinary(vec![sk]))],
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportDeletes(x) if x.return_value == ErrorCode::NotSupported)
    );
    assert!(c.s.mailbox().message(mid).is_some());
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

/// R-206 ([MS-OXCFXICS] 3.2.5.9.4.2): the Message object returned by
/// ImportMessageChange for an existing message starts with its
/// client-settable properties, recipients and attachments purged, so what
/// the client uploads replaces the whole message: a SetProperties
/// upload leaves no old property, recipient or attachment behind; a
/// messageContent upload's subobjects replace the old ones.
#[test]
fn import_change_starts_purged() {
    use ics_server::mailbox::{Attachment, MessageContent, PropertyBag};
    use ics_wire::rop::property::GetPropertiesAllRequest;
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let bag = |t: PropTag, v: &str| {
        PropertyBag::from_values(vec![TaggedValue {
            tag: t,
            value: PropValue::unicode(v),
        }])
    };
    let old = MessageContent {
        props: PropertyBag::from_values(vec![
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("old"),
            },
            TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode("old body"),
            },
        ]),
        recipients: vec![bag(tags::PID_TAG_DISPLAY_NAME, "Rcpt")],
        attachments: vec![Attachment {
            props: bag(tags::PID_TAG_DISPLAY_NAME, "att"),
            embedded: None,
        }],
    };
    let mid =
        u.c.s
            .mailbox_mut()
            .create_message(inbox, false, old)
            .unwrap();
    let mb = u.c.s.mailbox();
    let gid = mb.ids().gid_of(mid.0).unwrap();
    let server_pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), mb.replguid());
    let ck = client_xid(1);
    let pcl = server_pcl.merge(&Pcl::single(ck));
    let header = change_header(gid, u64::MAX / 2, ck, &pcl);
    let r = u.c.call(vec![
        RopRequest::SynchronizationImportMessageChange(SynchronizationImportMessageChangeRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            import_flag: ImportFlag(0),
            property_values: header,
        }),
        RopRequest::GetPropertiesAll(GetPropertiesAllRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_size_limit: 0,
            want_unicode: 1,
        }),
    ]);
    let RopResponse::GetPropertiesAll(all) = &r.rops[1] else {
        panic!("{:?}", r.rops)
    };
    let listed: Vec<u32> = all
        .result
        .success()
        .unwrap()
        .property_values
        .iter()
        .map(|v| v.0.tag.0)
        .collect();
    for t in [tags::PID_TAG_SUBJECT, tags::PID_TAG_BODY] {
        assert!(!listed.contains(&t.0), "{t} not purged: {listed:x?}");
    }
    let r = u.c.call(vec![
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode("new"))],
        }),
        save_rop(3),
    ]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[1] else {
        panic!()
    };
    assert_eq!(s.result.return_value(), ErrorCode::Success);
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert_eq!(u.subject(mid).as_deref(), Some("new"));
    assert_eq!(
        m.content.props.get(tags::PID_TAG_BODY),
        None,
        "old body kept"
    );
    assert!(m.content.recipients.is_empty(), "old recipients kept");
    assert!(m.content.attachments.is_empty(), "old attachments kept");
}

/// A messageContent upload (DestinationConfigure CopyTo + PutBuffer in
/// `piece`-byte portions split at legal points) on the Message object in
/// `slot`; the destination context is released.
fn put_message_content(
    c: &mut Client,
    slot: u8,
    m: ics_wire::ftstream::MessageContent,
    piece: usize,
) {
    use ics_wire::ftstream as ft;
    use ics_wire::rop::fasttransfer::{
        FastTransferDestinationConfigureRequest, FastTransferDestinationPutBufferRequest,
    };
    use ics_wire::rop::flags::{DestinationConfigureCopyFlags, SourceOperation};
    use ics_wire::rop::state::InputHandleRequest;
    let pieces = ft::produce_split(&ft::Root::MessageContent(m), piece).unwrap();
    assert!(pieces.len() > 1, "split into several PutBuffers");
    let r = c.call(vec![RopRequest::FastTransferDestinationConfigure(
        FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: slot,
            output_handle_index: 6,
            source_operation: SourceOperation::COPY_TO,
            copy_flags: DestinationConfigureCopyFlags(0),
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::FastTransferDestinationConfigure(x) if x.return_value == ErrorCode::Success)
    );
    for p in pieces {
        let r = c.call(vec![RopRequest::FastTransferDestinationPutBuffer(
            FastTransferDestinationPutBufferRequest {
                logon_id: 0,
                input_handle_index: 6,
                transfer_data: p,
            },
        )]);
        assert!(
            matches!(&r.rops[0], RopResponse::FastTransferDestinationPutBuffer(x) if x.return_value == ErrorCode::Success)
        );
    }
    c.call(vec![RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: 6,
    })]);
}

fn save(c: &mut Client, slot: u8) -> ErrorCode {
    let r = c.call(vec![save_rop(slot)]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[0] else {
        panic!()
    };
    s.result.return_value()
}

fn recipient_stream(name: &str) -> ics_wire::ftstream::Recipient {
    ics_wire::ftstream::Recipient {
        props: vec![
            ics_wire::ftstream::FtProp::with_tag(PropTag(0x3000_0003), PropValue::I32(0)),
            ics_wire::ftstream::FtProp::with_tag(
                tags::PID_TAG_DISPLAY_NAME,
                PropValue::unicode(name),
            ),
        ],
    }
}

/// [MS-OXCFXICS] 3.2.5.9.4.2 / 3.2.5.10: a FastTransfer
/// upload into a Message object adds to what is staged there — properties
/// set before it stay unless the stream sets them again — and
/// MetaTagFXDelProp clears the staged subobjects of its kind; the stream
/// may come in several PutBuffers (each a legal prefix).
#[test]
fn message_content_upload_adds_to_staged_content() {
    use ics_wire::ftstream as ft;
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let mid = u.stored(inbox);
    let mb = u.c.s.mailbox();
    let gid = mb.ids().gid_of(mid.0).unwrap();
    let pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), mb.replguid());
    let ck = client_xid(1);
    let header = change_header(gid, u64::MAX / 2, ck, &pcl.merge(&Pcl::single(ck)));
    u.c.call(vec![
        RopRequest::SynchronizationImportMessageChange(SynchronizationImportMessageChangeRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            import_flag: ImportFlag(0),
            property_values: header,
        }),
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode("set first"))],
        }),
    ]);
    let stream = ft::MessageContent {
        dn_prefix: None,
        props: vec![ft::FtProp::with_tag(
            tags::PID_TAG_BODY,
            PropValue::unicode("body from the stream, long enough to need several pieces"),
        )],
        children: ft::MessageChildren {
            del_recipients: true,
            recipients: vec![recipient_stream("Carol"), recipient_stream("Dave")],
            del_attachments: true,
            attachments: vec![],
        },
    };
    put_message_content(&mut u.c, 3, stream, 40);
    assert_eq!(save(&mut u.c, 3), ErrorCode::Success);
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert_eq!(
        u.subject(mid).as_deref(),
        Some("set first"),
        "SetProperties kept"
    );
    assert!(m.content.props.get(tags::PID_TAG_BODY).is_some());
    assert_eq!(m.content.recipients.len(), 2, "each recipient once");
}

/// [MS-OXCFXICS] 3.2.5.10: on an opened message, MetaTagFXDelProp with no
/// subobjects after it deletes them all; subobjects without it are added.
#[test]
fn message_content_upload_on_opened_message() {
    use ics_server::mailbox::{MessageContent, PropertyBag};
    use ics_wire::ftstream as ft;
    use ics_wire::rop::message::OpenMessageRequest;
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    let rcpt = |n: &str| {
        PropertyBag::from_values(vec![TaggedValue {
            tag: tags::PID_TAG_DISPLAY_NAME,
            value: PropValue::unicode(n),
        }])
    };
    let content = MessageContent {
        props: PropertyBag::from_values(vec![TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("kept"),
        }]),
        recipients: vec![rcpt("Alice"), rcpt("Bob")],
        attachments: vec![],
    };
    let mid =
        c.s.mailbox_mut()
            .create_message(inbox, false, content)
            .unwrap();
    let open = |c: &mut Client| {
        c.call(vec![RopRequest::OpenMessage(OpenMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            code_page_id: 0x0FFF,
            folder_id: inbox,
            open_mode_flags: ics_wire::rop::flags::MessageOpenModeFlags(1),
            message_id: mid,
        })]);
    };
    let body = |s: &str| {
        vec![ft::FtProp::with_tag(
            tags::PID_TAG_BODY,
            PropValue::unicode(s),
        )]
    };
    // Recipients without FXDelProp are added.
    open(&mut c);
    let add = ft::MessageContent {
        dn_prefix: None,
        props: body("adding a recipient to the two there"),
        children: ft::MessageChildren {
            del_recipients: false,
            recipients: vec![recipient_stream("Carol")],
            del_attachments: false,
            attachments: vec![],
        },
    };
    put_message_content(&mut c, 3, add, 40);
    assert_eq!(save(&mut c, 3), ErrorCode::Success);
    let names = |c: &Client| -> Vec<PropValue> {
        c.s.mailbox()
            .message(mid)
            .unwrap()
            .content
            .recipients
            .iter()
            .map(|r| r.get(tags::PID_TAG_DISPLAY_NAME).cloned().unwrap())
            .collect()
    };
    assert_eq!(
        names(&c),
        ["Alice", "Bob", "Carol"].map(PropValue::unicode).to_vec()
    );
    // FXDelProp with nothing after it clears them.
    open(&mut c);
    let clear = ft::MessageContent {
        dn_prefix: None,
        props: body("and now removing every recipient of it"),
        children: ft::MessageChildren {
            del_recipients: true,
            recipients: vec![],
            del_attachments: false,
            attachments: vec![],
        },
    };
    put_message_content(&mut c, 3, clear, 40);
    assert_eq!(save(&mut c, 3), ErrorCode::Success);
    assert!(names(&c).is_empty());
    let m = c.s.mailbox().message(mid).unwrap();
    assert_eq!(
        m.content.props.get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("kept"))
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
