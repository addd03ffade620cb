//! Backups of a mailbox: a copy of everything it stores, and a restore that
//! brings the mailbox back to it — the state of a server restored from an
//! older backup ([MS-OXCFXICS] 3.3.5.3, [MS-OXCSYNC] 3.1.3.1.1.1; R-269,
//! After a restore the change numbers and IDs the mailbox hands out
//! start again from the backup's counters: objects created since the backup
//! are gone and their IDs and CNs will be given out again, which is what a
//! client's back-in-time check must notice. The clock is not part of a
//! backup: time goes on.

use std::collections::{BTreeMap, HashMap};

use super::folder::{Folder, Tombstone};
use super::ids::{IdAllocator, IdKey};
use super::named::NamedProps;
use super::{Mailbox, MailboxIdentity};
use ics_wire::ids::{Fid, GlobCnt};

/// A copy of a mailbox's stored state ([`Mailbox::snapshot`]).
#[derive(Debug, Clone)]
pub struct Snapshot {
    identity: MailboxIdentity,
    ids: IdAllocator,
    root: Fid,
    folders: HashMap<IdKey, Folder>,
    folder_tombstones: HashMap<IdKey, Tombstone>,
    folder_by_cn: BTreeMap<GlobCnt, IdKey>,
    mid_index: HashMap<IdKey, IdKey>,
    named: NamedProps,
}

impl Snapshot {
    /// The last change number the backup had handed out: a server restored
    /// from it hands out the CNs above it again.
    pub fn last_cn(&self) -> GlobCnt {
        self.ids.last_cn()
    }
}

impl Mailbox {
    /// A backup of everything the mailbox stores (folders, messages,
    /// tombstones, named properties, the ID and CN counters).
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            identity: self.identity,
            ids: self.ids.clone(),
            root: self.root,
            folders: self.folders.clone(),
            folder_tombstones: self.folder_tombstones.clone(),
            folder_by_cn: self.folder_by_cn.clone(),
            mid_index: self.mid_index.clone(),
            named: self.named.clone(),
        }
    }

    /// Restores a backup: the mailbox goes back to the state of `snapshot`,
    /// counters included (the clock keeps running).
    pub fn restore(&mut self, snapshot: Snapshot) {
        let Snapshot {
            identity,
            ids,
            root,
            folders,
            folder_tombstones,
            folder_by_cn,
            mid_index,
            named,
        } = snapshot;
        self.identity = identity;
        self.ids = ids;
        self.root = root;
        self.folders = folders;
        self.folder_tombstones = folder_tombstones;
        self.folder_by_cn = folder_by_cn;
        self.mid_index = mid_index;
        self.named = named;
    }
}
