//! FastTransfer ROPs ([MS-OXCROPS] 2.2.12; [MS-OXCFXICS] 2.2.3.1; rops.md §4, §5).
//! TransferBuffer / TransferData are FastTransfer stream pieces, kept as bytes.

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::codes::ErrorCode;
use super::common::{ResponseHint, ser_hex};
use super::error::{DecodeResult, EncodeError, EncodeResult};
use super::flags::{
    CopyFolderCopyFlags, CopyMessagesCopyFlags, CopyPropertiesCopyFlags, CopyToCopyFlags,
    DestinationConfigureCopyFlags, SendOptions, SourceOperation, TransferStatus,
};
use super::value::{put_count16, read_ids, read_tag_array16, write_bytes16, write_tag_array16};
use crate::ids::Mid;

/// RopFastTransferSourceCopyTo request, 0x4D ([MS-OXCROPS] 2.2.12.7.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferSourceCopyToRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (Folder, Message or Attachment).
    pub input_handle_index: u8,
    /// OutputHandleIndex (the download context).
    pub output_handle_index: u8,
    /// Level: 0 = copy descendant subobjects.
    pub level: u8,
    /// CopyFlags (u32).
    pub copy_flags: CopyToCopyFlags,
    /// SendOptions.
    pub send_options: SendOptions,
    /// PropertyTags to exclude.
    #[serde(serialize_with = "super::common::ser_tags")]
    pub property_tags: Vec<PropTag>,
}

impl FastTransferSourceCopyToRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            level: r.u8("Level")?,
            copy_flags: CopyToCopyFlags(r.u32("CopyFlags")?),
            send_options: SendOptions(r.u8("SendOptions")?),
            property_tags: read_tag_array16(r, "PropertyTags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.level,
        ]);
        out.put_u32(self.copy_flags.0);
        out.put_u8(self.send_options.0);
        write_tag_array16(out, &self.property_tags, "PropertyTags")
    }
}

/// RopFastTransferSourceCopyProperties request, 0x69 ([MS-OXCROPS] 2.2.12.8.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferSourceCopyPropertiesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// Level.
    pub level: u8,
    /// CopyFlags (u8).
    pub copy_flags: CopyPropertiesCopyFlags,
    /// SendOptions.
    pub send_options: SendOptions,
    /// PropertyTags to include (MUST NOT be empty; not enforced, so a harness can send it).
    #[serde(serialize_with = "super::common::ser_tags")]
    pub property_tags: Vec<PropTag>,
}

impl FastTransferSourceCopyPropertiesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            level: r.u8("Level")?,
            copy_flags: CopyPropertiesCopyFlags(r.u8("CopyFlags")?),
            send_options: SendOptions(r.u8("SendOptions")?),
            property_tags: read_tag_array16(r, "PropertyTags")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.level,
            self.copy_flags.0,
            self.send_options.0,
        ]);
        write_tag_array16(out, &self.property_tags, "PropertyTags")
    }
}

/// RopFastTransferSourceCopyMessages request, 0x4B ([MS-OXCROPS] 2.2.12.6.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferSourceCopyMessagesRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// MessageIds.
    pub message_ids: Vec<Mid>,
    /// CopyFlags.
    pub copy_flags: CopyMessagesCopyFlags,
    /// SendOptions.
    pub send_options: SendOptions,
}

impl FastTransferSourceCopyMessagesRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let output_handle_index = r.u8("OutputHandleIndex")?;
        let n = r.u16("MessageIdCount")? as usize;
        Ok(Self {
            logon_id,
            input_handle_index,
            output_handle_index,
            message_ids: read_ids(r, n, "MessageIds")?,
            copy_flags: CopyMessagesCopyFlags(r.u8("CopyFlags")?),
            send_options: SendOptions(r.u8("SendOptions")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
        ]);
        put_count16(out, self.message_ids.len(), "MessageIdCount")?;
        for m in &self.message_ids {
            out.put_bytes(&m.to_bytes());
        }
        out.put_u8(self.copy_flags.0);
        out.put_u8(self.send_options.0);
        Ok(())
    }
}

/// RopFastTransferSourceCopyFolder request, 0x4C ([MS-OXCROPS] 2.2.12.5.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferSourceCopyFolderRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (the Folder).
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
    /// CopyFlags.
    pub copy_flags: CopyFolderCopyFlags,
    /// SendOptions.
    pub send_options: SendOptions,
}

impl FastTransferSourceCopyFolderRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            copy_flags: CopyFolderCopyFlags(r.u8("CopyFlags")?),
            send_options: SendOptions(r.u8("SendOptions")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.copy_flags.0,
            self.send_options.0,
        ]);
        Ok(())
    }
}

/// The BufferSize sentinel "the server decides" ([MS-OXCFXICS] 2.2.3.1.1.5.1).
pub const BUFFER_SIZE_SENTINEL: u16 = 0xBABE;

/// RopFastTransferSourceGetBuffer request, 0x4E ([MS-OXCROPS] 2.2.12.4.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct FastTransferSourceGetBufferRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (download context).
    pub input_handle_index: u8,
    /// BufferSize; 0xBABE lets the server decide.
    pub buffer_size: u16,
    /// MaximumBufferSize, present iff BufferSize is 0xBABE.
    pub maximum_buffer_size: Option<u16>,
}

impl FastTransferSourceGetBufferRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let buffer_size = r.u16("BufferSize")?;
        let maximum_buffer_size = if buffer_size == BUFFER_SIZE_SENTINEL {
            Some(r.u16("MaximumBufferSize")?)
        } else {
            None
        };
        Ok(Self {
            logon_id,
            input_handle_index,
            buffer_size,
            maximum_buffer_size,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        if (self.buffer_size == BUFFER_SIZE_SENTINEL) != self.maximum_buffer_size.is_some() {
            return Err(EncodeError::Inconsistent {
                field: "MaximumBufferSize",
                reason: "present iff BufferSize is 0xBABE",
            });
        }
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u16(self.buffer_size);
        if let Some(m) = self.maximum_buffer_size {
            out.put_u16(m);
        }
        Ok(())
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for FastTransferSourceGetBufferRequest {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let buffer_size = if u.arbitrary()? {
            BUFFER_SIZE_SENTINEL
        } else {
            u.arbitrary()?
        };
        Ok(Self {
            logon_id: u.arbitrary()?,
            input_handle_index: u.arbitrary()?,
            buffer_size,
            maximum_buffer_size: if buffer_size == BUFFER_SIZE_SENTINEL {
                Some(u.arbitrary()?)
            } else {
                None
            },
        })
    }
}

/// RopFastTransferSourceGetBuffer response, 0x4E ([MS-OXCROPS] 2.2.12.4.2):
/// a single response buffer. TransferStatus .. TransferBufferSize are always
/// present; TransferBuffer is present unless ReturnValue is ServerBusy
/// (0x00000480), in which case BackoffTime follows TransferBufferSize
/// (choice for rops.md §12 D1: the published MS-OXCROPS layout).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct FastTransferSourceGetBufferResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
    /// TransferStatus.
    pub transfer_status: TransferStatus,
    /// InProgressCount.
    pub in_progress_count: u16,
    /// TotalStepCount.
    pub total_step_count: u16,
    /// Reserved (MUST be 0; kept as sent).
    pub reserved: u8,
    /// TransferBufferSize as sent; equals `transfer_buffer.len()` unless busy.
    pub transfer_buffer_size: u16,
    /// TransferBuffer: the next piece of the FastTransfer stream (empty when busy).
    #[serde(serialize_with = "ser_hex")]
    pub transfer_buffer: Vec<u8>,
    /// BackoffTime in ms, present iff ReturnValue is ServerBusy.
    pub backoff_time: Option<u32>,
}

impl FastTransferSourceGetBufferResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        let input_handle_index = r.u8("InputHandleIndex")?;
        let return_value = ErrorCode::from_u32(r.u32("ReturnValue")?);
        let transfer_status = TransferStatus(r.u16("TransferStatus")?);
        let in_progress_count = r.u16("InProgressCount")?;
        let total_step_count = r.u16("TotalStepCount")?;
        let reserved = r.u8("Reserved")?;
        let transfer_buffer_size = r.u16("TransferBufferSize")?;
        let busy = return_value == ErrorCode::ServerBusy;
        let transfer_buffer = if busy {
            Vec::new()
        } else {
            r.bytes(transfer_buffer_size as usize, "TransferBuffer")?
                .to_vec()
        };
        let backoff_time = if busy {
            Some(r.u32("BackoffTime")?)
        } else {
            None
        };
        Ok(Self {
            input_handle_index,
            return_value,
            transfer_status,
            in_progress_count,
            total_step_count,
            reserved,
            transfer_buffer_size,
            transfer_buffer,
            backoff_time,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        let busy = self.return_value == ErrorCode::ServerBusy;
        if busy != self.backoff_time.is_some() {
            return Err(EncodeError::Inconsistent {
                field: "BackoffTime",
                reason: "present iff ReturnValue is ServerBusy (0x00000480)",
            });
        }
        if busy && !self.transfer_buffer.is_empty() {
            return Err(EncodeError::Inconsistent {
                field: "TransferBuffer",
                reason: "absent when ReturnValue is ServerBusy",
            });
        }
        if !busy && self.transfer_buffer.len() != self.transfer_buffer_size as usize {
            return Err(EncodeError::Inconsistent {
                field: "TransferBufferSize",
                reason: "must equal the TransferBuffer length",
            });
        }
        out.put_u8(self.input_handle_index);
        out.put_u32(self.return_value.to_u32());
        out.put_u16(self.transfer_status.0);
        out.put_u16(self.in_progress_count);
        out.put_u16(self.total_step_count);
        out.put_u8(self.reserved);
        out.put_u16(self.transfer_buffer_size);
        out.put_bytes(&self.transfer_buffer);
        if let Some(b) = self.backoff_time {
            out.put_u32(b);
        }
        Ok(())
    }

    /// A success response carrying `data`.
    pub fn data(input_handle_index: u8, transfer_status: TransferStatus, data: Vec<u8>) -> Self {
        Self {
            input_handle_index,
            return_value: ErrorCode::Success,
            transfer_status,
            in_progress_count: 0,
            total_step_count: 0,
            reserved: 0,
            transfer_buffer_size: data.len().min(u16::MAX as usize) as u16,
            transfer_buffer: data,
            backoff_time: None,
        }
    }

    /// The busy form: ReturnValue ServerBusy and BackoffTime.
    pub fn busy(input_handle_index: u8, backoff_time: u32) -> Self {
        Self {
            input_handle_index,
            return_value: ErrorCode::ServerBusy,
            transfer_status: TransferStatus::ERROR,
            in_progress_count: 0,
            total_step_count: 0,
            reserved: 0,
            transfer_buffer_size: 0,
            transfer_buffer: Vec::new(),
            backoff_time: Some(backoff_time),
        }
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for FastTransferSourceGetBufferResponse {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let busy: bool = u.arbitrary()?;
        let return_value = if busy {
            ErrorCode::ServerBusy
        } else {
            let e: ErrorCode = u.arbitrary()?;
            if e == ErrorCode::ServerBusy {
                ErrorCode::Success
            } else {
                e
            }
        };
        let transfer_buffer: Vec<u8> = if busy { Vec::new() } else { u.arbitrary()? };
        let transfer_buffer: Vec<u8> = transfer_buffer
            .into_iter()
            .take(u16::MAX as usize)
            .collect();
        Ok(Self {
            input_handle_index: u.arbitrary()?,
            return_value,
            transfer_status: u.arbitrary()?,
            in_progress_count: u.arbitrary()?,
            total_step_count: u.arbitrary()?,
            reserved: u.arbitrary()?,
            transfer_buffer_size: if busy {
                u.arbitrary()?
            } else {
                transfer_buffer.len() as u16
            },
            transfer_buffer,
            backoff_time: if busy { Some(u.arbitrary()?) } else { None },
        })
    }
}

/// RopFastTransferDestinationConfigure request, 0x53 ([MS-OXCROPS] 2.2.12.1.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferDestinationConfigureRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// OutputHandleIndex (upload context).
    pub output_handle_index: u8,
    /// SourceOperation.
    pub source_operation: SourceOperation,
    /// CopyFlags.
    pub copy_flags: DestinationConfigureCopyFlags,
}

impl FastTransferDestinationConfigureRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            output_handle_index: r.u8("OutputHandleIndex")?,
            source_operation: SourceOperation(r.u8("SourceOperation")?),
            copy_flags: DestinationConfigureCopyFlags(r.u8("CopyFlags")?),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[
            self.logon_id,
            self.input_handle_index,
            self.output_handle_index,
            self.source_operation.0,
            self.copy_flags.0,
        ]);
        Ok(())
    }
}

/// RopFastTransferDestinationPutBuffer (0x54) and PutBufferExtended (0x9D)
/// request ([MS-OXCROPS] 2.2.12.2.1, 2.2.12.3.1): identical layouts.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferDestinationPutBufferRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (upload context).
    pub input_handle_index: u8,
    /// TransferData (a FastTransfer stream piece; TransferDataSize is its length).
    #[serde(serialize_with = "ser_hex")]
    pub transfer_data: Vec<u8>,
}

impl FastTransferDestinationPutBufferRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let input_handle_index = r.u8("InputHandleIndex")?;
        let n = r.u16("TransferDataSize")? as usize;
        Ok(Self {
            logon_id,
            input_handle_index,
            transfer_data: r.bytes(n, "TransferData")?.to_vec(),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        write_bytes16(out, &self.transfer_data, "TransferDataSize")
    }
}

/// RopFastTransferDestinationPutBuffer response, 0x54 ([MS-OXCROPS] 2.2.12.2.2): single form.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferDestinationPutBufferResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
    /// TransferStatus (clients MUST ignore it).
    pub transfer_status: TransferStatus,
    /// InProgressCount.
    pub in_progress_count: u16,
    /// TotalStepCount.
    pub total_step_count: u16,
    /// Reserved.
    pub reserved: u8,
    /// BufferUsedSize.
    pub buffer_used_size: u16,
}

impl FastTransferDestinationPutBufferResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            return_value: ErrorCode::from_u32(r.u32("ReturnValue")?),
            transfer_status: TransferStatus(r.u16("TransferStatus")?),
            in_progress_count: r.u16("InProgressCount")?,
            total_step_count: r.u16("TotalStepCount")?,
            reserved: r.u8("Reserved")?,
            buffer_used_size: r.u16("BufferUsedSize")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        out.put_u32(self.return_value.to_u32());
        out.put_u16(self.transfer_status.0);
        out.put_u16(self.in_progress_count);
        out.put_u16(self.total_step_count);
        out.put_u8(self.reserved);
        out.put_u16(self.buffer_used_size);
        Ok(())
    }
}

/// RopFastTransferDestinationPutBufferExtended response, 0x9D ([MS-OXCROPS]
/// 2.2.12.3.2): like PutBuffer's but InProgressCount and TotalStepCount are u32.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FastTransferDestinationPutBufferExtendedResponse {
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// ReturnValue.
    pub return_value: ErrorCode,
    /// TransferStatus (clients MUST ignore it).
    pub transfer_status: TransferStatus,
    /// InProgressCount (u32).
    pub in_progress_count: u32,
    /// TotalStepCount (u32).
    pub total_step_count: u32,
    /// Reserved.
    pub reserved: u8,
    /// BufferUsedSize.
    pub buffer_used_size: u16,
}

impl FastTransferDestinationPutBufferExtendedResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>, _: &ResponseHint<'_>) -> DecodeResult<Self> {
        Ok(Self {
            input_handle_index: r.u8("InputHandleIndex")?,
            return_value: ErrorCode::from_u32(r.u32("ReturnValue")?),
            transfer_status: TransferStatus(r.u16("TransferStatus")?),
            in_progress_count: r.u32("InProgressCount")?,
            total_step_count: r.u32("TotalStepCount")?,
            reserved: r.u8("Reserved")?,
            buffer_used_size: r.u16("BufferUsedSize")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.input_handle_index);
        out.put_u32(self.return_value.to_u32());
        out.put_u16(self.transfer_status.0);
        out.put_u32(self.in_progress_count);
        out.put_u32(self.total_step_count);
        out.put_u8(self.reserved);
        out.put_u16(self.buffer_used_size);
        Ok(())
    }
}

/// RopTellVersion request, 0x86 ([MS-OXCROPS] 2.2.12.9.1).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TellVersionRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (FastTransfer context).
    pub input_handle_index: u8,
    /// Version: three u16 as obtained from the other server.
    pub version: [u16; 3],
}

impl TellVersionRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            version: [r.u16("Version")?, r.u16("Version")?, r.u16("Version")?],
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        for v in self.version {
            out.put_u16(v);
        }
        Ok(())
    }
}
