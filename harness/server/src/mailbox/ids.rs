//! Identifier and change-number allocation ([MS-OXCFXICS] 3.1.5.3,
//! 2.2.3.2.4.7) and the REPLID <-> REPLGUID mapping ([MS-OXCDATA] 2.2.1).
//!
//! Two monotonic GLOBCNT counters serve the local replica: one for FIDs and
//! MIDs (starting at 1, also the source of ranges reserved through
//! RopGetLocalReplicaIds), one for change numbers (starting at
//! [`CN_BASE`] = 2^47). The spaces are disjoint, so no GLOBCNT is ever handed
//! out twice under the REPLGUID, and each counter only increases (R-251,
//! Keeping CNs apart from IDs keeps a folder's MIDs and its CNs in
//! long consecutive ranges, so IdsetGiven and the CNSETs stay compact; gromox
//! partitions the space the same way (its CHANGE_NUMBER_BEGIN is 2^47).

use ics_wire::ids::{ExchangeId, Gid, GlobCnt, ReplGuid, ReplId};

/// (REPLID, GLOBCNT): the ordered form of a FID/MID/CN used as a map key.
/// Never order the raw little-endian u64 (idset.md §1).
pub type IdKey = (ReplId, GlobCnt);

/// The map key of an id.
pub fn key(id: ExchangeId) -> IdKey {
    (id.replid, id.globcnt)
}

/// The id of a map key.
pub fn id_of(k: IdKey) -> ExchangeId {
    ExchangeId::new(k.0, k.1)
}

/// The replica id of the mailbox's own replica.
pub const LOCAL_REPLID: ReplId = ReplId(1);

/// First change number: CNs occupy the upper half of the 48-bit space.
pub const CN_BASE: u64 = 0x8000_0000_0000;

/// A range reserved by RopGetLocalReplicaIds: `first .. first + count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReservedRange {
    /// First GLOBCNT of the range.
    pub first: GlobCnt,
    /// Number of ids.
    pub count: u32,
}

impl ReservedRange {
    /// True if `g` lies in the range.
    pub fn contains(&self, g: GlobCnt) -> bool {
        g >= self.first && g.value() < self.first.value() + u64::from(self.count)
    }
}

/// Errors of the allocator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// A 48-bit counter (IDs below 2^47, CNs above) is exhausted.
    #[error("GLOBCNT space of the replica is exhausted")]
    Exhausted,
    /// More than 0x7FFF replicas (REPLIDs) were needed.
    #[error("too many replicas in the REPLID mapping")]
    TooManyReplicas,
}

/// Counter, reserved ranges and replica mapping of one mailbox.
#[derive(Debug, Clone)]
pub struct IdAllocator {
    local_guid: ReplGuid,
    next: GlobCnt,
    next_cn: GlobCnt,
    reserved: Vec<ReservedRange>,
    replicas: Vec<ReplGuid>,
}

impl IdAllocator {
    /// An allocator for the replica `local_guid`; the first id is 1, the
    /// first CN is [`CN_BASE`].
    pub fn new(local_guid: ReplGuid) -> Self {
        IdAllocator {
            local_guid,
            next: GlobCnt::new(1).expect("1 fits"),
            next_cn: GlobCnt::new(CN_BASE).expect("fits"),
            reserved: Vec::new(),
            replicas: vec![local_guid],
        }
    }

    /// The local REPLGUID.
    pub fn local_guid(&self) -> ReplGuid {
        self.local_guid
    }

    /// The next id GLOBCNT (everything below was handed out).
    pub fn next_id_globcnt(&self) -> GlobCnt {
        self.next
    }

    /// The last CN handed out, or `CN_BASE - 1` if none.
    pub fn last_cn(&self) -> GlobCnt {
        GlobCnt::new(self.next_cn.value() - 1).expect("below next")
    }

    /// Hands out one id GLOBCNT.
    pub fn allocate(&mut self) -> Result<GlobCnt, IdError> {
        let g = self.next;
        if g.value() >= CN_BASE {
            return Err(IdError::Exhausted);
        }
        self.next = g.checked_next().ok_or(IdError::Exhausted)?;
        Ok(g)
    }

    /// A new local id (FID or MID).
    pub fn allocate_id(&mut self) -> Result<ExchangeId, IdError> {
        Ok(ExchangeId::new(LOCAL_REPLID, self.allocate()?))
    }

    /// A new change number.
    pub fn allocate_cn(&mut self) -> Result<GlobCnt, IdError> {
        let g = self.next_cn;
        self.next_cn = g.checked_next().ok_or(IdError::Exhausted)?;
        Ok(g)
    }

    /// Reserves `count` consecutive GLOBCNTs (RopGetLocalReplicaIds,
    /// [MS-OXCFXICS] 3.2.5.9.4.7); returns the first.
    pub fn reserve(&mut self, count: u32) -> Result<GlobCnt, IdError> {
        let first = self.next;
        let end = first
            .checked_add(u64::from(count))
            .filter(|e| e.value() <= CN_BASE)
            .ok_or(IdError::Exhausted)?;
        self.next = end;
        self.reserved.push(ReservedRange { first, count });
        Ok(first)
    }

    /// The ranges reserved so far, oldest first.
    pub fn reserved(&self) -> &[ReservedRange] {
        &self.reserved
    }

    /// True if `g` (local replica) was reserved for a client.
    pub fn is_reserved(&self, g: GlobCnt) -> bool {
        self.reserved.iter().any(|r| r.contains(g))
    }

    /// The REPLGUID of a REPLID, if mapped.
    pub fn guid_of(&self, replid: ReplId) -> Option<ReplGuid> {
        let i = (replid.0 as usize).checked_sub(1)?;
        self.replicas.get(i).copied()
    }

    /// The REPLID of a REPLGUID, if mapped.
    pub fn replid_of(&self, guid: ReplGuid) -> Option<ReplId> {
        self.replicas
            .iter()
            .position(|g| *g == guid)
            .map(|i| ReplId(i as u16 + 1))
    }

    /// The REPLID of a REPLGUID, mapping it if new (RopLongTermIdFromId's
    /// inverse, [MS-OXCSTOR] 2.2.1.9).
    pub fn replid_or_map(&mut self, guid: ReplGuid) -> Result<ReplId, IdError> {
        if let Some(r) = self.replid_of(guid) {
            return Ok(r);
        }
        if self.replicas.len() >= 0x7FFF {
            return Err(IdError::TooManyReplicas);
        }
        self.replicas.push(guid);
        Ok(ReplId(self.replicas.len() as u16))
    }

    /// The GID (long-term form) of a short-term id ([MS-OXCDATA] 2.2.1.3).
    pub fn gid_of(&self, id: ExchangeId) -> Option<Gid> {
        Some(Gid {
            replguid: self.guid_of(id.replid)?,
            globcnt: id.globcnt,
        })
    }

    /// The short-term id of a GID, mapping its REPLGUID if new.
    pub fn id_of_gid(&mut self, gid: Gid) -> Result<ExchangeId, IdError> {
        Ok(ExchangeId::new(
            self.replid_or_map(gid.replguid)?,
            gid.globcnt,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::Guid;

    #[test]
    fn ids_and_reservations_share_one_increasing_counter() {
        let mut a = IdAllocator::new(ReplGuid(Guid([9; 16])));
        let x = a.allocate().unwrap();
        let r = a.reserve(0x10000).unwrap();
        let y = a.allocate().unwrap();
        assert_eq!(x.value(), 1);
        assert_eq!(r.value(), 2);
        assert_eq!(y.value(), 2 + 0x10000);
        assert!(a.is_reserved(GlobCnt::new(0x10001).unwrap()));
        assert!(!a.is_reserved(y));
    }

    #[test]
    fn replica_mapping_is_one_based_and_stable() {
        let local = ReplGuid(Guid([9; 16]));
        let other = ReplGuid(Guid([3; 16]));
        let mut a = IdAllocator::new(local);
        assert_eq!(a.replid_of(local), Some(LOCAL_REPLID));
        assert_eq!(a.replid_or_map(other).unwrap(), ReplId(2));
        assert_eq!(a.replid_or_map(other).unwrap(), ReplId(2));
        assert_eq!(a.guid_of(ReplId(2)), Some(other));
        assert_eq!(a.guid_of(ReplId(0)), None);
        let gid = a
            .gid_of(ExchangeId::new(ReplId(2), GlobCnt::new(7).unwrap()))
            .unwrap();
        assert_eq!(
            a.id_of_gid(gid).unwrap(),
            ExchangeId::new(ReplId(2), GlobCnt::new(7).unwrap())
        );
    }

    #[test]
    fn exhaustion_is_an_error_not_a_wrap() {
        let mut a = IdAllocator::new(ReplGuid(Guid([9; 16])));
        a.next = GlobCnt::new(CN_BASE - 1).unwrap();
        assert_eq!(a.reserve(2), Err(IdError::Exhausted));
        assert!(a.allocate().is_ok());
        assert_eq!(a.allocate(), Err(IdError::Exhausted));
        a.next_cn = GlobCnt::MAX;
        assert_eq!(a.allocate_cn(), Err(IdError::Exhausted));
        let mut b = IdAllocator::new(ReplGuid(Guid([9; 16])));
        assert_eq!(b.allocate_cn().unwrap().value(), CN_BASE);
        assert_eq!(b.last_cn().value(), CN_BASE);
    }
}
