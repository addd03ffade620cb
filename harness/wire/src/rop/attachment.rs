//! Attachment ROPs ([MS-OXCROPS] 2.2.6.12 RopOpenAttachment, 2.2.6.13
//! RopCreateAttachment, 2.2.6.14 RopDeleteAttachment, 2.2.6.15
//! RopSaveChangesAttachment; [MS-OXCMSG] 2.2.3.12–2.2.3.15).

use crate::cursor::{Reader, WriteLe};

use super::codes::ErrorCode;
use super::common::{ResponseHint, RopResult};
use super::error::{DecodeResult, EncodeResult};
use super::flags::SaveFlags;

/// RopOpenAttachment request, 0x22 (2.2.6.12.1). The response is the
/// single-form [`super::common::OutputHandleResponse`] (2.2.6.12.2).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OpenAttachmentRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the Attachment).
    pub output_handle_index: u8,
    /// OpenAttachmentFlags ([MS-OXCMSG] 2.2.3.12.1: ReadOnly 0x00,
    /// ReadWrite 0x01, BestAccess 0x03), kept as sent.
    pub open_attachment_flags: u8,
    /// AttachmentID (PidTagAttachNumber of the attachment).
    pub attachment_id: u32,
}

impl OpenAttachmentRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            open_attachment_flags: r.u8("OpenAttachmentFlags")?,
            attachment_id: r.u32("AttachmentID")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.open_attachment_flags,
        ]);
        out.put_u32(self.attachment_id);
        Ok(())
    }
}

/// RopCreateAttachment request, 0x23 (2.2.6.13.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateAttachmentRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the new Attachment).
    pub output_handle_index: u8,
}

impl CreateAttachmentRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
        ]);
        Ok(())
    }
}

/// Success fields of RopCreateAttachment (2.2.6.13.2).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateAttachmentSuccess {
    /// AttachmentID of the new attachment.
    pub attachment_id: u32,
}

/// RopCreateAttachment response (2.2.6.13.2 / 2.2.6.13.3).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CreateAttachmentResponse {
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// ReturnValue and success fields.
    #[serde(flatten)]
    pub result: RopResult<CreateAttachmentSuccess>,
}

impl CreateAttachmentResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            output_handle_index: r.u8("OutputHandleIndex")?,
            result: RopResult::read(r, |r| {
                Ok(CreateAttachmentSuccess {
                    attachment_id: r.u32("AttachmentID")?,
                })
            })?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.output_handle_index);
        self.result.write(out, |s, out| {
            out.put_u32(s.attachment_id);
            Ok(())
        })
    }
}

/// RopDeleteAttachment request, 0x24 (2.2.6.14.1). The response is the
/// single-form [`super::common::InputHandleResponse`] (2.2.6.14.2).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DeleteAttachmentRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Message).
    pub input_handle_index: u8,
    /// AttachmentID.
    pub attachment_id: u32,
}

impl DeleteAttachmentRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            attachment_id: r.u32("AttachmentID")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u32(self.attachment_id);
        Ok(())
    }
}

/// RopSaveChangesAttachment request, 0x25 (2.2.6.15.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SaveChangesAttachmentRequest {
    /// LogonId.
    pub logon_id: u8,
    /// ResponseHandleIndex (the containing Message, [MS-OXCMSG] 2.2.3.15).
    pub response_handle_index: u8,
    /// InputHandleIndex (the Attachment).
    pub input_handle_index: u8,
    /// SaveFlags ([MS-OXCMSG] 2.2.3.3.1).
    pub save_flags: SaveFlags,
}

impl SaveChangesAttachmentRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            response_handle_index: r.u8("ResponseHandleIndex")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            save_flags: SaveFlags(r.u8("SaveFlags")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.response_handle_index,
            self.input_handle_index,
            self.save_flags.0,
        ]);
        Ok(())
    }
}

/// RopSaveChangesAttachment response (2.2.6.15.2): single form,
/// `RopId | ResponseHandleIndex | ReturnValue`.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SaveChangesAttachmentResponse {
    /// ResponseHandleIndex (echo of the request's).
    pub response_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
}

impl SaveChangesAttachmentResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            response_handle_index: r.u8("ResponseHandleIndex")?,
            return_value: ErrorCode::from_u32(r.u32("ReturnValue")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.response_handle_index);
        out.put_u32(self.return_value.to_u32());
        Ok(())
    }
}
