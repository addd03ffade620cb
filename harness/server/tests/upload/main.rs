//! ICS upload and setup ROPs, driven through ROP bytes ([MS-OXCFXICS]
//! 3.2.5.9.4; server-rules.md groups S, T, U).

#[path = "../common/mod.rs"]
mod common;

mod conflicts;
mod content;
mod deletes_and_reads;
mod folders;
mod moves;
mod versions;

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
