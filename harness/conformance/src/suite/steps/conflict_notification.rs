//! Conflict notification messages ([MS-OXCFXICS] 3.1.5.6.3.1; R-247): after a conflict in a
//! public folder the folder's owner SHOULD get an IPM.Conflict.Message, which MUST hold
//! PidTagSenderName (the folder's name), PidTagOriginalSubject and PidTagConflictEntryId
//! (the EntryID of the conflict resolve message); with RESOLVE_NO_CONFLICT_NOTIFICATION in
//! the folder's PidTagResolveMethod it MUST NOT be generated. The test user owns the public
//! folders the scenario creates; the notification is looked for in the user's Inbox.

use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};

use super::{Args, Res, steps};
use crate::world::SuiteWorld;

/// PidTagEntryId ([MS-OXCPERM] 2.2.4; [MS-OXCDATA] 2.2.4.2).
const PID_TAG_ENTRY_ID: PropTag = PropTag(0x0FFF_0102);
/// PidTagSenderName ([MS-OXOMSG] 2.2.1.51).
const PID_TAG_SENDER_NAME: PropTag = PropTag(0x0C1A_001F);
/// PidTagOriginalSubject ([MS-OXOMSG] 2.2.2.16).
const PID_TAG_ORIGINAL_SUBJECT: PropTag = PropTag(0x0049_001F);
/// PidTagConflictEntryId ([MS-OXCFXICS] 2.2.1.4.2).
const PID_TAG_CONFLICT_ENTRY_ID: PropTag = PropTag(0x3FF0_0102);
const CONFLICT_CLASS: &str = "IPM.Conflict.Message";

pub(super) fn steps() -> Vec<(&'static str, super::Handler)> {
    steps![
        r"^a public folder with (\d+) messages$" => public_folder,
        r"^the folder owner's Inbox holds a conflict notification message for ([mf]\d+) naming folder ([A-Z]\w*), or a SHOULD-level warning is recorded$" => notification,
        r"^the folder owner's Inbox holds no conflict notification message$" => no_notification,
    ]
}

/// The client and the other session move to the target's public folders; the scope folder
/// `Sync` is created below the public IPM_SUBTREE with `n` messages `m1`...
async fn public_folder(w: &mut SuiteWorld, a: Args) -> Res {
    let n = a.n(1)?;
    let h = w.harness().await?;
    h.use_public_folders().await?;
    h.create_folder("root", "Sync")?;
    for _ in 0..n {
        h.create_message("Sync", false, &[])?;
    }
    Ok(())
}

const COLUMNS: [PropTag; 4] = [
    tags::PID_TAG_MESSAGE_CLASS,
    PID_TAG_SENDER_NAME,
    PID_TAG_ORIGINAL_SUBJECT,
    PID_TAG_CONFLICT_ENTRY_ID,
];

fn is_notification(row: &[Option<PropValue>]) -> bool {
    matches!(row.first(), Some(Some(PropValue::Unicode(c)))
        if c.to_string_lossy().eq_ignore_ascii_case(CONFLICT_CLASS))
}

fn text(v: &Option<PropValue>) -> Option<String> {
    match v {
        Some(PropValue::Unicode(u)) => Some(u.to_string_lossy()),
        Some(PropValue::String8(b)) => Some(String::from_utf8_lossy(b).into_owned()),
        _ => None,
    }
}

fn prop(props: &[TaggedValue], tag: PropTag) -> Option<&PropValue> {
    props
        .iter()
        .find(|v| v.tag.id() == tag.id())
        .map(|v| &v.value)
}

/// One notification whose PidTagConflictEntryId is the PidTagEntryId of `m` (the conflict
/// resolve message), PidTagSenderName the folder's name and PidTagOriginalSubject the
/// message's subject; none at all is a SHOULD-level miss.
async fn notification(w: &mut SuiteWorld, a: Args) -> Res {
    let (m, folder) = (a.s(1).to_owned(), a.s(2).to_owned());
    let h = w.harness().await?;
    let props = h.server_message_properties(&m)?;
    let entry_id = prop(&props, PID_TAG_ENTRY_ID)
        .cloned()
        .ok_or_else(|| format!("on the server, {m} has no PidTagEntryId"))?;
    let subject = prop(&props, tags::PID_TAG_SUBJECT).cloned();
    let rows = h.owner_inbox_rows(&COLUMNS)?;
    let notes: Vec<&Vec<Option<PropValue>>> = rows.iter().filter(|r| is_notification(r)).collect();
    if notes.is_empty() {
        w.warn(format!(
            "no conflict notification message ({CONFLICT_CLASS}) reached the folder owner's Inbox after the conflict on {m} (MS-OXCFXICS 3.1.5.6.3.1 SHOULD)"
        ));
        return Ok(());
    }
    let ours = notes
        .iter()
        .find(|r| r.get(3) == Some(&Some(entry_id.clone())))
        .ok_or_else(|| {
            format!(
                "{} conflict notification message(s), none with PidTagConflictEntryId = the EntryID of {m}",
                notes.len()
            )
        })?;
    if text(&ours[1]).as_deref() != Some(folder.as_str()) {
        return Err(format!(
            "the conflict notification for {m} has PidTagSenderName {:?}, not {folder}",
            ours[1]
        ));
    }
    match (&ours[2], subject.map(|s| text(&Some(s)))) {
        (Some(_), Some(want)) if text(&ours[2]) == want => Ok(()),
        (Some(_), None) => Ok(()),
        (got, want) => Err(format!(
            "the conflict notification for {m} has PidTagOriginalSubject {got:?}, the message's subject is {want:?}"
        )),
    }
}

async fn no_notification(w: &mut SuiteWorld, _: Args) -> Res {
    let h = w.harness().await?;
    let rows = h.owner_inbox_rows(&COLUMNS)?;
    let n = rows.iter().filter(|r| is_notification(r)).count();
    if n == 0 {
        Ok(())
    } else {
        Err(format!(
            "{n} conflict notification message(s) in the folder owner's Inbox despite RESOLVE_NO_CONFLICT_NOTIFICATION"
        ))
    }
}
