//! Replays every file of corpus/{decode_ftstream,ftstream_chunked,ftstream_roundtrip}/
//! (and their regressions/) through the fuzz oracles.

mod common;

#[test]
fn replay_decode_ftstream() {
    common::replay(
        "decode_ftstream",
        ics_wire::fuzz_bodies::ftstream::decode_ftstream,
    );
}

#[test]
fn replay_ftstream_chunked() {
    common::replay(
        "ftstream_chunked",
        ics_wire::fuzz_bodies::ftstream::ftstream_chunked,
    );
}

#[test]
fn replay_ftstream_roundtrip() {
    common::replay(
        "ftstream_roundtrip",
        ics_wire::fuzz_bodies::ftstream::ftstream_roundtrip,
    );
}

/// The decode corpus also goes through the chunked oracle, one byte at a time
/// and in a few other chunkings.
#[test]
fn decode_corpus_chunked() {
    for (path, data) in common::corpus("decode_ftstream") {
        for sizes in [&[0u8][..], &[0, 1, 2], &[6, 30, 2, 100]] {
            let mut input = vec![sizes.len() as u8];
            input.extend_from_slice(sizes);
            input.extend_from_slice(&data);
            let r = std::panic::catch_unwind(|| {
                ics_wire::fuzz_bodies::ftstream::ftstream_chunked(&input)
            });
            assert!(r.is_ok(), "{}", path.display());
        }
    }
}
