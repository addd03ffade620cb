//! `arbitrary::Arbitrary` for the in-memory sets (feature `arbitrary`):
//! always valid sets, clustered so that every GLOBSET command gets used
//! (shared prefixes, Bitmask-sized gaps, byte-boundary crossings, the 0 and
//! 0xFFFF_FFFF_FFFF boundaries).

use arbitrary::{Arbitrary, Result, Unstructured};

use crate::ids::GlobCnt;

use super::globset::GlobSet;
use super::set::IdSet;

const MAX: u64 = GlobCnt::MAX.value();

impl<'a> Arbitrary<'a> for GlobSet {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let mut cur: u64 = match u.int_in_range(0u8..=3)? {
            0 => 0,
            1 => u.arbitrary::<u64>()? & MAX,
            2 => MAX - u.arbitrary::<u16>()? as u64,
            _ => (u.arbitrary::<u32>()? as u64) << 16,
        };
        let n = u.arbitrary_len::<[u8; 3]>()?.min(256);
        let mut ranges = Vec::with_capacity(n);
        for _ in 0..n {
            let len = match u.int_in_range(0u8..=3)? {
                0 => 0,
                1 => u.int_in_range(0u64..=8)?,
                2 => u.arbitrary::<u8>()? as u64,
                _ => u.arbitrary::<u32>()? as u64,
            };
            let hi = cur.saturating_add(len).min(MAX);
            ranges.push((GlobCnt::new_truncating(cur), GlobCnt::new_truncating(hi)));
            let gap = match u.int_in_range(0u8..=4)? {
                0 => u.int_in_range(1u64..=9)?,
                1 => u.arbitrary::<u8>()? as u64 + 1,
                2 => u.arbitrary::<u16>()? as u64 + 1,
                3 => (u.arbitrary::<u32>()? as u64) << 8,
                _ => u.arbitrary::<u64>()? & MAX,
            };
            match hi.checked_add(gap) {
                Some(c) if c <= MAX => cur = c,
                _ => break,
            }
        }
        Ok(GlobSet::from_ranges(ranges))
    }
}

impl<'a, K: Arbitrary<'a> + Ord + Copy> Arbitrary<'a> for IdSet<K> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        let n = u.int_in_range(0u8..=6)?;
        let mut s = IdSet::new();
        for _ in 0..n {
            let k = K::arbitrary(u)?;
            let g = GlobSet::arbitrary(u)?;
            s.insert_globset(k, &g);
        }
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::ReplGuid;

    /// Arbitrary sets are valid (sorted, maximal, within 48 bits) and round-trip.
    #[test]
    fn arbitrary_sets_are_valid() {
        let mut seed = 0x9E37_79B9_7F4A_7C15u64;
        let mut nonempty = 0;
        for _ in 0..300 {
            let bytes: Vec<u8> = (0..512)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    seed as u8
                })
                .collect();
            let mut u = Unstructured::new(&bytes);
            let s = IdSet::<ReplGuid>::arbitrary(&mut u).unwrap();
            for (_, g) in s.replicas() {
                assert!(!g.is_empty());
                let r = &g.ranges;
                assert!(r.iter().all(|&(l, h)| l <= h && h <= MAX));
                assert!(r.windows(2).all(|w| w[0].1 + 1 < w[1].0));
                nonempty += 1;
            }
            assert_eq!(IdSet::<ReplGuid>::decode(&s.to_bytes()).unwrap(), s);
        }
        assert!(nonempty > 100);
    }
}
