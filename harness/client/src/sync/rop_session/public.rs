//! RopLogon to public folders ([MS-OXCSTOR] 2.2.1.1.1, 2.2.1.1.4): no
//! Private flag, OpenFlags Public. The response has no MailboxGuid; the
//! client names the store by its ReplGuid (what R-271's mailbox check
//! compares then: another public store has another REPLGUID).

use ics_wire::rop::flags::{LogonFlags, OpenFlags};
use ics_wire::rop::logon::LogonPublicSuccess;

use super::RopSession;
use crate::sync::ops::{LogonInfo, Obj};

impl<T> RopSession<T> {
    /// This session logs on to public folders instead of the private mailbox.
    pub fn public_folders(mut self) -> Self {
        self.public = true;
        self
    }

    /// LogonFlags and OpenFlags of this session's RopLogon.
    pub(super) fn logon_flags(&self) -> (LogonFlags, OpenFlags) {
        if self.public {
            (
                LogonFlags(0),
                OpenFlags(OpenFlags::PUBLIC.0 | OpenFlags::USE_PER_MDB_REPLID_MAPPING.0),
            )
        } else {
            (
                LogonFlags::PRIVATE,
                OpenFlags(OpenFlags::USE_PER_MDB_REPLID_MAPPING.0 | OpenFlags::HOME_LOGON.0),
            )
        }
    }
}

/// What the client keeps of a public-folder logon.
pub(super) fn public_info(h: u32, ok: &LogonPublicSuccess) -> LogonInfo {
    LogonInfo {
        logon: Obj(h),
        mailbox_guid: ok.repl_guid.0,
        replid: ok.repl_id,
        replguid: ok.repl_guid,
        folder_ids: ok.folder_ids.iter().map(|f| f.to_u64_le()).collect(),
    }
}
