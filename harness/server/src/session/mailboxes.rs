//! Another mailbox under the same logon name (`@needs-second-mailbox`): the reference server
//! swaps the mailbox a user's RopLogon opens, so that the mailbox instance GUID RopLogon
//! returns changes ([MS-OXCFXICS] 3.3.5.4, R-270..R-272; [MS-OXCSYNC] 3.1.3.1.1.2, R-313).
//! A client that kept a replica of the first mailbox must refuse to synchronize it with the
//! second one, and synchronize again once the original mailbox is back.

use ics_wire::Guid;
use ics_wire::ids::{Fid, ReplGuid};

use super::Session;
use super::profile::Profile;
use crate::clock::SteppingClock;
use crate::mailbox::{Mailbox, MailboxIdentity};

/// A mailbox with the special folders its RopLogon returns ([MS-OXCSTOR] 2.2.1.1.3).
#[derive(Debug)]
pub struct Store {
    mb: Mailbox,
    special: [Fid; 13],
}

impl Store {
    /// A fresh mailbox of `identity` with its special folders.
    pub fn new(identity: MailboxIdentity) -> Self {
        let s = Session::new(
            Mailbox::new(identity, Box::new(SteppingClock::default())),
            Profile::default(),
        );
        Store {
            mb: s.mb,
            special: s.special,
        }
    }

    /// The mailbox.
    pub fn mailbox(&self) -> &Mailbox {
        &self.mb
    }
}

/// The identity of the second mailbox of the reference server: a mailbox GUID and a REPLGUID
/// of its own (another mailbox, not the same mailbox restored), fixed for reproducible runs.
pub fn second_identity() -> MailboxIdentity {
    MailboxIdentity {
        mailbox_guid: Guid::from_fields(0x2d6a_0b0c, 0x5e3f, 0x4b12, *b"ICSSECND"),
        replguid: ReplGuid(Guid::from_fields(
            0x7a41_c2e9,
            0x3b58,
            0x4f06,
            [0xa1, 0x0c, 0x6e, 0x2d, 0x94, 0x3b, 0x57, 0xc8],
        )),
    }
}

impl Session {
    /// Presents `other` to the user's logons from now on and returns the mailbox it replaces.
    /// Objects already open keep their handles (a client logs on again to see the new
    /// mailbox); the next RopLogon answers with `other`'s mailbox GUID and special folders.
    pub fn swap_mailbox(&mut self, other: Store) -> Store {
        let mb = std::mem::replace(&mut self.mb, other.mb);
        let special = std::mem::replace(&mut self.special, other.special);
        Store { mb, special }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ics_wire::rop::logon::LogonResult;

    fn logon_guid(s: &mut Session) -> Guid {
        use ics_wire::rop::flags::{LogonFlags, OpenFlags};
        use ics_wire::rop::logon::LogonRequest;
        use ics_wire::rop::{RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};
        let q = RopRequestBuffer {
            rops: vec![RopRequest::Logon(LogonRequest {
                logon_id: 0,
                output_handle_index: 0,
                logon_flags: LogonFlags::PRIVATE,
                open_flags: OpenFlags::USE_PER_MDB_REPLID_MAPPING,
                store_state: 0,
                essdn: Some(b"/o=test/cn=user".to_vec()),
            })],
            handles: vec![u32::MAX],
        };
        let r = s.execute(&q.encode().unwrap()).unwrap();
        let r = RopResponseBuffer::decode(&r, &q, &Default::default()).unwrap();
        match &r.rops[0] {
            RopResponse::Logon(l) => match &l.result {
                LogonResult::PrivateSuccess(ok) => ok.mailbox_guid,
                other => panic!("logon failed: {other:?}"),
            },
            other => panic!("not a logon response: {other:?}"),
        }
    }

    #[test]
    fn logon_reports_the_presented_mailbox() {
        let mut s = Session::new(Mailbox::default(), Profile::default());
        let first = logon_guid(&mut s);
        let original = s.swap_mailbox(Store::new(second_identity()));
        assert_eq!(original.mailbox().identity().mailbox_guid, first);
        let second = logon_guid(&mut s);
        assert_eq!(second, second_identity().mailbox_guid);
        assert_ne!(second, first);
        let other = s.swap_mailbox(original);
        assert_eq!(other.mailbox().identity().mailbox_guid, second);
        assert_eq!(logon_guid(&mut s), first);
    }
}
