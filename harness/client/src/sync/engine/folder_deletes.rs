//! Upload of local folder deletions ([MS-OXCFXICS] 3.3.4.3.3.2.3,
//! 3.3.5.8.10): one RopSynchronizationImportDeletes with the Hierarchy flag
//! on the hierarchy collector, after the folder changes (a folder moved out
//! of a deleted subtree must leave it first). On success every FID of the
//! deleted subtrees leaves IdsetGiven. On failure the server stopped
//! at the first error: the deletions stay pending and go again, the
//! same batch on a fresh collector, with the next upload (R-228's retry
//! strategy); deletions it already did are ignored then.

use super::{Client, SyncError, UploadReport};
use crate::model::Scope;
use crate::replica::PendingFolderDeletes;
use crate::sync::ops::*;

impl<O: IcsOps + Send> Client<O> {
    pub(super) async fn upload_folder_deletes(
        &mut self,
        coll: Obj,
        scope: &Scope,
        deletes: &PendingFolderDeletes,
        up: &mut UploadReport,
    ) -> Result<(), SyncError> {
        if deletes.is_empty() {
            return Ok(());
        }
        match self
            .ops
            .import_folder_deletes(coll, self.opts.hard_delete, &deletes.listed)
            .await
        {
            Ok(()) => {
                self.replica.upload_done_folder_deletes(deletes, scope)?;
                up.deletes += deletes.listed.len() as u64;
            }
            Err(OpError::Rop { code, .. }) => {
                up.failed
                    .extend(deletes.listed.iter().map(|sk| (sk.clone(), code)));
            }
            Err(e) => return Err(e.into()),
        }
        Ok(())
    }
}
