//! Mailbox endpoint request and response bodies ([MS-OXCMAPIHTTP] 2.2.4).
//!
//! Every response body starts with StatusCode; non-zero means the failure
//! form (StatusCode, AuxiliaryBufferSize, AuxiliaryBuffer). Decoders consume
//! the whole body: extra bytes are an error.

mod connect;
mod execute;
mod misc;

pub use connect::{ConnectRequest, ConnectResponse, ConnectSuccess};
pub use execute::{ExecuteFlags, ExecuteRequest, ExecuteResponse, ExecuteSuccess};
pub use misc::{
    DisconnectRequest, DisconnectResponse, DisconnectSuccess, NotificationWaitRequest,
    NotificationWaitResponse, NotificationWaitSuccess,
};

use super::MapiHttpError;
use crate::cursor::{Reader, WriteLe};
use crate::prop::Utf16String;
use std::num::NonZeroU32;

/// The failure form shared by every response body ([MS-OXCMAPIHTTP]
/// 2.2.4.1.3, 2.2.4.2.3, 2.2.4.3.3, 2.2.4.4.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Non-zero StatusCode.
    pub status_code: NonZeroU32,
    /// Raw AuxiliaryBuffer (rgbAuxOut).
    pub auxiliary_buffer: Vec<u8>,
}

impl Failure {
    fn decode_rest(status_code: NonZeroU32, r: &mut Reader<'_>) -> Result<Self, MapiHttpError> {
        Ok(Failure {
            status_code,
            auxiliary_buffer: aux(r)?,
        })
    }

    fn encode(&self, out: &mut Vec<u8>) -> Result<(), MapiHttpError> {
        out.put_u32(self.status_code.get());
        put_aux(out, &self.auxiliary_buffer)
    }
}

/// Reads StatusCode; `Some` when the body is the failure form.
fn status(r: &mut Reader<'_>) -> Result<Option<NonZeroU32>, MapiHttpError> {
    Ok(NonZeroU32::new(r.u32("StatusCode")?))
}

/// A NUL-terminated 7-bit ASCII string.
fn ascii_z(r: &mut Reader<'_>, field: &'static str) -> Result<String, MapiHttpError> {
    let at = r.offset();
    let rest = r.rest();
    let n = rest
        .iter()
        .position(|&b| b == 0)
        .ok_or(MapiHttpError::Unterminated { offset: at, field })?;
    if let Some(i) = rest[..n].iter().position(|b| !b.is_ascii()) {
        return Err(MapiHttpError::NotAscii {
            offset: at + i,
            field,
            byte: rest[i],
        });
    }
    let s = rest[..n].iter().map(|&b| char::from(b)).collect();
    r.skip(n + 1, field)?;
    Ok(s)
}

fn put_ascii_z(out: &mut Vec<u8>, s: &str, field: &'static str) -> Result<(), MapiHttpError> {
    if !s.is_ascii() || s.contains('\0') {
        return Err(MapiHttpError::Unencodable {
            field,
            reason: "must be ASCII without NUL",
        });
    }
    out.put_bytes(s.as_bytes());
    out.put_u8(0);
    Ok(())
}

/// A NUL-terminated UTF-16LE string, kept as code units (no lossy conversion).
fn utf16_z(r: &mut Reader<'_>, field: &'static str) -> Result<Utf16String, MapiHttpError> {
    let at = r.offset();
    let rest = r.rest();
    let n = rest
        .chunks_exact(2)
        .position(|c| c == [0, 0])
        .ok_or(MapiHttpError::Unterminated { offset: at, field })?;
    let s = Utf16String::from_le_bytes(&rest[..2 * n]);
    r.skip(2 * n + 2, field)?;
    Ok(s)
}

fn put_utf16_z(
    out: &mut Vec<u8>,
    s: &Utf16String,
    field: &'static str,
) -> Result<(), MapiHttpError> {
    if s.units().contains(&0) {
        return Err(MapiHttpError::Unencodable {
            field,
            reason: "contains a NUL code unit",
        });
    }
    out.put_bytes(&s.to_le_bytes());
    out.put_u16(0);
    Ok(())
}

/// A u32 size followed by that many bytes (checked before allocating).
fn sized(
    r: &mut Reader<'_>,
    size_field: &'static str,
    field: &'static str,
) -> Result<Vec<u8>, MapiHttpError> {
    let n = r.u32(size_field)? as usize;
    Ok(r.bytes(n, field)?.to_vec())
}

fn put_sized(out: &mut Vec<u8>, b: &[u8], field: &'static str) -> Result<(), MapiHttpError> {
    let n = u32::try_from(b.len()).map_err(|_| MapiHttpError::Unencodable {
        field,
        reason: "longer than u32::MAX",
    })?;
    out.put_u32(n);
    out.put_bytes(b);
    Ok(())
}

/// AuxiliaryBufferSize + AuxiliaryBuffer, kept raw.
fn aux(r: &mut Reader<'_>) -> Result<Vec<u8>, MapiHttpError> {
    sized(r, "AuxiliaryBufferSize", "AuxiliaryBuffer")
}

fn put_aux(out: &mut Vec<u8>, b: &[u8]) -> Result<(), MapiHttpError> {
    put_sized(out, b, "AuxiliaryBuffer")
}

/// Fails when bytes follow a complete body.
fn end(r: &Reader<'_>, body: &'static str) -> Result<(), MapiHttpError> {
    if r.is_empty() {
        Ok(())
    } else {
        Err(MapiHttpError::TrailingBytes {
            offset: r.offset(),
            count: r.remaining(),
            after: body,
        })
    }
}
