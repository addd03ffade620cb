//! Local folder deletions waiting for upload with
//! RopSynchronizationImportDeletes on a hierarchy collector (ImportDeleteFlags
//! Hierarchy; [MS-OXCFXICS] 2.2.3.2.4.5, 3.2.5.9.4.5, 3.3.5.8.10).
//!
//! Deleting a folder deletes its subtree. The rows of the subtree (folders,
//! their messages and properties, the ICS states anchored at them) go at
//! once; table `folder_deletes` keeps one row per folder of the subtree that
//! the server knows:
//!
//! * `listed`: its source key goes into the ImportDeletes. That is the
//!   deleted folder itself, and any server folder whose place on the server
//!   may differ from the replica's: one below a folder created locally (the
//!   server does not have that parent) or one with a local version not
//!   uploaded yet (a pending move). The others go with their parent, as the
//!   server deletes a folder with its subtree.
//! * `anchor`: the local id of the nearest folder that survives, so the
//!   deletion is uploaded on a hierarchy collector of a folder above it.
//!
//! Folders created locally and never uploaded are simply forgotten. A
//! message moved into the subtree whose move is not uploaded yet becomes a
//! pending deletion in its source folder (the server still has it there). After
//! the upload every FID of the subtree leaves IdsetGiven of the hierarchy
//! scope (R-228; else the next download reports deletions the client made).
//! Until then a download's change of a deleted folder, or of a new folder
//! under one, is not applied: the local deletion is the newer version, and
//! the server deletes such a folder with its parent.

use rusqlite::{Connection, OptionalExtension, params};

use super::folders::FolderRef;
use super::local::edit_given;
use super::schema::*;
use super::{Replica, txn::hex};
use crate::error::ReplicaError;
use crate::model::{FolderChange, Scope, SourceKey};

/// The local folder deletions below one upload root.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PendingFolderDeletes {
    /// The source keys to send in one ImportDeletes (R-222, R-228: one batch).
    pub listed: Vec<SourceKey>,
    /// Every deleted folder the server knows, listed or not: these leave IdsetGiven.
    pub all: Vec<SourceKey>,
}

impl PendingFolderDeletes {
    /// Nothing to upload.
    pub fn is_empty(&self) -> bool {
        self.listed.is_empty()
    }
}

/// One folder of a subtree being deleted: local id, parent, source key, FID, local state.
type TreeRow = (i64, Option<i64>, Option<Vec<u8>>, Option<i64>, Option<i64>);

fn subtree(conn: &Connection, id: i64) -> Result<Vec<TreeRow>, ReplicaError> {
    Ok(conn
        .prepare(
            "WITH RECURSIVE t(id, depth) AS (
               SELECT ?1, 0 UNION ALL
               SELECT f.id, t.depth + 1 FROM folders f JOIN t ON f.parent_id = t.id)
             SELECT f.id, f.parent_id, f.source_key, f.fid, l.state
             FROM t JOIN folders f ON f.id = t.id LEFT JOIN folder_local l ON l.folder = f.id
             ORDER BY t.depth, f.id",
        )?
        .query_map([id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })?
        .collect::<Result<_, _>>()?)
}

/// A message moved locally into a deleted folder, its move not uploaded: on
/// the server it is still in the source folder, so its deletion there is
/// pending instead (a LOCAL_DELETED row in the source folder under its old
/// source key). Returns false when the source folder is not in the replica.
fn delete_move_source(conn: &Connection, msg: i64) -> Result<bool, ReplicaError> {
    type Row = (i64, Vec<u8>, Vec<u8>, bool, i64);
    let row: Option<Row> = conn
        .query_row(
            "SELECT mv.source_fid, mv.source_key, mv.pcl, m.fai, m.last_mod
             FROM message_moves mv JOIN messages m ON m.id = mv.msg WHERE mv.msg = ?1",
            [msg],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((source_fid, old_key, pcl, fai, last_mod)) = row else {
        return Ok(false);
    };
    let source: Option<i64> = conn
        .query_row("SELECT id FROM folders WHERE fid = ?1", [source_fid], |r| {
            r.get(0)
        })
        .optional()?;
    let Some(source) = source else {
        return Ok(false);
    };
    // The change key of the version moved is the last XID of its PCL; the
    // deletion does not send it, the row only needs one.
    conn.execute(
        "INSERT INTO messages(folder, source_key, fai, change_key, pcl, last_mod, local)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)",
        params![source, old_key, fai, pcl, last_mod, LOCAL_DELETED],
    )?;
    Ok(true)
}

/// Removes the rows of one folder (deepest first is the caller's duty).
fn drop_folder_rows(conn: &Connection, id: i64, fid: Option<i64>) -> Result<(), ReplicaError> {
    let msgs: Vec<i64> = conn
        .prepare("SELECT id FROM messages WHERE folder = ?1")?
        .query_map([id], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    for m in msgs {
        delete_move_source(conn, m)?;
        conn.execute("DELETE FROM message_props WHERE msg = ?1", [m])?;
        conn.execute("DELETE FROM children WHERE msg = ?1", [m])?;
        conn.execute("DELETE FROM message_moves WHERE msg = ?1", [m])?;
        conn.execute("DELETE FROM messages WHERE id = ?1", [m])?;
    }
    if let Some(fid) = fid {
        // The states of scopes anchored at a deleted folder are void.
        conn.execute("DELETE FROM ics_state WHERE folder_fid = ?1", [fid])?;
    }
    conn.execute("DELETE FROM folder_local WHERE folder = ?1", [id])?;
    conn.execute("DELETE FROM folder_props WHERE folder = ?1", [id])?;
    conn.execute("DELETE FROM folders WHERE id = ?1", [id])?;
    Ok(())
}

impl Replica {
    /// Deletes a folder and its subtree locally; the deletion is uploaded
    /// with [`Replica::pending_folder_deletes`]. A folder without a parent in
    /// the replica (a synchronization root) cannot be deleted here.
    pub fn delete_local_folder(&mut self, folder: FolderRef<'_>) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let id = super::folders::folder_id(conn, folder)?;
            let (anchor, kind): (Option<i64>, i64) = conn.query_row(
                "SELECT parent_id, kind FROM folders WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            let anchor = anchor.ok_or_else(|| {
                ReplicaError::InvalidLocalChange(
                    "a synchronization root cannot be deleted locally".into(),
                )
            })?;
            if kind != KIND_SYNCED {
                return Err(ReplicaError::InvalidLocalChange(
                    "a local-only folder is not deleted through ICS".into(),
                ));
            }
            let tree = subtree(conn, id)?;
            let created = |s: Option<i64>| s == Some(FOLDER_CREATED);
            for (fid_row, parent, sk, _, state) in &tree {
                if created(*state) {
                    continue; // never on the server
                }
                let sk = sk.as_ref().ok_or_else(|| {
                    ReplicaError::InvalidLocalChange(format!(
                        "folder {fid_row} has no source key to delete it by"
                    ))
                })?;
                let parent_state = tree.iter().find(|t| Some(t.0) == *parent).map(|t| t.4);
                let listed = *fid_row == id || state.is_some() || parent_state.is_some_and(created);
                conn.execute(
                    "INSERT OR REPLACE INTO folder_deletes(source_key, anchor, listed)
                     VALUES (?1, ?2, ?3)",
                    params![sk, anchor, listed],
                )?;
            }
            // Earlier deletions anchored inside this subtree now wait with it.
            for (fid_row, ..) in &tree {
                conn.execute(
                    "UPDATE folder_deletes SET anchor = ?1 WHERE anchor = ?2",
                    [anchor, *fid_row],
                )?;
            }
            for (fid_row, _, _, fid, _) in tree.iter().rev() {
                drop_folder_rows(conn, *fid_row, *fid)?;
            }
            Ok(())
        })
    }

    /// The local folder deletions to upload on a hierarchy collector of the
    /// folder with FID `root_fid`: those anchored at it or below it.
    pub fn pending_folder_deletes(
        &self,
        root_fid: u64,
    ) -> Result<PendingFolderDeletes, ReplicaError> {
        let Some(root) = self.folder_by_fid(root_fid)? else {
            return Ok(PendingFolderDeletes::default());
        };
        let rows: Vec<(Vec<u8>, bool)> = self
            .conn
            .prepare(
                "WITH RECURSIVE t(id) AS (
                   SELECT ?1 UNION ALL SELECT f.id FROM folders f JOIN t ON f.parent_id = t.id)
                 SELECT d.source_key, d.listed FROM folder_deletes d JOIN t ON t.id = d.anchor
                 ORDER BY d.rowid",
            )?
            .query_map([root.id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = PendingFolderDeletes::default();
        for (sk, listed) in rows {
            if listed {
                out.listed.push(sk.clone());
            }
            out.all.push(sk);
        }
        Ok(out)
    }

    /// The server took the deletions (or ignored those already done, R-224):
    /// they are no longer pending, and every FID of `done.all` leaves
    /// IdsetGiven of `scope`.
    pub fn upload_done_folder_deletes(
        &mut self,
        done: &PendingFolderDeletes,
        scope: &Scope,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            for sk in &done.all {
                conn.execute("DELETE FROM folder_deletes WHERE source_key = ?1", [sk])?;
                edit_given(conn, scope, sk, false)?;
            }
            Ok(())
        })
    }

    /// Whether the folder with source key `sk` is deleted locally, its deletion not uploaded yet.
    pub fn folder_delete_pending(&self, sk: &[u8]) -> Result<bool, ReplicaError> {
        Ok(self
            .conn
            .query_row(
                "SELECT 1 FROM folder_deletes WHERE source_key = ?1",
                [sk],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}

/// Whether an incoming folder change meets a local deletion: the folder or
/// its parent is deleted locally and not uploaded. A new folder below a
/// deleted one is recorded as deleted with it (the server deletes the
/// subtree, so it is not listed). Such a change is not applied.
pub(super) fn incoming_deleted(conn: &Connection, f: &FolderChange) -> Result<bool, ReplicaError> {
    let anchor_of = |sk: &[u8]| -> Result<Option<i64>, ReplicaError> {
        Ok(conn
            .prepare_cached("SELECT anchor FROM folder_deletes WHERE source_key = ?1")?
            .query_row([sk], |r| r.get(0))
            .optional()?)
    };
    if anchor_of(&f.source_key)?.is_some() {
        return Ok(true);
    }
    if f.parent_source_key.is_empty() {
        return Ok(false);
    }
    let Some(anchor) = anchor_of(&f.parent_source_key)? else {
        return Ok(false);
    };
    if f.source_key.is_empty() {
        return Err(ReplicaError::Corrupt(format!(
            "a folder change below deleted folder {} has no source key",
            hex(&f.parent_source_key)
        )));
    }
    conn.execute(
        "INSERT INTO folder_deletes(source_key, anchor, listed) VALUES (?1, ?2, 0)",
        params![f.source_key, anchor],
    )?;
    Ok(true)
}
