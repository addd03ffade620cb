//! Conflict notification messages ([MS-OXCFXICS] 3.1.5.6.3.1; R-247): a
//! conflict resolved with a conflict resolve message in a public folder
//! sends the owner an IPM.Conflict.Message, unless the folder's
//! PidTagResolveMethod has RESOLVE_NO_CONFLICT_NOTIFICATION; a private
//! mailbox gets none. Driven through ROP bytes on a public logon.

mod common;

use common::{Client, EMPTY};
use ics_server::mailbox::{Mailbox, MessageContent};
use ics_server::session::Session;
use ics_server::session::conflict::{PID_TAG_RESOLVE_METHOD, is_conflict_resolve};
use ics_server::session::profile::Profile;
use ics_server::session::public::public_identity;
use ics_wire::Guid;
use ics_wire::ids::{Fid, Mid, Xid};
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::flags::{ImportFlag, LogonFlags, OpenFlags, SaveFlags};
use ics_wire::rop::import::*;
use ics_wire::rop::logon::{LogonRequest, LogonResult};
use ics_wire::rop::message::SaveChangesMessageRequest;
use ics_wire::rop::property::SetPropertiesRequest;
use ics_wire::rop::value::TaggedPropertyValue;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

const SENDER_NAME: PropTag = PropTag(0x0C1A_001F);
const ORIGINAL_SUBJECT: PropTag = PropTag(0x0049_001F);
const CONFLICT_ENTRY_ID: PropTag = PropTag(0x3FF0_0102);

fn tv(tag: PropTag, value: PropValue) -> TaggedPropertyValue {
    TaggedPropertyValue(TaggedValue { tag, value })
}

fn client_xid(n: u64) -> Xid {
    Xid::new(Guid([0xC1; 16]), &n.to_be_bytes()).unwrap()
}

/// A public folder "Pub" (PidTagResolveMethod `method`, if any) with a
/// message the server wrote; the client (public logon) imports a newer
/// version whose PCL lacks the server's change, so the conflict is resolved
/// with a conflict resolve message. Returns the client, the folder and the MID.
fn public_conflict(method: Option<i32>) -> (Client, Fid, Mid) {
    let public = Mailbox::new(
        public_identity(),
        Box::new(ics_server::clock::SteppingClock::default()),
    );
    let s = Session::new(Mailbox::default(), Profile::default())
        .with_public_store(public)
        .unwrap();
    let mut c = Client { s, h: [EMPTY; 8] };
    let r = c.call(vec![RopRequest::Logon(LogonRequest {
        logon_id: 0,
        output_handle_index: 0,
        logon_flags: LogonFlags(0),
        open_flags: OpenFlags(0x0000_0002), // PUBLIC
        store_state: 0,
        essdn: None,
    })]);
    let RopResponse::Logon(l) = &r.rops[0] else {
        panic!("{:?}", r.rops[0])
    };
    let LogonResult::PublicSuccess(p) = &l.result else {
        panic!("{:?}", l.result)
    };
    let store = c.s.public_store_session_mut().unwrap().mailbox_mut();
    let folder = store.create_folder(p.folder_ids[1], "Pub").unwrap();
    if let Some(m) = method {
        store
            .set_folder_properties(
                folder,
                &[TaggedValue {
                    tag: PID_TAG_RESOLVE_METHOD,
                    value: PropValue::I32(m),
                }],
                &[],
                None,
            )
            .unwrap();
    }
    let mid = store
        .create_message(
            folder,
            false,
            MessageContent::with_props([TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("server version"),
            }]),
        )
        .unwrap();
    let source_key = store.source_key_of(mid.0);
    c.open(folder);
    let ck = client_xid(7);
    let r = c.call(vec![
        RopRequest::SynchronizationOpenCollector(SynchronizationOpenCollectorRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            is_contents_collector: 1,
        }),
        RopRequest::SynchronizationImportMessageChange(SynchronizationImportMessageChangeRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            import_flag: ImportFlag(0),
            property_values: vec![
                tv(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(source_key)),
                tv(
                    tags::PID_TAG_LAST_MODIFICATION_TIME,
                    PropValue::Time(u64::MAX / 2),
                ),
                tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck.to_bytes())),
                tv(
                    tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                    PropValue::Binary(Pcl::single(ck).to_bytes()),
                ),
            ],
        }),
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_values: vec![tv(
                tags::PID_TAG_SUBJECT,
                PropValue::unicode("client version"),
            )],
        }),
        RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 3,
            input_handle_index: 3,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        }),
    ]);
    for x in &r.rops {
        let rv = match x {
            RopResponse::SynchronizationOpenCollector(x) => x.return_value,
            RopResponse::SynchronizationImportMessageChange(x) => x.result.return_value(),
            RopResponse::SetProperties(x) => x.result.return_value(),
            RopResponse::SaveChangesMessage(x) => x.result.return_value(),
            other => panic!("{other:?}"),
        };
        assert_eq!(rv, ErrorCode::Success, "{x:?}");
    }
    let store = c.s.public_store_session().unwrap().mailbox();
    assert!(is_conflict_resolve(&store.message(mid).unwrap().content));
    (c, folder, mid)
}

/// The messages of the owner's Inbox (the private mailbox of the session).
fn inbox(c: &Client) -> Vec<MessageContent> {
    let fid = c.s.special_folders()[4];
    c.s.mailbox()
        .folder(fid)
        .unwrap()
        .messages()
        .map(|m| m.content.clone())
        .collect()
}

/// R-247 (SHOULD): without RESOLVE_NO_CONFLICT_NOTIFICATION the owner gets
/// one IPM.Conflict.Message naming the folder, the subject and the EntryID
/// of the conflict resolve message.
#[test]
fn public_conflict_notifies_the_owner() {
    for method in [None, Some(0)] {
        let (c, folder, mid) = public_conflict(method);
        let got = inbox(&c);
        assert_eq!(got.len(), 1, "{method:?}");
        let n = &got[0].props;
        assert_eq!(
            n.get(tags::PID_TAG_MESSAGE_CLASS),
            Some(&PropValue::unicode("IPM.Conflict.Message"))
        );
        assert_eq!(n.get(SENDER_NAME), Some(&PropValue::unicode("Pub")));
        assert_eq!(
            n.get(ORIGINAL_SUBJECT),
            Some(&PropValue::unicode("client version"))
        );
        let store = c.s.public_store_session().unwrap().mailbox();
        // The EntryID the message reports as PidTagEntryId.
        let want = ics_server::session::message_entry_id(store, folder, mid);
        assert_eq!(n.get(CONFLICT_ENTRY_ID), Some(&PropValue::Binary(want)));
    }
}

/// R-247 (MUST NOT): RESOLVE_NO_CONFLICT_NOTIFICATION keeps the conflict
/// resolve message and sends no notification.
#[test]
fn no_conflict_notification_flag_suppresses_it() {
    let (c, _, _) = public_conflict(Some(2));
    assert!(inbox(&c).is_empty());
}
