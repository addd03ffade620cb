//! Change identity of an object: change number, ChangeKey and
//! PredecessorChangeList ([MS-OXCFXICS] 2.2.1.2.7, 2.2.1.2.8, 3.1.5.3).
//!
//! `ChangeList` is a small in-memory PCL adapter (sorted XIDs, one per
//! namespace). It is kept minimal on purpose: serialization and the
//! comparison used by conflict detection belong to `ics_wire::pcl`, which this
//! crate switches to once that module exists.

use ics_wire::ids::{GlobCnt, ReplGuid, Xid};

/// The XID of a change made by this server: REPLGUID + 6-byte GLOBCNT of the
/// CN, i.e. GID form (ftstream.md §9.9).
pub fn xid_of_cn(replguid: ReplGuid, cn: GlobCnt) -> Xid {
    Xid::new(replguid.0, &cn.to_bytes()).expect("6-byte LocalId")
}

/// A predecessor change list: at most one XID per namespace, sorted by
/// NamespaceGuid ([MS-OXCFXICS] 2.2.2.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeList {
    xids: Vec<Xid>,
}

impl ChangeList {
    /// A PCL holding exactly `xid`.
    pub fn single(xid: Xid) -> Self {
        ChangeList { xids: vec![xid] }
    }

    /// From XIDs in any order; for a repeated namespace the larger LocalId is kept.
    pub fn from_xids(xids: impl IntoIterator<Item = Xid>) -> Self {
        let mut p = ChangeList::default();
        for x in xids {
            p.add(x);
        }
        p
    }

    /// Merges `xid` in: per namespace the larger LocalId is kept
    /// ([MS-OXCFXICS] 3.1.5.3, 3.1.5.6.2).
    pub fn add(&mut self, xid: Xid) {
        match self
            .xids
            .binary_search_by(|x| x.namespace_guid.cmp(&xid.namespace_guid))
        {
            Ok(i) => {
                if local_ge(&xid, &self.xids[i]) {
                    self.xids[i] = xid;
                }
            }
            Err(i) => self.xids.insert(i, xid),
        }
    }

    /// The XIDs, sorted by namespace.
    pub fn xids(&self) -> &[Xid] {
        &self.xids
    }

    /// True if `self` includes `other`: every XID of `other` has one of the
    /// same namespace here with a LocalId at least as large ([MS-OXCFXICS]
    /// 3.1.5.6.1).
    pub fn includes(&self, other: &ChangeList) -> bool {
        other.xids.iter().all(|b| {
            self.xids
                .iter()
                .any(|a| a.namespace_guid == b.namespace_guid && local_ge(a, b))
        })
    }

    /// The merge of two PCLs (per namespace the larger LocalId).
    pub fn merged(&self, other: &ChangeList) -> ChangeList {
        let mut m = self.clone();
        for x in &other.xids {
            m.add(*x);
        }
        m
    }
}

/// LocalId comparison as big-endian unsigned numbers (equal lengths per
/// namespace are required by the spec; a longer id counts as larger).
fn local_ge(a: &Xid, b: &Xid) -> bool {
    let (la, lb) = (a.local_id(), b.local_id());
    (la.len(), la) >= (lb.len(), lb)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::Guid;

    fn x(ns: u8, v: u64) -> Xid {
        xid_of_cn(ReplGuid(Guid([ns; 16])), GlobCnt::new(v).unwrap())
    }

    /// idset.md §16: PCL_A includes PCL_B iff every XID of B has one in A with
    /// the same namespace and a LocalId >=.
    #[test]
    fn includes_per_namespace() {
        let a = ChangeList::from_xids([x(1, 5), x(2, 3)]);
        let b = ChangeList::from_xids([x(1, 4)]);
        let c = ChangeList::from_xids([x(1, 6)]);
        assert!(a.includes(&b));
        assert!(!b.includes(&a));
        assert!(!a.includes(&c) && !c.includes(&a));
        let m = a.merged(&c);
        assert!(m.includes(&a) && m.includes(&c));
        assert_eq!(m.xids(), &[x(1, 6), x(2, 3)]);
    }

    #[test]
    fn add_keeps_sorted_and_max() {
        let mut p = ChangeList::default();
        p.add(x(3, 1));
        p.add(x(1, 9));
        p.add(x(3, 7));
        p.add(x(3, 2));
        assert_eq!(p.xids(), &[x(1, 9), x(3, 7)]);
    }
}
