//! FastTransfer copy ROPs through ROP bytes ([MS-OXCFXICS] 2.2.3.1.1,
//! 3.2.5.8.1; server-rules.md group C).

mod common;

use common::Client;
use ics_server::mailbox::MessageContent;
use ics_server::session::profile::Profile;
use ics_wire::ftstream::{self as ft, Root, RootKind};
use ics_wire::ids::Mid;
use ics_wire::prop::{PropValue, TaggedValue, tags};
use ics_wire::rop::fasttransfer::*;
use ics_wire::rop::flags::{
    CopyFolderCopyFlags, CopyMessagesCopyFlags, CopyPropertiesCopyFlags, CopyToCopyFlags,
    MessageOpenModeFlags, SendOptions,
};
use ics_wire::rop::message::OpenMessageRequest;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

fn setup() -> (Client, Vec<Mid>) {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    let mids = (0..3)
        .map(|i| {
            let props = [
                TaggedValue {
                    tag: tags::PID_TAG_SUBJECT,
                    value: PropValue::unicode(&format!("m{i}")),
                },
                TaggedValue {
                    tag: tags::PID_TAG_BODY,
                    value: PropValue::unicode("body"),
                },
            ];
            c.s.mailbox_mut()
                .create_message(inbox, false, MessageContent::with_props(props))
                .unwrap()
        })
        .collect();
    let sub = c.s.mailbox_mut().create_folder(inbox, "Sub").unwrap();
    c.s.mailbox_mut()
        .create_message(sub, true, MessageContent::default())
        .unwrap();
    c.open(inbox);
    (c, mids)
}

fn rv(r: &ics_wire::rop::RopResponseBuffer) -> ErrorCode {
    match &r.rops[0] {
        RopResponse::FastTransferSourceCopyMessages(x)
        | RopResponse::FastTransferSourceCopyFolder(x)
        | RopResponse::FastTransferSourceCopyTo(x)
        | RopResponse::FastTransferSourceCopyProperties(x) => x.return_value,
        other => panic!("{other:?}"),
    }
}

fn copy_messages(c: &mut Client, mids: Vec<Mid>, flags: u8, so: u8) -> ErrorCode {
    rv(&c.call(vec![RopRequest::FastTransferSourceCopyMessages(
        FastTransferSourceCopyMessagesRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            message_ids: mids,
            copy_flags: CopyMessagesCopyFlags(flags),
            send_options: SendOptions(so),
        },
    )]))
}

fn stream(c: &mut Client, kind: RootKind) -> Root {
    let bytes = c.download(3, 0xBABE).concat();
    ft::parse(kind, &bytes).unwrap()
}

fn list_props(root: &Root) -> Vec<Vec<u32>> {
    let Root::MessageList(l) = root else { panic!() };
    l.items
        .iter()
        .filter_map(|i| match i {
            ft::MessageListItem::Message(m) => {
                Some(m.content.props.iter().map(|p| p.tag.0).collect())
            }
            _ => None,
        })
        .collect()
}

/// PidTagMid first; with SendEntryId the
/// identification properties and PidTagOriginalEntryId, without it none.
#[test]
fn copy_messages_with_and_without_send_entry_id() {
    let (mut c, mids) = setup();
    assert_eq!(
        copy_messages(
            &mut c,
            mids.clone(),
            CopyMessagesCopyFlags::SEND_ENTRY_ID.0,
            0x01
        ),
        ErrorCode::Success
    );
    let root = stream(&mut c, RootKind::MessageList);
    let props = list_props(&root);
    assert_eq!(props.len(), 3);
    for p in &props {
        assert_eq!(p[0], tags::PID_TAG_MID.0);
        for t in [
            tags::PID_TAG_SOURCE_KEY,
            tags::PID_TAG_CHANGE_KEY,
            tags::PID_TAG_LAST_MODIFICATION_TIME,
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            tags::PID_TAG_ORIGINAL_ENTRY_ID,
        ] {
            assert!(p.contains(&t.0), "{t} missing");
        }
    }
    assert_eq!(
        copy_messages(&mut c, mids.clone(), 0, 0x01),
        ErrorCode::Success
    );
    let props = list_props(&stream(&mut c, RootKind::MessageList));
    assert!(
        props
            .iter()
            .all(|p| !p.contains(&tags::PID_TAG_ORIGINAL_ENTRY_ID.0)
                && !p.contains(&tags::PID_TAG_SOURCE_KEY.0))
    );
    // unknown SendOptions bit; R-039: empty MID list.
    assert_eq!(
        copy_messages(&mut c, mids, 0, 0x81),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        copy_messages(&mut c, vec![], 0, 0x01),
        ErrorCode::InvalidParameter
    );
}

/// CopySubfolders includes the subfolder; without it there is none.
#[test]
fn copy_folder_subfolders() {
    let (mut c, _) = setup();
    for (flags, subs) in [(CopyFolderCopyFlags::COPY_SUBFOLDERS.0, 1), (0, 0)] {
        let r = c.call(vec![RopRequest::FastTransferSourceCopyFolder(
            FastTransferSourceCopyFolderRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 3,
                copy_flags: CopyFolderCopyFlags(flags),
                send_options: SendOptions(0x01),
            },
        )]);
        assert_eq!(rv(&r), ErrorCode::Success);
        let Root::TopFolder(t) = stream(&mut c, RootKind::TopFolder) else {
            panic!()
        };
        assert_eq!(t.content.subfolders.len(), subs);
        let ft::FolderMessagesNoDelProps::List(l) = &t.content.messages else {
            panic!()
        };
        assert_eq!(l.items.len(), 3);
        if subs == 1 {
            assert_eq!(
                t.content.subfolders[0].props[0].tag,
                tags::PID_TAG_FOLDER_ID
            );
        }
    }
}

/// CopyTo excludes the listed properties, CopyProperties
/// includes only them; a non-zero level drops subobjects.
#[test]
fn copy_to_and_copy_properties_on_a_message() {
    let (mut c, mids) = setup();
    let inbox = c.inbox();
    c.call(vec![RopRequest::OpenMessage(OpenMessageRequest {
        logon_id: 0,
        input_handle_index: 1,
        output_handle_index: 4,
        code_page_id: 0x0FFF,
        folder_id: inbox,
        open_mode_flags: MessageOpenModeFlags(0),
        message_id: mids[0],
    })]);
    let r = c.call(vec![RopRequest::FastTransferSourceCopyTo(
        FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 4,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyToCopyFlags(0),
            send_options: SendOptions(0x01),
            property_tags: vec![tags::PID_TAG_BODY],
        },
    )]);
    assert_eq!(rv(&r), ErrorCode::Success);
    let Root::MessageContent(m) = stream(&mut c, RootKind::MessageContent) else {
        panic!()
    };
    assert!(m.props.iter().any(|p| p.tag == tags::PID_TAG_SUBJECT));
    assert!(!m.props.iter().any(|p| p.tag == tags::PID_TAG_BODY));
    assert!(m.children.del_recipients && m.children.del_attachments);
    let r = c.call(vec![RopRequest::FastTransferSourceCopyProperties(
        FastTransferSourceCopyPropertiesRequest {
            logon_id: 0,
            input_handle_index: 4,
            output_handle_index: 3,
            level: 1,
            copy_flags: CopyPropertiesCopyFlags(0),
            send_options: SendOptions(0x01),
            property_tags: vec![tags::PID_TAG_BODY],
        },
    )]);
    assert_eq!(rv(&r), ErrorCode::Success);
    let Root::MessageContent(m) = stream(&mut c, RootKind::MessageContent) else {
        panic!()
    };
    assert_eq!(
        m.props.iter().map(|p| p.tag).collect::<Vec<_>>(),
        vec![tags::PID_TAG_BODY]
    );
    assert!(!m.children.del_recipients && !m.children.del_attachments);
}
