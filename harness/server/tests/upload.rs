//! ICS upload and setup ROPs, driven through ROP bytes ([MS-OXCFXICS]
//! 3.2.5.9.4; server-rules.md groups S, T, U).

mod common;

use common::Client;
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
use ics_wire::rop::state::InputOutputHandleRequest;
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
        let header = vec![
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
        ];
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
            RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
                logon_id: 0,
                response_handle_index: 3,
                input_handle_index: 3,
                save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
            }),
        ]);
        let RopResponse::SaveChangesMessage(s) = &r.rops[1] else {
            panic!()
        };
        (rv, Some(s.result.return_value()))
    }

    fn collector_state(&mut self) -> IcsState {
        self.c
            .call(vec![RopRequest::SynchronizationGetTransferState(
                InputOutputHandleRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    output_handle_index: 4,
                },
            )]);
        let bytes = self.c.download(4, 0xBABE).concat();
        let ics_wire::ftstream::Root::State(s) =
            ics_wire::ftstream::parse(ics_wire::ftstream::RootKind::State, &bytes).unwrap()
        else {
            panic!()
        };
        let props: Vec<TaggedValue> = s
            .props
            .iter()
            .map(|p| TaggedValue {
                tag: p.tag,
                value: p.value.clone(),
            })
            .collect();
        IcsState::from_props(&props).unwrap()
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
    u.c.s
        .mailbox_mut()
        .modify_message(
            mid,
            ics_server::mailbox::MessageEdit {
                set: vec![TaggedValue {
                    tag: tags::PID_TAG_SUBJECT,
                    value: PropValue::unicode("server"),
                }],
                ..Default::default()
            },
            None,
        )
        .unwrap();
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

/// ImportDeletes (hard), deleted twice is ignored, unknown flag bits fail.
#[test]
fn import_deletes() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let mid =
        u.c.s
            .mailbox_mut()
            .create_message(inbox, false, Default::default())
            .unwrap();
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

/// ImportReadStateChanges sets the read state and records the read CN.
#[test]
fn import_read_state() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let mid =
        u.c.s
            .mailbox_mut()
            .create_message(inbox, false, Default::default())
            .unwrap();
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
    let hv = |parent: Vec<u8>, gid: Gid| {
        vec![
            tv(tags::PID_TAG_PARENT_SOURCE_KEY, PropValue::Binary(parent)),
            tv(
                tags::PID_TAG_SOURCE_KEY,
                PropValue::Binary(gid.to_xid().to_bytes()),
            ),
            tv(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(5)),
            tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck.to_bytes())),
            tv(
                tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                PropValue::Binary(Pcl::single(ck).to_bytes()),
            ),
            tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("Imported")),
        ]
    };
    let call = |u: &mut Up, v| {
        let r =
            u.c.call(vec![RopRequest::SynchronizationImportHierarchyChange(
                SynchronizationImportHierarchyChangeRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    hierarchy_values: v,
                    property_values: vec![],
                },
            )]);
        match &r.rops[0] {
            RopResponse::SynchronizationImportHierarchyChange(x) => x.result.return_value(),
            other => panic!("{other:?}"),
        }
    };
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

/// ImportMessageMove moves to the collector's folder with the
/// client's destination id.
#[test]
fn import_message_move() {
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let other = u.c.s.mailbox_mut().create_folder(inbox, "Other").unwrap();
    let mid =
        u.c.s
            .mailbox_mut()
            .create_message(other, false, Default::default())
            .unwrap();
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
    let mid =
        u.c.s
            .mailbox_mut()
            .create_message(other, false, Default::default())
            .unwrap();
    let dst = u.new_gid();
    let mb = u.c.s.mailbox();
    let g = mb.replguid();
    let server_pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), g);
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
    assert_eq!(m.change_key, None, "server change identity kept");
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportMessageMove(req)]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportMessageMove(x) if x.result.return_value() == ErrorCode::SyncObjectDeleted)
    );
}
