//! Property tests of the IDSET / GLOBSET layer ([MS-OXCFXICS] 2.2.2.4,
//! 2.2.2.6, 3.1.5.4): codec round trips in both forms, canonical encoding,
//! and the range-set operations against a `BTreeSet<u64>` model.

use std::collections::BTreeSet;

use ics_wire::idset::{GlobSet, IdSet, ReplGuidSet, ReplIdSet};
use ics_wire::{GlobCnt, Guid, ReplGuid, ReplId};
use proptest::prelude::*;

const MAX: u64 = GlobCnt::MAX.value();

fn g(v: u64) -> GlobCnt {
    GlobCnt::new(v).unwrap()
}

/// Sets with every encoding situation: clustered values under shared
/// prefixes, Bitmask-sized gaps, byte-boundary crossings, 0 and MAX.
fn globset() -> impl Strategy<Value = GlobSet> {
    let base = prop_oneof![
        Just(0u64),
        Just(MAX - 0x1_0000),
        0..=MAX,
        (0u64..=0xFFFF_FFFF).prop_map(|v| v << 16),
        (0u64..=0xFF_FFFF_FFFF).prop_map(|v| (v << 8) | 0xF0),
    ];
    let step = (
        prop_oneof![Just(0u64), 0u64..=8, 0u64..=300, 0u64..=0xFFFF_FFFF],
        prop_oneof![
            1u64..=9,
            1u64..=0x100,
            1u64..=0x1_0000,
            1u64..=0xFF_FFFF_FFFF
        ],
    );
    (base, prop::collection::vec(step, 0..40)).prop_map(|(mut cur, steps)| {
        let mut r = Vec::new();
        for (len, gap) in steps {
            let hi = cur.saturating_add(len).min(MAX);
            r.push((g(cur), g(hi)));
            match hi.checked_add(gap) {
                Some(c) if c <= MAX => cur = c,
                _ => break,
            }
        }
        GlobSet::from_ranges(r)
    })
}

fn replguid() -> impl Strategy<Value = ReplGuid> {
    prop_oneof![any::<[u8; 16]>(), (0u8..4).prop_map(|b| [b; 16]),].prop_map(|b| ReplGuid(Guid(b)))
}

fn replid_set() -> impl Strategy<Value = ReplIdSet> {
    prop::collection::vec((any::<u16>().prop_map(ReplId), globset()), 0..5).prop_map(build)
}

fn replguid_set() -> impl Strategy<Value = ReplGuidSet> {
    prop::collection::vec((replguid(), globset()), 0..5).prop_map(build)
}

fn build<K: Ord + Copy>(v: Vec<(K, GlobSet)>) -> IdSet<K> {
    let mut s = IdSet::new();
    for (k, set) in v {
        s.insert_globset(k, &set);
    }
    s
}

/// A non-canonical but valid encoding of `s`: every range as a full 6-byte
/// Range or a Push6 singleton, in reverse order, some ranges split in two
/// (the decoder must sort and merge them back).
fn naive_encoding(s: &GlobSet, split: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (lo, hi) in s.ranges().rev() {
        let (lo, hi) = (lo.value(), hi.value());
        let parts = if split && hi > lo {
            let mid = lo + (hi - lo) / 2;
            vec![(mid + 1, hi), (lo, mid)]
        } else {
            vec![(lo, hi)]
        };
        for (l, h) in parts {
            if l == h {
                out.push(6);
                out.extend_from_slice(&g(l).to_bytes());
            } else {
                out.push(0x52);
                out.extend_from_slice(&g(l).to_bytes());
                out.extend_from_slice(&g(h).to_bytes());
            }
        }
    }
    out.push(0);
    out
}

fn check_normalized(s: &GlobSet) {
    let r: Vec<(u64, u64)> = s.ranges().map(|(l, h)| (l.value(), h.value())).collect();
    assert!(r.iter().all(|&(l, h)| l <= h && h <= MAX), "{s:?}");
    assert!(
        r.windows(2).all(|w| w[0].1 + 1 < w[1].0),
        "not maximal: {s:?}"
    );
}

proptest! {
    #[test]
    fn globset_roundtrip_and_canonical(s in globset()) {
        let b = s.to_bytes();
        let d = GlobSet::decode(&b).unwrap();
        prop_assert_eq!(&d, &s);
        // Canonical: any other encoding of the set re-encodes to the same bytes.
        for split in [false, true] {
            let alt = naive_encoding(&s, split);
            let a = GlobSet::decode(&alt).unwrap();
            prop_assert_eq!(&a, &s);
            prop_assert_eq!(a.to_bytes(), b.clone());
        }
        // Compact: never longer than the plain one-command-per-range form.
        prop_assert!(b.len() <= naive_encoding(&s, false).len());
    }

    #[test]
    fn replid_form_roundtrip(s in replid_set()) {
        let b = s.encode_replid();
        prop_assert_eq!(ReplIdSet::decode_replid(&b).unwrap(), s.clone());
        let (d, notes) = ReplIdSet::decode_with_notes(&b).unwrap();
        prop_assert_eq!(d, s);
        prop_assert!(notes.is_empty());
    }

    #[test]
    fn replguid_form_roundtrip(s in replguid_set()) {
        let b = s.encode_replguid();
        prop_assert_eq!(ReplGuidSet::decode_replguid(&b).unwrap(), s.clone());
        // Every strict prefix is rejected (no partial result), except the
        // empty one and those ending exactly after a pair.
        let mut ends = vec![0usize];
        let mut at = 0;
        for (_, gs) in s.replicas() {
            at += 16 + gs.to_bytes().len();
            ends.push(at);
        }
        for cut in 0..b.len() {
            let r = ReplGuidSet::decode_replguid(&b[..cut]);
            prop_assert_eq!(r.is_ok(), ends.contains(&cut), "cut {}", cut);
        }
    }

    #[test]
    fn canonical_across_construction_order(s in replid_set(), seed in any::<u64>()) {
        // Rebuild the same set by inserting its ranges in another order, split up.
        let mut parts: Vec<(ReplId, u64, u64)> = Vec::new();
        for (k, gs) in s.replicas() {
            for (l, h) in gs.ranges() {
                let (l, h) = (l.value(), h.value());
                let m = l + (h - l) / 2;
                parts.push((*k, m, h));
                parts.push((*k, l, m));
            }
        }
        let n = parts.len().max(1);
        parts.rotate_left((seed as usize) % n);
        let mut t = ReplIdSet::new();
        for (k, l, h) in parts {
            t.insert_range(k, g(l), g(h));
        }
        prop_assert_eq!(t.encode_replid(), s.encode_replid());
        prop_assert_eq!(t, s);
    }
}

#[derive(Debug, Clone)]
enum Op {
    Insert(u64),
    InsertRange(u64, u64),
    Remove(u64),
    RemoveRange(u64, u64),
    Union(Vec<(u64, u64)>),
    Difference(Vec<(u64, u64)>),
    Intersection(Vec<(u64, u64)>),
}

const U: u64 = 200;

fn op() -> impl Strategy<Value = Op> {
    let v = 0..U;
    let rs = prop::collection::vec((0..U, 0u64..12), 0..6).prop_map(|v| {
        v.into_iter()
            .map(|(l, n)| (l, (l + n).min(U - 1)))
            .collect::<Vec<_>>()
    });
    prop_oneof![
        v.clone().prop_map(Op::Insert),
        (0..U, 0u64..30).prop_map(|(l, n)| Op::InsertRange(l, l + n)),
        v.prop_map(Op::Remove),
        (0..U, 0u64..30).prop_map(|(l, n)| Op::RemoveRange(l, l + n)),
        rs.clone().prop_map(Op::Union),
        rs.clone().prop_map(Op::Difference),
        rs.prop_map(Op::Intersection),
    ]
}

fn model_of(r: &[(u64, u64)]) -> BTreeSet<u64> {
    r.iter().flat_map(|&(l, h)| l..=h).collect()
}

fn set_of(r: &[(u64, u64)]) -> GlobSet {
    GlobSet::from_ranges(r.iter().map(|&(l, h)| (g(l), g(h))))
}

fn same(s: &GlobSet, m: &BTreeSet<u64>) {
    let got: Vec<u64> = s.iter().map(GlobCnt::value).collect();
    let want: Vec<u64> = m.iter().copied().collect();
    assert_eq!(got, want);
    assert_eq!(s.count(), m.len() as u64);
    check_normalized(s);
    for v in 0..U + 2 {
        assert_eq!(s.contains(g(v)), m.contains(&v), "contains {v}");
    }
}

proptest! {
    /// Random operation sequences agree with a `BTreeSet<u64>`.
    #[test]
    fn ops_match_btreeset_model(ops in prop::collection::vec(op(), 0..60)) {
        let mut s = GlobSet::new();
        let mut m = BTreeSet::new();
        for op in ops {
            match op {
                Op::Insert(v) => prop_assert_eq!(s.insert(g(v)), m.insert(v)),
                Op::InsertRange(l, h) => {
                    s.insert_range(g(l), g(h));
                    m.extend(l..=h);
                }
                Op::Remove(v) => prop_assert_eq!(s.remove(g(v)), m.remove(&v)),
                Op::RemoveRange(l, h) => {
                    s.remove_range(g(l), g(h));
                    m.retain(|x| !(l..=h).contains(x));
                }
                Op::Union(r) => {
                    s = s.union(&set_of(&r));
                    m = m.union(&model_of(&r)).copied().collect();
                }
                Op::Difference(r) => {
                    s = s.difference(&set_of(&r));
                    m = m.difference(&model_of(&r)).copied().collect();
                }
                Op::Intersection(r) => {
                    s = s.intersection(&set_of(&r));
                    m = m.intersection(&model_of(&r)).copied().collect();
                }
            }
            same(&s, &m);
        }
        prop_assert_eq!(GlobSet::decode(&s.to_bytes()).unwrap(), s);
    }

    /// The IdSet operations agree with a set of (replica, counter) pairs.
    #[test]
    fn idset_ops_match_model(
        a in prop::collection::vec((0u16..3, 0..U), 0..40),
        b in prop::collection::vec((0u16..3, 0..U), 0..40),
    ) {
        let sa: ReplIdSet = a.iter().map(|&(k, v)| (ReplId(k), g(v))).collect();
        let sb: ReplIdSet = b.iter().map(|&(k, v)| (ReplId(k), g(v))).collect();
        let ma: BTreeSet<(u16, u64)> = a.into_iter().collect();
        let mb: BTreeSet<(u16, u64)> = b.into_iter().collect();
        let flat = |s: &ReplIdSet| s.iter().map(|(k, v)| (k.0, v.value())).collect::<BTreeSet<_>>();
        prop_assert_eq!(flat(&sa.union(&sb)), ma.union(&mb).copied().collect());
        prop_assert_eq!(flat(&sa.intersection(&sb)), ma.intersection(&mb).copied().collect());
        prop_assert_eq!(flat(&sa.difference(&sb)), ma.difference(&mb).copied().collect());
        prop_assert_eq!(sa.is_subset(&sb), ma.is_subset(&mb));
        prop_assert_eq!(sa.count(), ma.len() as u64);
        // No empty replica entries survive an operation.
        for s in [sa.union(&sb), sa.intersection(&sb), sa.difference(&sb)] {
            prop_assert!(s.replicas().all(|(_, gs)| !gs.is_empty()));
        }
    }
}

/// Exhaustive differential test on a small universe (as quinn-proto does
/// for its RangeSet): every pair of subsets of 0..8 (as bitmasks), placed at
/// several offsets, including a byte-boundary crossing and the top of the
/// 48-bit space. Checks every binary operation, membership, subset, and the
/// codec round trip.
#[test]
fn exhaustive_small_universe() {
    const N: u32 = 8;
    for base in [0u64, 0xFC, 0xFFFF_FFFF_FFF8, 0x1234_5678_9AFD] {
        let sets: Vec<GlobSet> = (0u32..1 << N)
            .map(|bits| {
                (0..N)
                    .filter(|i| bits & (1 << i) != 0)
                    .map(|i| g(base + i as u64))
                    .collect()
            })
            .collect();
        for (a_bits, a) in sets.iter().enumerate() {
            assert_eq!(a.count(), (a_bits as u32).count_ones() as u64);
            let enc = a.to_bytes();
            assert_eq!(&GlobSet::decode(&enc).unwrap(), a, "{a:?} {enc:02X?}");
            for i in 0..N {
                assert_eq!(a.contains(g(base + i as u64)), a_bits & (1 << i) != 0);
            }
            for (b_bits, b) in sets.iter().enumerate() {
                assert_eq!(a.union(b), sets[a_bits | b_bits]);
                assert_eq!(a.intersection(b), sets[a_bits & b_bits]);
                assert_eq!(a.difference(b), sets[a_bits & !b_bits]);
                assert_eq!(a.is_subset(b), a_bits & !b_bits == 0);
            }
            // Single-element insert/remove from every set.
            for i in 0..N {
                let v = g(base + i as u64);
                let mut t = a.clone();
                assert_eq!(t.insert(v), a_bits & (1 << i) == 0);
                assert_eq!(t, sets[a_bits | (1 << i)]);
                let mut t = a.clone();
                assert_eq!(t.remove(v), a_bits & (1 << i) != 0);
                assert_eq!(t, sets[a_bits & !(1 << i)]);
            }
        }
    }
}

/// Operations on enormous ranges stay O(ranges).
#[test]
fn huge_ranges_are_cheap() {
    let mut s = GlobSet::from_range(g(0), g(MAX));
    for i in 0..1000u64 {
        s.remove(g(i * 1_000_000_007 % MAX));
    }
    assert_eq!(s.count(), MAX + 1 - 1000);
    let t = GlobSet::from_range(g(1 << 40), g(1 << 46));
    assert_eq!(
        s.intersection(&t).count() + t.difference(&s).count(),
        t.count()
    );
    assert!(s.to_bytes().len() < 1000 * 14 + 20);
    assert_eq!(GlobSet::decode(&s.to_bytes()).unwrap(), s);
}
