//! `ics-harness decode idset|globset`: output formats and error reporting,
//! running the built binary.

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

fn hex(s: &str) -> Vec<u8> {
    s.split_whitespace()
        .map(|b| u8::from_str_radix(b, 16).unwrap())
        .collect()
}

/// Writes `bytes` to a fresh temp file and runs `ics-harness decode <args> FILE [extra]`.
fn run(args: &[&str], bytes: &[u8], extra: &[&str]) -> Output {
    static N: AtomicUsize = AtomicUsize::new(0);
    let path: PathBuf = std::env::temp_dir().join(format!(
        "ics-cli-idset-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::write(&path, bytes).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ics-harness"))
        .arg("decode")
        .args(args)
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    out
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// idset.md §10 E8, REPLGUID form.
#[test]
fn idset_replguid_json() {
    let b = hex("E1 D4 C7 B0 2B 1A 3D 4C 8E 9F 0A 1B 2C 3D 4E 5F 05 00 00 00 00 00 52 01 2F 50 00");
    let o = run(&["idset"], &b, &["--json"]);
    assert_eq!(
        stdout(&o),
        "{\"replicas\":[{\"replguid\":\"b0c7d4e1-1a2b-4c3d-8e9f-0a1b2c3d4e5f\",\"ranges\":[[1,47]]}]}\n"
    );
}

/// idset.md §10 E7, REPLID form.
#[test]
fn idset_replid_json() {
    let b = hex("01 00 05 00 00 00 00 00 52 01 03 50 00 05 00 06 00 00 00 00 00 A0 00");
    let o = run(&["idset", "--replid"], &b, &["--json"]);
    assert_eq!(
        stdout(&o),
        "{\"replicas\":[{\"replid\":1,\"ranges\":[[1,3]]},{\"replid\":5,\"ranges\":[[160,160]]}]}\n"
    );
    let text = stdout(&run(&["idset", "--replid"], &b, &[]));
    assert!(text.contains("replid 5 (0x0005):"), "{text}");
    assert!(text.contains("0x0000000000A0"), "{text}");
}

/// idset.md §10 E1, the spec's Bitmask example, merged and sorted; an empty IDSET.
#[test]
fn globset_json_and_empty_idset() {
    let o = run(
        &["globset"],
        &hex("05 00 00 00 00 00 42 01 EB 50 00"),
        &["--json"],
    );
    assert_eq!(stdout(&o), "{\"ranges\":[[1,3],[5,5],[7,9]]}\n");
    let o = run(&["idset"], &[], &["--json"]);
    assert_eq!(stdout(&o), "{\"replicas\":[]}\n");
    let o = run(
        &["globset"],
        &hex("05 00 00 00 00 00 52 01 04 52 05 06 50 00"),
        &[],
    );
    let text = stdout(&o);
    assert!(text.contains("0x000000000001-0x000000000006"), "{text}");
    assert!(text.contains("note: offset 9: range adjacent"), "{text}");
}

/// Invalid input: exit status 1, one stderr line with offset and reason, no stdout.
#[test]
fn invalid_input_fails_with_offset_and_reason() {
    let cases: [(&[&str], &str, &str); 4] = [
        (&["globset"], "50 00", "offset 0: Pop with an empty"),
        (
            &["globset"],
            "05 00 00 00 00 00 52 10 01 50 00",
            "offset 6: Range low value",
        ),
        (
            &["idset", "--replid"],
            "01 00 07 00",
            "offset 2: unknown command 0x07",
        ),
        (&["idset"], "01 02 03", "truncated at offset 0: REPLGUID"),
    ];
    for (args, bytes, want) in cases {
        let o = run(args, &hex(bytes), &["--json"]);
        assert_eq!(o.status.code(), Some(1), "{bytes}");
        assert!(o.stdout.is_empty());
        let err = String::from_utf8(o.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(want), "{bytes}: {err}");
    }
}
