//! Setup ROPs, so a mailbox can be prepared over the wire on any server
//! ([MS-OXCFOLD], [MS-OXCMSG], [MS-OXCPRPT]): folders, messages, properties,
//! read flags, named property ids; and the Message object that
//! RopSynchronizationImportMessageChange returns.

use ics_wire::ids::{Fid, Mid};
use ics_wire::pcl::Pcl;
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::rop::common::RopResult;
use ics_wire::rop::flags::{GetPropertyIdsFromNamesFlags, ReadFlags};
use ics_wire::rop::folder::{
    CreateFolderResponse, CreateFolderSuccess, FolderString, PartialCompletionResponse,
};
use ics_wire::rop::message::*;
use ics_wire::rop::property::*;
use ics_wire::rop::value::{RopPropertyName, TypedString};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

use super::{Object, Session, SessionError};
use crate::mailbox::{DeleteKind, ImportedChange, MessageContent, is_computed};

/// What SaveChangesMessage does with a Message object.
#[derive(Debug)]
pub enum Pending {
    /// RopCreateMessage: a new message with a new MID.
    New,
    /// RopOpenMessage: edits of an existing message.
    Edit(Mid),
    /// Imported new message with this MID and change identity.
    Create {
        /// MID from the SourceKey.
        mid: Mid,
        /// ChangeKey, PCL, LMT as given.
        change: ImportedChange,
    },
    /// Imported newer version of an existing message.
    Replace {
        /// The message.
        mid: Mid,
        /// ChangeKey, PCL (merged on a won conflict), LMT.
        change: ImportedChange,
        /// The stored result is the client's version (no conflict), so the
        /// collector's state may claim its CN.
        claim: bool,
    },
    /// Imported version of a normal message in conflict, in a folder whose
    /// PidTagResolveMethod asks for a conflict resolve message (3.1.5.6.2.1).
    Resolve(Box<super::conflict::ResolvePlan>),
    /// Imported version lost a conflict: keep the server content, merge the PCL.
    KeepServer {
        /// The message.
        mid: Mid,
        /// The merged PCL.
        pcl: Pcl,
    },
}

/// A Message object.
#[derive(Debug)]
pub struct MessageCtx {
    folder: Fid,
    fai: bool,
    pub(super) pending: Pending,
    /// Staged content (edits apply on save, R-065, R-206).
    content: MessageContent,
    deleted: Vec<PropTag>,
    /// A MetaTagFXDelProp cleared the recipients / attachments: the staged
    /// ones replace the stored ones instead of adding to them (3.2.5.10).
    replace_recipients: bool,
    replace_attachments: bool,
    collector: Option<u32>,
    /// Attachment numbers reserved by RopCreateAttachment and not yet
    /// committed by RopSaveChangesAttachment: dropped when the message is
    /// saved ([MS-OXCMSG] 3.2.5.13).
    pub(super) uncommitted: std::collections::BTreeSet<u32>,
    /// Set while a FastTransfer upload into this object is unfinished or
    /// malformed: RopSaveChangesMessage fails with it, storing nothing
    /// (see `destination.rs`).
    pub(super) stream_fault: Option<ErrorCode>,
}

/// What a Message object has staged, kept by a FastTransfer destination
/// context so each re-parse of the growing stream applies to the same base.
#[derive(Clone, Debug)]
pub(super) struct Stage {
    content: MessageContent,
    deleted: Vec<PropTag>,
    replace_recipients: bool,
    replace_attachments: bool,
}

impl MessageCtx {
    /// The staged properties.
    pub(super) fn staged(&self) -> &crate::mailbox::PropertyBag {
        &self.content.props
    }

    /// The staged state, as a base for [`Self::apply_stream`].
    pub(super) fn stage(&self) -> Stage {
        Stage {
            content: self.content.clone(),
            deleted: self.deleted.clone(),
            replace_recipients: self.replace_recipients,
            replace_attachments: self.replace_attachments,
        }
    }

    /// A FastTransfer upload of messageContent on top of `base`
    /// ([MS-OXCFXICS] 3.2.5.10): its properties are set; its recipients and
    /// attachments are added, after MetaTagFXDelProp cleared that kind.
    pub(super) fn apply_stream(
        &mut self,
        base: &Stage,
        stream: MessageContent,
        del_recipients: bool,
        del_attachments: bool,
    ) {
        let base = base.clone();
        self.content = base.content;
        self.deleted = base.deleted;
        self.replace_recipients = base.replace_recipients || del_recipients;
        self.replace_attachments = base.replace_attachments || del_attachments;
        for v in stream.props.values().iter().filter(|v| !is_computed(v.tag)) {
            self.content.props.set(v.tag, v.value.clone());
            self.deleted.retain(|t| t.id() != v.tag.id());
        }
        if del_recipients {
            self.content.recipients.clear();
        }
        self.content.recipients.extend(stream.recipients);
        if del_attachments {
            self.content.attachments.clear();
        }
        self.content.attachments.extend(stream.attachments);
    }

    pub(super) fn new(folder: Fid, fai: bool, pending: Pending, collector: Option<u32>) -> Self {
        MessageCtx {
            folder,
            fai,
            pending,
            content: MessageContent::default(),
            deleted: Vec::new(),
            replace_recipients: false,
            replace_attachments: false,
            collector,
            uncommitted: Default::default(),
            stream_fault: None,
        }
    }

    /// The message this object edits, if it is stored already.
    pub(super) fn edited_mid(&self) -> Option<Mid> {
        match self.pending {
            Pending::Edit(m) => Some(m),
            _ => None,
        }
    }

    /// Makes the staged recipients and attachments the complete lists (the
    /// stored ones, then those staged so far) so the recipient and attachment
    /// ROPs can address them by RowId / AttachmentID. `stored` is the content
    /// of the edited message ([`Self::edited_mid`]); new and imported
    /// messages stage complete lists already.
    pub(super) fn full_subobjects(&mut self, stored: Option<&MessageContent>) {
        let Some(stored) = stored else { return };
        if !self.replace_recipients {
            let staged = std::mem::take(&mut self.content.recipients);
            self.content.recipients = stored.recipients.clone();
            self.content.recipients.extend(staged);
            self.replace_recipients = true;
        }
        if !self.replace_attachments {
            let staged = std::mem::take(&mut self.content.attachments);
            self.content.attachments = stored.attachments.clone();
            self.content.attachments.extend(staged);
            self.replace_attachments = true;
        }
    }

    /// The staged content, mutable (recipient and attachment ROPs).
    pub(super) fn content_mut(&mut self) -> &mut MessageContent {
        &mut self.content
    }

    /// Marks the staged recipients as the complete list (RopRemoveAllRecipients).
    pub(super) fn replace_all_recipients(&mut self) {
        self.content.recipients.clear();
        self.replace_recipients = true;
    }
}

/// Subobjects of an edited message after a FastTransfer upload: the staged
/// ones replace the stored ones (after MetaTagFXDelProp) or are added.
fn merged<T: Clone>(replace: bool, old: &[T], new: Vec<T>) -> Option<Vec<T>> {
    match replace {
        true => Some(new),
        false if new.is_empty() => None,
        false => Some(old.iter().cloned().chain(new).collect()),
    }
}

fn folder_string(s: &FolderString) -> String {
    match s {
        FolderString::Unicode(u) => u.to_string_lossy(),
        FolderString::String8(b) => String::from_utf8_lossy(b).into_owned(),
    }
}

impl Session {
    /// ROPs beyond the download path; `None` = not implemented.
    pub(super) fn dispatch_more(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
    ) -> Result<Option<RopResponse>, SessionError> {
        if let Some(r) = self.dispatch_upload(rop, handles)? {
            return Ok(Some(r));
        }
        if let Some(r) = self.dispatch_copy(rop, handles) {
            return Ok(Some(r));
        }
        if let Some(r) = self.dispatch_destination(rop, handles) {
            return Ok(Some(r));
        }
        if let Some(r) = self.dispatch_read(rop, handles) {
            return Ok(Some(r));
        }
        if let Some(r) = self.dispatch_attach(rop, handles) {
            return Ok(Some(r));
        }
        use RopRequest as Q;
        Ok(Some(match rop {
            Q::CreateFolder(r) => {
                let result = self
                    .folder_of_handle(handles, r.input_handle_index)
                    .and_then(|parent| {
                        let name = folder_string(&r.display_name);
                        if r.open_existing != 0
                            && let Some(existing) = self
                                .mb
                                .folder(parent)
                                .into_iter()
                                .flat_map(|p| p.children())
                                .map(|k| Fid(crate::mailbox::ids::id_of(k)))
                                .find(|f| {
                                    self.mb.folder(*f).is_some_and(|x| x.display_name() == name)
                                })
                        {
                            return Ok(existing);
                        }
                        self.mb
                            .create_folder(parent, &name)
                            .map_err(|_| ErrorCode::GeneralFailure)
                    });
                let result = match result {
                    Ok(fid) => {
                        let h = self.alloc(Object::Folder(fid));
                        Self::set_output(handles, r.output_handle_index, h);
                        RopResult::Success(CreateFolderSuccess {
                            folder_id: fid,
                            existing_folder: None,
                        })
                    }
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::CreateFolder(CreateFolderResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::DeleteFolder(r) => {
                let rv = match self.folder_of_handle(handles, r.input_handle_index) {
                    Err(e) => e,
                    Ok(_) => match self.mb.delete_folder(r.folder_id, DeleteKind::Hard) {
                        Ok(()) => ErrorCode::Success,
                        Err(_) => ErrorCode::NotFound,
                    },
                };
                RopResponse::DeleteFolder(PartialCompletionResponse {
                    input_handle_index: r.input_handle_index,
                    return_value: rv,
                    partial_completion: 0,
                })
            }
            Q::CreateMessage(r) => {
                let result = self
                    .folder_of_handle(handles, r.input_handle_index)
                    .and_then(|_| {
                        if self.mb.folder(r.folder_id).is_none() {
                            return Err(ErrorCode::NotFound);
                        }
                        Ok(MessageCtx::new(
                            r.folder_id,
                            r.associated_flag != 0,
                            Pending::New,
                            None,
                        ))
                    });
                let result = match result {
                    Ok(ctx) => {
                        let h = self.alloc(Object::Message(Box::new(ctx)));
                        Self::set_output(handles, r.output_handle_index, h);
                        RopResult::Success(CreateMessageSuccess { message_id: None })
                    }
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::CreateMessage(CreateMessageResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::OpenMessage(r) => {
                let ok = self.resolve(handles, r.input_handle_index).is_ok()
                    && self.mb.folder_of(r.message_id) == Some(r.folder_id);
                let result = match (ok, self.mb.message(r.message_id)) {
                    (true, Some(m)) => {
                        let subject = match m.content.props.get(tags::PID_TAG_SUBJECT) {
                            Some(PropValue::Unicode(s)) => TypedString::Unicode(s.clone()),
                            _ => TypedString::Empty,
                        };
                        let recipient_count =
                            m.content.recipients.len().min(u16::MAX as usize) as u16;
                        let ctx =
                            MessageCtx::new(r.folder_id, m.fai, Pending::Edit(r.message_id), None);
                        let h = self.alloc(Object::Message(Box::new(ctx)));
                        Self::set_output(handles, r.output_handle_index, h);
                        RopResult::Success(OpenMessageSuccess {
                            has_named_properties: 0,
                            subject_prefix: TypedString::Empty,
                            normalized_subject: subject,
                            // No rows here: the client reads them with
                            // RopReadRecipients ([MS-OXCMSG] 3.1.5.6).
                            recipient_count,
                            recipient_columns: vec![],
                            recipient_rows: vec![],
                        })
                    }
                    _ => RopResult::Failure(ErrorCode::NotFound),
                };
                RopResponse::OpenMessage(OpenMessageResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::SetProperties(r) => {
                let vals: Vec<TaggedValue> =
                    r.property_values.iter().map(|v| v.0.clone()).collect();
                let rv = self.set_props(handles, r.input_handle_index, &vals, &[]);
                let result = match rv {
                    ErrorCode::Success => RopResult::Success(PropertyProblemsSuccess {
                        property_problems: vec![],
                    }),
                    e => RopResult::Failure(e),
                };
                RopResponse::SetProperties(PropertyProblemsResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            Q::DeleteProperties(r) => {
                let rv = self.set_props(handles, r.input_handle_index, &[], &r.property_tags);
                let result = match rv {
                    ErrorCode::Success => RopResult::Success(PropertyProblemsSuccess {
                        property_problems: vec![],
                    }),
                    e => RopResult::Failure(e),
                };
                RopResponse::DeleteProperties(PropertyProblemsResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            Q::SaveChangesMessage(r) => {
                let result = match self.save(handles, r.input_handle_index) {
                    Ok(mid) => RopResult::Success(SaveChangesMessageSuccess {
                        input_handle_index: r.input_handle_index,
                        message_id: mid,
                    }),
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::SaveChangesMessage(SaveChangesMessageResponse {
                    response_handle_index: r.response_handle_index,
                    result,
                })
            }
            Q::DeleteMessages(r) | Q::HardDeleteMessages(r) => {
                let kind = if matches!(rop, Q::HardDeleteMessages(_)) {
                    DeleteKind::Hard
                } else {
                    DeleteKind::Soft
                };
                let rv = match self.folder_of_handle(handles, r.input_handle_index) {
                    Err(e) => e,
                    Ok(fid) => {
                        let mut partial = false;
                        for mid in &r.message_ids {
                            if self.mb.folder_of(*mid) == Some(fid) {
                                self.mb.delete_message(*mid, kind).ok();
                            } else {
                                partial = true;
                            }
                        }
                        if partial {
                            ErrorCode::ErrorsReturned
                        } else {
                            ErrorCode::Success
                        }
                    }
                };
                let resp = PartialCompletionResponse {
                    input_handle_index: r.input_handle_index,
                    return_value: rv,
                    partial_completion: 0,
                };
                if kind == DeleteKind::Hard {
                    RopResponse::HardDeleteMessages(resp)
                } else {
                    RopResponse::DeleteMessages(resp)
                }
            }
            Q::SetMessageReadFlag(r) => {
                let result = match self.resolve(handles, r.input_handle_index).map(|h| {
                    self.objects.get(&h).map(|o| match o {
                        Object::Message(m) => match m.pending {
                            Pending::Edit(mid) => Some(mid),
                            _ => None,
                        },
                        _ => None,
                    })
                }) {
                    Ok(Some(Some(mid))) => {
                        let read = !r.read_flags.contains(ReadFlags::RF_CLEAR_READ_FLAG);
                        match self.mb.set_read(mid, read) {
                            Ok(_) => RopResult::Success(SetMessageReadFlagSuccess {
                                read_status_changed: None,
                            }),
                            Err(_) => RopResult::Failure(ErrorCode::NotFound),
                        }
                    }
                    Ok(_) => RopResult::Failure(ErrorCode::NotSupported),
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::SetMessageReadFlag(SetMessageReadFlagResponse {
                    response_handle_index: r.response_handle_index,
                    result,
                })
            }
            Q::SetReadFlags(r) => {
                let rv = match self.folder_of_handle(handles, r.input_handle_index) {
                    Err(e) => e,
                    Ok(fid) => {
                        let read = !r.read_flags.contains(ReadFlags::RF_CLEAR_READ_FLAG);
                        for mid in &r.message_ids {
                            if self.mb.folder_of(*mid) == Some(fid) {
                                self.mb.set_read(*mid, read).ok();
                            }
                        }
                        ErrorCode::Success
                    }
                };
                RopResponse::SetReadFlags(PartialCompletionResponse {
                    input_handle_index: r.input_handle_index,
                    return_value: rv,
                    partial_completion: 0,
                })
            }
            Q::GetPropertyIdsFromNames(r) => {
                let create = r.flags.contains(GetPropertyIdsFromNamesFlags::CREATE);
                let mut ids = Vec::new();
                let mut missing = false;
                for n in &r.property_names {
                    let id = match n {
                        RopPropertyName::Named(name) => {
                            if create {
                                self.mb.named_mut().get_or_create(name)
                            } else {
                                self.mb.named().id_of(name)
                            }
                        }
                        RopPropertyName::NoPropertyName { .. } => None,
                    };
                    missing |= id.is_none();
                    ids.push(id.unwrap_or(0));
                }
                let result = if missing && !ids.is_empty() && ids.iter().all(|i| *i == 0) {
                    RopResult::Failure(ErrorCode::NotFound)
                } else {
                    RopResult::Success(GetPropertyIdsFromNamesSuccess { property_ids: ids })
                };
                RopResponse::GetPropertyIdsFromNames(GetPropertyIdsFromNamesResponse {
                    input_handle_index: r.input_handle_index,
                    result,
                })
            }
            _ => return Ok(None),
        }))
    }

    pub(super) fn folder_of_handle(&self, handles: &[u32], idx: u8) -> Result<Fid, ErrorCode> {
        let h = self.resolve(handles, idx)?;
        match self.objects.get(&h) {
            Some(Object::Folder(f)) => Ok(*f),
            _ => Err(ErrorCode::NotSupported),
        }
    }

    fn set_props(
        &mut self,
        handles: &[u32],
        idx: u8,
        set: &[TaggedValue],
        delete: &[PropTag],
    ) -> ErrorCode {
        let h = match self.resolve(handles, idx) {
            Ok(h) => h,
            Err(e) => return e,
        };
        match self.objects.get_mut(&h) {
            Some(Object::Message(m)) => {
                for v in set.iter().filter(|v| !is_computed(v.tag)) {
                    m.content.props.set(v.tag, v.value.clone());
                    m.deleted.retain(|t| t.id() != v.tag.id());
                }
                for t in delete {
                    m.content.props.remove(*t);
                    m.deleted.push(*t);
                }
                ErrorCode::Success
            }
            Some(Object::Attachment(a)) => {
                a.set_props(set, delete);
                ErrorCode::Success
            }
            Some(Object::Folder(f)) => {
                let f = *f;
                match self.mb.set_folder_properties(f, set, delete, None) {
                    Ok(()) => ErrorCode::Success,
                    Err(_) => ErrorCode::NotFound,
                }
            }
            _ => ErrorCode::NotSupported,
        }
    }

    fn save(&mut self, handles: &[u32], idx: u8) -> Result<Mid, ErrorCode> {
        let h = self.resolve(handles, idx)?;
        let Some(Object::Message(ctx)) = self.objects.get_mut(&h) else {
            return Err(ErrorCode::NotSupported);
        };
        if let Some(fault) = ctx.stream_fault {
            return Err(fault);
        }
        let mut content = std::mem::take(&mut ctx.content);
        // Attachments created but never saved with RopSaveChangesAttachment
        // are not part of the message (highest number first, so the lower
        // positions stay valid).
        for n in std::mem::take(&mut ctx.uncommitted).into_iter().rev() {
            if (n as usize) < content.attachments.len() {
                content.attachments.remove(n as usize);
            }
        }
        let deleted = std::mem::take(&mut ctx.deleted);
        let replace = (
            std::mem::take(&mut ctx.replace_recipients),
            std::mem::take(&mut ctx.replace_attachments),
        );
        let (folder, fai, collector) = (ctx.folder, ctx.fai, ctx.collector);
        let pending = std::mem::replace(&mut ctx.pending, Pending::New);
        let e = |_| ErrorCode::GeneralFailure;
        // Whether the collector's state may claim the saved CN: not after a
        // conflict the server resolved (3.2.5.9.4.2, idset.md §16).
        let mut claimed = true;
        let mid = match pending {
            Pending::New => self.mb.create_message(folder, fai, content).map_err(e)?,
            Pending::Edit(mid) => {
                // Subobjects staged by a FastTransfer upload replace the old
                // ones after MetaTagFXDelProp, else they are added (3.2.5.10).
                let old = self.mb.message(mid).ok_or(ErrorCode::ObjectDeleted)?;
                let edit = crate::mailbox::MessageEdit {
                    set: content.props.values().to_vec(),
                    delete: deleted,
                    recipients: merged(replace.0, &old.content.recipients, content.recipients),
                    attachments: merged(replace.1, &old.content.attachments, content.attachments),
                };
                self.mb.modify_message(mid, edit, None).map_err(e)?;
                mid
            }
            Pending::Create { mid, change } => {
                self.mb
                    .create_message_with_id(folder, mid, fai, content, Some(change))
                    .map_err(e)?;
                mid
            }
            Pending::Replace { mid, change, claim } => {
                self.mb
                    .replace_message(mid, content, Some(change))
                    .map_err(e)?;
                claimed = claim;
                mid
            }
            Pending::Resolve(plan) => {
                // The result is neither version the client has (3.1.5.6.2.1).
                claimed = false;
                let mid = plan.mid;
                self.save_conflict_resolve(*plan, content).map_err(e)?;
                mid
            }
            Pending::KeepServer { mid, pcl } => {
                claimed = false;
                // The server version stays (content and read state), as a
                // successor of both versions, with a new CN.
                self.mb.renew_cn(mid, Some(pcl)).map_err(e)?;
                mid
            }
        };
        // Later edits through the same object edit the saved message.
        if let Some(Object::Message(ctx)) = self.objects.get_mut(&h) {
            ctx.pending = Pending::Edit(mid);
        }
        if let (Some(c), Some(m), true) = (collector, self.mb.message(mid), claimed) {
            let cn = m.cn;
            self.note_import_saved(c, fai, cn);
        }
        Ok(mid)
    }
}
