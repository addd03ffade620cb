//! Snapshot tests: decoded form of every file in corpus/ for the rop codec.
//! `corpus/decode_rop_request/NAME` -> `snapshots/rop_request@NAME.snap`;
//! `corpus/decode_rop_response/NAME` (u16 LE request length, request,
//! response) -> `snapshots/rop_response@NAME.snap`. Errors are snapshotted
//! as their message. Regenerate with `INSTA_UPDATE=always` and review the diff.

use ics_wire::fuzz_bodies::rop::split_response_input;
use ics_wire::rop::{ResponseContext, RopRequestBuffer, RopResponseBuffer};

fn request(bytes: &[u8]) -> Result<RopRequestBuffer, String> {
    RopRequestBuffer::decode(bytes).map_err(|e| e.to_string())
}

fn response(bytes: &[u8]) -> Result<RopResponseBuffer, String> {
    let (req, resp) = split_response_input(bytes).ok_or("no request length prefix")?;
    let req = RopRequestBuffer::decode(req).map_err(|e| format!("request: {e}"))?;
    RopResponseBuffer::decode(resp, &req, &ResponseContext::default()).map_err(|e| e.to_string())
}

/// One test running both globs in turn (glob! must not run concurrently
/// with other snapshot assertions in the same process; tooling.md 3.3).
#[test]
fn decoded_corpus() {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("../corpus/decode_rop_request", "*", |path: &std::path::Path| {
            if !path.is_file() {
                return;
            }
            insta::assert_yaml_snapshot!("rop_request", request(&std::fs::read(path).unwrap()));
        });
        insta::glob!("../corpus/decode_rop_response", "*", |path: &std::path::Path| {
            if !path.is_file() {
                return;
            }
            insta::assert_yaml_snapshot!("rop_response", response(&std::fs::read(path).unwrap()));
        });
    });
}
