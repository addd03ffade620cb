//! Response-only ROPs ([MS-OXCROPS] 2.2.15.1 RopBufferTooSmall, 2.2.15.2
//! RopBackoff; rops.md §10). RopRelease (2.2.15.3) is a
//! [`super::state::InputHandleRequest`] and has no response.

use crate::cursor::{Reader, WriteLe};

use super::common::ser_hex;
use super::error::{DecodeResult, EncodeResult};
use super::value::{put_count8, read_bytes16, write_bytes16};

/// BackoffRop (2.2.15.2.1.1).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct BackoffRop {
    /// RopIdBackoff: the ROP to delay.
    pub rop_id_backoff: u8,
    /// Duration in ms.
    pub duration: u32,
}

/// RopBackoff response, 0xF9 (2.2.15.2.1): may appear anywhere in the
/// response RopsList and answers no request.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct BackoffResponse {
    /// LogonId.
    pub logon_id: u8,
    /// Duration in ms (logon back-off).
    pub duration: u32,
    /// BackoffRopData (BackoffRopCount is one byte; 0 = every ROP of the logon).
    pub backoff_rop_data: Vec<BackoffRop>,
    /// AdditionalData (u16 AdditionalDataSize).
    #[serde(serialize_with = "ser_hex")]
    pub additional_data: Vec<u8>,
}

impl BackoffResponse {
    /// Reads the fields after RopId.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let logon_id = r.u8("LogonId")?;
        let duration = r.u32("Duration")?;
        let n = r.u8("BackoffRopCount")? as usize;
        r.check_count(n, 5, "BackoffRopData")?;
        let mut backoff_rop_data = Vec::with_capacity(n);
        for _ in 0..n {
            backoff_rop_data.push(BackoffRop {
                rop_id_backoff: r.u8("RopIdBackoff")?,
                duration: r.u32("Duration")?,
            });
        }
        Ok(Self {
            logon_id,
            duration,
            backoff_rop_data,
            additional_data: read_bytes16(r, "AdditionalData")?,
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u8(self.logon_id);
        out.put_u32(self.duration);
        put_count8(out, self.backoff_rop_data.len(), "BackoffRopCount")?;
        for b in &self.backoff_rop_data {
            out.put_u8(b.rop_id_backoff);
            out.put_u32(b.duration);
        }
        write_bytes16(out, &self.additional_data, "AdditionalDataSize")
    }
}

/// RopBufferTooSmall response, 0xFF (2.2.15.1.1): the last ROP of the list;
/// RequestBuffers (no length field) is the unprocessed tail of the request
/// RopsList, copied verbatim, running to the end of RopsList.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct BufferTooSmallResponse {
    /// SizeNeeded.
    pub size_needed: u16,
    /// RequestBuffers.
    #[serde(serialize_with = "ser_hex")]
    pub request_buffers: Vec<u8>,
}

impl BufferTooSmallResponse {
    /// Reads the fields after RopId: everything left in the reader.
    pub fn read(r: &mut Reader<'_>) -> DecodeResult<Self> {
        let size_needed = r.u16("SizeNeeded")?;
        let n = r.remaining();
        Ok(Self {
            size_needed,
            request_buffers: r.bytes(n, "RequestBuffers")?.to_vec(),
        })
    }
    /// Writes the fields after RopId.
    pub fn write(&self, out: &mut Vec<u8>) -> EncodeResult {
        out.put_u16(self.size_needed);
        out.put_bytes(&self.request_buffers);
        Ok(())
    }
}
