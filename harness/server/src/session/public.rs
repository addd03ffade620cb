//! Public folders, enough for ICS ([MS-OXCSTOR] 2.2.1.1.4; [MS-OXCFXICS]
//! 2.2.1.3.3): a RopLogon without the Private flag lands in a public store
//! with a folder tree of its own, whose messages can expire.
//!
//! The public store is a [`Session`] of its own over its own [`Mailbox`]
//! (its own REPLGUID and IDs). A session built with
//! [`Session::with_public_store`] hands every connection that logs on
//! without the Private flag to it: that ROP buffer and all that follow on
//! the connection are answered by the store, whose RopLogon answers the
//! public-folder form (FolderIds of the public store, ReplId, ReplGuid,
//! PerUserGuid).
//!
//! Expiry is the server's age policy for public-folder messages; the control
//! call [`Session::expire_public_message`] (fault injection, not a ROP)
//! removes a message as expired. A contents download then reports it in
//! MetaTagIdsetExpired under the `exchange2007` profile, in
//! MetaTagIdsetDeleted otherwise (Exchange 2013+ do not support the
//! property, <1>).

use ics_wire::Guid;
use ics_wire::ids::{Fid, Mid};
use ics_wire::rop::logon::{LogonPublicSuccess, LogonRequest, LogonResult};

use super::profile::Profile;
use super::{Object, Session, SessionError};
use crate::mailbox::{DeleteKind, Mailbox, MailboxError, MailboxIdentity};

/// RopId of RopLogon ([MS-OXCROPS] 2.2.3.1).
const ROP_LOGON: u8 = 0xFE;
/// LogonFlags Private ([MS-OXCROPS] 2.2.3.1.1).
const LOGON_PRIVATE: u8 = 0x01;
/// The public store's handles start here, apart from the mailbox's (routing
/// goes by the handles the store assigned, not by this range).
const PUBLIC_HANDLE_BASE: u32 = 0x4000_0000;

/// The public folders a public logon returns, after the root, in
/// [MS-OXCSTOR] 2.2.1.1.4 order (index in FolderIds, name, parent index).
const PUBLIC_FOLDERS: [(&str, usize); 9] = [
    ("IPM_SUBTREE", 0),
    ("NON_IPM_SUBTREE", 0),
    ("EFORMS REGISTRY", 2),
    ("SCHEDULE+ FREE BUSY", 2),
    ("OFFLINE ADDRESS BOOK", 2),
    ("EFORMS REGISTRY (locale)", 3),
    ("SCHEDULE+ FREE BUSY (local site)", 4),
    ("OFFLINE ADDRESS BOOK (local site)", 5),
    ("NNTP Article Index", 2),
];

/// A session's relation to public folders.
pub(super) enum PublicRole {
    /// This session serves the connections that log on to public folders
    /// with `store`.
    Holder {
        /// The public store.
        store: Box<Session>,
    },
    /// This session is a public store.
    Store {
        /// PerUserGuid of the logon response.
        per_user_guid: Guid,
        /// Conflict notification messages for the owner ([`super::notify`]).
        notifications: Vec<crate::mailbox::MessageContent>,
    },
}

impl std::fmt::Debug for PublicRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PublicRole::Holder { .. } => f.write_str("Holder"),
            PublicRole::Store { .. } => f.write_str("Store"),
        }
    }
}

/// The identity of the default public store: GUIDs of its own, fixed for reproducible runs.
pub fn public_identity() -> MailboxIdentity {
    MailboxIdentity {
        mailbox_guid: Guid::from_fields(0x9b1c_f01d, 0x0e5a, 0x4c0f, *b"ICSPUBLC"),
        replguid: ics_wire::ids::ReplGuid(Guid::from_fields(
            0x5d0b_71c3,
            0x2f9e,
            0x4d8a,
            [0x8e, 0x21, 0x4a, 0x6b, 0x9c, 0x0d, 0x7f, 0x13],
        )),
    }
}

impl Session {
    /// A public store over `mb`: its RopLogon answers the public-folder form
    /// with the folders of [MS-OXCSTOR] 2.2.1.1.4 below the root.
    fn public_store(mb: Mailbox, profile: Profile) -> Result<Self, MailboxError> {
        let mut s = Session::new(mb, profile);
        // Session::new made the private-mailbox folders: the store has none.
        for f in s.special[1..].iter().rev() {
            if s.mb.folder(*f).is_some() {
                s.mb.delete_folder(*f, DeleteKind::Hard)?;
            }
        }
        let root = s.mb.root();
        let mut ids = [Fid::default(); 13];
        ids[0] = root;
        for (i, (name, parent)) in PUBLIC_FOLDERS.iter().enumerate() {
            ids[i + 1] = s.mb.create_folder(ids[*parent], name)?;
        }
        s.special = ids;
        s.next_handle = PUBLIC_HANDLE_BASE;
        s.public = Some(PublicRole::Store {
            per_user_guid: s.mb.identity().mailbox_guid,
            notifications: Vec::new(),
        });
        Ok(s)
    }

    /// This session with a public store over `mb` (the identity of
    /// [`public_identity`] is the usual one): connections that log on without
    /// the Private flag are served by it.
    pub fn with_public_store(mut self, mb: Mailbox) -> Result<Self, MailboxError> {
        let store = Session::public_store(mb, self.profile.clone())?;
        self.public = Some(PublicRole::Holder {
            store: Box::new(store),
        });
        Ok(self)
    }

    /// The public store (setup and inspection beside the ROPs), if any.
    pub fn public_store_session(&self) -> Option<&Session> {
        match &self.public {
            Some(PublicRole::Holder { store, .. }) => Some(store),
            _ => None,
        }
    }

    /// The public store, mutable (setup, control and fault injection).
    pub fn public_store_session_mut(&mut self) -> Option<&mut Session> {
        match &mut self.public {
            Some(PublicRole::Holder { store, .. }) => Some(store),
            _ => None,
        }
    }

    /// Control call (not a ROP): the public store's age policy removes
    /// message `mid` as expired ([MS-OXCFXICS] 2.2.1.3.3).
    pub fn expire_public_message(&mut self, mid: Mid) -> Result<(), MailboxError> {
        let store = self
            .public_store_session_mut()
            .ok_or(MailboxError::NoSuchMessage(mid))?;
        store.mb.delete_message(mid, DeleteKind::Expired)
    }

    /// The profile applies to the public store too.
    pub(super) fn public_profile(&mut self, p: &Profile) {
        if let Some(store) = self.public_store_session_mut() {
            store.profile = p.clone();
        }
    }

    /// Answers a request meant for the public store: one whose first ROP is
    /// a RopLogon without the Private flag, or whose first ROP's input
    /// handle is one the store assigned ([`Session::assigned`]). `None`: the
    /// request is this session's. (Several logons may share a connection, so
    /// the store is told by the handles, not by the connection; a buffer
    /// mixing both stores' handles is answered by the store of its first
    /// ROP. A value neither assigned, whatever its range, stays here: its
    /// errors are this session's, and R-007 lets the buffer go on.)
    pub(super) fn route_public(
        &mut self,
        conn: u32,
        request: &[u8],
        now_ms: u64,
    ) -> Option<Result<Vec<u8>, SessionError>> {
        let Some(PublicRole::Holder { store }) = &mut self.public else {
            return None;
        };
        if !is_public_request(request, |h| store.assigned(h)) {
            return None;
        }
        let out = store.execute_on(conn, request, now_ms);
        self.deliver_conflict_notifications();
        Some(out)
    }

    /// Whether this session assigned handle value `h`: the handle of a live
    /// object, or of one released since ([MS-OXCROPS] 3.2.5.1).
    fn assigned(&self, h: u32) -> bool {
        self.objects.contains_key(&h) || self.released.contains(&h)
    }

    /// Whether this session is a public store.
    pub(super) fn is_public_store(&self) -> bool {
        matches!(self.public, Some(PublicRole::Store { .. }))
    }

    /// Queues a conflict notification message of a public store.
    pub(super) fn queue_notification(&mut self, n: crate::mailbox::MessageContent) {
        if let Some(PublicRole::Store { notifications, .. }) = &mut self.public {
            notifications.push(n);
        }
    }

    /// The queued conflict notification messages, taken.
    pub(super) fn take_notifications(&mut self) -> Vec<crate::mailbox::MessageContent> {
        match &mut self.public {
            Some(PublicRole::Store { notifications, .. }) => std::mem::take(notifications),
            _ => Vec::new(),
        }
    }

    /// A closed connection's objects in the public store go too.
    pub(super) fn disconnect_public(&mut self, conn: u32) {
        if let Some(PublicRole::Holder { store }) = &mut self.public {
            store.disconnect(conn);
        }
    }

    /// RopLogon without the Private flag on a public store: the logon
    /// object and the public-folder response. `None` on other sessions.
    pub(super) fn public_logon(
        &mut self,
        r: &LogonRequest,
        handles: &mut [u32],
    ) -> Option<LogonResult> {
        let Some(PublicRole::Store { per_user_guid, .. }) = &self.public else {
            return None;
        };
        let per_user_guid = *per_user_guid;
        let h = self.alloc(Object::Logon);
        Self::set_output(handles, r.output_handle_index, h);
        Some(LogonResult::PublicSuccess(LogonPublicSuccess {
            logon_flags: r.logon_flags,
            folder_ids: self.special,
            repl_id: crate::mailbox::LOCAL_REPLID,
            repl_guid: self.mb.replguid(),
            per_user_guid,
        }))
    }
}

/// Whether a ROP request buffer (RopSize, ROPs, handle table) is for the
/// public store: its first ROP is a RopLogon (RopId, LogonId,
/// OutputHandleIndex, LogonFlags) without the Private flag, or names as its
/// InputHandleIndex (RopId, LogonId, InputHandleIndex, ...) a handle value
/// for which `store_assigned` holds. Malformed buffers are not: the
/// mailbox's session reports them.
fn is_public_request(request: &[u8], store_assigned: impl Fn(u32) -> bool) -> bool {
    let (Some(&lo), Some(&hi)) = (request.first(), request.get(1)) else {
        return false;
    };
    let rop_size = usize::from(u16::from_le_bytes([lo, hi]));
    match request.get(2) {
        Some(&ROP_LOGON) if rop_size > 5 => request.get(5).is_some_and(|f| f & LOGON_PRIVATE == 0),
        Some(_) if rop_size > 4 => {
            let Some(&idx) = request.get(4) else {
                return false;
            };
            let at = rop_size + 4 * usize::from(idx);
            request
                .get(at..at + 4)
                .is_some_and(|b| store_assigned(u32::from_le_bytes([b[0], b[1], b[2], b[3]])))
        }
        _ => false,
    }
}
