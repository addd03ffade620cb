//! FastTransfer edge cases: a malformed or unfinished PutBuffer upload
//! ([MS-OXCFXICS] 3.2.5.8.2.2, R-065) and GetBuffer 0xBABE without room in
//! the output buffer ([MS-OXCFXICS] 3.2.5.8.1.5, [MS-OXCROPS] 3.2.4.3;
//!

mod common;

use common::Client;
use ics_server::session::profile::Profile;
use ics_wire::ftstream as ft;
use ics_wire::ids::Mid;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::fasttransfer::{
    BUFFER_SIZE_SENTINEL, FastTransferDestinationConfigureRequest,
    FastTransferDestinationPutBufferRequest, FastTransferSourceGetBufferRequest,
};
use ics_wire::rop::flags::{
    DestinationConfigureCopyFlags, SaveFlags, SourceOperation, SynchronizationType, TransferStatus,
};
use ics_wire::rop::message::{CreateMessageRequest, SaveChangesMessageRequest};
use ics_wire::rop::property::GetPropertiesAllRequest;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

/// A new message in slot 3 of the inbox (folder in slot 1) with a
/// destination context (slot 6) on it.
fn new_message_with_destination(c: &mut Client) {
    let inbox = c.inbox();
    c.open(inbox);
    let r = c.call(vec![
        RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            code_page_id: 0x0FFF,
            folder_id: inbox,
            associated_flag: 0,
        }),
        RopRequest::FastTransferDestinationConfigure(FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 3,
            output_handle_index: 6,
            source_operation: SourceOperation::COPY_TO,
            copy_flags: DestinationConfigureCopyFlags(0),
        }),
    ]);
    assert!(
        matches!(&r.rops[1], RopResponse::FastTransferDestinationConfigure(x) if x.return_value == ErrorCode::Success),
        "{:?}",
        r.rops
    );
}

fn put(c: &mut Client, data: &[u8]) -> ErrorCode {
    let r = c.call(vec![RopRequest::FastTransferDestinationPutBuffer(
        FastTransferDestinationPutBufferRequest {
            logon_id: 0,
            input_handle_index: 6,
            transfer_data: data.to_vec(),
        },
    )]);
    match &r.rops[0] {
        RopResponse::FastTransferDestinationPutBuffer(x) => {
            if x.return_value != ErrorCode::Success {
                assert_eq!(x.transfer_status, TransferStatus::ERROR);
            }
            x.return_value
        }
        other => panic!("{other:?}"),
    }
}

fn save(c: &mut Client) -> Result<Mid, ErrorCode> {
    let r = c.call(vec![RopRequest::SaveChangesMessage(
        SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 3,
            input_handle_index: 3,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        },
    )]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[0] else {
        panic!("{:?}", r.rops)
    };
    match s.result.success() {
        Some(ok) => Ok(ok.message_id),
        None => Err(s.result.return_value()),
    }
}

fn content_stream() -> Vec<u8> {
    let m = ft::MessageContent {
        dn_prefix: None,
        props: vec![
            ft::FtProp::with_tag(tags::PID_TAG_SUBJECT, PropValue::unicode("whole")),
            ft::FtProp::with_tag(tags::PID_TAG_BODY, PropValue::unicode("the body")),
        ],
        children: ft::MessageChildren::default(),
    };
    ft::produce(&ft::Root::MessageContent(m)).unwrap()
}

fn message_count(c: &Client) -> usize {
    let inbox = c.inbox();
    c.s.mailbox().folder(inbox).unwrap().message_count()
}

/// Bytes that are no FastTransfer element make the PutBuffer that carries
/// them fail, every later one too, and the save stores nothing.
#[test]
fn malformed_put_buffer_fails_and_save_stores_nothing() {
    let mut c = Client::new(Profile::default());
    new_message_with_destination(&mut c);
    let before = message_count(&c);
    let mut data = content_stream();
    let good = put(&mut c, &data);
    assert_eq!(good, ErrorCode::Success);
    // PidTagSubject with an unknown property type 0x0BAD: a lexical error.
    data = vec![0xAD, 0x0B, 0x37, 0x00, 1, 2, 3, 4];
    assert_eq!(put(&mut c, &data), ErrorCode::InvalidParameter);
    assert_eq!(
        put(&mut c, &content_stream()),
        ErrorCode::InvalidParameter,
        "the failed context repeats its error"
    );
    assert_eq!(save(&mut c), Err(ErrorCode::InvalidParameter));
    assert_eq!(message_count(&c), before, "no half message stored");
    // Released, a new upload on the same message starts over and saves.
    c.call(vec![RopRequest::Release(
        ics_wire::rop::state::InputHandleRequest {
            logon_id: 0,
            input_handle_index: 6,
        },
    )]);
    let r = c.call(vec![RopRequest::FastTransferDestinationConfigure(
        FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 3,
            output_handle_index: 6,
            source_operation: SourceOperation::COPY_TO,
            copy_flags: DestinationConfigureCopyFlags(0),
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::FastTransferDestinationConfigure(x) if x.return_value == ErrorCode::Success)
    );
    assert_eq!(put(&mut c, &content_stream()), ErrorCode::Success);
    let mid = save(&mut c).expect("the new upload saves");
    assert_eq!(
        c.s.mailbox()
            .message(mid)
            .unwrap()
            .content
            .props
            .get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("whole"))
    );
}

/// A marker where the messageContent grammar allows none (EndEmbed with no
/// StartEmbed) before the end of the data: a grammar error.
#[test]
fn grammar_error_fails_the_put_buffer() {
    let mut c = Client::new(Profile::default());
    new_message_with_destination(&mut c);
    let mut data = content_stream();
    data.extend_from_slice(&ft::Marker::EndEmbed.tag().0.to_le_bytes());
    data.extend_from_slice(&content_stream());
    assert_eq!(put(&mut c, &data), ErrorCode::InvalidParameter);
    assert_eq!(save(&mut c), Err(ErrorCode::InvalidParameter));
}

/// A stream that ends inside an element is not yet an error (more
/// PutBuffers may complete it), but saving then would store half a
/// message: the save fails until the rest arrives.
#[test]
fn unfinished_stream_blocks_the_save_until_completed() {
    let mut c = Client::new(Profile::default());
    new_message_with_destination(&mut c);
    let before = message_count(&c);
    let data = content_stream();
    let (a, b) = data.split_at(data.len() - 3);
    assert_eq!(put(&mut c, a), ErrorCode::Success);
    assert_eq!(save(&mut c), Err(ErrorCode::InvalidParameter));
    assert_eq!(message_count(&c), before);
    assert_eq!(put(&mut c, b), ErrorCode::Success);
    let mid = save(&mut c).expect("complete stream saves");
    let m = c.s.mailbox().message(mid).unwrap();
    assert_eq!(
        m.content.props.get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("whole"))
    );
    assert_eq!(message_count(&c), before + 1);
}

/// A GetBuffer with 0xBABE behind a response that filled the output buffer
/// is answered with RopBufferTooSmall carrying the unprocessed request; as
/// the only ROP with no room at all it fails with ecBufferTooSmall.
#[test]
fn babe_without_room_is_buffer_too_small() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    for i in 0..5 {
        common::message_with_subject(c.s.mailbox_mut(), inbox, &format!("m{i}"));
    }
    c.open(inbox);
    assert_eq!(
        c.configure(SynchronizationType::CONTENTS, 0x01, 0x0011, 0),
        ErrorCode::Success
    );
    c.upload_state(
        &ics_wire::state::IcsState::default(),
        ics_wire::state::SynchronizationType::Contents,
        1000,
    );
    let gb = RopRequest::FastTransferSourceGetBuffer(FastTransferSourceGetBufferRequest {
        logon_id: 0,
        input_handle_index: 2,
        buffer_size: BUFFER_SIZE_SENTINEL,
        maximum_buffer_size: Some(0x7000),
    });
    let props = RopRequest::GetPropertiesAll(GetPropertiesAllRequest {
        logon_id: 0,
        input_handle_index: 1,
        property_size_limit: 0,
        want_unicode: 1,
    });
    // Measure the GetPropertiesAll response, then leave fewer than 16 bytes
    // of room behind it for the GetBuffer.
    let alone = c.call(vec![props.clone()]);
    let mut bytes = Vec::new();
    alone.rops[0].encode(&mut bytes).unwrap();
    let fixed = 2 + 4 * 8;
    c.s.set_max_output(fixed + bytes.len() + 16 + 10);
    let r = c.call(vec![props, gb.clone()]);
    assert_eq!(r.rops.len(), 2, "{:?}", r.rops);
    let RopResponse::BufferTooSmall(t) = &r.rops[1] else {
        panic!("expected RopBufferTooSmall, got {:?}", r.rops[1])
    };
    let mut rest = Vec::new();
    gb.encode(&mut rest).unwrap();
    assert_eq!(
        t.request_buffers, rest,
        "the unprocessed GetBuffer comes back"
    );
    assert!(usize::from(t.size_needed) >= 16 + 16);
    // Alone, with no room even in an empty output buffer: ecBufferTooSmall.
    c.s.set_max_output(fixed + 20);
    let r = c.call(vec![gb]);
    match &r.rops[0] {
        RopResponse::FastTransferSourceGetBuffer(x) => {
            assert_eq!(x.return_value, ErrorCode::BufferTooSmall)
        }
        other => panic!("{other:?}"),
    }
    // With room again the download completes: the context did not fail.
    c.s.set_max_output(0x8000);
    let parts = c.download(2, BUFFER_SIZE_SENTINEL);
    let all = parts.concat();
    assert!(ft::parse(ft::RootKind::ContentsSync, &all).is_ok());
}
