//! Local changes waiting for upload ([MS-OXCFXICS] 3.3.5.2, 3.1.5.3).
//!
//! * New objects get IDs from ranges reserved with RopGetLocalReplicaIds
//!   the SourceKey is the GID `REPLGUID ‖ GLOBCNT`.
//! * Every local version gets a ChangeKey that is a foreign XID in the
//!   client's own namespace: a random NamespaceGuid kept with the
//!   replica and an 8-byte increasing LocalId (never 6 bytes, never reused).
//! * The version's PCL is the previous PCL merged with that XID.

use std::hash::{BuildHasher, Hasher};

use ics_wire::Guid;
use ics_wire::ids::Xid;
use ics_wire::pcl::Pcl;
use rusqlite::{Connection, OptionalExtension, params};

use super::props::{Owner, pkey_of, read_props};
use super::schema::*;
use super::{MessageRow, Replica, value};
use crate::error::ReplicaError;
use crate::model::{Prop, PropKey, Scope, SourceKey};

/// Local changes of one folder, in upload order.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pending {
    /// Created or modified messages (full content, R-204).
    pub changes: Vec<MessageRow>,
    /// Source keys of messages deleted locally.
    pub deletes: Vec<SourceKey>,
    /// Read-state changes of clean or modified messages: (source key, read).
    pub reads: Vec<(SourceKey, bool)>,
}

fn random_guid() -> Guid {
    let mut b = [0u8; 16];
    for (i, chunk) in b.chunks_mut(8).enumerate() {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0),
        );
        h.write_u32(std::process::id());
        h.write_usize(i);
        chunk.copy_from_slice(&h.finish().to_le_bytes());
    }
    Guid::from_bytes(b)
}

/// The client's XID namespace, created on first use.
pub(crate) fn client_namespace(conn: &Connection) -> Result<Guid, ReplicaError> {
    let b: Option<Vec<u8>> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'client_namespace'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match b {
        Some(b) => <[u8; 16]>::try_from(b.as_slice())
            .map(Guid::from_bytes)
            .map_err(|_| ReplicaError::Corrupt("client_namespace is not 16 bytes".into())),
        None => {
            let g = random_guid();
            conn.execute(
                "INSERT INTO meta(key, value) VALUES ('client_namespace', ?1)",
                [g.to_bytes().to_vec()],
            )?;
            Ok(g)
        }
    }
}

/// The next ChangeKey of a local version (R-263: unique, increasing, LocalId of 8 bytes).
pub(crate) fn next_change_key(conn: &Connection) -> Result<Xid, ReplicaError> {
    let ns = client_namespace(conn)?;
    let n: i64 = conn.query_row(
        "INSERT INTO meta(key, value) VALUES ('change_counter', 1)
         ON CONFLICT(key) DO UPDATE SET value = value + 1 RETURNING value",
        [],
        |r| r.get(0),
    )?;
    Xid::new(ns, &(n as u64).to_be_bytes())
        .ok_or_else(|| ReplicaError::Corrupt("change key LocalId".into()))
}

/// `pcl` merged with `ck`, serialized.
pub(crate) fn pcl_with(pcl: &[u8], ck: Xid) -> Result<Vec<u8>, ReplicaError> {
    let mut p =
        Pcl::decode_lenient(pcl).map_err(|e| ReplicaError::Corrupt(format!("stored PCL: {e}")))?;
    p.insert(ck);
    Ok(p.to_bytes())
}

impl Replica {
    /// The NamespaceGuid of the client's foreign identifiers.
    pub fn client_namespace(&mut self) -> Result<Guid, ReplicaError> {
        client_namespace(&self.conn)
    }

    pub(super) fn in_savepoint<T>(
        &mut self,
        f: impl FnOnce(&Connection) -> Result<T, ReplicaError>,
    ) -> Result<T, ReplicaError> {
        self.conn.execute_batch("SAVEPOINT local_change")?;
        match f(&self.conn) {
            Ok(v) => {
                self.conn.execute_batch("RELEASE local_change")?;
                Ok(v)
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO local_change; RELEASE local_change")?;
                Err(e)
            }
        }
    }

    /// Creates a message in the folder with FID `folder_fid`, with an ID from
    /// the reserved ranges. Returns its source key.
    pub fn create_local_message(
        &mut self,
        folder_fid: u64,
        fai: bool,
        props: &[Prop],
        now: u64,
    ) -> Result<SourceKey, ReplicaError> {
        let folder = self
            .folder_by_fid(folder_fid)?
            .ok_or_else(|| ReplicaError::UnknownFolder(format!("fid {folder_fid:#x}")))?
            .id;
        self.conn.execute_batch("SAVEPOINT create_local")?;
        let r = (|| {
            let gid = self.allocate_ids(1)?[0];
            let sk = gid.to_bytes().to_vec();
            let ck = next_change_key(&self.conn)?;
            let pcl = Pcl::single(ck).to_bytes();
            self.conn.execute(
                "INSERT INTO messages(folder, source_key, fai, read, change_key, pcl, last_mod, local)
                 VALUES (?1, ?2, ?3, 0, ?4, ?5, ?6, ?7)",
                params![folder, sk, fai, ck.to_bytes(), pcl, now as i64, LOCAL_CREATED],
            )?;
            let id = self.conn.last_insert_rowid();
            for p in props {
                put(&self.conn, id, p)?;
            }
            Ok(sk)
        })();
        match r {
            Ok(sk) => {
                self.conn.execute_batch("RELEASE create_local")?;
                Ok(sk)
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO create_local; RELEASE create_local")?;
                Err(e)
            }
        }
    }

    /// Changes properties of a message locally: a new local version.
    pub fn modify_local_message(
        &mut self,
        sk: &[u8],
        set: &[Prop],
        delete: &[PropKey],
        now: u64,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let (id, local, pcl) = row(conn, sk)?;
            if local == LOCAL_DELETED {
                return Err(ReplicaError::UnknownMessage(super::txn::hex(sk)));
            }
            let ck = next_change_key(conn)?;
            let state = if local == LOCAL_CREATED { LOCAL_CREATED } else { LOCAL_MODIFIED };
            conn.execute(
                "UPDATE messages SET change_key = ?1, pcl = ?2, last_mod = ?3, local = ?4 WHERE id = ?5",
                params![ck.to_bytes(), pcl_with(&pcl, ck)?, now as i64, state, id],
            )?;
            for k in delete {
                if let Some(pkey) = pkey_of(conn, k, false)? {
                    conn.execute("DELETE FROM message_props WHERE msg = ?1 AND pkey = ?2", [id, pkey])?;
                }
            }
            for p in set {
                put(conn, id, p)?;
            }
            Ok(())
        })
    }

    /// Deletes a message locally; the deletion is uploaded with ImportDeletes
    /// (also for IDs never uploaded, R-261).
    pub fn delete_local_message(&mut self, sk: &[u8]) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            let (id, _, _) = row(conn, sk)?;
            conn.execute(
                "UPDATE messages SET local = ?1 WHERE id = ?2",
                params![LOCAL_DELETED, id],
            )?;
            Ok(())
        })
    }

    /// Marks a message read or unread locally (uploaded with
    /// ImportReadStateChanges). FAI messages have no read state:
    /// returns `false` and changes nothing for them.
    pub fn set_read_local(&mut self, sk: &[u8], read: bool) -> Result<bool, ReplicaError> {
        self.in_savepoint(|conn| {
            let (id, _, _) = row(conn, sk)?;
            let n = conn.execute(
                "UPDATE messages SET read = ?1, read_dirty = 1 WHERE id = ?2 AND fai = 0",
                params![read, id],
            )?;
            Ok(n == 1)
        })
    }

    /// The local changes of the folder with FID `folder_fid`.
    pub fn pending(&self, folder_fid: u64) -> Result<Pending, ReplicaError> {
        let Some(folder) = self.folder_by_fid(folder_fid)? else {
            return Ok(Pending::default());
        };
        let rows: Vec<(i64, Vec<u8>, i64, bool, bool)> = self
            .conn
            .prepare(
                "SELECT id, source_key, local, read, read_dirty FROM messages
                 WHERE folder = ?1 AND (local <> 0 OR read_dirty <> 0) ORDER BY id",
            )?
            .query_map([folder.id], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<_, _>>()?;
        let mut p = Pending::default();
        for (id, sk, local, read, read_dirty) in rows {
            // Read state travels with an uploaded change; alone it is a read-state change.
            if read_dirty && local == LOCAL_CLEAN {
                p.reads.push((sk.clone(), read));
            }
            match local {
                LOCAL_DELETED => p.deletes.push(sk),
                LOCAL_CREATED | LOCAL_MODIFIED => p.changes.push(self.message_row(id)?),
                _ => {}
            }
        }
        Ok(p)
    }

    /// The server accepted the upload of this version (or already had it):
    /// the message is clean. With `given`, its ID joins IdsetGiven of that
    /// scope in the same transaction, so a later deletion on the
    /// server is reported even if the upload's new state never arrives.
    pub fn upload_done_change(
        &mut self,
        sk: &[u8],
        given: Option<&Scope>,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            conn.execute(
                "UPDATE messages SET local = ?1, read_dirty = 0 WHERE source_key = ?2",
                params![LOCAL_CLEAN, sk],
            )?;
            if let Some(scope) = given {
                edit_given(conn, scope, sk, true)?;
            }
            Ok(())
        })
    }

    /// Forgets that the server acknowledged the upload of the message's
    /// current version, as when the client stopped between the import and
    /// recording it: the next upload sends the same version (same ChangeKey
    /// and PCL) again, which the server answers with SyncIgnore.
    /// Returns `false` if the message has a local change already.
    pub fn mark_unacknowledged(&mut self, sk: &[u8]) -> Result<bool, ReplicaError> {
        self.in_savepoint(|conn| {
            let (id, local, _) = row(conn, sk)?;
            if local != LOCAL_CLEAN {
                return Ok(false);
            }
            conn.execute(
                "UPDATE messages SET local = ?1 WHERE id = ?2",
                params![LOCAL_MODIFIED, id],
            )?;
            Ok(true)
        })
    }

    /// The server accepted the deletion: forget the message, and drop its ID
    /// from IdsetGiven of `given`.
    pub fn upload_done_delete(
        &mut self,
        sk: &[u8],
        given: Option<&Scope>,
    ) -> Result<(), ReplicaError> {
        self.in_savepoint(|conn| {
            if let Some((id, _, _)) = row_opt(conn, sk)? {
                conn.execute("DELETE FROM message_props WHERE msg = ?1", [id])?;
                conn.execute("DELETE FROM children WHERE msg = ?1", [id])?;
                conn.execute("DELETE FROM messages WHERE id = ?1", [id])?;
            }
            if let Some(scope) = given {
                edit_given(conn, scope, sk, false)?;
            }
            Ok(())
        })
    }

    /// The server accepted the read-state change.
    pub fn upload_done_read(&mut self, sk: &[u8]) -> Result<(), ReplicaError> {
        self.conn.execute(
            "UPDATE messages SET read_dirty = 0 WHERE source_key = ?1",
            [sk],
        )?;
        Ok(())
    }

    /// Properties of a message as stored (for callers that need one message's props).
    pub fn message_props(&self, sk: &[u8]) -> Result<Vec<Prop>, ReplicaError> {
        let (id, _, _) = row(&self.conn, sk)?;
        read_props(&self.conn, Owner::Message(id))
    }
}

fn row_opt(conn: &Connection, sk: &[u8]) -> Result<Option<(i64, i64, Vec<u8>)>, ReplicaError> {
    Ok(conn
        .query_row(
            "SELECT id, local, pcl FROM messages WHERE source_key = ?1",
            [sk],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?)
}

fn row(conn: &Connection, sk: &[u8]) -> Result<(i64, i64, Vec<u8>), ReplicaError> {
    row_opt(conn, sk)?.ok_or_else(|| ReplicaError::UnknownMessage(super::txn::hex(sk)))
}

fn put(conn: &Connection, msg: i64, p: &Prop) -> Result<(), ReplicaError> {
    let pkey = pkey_of(conn, &p.key, true)?
        .ok_or_else(|| ReplicaError::Corrupt("named property not created".into()))?;
    let (ptype, val) = value::encode(&p.value);
    conn.prepare_cached(
        "INSERT OR REPLACE INTO message_props(msg, pkey, ptype, val) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![msg, pkey, ptype, val])?;
    Ok(())
}

/// Adds or removes the GID `sk` in IdsetGiven of `scope`.
pub(super) fn edit_given(
    conn: &Connection,
    scope: &Scope,
    sk: &[u8],
    add: bool,
) -> Result<(), ReplicaError> {
    use ics_wire::idset::ReplGuidSet;
    use ics_wire::{GlobCnt, ReplGuid};
    let Ok(b) = <[u8; 22]>::try_from(sk) else {
        return Err(ReplicaError::Corrupt(format!(
            "source key {} is not a GID",
            super::txn::hex(sk)
        )));
    };
    let mut g = [0u8; 16];
    g.copy_from_slice(&b[..16]);
    let mut c = [0u8; 6];
    c.copy_from_slice(&b[16..]);
    let (replguid, globcnt) = (ReplGuid(Guid::from_bytes(g)), GlobCnt::from_bytes(c));
    let mut state = super::Replica::state_of(conn, scope)?;
    let mut set = if state.idset_given.is_empty() {
        ReplGuidSet::new()
    } else {
        ReplGuidSet::decode_replguid(&state.idset_given)
            .map_err(|e| ReplicaError::Corrupt(format!("stored IdsetGiven: {e}")))?
    };
    if add {
        set.insert(replguid, globcnt);
    } else {
        set.remove(replguid, globcnt);
    }
    state.idset_given = set.encode_replguid();
    super::txn::write_state(conn, scope, &state)
}
