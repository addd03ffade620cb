//! FastTransfer upload into a Folder object ([MS-OXCFXICS] 2.2.3.1.2.1.1,
//! 3.2.5.8.2; ): folderContent (CopyTo / CopyProperties) and
//! topFolder (CopyFolder) streams downloaded from the reference server and
//! uploaded into another folder reproduce the tree, applied at RopRelease.
//! The streams are downloaded with SendOptions Unicode: ics-wire's parser
//! refuses a subfolder PidTagDisplayName of type PtypString with code page
//! (0x84B0) as ForUpload produces it.

mod common;

use common::Client;
use ics_server::mailbox::{Mailbox, MessageContent};
use ics_server::session::profile::Profile;
use ics_wire::ftstream::{self as ft, Root, RootKind};
use ics_wire::ids::{Fid, GlobCnt};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::fasttransfer::*;
use ics_wire::rop::flags::{
    CopyFolderCopyFlags, CopyPropertiesCopyFlags, CopyToCopyFlags, DestinationConfigureCopyFlags,
    SendOptions, SourceOperation,
};
use ics_wire::rop::folder::OpenFolderRequest;
use ics_wire::rop::state::InputHandleRequest;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

const COMMENT: PropTag = PropTag(0x3004_001F);

fn msg(mb: &mut Mailbox, fid: Fid, fai: bool, subject: &str) {
    let props = [
        TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode(subject),
        },
        TaggedValue {
            tag: tags::PID_TAG_BODY,
            value: PropValue::unicode(&format!("body of {subject}")),
        },
    ];
    mb.create_message(fid, fai, MessageContent::with_props(props))
        .unwrap();
}

/// Inbox (Comment "note"; m0..m2) / Sub (one FAI message) / Deep (d0);
/// a folder Dest under the root, opened in slot 7; Inbox open in slot 1.
fn setup() -> (Client, Fid) {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    let mb = c.s.mailbox_mut();
    let note = TaggedValue {
        tag: COMMENT,
        value: PropValue::unicode("note"),
    };
    mb.set_folder_properties(inbox, &[note], &[], None).unwrap();
    for i in 0..3 {
        msg(mb, inbox, false, &format!("m{i}"));
    }
    let sub = mb.create_folder(inbox, "Sub").unwrap();
    msg(mb, sub, true, "fai");
    let deep = mb.create_folder(sub, "Deep").unwrap();
    msg(mb, deep, false, "d0");
    let root = mb.root();
    let dest = mb.create_folder(root, "Dest").unwrap();
    c.open(inbox);
    c.call(vec![RopRequest::OpenFolder(OpenFolderRequest {
        logon_id: 0,
        input_handle_index: 0,
        output_handle_index: 7,
        folder_id: dest,
        ..Default::default()
    })]);
    (c, dest)
}

/// A folder as compared: its properties, its messages (FAI, subject, body)
/// and its subfolders, all sorted. An empty PidTagComment counts as none: a
/// subfolder propList always carries one (ftstream.md §6.12), the download
/// sends "" for a folder without it and the upload stores what it gets.
#[derive(Debug, PartialEq)]
struct Tree {
    props: Vec<(u32, PropValue)>,
    messages: Vec<(bool, Option<PropValue>, Option<PropValue>)>,
    children: Vec<Tree>,
}

fn tree(mb: &Mailbox, fid: Fid) -> Tree {
    let f = mb.folder(fid).unwrap();
    let mut props: Vec<_> = f
        .props
        .values()
        .iter()
        .filter(|v| !(v.tag == COMMENT && v.value == PropValue::unicode("")))
        .map(|v| (v.tag.0, v.value.clone()))
        .collect();
    props.sort_by_key(|p| p.0);
    let mut messages: Vec<_> = f
        .messages()
        .map(|m| {
            let get = |t| m.content.props.get(t).cloned();
            (m.fai, get(tags::PID_TAG_SUBJECT), get(tags::PID_TAG_BODY))
        })
        .collect();
    messages.sort_by_key(|m| format!("{m:?}"));
    let mut children: Vec<_> = f
        .children()
        .map(|k| tree(mb, Fid(ics_server::mailbox::ids::id_of(k))))
        .collect();
    children.sort_by_key(|t| format!("{:?}", t.props));
    Tree {
        props,
        messages,
        children,
    }
}

/// Every folder and message under `fid` (itself included) got a CN after `before`.
fn all_new(mb: &Mailbox, fid: Fid, before: GlobCnt) -> bool {
    let f = mb.folder(fid).unwrap();
    f.cn > before
        && f.messages().all(|m| m.cn > before)
        && f.children()
            .all(|k| all_new(mb, Fid(ics_server::mailbox::ids::id_of(k)), before))
}

fn source_rv(r: &ics_wire::rop::RopResponseBuffer) -> ErrorCode {
    match &r.rops[0] {
        RopResponse::FastTransferSourceCopyFolder(x)
        | RopResponse::FastTransferSourceCopyTo(x)
        | RopResponse::FastTransferSourceCopyProperties(x) => x.return_value,
        other => panic!("{other:?}"),
    }
}

/// Configures an upload on the folder in slot 7 (context in slot 6).
fn configure(c: &mut Client, op: SourceOperation) -> ErrorCode {
    let r = c.call(vec![RopRequest::FastTransferDestinationConfigure(
        FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: 7,
            output_handle_index: 6,
            source_operation: op,
            copy_flags: DestinationConfigureCopyFlags(0),
        },
    )]);
    let RopResponse::FastTransferDestinationConfigure(x) = &r.rops[0] else {
        panic!()
    };
    x.return_value
}

/// PutBuffer of each piece; the return values.
fn put(c: &mut Client, pieces: &[Vec<u8>]) -> Vec<ErrorCode> {
    pieces
        .iter()
        .map(|p| {
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
            x.return_value
        })
        .collect()
}

fn release(c: &mut Client) {
    c.call(vec![RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: 6,
    })]);
}

fn copy_folder_stream(c: &mut Client, piece: u16) -> Vec<Vec<u8>> {
    let r = c.call(vec![RopRequest::FastTransferSourceCopyFolder(
        FastTransferSourceCopyFolderRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            copy_flags: CopyFolderCopyFlags::COPY_SUBFOLDERS,
            send_options: SendOptions(0x01),
        },
    )]);
    assert_eq!(source_rv(&r), ErrorCode::Success);
    c.download(3, piece)
}

/// A CopyFolder download re-uploaded (in 64-byte pieces) with SourceOperation
/// CopyFolder into Dest yields a new subfolder of Dest with the same tree;
/// nothing changes before RopRelease; every new object has a new CN.
#[test]
fn copy_folder_round_trip() {
    let (mut c, dest) = setup();
    let inbox = c.inbox();
    let pieces = copy_folder_stream(&mut c, 64);
    assert!(pieces.len() > 2);
    let before = c.s.mailbox().last_cn();
    assert_eq!(
        configure(&mut c, SourceOperation::COPY_FOLDER),
        ErrorCode::Success
    );
    assert!(
        put(&mut c, &pieces)
            .iter()
            .all(|rv| *rv == ErrorCode::Success)
    );
    assert_eq!(c.s.mailbox().folder(dest).unwrap().children().count(), 0);
    release(&mut c);
    let mb = c.s.mailbox();
    let kids: Vec<_> = mb.folder(dest).unwrap().children().collect();
    assert_eq!(kids.len(), 1);
    let copy = Fid(ics_server::mailbox::ids::id_of(kids[0]));
    assert_eq!(tree(mb, copy), tree(mb, inbox));
    assert_eq!(tree(mb, copy).children[0].children.len(), 1);
    assert!(all_new(mb, copy, before));
}

/// A CopyTo download of Inbox (folderContent) uploaded with CopyTo into Dest
/// gives Dest Inbox's properties, messages and subfolders; CopyProperties
/// with only PidTagComment listed sets that property and nothing else.
#[test]
fn folder_content_round_trip() {
    let (mut c, dest) = setup();
    let inbox = c.inbox();
    let r = c.call(vec![RopRequest::FastTransferSourceCopyTo(
        FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyToCopyFlags(0),
            send_options: SendOptions(0x01),
            property_tags: vec![],
        },
    )]);
    assert_eq!(source_rv(&r), ErrorCode::Success);
    let pieces = c.download(3, 100);
    let before = c.s.mailbox().last_cn();
    assert_eq!(
        configure(&mut c, SourceOperation::COPY_TO),
        ErrorCode::Success
    );
    assert!(
        put(&mut c, &pieces)
            .iter()
            .all(|rv| *rv == ErrorCode::Success)
    );
    assert_eq!(c.s.mailbox().folder(dest).unwrap().message_count(), 0);
    release(&mut c);
    let mb = c.s.mailbox();
    assert_eq!(tree(mb, dest), tree(mb, inbox));
    assert!(all_new(mb, dest, before));

    let (mut c, dest) = setup();
    let r = c.call(vec![RopRequest::FastTransferSourceCopyProperties(
        FastTransferSourceCopyPropertiesRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyPropertiesCopyFlags(0),
            send_options: SendOptions(0x01),
            property_tags: vec![COMMENT],
        },
    )]);
    assert_eq!(source_rv(&r), ErrorCode::Success);
    let stream = c.download(3, 0xBABE).concat();
    assert_eq!(
        configure(&mut c, SourceOperation::COPY_PROPERTIES),
        ErrorCode::Success
    );
    assert_eq!(put(&mut c, &[stream]), vec![ErrorCode::Success]);
    release(&mut c);
    let t = tree(c.s.mailbox(), dest);
    assert!(t.props.contains(&(COMMENT.0, PropValue::unicode("note"))));
    assert!(
        t.props
            .contains(&(tags::PID_TAG_DISPLAY_NAME.0, PropValue::unicode("Dest")))
    );
    assert!(t.messages.is_empty() && t.children.is_empty());
}

/// A stream of another root (a folderContent sent as topFolder), or a
/// topFolder without a PidTagDisplayName for the folder it creates, fails the PutBuffer
/// with 0x80070057 and changes nothing at release.
#[test]
fn mismatched_or_unusable_folder_stream_fails_put_buffer() {
    let (mut c, dest) = setup();
    let r = c.call(vec![RopRequest::FastTransferSourceCopyTo(
        FastTransferSourceCopyToRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            level: 0,
            copy_flags: CopyToCopyFlags(0),
            send_options: SendOptions(0x01),
            property_tags: vec![],
        },
    )]);
    assert_eq!(source_rv(&r), ErrorCode::Success);
    let content = c.download(3, 0xBABE).concat();
    let before = tree(c.s.mailbox(), dest);
    assert_eq!(
        configure(&mut c, SourceOperation::COPY_FOLDER),
        ErrorCode::Success
    );
    assert_eq!(put(&mut c, &[content]), vec![ErrorCode::InvalidParameter]);
    release(&mut c);
    assert_eq!(tree(c.s.mailbox(), dest), before);

    let bytes = copy_folder_stream(&mut c, 0xBABE).concat();
    let Root::TopFolder(mut t) = ft::parse(RootKind::TopFolder, &bytes).unwrap() else {
        panic!()
    };
    t.content
        .props
        .retain(|p| p.tag.id() != tags::PID_TAG_DISPLAY_NAME.id());
    let bad = ft::produce(&Root::TopFolder(t)).unwrap();
    let (head, tail) = bad.split_at(bad.len() - 4);
    assert_eq!(
        configure(&mut c, SourceOperation::COPY_FOLDER),
        ErrorCode::Success
    );
    assert_eq!(
        put(&mut c, &[head.to_vec(), tail.to_vec()]),
        vec![ErrorCode::Success, ErrorCode::InvalidParameter]
    );
    release(&mut c);
    assert_eq!(tree(c.s.mailbox(), dest), before);
}
