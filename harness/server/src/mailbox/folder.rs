//! Folders: hierarchy links, properties, change identity, and the per-folder
//! message store with its change-number indexes.

use std::collections::{BTreeMap, BTreeSet};

use ics_wire::ids::{Fid, GlobCnt, Xid};
use ics_wire::prop::{PropValue, tags};

use super::change::Pcl;
use super::ids::IdKey;
use super::message::Message;
use super::props::PropertyBag;
use crate::clock::FileTime;
use crate::sets::ReplIdSet;

/// How an object was deleted ([MS-OXCFXICS] 2.2.1.3.1: both are reported in
/// MetaTagIdsetDeleted).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteKind {
    /// Soft delete (recoverable; also the source side of a move, R-157).
    Soft,
    /// Hard delete.
    Hard,
    /// Removed by the server's age policy in a public folder ([MS-OXCFXICS]
    /// 2.2.1.3.3): reported in MetaTagIdsetExpired by servers that support it
    /// (Exchange 2007/2010, R-160), else in MetaTagIdsetDeleted.
    Expired,
}

/// What remains of a deleted message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tombstone {
    /// Was it FAI.
    pub fai: bool,
    /// The change number assigned to the deletion.
    pub cn: GlobCnt,
    /// Soft or hard.
    pub kind: DeleteKind,
    /// When.
    pub at: FileTime,
}

/// A folder as stored.
#[derive(Debug, Clone)]
pub struct Folder {
    /// Its id.
    pub fid: Fid,
    /// Parent folder; `None` for the mailbox root.
    pub parent: Option<Fid>,
    /// Folder properties (PidTagDisplayName among them).
    pub props: PropertyBag,
    /// Current change number (changes only when the folder itself changes, R-254).
    pub cn: GlobCnt,
    /// ChangeKey when not the server XID of `cn` (imported changes).
    pub change_key: Option<Xid>,
    /// PCL when not just {ChangeKey}.
    pub pcl: Option<Pcl>,
    /// PidTagLastModificationTime.
    pub last_modified: FileTime,
    /// A persisted foreign PidTagSourceKey.
    pub persisted_source_key: Option<Vec<u8>>,
    /// Child folders.
    pub(crate) children: BTreeSet<IdKey>,
    /// Live messages by MID (a B-tree: compact at 10^6 entries, ordered).
    pub(crate) messages: BTreeMap<IdKey, Message>,
    /// MIDs of the live messages, as ranges (deletions are
    /// `IdsetGiven \ live`, a range difference).
    pub(crate) live: ReplIdSet,
    /// Normal messages by current CN.
    pub(crate) normal_by_cn: BTreeMap<GlobCnt, IdKey>,
    /// FAI messages by current CN.
    pub(crate) fai_by_cn: BTreeMap<GlobCnt, IdKey>,
    /// Normal messages by read-state CN.
    pub(crate) read_by_cn: BTreeMap<GlobCnt, IdKey>,
    /// Deleted messages by MID.
    pub(crate) tombstones: BTreeMap<IdKey, Tombstone>,
    /// MIDs reported through RopSetLocalReplicaMidsetDeleted or imported
    /// deletes of objects that never existed here, as
    /// inclusive ranges.
    pub(crate) midset_deleted: Vec<(IdKey, IdKey)>,
}

impl Folder {
    pub(crate) fn new(
        fid: Fid,
        parent: Option<Fid>,
        name: &str,
        cn: GlobCnt,
        now: FileTime,
    ) -> Self {
        let mut props = PropertyBag::new();
        props.set(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode(name));
        Folder {
            fid,
            parent,
            props,
            cn,
            change_key: None,
            pcl: None,
            last_modified: now,
            persisted_source_key: None,
            children: BTreeSet::new(),
            messages: BTreeMap::new(),
            live: ReplIdSet::new(),
            normal_by_cn: BTreeMap::new(),
            fai_by_cn: BTreeMap::new(),
            read_by_cn: BTreeMap::new(),
            tombstones: BTreeMap::new(),
            midset_deleted: Vec::new(),
        }
    }

    /// PidTagDisplayName as text.
    pub fn display_name(&self) -> String {
        match self.props.get(tags::PID_TAG_DISPLAY_NAME) {
            Some(PropValue::Unicode(s)) => s.to_string_lossy(),
            Some(PropValue::String8(b)) => String::from_utf8_lossy(b).into_owned(),
            _ => String::new(),
        }
    }

    /// Child folder ids, ordered.
    pub fn children(&self) -> impl Iterator<Item = IdKey> + '_ {
        self.children.iter().copied()
    }

    /// The live message with this key.
    pub fn message(&self, k: IdKey) -> Option<&Message> {
        self.messages.get(&k)
    }

    /// All live messages (no order).
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.values()
    }

    /// Number of live messages.
    pub fn message_count(&self) -> usize {
        self.messages.len()
    }

    /// Normal (`fai` false) or FAI messages whose CN lies in `lo..=hi`, by CN.
    pub fn changes_in(
        &self,
        fai: bool,
        lo: GlobCnt,
        hi: GlobCnt,
    ) -> impl Iterator<Item = (GlobCnt, IdKey)> + '_ {
        let idx = if fai {
            &self.fai_by_cn
        } else {
            &self.normal_by_cn
        };
        idx.range(lo..=hi).map(|(c, k)| (*c, *k))
    }

    /// Normal messages whose read-state CN lies in `lo..=hi`, by read CN.
    pub fn read_changes_in(
        &self,
        lo: GlobCnt,
        hi: GlobCnt,
    ) -> impl Iterator<Item = (GlobCnt, IdKey)> + '_ {
        self.read_by_cn.range(lo..=hi).map(|(c, k)| (*c, *k))
    }

    /// MIDs of the live messages.
    pub fn live_mids(&self) -> &ReplIdSet {
        &self.live
    }

    /// Tombstone of a deleted message.
    pub fn tombstone(&self, k: IdKey) -> Option<&Tombstone> {
        self.tombstones.get(&k)
    }

    /// All tombstones, by MID.
    pub fn tombstones(&self) -> impl Iterator<Item = (IdKey, &Tombstone)> {
        self.tombstones.iter().map(|(k, t)| (*k, t))
    }

    /// Ranges reported deleted without a message.
    pub fn midset_deleted(&self) -> &[(IdKey, IdKey)] {
        &self.midset_deleted
    }

    /// Whether `k` lies in a range recorded as deleted without a message
    /// such an id must not be created later.
    pub fn in_midset_deleted(&self, k: IdKey) -> bool {
        self.midset_deleted
            .iter()
            .any(|&(lo, hi)| lo.0 == k.0 && lo <= k && k <= hi)
    }

    pub(crate) fn index_message(&mut self, k: IdKey) {
        let m = &self.messages[&k];
        let (cn, fai, read_cn) = (m.cn, m.fai, m.read_cn);
        if fai {
            self.fai_by_cn.insert(cn, k);
        } else {
            self.normal_by_cn.insert(cn, k);
            if let Some(r) = read_cn {
                self.read_by_cn.insert(r, k);
            }
        }
    }

    pub(crate) fn unindex_message(&mut self, k: IdKey) {
        let m = &self.messages[&k];
        let (cn, fai, read_cn) = (m.cn, m.fai, m.read_cn);
        if fai {
            self.fai_by_cn.remove(&cn);
        } else {
            self.normal_by_cn.remove(&cn);
            if let Some(r) = read_cn {
                self.read_by_cn.remove(&r);
            }
        }
    }
}
