//! Hierarchy upload ([MS-OXCFXICS] 3.3.4.3.3.1, 3.3.5.8.8) and message moves
//! ([MS-OXCFXICS] 3.3.5.8.9) of the sync engine.
//!
//! * Folders: a hierarchy collector on the scope's folder, the
//!   scope's CnsetSeen uploaded into it (R-130: no IdsetGiven), one
//!   RopSynchronizationImportHierarchyChange per pending folder, parents
//!   before children; a child of a folder whose import failed is not
//!   sent (it would get SyncNoParent, R-229). Imported folders join
//!   IdsetGiven; then the collector's state is read with
//!   GetTransferState and stored. A folder the server resolved as a
//!   conflict is clean locally: the server's result comes with the next
//!   download, as it keeps the result out of CnsetSeen.
//! * Moves: RopSynchronizationImportMessageMove on the destination's contents
//!   collector before any change of the moved messages (R-221:
//!   "apply modifications after moving"); the old ID leaves the source
//!   scope's IdsetGiven, the new one joins the destination's.

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::{Fid, Gid};

use super::{Client, SyncError, UploadReport, decode_given};
use crate::error::ReplicaError;
use crate::model::{Scope, StateBlobs, SyncType};
use crate::replica::PendingMove;
use crate::sync::cancel::CancelToken;
use crate::sync::ops::*;

/// SyncNoParent ([MS-OXCFXICS] 2.2.3.2.4.3.2; R-229).
pub const SYNC_NO_PARENT: u32 = 0x8004_0803;

impl<O: IcsOps + Send> Client<O> {
    /// Uploads the local folder changes below folder `fid` through a
    /// hierarchy collector, then stores the collector's state for the
    /// hierarchy scope of `fid`.
    pub async fn upload_hierarchy(&mut self, fid: u64) -> Result<UploadReport, SyncError> {
        let scope = Scope::hierarchy(fid);
        let pending = self.replica.pending_folders(fid)?;
        let deletes = self.replica.pending_folder_deletes(fid)?;
        let mut up = UploadReport::default();
        if pending.is_empty() && deletes.is_empty() {
            return Ok(up);
        }
        let folder = self.ops.open_folder(fid).await?;
        let coll = match self.ops.open_collector(folder, false).await {
            Ok(c) => c,
            Err(e) => {
                let _ = self.ops.release(folder).await;
                return Err(e.into());
            }
        };
        let r = self
            .upload_hierarchy_in(coll, &scope, &pending, &deletes, &mut up)
            .await;
        let rel1 = self.ops.release(coll).await;
        let rel2 = self.ops.release(folder).await;
        r?;
        rel1?;
        rel2?;
        Ok(up)
    }

    async fn upload_hierarchy_in(
        &mut self,
        coll: Obj,
        scope: &Scope,
        pending: &[crate::replica::PendingFolder],
        deletes: &crate::replica::PendingFolderDeletes,
        up: &mut UploadReport,
    ) -> Result<(), SyncError> {
        let mut report = super::SyncReport::default();
        let state = self.replica.state(scope)?;
        self.upload_state(coll, SyncType::Hierarchy, true, &state, &mut report)
            .await?;
        let mut not_uploaded: Vec<&[u8]> = Vec::new();
        for f in pending {
            if !f.parent_source_key.is_empty()
                && not_uploaded.contains(&f.parent_source_key.as_slice())
            {
                up.failed.push((f.source_key.clone(), SYNC_NO_PARENT));
                not_uploaded.push(&f.source_key);
                continue;
            }
            let change = HierarchyImport {
                parent_source_key: f.parent_source_key.clone(),
                source_key: f.source_key.clone(),
                last_modification_time: f.last_modification_time,
                change_key: f.change_key.clone(),
                pcl: f.pcl.clone(),
                display_name: f.display_name.clone(),
                props: f.props.clone(),
            };
            let mut outcome = self.ops.import_hierarchy_change(coll, &change).await?;
            if outcome == ImportOutcome::Failed(SYNC_NO_PARENT) && !f.parent_source_key.is_empty() {
                outcome = self.import_with_ancestors(coll, scope, f, up).await?;
            }
            match outcome {
                ImportOutcome::Imported => {
                    up.imported += 1;
                    let fid = self.fid_of(&f.source_key);
                    self.replica.upload_done_folder(
                        &f.source_key,
                        &f.change_key,
                        fid,
                        Some(scope),
                    )?;
                }
                ImportOutcome::Ignored => {
                    up.ignored += 1;
                    let fid = self.fid_of(&f.source_key);
                    self.replica.upload_done_folder(
                        &f.source_key,
                        &f.change_key,
                        fid,
                        Some(scope),
                    )?;
                }
                ImportOutcome::ObjectDeleted => {
                    // not fatal; the next download reports the deletion.
                    up.object_deleted += 1;
                    self.replica
                        .upload_done_folder(&f.source_key, &f.change_key, None, None)?;
                }
                ImportOutcome::Conflict => {
                    up.conflicts += 1;
                    not_uploaded.push(&f.source_key);
                }
                ImportOutcome::Failed(code) => {
                    up.failed.push((f.source_key.clone(), code));
                    not_uploaded.push(&f.source_key);
                }
            }
        }
        self.upload_folder_deletes(coll, scope, deletes, up).await?;
        self.store_collector_state(coll, scope, &mut report).await
    }

    /// Reads the collector's state with GetTransferState (nothing is
    /// outstanding: a checkpoint, R-335) and stores it for `scope`, with the
    /// replica's IdsetGiven kept.
    pub(super) async fn store_collector_state(
        &mut self,
        coll: Obj,
        scope: &Scope,
        report: &mut super::SyncReport,
    ) -> Result<(), SyncError> {
        let sctx = self.ops.get_transfer_state(coll).await?;
        let r = self
            .read_stream(sctx, RootKind::State, &CancelToken::new(), report)
            .await;
        let released = self.ops.release(sctx).await;
        let root = r?;
        released?;
        let ft::Root::State(s) = root else {
            return Err(SyncError::UnexpectedRoot(root.kind().name()));
        };
        let new = crate::convert::state_blobs(&s);
        let old = self.replica.state(scope)?;
        let merged = match scope.sync_type {
            SyncType::Hierarchy => StateBlobs {
                cnset_seen: new.cnset_seen,
                ..old
            },
            SyncType::Contents => StateBlobs {
                idset_given: old.idset_given,
                ..new
            },
        };
        for b in [
            &merged.idset_given,
            &merged.cnset_seen,
            &merged.cnset_seen_fai,
            &merged.cnset_read,
        ] {
            decode_given(b)?;
        }
        self.replica.set_state(scope, &merged)?;
        Ok(())
    }

    /// The FID (PtypInteger64 value) of a GID source key, if its REPLGUID is mapped.
    pub(super) fn fid_of(&self, sk: &[u8]) -> Option<u64> {
        let g = Gid::decode(sk).ok()?;
        let replid = self.map.id(g.replguid)?;
        Some(Fid::new(replid, g.globcnt).to_u64_le())
    }

    /// PidTagSourceKey of the folder with FID `fid`: the GID of the FID.
    fn folder_gid(&self, fid: u64) -> Result<Vec<u8>, SyncError> {
        let f = Fid::from_u64_le(fid);
        let replguid = self.map.guid(f.0.replid).ok_or_else(|| {
            ReplicaError::Corrupt(format!("no REPLGUID for the REPLID of folder {fid:#x}"))
        })?;
        Ok(Gid {
            replguid,
            globcnt: f.0.globcnt,
        }
        .to_bytes()
        .to_vec())
    }

    /// Imports the pending moves into the folder of `scope` on its contents
    /// collector, first of all its imports. Returns the destination
    /// keys of the moves that did not happen: their changes are not uploaded
    /// (the server does not know these IDs; an ImportMessageChange would
    /// create a second message).
    pub(super) async fn import_moves(
        &mut self,
        coll: Obj,
        scope: &Scope,
        moves: &[PendingMove],
        up: &mut UploadReport,
    ) -> Result<Vec<Vec<u8>>, SyncError> {
        let mut not_moved = Vec::new();
        for m in moves {
            let source_folder_key = match &m.source_folder_key {
                Some(k) => k.clone(),
                None => self.folder_gid(m.source_fid)?,
            };
            let mv = MoveImport {
                source_folder_key,
                source_message_key: m.source_key.clone(),
                pcl: m.pcl.clone(),
                destination_message_key: m.destination_key.clone(),
                change_key: m.change_key.clone(),
            };
            let source = Scope::contents(m.source_fid);
            match self.ops.import_message_move(coll, &mv).await? {
                MoveOutcome::Moved => {
                    up.moves += 1;
                    self.replica
                        .upload_done_move(&m.destination_key, false, &source, scope)?;
                }
                MoveOutcome::ClientChangeNewer => {
                    // moved, the local version goes up as a change next.
                    up.moves += 1;
                    self.replica
                        .upload_done_move(&m.destination_key, true, &source, scope)?;
                }
                MoveOutcome::ObjectDeleted => {
                    up.object_deleted += 1;
                    self.replica.upload_gone_move(&m.destination_key, &source)?;
                    not_moved.push(m.destination_key.clone());
                }
                MoveOutcome::Failed(code) => {
                    up.failed.push((m.destination_key.clone(), code));
                    not_moved.push(m.destination_key.clone());
                }
            }
        }
        Ok(not_moved)
    }
}
