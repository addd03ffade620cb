//! Auxiliary buffers (rgbAuxIn / rgbAuxOut; the AuxiliaryBuffer of the MAPI/HTTP bodies,
//! [MS-OXCMAPIHTTP] 2.2.4): an RPC_HEADER_EXT chain ([MS-OXCRPC] 3.1.4.1.1.1.1) whose payload
//! is a sequence of AUX_HEADER + auxiliary block ([MS-OXCRPC] 2.2.2.2). Blocks whose Version
//! and Type this codec does not know are kept raw, as 3.1.4.1.2 asks (skip them by Size).

use super::error::MapiHttpError;
use super::rpc_header::{PayloadOptions, decode_payloads, encode_payloads};
use crate::cursor::Reader;

/// Largest auxiliary buffer ([MS-OXCRPC] 3.1.4.1: cbAuxOut / cbAuxIn at most 0x1008).
pub const MAX_AUX: usize = 0x1008;
/// AUX_HEADER Version 1 ([MS-OXCRPC] 2.2.2.2).
pub const AUX_VERSION_1: u8 = 0x01;
/// AUX_HEADER Version 2.
pub const AUX_VERSION_2: u8 = 0x02;
/// AUX_HEADER size: Size (2), Version (1), Type (1).
const HEADER: usize = 4;

/// AUX_TYPE_CLIENT_CONTROL (Version 1): [`AuxBlock::ClientControl`].
pub const AUX_TYPE_CLIENT_CONTROL: u8 = 0x0A;
/// AUX_TYPE_EXORGINFO (Version 1): [`AuxBlock::ExOrgInfo`].
pub const AUX_TYPE_EXORGINFO: u8 = 0x17;
/// AUX_TYPE_SERVER_CAPABILITIES (Version 1): [`AuxBlock::ServerCapabilities`].
pub const AUX_TYPE_SERVER_CAPABILITIES: u8 = 0x46;
/// AUX_TYPE_ENDPOINT_CAPABILITIES (Version 1): [`AuxBlock::EndpointCapabilities`].
pub const AUX_TYPE_ENDPOINT_CAPABILITIES: u8 = 0x48;

/// One auxiliary block with its AUX_HEADER's Version and Type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuxBlock {
    /// AUX_CLIENT_CONTROL ([MS-OXCRPC] 2.2.2.2.15): what the server asks the client to
    /// change.
    ClientControl {
        /// EnableFlags.
        enable_flags: u32,
        /// ExpiryTime, in milliseconds.
        expiry_time: u32,
    },
    /// AUX_EXORGINFO (2.2.2.2.17): OrgFlags (public folders present, ...).
    ExOrgInfo {
        /// OrgFlags.
        org_flags: u32,
    },
    /// AUX_SERVER_CAPABILITIES (2.2.2.2.19): ServerCapabilityFlags
    /// (PACKED_FAST_TRANSFER_UPLOAD_BUFFERS 0x1, PACKED_WRITE_STREAM_UPLOAD_BUFFERS 0x2,
    /// ULTRA_LARGE_PACKED_DOWNLOAD_BUFFERS 0x8).
    ServerCapabilities {
        /// ServerCapabilityFlags.
        flags: u32,
    },
    /// AUX_ENDPOINT_CAPABILITIES: EndpointCapabilityFlags.
    EndpointCapabilities {
        /// EndpointCapabilityFlags.
        flags: u32,
    },
    /// Any other Version/Type, kept as it came (the bytes after the AUX_HEADER).
    Raw {
        /// AUX_HEADER Version.
        version: u8,
        /// AUX_HEADER Type.
        aux_type: u8,
        /// The block.
        data: Vec<u8>,
    },
}

impl AuxBlock {
    /// AUX_HEADER Version and Type of the block.
    pub fn version_and_type(&self) -> (u8, u8) {
        match self {
            AuxBlock::ClientControl { .. } => (AUX_VERSION_1, AUX_TYPE_CLIENT_CONTROL),
            AuxBlock::ExOrgInfo { .. } => (AUX_VERSION_1, AUX_TYPE_EXORGINFO),
            AuxBlock::ServerCapabilities { .. } => (AUX_VERSION_1, AUX_TYPE_SERVER_CAPABILITIES),
            AuxBlock::EndpointCapabilities { .. } => {
                (AUX_VERSION_1, AUX_TYPE_ENDPOINT_CAPABILITIES)
            }
            AuxBlock::Raw {
                version, aux_type, ..
            } => (*version, *aux_type),
        }
    }

    /// The block's bytes after the AUX_HEADER.
    fn body(&self) -> Vec<u8> {
        match self {
            AuxBlock::ClientControl {
                enable_flags,
                expiry_time,
            } => [enable_flags.to_le_bytes(), expiry_time.to_le_bytes()].concat(),
            AuxBlock::ExOrgInfo { org_flags: f }
            | AuxBlock::ServerCapabilities { flags: f }
            | AuxBlock::EndpointCapabilities { flags: f } => f.to_le_bytes().to_vec(),
            AuxBlock::Raw { data, .. } => data.clone(),
        }
    }
}

/// Decodes the AUX blocks of one plain auxiliary payload; `base` is the payload's offset for
/// error messages.
pub fn decode_aux_blocks(payload: &[u8], base: usize) -> Result<Vec<AuxBlock>, MapiHttpError> {
    let mut r = Reader::with_base(payload, base);
    let mut out = Vec::new();
    while !r.is_empty() {
        let at = r.offset();
        let size = r.u16("AUX_HEADER.Size")?;
        let version = r.u8("AUX_HEADER.Version")?;
        let aux_type = r.u8("AUX_HEADER.Type")?;
        let Some(len) = usize::from(size).checked_sub(HEADER) else {
            return Err(MapiHttpError::AuxSize {
                offset: at,
                size,
                reason: "below the 4-byte AUX_HEADER",
            });
        };
        let body = r.bytes(len, "auxiliary block")?;
        let fixed = |expected: usize| {
            if len == expected {
                Ok(())
            } else {
                Err(MapiHttpError::AuxSize {
                    offset: at,
                    size,
                    reason: match expected {
                        4 => "the block has 4 bytes after the AUX_HEADER",
                        _ => "the block has 8 bytes after the AUX_HEADER",
                    },
                })
            }
        };
        let u32_at =
            |i: usize| u32::from_le_bytes([body[i], body[i + 1], body[i + 2], body[i + 3]]);
        let block = match (version, aux_type) {
            (AUX_VERSION_1, AUX_TYPE_CLIENT_CONTROL) => {
                fixed(8)?;
                AuxBlock::ClientControl {
                    enable_flags: u32_at(0),
                    expiry_time: u32_at(4),
                }
            }
            (AUX_VERSION_1, AUX_TYPE_EXORGINFO) => {
                fixed(4)?;
                AuxBlock::ExOrgInfo {
                    org_flags: u32_at(0),
                }
            }
            (AUX_VERSION_1, AUX_TYPE_SERVER_CAPABILITIES) => {
                fixed(4)?;
                AuxBlock::ServerCapabilities { flags: u32_at(0) }
            }
            (AUX_VERSION_1, AUX_TYPE_ENDPOINT_CAPABILITIES) => {
                fixed(4)?;
                AuxBlock::EndpointCapabilities { flags: u32_at(0) }
            }
            _ => AuxBlock::Raw {
                version,
                aux_type,
                data: body.to_vec(),
            },
        };
        out.push(block);
    }
    Ok(out)
}

/// Encodes AUX blocks into one plain auxiliary payload.
pub fn encode_aux_blocks(blocks: &[AuxBlock]) -> Result<Vec<u8>, MapiHttpError> {
    let mut out = Vec::new();
    for b in blocks {
        let body = b.body();
        let size = u16::try_from(body.len() + HEADER).map_err(|_| MapiHttpError::Unencodable {
            field: "AUX_HEADER.Size",
            reason: "auxiliary block over 65535 bytes",
        })?;
        let (version, aux_type) = b.version_and_type();
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&[version, aux_type]);
        out.extend_from_slice(&body);
    }
    if out.len() > MAX_AUX {
        return Err(MapiHttpError::Unencodable {
            field: "AuxiliaryBuffer",
            reason: "auxiliary payload over 0x1008 bytes",
        });
    }
    Ok(out)
}

/// Decodes a whole AuxiliaryBuffer at offset `base` of its body: empty means no blocks, else
/// an RPC_HEADER_EXT chain (un-XORed, decompressed, at most [`MAX_AUX`] bytes) of AUX blocks.
pub fn decode_aux_buffer(buf: &[u8], base: usize) -> Result<Vec<AuxBlock>, MapiHttpError> {
    if buf.is_empty() {
        return Ok(Vec::new());
    }
    let mut blocks = Vec::new();
    for p in decode_payloads(buf, base, MAX_AUX)? {
        // Offsets inside a decompressed payload are relative to that payload.
        blocks.extend(decode_aux_blocks(&p.data, 0)?);
    }
    Ok(blocks)
}

/// Encodes AUX blocks as an AuxiliaryBuffer (one RPC_HEADER_EXT flagged Last); no blocks
/// give an empty buffer.
pub fn encode_aux_buffer(
    blocks: &[AuxBlock],
    opts: PayloadOptions,
) -> Result<Vec<u8>, MapiHttpError> {
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    encode_payloads(&[&encode_aux_blocks(blocks)?], opts)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        s.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    #[test]
    fn known_blocks_decode_from_bytes() {
        // AUX_SERVER_CAPABILITIES (size 8, v1, 0x46, flags 0x9), AUX_EXORGINFO (OrgFlags 1),
        // AUX_CLIENT_CONTROL (EnableFlags 0x10, ExpiryTime 60000), an unknown v2 type 0x99.
        let payload = hex("08 00 01 46 09 00 00 00 \
             08 00 01 17 01 00 00 00 \
             0C 00 01 0A 10 00 00 00 60 EA 00 00 \
             06 00 02 99 AB CD");
        let blocks = decode_aux_blocks(&payload, 0).unwrap();
        assert_eq!(
            blocks,
            [
                AuxBlock::ServerCapabilities { flags: 9 },
                AuxBlock::ExOrgInfo { org_flags: 1 },
                AuxBlock::ClientControl {
                    enable_flags: 0x10,
                    expiry_time: 60_000
                },
                AuxBlock::Raw {
                    version: 2,
                    aux_type: 0x99,
                    data: vec![0xAB, 0xCD]
                },
            ]
        );
        assert_eq!(encode_aux_blocks(&blocks).unwrap(), payload);
        // A known type under Version 2 is kept raw.
        let v2 = hex("08 00 02 46 09 00 00 00");
        assert!(matches!(
            decode_aux_blocks(&v2, 0).unwrap()[..],
            [AuxBlock::Raw {
                version: 2,
                aux_type: 0x46,
                ..
            }]
        ));
    }

    #[test]
    fn the_corpus_seed_is_an_aux_buffer() {
        // corpus/mapihttp_bodies/8_chain_aux_blocks: selector 8, then a one-payload chain.
        let seed = include_bytes!("../../../../corpus/mapihttp_bodies/8_chain_aux_blocks");
        let blocks = decode_aux_buffer(&seed[1..], 1).unwrap();
        assert_eq!(blocks.len(), 4);
        assert_eq!(blocks[0], AuxBlock::ServerCapabilities { flags: 9 });
    }

    #[test]
    fn bad_sizes_are_errors_with_offsets() {
        // Size 3: below the header.
        let e = decode_aux_blocks(&hex("03 00 01 46"), 100).unwrap_err();
        assert!(
            matches!(
                e,
                MapiHttpError::AuxSize {
                    offset: 100,
                    size: 3,
                    ..
                }
            ),
            "{e}"
        );
        // Size past the end.
        let e = decode_aux_blocks(&hex("08 00 01 46 09 00"), 0).unwrap_err();
        assert!(
            matches!(e, MapiHttpError::Truncated(ref t) if t.field == "auxiliary block"),
            "{e}"
        );
        // A known fixed-size block with the wrong size.
        let e = decode_aux_blocks(&hex("0A 00 01 46 09 00 00 00 00 00"), 0).unwrap_err();
        assert!(
            matches!(
                e,
                MapiHttpError::AuxSize {
                    offset: 0,
                    size: 10,
                    ..
                }
            ),
            "{e}"
        );
        // A lone byte after a good block.
        let e = decode_aux_blocks(&hex("08 00 01 17 01 00 00 00 08"), 0).unwrap_err();
        assert!(
            matches!(e, MapiHttpError::Truncated(ref t) if t.offset == 8),
            "{e}"
        );
    }

    #[test]
    fn buffers_round_trip_with_compression_and_xor() {
        let blocks = vec![
            AuxBlock::ServerCapabilities { flags: 1 },
            AuxBlock::Raw {
                version: 1,
                aux_type: 0x4B,
                data: b"x\0".repeat(40),
            },
        ];
        assert_eq!(decode_aux_buffer(&[], 0).unwrap(), []);
        assert!(
            encode_aux_buffer(&[], PayloadOptions::default())
                .unwrap()
                .is_empty()
        );
        for opts in [
            PayloadOptions::default(),
            PayloadOptions {
                compress: true,
                xor_magic: true,
            },
        ] {
            let buf = encode_aux_buffer(&blocks, opts).unwrap();
            assert_eq!(decode_aux_buffer(&buf, 0).unwrap(), blocks);
        }
        // Over 0x1008 bytes: refused both ways.
        let big = vec![AuxBlock::Raw {
            version: 1,
            aux_type: 0x99,
            data: vec![0; MAX_AUX],
        }];
        assert!(encode_aux_blocks(&big).is_err());
        let chain = encode_payloads(&[&vec![0u8; MAX_AUX + 1]], PayloadOptions::default()).unwrap();
        assert!(matches!(
            decode_aux_buffer(&chain, 0),
            Err(MapiHttpError::TooLarge { .. })
        ));
    }
}
