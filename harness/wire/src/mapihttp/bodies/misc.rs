//! Disconnect ([MS-OXCMAPIHTTP] 2.2.4.3) and NotificationWait (2.2.4.4) bodies.

use super::{Failure, aux, end, put_aux, status};
use crate::cursor::{Reader, WriteLe};
use crate::mapihttp::MapiHttpError;

/// Disconnect request body: just the auxiliary buffer. [MS-OXCMAPIHTTP]
/// 3.1.5.4 calls it "no request body"; an empty body is read as an empty
/// auxiliary buffer, and `encode` always writes the 4-byte size
/// (transport.md §14 item 3).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DisconnectRequest {
    /// Raw rgbAuxIn.
    pub auxiliary_buffer: Vec<u8>,
}

impl DisconnectRequest {
    /// Decodes a whole request body (empty allowed, see the type's doc).
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        if body.is_empty() {
            return Ok(Self::default());
        }
        let mut r = Reader::new(body);
        let v = DisconnectRequest {
            auxiliary_buffer: aux(&mut r)?,
        };
        end(&r, "the Disconnect request")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::new();
        put_aux(&mut out, &self.auxiliary_buffer)?;
        Ok(out)
    }
}

/// Disconnect success response body ([MS-OXCMAPIHTTP] 2.2.4.3.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisconnectSuccess {
    /// EcDoDisconnect return value.
    pub error_code: u32,
    /// Raw rgbAuxOut.
    pub auxiliary_buffer: Vec<u8>,
}

/// Disconnect response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DisconnectResponse {
    /// StatusCode 0.
    Success(DisconnectSuccess),
    /// StatusCode ≠ 0 ([MS-OXCMAPIHTTP] 2.2.4.3.3).
    Failure(Failure),
}

impl DisconnectResponse {
    /// Decodes a whole response body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = match status(&mut r)? {
            Some(s) => DisconnectResponse::Failure(Failure::decode_rest(s, &mut r)?),
            None => DisconnectResponse::Success(DisconnectSuccess {
                error_code: r.u32("ErrorCode")?,
                auxiliary_buffer: aux(&mut r)?,
            }),
        };
        end(&r, "the Disconnect response")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::new();
        match self {
            DisconnectResponse::Failure(f) => f.encode(&mut out)?,
            DisconnectResponse::Success(s) => {
                out.put_u32(0);
                out.put_u32(s.error_code);
                put_aux(&mut out, &s.auxiliary_buffer)?;
            }
        }
        Ok(out)
    }
}

/// NotificationWait request body ([MS-OXCMAPIHTTP] 2.2.4.4.1).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NotificationWaitRequest {
    /// Reserved, 0.
    pub flags: u32,
    /// Raw auxiliary buffer.
    pub auxiliary_buffer: Vec<u8>,
}

impl NotificationWaitRequest {
    /// Decodes a whole request body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = NotificationWaitRequest {
            flags: r.u32("Flags")?,
            auxiliary_buffer: aux(&mut r)?,
        };
        end(&r, "the NotificationWait request")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::new();
        out.put_u32(self.flags);
        put_aux(&mut out, &self.auxiliary_buffer)?;
        Ok(out)
    }
}

/// NotificationWait success response body ([MS-OXCMAPIHTTP] 2.2.4.4.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotificationWaitSuccess {
    /// Return value.
    pub error_code: u32,
    /// 1 when an event is pending (send an Execute to fetch it).
    pub event_pending: u32,
    /// Raw auxiliary buffer.
    pub auxiliary_buffer: Vec<u8>,
}

/// NotificationWait response body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationWaitResponse {
    /// StatusCode 0.
    Success(NotificationWaitSuccess),
    /// StatusCode ≠ 0 ([MS-OXCMAPIHTTP] 2.2.4.4.3).
    Failure(Failure),
}

impl NotificationWaitResponse {
    /// Decodes a whole response body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = match status(&mut r)? {
            Some(s) => NotificationWaitResponse::Failure(Failure::decode_rest(s, &mut r)?),
            None => NotificationWaitResponse::Success(NotificationWaitSuccess {
                error_code: r.u32("ErrorCode")?,
                event_pending: r.u32("EventPending")?,
                auxiliary_buffer: aux(&mut r)?,
            }),
        };
        end(&r, "the NotificationWait response")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::new();
        match self {
            NotificationWaitResponse::Failure(f) => f.encode(&mut out)?,
            NotificationWaitResponse::Success(s) => {
                out.put_u32(0);
                out.put_u32(s.error_code);
                out.put_u32(s.event_pending);
                put_aux(&mut out, &s.auxiliary_buffer)?;
            }
        }
        Ok(out)
    }
}
