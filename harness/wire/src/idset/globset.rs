//! In-memory GLOBSET: the GLOBCNTs of one replica as sorted, merged ranges
//! ("formatted IDSET", [MS-OXCFXICS] 3.1.5.4.1; `idset.md` §4).
//!
//! Every operation costs O(ranges) (lookups O(log ranges)), never O(ids): a
//! set of 10^12 counters in one range is one range.

use std::fmt;

use crate::ids::GlobCnt;

/// A set of GLOBCNTs kept as ranges `[low, high]` that are sorted ascending,
/// disjoint and non-adjacent (maximal), as 3.1.5.4.1 requires before
/// serialization. Equal sets therefore have equal representations.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct GlobSet {
    /// `(low, high)` counter values, `low <= high <= GlobCnt::MAX`, and
    /// `high + 1 < next.low` for consecutive ranges.
    pub(crate) ranges: Vec<(u64, u64)>,
}

#[cfg(test)]
const MAX: u64 = GlobCnt::MAX.value();

#[inline]
fn gc(v: u64) -> GlobCnt {
    GlobCnt::new_truncating(v)
}

impl GlobSet {
    /// The empty set.
    pub const fn new() -> Self {
        GlobSet { ranges: Vec::new() }
    }

    /// The set holding every counter of `[low, high]` (empty if `low > high`).
    pub fn from_range(low: GlobCnt, high: GlobCnt) -> Self {
        let mut s = Self::new();
        s.insert_range(low, high);
        s
    }

    /// The union of the given ranges, in any order, overlapping or not.
    /// A pair with `low > high` denotes the empty range and adds nothing.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (GlobCnt, GlobCnt)>) -> Self {
        let mut v: Vec<(u64, u64)> = ranges
            .into_iter()
            .map(|(l, h)| (l.value(), h.value()))
            .filter(|&(l, h)| l <= h)
            .collect();
        if v.windows(2).all(|w| w[0].1.saturating_add(1) < w[1].0) {
            return GlobSet { ranges: v };
        }
        v.sort_unstable();
        GlobSet {
            ranges: merge_sorted(v),
        }
    }

    /// Adds one counter; true if it was not yet present.
    pub fn insert(&mut self, v: GlobCnt) -> bool {
        let v = v.value();
        let i = self.ranges.partition_point(|r| r.1 < v);
        if i < self.ranges.len() && self.ranges[i].0 <= v {
            return false;
        }
        self.insert_raw(v, v);
        true
    }

    /// Adds every counter of `[low, high]`; nothing if `low > high`.
    pub fn insert_range(&mut self, low: GlobCnt, high: GlobCnt) {
        if low <= high {
            self.insert_raw(low.value(), high.value());
        }
    }

    fn insert_raw(&mut self, lo: u64, hi: u64) {
        // Ranges [i, j) overlap or touch [lo, hi].
        let i = self.ranges.partition_point(|r| r.1 + 1 < lo);
        let j = i + self.ranges[i..].partition_point(|r| r.0 <= hi + 1);
        if i == j {
            self.ranges.insert(i, (lo, hi));
        } else {
            let nl = lo.min(self.ranges[i].0);
            let nh = hi.max(self.ranges[j - 1].1);
            self.ranges[i] = (nl, nh);
            self.ranges.drain(i + 1..j);
        }
    }

    /// Removes one counter; true if it was present.
    pub fn remove(&mut self, v: GlobCnt) -> bool {
        if !self.contains(v) {
            return false;
        }
        self.remove_range(v, v);
        true
    }

    /// Removes every counter of `[low, high]`; nothing if `low > high`.
    pub fn remove_range(&mut self, low: GlobCnt, high: GlobCnt) {
        let (lo, hi) = (low.value(), high.value());
        if lo > hi {
            return;
        }
        // Ranges [i, j) intersect [lo, hi].
        let i = self.ranges.partition_point(|r| r.1 < lo);
        let j = i + self.ranges[i..].partition_point(|r| r.0 <= hi);
        if i == j {
            return;
        }
        let (first_lo, _) = self.ranges[i];
        let (_, last_hi) = self.ranges[j - 1];
        let mut keep = [(0, 0); 2];
        let mut n = 0;
        if first_lo < lo {
            keep[n] = (first_lo, lo - 1);
            n += 1;
        }
        if last_hi > hi {
            keep[n] = (hi + 1, last_hi);
            n += 1;
        }
        self.ranges.splice(i..j, keep[..n].iter().copied());
    }

    /// True if `v` is in the set. O(log ranges).
    pub fn contains(&self, v: GlobCnt) -> bool {
        let v = v.value();
        let i = self.ranges.partition_point(|r| r.1 < v);
        i < self.ranges.len() && self.ranges[i].0 <= v
    }

    /// True if every counter of `[low, high]` is in the set (vacuously true
    /// when `low > high`).
    pub fn contains_range(&self, low: GlobCnt, high: GlobCnt) -> bool {
        let (lo, hi) = (low.value(), high.value());
        if lo > hi {
            return true;
        }
        let i = self.ranges.partition_point(|r| r.1 < lo);
        i < self.ranges.len() && self.ranges[i].0 <= lo && hi <= self.ranges[i].1
    }

    /// Counters in `self` or `other`.
    pub fn union(&self, other: &Self) -> Self {
        let (a, b) = (&self.ranges, &other.ranges);
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let next = if j == b.len() || (i < a.len() && a[i].0 <= b[j].0) {
                i += 1;
                a[i - 1]
            } else {
                j += 1;
                b[j - 1]
            };
            push_merge(&mut out, next);
        }
        GlobSet { ranges: out }
    }

    /// Counters in `self` and in `other`.
    pub fn intersection(&self, other: &Self) -> Self {
        let (a, b) = (&self.ranges, &other.ranges);
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < a.len() && j < b.len() {
            let lo = a[i].0.max(b[j].0);
            let hi = a[i].1.min(b[j].1);
            if lo <= hi {
                out.push((lo, hi));
            }
            if a[i].1 < b[j].1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        GlobSet { ranges: out }
    }

    /// Counters in `self` but not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        let b = &other.ranges;
        let mut out = Vec::with_capacity(self.ranges.len());
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            let mut lo = lo;
            // Skip ranges of `other` wholly below this one.
            while j < b.len() && b[j].1 < lo {
                j += 1;
            }
            let mut k = j;
            let mut covered = false;
            while k < b.len() && b[k].0 <= hi {
                if b[k].0 > lo {
                    out.push((lo, b[k].0 - 1));
                }
                if b[k].1 >= hi {
                    covered = true;
                    break;
                }
                lo = b[k].1 + 1;
                k += 1;
            }
            if !covered {
                out.push((lo, hi));
            }
            // b[k] may reach into the next range of self: keep j there.
            j = k.min(b.len());
        }
        GlobSet { ranges: out }
    }

    /// True if every counter of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        let b = &other.ranges;
        let mut j = 0;
        for &(lo, hi) in &self.ranges {
            while j < b.len() && b[j].1 < lo {
                j += 1;
            }
            if j == b.len() || b[j].0 > lo || b[j].1 < hi {
                return false;
            }
        }
        true
    }

    /// True if every counter of `other` is in `self`.
    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }

    /// The ranges `(low, high)`, ascending, maximal.
    pub fn ranges(
        &self,
    ) -> impl ExactSizeIterator<Item = (GlobCnt, GlobCnt)> + DoubleEndedIterator + '_ {
        self.ranges.iter().map(|&(l, h)| (gc(l), gc(h)))
    }

    /// Every counter, ascending. Lazy: iterating a huge range is the caller's
    /// choice; nothing is materialized.
    pub fn iter(&self) -> impl Iterator<Item = GlobCnt> + '_ {
        self.ranges.iter().flat_map(|&(l, h)| (l..=h).map(gc))
    }

    /// Number of counters (at most 2^48).
    pub fn count(&self) -> u64 {
        self.ranges.iter().map(|&(l, h)| h - l + 1).sum()
    }

    /// True if the set holds no counter.
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Number of maximal ranges.
    pub fn range_count(&self) -> usize {
        self.ranges.len()
    }

    /// Smallest counter.
    pub fn first(&self) -> Option<GlobCnt> {
        self.ranges.first().map(|r| gc(r.0))
    }

    /// Largest counter.
    pub fn last(&self) -> Option<GlobCnt> {
        self.ranges.last().map(|r| gc(r.1))
    }

    /// Removes every counter.
    pub fn clear(&mut self) {
        self.ranges.clear();
    }
}

/// Appends `r` to sorted-by-low `out`, merging it with the last range when
/// they overlap or touch.
#[inline]
pub(crate) fn push_merge(out: &mut Vec<(u64, u64)>, r: (u64, u64)) {
    if let Some(last) = out.last_mut()
        && r.0 <= last.1 + 1
    {
        if r.1 > last.1 {
            last.1 = r.1;
        }
        return;
    }
    out.push(r);
}

/// Merges ranges sorted by low into maximal ranges, in place.
pub(crate) fn merge_sorted(v: Vec<(u64, u64)>) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::with_capacity(v.len());
    for r in v {
        push_merge(&mut out, r);
    }
    out
}

impl fmt::Debug for GlobSet {
    /// `{0x1-0x3, 0x5}`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("{")?;
        for (i, &(l, h)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            if l == h {
                write!(f, "{l:#x}")?;
            } else {
                write!(f, "{l:#x}-{h:#x}")?;
            }
        }
        f.write_str("}")
    }
}

impl serde::Serialize for GlobSet {
    /// `[[low, high], ...]`, the counters as unsigned integers.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.ranges.iter().map(|&(l, h)| [l, h]))
    }
}

impl FromIterator<GlobCnt> for GlobSet {
    fn from_iter<I: IntoIterator<Item = GlobCnt>>(iter: I) -> Self {
        GlobSet::from_ranges(iter.into_iter().map(|v| (v, v)))
    }
}

impl Extend<GlobCnt> for GlobSet {
    fn extend<I: IntoIterator<Item = GlobCnt>>(&mut self, iter: I) {
        for v in iter {
            self.insert(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: u64) -> GlobCnt {
        GlobCnt::new(v).unwrap()
    }
    fn set(r: &[(u64, u64)]) -> GlobSet {
        GlobSet::from_ranges(r.iter().map(|&(l, h)| (g(l), g(h))))
    }

    #[test]
    fn from_ranges_sorts_and_merges() {
        let s = set(&[(10, 20), (1, 3), (4, 4), (15, 30), (40, 39)]);
        assert_eq!(s.ranges, vec![(1, 4), (10, 30)]);
        assert_eq!(s.count(), 4 + 21);
    }

    #[test]
    fn one_huge_range_is_one_range() {
        let mut s = GlobSet::new();
        s.insert_range(g(0), g(1_000_000_000_000));
        assert_eq!(s.range_count(), 1);
        assert_eq!(s.count(), 1_000_000_000_001);
        assert!(s.remove(g(500)));
        assert_eq!(s.range_count(), 2);
        assert!(!s.contains(g(500)));
        assert!(s.contains(g(501)));
    }

    #[test]
    fn boundaries() {
        let mut s = GlobSet::new();
        assert!(s.insert(GlobCnt::MAX));
        assert!(s.insert(GlobCnt::ZERO));
        assert!(!s.insert(GlobCnt::MAX));
        s.insert_range(g(1), g(MAX - 1));
        assert_eq!(s.ranges, vec![(0, MAX)]);
        s.remove_range(g(0), g(MAX));
        assert!(s.is_empty());
    }

    #[test]
    fn set_ops() {
        let a = set(&[(1, 10), (20, 30), (40, 40)]);
        let b = set(&[(5, 25), (40, 50)]);
        assert_eq!(a.union(&b).ranges, vec![(1, 30), (40, 50)]);
        assert_eq!(a.intersection(&b).ranges, vec![(5, 10), (20, 25), (40, 40)]);
        assert_eq!(a.difference(&b).ranges, vec![(1, 4), (26, 30)]);
        assert_eq!(b.difference(&a).ranges, vec![(11, 19), (41, 50)]);
        assert!(set(&[(6, 9)]).is_subset(&a));
        assert!(!set(&[(9, 11)]).is_subset(&a));
        assert!(a.is_superset(&set(&[(40, 40), (2, 3)])));
    }
}
