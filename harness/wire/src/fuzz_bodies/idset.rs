//! Fuzz oracles for the idset codec (targets `decode_idset`,
//! `idset_roundtrip`).

use crate::ids::{GlobCnt, ReplGuid, ReplId};
use crate::idset::{GlobSet, IdSet, ReplGuidSet, ReplIdSet, ReplicaKey};
use crate::pcl::Pcl;
use crate::{Guid, cursor::Reader};

/// Ranges a decoder may produce from `len` input bytes: every command that
/// emits takes at least 2 bytes, and a 3-byte Bitmask emits at most 5 ranges.
fn max_ranges(len: usize) -> usize {
    len * 5 / 3 + 1
}

fn check_normalized(s: &GlobSet) {
    let r: Vec<(u64, u64)> = s.ranges().map(|(l, h)| (l.value(), h.value())).collect();
    assert!(
        r.iter().all(|&(l, h)| l <= h && h <= GlobCnt::MAX.value()),
        "range out of order or past 48 bits: {s:?}"
    );
    assert!(
        r.windows(2).all(|w| w[0].1 + 1 < w[1].0),
        "ranges not maximal: {s:?}"
    );
}

fn check_idset<K: ReplicaKey>(data: &[u8], s: &IdSet<K>) {
    let total: usize = s.replicas().map(|(_, g)| g.range_count()).sum();
    assert!(
        total <= max_ranges(data.len()),
        "{total} ranges from {} bytes",
        data.len()
    );
    for (_, g) in s.replicas() {
        assert!(!g.is_empty(), "empty replica entry kept");
        check_normalized(g);
    }
    let enc = s.to_bytes();
    let back = IdSet::<K>::decode(&enc).expect("our own encoding decodes");
    assert_eq!(&back, s, "decode(encode(s)) != s");
    assert_eq!(back.to_bytes(), enc, "encoder not canonical");
}

/// `decode_idset`: raw bytes as a GLOBSET, a REPLID-form and a REPLGUID-form
/// IDSET, and a PCL. Never panics; what decodes is normalized, bounded by
/// the input, and survives re-encoding; errors point inside the input.
pub fn decode_idset(data: &[u8]) {
    match GlobSet::decode_with_notes(data) {
        Ok((s, _)) => {
            assert!(s.range_count() <= max_ranges(data.len()));
            check_normalized(&s);
            let enc = s.to_bytes();
            assert_eq!(GlobSet::decode(&enc).as_ref(), Ok(&s));
            assert_eq!(GlobSet::decode(&enc).unwrap().to_bytes(), enc);
        }
        Err(e) => assert!(e.offset() <= data.len(), "{e}"),
    }
    // The embedded reader stops right after End and agrees with decode.
    let mut r = Reader::new(data);
    if let Ok(s) = GlobSet::read(&mut r) {
        assert_eq!(GlobSet::decode(&data[..r.position()]), Ok(s));
    }
    match ReplIdSet::decode_with_notes(data) {
        Ok((s, _)) => check_idset(data, &s),
        Err(e) => assert!(e.offset().is_some_and(|o| o <= data.len()), "{e}"),
    }
    match ReplGuidSet::decode_with_notes(data) {
        Ok((s, _)) => check_idset(data, &s),
        Err(e) => assert!(e.offset().is_some_and(|o| o <= data.len()), "{e}"),
    }
    match Pcl::decode(data) {
        Ok(p) => {
            assert_eq!(
                p.to_bytes(),
                data,
                "a strictly decoded PCL re-encodes byte for byte"
            );
            assert_eq!(p.compare(&p), crate::pcl::PclOrdering::Equal);
        }
        Err(e) => assert!(e.offset() <= data.len(), "{e}"),
    }
    if let Ok(p) = Pcl::decode_lenient(data) {
        assert_eq!(Pcl::decode(&p.to_bytes()), Ok(p));
    }
}

/// Reads a program of set operations from bytes (no `arbitrary` needed, so
/// the corpus replays under a plain `cargo test`).
struct Program<'a> {
    data: &'a [u8],
}

impl Program<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.data.split_first()?;
        self.data = rest;
        Some(b)
    }

    /// A value whose width the first byte picks: small, clustered, or any.
    fn value(&mut self, near: u64) -> Option<u64> {
        let tag = self.byte()?;
        let mut v = 0u64;
        let n = (tag & 7) as usize % 7;
        for _ in 0..n {
            v = (v << 8) | self.byte()? as u64;
        }
        let max = GlobCnt::MAX.value();
        Some(match tag >> 6 {
            0 => near.saturating_add(v & 0x1FF).min(max),
            1 => near.saturating_sub(v & 0xFFFF),
            2 => v & max,
            _ => max - (v & 0xFFF),
        })
    }
}

/// `idset_roundtrip`: builds sets by a program of inserts and removals
/// (ranges of any size, near a moving cursor), checks them against the set
/// algebra, and that encode -> decode gives the set back in both forms, with
/// canonical bytes.
pub fn idset_roundtrip(data: &[u8]) {
    let mut p = Program { data };
    let mut a = ReplIdSet::new();
    let mut b = ReplIdSet::new();
    let mut cur = 0u64;
    while let Some(op) = p.byte() {
        let Some(lo) = p.value(cur) else { break };
        let Some(len) = p.value(0) else { break };
        let hi = lo.saturating_add(len & 0xFFFF).min(GlobCnt::MAX.value());
        cur = hi;
        let k = ReplId((op >> 4) as u16 & 3);
        let (l, h) = (GlobCnt::new_truncating(lo), GlobCnt::new_truncating(hi));
        let target = if op & 8 == 0 { &mut a } else { &mut b };
        match op & 7 {
            0..=2 => target.insert_range(k, l, h),
            3 => {
                let had = target.contains(k, l);
                assert_eq!(target.insert(k, l), !had);
            }
            4 => {
                let had = target.contains(k, l);
                assert_eq!(target.remove(k, l), had);
                assert!(!target.contains(k, l));
            }
            _ => {
                target.remove_range(k, l, h);
                assert!(!target.contains(k, l) && !target.contains(k, h));
            }
        }
    }
    for s in [&a, &b] {
        let enc = s.encode_replid();
        let back = ReplIdSet::decode_replid(&enc).expect("REPLID form decodes");
        assert_eq!(&back, s);
        assert_eq!(back.encode_replid(), enc);
        for (_, gs) in s.replicas() {
            check_normalized(gs);
            let ge = gs.to_bytes();
            assert_eq!(GlobSet::decode(&ge).as_ref(), Ok(gs));
        }
        let guid = |r: ReplId| Some(ReplGuid(Guid([r.0 as u8; 16])));
        let g = s.to_replguid(guid).expect("all mapped");
        let genc = g.encode_replguid();
        let gback = ReplGuidSet::decode_replguid(&genc).expect("REPLGUID form decodes");
        assert_eq!(gback, g);
        assert_eq!(
            &gback.to_replid(|g| Some(ReplId(g.0.0[0] as u16))).unwrap(),
            s
        );
    }
    // Set algebra.
    let (u, i, d) = (a.union(&b), a.intersection(&b), a.difference(&b));
    assert_eq!(u.count() + i.count(), a.count() + b.count());
    assert_eq!(d.count() + i.count(), a.count());
    assert!(d.intersection(&b).is_empty());
    assert!(a.is_subset(&u) && b.is_subset(&u) && i.is_subset(&a) && i.is_subset(&b));
    assert_eq!(d.union(&i), a);
}
