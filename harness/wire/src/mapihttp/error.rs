//! Errors of the MAPI/HTTP body and payload codecs.

use crate::cursor::Truncated;
use crate::lz77::Lz77Error;
use thiserror::Error;

/// A MAPI/HTTP body or rgbIn/rgbOut chain that cannot be decoded or encoded.
/// Decode errors carry the absolute byte offset and the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MapiHttpError {
    /// Not enough bytes for a field.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// A NUL-terminated string has no terminator.
    #[error("{field} at offset {offset}: no NUL terminator")]
    Unterminated {
        /// Offset of the string.
        offset: usize,
        /// The field.
        field: &'static str,
    },
    /// A byte of an ASCII string is not 7-bit ASCII.
    #[error("{field} at offset {offset}: byte {byte:#04x} is not ASCII")]
    NotAscii {
        /// Offset of the byte.
        offset: usize,
        /// The field.
        field: &'static str,
        /// The byte.
        byte: u8,
    },
    /// A value cannot be encoded (e.g. a string with an embedded NUL, a length over u32).
    #[error("cannot encode {field}: {reason}")]
    Unencodable {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// Bytes left after a complete body or after the payload flagged Last.
    #[error("{count} trailing bytes at offset {offset} after {after}")]
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many.
        count: usize,
        /// What ended before them.
        after: &'static str,
    },
    /// RPC_HEADER_EXT Version is not 0 ([MS-OXCRPC] 2.2.2.1).
    #[error("RPC_HEADER_EXT at offset {offset}: Version {version:#06x}, must be 0")]
    BadVersion {
        /// Offset of the header.
        offset: usize,
        /// The version.
        version: u16,
    },
    /// RPC_HEADER_EXT Flags has bits other than Compressed, XorMagic, Last.
    #[error("RPC_HEADER_EXT at offset {offset}: undefined Flags bits {flags:#06x}")]
    UnknownFlags {
        /// Offset of the header.
        offset: usize,
        /// The whole Flags field.
        flags: u16,
    },
    /// Size and SizeActual disagree with the Compressed flag ([MS-OXCRPC] 2.2.2.1).
    #[error("RPC_HEADER_EXT at offset {offset}: Size {size} and SizeActual {size_actual} invalid for {}", if *.compressed { "a compressed payload (Size must be below SizeActual)" } else { "an uncompressed payload (must be equal)" })]
    BadSizes {
        /// Offset of the header.
        offset: usize,
        /// Size.
        size: u16,
        /// SizeActual.
        size_actual: u16,
        /// The Compressed flag.
        compressed: bool,
    },
    /// A compressed payload does not decompress.
    #[error("payload at offset {offset}: {source}")]
    Lz77 {
        /// Offset of the payload (after its header).
        offset: usize,
        /// The decompressor's error, offsets relative to the payload.
        source: Lz77Error,
    },
    /// The chain ends without a header flagged Last ([MS-OXCRPC] 3.1.4.2.1.1.2).
    #[error("rgbIn/rgbOut ends at offset {offset} without a header flagged Last")]
    MissingLast {
        /// End offset.
        offset: usize,
    },
    /// The decompressed payloads would exceed the caller's limit (e.g. MaxRopOut).
    #[error("payload at offset {offset}: decompressed total would exceed {limit} bytes")]
    TooLarge {
        /// Offset of the header.
        offset: usize,
        /// The limit.
        limit: usize,
    },
    /// An AUX_HEADER Size that cannot be right ([MS-OXCRPC] 2.2.2.2: header + block).
    #[error("AUX_HEADER at offset {offset}: Size {size}: {reason}")]
    AuxSize {
        /// Offset of the AUX_HEADER.
        offset: usize,
        /// Its Size.
        size: u16,
        /// Why it is wrong.
        reason: &'static str,
    },
}
