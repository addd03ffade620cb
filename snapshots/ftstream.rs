//! Snapshot tests: decoded form of every file in corpus/decode_ftstream/ for
//! the ftstream codec: the lexical elements (up to any error), the guessed
//! root and its syntactic tree (or the grammar error).

use ics_wire::ftstream::{Lexer, guess_root, parse, text};

/// The text recorded for one corpus file.
fn describe(bytes: &[u8]) -> String {
    let mut elements = Vec::new();
    let mut out = String::new();
    for e in Lexer::new(bytes) {
        match e {
            Ok(e) => elements.push(e.to_owned()),
            Err(err) => {
                out = format!("lexical error: {err}\n");
                break;
            }
        }
    }
    let kind = guess_root(&elements);
    let mut s = format!("{} bytes, {} elements\n", bytes.len(), elements.len());
    s.push_str(&text::elements_text(&elements));
    s.push_str(&out);
    s.push_str(&format!("\nas {}:\n", kind.name()));
    match parse(kind, bytes) {
        Ok(root) => s.push_str(&text::tree_text(&root)),
        Err(e) => s.push_str(&format!("error: {e}\n")),
    }
    s
}

#[test]
fn corpus_decode_ftstream() {
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/../../snapshots"),
        prepend_module_to_snapshot => false,
    }, {
        insta::glob!("../corpus/decode_ftstream", "*", |path: &std::path::Path| {
            if !path.is_file() {
                return;
            }
            let bytes = std::fs::read(path).unwrap();
            insta::assert_snapshot!("ftstream", describe(&bytes));
        });
    });
}
