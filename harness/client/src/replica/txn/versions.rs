//! Versions in conflict within one download ([MS-OXCFXICS] 3.1.5.6.2.1).
//!
//! A server does not synchronize a conflict resolve message as such: it
//! sends each version in conflict as a separate message change with the same
//! SourceKey. The receiver detects the conflict when a version arrives whose
//! PCL and the PCL of the version this download already stored do not
//! include each other, and resolves it over all versions: the winner is the
//! last writer (newer PidTagLastModificationTime, then the larger ChangeKey
//! NamespaceGuid; 3.1.5.6.2.2, R-242), the same rule the server applies, so
//! the replica's winner is the server's. Each loser is kept in the conflicts
//! folder and linked from the winner through PidTagConflictItems.
//!
//! The resolved message keeps the winner's ChangeKey and
//! LastModificationTime with the merge of all versions' PCLs: the
//! identity the server gives its conflict resolve message. It stays clean:
//! nothing is uploaded, the server already holds every version.

use rusqlite::{OptionalExtension, params};

use super::{DownloadTxn, LocalVersion, decode_pcl, incoming_wins};
use crate::error::ReplicaError;
use crate::model::{MessageFull, Prop, PropKey};
use crate::replica::props::Owner;
use crate::replica::schema::LOCAL_CLEAN;
use ics_wire::pcl::PclOrdering;
use ics_wire::prop::{PropValue, tags};

impl DownloadTxn<'_> {
    /// Resolves `m` if it is a version in conflict with the clean version a
    /// full change of this download stored for the same SourceKey; returns
    /// whether it did (false: apply `m` as usual).
    pub(super) fn version_in_conflict(&mut self, m: &MessageFull) -> Result<bool, ReplicaError> {
        if m.header.associated || !self.applied.contains(&m.header.source_key) {
            return Ok(false);
        }
        let stored: Option<LocalVersion> = self
            .replica
            .conn
            .prepare_cached(
                "SELECT id, local, pcl, last_mod, change_key, fai FROM messages WHERE source_key = ?1",
            )?
            .query_row([&m.header.source_key], |r| {
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
        // A version resolved against a local change is the local-conflict
        // path's business (R-338..R-340).
        let Some(stored) = stored.filter(|s| s.state == LOCAL_CLEAN && !s.fai) else {
            return Ok(false);
        };
        let incoming = decode_pcl(&m.header.pcl, "incoming PCL")?;
        let applied = decode_pcl(&stored.pcl, "stored PCL")?;
        if incoming.compare(&applied) != PclOrdering::Conflict {
            return Ok(false);
        }
        let merged = incoming.merge(&applied).to_bytes();
        let key = PropKey::of_tag(tags::PID_TAG_CONFLICT_ITEMS);
        let mut items = match self.stored_prop(stored.id, &key)? {
            Some(PropValue::MvBinary(v)) => v,
            _ => Vec::new(),
        };
        let loser = if incoming_wins(&m.header, &stored) {
            let loser = self.copy_local_loser(&stored)?;
            self.store_full(m, true)?;
            loser
        } else {
            self.copy_incoming_loser(m)?
        };
        if let Some(l) = loser
            && !items.contains(&l)
        {
            items.push(l);
        }
        self.point("store merged PCL of versions in conflict")?;
        self.replica.conn.execute(
            "UPDATE messages SET pcl = ?1 WHERE id = ?2",
            params![merged, stored.id],
        )?;
        if !items.is_empty() {
            self.put_prop(
                Owner::Message(stored.id),
                &Prop::tagged(tags::PID_TAG_CONFLICT_ITEMS, PropValue::MvBinary(items)),
            )?;
        }
        self.summary.conflicts += 1;
        Ok(true)
    }
}
