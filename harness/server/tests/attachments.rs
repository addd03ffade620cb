//! Recipients and attachments through ROP bytes ([MS-OXCMSG] 2.2.3.4–2.2.3.15)
//! and in the FastTransfer streams: CopyTo / CopyProperties on an Attachment
//! object (attachmentContent), the Move flag, and a contents
//! synchronization carrying the subobjects.

mod common;

use common::Client;
use ics_server::session::profile::Profile;
use ics_wire::ftstream::{self as ft, Root, RootKind};
use ics_wire::ids::Mid;
use ics_wire::prop::{PropTag, PropValue, tags};
use ics_wire::rop::attachment::*;
use ics_wire::rop::fasttransfer::*;
use ics_wire::rop::flags::{
    CopyPropertiesCopyFlags, CopyToCopyFlags, MessageOpenModeFlags, SaveFlags, SendOptions,
    SynchronizationType,
};
use ics_wire::rop::message::{CreateMessageRequest, OpenMessageRequest, SaveChangesMessageRequest};
use ics_wire::rop::property::SetPropertiesRequest;
use ics_wire::rop::recipient::*;
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::value::{PropertyRow, StandardCell, TaggedPropertyValue};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};
use ics_wire::state::IcsState;

const ATTACH_METHOD: PropTag = PropTag(0x3705_0003);
const ATTACH_DATA_BINARY: PropTag = PropTag(0x3701_0102);
const ATTACH_LONG_FILENAME: PropTag = PropTag(0x3707_001F);
const DISPLAY_NAME: PropTag = PropTag(0x3001_001F);
const EMAIL: PropTag = PropTag(0x3003_001F);
const RECIPIENT_TYPE: PropTag = PropTag(0x0C15_0003);
const ROWID: PropTag = PropTag(0x3000_0003);

fn rv(r: &RopResponse) -> ErrorCode {
    match r {
        RopResponse::FastTransferSourceCopyTo(x)
        | RopResponse::FastTransferSourceCopyProperties(x)
        | RopResponse::OpenAttachment(x) => x.return_value,
        RopResponse::ModifyRecipients(x)
        | RopResponse::DeleteAttachment(x)
        | RopResponse::RemoveAllRecipients(x) => x.return_value,
        RopResponse::SaveChangesAttachment(x) => x.return_value,
        RopResponse::CreateAttachment(x) => x.result.return_value(),
        RopResponse::ReadRecipients(x) => x.result.return_value(),
        RopResponse::SaveChangesMessage(x) => x.result.return_value(),
        RopResponse::SetProperties(x) => x.result.return_value(),
        RopResponse::CreateMessage(x) => x.result.return_value(),
        RopResponse::OpenMessage(x) => x.result.return_value(),
        other => panic!("{other:?}"),
    }
}

fn smtp_row(name: &str, email: &str) -> Vec<u8> {
    use recipient_flags as f;
    RecipientRow {
        recipient_flags: 0x3 | f::E | f::D | f::U,
        x500: None,
        distribution_list: None,
        address_type: None,
        email_address: Some(RecipientString::Unicode(email.into())),
        display_name: Some(RecipientString::Unicode(name.into())),
        simple_display_name: None,
        transmittable_display_name: None,
        recipient_column_count: 1,
        recipient_properties: PropertyRow::Standard(vec![StandardCell::Value(PropValue::I32(
            0x10,
        ))]),
    }
    .to_bytes()
    .unwrap()
}

fn modify_recipients(slot: u8, rows: Vec<ModifyRecipientRow>) -> RopRequest {
    RopRequest::ModifyRecipients(ModifyRecipientsRequest {
        logon_id: 0,
        input_handle_index: slot,
        recipient_columns: vec![PropTag(0x5FFF_0003)],
        recipient_rows: rows,
    })
}

fn set_props(slot: u8, v: Vec<(PropTag, PropValue)>) -> RopRequest {
    RopRequest::SetProperties(SetPropertiesRequest {
        logon_id: 0,
        input_handle_index: slot,
        property_values: v
            .into_iter()
            .map(|(t, v)| TaggedPropertyValue::new(t, v))
            .collect(),
    })
}

fn save_message(slot: u8) -> RopRequest {
    RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
        logon_id: 0,
        response_handle_index: slot,
        input_handle_index: slot,
        save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
    })
}

fn save_attachment() -> RopRequest {
    RopRequest::SaveChangesAttachment(SaveChangesAttachmentRequest {
        logon_id: 0,
        response_handle_index: 2,
        input_handle_index: 3,
        save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
    })
}

fn create_attachment() -> RopRequest {
    RopRequest::CreateAttachment(CreateAttachmentRequest {
        logon_id: 0,
        input_handle_index: 2,
        output_handle_index: 3,
    })
}

fn release(slot: u8) -> RopRequest {
    RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: slot,
    })
}

/// A message in the Inbox with two recipients and two attachments (one
/// created and abandoned in between), made with the setup ROPs only.
fn setup() -> (Client, Mid) {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    let r = c.call(vec![
        RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            code_page_id: 0x0FFF,
            folder_id: inbox,
            associated_flag: 0,
        }),
        set_props(
            2,
            vec![(tags::PID_TAG_SUBJECT, PropValue::unicode("with parts"))],
        ),
        modify_recipients(
            2,
            vec![
                ModifyRecipientRow {
                    row_id: 0,
                    recipient_type: 1,
                    recipient_row: smtp_row("Alice", "alice@example.com"),
                },
                ModifyRecipientRow {
                    row_id: 1,
                    recipient_type: 2,
                    recipient_row: smtp_row("Bob", "bob@example.com"),
                },
            ],
        ),
        create_attachment(),
        set_props(
            3,
            vec![
                (ATTACH_METHOD, PropValue::I32(1)),
                (ATTACH_DATA_BINARY, PropValue::Binary(vec![1, 2, 3])),
                (ATTACH_LONG_FILENAME, PropValue::unicode("a.bin")),
            ],
        ),
        save_attachment(),
        release(3),
        // Created and never saved: not part of the message.
        create_attachment(),
        release(3),
        create_attachment(),
        set_props(3, vec![(ATTACH_LONG_FILENAME, PropValue::unicode("b.txt"))]),
        save_attachment(),
        release(3),
        save_message(2),
    ]);
    for x in &r.rops {
        assert_eq!(rv(x), ErrorCode::Success, "{x:?}");
    }
    let ids: Vec<u32> = r
        .rops
        .iter()
        .filter_map(|x| match x {
            RopResponse::CreateAttachment(a) => a.result.success().map(|s| s.attachment_id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, vec![0, 1, 2]);
    let mid = r
        .rops
        .iter()
        .find_map(|x| match x {
            RopResponse::SaveChangesMessage(s) => s.result.success().map(|s| s.message_id),
            _ => None,
        })
        .unwrap();
    (c, mid)
}

fn open_message(c: &mut Client, mid: Mid) {
    let inbox = c.inbox();
    let r = c.call(vec![RopRequest::OpenMessage(OpenMessageRequest {
        logon_id: 0,
        input_handle_index: 1,
        output_handle_index: 2,
        code_page_id: 0x0FFF,
        folder_id: inbox,
        open_mode_flags: MessageOpenModeFlags::READ_WRITE,
        message_id: mid,
    })]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::Success);
}

fn open_attachment(c: &mut Client, id: u32, flags: u8) -> ErrorCode {
    let r = c.call(vec![RopRequest::OpenAttachment(OpenAttachmentRequest {
        logon_id: 0,
        input_handle_index: 2,
        output_handle_index: 3,
        open_attachment_flags: flags,
        attachment_id: id,
    })]);
    rv(&r.rops[0])
}

fn copy(c: &mut Client, slot: u8, include: bool, flags: u32, list: Vec<PropTag>) -> ErrorCode {
    let rop = if include {
        RopRequest::FastTransferSourceCopyProperties(FastTransferSourceCopyPropertiesRequest {
            logon_id: 0,
            input_handle_index: slot,
            output_handle_index: 4,
            level: 0,
            copy_flags: CopyPropertiesCopyFlags(flags as u8),
            send_options: SendOptions(0x01),
            property_tags: list,
        })
    } else {
        RopRequest::FastTransferSourceCopyTo(FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: slot,
            output_handle_index: 4,
            level: 0,
            copy_flags: CopyToCopyFlags(flags),
            send_options: SendOptions(0x01),
            property_tags: list,
        })
    };
    rv(&c.call(vec![rop]).rops[0])
}

fn value(props: &[ft::FtProp], tag: PropTag) -> Option<&PropValue> {
    props.iter().find(|p| p.tag == tag).map(|p| &p.value)
}

/// [MS-OXCMSG] 3.2.5.13, 3.2.5.14: the message holds the saved attachments
/// (the abandoned one is dropped) and the recipients as properties.
#[test]
fn setup_rops_store_recipients_and_attachments() {
    let (c, mid) = setup();
    let m = c.s.mailbox().message(mid).unwrap();
    assert_eq!(m.content.recipients.len(), 2);
    let alice = &m.content.recipients[0];
    assert_eq!(alice.get(DISPLAY_NAME), Some(&PropValue::unicode("Alice")));
    assert_eq!(
        alice.get(EMAIL),
        Some(&PropValue::unicode("alice@example.com"))
    );
    assert_eq!(alice.get(RECIPIENT_TYPE), Some(&PropValue::I32(1)));
    assert_eq!(alice.get(ROWID), Some(&PropValue::I32(0)));
    assert_eq!(alice.get(PropTag(0x5FFF_0003)), Some(&PropValue::I32(0x10)));
    assert_eq!(m.content.attachments.len(), 2);
    assert_eq!(
        m.content.attachments[0].props.get(ATTACH_DATA_BINARY),
        Some(&PropValue::Binary(vec![1, 2, 3]))
    );
    assert_eq!(
        m.content.attachments[1].props.get(ATTACH_LONG_FILENAME),
        Some(&PropValue::unicode("b.txt"))
    );
}

/// ftstream.md §8, R-025, R-028: CopyTo / CopyProperties on an Attachment
/// object stream its attachmentContent; the list filters its properties.
#[test]
fn copy_of_an_attachment() {
    let (mut c, mid) = setup();
    open_message(&mut c, mid);
    assert_eq!(open_attachment(&mut c, 0, 0x00), ErrorCode::Success);
    assert_eq!(copy(&mut c, 3, false, 0, vec![]), ErrorCode::Success);
    let bytes = c.download(4, 0xBABE).concat();
    let Root::AttachmentContent(a) = ft::parse(RootKind::AttachmentContent, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(
        value(&a.props, ATTACH_DATA_BINARY),
        Some(&PropValue::Binary(vec![1, 2, 3]))
    );
    assert_eq!(value(&a.props, ATTACH_METHOD), Some(&PropValue::I32(1)));
    assert!(a.embedded.is_none());
    // Exclude the data: gone.
    assert_eq!(
        copy(&mut c, 3, false, 0, vec![ATTACH_DATA_BINARY]),
        ErrorCode::Success
    );
    let bytes = c.download(4, 0xBABE).concat();
    let Root::AttachmentContent(a) = ft::parse(RootKind::AttachmentContent, &bytes).unwrap() else {
        panic!()
    };
    assert!(value(&a.props, ATTACH_DATA_BINARY).is_none());
    assert!(value(&a.props, ATTACH_LONG_FILENAME).is_some());
    // Include only the file name.
    assert_eq!(
        copy(&mut c, 3, true, 0, vec![ATTACH_LONG_FILENAME]),
        ErrorCode::Success
    );
    let bytes = c.download(4, 0xBABE).concat();
    let Root::AttachmentContent(a) = ft::parse(RootKind::AttachmentContent, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(a.props.len(), 1);
    // no Move on an Attachment; a read-only object cannot be saved.
    assert_eq!(
        copy(&mut c, 3, false, 0x01, vec![]),
        ErrorCode::InvalidParameter
    );
    let r = c.call(vec![save_attachment()]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::AccessDenied);
    // Unknown ids and flags.
    assert_eq!(open_attachment(&mut c, 7, 0x01), ErrorCode::NotFound);
    assert_eq!(
        open_attachment(&mut c, 0, 0x02),
        ErrorCode::InvalidParameter
    );
}

/// R-033 and group X: Move on CopyTo fails with ecInvalidParameter and on
/// CopyProperties with ecNotImplemented (Exchange 2010+); the exchange2007
/// profile supports it.
#[test]
fn move_flag_on_copy_to_and_copy_properties() {
    let (mut c, mid) = setup();
    open_message(&mut c, mid);
    assert_eq!(
        copy(&mut c, 2, false, 0x01, vec![]),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        copy(&mut c, 2, true, 0x01, vec![tags::PID_TAG_SUBJECT]),
        ErrorCode::NotImplemented
    );
    assert_eq!(
        copy(&mut c, 1, false, 0x01, vec![]),
        ErrorCode::InvalidParameter
    );
    assert_eq!(copy(&mut c, 2, false, 0, vec![]), ErrorCode::Success);
    c.s.set_profile(Profile::exchange2007());
    assert_eq!(copy(&mut c, 2, false, 0x01, vec![]), ErrorCode::Success);
    assert_eq!(
        copy(&mut c, 2, true, 0x01, vec![tags::PID_TAG_SUBJECT]),
        ErrorCode::Success
    );
}

/// [MS-OXCMSG] 3.2.5.6: RopReadRecipients from a RowId; RecipientRowSize 0
/// deletes a row; RopRemoveAllRecipients and RopDeleteAttachment.
#[test]
fn read_modify_and_remove_recipients_and_delete_attachments() {
    let (mut c, mid) = setup();
    open_message(&mut c, mid);
    let r = c.call(vec![RopRequest::ReadRecipients(ReadRecipientsRequest {
        logon_id: 0,
        input_handle_index: 2,
        row_id: 0,
        reserved: 0,
    })]);
    let RopResponse::ReadRecipients(x) = &r.rops[0] else {
        panic!()
    };
    let rows = &x.result.success().unwrap().recipient_rows;
    assert_eq!(rows.len(), 2);
    assert_eq!((rows[1].row_id, rows[1].recipient_type), (1, 2));
    let row = RecipientRow::decode(&rows[1].recipient_row, &[]).unwrap();
    assert_eq!(
        row.display_name.as_ref().map(|s| s.to_string_lossy()),
        Some("Bob".into())
    );
    assert_eq!(row.recipient_flags & 0x7, 3);
    let r = c.call(vec![
        modify_recipients(
            2,
            vec![ModifyRecipientRow {
                row_id: 0,
                recipient_type: 1,
                recipient_row: vec![],
            }],
        ),
        RopRequest::DeleteAttachment(DeleteAttachmentRequest {
            logon_id: 0,
            input_handle_index: 2,
            attachment_id: 0,
        }),
        save_message(2),
    ]);
    for x in &r.rops {
        assert_eq!(rv(x), ErrorCode::Success, "{x:?}");
    }
    let m = c.s.mailbox().message(mid).unwrap();
    assert_eq!(m.content.recipients.len(), 1);
    assert_eq!(m.content.attachments.len(), 1);
    assert_eq!(
        m.content.attachments[0].props.get(ATTACH_LONG_FILENAME),
        Some(&PropValue::unicode("b.txt"))
    );
    // A malformed RecipientRow changes nothing.
    let r = c.call(vec![modify_recipients(
        2,
        vec![ModifyRecipientRow {
            row_id: 9,
            recipient_type: 1,
            recipient_row: vec![0x10, 0x00, 0x41],
        }],
    )]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::InvalidParameter);
    let r = c.call(vec![
        RopRequest::RemoveAllRecipients(RemoveAllRecipientsRequest {
            logon_id: 0,
            input_handle_index: 2,
            reserved: 0,
        }),
        save_message(2),
    ]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::Success);
    assert!(
        c.s.mailbox()
            .message(mid)
            .unwrap()
            .content
            .recipients
            .is_empty()
    );
    let r = c.call(vec![RopRequest::ReadRecipients(ReadRecipientsRequest {
        logon_id: 0,
        input_handle_index: 2,
        row_id: 0,
        reserved: 0,
    })]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::NotFound);
    // Not a Message object: ecNullObject.
    let r = c.call(vec![RopRequest::CreateAttachment(
        CreateAttachmentRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
        },
    )]);
    assert_eq!(rv(&r.rops[0]), ErrorCode::NullObject);
}

/// A contents synchronization carries the recipients (PidTagRowid first) and
/// the attachments (numbered) made with the setup ROPs (ftstream.md §6.11).
#[test]
fn contents_sync_carries_recipients_and_attachments() {
    let (mut c, _) = setup();
    let inbox = c.inbox();
    c.open(inbox);
    assert_eq!(
        c.configure(
            SynchronizationType::CONTENTS,
            0x01,
            0x0001 | 0x0010 | 0x0020,
            0
        ),
        ErrorCode::Success
    );
    c.upload_state(
        &IcsState::new(),
        ics_wire::state::SynchronizationType::Contents,
        64,
    );
    let bytes = c.download(2, 0xBABE).concat();
    let Root::ContentsSync(cs) = ft::parse(RootKind::ContentsSync, &bytes).unwrap() else {
        panic!()
    };
    let ch = cs
        .changes
        .iter()
        .find_map(|i| match i {
            ft::ContentsSyncItem::Change {
                change: ft::MessageChange::Full(f),
                ..
            } => Some(f),
            _ => None,
        })
        .unwrap();
    let kids = &ch.children;
    assert_eq!(kids.recipients.len(), 2);
    assert_eq!(kids.recipients[0].props[0].tag, ROWID);
    assert_eq!(
        value(&kids.recipients[1].props, DISPLAY_NAME),
        Some(&PropValue::unicode("Bob"))
    );
    let nums: Vec<u32> = kids.attachments.iter().map(|a| a.attach_number).collect();
    assert_eq!(nums, vec![0, 1]);
    assert_eq!(
        value(&kids.attachments[0].content.props, ATTACH_DATA_BINARY),
        Some(&PropValue::Binary(vec![1, 2, 3]))
    );
}

/// CopyTo with BestBody sends only the original body form of a message
/// stored with several (the richest without PidTagNativeBody); without the flag
/// every stored form is sent.
#[test]
fn best_body_on_copy_to() {
    let (mut c, mid) = setup();
    open_message(&mut c, mid);
    let r = c.call(vec![
        set_props(
            2,
            vec![
                (tags::PID_TAG_BODY, PropValue::unicode("plain")),
                (
                    PropTag(0x1013_0102),
                    PropValue::Binary(b"<p>x</p>".to_vec()),
                ),
            ],
        ),
        save_message(2),
    ]);
    assert_eq!(rv(&r.rops[1]), ErrorCode::Success);
    let bodies = |c: &mut Client, flags: u32| {
        assert_eq!(copy(c, 2, false, flags, vec![]), ErrorCode::Success);
        let bytes = c.download(4, 0xBABE).concat();
        let Root::MessageContent(m) = ft::parse(RootKind::MessageContent, &bytes).unwrap() else {
            panic!()
        };
        m.props
            .iter()
            .map(|p| p.tag.id())
            .filter(|id| [0x1000, 0x1009, 0x1013].contains(id))
            .collect::<Vec<_>>()
    };
    assert_eq!(bodies(&mut c, 0), vec![0x1000, 0x1013]);
    assert_eq!(bodies(&mut c, CopyToCopyFlags::BEST_BODY.0), vec![0x1013]);
}
