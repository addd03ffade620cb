//! Local message moves waiting for upload with
//! RopSynchronizationImportMessageMove ([MS-OXCFXICS] 2.2.3.2.4.4, 3.3.5.8.9).
//!
//! A move within the mailbox makes a new object ([MS-OXCFXICS] 3.1.5.3): the
//! message gets a new ID from the reserved ranges (the DestinationMessageId)
//! and a new version (a ChangeKey in the client's namespace, the
//! ChangeNumber of the ROP) whose PCL is the moved version's PCL merged with
//! it — what the server stores when the move succeeds. The record keeps what
//! the ROP needs of the source: the source folder, the message's source key
//! there and the PCL of the version moved.
//!
//! After the upload the source scope's IdsetGiven loses the old ID (R-221;
//! else the next download of the source reports a deletion) and the
//! destination scope's IdsetGiven gains the new one (as for imported
//! messages, R-212). A message created locally and not uploaded yet just
//! changes folder: the server never saw it.

use rusqlite::{OptionalExtension, params};

use super::local::{edit_given, next_change_key, pcl_with};
use super::schema::*;
use super::{Replica, txn::hex};
use crate::error::ReplicaError;
use crate::model::{Scope, SourceKey};

/// One move to upload on the destination folder's contents collector.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PendingMove {
    /// FID (PtypInteger64 value) of the source folder.
    pub source_fid: u64,
    /// PidTagSourceKey of the source folder, when the replica knows it
    /// (else the GID of `source_fid`).
    pub source_folder_key: Option<SourceKey>,
    /// SourceMessageId: the message's source key in the source folder.
    pub source_key: SourceKey,
    /// PredecessorChangeList: the PCL of the version moved.
    pub pcl: Vec<u8>,
    /// DestinationMessageId: the message's source key in the destination folder.
    pub destination_key: SourceKey,
    /// ChangeNumber: the ChangeKey (XID) of the message in the destination.
    pub change_key: Vec<u8>,
    /// FAI message.
    pub fai: bool,
}

impl Replica {
    /// Moves the message `sk` into the folder with FID `dest_fid`. Returns
    /// its source key in the destination (new unless the message was
    /// created locally and never uploaded).
    pub fn move_local_message(
        &mut self,
        sk: &[u8],
        dest_fid: u64,
        _now: u64,
    ) -> Result<SourceKey, ReplicaError> {
        let dest = self
            .folder_by_fid(dest_fid)?
            .ok_or_else(|| ReplicaError::UnknownFolder(format!("fid {dest_fid:#x}")))?
            .id;
        type Row = (i64, i64, i64, Vec<u8>, Option<i64>);
        let row: Option<Row> = self
            .conn
            .query_row(
                "SELECT m.id, m.folder, m.local, m.pcl, f.fid
                 FROM messages m JOIN folders f ON f.id = m.folder WHERE m.source_key = ?1",
                [sk],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()?;
        let Some((id, folder, local, pcl, source_fid)) = row else {
            return Err(ReplicaError::UnknownMessage(hex(sk)));
        };
        if local == LOCAL_DELETED {
            return Err(ReplicaError::UnknownMessage(hex(sk)));
        }
        if folder == dest {
            return Err(ReplicaError::InvalidLocalChange(
                "the message is already in that folder".into(),
            ));
        }
        let already: bool = self
            .conn
            .query_row("SELECT 1 FROM message_moves WHERE msg = ?1", [id], |_| {
                Ok(())
            })
            .optional()?
            .is_some();
        if local == LOCAL_CREATED || already {
            // Never on the server, or its move is recorded already: only the folder changes.
            self.conn
                .execute("UPDATE messages SET folder = ?1 WHERE id = ?2", [dest, id])?;
            return Ok(sk.to_vec());
        }
        let source_fid = source_fid.ok_or_else(|| {
            ReplicaError::InvalidLocalChange("the source folder has no server FID".into())
        })?;
        self.conn.execute_batch("SAVEPOINT move_local")?;
        let r = (|| {
            let gid = self.allocate_ids(1)?[0];
            let new_sk = gid.to_bytes().to_vec();
            let ck = next_change_key(&self.conn)?;
            self.conn.execute(
                "INSERT INTO message_moves(msg, source_fid, source_key, pcl, change_key)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id, source_fid, sk, pcl, ck.to_bytes()],
            )?;
            self.conn.execute(
                "UPDATE messages SET folder = ?1, source_key = ?2, mid = NULL, cn = NULL,
                   change_key = ?3, pcl = ?4 WHERE id = ?5",
                params![dest, new_sk, ck.to_bytes(), pcl_with(&pcl, ck)?, id],
            )?;
            Ok(new_sk)
        })();
        match r {
            Ok(new_sk) => {
                self.conn.execute_batch("RELEASE move_local")?;
                Ok(new_sk)
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO move_local; RELEASE move_local")?;
                Err(e)
            }
        }
    }

    /// The moves into the folder with FID `dest_fid` not uploaded yet.
    pub fn pending_moves(&self, dest_fid: u64) -> Result<Vec<PendingMove>, ReplicaError> {
        let Some(dest) = self.folder_by_fid(dest_fid)? else {
            return Ok(Vec::new());
        };
        type Row = (i64, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>, bool);
        let rows: Vec<Row> = self
            .conn
            .prepare(
                "SELECT mv.source_fid, mv.source_key, mv.pcl, m.source_key, mv.change_key, m.fai
                 FROM message_moves mv JOIN messages m ON m.id = mv.msg
                 WHERE m.folder = ?1 ORDER BY m.id",
            )?
            .query_map([dest.id], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (source_fid, source_key, pcl, destination_key, change_key, fai) in rows {
            let source_folder_key = self
                .folder_by_fid(source_fid as u64)?
                .and_then(|f| f.source_key);
            out.push(PendingMove {
                source_fid: source_fid as u64,
                source_folder_key,
                source_key,
                pcl,
                destination_key,
                change_key,
                fai,
            });
        }
        Ok(out)
    }

    /// The server moved the message (`client_newer`: SyncClientChangeNewer,
    /// the ChangeNumber and PCL were not applied, so the local version is
    /// uploaded next as a change, [MS-OXCFXICS] 2.2.3.2.4.4.2). The old ID
    /// leaves IdsetGiven of `source`, the new one joins `dest`'s.
    pub fn upload_done_move(
        &mut self,
        destination_key: &[u8],
        client_newer: bool,
        source: &Scope,
        dest: &Scope,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let (id, old): (i64, Vec<u8>) = conn
                .query_row(
                    "SELECT m.id, mv.source_key FROM messages m JOIN message_moves mv ON mv.msg = m.id
                     WHERE m.source_key = ?1",
                    [destination_key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| ReplicaError::UnknownMessage(hex(destination_key)))?;
            conn.execute("DELETE FROM message_moves WHERE msg = ?1", [id])?;
            if client_newer {
                conn.execute(
                    "UPDATE messages SET local = ?1 WHERE id = ?2 AND local = ?3",
                    params![LOCAL_MODIFIED, id, LOCAL_CLEAN],
                )?;
            }
            edit_given(conn, source, &old, false)?;
            edit_given(conn, dest, destination_key, true)
        })
    }

    /// The source message of a move is gone from the server
    /// (SyncObjectDeleted, R-229): the server's deletion wins, so the moved
    /// copy goes too, and the old ID leaves IdsetGiven of `source`.
    pub fn upload_gone_move(
        &mut self,
        destination_key: &[u8],
        source: &Scope,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let (id, old): (i64, Vec<u8>) = conn
                .query_row(
                    "SELECT m.id, mv.source_key FROM messages m JOIN message_moves mv ON mv.msg = m.id
                     WHERE m.source_key = ?1",
                    [destination_key],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .ok_or_else(|| ReplicaError::UnknownMessage(hex(destination_key)))?;
            conn.execute("DELETE FROM message_moves WHERE msg = ?1", [id])?;
            conn.execute("DELETE FROM message_props WHERE msg = ?1", [id])?;
            conn.execute("DELETE FROM children WHERE msg = ?1", [id])?;
            conn.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            edit_given(conn, source, &old, false)
        })
    }
}
