//! Errors of the ROP buffer codec.

use thiserror::Error;

use crate::cursor::Truncated;
use crate::prop::PropTag;

/// Why a ROP request or response buffer could not be decoded. Every variant
/// names the byte offset (absolute, from the start of the buffer) and the field.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RopError {
    /// Input ended inside a field.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// RopSize smaller than 2 or larger than the buffer ([MS-OXCROPS] 2.2.1).
    #[error("offset {offset}: RopSize {rop_size} does not fit a buffer of {len} bytes")]
    BadRopSize {
        /// Offset of RopSize.
        offset: usize,
        /// The value found.
        rop_size: u16,
        /// Bytes in the buffer.
        len: usize,
    },
    /// The ServerObjectHandleTable length is not a multiple of 4.
    #[error("offset {offset}: ServerObjectHandleTable has {len} bytes, not a multiple of 4")]
    BadHandleTable {
        /// Offset of the table.
        offset: usize,
        /// Its length.
        len: usize,
    },
    /// A RopId this codec does not know (or that is not valid in this direction).
    #[error("offset {offset}: unknown RopId {rop_id:#04x} in a {direction}")]
    UnknownRopId {
        /// Offset of the RopId.
        offset: usize,
        /// The value found.
        rop_id: u8,
        /// "request" or "response".
        direction: &'static str,
    },
    /// A response whose RopId does not match the next request that has a response.
    #[error(
        "offset {offset}: response RopId {rop_id:#04x} does not answer the next request ({expected})"
    )]
    UnexpectedResponse {
        /// Offset of the RopId.
        offset: usize,
        /// The RopId found.
        rop_id: u8,
        /// What the request buffer expected next.
        expected: String,
    },
    /// A field value the spec does not allow and that cannot be represented.
    #[error("offset {offset}: {field} = {value:#x}: {reason}")]
    BadValue {
        /// Offset of the field.
        offset: usize,
        /// The field.
        field: &'static str,
        /// The value found.
        value: u64,
        /// Why it is rejected.
        reason: &'static str,
    },
    /// A property type that has no ROP-buffer encoding ([MS-OXCDATA] 2.11.1).
    #[error(
        "offset {offset}: property type {prop_type:#06x} of {field} has no ROP buffer encoding"
    )]
    UnsupportedPropType {
        /// Offset of the value (or the type).
        offset: usize,
        /// The field.
        field: &'static str,
        /// The type.
        prop_type: u16,
    },
    /// A NUL-terminated string without its terminator.
    #[error("offset {offset}: {field} has no NUL terminator")]
    MissingTerminator {
        /// Offset where the string starts.
        offset: usize,
        /// The field.
        field: &'static str,
    },
    /// A length field that disagrees with the bytes it describes.
    #[error("offset {offset}: {field} declares {declared} bytes but its content used {actual}")]
    SizeMismatch {
        /// Offset of the size field.
        offset: usize,
        /// The field.
        field: &'static str,
        /// Declared size.
        declared: usize,
        /// Bytes actually used.
        actual: usize,
    },
    /// Restrictions nested deeper than [`crate::rop::restriction::MAX_DEPTH`].
    #[error("offset {offset}: restriction nested deeper than {max}")]
    TooDeep {
        /// Offset of the restriction.
        offset: usize,
        /// The limit.
        max: usize,
    },
    /// A QueryRows response for a table whose columns are not known: the
    /// request buffer has no RopSetColumns for it and the context has none.
    #[error(
        "offset {offset}: no columns known for the table at handle index {handle_index} (send RopSetColumns or put them in the ResponseContext)"
    )]
    NoColumns {
        /// Offset of the response.
        offset: usize,
        /// The table's handle index.
        handle_index: u8,
    },
    /// Bytes left in RopsList after a RopBufferTooSmall response (it must be last).
    #[error("offset {offset}: {what}")]
    Misplaced {
        /// Offset of the ROP.
        offset: usize,
        /// What is wrong.
        what: &'static str,
    },
}

/// Why a value could not be encoded: the encoder never writes bytes that the
/// decoder would read back differently.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EncodeError {
    /// A list or string too long for its count or size field.
    #[error("{field}: length {len} exceeds the field's maximum {max}")]
    TooLong {
        /// The field.
        field: &'static str,
        /// The length.
        len: usize,
        /// The maximum.
        max: usize,
    },
    /// Fields that contradict each other (e.g. a failure result with
    /// ReturnValue 0, a BackoffTime without ReturnValue 0x480).
    #[error("{field}: {reason}")]
    Inconsistent {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
    /// A tag whose type does not match its value.
    #[error("{field}: tag {tag} does not match a value of type {value_type:#06x}")]
    TypeMismatch {
        /// The field.
        field: &'static str,
        /// The tag.
        tag: PropTag,
        /// The value's type.
        value_type: u16,
    },
    /// A value with no ROP-buffer encoding (PtypObject, code page strings,
    /// strings holding NUL).
    #[error("{field}: {reason}")]
    Unrepresentable {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// Result alias for decoders.
pub type DecodeResult<T> = Result<T, RopError>;
/// Result alias for encoders.
pub type EncodeResult<T = ()> = Result<T, EncodeError>;
