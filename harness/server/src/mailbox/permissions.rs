//! Per-message read permission of the logged-on user (`@needs-permissions`): distinct from the
//! `unreadable` fault (a read that fails, reported as errorInfo in RecoverMode), a message the
//! user may not read is skipped by FastTransfer copy operations, which emit MetaTagEcWarning
//! in its place where the syntax allows ([MS-OXCFXICS] 3.2.5.8.1, R-192; 2.2.4.3.17).

use ics_wire::Mid;

use super::{Mailbox, MailboxError, key};

/// The warning a skipped message is reported with: ecAccessDenied ([MS-OXCDATA] 2.4.1).
pub const EC_ACCESS_DENIED: u32 = 0x8007_0005;

impl Mailbox {
    /// Grants or removes the user's read permission on a message.
    pub fn set_read_permission(&mut self, mid: Mid, may_read: bool) -> Result<(), MailboxError> {
        let fk = self.locate(mid)?;
        let f = self.folders.get_mut(&fk).expect("indexed folder");
        f.messages
            .get_mut(&key(mid.0))
            .expect("indexed")
            .no_read_permission = !may_read;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_permission_is_per_message_and_apart_from_the_unreadable_fault() {
        let mut mb = Mailbox::default();
        let root = mb.root();
        let fid = mb.create_folder(root, "F").unwrap();
        let mid = mb.create_message(fid, false, Default::default()).unwrap();
        mb.set_read_permission(mid, false).unwrap();
        let m = mb.message(mid).unwrap();
        assert!(m.no_read_permission && !m.unreadable);
        mb.set_read_permission(mid, true).unwrap();
        assert!(!mb.message(mid).unwrap().no_read_permission);
        assert!(
            mb.set_read_permission(Mid::from_u64_le(0x7777_0001_0000), false)
                .is_err()
        );
    }
}
