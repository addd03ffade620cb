//! Identifier plumbing between the stream and the replica.

use ics_wire::idset::{ReplGuidSet, ReplIdSet};
use ics_wire::{Gid, ReplGuid, ReplId};

use crate::model::SourceKey;

/// The logon's REPLID ↔ REPLGUID mapping ([MS-OXCSTOR] 2.2.1.8/9). A private
/// mailbox logon gives one pair (RopLogon ReplId / ReplGuid); more pairs can
/// be added as they become known.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReplicaMap {
    pairs: Vec<(ReplId, ReplGuid)>,
}

impl ReplicaMap {
    /// The mapping of one logon.
    pub fn new(replid: ReplId, replguid: ReplGuid) -> Self {
        ReplicaMap {
            pairs: vec![(replid, replguid)],
        }
    }

    /// Adds a pair.
    pub fn insert(&mut self, replid: ReplId, replguid: ReplGuid) {
        if !self.pairs.contains(&(replid, replguid)) {
            self.pairs.push((replid, replguid));
        }
    }

    /// REPLID → REPLGUID.
    pub fn guid(&self, id: ReplId) -> Option<ReplGuid> {
        self.pairs.iter().find(|(r, _)| *r == id).map(|(_, g)| *g)
    }

    /// REPLGUID → REPLID.
    pub fn id(&self, g: ReplGuid) -> Option<ReplId> {
        self.pairs.iter().find(|(_, x)| *x == g).map(|(r, _)| *r)
    }

    /// The source keys (GIDs) of the objects in a REPLID-form IDSET
    /// (deletions, read-state changes; R-159). Bounded by the decoded set.
    pub fn resolve(&self, idset: &[u8]) -> Result<Vec<SourceKey>, String> {
        let set = ReplIdSet::decode_replid(idset).map_err(|e| e.to_string())?;
        let set = set
            .to_replguid(|r| self.guid(r))
            .map_err(|e| e.to_string())?;
        Ok(gids(&set).map(|g| g.to_bytes().to_vec()).collect())
    }
}

/// The reserve-ahead margin of the client's ID reservations: RopGetLocalReplicaIds
/// is sent again when fewer than this many reserved IDs are left (or when less
/// than a quarter of the last range is left). It never exceeds a quarter of a
/// batch, so that most of a batch is used before the next reservation
/// ([MS-OXCSYNC] 3.1.3.1.1, R-307; [MS-OXCFXICS] 3.3.5.2.1, R-256), and is at
/// least 1.
pub fn reservation_margin(min_unused: u64, batch: u32) -> u64 {
    min_unused.min(u64::from(batch) / 4).max(1)
}

/// The GIDs of a REPLGUID-form set.
pub fn gids(set: &ReplGuidSet) -> impl Iterator<Item = Gid> + '_ {
    set.iter()
        .map(|(replguid, globcnt)| Gid { replguid, globcnt })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::{GlobCnt, Guid};

    #[test]
    fn the_margin_never_exceeds_a_quarter_of_a_batch() {
        assert_eq!(reservation_margin(16, 0x200), 16);
        assert_eq!(reservation_margin(16, 8), 2);
        assert_eq!(reservation_margin(16, 2), 1);
        assert_eq!(reservation_margin(0, 0x200), 1);
    }

    #[test]
    fn resolves_replid_idset_to_source_keys() {
        let g = ReplGuid(Guid::from_bytes([4; 16]));
        let map = ReplicaMap::new(ReplId(1), g);
        let mut set = ReplIdSet::new();
        set.insert(ReplId(1), GlobCnt::new(7).unwrap());
        set.insert(ReplId(1), GlobCnt::new(8).unwrap());
        let keys = map.resolve(&set.encode_replid()).unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0][..16], [4; 16]);
        assert_eq!(keys[1][16..], [0, 0, 0, 0, 0, 8]);
        let mut other = ReplIdSet::new();
        other.insert(ReplId(9), GlobCnt::new(1).unwrap());
        assert!(
            map.resolve(&other.encode_replid())
                .unwrap_err()
                .contains("REPLID 9")
        );
        assert!(map.resolve(&[1]).is_err());
        assert_eq!(map.id(g), Some(ReplId(1)));
    }
}
