//! Execute request and response bodies ([MS-OXCMAPIHTTP] 2.2.4.2).

use super::{Failure, aux, end, put_aux, put_sized, sized, status};
use crate::cursor::{Reader, WriteLe};
use crate::mapihttp::{AuxBlock, MapiHttpError, Payload, decode_aux_buffer, decode_payloads};

/// Execute request Flags, ≡ EcDoRpcExt2 pulFlags ([MS-OXCRPC] 3.1.4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ExecuteFlags(pub u32);

impl ExecuteFlags {
    /// The server MUST NOT compress rgbOut / rgbAuxOut.
    pub const NO_COMPRESSION: Self = Self(0x1);
    /// The server MUST NOT XOR rgbOut / rgbAuxOut.
    pub const NO_XOR_MAGIC: Self = Self(0x2);
    /// The client accepts chained response payloads.
    pub const CHAIN: Self = Self(0x4);

    /// True when every bit of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// Bits the spec does not define (kept, not dropped).
    pub fn undefined_bits(self) -> u32 {
        self.0 & !0x7
    }
}

impl std::ops::BitOr for ExecuteFlags {
    type Output = Self;
    fn bitor(self, o: Self) -> Self {
        Self(self.0 | o.0)
    }
}

/// Offset of RopBuffer in a request body (Flags, RopBufferSize).
const REQUEST_ROP_BUFFER_AT: usize = 8;
/// Offset of RopBuffer in a success response body (StatusCode, ErrorCode, Flags, RopBufferSize).
const RESPONSE_ROP_BUFFER_AT: usize = 16;

/// Execute request body ([MS-OXCMAPIHTTP] 2.2.4.2.1), the EcDoRpcExt2 inputs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteRequest {
    /// NoCompression / NoXorMagic / Chain.
    pub flags: ExecuteFlags,
    /// rgbIn, raw: one or more RPC_HEADER_EXT + payload (see [`Self::rop_payloads`]).
    pub rop_buffer: Vec<u8>,
    /// pcbOut on input: largest RopBuffer the client accepts.
    pub max_rop_out: u32,
    /// Raw rgbAuxIn.
    pub auxiliary_buffer: Vec<u8>,
}

impl ExecuteRequest {
    /// Decodes a whole request body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = ExecuteRequest {
            flags: ExecuteFlags(r.u32("Flags")?),
            rop_buffer: sized(&mut r, "RopBufferSize", "RopBuffer")?,
            max_rop_out: r.u32("MaxRopOut")?,
            auxiliary_buffer: aux(&mut r)?,
        };
        end(&r, "the Execute request")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::with_capacity(16 + self.rop_buffer.len() + self.auxiliary_buffer.len());
        out.put_u32(self.flags.0);
        put_sized(&mut out, &self.rop_buffer, "RopBuffer")?;
        out.put_u32(self.max_rop_out);
        put_aux(&mut out, &self.auxiliary_buffer)?;
        Ok(out)
    }

    /// The decoded rgbIn chain; offsets in errors are body offsets.
    /// `max_total` caps the decompressed size (0x40000 for rgbIn, [MS-OXCRPC] 3.1.4.2).
    pub fn rop_payloads(&self, max_total: usize) -> Result<Vec<Payload>, MapiHttpError> {
        decode_payloads(&self.rop_buffer, REQUEST_ROP_BUFFER_AT, max_total)
    }
}

/// Execute success response body ([MS-OXCMAPIHTTP] 2.2.4.2.2), StatusCode 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecuteSuccess {
    /// EcDoRpcExt2 return value (e.g. 0x4B6 ecRpcFormat).
    pub error_code: u32,
    /// Reserved; the server sets 0, the client ignores it.
    pub flags: u32,
    /// rgbOut, raw (see [`Self::rop_payloads`]).
    pub rop_buffer: Vec<u8>,
    /// Raw rgbAuxOut.
    pub auxiliary_buffer: Vec<u8>,
}

impl ExecuteSuccess {
    /// The decoded rgbOut chain; offsets in errors are body offsets.
    /// `max_total` caps the decompressed size (e.g. the request's MaxRopOut).
    pub fn rop_payloads(&self, max_total: usize) -> Result<Vec<Payload>, MapiHttpError> {
        decode_payloads(&self.rop_buffer, RESPONSE_ROP_BUFFER_AT, max_total)
    }

    /// The AUX blocks of rgbAuxOut ([MS-OXCRPC] 3.1.4.2.1.1); offsets in errors are relative
    /// to the AuxiliaryBuffer.
    pub fn aux_blocks(&self) -> Result<Vec<AuxBlock>, MapiHttpError> {
        decode_aux_buffer(&self.auxiliary_buffer, 0)
    }
}

/// Execute response body: success or failure form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExecuteResponse {
    /// StatusCode 0.
    Success(ExecuteSuccess),
    /// StatusCode ≠ 0 ([MS-OXCMAPIHTTP] 2.2.4.2.3).
    Failure(Failure),
}

impl ExecuteResponse {
    /// Decodes a whole response body.
    pub fn decode(body: &[u8]) -> Result<Self, MapiHttpError> {
        let mut r = Reader::new(body);
        let v = match status(&mut r)? {
            Some(s) => ExecuteResponse::Failure(Failure::decode_rest(s, &mut r)?),
            None => ExecuteResponse::Success(ExecuteSuccess {
                error_code: r.u32("ErrorCode")?,
                flags: r.u32("Flags")?,
                rop_buffer: sized(&mut r, "RopBufferSize", "RopBuffer")?,
                auxiliary_buffer: aux(&mut r)?,
            }),
        };
        end(&r, "the Execute response")?;
        Ok(v)
    }

    /// Encodes the body.
    pub fn encode(&self) -> Result<Vec<u8>, MapiHttpError> {
        let mut out = Vec::new();
        match self {
            ExecuteResponse::Failure(f) => f.encode(&mut out)?,
            ExecuteResponse::Success(s) => {
                out.put_u32(0);
                out.put_u32(s.error_code);
                out.put_u32(s.flags);
                put_sized(&mut out, &s.rop_buffer, "RopBuffer")?;
                put_aux(&mut out, &s.auxiliary_buffer)?;
            }
        }
        Ok(out)
    }
}
