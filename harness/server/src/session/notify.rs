//! Conflict notification messages ([MS-OXCFXICS] 3.1.5.6.3.1; R-247): when a
//! public store keeps a conflict resolve message, it notifies the owner of
//! the public folder with an IPM.Conflict.Message holding PidTagSenderName
//! (the folder's name), PidTagOriginalSubject (the message's subject) and
//! PidTagConflictEntryId (the EntryID of the conflict resolve message, as its
//! PidTagEntryId reads),
//! unless the folder's PidTagResolveMethod has RESOLVE_NO_CONFLICT_NOTIFICATION.
//!
//! The reference server has one user, who owns the public folders: the
//! notification is delivered to the Inbox of the mailbox whose session holds
//! the public store, after the request that caused it ([`Session::route_public`]
//! calls [`Session::deliver_conflict_notifications`]). Private mailboxes
//! get no notification (the spec asks for one for public folders only).

use ics_wire::ids::Mid;
use ics_wire::prop::{PropTag, PropValue, tags};

use super::Session;
use super::conflict::PID_TAG_RESOLVE_METHOD;
use crate::mailbox::{MessageContent, PropertyBag};

/// PidTagSenderName ([MS-OXOMSG] 2.2.1.51).
pub const PID_TAG_SENDER_NAME: PropTag = PropTag(0x0C1A_001F);
/// PidTagOriginalSubject ([MS-OXOMSG] 2.2.2.16).
pub const PID_TAG_ORIGINAL_SUBJECT: PropTag = PropTag(0x0049_001F);
/// PidTagConflictEntryId ([MS-OXCFXICS] 2.2.1.4.2).
pub const PID_TAG_CONFLICT_ENTRY_ID: PropTag = PropTag(0x3FF0_0102);
/// The message class of a conflict notification message.
pub const CONFLICT_MESSAGE_CLASS: &str = "IPM.Conflict.Message";
/// RESOLVE_NO_CONFLICT_NOTIFICATION of PidTagResolveMethod ([MS-OXCFXICS]
/// 2.2.1.4.1), tested as a flag, as 3.1.5.6.3.1 speaks of it.
pub const RESOLVE_NO_CONFLICT_NOTIFICATION: i32 = 0x2;

impl Session {
    /// On a public store, after conflict resolve message `mid` was stored:
    /// the notification for the folder's owner, queued for delivery; nothing
    /// if the folder has RESOLVE_NO_CONFLICT_NOTIFICATION or this session is
    /// no public store.
    pub(super) fn notify_conflict(&mut self, mid: Mid) {
        if !self.is_public_store() {
            return;
        }
        let Some(folder) = self.mb.folder_of(mid) else {
            return;
        };
        let Some(f) = self.mb.folder(folder) else {
            return;
        };
        if matches!(f.props.get(PID_TAG_RESOLVE_METHOD),
            Some(PropValue::I32(m)) if m & RESOLVE_NO_CONFLICT_NOTIFICATION != 0)
        {
            return;
        }
        let folder_name = f
            .props
            .get(tags::PID_TAG_DISPLAY_NAME)
            .cloned()
            .unwrap_or_else(|| PropValue::unicode(""));
        let subject = self
            .mb
            .message(mid)
            .and_then(|m| m.content.props.get(tags::PID_TAG_SUBJECT).cloned())
            .unwrap_or_else(|| PropValue::unicode(""));
        // The EntryID this store gives the message as PidTagEntryId. Known
        // gap: it has the private MessageType (eitLTPrivateMessage), where
        // [MS-OXCDATA] 2.2.4.2 has eitLTPublicMessage for public folders.
        let entry_id = super::copy::message_entry_id(&self.mb, folder, mid);
        let mut props = PropertyBag::new();
        props.set(
            tags::PID_TAG_MESSAGE_CLASS,
            PropValue::unicode(CONFLICT_MESSAGE_CLASS),
        );
        props.set(PID_TAG_SENDER_NAME, folder_name);
        props.set(PID_TAG_ORIGINAL_SUBJECT, subject);
        props.set(PID_TAG_CONFLICT_ENTRY_ID, PropValue::Binary(entry_id));
        self.queue_notification(MessageContent {
            props,
            recipients: Vec::new(),
            attachments: Vec::new(),
        });
    }

    /// Delivers the notifications the public store queued to this mailbox's
    /// Inbox (FolderIds[4] of the private logon).
    pub(super) fn deliver_conflict_notifications(&mut self) {
        let Some(store) = self.public_store_session_mut() else {
            return;
        };
        let pending = store.take_notifications();
        let inbox = self.special[4];
        for n in pending {
            // A mailbox out of IDs keeps the conflict resolve message; the
            // notification is a SHOULD and is dropped.
            let _ = self.mb.create_message(inbox, false, n);
        }
    }
}
