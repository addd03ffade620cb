//! SyncNoParent recovery of the hierarchy upload ([MS-OXCFXICS]
//! 3.3.4.3.3.1.1, 3.3.5.8.8; R-229): an ImportHierarchyChange answered
//! SyncNoParent 0x80040803 names a parent the server does not have (a
//! parent upload that was lost, or a server restored from a backup). The
//! client uploads the missing chain of ancestors — the nearest ancestor
//! first; each one answered SyncNoParent in turn sends the client one level
//! up, until one is accepted, then back down — and retries the folder once.

use super::hierarchy_upload::SYNC_NO_PARENT;
use super::{Client, SyncError, UploadReport};
use crate::model::Scope;
use crate::replica::PendingFolder;
use crate::sync::ops::*;

fn import_of(f: &PendingFolder) -> HierarchyImport {
    HierarchyImport {
        parent_source_key: f.parent_source_key.clone(),
        source_key: f.source_key.clone(),
        last_modification_time: f.last_modification_time,
        change_key: f.change_key.clone(),
        pcl: f.pcl.clone(),
        display_name: f.display_name.clone(),
        props: f.props.clone(),
    }
}

impl<O: IcsOps + Send> Client<O> {
    /// After `f` got SyncNoParent: uploads its missing ancestors and imports
    /// `f` again. Returns the outcome of that retry, or SyncNoParent when no
    /// ancestor could be put on the server (one deleted there, or refused).
    pub(super) async fn import_with_ancestors(
        &mut self,
        coll: Obj,
        scope: &Scope,
        f: &PendingFolder,
        up: &mut UploadReport,
    ) -> Result<ImportOutcome, SyncError> {
        let chain = self
            .replica
            .folder_ancestors(&f.source_key, scope.folder_fid)?;
        // The nearest ancestor the server accepts; those below it are missing too.
        let mut accepted = None;
        for (k, a) in chain.iter().enumerate() {
            match self
                .ops
                .import_hierarchy_change(coll, &import_of(a))
                .await?
            {
                ImportOutcome::Failed(SYNC_NO_PARENT) => continue,
                ImportOutcome::Imported | ImportOutcome::Ignored => {
                    self.ancestor_done(a, scope, up)?;
                    accepted = Some(k);
                    break;
                }
                _ => return Ok(ImportOutcome::Failed(SYNC_NO_PARENT)),
            }
        }
        let Some(k) = accepted else {
            return Ok(ImportOutcome::Failed(SYNC_NO_PARENT));
        };
        for a in chain[..k].iter().rev() {
            match self
                .ops
                .import_hierarchy_change(coll, &import_of(a))
                .await?
            {
                ImportOutcome::Imported | ImportOutcome::Ignored => {
                    self.ancestor_done(a, scope, up)?
                }
                _ => return Ok(ImportOutcome::Failed(SYNC_NO_PARENT)),
            }
        }
        Ok(self
            .ops
            .import_hierarchy_change(coll, &import_of(f))
            .await?)
    }

    fn ancestor_done(
        &mut self,
        a: &PendingFolder,
        scope: &Scope,
        up: &mut UploadReport,
    ) -> Result<(), SyncError> {
        up.parents_reuploaded += 1;
        let fid = self.fid_of(&a.source_key);
        self.replica
            .upload_done_folder(&a.source_key, &a.change_key, fid, Some(scope))?;
        Ok(())
    }
}
