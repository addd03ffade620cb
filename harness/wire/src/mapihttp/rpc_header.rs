//! RPC_HEADER_EXT and the rgbIn/rgbOut payload chain ([MS-OXCRPC] 2.2.2.1,
//! 3.1.4.1.1, 3.1.4.2.1).

use super::MapiHttpError;
use super::xor::xor_magic;
use crate::cursor::{Reader, WriteLe};
use crate::lz77;

/// Largest payload a sender may put behind one header: 32 KB ([MS-OXCRPC] 3.1.4.1.1).
pub const MAX_PAYLOAD: usize = 0x8000;

/// RPC_HEADER_EXT Flags ([MS-OXCRPC] 2.2.2.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct RpcHeaderFlags(pub u16);

impl RpcHeaderFlags {
    /// The payload is LZ77-compressed.
    pub const COMPRESSED: Self = Self(0x0001);
    /// The payload is XORed with 0xA5.
    pub const XOR_MAGIC: Self = Self(0x0002);
    /// No header follows this payload.
    pub const LAST: Self = Self(0x0004);
    const ALL: u16 = 0x0007;

    /// True when every bit of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for RpcHeaderFlags {
    type Output = Self;
    fn bitor(self, o: Self) -> Self {
        Self(self.0 | o.0)
    }
}

/// The 8-byte header in front of every rgbIn/rgbOut/auxiliary payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RpcHeaderExt {
    /// MUST be 0.
    pub version: u16,
    /// Compressed / XorMagic / Last.
    pub flags: RpcHeaderFlags,
    /// Bytes of payload that follow (after compression).
    pub size: u16,
    /// Bytes of payload after decompression; equals `size` when not compressed.
    pub size_actual: u16,
}

impl RpcHeaderExt {
    /// Encoded size.
    pub const SIZE: usize = 8;

    /// Reads and validates a header: Version 0, only defined Flags, and the
    /// Size/SizeActual rule of the Compressed flag.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, MapiHttpError> {
        let offset = r.offset();
        let h = RpcHeaderExt {
            version: r.u16("RPC_HEADER_EXT.Version")?,
            flags: RpcHeaderFlags(r.u16("RPC_HEADER_EXT.Flags")?),
            size: r.u16("RPC_HEADER_EXT.Size")?,
            size_actual: r.u16("RPC_HEADER_EXT.SizeActual")?,
        };
        if h.version != 0 {
            return Err(MapiHttpError::BadVersion {
                offset,
                version: h.version,
            });
        }
        if h.flags.0 & !RpcHeaderFlags::ALL != 0 {
            return Err(MapiHttpError::UnknownFlags {
                offset,
                flags: h.flags.0,
            });
        }
        let compressed = h.flags.contains(RpcHeaderFlags::COMPRESSED);
        let sizes_ok = if compressed {
            h.size < h.size_actual
        } else {
            h.size == h.size_actual
        };
        if !sizes_ok {
            return Err(MapiHttpError::BadSizes {
                offset,
                size: h.size,
                size_actual: h.size_actual,
                compressed,
            });
        }
        Ok(h)
    }

    /// Appends the 8 header bytes.
    pub fn encode(&self, out: &mut Vec<u8>) {
        out.put_u16(self.version);
        out.put_u16(self.flags.0);
        out.put_u16(self.size);
        out.put_u16(self.size_actual);
    }
}

/// One decoded payload of a chain: its header as received and its bytes after
/// un-XORing and decompressing (a ROP input/output buffer, or AUX blocks).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The header as it was on the wire.
    pub header: RpcHeaderExt,
    /// The plain payload (`header.size_actual` bytes).
    pub data: Vec<u8>,
}

/// Decodes an rgbIn/rgbOut (or auxiliary buffer) chain: header + payload
/// pairs until the one flagged Last, which must end `buf` ([MS-OXCRPC]
/// 3.1.4.2.1.1). XOR is undone before decompression ([MS-OXCRPC] 3.1.4.1.1.1.1).
/// `max_total` caps the sum of SizeActual (e.g. MaxRopOut), so a small
/// input cannot make the decoder allocate more than the caller allows.
pub fn decode_payloads(
    buf: &[u8],
    base: usize,
    max_total: usize,
) -> Result<Vec<Payload>, MapiHttpError> {
    let mut r = Reader::with_base(buf, base);
    let mut out = Vec::new();
    let mut budget = max_total;
    loop {
        if r.is_empty() {
            return Err(MapiHttpError::MissingLast { offset: r.offset() });
        }
        let at = r.offset();
        let header = RpcHeaderExt::decode(&mut r)?;
        let actual = usize::from(header.size_actual);
        if actual > budget {
            return Err(MapiHttpError::TooLarge {
                offset: at,
                limit: max_total,
            });
        }
        budget -= actual;
        let payload_at = r.offset();
        let raw = r.bytes(usize::from(header.size), "RPC_HEADER_EXT payload")?;
        let mut data = raw.to_vec();
        if header.flags.contains(RpcHeaderFlags::XOR_MAGIC) {
            xor_magic(&mut data);
        }
        if header.flags.contains(RpcHeaderFlags::COMPRESSED) {
            data = lz77::decompress_exact(&data, actual).map_err(|source| MapiHttpError::Lz77 {
                offset: payload_at,
                source,
            })?;
        }
        out.push(Payload { header, data });
        if header.flags.contains(RpcHeaderFlags::LAST) {
            break;
        }
    }
    if !r.is_empty() {
        return Err(MapiHttpError::TrailingBytes {
            offset: r.offset(),
            count: r.remaining(),
            after: "the RPC_HEADER_EXT flagged Last",
        });
    }
    Ok(out)
}

/// How a sender treats each payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PayloadOptions {
    /// LZ77-compress, kept only when it makes the payload smaller (Size must be below SizeActual).
    pub compress: bool,
    /// XOR with 0xA5 after compressing.
    pub xor_magic: bool,
}

/// Appends one header + payload; `last` sets the Last flag. Fails for a
/// payload over [`MAX_PAYLOAD`].
pub fn encode_payload(
    data: &[u8],
    opts: PayloadOptions,
    last: bool,
    out: &mut Vec<u8>,
) -> Result<(), MapiHttpError> {
    if data.len() > MAX_PAYLOAD {
        return Err(MapiHttpError::Unencodable {
            field: "RPC_HEADER_EXT payload",
            reason: "more than 32 KB ([MS-OXCRPC] 3.1.4.1.1)",
        });
    }
    let mut flags = RpcHeaderFlags::default();
    let mut body = None;
    if opts.compress {
        let c = lz77::compress(data);
        if c.len() < data.len() {
            flags = flags | RpcHeaderFlags::COMPRESSED;
            body = Some(c);
        }
    }
    let mut body = body.unwrap_or_else(|| data.to_vec());
    if opts.xor_magic {
        xor_magic(&mut body);
        flags = flags | RpcHeaderFlags::XOR_MAGIC;
    }
    if last {
        flags = flags | RpcHeaderFlags::LAST;
    }
    RpcHeaderExt {
        version: 0,
        flags,
        size: body.len() as u16,
        size_actual: data.len() as u16,
    }
    .encode(out);
    out.put_bytes(&body);
    Ok(())
}

/// Encodes a chain of payloads, the last one flagged Last. An empty list is
/// refused: a chain has at least one header.
pub fn encode_payloads(payloads: &[&[u8]], opts: PayloadOptions) -> Result<Vec<u8>, MapiHttpError> {
    if payloads.is_empty() {
        return Err(MapiHttpError::Unencodable {
            field: "rgbIn/rgbOut",
            reason: "at least one payload is needed",
        });
    }
    let mut out = Vec::new();
    for (i, p) in payloads.iter().enumerate() {
        encode_payload(p, opts, i + 1 == payloads.len(), &mut out)?;
    }
    Ok(out)
}
