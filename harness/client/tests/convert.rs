//! Grammar tree -> typed changes ([MS-OXCFXICS] 2.2.4.3.x element rules).

use ics_client::convert::{ConvertError, Converter};
use ics_client::model::*;
use ics_wire::ftstream::{self as ft, FtProp, ics_tags};
use ics_wire::prop::{PropTag, PropValue, tags};

fn sk(n: u8) -> Vec<u8> {
    vec![n; 22]
}

fn header(n: u8, fai: bool) -> Vec<FtProp> {
    vec![
        FtProp::with_tag(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(sk(n))),
        FtProp::with_tag(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(99)),
        FtProp::with_tag(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(sk(0x40 + n))),
        FtProp::with_tag(
            tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            PropValue::Binary(vec![23]),
        ),
        FtProp::with_tag(tags::PID_TAG_ASSOCIATED, PropValue::Boolean(fai)),
        FtProp::with_tag(tags::PID_TAG_MID, PropValue::I64(0x1234)),
    ]
}

fn subject(s: &str) -> FtProp {
    FtProp::with_tag(tags::PID_TAG_SUBJECT, PropValue::unicode(s))
}

fn group_info(id: u32) -> ft::GroupInfo {
    let mut b = Vec::new();
    for v in [
        id,
        0,
        2,
        1,
        tags::PID_TAG_SUBJECT.0,
        1,
        tags::PID_TAG_BODY.0,
    ] {
        b.extend(v.to_le_bytes());
    }
    ft::GroupInfo {
        props: vec![FtProp::with_tag(
            ics_tags::UNTAGGED_BINARY,
            PropValue::Binary(b),
        )],
    }
}

fn state() -> ft::State {
    ft::State {
        props: vec![
            FtProp::with_tag(ics_tags::META_TAG_IDSET_GIVEN, PropValue::Binary(vec![1])),
            FtProp::with_tag(ics_tags::META_TAG_CNSET_SEEN, PropValue::Binary(vec![2])),
        ],
    }
}

fn resolver(b: &[u8]) -> Result<Vec<SourceKey>, String> {
    if b == [0xEE] {
        Err("bad idset".into())
    } else {
        Ok(b.iter().map(|&n| sk(n)).collect())
    }
}

fn error_info(message: u8) -> ft::ErrorInfo {
    let mut b = vec![0u8; 88];
    b[4..8].copy_from_slice(&0x8004_010Fu32.to_le_bytes());
    b[32..54].copy_from_slice(&sk(message));
    ft::ErrorInfo {
        props: vec![FtProp::with_tag(
            ics_tags::UNTAGGED_BINARY,
            PropValue::Binary(b),
        )],
    }
}

#[test]
fn contents_sync_to_changes() {
    let cs = ft::ContentsSync {
        progress_total: None,
        changes: vec![
            ft::ContentsSyncItem::Change {
                progress: None,
                change: ft::MessageChange::Full(ft::MessageChangeFull {
                    header: header(1, false),
                    props: vec![subject("full")],
                    children: ft::MessageChildren::default(),
                }),
            },
            ft::ContentsSyncItem::Error(error_info(9)),
            ft::ContentsSyncItem::Change {
                progress: None,
                change: ft::MessageChange::Partial(ft::MessageChangePartial {
                    group_info: Some(group_info(5)),
                    group_id: Some(5),
                    header: header(2, false),
                    groups: vec![ft::PartialGroup {
                        index: 1,
                        props: vec![],
                    }],
                    children: ft::MessageChildren::default(),
                }),
            },
            // The mapping stays in force: no groupInfo, no group id.
            ft::ContentsSyncItem::Change {
                progress: None,
                change: ft::MessageChange::Partial(ft::MessageChangePartial {
                    group_info: None,
                    group_id: None,
                    header: header(3, false),
                    groups: vec![ft::PartialGroup {
                        index: 0,
                        props: vec![subject("p")],
                    }],
                    children: ft::MessageChildren::default(),
                }),
            },
        ],
        deletions: Some(ft::Deletions {
            props: vec![
                FtProp::with_tag(
                    ics_tags::META_TAG_IDSET_DELETED,
                    PropValue::Binary(vec![7, 8]),
                ),
                FtProp::with_tag(
                    ics_tags::META_TAG_IDSET_NO_LONGER_IN_SCOPE,
                    PropValue::Binary(vec![6]),
                ),
            ],
        }),
        read_state_changes: Some(ft::ReadStateChanges {
            props: vec![FtProp::with_tag(
                ics_tags::META_TAG_IDSET_UNREAD,
                PropValue::Binary(vec![1]),
            )],
        }),
        state: state(),
    };
    let r = resolver;
    let (changes, st) = Converter::new(&r).contents_sync(&cs).unwrap();
    assert_eq!(st.idset_given, vec![1]);
    assert_eq!(st.cnset_seen, vec![2]);
    assert!(st.cnset_seen_fai.is_empty() && st.cnset_read.is_empty());
    assert_eq!(changes.len(), 7);
    match &changes[0] {
        Change::MessageFull(m) => {
            assert_eq!(m.header.source_key, sk(1));
            assert_eq!(m.header.mid, Some(0x1234));
            assert_eq!(m.header.cn, None);
            assert_eq!(
                m.props,
                vec![Prop::tagged(
                    tags::PID_TAG_SUBJECT,
                    PropValue::unicode("full")
                )]
            );
            assert_eq!(m.children.recipients, Some(vec![]));
        }
        c => panic!("{c:?}"),
    }
    assert_eq!(
        changes[1],
        Change::ErrorInfo {
            error_code: 0x8004_010F,
            folder: None,
            message: Some(sk(9))
        }
    );
    for (i, idx) in [(2, 1), (3, 0)] {
        match &changes[i] {
            Change::MessagePartial(p) => {
                assert_eq!(p.mapping.len(), 2);
                assert_eq!(p.mapping[1], vec![PropKey::of_tag(tags::PID_TAG_BODY)]);
                assert_eq!(p.groups[0].0, idx);
                assert_eq!(
                    p.children.recipients, None,
                    "no FXDelProp: children unchanged"
                );
            }
            c => panic!("{c:?}"),
        }
    }
    assert_eq!(
        changes[4],
        Change::Deletions {
            kind: DeletionKind::Deleted,
            ids: vec![sk(7), sk(8)]
        }
    );
    assert_eq!(
        changes[5],
        Change::Deletions {
            kind: DeletionKind::NoLongerInScope,
            ids: vec![sk(6)]
        }
    );
    assert_eq!(
        changes[6],
        Change::ReadState {
            read: vec![],
            unread: vec![sk(1)]
        }
    );
}

/// the header properties the client relies on are required.
#[test]
fn missing_header_property_is_an_error() {
    let r = resolver;
    let mut c = Converter::new(&r);
    let mut h = header(1, false);
    h.retain(|p| p.tag != tags::PID_TAG_CHANGE_KEY);
    let e = c
        .message_change(&ft::MessageChange::Full(ft::MessageChangeFull {
            header: h,
            props: vec![],
            children: ft::MessageChildren::default(),
        }))
        .unwrap_err();
    assert!(
        matches!(e, ConvertError::Missing { tag, .. } if tag == tags::PID_TAG_CHANGE_KEY),
        "{e}"
    );
    let mut h = header(1, false);
    h[1] = FtProp::with_tag(PropTag(0x3008_0003), PropValue::I32(1));
    let e = c
        .message_change(&ft::MessageChange::Full(ft::MessageChangeFull {
            header: h,
            props: vec![],
            children: ft::MessageChildren::default(),
        }))
        .unwrap_err();
    assert!(
        matches!(e, ConvertError::WrongType { found: 0x0003, .. }),
        "{e}"
    );
}

/// a partial change needs a mapping defined by a groupInfo.
#[test]
fn partial_without_mapping_is_an_error() {
    let r = resolver;
    let e = Converter::new(&r)
        .message_change(&ft::MessageChange::Partial(ft::MessageChangePartial {
            group_info: None,
            group_id: Some(3),
            header: header(1, false),
            groups: vec![],
            children: ft::MessageChildren::default(),
        }))
        .unwrap_err();
    assert!(
        matches!(
            e,
            ConvertError::UnknownMapping {
                group_id: Some(3),
                ..
            }
        ),
        "{e}"
    );
}

#[test]
fn hierarchy_sync_and_bad_idset() {
    let folder = ft::FolderChange {
        props: vec![
            FtProp::with_tag(tags::PID_TAG_PARENT_SOURCE_KEY, PropValue::Binary(vec![])),
            FtProp::with_tag(tags::PID_TAG_SOURCE_KEY, PropValue::Binary(sk(4))),
            FtProp::with_tag(tags::PID_TAG_LAST_MODIFICATION_TIME, PropValue::Time(5)),
            FtProp::with_tag(tags::PID_TAG_CHANGE_KEY, PropValue::Binary(sk(5))),
            FtProp::with_tag(
                tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
                PropValue::Binary(vec![]),
            ),
            FtProp::with_tag(PropTag(0x3001_001E), PropValue::String8(b"Inbox".to_vec())),
            FtProp::with_tag(tags::PID_TAG_FOLDER_ID, PropValue::I64(77)),
        ],
    };
    let hs = ft::HierarchySync {
        folder_changes: vec![folder],
        deletions: Some(ft::Deletions {
            props: vec![FtProp::with_tag(
                ics_tags::META_TAG_IDSET_DELETED,
                PropValue::Binary(vec![0xEE]),
            )],
        }),
        state: state(),
    };
    let r = resolver;
    let e = Converter::new(&r).hierarchy_sync(&hs).unwrap_err();
    assert!(
        matches!(
            e,
            ConvertError::IdSet {
                element: "MetaTagIdsetDeleted",
                ..
            }
        ),
        "{e}"
    );
    let hs = ft::HierarchySync {
        deletions: None,
        ..hs
    };
    let (changes, _) = Converter::new(&r).hierarchy_sync(&hs).unwrap();
    match &changes[0] {
        Change::Folder(f) => {
            assert_eq!(f.display_name, "Inbox");
            assert_eq!(f.fid, Some(77));
            assert!(f.parent_source_key.is_empty());
        }
        c => panic!("{c:?}"),
    }
}

/// A stream split into GetBuffer-sized portions is decoded portion by portion,
/// then converted and applied as one download ([MS-OXCFXICS] 2.2.4.1, 3.3.5.9.1).
#[test]
fn split_stream_to_replica() {
    use ics_client::replica::Replica;
    use ics_client::sync::stream::DownloadStream;
    let cs = ft::ContentsSync {
        progress_total: None,
        changes: (1..=20)
            .map(|n| ft::ContentsSyncItem::Change {
                progress: None,
                change: ft::MessageChange::Full(ft::MessageChangeFull {
                    header: header(n, n % 5 == 0),
                    props: vec![subject(&format!("message {n}"))],
                    children: ft::MessageChildren::default(),
                }),
            })
            .collect(),
        deletions: None,
        read_state_changes: None,
        state: state(),
    };
    let root = ft::Root::ContentsSync(cs);
    for size in [64usize, 100, 1 << 20] {
        let portions = ft::produce_split(&root, size).unwrap();
        let mut s = DownloadStream::new(ft::RootKind::ContentsSync);
        for p in &portions {
            s.feed(p).unwrap();
        }
        assert_eq!(s.portions() as usize, portions.len());
        let ft::Root::ContentsSync(parsed) = s.finish().unwrap() else {
            panic!("root")
        };
        let r = resolver;
        let (changes, st) = Converter::new(&r).contents_sync(&parsed).unwrap();
        let mut rep = Replica::open_in_memory().unwrap();
        let scope = Scope::contents(5);
        let mut t = rep.begin_download(&scope).unwrap();
        for c in &changes {
            t.apply(c).unwrap();
        }
        let sum = t.commit(&st).unwrap();
        assert_eq!(sum.full, 20);
        let msgs = rep.messages_in_fid(5).unwrap();
        assert_eq!(msgs.len(), 20);
        assert_eq!(msgs.iter().filter(|m| m.fai).count(), 4);
        assert_eq!(rep.state(&scope).unwrap().idset_given, vec![1]);
    }
}

/// A truncated stream is an error at finish, never a partial download.
#[test]
fn truncated_stream_fails() {
    use ics_client::sync::stream::DownloadStream;
    let root = ft::Root::ContentsSync(ft::ContentsSync {
        progress_total: None,
        changes: vec![],
        deletions: None,
        read_state_changes: None,
        state: state(),
    });
    let bytes = ft::produce(&root).unwrap();
    let mut s = DownloadStream::new(ft::RootKind::ContentsSync);
    s.feed(&bytes[..bytes.len() - 2]).unwrap();
    assert!(s.finish().is_err());
    let mut s = DownloadStream::new(ft::RootKind::ContentsSync);
    s.feed(&bytes[..bytes.len() - 4]).unwrap();
    assert!(s.finish().is_err(), "IncrSyncEnd missing");
}
