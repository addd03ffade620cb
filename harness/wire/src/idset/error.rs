//! Decoding errors and tolerated format deviations of IDSET / GLOBSET
//! ([MS-OXCFXICS] 3.1.5.4.3.2; `idset.md` §8, §17).

use thiserror::Error;

use crate::cursor::Truncated;
use crate::guid::Guid;

/// A GLOBSET that cannot be decoded ([MS-OXCFXICS] 3.1.5.4.3.2.x). Offsets
/// are absolute byte offsets of the offending command (or operand).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GlobSetError {
    /// A command's operands run past the end of the input.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// The input ended where a command was expected: no End (0x00) (2.2.2.6.5).
    #[error(
        "offset {offset}: missing End command (0x00), input ends with {stacked} bytes on the common byte stack"
    )]
    MissingEnd {
        /// Offset just past the input.
        offset: usize,
        /// Bytes on the stack when the input ended.
        stacked: u8,
    },
    /// A command byte that is not Push 0x01–0x06, Pop 0x50, Bitmask 0x42,
    /// Range 0x52 or End 0x00 (3.1.5.4.3.2).
    #[error("offset {offset}: unknown command 0x{command:02X}")]
    UnknownCommand {
        /// Offset of the command byte.
        offset: usize,
        /// The byte.
        command: u8,
    },
    /// A Push that would put more than 6 bytes on the stack (3.1.5.4.3.2.1).
    #[error(
        "offset {offset}: Push of {push} bytes overflows the common byte stack ({stacked} + {push} > 6)"
    )]
    StackOverflow {
        /// Offset of the Push command.
        offset: usize,
        /// Bytes already stacked.
        stacked: u8,
        /// Bytes the Push adds.
        push: u8,
    },
    /// Pop with an empty stack (3.1.5.4.3.1.2).
    #[error("offset {offset}: Pop with an empty common byte stack")]
    PopEmptyStack {
        /// Offset of the Pop command.
        offset: usize,
    },
    /// Bitmask without exactly 5 stacked bytes (3.1.5.4.3.2.3).
    #[error(
        "offset {offset}: Bitmask needs exactly 5 bytes on the common byte stack, found {stacked}"
    )]
    BitmaskStack {
        /// Offset of the Bitmask command.
        offset: usize,
        /// Bytes stacked.
        stacked: u8,
    },
    /// A Bitmask whose highest value runs past low-order byte 0xFF (`idset.md` §17 A5).
    #[error(
        "offset {offset}: Bitmask StartingValue 0x{starting_value:02X} with bitmask 0x{bitmask:02X} runs past low-order byte 0xFF"
    )]
    BitmaskOverflow {
        /// Offset of the Bitmask command.
        offset: usize,
        /// StartingValue.
        starting_value: u8,
        /// Bitmask.
        bitmask: u8,
    },
    /// A Range whose low value is above its high value (2.2.2.6.4; §17 A4).
    #[error("offset {offset}: Range low value {low:#x} is greater than high value {high:#x}")]
    RangeLowAboveHigh {
        /// Offset of the Range command.
        offset: usize,
        /// Low value (with the stacked bytes).
        low: u64,
        /// High value (with the stacked bytes).
        high: u64,
    },
    /// End while bytes are still stacked (3.1.5.4.3.1.5; §17 A7).
    #[error("offset {offset}: End with {stacked} bytes still on the common byte stack")]
    EndWithStack {
        /// Offset of the End command.
        offset: usize,
        /// Bytes stacked.
        stacked: u8,
    },
    /// Bytes after the End of a standalone GLOBSET.
    #[error("offset {offset}: {extra} trailing bytes after the End command")]
    TrailingBytes {
        /// Offset of the first extra byte.
        offset: usize,
        /// Number of extra bytes.
        extra: usize,
    },
}

impl GlobSetError {
    /// Absolute byte offset where decoding failed.
    pub fn offset(&self) -> usize {
        match self {
            GlobSetError::Truncated(t) => t.offset,
            GlobSetError::MissingEnd { offset, .. }
            | GlobSetError::UnknownCommand { offset, .. }
            | GlobSetError::StackOverflow { offset, .. }
            | GlobSetError::PopEmptyStack { offset }
            | GlobSetError::BitmaskStack { offset, .. }
            | GlobSetError::BitmaskOverflow { offset, .. }
            | GlobSetError::RangeLowAboveHigh { offset, .. }
            | GlobSetError::EndWithStack { offset, .. }
            | GlobSetError::TrailingBytes { offset, .. } => *offset,
        }
    }
}

/// An IDSET that cannot be decoded, or a REPLID/REPLGUID without mapping.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdSetError {
    /// A REPLID (2 bytes) or REPLGUID (16 bytes) cut short.
    #[error(transparent)]
    Truncated(#[from] Truncated),
    /// The GLOBSET of a pair is malformed.
    #[error(transparent)]
    GlobSet(#[from] GlobSetError),
    /// [`super::IdSet::to_replguid`]: the mapping has no REPLGUID for this REPLID.
    #[error("REPLID {replid} has no REPLGUID in the mapping")]
    UnmappedReplId {
        /// The REPLID.
        replid: u16,
    },
    /// [`super::IdSet::to_replid`]: the mapping has no REPLID for this REPLGUID.
    #[error("REPLGUID {replguid} has no REPLID in the mapping")]
    UnmappedReplGuid {
        /// The REPLGUID.
        replguid: Guid,
    },
}

impl IdSetError {
    /// Absolute byte offset where decoding failed (`None` for mapping errors).
    pub fn offset(&self) -> Option<usize> {
        match self {
            IdSetError::Truncated(t) => Some(t.offset),
            IdSetError::GlobSet(e) => Some(e.offset()),
            IdSetError::UnmappedReplId { .. } | IdSetError::UnmappedReplGuid { .. } => None,
        }
    }
}

/// A deviation from the "formatted IDSET" rules ([MS-OXCFXICS] 3.1.5.4.1,
/// 2.2.2.4.1/2) that the decoder tolerates (`idset.md` §17 A3, A12, A13) but a
/// conformance check may report. At most one note of each kind per GLOBSET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum FormatNote {
    /// A range starts below the previous one (ranges MUST be ascending).
    RangesNotAscending {
        /// Offset of the command that produced it.
        offset: usize,
    },
    /// A range overlaps the previous one (duplicates MUST be removed).
    RangesOverlap {
        /// Offset of the command that produced it.
        offset: usize,
    },
    /// A range starts right after the previous one (consecutive counters
    /// MUST form one range).
    RangesNotMerged {
        /// Offset of the command that produced it.
        offset: usize,
    },
    /// A pair with an empty GLOBSET (`<key> 00`; §17 A13).
    EmptyGlobSet {
        /// Offset of the pair's key.
        offset: usize,
    },
    /// A pair whose key is below the previous pair's (pairs MUST be ascending).
    ReplicasNotAscending {
        /// Offset of the pair's key.
        offset: usize,
    },
    /// A second pair for the same key (merged into the first).
    DuplicateReplica {
        /// Offset of the pair's key.
        offset: usize,
    },
}
