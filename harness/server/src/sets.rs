//! Range sets: `ics_wire::idset` ([MS-OXCFXICS] 2.2.2.4) plus the one helper
//! the engine needs on top — the gaps of a CNSET that a CN-index range scan
//! walks.

pub use ics_wire::idset::{GlobSet, ReplGuidSet, ReplIdSet};

use ics_wire::ids::GlobCnt;

/// The ranges of `lo..=hi` not in `set`, ascending. O(ranges).
pub fn gaps(set: &GlobSet, lo: GlobCnt, hi: GlobCnt) -> Vec<(GlobCnt, GlobCnt)> {
    if lo > hi {
        return Vec::new();
    }
    GlobSet::from_range(lo, hi)
        .difference(set)
        .ranges()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: u64) -> GlobCnt {
        GlobCnt::new(v).unwrap()
    }

    #[test]
    fn gaps_are_the_complement() {
        let mut s = GlobSet::new();
        s.insert_range(g(3), g(5));
        s.insert(g(9));
        assert_eq!(
            gaps(&s, g(1), g(10)),
            vec![(g(1), g(2)), (g(6), g(8)), (g(10), g(10))]
        );
        assert_eq!(gaps(&GlobSet::new(), g(1), g(2)), vec![(g(1), g(2))]);
        assert!(gaps(&s, g(4), g(3)).is_empty());
    }
}
