//! GLOBCNT range sets used by the engine.
//!
//! TEMPORARY ADAPTER: `ics_wire::idset` (branch `idset`) provides the
//! project's range sets; until it is merged the engine uses this minimal
//! BTreeMap-backed set with the same vocabulary. It has no serialization.

use std::collections::BTreeMap;

use ics_wire::ids::{GlobCnt, ReplId};

/// A set of GLOBCNTs as disjoint, non-adjacent inclusive ranges.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GlobSet {
    /// lo -> hi (inclusive), values as u64.
    ranges: BTreeMap<u64, u64>,
}

impl GlobSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// True if empty.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of ranges.
    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }

    /// Number of values.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|(l, h)| h - l + 1).sum()
    }

    /// Adds one value.
    pub fn insert(&mut self, g: GlobCnt) {
        self.insert_range(g, g);
    }

    /// Adds `lo..=hi` (no-op if lo > hi).
    pub fn insert_range(&mut self, lo: GlobCnt, hi: GlobCnt) {
        let (mut lo, mut hi) = (lo.value(), hi.value());
        if lo > hi {
            return;
        }
        // Merge with a range that starts before lo and reaches lo-1 or beyond.
        if let Some((&l, &h)) = self.ranges.range(..=lo).next_back()
            && h.saturating_add(1) >= lo
        {
            lo = l;
            hi = hi.max(h);
            self.ranges.remove(&l);
        }
        // Absorb ranges starting inside lo..=hi+1.
        loop {
            let next = self
                .ranges
                .range(lo..=hi.saturating_add(1))
                .next()
                .map(|(l, h)| (*l, *h));
            match next {
                Some((l, h)) => {
                    hi = hi.max(h);
                    self.ranges.remove(&l);
                }
                None => break,
            }
        }
        self.ranges.insert(lo, hi);
    }

    /// Removes one value.
    pub fn remove(&mut self, g: GlobCnt) {
        let v = g.value();
        if let Some((&l, &h)) = self.ranges.range(..=v).next_back()
            && h >= v
        {
            self.ranges.remove(&l);
            if l < v {
                self.ranges.insert(l, v - 1);
            }
            if v < h {
                self.ranges.insert(v + 1, h);
            }
        }
    }

    /// Membership.
    pub fn contains(&self, g: GlobCnt) -> bool {
        let v = g.value();
        self.ranges
            .range(..=v)
            .next_back()
            .is_some_and(|(_, &h)| h >= v)
    }

    /// The ranges, ascending.
    pub fn ranges(&self) -> impl Iterator<Item = (GlobCnt, GlobCnt)> + '_ {
        self.ranges
            .iter()
            .map(|(l, h)| (GlobCnt::new_truncating(*l), GlobCnt::new_truncating(*h)))
    }

    /// The values, ascending.
    pub fn iter(&self) -> impl Iterator<Item = GlobCnt> + '_ {
        self.ranges
            .iter()
            .flat_map(|(l, h)| (*l..=*h).map(GlobCnt::new_truncating))
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &GlobSet) -> GlobSet {
        let mut out = self.clone();
        for (l, h) in other.ranges() {
            out.insert_range(l, h);
        }
        out
    }

    /// `self \ other`.
    pub fn difference(&self, other: &GlobSet) -> GlobSet {
        let mut out = GlobSet::new();
        for (l, h) in self.ranges.iter().map(|(l, h)| (*l, *h)) {
            let mut cur = l;
            for (ol, oh) in other.ranges.range(..=h).map(|(a, b)| (*a, *b)) {
                if oh < cur {
                    continue;
                }
                if ol > cur {
                    out.ranges.insert(cur, (ol - 1).min(h));
                }
                cur = oh.saturating_add(1);
                if cur > h {
                    break;
                }
            }
            if cur <= h {
                out.ranges.insert(cur, h);
            }
        }
        out
    }

    /// `self ∩ other`.
    pub fn intersection(&self, other: &GlobSet) -> GlobSet {
        self.difference(&self.difference(other))
    }

    /// The ranges of `lo..=hi` not in the set, ascending (the gaps a range
    /// scan over a CN index walks).
    pub fn gaps(&self, lo: GlobCnt, hi: GlobCnt) -> Vec<(GlobCnt, GlobCnt)> {
        let mut full = GlobSet::new();
        full.insert_range(lo, hi);
        full.difference(self).ranges().collect()
    }
}

/// An IDSET keyed by REPLID: one GLOBSET per replica.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplIdSet {
    sets: BTreeMap<ReplId, GlobSet>,
}

impl ReplIdSet {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// True if no replica has a value.
    pub fn is_empty(&self) -> bool {
        self.sets.values().all(GlobSet::is_empty)
    }

    /// Adds an id.
    pub fn insert(&mut self, r: ReplId, g: GlobCnt) {
        self.sets.entry(r).or_default().insert(g);
    }

    /// Adds a range.
    pub fn insert_range(&mut self, r: ReplId, lo: GlobCnt, hi: GlobCnt) {
        self.sets.entry(r).or_default().insert_range(lo, hi);
    }

    /// Removes an id.
    pub fn remove(&mut self, r: ReplId, g: GlobCnt) {
        if let Some(s) = self.sets.get_mut(&r) {
            s.remove(g);
            if s.is_empty() {
                self.sets.remove(&r);
            }
        }
    }

    /// Membership.
    pub fn contains(&self, r: ReplId, g: GlobCnt) -> bool {
        self.sets.get(&r).is_some_and(|s| s.contains(g))
    }

    /// The GLOBSET of one replica.
    pub fn globset(&self, r: ReplId) -> Option<&GlobSet> {
        self.sets.get(&r)
    }

    /// (replica, GLOBSET) pairs, by REPLID.
    pub fn replicas(&self) -> impl Iterator<Item = (ReplId, &GlobSet)> {
        self.sets
            .iter()
            .filter(|(_, s)| !s.is_empty())
            .map(|(r, s)| (*r, s))
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &ReplIdSet) -> ReplIdSet {
        let mut out = self.clone();
        for (r, s) in other.replicas() {
            let e = out.sets.entry(r).or_default();
            *e = e.union(s);
        }
        out
    }

    /// `self \ other`.
    pub fn difference(&self, other: &ReplIdSet) -> ReplIdSet {
        let mut out = ReplIdSet::new();
        for (r, s) in self.replicas() {
            let d = match other.sets.get(&r) {
                Some(o) => s.difference(o),
                None => s.clone(),
            };
            if !d.is_empty() {
                out.sets.insert(r, d);
            }
        }
        out
    }

    /// `self ∩ other`.
    pub fn intersection(&self, other: &ReplIdSet) -> ReplIdSet {
        self.difference(&self.difference(other))
    }

    /// All (replica, value) pairs.
    pub fn iter(&self) -> impl Iterator<Item = (ReplId, GlobCnt)> + '_ {
        self.replicas()
            .flat_map(|(r, s)| s.iter().map(move |g| (r, g)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn g(v: u64) -> GlobCnt {
        GlobCnt::new(v).unwrap()
    }

    #[test]
    fn agrees_with_btreeset_model() {
        let mut s = GlobSet::new();
        let mut m = BTreeSet::new();
        let mut x: u64 = 12345;
        for _ in 0..3000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (x >> 33) % 64;
            match (x >> 20) % 3 {
                0 => {
                    s.insert(g(v));
                    m.insert(v);
                }
                1 => {
                    s.remove(g(v));
                    m.remove(&v);
                }
                _ => {
                    let hi = v + (x >> 40) % 5;
                    s.insert_range(g(v), g(hi));
                    m.extend(v..=hi);
                }
            }
            let got: Vec<u64> = s.iter().map(|c| c.value()).collect();
            assert_eq!(got, m.iter().copied().collect::<Vec<_>>());
            let other: BTreeSet<u64> = (0..64).filter(|i| i % 3 == 0).collect();
            let mut os = GlobSet::new();
            for o in &other {
                os.insert(g(*o));
            }
            let d: Vec<u64> = s.difference(&os).iter().map(|c| c.value()).collect();
            assert_eq!(d, m.difference(&other).copied().collect::<Vec<_>>());
            let i: Vec<u64> = s.intersection(&os).iter().map(|c| c.value()).collect();
            assert_eq!(i, m.intersection(&other).copied().collect::<Vec<_>>());
        }
    }

    #[test]
    fn gaps_are_the_complement() {
        let mut s = GlobSet::new();
        s.insert_range(g(3), g(5));
        s.insert(g(9));
        assert_eq!(
            s.gaps(g(1), g(10)),
            vec![(g(1), g(2)), (g(6), g(8)), (g(10), g(10))]
        );
        assert_eq!(GlobSet::new().gaps(g(1), g(2)), vec![(g(1), g(2))]);
    }
}
