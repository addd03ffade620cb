//! LZ77 + DIRECT2 compression of RPC_HEADER_EXT payloads ([MS-OXCRPC] 3.1.4.1.1.2).
//!
//! This is the "plain LZ77" of [MS-XCA] 2.3/2.4: 32-bit flag words read from
//! the most significant bit down (0 = literal byte, 1 = match), match metadata
//! `((offset - 1) << 3) | min(length - 3, 7)` ([MS-OXCRPC] 3.1.4.1.1.2.2.3)
//! and the DIRECT2 length extension (shared nibble, extra byte, u16)
//! ([MS-OXCRPC] 3.1.4.1.1.2.2.4). The end of the stream is one more `1` flag
//! bit with no input behind it ([MS-OXCRPC] 3.1.4.1.1.2.2.1).

mod compress;
mod decompress;

pub use compress::compress;
pub use decompress::{decompress, decompress_exact};

use thiserror::Error;

/// Largest match offset: 13 bits of metadata, plus one ([MS-OXCRPC] 3.1.4.1.1.2.2.3).
pub const MAX_OFFSET: usize = 8192;
/// Smallest match length ([MS-OXCRPC] 3.1.4.1.1.2.2.4).
pub const MIN_MATCH: usize = 3;
/// Largest match length the DIRECT2 u16 form can carry (`u16::MAX + 3`).
pub const MAX_MATCH: usize = u16::MAX as usize + 3;

/// Why a compressed payload could not be decompressed. Offsets are byte
/// offsets into the compressed input.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Lz77Error {
    /// The input ended inside an item (flag word, metadata, length byte).
    #[error(
        "LZ77 input truncated at offset {offset}: {field} needs {needed} bytes, {available} available"
    )]
    Truncated {
        /// Offset of the item.
        offset: usize,
        /// The item being read.
        field: &'static str,
        /// Bytes the item needs.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A match points before the start of the output.
    #[error(
        "LZ77 match at offset {offset} reaches {distance} bytes back, only {produced} bytes produced"
    )]
    OffsetBeyondOutput {
        /// Offset of the match metadata.
        offset: usize,
        /// The match offset (distance back).
        distance: usize,
        /// Output bytes produced so far.
        produced: usize,
    },
    /// A DIRECT2 u16/u32 length is smaller than its encoding allows ([MS-XCA] 2.4.4).
    #[error("LZ77 match at offset {offset}: extended length value {value} is below 22")]
    BadLength {
        /// Offset of the match metadata.
        offset: usize,
        /// The raw length value.
        value: u32,
    },
    /// The output would exceed the caller's limit (e.g. RPC_HEADER_EXT SizeActual).
    #[error("LZ77 output exceeds the limit of {max} bytes (item at offset {offset})")]
    OutputTooLarge {
        /// Offset of the item that overflowed.
        offset: usize,
        /// The caller's limit.
        max: usize,
    },
    /// The output length differs from the expected SizeActual.
    #[error("LZ77 output is {actual} bytes, SizeActual says {expected}")]
    SizeMismatch {
        /// SizeActual.
        expected: usize,
        /// Bytes produced.
        actual: usize,
    },
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_one_flag_word_with_the_end_bit() {
        assert_eq!(compress(b""), [0, 0, 0, 0x80]);
        assert_eq!(decompress_exact(&[0, 0, 0, 0x80], 0).unwrap(), b"");
    }

    #[test]
    fn thirty_two_literals_need_a_second_flag_word_for_the_end_bit() {
        let src: Vec<u8> = (0..32).collect();
        let c = compress(&src);
        assert_eq!(&c[..4], &[0, 0, 0, 0]);
        assert_eq!(&c[36..], &[0, 0, 0, 0x80]);
        assert_eq!(decompress_exact(&c, 32).unwrap(), src);
    }

    #[test]
    fn shared_nibble_high_half_is_used_by_the_second_long_match() {
        // Two matches of length 12 (nibble 2) share one nibble byte.
        let mut src = b"abcdefghijkl".to_vec();
        src.extend_from_slice(b"abcdefghijkl");
        src.extend_from_slice(b"-");
        src.extend_from_slice(b"abcdefghijkl");
        let c = compress(&src);
        assert_eq!(decompress_exact(&c, src.len()).unwrap(), src);
        assert_eq!(c.iter().filter(|&&b| b == 0x22).count(), 1, "{c:02x?}");
    }

    #[test]
    fn every_length_class_round_trips() {
        for len in [
            3,
            9,
            10,
            24,
            25,
            279,
            280,
            281,
            1000,
            MAX_MATCH,
            MAX_MATCH + 7,
        ] {
            let mut src = b"xy".to_vec();
            src.extend(std::iter::repeat_n(b'z', len + 1));
            let c = compress(&src);
            assert_eq!(decompress_exact(&c, src.len()).unwrap(), src, "len {len}");
        }
    }

    #[test]
    fn over_limit_output_is_refused_before_copying() {
        // 'A' then a match of length 297 (spec vector shape), limit 100.
        let c = compress(&[b'A'; 298]);
        assert!(matches!(
            decompress(&c, 100),
            Err(Lz77Error::OutputTooLarge { max: 100, .. })
        ));
        assert!(matches!(
            decompress_exact(&c, 299),
            Err(Lz77Error::SizeMismatch {
                expected: 299,
                actual: 298
            })
        ));
    }

    #[test]
    fn match_before_output_start_is_an_error() {
        // flags: match first; md 0x0010 = offset 3 with empty output.
        let e = decompress(&[0, 0, 0, 0x80, 0x10, 0x00], 100).unwrap_err();
        assert_eq!(
            e,
            Lz77Error::OffsetBeyondOutput {
                offset: 4,
                distance: 3,
                produced: 0
            }
        );
    }

    #[test]
    fn truncated_flag_word_and_metadata_are_errors() {
        assert!(matches!(
            decompress(&[0, 0], 10),
            Err(Lz77Error::Truncated {
                field: "flag word",
                ..
            })
        ));
        assert!(matches!(
            decompress(&[0, 0, 0, 0x40, b'a', 0x00], 10),
            Err(Lz77Error::Truncated {
                field: "match metadata",
                offset: 5,
                ..
            })
        ));
    }

    #[test]
    fn small_extended_length_is_an_error() {
        // literal 'a', match md 0x0007 (offset 1, len3 7), nibble 15, byte 255, u16 21.
        let src = [0, 0, 0, 0x40, b'a', 0x07, 0x00, 0x0F, 0xFF, 21, 0];
        assert_eq!(
            decompress(&src, 1000).unwrap_err(),
            Lz77Error::BadLength {
                offset: 5,
                value: 21
            }
        );
    }

    #[test]
    fn u32_length_form_of_ms_xca_is_understood() {
        // u16 = 0, then u32 = 297 (length 300).
        let src = [
            0, 0, 0, 0x60, b'a', 0x07, 0x00, 0x0F, 0xFF, 0, 0, 0x29, 0x01, 0, 0,
        ];
        assert_eq!(decompress_exact(&src, 301).unwrap(), vec![b'a'; 301]);
    }
}
