//! The round-trip property of the LZ77 + DIRECT2 codec (issue 8): for every
//! input, `decompress(compress(x)) == x`, on random and on highly repetitive data.

use ics_wire::lz77::{compress, decompress, decompress_exact};
use proptest::prelude::*;

/// Repetitive data: runs and repeated snippets, with occasional noise, so that
/// every length class (3..9, 10..24, 25..279, ≥ 280) and long offsets occur.
fn repetitive() -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        (any::<u8>(), 1usize..2000).prop_map(|(b, n)| vec![b; n]),
        (proptest::collection::vec(any::<u8>(), 1..40), 1usize..60).prop_map(|(s, n)| s.repeat(n)),
        proptest::collection::vec(any::<u8>(), 0..20),
    ];
    proptest::collection::vec(piece, 0..30).prop_map(|v| v.concat())
}

/// Largest output for `n` input bytes: all literals (9 bits each) plus the
/// end bit, in whole flag words.
fn worst_case(n: usize) -> usize {
    n + 4 * (n / 32 + 1)
}

proptest! {
    // Large inputs: fewer cases keep the debug-build run short.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn round_trip_random(plain in proptest::collection::vec(any::<u8>(), 0..40_000)) {
        let c = compress(&plain);
        prop_assert!(c.len() <= worst_case(plain.len()));
        prop_assert_eq!(decompress_exact(&c, plain.len()).unwrap(), plain);
    }

    #[test]
    fn round_trip_small_alphabet(plain in proptest::collection::vec(0u8..3, 0..20_000)) {
        let c = compress(&plain);
        prop_assert_eq!(decompress_exact(&c, plain.len()).unwrap(), plain);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn round_trip_repetitive(plain in repetitive()) {
        let c = compress(&plain);
        prop_assert!(c.len() <= worst_case(plain.len()), "{} -> {}", plain.len(), c.len());
        prop_assert_eq!(decompress_exact(&c, plain.len()).unwrap(), plain);
    }

    /// A snippet repeated many times shrinks to well under half.
    #[test]
    fn repeated_snippets_compress(snippet in proptest::collection::vec(any::<u8>(), 1..64), n in 8usize..200) {
        let plain = snippet.repeat(n);
        let c = compress(&plain);
        prop_assert!(c.len() < plain.len() / 2 + 8, "{} -> {}", plain.len(), c.len());
        prop_assert_eq!(decompress_exact(&c, plain.len()).unwrap(), plain);
    }

    /// Garbage never panics, and never yields more than the limit.
    #[test]
    fn garbage_respects_the_limit(src in proptest::collection::vec(any::<u8>(), 0..512), max in 0usize..5000) {
        if let Ok(out) = decompress(&src, max) {
            prop_assert!(out.len() <= max);
        }
    }
}
