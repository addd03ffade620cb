//! Routing a request buffer between the mailbox and its public store goes by
//! the handles the store assigned, not by the range of a handle value: a
//! never-assigned value (even at or above the store's 0x40000000) stays with
//! the mailbox's session, whose RopRelease ignores it and goes on
//! ([MS-OXCROPS] 3.2.5.3, R-007).

mod common;

use common::{Client, EMPTY};
use ics_server::mailbox::Mailbox;
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_server::session::public::public_identity;
use ics_wire::rop::flags::{LogonFlags, OpenFlags};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::logon::{LogonRequest, LogonResult};
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

/// A session with a public store; the client logged on to the private
/// mailbox in slot 0 and to public folders in slot 4.
fn both_logons() -> Client {
    let public = Mailbox::new(
        public_identity(),
        Box::new(ics_server::clock::SteppingClock::default()),
    );
    let s = Session::new(Mailbox::default(), Profile::default())
        .with_public_store(public)
        .unwrap();
    let mut c = Client { s, h: [EMPTY; 8] };
    c.logon();
    let r = c.call(vec![RopRequest::Logon(LogonRequest {
        logon_id: 1,
        output_handle_index: 4,
        logon_flags: LogonFlags(0),
        open_flags: OpenFlags(0x0000_0002), // PUBLIC
        store_state: 0,
        essdn: None,
    })]);
    assert!(
        matches!(&r.rops[0], RopResponse::Logon(l) if matches!(l.result, LogonResult::PublicSuccess(_)))
    );
    assert!(c.h[4] >= 0x4000_0000, "public handle {:#x}", c.h[4]);
    c
}

/// RopRelease of `slot` then RopOpenFolder of the private Inbox through the
/// private logon (slot 0) into slot 1, in one buffer; the responses.
fn release_then_open(c: &mut Client, slot: u8) -> Vec<RopResponse> {
    let inbox = c.inbox();
    c.call(vec![
        RopRequest::Release(InputHandleRequest {
            logon_id: 0,
            input_handle_index: slot,
        }),
        RopRequest::OpenFolder(OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 1,
            folder_id: inbox,
            ..Default::default()
        }),
    ])
    .rops
}

fn open_succeeded(rops: &[RopResponse]) -> bool {
    matches!(rops, [RopResponse::OpenFolder(x)] if x.result.return_value() == ErrorCode::Success)
}

/// a never-assigned handle value in the public store's range, the
/// first ROP's input, leaves the buffer with the private mailbox: RopRelease
/// answers nothing and the RopOpenFolder on the private logon succeeds.
#[test]
fn release_of_unassigned_public_range_handle_then_private_open() {
    let mut c = both_logons();
    for unassigned in [0x4000_1234, 0x7FFF_FFF1] {
        c.h[5] = unassigned;
        let rops = release_then_open(&mut c, 5);
        assert!(open_succeeded(&rops), "{unassigned:#x}: {rops:?}");
        assert_eq!(c.h[5], unassigned);
        assert!(
            c.h[1] < 0x4000_0000,
            "a private folder handle: {:#x}",
            c.h[1]
        );
    }
}

/// Without any public logon, the store has assigned nothing: the same buffer
/// is the mailbox's.
#[test]
fn release_of_unassigned_handle_without_public_logon() {
    let public = Mailbox::new(
        public_identity(),
        Box::new(ics_server::clock::SteppingClock::default()),
    );
    let s = Session::new(Mailbox::default(), Profile::default())
        .with_public_store(public)
        .unwrap();
    let mut c = Client { s, h: [EMPTY; 8] };
    c.logon();
    c.h[5] = 0x4000_0000;
    let rops = release_then_open(&mut c, 5);
    assert!(open_succeeded(&rops), "{rops:?}");
}

/// Handles the store did assign still route to it: a live public logon
/// opens a public folder, and once released the store (not the mailbox)
/// answers its reuse with ecInvalidObject.
#[test]
fn assigned_public_handles_still_reach_the_store() {
    let mut c = both_logons();
    let public_root = c.s.public_store_session().unwrap().special_folders()[1];
    let open_public = |c: &mut Client| {
        c.call(vec![RopRequest::OpenFolder(OpenFolderRequest {
            logon_id: 1,
            input_handle_index: 4,
            output_handle_index: 6,
            folder_id: public_root,
            ..Default::default()
        })])
        .rops
    };
    let rops = open_public(&mut c);
    assert!(
        matches!(&rops[..], [RopResponse::OpenFolder(x)] if x.result.return_value() == ErrorCode::Success),
        "{rops:?}"
    );
    assert!(c.h[6] >= 0x4000_0000);
    // Released: the mailbox's session never knew the value and would answer
    // ecNullObject; the store remembers releasing it.
    let released = c.h[4];
    c.call(vec![RopRequest::Release(InputHandleRequest {
        logon_id: 1,
        input_handle_index: 4,
    })]);
    c.h[4] = released;
    let rops = open_public(&mut c);
    assert!(
        matches!(&rops[..], [RopResponse::OpenFolder(x)] if x.result.return_value() == ErrorCode::InvalidObject),
        "{rops:?}"
    );
}
