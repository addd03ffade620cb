//! Reading attachments through ROP bytes ([MS-OXCMSG] 3.2.5.16, 3.2.5.17):
//! RopGetAttachmentTable + RopSetColumns / RopQueryRows, RopOpenAttachment,
//! RopGetPropertiesSpecific / RopGetPropertiesAll on the Attachment object,
//! RopOpenEmbeddedMessage and the properties of the embedded message; on a
//! conflict resolve message ([MS-OXCFXICS] 3.1.5.6.2.1) as the server
//! stores it.

mod common;

use common::{Client, open_message_rop, query_rows_rops};
use ics_server::mailbox::{Attachment, MessageContent, PropertyBag};
use ics_server::session::conflict::{
    ATTACH_EMBEDDED_MSG, PID_TAG_ATTACH_METHOD, PID_TAG_IN_CONFLICT, resolve_content,
};
use ics_server::session::profile::Profile;
use ics_wire::ids::Mid;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::attachment::{CreateAttachmentRequest, OpenAttachmentRequest};
use ics_wire::rop::embedded::*;
use ics_wire::rop::property::{GetPropertiesAllRequest, GetPropertiesSpecificRequest};
use ics_wire::rop::value::{PropertyRow, StandardCell, TypedString};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

const ATTACH_NUMBER: PropTag = PropTag(0x0E21_0003);
const ATTACH_LONG_FILENAME: PropTag = PropTag(0x3707_001F);

fn subject_content(s: &str) -> MessageContent {
    MessageContent::with_props([TaggedValue {
        tag: tags::PID_TAG_SUBJECT,
        value: PropValue::unicode(s),
    }])
}

/// A conflict resolve message in the Inbox: the winner "server" with a
/// by-value attachment, and the versions "server" and "client" as embedded
/// messages with PidTagInConflict.
fn setup() -> (Client, Mid) {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    let mut winner = subject_content("server");
    let mut props = PropertyBag::new();
    props.set(ATTACH_LONG_FILENAME, PropValue::unicode("plain.txt"));
    winner.attachments.push(Attachment {
        props,
        embedded: None,
    });
    let content = resolve_content(
        winner,
        vec![subject_content("server"), subject_content("client")],
    );
    let mid =
        c.s.mailbox_mut()
            .create_message(inbox, false, content)
            .unwrap();
    c.open(inbox);
    (c, mid)
}

fn get_table(input: u8, flags: u8) -> RopRequest {
    RopRequest::GetAttachmentTable(GetAttachmentTableRequest {
        logon_id: 0,
        input_handle_index: input,
        output_handle_index: 4,
        table_flags: flags,
    })
}

fn open_attachment(id: u32) -> RopRequest {
    RopRequest::OpenAttachment(OpenAttachmentRequest {
        logon_id: 0,
        input_handle_index: 4,
        output_handle_index: 5,
        open_attachment_flags: 0x00,
        attachment_id: id,
    })
}

fn open_embedded(input: u8, flags: u8) -> RopRequest {
    RopRequest::OpenEmbeddedMessage(OpenEmbeddedMessageRequest {
        logon_id: 0,
        input_handle_index: input,
        output_handle_index: 6,
        code_page_id: 0x0FFF,
        open_mode_flags: flags,
    })
}

fn get_all(slot: u8) -> RopRequest {
    RopRequest::GetPropertiesAll(GetPropertiesAllRequest {
        logon_id: 0,
        input_handle_index: slot,
        property_size_limit: 0,
        want_unicode: 1,
    })
}

fn all_props(r: &RopResponse) -> Vec<TaggedValue> {
    match r {
        RopResponse::GetPropertiesAll(x) => x
            .result
            .success()
            .expect("RopGetPropertiesAll succeeds")
            .property_values
            .iter()
            .map(|v| v.0.clone())
            .collect(),
        other => panic!("{other:?}"),
    }
}

fn get(props: &[TaggedValue], tag: PropTag) -> Option<&PropValue> {
    props.iter().find(|v| v.tag == tag).map(|v| &v.value)
}

/// The attachment table has a row per attachment with PidTagAttachNumber,
/// PidTagAttachMethod and PidTagInConflict as columns (rows with a missing
/// value are flagged rows with ecNotFound).
#[test]
fn attachment_table_of_a_conflict_resolve_message() {
    let (mut c, mid) = setup();
    let inbox = c.inbox();
    let mut rops = vec![open_message_rop(inbox, mid)];
    // The message is in slot 4; the table goes to slot 4 as well.
    rops.push(get_table(4, 0x40));
    rops.extend(query_rows_rops(
        vec![ATTACH_NUMBER, PID_TAG_ATTACH_METHOD, PID_TAG_IN_CONFLICT],
        10,
    ));
    let r = c.call(rops);
    let RopResponse::GetAttachmentTable(t) = &r.rops[1] else {
        panic!("{:?}", r.rops[1])
    };
    assert_eq!(t.return_value, ErrorCode::Success);
    let RopResponse::QueryRows(q) = &r.rops[3] else {
        panic!("{:?}", r.rops[3])
    };
    let rows = &q.result.success().unwrap().row_data;
    assert_eq!(rows.len(), 3);
    // The winner's own attachment: no method, no PidTagInConflict.
    assert!(matches!(&rows[0], PropertyRow::Flagged(_)));
    for (i, row) in rows.iter().enumerate().skip(1) {
        assert_eq!(
            row,
            &PropertyRow::Standard(vec![
                StandardCell::Value(PropValue::I32(i as i32)),
                StandardCell::Value(PropValue::I32(ATTACH_EMBEDDED_MSG)),
                StandardCell::Value(PropValue::Boolean(true)),
            ])
        );
    }
}

/// RopOpenAttachment + RopGetPropertiesSpecific / RopGetPropertiesAll on the
/// Attachment object, then RopOpenEmbeddedMessage and RopGetPropertiesAll on
/// the version it holds.
#[test]
fn embedded_versions_read_through_rops() {
    let (mut c, mid) = setup();
    let inbox = c.inbox();
    let mut subjects = Vec::new();
    for id in [1u32, 2] {
        let r = c.call(vec![
            open_message_rop(inbox, mid),
            open_attachment(id),
            RopRequest::GetPropertiesSpecific(GetPropertiesSpecificRequest {
                logon_id: 0,
                input_handle_index: 5,
                property_size_limit: 0,
                want_unicode: 1,
                property_tags: vec![PID_TAG_IN_CONFLICT, ATTACH_NUMBER],
            }),
            get_all(5),
            open_embedded(5, 0x00),
            get_all(6),
        ]);
        let RopResponse::GetPropertiesSpecific(s) = &r.rops[2] else {
            panic!("{:?}", r.rops[2])
        };
        assert_eq!(
            s.result.success().unwrap().row_data,
            PropertyRow::Standard(vec![
                StandardCell::Value(PropValue::Boolean(true)),
                StandardCell::Value(PropValue::I32(id as i32)),
            ])
        );
        let attach = all_props(&r.rops[3]);
        assert_eq!(
            get(&attach, PID_TAG_ATTACH_METHOD),
            Some(&PropValue::I32(ATTACH_EMBEDDED_MSG))
        );
        let RopResponse::OpenEmbeddedMessage(o) = &r.rops[4] else {
            panic!("{:?}", r.rops[4])
        };
        let ok = o.result.success().expect("RopOpenEmbeddedMessage succeeds");
        let TypedString::Unicode(subject) = &ok.message.normalized_subject else {
            panic!("{:?}", ok.message.normalized_subject)
        };
        assert_eq!(ok.message.recipient_count, 0);
        let embedded = all_props(&r.rops[5]);
        assert_eq!(
            get(&embedded, tags::PID_TAG_SUBJECT),
            Some(&PropValue::Unicode(subject.clone()))
        );
        subjects.push(subject.to_string_lossy());
    }
    assert_eq!(subjects, vec!["server", "client"]);
}

/// Error cases: ecNullObject when the input is no Message / Attachment
/// object, ecNotFound for an attachment without an embedded message,
/// ecNotSupported for ReadWrite (read-only server), ecInvalidParameter for
/// unknown flags; an attachment created and not saved is not in the table.
#[test]
fn errors_and_uncommitted_attachments() {
    let (mut c, mid) = setup();
    let inbox = c.inbox();
    let rv = |r: &RopResponse| match r {
        RopResponse::GetAttachmentTable(x) => x.return_value,
        RopResponse::OpenEmbeddedMessage(x) => x.result.return_value(),
        RopResponse::OpenAttachment(x) => x.return_value,
        RopResponse::OpenMessage(x) => x.result.return_value(),
        RopResponse::CreateAttachment(x) => x.result.return_value(),
        RopResponse::QueryRows(x) => x.result.return_value(),
        RopResponse::SetColumns(x) => x.result.return_value(),
        other => panic!("{other:?}"),
    };
    // The folder (slot 1) has no attachment table; a Message is no Attachment.
    let r = c.call(vec![get_table(1, 0), open_message_rop(inbox, mid)]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::NullObject);
    let r = c.call(vec![open_embedded(4, 0x00), get_table(4, 0x01)]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::NullObject);
    assert_eq!(rv(&r.rops[1]), ErrorCode::InvalidParameter);
    // Attachment 0 holds no embedded message.
    let r = c.call(vec![
        open_message_rop(inbox, mid),
        open_attachment(0),
        open_embedded(5, 0x00),
    ]);
    assert_eq!(rv(&r.rops[2]), ErrorCode::NotFound);
    for (flags, want) in [
        (0x01, ErrorCode::NotSupported),
        (0x02, ErrorCode::NotSupported),
        (0x07, ErrorCode::InvalidParameter),
    ] {
        let r = c.call(vec![
            open_message_rop(inbox, mid),
            open_attachment(1),
            open_embedded(5, flags),
        ]);
        assert_eq!(rv(&r.rops[2]), want, "OpenModeFlags {flags:#x}");
    }
    // Created, not saved: not a row.
    let mut rops = vec![
        open_message_rop(inbox, mid),
        RopRequest::CreateAttachment(CreateAttachmentRequest {
            logon_id: 0,
            input_handle_index: 4,
            output_handle_index: 5,
        }),
        get_table(4, 0),
    ];
    rops.extend(query_rows_rops(vec![ATTACH_NUMBER], 10));
    let r = c.call(rops);
    for x in &r.rops {
        assert_eq!(rv(x), ErrorCode::Success, "{x:?}");
    }
    let RopResponse::QueryRows(q) = &r.rops[4] else {
        panic!()
    };
    assert_eq!(q.result.success().unwrap().row_data.len(), 3);
}
