//! ProgressInformation, PropertyGroupInfo and ExtendedErrorInfo
//! ([MS-OXCFXICS] 2.2.2.7, 2.2.2.8, 2.2.2.10): the exact bytes of the spec
//! digest's examples (ftstream.md §7, §13.3–13.5), errors naming field and
//! offset, and round trips.

use ics_wire::ftstream::{
    ExtendedErrorInfo, GroupProperty, ProgressInformation, PropertyGroupInfo, StructError,
};
use ics_wire::prop::{NameKind, PropTag, PropertyName, Utf16String};
use ics_wire::{Gid, GlobCnt, Guid, ReplGuid};
use proptest::prelude::*;

fn h(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

fn le(v: u32) -> [u8; 4] {
    v.to_le_bytes()
}

/// REPLGUID {C4B9AF5A-0D67-4A1E-9B3C-2F1E5D6C7B8A} of the §13 examples.
const REPLGUID: &str = "5A AF B9 C4 67 0D 1E 4A 9B 3C 2F 1E 5D 6C 7B 8A";

fn gid(counter: u64) -> Gid {
    let g: [u8; 16] = h(REPLGUID).try_into().unwrap();
    Gid {
        replguid: ReplGuid(Guid::from_bytes(g)),
        globcnt: GlobCnt::new(counter).unwrap(),
    }
}

/// §13.3: "Version 0, FAI count 0 size 0, Normal count 1 size 512".
#[test]
fn progress_information_13_3() {
    let b = h("00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
               01 00 00 00 00 00 00 00 00 02 00 00 00 00 00 00");
    let p = ProgressInformation::decode(&b).unwrap();
    assert_eq!(
        p,
        ProgressInformation {
            fai_message_count: 0,
            fai_message_total_size: 0,
            normal_message_count: 1,
            normal_message_total_size: 512,
        }
    );
    assert_eq!(p.encode(), b);
}

/// §7.1 offsets: FAIMessageCount 4, FAIMessageTotalSize 8, NormalMessageCount
/// 16, NormalMessageTotalSize 24; padding is ignored, Version is not.
#[test]
fn progress_information_layout_and_errors() {
    let p = ProgressInformation {
        fai_message_count: 1,
        fai_message_total_size: 2,
        normal_message_count: 3,
        normal_message_total_size: 4,
    };
    let b = p.encode();
    assert_eq!(b.len(), ProgressInformation::SIZE);
    assert_eq!(&b[4..8], &le(1));
    assert_eq!(&b[8..16], &2u64.to_le_bytes());
    assert_eq!(&b[16..20], &le(3));
    assert_eq!(&b[24..32], &4u64.to_le_bytes());
    let mut padded = b.clone();
    padded[2] = 0xFF;
    padded[20] = 0xFF;
    assert_eq!(ProgressInformation::decode(&padded), Ok(p));
    let mut v1 = b.clone();
    v1[0] = 1;
    assert!(matches!(
        ProgressInformation::decode(&v1),
        Err(StructError::Invalid {
            offset: 0,
            field: "ProgressInformation.Version",
            value: 1,
            ..
        })
    ));
    let e = ProgressInformation::decode(&b[..31]).unwrap_err();
    let StructError::Truncated(t) = e else {
        panic!("{e:?}")
    };
    assert_eq!(
        (t.offset, t.field),
        (24, "ProgressInformation.NormalMessageTotalSize")
    );
    let mut long = b;
    long.push(0);
    assert_eq!(
        ProgressInformation::decode(&long),
        Err(StructError::Trailing {
            offset: 32,
            extra: 1,
            what: "ProgressInformation"
        })
    );
}

const PGI_13_4: &str = "07 00 00 00 00 00 00 00 02 00 00 00 02 00 00 00
                        1F 00 37 00 1F 00 1D 0E 02 00 00 00 1F 00 00 10
                        0B 00 01 80 08 20 06 00 00 00 00 00 C0 00 00 00
                        00 00 00 46 00 00 00 00 03 85 00 00";

/// §13.4: GroupId 7; group 0 = {0x0037001F, 0x0E1D001F}; group 1 =
/// {0x1000001F, 0x8001000B named PSETID_Common LID 0x8503}.
#[test]
fn property_group_info_13_4() {
    let b = h(PGI_13_4);
    assert_eq!(b.len(), 60);
    let g = PropertyGroupInfo::decode(&b).unwrap();
    let psetid_common: [u8; 16] = h("08 20 06 00 00 00 00 00 C0 00 00 00 00 00 00 46")
        .try_into()
        .unwrap();
    assert_eq!(
        g,
        PropertyGroupInfo {
            group_id: 7,
            groups: vec![
                vec![
                    GroupProperty::tagged(PropTag(0x0037_001F)),
                    GroupProperty::tagged(PropTag(0x0E1D_001F)),
                ],
                vec![
                    GroupProperty::tagged(PropTag(0x1000_001F)),
                    GroupProperty::named(
                        PropTag(0x8001_000B),
                        PropertyName {
                            guid: Guid::from_bytes(psetid_common),
                            kind: NameKind::Lid(0x8503),
                        }
                    ),
                ],
            ],
        }
    );
    assert_eq!(g.encode().unwrap(), b);
}

/// A string name (Kind 1): NameSize counts the UTF-16 NUL the encoder writes;
/// the decoder drops one NUL and also takes a name without one.
#[test]
fn property_group_info_string_name() {
    let g = PropertyGroupInfo {
        group_id: 1,
        groups: vec![vec![GroupProperty::named(
            PropTag(0x8002_001F),
            PropertyName {
                guid: Guid::from_bytes([6; 16]),
                kind: NameKind::Name(Utf16String::from("Kw")),
            },
        )]],
    };
    let b = g.encode().unwrap();
    let mut want = [le(1), le(0), le(1), le(1), le(0x8002_001F)].concat();
    want.extend([6; 16]);
    want.extend(le(1));
    want.extend(le(6));
    want.extend([b'K', 0, b'w', 0, 0, 0]);
    assert_eq!(b, want);
    assert_eq!(PropertyGroupInfo::decode(&b), Ok(g.clone()));
    let mut no_nul = want[..want.len() - 2].to_vec();
    no_nul[40..44].copy_from_slice(&le(4));
    assert_eq!(PropertyGroupInfo::decode(&no_nul), Ok(g));
}

#[test]
fn property_group_info_errors_name_field_and_offset() {
    let hdr = |res: u32, count: u32| [le(1), le(res), le(count)].concat();
    let invalid = |b: &[u8]| match PropertyGroupInfo::decode(b) {
        Err(StructError::Invalid { offset, field, .. }) => (offset, field),
        other => panic!("{other:?}"),
    };
    assert_eq!(invalid(&hdr(1, 1)), (4, "PropertyGroupInfo.Reserved"));
    assert_eq!(invalid(&hdr(0, 0)), (8, "PropertyGroupInfo.GroupCount"));
    // A huge count with no data is a truncation, not an allocation.
    assert!(matches!(
        PropertyGroupInfo::decode(&hdr(0, u32::MAX)),
        Err(StructError::Truncated(t)) if t.field == "PropertyGroupInfo.PropertyGroups"
    ));
    let mut b = hdr(0, 1);
    b.extend(le(0));
    b.extend(le(0x0037_001F));
    assert_eq!(invalid(&b), (12, "PropertyGroup.PropertyTagCount"));
    let mut b = hdr(0, 1);
    b.extend(le(u32::MAX));
    b.extend(le(0x0037_001F));
    assert!(matches!(
        PropertyGroupInfo::decode(&b),
        Err(StructError::Truncated(t)) if t.field == "PropertyGroup.PropertyTags" && t.offset == 16
    ));
    let named = |kind: u32, rest: &[u8]| {
        let mut b = hdr(0, 1);
        b.extend(le(1));
        b.extend(le(0x8001_001F));
        b.extend([0; 16]);
        b.extend(le(kind));
        b.extend(rest);
        b
    };
    assert_eq!(invalid(&named(2, &[])), (36, "GroupPropertyName.Kind"));
    assert_eq!(
        invalid(&named(1, &[3, 0, 0, 0, b'a', 0, 0])),
        (40, "GroupPropertyName.NameSize")
    );
    let mut b = hdr(0, 1);
    b.extend(le(1));
    b.extend(le(0x0037_001F));
    b.push(0);
    assert_eq!(
        PropertyGroupInfo::decode(&b),
        Err(StructError::Trailing {
            offset: 20,
            extra: 1,
            what: "PropertyGroupInfo"
        })
    );
}

#[test]
fn property_group_info_encode_refuses_malformed_values() {
    let unencodable = |g: PropertyGroupInfo| match g.encode() {
        Err(StructError::Unencodable { field, .. }) => field,
        other => panic!("{other:?}"),
    };
    let one = |p: GroupProperty| PropertyGroupInfo {
        group_id: 0,
        groups: vec![vec![p]],
    };
    assert_eq!(
        unencodable(PropertyGroupInfo {
            group_id: 0,
            groups: vec![]
        }),
        "PropertyGroupInfo.GroupCount"
    );
    assert_eq!(
        unencodable(PropertyGroupInfo {
            group_id: 0,
            groups: vec![vec![]]
        }),
        "PropertyGroup.PropertyTagCount"
    );
    let name = PropertyName {
        guid: Guid::from_bytes([1; 16]),
        kind: NameKind::Lid(1),
    };
    assert_eq!(
        unencodable(one(GroupProperty::tagged(PropTag(0x8001_0003)))),
        "GroupPropertyName"
    );
    assert_eq!(
        unencodable(one(GroupProperty::named(PropTag(0x0037_001F), name))),
        "GroupPropertyName"
    );
}

/// §13.5: ErrorCode 0x8004010F, FolderGID = GID(0x9), MessageGID = GID(0x3009),
/// no AuxBytes, AuxBytesOffset 88.
const EEI_13_5: &str = "00 00 00 00 0F 01 04 80 5A AF B9 C4 67 0D 1E 4A
                        9B 3C 2F 1E 5D 6C 7B 8A 00 00 00 00 00 09 00 00
                        5A AF B9 C4 67 0D 1E 4A 9B 3C 2F 1E 5D 6C 7B 8A
                        00 00 00 00 30 09 00 00 00 00 00 00 00 00 00 00
                        00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00
                        00 00 00 00 58 00 00 00";

#[test]
fn extended_error_info_13_5() {
    let b = h(EEI_13_5);
    assert_eq!(b.len(), ExtendedErrorInfo::FIXED_SIZE);
    let e = ExtendedErrorInfo::decode(&b).unwrap();
    assert_eq!(
        e,
        ExtendedErrorInfo {
            error_code: 0x8004_010F,
            folder_gid: Some(gid(0x9)),
            message_gid: Some(gid(0x3009)),
            aux_bytes: vec![],
        }
    );
    assert_eq!(e.encode().unwrap(), b);
}

#[test]
fn extended_error_info_zero_gids_aux_bytes_and_errors() {
    let e = ExtendedErrorInfo {
        error_code: 5,
        folder_gid: None,
        message_gid: Some(gid(7)),
        aux_bytes: vec![1, 2, 3],
    };
    let b = e.encode().unwrap();
    assert_eq!(b.len(), 91);
    assert_eq!(&b[8..30], &[0; 22], "no folder: all-zero FolderGID");
    assert_eq!(&b[80..88], &[le(3), le(88)].concat());
    assert_eq!(ExtendedErrorInfo::decode(&b), Ok(e.clone()));
    // AuxBytes after a Reserved gap; the gap is ignored.
    let mut gap = b[..88].to_vec();
    gap[84..88].copy_from_slice(&le(92));
    gap.extend([9, 9, 9, 9, 1, 2, 3]);
    assert_eq!(ExtendedErrorInfo::decode(&gap), Ok(e));
    let invalid = |b: &[u8]| match ExtendedErrorInfo::decode(b) {
        Err(StructError::Invalid { offset, field, .. }) => (offset, field),
        other => panic!("{other:?}"),
    };
    let mut past = b[..88].to_vec();
    assert_eq!(invalid(&past), (84, "ExtendedErrorInfo.AuxBytesOffset"));
    past[84..88].copy_from_slice(&le(u32::MAX));
    assert_eq!(invalid(&past), (84, "ExtendedErrorInfo.AuxBytesOffset"));
    let mut overlap = b.clone();
    overlap[84..88].copy_from_slice(&le(4));
    assert_eq!(invalid(&overlap), (84, "ExtendedErrorInfo.AuxBytesOffset"));
    let mut v1 = b.clone();
    v1[0] = 1;
    assert_eq!(invalid(&v1), (0, "ExtendedErrorInfo.Version"));
    assert!(matches!(
        ExtendedErrorInfo::decode(&b[..87]),
        Err(StructError::Truncated(t)) if t.offset == 84 && t.field == "ExtendedErrorInfo.AuxBytesOffset"
    ));
    let zero = ExtendedErrorInfo {
        folder_gid: Some(Gid::default()),
        ..Default::default()
    };
    assert!(matches!(
        zero.encode(),
        Err(StructError::Unencodable {
            field: "ExtendedErrorInfo.FolderGID",
            ..
        })
    ));
}

fn name_strategy() -> impl Strategy<Value = PropertyName> {
    (
        any::<[u8; 16]>(),
        prop_oneof![
            any::<u32>().prop_map(NameKind::Lid),
            proptest::collection::vec(any::<u16>(), 0..8)
                .prop_map(|u| NameKind::Name(Utf16String(u))),
        ],
    )
        .prop_map(|(g, kind)| PropertyName {
            guid: Guid::from_bytes(g),
            kind,
        })
}

fn group_property() -> impl Strategy<Value = GroupProperty> {
    prop_oneof![
        (0u16..0x8000, any::<u16>()).prop_map(|(id, ty)| GroupProperty::tagged(PropTag(
            (u32::from(id) << 16) | u32::from(ty)
        ))),
        (0x8000u16..=0xFFFF, any::<u16>(), name_strategy()).prop_map(|(id, ty, n)| {
            GroupProperty::named(PropTag((u32::from(id) << 16) | u32::from(ty)), n)
        }),
    ]
}

fn some_gid() -> impl Strategy<Value = Option<Gid>> {
    proptest::option::of(
        (any::<[u8; 16]>(), 1u64..=0xFFFF_FFFF_FFFF).prop_map(|(g, c)| Gid {
            replguid: ReplGuid(Guid::from_bytes(g)),
            globcnt: GlobCnt::new(c).unwrap(),
        }),
    )
}

proptest! {
    #[test]
    fn progress_information_roundtrip(a: u32, b: u64, c: u32, d: u64) {
        let p = ProgressInformation {
            fai_message_count: a,
            fai_message_total_size: b,
            normal_message_count: c,
            normal_message_total_size: d,
        };
        prop_assert_eq!(ProgressInformation::decode(&p.encode()), Ok(p));
    }

    #[test]
    fn property_group_info_roundtrip(
        group_id: u32,
        groups in proptest::collection::vec(proptest::collection::vec(group_property(), 1..5), 1..5),
    ) {
        let g = PropertyGroupInfo { group_id, groups };
        let b = g.encode().unwrap();
        prop_assert_eq!(PropertyGroupInfo::decode(&b), Ok(g));
    }

    #[test]
    fn extended_error_info_roundtrip(
        error_code: u32,
        folder_gid in some_gid(),
        message_gid in some_gid(),
        aux_bytes in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let e = ExtendedErrorInfo { error_code, folder_gid, message_gid, aux_bytes };
        let b = e.encode().unwrap();
        prop_assert_eq!(ExtendedErrorInfo::decode(&b), Ok(e));
    }

    /// Any bytes: no panic, and whatever decodes re-encodes to bytes that
    /// decode to the same value.
    #[test]
    fn any_bytes_decode_reencode(b in proptest::collection::vec(any::<u8>(), 0..160)) {
        if let Ok(p) = ProgressInformation::decode(&b) {
            prop_assert_eq!(ProgressInformation::decode(&p.encode()), Ok(p));
        }
        if let Ok(g) = PropertyGroupInfo::decode(&b) {
            prop_assert_eq!(PropertyGroupInfo::decode(&g.encode().unwrap()), Ok(g));
        }
        if let Ok(e) = ExtendedErrorInfo::decode(&b) {
            prop_assert_eq!(ExtendedErrorInfo::decode(&e.encode().unwrap()), Ok(e));
        }
    }
}
