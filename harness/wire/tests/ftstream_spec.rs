//! Every worked example of the spec digest `ftstream.md` §13 (exact bytes),
//! plus the single values of §13.1 and the split points of §13.8.

mod ftstream_examples;

use ftstream_examples::*;
use ics_wire::Guid;
use ics_wire::ftstream::*;
use ics_wire::prop::{NameKind, PropTag, PropValue, PropertyName, tags};

fn h(s: &str) -> Vec<u8> {
    hex(&[s])
}

/// Lexes exactly one property element and checks that producing it gives the bytes back.
fn one_prop(bytes: &[u8]) -> FtProp {
    let els = lex_all(bytes).unwrap();
    assert_eq!(els.len(), 1, "{els:?}");
    let p = els[0].prop().expect("a property").clone();
    let mut out = Vec::new();
    write_prop(&mut out, &p).unwrap();
    assert_eq!(out, bytes, "producer must write the same bytes");
    p
}

const PSETID_COMMON: &str = "00062008-0000-0000-C000-000000000046";
const PS_INTERNET_HEADERS: &str = "00020386-0000-0000-C000-000000000046";

#[test]
fn s13_1_fixed_values() {
    let p = one_prop(&h("03 00 08 0E 34 12 00 00"));
    assert_eq!(
        (p.tag, p.value),
        (tags::PID_TAG_MESSAGE_SIZE, PropValue::I32(0x1234))
    );
    // PtypBoolean is 2 bytes in a FastTransfer stream (2.2.4.1.3).
    let p = one_prop(&h("0B 00 AA 67 00 00"));
    assert_eq!(
        (p.tag, p.value),
        (tags::PID_TAG_ASSOCIATED, PropValue::Boolean(false))
    );
    let p = one_prop(&h("14 00 4A 67 01 00 00 00 00 00 01 23"));
    assert_eq!(p.value, PropValue::I64(0x2301_0000_0000_0001));
    let p = one_prop(&h("40 00 08 30 80 C0 48 58 28 3D DA 01"));
    assert_eq!(p.value, PropValue::Time(0x01DA_3D28_5848_C080));
}

#[test]
fn s13_1_strings() {
    let p = one_prop(&h("1F 00 37 00 06 00 00 00 48 00 69 00 00 00"));
    assert_eq!(
        (p.tag, p.value),
        (tags::PID_TAG_SUBJECT, PropValue::unicode("Hi"))
    );
    let p = one_prop(&h("1E 00 37 00 03 00 00 00 48 69 00"));
    assert_eq!(p.value, PropValue::String8(b"Hi".to_vec()));
    let p = one_prop(&h("E4 84 37 00 03 00 00 00 48 69 00"));
    assert_eq!(p.tag, PropTag(0x0037_84E4));
    assert_eq!(
        p.value,
        PropValue::CodePageString {
            cpid: 1252,
            bytes: b"Hi".to_vec()
        }
    );
    let p = one_prop(&h("B0 84 37 00 06 00 00 00 48 00 69 00 00 00"));
    assert_eq!(
        p.value,
        PropValue::CodePageString {
            cpid: 1200,
            bytes: h("48 00 69 00")
        }
    );
}

#[test]
fn s13_1_multi_valued() {
    let p = one_prop(&h(
        "1F 10 01 68 02 00 00 00 04 00 00 00 61 00 00 00 06 00 00 00 62 00 63 00 00 00",
    ));
    assert_eq!(p.tag, PropTag(0x6801_101F));
    assert_eq!(p.value, PropValue::MvUnicode(vec!["a".into(), "bc".into()]));
    let p = one_prop(&h("02 11 0A 10 02 00 00 00 01 00 00 00 AA 00 00 00 00"));
    assert_eq!(p.value, PropValue::MvBinary(vec![vec![0xAA], vec![]]));
}

#[test]
fn s13_1_named_properties() {
    let bytes =
        h("0B 00 01 85 08 20 06 00 00 00 00 00 C0 00 00 00 00 00 00 46 00 03 85 00 00 01 00");
    let p = one_prop(&bytes);
    assert_eq!(p.tag, PropTag(0x8501_000B));
    let guid: Guid = PSETID_COMMON.parse().unwrap();
    assert_eq!(
        p.name,
        Some(PropertyName {
            guid,
            kind: NameKind::Lid(0x8503)
        })
    );
    assert_eq!(p.value, PropValue::Boolean(true));
    // The propDef is one 25-byte atom, then the 2-byte value.
    let atoms = atoms::atoms(&bytes).unwrap();
    let shape: Vec<_> = atoms.iter().map(|a| (a.kind, a.range.clone())).collect();
    assert_eq!(
        shape,
        vec![
            (AtomKind::PropDef, 0..25),
            (AtomKind::FixedSizeValue, 25..27)
        ]
    );

    let p = one_prop(&h(
        "1F 00 00 80 86 03 02 00 00 00 00 00 C0 00 00 00 00 00 00 46 01 78 00 2D 00 61 00 00 00 04 00 00 00 76 00 00 00",
    ));
    let guid: Guid = PS_INTERNET_HEADERS.parse().unwrap();
    assert_eq!(
        p.name,
        Some(PropertyName {
            guid,
            kind: NameKind::Name("x-a".into())
        })
    );
    assert_eq!(p.value, PropValue::unicode("v"));
}

#[test]
fn s13_1_meta_properties() {
    let p = one_prop(&h("03 00 16 40 0D 00 12 0E"));
    assert_eq!(p.meta(), Some(MetaProp::FXDelProp));
    assert_eq!(p.as_u32(), Some(ics_tags::PID_TAG_MESSAGE_RECIPIENTS.0));
    // MetaTagIdsetGiven: type bits say PtypInteger32, value is length + IDSET.
    let p = one_prop(&h("03 00 17 40 00 00 00 00"));
    assert_eq!(p.tag, ics_tags::META_TAG_IDSET_GIVEN);
    assert_eq!(p.value, PropValue::Binary(vec![]));
    let p = one_prop(&h("03 00 17 40 02 00 00 00 AB CD"));
    assert_eq!(p.value, PropValue::Binary(vec![0xAB, 0xCD]));
    // ... and the PtypBinary form is accepted too (3.2.5.2.1).
    let p = one_prop(&h("02 01 17 40 01 00 00 00 AB"));
    assert_eq!(p.tag, ics_tags::META_TAG_IDSET_GIVEN_BINARY);
}

/// Markers with misleading type bits are still markers (§2.2 step 2).
#[test]
fn s3_1_markers_before_type() {
    for (b, m) in [
        ("0B 00 74 40", Marker::IncrSyncProgressMode),
        ("0B 00 75 40", Marker::IncrSyncProgressPerMsg),
        ("02 01 7B 40", Marker::IncrSyncGroupInfo),
    ] {
        let els = lex_all(&h(b)).unwrap();
        assert_eq!(
            els,
            vec![Element {
                offset: 0,
                kind: ElementKind::Marker(m)
            }]
        );
    }
}

fn offsets(bytes: &[u8]) -> Vec<usize> {
    lex_all(bytes).unwrap().iter().map(|e| e.offset).collect()
}

fn roundtrip_exact(kind: RootKind, bytes: &[u8]) -> Root {
    let root = parse(kind, bytes).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        produce(&root).unwrap(),
        bytes,
        "producer must give the example's bytes"
    );
    root
}

#[test]
fn s13_2_hierarchy_sync() {
    let b = hex(EX_13_2);
    assert_eq!(b.len(), 281);
    assert_eq!(
        offsets(&b),
        vec![
            0x00, 0x04, 0x0C, 0x2A, 0x36, 0x54, 0x73, 0x8D, 0x99, 0xA5, 0xA9, 0xC1, 0xC5, 0xEB,
            0x111, 0x115
        ]
    );
    let Root::HierarchySync(hs) = roundtrip_exact(RootKind::HierarchySync, &b) else {
        panic!()
    };
    assert_eq!(hs.folder_changes.len(), 1);
    let f = &hs.folder_changes[0].props;
    assert_eq!(f.len(), 8);
    assert_eq!(f[0].tag, tags::PID_TAG_PARENT_SOURCE_KEY);
    assert_eq!(
        f[0].value,
        PropValue::Binary(vec![]),
        "zero-length: child of the sync root"
    );
    assert_eq!(f[5].value, PropValue::unicode("Projects"));
    let d = hs.deletions.as_ref().unwrap();
    assert_eq!(
        d.idset_deleted(),
        Some(&h("01 00 52 00 00 00 00 10 05 00 00 00 00 10 05 00")[..])
    );
    assert_eq!(hs.state.idset_given().map(<[u8]>::len), Some(30));
    assert_eq!(hs.state.cnset_seen().map(<[u8]>::len), Some(30));
    assert_eq!(hs.state.props[0].tag, ics_tags::META_TAG_IDSET_GIVEN);
}

#[test]
fn s13_3_contents_sync_full_change() {
    let b = hex(EX_13_3);
    assert_eq!(b.len(), 532);
    let Root::ContentsSync(cs) = roundtrip_exact(RootKind::ContentsSync, &b) else {
        panic!()
    };
    let pi = cs
        .progress_total
        .as_ref()
        .unwrap()
        .progress_information()
        .unwrap();
    assert_eq!(pi.len(), 32);
    assert_eq!(pi[16], 1, "NormalMessageCount = 1");
    assert_eq!(cs.changes.len(), 1);
    let ContentsSyncItem::Change {
        progress: Some(pp),
        change: MessageChange::Full(c),
    } = &cs.changes[0]
    else {
        panic!("{:?}", cs.changes[0])
    };
    assert_eq!(pp.props[0].value, PropValue::I32(512));
    assert_eq!(pp.props[1].value, PropValue::Boolean(false));
    let header_tags: Vec<u32> = c.header.iter().map(|p| p.tag.0).collect();
    assert_eq!(
        header_tags,
        [
            0x65E0_0102,
            0x3008_0040,
            0x65E2_0102,
            0x65E3_0102,
            0x67AA_000B,
            0x674A_0014,
            0x0E08_0003,
            0x67A4_0014
        ]
    );
    assert_eq!(c.props[1].value, PropValue::unicode("Hi"));
    assert!(c.children.del_recipients && c.children.del_attachments);
    assert_eq!(c.children.recipients.len(), 1);
    assert_eq!(
        c.children.recipients[0].props[1].value,
        PropValue::unicode("Bob")
    );
    assert_eq!(c.children.attachments[0].attach_number, 0);
    assert_eq!(
        c.children.attachments[0].content.props[1].value,
        PropValue::Binary(vec![1, 2, 3])
    );
    assert!(cs.deletions.unwrap().idset_deleted().is_some());
    assert!(cs.read_state_changes.unwrap().idset_read().is_some());
    assert_eq!(cs.state.cnset_seen_fai(), Some(&[][..]));
    assert_eq!(cs.state.props.len(), 4);
}

#[test]
fn s13_4_partial_change() {
    let b = hex(EX_13_4);
    assert_eq!(b.len(), 471);
    let Root::ContentsSync(cs) = roundtrip_exact(RootKind::ContentsSync, &b) else {
        panic!()
    };
    let ContentsSyncItem::Change {
        progress: None,
        change: MessageChange::Partial(p),
    } = &cs.changes[0]
    else {
        panic!()
    };
    assert_eq!(
        p.group_info
            .as_ref()
            .unwrap()
            .property_group_info()
            .unwrap()
            .len(),
        60
    );
    assert_eq!(p.group_id, Some(7));
    assert_eq!(p.header.len(), 8);
    let idx: Vec<u32> = p.groups.iter().map(|g| g.index).collect();
    assert_eq!(idx, [0, 1]);
    assert_eq!(p.groups[0].props[0].value, PropValue::unicode("Re: Hi"));
    assert_eq!(p.groups[1].props[0].value, PropValue::unicode("new body"));
    assert!(p.children.del_recipients && !p.children.del_attachments);
    assert_eq!(p.children.recipients.len(), 1);
}

#[test]
fn s13_5_error_info_then_change() {
    let b = hex(EX_13_5);
    assert_eq!(b.len(), 514);
    let Root::ContentsSync(cs) = roundtrip_exact(RootKind::ContentsSync, &b) else {
        panic!()
    };
    assert_eq!(cs.changes.len(), 2);
    let ContentsSyncItem::Error(e) = &cs.changes[0] else {
        panic!()
    };
    let info = e.extended_error_info().unwrap();
    assert_eq!(info.len(), 88);
    assert_eq!(&info[4..8], &h("0F 01 04 80")[..], "ErrorCode 0x8004010F");
    assert!(matches!(
        cs.changes[1],
        ContentsSyncItem::Change {
            change: MessageChange::Full(_),
            ..
        }
    ));
}

#[test]
fn s13_6_message_list_embedded() {
    let b = hex(EX_13_6);
    assert_eq!(b.len(), 144);
    let Root::MessageList(ml) = roundtrip_exact(RootKind::MessageList, &b) else {
        panic!()
    };
    let [MessageListItem::Message(m)] = &ml.items[..] else {
        panic!("{ml:?}")
    };
    assert!(!m.fai);
    assert_eq!(m.content.props[0].tag, tags::PID_TAG_MID);
    let a = &m.content.children.attachments[0];
    assert_eq!(
        a.content.props[0].value,
        PropValue::I32(5),
        "PidTagAttachMethod = embedded"
    );
    let inner = a.content.embedded.as_ref().unwrap();
    assert_eq!(inner.props[1].value, PropValue::unicode("inner"));
    assert!(inner.children.del_recipients && inner.children.del_attachments);
}

#[test]
fn s13_7_top_folder() {
    let b = hex(EX_13_7);
    assert_eq!(b.len(), 124);
    let Root::TopFolder(t) = roundtrip_exact(RootKind::TopFolder, &b) else {
        panic!()
    };
    assert_eq!(t.content.props[0].value, PropValue::unicode("IPF.Note"));
    let FolderMessagesNoDelProps::List(l) = &t.content.messages else {
        panic!()
    };
    let [MessageListItem::Message(m)] = &l.items[..] else {
        panic!()
    };
    assert!(m.fai);
    assert_eq!(t.content.subfolders.len(), 1);
    assert_eq!(
        t.content.subfolders[0].props[1].value,
        PropValue::unicode("Sub")
    );
    assert_eq!(
        t.content.subfolders[0].props[2].value,
        PropValue::unicode("")
    );
}

/// [MS-OXCFXICS] 2.2.4.1.1.1: in a UseCpid (ForUpload) stream a subfolder's
/// PidTagDisplayName comes as a code page string `0x8000 | cpid`; the
/// subfolder propList rule (§13.7) accepts it like String8.
#[test]
fn s13_7_top_folder_code_page_subfolder_name() {
    let mut b = hex(EX_13_7);
    let unicode_name = [0x1F, 0x00, 0x01, 0x30];
    let at = b
        .windows(4)
        .rposition(|w| w == unicode_name)
        .expect("the subfolder's PidTagDisplayName");
    b[at..at + 2].copy_from_slice(&[0xB0, 0x84]);
    let Root::TopFolder(t) = roundtrip_exact(RootKind::TopFolder, &b) else {
        panic!()
    };
    let name = &t.content.subfolders[0].props[1];
    assert_eq!(name.tag.prop_type().code_page(), Some(1200));
}

/// Feeds `bytes` as two buffers split at `at`.
fn two_buffers(bytes: &[u8], at: usize, strict: bool) -> Result<Vec<Element>, FeedError> {
    let mut p = StreamParser::new().strict_splits(strict);
    let mut v = p.feed(&bytes[..at])?;
    v.extend(p.feed(&bytes[at..])?);
    p.finish()?;
    Ok(v)
}

#[test]
fn s13_8_legal_splits() {
    let b = hex(EX_13_3);
    let whole = lex_all(&b).unwrap();
    // Inside the PidTagSubject varSizeValue: `48 00 | 69 00 00 00`.
    assert_eq!(&b[0xF7 - 10..0xF7], &h("1F 00 37 00 06 00 00 00 48 00")[..]);
    assert_eq!(&b[0xF7..0xFF], &h("69 00 00 00 03 00 16 40")[..]);
    // Between the PidTagLastModificationTime propDef and its value: two atoms.
    for at in [0xF7, 0x64] {
        check_split(&b, at).unwrap();
        assert_eq!(two_buffers(&b, at, true).unwrap(), whole);
    }
}

#[test]
fn s13_8_illegal_splits() {
    let b = hex(EX_13_3);
    let whole = lex_all(&b).unwrap();
    let cases = [
        (0x68, AtomKind::FixedSizeValue, 0x64..0x6C), // inside the FILETIME
        (0x40, AtomKind::Marker, 0x3E..0x42),         // inside IncrSyncChg
        (0x48, AtomKind::Length, 0x46..0x4A),         // inside a length
        (0x44, AtomKind::PropDef, 0x42..0x46),        // inside a propTag
    ];
    for (at, kind, atom) in cases {
        assert_eq!(
            check_split(&b, at),
            Err(SplitError::InsideAtom {
                offset: at,
                kind,
                atom: atom.clone()
            }),
            "{at:#x}"
        );
        // Lenient streaming still yields the same elements and records the violation.
        let mut p = StreamParser::new();
        let mut got = p.feed(&b[..at]).unwrap();
        got.extend(p.feed(&b[at..]).unwrap());
        p.finish().unwrap();
        assert_eq!(got, whole);
        assert_eq!(
            p.split_violations(),
            &[SplitViolation {
                offset: at,
                atom: kind,
                atom_start: atom.start,
                atom_end: atom.end
            }]
        );
        assert!(matches!(
            two_buffers(&b, at, true),
            Err(FeedError::IllegalSplit(_))
        ));
    }
    // Anywhere inside a named propDef (tag + GUID + kind + LID) is illegal.
    let named =
        h("0B 00 01 85 08 20 06 00 00 00 00 00 C0 00 00 00 00 00 00 46 00 03 85 00 00 01 00");
    for at in 1..25 {
        assert!(matches!(
            check_split(&named, at),
            Err(SplitError::InsideAtom {
                kind: AtomKind::PropDef,
                ..
            })
        ));
    }
    check_split(&named, 25).unwrap();
}

/// Every split point of every example: accepted exactly where §4.1 allows,
/// and the elements never change.
#[test]
fn s4_1_every_split_point() {
    for (name, _, b) in all() {
        let whole = lex_all(&b).unwrap();
        let atoms = atoms::atoms(&b).unwrap();
        for at in 1..b.len() {
            let legal = atoms.iter().all(|a| {
                a.kind == AtomKind::VarSizeValue || !(a.range.start < at && at < a.range.end)
            });
            assert_eq!(check_split(&b, at).is_ok(), legal, "{name} at {at:#x}");
            let mut p = StreamParser::new();
            let mut got = p.feed(&b[..at]).unwrap();
            got.extend(p.feed(&b[at..]).unwrap());
            p.finish().unwrap();
            assert_eq!(got, whole, "{name} split at {at:#x}");
            assert_eq!(p.split_violations().is_empty(), legal, "{name} at {at:#x}");
        }
    }
}

/// The producer's buffer splitting (§4.1) for a buffer size that lands
/// inside the §13.3 FILETIME: the cut moves back to the atom start.
#[test]
fn s4_1_split_points_back_off() {
    let b = hex(EX_13_3);
    let ranges = split_points(&b, 0x68).unwrap();
    assert_eq!(ranges[0], 0..0x64);
    for r in &ranges {
        assert!(r.len() <= 0x68);
        check_split(&b, r.start).unwrap();
    }
    assert_eq!(ranges.last().unwrap().end, b.len());
    // A buffer smaller than a named propDef cannot hold it.
    let named =
        h("0B 00 01 85 08 20 06 00 00 00 00 00 C0 00 00 00 00 00 00 46 00 03 85 00 00 01 00");
    assert!(matches!(
        split_points(&named, 8),
        Err(SplitError::AtomTooLarge {
            kind: AtomKind::PropDef,
            ..
        })
    ));
}

/// The stream ends exactly with IncrSyncEnd (§9.5).
#[test]
fn s9_5_sync_streams_end_with_incr_sync_end() {
    for b in [hex(EX_13_2), hex(EX_13_3), hex(EX_13_4), hex(EX_13_5)] {
        assert_eq!(&b[b.len() - 4..], &[0x03, 0x00, 0x14, 0x40]);
    }
}

/// §13.2–§13.5 read incrementally, one byte at a time: items arrive in order
/// and assemble into the tree `parse` gives.
#[test]
fn s13_sync_streams_incrementally() {
    for (name, kind, b) in all() {
        if !matches!(kind, RootKind::ContentsSync | RootKind::HierarchySync) {
            continue;
        }
        let mut r = SyncReader::new(kind).unwrap();
        let mut items = Vec::new();
        for byte in b.chunks(1) {
            items.extend(r.feed(byte).unwrap());
        }
        r.finish().unwrap();
        assert_eq!(items.last(), Some(&SyncItem::End), "{name}");
        assert_eq!(
            assemble(kind, items),
            Some(parse(kind, &b).unwrap()),
            "{name}"
        );
    }
    // §13.3: the change is delivered before the state has arrived.
    let b = hex(EX_13_3);
    let mut r = SyncReader::new(RootKind::ContentsSync).unwrap();
    let items = r.feed(&b[..0x15A]).unwrap();
    assert!(
        matches!(items[..], [SyncItem::ProgressTotal(_), SyncItem::Change(_)]),
        "{items:?}"
    );
}
