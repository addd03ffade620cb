//! FastTransfer upload ([MS-OXCFXICS] 2.2.3.1.2, 3.2.5.8.2; server-rules.md
//! group E): RopFastTransferDestinationConfigure, PutBuffer and
//! PutBufferExtended. A Message object takes a messageContent stream
//! (SourceOperation CopyTo / CopyProperties) that becomes its staged content
//! (persisted by RopSaveChangesMessage, R-065); a Folder takes a messageList
//! stream (CopyMessages) whose messages are created when the context is
//! released. folderContent / topFolder uploads are not supported.

use ics_wire::ftstream::{self as ft, Root, RootKind};
use ics_wire::prop::{PropValue, TaggedValue, Utf16String};
use ics_wire::rop::common::OutputHandleResponse;
use ics_wire::rop::fasttransfer::*;
use ics_wire::rop::flags::{SourceOperation, TransferStatus};
use ics_wire::rop::{ErrorCode, RopRequest, RopResponse};

use super::{Object, Session};
use crate::mailbox::{Attachment, Mailbox, MessageContent, PropertyBag};

/// A destination context.
#[derive(Debug)]
pub struct DestinationCtx {
    target: u32,
    root: RootKind,
    data: Vec<u8>,
    /// What the target Message object had staged when the context was
    /// configured: every parse of the growing stream applies to it.
    base: Option<super::setup::Stage>,
}

fn values(mb: &mut Mailbox, props: &[ft::FtProp]) -> Vec<TaggedValue> {
    props
        .iter()
        .filter_map(|p| {
            let tag = match &p.name {
                // Named properties get this mailbox's id for the name.
                Some(n) => {
                    p.tag.with_type(p.value.prop_type()).0 & 0xFFFF
                        | (u32::from(mb.named_mut().get_or_create(n)?) << 16)
                }
                None => p.tag.0,
            };
            // Code page strings of a ForUpload stream (UseCpid, 2.2.4.1.1.1)
            // are stored as PtypString (cpid 1200) or PtypString8.
            let value = match &p.value {
                PropValue::CodePageString { cpid: 1200, bytes } => {
                    PropValue::Unicode(Utf16String::from_le_bytes(bytes))
                }
                PropValue::CodePageString { bytes, .. } => PropValue::String8(bytes.clone()),
                v => v.clone(),
            };
            let tag = ics_wire::prop::PropTag(tag).with_type(value.prop_type());
            Some(TaggedValue { tag, value })
        })
        .collect()
}

/// A parsed messageContent as stored content.
pub fn content_of(mb: &mut Mailbox, m: &ft::MessageContent) -> MessageContent {
    MessageContent {
        props: PropertyBag::from_values(values(mb, &m.props)),
        recipients: m
            .children
            .recipients
            .iter()
            .map(|r| PropertyBag::from_values(values(mb, &r.props)))
            .collect(),
        attachments: m
            .children
            .attachments
            .iter()
            .map(|a| Attachment {
                props: PropertyBag::from_values(values(mb, &a.content.props)),
                embedded: a
                    .content
                    .embedded
                    .as_ref()
                    .map(|e| Box::new(content_of(mb, e))),
            })
            .collect(),
    }
}

impl Session {
    pub(super) fn dispatch_destination(
        &mut self,
        rop: &RopRequest,
        handles: &mut [u32],
    ) -> Option<RopResponse> {
        match rop {
            RopRequest::FastTransferDestinationConfigure(r) => {
                let rv = match self.destination_configure(r, handles) {
                    Ok(h) => {
                        Self::set_output(handles, r.output_handle_index, h);
                        ErrorCode::Success
                    }
                    Err(e) => e,
                };
                Some(RopResponse::FastTransferDestinationConfigure(
                    OutputHandleResponse {
                        output_handle_index: r.output_handle_index,
                        return_value: rv,
                    },
                ))
            }
            RopRequest::FastTransferDestinationPutBuffer(r)
            | RopRequest::FastTransferDestinationPutBufferExtended(r) => {
                let rv = self
                    .put_buffer(r, handles)
                    .err()
                    .unwrap_or(ErrorCode::Success);
                let used = if rv == ErrorCode::Success {
                    r.transfer_data.len() as u16
                } else {
                    0
                };
                let status = if rv == ErrorCode::Success {
                    TransferStatus::PARTIAL
                } else {
                    TransferStatus::ERROR
                };
                Some(
                    if matches!(rop, RopRequest::FastTransferDestinationPutBuffer(_)) {
                        // InProgressCount 0, TotalStepCount 1 (2010+), Reserved 0.
                        RopResponse::FastTransferDestinationPutBuffer(
                            FastTransferDestinationPutBufferResponse {
                                input_handle_index: r.input_handle_index,
                                return_value: rv,
                                transfer_status: status,
                                in_progress_count: 0,
                                total_step_count: 1,
                                reserved: 0,
                                buffer_used_size: used,
                            },
                        )
                    } else {
                        RopResponse::FastTransferDestinationPutBufferExtended(
                            FastTransferDestinationPutBufferExtendedResponse {
                                input_handle_index: r.input_handle_index,
                                return_value: rv,
                                transfer_status: status,
                                in_progress_count: 0,
                                total_step_count: 1,
                                reserved: 0,
                                buffer_used_size: used,
                            },
                        )
                    },
                )
            }
            _ => None,
        }
    }

    fn destination_configure(
        &mut self,
        r: &FastTransferDestinationConfigureRequest,
        handles: &[u32],
    ) -> Result<u32, ErrorCode> {
        let target = self.resolve(handles, r.input_handle_index)?;
        // R-064 (2010+): unknown CopyFlags fail; R-062: unknown SourceOperation.
        if r.copy_flags.unknown_bits() != 0 {
            return Err(ErrorCode::InvalidParameter);
        }
        let root = match (&self.objects[&target], r.source_operation) {
            (_, op) if !op.is_known() => return Err(ErrorCode::InvalidParameter),
            (Object::Message(_), SourceOperation::COPY_TO | SourceOperation::COPY_PROPERTIES) => {
                RootKind::MessageContent
            }
            (Object::Folder(_), SourceOperation::COPY_MESSAGES) => RootKind::MessageList,
            (Object::Folder(_), _) => return Err(ErrorCode::NotImplemented),
            _ => return Err(ErrorCode::NotSupported),
        };
        let base = match &self.objects[&target] {
            Object::Message(m) => Some(m.stage()),
            _ => None,
        };
        Ok(self.alloc(Object::Destination(Box::new(DestinationCtx {
            target,
            root,
            data: Vec::new(),
            base,
        }))))
    }

    fn put_buffer(
        &mut self,
        r: &FastTransferDestinationPutBufferRequest,
        handles: &[u32],
    ) -> Result<(), ErrorCode> {
        let h = self.resolve(handles, r.input_handle_index)?;
        if r.transfer_data.is_empty() {
            return Err(ErrorCode::InvalidParameter);
        }
        let Some(Object::Destination(d)) = self.objects.get_mut(&h) else {
            return Err(ErrorCode::NotSupported);
        };
        d.data.extend_from_slice(&r.transfer_data);
        // A legal prefix of a messageContent is itself one: each complete
        // parse is applied to the base, the last one (the whole stream) wins.
        if d.root == RootKind::MessageContent
            && let Some(base) = d.base.clone()
            && let Ok(Root::MessageContent(m)) = ft::parse(RootKind::MessageContent, &d.data)
        {
            let target = d.target;
            let content = content_of(&mut self.mb, &m);
            let (dr, da) = (m.children.del_recipients, m.children.del_attachments);
            if let Some(Object::Message(msg)) = self.objects.get_mut(&target) {
                msg.apply_stream(&base, content, dr, da);
            }
        }
        Ok(())
    }

    /// RopRelease of a destination context: a messageList is applied now.
    pub(super) fn release_destination(&mut self, d: DestinationCtx) {
        if d.root != RootKind::MessageList {
            return;
        }
        let Some(Object::Folder(fid)) = self.objects.get(&d.target) else {
            return;
        };
        let fid = *fid;
        let Ok(Root::MessageList(list)) = ft::parse(RootKind::MessageList, &d.data) else {
            return;
        };
        for item in &list.items {
            if let ft::MessageListItem::Message(m) = item {
                let content = content_of(&mut self.mb, &m.content);
                self.mb.create_message(fid, m.fai, content).ok();
            }
        }
    }
}
