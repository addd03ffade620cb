//! FastTransfer upload ([MS-OXCFXICS] 2.2.3.1.2, 3.2.5.8.2; server-rules.md
//! group E): RopFastTransferDestinationConfigure, PutBuffer and
//! PutBufferExtended. A Message object takes a messageContent stream
//! (SourceOperation CopyTo / CopyProperties) that becomes its staged content
//! (persisted by RopSaveChangesMessage, R-065); a Folder takes a messageList
//! stream (CopyMessages), a folderContent (CopyTo / CopyProperties) or a
//! topFolder (CopyFolder, [`folder`]), applied when the context is released.

mod folder;

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
    /// Set once the data can no longer become a legal stream: every later
    /// PutBuffer fails with it.
    failed: Option<ErrorCode>,
}

/// The code of a PutBuffer whose data makes the stream malformed, and of
/// RopSaveChangesMessage on its target ([MS-OXCFXICS] 3.2.5.8.2.2 names
/// none; 0x80070057 as for other malformed input, server-rules.md group Y).
pub const MALFORMED_STREAM: ErrorCode = ErrorCode::InvalidParameter;

/// The code of RopSaveChangesMessage while the uploaded stream ends inside
/// an element (more PutBuffers would be needed to complete it).
pub const UNFINISHED_STREAM: ErrorCode = ErrorCode::InvalidParameter;

/// How far the bytes uploaded so far got.
enum Progress {
    /// A complete stream of the root kind.
    Complete(Root),
    /// A legal prefix that ends inside an element: more data may complete it.
    Unfinished,
    /// No continuation can make it legal.
    Malformed,
}

impl Progress {
    /// Classifies a parse of the `len` bytes received so far: a lexer
    /// truncation, or a grammar error at the end of the data, only needs
    /// more bytes; any other error is at a byte already received.
    fn of(parsed: Result<Root, ft::ParseError>, len: usize) -> Self {
        match parsed {
            Ok(root) => Progress::Complete(root),
            Err(ft::ParseError::Stream(ft::StreamError::Truncated { .. })) => Progress::Unfinished,
            Err(ft::ParseError::Grammar { offset, .. }) if offset >= len => Progress::Unfinished,
            Err(_) => Progress::Malformed,
        }
    }
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
            (Object::Folder(_), SourceOperation::COPY_TO | SourceOperation::COPY_PROPERTIES) => {
                RootKind::FolderContent
            }
            (Object::Folder(_), SourceOperation::COPY_FOLDER) => RootKind::TopFolder,
            _ => return Err(ErrorCode::NotSupported),
        };
        // A new upload starts over from what is staged now (a failed earlier
        // one left the base staged): its fault no longer blocks the save.
        let base = match self.objects.get_mut(&target) {
            Some(Object::Message(m)) => {
                m.stream_fault = None;
                Some(m.stage())
            }
            _ => None,
        };
        Ok(self.alloc(Object::Destination(Box::new(DestinationCtx {
            target,
            root,
            data: Vec::new(),
            base,
            failed: None,
        }))))
    }

    /// RopFastTransferDestinationPutBuffer(Extended) ([MS-OXCFXICS]
    /// 3.2.5.8.2.2, 3.2.5.8.2.3): appends the data and re-parses the stream.
    /// A legal prefix of a messageContent is itself one, so each complete
    /// parse is applied to the base and the last one (the whole stream)
    /// wins. The spec gives no code for a stream that cannot be completed;
    /// the PutBuffer whose data makes it malformed fails with
    /// [`MALFORMED_STREAM`] (ecInvalidParameter, the code group Y of
    /// server-rules.md expects for malformed input), as does every later
    /// PutBuffer on the context. While the stream is unfinished or malformed
    /// the target Message object keeps its base and RopSaveChangesMessage
    /// fails (R-065: no half message is stored).
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
        if let Some(e) = d.failed {
            return Err(e);
        }
        d.data.extend_from_slice(&r.transfer_data);
        let mut progress = Progress::of(ft::parse(d.root, &d.data), d.data.len());
        if let Progress::Complete(root) = &progress
            && folder::validate(root).is_err()
        {
            progress = Progress::Malformed;
        }
        if matches!(progress, Progress::Malformed) {
            d.failed = Some(MALFORMED_STREAM);
        }
        let (target, base) = (d.target, d.base.clone());
        let Some(base) = base else {
            // A folder upload is applied on release, all or nothing.
            return match progress {
                Progress::Malformed => Err(MALFORMED_STREAM),
                _ => Ok(()),
            };
        };
        let malformed = !matches!(
            progress,
            Progress::Unfinished | Progress::Complete(Root::MessageContent(_))
        );
        let (content, fault) = match progress {
            Progress::Complete(Root::MessageContent(m)) => {
                let content = content_of(&mut self.mb, &m);
                let dels = (m.children.del_recipients, m.children.del_attachments);
                (Some((content, dels)), None)
            }
            Progress::Complete(_) => (None, Some(MALFORMED_STREAM)),
            Progress::Unfinished => (None, Some(UNFINISHED_STREAM)),
            Progress::Malformed => (None, Some(MALFORMED_STREAM)),
        };
        if let Some(Object::Message(msg)) = self.objects.get_mut(&target) {
            match content {
                Some((c, (dr, da))) => msg.apply_stream(&base, c, dr, da),
                None => msg.apply_stream(&base, MessageContent::default(), false, false),
            }
            msg.stream_fault = fault;
        }
        if malformed {
            if let Some(Object::Destination(d)) = self.objects.get_mut(&h) {
                d.failed = Some(MALFORMED_STREAM);
            }
            return Err(MALFORMED_STREAM);
        }
        Ok(())
    }

    /// RopRelease of a destination context on a Folder: the upload is
    /// complete, a messageList, folderContent or topFolder stream that
    /// parses whole is applied now. A Folder object has no
    /// RopSaveChangesMessage: [MS-OXCFXICS] 3.2.5.8.2.1 defers persistence
    /// only for Message objects, and the stream ends only when the
    /// client stops sending (a folderContent prefix is itself one). An
    /// unfinished or malformed stream changes nothing.
    pub(super) fn release_destination(&mut self, d: DestinationCtx) {
        if d.base.is_some() {
            return;
        }
        let Some(Object::Folder(fid)) = self.objects.get(&d.target) else {
            return;
        };
        let fid = *fid;
        let Ok(root) = ft::parse(d.root, &d.data) else {
            return;
        };
        if let Root::MessageList(list) = &root {
            for item in &list.items {
                if let ft::MessageListItem::Message(m) = item {
                    let content = content_of(&mut self.mb, &m.content);
                    self.mb.create_message(fid, m.fai, content).ok();
                }
            }
            return;
        }
        // RopRelease has no response: a mailbox refusal (ids exhausted,
        // folder deleted meanwhile) leaves what was applied before it.
        folder::apply(&mut self.mb, fid, &root).ok();
    }
}
