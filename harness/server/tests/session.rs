//! The session driven only through ROP request/response bytes.

use ics_server::mailbox::{DeleteKind, MessageContent, MessageEdit};
use ics_server::session::SessionError;
use ics_server::session::profile::Profile;
use ics_wire::ftstream::{self as ft, Root, RootKind, check_split};
use ics_wire::ids::Mid;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::fasttransfer::{BUFFER_SIZE_SENTINEL, FastTransferSourceGetBufferRequest};

mod common;
use common::{Client, EMPTY};
use ics_wire::rop::flags::{SynchronizationType, TransferStatus};
use ics_wire::rop::idmgmt::GetLocalReplicaIdsRequest;
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::{
    ErrorCode, ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};
use ics_wire::state::{
    IcsState, META_TAG_CNSET_READ, META_TAG_CNSET_SEEN, META_TAG_CNSET_SEEN_FAI,
    META_TAG_IDSET_GIVEN,
};

const CONTENTS_FLAGS: u16 = 0x0001 | 0x0008 | 0x0010 | 0x0020; // Unicode ReadState FAI Normal

fn sync_contents(c: &mut Client, st: &IcsState, size: u16) -> (ft::ContentsSync, Vec<Vec<u8>>) {
    let inbox = c.inbox();
    c.open(inbox);
    assert_eq!(
        c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0),
        ErrorCode::Success
    );
    c.upload_state(st, ics_wire::state::SynchronizationType::Contents, 7);
    let parts = c.download(2, size);
    let stream: Vec<u8> = parts.concat();
    let Root::ContentsSync(cs) = ft::parse(RootKind::ContentsSync, &stream).unwrap() else {
        panic!()
    };
    (cs, parts)
}

fn final_state(cs: &ft::ContentsSync) -> IcsState {
    common::ics_state(&cs.state.props)
}

fn seed(c: &mut Client, n: usize) -> Vec<Mid> {
    let inbox = c.inbox();
    (0..n)
        .map(|i| {
            let props = [TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode(&format!("message number {i}")),
            }];
            c.s.mailbox_mut()
                .create_message(inbox, false, MessageContent::with_props(props))
                .unwrap()
        })
        .collect()
}

/// empty state brings everything; the final state brings nothing next time.
#[test]
fn bootstrap_and_incremental_over_rops() {
    let mut c = Client::new(Profile::default());
    let mids = seed(&mut c, 5);
    let (cs, _) = sync_contents(&mut c, &IcsState::new(), BUFFER_SIZE_SENTINEL);
    assert_eq!(cs.changes.len(), 5);
    let st = final_state(&cs);
    assert_eq!(st.idset_given.count(), 5);
    let (again, _) = sync_contents(&mut c, &st, BUFFER_SIZE_SENTINEL);
    assert!(again.changes.is_empty() && again.deletions.is_none());
    // Incremental: one change, one deletion, one read-state change.
    let mb = c.s.mailbox_mut();
    mb.modify_message(
        mids[0],
        MessageEdit {
            set: vec![TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("x"),
            }],
            ..Default::default()
        },
        None,
    )
    .unwrap();
    mb.delete_message(mids[1], DeleteKind::Hard).unwrap();
    mb.set_read(mids[2], true).unwrap();
    let (inc, _) = sync_contents(&mut c, &st, BUFFER_SIZE_SENTINEL);
    assert_eq!(inc.changes.len(), 1);
    let del = ics_wire::idset::ReplIdSet::decode_replid(
        inc.deletions.as_ref().unwrap().idset_deleted().unwrap(),
    )
    .unwrap();
    assert!(del.contains_id(mids[1].0));
    let read = ics_wire::idset::ReplIdSet::decode_replid(
        inc.read_state_changes
            .as_ref()
            .unwrap()
            .idset_read()
            .unwrap(),
    )
    .unwrap();
    assert!(read.contains_id(mids[2].0));
}

/// ftstream.md §4.1: every BufferSize gives the same stream,
/// each portion within the size and ending at a legal split point.
#[test]
fn buffer_sizes_split_at_legal_points() {
    let mut c = Client::new(Profile::default());
    seed(&mut c, 12);
    let (_, whole) = sync_contents(&mut c, &IcsState::new(), BUFFER_SIZE_SENTINEL);
    let whole = whole.concat();
    for size in [10u16, 17, 64, 333, 15480] {
        let (_, parts) = sync_contents(&mut c, &IcsState::new(), size);
        assert_eq!(parts.concat(), whole, "size {size}");
        let mut off = 0;
        for p in &parts[..parts.len() - 1] {
            off += p.len();
            check_split(&whole, off).unwrap();
        }
    }
}

/// Group Y project decision: 0x80 fails; Reserved1/2 are ignored by default
/// (identical stream) and fail under `strict`. R-079: unknown extra flags ignored.
#[test]
fn send_options_validation_by_profile() {
    let mut c = Client::new(Profile::default());
    seed(&mut c, 2);
    let inbox = c.inbox();
    c.open(inbox);
    assert_eq!(
        c.configure(SynchronizationType::CONTENTS, 0x81, CONTENTS_FLAGS, 0),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        c.configure(SynchronizationType(0x04), 0x01, CONTENTS_FLAGS, 0),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        c.configure(
            SynchronizationType::CONTENTS,
            0x01,
            CONTENTS_FLAGS | 0x1000,
            0
        ),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        c.configure(
            SynchronizationType::CONTENTS,
            0x21,
            CONTENTS_FLAGS,
            0x8000_0010
        ),
        ErrorCode::Success
    );
    c.upload_state(
        &IcsState::new(),
        ics_wire::state::SynchronizationType::Contents,
        8,
    );
    let with_reserved = c.download(2, BUFFER_SIZE_SENTINEL).concat();
    let (_, plain) = sync_contents(&mut c, &IcsState::new(), BUFFER_SIZE_SENTINEL);
    assert_eq!(with_reserved, plain.concat());
    let mut strict = Client::new(Profile::strict());
    let inbox = strict.inbox();
    strict.open(inbox);
    for bit in [0x20u8, 0x40] {
        assert_eq!(
            strict.configure(SynchronizationType::CONTENTS, 0x01 | bit, CONTENTS_FLAGS, 0),
            ErrorCode::InvalidParameter
        );
    }
    assert_eq!(
        strict.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0),
        ErrorCode::Success
    );
}

/// busy answers with BackoffTime, retries recorded with their arrival time.
#[test]
fn busy_injection_records_retries() {
    let mut c = Client::new(Profile::default());
    seed(&mut c, 1);
    let inbox = c.inbox();
    c.open(inbox);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    c.upload_state(
        &IcsState::new(),
        ics_wire::state::SynchronizationType::Contents,
        8,
    );
    c.s.faults_mut().busy_remaining = 2;
    c.s.faults_mut().busy_backoff = 250;
    let req = |h: &[u32; 8]| RopRequestBuffer {
        rops: vec![RopRequest::FastTransferSourceGetBuffer(
            FastTransferSourceGetBufferRequest {
                logon_id: 0,
                input_handle_index: 2,
                buffer_size: BUFFER_SIZE_SENTINEL,
                maximum_buffer_size: Some(0x7000),
            },
        )],
        handles: h.to_vec(),
    };
    for (t, expect_busy) in [(1000u64, true), (1300, true), (1600, false)] {
        let r = req(&c.h);
        let bytes = c.s.execute_at(&r.encode().unwrap(), t).unwrap();
        let resp = RopResponseBuffer::decode(&bytes, &r, &ResponseContext::default()).unwrap();
        let RopResponse::FastTransferSourceGetBuffer(x) = &resp.rops[0] else {
            panic!()
        };
        if expect_busy {
            assert_eq!(x.return_value, ErrorCode::ServerBusy);
            assert_eq!(x.backoff_time, Some(250));
        } else {
            assert_eq!(x.return_value, ErrorCode::Success);
            assert_eq!(x.transfer_status, TransferStatus::DONE);
        }
    }
    let log = &c.s.faults().busy_log;
    assert_eq!(log.len(), 2);
    assert_eq!((log[0].answered_at, log[0].retry_at), (1000, Some(1300)));
    assert_eq!((log[1].answered_at, log[1].retry_at), (1300, Some(1600)));
}

/// never-assigned handle → ecNullObject; released → ecInvalidObject;
/// wrong object type → ecNotSupported.
#[test]
fn handle_errors() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    // Slot 2 holds nothing yet.
    let x = c.get_buffer(2, 100);
    assert_eq!(x.return_value, ErrorCode::NullObject);
    // GetBuffer on a folder.
    assert_eq!(c.get_buffer(1, 100).return_value, ErrorCode::NotSupported);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    c.call(vec![RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: 2,
    })]);
    assert_eq!(c.get_buffer(2, 100).return_value, ErrorCode::InvalidObject);
    // GetLocalReplicaIds on the logon.
    let r = c.call(vec![RopRequest::GetLocalReplicaIds(
        GetLocalReplicaIdsRequest {
            logon_id: 0,
            input_handle_index: 0,
            id_count: 0x10000,
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::GetLocalReplicaIds(x) if x.result.return_value() == ErrorCode::Success)
    );
}

/// RecoverMode: errorInfo in the stream; without it the
/// download fails and keeps failing.
#[test]
fn unreadable_message_over_rops() {
    let mut c = Client::new(Profile::default());
    let mids = seed(&mut c, 3);
    c.s.mailbox_mut().set_unreadable(mids[1], true).unwrap();
    let inbox = c.inbox();
    c.open(inbox);
    c.configure(
        SynchronizationType::CONTENTS,
        0x01 | 0x04,
        CONTENTS_FLAGS,
        0,
    );
    c.upload_state(
        &IcsState::new(),
        ics_wire::state::SynchronizationType::Contents,
        8,
    );
    let stream = c.download(2, BUFFER_SIZE_SENTINEL).concat();
    let Root::ContentsSync(cs) = ft::parse(RootKind::ContentsSync, &stream).unwrap() else {
        panic!()
    };
    assert_eq!(
        cs.changes
            .iter()
            .filter(|i| matches!(i, ft::ContentsSyncItem::Error(_)))
            .count(),
        1
    );
    assert_eq!(cs.changes.len(), 3);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    let first = c.get_buffer(2, BUFFER_SIZE_SENTINEL);
    assert_eq!(first.return_value, ErrorCode::NotFound);
    assert_eq!(
        c.get_buffer(2, BUFFER_SIZE_SENTINEL).return_value,
        ErrorCode::NotFound
    );
}

/// R-057 (conformance finding): without RecoverMode an unreadable message
/// fails GetBuffer with ecNotFound 0x8004010F when the stream reaches it
/// (after portions already sent), and every later GetBuffer on that context
/// repeats that error — with another BufferSize, with a busy answer pending
/// (a failed context is not busy, it is failed), and after the message
/// became readable again. A FastTransfer copy context behaves the same.
#[test]
fn failed_get_buffer_repeats_its_error() {
    let mut c = Client::new(Profile::default());
    let mids = seed(&mut c, 8);
    c.s.mailbox_mut().set_unreadable(mids[5], true).unwrap();
    let inbox = c.inbox();
    c.open(inbox);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    c.upload_state(
        &IcsState::new(),
        ics_wire::state::SynchronizationType::Contents,
        8,
    );
    let mut portions = 0;
    let first = loop {
        let x = c.get_buffer(2, 120);
        if x.return_value != ErrorCode::Success {
            break x;
        }
        assert_eq!(
            x.transfer_status,
            TransferStatus::PARTIAL,
            "must not finish"
        );
        portions += 1;
    };
    assert!(portions > 0, "the error comes mid-stream");
    assert_eq!(first.return_value, ErrorCode::NotFound);
    assert_eq!(first.return_value.to_u32(), 0x8004_010F);
    assert_eq!(first.transfer_status, TransferStatus::ERROR);
    let again = |c: &mut Client, size: u16| c.get_buffer(2, size).return_value;
    assert_eq!(again(&mut c, 120), ErrorCode::NotFound);
    assert_eq!(again(&mut c, BUFFER_SIZE_SENTINEL), ErrorCode::NotFound);
    c.s.faults_mut().busy_remaining = 1;
    assert_eq!(again(&mut c, 120), ErrorCode::NotFound, "not busy: failed");
    c.s.faults_mut().busy_remaining = 0;
    c.s.mailbox_mut().set_unreadable(mids[5], false).unwrap();
    assert_eq!(again(&mut c, BUFFER_SIZE_SENTINEL), ErrorCode::NotFound);
    // A CopyMessages context: a BufferSize below the first atom fails, and
    // the failure sticks.
    let r = c.call(vec![RopRequest::FastTransferSourceCopyMessages(
        ics_wire::rop::fasttransfer::FastTransferSourceCopyMessagesRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            message_ids: mids.clone(),
            copy_flags: ics_wire::rop::flags::CopyMessagesCopyFlags(0),
            send_options: ics_wire::rop::flags::SendOptions(0x01),
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::FastTransferSourceCopyMessages(x) if x.return_value == ErrorCode::Success)
    );
    let tiny = c.get_buffer(3, 2);
    assert_ne!(tiny.return_value, ErrorCode::Success);
    assert_eq!(tiny.transfer_status, TransferStatus::ERROR);
    assert_eq!(
        c.get_buffer(3, BUFFER_SIZE_SENTINEL).return_value,
        tiny.return_value
    );
    assert_eq!(c.get_buffer(3, 4000).return_value, tiny.return_value);
}

/// Fault injection: the connection drops once a download passes K bytes.
#[test]
fn cut_connection_after_k_bytes() {
    let mut c = Client::new(Profile::default());
    seed(&mut c, 20);
    c.s.faults_mut().cut_after_bytes = Some(300);
    let inbox = c.inbox();
    c.open(inbox);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    let mut got = 0;
    loop {
        let req = RopRequestBuffer {
            rops: vec![RopRequest::FastTransferSourceGetBuffer(
                FastTransferSourceGetBufferRequest {
                    logon_id: 0,
                    input_handle_index: 2,
                    buffer_size: 100,
                    maximum_buffer_size: None,
                },
            )],
            handles: c.h.to_vec(),
        };
        match c.s.execute(&req.encode().unwrap()) {
            Ok(b) => {
                let r = RopResponseBuffer::decode(&b, &req, &ResponseContext::default()).unwrap();
                let RopResponse::FastTransferSourceGetBuffer(x) = &r.rops[0] else {
                    panic!()
                };
                got += x.transfer_buffer.len();
            }
            Err(e) => {
                assert_eq!(e, SessionError::ConnectionLost);
                break;
            }
        }
    }
    assert!(got <= 300);
    assert_eq!(c.s.execute(&[0, 0]), Err(SessionError::ConnectionLost));
    c.s.reconnect();
    c.h = [EMPTY; 8];
    c.logon();
    let (cs, _) = sync_contents(&mut c, &IcsState::new(), BUFFER_SIZE_SENTINEL);
    assert_eq!(cs.changes.len(), 20);
}

/// GetTransferState: the initial state during a download, the final after it.
#[test]
fn get_transfer_state() {
    let mut c = Client::new(Profile::default());
    seed(&mut c, 30);
    let inbox = c.inbox();
    c.open(inbox);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    let first = c.get_buffer(2, 64);
    assert_eq!(first.transfer_status, TransferStatus::PARTIAL);
    let gts = |c: &mut Client| c.transfer_state(2, 3);
    assert!(gts(&mut c).is_empty());
    c.download(2, BUFFER_SIZE_SENTINEL);
    assert_eq!(gts(&mut c).idset_given.count(), 30);
    let _ = (
        META_TAG_IDSET_GIVEN,
        META_TAG_CNSET_SEEN,
        META_TAG_CNSET_SEEN_FAI,
        META_TAG_CNSET_READ,
        PropTag(0),
    );
}

/// Behaviour profiles pick among the outcomes tables X/Y allow: legacy busy
/// code 0x8004010B (Note D-1), Exchange 2007 accepting SendOptions 0x80.
#[test]
fn profile_variants() {
    let mut c = Client::new(Profile {
        legacy_busy_code: true,
        ..Profile::exchange2007()
    });
    seed(&mut c, 1);
    let inbox = c.inbox();
    c.open(inbox);
    assert_eq!(
        c.configure(SynchronizationType::CONTENTS, 0x81, CONTENTS_FLAGS, 0),
        ErrorCode::Success
    );
    c.s.faults_mut().busy_remaining = 1;
    let x = c.get_buffer(2, BUFFER_SIZE_SENTINEL);
    assert_eq!(x.return_value, ErrorCode::Busy);
    assert_eq!(x.backoff_time, None);
    assert_eq!(
        c.get_buffer(2, BUFFER_SIZE_SENTINEL).transfer_status,
        TransferStatus::DONE
    );
}

/// Hierarchy sync over ROPs (R-115, R-116, 2.2.4.3.9): parents before
/// children, zero-length ParentSourceKey below the sync root, FolderId with Eid.
#[test]
fn hierarchy_sync_over_rops() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    let a = c.s.mailbox_mut().create_folder(inbox, "A").unwrap();
    c.s.mailbox_mut().create_folder(a, "B").unwrap();
    c.open(inbox);
    assert_eq!(
        c.configure(SynchronizationType::HIERARCHY, 0x01, 0x0001, 0x1),
        ErrorCode::Success
    );
    c.upload_state(
        &IcsState::new(),
        ics_wire::state::SynchronizationType::Hierarchy,
        8,
    );
    let bytes = c.download(2, 50).concat();
    let Root::HierarchySync(h) = ft::parse(RootKind::HierarchySync, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(h.folder_changes.len(), 2);
    let first = &h.folder_changes[0].props;
    assert_eq!(first[0].tag, tags::PID_TAG_PARENT_SOURCE_KEY);
    assert_eq!(first[0].as_binary(), Some(&[][..]));
    assert!(first.iter().any(|p| p.tag == tags::PID_TAG_FOLDER_ID));
    let second = &h.folder_changes[1].props;
    assert_eq!(
        second[0].as_binary(),
        first[1].as_binary(),
        "B's parent is A"
    );
    assert!(
        h.state.cnset_seen_fai().is_none() && h.state.cnset_read().is_none(),
        "R-132"
    );
    // Contents-only restriction on hierarchy fails (R-072, table Y).
    let _ = PropTag(0);
}

/// R-195 Exchange 2007 variant (<2>): GetTransferState during a download
/// returns a checkpoint of what was produced so far.
#[test]
fn checkpoint_transfer_state_profile() {
    let mut c = Client::new(Profile::exchange2007());
    seed(&mut c, 30);
    let inbox = c.inbox();
    c.open(inbox);
    c.configure(SynchronizationType::CONTENTS, 0x01, CONTENTS_FLAGS, 0);
    assert_eq!(
        c.get_buffer(2, 300).transfer_status,
        TransferStatus::PARTIAL
    );
    let n = c.transfer_state(2, 3).idset_given.count();
    assert!(n > 0 && n < 30, "checkpoint holds {n} ids");
}

/// Two connections on one mailbox: each has its own handles; using the
/// other's handle is ecAccessDenied; a change made through one is
/// downloaded by the other.
#[test]
fn two_connections_share_the_mailbox() {
    let mut c = Client::new(Profile::default());
    seed(&mut c, 2);
    let inbox = c.inbox();
    c.open(inbox);
    let other = c.s.connect();
    // Logon and a download on the second connection.
    let req = RopRequestBuffer {
        rops: vec![RopRequest::Logon(ics_wire::rop::logon::LogonRequest {
            logon_id: 0,
            output_handle_index: 0,
            logon_flags: ics_wire::rop::flags::LogonFlags::PRIVATE,
            open_flags: ics_wire::rop::flags::OpenFlags(0),
            store_state: 0,
            essdn: Some(b"/o=x".to_vec()),
        })],
        handles: vec![EMPTY],
    };
    let out = c.s.execute_on(other, &req.encode().unwrap(), 0).unwrap();
    let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default()).unwrap();
    let logon2 = resp.handles[0];
    assert_ne!(logon2, c.h[0]);
    // Connection 0's folder handle used on connection 1.
    let req = RopRequestBuffer {
        rops: vec![RopRequest::FastTransferSourceGetBuffer(
            FastTransferSourceGetBufferRequest {
                logon_id: 0,
                input_handle_index: 0,
                buffer_size: 100,
                maximum_buffer_size: None,
            },
        )],
        handles: vec![c.h[1]],
    };
    let out = c.s.execute_on(other, &req.encode().unwrap(), 0).unwrap();
    let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default()).unwrap();
    let RopResponse::FastTransferSourceGetBuffer(x) = &resp.rops[0] else {
        panic!()
    };
    assert_eq!(x.return_value, ErrorCode::AccessDenied);
    // Closing connection 1 leaves connection 0 working.
    c.s.disconnect(other);
    let (cs, _) = sync_contents(&mut c, &IcsState::new(), BUFFER_SIZE_SENTINEL);
    assert_eq!(cs.changes.len(), 2);
}
