//! The client replica: folders, messages, ICS states and bookkeeping in an
//! embedded SQLite database ([MS-OXCSYNC] 3.1.1: the client owns ID
//! assignment, change tracking and ICS state storage).
//!
//! Writes of a download go through [`DownloadTxn`]: one SQLite transaction
//! holds every change of the download and the new ICS state, so a crash
//! leaves the old replica with the old state or the new with the new (R-275,
//! A fault hook ([`Replica::set_fault_hook`]) stops a download before
//! any single write, which is how the crash tests abort "between any two
//! steps".

mod folder_chain;
mod folder_deletes;
mod folders;
mod lifecycle;
mod local;
mod moves;
mod props;
pub mod schema;
mod txn;
pub mod value;

use std::path::Path;

use ics_wire::{Gid, GlobCnt, Guid, ReplGuid};
use rusqlite::{Connection, OptionalExtension, params};

pub use folder_deletes::PendingFolderDeletes;
pub use folders::{FolderRef, PendingFolder};
pub use local::Pending;
pub use moves::PendingMove;
pub(crate) use txn::hex;
pub use txn::{AppliedError, DownloadSummary, DownloadTxn};

use crate::error::ReplicaError;
use crate::model::{Prop, PropKey, Scope, StateBlobs};
use schema::*;

/// Called before each write of a download with the write point number and a
/// description; returning `true` stops the download there (a simulated crash).
pub type FaultHook = Box<dyn FnMut(usize, &'static str) -> bool + Send>;

/// The replica database.
pub struct Replica {
    conn: Connection,
    fault: Option<FaultHook>,
}

impl std::fmt::Debug for Replica {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Replica")
            .field("path", &self.conn.path())
            .finish_non_exhaustive()
    }
}

/// A folder row.
#[derive(Clone, Debug, PartialEq)]
pub struct FolderRow {
    /// Local row id.
    pub id: i64,
    /// Server FID (PtypInteger64 value), when known.
    pub fid: Option<u64>,
    /// PidTagSourceKey, when known.
    pub source_key: Option<Vec<u8>>,
    /// Local id of the parent.
    pub parent_id: Option<i64>,
    /// PidTagDisplayName.
    pub display_name: String,
    /// Folder properties, sorted by key.
    pub props: Vec<Prop>,
}

/// A message row with its properties.
#[derive(Clone, Debug, PartialEq)]
pub struct MessageRow {
    /// PidTagSourceKey.
    pub source_key: Vec<u8>,
    /// PidTagMid, when known.
    pub mid: Option<u64>,
    /// FAI.
    pub fai: bool,
    /// Read state.
    pub read: bool,
    /// PidTagChangeKey.
    pub change_key: Vec<u8>,
    /// PidTagPredecessorChangeList.
    pub pcl: Vec<u8>,
    /// PidTagLastModificationTime.
    pub last_modification_time: u64,
    /// Local change state (`schema::LOCAL_*`).
    pub local: i64,
    /// errorInfo code, for items moved aside in RecoverMode.
    pub error_code: Option<u32>,
    /// Properties, sorted by key.
    pub props: Vec<Prop>,
    /// Recipients (each sorted by key).
    pub recipients: Vec<Vec<Prop>>,
    /// Attachments (each sorted by key).
    pub attachments: Vec<Vec<Prop>>,
}

impl Replica {
    /// Opens (creating if needed) the replica at `path`. The database runs in
    /// WAL mode: a process crash keeps every committed download.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, ReplicaError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        // 64 MiB page cache: a full sync writes every page of the tables.
        conn.pragma_update(None, "cache_size", -65536)?;
        Self::init(conn)
    }

    /// A replica in memory (tests, benchmarks).
    pub fn open_in_memory() -> Result<Self, ReplicaError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, ReplicaError> {
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let r = (|| {
            conn.execute_batch(DDL)?;
            let v: Option<i64> = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()?;
            match v {
                None => {
                    conn.execute(
                        "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)",
                        [SCHEMA_VERSION],
                    )?;
                }
                Some(v) if v == SCHEMA_VERSION => {}
                Some(found) => {
                    return Err(ReplicaError::SchemaVersion {
                        found,
                        expected: SCHEMA_VERSION,
                    });
                }
            }
            for (kind, name) in [
                (KIND_UNSYNCHRONIZED, "Unsynchronized items"),
                (KIND_CONFLICTS, "Conflicting versions"),
            ] {
                conn.execute(
                    "INSERT INTO folders(display_name, kind)
                     SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM folders WHERE kind = ?2)",
                    params![name, kind],
                )?;
            }
            Ok(())
        })();
        match r {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
        Ok(Replica { conn, fault: None })
    }

    /// Installs (or removes) the hook consulted before every write of a download.
    pub fn set_fault_hook(&mut self, hook: Option<FaultHook>) {
        self.fault = hook;
    }

    /// The mailbox this replica belongs to, once bound.
    pub fn mailbox_guid(&self) -> Result<Option<Guid>, ReplicaError> {
        let b: Option<Vec<u8>> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'mailbox_guid'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        b.map(|b| {
            <[u8; 16]>::try_from(b.as_slice())
                .map(Guid::from_bytes)
                .map_err(|_| ReplicaError::Corrupt("mailbox_guid is not 16 bytes".into()))
        })
        .transpose()
    }

    /// Binds the replica to the mailbox GUID returned by RopLogon, or checks
    /// it against the bound one: a replica never syncs with another mailbox
    ///
    pub fn bind_mailbox(&mut self, server: Guid) -> Result<(), ReplicaError> {
        match self.mailbox_guid()? {
            Some(replica) if replica != server => {
                Err(ReplicaError::WrongMailbox { replica, server })
            }
            Some(_) => Ok(()),
            None => {
                self.conn.execute(
                    "INSERT INTO meta(key, value) VALUES ('mailbox_guid', ?1)",
                    [server.to_bytes().to_vec()],
                )?;
                Ok(())
            }
        }
    }

    /// The back-in-time counter kept with the replica ([MS-OXCSYNC] 3.1.3.1.1.1), 0 if never set.
    pub fn back_in_time_counter(&self) -> Result<u64, ReplicaError> {
        let v: Option<i64> = self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'back_in_time'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.unwrap_or(0) as u64)
    }

    /// Stores the back-in-time counter.
    pub fn set_back_in_time_counter(&mut self, v: u64) -> Result<(), ReplicaError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('back_in_time', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [v as i64],
        )?;
        Ok(())
    }

    /// Source key of the FAI message that carries the back-in-time counter on the server.
    pub fn back_in_time_message(&self) -> Result<Option<Vec<u8>>, ReplicaError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'back_in_time_message'",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// Records the source key of the counter message.
    pub fn set_back_in_time_message(&mut self, sk: &[u8]) -> Result<(), ReplicaError> {
        self.conn.execute(
            "INSERT INTO meta(key, value) VALUES ('back_in_time_message', ?1)
             ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            [sk],
        )?;
        Ok(())
    }

    /// The persisted ICS state of `scope`, or the empty state.
    pub fn state(&self, scope: &Scope) -> Result<StateBlobs, ReplicaError> {
        Self::state_of(&self.conn, scope)
    }

    pub(crate) fn state_of(conn: &Connection, scope: &Scope) -> Result<StateBlobs, ReplicaError> {
        Ok(conn
            .query_row(
                "SELECT idset_given, cnset_seen, cnset_seen_fai, cnset_read FROM ics_state
                 WHERE folder_fid = ?1 AND sync_type = ?2 AND restriction = ?3",
                params![
                    scope.folder_fid as i64,
                    scope.sync_type.code(),
                    scope.restriction
                ],
                |r| {
                    Ok(StateBlobs {
                        idset_given: r.get(0)?,
                        cnset_seen: r.get(1)?,
                        cnset_seen_fai: r.get(2)?,
                        cnset_read: r.get(3)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default())
    }

    /// Replaces the ICS state of `scope` outside a download (after an upload,
    /// Downloads store their state in [`DownloadTxn::commit`].
    pub fn set_state(&mut self, scope: &Scope, state: &StateBlobs) -> Result<(), ReplicaError> {
        txn::write_state(&self.conn, scope, state)?;
        Ok(())
    }

    /// Starts applying one download of `scope`: every write until
    /// [`DownloadTxn::commit`] is in one transaction, rolled back if the
    /// transaction is dropped uncommitted.
    pub fn begin_download(&mut self, scope: &Scope) -> Result<DownloadTxn<'_>, ReplicaError> {
        DownloadTxn::begin(self, scope)
    }

    /// Registers an ID range reserved with RopGetLocalReplicaIds
    /// ([MS-OXCFXICS] 2.2.3.2.4.7): `replguid ‖ [first, first + count − 1]`.
    pub fn add_id_range(
        &mut self,
        replguid: ReplGuid,
        first: GlobCnt,
        count: u32,
    ) -> Result<(), ReplicaError> {
        if count == 0 || first.checked_add(u64::from(count) - 1).is_none() {
            return Err(ReplicaError::Corrupt(format!(
                "reserved range {first:?} + {count} is empty or past the 48-bit counter"
            )));
        }
        self.conn.execute(
            "INSERT INTO id_ranges(replguid, first, count) VALUES (?1, ?2, ?3)",
            params![replguid.0.to_bytes().to_vec(), first.value() as i64, count],
        )?;
        Ok(())
    }

    /// (unused, total) reserved IDs over all ranges.
    pub fn reserved_ids(&self) -> Result<(u64, u64), ReplicaError> {
        let (unused, total): (i64, i64) = self.conn.query_row(
            "SELECT COALESCE(SUM(count - used), 0), COALESCE(SUM(count), 0) FROM id_ranges",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((unused as u64, total as u64))
    }

    /// Whether a new RopGetLocalReplicaIds is due: the client SHOULD NOT
    /// reserve again before most reserved IDs are used. "Most"
    /// is taken as: fewer than `min_unused` IDs or less than a quarter of the
    /// last range left.
    pub fn needs_id_reservation(&self, min_unused: u64) -> Result<bool, ReplicaError> {
        let last: Option<(i64, i64)> = self
            .conn
            .query_row(
                "SELECT count, used FROM id_ranges ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let (unused, _) = self.reserved_ids()?;
        Ok(match last {
            None => true,
            Some((count, _)) => unused < min_unused || unused * 4 < count as u64,
        })
    }

    /// Takes `n` IDs for new local objects, consecutive within a range where
    /// possible, each used once.
    pub fn allocate_ids(&mut self, n: u32) -> Result<Vec<Gid>, ReplicaError> {
        let mut out = Vec::with_capacity(n as usize);
        self.conn.execute_batch("SAVEPOINT alloc")?;
        let r = (|| {
            while out.len() < n as usize {
                let row: Option<(i64, Vec<u8>, i64, i64, i64)> = self
                    .conn
                    .query_row(
                        "SELECT id, replguid, first, count, used FROM id_ranges
                         WHERE used < count ORDER BY id LIMIT 1",
                        [],
                        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
                    )
                    .optional()?;
                let (id, guid, first, count, used) = row.ok_or(ReplicaError::NoReservedIds)?;
                let guid: [u8; 16] = guid.try_into().map_err(|_| {
                    ReplicaError::Corrupt("id_ranges.replguid is not 16 bytes".into())
                })?;
                let take = (count - used).min((n as usize - out.len()) as i64);
                for k in 0..take {
                    let g = GlobCnt::new((first + used + k) as u64)
                        .ok_or_else(|| ReplicaError::Corrupt("id range past 48 bits".into()))?;
                    out.push(Gid {
                        replguid: ReplGuid(Guid::from_bytes(guid)),
                        globcnt: g,
                    });
                }
                self.conn.execute(
                    "UPDATE id_ranges SET used = used + ?1 WHERE id = ?2",
                    [take, id],
                )?;
            }
            Ok(())
        })();
        match r {
            Ok(()) => {
                self.conn.execute_batch("RELEASE alloc")?;
                Ok(out)
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO alloc; RELEASE alloc")?;
                Err(e)
            }
        }
    }

    /// Gives up every reserved ID not used yet: returns the unused GID
    /// ranges (inclusive) and marks them used, so they are never handed out
    /// . The caller reports them with RopSetLocalReplicaMidsetDeleted.
    pub fn take_unused_ids(&mut self) -> Result<Vec<(Gid, Gid)>, ReplicaError> {
        let rows: Vec<(i64, Vec<u8>, i64, i64, i64)> = self
            .conn
            .prepare("SELECT id, replguid, first, count, used FROM id_ranges WHERE used < count ORDER BY id")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)))?
            .collect::<Result<_, _>>()?;
        let mut out = Vec::with_capacity(rows.len());
        for (_, guid, first, count, used) in &rows {
            let guid: [u8; 16] = guid
                .as_slice()
                .try_into()
                .map_err(|_| ReplicaError::Corrupt("id_ranges.replguid is not 16 bytes".into()))?;
            let g = |v: i64| {
                GlobCnt::new(v as u64)
                    .map(|globcnt| Gid {
                        replguid: ReplGuid(Guid::from_bytes(guid)),
                        globcnt,
                    })
                    .ok_or_else(|| ReplicaError::Corrupt("id range past 48 bits".into()))
            };
            out.push((g(first + used)?, g(first + count - 1)?));
        }
        self.conn
            .execute("UPDATE id_ranges SET used = count WHERE used < count", [])?;
        Ok(out)
    }

    /// The folder with server FID `fid`.
    pub fn folder_by_fid(&self, fid: u64) -> Result<Option<FolderRow>, ReplicaError> {
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM folders WHERE fid = ?1", [fid as i64], |r| {
                r.get(0)
            })
            .optional()?;
        id.map(|id| self.folder_row(id)).transpose()
    }

    /// The folder with source key `sk`.
    pub fn folder_by_source_key(&self, sk: &[u8]) -> Result<Option<FolderRow>, ReplicaError> {
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM folders WHERE source_key = ?1", [sk], |r| {
                r.get(0)
            })
            .optional()?;
        id.map(|id| self.folder_row(id)).transpose()
    }

    /// Every synchronized folder below the folder with local id `root`,
    /// parents before children.
    pub fn subfolders(&self, root: i64) -> Result<Vec<FolderRow>, ReplicaError> {
        let ids: Vec<i64> = self
            .conn
            .prepare(
                "WITH RECURSIVE t(id, depth) AS (
                   SELECT id, 1 FROM folders WHERE parent_id = ?1
                   UNION ALL SELECT f.id, t.depth + 1 FROM folders f JOIN t ON f.parent_id = t.id)
                 SELECT id FROM t ORDER BY depth, id",
            )?
            .query_map([root], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter().map(|id| self.folder_row(id)).collect()
    }

    fn folder_row(&self, id: i64) -> Result<FolderRow, ReplicaError> {
        let (fid, source_key, parent_id, display_name): (Option<i64>, _, _, _) =
            self.conn.query_row(
                "SELECT fid, source_key, parent_id, display_name FROM folders WHERE id = ?1",
                [id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )?;
        Ok(FolderRow {
            id,
            fid: fid.map(|f| f as u64),
            source_key,
            parent_id,
            display_name,
            props: props::read_props(&self.conn, props::Owner::Folder(id))?,
        })
    }

    /// Local id of the RecoverMode folder (never synchronized).
    pub fn unsynchronized_folder(&self) -> Result<i64, ReplicaError> {
        self.local_folder(KIND_UNSYNCHRONIZED)
    }

    /// Local id of the folder holding conflict losers (never synchronized).
    pub fn conflicts_folder(&self) -> Result<i64, ReplicaError> {
        self.local_folder(KIND_CONFLICTS)
    }

    fn local_folder(&self, kind: i64) -> Result<i64, ReplicaError> {
        Ok(self
            .conn
            .query_row("SELECT id FROM folders WHERE kind = ?1", [kind], |r| {
                r.get(0)
            })?)
    }

    /// Messages of the folder with server FID `fid` (none if unknown), by source key.
    pub fn messages_in_fid(&self, fid: u64) -> Result<Vec<MessageRow>, ReplicaError> {
        match self.folder_by_fid(fid)? {
            Some(f) => self.messages_in_folder(f.id),
            None => Ok(Vec::new()),
        }
    }

    /// Messages of the folder with local id `folder`, ordered by source key.
    pub fn messages_in_folder(&self, folder: i64) -> Result<Vec<MessageRow>, ReplicaError> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM messages WHERE folder = ?1 ORDER BY source_key")?
            .query_map([folder], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        ids.into_iter().map(|id| self.message_row(id)).collect()
    }

    /// The message with source key `sk`, wherever it is.
    pub fn message(&self, sk: &[u8]) -> Result<Option<MessageRow>, ReplicaError> {
        let id: Option<i64> = self
            .conn
            .query_row("SELECT id FROM messages WHERE source_key = ?1", [sk], |r| {
                r.get(0)
            })
            .optional()?;
        id.map(|id| self.message_row(id)).transpose()
    }

    /// Number of messages in the folder with local id `folder`.
    pub fn message_count(&self, folder: i64) -> Result<u64, ReplicaError> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM messages WHERE folder = ?1",
            [folder],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    fn message_row(&self, id: i64) -> Result<MessageRow, ReplicaError> {
        type Head = (
            Vec<u8>,
            Option<i64>,
            bool,
            bool,
            Vec<u8>,
            Vec<u8>,
            i64,
            i64,
            Option<i64>,
        );
        let h: Head = self.conn.query_row(
            "SELECT source_key, mid, fai, read, change_key, pcl, last_mod, local, error_code
             FROM messages WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                    r.get(7)?,
                    r.get(8)?,
                ))
            },
        )?;
        Ok(MessageRow {
            source_key: h.0,
            mid: h.1.map(|m| m as u64),
            fai: h.2,
            read: h.3,
            change_key: h.4,
            pcl: h.5,
            last_modification_time: h.6 as u64,
            local: h.7,
            error_code: h.8.map(|c| c as u32),
            props: props::read_props(&self.conn, props::Owner::Message(id))?,
            recipients: props::read_children(&self.conn, id, CHILD_RECIPIENT)?,
            attachments: props::read_children(&self.conn, id, CHILD_ATTACHMENT)?,
        })
    }

    /// A text dump of every table, in a stable order: two replicas with the
    /// same content give the same dump (crash tests compare them).
    pub fn dump(&self) -> Result<String, ReplicaError> {
        let mut out = String::new();
        for (table, order) in [
            ("meta", "key"),
            ("folders", "id"),
            ("folder_props", "folder, pkey"),
            ("messages", "source_key"),
            ("message_props", "msg, pkey"),
            ("children", "msg, kind, idx, pkey"),
            ("named_props", "id"),
            ("ics_state", "folder_fid, sync_type, restriction"),
            ("id_ranges", "id"),
            ("folder_local", "folder"),
            ("message_moves", "msg"),
        ] {
            out.push_str(table);
            out.push('\n');
            let mut st = self
                .conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY {order}"))?;
            let n = st.column_count();
            let mut rows = st.query([])?;
            while let Some(r) = rows.next()? {
                for i in 0..n {
                    let v: rusqlite::types::Value = r.get(i)?;
                    out.push_str(&format!(" {v:?}"));
                }
                out.push('\n');
            }
        }
        Ok(out)
    }

    /// The key of a stored property key code (for callers that read rows).
    pub fn prop_key(&self, pkey: i64) -> Result<PropKey, ReplicaError> {
        props::key_of(&self.conn, pkey)
    }
}
