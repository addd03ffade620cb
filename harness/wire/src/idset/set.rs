//! In-memory IDSET / CNSET: per replica a [`GlobSet`] ([MS-OXCFXICS] 2.2.2.4,
//! 3.1.5.4.1; `idset.md` §4).

use std::collections::BTreeMap;
use std::fmt;

use crate::guid::Guid;
use crate::ids::{ExchangeId, GlobCnt, ReplGuid, ReplId};

use super::error::IdSetError;
use super::globset::GlobSet;

/// The key of a serialized IDSET pair: [`ReplId`] (2.2.2.4.1) or [`ReplGuid`]
/// (2.2.2.4.2). Keys order like their wire bytes, as the serialized forms
/// require ascending pairs.
pub trait ReplicaKey: Copy + Ord + fmt::Debug + serde::Serialize {
    /// Field name in the JSON form (`"replid"` or `"replguid"`).
    const FIELD: &'static str;
    /// Bytes of the key on the wire.
    const SIZE: usize;
    /// Appends the wire bytes.
    fn write(&self, out: &mut Vec<u8>);
    /// From exactly [`Self::SIZE`] wire bytes.
    fn from_wire(b: &[u8]) -> Self;
}

impl ReplicaKey for ReplId {
    const FIELD: &'static str = "replid";
    const SIZE: usize = 2;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.to_le_bytes());
    }
    fn from_wire(b: &[u8]) -> Self {
        ReplId(u16::from_le_bytes([b[0], b[1]]))
    }
}

impl ReplicaKey for ReplGuid {
    const FIELD: &'static str = "replguid";
    const SIZE: usize = 16;
    fn write(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.0.0);
    }
    fn from_wire(b: &[u8]) -> Self {
        let mut a = [0u8; 16];
        a.copy_from_slice(b);
        ReplGuid(Guid(a))
    }
}

/// A set of ids grouped by replica: a map from replica key to a non-empty
/// [`GlobSet`]. Empty entries are never stored, so equal sets compare equal.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdSet<K: Ord> {
    pub(crate) map: BTreeMap<K, GlobSet>,
}

/// An IDSET in the REPLID form (transient sets: deletions, read/unread).
pub type ReplIdSet = IdSet<ReplId>;
/// An IDSET in the REPLGUID form (persisted sets: the ICS state).
pub type ReplGuidSet = IdSet<ReplGuid>;

impl<K: Ord> Default for IdSet<K> {
    fn default() -> Self {
        IdSet {
            map: BTreeMap::new(),
        }
    }
}

impl<K: Ord + Copy> IdSet<K> {
    /// The empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one id; true if it was not yet present.
    pub fn insert(&mut self, k: K, v: GlobCnt) -> bool {
        self.map.entry(k).or_default().insert(v)
    }

    /// Adds every counter of `[low, high]` of replica `k` (nothing if `low > high`).
    pub fn insert_range(&mut self, k: K, low: GlobCnt, high: GlobCnt) {
        if low <= high {
            self.map.entry(k).or_default().insert_range(low, high);
        }
    }

    /// Adds every counter of `set` to replica `k`.
    pub fn insert_globset(&mut self, k: K, set: &GlobSet) {
        if set.is_empty() {
            return;
        }
        match self.map.get_mut(&k) {
            Some(s) => *s = s.union(set),
            None => {
                self.map.insert(k, set.clone());
            }
        }
    }

    /// Removes one id; true if it was present.
    pub fn remove(&mut self, k: K, v: GlobCnt) -> bool {
        let Some(s) = self.map.get_mut(&k) else {
            return false;
        };
        let removed = s.remove(v);
        if s.is_empty() {
            self.map.remove(&k);
        }
        removed
    }

    /// Removes every counter of `[low, high]` of replica `k`.
    pub fn remove_range(&mut self, k: K, low: GlobCnt, high: GlobCnt) {
        if let Some(s) = self.map.get_mut(&k) {
            s.remove_range(low, high);
            if s.is_empty() {
                self.map.remove(&k);
            }
        }
    }

    /// True if the id is in the set.
    pub fn contains(&self, k: K, v: GlobCnt) -> bool {
        self.map.get(&k).is_some_and(|s| s.contains(v))
    }

    /// Ids in `self` or `other`.
    pub fn union(&self, other: &Self) -> Self {
        let mut out = self.clone();
        for (k, s) in &other.map {
            out.insert_globset(*k, s);
        }
        out
    }

    /// Ids in `self` and in `other`.
    pub fn intersection(&self, other: &Self) -> Self {
        let map = self
            .map
            .iter()
            .filter_map(|(k, a)| {
                let b = other.map.get(k)?;
                let i = a.intersection(b);
                (!i.is_empty()).then_some((*k, i))
            })
            .collect();
        IdSet { map }
    }

    /// Ids in `self` but not in `other`.
    pub fn difference(&self, other: &Self) -> Self {
        let map = self
            .map
            .iter()
            .filter_map(|(k, a)| {
                let d = match other.map.get(k) {
                    Some(b) => a.difference(b),
                    None => a.clone(),
                };
                (!d.is_empty()).then_some((*k, d))
            })
            .collect();
        IdSet { map }
    }

    /// True if every id of `self` is in `other`.
    pub fn is_subset(&self, other: &Self) -> bool {
        self.map
            .iter()
            .all(|(k, a)| other.map.get(k).is_some_and(|b| a.is_subset(b)))
    }

    /// True if every id of `other` is in `self`.
    pub fn is_superset(&self, other: &Self) -> bool {
        other.is_subset(self)
    }

    /// The counters of replica `k`, if it has any.
    pub fn get(&self, k: &K) -> Option<&GlobSet> {
        self.map.get(k)
    }

    /// The replicas with their (non-empty) counters, ascending by key.
    pub fn replicas(&self) -> impl ExactSizeIterator<Item = (&K, &GlobSet)> + '_ {
        self.map.iter()
    }

    /// Every id, by replica then counter. Lazy.
    pub fn iter(&self) -> impl Iterator<Item = (K, GlobCnt)> + '_ {
        self.map
            .iter()
            .flat_map(|(k, s)| s.iter().map(move |v| (*k, v)))
    }

    /// Number of ids.
    pub fn count(&self) -> u64 {
        self.map.values().map(GlobSet::count).sum()
    }

    /// True if the set holds no id.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Number of replicas with at least one id.
    pub fn replica_count(&self) -> usize {
        self.map.len()
    }
}

impl IdSet<ReplId> {
    /// Adds a FID, MID or CN; true if it was not yet present.
    pub fn insert_id(&mut self, id: ExchangeId) -> bool {
        self.insert(id.replid, id.globcnt)
    }

    /// True if the FID, MID or CN is in the set.
    pub fn contains_id(&self, id: ExchangeId) -> bool {
        self.contains(id.replid, id.globcnt)
    }

    /// Removes a FID, MID or CN; true if it was present.
    pub fn remove_id(&mut self, id: ExchangeId) -> bool {
        self.remove(id.replid, id.globcnt)
    }

    /// The REPLGUID form of this set ([MS-OXCFXICS] 3.1.5.4.2), each REPLID
    /// mapped by `map` (the logon's REPLID→REPLGUID mapping, [MS-OXCSTOR]
    /// 2.2.1.8). Replicas mapping to the same REPLGUID are merged.
    pub fn to_replguid(
        &self,
        map: impl Fn(ReplId) -> Option<ReplGuid>,
    ) -> Result<ReplGuidSet, IdSetError> {
        let mut out = ReplGuidSet::new();
        for (k, s) in &self.map {
            let g = map(*k).ok_or(IdSetError::UnmappedReplId { replid: k.0 })?;
            out.insert_globset(g, s);
        }
        Ok(out)
    }
}

impl IdSet<ReplGuid> {
    /// The REPLID form of this set, each REPLGUID mapped by `map`
    /// ([MS-OXCSTOR] 2.2.1.9). Replicas mapping to the same REPLID are merged.
    pub fn to_replid(
        &self,
        map: impl Fn(ReplGuid) -> Option<ReplId>,
    ) -> Result<ReplIdSet, IdSetError> {
        let mut out = ReplIdSet::new();
        for (k, s) in &self.map {
            let r = map(*k).ok_or(IdSetError::UnmappedReplGuid { replguid: k.0 })?;
            out.insert_globset(r, s);
        }
        Ok(out)
    }
}

impl<K: Ord + Copy> FromIterator<(K, GlobCnt)> for IdSet<K> {
    fn from_iter<I: IntoIterator<Item = (K, GlobCnt)>>(iter: I) -> Self {
        let mut s = Self::new();
        s.extend(iter);
        s
    }
}

impl<K: Ord + Copy> Extend<(K, GlobCnt)> for IdSet<K> {
    fn extend<I: IntoIterator<Item = (K, GlobCnt)>>(&mut self, iter: I) {
        for (k, v) in iter {
            self.insert(k, v);
        }
    }
}

impl<K: Ord + fmt::Debug> fmt::Debug for IdSet<K> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.map.iter()).finish()
    }
}

impl<K: ReplicaKey> serde::Serialize for IdSet<K> {
    /// `{"replicas":[{"replguid"|"replid": key, "ranges":[[low,high],...]}]}`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;

        struct Entry<'a, K>(&'a K, &'a GlobSet);
        impl<K: ReplicaKey> serde::Serialize for Entry<'_, K> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut st = s.serialize_struct("Replica", 2)?;
                st.serialize_field(K::FIELD, self.0)?;
                st.serialize_field("ranges", self.1)?;
                st.end()
            }
        }
        let mut st = s.serialize_struct("IdSet", 1)?;
        let entries: Vec<Entry<'_, K>> = self.map.iter().map(|(k, v)| Entry(k, v)).collect();
        st.serialize_field("replicas", &entries)?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(v: u64) -> GlobCnt {
        GlobCnt::new(v).unwrap()
    }

    #[test]
    fn no_empty_entries() {
        let mut s = ReplIdSet::new();
        assert!(s.insert(ReplId(1), g(5)));
        assert!(s.remove(ReplId(1), g(5)));
        assert!(s.is_empty());
        assert_eq!(s, ReplIdSet::new());
        s.insert_range(ReplId(2), g(1), g(10));
        s.remove_range(ReplId(2), g(0), g(20));
        assert!(s.is_empty());
        let a: ReplIdSet = [(ReplId(1), g(1))].into_iter().collect();
        let b: ReplIdSet = [(ReplId(1), g(1)), (ReplId(2), g(2))].into_iter().collect();
        assert!(a.difference(&b).is_empty());
        assert!(a.intersection(&ReplIdSet::new()).replicas().len() == 0);
    }

    #[test]
    fn exchange_ids_by_tuple() {
        let mut s = ReplIdSet::new();
        let id = ExchangeId::new(ReplId(1), g(0x123));
        assert!(s.insert_id(id));
        assert!(s.contains_id(id));
        assert!(!s.contains_id(ExchangeId::new(ReplId(2), g(0x123))));
        assert!(s.remove_id(id));
        assert!(!s.contains_id(id));
    }

    #[test]
    fn replid_replguid_mapping() {
        let ga = ReplGuid(Guid([0xA; 16]));
        let gb = ReplGuid(Guid([0xB; 16]));
        let mut s = ReplIdSet::new();
        s.insert_range(ReplId(1), g(1), g(3));
        s.insert(ReplId(2), g(7));
        s.insert(ReplId(3), g(4));
        let map = |r: ReplId| match r.0 {
            1 | 3 => Some(ga),
            2 => Some(gb),
            _ => None,
        };
        let guids = s.to_replguid(map).unwrap();
        assert_eq!(guids.get(&ga).unwrap().count(), 4);
        assert_eq!(guids.get(&gb).unwrap().count(), 1);
        let back = guids
            .to_replid(|g| {
                if g == ga {
                    Some(ReplId(1))
                } else {
                    Some(ReplId(2))
                }
            })
            .unwrap();
        assert_eq!(back.get(&ReplId(1)).unwrap().ranges().len(), 1);
        s.insert(ReplId(9), g(1));
        assert_eq!(
            s.to_replguid(map),
            Err(IdSetError::UnmappedReplId { replid: 9 })
        );
    }
}
