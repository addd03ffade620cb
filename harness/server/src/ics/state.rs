//! The ICS state as the engine uses it ([MS-OXCFXICS] 2.2.1.1): four sets
//! keyed by REPLID. The session converts to and from the REPLGUID form the
//! state properties carry on the wire (idset.md §12).

use ics_wire::ids::ReplId;

use crate::mailbox::LOCAL_REPLID;
use crate::sets::{GlobSet, ReplIdSet};

/// MetaTagIdsetGiven, MetaTagCnsetSeen, MetaTagCnsetSeenFAI, MetaTagCnsetRead.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SyncState {
    /// IDs (MIDs or FIDs) the client has.
    pub idset_given: ReplIdSet,
    /// CNs of normal-message (or folder) changes the client has seen.
    pub cnset_seen: ReplIdSet,
    /// CNs of FAI-message changes the client has seen.
    pub cnset_seen_fai: ReplIdSet,
    /// Read-state CNs the client has seen.
    pub cnset_read: ReplIdSet,
}

impl SyncState {
    /// The empty state (first synchronization, R-136/R-137).
    pub fn empty() -> Self {
        Self::default()
    }

    /// The local replica's GLOBSET of a CNSET (server CNs are all local).
    pub fn local(set: &ReplIdSet) -> GlobSet {
        set.get(&LOCAL_REPLID).cloned().unwrap_or_default()
    }

    /// True if the CN (local replica) is in the set.
    pub fn has_local(set: &ReplIdSet, cn: ics_wire::ids::GlobCnt) -> bool {
        set.contains(LOCAL_REPLID, cn)
    }

    /// Replicas named anywhere in the state.
    pub fn replicas(&self) -> Vec<ReplId> {
        let mut v: Vec<ReplId> = [
            &self.idset_given,
            &self.cnset_seen,
            &self.cnset_seen_fai,
            &self.cnset_read,
        ]
        .iter()
        .flat_map(|s| s.replicas().map(|(r, _)| *r))
        .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

use ics_wire::state::IcsState;

use crate::mailbox::IdAllocator;
use crate::mailbox::ids::IdError;

impl SyncState {
    /// From the wire form (REPLGUID-keyed). Unknown REPLGUIDs get a REPLID
    /// (so IDs of other replicas in IdsetGiven are reported deleted, R-155,
    /// and foreign CNs survive into the final state).
    pub fn from_ics(st: &IcsState, ids: &mut IdAllocator) -> Result<Self, IdError> {
        let mut conv = |s: &ics_wire::idset::ReplGuidSet| -> Result<ReplIdSet, IdError> {
            let mut out = ReplIdSet::new();
            for (g, set) in s.replicas() {
                let r = ids.replid_or_map(*g)?;
                out.insert_globset(r, set);
            }
            Ok(out)
        };
        Ok(SyncState {
            idset_given: conv(&st.idset_given)?,
            cnset_seen: conv(&st.cnset_seen)?,
            cnset_seen_fai: conv(&st.cnset_seen_fai)?,
            cnset_read: conv(&st.cnset_read)?,
        })
    }

    /// The wire form. Every REPLID in an engine state is mapped.
    pub fn to_ics(&self, ids: &IdAllocator) -> IcsState {
        let conv = |s: &ReplIdSet| {
            s.to_replguid(|r| ids.guid_of(r))
                .expect("engine states only hold mapped REPLIDs")
        };
        IcsState {
            idset_given: conv(&self.idset_given),
            cnset_seen: conv(&self.cnset_seen),
            cnset_seen_fai: conv(&self.cnset_seen_fai),
            cnset_read: conv(&self.cnset_read),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::Guid;
    use ics_wire::ids::{GlobCnt, ReplGuid};
    use ics_wire::state::SynchronizationType;

    /// idset.md §12: the state round-trips through the REPLGUID wire form;
    /// a foreign replica is mapped to a new REPLID and back.
    #[test]
    fn wire_round_trip_with_foreign_replica() {
        let local = ReplGuid(Guid([1; 16]));
        let foreign = ReplGuid(Guid([2; 16]));
        let mut ids = IdAllocator::new(local);
        let mut st = IcsState::new();
        st.idset_given
            .insert_range(local, GlobCnt::new(1).unwrap(), GlobCnt::new(9).unwrap());
        st.idset_given.insert(foreign, GlobCnt::new(5).unwrap());
        st.cnset_seen.insert(local, GlobCnt::new(20).unwrap());
        let props = st.to_props(SynchronizationType::Contents);
        let parsed = IcsState::from_props(&props).unwrap();
        let s = SyncState::from_ics(&parsed, &mut ids).unwrap();
        assert!(
            s.idset_given
                .contains(LOCAL_REPLID, GlobCnt::new(9).unwrap())
        );
        assert!(s.idset_given.contains(ReplId(2), GlobCnt::new(5).unwrap()));
        assert_eq!(s.to_ics(&ids), st);
    }
}
