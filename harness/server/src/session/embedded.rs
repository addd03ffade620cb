//! Reading a message's attachments ([MS-OXCMSG] 3.2.5.16, 3.2.5.17):
//! RopGetAttachmentTable (a Table object over the Message object's
//! attachments, read with RopSetColumns / RopQueryRows, [`super::read`]) and
//! RopOpenEmbeddedMessage (the Message object inside an Attachment object,
//! read with RopGetPropertiesSpecific / RopGetPropertiesAll).
//!
//! Limits: the attachment table is the list as of RopGetAttachmentTable
//! (attachments saved later are not added to it); an embedded message opens
//! read-only (ReadWrite and Create are ecNotSupported) and has MessageId 0,
//! since this store gives embedded messages no MID.

use ics_wire::ids::Mid;
use ics_wire::prop::{PropValue, tags};
use ics_wire::rop::common::{OutputHandleResponse, RopResult};
use ics_wire::rop::embedded::*;
use ics_wire::rop::message::{OpenMessageSuccess, OpenRecipientRow};
use ics_wire::rop::value::TypedString;
use ics_wire::rop::{ErrorCode, RopResponse};

use super::recipients::{PID_TAG_RECIPIENT_TYPE, recipient_row};
use super::{Object, Session};
use crate::mailbox::message::PID_TAG_ATTACH_NUMBER;
use crate::mailbox::{Attachment, MessageContent, PropertyBag};

/// OpenModeFlags of RopOpenEmbeddedMessage ([MS-OXCMSG] 2.2.3.16.1).
const OPEN_READ_ONLY: u8 = 0x00;
const OPEN_READ_WRITE: u8 = 0x01;
const OPEN_CREATE: u8 = 0x02;

/// An embedded Message object opened read-only.
#[derive(Debug)]
pub struct EmbeddedCtx {
    /// The embedded message as it was when opened.
    pub(super) content: MessageContent,
}

/// The properties of attachment `number`: the stored ones and
/// PidTagAttachNumber ([MS-OXCMSG] 2.2.2.6).
pub fn attachment_props(a: &Attachment, number: u32) -> PropertyBag {
    let mut b = a.props.clone();
    b.set(PID_TAG_ATTACH_NUMBER, PropValue::I32(number as i32));
    b
}

impl Session {
    /// RopGetAttachmentTable: the rows of the Message object's committed
    /// attachments (those RopCreateAttachment reserved and
    /// RopSaveChangesAttachment has not saved are left out).
    pub(super) fn get_attachment_table(
        &mut self,
        handles: &mut [u32],
        r: &GetAttachmentTableRequest,
    ) -> RopResponse {
        // TableFlags: Standard 0x00, Unicode 0x40 ([MS-OXCMSG] 2.2.3.17.1).
        let rows = if r.table_flags & !0x40 != 0 {
            Err(ErrorCode::InvalidParameter)
        } else {
            self.with_full_message(handles, r.input_handle_index, |m| {
                let skip = m.uncommitted.clone();
                Ok(m.content_mut()
                    .attachments
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !skip.contains(&(*i as u32)))
                    .map(|(i, a)| attachment_props(a, i as u32))
                    .collect::<Vec<_>>())
            })
        };
        let rv = match rows {
            Ok(rows) => {
                let h = self.alloc(Object::Table(Box::new(super::read::TableCtx::attachments(
                    rows,
                ))));
                Self::set_output(handles, r.output_handle_index, h);
                ErrorCode::Success
            }
            Err(e) => e,
        };
        RopResponse::GetAttachmentTable(OutputHandleResponse {
            output_handle_index: r.output_handle_index,
            return_value: rv,
        })
    }

    /// RopOpenEmbeddedMessage on an Attachment object holding an embedded
    /// message: ecNullObject for another object, ecNotFound without an
    /// embedded message, ecNotSupported for ReadWrite / Create,
    /// ecInvalidParameter for other OpenModeFlags.
    pub(super) fn open_embedded_message(
        &mut self,
        handles: &mut [u32],
        r: &OpenEmbeddedMessageRequest,
    ) -> RopResponse {
        let result = self
            .embedded_of(handles, r)
            .and_then(|content| {
                let success = open_success(&content)?;
                Ok((content, success))
            })
            .map(|(content, success)| {
                let h = self.alloc(Object::Embedded(Box::new(EmbeddedCtx { content })));
                Self::set_output(handles, r.output_handle_index, h);
                success
            });
        RopResponse::OpenEmbeddedMessage(OpenEmbeddedMessageResponse {
            output_handle_index: r.output_handle_index,
            result: match result {
                Ok(s) => RopResult::Success(s),
                Err(e) => RopResult::Failure(e),
            },
        })
    }

    fn embedded_of(
        &self,
        handles: &[u32],
        r: &OpenEmbeddedMessageRequest,
    ) -> Result<MessageContent, ErrorCode> {
        let h = self.resolve(handles, r.input_handle_index)?;
        let a = self.attachment_of_handle(h).ok_or(ErrorCode::NullObject)?;
        match r.open_mode_flags {
            OPEN_READ_ONLY => {}
            OPEN_READ_WRITE | OPEN_CREATE => return Err(ErrorCode::NotSupported),
            _ => return Err(ErrorCode::InvalidParameter),
        }
        a.attachment
            .embedded
            .as_deref()
            .cloned()
            .ok_or(ErrorCode::NotFound)
    }

    /// The properties of an Attachment object (with PidTagAttachNumber) or
    /// of an embedded Message object, for RopGetPropertiesSpecific /
    /// RopGetPropertiesAll; `None` for other objects.
    pub(super) fn subobject_props(&self, h: u32) -> Option<PropertyBag> {
        match self.objects.get(&h)? {
            Object::Attachment(a) => Some(attachment_props(&a.attachment, a.number)),
            Object::Embedded(e) => Some(e.content.props.clone()),
            _ => None,
        }
    }
}

/// The success fields: the subject, and every recipient as an
/// OpenRecipientRow when they all fit ([MS-OXCMSG] 3.1.5.6: RecipientCount
/// equal to the rows sent, so no RopReadRecipients is needed).
fn open_success(c: &MessageContent) -> Result<OpenEmbeddedMessageSuccess, ErrorCode> {
    let normalized_subject = match c.props.get(tags::PID_TAG_SUBJECT) {
        Some(PropValue::Unicode(s)) => TypedString::Unicode(s.clone()),
        Some(PropValue::String8(s)) => TypedString::String8(s.clone()),
        _ => TypedString::NoString,
    };
    let mut recipient_rows = Vec::new();
    let mut size = 0usize;
    for b in c.recipients.iter().take(u8::MAX as usize) {
        let row = recipient_row(b)
            .to_bytes()
            .map_err(|_| ErrorCode::GeneralFailure)?;
        size += row.len() + 7;
        if size > super::DEFAULT_MAX_OUTPUT / 2 {
            // Too many for one response: the client reads them with
            // RopReadRecipients (RecipientCount then differs from RowCount).
            recipient_rows.clear();
            break;
        }
        recipient_rows.push(OpenRecipientRow {
            recipient_type: match b.get(PID_TAG_RECIPIENT_TYPE) {
                Some(PropValue::I32(t)) => *t as u8,
                _ => 0,
            },
            code_page_id: 0x04B0,
            reserved: 0,
            recipient_row: row,
        });
    }
    Ok(OpenEmbeddedMessageSuccess {
        reserved: 0,
        message_id: Mid::from_u64_le(0),
        message: OpenMessageSuccess {
            has_named_properties: u8::from(c.props.values().iter().any(|v| v.tag.id() >= 0x8000)),
            subject_prefix: TypedString::NoString,
            normalized_subject,
            recipient_count: c.recipients.len().min(u16::MAX as usize) as u16,
            recipient_columns: Vec::new(),
            recipient_rows,
        },
    })
}
