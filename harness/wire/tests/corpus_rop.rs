//! Replays corpus/{decode_rop_request,decode_rop_response,rop_roundtrip}/
//! (and their regressions/) through the fuzz oracles.

mod common;

use arbitrary::{Arbitrary, Unstructured};
use ics_wire::fuzz_bodies::rop;

#[test]
fn replay_decode_rop_request() {
    common::replay("decode_rop_request", rop::decode_rop_request);
}

#[test]
fn replay_decode_rop_response() {
    common::replay("decode_rop_response", rop::decode_rop_response);
}

#[test]
fn replay_rop_roundtrip() {
    common::replay("rop_roundtrip", |data| {
        if let Ok(v) = rop::RopRoundTrip::arbitrary_take_rest(Unstructured::new(data)) {
            rop::rop_roundtrip(v);
        }
    });
}

/// The curated seeds are valid buffers, except those named `bad_*`.
#[test]
fn curated_seeds_decode() {
    use ics_wire::rop::{ResponseContext, RopRequestBuffer, RopResponseBuffer};
    for (path, data) in common::corpus("decode_rop_request") {
        let bad = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("bad_");
        if path.parent().unwrap().ends_with("regressions") {
            continue;
        }
        assert_eq!(
            RopRequestBuffer::decode(&data).is_err(),
            bad,
            "{}",
            path.display()
        );
    }
    for (path, data) in common::corpus("decode_rop_response") {
        let bad = path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("bad_");
        if path.parent().unwrap().ends_with("regressions") {
            continue;
        }
        let (q, r) = rop::split_response_input(&data).unwrap();
        let q = RopRequestBuffer::decode(q).unwrap();
        let ok = RopResponseBuffer::decode(r, &q, &ResponseContext::default()).is_ok();
        assert_eq!(!ok, bad, "{}", path.display());
    }
}
