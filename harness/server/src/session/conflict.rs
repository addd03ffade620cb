//! Conflict resolution of imported normal messages by a conflict resolve
//! message ([MS-OXCFXICS] 3.1.5.6.2.1, 2.2.1.4.1,
//!
//!
//! The folder's PidTagResolveMethod chooses: RESOLVE_METHOD_LAST_WRITER_WINS
//! (1) overwrites the message with the winner (3.1.5.6.2.2); the default (0,
//! or the property absent) and RESOLVE_NO_CONFLICT_NOTIFICATION (2, which
//! only concerns public-folder notifications) keep a conflict resolve
//! message. FAI messages and folders always resolve by last writer wins
//! and never get here.
//!
//! The conflict resolve message is stored under the message's MID: the
//! winner's properties and subobjects, plus one ATTACH_EMBEDDED_MSG
//! attachment per conflicting version with PidTagInConflict TRUE, the
//! msInConflict bit in PidTagMessageStatus, and the merge of the versions'
//! PCLs (with the winner's ChangeKey and LastModificationTime). If the
//! stored message already is a conflict resolve message, its versions are
//! carried over, so all conflicting versions are considered (3.1.5.6.2.1).
//!
//! On a public store, a stored conflict resolve message also notifies the
//! folder's owner ([`super::notify`], 3.1.5.6.3.1, R-247).
//!
//! Conflict resolve messages are not synchronized as such (3.1.5.6.2.1): an
//! ICS contents download sends each version in conflict as a separate
//! messageChange with the message's SourceKey and the version's own
//! ChangeKey, PCL and LastModificationTime ([`versions_in_conflict`]), so
//! that the receiver detects the conflict itself. A FastTransfer copy, which
//! carries no change identity, sends the winning version, i.e. the resolve
//! message without its version attachments and without msInConflict
//! ([`synchronized_content`]).

use ics_wire::ids::Mid;
use ics_wire::prop::{PropTag, PropValue, tags};

use super::Session;
use crate::mailbox::message::MF_READ;
use crate::mailbox::{
    Attachment, Folder, ImportedChange, MailboxError, Message, MessageContent, PropertyBag,
    message_change_key, message_pcl,
};

/// PidTagResolveMethod ([MS-OXCFXICS] 2.2.1.4.1), a folder property.
pub const PID_TAG_RESOLVE_METHOD: PropTag = PropTag(0x3FE7_0003);
/// PidTagInConflict ([MS-OXCFXICS] 3.1.5.6.2.1, [MS-OXPROPS] 2.742).
pub const PID_TAG_IN_CONFLICT: PropTag = PropTag(0x666C_000B);
/// PidTagMessageStatus ([MS-OXCMSG] 2.2.1.8).
pub const PID_TAG_MESSAGE_STATUS: PropTag = PropTag(0x0E17_0003);
/// PidTagAttachMethod ([MS-OXCMSG] 2.2.2.9).
pub const PID_TAG_ATTACH_METHOD: PropTag = PropTag(0x3705_0003);
/// msInConflict of PidTagMessageStatus ([MS-OXCMSG] 2.2.1.8).
pub const MS_IN_CONFLICT: i32 = 0x0000_0800;
/// afEmbeddedMessage of PidTagAttachMethod.
pub const ATTACH_EMBEDDED_MSG: i32 = 5;

/// The values of PidTagResolveMethod ([MS-OXCFXICS] 2.2.1.4.1; R-245).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResolveMethod {
    /// RESOLVE_METHOD_DEFAULT (0, or the property absent): a conflict
    /// resolve message.
    Default,
    /// RESOLVE_METHOD_LAST_WRITER_WINS (1): overwrite with the winner.
    LastWriterWins,
    /// RESOLVE_NO_CONFLICT_NOTIFICATION (2): a conflict resolve message,
    /// without a conflict notification (public folders only, R-247).
    NoConflictNotification,
}

/// The resolve method of a folder; values other than 1 and 2 count as the
/// default (the spec defines no other value).
pub fn resolve_method(f: &Folder) -> ResolveMethod {
    match f.props.get(PID_TAG_RESOLVE_METHOD) {
        Some(PropValue::I32(1)) => ResolveMethod::LastWriterWins,
        Some(PropValue::I32(2)) => ResolveMethod::NoConflictNotification,
        _ => ResolveMethod::Default,
    }
}

/// A conflict on a normal message that RopSaveChangesMessage settles with a
/// conflict resolve message (resolution happens at save, R-205).
#[derive(Debug)]
pub struct ResolvePlan {
    /// The message.
    pub mid: Mid,
    /// The imported version's identity as the client gave it.
    pub imported: ImportedChange,
    /// The resolve message's identity: the winner's ChangeKey and
    /// LastModificationTime, the merged PCL.
    pub result: ImportedChange,
    /// The imported version wins (last writer wins, 3.1.5.6.2.2).
    pub import_wins: bool,
}

/// Whether a message is a conflict resolve message (msInConflict set).
pub fn is_conflict_resolve(c: &MessageContent) -> bool {
    matches!(c.props.get(PID_TAG_MESSAGE_STATUS), Some(PropValue::I32(s)) if s & MS_IN_CONFLICT != 0)
}

fn in_conflict(a: &Attachment) -> bool {
    matches!(
        a.props.get(PID_TAG_IN_CONFLICT),
        Some(PropValue::Boolean(true))
    )
}

/// The versions in conflict of a conflict resolve message, each with its
/// change identity in its properties (3.1.5.6.2.1); empty for other messages.
pub fn versions_in_conflict(c: &MessageContent) -> Vec<&MessageContent> {
    if !is_conflict_resolve(c) {
        return Vec::new();
    }
    c.attachments
        .iter()
        .filter(|a| in_conflict(a))
        .filter_map(|a| a.embedded.as_deref())
        .collect()
}

/// The versions a stored message is synchronized as (3.1.5.6.2.1): those of
/// a conflict resolve message while it is unchanged since the resolution
/// (its ChangeKey is still the winner's). A later change, such as a server
/// edit with a new ChangeKey, succeeds every version, so the message goes
/// out as itself. Empty for other messages.
pub fn versions_to_send(m: &Message) -> Vec<&MessageContent> {
    let Some(key) = m.change_key else {
        return Vec::new();
    };
    let key = PropValue::Binary(key.to_bytes());
    let versions = versions_in_conflict(&m.content);
    if versions
        .iter()
        .any(|v| v.props.get(tags::PID_TAG_CHANGE_KEY) == Some(&key))
    {
        versions
    } else {
        Vec::new()
    }
}

/// Marks a version's content with its change identity (PidTagChangeKey,
/// PidTagPredecessorChangeList, PidTagLastModificationTime).
fn stamp(mut c: MessageContent, id: &ImportedChange) -> MessageContent {
    c.props.set(
        tags::PID_TAG_CHANGE_KEY,
        PropValue::Binary(id.change_key.to_bytes()),
    );
    c.props.set(
        tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
        PropValue::Binary(id.pcl.to_bytes()),
    );
    c.props.set(
        tags::PID_TAG_LAST_MODIFICATION_TIME,
        PropValue::Time(id.last_modified),
    );
    c
}

/// The versions a stored message stands for: the versions of a conflict
/// resolve message, else the message itself with its read state.
fn stored_versions(m: &Message, replguid: ics_wire::ids::ReplGuid) -> Vec<MessageContent> {
    if is_conflict_resolve(&m.content) {
        return m
            .content
            .attachments
            .iter()
            .filter(|a| in_conflict(a))
            .filter_map(|a| a.embedded.as_deref().cloned())
            .collect();
    }
    let mut c = m.content.clone();
    c.props.set(
        tags::PID_TAG_MESSAGE_FLAGS,
        PropValue::I32(m.message_flags()),
    );
    let id = ImportedChange {
        change_key: message_change_key(m, replguid),
        pcl: message_pcl(m, replguid),
        last_modified: m.last_modified,
    };
    vec![stamp(c, &id)]
}

/// The content of the conflict resolve message: the winner's content
/// without earlier version attachments, each version as an embedded
/// message with PidTagInConflict TRUE, and msInConflict set.
pub fn resolve_content(
    mut winner: MessageContent,
    versions: Vec<MessageContent>,
) -> MessageContent {
    winner.attachments.retain(|a| !in_conflict(a));
    for v in versions {
        let mut props = PropertyBag::new();
        props.set(PID_TAG_ATTACH_METHOD, PropValue::I32(ATTACH_EMBEDDED_MSG));
        props.set(PID_TAG_IN_CONFLICT, PropValue::Boolean(true));
        winner.attachments.push(Attachment {
            props,
            embedded: Some(Box::new(v)),
        });
    }
    let status = match winner.props.get(PID_TAG_MESSAGE_STATUS) {
        Some(PropValue::I32(s)) => *s,
        _ => 0,
    };
    winner.props.set(
        PID_TAG_MESSAGE_STATUS,
        PropValue::I32(status | MS_IN_CONFLICT),
    );
    winner
}

/// The content a synchronization sends for a conflict resolve message: the
/// winner's properties and subobjects, without the attachments that hold the
/// versions in conflict and without msInConflict. `None` for other messages.
pub fn synchronized_content(c: &MessageContent) -> Option<MessageContent> {
    if !is_conflict_resolve(c) {
        return None;
    }
    let mut w = c.clone();
    w.attachments.retain(|a| !in_conflict(a));
    if let Some(PropValue::I32(s)) = w.props.get(PID_TAG_MESSAGE_STATUS).cloned() {
        w.props
            .set(PID_TAG_MESSAGE_STATUS, PropValue::I32(s & !MS_IN_CONFLICT));
    }
    Some(w)
}

impl Session {
    /// RopSaveChangesMessage of an imported version that conflicts with the
    /// stored one in a folder without RESOLVE_METHOD_LAST_WRITER_WINS:
    /// stores the conflict resolve message (3.1.5.6.2.1).
    pub(super) fn save_conflict_resolve(
        &mut self,
        plan: ResolvePlan,
        staged: MessageContent,
    ) -> Result<(), MailboxError> {
        let replguid = self.mb.replguid();
        let m = self
            .mb
            .message(plan.mid)
            .ok_or(MailboxError::NoSuchMessage(plan.mid))?;
        let mut versions = stored_versions(m, replguid);
        let mut server_winner = m.content.clone();
        server_winner.props.set(
            tags::PID_TAG_MESSAGE_FLAGS,
            PropValue::I32(m.message_flags()),
        );
        let imported = stamp(staged.clone(), &plan.imported);
        versions.push(imported);
        let winner = if plan.import_wins {
            let mut w = staged;
            // The winner's read state travels in PidTagMessageFlags; an
            // import without it keeps the stored read state.
            if w.props.get(tags::PID_TAG_MESSAGE_FLAGS).is_none() {
                let read = if m.read { MF_READ } else { 0 };
                w.props
                    .set(tags::PID_TAG_MESSAGE_FLAGS, PropValue::I32(read));
            }
            w
        } else {
            server_winner
        };
        let content = resolve_content(winner, versions);
        self.mb
            .replace_message(plan.mid, content, Some(plan.result))?;
        self.notify_conflict(plan.mid); // R-247, public folders only
        Ok(())
    }
}
