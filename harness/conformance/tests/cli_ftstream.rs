//! `ics-harness decode ftstream` run as a built binary.

use std::path::PathBuf;
use std::process::Command;

fn corpus(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../corpus/decode_ftstream")
        .join(name)
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ics-harness"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// `--json` prints one object per element, in stream order (§13.2).
#[test]
fn json_elements() {
    let f = corpus("spec_13_2_hierarchySync.bin");
    let (code, out, err) = run(&["decode", "ftstream", f.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let els = v["elements"].as_array().unwrap();
    assert_eq!(els.len(), 16);
    assert_eq!(
        els[0],
        serde_json::json!({"offset": 0, "marker": "IncrSyncChg"})
    );
    assert_eq!(els[1]["offset"], 4);
    assert_eq!(els[1]["tag"], "0x65E10102");
    assert_eq!(els[1]["value"], "");
    assert_eq!(els[6]["tag"], "0x3001001F");
    assert_eq!(els[6]["value"], "Projects");
    assert_eq!(els[12]["tag"], "0x40170003");
    assert_eq!(els[12]["tagName"], "MetaTagIdsetGiven");
    assert_eq!(
        els[15],
        serde_json::json!({"offset": 0x115, "marker": "IncrSyncEnd"})
    );
}

#[test]
fn tree_text_and_json() {
    let f = corpus("spec_13_6_messageList.bin");
    let (code, out, _) = run(&["decode", "ftstream", f.to_str().unwrap(), "--tree"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("messageList\n  message[0]\n"), "{out}");
    assert!(out.contains("embeddedMessage"), "{out}");
    let (code, out, _) = run(&[
        "decode",
        "ftstream",
        f.to_str().unwrap(),
        "--tree",
        "--json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["root"]["MessageList"]["items"].is_array(), "{v}");
}

#[test]
fn readable_text() {
    let f = corpus("spec_13_7_topFolder.bin");
    let (code, out, _) = run(&["decode", "ftstream", f.to_str().unwrap()]);
    assert_eq!(code, 0);
    let first: Vec<&str> = out.lines().take(2).collect();
    assert_eq!(
        first,
        [
            "000000  StartTopFld",
            "000004    0x3613001F = string \"IPF.Note\""
        ]
    );
}

/// A grammar error prints the elements before it, then offset and reason on stderr, exit 1.
#[test]
fn grammar_error_prints_elements_so_far() {
    let f = corpus("bad_recipient_without_rowid.bin");
    let (code, out, err) = run(&["decode", "ftstream", f.to_str().unwrap(), "--json"]);
    assert_eq!(code, 1);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let els = v["elements"].as_array().unwrap();
    assert_eq!(els.last().unwrap()["marker"], "StartRecip");
    assert!(els.iter().all(|e| e["offset"].as_u64().unwrap() < 0x107));
    assert!(
        err.starts_with("error: offset 263: contentsSync/messageChangeFull[0]/recipient[0]"),
        "{err}"
    );
}

#[test]
fn lexical_error_exit_1() {
    let f = corpus("bad_unknown_type.bin");
    let (code, out, err) = run(&["decode", "ftstream", f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(out, "000000  IncrSyncChg\n");
    assert!(err.contains("offset 4"), "{err}");
}
