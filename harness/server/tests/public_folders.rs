//! Public folders through ROP bytes: a logon without the Private flag lands
//! in the public store ([MS-OXCSTOR] 2.2.1.1.4), and expired public-folder
//! messages are reported in MetaTagIdsetExpired by the `exchange2007`
//! profile only ([MS-OXCFXICS] 2.2.1.3.3; ).

mod common;

use common::{Client, EMPTY};
use ics_server::mailbox::{Mailbox, MessageContent};
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_server::session::public::public_identity;
use ics_wire::ftstream::{self as ft, Root, RootKind};
use ics_wire::ids::{Fid, Mid};
use ics_wire::idset::ReplIdSet;
use ics_wire::prop::TaggedValue;
use ics_wire::rop::fasttransfer::BUFFER_SIZE_SENTINEL;
use ics_wire::rop::flags::{LogonFlags, OpenFlags, SynchronizationType};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::logon::{LogonRequest, LogonResult};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};
use ics_wire::state::IcsState;

const CONTENTS_FLAGS: u16 = 0x0001 | 0x0008 | 0x0010 | 0x0020; // Unicode ReadState FAI Normal

fn server(profile: Profile) -> Session {
    let public = Mailbox::new(
        public_identity(),
        Box::new(ics_server::clock::SteppingClock::default()),
    );
    Session::new(Mailbox::default(), profile)
        .with_public_store(public)
        .unwrap()
}

/// A client on connection 0 logged on to public folders; returns its FolderIds.
fn public_client(s: Session) -> (Client, [Fid; 13]) {
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
    let store = c.s.public_store_session().unwrap();
    assert_eq!(p.repl_guid, store.mailbox().replguid());
    assert_ne!(p.repl_guid, c.s.mailbox().replguid());
    (c, p.folder_ids)
}

fn sync(c: &mut Client, fid: Fid, st: &IcsState) -> ft::ContentsSync {
    c.open(fid);
    assert_eq!(
        c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0),
        ErrorCode::Success
    );
    c.upload_state(st, ics_wire::state::SynchronizationType::Contents, 64);
    let stream = c.download(2, BUFFER_SIZE_SENTINEL).concat();
    let Root::ContentsSync(cs) = ft::parse(RootKind::ContentsSync, &stream).unwrap() else {
        panic!()
    };
    cs
}

fn final_state(cs: &ft::ContentsSync) -> IcsState {
    let props: Vec<TaggedValue> = cs
        .state
        .props
        .iter()
        .map(|p| TaggedValue {
            tag: p.tag,
            value: p.value.clone(),
        })
        .collect();
    IcsState::from_props(&props).unwrap()
}

/// A public folder "PF" below IPM_SUBTREE with two messages, synchronized;
/// then message 1 expires. Returns the incremental download.
fn expire_one(profile: Profile) -> (ft::ContentsSync, [Mid; 2]) {
    let (mut c, ids) = public_client(server(profile));
    let store = c.s.public_store_session_mut().unwrap();
    let mb = store.mailbox_mut();
    let pf = mb.create_folder(ids[1], "PF").unwrap();
    let m = [0, 1].map(|_| {
        mb.create_message(pf, false, MessageContent::default())
            .unwrap()
    });
    let first = sync(&mut c, pf, &IcsState::new());
    assert_eq!(first.changes.len(), 2);
    let st = final_state(&first);
    c.s.expire_public_message(m[0]).unwrap();
    assert!(
        c.s.public_store_session()
            .unwrap()
            .mailbox()
            .message(m[0])
            .is_none()
    );
    (sync(&mut c, pf, &st), m)
}

fn ids(b: Option<&[u8]>) -> Option<ReplIdSet> {
    b.map(|b| ReplIdSet::decode_replid(b).unwrap())
}

/// The public store has its own tree; a private logon on another connection
/// still reaches the mailbox.
#[test]
fn public_logon_reaches_the_public_store() {
    let (mut c, ids) = public_client(server(Profile::default()));
    let store = c.s.public_store_session().unwrap().mailbox();
    assert_eq!(ids[0], store.root());
    assert_eq!(store.folder(ids[1]).unwrap().display_name(), "IPM_SUBTREE");
    assert!(
        c.s.mailbox()
            .folder(ids[1])
            .is_none_or(|f| f.display_name() != "IPM_SUBTREE")
    );
    // A private logon on the same connection (logons share connections) still
    // reaches the mailbox, and its handles stay the mailbox's.
    let r = c.call(vec![RopRequest::Logon(LogonRequest {
        logon_id: 1,
        output_handle_index: 5,
        logon_flags: LogonFlags::PRIVATE,
        open_flags: OpenFlags::USE_PER_MDB_REPLID_MAPPING,
        store_state: 0,
        essdn: Some(b"/o=test/cn=user".to_vec()),
    })]);
    let RopResponse::Logon(l) = &r.rops[0] else {
        panic!()
    };
    assert!(matches!(l.result, LogonResult::PrivateSuccess(_)));
    let inbox = c.s.special_folders()[4];
    let r = c.call(vec![RopRequest::OpenFolder(OpenFolderRequest {
        logon_id: 1,
        input_handle_index: 5,
        output_handle_index: 6,
        folder_id: inbox,
        ..Default::default()
    })]);
    assert!(
        matches!(&r.rops[0], RopResponse::OpenFolder(x) if x.result.return_value() == ErrorCode::Success)
    );
    // The public store has no such folder.
    let r = c.call(vec![RopRequest::OpenFolder(OpenFolderRequest {
        logon_id: 0,
        input_handle_index: 0,
        output_handle_index: 1,
        folder_id: inbox,
        ..Default::default()
    })]);
    assert!(
        matches!(&r.rops[0], RopResponse::OpenFolder(x) if x.result.return_value() != ErrorCode::Success)
    );
    // A session without a public store refuses the public logon.
    let plain = Session::new(Mailbox::default(), Profile::default());
    let mut c = Client {
        s: plain,
        h: [EMPTY; 8],
    };
    let r = c.call(vec![RopRequest::Logon(LogonRequest {
        logon_id: 0,
        output_handle_index: 0,
        logon_flags: LogonFlags(0),
        open_flags: OpenFlags(0x0000_0002),
        store_state: 0,
        essdn: None,
    })]);
    let RopResponse::Logon(l) = &r.rops[0] else {
        panic!()
    };
    assert!(matches!(
        l.result,
        LogonResult::Failure(ErrorCode::NotSupported)
    ));
}

/// Exchange 2007/2010 report the expired message in
/// MetaTagIdsetExpired (and not in IdsetDeleted); R-143: it leaves IdsetGiven.
#[test]
fn expired_message_in_idset_expired_under_exchange2007() {
    let (cs, m) = expire_one(Profile::exchange2007());
    let d = cs.deletions.as_ref().expect("a deletions element");
    let expired = ids(d.idset_expired()).expect("MetaTagIdsetExpired");
    assert!(expired.contains_id(m[0].0));
    assert!(!expired.contains_id(m[1].0));
    assert!(d.idset_deleted().is_none());
    let st = final_state(&cs);
    let g = public_identity().replguid;
    let has = |m: Mid| st.idset_given.contains(g, m.globcnt());
    assert!(!has(m[0]) && has(m[1]));
}

/// Exchange 2013+ (the default profile) do not support the property (<1>):
/// the expired message is an ordinary deletion.
#[test]
fn expired_message_in_idset_deleted_by_default() {
    let (cs, m) = expire_one(Profile::default());
    let d = cs.deletions.as_ref().expect("a deletions element");
    assert!(d.idset_expired().is_none());
    assert!(ids(d.idset_deleted()).unwrap().contains_id(m[0].0));
}

/// Truncated and malformed buffers are the mailbox session's to report,
/// never a panic of the routing (the RopSize may claim more than was sent).
#[test]
fn routing_survives_hostile_buffers() {
    let mut s = server(Profile::default());
    for b in [
        &[][..],
        &[0x10][..],
        &[0x10, 0x00][..],
        &[0x10, 0x00, 0x01][..],
        &[0x10, 0x00, 0x01, 0x00][..],
        &[0x10, 0x00, 0xFE, 0x00, 0x00][..],
        &[0x05, 0x00, 0x01, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F][..],
        &[0xFF, 0xFF, 0x02, 0x00, 0x03][..],
    ] {
        let _ = s.execute(b);
    }
}
