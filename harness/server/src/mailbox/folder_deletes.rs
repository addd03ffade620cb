//! Deletions of folders the server never had ([MS-OXCFXICS] 3.2.5.9.4.5;
//! R-161): "SHOULD record deletions of objects that never existed in the
//! server replica, in order to prevent the RopSynchronizationImportHierarchyChange
//! ROP from restoring them back". The record is a folder tombstone: a later
//! ImportHierarchyChange of that FID answers SyncObjectDeleted.

use ics_wire::ids::Fid;

use super::folder::{DeleteKind, Tombstone};
use super::{Mailbox, MailboxError, key};

impl Mailbox {
    /// Records the deletion of folder `fid` if the mailbox has neither the
    /// folder nor a tombstone of it, nor any object with that id. Returns
    /// whether a record was made.
    pub fn record_folder_deleted(
        &mut self,
        fid: Fid,
        kind: DeleteKind,
    ) -> Result<bool, MailboxError> {
        if !self.id_is_free(fid.0) {
            return Ok(false);
        }
        let cn = self.new_cn()?;
        let at = self.clock.now();
        self.folder_tombstones.insert(
            key(fid.0),
            Tombstone {
                fai: false,
                cn,
                kind,
                at,
            },
        );
        Ok(true)
    }
}
