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
