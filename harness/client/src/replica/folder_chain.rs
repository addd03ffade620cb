//! The stored versions of a folder's ancestors, for the SyncNoParent
//! recovery of the hierarchy upload ([MS-OXCFXICS] 3.3.4.3.3.1.1, 3.3.5.8.8;
//! "handle SyncNoParent by uploading the parent first").

use rusqlite::OptionalExtension;

use super::folders::{FolderRef, PendingFolder, folder_id, uploadable};
use super::props::{Owner, read_props};
use super::schema::FOLDER_CREATED;
use super::{Replica, txn::hex};
use crate::error::ReplicaError;

impl Replica {
    /// The ancestors of folder `sk` below the folder with FID `root_fid`,
    /// nearest first, each as the version the replica holds (pending or
    /// not), ready for ImportHierarchyChange. Fails if `sk` is not below that
    /// folder, or an ancestor has no version (never downloaded nor created
    /// here).
    pub fn folder_ancestors(
        &self,
        sk: &[u8],
        root_fid: u64,
    ) -> Result<Vec<PendingFolder>, ReplicaError> {
        let root = self
            .folder_by_fid(root_fid)?
            .ok_or_else(|| ReplicaError::UnknownFolder(format!("fid {root_fid:#x}")))?
            .id;
        let mut id = folder_id(&self.conn, FolderRef::SourceKey(sk))?;
        let mut out = Vec::new();
        loop {
            let parent: Option<i64> =
                self.conn
                    .query_row("SELECT parent_id FROM folders WHERE id = ?1", [id], |r| {
                        r.get(0)
                    })?;
            let parent = parent.ok_or_else(|| {
                ReplicaError::InvalidLocalChange(format!(
                    "folder {} is not below folder {root_fid:#x}",
                    hex(sk)
                ))
            })?;
            if parent == root {
                return Ok(out);
            }
            if out.len() > 10_000 {
                return Err(ReplicaError::Corrupt("the folder tree has a cycle".into()));
            }
            out.push(self.folder_version(parent, root)?);
            id = parent;
        }
    }

    /// Folder `id` as a [`PendingFolder`]; `root` is the collector's folder.
    fn folder_version(&self, id: i64, root: i64) -> Result<PendingFolder, ReplicaError> {
        let corrupt = |what: &str| ReplicaError::Corrupt(format!("folder {id}: {what}"));
        type Row = (
            Option<Vec<u8>>,
            Option<i64>,
            String,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            Option<i64>,
        );
        let (sk, parent, name, ck, pcl, last_mod): Row = self.conn.query_row(
            "SELECT source_key, parent_id, display_name, change_key, pcl, last_mod
             FROM folders WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?;
        let parent_source_key = match parent {
            Some(p) if p == root => Vec::new(),
            Some(p) => self
                .conn
                .query_row("SELECT source_key FROM folders WHERE id = ?1", [p], |r| {
                    r.get::<_, Option<Vec<u8>>>(0)
                })?
                .ok_or_else(|| corrupt("parent without a source key"))?,
            None => return Err(corrupt("no parent")),
        };
        let state: Option<i64> = self
            .conn
            .query_row(
                "SELECT state FROM folder_local WHERE folder = ?1",
                [id],
                |r| r.get(0),
            )
            .optional()?;
        Ok(PendingFolder {
            parent_source_key,
            source_key: sk.ok_or_else(|| corrupt("no source key"))?,
            last_modification_time: last_mod.ok_or_else(|| corrupt("no version time"))? as u64,
            change_key: ck.ok_or_else(|| corrupt("no change key"))?,
            pcl: pcl.ok_or_else(|| corrupt("no PCL"))?,
            display_name: name,
            props: read_props(&self.conn, Owner::Folder(id))?
                .into_iter()
                .filter(uploadable)
                .collect(),
            created: state == Some(FOLDER_CREATED),
        })
    }
}
