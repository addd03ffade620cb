//! IDs for local objects: ranges reserved with RopGetLocalReplicaIds.

use crate::sync::ops::*;

use super::{Client, SyncError};

impl<O: IcsOps + Send> Client<O> {
    /// Reserves IDs with RopGetLocalReplicaIds if the reserved ranges are
    /// mostly used; returns whether it did.
    pub async fn ensure_ids(&mut self) -> Result<bool, SyncError> {
        self.ensure_ids_for(1).await
    }

    /// Makes sure `needed` reserved IDs are at hand for new local objects:
    /// reserves a batch (larger if `needed` is) when fewer are left, or when
    /// the ranges are mostly used; never before (R-256, R-307, see
    /// [`crate::sync::ids::reservation_margin`]). Returns whether it reserved.
    pub async fn ensure_ids_for(&mut self, needed: u64) -> Result<bool, SyncError> {
        let (unused, _) = self.replica.reserved_ids()?;
        let margin =
            crate::sync::ids::reservation_margin(self.opts.id_min_unused, self.opts.id_batch);
        if unused >= needed && !self.replica.needs_id_reservation(margin)? {
            return Ok(false);
        }
        let short = u32::try_from(needed.saturating_sub(unused)).unwrap_or(u32::MAX);
        let count = self.opts.id_batch.max(short);
        let (g, first) = self
            .ops
            .get_local_replica_ids(self.logon.logon, count)
            .await?;
        self.replica.add_id_range(g, first, count)?;
        Ok(true)
    }

    /// Reports every reserved ID this replica will not use with
    /// RopSetLocalReplicaMidsetDeleted on folder `fid`, e.g.
    /// before abandoning the replica; the IDs are never handed out again.
    /// If the ROP fails the IDs stay given up locally (never reused, R-309).
    pub async fn release_unused_ids(&mut self, fid: u64) -> Result<u64, SyncError> {
        let ranges = self.replica.take_unused_ids()?;
        if ranges.is_empty() {
            return Ok(0);
        }
        let n = ranges
            .iter()
            .map(|(a, b)| b.globcnt.value() - a.globcnt.value() + 1)
            .sum();
        let folder = self.ops.open_folder(fid).await?;
        let r = self
            .ops
            .set_local_replica_midset_deleted(folder, &ranges)
            .await;
        let released = self.ops.release(folder).await;
        r?;
        released?;
        Ok(n)
    }
}
