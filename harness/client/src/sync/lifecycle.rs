//! Session guards of the client's life cycle: the back-in-time check a
//! session starts with, and abandoning the replica when it fails
//! ([MS-OXCSYNC] 3.1.3.1.1.1; [MS-OXCFXICS] 3.3.5.3; ).

use super::cancel::CancelToken;
use super::engine::{Client, SyncError};
use super::ops::IcsOps;

impl<O: IcsOps + Send> Client<O> {
    /// Refuses to work from an abandoned replica.
    pub(crate) fn refuse_abandoned(&self) -> Result<(), SyncError> {
        match self.replica().abandoned()? {
            Some(reason) => Err(SyncError::Abandoned(reason)),
            None => Ok(()),
        }
    }

    /// The check a session starts with: [`Client::check_back_in_time`] on
    /// the counter kept in folder `fid`. When the replica's counter and the
    /// server's differ, one side went back in time and IDs the replica would
    /// hand out may already name objects on the server, so the replica is
    /// abandoned ([`crate::Replica::abandon`]): its unused reserved IDs are
    /// given up and it never synchronizes again. Returns the new counter, or
    /// [`SyncError::BackInTime`] (then [`SyncError::Abandoned`] on any later
    /// session).
    pub async fn start_session(
        &mut self,
        fid: u64,
        cancel: &CancelToken,
    ) -> Result<u64, SyncError> {
        self.refuse_abandoned()?;
        match self.check_back_in_time(fid, cancel).await {
            Err(e @ SyncError::BackInTime { .. }) => {
                self.replica_mut().abandon(&e.to_string())?;
                Err(e)
            }
            r => r,
        }
    }
}
