//! Imported message changes and their content: repeats ignored, purged start, messageContent.

use super::*;

/// a new message imported with a reserved id is stored
/// with its ChangeKey and PCL, gets a server CN that the collector's state
/// records, and re-importing the same version is SyncIgnore.
#[test]
fn import_new_message_and_ignore_repeat() {
    let mut u = Up::new();
    let gid = u.new_gid();
    let ck = client_xid(1);
    let pcl = Pcl::single(ck);
    assert_eq!(
        u.import(gid, 1000, ck, &pcl, 0, "from client"),
        (ErrorCode::Success, Some(ErrorCode::Success))
    );
    let mid = Mid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    assert_eq!(u.c.s.mailbox().folder_of(mid), Some(u.c.inbox()));
    assert_eq!(u.subject(mid).as_deref(), Some("from client"));
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert_eq!(m.change_key, Some(ck));
    let cn = m.cn;
    let st = u.collector_state();
    assert!(st.cnset_seen.contains(u.guid, cn));
    assert!(st.idset_given.is_empty(), "R-129");
    assert_eq!(
        u.import(gid, 1000, ck, &pcl, 0, "again").0,
        ErrorCode::SyncIgnore
    );
}

/// R-206 ([MS-OXCFXICS] 3.2.5.9.4.2): the Message object returned by
/// ImportMessageChange for an existing message starts with its
/// client-settable properties, recipients and attachments purged, so what
/// the client uploads replaces the whole message: a SetProperties
/// upload leaves no old property, recipient or attachment behind; a
/// messageContent upload's subobjects replace the old ones.
#[test]
fn import_change_starts_purged() {
    use ics_server::mailbox::{Attachment, MessageContent, PropertyBag};
    use ics_wire::rop::property::GetPropertiesAllRequest;
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let bag = |t: PropTag, v: &str| {
        PropertyBag::from_values(vec![TaggedValue {
            tag: t,
            value: PropValue::unicode(v),
        }])
    };
    let old = MessageContent {
        props: PropertyBag::from_values(vec![
            TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("old"),
            },
            TaggedValue {
                tag: tags::PID_TAG_BODY,
                value: PropValue::unicode("old body"),
            },
        ]),
        recipients: vec![bag(tags::PID_TAG_DISPLAY_NAME, "Rcpt")],
        attachments: vec![Attachment {
            props: bag(tags::PID_TAG_DISPLAY_NAME, "att"),
            embedded: None,
        }],
    };
    let mid =
        u.c.s
            .mailbox_mut()
            .create_message(inbox, false, old)
            .unwrap();
    let mb = u.c.s.mailbox();
    let gid = mb.ids().gid_of(mid.0).unwrap();
    let server_pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), mb.replguid());
    let ck = client_xid(1);
    let pcl = server_pcl.merge(&Pcl::single(ck));
    let header = change_header(gid, u64::MAX / 2, ck, &pcl);
    let r = u.c.call(vec![
        RopRequest::SynchronizationImportMessageChange(SynchronizationImportMessageChangeRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            import_flag: ImportFlag(0),
            property_values: header,
        }),
        RopRequest::GetPropertiesAll(GetPropertiesAllRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_size_limit: 0,
            want_unicode: 1,
        }),
    ]);
    let RopResponse::GetPropertiesAll(all) = &r.rops[1] else {
        panic!("{:?}", r.rops)
    };
    let listed: Vec<u32> = all
        .result
        .success()
        .unwrap()
        .property_values
        .iter()
        .map(|v| v.0.tag.0)
        .collect();
    for t in [tags::PID_TAG_SUBJECT, tags::PID_TAG_BODY] {
        assert!(!listed.contains(&t.0), "{t} not purged: {listed:x?}");
    }
    let r = u.c.call(vec![
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode("new"))],
        }),
        save_rop(3),
    ]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[1] else {
        panic!()
    };
    assert_eq!(s.result.return_value(), ErrorCode::Success);
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert_eq!(u.subject(mid).as_deref(), Some("new"));
    assert_eq!(
        m.content.props.get(tags::PID_TAG_BODY),
        None,
        "old body kept"
    );
    assert!(m.content.recipients.is_empty(), "old recipients kept");
    assert!(m.content.attachments.is_empty(), "old attachments kept");
}

/// A messageContent upload (DestinationConfigure CopyTo + PutBuffer in
/// `piece`-byte portions split at legal points) on the Message object in
/// `slot`; the destination context is released.
fn put_message_content(
    c: &mut Client,
    slot: u8,
    m: ics_wire::ftstream::MessageContent,
    piece: usize,
) {
    use ics_wire::ftstream as ft;
    use ics_wire::rop::fasttransfer::{
        FastTransferDestinationConfigureRequest, FastTransferDestinationPutBufferRequest,
    };
    use ics_wire::rop::flags::{DestinationConfigureCopyFlags, SourceOperation};
    use ics_wire::rop::state::InputHandleRequest;
    let pieces = ft::produce_split(&ft::Root::MessageContent(m), piece).unwrap();
    assert!(pieces.len() > 1, "split into several PutBuffers");
    let r = c.call(vec![RopRequest::FastTransferDestinationConfigure(
        FastTransferDestinationConfigureRequest {
            logon_id: 0,
            input_handle_index: slot,
            output_handle_index: 6,
            source_operation: SourceOperation::COPY_TO,
            copy_flags: DestinationConfigureCopyFlags(0),
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::FastTransferDestinationConfigure(x) if x.return_value == ErrorCode::Success)
    );
    for p in pieces {
        let r = c.call(vec![RopRequest::FastTransferDestinationPutBuffer(
            FastTransferDestinationPutBufferRequest {
                logon_id: 0,
                input_handle_index: 6,
                transfer_data: p,
            },
        )]);
        assert!(
            matches!(&r.rops[0], RopResponse::FastTransferDestinationPutBuffer(x) if x.return_value == ErrorCode::Success)
        );
    }
    c.call(vec![RopRequest::Release(InputHandleRequest {
        logon_id: 0,
        input_handle_index: 6,
    })]);
}

fn save(c: &mut Client, slot: u8) -> ErrorCode {
    let r = c.call(vec![save_rop(slot)]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[0] else {
        panic!()
    };
    s.result.return_value()
}

fn recipient_stream(name: &str) -> ics_wire::ftstream::Recipient {
    ics_wire::ftstream::Recipient {
        props: vec![
            ics_wire::ftstream::FtProp::with_tag(PropTag(0x3000_0003), PropValue::I32(0)),
            ics_wire::ftstream::FtProp::with_tag(
                tags::PID_TAG_DISPLAY_NAME,
                PropValue::unicode(name),
            ),
        ],
    }
}

/// [MS-OXCFXICS] 3.2.5.9.4.2 / 3.2.5.10: a FastTransfer
/// upload into a Message object adds to what is staged there — properties
/// set before it stay unless the stream sets them again — and
/// MetaTagFXDelProp clears the staged subobjects of its kind; the stream
/// may come in several PutBuffers (each a legal prefix).
#[test]
fn message_content_upload_adds_to_staged_content() {
    use ics_wire::ftstream as ft;
    let mut u = Up::new();
    let inbox = u.c.inbox();
    let mid = u.stored(inbox);
    let mb = u.c.s.mailbox();
    let gid = mb.ids().gid_of(mid.0).unwrap();
    let pcl = ics_server::mailbox::message_pcl(mb.message(mid).unwrap(), mb.replguid());
    let ck = client_xid(1);
    let header = change_header(gid, u64::MAX / 2, ck, &pcl.merge(&Pcl::single(ck)));
    u.c.call(vec![
        RopRequest::SynchronizationImportMessageChange(SynchronizationImportMessageChangeRequest {
            logon_id: 0,
            input_handle_index: 2,
            output_handle_index: 3,
            import_flag: ImportFlag(0),
            property_values: header,
        }),
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 3,
            property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode("set first"))],
        }),
    ]);
    let stream = ft::MessageContent {
        dn_prefix: None,
        props: vec![ft::FtProp::with_tag(
            tags::PID_TAG_BODY,
            PropValue::unicode("body from the stream, long enough to need several pieces"),
        )],
        children: ft::MessageChildren {
            del_recipients: true,
            recipients: vec![recipient_stream("Carol"), recipient_stream("Dave")],
            del_attachments: true,
            attachments: vec![],
        },
    };
    put_message_content(&mut u.c, 3, stream, 40);
    assert_eq!(save(&mut u.c, 3), ErrorCode::Success);
    let m = u.c.s.mailbox().message(mid).unwrap();
    assert_eq!(
        u.subject(mid).as_deref(),
        Some("set first"),
        "SetProperties kept"
    );
    assert!(m.content.props.get(tags::PID_TAG_BODY).is_some());
    assert_eq!(m.content.recipients.len(), 2, "each recipient once");
}

/// [MS-OXCFXICS] 3.2.5.10: on an opened message, MetaTagFXDelProp with no
/// subobjects after it deletes them all; subobjects without it are added.
#[test]
fn message_content_upload_on_opened_message() {
    use ics_server::mailbox::{MessageContent, PropertyBag};
    use ics_wire::ftstream as ft;
    use ics_wire::rop::message::OpenMessageRequest;
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    let rcpt = |n: &str| {
        PropertyBag::from_values(vec![TaggedValue {
            tag: tags::PID_TAG_DISPLAY_NAME,
            value: PropValue::unicode(n),
        }])
    };
    let content = MessageContent {
        props: PropertyBag::from_values(vec![TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("kept"),
        }]),
        recipients: vec![rcpt("Alice"), rcpt("Bob")],
        attachments: vec![],
    };
    let mid =
        c.s.mailbox_mut()
            .create_message(inbox, false, content)
            .unwrap();
    let open = |c: &mut Client| {
        c.call(vec![RopRequest::OpenMessage(OpenMessageRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 3,
            code_page_id: 0x0FFF,
            folder_id: inbox,
            open_mode_flags: ics_wire::rop::flags::MessageOpenModeFlags(1),
            message_id: mid,
        })]);
    };
    let body = |s: &str| {
        vec![ft::FtProp::with_tag(
            tags::PID_TAG_BODY,
            PropValue::unicode(s),
        )]
    };
    // Recipients without FXDelProp are added.
    open(&mut c);
    let add = ft::MessageContent {
        dn_prefix: None,
        props: body("adding a recipient to the two there"),
        children: ft::MessageChildren {
            del_recipients: false,
            recipients: vec![recipient_stream("Carol")],
            del_attachments: false,
            attachments: vec![],
        },
    };
    put_message_content(&mut c, 3, add, 40);
    assert_eq!(save(&mut c, 3), ErrorCode::Success);
    let names = |c: &Client| -> Vec<PropValue> {
        c.s.mailbox()
            .message(mid)
            .unwrap()
            .content
            .recipients
            .iter()
            .map(|r| r.get(tags::PID_TAG_DISPLAY_NAME).cloned().unwrap())
            .collect()
    };
    assert_eq!(
        names(&c),
        ["Alice", "Bob", "Carol"].map(PropValue::unicode).to_vec()
    );
    // FXDelProp with nothing after it clears them.
    open(&mut c);
    let clear = ft::MessageContent {
        dn_prefix: None,
        props: body("and now removing every recipient of it"),
        children: ft::MessageChildren {
            del_recipients: true,
            recipients: vec![],
            del_attachments: false,
            attachments: vec![],
        },
    };
    put_message_content(&mut c, 3, clear, 40);
    assert_eq!(save(&mut c, 3), ErrorCode::Success);
    assert!(names(&c).is_empty());
    let m = c.s.mailbox().message(mid).unwrap();
    assert_eq!(
        m.content.props.get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("kept"))
    );
}
