//! Replays corpus/decode_idset/ and corpus/idset_roundtrip/ (fuzz seeds and
//! saved crash inputs) through the fuzz oracles, on stable.

mod common;

#[test]
fn replay_decode_idset() {
    common::replay("decode_idset", ics_wire::fuzz_bodies::idset::decode_idset);
}

#[test]
fn replay_idset_roundtrip() {
    common::replay(
        "idset_roundtrip",
        ics_wire::fuzz_bodies::idset::idset_roundtrip,
    );
}
