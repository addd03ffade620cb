//! Client-side checkpoints ([MS-OXCFXICS] 3.3.5.6, R-198, R-133): with the
//! Eid and CN extra flags every message change header carries PidTagMid and
//! PidTagChangeNumber, so the client can build a state that covers the
//! changes applied so far: IdsetGiven gains the MIDs, CnsetSeen (or
//! CnsetSeenFAI for FAI messages) the change numbers. Persisted every few
//! messages together with what was applied, it lets an aborted download
//! resume; the server's final state still replaces it at the end.

use ics_wire::idset::ReplGuidSet;
use ics_wire::{ExchangeId, ReplGuid};
use thiserror::Error;

use super::ids::ReplicaMap;
use crate::model::{MessageHeader, StateBlobs};
use crate::replica::DownloadSummary;

/// Why a checkpoint cannot be built.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum CheckpointError {
    /// A state property of the initial state does not decode.
    #[error("initial state property {which}: {why}")]
    BadState {
        /// The property.
        which: &'static str,
        /// The decoder's message.
        why: String,
    },
    /// A message change header lacks PidTagMid or PidTagChangeNumber: the
    /// download was configured without the Eid and CN extra flags, or the
    /// server did not honour them.
    #[error(
        "message change {source_key} has no {missing}: checkpoints need the Eid and CN extra flags"
    )]
    MissingHeaderProperty {
        /// The message's source key, hex.
        source_key: String,
        /// `PidTagMid` or `PidTagChangeNumber`.
        missing: &'static str,
    },
    /// The REPLID of a header's ID is not one RopLogon mapped.
    #[error("{what} {value:#018x} has REPLID {replid:#06x}, which RopLogon did not map")]
    UnknownReplId {
        /// `PidTagMid` or `PidTagChangeNumber`.
        what: &'static str,
        /// The value as sent.
        value: u64,
        /// Its REPLID.
        replid: u16,
    },
}

/// The checkpoint state of one download, grown message by message.
#[derive(Clone, Debug)]
pub struct Checkpointer {
    every: u32,
    since: u32,
    given: ReplGuidSet,
    seen: ReplGuidSet,
    seen_fai: ReplGuidSet,
    /// CnsetRead is left as it was: the headers do not tell read-state change numbers.
    read: Vec<u8>,
}

fn decode(which: &'static str, b: &[u8]) -> Result<ReplGuidSet, CheckpointError> {
    if b.is_empty() {
        return Ok(ReplGuidSet::new());
    }
    ReplGuidSet::decode_replguid(b).map_err(|e| CheckpointError::BadState {
        which,
        why: e.to_string(),
    })
}

impl Checkpointer {
    /// Starts from the state the download was configured with; a checkpoint
    /// is due after every `every` message changes (at least 1).
    pub fn new(every: u32, initial: &StateBlobs) -> Result<Self, CheckpointError> {
        Ok(Checkpointer {
            every: every.max(1),
            since: 0,
            given: decode("MetaTagIdsetGiven", &initial.idset_given)?,
            seen: decode("MetaTagCnsetSeen", &initial.cnset_seen)?,
            seen_fai: decode("MetaTagCnsetSeenFAI", &initial.cnset_seen_fai)?,
            read: initial.cnset_read.clone(),
        })
    }

    /// Notes one applied message change; returns whether a checkpoint is due.
    pub fn note(&mut self, h: &MessageHeader, map: &ReplicaMap) -> Result<bool, CheckpointError> {
        let missing = |missing| CheckpointError::MissingHeaderProperty {
            source_key: crate::replica::hex(&h.source_key),
            missing,
        };
        let mid = h.mid.ok_or_else(|| missing("PidTagMid"))?;
        let cn = h.cn.ok_or_else(|| missing("PidTagChangeNumber"))?;
        let (g_mid, mid) = Self::resolve(map, "PidTagMid", mid)?;
        let (g_cn, cn) = Self::resolve(map, "PidTagChangeNumber", cn)?;
        self.given.insert(g_mid, mid.globcnt);
        let seen = if h.associated {
            &mut self.seen_fai
        } else {
            &mut self.seen
        };
        seen.insert(g_cn, cn.globcnt);
        self.since += 1;
        Ok(if self.since >= self.every {
            self.since = 0;
            true
        } else {
            false
        })
    }

    fn resolve(
        map: &ReplicaMap,
        what: &'static str,
        value: u64,
    ) -> Result<(ReplGuid, ExchangeId), CheckpointError> {
        let id = ExchangeId::from_u64_le(value);
        let g = map.guid(id.replid).ok_or(CheckpointError::UnknownReplId {
            what,
            value,
            replid: id.replid.0,
        })?;
        Ok((g, id))
    }

    /// The state that covers the initial state and every change noted.
    pub fn state(&self) -> StateBlobs {
        StateBlobs {
            idset_given: self.given.encode_replguid(),
            cnset_seen: self.seen.encode_replguid(),
            cnset_seen_fai: self.seen_fai.encode_replguid(),
            cnset_read: self.read.clone(),
        }
    }
}

/// Adds what one checkpoint's transaction applied to the download's total.
pub(crate) fn add_summary(total: &mut DownloadSummary, part: DownloadSummary) {
    let DownloadSummary {
        folders,
        full,
        partial,
        deleted,
        deletions_unknown,
        read_changes,
        kept_local,
        conflicts,
        errors,
    } = part;
    total.folders += folders;
    total.full += full;
    total.partial += partial;
    total.deleted += deleted;
    total.deletions_unknown += deletions_unknown;
    total.read_changes += read_changes;
    total.kept_local += kept_local;
    total.conflicts += conflicts;
    total.errors.extend(errors);
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::{GlobCnt, Guid, ReplId};

    const G: ReplGuid = ReplGuid(Guid::from_bytes([7; 16]));

    fn id(g: u64) -> u64 {
        ExchangeId::new(ReplId(1), GlobCnt::new(g).unwrap()).to_u64_le()
    }

    fn header(mid: Option<u64>, cn: Option<u64>, fai: bool) -> MessageHeader {
        MessageHeader {
            source_key: vec![1, 2],
            last_modification_time: 0,
            change_key: Vec::new(),
            pcl: Vec::new(),
            associated: fai,
            mid,
            cn,
            message_size: None,
        }
    }

    fn set(b: &[u8]) -> Vec<u64> {
        decode("x", b)
            .unwrap()
            .iter()
            .map(|(r, g)| {
                assert_eq!(r, G);
                g.value()
            })
            .collect()
    }

    #[test]
    fn a_checkpoint_covers_the_initial_state_and_the_noted_headers() {
        let map = ReplicaMap::new(ReplId(1), G);
        let mut initial = ReplGuidSet::new();
        initial.insert(G, GlobCnt::new(3).unwrap());
        let initial = StateBlobs {
            idset_given: initial.encode_replguid(),
            cnset_seen: Vec::new(),
            cnset_seen_fai: Vec::new(),
            cnset_read: vec![9],
        };
        let mut c = Checkpointer::new(2, &initial).unwrap();
        assert!(
            !c.note(&header(Some(id(10)), Some(id(100)), false), &map)
                .unwrap()
        );
        assert!(
            c.note(&header(Some(id(11)), Some(id(101)), true), &map)
                .unwrap()
        );
        assert!(
            !c.note(&header(Some(id(12)), Some(id(102)), false), &map)
                .unwrap()
        );
        let s = c.state();
        assert_eq!(set(&s.idset_given), [3, 10, 11, 12]);
        assert_eq!(set(&s.cnset_seen), [100, 102]);
        assert_eq!(set(&s.cnset_seen_fai), [101]);
        assert_eq!(s.cnset_read, [9], "CnsetRead is kept");
    }

    #[test]
    fn headers_without_mid_or_cn_or_with_an_unknown_replid_are_refused() {
        let map = ReplicaMap::new(ReplId(1), G);
        let mut c = Checkpointer::new(10, &StateBlobs::default()).unwrap();
        for (h, missing) in [
            (header(None, Some(id(1)), false), "PidTagMid"),
            (header(Some(id(1)), None, false), "PidTagChangeNumber"),
        ] {
            match c.note(&h, &map) {
                Err(CheckpointError::MissingHeaderProperty { missing: m, .. }) => {
                    assert_eq!(m, missing)
                }
                other => panic!("{other:?}"),
            }
        }
        let foreign = ExchangeId::new(ReplId(9), GlobCnt::new(1).unwrap()).to_u64_le();
        assert!(matches!(
            c.note(&header(Some(foreign), Some(id(1)), false), &map),
            Err(CheckpointError::UnknownReplId { replid: 9, .. })
        ));
        assert!(matches!(
            Checkpointer::new(
                1,
                &StateBlobs {
                    cnset_seen: vec![0xFF],
                    ..StateBlobs::default()
                }
            ),
            Err(CheckpointError::BadState {
                which: "MetaTagCnsetSeen",
                ..
            })
        ));
    }
}
