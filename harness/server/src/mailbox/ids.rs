//! Identifier and change-number allocation ([MS-OXCFXICS] 3.1.5.3,
//! 2.2.3.2.4.7) and the REPLID <-> REPLGUID mapping ([MS-OXCDATA] 2.2.1).
//!
//! One GLOBCNT counter per mailbox replica serves FIDs, MIDs and CNs, so every
//! GLOBCNT this server hands out is larger than all earlier ones ("GLOBCNTs
//! under one REPLGUID only increase", R-252); ranges reserved through
//! RopGetLocalReplicaIds come from the same counter and are never reused.

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
    /// The 48-bit counter is exhausted.
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
    reserved: Vec<ReservedRange>,
    replicas: Vec<ReplGuid>,
}

impl IdAllocator {
    /// An allocator for the replica `local_guid`; the first GLOBCNT handed out
    /// is 1.
    pub fn new(local_guid: ReplGuid) -> Self {
        IdAllocator {
            local_guid,
            next: GlobCnt::new(1).expect("1 fits"),
            reserved: Vec::new(),
            replicas: vec![local_guid],
        }
    }

    /// The local REPLGUID.
    pub fn local_guid(&self) -> ReplGuid {
        self.local_guid
    }

    /// The next GLOBCNT (the high-water mark; everything below was handed out).
    pub fn next_globcnt(&self) -> GlobCnt {
        self.next
    }

    /// Hands out one GLOBCNT.
    pub fn allocate(&mut self) -> Result<GlobCnt, IdError> {
        let g = self.next;
        self.next = g.checked_next().ok_or(IdError::Exhausted)?;
        Ok(g)
    }

    /// A new local id (FID, MID or CN).
    pub fn allocate_id(&mut self) -> Result<ExchangeId, IdError> {
        Ok(ExchangeId::new(LOCAL_REPLID, self.allocate()?))
    }

    /// Reserves `count` consecutive GLOBCNTs (RopGetLocalReplicaIds,
    /// [MS-OXCFXICS] 3.2.5.9.4.7); returns the first.
    pub fn reserve(&mut self, count: u32) -> Result<GlobCnt, IdError> {
        let first = self.next;
        let end = first
            .checked_add(u64::from(count))
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
        a.next = GlobCnt::MAX;
        assert_eq!(a.allocate(), Err(IdError::Exhausted));
        assert_eq!(a.reserve(2), Err(IdError::Exhausted));
    }
}
