//! One download applied in one transaction ([MS-OXCSYNC] 3.1.5.3).
//!
//! Apply rules:
//! * full item change: remove every local property and store the downloaded
//!   set; children are replaced too;
//! * several full changes of one message whose PCLs do not include each other
//!   (the versions of a conflict resolve message, [MS-OXCFXICS] 3.1.5.6.2.1):
//!   resolved by last writer wins, the losers kept ([`versions`]);
//! * partial item change: for each group sent, delete the local properties of
//!   that group missing from its propList and set the others; groups not sent
//!   stay;
//! * deletions (hard, soft, no longer in scope, expired — the stream does not
//!   tell hard from soft, R-157): delete the local objects;
//! * read-state changes: set the read flag, ignored for FAI;
//! * errorInfo: move the item to the local unsynchronized folder;
//! * folder changes: create or update the folder under its parent (parents
//!   come first, [MS-OXCFXICS] 2.2.4.3.9), replacing its properties.

use rusqlite::{OptionalExtension, params};

mod versions;

use super::props::{Owner, pkey_of};
use super::schema::*;
use super::{Replica, value};
use crate::error::ReplicaError;
use crate::model::{
    Change, Children, DeletionKind, EMPTY_GROUP_PLACEHOLDER, FolderChange, MSGFLAG_READ,
    MessageFull, MessageHeader, MessagePartial, NO_GROUP, Prop, PropKey, Scope, StateBlobs,
    SyncType,
};
use ics_wire::pcl::{Pcl, PclOrdering};
use ics_wire::prop::{PropValue, tags};

/// An errorInfo the download reported.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppliedError {
    /// ExtendedErrorInfo.ErrorCode.
    pub error_code: u32,
    /// MessageGID, if any.
    pub message: Option<Vec<u8>>,
    /// FolderGID, if any.
    pub folder: Option<Vec<u8>>,
}

/// What a download did to the replica.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DownloadSummary {
    /// Folder changes applied.
    pub folders: u64,
    /// Full message changes applied.
    pub full: u64,
    /// Partial message changes applied.
    pub partial: u64,
    /// Objects deleted.
    pub deleted: u64,
    /// Deletions of objects the replica did not have.
    pub deletions_unknown: u64,
    /// Read-state changes applied.
    pub read_changes: u64,
    /// Incoming versions older than a local version not yet uploaded (ignored, R-235).
    pub kept_local: u64,
    /// Conflicts resolved by last writer wins.
    pub conflicts: u64,
    /// errorInfo elements: items moved to the unsynchronized folder.
    pub errors: Vec<AppliedError>,
}

/// The open transaction of one download. Dropping it without
/// [`DownloadTxn::commit`] rolls every change back.
pub struct DownloadTxn<'a> {
    replica: &'a mut Replica,
    scope: Scope,
    /// Local id of the scope's folder.
    root: i64,
    point: usize,
    open: bool,
    summary: DownloadSummary,
    /// Source keys of the normal messages a full change of this download
    /// stored: a later version of one of them may be in conflict with it
    /// ([`versions`]).
    applied: std::collections::HashSet<Vec<u8>>,
}

impl std::fmt::Debug for DownloadTxn<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadTxn")
            .field("scope", &self.scope)
            .field("point", &self.point)
            .finish_non_exhaustive()
    }
}

impl<'a> DownloadTxn<'a> {
    pub(super) fn begin(replica: &'a mut Replica, scope: &Scope) -> Result<Self, ReplicaError> {
        replica.conn.execute_batch("BEGIN IMMEDIATE")?;
        let mut t = DownloadTxn {
            replica,
            scope: scope.clone(),
            root: 0,
            point: 0,
            open: true,
            summary: DownloadSummary::default(),
            applied: std::collections::HashSet::new(),
        };
        t.root = t.ensure_folder_by_fid(scope.folder_fid)?;
        Ok(t)
    }

    /// Consults the fault hook before a write.
    fn point(&mut self, what: &'static str) -> Result<(), ReplicaError> {
        let point = self.point;
        self.point += 1;
        if let Some(h) = self.replica.fault.as_mut()
            && h(point, what)
        {
            return Err(ReplicaError::InjectedCrash { point, what });
        }
        Ok(())
    }

    fn ensure_folder_by_fid(&mut self, fid: u64) -> Result<i64, ReplicaError> {
        let found: Option<i64> = self
            .replica
            .conn
            .prepare_cached("SELECT id FROM folders WHERE fid = ?1")?
            .query_row([fid as i64], |r| r.get(0))
            .optional()?;
        if let Some(id) = found {
            return Ok(id);
        }
        self.point("insert scope folder")?;
        self.replica.conn.execute(
            "INSERT INTO folders(fid, kind) VALUES (?1, ?2)",
            params![fid as i64, KIND_SYNCED],
        )?;
        Ok(self.replica.conn.last_insert_rowid())
    }

    /// The changes applied so far.
    pub fn summary(&self) -> &DownloadSummary {
        &self.summary
    }

    /// Applies one change.
    pub fn apply(&mut self, change: &Change) -> Result<(), ReplicaError> {
        match change {
            Change::Folder(f) => self.folder_change(f),
            Change::MessageFull(m) => self.message_full(m),
            Change::MessagePartial(m) => self.message_partial(m),
            Change::Deletions { kind, ids } => self.deletions(*kind, ids),
            Change::ReadState { read, unread } => {
                for sk in read {
                    self.read_state(sk, true)?;
                }
                for sk in unread {
                    self.read_state(sk, false)?;
                }
                Ok(())
            }
            Change::ErrorInfo {
                error_code,
                folder,
                message,
            } => self.error_info(*error_code, folder.as_deref(), message.as_deref()),
        }
    }

    /// Stores the final ICS state and commits: the download becomes visible
    /// as a whole.
    pub fn commit(mut self, state: &StateBlobs) -> Result<DownloadSummary, ReplicaError> {
        self.point("write ICS state")?;
        write_state(&self.replica.conn, &self.scope, state)?;
        self.point("commit")?;
        self.replica.conn.execute_batch("COMMIT")?;
        self.open = false;
        Ok(std::mem::take(&mut self.summary))
    }

    /// Rolls back explicitly (dropping does the same).
    pub fn rollback(mut self) -> Result<(), ReplicaError> {
        self.open = false;
        self.replica.conn.execute_batch("ROLLBACK")?;
        Ok(())
    }

    fn message_id(&self, sk: &[u8]) -> Result<Option<(i64, bool)>, ReplicaError> {
        Ok(self
            .replica
            .conn
            .prepare_cached("SELECT id, fai FROM messages WHERE source_key = ?1")?
            .query_row([sk], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?)
    }

    fn upsert_header(
        &mut self,
        h: &MessageHeader,
        read: Option<bool>,
    ) -> Result<i64, ReplicaError> {
        self.point("upsert message header")?;
        let id: i64 = self
            .replica
            .conn
            .prepare_cached(
                "INSERT INTO messages(folder, source_key, mid, fai, read, change_key, pcl, last_mod, cn)
                 VALUES (?1, ?2, ?3, ?4, COALESCE(?5, 0), ?6, ?7, ?8, ?9)
                 ON CONFLICT(source_key) DO UPDATE SET
                   folder = excluded.folder, mid = COALESCE(excluded.mid, mid), fai = excluded.fai,
                   read = COALESCE(?5, read), change_key = excluded.change_key, pcl = excluded.pcl,
                   last_mod = excluded.last_mod, cn = COALESCE(excluded.cn, cn),
                   local = 0, error_code = NULL
                 RETURNING id",
            )?
            .query_row(
                params![
                    self.root,
                    h.source_key,
                    h.mid.map(|m| m as i64),
                    h.associated,
                    read,
                    h.change_key,
                    h.pcl,
                    h.last_modification_time as i64,
                    h.cn.map(|c| c as i64),
                ],
                |r| r.get(0),
            )?;
        Ok(id)
    }

    fn message_full(&mut self, m: &MessageFull) -> Result<(), ReplicaError> {
        if self.version_in_conflict(m)? {
            return Ok(());
        }
        let Some((resolution, local_loser)) =
            self.settle(&m.header, |t| t.copy_incoming_loser(m))?
        else {
            return Ok(());
        };
        self.store_full(m, resolution != Resolution::New)?;
        if let Resolution::Conflict { local, .. } = &resolution {
            self.finish_conflict(local, &m.header, local_loser)?;
        }
        Ok(())
    }

    /// Settles an incoming version against a local one not yet uploaded
    /// (R-338..R-340). `None`: nothing is left to apply (the local version is
    /// kept, or wins with `incoming_loser` kept aside). Otherwise the
    /// resolution, and the local loser copied aside when the incoming wins.
    fn settle(
        &mut self,
        h: &MessageHeader,
        incoming_loser: impl FnOnce(&mut Self) -> Result<Option<Vec<u8>>, ReplicaError>,
    ) -> Result<Option<Settled>, ReplicaError> {
        let resolution = self.check_local_version(h)?;
        let local_loser = match &resolution {
            Resolution::KeepLocal => {
                self.summary.kept_local += 1;
                return Ok(None);
            }
            Resolution::Conflict {
                local,
                incoming_wins: false,
            } => {
                let loser = incoming_loser(self)?;
                self.finish_conflict(local, h, loser)?;
                return Ok(None);
            }
            Resolution::Conflict {
                local,
                incoming_wins: true,
            } => self.copy_local_loser(local)?,
            _ => None,
        };
        Ok(Some((resolution, local_loser)))
    }

    /// Stores a full change over the message's local properties and children.
    fn store_full(&mut self, m: &MessageFull, existed: bool) -> Result<(), ReplicaError> {
        let read = read_bit(&m.props);
        // A new message without PidTagMessageFlags is unread; an existing one keeps its state.
        let id = self.upsert_header(&m.header, read)?;
        if existed {
            self.point("delete all message properties")?;
            self.replica
                .conn
                .prepare_cached("DELETE FROM message_props WHERE msg = ?1")?
                .execute([id])?;
        }
        for p in &m.props {
            self.put_prop(Owner::Message(id), p)?;
        }
        let empty = Vec::new();
        let recipients = m.children.recipients.as_ref().unwrap_or(&empty);
        let attachments = m.children.attachments.as_ref().unwrap_or(&empty);
        if existed || !recipients.is_empty() || !attachments.is_empty() {
            let children = Children {
                recipients: Some(recipients.clone()),
                attachments: Some(attachments.clone()),
            };
            self.replace_children(id, &children)?;
        }
        self.summary.full += 1;
        if !m.header.associated {
            self.applied.insert(m.header.source_key.clone());
        }
        Ok(())
    }

    /// Compares an incoming version with a local one not yet uploaded
    /// ([MS-OXCFXICS] 3.1.5.6.1; R-235).
    fn check_local_version(&mut self, h: &MessageHeader) -> Result<Resolution, ReplicaError> {
        let row: Option<LocalVersion> = self
            .replica
            .conn
            .prepare_cached(
                "SELECT id, local, pcl, last_mod, change_key, fai FROM messages WHERE source_key = ?1",
            )?
            .query_row([&h.source_key], |r| {
                Ok(LocalVersion {
                    id: r.get(0)?,
                    state: r.get(1)?,
                    pcl: r.get(2)?,
                    last_mod: r.get::<_, i64>(3)? as u64,
                    change_key: r.get(4)?,
                    fai: r.get(5)?,
                })
            })
            .optional()?;
        let Some(local) = row else {
            return Ok(Resolution::Apply);
        };
        if local.state != LOCAL_MODIFIED && local.state != LOCAL_CREATED {
            // Clean, or deleted locally: the server's version is applied (a
            // change on the server outlives a local deletion not yet uploaded).
            return Ok(Resolution::Apply);
        }
        let incoming = decode_pcl(&h.pcl, "incoming PCL")?;
        let mine = decode_pcl(&local.pcl, "local PCL")?;
        Ok(match incoming.compare(&mine) {
            // The server already has this version or a successor of it.
            PclOrdering::Newer | PclOrdering::Equal => Resolution::Apply,
            PclOrdering::Older => Resolution::KeepLocal,
            PclOrdering::Conflict => {
                let incoming_wins = incoming_wins(h, &local);
                Resolution::Conflict {
                    local,
                    incoming_wins,
                }
            }
        })
    }

    /// Keeps a copy of the local version in the conflicts folder; returns its source key.
    fn copy_local_loser(&mut self, local: &LocalVersion) -> Result<Option<Vec<u8>>, ReplicaError> {
        if local.fai {
            return Ok(None); // last writer wins, no versions kept for FAI.
        }
        let folder = self.replica.conflicts_folder()?;
        let sk = [b"CF".as_slice(), &local.change_key].concat();
        if self.message_id(&sk)?.is_some() {
            return Ok(Some(sk)); // This version was kept aside before.
        }
        self.point("copy losing local version")?;
        self.replica.conn.execute(
            "INSERT INTO messages(folder, source_key, mid, fai, read, change_key, pcl, last_mod, cn, local)
             SELECT ?1, ?2, NULL, fai, read, change_key, pcl, last_mod, NULL, 0 FROM messages WHERE id = ?3",
            params![folder, sk, local.id],
        )?;
        let copy = self.replica.conn.last_insert_rowid();
        self.point("copy losing local properties")?;
        self.replica.conn.execute(
            "INSERT INTO message_props(msg, pkey, ptype, val) SELECT ?1, pkey, ptype, val FROM message_props WHERE msg = ?2",
            [copy, local.id],
        )?;
        self.point("copy losing local children")?;
        self.replica.conn.execute(
            "INSERT INTO children(msg, kind, idx, pkey, ptype, val)
             SELECT ?1, kind, idx, pkey, ptype, val FROM children WHERE msg = ?2",
            [copy, local.id],
        )?;
        Ok(Some(sk))
    }

    /// Keeps the incoming (losing) version in the conflicts folder.
    fn copy_incoming_loser(&mut self, m: &MessageFull) -> Result<Option<Vec<u8>>, ReplicaError> {
        if m.header.associated {
            return Ok(None);
        }
        let folder = self.replica.conflicts_folder()?;
        let sk = [b"CF".as_slice(), &m.header.change_key].concat();
        if self.message_id(&sk)?.is_some() {
            return Ok(Some(sk));
        }
        self.point("store losing incoming version")?;
        self.replica.conn.execute(
            "INSERT INTO messages(folder, source_key, fai, read, change_key, pcl, last_mod, local)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0)",
            params![
                folder,
                sk,
                m.header.associated,
                read_bit(&m.props).unwrap_or(false),
                m.header.change_key,
                m.header.pcl,
                m.header.last_modification_time as i64
            ],
        )?;
        let copy = self.replica.conn.last_insert_rowid();
        for p in &m.props {
            self.put_prop(Owner::Message(copy), p)?;
        }
        Ok(Some(sk))
    }

    /// The winner stays in place as a new local version that succeeds both
    /// (PCL = merge, R-238), linked to the loser through PidTagConflictItems
    /// and is uploaded next.
    fn finish_conflict(
        &mut self,
        local: &LocalVersion,
        incoming: &MessageHeader,
        loser: Option<Vec<u8>>,
    ) -> Result<(), ReplicaError> {
        let merged =
            decode_pcl(&incoming.pcl, "incoming PCL")?.merge(&decode_pcl(&local.pcl, "local PCL")?);
        self.point("new change key for resolved version")?;
        let ck = super::local::next_change_key(&self.replica.conn)?;
        let pcl = super::local::pcl_with(&merged.to_bytes(), ck)?;
        let last_mod = incoming.last_modification_time.max(local.last_mod);
        self.point("store resolved version")?;
        self.replica.conn.execute(
            "UPDATE messages SET change_key = ?1, pcl = ?2, last_mod = ?3, local = ?4 WHERE id = ?5",
            params![ck.to_bytes(), pcl, last_mod as i64, LOCAL_MODIFIED, local.id],
        )?;
        if let Some(loser) = loser {
            let key = PropKey::of_tag(tags::PID_TAG_CONFLICT_ITEMS);
            let mut items = match self.stored_prop(local.id, &key)? {
                Some(PropValue::MvBinary(v)) => v,
                _ => Vec::new(),
            };
            if !items.contains(&loser) {
                items.push(loser);
            }
            self.put_prop(
                Owner::Message(local.id),
                &Prop::tagged(tags::PID_TAG_CONFLICT_ITEMS, PropValue::MvBinary(items)),
            )?;
        }
        self.summary.conflicts += 1;
        Ok(())
    }

    fn stored_prop(&self, msg: i64, key: &PropKey) -> Result<Option<PropValue>, ReplicaError> {
        let Some(pkey) = pkey_of(&self.replica.conn, key, false)? else {
            return Ok(None);
        };
        let v: Option<(i64, rusqlite::types::Value)> = self
            .replica
            .conn
            .prepare_cached("SELECT ptype, val FROM message_props WHERE msg = ?1 AND pkey = ?2")?
            .query_row([msg, pkey], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        v.map(|(t, v)| value::decode(t, v)).transpose()
    }

    fn message_partial(&mut self, m: &MessagePartial) -> Result<(), ReplicaError> {
        if self.message_id(&m.header.source_key)?.is_none() {
            // the server sends partial changes only for messages in IdsetGiven.
            return Err(ReplicaError::UnknownMessage(hex(&m.header.source_key)));
        }
        // A partial change only says what changed since the server's previous
        // version; in a conflict it is applied over the local content and the
        // local version is kept aside when the server's wins.
        let Some((resolution, local_loser)) = self.settle(&m.header, |_| Ok(None))? else {
            return Ok(());
        };
        let all: Vec<Prop> = m
            .groups
            .iter()
            .flat_map(|(_, l)| l.iter().cloned())
            .collect();
        let id = self.upsert_header(&m.header, read_bit(&all))?;
        for (index, list) in &m.groups {
            if *index != NO_GROUP {
                let group = m.mapping.get(*index as usize).ok_or_else(|| {
                    ReplicaError::Corrupt(format!(
                        "partial change names group {index}, the mapping has {}",
                        m.mapping.len()
                    ))
                })?;
                for key in group {
                    if !list.iter().any(|p| &p.key == key) {
                        self.delete_prop(Owner::Message(id), key)?;
                    }
                }
            }
            for p in list {
                if p.key == PropKey::of_tag(EMPTY_GROUP_PLACEHOLDER)
                    && p.value.prop_type() == EMPTY_GROUP_PLACEHOLDER.prop_type()
                {
                    continue;
                }
                self.put_prop(Owner::Message(id), p)?;
            }
        }
        self.replace_children(id, &m.children)?;
        self.summary.partial += 1;
        if let Resolution::Conflict { local, .. } = &resolution {
            self.finish_conflict(local, &m.header, local_loser)?;
        }
        Ok(())
    }

    fn put_prop(&mut self, owner: Owner, p: &Prop) -> Result<(), ReplicaError> {
        if matches!(p.key, PropKey::Named(_)) {
            self.point("insert named property")?;
        }
        let pkey = pkey_of(&self.replica.conn, &p.key, true)?
            .ok_or_else(|| ReplicaError::Corrupt("named property not created".into()))?;
        let (ptype, val) = value::encode(&p.value);
        self.point("write property")?;
        let (sql, id) = match owner {
            Owner::Message(id) => (
                "INSERT OR REPLACE INTO message_props(msg, pkey, ptype, val) VALUES (?1, ?2, ?3, ?4)",
                id,
            ),
            Owner::Folder(id) => (
                "INSERT OR REPLACE INTO folder_props(folder, pkey, ptype, val) VALUES (?1, ?2, ?3, ?4)",
                id,
            ),
        };
        self.replica
            .conn
            .prepare_cached(sql)?
            .execute(params![id, pkey, ptype, val])?;
        Ok(())
    }

    fn delete_prop(&mut self, owner: Owner, key: &PropKey) -> Result<(), ReplicaError> {
        let Some(pkey) = pkey_of(&self.replica.conn, key, false)? else {
            return Ok(());
        };
        self.point("delete group property")?;
        let (sql, id) = match owner {
            Owner::Message(id) => ("DELETE FROM message_props WHERE msg = ?1 AND pkey = ?2", id),
            Owner::Folder(id) => (
                "DELETE FROM folder_props WHERE folder = ?1 AND pkey = ?2",
                id,
            ),
        };
        self.replica.conn.prepare_cached(sql)?.execute([id, pkey])?;
        Ok(())
    }

    fn replace_children(&mut self, msg: i64, c: &Children) -> Result<(), ReplicaError> {
        for (kind, list) in [
            (CHILD_RECIPIENT, &c.recipients),
            (CHILD_ATTACHMENT, &c.attachments),
        ] {
            let Some(list) = list else { continue };
            self.point("delete children")?;
            self.replica
                .conn
                .prepare_cached("DELETE FROM children WHERE msg = ?1 AND kind = ?2")?
                .execute([msg, kind])?;
            for (idx, props) in list.iter().enumerate() {
                self.point("insert child")?;
                self.replica
                    .conn
                    .prepare_cached(
                        "INSERT INTO children(msg, kind, idx, pkey, ptype, val) VALUES (?1, ?2, ?3, -1, 0, NULL)",
                    )?
                    .execute(params![msg, kind, idx as i64])?;
                for p in props {
                    if matches!(p.key, PropKey::Named(_)) {
                        self.point("insert named property")?;
                    }
                    let pkey = pkey_of(&self.replica.conn, &p.key, true)?.ok_or_else(|| {
                        ReplicaError::Corrupt("named property not created".into())
                    })?;
                    let (ptype, val) = value::encode(&p.value);
                    self.point("write child property")?;
                    self.replica
                        .conn
                        .prepare_cached(
                            "INSERT OR REPLACE INTO children(msg, kind, idx, pkey, ptype, val)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                        )?
                        .execute(params![msg, kind, idx as i64, pkey, ptype, val])?;
                }
            }
        }
        Ok(())
    }

    fn delete_message(&mut self, id: i64) -> Result<(), ReplicaError> {
        self.point("delete message properties")?;
        self.replica
            .conn
            .prepare_cached("DELETE FROM message_props WHERE msg = ?1")?
            .execute([id])?;
        self.point("delete message children")?;
        self.replica
            .conn
            .prepare_cached("DELETE FROM children WHERE msg = ?1")?
            .execute([id])?;
        self.point("delete message")?;
        self.replica
            .conn
            .prepare_cached("DELETE FROM messages WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    fn deletions(&mut self, _kind: DeletionKind, ids: &[Vec<u8>]) -> Result<(), ReplicaError> {
        for sk in ids {
            let found = match self.scope.sync_type {
                SyncType::Contents => {
                    let id: Option<i64> = self
                        .replica
                        .conn
                        .prepare_cached(
                            "SELECT id FROM messages WHERE source_key = ?1 AND folder = ?2",
                        )?
                        .query_row(params![sk, self.root], |r| r.get(0))
                        .optional()?;
                    match id {
                        Some(id) => {
                            self.delete_message(id)?;
                            true
                        }
                        None => false,
                    }
                }
                SyncType::Hierarchy => {
                    let id: Option<i64> = self
                        .replica
                        .conn
                        .prepare_cached("SELECT id FROM folders WHERE source_key = ?1")?
                        .query_row([sk], |r| r.get(0))
                        .optional()?;
                    match id {
                        Some(id) if id != self.root => {
                            self.delete_folder_tree(id)?;
                            true
                        }
                        _ => false,
                    }
                }
            };
            if found {
                self.summary.deleted += 1;
            } else {
                self.summary.deletions_unknown += 1;
            }
        }
        Ok(())
    }

    fn delete_folder_tree(&mut self, id: i64) -> Result<(), ReplicaError> {
        let tree: Vec<(i64, Option<i64>)> = self
            .replica
            .conn
            .prepare_cached(
                "WITH RECURSIVE t(id, depth) AS (
                   SELECT ?1, 0 UNION ALL
                   SELECT f.id, t.depth + 1 FROM folders f JOIN t ON f.parent_id = t.id)
                 SELECT t.id, f.fid FROM t JOIN folders f ON f.id = t.id ORDER BY t.depth DESC",
            )?
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<_, _>>()?;
        for (fid_row, fid) in tree {
            let msgs: Vec<i64> = self
                .replica
                .conn
                .prepare_cached("SELECT id FROM messages WHERE folder = ?1")?
                .query_map([fid_row], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            for m in msgs {
                self.delete_message(m)?;
            }
            if let Some(fid) = fid {
                // The states of scopes anchored at a deleted folder are void.
                self.point("delete states of deleted folder")?;
                self.replica
                    .conn
                    .prepare_cached("DELETE FROM ics_state WHERE folder_fid = ?1")?
                    .execute([fid])?;
            }
            self.point("delete folder properties")?;
            self.replica
                .conn
                .prepare_cached("DELETE FROM folder_props WHERE folder = ?1")?
                .execute([fid_row])?;
            self.point("delete folder")?;
            self.replica
                .conn
                .prepare_cached("DELETE FROM folders WHERE id = ?1")?
                .execute([fid_row])?;
        }
        Ok(())
    }

    fn read_state(&mut self, sk: &[u8], read: bool) -> Result<(), ReplicaError> {
        let Some((id, fai)) = self.message_id(sk)? else {
            // the server reports only messages in IdsetGiven; one moved
            // aside or never stored is not ours to create.
            return Ok(());
        };
        if fai {
            return Ok(()); // read state does not apply to FAI messages.
        }
        self.point("update read state")?;
        self.replica
            .conn
            .prepare_cached("UPDATE messages SET read = ?1 WHERE id = ?2")?
            .execute(params![read, id])?;
        // Keep PidTagMessageFlags consistent with the read flag when it is stored.
        let flags_key = PropKey::of_tag(tags::PID_TAG_MESSAGE_FLAGS);
        let pkey = pkey_of(&self.replica.conn, &flags_key, false)?.unwrap_or(0);
        let flags: Option<(i64, rusqlite::types::Value)> = self
            .replica
            .conn
            .prepare_cached("SELECT ptype, val FROM message_props WHERE msg = ?1 AND pkey = ?2")?
            .query_row([id, pkey], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        if let Some((ptype, val)) = flags
            && let PropValue::I32(f) = value::decode(ptype, val)?
        {
            let nf = if read {
                f | MSGFLAG_READ
            } else {
                f & !MSGFLAG_READ
            };
            if nf != f {
                self.put_prop(
                    Owner::Message(id),
                    &Prop::tagged(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(nf)),
                )?;
            }
        }
        self.summary.read_changes += 1;
        Ok(())
    }

    fn error_info(
        &mut self,
        error_code: u32,
        folder: Option<&[u8]>,
        message: Option<&[u8]>,
    ) -> Result<(), ReplicaError> {
        self.summary.errors.push(AppliedError {
            error_code,
            message: message.map(<[u8]>::to_vec),
            folder: folder.map(<[u8]>::to_vec),
        });
        let Some(sk) = message else { return Ok(()) };
        let unsync = self.replica.unsynchronized_folder()?;
        match self.message_id(sk)? {
            Some((id, _)) => {
                self.point("move failed item to unsynchronized folder")?;
                self.replica
                    .conn
                    .prepare_cached(
                        "UPDATE messages SET folder = ?1, error_code = ?2 WHERE id = ?3",
                    )?
                    .execute(params![unsync, error_code, id])?;
            }
            None => {
                // A new item the server could not send: keep a stub so the user sees it.
                self.point("record failed item in unsynchronized folder")?;
                self.replica
                    .conn
                    .prepare_cached(
                        "INSERT INTO messages(folder, source_key, fai, change_key, pcl, last_mod, error_code)
                         VALUES (?1, ?2, 0, x'', x'', 0, ?3)",
                    )?
                    .execute(params![unsync, sk, error_code])?;
            }
        }
        Ok(())
    }

    fn folder_change(&mut self, f: &FolderChange) -> Result<(), ReplicaError> {
        // A pending local version of the folder meets the incoming one (3.1.5.6.1).
        self.point("compare with local folder version")?;
        if super::folders::incoming_folder(&self.replica.conn, f)?
            == super::folders::IncomingFolder::KeepLocal
        {
            self.summary.kept_local += 1;
            return Ok(());
        }
        let parent = if f.parent_source_key.is_empty() {
            self.root
        } else {
            self.replica
                .conn
                .prepare_cached("SELECT id FROM folders WHERE source_key = ?1")?
                .query_row([&f.parent_source_key], |r| r.get(0))
                .optional()?
                .ok_or_else(|| ReplicaError::UnknownFolder(hex(&f.parent_source_key)))?
        };
        let by_sk: Option<i64> = self
            .replica
            .conn
            .prepare_cached("SELECT id FROM folders WHERE source_key = ?1")?
            .query_row([&f.source_key], |r| r.get(0))
            .optional()?;
        let by_fid: Option<i64> = match f.fid {
            Some(fid) => self
                .replica
                .conn
                .prepare_cached("SELECT id FROM folders WHERE fid = ?1")?
                .query_row([fid as i64], |r| r.get(0))
                .optional()?,
            None => None,
        };
        self.point("upsert folder")?;
        let id = match by_sk.or(by_fid) {
            Some(id) => {
                self.replica.conn.execute(
                    "UPDATE folders SET fid = COALESCE(?1, fid), source_key = ?2, parent_id = ?3,
                       display_name = ?4, change_key = ?5, pcl = ?6, last_mod = ?7 WHERE id = ?8",
                    params![
                        f.fid.map(|x| x as i64),
                        f.source_key,
                        parent,
                        f.display_name,
                        f.change_key,
                        f.pcl,
                        f.last_modification_time as i64,
                        id
                    ],
                )?;
                id
            }
            None => {
                self.replica.conn.execute(
                    "INSERT INTO folders(fid, source_key, parent_id, display_name, change_key, pcl, last_mod, kind)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        f.fid.map(|x| x as i64),
                        f.source_key,
                        parent,
                        f.display_name,
                        f.change_key,
                        f.pcl,
                        f.last_modification_time as i64,
                        KIND_SYNCED
                    ],
                )?;
                self.replica.conn.last_insert_rowid()
            }
        };
        self.point("delete all folder properties")?;
        self.replica
            .conn
            .prepare_cached("DELETE FROM folder_props WHERE folder = ?1")?
            .execute([id])?;
        for p in &f.props {
            self.put_prop(Owner::Folder(id), p)?;
        }
        self.summary.folders += 1;
        Ok(())
    }
}

impl Drop for DownloadTxn<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.replica.conn.execute_batch("ROLLBACK");
        }
    }
}

/// A local version of a message that is not uploaded yet.
#[derive(Clone, Debug, PartialEq, Eq)]
struct LocalVersion {
    id: i64,
    state: i64,
    pcl: Vec<u8>,
    last_mod: u64,
    change_key: Vec<u8>,
    fai: bool,
}

/// An incoming version still to apply after [`DownloadTxn::settle`]: the
/// resolution and the local loser copied aside, if any.
type Settled = (Resolution, Option<Vec<u8>>);

#[derive(Clone, Debug, PartialEq, Eq)]
enum Resolution {
    /// The message is not in the replica: insert.
    New,
    /// No local version in the way: apply.
    Apply,
    /// The local version succeeds the incoming one: ignore the incoming one.
    KeepLocal,
    /// Neither succeeds the other.
    Conflict {
        local: LocalVersion,
        incoming_wins: bool,
    },
}

fn decode_pcl(b: &[u8], what: &str) -> Result<Pcl, ReplicaError> {
    Pcl::decode_lenient(b).map_err(|e| ReplicaError::Corrupt(format!("{what}: {e}")))
}

/// Last writer wins ([MS-OXCFXICS] 3.1.5.6.2.2, R-242): the newer
/// PidTagLastModificationTime wins; on a tie the larger ChangeKey
/// NamespaceGuid (byte-wise); on a tie again the imported (incoming) version.
fn incoming_wins(h: &MessageHeader, local: &LocalVersion) -> bool {
    if h.last_modification_time != local.last_mod {
        return h.last_modification_time > local.last_mod;
    }
    let ns = |ck: &[u8]| ck.get(..16).map(<[u8]>::to_vec).unwrap_or_default();
    ns(&h.change_key) >= ns(&local.change_key)
}

/// The read flag a property list implies through PidTagMessageFlags.
fn read_bit(props: &[Prop]) -> Option<bool> {
    props.iter().find_map(|p| match (&p.key, &p.value) {
        (PropKey::Id(id), PropValue::I32(f)) if *id == tags::PID_TAG_MESSAGE_FLAGS.id() => {
            Some(f & MSGFLAG_READ != 0)
        }
        _ => None,
    })
}

pub(super) fn write_state(
    conn: &rusqlite::Connection,
    scope: &Scope,
    s: &StateBlobs,
) -> Result<(), ReplicaError> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO ics_state
           (folder_fid, sync_type, restriction, idset_given, cnset_seen, cnset_seen_fai, cnset_read)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        scope.folder_fid as i64,
        scope.sync_type.code(),
        scope.restriction,
        s.idset_given,
        s.cnset_seen,
        s.cnset_seen_fai,
        s.cnset_read
    ])?;
    Ok(())
}

pub(crate) fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
