//! Local folder changes waiting for upload with
//! RopSynchronizationImportHierarchyChange ([MS-OXCFXICS] 2.2.3.2.4.3,
//! 3.3.5.8.8).
//!
//! * A folder created locally gets its FID from the reserved ranges
//!   its PidTagSourceKey is the GID `REPLGUID ‖ GLOBCNT`.
//! * Creating, renaming and moving a folder are each a new local version: a
//!   ChangeKey in the client's namespace merged into the PCL
//!   and a new PidTagLastModificationTime.
//! * A move is a change of the parent (R-217: PidTagParentSourceKey).
//! * Pending folders are listed parents before children; the parent
//!   of a folder directly below the collector's folder is sent as a
//!   zero-length PidTagParentSourceKey.
//! * An incoming folder change meets a pending local version with the PCL
//!   rules of 3.1.5.6.1; a real conflict is resolved by last writer wins, as
//!   the server does for folders.

use ics_wire::pcl::{Pcl, PclOrdering};
use ics_wire::prop::{PropValue, tags};
use rusqlite::{Connection, OptionalExtension, params};

use super::local::{next_change_key, pcl_with};
use super::props::{Owner, pkey_of, read_props};
use super::schema::*;
use super::{Replica, txn::hex, value};
use crate::error::ReplicaError;
use crate::model::{FolderChange, Prop, PropKey, Scope, SourceKey};

/// How a local folder change names a folder of the replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderRef<'a> {
    /// By server FID (PtypInteger64 value): the scope folders.
    Fid(u64),
    /// By PidTagSourceKey: folders known from a hierarchy download or created locally.
    SourceKey(&'a [u8]),
}

/// One folder version to upload with ImportHierarchyChange.
#[derive(Clone, Debug, PartialEq)]
pub struct PendingFolder {
    /// PidTagParentSourceKey; empty for a child of the collector's folder.
    pub parent_source_key: Vec<u8>,
    /// PidTagSourceKey (a GID).
    pub source_key: SourceKey,
    /// PidTagLastModificationTime.
    pub last_modification_time: u64,
    /// PidTagChangeKey.
    pub change_key: Vec<u8>,
    /// PidTagPredecessorChangeList.
    pub pcl: Vec<u8>,
    /// PidTagDisplayName (non-empty, R-213).
    pub display_name: String,
    /// Other folder properties (PropertyValues): every stored property but
    /// the six HierarchyValues and server-computed ones (0x6600–0x67FF).
    pub props: Vec<Prop>,
    /// Created locally (never uploaded) rather than modified.
    pub created: bool,
}

/// Properties never sent in PropertyValues: the HierarchyValues and those the server computes.
pub(super) fn uploadable(p: &Prop) -> bool {
    let PropKey::Id(id) = p.key else {
        return true;
    };
    let hierarchy = [
        tags::PID_TAG_PARENT_SOURCE_KEY,
        tags::PID_TAG_SOURCE_KEY,
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        tags::PID_TAG_CHANGE_KEY,
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        tags::PID_TAG_DISPLAY_NAME,
    ];
    !(0x6600..=0x67FF).contains(&id) && !hierarchy.iter().any(|t| t.id() == id)
}

pub(super) fn folder_id(conn: &Connection, f: FolderRef<'_>) -> Result<i64, ReplicaError> {
    let found: Option<i64> = match f {
        FolderRef::Fid(fid) => conn
            .query_row("SELECT id FROM folders WHERE fid = ?1", [fid as i64], |r| {
                r.get(0)
            })
            .optional()?,
        FolderRef::SourceKey(sk) => conn
            .query_row("SELECT id FROM folders WHERE source_key = ?1", [sk], |r| {
                r.get(0)
            })
            .optional()?,
    };
    found.ok_or_else(|| {
        ReplicaError::UnknownFolder(match f {
            FolderRef::Fid(fid) => format!("fid {fid:#x}"),
            FolderRef::SourceKey(sk) => hex(sk),
        })
    })
}

fn local_state(conn: &Connection, id: i64) -> Result<Option<i64>, ReplicaError> {
    Ok(conn
        .query_row(
            "SELECT state FROM folder_local WHERE folder = ?1",
            [id],
            |r| r.get(0),
        )
        .optional()?)
}

/// Records a new local version of folder `id`: ChangeKey, PCL, time, pending state.
fn new_version(conn: &Connection, id: i64, now: u64) -> Result<(), ReplicaError> {
    let pcl: Option<Vec<u8>> =
        conn.query_row("SELECT pcl FROM folders WHERE id = ?1", [id], |r| r.get(0))?;
    let ck = next_change_key(conn)?;
    let pcl = match pcl {
        Some(p) => pcl_with(&p, ck)?,
        None => Pcl::single(ck).to_bytes(),
    };
    conn.execute(
        "UPDATE folders SET change_key = ?1, pcl = ?2, last_mod = ?3 WHERE id = ?4",
        params![ck.to_bytes(), pcl, now as i64, id],
    )?;
    let state = match local_state(conn, id)? {
        Some(FOLDER_CREATED) => FOLDER_CREATED,
        _ => FOLDER_MODIFIED,
    };
    conn.execute(
        "INSERT OR REPLACE INTO folder_local(folder, state) VALUES (?1, ?2)",
        [id, state],
    )?;
    Ok(())
}

fn put_folder_prop(conn: &Connection, folder: i64, p: &Prop) -> Result<(), ReplicaError> {
    let pkey = pkey_of(conn, &p.key, true)?
        .ok_or_else(|| ReplicaError::Corrupt("named property not created".into()))?;
    let (ptype, val) = value::encode(&p.value);
    conn.prepare_cached(
        "INSERT OR REPLACE INTO folder_props(folder, pkey, ptype, val) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![folder, pkey, ptype, val])?;
    Ok(())
}

/// Whether `ancestor` is `id` or one of its ancestors.
fn is_ancestor_or_self(conn: &Connection, ancestor: i64, id: i64) -> Result<bool, ReplicaError> {
    let found: Option<i64> = conn
        .query_row(
            "WITH RECURSIVE up(id, parent) AS (
               SELECT id, parent_id FROM folders WHERE id = ?1
               UNION SELECT f.id, f.parent_id FROM folders f JOIN up ON f.id = up.parent)
             SELECT id FROM up WHERE id = ?2",
            [id, ancestor],
            |r| r.get(0),
        )
        .optional()?;
    Ok(found.is_some())
}

fn check_name(name: &str) -> Result<(), ReplicaError> {
    if name.is_empty() {
        return Err(ReplicaError::InvalidLocalChange(
            "PidTagDisplayName must not be empty (R-213)".into(),
        ));
    }
    Ok(())
}

impl Replica {
    /// Creates folder `name` under `parent` with an ID from the reserved
    /// ranges; `props` are its other properties. Returns its source key.
    pub fn create_local_folder(
        &mut self,
        parent: FolderRef<'_>,
        name: &str,
        props: &[Prop],
        now: u64,
    ) -> Result<SourceKey, ReplicaError> {
        check_name(name)?;
        let parent = folder_id(&self.conn, parent)?;
        self.conn.execute_batch("SAVEPOINT create_folder")?;
        let r = (|| {
            let gid = self.allocate_ids(1)?[0];
            let sk = gid.to_bytes().to_vec();
            self.conn.execute(
                "INSERT INTO folders(source_key, parent_id, display_name, kind) VALUES (?1, ?2, ?3, ?4)",
                params![sk, parent, name, KIND_SYNCED],
            )?;
            let id = self.conn.last_insert_rowid();
            self.conn.execute(
                "INSERT INTO folder_local(folder, state) VALUES (?1, ?2)",
                [id, FOLDER_CREATED],
            )?;
            for p in props {
                put_folder_prop(&self.conn, id, p)?;
            }
            new_version(&self.conn, id, now)?;
            Ok(sk)
        })();
        match r {
            Ok(sk) => {
                self.conn.execute_batch("RELEASE create_folder")?;
                Ok(sk)
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO create_folder; RELEASE create_folder")?;
                Err(e)
            }
        }
    }

    /// Renames a folder locally: a new local version with PidTagDisplayName `name`.
    pub fn rename_local_folder(
        &mut self,
        folder: FolderRef<'_>,
        name: &str,
        now: u64,
    ) -> Result<(), ReplicaError> {
        check_name(name)?;
        self.in_savepoint(|conn| {
            let id = folder_id(conn, folder)?;
            conn.execute(
                "UPDATE folders SET display_name = ?1 WHERE id = ?2",
                params![name, id],
            )?;
            let stored = read_props(conn, Owner::Folder(id))?;
            if stored
                .iter()
                .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_DISPLAY_NAME))
            {
                put_folder_prop(
                    conn,
                    id,
                    &Prop::tagged(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode(name)),
                )?;
            }
            new_version(conn, id, now)
        })
    }

    /// Moves a folder locally under `new_parent` (R-217: uploaded as a change
    /// of its PidTagParentSourceKey). A folder cannot move below itself.
    pub fn move_local_folder(
        &mut self,
        folder: FolderRef<'_>,
        new_parent: FolderRef<'_>,
        now: u64,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let id = folder_id(conn, folder)?;
            let parent = folder_id(conn, new_parent)?;
            if is_ancestor_or_self(conn, id, parent)? {
                return Err(ReplicaError::InvalidLocalChange(
                    "a folder cannot move below itself".into(),
                ));
            }
            conn.execute(
                "UPDATE folders SET parent_id = ?1 WHERE id = ?2",
                [parent, id],
            )?;
            new_version(conn, id, now)
        })
    }

    /// The local folder changes below the folder with FID `root_fid`, parents
    /// before children.
    pub fn pending_folders(&self, root_fid: u64) -> Result<Vec<PendingFolder>, ReplicaError> {
        let Some(root) = self.folder_by_fid(root_fid)? else {
            return Ok(Vec::new());
        };
        type Row = (i64, Option<Vec<u8>>, Option<i64>, String, Option<Vec<u8>>);
        type Row2 = (Option<Vec<u8>>, Option<i64>, i64);
        let rows: Vec<(Row, Row2)> = self
            .conn
            .prepare(
                "WITH RECURSIVE t(id, depth) AS (
                   SELECT id, 1 FROM folders WHERE parent_id = ?1
                   UNION ALL SELECT f.id, t.depth + 1 FROM folders f JOIN t ON f.parent_id = t.id)
                 SELECT f.id, f.source_key, f.parent_id, f.display_name, f.change_key,
                        f.pcl, f.last_mod, l.state
                 FROM t JOIN folders f ON f.id = t.id JOIN folder_local l ON l.folder = f.id
                 ORDER BY t.depth, f.id",
            )?
            .query_map([root.id], |r| {
                Ok((
                    (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?),
                    (r.get(5)?, r.get(6)?, r.get(7)?),
                ))
            })?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for ((id, sk, parent, name, ck), (pcl, last_mod, state)) in rows {
            let corrupt = |what: &str| ReplicaError::Corrupt(format!("local folder {id}: {what}"));
            let parent_source_key = match parent {
                Some(p) if p == root.id => Vec::new(),
                Some(p) => self
                    .conn
                    .query_row("SELECT source_key FROM folders WHERE id = ?1", [p], |r| {
                        r.get::<_, Option<Vec<u8>>>(0)
                    })?
                    .ok_or_else(|| corrupt("parent without a source key"))?,
                None => return Err(corrupt("no parent")),
            };
            let props = read_props(&self.conn, Owner::Folder(id))?
                .into_iter()
                .filter(uploadable)
                .collect();
            out.push(PendingFolder {
                parent_source_key,
                source_key: sk.ok_or_else(|| corrupt("no source key"))?,
                last_modification_time: last_mod.ok_or_else(|| corrupt("no time"))? as u64,
                change_key: ck.ok_or_else(|| corrupt("no change key"))?,
                pcl: pcl.ok_or_else(|| corrupt("no PCL"))?,
                display_name: name,
                props,
                created: state == FOLDER_CREATED,
            });
        }
        Ok(out)
    }

    /// The server took (or already had, or deleted) this folder version: the
    /// folder is clean. With `given` (the hierarchy scope), its FID joins
    /// IdsetGiven so a later deletion on the server is reported.
    /// `fid`, the server FID of the source key, is recorded when no other
    /// folder row has it, so the folder can be a scope of its own later.
    pub fn upload_done_folder(
        &mut self,
        sk: &[u8],
        version_change_key: &[u8],
        fid: Option<u64>,
        given: Option<&Scope>,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let id = folder_id(conn, FolderRef::SourceKey(sk))?;
            if let Some(fid) = fid {
                conn.execute(
                    "UPDATE folders SET fid = ?1 WHERE id = ?2 AND fid IS NULL
                     AND NOT EXISTS (SELECT 1 FROM folders WHERE fid = ?1)",
                    params![fid as i64, id],
                )?;
            }
            // A newer local version made during the upload stays pending.
            conn.execute(
                "DELETE FROM folder_local WHERE folder = ?1
                 AND EXISTS (SELECT 1 FROM folders WHERE id = ?1 AND change_key = ?2)",
                params![id, version_change_key],
            )?;
            if let Some(scope) = given {
                super::local::edit_given(conn, scope, sk, true)?;
            }
            Ok(())
        })
    }

    /// Whether the folder with source key `sk` has a local change not uploaded yet.
    pub fn folder_is_pending(&self, sk: &[u8]) -> Result<bool, ReplicaError> {
        let id = folder_id(&self.conn, FolderRef::SourceKey(sk))?;
        Ok(local_state(&self.conn, id)?.is_some())
    }
}

/// What a download does with a folder change that meets the replica.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum IncomingFolder {
    /// No local version in the way, or the incoming one succeeds it (or wins
    /// last writer wins): apply it; the local version, if any, is dropped.
    Apply,
    /// The local version succeeds the incoming one, or wins: keep it pending.
    KeepLocal,
}

/// Compares an incoming folder version with a pending local one
/// ([MS-OXCFXICS] 3.1.5.6.1; folders resolve by last writer wins, 3.1.5.6.2.2,
/// a tie keeping the incoming version as the server does).
pub(super) fn incoming_folder(
    conn: &Connection,
    f: &FolderChange,
) -> Result<IncomingFolder, ReplicaError> {
    if super::folder_deletes::incoming_deleted(conn, f)? {
        return Ok(IncomingFolder::KeepLocal); // deleted locally, not uploaded yet
    }
    let row: Option<(i64, Option<Vec<u8>>, Option<i64>)> = conn
        .prepare_cached("SELECT id, pcl, last_mod FROM folders WHERE source_key = ?1")?
        .query_row([&f.source_key], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .optional()?;
    let Some((id, pcl, last_mod)) = row else {
        return Ok(IncomingFolder::Apply);
    };
    if local_state(conn, id)?.is_none() {
        return Ok(IncomingFolder::Apply);
    }
    let decode = |b: &[u8], what: &str| {
        Pcl::decode_lenient(b).map_err(|e| ReplicaError::Corrupt(format!("{what}: {e}")))
    };
    let incoming = decode(&f.pcl, "incoming folder PCL")?;
    let mine = decode(pcl.as_deref().unwrap_or_default(), "local folder PCL")?;
    let verdict = match incoming.compare(&mine) {
        PclOrdering::Newer | PclOrdering::Equal => IncomingFolder::Apply,
        PclOrdering::Older => IncomingFolder::KeepLocal,
        PclOrdering::Conflict if f.last_modification_time >= last_mod.unwrap_or(0) as u64 => {
            IncomingFolder::Apply
        }
        PclOrdering::Conflict => IncomingFolder::KeepLocal,
    };
    if verdict == IncomingFolder::Apply {
        conn.execute("DELETE FROM folder_local WHERE folder = ?1", [id])?;
    }
    Ok(verdict)
}
