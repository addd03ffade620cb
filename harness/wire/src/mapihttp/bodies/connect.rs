//! Connect request and response bodies ([MS-OXCMAPIHTTP] 2.2.4.1).

use super::{Failure, ascii_z, aux, end, put_ascii_z, put_aux, put_utf16_z, status, utf16_z};
use crate::cursor::{Reader, WriteLe};
use crate::mapihttp::{AuxBlock, MapiHttpError, decode_aux_buffer};
use crate::prop::Utf16String;

/// Connect request body ([MS-OXCMAPIHTTP] 2.2.4.1.1), the EcDoConnectEx inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectRequest {
    /// Legacy DN of the user (szUserDN), ASCII.
    pub user_dn: String,
    /// ulFlags: 0 normal, 0x1 admin, 0x8000 ignore "no public folders".
    pub flags: u32,
    /// Code page of PtypString8 values (ulCpid), e.g. 1252.
    pub default_code_page: u32,
    /// ulLcidSort (transport.md §14 item 1: send the same LCID in both).
    pub lcid_sort: u32,
    /// ulLcidString.
    pub lcid_string: u32,
    /// Raw rgbAuxIn.
    pub auxiliary_buffer: Vec<u8>,
}

impl ConnectRequest {
    /// Decodes a whole request body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = ConnectRequest {
            user_dn: ascii_z(&mut r, "UserDn")?,
            flags: r.u32("Flags")?,
            default_code_page: r.u32("DefaultCodePage")?,
            lcid_sort: r.u32("LcidSort")?,
            lcid_string: r.u32("LcidString")?,
            auxiliary_buffer: aux(&mut r)?,
        };
        end(&r, "the Connect request")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::with_capacity(self.user_dn.len() + 21 + self.auxiliary_buffer.len());
        put_ascii_z(&mut out, &self.user_dn, "UserDn")?;
        out.put_u32(self.flags);
        out.put_u32(self.default_code_page);
        out.put_u32(self.lcid_sort);
        out.put_u32(self.lcid_string);
        put_aux(&mut out, &self.auxiliary_buffer)?;
        Ok(out)
    }
}

/// Connect success response body ([MS-OXCMAPIHTTP] 2.2.4.1.2), StatusCode 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectSuccess {
    /// EcDoConnectEx return value (0 = success).
    pub error_code: u32,
    /// pcmsPollsMax, ms.
    pub polls_max: u32,
    /// pcRetry.
    pub retry_count: u32,
    /// pcmsRetryDelay, ms.
    pub retry_delay: u32,
    /// szDNPrefix, ASCII.
    pub dn_prefix: String,
    /// szDisplayName, UTF-16LE.
    pub display_name: Utf16String,
    /// Raw rgbAuxOut.
    pub auxiliary_buffer: Vec<u8>,
}

impl ConnectSuccess {
    /// The AUX blocks of rgbAuxOut (server topology information, [MS-OXCRPC] 3.1.4.1.2.1:
    /// AUX_EXORGINFO, AUX_CLIENT_CONTROL, ...); offsets in errors are relative to the
    /// AuxiliaryBuffer.
    pub fn aux_blocks(&self) -> Result<Vec<AuxBlock>, MapiHttpError> {
        decode_aux_buffer(&self.auxiliary_buffer, 0)
    }
}

/// Connect response body: success or failure form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConnectResponse {
    /// StatusCode 0.
    Success(ConnectSuccess),
    /// StatusCode ≠ 0 ([MS-OXCMAPIHTTP] 2.2.4.1.3).
    Failure(Failure),
}

impl ConnectResponse {
    /// Decodes a whole response body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = match status(&mut r)? {
            Some(s) => ConnectResponse::Failure(Failure::decode_rest(s, &mut r)?),
            None => ConnectResponse::Success(ConnectSuccess {
                error_code: r.u32("ErrorCode")?,
                polls_max: r.u32("PollsMax")?,
                retry_count: r.u32("RetryCount")?,
                retry_delay: r.u32("RetryDelay")?,
                dn_prefix: ascii_z(&mut r, "DnPrefix")?,
                display_name: utf16_z(&mut r, "DisplayName")?,
                auxiliary_buffer: aux(&mut r)?,
            }),
        };
        end(&r, "the Connect response")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::new();
        match self {
            ConnectResponse::Failure(f) => f.encode(&mut out)?,
            ConnectResponse::Success(s) => {
                out.put_u32(0);
                out.put_u32(s.error_code);
                out.put_u32(s.polls_max);
                out.put_u32(s.retry_count);
                out.put_u32(s.retry_delay);
                put_ascii_z(&mut out, &s.dn_prefix, "DnPrefix")?;
                put_utf16_z(&mut out, &s.display_name, "DisplayName")?;
                put_aux(&mut out, &s.auxiliary_buffer)?;
            }
        }
        Ok(out)
    }
}
