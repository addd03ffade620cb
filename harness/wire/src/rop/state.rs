//! ICS state upload ROPs ([MS-OXCROPS] 2.2.13.8–2.2.13.11; [MS-OXCFXICS]
//! 2.2.3.2.2–2.2.3.2.3; rops.md §7). StreamData is a piece of a serialized
//! IDSET, kept as bytes. Responses are header-only
//! ([`super::common::InputHandleResponse`], GetTransferState:
//! [`super::common::OutputHandleResponse`]).

use crate::cursor::{Reader, WriteLe};
use crate::prop::PropTag;

use super::common::ser_hex;
use super::error::{DecodeResult, EncodeResult};
use super::value::{read_bytes32, read_tag, write_bytes32};

/// RopSynchronizationUploadStateStreamBegin request, 0x75 (2.2.13.9.1).
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationUploadStateStreamBeginRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex (sync context).
    pub input_handle_index: u8,
    /// StateProperty (MetaTagIdsetGiven, MetaTagCnsetSeen, ...).
    #[serde(serialize_with = "super::common::ser_tag")]
    pub state_property: PropTag,
    /// TransferBufferSize: total bytes of the state property to follow.
    pub transfer_buffer_size: u32,
}

impl Default for SynchronizationUploadStateStreamBeginRequest {
    fn default() -> Self {
        Self {
            logon_id: 0,
            input_handle_index: 0,
            state_property: PropTag(0),
            transfer_buffer_size: 0,
        }
    }
}

impl SynchronizationUploadStateStreamBeginRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            state_property: read_tag(r, "StateProperty")?,
            transfer_buffer_size: r.u32("TransferBufferSize")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        out.put_u32(self.state_property.0);
        out.put_u32(self.transfer_buffer_size);
        Ok(())
    }
}

/// RopSynchronizationUploadStateStreamContinue request, 0x76 (2.2.13.10.1).
/// StreamDataSize is 4 bytes (rops.md §12 D2).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SynchronizationUploadStateStreamContinueRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// StreamData.
    #[serde(serialize_with = "ser_hex")]
    pub stream_data: Vec<u8>,
}

impl SynchronizationUploadStateStreamContinueRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
            stream_data: read_bytes32(r, "StreamData")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        write_bytes32(out, &self.stream_data, "StreamDataSize")
    }
}

/// A request holding only `RopId | LogonId | InputHandleIndex`
/// (RopSynchronizationUploadStateStreamEnd 0x77, RopRelease 0x01).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct InputHandleRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
}

impl InputHandleRequest {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        Ok(Self {
            logon_id: r.u8("LogonId")?,
            input_handle_index: r.u8("InputHandleIndex")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_bytes(&[self.logon_id, self.input_handle_index]);
        Ok(())
    }
}

/// A request holding only `RopId | LogonId | InputHandleIndex | OutputHandleIndex`
/// (RopSynchronizationGetTransferState 0x82).
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct InputOutputHandleRequest {
    /// LogonId.
    pub logon_id: u8,
    /// InputHandleIndex.
    pub input_handle_index: u8,
    /// OutputHandleIndex.
    pub output_handle_index: u8,
}

impl InputOutputHandleRequest {
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
