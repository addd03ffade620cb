//! Property and table reads, and MoveCopyMessages, over ROP bytes.

mod common;

use common::{
    Client, contents_table_rops, message_with_subject, open_message_rop, query_rows_rops,
};
use ics_server::mailbox::MessageContent;
use ics_server::session::profile::Profile;
use ics_wire::prop::{PropTag, PropValue, tags};
use ics_wire::rop::flags::QueryRowsFlags;
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::message::MoveCopyMessagesRequest;
use ics_wire::rop::property::GetPropertiesSpecificRequest;
use ics_wire::rop::table::QueryRowsRequest;
use ics_wire::rop::value::{Flagged, FlaggedCell, PropertyRow, StandardCell};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

/// [MS-OXCPRPT] 2.2.2: stored and computed properties; a missing one gives a
/// flagged row with ecNotFound.
#[test]
fn get_properties_specific_on_a_message() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    let mid = message_with_subject(c.s.mailbox_mut(), inbox, "s");
    c.open(inbox);
    let r = c.call(vec![
        open_message_rop(inbox, mid),
        RopRequest::GetPropertiesSpecific(GetPropertiesSpecificRequest {
            logon_id: 0,
            input_handle_index: 4,
            property_size_limit: 0,
            want_unicode: 1,
            property_tags: vec![
                tags::PID_TAG_SUBJECT,
                tags::PID_TAG_MID,
                tags::PID_TAG_CHANGE_KEY,
            ],
        }),
        RopRequest::GetPropertiesSpecific(GetPropertiesSpecificRequest {
            logon_id: 0,
            input_handle_index: 4,
            property_size_limit: 0,
            want_unicode: 1,
            property_tags: vec![tags::PID_TAG_SUBJECT, tags::PID_TAG_BODY],
        }),
    ]);
    let RopResponse::GetPropertiesSpecific(x) = &r.rops[1] else {
        panic!()
    };
    let PropertyRow::Standard(cells) = &x.result.success().unwrap().row_data else {
        panic!()
    };
    assert_eq!(cells[0], StandardCell::Value(PropValue::unicode("s")));
    assert_eq!(
        cells[1],
        StandardCell::Value(PropValue::I64(mid.to_u64_le() as i64))
    );
    let RopResponse::GetPropertiesSpecific(x) = &r.rops[2] else {
        panic!()
    };
    let PropertyRow::Flagged(cells) = &x.result.success().unwrap().row_data else {
        panic!()
    };
    assert_eq!(
        cells[1],
        FlaggedCell::Flagged(Flagged::Error(ErrorCode::NotFound))
    );
}

/// [MS-OXCTABL]: contents table rows with the requested columns; FAI table apart.
#[test]
fn contents_table_query_rows() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    for i in 0..3 {
        message_with_subject(c.s.mailbox_mut(), inbox, &format!("m{i}"));
    }
    c.s.mailbox_mut()
        .create_message(inbox, true, MessageContent::default())
        .unwrap();
    c.open(inbox);
    let r = c.call(contents_table_rops(
        0,
        vec![tags::PID_TAG_MID, tags::PID_TAG_SUBJECT],
        10,
    ));
    let RopResponse::GetContentsTable(t) = &r.rops[0] else {
        panic!()
    };
    assert_eq!(t.result.success().unwrap().row_count, 3);
    let RopResponse::QueryRows(q) = &r.rops[2] else {
        panic!("{:?}", r.rops[2])
    };
    let rows = &q.result.success().unwrap().row_data;
    assert_eq!(rows.len(), 3);
    assert!(
        matches!(&rows[2], PropertyRow::Standard(c) if c[1] == StandardCell::Value(PropValue::unicode("m2")))
    );
}

/// [MS-OXCFOLD] 2.2.1.6: move and copy; the source gets a soft-delete
/// tombstone on move.
#[test]
fn move_copy_messages() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    let other = c.s.mailbox_mut().create_folder(inbox, "Other").unwrap();
    let a =
        c.s.mailbox_mut()
            .create_message(inbox, false, MessageContent::default())
            .unwrap();
    let b =
        c.s.mailbox_mut()
            .create_message(inbox, false, MessageContent::default())
            .unwrap();
    c.open(inbox);
    c.call(vec![RopRequest::OpenFolder(OpenFolderRequest {
        logon_id: 0,
        input_handle_index: 0,
        output_handle_index: 5,
        folder_id: other,
        ..Default::default()
    })]);
    for (mid, copy) in [(a, 1u8), (b, 0)] {
        let r = c.call(vec![RopRequest::MoveCopyMessages(
            MoveCopyMessagesRequest {
                logon_id: 0,
                source_handle_index: 1,
                dest_handle_index: 5,
                message_ids: vec![mid],
                want_asynchronous: 0,
                want_copy: copy,
            },
        )]);
        assert!(
            matches!(&r.rops[0], RopResponse::MoveCopyMessages(x) if x.return_value == ErrorCode::Success)
        );
    }
    let mb = c.s.mailbox();
    assert_eq!(mb.folder_of(a), Some(inbox));
    assert!(mb.message(b).is_none());
    assert_eq!(mb.folder(other).unwrap().message_count(), 2);
    let _ = PropTag(0);
}

/// a response that does not fit the output buffer stops processing
/// with RopBufferTooSmall carrying the unprocessed requests; the table
/// cursor is not moved. R-010: as the only ROP it fails with ecBufferTooSmall.
#[test]
fn buffer_too_small_for_large_rows() {
    let mut c = Client::new(Profile::default());
    c.s.set_max_output(600);
    let inbox = c.inbox();
    for i in 0..20 {
        message_with_subject(
            c.s.mailbox_mut(),
            inbox,
            &format!("a fairly long subject line number {i}"),
        );
    }
    c.open(inbox);
    let cols = vec![tags::PID_TAG_MID, tags::PID_TAG_SUBJECT];
    let r = c.call(contents_table_rops(0, cols.clone(), 20));
    let RopResponse::BufferTooSmall(b) = r.rops.last().unwrap() else {
        panic!("{:?}", r.rops.last())
    };
    assert!(b.size_needed as usize > 600 - 20);
    assert_eq!(
        b.request_buffers[0], 0x15,
        "the QueryRows request comes back"
    );
    // A smaller query fits; the cursor did not move.
    let r = c.call(query_rows_rops(cols, 2));
    let RopResponse::QueryRows(q) = &r.rops[1] else {
        panic!()
    };
    let rows = &q.result.success().unwrap().row_data;
    assert!(
        matches!(&rows[0], PropertyRow::Standard(c) if c[1] == StandardCell::Value(PropValue::unicode("a fairly long subject line number 0")))
    );
    // Alone and too big: ecBufferTooSmall.
    let r = c.call(vec![RopRequest::QueryRows(QueryRowsRequest {
        logon_id: 0,
        input_handle_index: 4,
        query_rows_flags: QueryRowsFlags(0),
        forward_read: 1,
        row_count: 20,
    })]);
    assert!(
        matches!(&r.rops[0], RopResponse::QueryRows(x) if x.result.return_value() == ErrorCode::BufferTooSmall)
    );
}
