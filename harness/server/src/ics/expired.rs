//! MetaTagIdsetExpired ([MS-OXCFXICS] 2.2.1.3.3, 2.2.4.3.3,
//! of the given IDs a contents download reports as gone, those the
//! server removed by its age policy (public folders) go into IdsetExpired
//! instead of IdsetDeleted. Only servers that support the property do this
//! (Exchange 2007/2010, [`super::SyncOptions::expired`]); hierarchy
//! downloads never carry it.

use ics_wire::ids::Fid;

use crate::mailbox::{DeleteKind, Mailbox};
use crate::sets::ReplIdSet;

/// Splits `gone` (IDs of folder `fid` to report deleted) into (deleted, expired).
pub(super) fn split_expired(mb: &Mailbox, fid: Fid, gone: ReplIdSet) -> (ReplIdSet, ReplIdSet) {
    let Some(f) = mb.folder(fid) else {
        return (gone, ReplIdSet::new());
    };
    let mut expired = ReplIdSet::new();
    for (r, g) in gone.iter() {
        if f.tombstone((r, g))
            .is_some_and(|t| t.kind == DeleteKind::Expired)
        {
            expired.insert(r, g);
        }
    }
    if expired.is_empty() {
        return (gone, expired);
    }
    (gone.difference(&expired), expired)
}
