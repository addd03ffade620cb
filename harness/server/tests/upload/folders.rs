//! ImportHierarchyChange, the setup ROPs that create folders and messages, hard delete limits.

use super::*;

/// ImportHierarchyChange creates a folder under the collector's
/// folder; an unknown parent is SyncNoParent.
#[test]
fn import_hierarchy_change() {
    let mut u = Up::new();
    u.open_collector(0);
    let gid = u.new_gid();
    let ck = client_xid(3);
    let hv =
        |parent: Vec<u8>, gid: Gid| folder_values(parent, gid, 5, ck, &Pcl::single(ck), "Imported");
    let call = |u: &mut Up, v| u.import_hierarchy(v);
    let orphan = Gid {
        replguid: ReplGuid(Guid([0xEE; 16])),
        globcnt: GlobCnt::new(5).unwrap(),
    };
    assert_eq!(
        call(&mut u, hv(orphan.to_xid().to_bytes(), gid)),
        ErrorCode::SyncNoParent
    );
    assert_eq!(call(&mut u, hv(vec![], gid)), ErrorCode::Success);
    let fid = Fid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let f = u.c.s.mailbox().folder(fid).unwrap();
    assert_eq!(f.display_name(), "Imported");
    assert_eq!(f.parent, Some(u.c.inbox()));
    assert_eq!(call(&mut u, hv(vec![], gid)), ErrorCode::SyncIgnore);
}

/// a new folder imported with PropertyValues keeps the
/// client's ChangeKey and PCL (the extra properties are part of the same
/// version), and a PidTagDisplayName in PropertyValues is ignored.
#[test]
fn imported_folder_keeps_client_change_key() {
    let mut u = Up::new();
    u.open_collector(0);
    let gid = u.new_gid();
    let ck = client_xid(7);
    let hv = vec![
        tv(tags::PID_TAG_PARENT_SOURCE_KEY, PropValue::Binary(vec![])),
        tv(
            tags::PID_TAG_SOURCE_KEY,
            PropValue::Binary(gid.to_xid().to_bytes()),
        ),
        tv(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(9)),
        tv(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(ck.to_bytes())),
        tv(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            PropValue::Binary(Pcl::single(ck).to_bytes()),
        ),
        tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("X")),
    ];
    let container_class = PropTag(0x3613_001F);
    let r =
        u.c.call(vec![RopRequest::SynchronizationImportHierarchyChange(
            SynchronizationImportHierarchyChangeRequest {
                logon_id: 0,
                input_handle_index: 2,
                hierarchy_values: hv,
                property_values: vec![
                    tv(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("Y")),
                    tv(container_class, PropValue::unicode("IPF.Note")),
                ],
            },
        )]);
    match &r.rops[0] {
        RopResponse::SynchronizationImportHierarchyChange(x) => {
            assert_eq!(x.result.return_value(), ErrorCode::Success)
        }
        other => panic!("{other:?}"),
    }
    let fid = Fid::new(ics_server::mailbox::LOCAL_REPLID, gid.globcnt);
    let mb = u.c.s.mailbox();
    let g = mb.replguid();
    let f = mb.folder(fid).unwrap();
    assert_eq!(f.display_name(), "X");
    assert_eq!(
        f.props.get(container_class),
        Some(&PropValue::unicode("IPF.Note"))
    );
    assert_eq!(ics_server::mailbox::folder_change_key(f, g), ck);
    assert_eq!(ics_server::mailbox::folder_pcl(f, g), Pcl::single(ck));
    assert_eq!(f.last_modified, 9);
}

/// Setup ROPs: CreateFolder, CreateMessage + SetProperties + SaveChangesMessage.
#[test]
fn setup_rops_create_folder_and_message() {
    let mut c = Client::new(Profile::default());
    let inbox = c.inbox();
    c.open(inbox);
    let r = c.call(vec![RopRequest::CreateFolder(CreateFolderRequest {
        logon_id: 0,
        input_handle_index: 1,
        output_handle_index: 5,
        display_name: FolderString::Unicode("Projects".into()),
        comment: FolderString::Unicode("".into()),
        use_unicode_strings: true,
        ..Default::default()
    })]);
    let RopResponse::CreateFolder(x) = &r.rops[0] else {
        panic!()
    };
    let fid = x.result.success().unwrap().folder_id;
    assert_eq!(
        c.s.mailbox().folder(fid).unwrap().display_name(),
        "Projects"
    );
    let r = c.call(vec![
        RopRequest::CreateMessage(CreateMessageRequest {
            logon_id: 0,
            input_handle_index: 5,
            output_handle_index: 6,
            code_page_id: 0x0FFF,
            folder_id: fid,
            associated_flag: 0,
        }),
        RopRequest::SetProperties(SetPropertiesRequest {
            logon_id: 0,
            input_handle_index: 6,
            property_values: vec![tv(tags::PID_TAG_SUBJECT, PropValue::unicode("hello"))],
        }),
        RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 6,
            input_handle_index: 6,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        }),
    ]);
    let RopResponse::SaveChangesMessage(s) = &r.rops[2] else {
        panic!("{:?}", r.rops)
    };
    let mid = s.result.success().unwrap().message_id;
    assert_eq!(c.s.mailbox().folder_of(mid), Some(fid));
    assert_eq!(
        c.s.mailbox()
            .message(mid)
            .unwrap()
            .content
            .props
            .get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("hello"))
    );
}

/// Exchange 2007 profile: HardDelete imports are not supported (R-223, <19>).
#[test]
fn hard_delete_unsupported_profile() {
    let mut c = Client::new(Profile::exchange2007());
    let inbox = c.inbox();
    let mid =
        c.s.mailbox_mut()
            .create_message(inbox, false, Default::default())
            .unwrap();
    let sk = c.s.mailbox().source_key_of(mid.0);
    c.open(inbox);
    c.call(vec![RopRequest::SynchronizationOpenCollector(
        SynchronizationOpenCollectorRequest {
            logon_id: 0,
            input_handle_index: 1,
            output_handle_index: 2,
            is_contents_collector: 1,
        },
    )]);
    let r = c.call(vec![RopRequest::SynchronizationImportDeletes(
        SynchronizationImportDeletesRequest {
            logon_id: 0,
            input_handle_index: 2,
            import_delete_flags: ImportDeleteFlags::HARD_DELETE,
            property_values: vec![tv(PropTag(0x0000_1102), PropValue::MvBinary(vec![sk]))],
        },
    )]);
    assert!(
        matches!(&r.rops[0], RopResponse::SynchronizationImportDeletes(x) if x.return_value == ErrorCode::NotSupported)
    );
    assert!(c.s.mailbox().message(mid).is_some());
}
