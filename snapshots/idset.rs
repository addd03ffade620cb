//! Snapshot tests: decoded form of every file in corpus/decode_idset/, read
//! as a bare GLOBSET, a REPLID-form and a REPLGUID-form IDSET ([MS-OXCFXICS]
//! 2.2.2.4, 2.2.2.6). Review changes with `cargo insta review` (or
//! `INSTA_UPDATE=always cargo test --test snapshots_idset` and `git diff`).

use std::fmt::Write as _;

use ics_wire::idset::{FormatNote, GlobSet, IdSet, ReplicaKey};

fn notes(out: &mut String, n: &[FormatNote]) {
    for n in n {
        writeln!(out, "    note: {n:?}").unwrap();
    }
}

fn idset<K: ReplicaKey>(out: &mut String, what: &str, data: &[u8]) {
    match IdSet::<K>::decode_with_notes(data) {
        Ok((s, n)) => {
            writeln!(out, "{what}: ok, {} replicas", s.replicas().len()).unwrap();
            for (k, g) in s.replicas() {
                writeln!(out, "    {k:?}: {g:?}").unwrap();
            }
            notes(out, &n);
        }
        Err(e) => writeln!(out, "{what}: error: {e}").unwrap(),
    }
}

fn describe(data: &[u8]) -> String {
    let mut out = String::new();
    let hex: Vec<String> = data.iter().map(|b| format!("{b:02X}")).collect();
    writeln!(out, "bytes ({}): {}", data.len(), hex.join(" ")).unwrap();
    match GlobSet::decode_with_notes(data) {
        Ok((s, n)) => {
            writeln!(
                out,
                "globset: ok, {} ranges, {} ids",
                s.range_count(),
                s.count()
            )
            .unwrap();
            writeln!(out, "    {s:?}").unwrap();
            notes(&mut out, &n);
        }
        Err(e) => writeln!(out, "globset: error: {e}").unwrap(),
    }
    idset::<ics_wire::ReplId>(&mut out, "replid form", data);
    idset::<ics_wire::ReplGuid>(&mut out, "replguid form", data);
    out
}

#[test]
fn corpus_decode_idset() {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("../corpus/decode_idset", "*", |path: &std::path::Path| {
            if !path.is_file() {
                return;
            }
            let data = std::fs::read(path).unwrap();
            insta::assert_snapshot!("decode_idset", describe(&data));
        });
    });
}
