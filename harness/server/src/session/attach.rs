//! Message subobjects over the wire ([MS-OXCMSG] 2.2.3.4–2.2.3.6,
//! 2.2.3.12–2.2.3.15, 3.2.5): the Attachment object (RopCreateAttachment,
//! RopOpenAttachment, RopSaveChangesAttachment, RopDeleteAttachment;
//! RopSetProperties / RopDeleteProperties on it), the dispatch of
//! RopGetAttachmentTable and RopOpenEmbeddedMessage ([`super::embedded`]) and of the
//! recipient ROPs (RopModifyRecipients, RopReadRecipients,
//! RopRemoveAllRecipients; their work is in [`super::recipients`]).
//!
//! Everything is staged on the Message object and persisted by its
//! RopSaveChangesMessage. An AttachmentID is the attachment's position in the
//! message (PidTagAttachNumber, as the FastTransfer streams number them).

use ics_wire::ftstream::{self as ft, Writer};
use ics_wire::prop::{PropTag, PropValue, TaggedValue};
use ics_wire::rop::attachment::*;
use ics_wire::rop::common::{InputHandleResponse, OutputHandleResponse, RopResult};
use ics_wire::rop::flags::SendOptions;
use ics_wire::rop::recipient::*;
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

use crate::ics::materialize::attachment_content_out;

use super::{Object, Session};
use crate::mailbox::{Attachment, PropertyBag, is_computed};

/// PidTagRenderingPosition ([MS-OXCMSG] 2.2.2.16), 0xFFFFFFFF on creation.
const PID_TAG_RENDERING_POSITION: PropTag = PropTag(0x370B_0003);

/// An Attachment object: a copy of the attachment being edited, written
/// into the Message object by RopSaveChangesAttachment.
#[derive(Debug)]
pub struct AttachmentCtx {
    /// Handle of the Message object it belongs to.
    message: u32,
    /// AttachmentID.
    pub(super) number: u32,
    /// The attachment as edited through this object.
    pub(super) attachment: Attachment,
    /// Opened ReadOnly: RopSaveChangesAttachment is refused.
    read_only: bool,
}

impl AttachmentCtx {
    /// RopSetProperties / RopDeleteProperties on the attachment.
    pub(super) fn set_props(&mut self, set: &[TaggedValue], delete: &[PropTag]) {
        for v in set.iter().filter(|v| !is_computed(v.tag)) {
            self.attachment.props.set(v.tag, v.value.clone());
        }
        for t in delete {
            self.attachment.props.remove(*t);
        }
    }
}

impl Session {
    /// The recipient and attachment ROPs; `None` for other ROPs.
    pub(super) fn dispatch_attach(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
    ) -> Option<RopResponse> {
        use RopRequest as Q;
        Some(match rop {
            Q::CreateAttachment(r) => {
                let result = self.create_attachment(handles, r.input_handle_index);
                let result = match result {
                    Ok(ctx) => {
                        let number = ctx.number;
                        let h = self.alloc(Object::Attachment(Box::new(ctx)));
                        Self::set_output(handles, r.output_handle_index, h);
                        RopResult::Success(CreateAttachmentSuccess {
                            attachment_id: number,
                        })
                    }
                    Err(e) => RopResult::Failure(e),
                };
                RopResponse::CreateAttachment(CreateAttachmentResponse {
                    output_handle_index: r.output_handle_index,
                    result,
                })
            }
            Q::OpenAttachment(r) => {
                let rv = match self.open_attachment(handles, r) {
                    Ok(ctx) => {
                        let h = self.alloc(Object::Attachment(Box::new(ctx)));
                        Self::set_output(handles, r.output_handle_index, h);
                        ErrorCode::Success
                    }
                    Err(e) => e,
                };
                RopResponse::OpenAttachment(OutputHandleResponse {
                    output_handle_index: r.output_handle_index,
                    return_value: rv,
                })
            }
            Q::SaveChangesAttachment(r) => {
                let rv = self
                    .save_attachment(handles, r.input_handle_index)
                    .err()
                    .unwrap_or(ErrorCode::Success);
                RopResponse::SaveChangesAttachment(SaveChangesAttachmentResponse {
                    response_handle_index: r.response_handle_index,
                    return_value: rv,
                })
            }
            Q::DeleteAttachment(r) => {
                let n = r.attachment_id;
                let rv = self.with_full_message(handles, r.input_handle_index, |m| {
                    if n as usize >= m.content_mut().attachments.len() || m.uncommitted.contains(&n)
                    {
                        return Err(ErrorCode::NotFound);
                    }
                    m.content_mut().attachments.remove(n as usize);
                    // Reserved numbers above it move down with their slots.
                    m.uncommitted = m
                        .uncommitted
                        .iter()
                        .map(|&u| if u > n { u - 1 } else { u })
                        .collect();
                    Ok(())
                });
                RopResponse::DeleteAttachment(input(r.input_handle_index, rv.err()))
            }
            Q::GetAttachmentTable(r) => self.get_attachment_table(handles, r),
            Q::OpenEmbeddedMessage(r) => self.open_embedded_message(handles, r),
            Q::ModifyRecipients(r) => {
                let rv = self.modify_recipients(handles, r);
                RopResponse::ModifyRecipients(input(r.input_handle_index, rv.err()))
            }
            Q::RemoveAllRecipients(r) => {
                let rv = self.with_full_message(handles, r.input_handle_index, |m| {
                    m.replace_all_recipients();
                    Ok(())
                });
                RopResponse::RemoveAllRecipients(input(r.input_handle_index, rv.err()))
            }
            Q::ReadRecipients(r) => {
                let result = self.read_recipients(handles, r.input_handle_index, r.row_id);
                RopResponse::ReadRecipients(ReadRecipientsResponse {
                    input_handle_index: r.input_handle_index,
                    result: match result {
                        Ok(rows) => RopResult::Success(ReadRecipientsSuccess {
                            recipient_rows: rows,
                        }),
                        Err(e) => RopResult::Failure(e),
                    },
                })
            }
            _ => return None,
        })
    }

    /// Runs `f` on the Message object at `idx` with complete subobject lists
    /// ([`super::setup::MessageCtx::full_subobjects`]). A handle that is no
    /// Message object is ecNullObject ([MS-OXCMSG] 3.2.5.13).
    pub(super) fn with_full_message<T>(
        &mut self,
        handles: &[u32],
        idx: u8,
        f: impl FnOnce(&mut super::setup::MessageCtx) -> Result<T, ErrorCode>,
    ) -> Result<T, ErrorCode> {
        let h = self.resolve(handles, idx)?;
        let mid = match self.objects.get(&h) {
            Some(Object::Message(m)) => m.edited_mid(),
            _ => return Err(ErrorCode::NullObject),
        };
        let stored = match mid {
            Some(mid) => Some(
                self.mb
                    .message(mid)
                    .ok_or(ErrorCode::ObjectDeleted)?
                    .content
                    .clone(),
            ),
            None => None,
        };
        let Some(Object::Message(m)) = self.objects.get_mut(&h) else {
            return Err(ErrorCode::NullObject);
        };
        m.full_subobjects(stored.as_ref());
        f(m)
    }

    fn create_attachment(&mut self, handles: &[u32], idx: u8) -> Result<AttachmentCtx, ErrorCode> {
        let message = self.resolve(handles, idx)?;
        self.with_full_message(handles, idx, |m| {
            let number = u32::try_from(m.content_mut().attachments.len())
                .map_err(|_| ErrorCode::from_u32(0x0000_04DB))?; // ecMaxAttachmentExceeded
            let mut props = PropertyBag::new();
            props.set(PID_TAG_RENDERING_POSITION, PropValue::I32(-1));
            let attachment = Attachment {
                props,
                embedded: None,
            };
            m.content_mut().attachments.push(attachment.clone());
            m.uncommitted.insert(number);
            Ok(AttachmentCtx {
                message,
                number,
                attachment,
                read_only: false,
            })
        })
    }

    fn open_attachment(
        &mut self,
        handles: &[u32],
        r: &OpenAttachmentRequest,
    ) -> Result<AttachmentCtx, ErrorCode> {
        // OpenAttachmentFlags: ReadOnly 0x00, ReadWrite 0x01, BestAccess 0x03.
        if !matches!(r.open_attachment_flags, 0x00 | 0x01 | 0x03) {
            return Err(ErrorCode::InvalidParameter);
        }
        let message = self.resolve(handles, r.input_handle_index)?;
        let n = r.attachment_id;
        self.with_full_message(handles, r.input_handle_index, |m| {
            if m.uncommitted.contains(&n) {
                return Err(ErrorCode::NotFound);
            }
            let attachment = m
                .content_mut()
                .attachments
                .get(n as usize)
                .cloned()
                .ok_or(ErrorCode::NotFound)?;
            Ok(AttachmentCtx {
                message,
                number: n,
                attachment,
                read_only: r.open_attachment_flags == 0x00,
            })
        })
    }

    fn save_attachment(&mut self, handles: &[u32], idx: u8) -> Result<(), ErrorCode> {
        let h = self.resolve(handles, idx)?;
        let Some(Object::Attachment(a)) = self.objects.get(&h) else {
            return Err(ErrorCode::NullObject);
        };
        if a.read_only {
            return Err(ErrorCode::AccessDenied);
        }
        let (message, n, attachment) = (a.message, a.number, a.attachment.clone());
        let Some(Object::Message(m)) = self.objects.get_mut(&message) else {
            return Err(ErrorCode::ObjectDeleted); // the Message object was released
        };
        let slot = m
            .content_mut()
            .attachments
            .get_mut(n as usize)
            .ok_or(ErrorCode::ObjectDeleted)?;
        *slot = attachment;
        m.uncommitted.remove(&n);
        Ok(())
    }

    /// The attachment behind an Attachment object, with its number, for
    /// CopyTo / CopyProperties.
    pub(super) fn attachment_of_handle(&self, h: u32) -> Option<&AttachmentCtx> {
        match self.objects.get(&h) {
            Some(Object::Attachment(a)) => Some(a),
            _ => None,
        }
    }
}

fn input(idx: u8, e: Option<ErrorCode>) -> InputHandleResponse {
    InputHandleResponse {
        input_handle_index: idx,
        return_value: e.unwrap_or(ErrorCode::Success),
    }
}

impl Session {
    /// `attachmentContent` of an Attachment object (2.2.4.3.2): the list
    /// filters its properties and, with PidTagAttachDataObject, its embedded
    /// message; Level is ignored; BestBody does not apply.
    pub(super) fn copy_attachment(
        &mut self,
        h: u32,
        flags: super::copy::CopyFlagBits,
        so: SendOptions,
        list: Vec<PropTag>,
        include: bool,
    ) -> Result<Vec<u8>, ErrorCode> {
        let strings = super::copy::check_send_options(so, &self.profile)?;
        if flags.unknown || flags.move_ {
            return Err(ErrorCode::InvalidParameter);
        }
        if include && list.is_empty() {
            return Err(ErrorCode::InvalidParameter);
        }
        let a = self.attachment_of_handle(h).ok_or(ErrorCode::NullObject)?;
        let (props, embedded) = attachment_content_out(&a.attachment, &list, include, strings);
        let content = ft::AttachmentContent {
            dn_prefix: None,
            props: super::copy::fts(&self.mb, props),
            embedded: embedded.map(|mut e| {
                let props = super::copy::fts(&self.mb, std::mem::take(&mut e.props));
                Box::new(ft::MessageContent {
                    dn_prefix: None,
                    props,
                    children: super::copy::children(&self.mb, e, true),
                })
            }),
        };
        let mut w = Writer { out: Vec::new() };
        w.attachment_content(&content)
            .map_err(|_| ErrorCode::GeneralFailure)?;
        Ok(w.out)
    }
}
