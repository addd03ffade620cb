//! The replica as a file over its life: where it lives, copies of it, the
//! scopes it keeps a state for, and abandoning it after a back-in-time
//! detection ([MS-OXCSYNC] 3.1.3.1.1.1, R-269, R-312).

use std::path::{Path, PathBuf};

use ics_wire::{Gid, GlobCnt, Guid, ReplGuid};
use rusqlite::{OptionalExtension, params};

use super::Replica;
use crate::error::ReplicaError;
use crate::model::{Scope, SyncType};

impl Replica {
    /// The database file, or `None` for a replica in memory.
    pub fn path(&self) -> Option<PathBuf> {
        self.conn
            .path()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    }

    /// Writes a consistent copy of the committed replica to a new file at
    /// `dest` (`VACUUM INTO`): what a backup of the client's store holds. The
    /// file must not exist yet.
    pub fn copy_to(&self, dest: impl AsRef<Path>) -> Result<(), ReplicaError> {
        let dest = dest.as_ref();
        let text = dest.to_str().ok_or_else(|| {
            ReplicaError::Corrupt(format!("copy target {} is not UTF-8", dest.display()))
        })?;
        self.conn.execute("VACUUM INTO ?1", [text])?;
        Ok(())
    }

    /// Every scope the replica keeps an ICS state for ([MS-OXCFXICS] 3.3.5.5:
    /// one state per folder, synchronization type and restriction; R-267),
    /// ordered by folder, type and restriction.
    pub fn saved_scopes(&self) -> Result<Vec<Scope>, ReplicaError> {
        let rows: Vec<(i64, i64, Vec<u8>)> = self
            .conn
            .prepare(
                "SELECT folder_fid, sync_type, restriction FROM ics_state
                 ORDER BY folder_fid, sync_type, restriction",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(fid, ty, restriction)| {
                let sync_type = match ty {
                    0x01 => SyncType::Contents,
                    0x02 => SyncType::Hierarchy,
                    other => {
                        return Err(ReplicaError::Corrupt(format!(
                            "ics_state.sync_type {other:#x} of folder {fid:#x}"
                        )));
                    }
                };
                Ok(Scope {
                    folder_fid: fid as u64,
                    sync_type,
                    restriction,
                })
            })
            .collect()
    }

    /// The reserved IDs not handed out yet, as inclusive GID ranges, without
    /// changing anything (compare [`Replica::take_unused_ids`]).
    pub fn unused_id_ranges(&self) -> Result<Vec<(Gid, Gid)>, ReplicaError> {
        let rows: Vec<(Vec<u8>, i64, i64, i64)> = self
            .conn
            .prepare(
                "SELECT replguid, first, count, used FROM id_ranges WHERE used < count ORDER BY id",
            )?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<Result<_, _>>()?;
        rows.into_iter()
            .map(|(guid, first, count, used)| {
                let guid: [u8; 16] = guid.as_slice().try_into().map_err(|_| {
                    ReplicaError::Corrupt("id_ranges.replguid is not 16 bytes".into())
                })?;
                let gid = |v: i64| {
                    GlobCnt::new(v as u64)
                        .map(|globcnt| Gid {
                            replguid: ReplGuid(Guid::from_bytes(guid)),
                            globcnt,
                        })
                        .ok_or_else(|| ReplicaError::Corrupt("id range past 48 bits".into()))
                };
                Ok((gid(first + used)?, gid(first + count - 1)?))
            })
            .collect()
    }

    /// Abandons the replica ([MS-OXCFXICS] 3.3.5.3, R-269): its reserved IDs
    /// that are not used yet are given up for good (some may already name
    /// objects on the server, R-309), and the reason is kept so that the
    /// client never synchronizes from this replica again. Returns the ID
    /// ranges given up.
    pub fn abandon(&mut self, reason: &str) -> Result<Vec<(Gid, Gid)>, ReplicaError> {
        self.conn.execute_batch("SAVEPOINT abandon")?;
        let r = (|| {
            let ranges = self.take_unused_ids()?;
            self.conn.execute(
                "INSERT INTO meta(key, value) VALUES ('abandoned', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                params![reason],
            )?;
            Ok(ranges)
        })();
        match r {
            Ok(ranges) => {
                self.conn.execute_batch("RELEASE abandon")?;
                Ok(ranges)
            }
            Err(e) => {
                self.conn
                    .execute_batch("ROLLBACK TO abandon; RELEASE abandon")?;
                Err(e)
            }
        }
    }

    /// Why the replica was abandoned, if it was.
    pub fn abandoned(&self) -> Result<Option<String>, ReplicaError> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = 'abandoned'", [], |r| {
                r.get(0)
            })
            .optional()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::StateBlobs;

    fn guid(b: u8) -> ReplGuid {
        ReplGuid(Guid::from_bytes([b; 16]))
    }

    fn state(b: u8) -> StateBlobs {
        StateBlobs {
            idset_given: vec![b],
            ..StateBlobs::default()
        }
    }

    #[test]
    fn saved_scopes_lists_one_state_per_folder_type_and_restriction() {
        let mut r = Replica::open_in_memory().unwrap();
        assert!(r.saved_scopes().unwrap().is_empty());
        let restricted = Scope {
            restriction: vec![1, 2],
            ..Scope::contents(7)
        };
        for (s, b) in [
            (Scope::contents(7), 1),
            (Scope::hierarchy(7), 2),
            (restricted.clone(), 3),
            (Scope::contents(9), 4),
            (Scope::contents(7), 5),
        ] {
            r.set_state(&s, &state(b)).unwrap();
        }
        assert_eq!(
            r.saved_scopes().unwrap(),
            [
                Scope::contents(7),
                restricted,
                Scope::hierarchy(7),
                Scope::contents(9)
            ]
        );
    }

    #[test]
    fn abandon_gives_up_unused_ids_and_is_remembered() {
        let mut r = Replica::open_in_memory().unwrap();
        r.add_id_range(guid(1), GlobCnt::new(100).unwrap(), 10)
            .unwrap();
        r.allocate_ids(3).unwrap();
        let unused = r.unused_id_ranges().unwrap();
        assert_eq!(unused.len(), 1);
        assert_eq!(unused[0].0.globcnt.value(), 103);
        assert_eq!(unused[0].1.globcnt.value(), 109);
        assert_eq!(
            r.unused_id_ranges().unwrap(),
            unused,
            "reading changes nothing"
        );
        assert_eq!(r.abandoned().unwrap(), None);
        assert_eq!(r.abandon("back in time").unwrap(), unused);
        assert_eq!(r.abandoned().unwrap().as_deref(), Some("back in time"));
        assert!(r.unused_id_ranges().unwrap().is_empty());
        assert!(matches!(
            r.allocate_ids(1),
            Err(ReplicaError::NoReservedIds)
        ));
    }

    #[test]
    fn a_copy_is_a_replica_with_the_committed_content() {
        let dir = std::env::temp_dir().join(format!(
            "ics-client-copy-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let mut r = Replica::open(dir.join("a.db")).unwrap();
        assert_eq!(r.path().as_deref(), Some(dir.join("a.db").as_path()));
        r.set_state(&Scope::contents(1), &state(1)).unwrap();
        r.copy_to(dir.join("b.db")).unwrap();
        r.set_state(&Scope::contents(1), &state(2)).unwrap();
        assert!(r.copy_to(dir.join("b.db")).is_err(), "never overwrites");
        let b = Replica::open(dir.join("b.db")).unwrap();
        assert_eq!(b.state(&Scope::contents(1)).unwrap(), state(1));
        assert_eq!(r.state(&Scope::contents(1)).unwrap(), state(2));
        assert_eq!(Replica::open_in_memory().unwrap().path(), None);
        drop((r, b));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
