//! Every byte example and must-fail vector of `idset.md` §10 ([MS-OXCFXICS]
//! 3.1.5.4.3.1.3 and 3.1.5.5 for E1/E2; E3–E10 derived from §7–§9).

use super::*;
use crate::cursor::Truncated;
use crate::guid::Guid;
use crate::ids::{Gid, GlobCnt, LongTermId, Mid, ReplGuid, ReplId};

fn g(v: u64) -> GlobCnt {
    GlobCnt::new(v).unwrap()
}

fn set(r: &[(u64, u64)]) -> GlobSet {
    GlobSet::from_ranges(r.iter().map(|&(l, h)| (g(l), g(h))))
}

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// Decodes `bytes`, checks the set, and that our canonical encoder gives
/// `canonical` (None: the example is not the canonical form; then ours must
/// be no longer and decode to the same set).
fn check(bytes: &str, want: &GlobSet, canonical: Option<&str>) {
    let b = hex(bytes);
    let (got, notes) = GlobSet::decode_with_notes(&b).unwrap();
    assert_eq!(&got, want, "{bytes}");
    assert!(notes.is_empty(), "{bytes}: {notes:?}");
    let ours = want.to_bytes();
    match canonical {
        Some(c) => assert_eq!(ours, hex(c), "{bytes}"),
        None => {
            assert!(ours.len() <= b.len(), "{bytes}: ours {ours:02X?}");
            assert_eq!(&GlobSet::decode(&ours).unwrap(), want);
        }
    }
}

/// E1 (spec 3.1.5.4.3.1.3): StartingValue 0x01, Bitmask 0xEB for low bytes
/// {0x01–0x03, 0x05, 0x07–0x09}.
#[test]
fn e1_bitmask_0xeb() {
    let s = "05 00 00 00 00 00 42 01 EB 50 00";
    check(s, &set(&[(1, 3), (5, 5), (7, 9)]), Some(s));
}

/// E2 (spec 3.1.5.5): [10;20] and [30;40], and the collapsed [10;40].
#[test]
fn e2_collapse_before_and_after() {
    let before = "05 00 00 00 00 00 52 0A 14 52 1E 28 50 00";
    check(before, &set(&[(0x0A, 0x14), (0x1E, 0x28)]), Some(before));
    let after = "05 00 00 00 00 00 52 0A 28 50 00";
    check(after, &set(&[(0x0A, 0x28)]), Some(after));
}

/// E3: a singleton is a Push completing 6 bytes, auto-popped.
#[test]
fn e3_singleton_push6() {
    let s = "06 00 00 00 00 00 01 00";
    check(s, &set(&[(1, 1)]), Some(s));
}

/// E4: one range, two equivalent encodings.
#[test]
fn e4_single_range_two_encodings() {
    let want = set(&[(1, 0x10)]);
    check(
        "52 00 00 00 00 00 01 00 00 00 00 00 10 00",
        &want,
        Some("05 00 00 00 00 00 52 01 10 50 00"),
    );
    check(
        "05 00 00 00 00 00 52 01 10 50 00",
        &want,
        Some("05 00 00 00 00 00 52 01 10 50 00"),
    );
}

/// E5: nested pushes with an auto-popped Push2 singleton.
#[test]
fn e5_nested_pushes() {
    let want = set(&[
        (0x0102_0304_0506, 0x0102_0304_0506),
        (0x0102_0304_0A00, 0x0102_0304_0AFF),
    ]);
    check(
        "04 01 02 03 04 02 05 06 01 0A 52 00 FF 50 50 00",
        &want,
        None,
    );
}

/// E6: Bitmask under a 5-byte prefix, then a Range with 2-byte values.
#[test]
fn e6_bitmask_and_range() {
    let s = "04 01 02 03 04 01 05 42 F0 8F 50 52 06 00 07 00 50 00";
    let want = set(&[
        (0x0102_0304_05F0, 0x0102_0304_05F4),
        (0x0102_0304_05F8, 0x0102_0304_05F8),
        (0x0102_0304_0600, 0x0102_0304_0700),
    ]);
    check(s, &want, Some(s));
}

/// E7: REPLID form with two replicas, ascending REPLID.
#[test]
fn e7_replid_form() {
    let b = hex("01 00 05 00 00 00 00 00 52 01 03 50 00 05 00 06 00 00 00 00 00 A0 00");
    let s = ReplIdSet::decode_replid(&b).unwrap();
    let mut want = ReplIdSet::new();
    want.insert_range(ReplId(1), g(1), g(3));
    want.insert(ReplId(5), g(0xA0));
    assert_eq!(s, want);
    assert_eq!(want.encode_replid(), b);
}

const E8_GUID: &str = "B0C7D4E1-1A2B-4C3D-8E9F-0A1B2C3D4E5F";

/// E8: REPLGUID form, CNs 1..0x2F, 27 bytes.
#[test]
fn e8_replguid_form() {
    let b = hex("E1 D4 C7 B0 2B 1A 3D 4C 8E 9F 0A 1B 2C 3D 4E 5F 05 00 00 00 00 00 52 01 2F 50 00");
    assert_eq!(b.len(), 27);
    let guid = ReplGuid(E8_GUID.parse::<Guid>().unwrap());
    let s = ReplGuidSet::decode_replguid(&b).unwrap();
    let mut want = ReplGuidSet::new();
    want.insert_range(guid, g(1), g(0x2F));
    assert_eq!(s, want);
    assert_eq!(want.encode_replguid(), b);
    // Several GUIDs: ordered by the 16 serialized bytes.
    let mut two = want.clone();
    let low = ReplGuid(Guid([0, 0, 0, 0x0A, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]));
    two.insert(low, g(7));
    let enc = two.encode_replguid();
    assert_eq!(&enc[..4], &[0, 0, 0, 0x0A]);
    assert_eq!(&enc[enc.len() - 27..], &b[..]);
}

/// E9: identifiers of REPLID 1 / REPLGUID of E8, counter 0x123.
#[test]
fn e9_identifiers() {
    let guid = ReplGuid(E8_GUID.parse::<Guid>().unwrap());
    let mid = Mid::new(ReplId(1), g(0x123));
    assert_eq!(mid.to_bytes().to_vec(), hex("01 00 00 00 00 00 01 23"));
    assert_eq!(mid.to_u64_le(), 0x2301_0000_0000_0001);
    let gid = Gid {
        replguid: guid,
        globcnt: g(0x123),
    };
    let gid_bytes = hex("E1 D4 C7 B0 2B 1A 3D 4C 8E 9F 0A 1B 2C 3D 4E 5F 00 00 00 00 01 23");
    assert_eq!(gid.to_bytes().to_vec(), gid_bytes);
    let mut lt = gid_bytes.clone();
    lt.extend([0, 0]);
    assert_eq!(LongTermId::new(gid).to_bytes().to_vec(), lt);
}

/// E10: the empty IDSET is zero bytes (not `00`); an empty GLOBSET is `00`.
#[test]
fn e10_empty() {
    assert_eq!(ReplGuidSet::new().encode_replguid(), Vec::<u8>::new());
    assert_eq!(
        ReplGuidSet::decode_replguid(&[]).unwrap(),
        ReplGuidSet::new()
    );
    assert_eq!(GlobSet::new().to_bytes(), vec![0]);
    assert!(GlobSet::decode(&[0]).unwrap().is_empty());
    // `00` alone is not a REPLGUID-form IDSET: the REPLGUID is cut short.
    assert!(matches!(
        ReplGuidSet::decode_replguid(&[0]),
        Err(IdSetError::Truncated(Truncated {
            offset: 0,
            needed: 16,
            ..
        }))
    ));
}

/// §10 negative vectors: each fails with the offset and reason given.
#[test]
fn negative_vectors() {
    use GlobSetError::*;
    let cases: Vec<(&str, GlobSetError)> = vec![
        (
            "42 01 03 00",
            BitmaskStack {
                offset: 0,
                stacked: 0,
            },
        ),
        (
            "03 00 00 00 42 01 03 50 00",
            BitmaskStack {
                offset: 4,
                stacked: 3,
            },
        ),
        (
            "05 00 00 00 00 00 52 10 01 50 00",
            RangeLowAboveHigh {
                offset: 6,
                low: 0x10,
                high: 0x01,
            },
        ),
        ("50 00", PopEmptyStack { offset: 0 }),
        (
            "07 00",
            UnknownCommand {
                offset: 0,
                command: 7,
            },
        ),
        (
            "03 00 00 00 04 00 00 00 01 00",
            StackOverflow {
                offset: 4,
                stacked: 3,
                push: 4,
            },
        ),
        (
            "05 00 00 00 00 00 00",
            EndWithStack {
                offset: 6,
                stacked: 5,
            },
        ),
        (
            "05 00 00 00 00 00 42 F9 80 50 00",
            BitmaskOverflow {
                offset: 6,
                starting_value: 0xF9,
                bitmask: 0x80,
            },
        ),
        (
            "05 00 00 00 00 00 52 01",
            Truncated(crate::cursor::Truncated {
                offset: 7,
                field: "Range LowValue/HighValue",
                needed: 2,
                available: 1,
            }),
        ),
        (
            "06 00 00 00 00 00 01",
            MissingEnd {
                offset: 7,
                stacked: 0,
            },
        ),
    ];
    for (bytes, want) in cases {
        let b = hex(bytes);
        assert_eq!(GlobSet::decode(&b), Err(want.clone()), "{bytes}");
        // The same GLOBSET inside a REPLID-form IDSET: offsets shift by 2.
        let mut framed = vec![1, 0];
        framed.extend(&b);
        let e = ReplIdSet::decode_replid(&framed).unwrap_err();
        assert_eq!(e.offset(), Some(want.offset() + 2), "{bytes}: {e}");
        assert!(!e.to_string().is_empty());
    }
}

/// Bytes after End of a standalone GLOBSET are rejected.
#[test]
fn trailing_bytes_rejected() {
    assert_eq!(
        GlobSet::decode(&[0, 0]),
        Err(GlobSetError::TrailingBytes {
            offset: 1,
            extra: 1
        })
    );
}

/// Push1 is accepted (§17 A2), other splits and a Bitmask of 0 (StartingValue only).
#[test]
fn other_valid_encodings() {
    // Push1 ×5 then Push1 completing 6: singleton 0x010203040506.
    let b = hex("01 01 01 02 01 03 01 04 01 05 01 06 50 50 50 50 50 00");
    assert_eq!(
        GlobSet::decode(&b).unwrap(),
        set(&[(0x0102_0304_0506, 0x0102_0304_0506)])
    );
    let b = hex("05 00 00 00 00 00 42 FF 00 50 00");
    assert_eq!(GlobSet::decode(&b).unwrap(), set(&[(0xFF, 0xFF)]));
    // Bitmask reaching exactly 0xFF is fine.
    let b = hex("05 00 00 00 00 00 42 F7 80 50 00");
    assert_eq!(
        GlobSet::decode(&b).unwrap(),
        set(&[(0xF7, 0xF7), (0xFF, 0xFF)])
    );
}

/// Unsorted, overlapping and adjacent ranges decode merged, with notes
/// (§17 A12); pairs out of order, repeated or empty too (A3, A13).
#[test]
fn tolerated_deviations_are_noted() {
    let b = hex("05 00 00 00 00 00 52 10 20 52 01 02 52 03 04 52 03 11 50 00");
    let (s, notes) = GlobSet::decode_with_notes(&b).unwrap();
    assert_eq!(s, set(&[(1, 0x20)]));
    assert_eq!(
        notes,
        vec![
            FormatNote::RangesNotAscending { offset: 9 },
            FormatNote::RangesNotMerged { offset: 12 },
            FormatNote::RangesOverlap { offset: 15 },
        ]
    );
    let b = hex("05 00 06 00 00 00 00 00 A0 00 01 00 00 05 00 06 00 00 00 00 00 A1 00");
    let (s, notes) = ReplIdSet::decode_with_notes(&b).unwrap();
    let mut want = ReplIdSet::new();
    want.insert_range(ReplId(5), g(0xA0), g(0xA1));
    assert_eq!(s, want);
    assert_eq!(
        notes,
        vec![
            FormatNote::EmptyGlobSet { offset: 10 },
            FormatNote::ReplicasNotAscending { offset: 10 },
            FormatNote::DuplicateReplica { offset: 13 },
        ]
    );
}

/// A Bitmask whose values overlap or touch earlier ranges merges into them
/// (the decoder's slow path), whatever the order.
#[test]
fn bitmask_overlapping_previous_ranges() {
    // Range [0x00, 0x06] then Bitmask 0x05 with bits 0, 2, 3 -> 5,6, 8,9.
    let b = hex("05 00 00 00 00 00 52 00 06 42 05 0D 50 00");
    let (s, notes) = GlobSet::decode_with_notes(&b).unwrap();
    assert_eq!(s, set(&[(0, 6), (8, 9)]));
    assert_eq!(notes, vec![FormatNote::RangesOverlap { offset: 9 }]);
    // Range [0x00, 0x20] swallowing a later Bitmask entirely.
    let b = hex("05 00 00 00 00 00 52 00 20 42 05 FF 50 00");
    assert_eq!(GlobSet::decode(&b).unwrap(), set(&[(0, 0x20)]));
    // Bitmask first, then a Range below it.
    let b = hex("05 00 00 00 00 00 42 10 05 52 00 02 50 00");
    assert_eq!(
        GlobSet::decode(&b).unwrap(),
        set(&[(0, 2), (0x10, 0x11), (0x13, 0x13)])
    );
}

/// Allocation stays proportional to each GLOBSET, not to the rest of the
/// input: 2,000 one-id pairs keep tiny range vectors.
#[test]
fn many_pairs_keep_small_allocations() {
    let mut b = Vec::new();
    for k in 0..2000u16 {
        b.extend(k.to_le_bytes());
        b.extend(hex("06 00 00 00 00 00 07 00"));
    }
    let s = ReplIdSet::decode_replid(&b).unwrap();
    assert_eq!(s.count(), 2000);
    assert!(s.replicas().all(|(_, g)| g.ranges.capacity() <= 18));
}

/// A repeated key is noted even when its first GLOBSET was empty.
#[test]
fn duplicate_after_empty_globset_is_noted() {
    let b = hex("07 00 00 07 00 06 00 00 00 00 00 01 00");
    let (s, notes) = ReplIdSet::decode_with_notes(&b).unwrap();
    assert_eq!(s.count(), 1);
    assert_eq!(
        notes,
        vec![
            FormatNote::EmptyGlobSet { offset: 0 },
            FormatNote::DuplicateReplica { offset: 3 },
        ]
    );
}
