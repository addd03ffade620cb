//! Recipients and attachments of the set-up messages, made by the other session with
//! the setup ROPs only (RopModifyRecipients, RopCreateAttachment, RopSetProperties,
//! RopSaveChangesAttachment, RopSaveChangesMessage; [MS-OXCMSG] 3.1.4.5, 3.1.4.12), so
//! they work on any server; and RopFastTransferSourceCopyTo / CopyProperties on an
//! Attachment object ([MS-OXCFXICS] 2.2.3.1.1.1, 2.2.3.1.1.2).
//!
//! Every value is derived from the message name, so a scenario can check what arrived
//! without remembering what it created.

use ics_wire::ftstream::{self as ft, RootKind};
use ics_wire::prop::{PropTag, PropValue};
use ics_wire::rop::attachment::{
    CreateAttachmentRequest, OpenAttachmentRequest, SaveChangesAttachmentRequest,
};
use ics_wire::rop::fasttransfer::{
    BUFFER_SIZE_SENTINEL, FastTransferSourceCopyPropertiesRequest, FastTransferSourceCopyToRequest,
    FastTransferSourceGetBufferRequest,
};
use ics_wire::rop::flags::{
    CopyPropertiesCopyFlags, CopyToCopyFlags, MessageOpenModeFlags, SaveFlags, SendOptions,
    TransferStatus as WireStatus,
};
use ics_wire::rop::message::{OpenMessageRequest, SaveChangesMessageRequest};
use ics_wire::rop::property::SetPropertiesRequest;
use ics_wire::rop::recipient::{
    ModifyRecipientRow, ModifyRecipientsRequest, RecipientRow, RecipientString, recipient_flags,
};
use ics_wire::rop::value::{PropertyRow, TaggedPropertyValue};
use ics_wire::rop::{
    ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
};

use super::{DownloadRec, Harness, NO_HANDLE, return_value};
use crate::outcome::Observed;

/// PidTagAttachMethod ([MS-OXCMSG] 2.2.2.9): 1 = afByValue.
pub const PID_TAG_ATTACH_METHOD: PropTag = PropTag(0x3705_0003);
/// PidTagAttachDataBinary ([MS-OXCMSG] 2.2.2.7).
pub const PID_TAG_ATTACH_DATA_BINARY: PropTag = PropTag(0x3701_0102);
/// PidTagAttachLongFilename ([MS-OXCMSG] 2.2.2.11).
pub const PID_TAG_ATTACH_LONG_FILENAME: PropTag = PropTag(0x3707_001F);
/// PidTagDisplayName.
pub const PID_TAG_DISPLAY_NAME: PropTag = PropTag(0x3001_001F);
/// PidTagEmailAddress.
pub const PID_TAG_EMAIL_ADDRESS: PropTag = PropTag(0x3003_001F);
/// PidTagRecipientType.
pub const PID_TAG_RECIPIENT_TYPE: PropTag = PropTag(0x0C15_0003);

/// What the scenario gave a message.
#[derive(Clone, Debug, Default)]
pub struct Subobjects {
    /// Recipients 1..=`recipients` ([`recipient_name`]).
    pub recipients: u32,
    /// The AttachmentIDs the server returned, in creation order (attachment 1 first).
    pub attachment_ids: Vec<u32>,
}

/// The display name of recipient `i` (1-based) of message `m`.
pub fn recipient_name(m: &str, i: u32) -> String {
    format!("Recipient {i} of {m}")
}

/// The SMTP address of recipient `i` of message `m`.
pub fn recipient_email(m: &str, i: u32) -> String {
    format!("r{i}.{m}@example.com")
}

/// The file name of attachment `i` (1-based) of message `m`.
pub fn attachment_file_name(m: &str, i: u32) -> String {
    format!("attachment {i} of {m}.bin")
}

/// The data of attachment `i` of message `m`.
pub fn attachment_data(m: &str, i: u32) -> Vec<u8> {
    let mut v = format!("data of attachment {i} of {m}").into_bytes();
    v.extend([0x00, 0xFF, 0x80]); // not text: the bytes must arrive as they are
    v
}

/// The RopModifyRecipients row of recipient `i` of `m`: an SMTP recipient (To) with a
/// Unicode DisplayName and EmailAddress and no extra columns ([MS-OXCDATA] 2.8.3.2).
pub fn recipient_row(m: &str, i: u32) -> Result<ModifyRecipientRow, String> {
    use recipient_flags as f;
    let row = RecipientRow {
        recipient_flags: 0x3 | f::E | f::D | f::U,
        x500: None,
        distribution_list: None,
        address_type: None,
        email_address: Some(RecipientString::Unicode(
            recipient_email(m, i).as_str().into(),
        )),
        display_name: Some(RecipientString::Unicode(
            recipient_name(m, i).as_str().into(),
        )),
        simple_display_name: None,
        transmittable_display_name: None,
        recipient_column_count: 0,
        recipient_properties: PropertyRow::Standard(Vec::new()),
    };
    Ok(ModifyRecipientRow {
        row_id: i - 1,
        recipient_type: 1,
        recipient_row: row.to_bytes().map_err(|e| e.to_string())?,
    })
}

/// RopModifyRecipients giving the Message object at `slot` recipients 1..=`n` of `m`.
pub fn modify_recipients_rop(slot: u8, m: &str, n: u32) -> Result<RopRequest, String> {
    Ok(RopRequest::ModifyRecipients(ModifyRecipientsRequest {
        logon_id: 0,
        input_handle_index: slot,
        recipient_columns: Vec::new(),
        recipient_rows: (1..=n)
            .map(|i| recipient_row(m, i))
            .collect::<Result<_, _>>()?,
    }))
}

impl Harness {
    /// One request buffer of the other session with its own handle table (slot 0 the
    /// logon); the responses and the handle table that came back.
    fn admin_exchange(
        &mut self,
        rops: Vec<RopRequest>,
        mut handles: Vec<u32>,
    ) -> Result<(Vec<RopResponse>, Vec<u32>), String> {
        if handles.is_empty() {
            handles.push(self.admin_logon);
        }
        let req = RopRequestBuffer { rops, handles };
        let bytes = req.encode().map_err(|e| e.to_string())?;
        let out = self.admin_raw.exchange(&bytes).map_err(|e| e.to_string())?;
        let resp = RopResponseBuffer::decode(&out, &req, &ResponseContext::default())
            .map_err(|e| e.to_string())?;
        Ok((resp.rops, resp.handles))
    }

    /// Gives message `m` the recipients 1..=`recipients` (RowIds 0.., replacing rows with
    /// those ids) and `attachments` new attachments numbered after those it has, through
    /// RopOpenMessage, RopModifyRecipients, RopCreateAttachment, RopSetProperties,
    /// RopSaveChangesAttachment and RopSaveChangesMessage.
    pub fn add_subobjects(
        &mut self,
        m: &str,
        recipients: u32,
        attachments: u32,
    ) -> Result<(), String> {
        let msg = self.message(m)?;
        let mut rops = vec![
            Self::open_folder_rop(msg.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: msg.folder,
                open_mode_flags: MessageOpenModeFlags::READ_WRITE,
                message_id: msg.mid,
            }),
        ];
        if recipients > 0 {
            rops.push(modify_recipients_rop(2, m, recipients)?);
        }
        let first = self.attachment_count(m);
        for i in first + 1..=first + attachments {
            rops.push(RopRequest::CreateAttachment(CreateAttachmentRequest {
                logon_id: 0,
                input_handle_index: 2,
                output_handle_index: 3,
            }));
            rops.push(RopRequest::SetProperties(SetPropertiesRequest {
                logon_id: 0,
                input_handle_index: 3,
                property_values: vec![
                    TaggedPropertyValue::new(PID_TAG_ATTACH_METHOD, PropValue::I32(1)),
                    TaggedPropertyValue::new(
                        PID_TAG_ATTACH_LONG_FILENAME,
                        PropValue::unicode(&attachment_file_name(m, i)),
                    ),
                    TaggedPropertyValue::new(
                        PID_TAG_ATTACH_DATA_BINARY,
                        PropValue::Binary(attachment_data(m, i)),
                    ),
                ],
            }));
            rops.push(RopRequest::SaveChangesAttachment(
                SaveChangesAttachmentRequest {
                    logon_id: 0,
                    response_handle_index: 2,
                    input_handle_index: 3,
                    save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
                },
            ));
            rops.push(Self::release_rop(3));
        }
        rops.push(RopRequest::SaveChangesMessage(SaveChangesMessageRequest {
            logon_id: 0,
            response_handle_index: 2,
            input_handle_index: 2,
            save_flags: SaveFlags::KEEP_OPEN_READ_WRITE,
        }));
        rops.push(Self::release_rop(2));
        rops.push(Self::release_rop(1));
        let resps = self.admin_call(rops, 3)?;
        Self::check(&resps, &format!("giving {m} recipients and attachments"))?;
        let ids: Vec<u32> = resps
            .iter()
            .filter_map(|r| match r {
                RopResponse::CreateAttachment(a) => a.result.success().map(|s| s.attachment_id),
                _ => None,
            })
            .collect();
        let sub = self.subobjects.entry(m.to_owned()).or_default();
        sub.attachment_ids.extend(ids);
        if recipients > 0 {
            sub.recipients = recipients;
        }
        Ok(())
    }

    /// How many attachments the scenario gave message `m`.
    pub fn attachment_count(&self, m: &str) -> u32 {
        self.subobjects
            .get(m)
            .map_or(0, |s| s.attachment_ids.len() as u32)
    }

    /// The AttachmentIDs the server returned for the attachments of `m`, in creation order.
    pub fn attachment_ids_of(&self, m: &str) -> Vec<u32> {
        self.subobjects
            .get(m)
            .map(|s| s.attachment_ids.clone())
            .unwrap_or_default()
    }

    /// RopFastTransferSourceCopyTo (`include` false, exclusion list) or CopyProperties
    /// (inclusion list) on message `m` (RopOpenMessage) or on its attachment `n`
    /// (1-based, creation order; RopOpenAttachment); the stream read with GetBuffer 0xBABE
    /// and parsed as `messageContent` / `attachmentContent`. Recorded as the last download
    /// and the last ROP.
    pub fn copy_props(
        &mut self,
        m: &str,
        attachment: Option<u32>,
        include: bool,
        copy_flags: u32,
        list: Vec<PropTag>,
    ) -> DownloadRec {
        let mut rec = DownloadRec::default();
        let name = if include {
            "RopFastTransferSourceCopyProperties"
        } else {
            "RopFastTransferSourceCopyTo"
        };
        if let Err(e) = self.copy_props_in(m, attachment, include, copy_flags, list, &mut rec) {
            rec.error = Some(e);
        }
        self.last = Some((name.into(), rec.download.clone()));
        self.downloads.push(rec.clone());
        rec
    }

    fn copy_props_in(
        &mut self,
        m: &str,
        attachment: Option<u32>,
        include: bool,
        copy_flags: u32,
        list: Vec<PropTag>,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
        let msg = self.message(m)?;
        let id = match attachment {
            Some(n) => Some(
                *self
                    .attachment_ids_of(m)
                    .get(n.checked_sub(1).ok_or("attachments are numbered from 1")? as usize)
                    .ok_or_else(|| format!("{m} has no attachment {n}"))?,
            ),
            None => None,
        };
        let input = if id.is_some() { 3 } else { 2 };
        let copy = if include {
            RopRequest::FastTransferSourceCopyProperties(FastTransferSourceCopyPropertiesRequest {
                logon_id: 0,
                input_handle_index: input,
                output_handle_index: 4,
                level: 0,
                copy_flags: CopyPropertiesCopyFlags(copy_flags as u8),
                send_options: SendOptions(self.params.send_options),
                property_tags: list,
            })
        } else {
            RopRequest::FastTransferSourceCopyTo(FastTransferSourceCopyToRequest {
                logon_id: 0,
                input_handle_index: input,
                output_handle_index: 4,
                level: 0,
                copy_flags: CopyToCopyFlags(copy_flags),
                send_options: SendOptions(self.params.send_options),
                property_tags: list,
            })
        };
        let mut rops = vec![
            Self::open_folder_rop(msg.folder),
            RopRequest::OpenMessage(OpenMessageRequest {
                logon_id: 0,
                input_handle_index: 1,
                output_handle_index: 2,
                code_page_id: 0x0FFF,
                folder_id: msg.folder,
                open_mode_flags: MessageOpenModeFlags(0x00),
                message_id: msg.mid,
            }),
        ];
        if let Some(id) = id {
            rops.push(RopRequest::OpenAttachment(OpenAttachmentRequest {
                logon_id: 0,
                input_handle_index: 2,
                output_handle_index: 3,
                open_attachment_flags: 0x00,
                attachment_id: id,
            }));
        }
        let opens = rops.len();
        rops.push(copy);
        let mut handles = vec![self.admin_logon];
        handles.extend([NO_HANDLE; 4]);
        let (resps, handles) = self.admin_exchange(rops, handles)?;
        let open_failed = resps
            .iter()
            .take(opens)
            .find(|r| return_value(r).unwrap_or(u32::MAX) != 0);
        if let Some(r) = open_failed {
            return Err(format!(
                "{} failed with 0x{:08X}",
                r.name(),
                return_value(r).unwrap_or(u32::MAX)
            ));
        }
        let rv = resps.get(opens).and_then(return_value);
        rec.download = Observed {
            return_value: rv,
            buffer_too_small: rv.is_none(),
            ..Observed::default()
        };
        let result = if rv == Some(0) {
            self.read_admin_stream(handles.clone(), rec)
        } else {
            Ok(())
        };
        let release: Vec<RopRequest> = [4, 3, 2, 1].map(Self::release_rop).to_vec();
        let _ = self.admin_exchange(release, handles);
        result?;
        if rv == Some(0) {
            let kind = if id.is_some() {
                RootKind::AttachmentContent
            } else {
                RootKind::MessageContent
            };
            rec.root = Some(ft::parse(kind, &rec.bytes).map_err(|e| format!("the stream: {e}"))?);
        }
        Ok(())
    }

    /// GetBuffer (0xBABE) on slot 4 of the other session until Done.
    fn read_admin_stream(
        &mut self,
        handles: Vec<u32>,
        rec: &mut DownloadRec,
    ) -> Result<(), String> {
        for _ in 0..10_000 {
            let rop = RopRequest::FastTransferSourceGetBuffer(FastTransferSourceGetBufferRequest {
                logon_id: 0,
                input_handle_index: 4,
                buffer_size: BUFFER_SIZE_SENTINEL,
                maximum_buffer_size: Some(0x7000),
            });
            let (resps, _) = self.admin_exchange(vec![rop], handles.clone())?;
            let Some(RopResponse::FastTransferSourceGetBuffer(g)) = resps.into_iter().next() else {
                return Err("RopFastTransferSourceGetBuffer: no response".into());
            };
            if !g.return_value.is_success() {
                rec.download.return_value = Some(g.return_value.to_u32());
                return Err(format!(
                    "RopFastTransferSourceGetBuffer failed with 0x{:08X}",
                    g.return_value.to_u32()
                ));
            }
            rec.bytes.extend_from_slice(&g.transfer_buffer);
            match g.transfer_status {
                WireStatus::DONE => return Ok(()),
                WireStatus::PARTIAL | WireStatus::NO_ROOM => {}
                _ => {
                    rec.download.transfer_status_error = true;
                    return Err("GetBuffer answered TransferStatus Error".into());
                }
            }
        }
        Err("no TransferStatus Done after 10000 GetBuffer calls".into())
    }
}
