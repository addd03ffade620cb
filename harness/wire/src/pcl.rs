//! PredecessorChangeList ([MS-OXCFXICS] 2.2.2.3, 3.1.5.6.1; `idset.md` §2.9,
//! §16): one XID per replica that contributed to a version, serialized as
//! SizedXids sorted by NamespaceGuid (byte-wise), without count or padding.

use std::cmp::Ordering;

use thiserror::Error;

use crate::cursor::Reader;
use crate::guid::Guid;
use crate::ids::{IdError, Xid, sized_xid};

/// A PCL that cannot be decoded.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PclError {
    /// A SizedXid with a bad XidSize or cut short.
    #[error(transparent)]
    Xid(#[from] IdError),
    /// A NamespaceGuid below the previous one (2.2.2.3: sorted ascending).
    #[error(
        "offset {offset}: NamespaceGuid {namespace} is below the previous one (PCL MUST be sorted)"
    )]
    Unsorted {
        /// Offset of the SizedXid.
        offset: usize,
        /// Its NamespaceGuid.
        namespace: Guid,
    },
    /// A second XID for the same NamespaceGuid.
    #[error("offset {offset}: second XID for NamespaceGuid {namespace}")]
    DuplicateNamespace {
        /// Offset of the SizedXid.
        offset: usize,
        /// The NamespaceGuid.
        namespace: Guid,
    },
}

impl PclError {
    /// Byte offset of the failure.
    pub fn offset(&self) -> usize {
        match self {
            PclError::Xid(IdError::Truncated(t)) => t.offset,
            PclError::Xid(IdError::BadXidSize { offset, .. })
            | PclError::Xid(IdError::Trailing { offset, .. }) => *offset,
            PclError::Unsorted { offset, .. } | PclError::DuplicateNamespace { offset, .. } => {
                *offset
            }
        }
    }
}

/// How two versions relate by their PCLs (3.1.5.6.1), seen from `self`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum PclOrdering {
    /// Both PCLs include each other: the same version.
    Equal,
    /// `self` includes `other` and differs: `self` is newer (replace).
    Newer,
    /// `other` includes `self` and differs: `self` is older (ignore).
    Older,
    /// Neither includes the other: a conflict.
    Conflict,
}

/// A PredecessorChangeList: XIDs sorted by NamespaceGuid, one per namespace.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, serde::Serialize)]
pub struct Pcl {
    xids: Vec<Xid>,
}

/// A LocalId as a big-endian unsigned number (1..=8 bytes), so LocalIds of
/// unequal length (which 2.2.2.2 forbids within a namespace) still compare
/// by value.
fn local_value(x: &Xid) -> u64 {
    x.local_id().iter().fold(0u64, |v, &b| (v << 8) | b as u64)
}

impl Pcl {
    /// The empty PCL.
    pub const fn new() -> Self {
        Pcl { xids: Vec::new() }
    }

    /// The PCL `{xid}` (e.g. PCL{ChangeKey}, 3.1.5.3).
    pub fn single(xid: Xid) -> Self {
        Pcl { xids: vec![xid] }
    }

    /// The XIDs, sorted by NamespaceGuid.
    pub fn xids(&self) -> &[Xid] {
        &self.xids
    }

    /// The XID of a namespace.
    pub fn get(&self, namespace: &Guid) -> Option<&Xid> {
        self.find(namespace).ok().map(|i| &self.xids[i])
    }

    fn find(&self, namespace: &Guid) -> Result<usize, usize> {
        self.xids
            .binary_search_by(|x| x.namespace_guid.cmp(namespace))
    }

    /// Merges one XID (3.1.5.3: on a local change the PCL is merged with the
    /// XID of the new CN): kept if its namespace is new or its LocalId is
    /// larger than the one present.
    pub fn insert(&mut self, xid: Xid) {
        match self.find(&xid.namespace_guid) {
            Ok(i) => {
                if local_value(&xid) > local_value(&self.xids[i]) {
                    self.xids[i] = xid;
                }
            }
            Err(i) => self.xids.insert(i, xid),
        }
    }

    /// Number of XIDs.
    pub fn len(&self) -> usize {
        self.xids.len()
    }

    /// True if there is no XID.
    pub fn is_empty(&self) -> bool {
        self.xids.is_empty()
    }

    /// PCL_self includes PCL_other: every XID of `other` has an XID in
    /// `self` with the same NamespaceGuid and a LocalId at least as large
    /// (3.1.5.6.1).
    pub fn includes(&self, other: &Pcl) -> bool {
        other.xids.iter().all(|b| {
            self.get(&b.namespace_guid)
                .is_some_and(|a| local_value(a) >= local_value(b))
        })
    }

    /// The relation of `self` (version A) to `other` (version B), 3.1.5.6.1.
    pub fn compare(&self, other: &Pcl) -> PclOrdering {
        match (self.includes(other), other.includes(self)) {
            (true, true) => PclOrdering::Equal,
            (true, false) => PclOrdering::Newer,
            (false, true) => PclOrdering::Older,
            (false, false) => PclOrdering::Conflict,
        }
    }

    /// The merge PCL_X of 3.1.5.6.2: per namespace the larger LocalId, so
    /// PCL_X ⊆ A ∪ B, PCL_X ≥ A and PCL_X ≥ B.
    pub fn merge(&self, other: &Pcl) -> Pcl {
        let (a, b) = (&self.xids, &other.xids);
        let mut out = Vec::with_capacity(a.len() + b.len());
        let (mut i, mut j) = (0, 0);
        while i < a.len() || j < b.len() {
            let ord = match (a.get(i), b.get(j)) {
                (Some(x), Some(y)) => x.namespace_guid.cmp(&y.namespace_guid),
                (Some(_), None) => Ordering::Less,
                _ => Ordering::Greater,
            };
            match ord {
                Ordering::Less => {
                    out.push(a[i]);
                    i += 1;
                }
                Ordering::Greater => {
                    out.push(b[j]);
                    j += 1;
                }
                Ordering::Equal => {
                    let keep = if local_value(&b[j]) > local_value(&a[i]) {
                        b[j]
                    } else {
                        a[i]
                    };
                    out.push(keep);
                    i += 1;
                    j += 1;
                }
            }
        }
        Pcl { xids: out }
    }

    /// Appends the serialized PCL (SizedXids, sorted).
    pub fn encode(&self, out: &mut Vec<u8>) {
        for x in &self.xids {
            sized_xid::write(x, out);
        }
    }

    /// The serialized PCL, the PidTagPredecessorChangeList value.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut v = Vec::with_capacity(self.xids.len() * 23);
        self.encode(&mut v);
        v
    }

    /// Decodes a PidTagPredecessorChangeList value: SizedXids (XidSize
    /// 17..=24) up to the end, NamespaceGuids strictly ascending.
    pub fn decode(b: &[u8]) -> Result<Self, PclError> {
        Self::decode_inner(b, true)
    }

    /// Like [`Pcl::decode`] but accepts unsorted and repeated namespaces
    /// (merged as by [`Pcl::insert`]), for reading peers that break 2.2.2.3.
    pub fn decode_lenient(b: &[u8]) -> Result<Self, PclError> {
        Self::decode_inner(b, false)
    }

    fn decode_inner(b: &[u8], strict: bool) -> Result<Self, PclError> {
        let mut r = Reader::new(b);
        let mut pcl = Pcl::new();
        while !r.is_empty() {
            let offset = r.offset();
            let x = sized_xid::read(&mut r)?;
            if !strict {
                pcl.insert(x);
                continue;
            }
            let namespace = x.namespace_guid;
            match pcl.xids.last().map(|l| l.namespace_guid.cmp(&namespace)) {
                Some(Ordering::Equal) => {
                    return Err(PclError::DuplicateNamespace { offset, namespace });
                }
                Some(Ordering::Greater) => return Err(PclError::Unsorted { offset, namespace }),
                _ => pcl.xids.push(x),
            }
        }
        Ok(pcl)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Pcl {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let mut p = Pcl::new();
        for _ in 0..u.int_in_range(0u8..=6)? {
            p.insert(u.arbitrary()?);
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xid(ns: u8, cn: u64) -> Xid {
        Xid::new(Guid([ns; 16]), &cn.to_be_bytes()[2..]).unwrap()
    }
    fn pcl(x: &[(u8, u64)]) -> Pcl {
        let mut p = Pcl::new();
        for &(n, c) in x {
            p.insert(xid(n, c));
        }
        p
    }

    /// `idset.md` §2.9: one server change, `16 | REPLGUID | 00 00 00 00 12 34`.
    #[test]
    fn spec_example_layout() {
        let p = pcl(&[(7, 0x1234)]);
        let mut want = vec![0x16];
        want.extend([7; 16]);
        want.extend([0, 0, 0, 0, 0x12, 0x34]);
        assert_eq!(p.to_bytes(), want);
        assert_eq!(Pcl::decode(&want).unwrap(), p);
    }

    /// 3.1.5.6.1 rules: newer, older/equal, conflict.
    #[test]
    fn compare_rules() {
        let a = pcl(&[(1, 10), (2, 5)]);
        assert_eq!(a.compare(&a.clone()), PclOrdering::Equal);
        assert_eq!(pcl(&[(1, 11), (2, 5)]).compare(&a), PclOrdering::Newer);
        assert_eq!(
            pcl(&[(1, 10), (2, 5), (3, 1)]).compare(&a),
            PclOrdering::Newer
        );
        assert_eq!(pcl(&[(1, 9), (2, 5)]).compare(&a), PclOrdering::Older);
        assert_eq!(pcl(&[(1, 11), (2, 4)]).compare(&a), PclOrdering::Conflict);
        assert_eq!(pcl(&[(3, 1)]).compare(&a), PclOrdering::Conflict);
        let m = pcl(&[(1, 11), (2, 4)]).merge(&a);
        assert_eq!(m, pcl(&[(1, 11), (2, 5)]));
        assert!(m.includes(&a) && m.includes(&pcl(&[(1, 11), (2, 4)])));
    }

    #[test]
    fn decode_rejects() {
        let mut b = pcl(&[(2, 1)]).to_bytes();
        b.extend(pcl(&[(1, 1)]).to_bytes());
        assert_eq!(
            Pcl::decode(&b),
            Err(PclError::Unsorted {
                offset: 23,
                namespace: Guid([1; 16])
            })
        );
        assert_eq!(Pcl::decode_lenient(&b).unwrap(), pcl(&[(1, 1), (2, 1)]));
        let mut d = pcl(&[(2, 1)]).to_bytes();
        d.extend(pcl(&[(2, 3)]).to_bytes());
        assert!(matches!(
            Pcl::decode(&d),
            Err(PclError::DuplicateNamespace { offset: 23, .. })
        ));
        assert_eq!(Pcl::decode_lenient(&d).unwrap(), pcl(&[(2, 3)]));
        assert_eq!(Pcl::decode(&[0x10]).unwrap_err().offset(), 0);
        assert_eq!(Pcl::decode(&[0x16, 0]).unwrap_err().offset(), 1);
        assert_eq!(Pcl::decode(&[]).unwrap(), Pcl::new());
    }
}
