//! FastTransfer upload into a Folder object ([MS-OXCFXICS] 2.2.3.1.2.1.1,
//! 3.2.5.8.2; ftstream.md §7 grammar): a `folderContent` root (SourceOperation
//! CopyTo / CopyProperties) is applied to the destination folder itself, a
//! `topFolder` root (CopyFolder) becomes a new subfolder of it. Folder
//! properties go through [`Mailbox::set_folder_properties`], subfolders
//! through [`Mailbox::create_folder`] and messages through
//! [`Mailbox::create_message`], so every object gets its CN, ChangeKey and
//! PCL as any new or changed object does.

use ics_wire::ftstream as ft;
use ics_wire::ids::Fid;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};

use super::{content_of, values};
use crate::mailbox::{Mailbox, MailboxError};

/// PidTagSourceKey .. PidTagPredecessorChangeList (0x65E0–0x65E3): the
/// change identity of the source folder; the destination assigns its own.
const IDENTITY_IDS: std::ops::RangeInclusive<u16> = 0x65E0..=0x65E3;

/// A complete folder stream the mailbox cannot take.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FolderStreamError {
    /// A folder to be created (the topFolder, a subFolder) has no
    /// PidTagDisplayName string in its propList (ftstream.md §6.12:
    /// subfolders carry it at position 2).
    #[error("{path}: propList has no PidTagDisplayName string")]
    NoDisplayName {
        /// Where: `topFolder`, `subFolder[i]` steps joined by `/`.
        path: String,
    },
}

/// Why a parsed folder stream was not (fully) applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FolderApplyError {
    /// The stream is complete but unusable.
    #[error(transparent)]
    Stream(#[from] FolderStreamError),
    /// The mailbox refused a change.
    #[error(transparent)]
    Mailbox(#[from] MailboxError),
}

/// The name of a folder to create, from its propList.
fn display_name(props: &[ft::FtProp]) -> Option<String> {
    let p = props
        .iter()
        .find(|p| p.tag.id() == tags::PID_TAG_DISPLAY_NAME.id())?;
    match &p.value {
        PropValue::Unicode(s) => Some(s.to_string_lossy()),
        PropValue::String8(b) => Some(String::from_utf8_lossy(b).into_owned()),
        PropValue::CodePageString { cpid: 1200, bytes } => {
            Some(ics_wire::prop::Utf16String::from_le_bytes(bytes).to_string_lossy())
        }
        PropValue::CodePageString { bytes, .. } => {
            Some(String::from_utf8_lossy(bytes).into_owned())
        }
        _ => None,
    }
}

fn need_name(props: &[ft::FtProp], path: &str) -> Result<String, FolderStreamError> {
    display_name(props).ok_or_else(|| FolderStreamError::NoDisplayName {
        path: path.to_owned(),
    })
}

/// Checks what the grammar cannot: every folder the stream creates is named.
/// A complete subFolder cannot be changed by later data, so a failure here
/// is final (the PutBuffer fails, [`super::MALFORMED_STREAM`]).
pub fn validate(root: &ft::Root) -> Result<(), FolderStreamError> {
    fn content(f: &ft::FolderContent, path: &str) -> Result<(), FolderStreamError> {
        for (i, s) in f.subfolders.iter().flatten().enumerate() {
            let p = format!("{path}/subFolder[{i}]");
            need_name(&s.props, &p)?;
            content(s, &p)?;
        }
        Ok(())
    }
    fn no_del(f: &ft::FolderContentNoDelProps, path: &str) -> Result<(), FolderStreamError> {
        need_name(&f.props, path)?;
        for (i, s) in f.subfolders.iter().enumerate() {
            no_del(s, &format!("{path}/subFolder[{i}]"))?;
        }
        Ok(())
    }
    match root {
        ft::Root::FolderContent(f) => content(f, "folderContent"),
        ft::Root::TopFolder(t) => no_del(&t.content, "topFolder"),
        _ => Ok(()),
    }
}

/// The folder properties a stream sets: not the computed ones (PidTagFolderId
/// among them, 0x6600–0x67FF are ignored on upload, ftstream.md §9) nor the
/// source's change identity.
fn folder_values(mb: &mut Mailbox, props: &[ft::FtProp]) -> Vec<TaggedValue> {
    values(mb, props)
        .into_iter()
        .filter(|v| !crate::mailbox::is_computed(v.tag) && !IDENTITY_IDS.contains(&v.tag.id()))
        .collect()
}

fn set_props(mb: &mut Mailbox, fid: Fid, props: &[ft::FtProp]) -> Result<(), MailboxError> {
    let set = folder_values(mb, props);
    if set.is_empty() {
        return Ok(());
    }
    mb.set_folder_properties(fid, &set, &[] as &[PropTag], None)
}

fn create_messages(mb: &mut Mailbox, fid: Fid, list: &ft::MessageList) -> Result<(), MailboxError> {
    for item in &list.items {
        if let ft::MessageListItem::Message(m) = item {
            let content = content_of(mb, &m.content);
            mb.create_message(fid, m.fai, content)?;
        }
    }
    Ok(())
}

/// `folderContent` into `fid`: its properties, its messages (a ghosted
/// folder's MetaTagNewFXFolder carries none), then each subFolder created
/// under `fid` with its own content.
fn apply_content(mb: &mut Mailbox, fid: Fid, f: &ft::FolderContent) -> Result<(), MailboxError> {
    set_props(mb, fid, &f.props)?;
    if let ft::FolderMessages::Lists(lists) = &f.messages {
        for l in lists {
            create_messages(mb, fid, &l.list)?;
        }
    }
    for s in f.subfolders.iter().flatten() {
        let sub = mb.create_folder(fid, &display_name(&s.props).unwrap_or_default())?;
        apply_content(mb, sub, s)?;
    }
    Ok(())
}

/// `folderContentNoDelProps` as a new folder under `parent`.
fn create_no_del(
    mb: &mut Mailbox,
    parent: Fid,
    f: &ft::FolderContentNoDelProps,
) -> Result<Fid, MailboxError> {
    let fid = mb.create_folder(parent, &display_name(&f.props).unwrap_or_default())?;
    set_props(mb, fid, &f.props)?;
    if let ft::FolderMessagesNoDelProps::List(l) = &f.messages {
        create_messages(mb, fid, l)?;
    }
    for s in &f.subfolders {
        create_no_del(mb, fid, s)?;
    }
    Ok(fid)
}

/// Applies a complete folderContent / topFolder stream to the destination
/// folder `fid`; other roots are not folder uploads and change nothing.
/// Returns the new folder of a topFolder.
pub fn apply(mb: &mut Mailbox, fid: Fid, root: &ft::Root) -> Result<Option<Fid>, FolderApplyError> {
    validate(root)?;
    match root {
        ft::Root::FolderContent(f) => {
            apply_content(mb, fid, f)?;
            Ok(None)
        }
        ft::Root::TopFolder(t) => Ok(Some(create_no_del(mb, fid, &t.content)?)),
        _ => Ok(None),
    }
}
