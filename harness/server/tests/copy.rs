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
    SendOptions,
};
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

/// The messageList bytes of a CopyMessages, read with GetBuffer in small
/// portions (R-047: split only at legal points, so the pieces reassemble).
fn copy_messages_bytes(c: &mut Client, mids: Vec<Mid>, flags: u8, so: u8) -> Vec<u8> {
    assert_eq!(copy_messages(c, mids, flags, so), ErrorCode::Success);
    c.download(3, 64).concat()
}

/// [MS-OXCFXICS] 2.2.3.1.1.3.1 / 3.2.5.8.1.3: CopyFlags. Move is supported
/// (nothing here is undeletable, so R-032 drops nothing and the stream is
/// the copy's); BestBody sends bodies as stored; Unused1/2 and SendOptions
/// Reserved1/2 change nothing; Unused3 and unknown
/// bits fail.
#[test]
fn copy_messages_copy_flags() {
    let (mut c, mids) = setup();
    let plain = copy_messages_bytes(&mut c, mids.clone(), 0, 0x01);
    assert!(matches!(
        ft::parse(RootKind::MessageList, &plain).unwrap(),
        Root::MessageList(ref l) if l.items.len() == 3
    ));
    for flags in [
        CopyMessagesCopyFlags::MOVE.0,
        CopyMessagesCopyFlags::BEST_BODY.0,
        CopyMessagesCopyFlags::UNUSED1.0 | CopyMessagesCopyFlags::UNUSED2.0,
        CopyMessagesCopyFlags::MOVE.0 | CopyMessagesCopyFlags::BEST_BODY.0,
    ] {
        assert_eq!(
            copy_messages_bytes(&mut c, mids.clone(), flags, 0x01),
            plain,
            "CopyFlags {flags:#04x}"
        );
    }
    for so in [0x21, 0x41, 0x61] {
        assert_eq!(
            copy_messages_bytes(&mut c, mids.clone(), 0, so),
            plain,
            "SendOptions {so:#04x}"
        );
    }
    let with_id = copy_messages_bytes(
        &mut c,
        mids.clone(),
        CopyMessagesCopyFlags::SEND_ENTRY_ID.0,
        0x01,
    );
    assert_eq!(
        copy_messages_bytes(
            &mut c,
            mids.clone(),
            CopyMessagesCopyFlags::SEND_ENTRY_ID.0 | CopyMessagesCopyFlags::MOVE.0,
            0x01
        ),
        with_id
    );
    for bad in [CopyMessagesCopyFlags::UNUSED3.0, 0x40, 0x80] {
        assert_eq!(
            copy_messages(&mut c, mids.clone(), bad, 0x01),
            ErrorCode::InvalidParameter,
            "CopyFlags {bad:#04x}"
        );
    }
    // Strict profile: Reserved1/2 fail (server-rules.md group Y).
    let strict = Profile {
        strict_send_options: true,
        ..Profile::default()
    };
    let mut s = Client::new(strict);
    let inbox = s.inbox();
    let mid =
        s.s.mailbox_mut()
            .create_message(inbox, false, MessageContent::default())
            .unwrap();
    s.open(inbox);
    assert_eq!(
        copy_messages(&mut s, vec![mid], 0, 0x21),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        copy_messages(&mut s, vec![mid], CopyMessagesCopyFlags::MOVE.0, 0x01),
        ErrorCode::Success
    );
}

/// with SendEntryId each message carries the values of the
/// stored message: SourceKey, ChangeKey, LastModificationTime, PCL, and
/// PidTagOriginalEntryId equal to its PidTagEntryId; in the requested order.
#[test]
fn copy_messages_send_entry_id_values() {
    let (mut c, mids) = setup();
    let inbox = c.inbox();
    let order = vec![mids[2], mids[0]];
    let bytes = copy_messages_bytes(
        &mut c,
        order.clone(),
        CopyMessagesCopyFlags::SEND_ENTRY_ID.0,
        0x01,
    );
    let Root::MessageList(l) = ft::parse(RootKind::MessageList, &bytes).unwrap() else {
        panic!()
    };
    assert_eq!(l.items.len(), 2);
    let mb = c.s.mailbox();
    let g = mb.replguid();
    for (item, mid) in l.items.iter().zip(&order) {
        let ft::MessageListItem::Message(m) = item else {
            panic!("{item:?}")
        };
        let get = |t: ics_wire::prop::PropTag| {
            m.content
                .props
                .iter()
                .find(|p| p.tag == t)
                .map(|p| p.value.clone())
                .unwrap_or_else(|| panic!("{t} missing"))
        };
        let stored = mb.message(*mid).unwrap();
        assert_eq!(
            get(tags::PID_TAG_MID),
            PropValue::I64(mid.to_u64_le() as i64)
        );
        assert_eq!(
            get(tags::PID_TAG_SOURCE_KEY),
            PropValue::Binary(mb.source_key_of(mid.0))
        );
        assert_eq!(
            get(tags::PID_TAG_CHANGE_KEY),
            PropValue::Binary(ics_server::mailbox::message_change_key(stored, g).to_bytes())
        );
        assert_eq!(
            get(tags::PID_TAG_PREDECESSOR_CHANGE_LIST),
            PropValue::Binary(ics_server::mailbox::message_pcl(stored, g).to_bytes())
        );
        assert_eq!(
            get(tags::PID_TAG_LAST_MODIFICATION_TIME),
            PropValue::Time(stored.last_modified)
        );
        let eid = ics_server::session::message_entry_id(mb, inbox, *mid);
        assert_eq!(eid.len(), 70, "[MS-OXCDATA] 2.2.4.2");
        assert_eq!(&eid[46..68], mb.source_key_of(mid.0).as_slice());
        assert_eq!(get(tags::PID_TAG_ORIGINAL_ENTRY_ID), PropValue::Binary(eid));
        assert_eq!(
            get(tags::PID_TAG_SUBJECT),
            stored
                .content
                .props
                .get(tags::PID_TAG_SUBJECT)
                .cloned()
                .unwrap()
        );
    }
}

/// R-039 and unreadable messages: a MID outside the input folder fails
/// with ecNotFound; an unreadable message is an errorInfo with RecoverMode
/// and fails the ROP without it.
#[test]
fn copy_messages_missing_and_unreadable() {
    let (mut c, mids) = setup();
    let inbox = c.inbox();
    let other = c.s.mailbox_mut().create_folder(inbox, "Other").unwrap();
    let stranger =
        c.s.mailbox_mut()
            .create_message(other, false, MessageContent::default())
            .unwrap();
    assert_eq!(
        copy_messages(&mut c, vec![mids[0], stranger], 0, 0x01),
        ErrorCode::NotFound
    );
    c.s.mailbox_mut().set_unreadable(mids[1], true).unwrap();
    assert_eq!(
        copy_messages(&mut c, mids.clone(), 0, 0x01),
        ErrorCode::NotFound
    );
    let bytes = copy_messages_bytes(&mut c, mids.clone(), 0, 0x01 | 0x04);
    let Root::MessageList(l) = ft::parse(RootKind::MessageList, &bytes).unwrap() else {
        panic!()
    };
    let kinds: Vec<bool> = l
        .items
        .iter()
        .map(|i| matches!(i, ft::MessageListItem::Message(_)))
        .collect();
    assert_eq!(kinds, vec![true, false, true]);
    assert!(matches!(l.items[1], ft::MessageListItem::Error(_)));
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
    c.call(vec![common::open_message_rop(inbox, mids[0])]);
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

/// Server-to-client-to-server copy: a CopyTo
/// stream uploaded with DestinationConfigure + PutBuffer in legal pieces
/// into a new message, and a CopyMessages stream into another folder.
#[test]
fn destination_put_buffer_round_trip() {
    use ics_wire::rop::flags::{DestinationConfigureCopyFlags, SaveFlags, SourceOperation};
    use ics_wire::rop::message::{CreateMessageRequest, SaveChangesMessageRequest};
    use ics_wire::rop::state::InputHandleRequest;
    let (mut c, mids) = setup();
    let inbox = c.inbox();
    c.call(vec![common::open_message_rop(inbox, mids[1])]);
    c.call(vec![RopRequest::FastTransferSourceCopyTo(
        FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 4,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyToCopyFlags(0),
            send_options: SendOptions(0x03),
            property_tags: vec![],
        },
    )]);
    let pieces = c.download(3, 20);
    c.call(vec![
        RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 5,
            code_page_id: 0x0FFF,
            folder_id: inbox,
            associated_flag: 0,
        }),
        RopRequest::FastTransferDestinationConfigure(FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 5,
            output_handle_index: 6,
            source_operation: SourceOperation::COPY_TO,
            copy_flags: DestinationConfigureCopyFlags(0),
        }),
    ]);
    for p in pieces {
        let r = c.call(vec![RopRequest::FastTransferDestinationPutBuffer(
            FastTransferDestinationPutBufferRequest {
                logon_id: 0,
                input_handle_index: 6,
                transfer_data: p.clone(),
            },
        )]);
        let RopResponse::FastTransferDestinationPutBuffer(x) = &r.rops[0] else {
            panic!()
        };
        assert_eq!(
            (x.return_value, x.buffer_used_size as usize),
            (ErrorCode::Success, p.len())
        );
    }
    let r = c.call(vec![RopRequest::SaveChangesMessage(
        SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 5,
            input_handle_index: 5,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        },
    )]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[0] else {
        panic!()
    };
    let copy = s.result.success().unwrap().message_id;
    let (a, b) = (
        c.s.mailbox().message(mids[1]).unwrap(),
        c.s.mailbox().message(copy).unwrap(),
    );
    assert_eq!(
        a.content.props.get(tags::PID_TAG_SUBJECT),
        b.content.props.get(tags::PID_TAG_SUBJECT)
    );
    assert_eq!(
        a.content.props.get(tags::PID_TAG_BODY),
        b.content.props.get(tags::PID_TAG_BODY)
    );
    // CopyMessages into another folder, applied at RopRelease.
    let dest = c.s.mailbox_mut().create_folder(inbox, "Dest").unwrap();
    assert_eq!(
        copy_messages(&mut c, mids.clone(), 0, 0x03),
        ErrorCode::Success
    );
    let stream = c.download(3, 0xBABE).concat();
    c.call(vec![RopRequest::OpenFolder(
        ics_wire::rop::folder::OpenFolderRequest {
            logon_id: 0,
            input_handle_index: 0,
            output_handle_index: 7,
            folder_id: dest,
            ..Default::default()
        },
    )]);
    let r = c.call(vec![RopRequest::FastTransferDestinationConfigure(
        FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 7,
            output_handle_index: 6,
            source_operation: SourceOperation::COPY_MESSAGES,
            copy_flags: DestinationConfigureCopyFlags(0),
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::FastTransferDestinationConfigure(x) if x.return_value == ErrorCode::Success)
    );
    c.call(vec![RopRequest::FastTransferDestinationPutBuffer(
        FastTransferDestinationPutBufferRequest {
            logon_id: 0,
            input_handle_index: 6,
            transfer_data: stream,
        },
    )]);
    c.call(vec![RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: 6,
    })]);
    assert_eq!(c.s.mailbox().folder(dest).unwrap().message_count(), 3);
    // unknown SourceOperation.
    let r = c.call(vec![RopRequest::FastTransferDestinationConfigure(
        FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 7,
            output_handle_index: 6,
            source_operation: SourceOperation(0x09),
            copy_flags: DestinationConfigureCopyFlags(0),
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::FastTransferDestinationConfigure(x) if x.return_value == ErrorCode::InvalidParameter)
    );
}

const COMMENT: ics_wire::prop::PropTag = ics_wire::prop::PropTag(0x3004_001F);

fn folder_props_copy(
    c: &mut Client,
    include: bool,
    level: u8,
    flags: u32,
    tags_: Vec<ics_wire::prop::PropTag>,
) -> ErrorCode {
    let rop = if include {
        RopRequest::FastTransferSourceCopyProperties(FastTransferSourceCopyPropertiesRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            level,
            copy_flags: CopyPropertiesCopyFlags(flags as u8),
            send_options: SendOptions(0x01),
            property_tags: tags_,
        })
    } else {
        RopRequest::FastTransferSourceCopyTo(FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            level,
            copy_flags: CopyToCopyFlags(flags),
            send_options: SendOptions(0x01),
            property_tags: tags_,
        })
    };
    rv(&c.call(vec![rop]))
}

fn folder_setup() -> Client {
    let (mut c, _) = setup();
    let inbox = c.inbox();
    c.s.mailbox_mut()
        .set_folder_properties(
            inbox,
            &[TaggedValue {
                tag: COMMENT,
                value: PropValue::unicode("note"),
            }],
            &[],
            None,
        )
        .unwrap();
    c
}

fn folder_root(c: &mut Client) -> ft::FolderContent {
    let Root::FolderContent(f) = stream(c, RootKind::FolderContent) else {
        panic!()
    };
    f
}

/// (FXDelProp value, message count) of each folderMessages group.
fn groups(f: &ft::FolderContent) -> Vec<(u32, usize)> {
    let ft::FolderMessages::Lists(l) = &f.messages else {
        panic!()
    };
    l.iter()
        .map(|g| (g.del_prop.0, g.list.items.len()))
        .collect()
}

/// ftstream.md §6.12, §6.13, §8: CopyTo on a folder gives a
/// folderContent root; the exclude list removes top-folder properties and
/// subobject kinds (no FXDelProp for those), descendants are copied whole
/// (subfolder propList starts with FolderId, DisplayName, Comment); a
/// non-zero level drops all subobjects.
#[test]
fn copy_to_on_a_folder() {
    let mut c = folder_setup();
    assert_eq!(
        folder_props_copy(&mut c, false, 0, 0, vec![tags::PID_TAG_BODY]),
        ErrorCode::Success
    );
    let f = folder_root(&mut c);
    assert!(f.props.iter().any(|p| p.tag == COMMENT));
    assert!(!f.props.iter().any(|p| p.tag == tags::PID_TAG_FOLDER_ID));
    assert_eq!(groups(&f), vec![(0x360F_000D, 3), (0x3610_000D, 0)]);
    let subs = f.subfolders.as_ref().unwrap();
    assert_eq!(subs.len(), 1);
    let sub_tags: Vec<_> = subs[0].props.iter().map(|p| p.tag).collect();
    assert_eq!(
        sub_tags[..3],
        [tags::PID_TAG_FOLDER_ID, tags::PID_TAG_DISPLAY_NAME, COMMENT]
    );
    assert_eq!(groups(&subs[0]), vec![(0x360F_000D, 0), (0x3610_000D, 1)]);
    assert!(subs[0].subfolders.as_ref().unwrap().is_empty());

    let excl = vec![
        COMMENT,
        ics_wire::prop::PropTag(0x360E_000D),
        ics_wire::prop::PropTag(0x3610_000D),
    ];
    assert_eq!(
        folder_props_copy(&mut c, false, 0, 0, excl),
        ErrorCode::Success
    );
    let f = folder_root(&mut c);
    assert!(!f.props.iter().any(|p| p.tag == COMMENT));
    assert_eq!(groups(&f), vec![(0x360F_000D, 3)]);
    assert!(f.subfolders.is_none());

    assert_eq!(
        folder_props_copy(&mut c, false, 1, 0, vec![]),
        ErrorCode::Success
    );
    let f = folder_root(&mut c);
    assert!(f.props.iter().any(|p| p.tag == COMMENT));
    assert!(groups(&f).is_empty());
    assert!(f.subfolders.is_none());
    // R-036 unknown CopyFlags bits; R-037 unknown SendOptions bits.
    assert_eq!(
        folder_props_copy(&mut c, false, 0, 0x1000_0000, vec![]),
        ErrorCode::InvalidParameter
    );
    let r = c.call(vec![RopRequest::FastTransferSourceCopyTo(
        FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyToCopyFlags(0),
            send_options: SendOptions(0x80),
            property_tags: vec![],
        },
    )]);
    assert_eq!(rv(&r), ErrorCode::InvalidParameter);
}

/// CopyProperties on a folder includes only the listed
/// properties and subobject kinds; level != 0 drops subobjects even when
/// listed; an empty list is refused.
#[test]
fn copy_properties_on_a_folder() {
    let mut c = folder_setup();
    let incl = vec![COMMENT, ics_wire::prop::PropTag(0x360E_000D)];
    assert_eq!(
        folder_props_copy(&mut c, true, 0, 0, incl.clone()),
        ErrorCode::Success
    );
    let f = folder_root(&mut c);
    assert_eq!(
        f.props.iter().map(|p| p.tag).collect::<Vec<_>>(),
        vec![COMMENT]
    );
    assert!(groups(&f).is_empty());
    let subs = f.subfolders.as_ref().unwrap();
    assert_eq!(subs.len(), 1);
    assert_eq!(groups(&subs[0]), vec![(0x360F_000D, 0), (0x3610_000D, 1)]);

    let incl2 = vec![
        tags::PID_TAG_DISPLAY_NAME,
        ics_wire::prop::PropTag(0x360F_000D),
    ];
    assert_eq!(
        folder_props_copy(&mut c, true, 0, 0, incl2),
        ErrorCode::Success
    );
    let f = folder_root(&mut c);
    assert_eq!(
        f.props.iter().map(|p| p.tag).collect::<Vec<_>>(),
        vec![tags::PID_TAG_DISPLAY_NAME]
    );
    assert_eq!(groups(&f), vec![(0x360F_000D, 3)]);
    assert!(f.subfolders.is_none());

    assert_eq!(
        folder_props_copy(&mut c, true, 1, 0, incl),
        ErrorCode::Success
    );
    let f = folder_root(&mut c);
    assert_eq!(
        f.props.iter().map(|p| p.tag).collect::<Vec<_>>(),
        vec![COMMENT]
    );
    assert!(groups(&f).is_empty());
    assert!(f.subfolders.is_none());

    assert_eq!(
        folder_props_copy(&mut c, true, 0, 0, vec![]),
        ErrorCode::InvalidParameter
    );
    assert_eq!(
        folder_props_copy(&mut c, true, 0, 0x40, vec![COMMENT]),
        ErrorCode::InvalidParameter
    );
}
