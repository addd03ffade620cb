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
use ics_wire::rop::state::{InputHandleRequest, InputOutputHandleRequest};
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
    let gts = |c: &mut Client| {
        c.call(vec![RopRequest::SynchronizationGetTransferState(
            InputOutputHandleRequest {
                logon_id: 0,
                input_handle_index: 2,
                output_handle_index: 3,
            },
        )]);
        let bytes = c.download(3, BUFFER_SIZE_SENTINEL).concat();
        let Root::State(s) = ft::parse(RootKind::State, &bytes).unwrap() else {
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
    };
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
