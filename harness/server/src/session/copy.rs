//! FastTransfer download ROPs ([MS-OXCFXICS] 2.2.3.1.1, 3.2.5.8.1;
//! server-rules.md group C): RopFastTransferSourceCopyMessages (messageList,
//! with SendEntryId for client-header completion, R-040, R-327),
//! RopFastTransferSourceCopyFolder (topFolder), RopFastTransferSourceCopyTo
//! and RopFastTransferSourceCopyProperties on a Message object
//! (messageContent), a Folder object (folderContent) or an Attachment object
//! (attachmentContent). The stream is produced when the ROP runs and handed
//! out by GetBuffer like an ICS stream.

use ics_wire::ftstream::{self as ft, FtProp, Writer};
use ics_wire::ids::{Fid, Mid};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::common::OutputHandleResponse;
use ics_wire::rop::fasttransfer::*;
use ics_wire::rop::flags::{
    CopyFolderCopyFlags, CopyMessagesCopyFlags, CopyPropertiesCopyFlags, CopyToCopyFlags,
    SendOptions,
};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

use super::profile::Profile;
use super::setup::Pending;
use super::stream::{Source, Streamer};
use super::{Object, Session};
use crate::ics::materialize::{ContentOut, message_content};
use crate::ics::{StringForm, SyncKind, SyncOptions};
use crate::mailbox::{Mailbox, Message, message_change_key, message_pcl};

/// PidTagComment.
const PID_TAG_COMMENT: PropTag = PropTag(0x3004_001F);

/// SendOptions checks shared by the copy ROPs (R-037 with the group Y profile).
pub(super) fn check_send_options(
    so: SendOptions,
    profile: &Profile,
) -> Result<StringForm, ErrorCode> {
    if so.unknown_bits() != 0
        || (profile.strict_send_options
            && (so.contains(SendOptions::RESERVED1) || so.contains(SendOptions::RESERVED2)))
    {
        return Err(ErrorCode::InvalidParameter);
    }
    if so.contains(SendOptions::RECOVER_MODE) && so.contains(SendOptions::USE_CPID) {
        return Err(ErrorCode::InvalidParameter); // not with ForUpload
    }
    Ok(if so.contains(SendOptions::USE_CPID) {
        StringForm::UseCpid
    } else if so.contains(SendOptions::FORCE_UNICODE) {
        StringForm::ForceUnicode
    } else if so.contains(SendOptions::UNICODE) {
        StringForm::AsStored
    } else {
        StringForm::CodePage
    })
}

fn opts(strings: StringForm, tags_: Vec<PropTag>, include: bool) -> SyncOptions {
    SyncOptions {
        strings,
        property_tags: tags_,
        only_specified_properties: include,
        ..SyncOptions::contents()
    }
}

pub(super) fn fts(mb: &Mailbox, vs: Vec<TaggedValue>) -> Vec<FtProp> {
    vs.into_iter()
        .map(|v| {
            let name = if v.tag.is_named() {
                mb.named().name_of(v.tag.id()).cloned()
            } else {
                None
            };
            FtProp {
                tag: v.tag,
                name,
                value: v.value,
            }
        })
        .collect()
}

pub(super) fn children(mb: &Mailbox, c: ContentOut, with_delprops: bool) -> ft::MessageChildren {
    ft::MessageChildren {
        del_recipients: with_delprops && c.recipients.is_some(),
        recipients: c
            .recipients
            .unwrap_or_default()
            .into_iter()
            .map(|r| ft::Recipient { props: fts(mb, r) })
            .collect(),
        del_attachments: with_delprops && c.attachments.is_some(),
        attachments: c
            .attachments
            .unwrap_or_default()
            .into_iter()
            .map(|a| ft::Attachment {
                attach_number: a.number,
                content: ft::AttachmentContent {
                    dn_prefix: None,
                    props: fts(mb, a.props),
                    embedded: a.embedded.map(|e| {
                        let mut e = *e;
                        let props = fts(mb, std::mem::take(&mut e.props));
                        Box::new(ft::MessageContent {
                            dn_prefix: None,
                            props,
                            children: children(mb, e, with_delprops),
                        })
                    }),
                },
            })
            .collect(),
    }
}

/// A Message EntryID ([MS-OXCDATA] 2.2.4.2), 70 bytes: the value of
/// PidTagEntryId / PidTagOriginalEntryId. ADAPTER: no EntryID codec in
/// `ics-wire` yet.
pub fn message_entry_id(mb: &Mailbox, folder: Fid, mid: Mid) -> Vec<u8> {
    let mut v = Vec::with_capacity(70);
    v.extend_from_slice(&0u32.to_le_bytes()); // Flags
    v.extend_from_slice(&mb.identity().mailbox_guid.0); // ProviderUID
    v.extend_from_slice(&0x0007u16.to_le_bytes()); // eitLTPrivateMessage
    for id in [folder.0, mid.0] {
        let gid = mb.ids().gid_of(id).unwrap_or_default();
        v.extend_from_slice(&gid.replguid.0.0);
        v.extend_from_slice(&gid.globcnt.to_bytes());
        v.extend_from_slice(&[0, 0]);
    }
    v
}

/// PidTagOriginalEntryId.
const PID_TAG_ORIGINAL_ENTRY_ID: PropTag = tags::PID_TAG_ORIGINAL_ENTRY_ID;

/// One message of a messageList: PidTagMid first, then with
/// SendEntryId the identification properties, then its content.
fn list_message(
    mb: &Mailbox,
    folder: Fid,
    m: &Message,
    o: &SyncOptions,
    send_entry_id: bool,
) -> ft::Message {
    let mut c = message_content(m, o);
    let mut props = vec![TaggedValue {
        tag: tags::PID_TAG_MID,
        value: PropValue::I64(m.mid.to_u64_le() as i64),
    }];
    if send_entry_id {
        let g = mb.replguid();
        props.push(TaggedValue {
            tag: tags::PID_TAG_SOURCE_KEY,
            value: PropValue::Binary(mb.source_key_of(m.mid.0)),
        });
        props.push(TaggedValue {
            tag: tags::PID_TAG_CHANGE_KEY,
            value: PropValue::Binary(message_change_key(m, g).to_bytes()),
        });
        props.push(TaggedValue {
            tag: tags::PID_TAG_LAST_MODIFICATION_TIME,
            value: PropValue::Time(m.last_modified),
        });
        props.push(TaggedValue {
            tag: tags::PID_TAG_PREDECESSOR_CHANGE_LIST,
            value: PropValue::Binary(message_pcl(m, g).to_bytes()),
        });
        props.push(TaggedValue {
            tag: PID_TAG_ORIGINAL_ENTRY_ID,
            value: PropValue::Binary(message_entry_id(mb, folder, m.mid)),
        });
    }
    props.append(&mut c.props);
    ft::Message {
        fai: m.fai,
        content: ft::MessageContent {
            dn_prefix: None,
            props: fts(mb, props),
            children: children(mb, c, false),
        },
    }
}

/// A message the user may not read: skipped, with MetaTagEcWarning in its place
/// ([MS-OXCFXICS] 3.2.5.8.1, R-192).
fn denied_item() -> ft::MessageListItem {
    ft::MessageListItem::EcWarning(crate::mailbox::permissions::EC_ACCESS_DENIED)
}

fn error_item(mb: &Mailbox, folder: Fid, mid: Mid) -> ft::MessageListItem {
    let info = super::structs::extended_error_info(
        super::stream::EC_NOT_FOUND,
        mb.ids().gid_of(folder.0),
        mb.ids().gid_of(mid.0),
    );
    ft::MessageListItem::Error(ft::ErrorInfo {
        props: vec![FtProp::with_tag(
            ft::ics_tags::UNTAGGED_BINARY,
            PropValue::Binary(info),
        )],
    })
}

/// The propList of a folder: in subfolders PidTagFolderId, PidTagDisplayName
/// and PidTagComment first (ftstream.md §6.12), then the stored properties
/// that pass `keep` (computed ones never).
fn folder_props(
    f: &crate::mailbox::Folder,
    fid: Fid,
    o: &SyncOptions,
    sub: bool,
    keep: impl Fn(PropTag) -> bool,
) -> Vec<TaggedValue> {
    let mut props = Vec::new();
    if sub {
        props.push(TaggedValue {
            tag: tags::PID_TAG_FOLDER_ID,
            value: PropValue::I64(fid.to_u64_le() as i64),
        });
        for tag in [tags::PID_TAG_DISPLAY_NAME, PID_TAG_COMMENT] {
            props.push(crate::ics::materialize::convert_string(
                TaggedValue {
                    tag,
                    value: f
                        .props
                        .get(tag)
                        .cloned()
                        .unwrap_or_else(|| PropValue::unicode("")),
                },
                o.strings,
            ));
        }
    }
    for p in f.props.values() {
        let skip = [tags::PID_TAG_DISPLAY_NAME.id(), PID_TAG_COMMENT.id()];
        if (sub && skip.contains(&p.tag.id())) || crate::mailbox::is_computed(p.tag) || !keep(p.tag)
        {
            continue;
        }
        props.push(crate::ics::materialize::convert_string(
            p.clone(),
            o.strings,
        ));
    }
    props
}

/// The messages of a folder (`fai`: only FAI / only normal / all), each
/// with PidTagMid first; unreadable ones are an errorInfo in RecoverMode
/// and fail the ROP otherwise.
fn folder_messages(
    mb: &Mailbox,
    fid: Fid,
    o: &SyncOptions,
    recover: bool,
    fai: Option<bool>,
) -> Result<ft::MessageList, ErrorCode> {
    let f = mb.folder(fid).ok_or(ErrorCode::NotFound)?;
    let mut items = Vec::new();
    let mut msgs: Vec<&Message> = f
        .messages()
        .filter(|m| fai.is_none_or(|x| m.fai == x))
        .collect();
    msgs.sort_by_key(|m| (m.fai, m.mid.globcnt()));
    for m in msgs {
        if m.no_read_permission {
            items.push(denied_item());
            continue;
        }
        if m.unreadable {
            if !recover {
                return Err(ErrorCode::NotFound);
            }
            items.push(error_item(mb, fid, m.mid));
            continue;
        }
        items.push(ft::MessageListItem::Message(list_message(
            mb, fid, m, o, false,
        )));
    }
    Ok(ft::MessageList { items })
}

fn folder_content_no_delprops(
    mb: &Mailbox,
    fid: Fid,
    o: &SyncOptions,
    recover: bool,
    sub: bool,
    recurse: bool,
) -> Result<ft::FolderContentNoDelProps, ErrorCode> {
    let f = mb.folder(fid).ok_or(ErrorCode::NotFound)?;
    let props = folder_props(f, fid, o, sub, |_| true);
    let list = folder_messages(mb, fid, o, recover, None)?;
    let mut subfolders = Vec::new();
    if recurse {
        for k in f.children() {
            let c = Fid(crate::mailbox::ids::id_of(k));
            subfolders.push(folder_content_no_delprops(mb, c, o, recover, true, true)?);
        }
    }
    Ok(ft::FolderContentNoDelProps {
        props: fts(mb, props),
        messages: ft::FolderMessagesNoDelProps::List(list),
        subfolders,
    })
}

/// Which parts of the top folder of a folderContent a CopyTo /
/// CopyProperties copies (2.2.3.1.1.1, 2.2.3.1.1.2): the property list
/// filters the top folder only; descendants are copied whole.
struct TopFilter {
    list: Vec<PropTag>,
    include: bool,
    /// Level 0: subobjects (messages, subfolders) may be copied.
    subobjects: bool,
}

impl TopFilter {
    fn keeps(&self, tag: PropTag) -> bool {
        self.list.iter().any(|t| t.id() == tag.id()) == self.include
    }
    fn keeps_subobject(&self, tag: PropTag) -> bool {
        self.subobjects && self.keeps(tag)
    }
}

/// `folderContent` (2.2.4.3.6): the folder's propList, then each kept
/// message kind after its MetaTagFXDelProp (ftstream.md §6.13), then, if
/// kept, MetaTagFXDelProp(PidTagContainerHierarchy) and the subfolders.
/// `filter` is `None` for a subfolder (copied whole).
fn folder_content(
    mb: &Mailbox,
    fid: Fid,
    o: &SyncOptions,
    recover: bool,
    filter: Option<&TopFilter>,
) -> Result<ft::FolderContent, ErrorCode> {
    use ft::markers::ics_tags::{
        PID_TAG_CONTAINER_CONTENTS, PID_TAG_CONTAINER_HIERARCHY, PID_TAG_FOLDER_ASSOCIATED_CONTENTS,
    };
    let f = mb.folder(fid).ok_or(ErrorCode::NotFound)?;
    let keep = |t: PropTag| filter.is_none_or(|x| x.keeps_subobject(t));
    let props = folder_props(f, fid, o, filter.is_none(), |t| {
        filter.is_none_or(|x| x.keeps(t))
    });
    let mut lists = Vec::new();
    for (tag, fai) in [
        (PID_TAG_CONTAINER_CONTENTS, false),
        (PID_TAG_FOLDER_ASSOCIATED_CONTENTS, true),
    ] {
        if keep(tag) {
            lists.push(ft::DelPropMessageList {
                del_prop: tag,
                list: folder_messages(mb, fid, o, recover, Some(fai))?,
            });
        }
    }
    let subfolders = if keep(PID_TAG_CONTAINER_HIERARCHY) {
        let mut v = Vec::new();
        for k in f.children() {
            let c = Fid(crate::mailbox::ids::id_of(k));
            v.push(folder_content(mb, c, o, recover, None)?);
        }
        Some(v)
    } else {
        None
    };
    Ok(ft::FolderContent {
        dn_prefix: None,
        props: fts(mb, props),
        ec_warning: None,
        messages: ft::FolderMessages::Lists(lists),
        subfolders,
    })
}

impl Session {
    pub(super) fn dispatch_copy(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
    ) -> Option<RopResponse> {
        use RopRequest as Q;
        let (out_idx, result) = match rop {
            Q::FastTransferSourceCopyMessages(r) => {
                (r.output_handle_index, self.copy_messages(r, handles))
            }
            Q::FastTransferSourceCopyFolder(r) => {
                (r.output_handle_index, self.copy_folder(r, handles))
            }
            Q::FastTransferSourceCopyTo(r) => (
                r.output_handle_index,
                self.copy_message_props(
                    handles,
                    r.input_handle_index,
                    r.level,
                    CopyFlagBits {
                        unknown: r.copy_flags.unknown_bits() != 0,
                        move_: r.copy_flags.contains(CopyToCopyFlags::MOVE),
                        best_body: r.copy_flags.contains(CopyToCopyFlags::BEST_BODY),
                    },
                    r.send_options,
                    r.property_tags.clone(),
                    false,
                ),
            ),
            Q::FastTransferSourceCopyProperties(r) => (
                r.output_handle_index,
                self.copy_message_props(
                    handles,
                    r.input_handle_index,
                    r.level,
                    CopyFlagBits {
                        unknown: r.copy_flags.unknown_bits() != 0,
                        move_: r.copy_flags.contains(CopyPropertiesCopyFlags::MOVE),
                        best_body: false,
                    },
                    r.send_options,
                    r.property_tags.clone(),
                    true,
                ),
            ),
            _ => return None,
        };
        let rv = match result {
            Ok(bytes) => {
                let h = self.alloc(Object::Stream(Box::new(Streamer::new(
                    Source::Bytes(bytes),
                    SyncKind::Contents,
                ))));
                Self::set_output(handles, out_idx, h);
                ErrorCode::Success
            }
            Err(e) => e,
        };
        let x = OutputHandleResponse {
            output_handle_index: out_idx,
            return_value: rv,
        };
        Some(match rop {
            Q::FastTransferSourceCopyMessages(_) => RopResponse::FastTransferSourceCopyMessages(x),
            Q::FastTransferSourceCopyFolder(_) => RopResponse::FastTransferSourceCopyFolder(x),
            Q::FastTransferSourceCopyTo(_) => RopResponse::FastTransferSourceCopyTo(x),
            _ => RopResponse::FastTransferSourceCopyProperties(x),
        })
    }

    fn copy_messages(
        &mut self,
        r: &FastTransferSourceCopyMessagesRequest,
        handles: &[u32],
    ) -> Result<Vec<u8>, ErrorCode> {
        let fid = self.folder_of_handle(handles, r.input_handle_index)?;
        let strings = check_send_options(r.send_options, &self.profile)?;
        // Unused1/2 (0x02, 0x04) are ignored; Unused3 0x08
        // and unknown bits are refused. Move (0x01) marks the copy as part
        // of a move the client completes by deleting the sources
        // (2.2.3.1.1.3.1): objects the client may not delete are left out
        // and in this single-user mailbox the client may delete
        // every message, so the stream is the one of a copy. BestBody
        // (0x10): of several stored body forms only the original one is
        // sent (R-038; no compressed RTF conversion when it is clear).
        if r.copy_flags.unknown_bits() != 0 || r.copy_flags.contains(CopyMessagesCopyFlags::UNUSED3)
        {
            return Err(ErrorCode::InvalidParameter);
        }
        if r.message_ids.is_empty() {
            return Err(ErrorCode::InvalidParameter);
        }
        let recover = r.send_options.contains(SendOptions::RECOVER_MODE);
        let send_entry_id = r.copy_flags.contains(CopyMessagesCopyFlags::SEND_ENTRY_ID);
        let o = SyncOptions {
            best_body: r.copy_flags.contains(CopyMessagesCopyFlags::BEST_BODY),
            ..opts(strings, vec![], false)
        };
        let mut items = Vec::new();
        for mid in &r.message_ids {
            if self.mb.folder_of(*mid) != Some(fid) {
                return Err(ErrorCode::NotFound);
            }
            let m = self.mb.message(*mid).expect("located");
            if m.no_read_permission {
                items.push(denied_item());
                continue;
            }
            if m.unreadable {
                if !recover {
                    return Err(ErrorCode::NotFound);
                }
                items.push(error_item(&self.mb, fid, *mid));
                continue;
            }
            items.push(ft::MessageListItem::Message(list_message(
                &self.mb,
                fid,
                m,
                &o,
                send_entry_id,
            )));
        }
        let mut w = Writer { out: Vec::new() };
        w.message_list(&ft::MessageList { items })
            .map_err(|_| ErrorCode::GeneralFailure)?;
        Ok(w.out)
    }

    fn copy_folder(
        &mut self,
        r: &FastTransferSourceCopyFolderRequest,
        handles: &[u32],
    ) -> Result<Vec<u8>, ErrorCode> {
        let fid = self.folder_of_handle(handles, r.input_handle_index)?;
        let strings = check_send_options(r.send_options, &self.profile)?;
        if r.copy_flags.unknown_bits() != 0 {
            return Err(ErrorCode::InvalidParameter);
        }
        // CopySubfolders (or Move without it) includes subfolders.
        let recurse = r.copy_flags.contains(CopyFolderCopyFlags::COPY_SUBFOLDERS)
            || r.copy_flags.contains(CopyFolderCopyFlags::MOVE);
        let o = opts(strings, vec![], false);
        let content = folder_content_no_delprops(
            &self.mb,
            fid,
            &o,
            r.send_options.contains(SendOptions::RECOVER_MODE),
            false,
            recurse,
        )?;
        let mut w = Writer { out: Vec::new() };
        w.top_folder(&ft::TopFolder {
            dn_prefix: None,
            content,
        })
        .map_err(|_| ErrorCode::GeneralFailure)?;
        Ok(w.out)
    }

    /// CopyTo (exclude list) / CopyProperties (include list) on a Message
    /// object (messageContent root), a Folder object (folderContent root) or
    /// an Attachment object (attachmentContent root, ftstream.md §8).
    ///
    /// Move (R-031, R-033; group X "CopyTo Move flag", "CopyProperties with
    /// Move"): refused as Exchange 2010+ do, CopyTo with ecInvalidParameter
    /// and CopyProperties with ecNotImplemented, unless the profile supports
    /// it (Exchange 2007), when the stream is the one of a copy (R-032: the
    /// single user may delete every object). On an Attachment, Move is a
    /// client error and always refused with ecInvalidParameter.
    #[allow(clippy::too_many_arguments)]
    fn copy_message_props(
        &mut self,
        handles: &[u32],
        idx: u8,
        level: u8,
        flags: CopyFlagBits,
        so: SendOptions,
        list: Vec<PropTag>,
        include: bool,
    ) -> Result<Vec<u8>, ErrorCode> {
        let h = self.resolve(handles, idx)?;
        let target = match self.objects.get(&h) {
            Some(Object::Message(m)) => match m.pending_mid() {
                Some(mid) => Ok(mid),
                None => return Err(ErrorCode::NotImplemented),
            },
            Some(Object::Folder(fid)) => Err(*fid),
            Some(Object::Attachment(_)) => {
                return self.copy_attachment(h, flags, so, list, include);
            }
            _ => return Err(ErrorCode::NotSupported),
        };
        let strings = check_send_options(so, &self.profile)?;
        if flags.unknown {
            return Err(ErrorCode::InvalidParameter);
        }
        if include && list.is_empty() {
            return Err(ErrorCode::InvalidParameter);
        }
        if flags.move_ && !self.profile.copy_move_supported {
            return Err(if include {
                ErrorCode::NotImplemented
            } else {
                ErrorCode::InvalidParameter
            });
        }
        let mid = match target {
            Ok(mid) => mid,
            Err(fid) => {
                // folderContent root (ftstream.md §8): the list filters the
                // folder's properties and subobjects, level != 0 drops the
                // subobjects.
                let filter = TopFilter {
                    list,
                    include,
                    subobjects: level == 0,
                };
                let o = opts(strings, vec![], false);
                let recover = so.contains(SendOptions::RECOVER_MODE);
                let content = folder_content(&self.mb, fid, &o, recover, Some(&filter))?;
                let mut w = Writer { out: Vec::new() };
                w.folder_content(&content)
                    .map_err(|_| ErrorCode::GeneralFailure)?;
                return Ok(w.out);
            }
        };
        let m = self.mb.message(mid).ok_or(ErrorCode::ObjectDeleted)?;
        if m.unreadable {
            return Err(ErrorCode::NotFound);
        }
        // the list filters this message's properties and, for level 0,
        // its subobjects; a non-zero level drops all subobjects.
        let o = SyncOptions {
            best_body: flags.best_body,
            ..opts(strings, list, include)
        };
        let mut c = message_content(m, &o);
        if level != 0 {
            c.recipients = None;
            c.attachments = None;
        }
        let props = fts(&self.mb, std::mem::take(&mut c.props));
        let mut w = Writer { out: Vec::new() };
        w.message_content(&ft::MessageContent {
            dn_prefix: None,
            props,
            children: children(&self.mb, c, true),
        })
        .map_err(|_| ErrorCode::GeneralFailure)?;
        Ok(w.out)
    }
}

/// The CopyFlags bits `copy_message_props` acts on.
#[derive(Clone, Copy, Debug)]
pub(super) struct CopyFlagBits {
    /// A bit the spec does not define.
    pub(super) unknown: bool,
    /// Move (0x01).
    pub(super) move_: bool,
    /// CopyTo BestBody (0x2000, R-038).
    pub(super) best_body: bool,
}

impl super::setup::MessageCtx {
    /// The saved message behind this object, if any.
    pub(super) fn pending_mid(&self) -> Option<Mid> {
        match self.pending {
            Pending::Edit(m) => Some(m),
            _ => None,
        }
    }
}
