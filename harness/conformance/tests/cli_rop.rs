//! `ics-harness decode rop-request` / `rop-response` against the built binary.

use std::path::PathBuf;
use std::process::Command;

fn corpus(target: &str, name: &str) -> Vec<u8> {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus")
        .join(target)
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Writes `bytes` to a fresh temporary file.
fn temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ics-cli-rop-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn run(args: &[&std::ffi::OsStr]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ics-harness"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn rop_request_json_names_rops_and_fields() {
    let f = temp(
        "req",
        &corpus("decode_rop_request", "ics_contents_download"),
    );
    let (ok, out, err) = run(&[
        "decode".as_ref(),
        "rop-request".as_ref(),
        f.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rops = v["rops"].as_array().unwrap();
    assert_eq!(rops.len(), 5);
    assert_eq!(rops[0]["rop"], "RopSynchronizationConfigure");
    assert_eq!(rops[0]["rop_id"], "0x70");
    assert_eq!(
        rops[0]["fields"]["synchronization_flags"],
        "0x139 (Unicode | ReadState | FAI | Normal | NoForeignIdentifiers)"
    );
    assert_eq!(rops[1]["fields"]["state_property"], "0x40170003");
    assert_eq!(rops[4]["rop"], "RopFastTransferSourceGetBuffer");
    assert_eq!(rops[4]["fields"]["buffer_size"], 0xBABE);
    assert_eq!(v["server_object_handle_table"][0], "0x00000021");
}

#[test]
fn rop_response_needs_and_uses_the_request() {
    let data = corpus("decode_rop_response", "ics_getbuffer_busy");
    let n = u16::from_le_bytes([data[0], data[1]]) as usize;
    let req = temp("busy.req", &data[2..2 + n]);
    let resp = temp("busy.resp", &data[2 + n..]);
    let (ok, out, err) = run(&[
        "decode".as_ref(),
        "rop-response".as_ref(),
        "--request".as_ref(),
        req.as_os_str(),
        resp.as_os_str(),
        "--json".as_ref(),
    ]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let gb = &v["rops"][4];
    assert_eq!(gb["rop"], "RopFastTransferSourceGetBuffer");
    assert_eq!(gb["fields"]["return_value"], "0x00000480 ServerBusy");
    assert_eq!(gb["fields"]["backoff_time"], 1000);
    // Text form too.
    let (ok, out, _) = run(&[
        "decode".as_ref(),
        "rop-response".as_ref(),
        "--request".as_ref(),
        req.as_os_str(),
        resp.as_os_str(),
    ]);
    assert!(ok);
    assert!(
        out.contains("[4] RopFastTransferSourceGetBuffer (0x4e)"),
        "{out}"
    );
}

#[test]
fn errors_print_offset_and_exit_1() {
    let f = temp("bad", &corpus("decode_rop_request", "bad_unknown_rop"));
    let (ok, out, err) = run(&["decode".as_ref(), "rop-request".as_ref(), f.as_os_str()]);
    assert!(!ok);
    assert!(out.is_empty());
    assert!(err.contains("offset 2: unknown RopId 0x2a"), "{err}");
    // A response that does not answer the request.
    let data = corpus("decode_rop_response", "bad_wrong_rop");
    let n = u16::from_le_bytes([data[0], data[1]]) as usize;
    let req = temp("w.req", &data[2..2 + n]);
    let resp = temp("w.resp", &data[2 + n..]);
    let (ok, _, err) = run(&[
        "decode".as_ref(),
        "rop-response".as_ref(),
        "--request".as_ref(),
        req.as_os_str(),
        resp.as_os_str(),
    ]);
    assert!(!ok);
    assert!(err.contains("does not answer the next request"), "{err}");
}
