//! A server restored from an older backup (`@needs-server-rollback`; [MS-OXCFXICS] 3.3.5.3,
//! [MS-OXCSYNC] 3.1.3.1.1.1; ): the target backs its mailbox up, the client
//! synchronizes once more, and the target is restored from the backup. The server then
//! holds older change numbers than the client has seen, and the back-in-time counter the
//! client keeps on it is one behind the replica's.

use crate::remote::TargetHandle;
use crate::target::Control;

use super::{Harness, StateMode};

impl Harness {
    /// Rolls the server back to its state before the client's last synchronization: turns
    /// the client's back-in-time check on (as a client keeping a replica does, so the
    /// counter message exists on the server), backs the mailbox up, synchronizes the
    /// scope of the last synchronization again (the session's check advances the counter
    /// on both sides), and restores the backup. Records where the rolled-back server's
    /// part of the trace starts.
    pub async fn roll_back_server(&mut self) -> Result<(), String> {
        let scope = self
            .downloads
            .last()
            .and_then(|d| d.scope.clone())
            .ok_or("the client has not synchronized yet")?;
        self.life.sessions_in = Some(self.sync_folder()?);
        self.start_session().await?;
        Control::backup(&mut self.target)?;
        let rec = self.synchronize(&scope, StateMode::Saved).await;
        let error = rec.error.clone();
        self.downloads.push(rec);
        if let Some(e) = error {
            return Err(format!("the synchronization after the backup failed: {e}"));
        }
        roll_back(&mut self.target)?;
        self.life.rolled_back_at = Some(self.trace_len());
        Ok(())
    }
}

fn roll_back(target: &mut TargetHandle) -> Result<(), String> {
    target
        .roll_back()
        .map_err(|e| format!("restoring the backup: {e}"))
}
