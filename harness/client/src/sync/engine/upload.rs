//! The upload path: message changes, deletions and read states through a contents collector.

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropValue, tags};

use crate::model::{Scope, StateBlobs, SyncType};
use crate::sync::cancel::CancelToken;
use crate::sync::ops::*;

use super::{Client, ImportKind, SyncError, SyncReport, UploadReport, decode_given, gid_of};

impl<O: IcsOps + Send> Client<O> {
    /// Uploads the local changes of a folder through a contents collector
    /// then stores the new state with IdsetGiven merged back
    /// the imported IDs added and the deleted ones removed.
    pub async fn upload_contents(&mut self, fid: u64) -> Result<UploadReport, SyncError> {
        self.upload_scope(&Scope::contents(fid)).await
    }

    pub(super) async fn upload_scope(&mut self, scope: &Scope) -> Result<UploadReport, SyncError> {
        self.refuse_abandoned()?;
        let fid = scope.folder_fid;
        let pending = self.replica.pending(fid)?;
        let moves = self.replica.pending_moves(fid)?;
        let mut up = UploadReport::default();
        if pending.changes.is_empty()
            && pending.deletes.is_empty()
            && pending.reads.is_empty()
            && moves.is_empty()
        {
            return Ok(up);
        }
        let folder = self.ops.open_folder(fid).await?;
        let coll = match self.ops.open_collector(folder, true).await {
            Ok(c) => c,
            Err(e) => {
                let _ = self.ops.release(folder).await;
                return Err(e.into());
            }
        };
        let r = self.upload_in(coll, scope, pending, &moves, &mut up).await;
        let rel1 = self.ops.release(coll).await;
        let rel2 = self.ops.release(folder).await;
        r?;
        rel1?;
        rel2?;
        Ok(up)
    }

    async fn upload_in(
        &mut self,
        coll: Obj,
        scope: &Scope,
        mut pending: crate::replica::Pending,
        moves: &[crate::replica::PendingMove],
        up: &mut UploadReport,
    ) -> Result<(), SyncError> {
        let mut report = SyncReport::default();
        let state = self.replica.state(scope)?;
        let with_state = self.opts.upload_state_before_import;
        if with_state {
            self.upload_state(coll, SyncType::Contents, true, &state, &mut report)
                .await?;
        }
        // Moves first; a message whose move failed keeps its changes for later.
        let not_moved = self.import_moves(coll, scope, moves, up).await?;
        pending
            .changes
            .retain(|m| !not_moved.contains(&m.source_key));
        let mut imported: Vec<Vec<u8>> = Vec::new();
        for kind in self.opts.import_order {
            match kind {
                ImportKind::Changes => {
                    self.import_changes(coll, scope, &pending, up, &mut imported)
                        .await?
                }
                ImportKind::Deletes if !pending.deletes.is_empty() => {
                    self.ops
                        .import_deletes(coll, self.opts.hard_delete, &pending.deletes)
                        .await?;
                    for sk in &pending.deletes {
                        self.replica.upload_done_delete(sk, Some(scope))?;
                    }
                    up.deletes += pending.deletes.len() as u64;
                }
                ImportKind::ReadStates if !pending.reads.is_empty() => {
                    self.ops.import_read_states(coll, &pending.reads).await?;
                    for (sk, _) in &pending.reads {
                        self.replica.upload_done_read(sk)?;
                    }
                    up.reads += pending.reads.len() as u64;
                }
                ImportKind::Deletes | ImportKind::ReadStates => {}
            }
        }
        // Nothing is outstanding on the collector: its state is a checkpoint
        // . Without a state upload it covers only this upload, so the
        // saved state is kept.
        let new = if with_state {
            let sctx = self.ops.get_transfer_state(coll).await?;
            let r = self
                .read_stream(sctx, RootKind::State, &CancelToken::new(), &mut report)
                .await;
            let released = self.ops.release(sctx).await;
            let root = r?;
            released?;
            let ft::Root::State(s) = root else {
                return Err(SyncError::UnexpectedRoot(root.kind().name()));
            };
            crate::convert::state_blobs(&s)
        } else {
            state
        };
        // IdsetGiven was kept up to date import by import; merge again for safety.
        let mut given = decode_given(&self.replica.state(scope)?.idset_given)?;
        for sk in &imported {
            if let Some(g) = gid_of(sk) {
                given.insert(g.replguid, g.globcnt);
            }
        }
        for sk in &pending.deletes {
            if let Some(g) = gid_of(sk) {
                given.remove(g.replguid, g.globcnt);
            }
        }
        let merged = StateBlobs {
            idset_given: given.encode_replguid(),
            cnset_seen: new.cnset_seen,
            cnset_seen_fai: new.cnset_seen_fai,
            cnset_read: new.cnset_read,
        };
        for b in [
            &merged.cnset_seen,
            &merged.cnset_seen_fai,
            &merged.cnset_read,
        ] {
            decode_given(b)?;
        }
        self.replica.set_state(scope, &merged)?;
        Ok(())
    }

    /// ImportMessageChange with the whole message for each local change
    /// . SyncIgnore and SyncObjectDeleted are not fatal: the
    /// change is done; SyncConflict leaves it for the download to resolve.
    async fn import_changes(
        &mut self,
        coll: Obj,
        scope: &Scope,
        pending: &crate::replica::Pending,
        up: &mut UploadReport,
        imported: &mut Vec<Vec<u8>>,
    ) -> Result<(), SyncError> {
        for m in &pending.changes {
            let header = ImportHeader {
                source_key: m.source_key.clone(),
                last_modification_time: m.last_modification_time,
                change_key: m.change_key.clone(),
                pcl: m.pcl.clone(),
                fail_on_conflict: self.opts.fail_on_conflict,
            };
            let mut props = m.props.clone();
            // The read state travels as PidTagMessageFlags with the message.
            props.retain(|p| p.key != crate::model::PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS));
            let flags = stored_flags(&m.props);
            let read_bit = if m.read {
                crate::model::MSGFLAG_READ
            } else {
                0
            };
            props.push(crate::model::Prop::tagged(
                tags::PID_TAG_MESSAGE_FLAGS,
                PropValue::I32((flags & !crate::model::MSGFLAG_READ) | read_bit),
            ));
            let children = crate::model::Children {
                recipients: Some(m.recipients.clone()),
                attachments: Some(m.attachments.clone()),
            };
            match self
                .ops
                .import_message(coll, m.fai, &header, &props, &children)
                .await?
            {
                ImportOutcome::Imported => {
                    up.imported += 1;
                    imported.push(m.source_key.clone());
                    self.replica
                        .upload_done_change(&m.source_key, Some(scope))?;
                }
                ImportOutcome::Ignored => {
                    up.ignored += 1;
                    self.replica
                        .upload_done_change(&m.source_key, Some(scope))?;
                }
                ImportOutcome::ObjectDeleted => {
                    // not fatal; the download reports the deletion.
                    up.object_deleted += 1;
                    self.replica
                        .upload_done_change(&m.source_key, Some(scope))?;
                }
                ImportOutcome::Conflict => up.conflicts += 1,
                ImportOutcome::Failed(code) => up.failed.push((m.source_key.clone(), code)),
            }
        }
        Ok(())
    }
}

fn stored_flags(props: &[crate::model::Prop]) -> i32 {
    props
        .iter()
        .find_map(|p| match (&p.key, &p.value) {
            (crate::model::PropKey::Id(id), PropValue::I32(f))
                if *id == tags::PID_TAG_MESSAGE_FLAGS.id() =>
            {
                Some(*f)
            }
            _ => None,
        })
        .unwrap_or(0)
}
