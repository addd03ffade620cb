//! Fuzz oracles for the ftstream codec.

use crate::ftstream::{
    self, Element, ElementKind, FeedError, RootKind, StreamParser, check_split, lex_all, parse,
    parse_elements, produce, produce_elements,
};

const ROOTS: [RootKind; 8] = [
    RootKind::ContentsSync,
    RootKind::HierarchySync,
    RootKind::State,
    RootKind::FolderContent,
    RootKind::MessageContent,
    RootKind::AttachmentContent,
    RootKind::MessageList,
    RootKind::TopFolder,
];

fn kinds(els: &[Element]) -> Vec<&ElementKind> {
    els.iter().map(|e| &e.kind).collect()
}

/// `decode_ftstream`: raw bytes through lexer and every root's grammar.
/// Whatever decodes must produce bytes that decode to the same thing.
pub fn decode_ftstream(data: &[u8]) {
    let lexed = lex_all(data);
    if let Ok(els) = &lexed {
        let again = produce_elements(els).expect("lexed elements are producible");
        let els2 = lex_all(&again).expect("produced elements lex");
        assert_eq!(kinds(els), kinds(&els2), "element round trip");
        let _ = ftstream::guess_root(els);
        for b in els.iter().filter_map(|e| e.prop()?.as_binary()) {
            meta_structs(b);
        }
    }
    sync_reader_agrees(data, data.first().map_or(1, |b| *b as usize % 64 + 1));
    for kind in ROOTS {
        let tree = parse(kind, data);
        if lexed.is_err() {
            assert!(tree.is_err(), "{kind:?}: a stream that does not lex parsed");
        }
        if let Ok(tree) = tree {
            assert_eq!(tree.kind(), kind);
            let bytes = produce(&tree).expect("a parsed tree is producible");
            let tree2 = parse(kind, &bytes).expect("produced bytes parse");
            assert_eq!(tree, tree2, "{kind:?}: decode -> produce -> decode");
            if let Ok(els) = &lexed {
                let via_elements = parse_elements(kind, els.iter().cloned(), data.len());
                assert_eq!(via_elements.as_ref(), Ok(&tree));
            }
        }
    }
}

/// The structures inside binary values (ProgressInformation,
/// PropertyGroupInfo, ExtendedErrorInfo; [MS-OXCFXICS] 2.2.2.7/8/10): what
/// decodes re-encodes to bytes that decode to the same value.
pub fn meta_structs(b: &[u8]) {
    use crate::ftstream::{ExtendedErrorInfo, ProgressInformation, PropertyGroupInfo};
    if let Ok(p) = ProgressInformation::decode(b) {
        assert_eq!(ProgressInformation::decode(&p.encode()), Ok(p));
    }
    if let Ok(g) = PropertyGroupInfo::decode(b) {
        let again = g.encode().expect("a decoded PropertyGroupInfo encodes");
        assert_eq!(PropertyGroupInfo::decode(&again), Ok(g));
    }
    if let Ok(e) = ExtendedErrorInfo::decode(b) {
        let again = e.encode().expect("a decoded ExtendedErrorInfo encodes");
        assert_eq!(ExtendedErrorInfo::decode(&again), Ok(e));
    }
}

/// `ftstream_chunked`: the first bytes choose chunk sizes, the rest is the
/// stream. Feeding it in those chunks must give exactly the unsplit result,
/// and a split violation is recorded exactly where `check_split` rejects.
pub fn ftstream_chunked(data: &[u8]) {
    let (n, rest) = match data.split_first() {
        Some((n, rest)) => ((*n % 16) as usize, rest),
        None => return,
    };
    let n = n.min(rest.len());
    let (sizes, stream) = rest.split_at(n);
    let whole = lex_all(stream);
    let mut p = StreamParser::new().max_value_len(u64::MAX);
    let mut got = Vec::new();
    let mut boundaries = Vec::new();
    let mut pos = 0;
    let mut result: Result<(), FeedError> = Ok(());
    let mut sizes = sizes
        .iter()
        .map(|s| *s as usize + 1)
        .chain(std::iter::repeat(usize::MAX));
    while pos < stream.len() {
        let end = pos
            .saturating_add(sizes.next().unwrap_or(usize::MAX))
            .min(stream.len());
        if pos > 0 {
            boundaries.push(pos);
        }
        match p.feed(&stream[pos..end]) {
            Ok(mut els) => got.append(&mut els),
            Err(e) => {
                result = Err(e);
                break;
            }
        }
        pos = end;
    }
    if result.is_ok() {
        result = p.finish();
    }
    match (&whole, &result) {
        (Ok(els), Ok(())) => {
            assert_eq!(els, &got, "chunked elements differ from unsplit");
            let illegal: Vec<usize> = boundaries
                .iter()
                .copied()
                .filter(|b| check_split(stream, *b).is_err())
                .collect();
            let seen: Vec<usize> = p.split_violations().iter().map(|v| v.offset).collect();
            assert_eq!(illegal, seen, "split violations");
        }
        (Err(e), Err(FeedError::Stream(e2))) => {
            assert_eq!(e, e2, "chunked error differs from unsplit");
            let n = got.len();
            let prefix: Vec<Element> = crate::ftstream::Lexer::new(stream)
                .take(n)
                .map(|r| r.expect("elements before the error lex").to_owned())
                .collect();
            assert_eq!(prefix, got);
        }
        (w, c) => panic!("unsplit {w:?} but chunked {c:?}"),
    }
}

/// `ftstream_roundtrip`: an arbitrary well-formed tree produces bytes that
/// parse back to it, whole and after splitting into legal buffers.
#[cfg(feature = "arbitrary")]
pub fn ftstream_roundtrip(data: &[u8]) {
    use arbitrary::{Arbitrary, Unstructured};
    let mut u = Unstructured::new(data);
    let Ok(root) = crate::ftstream::Root::arbitrary(&mut u) else {
        return;
    };
    let size = u.int_in_range(1usize..=300).unwrap_or(1);
    let bytes = produce(&root).expect("well-formed trees are producible");
    let back = parse(root.kind(), &bytes).unwrap_or_else(|e| panic!("{e}\n{root:#?}"));
    assert_eq!(back, root);
    roundtrip_split(&bytes, size);
}

/// Splits produced bytes at legal points and streams them back.
pub fn roundtrip_split(bytes: &[u8], size: usize) {
    let whole = lex_all(bytes).expect("produced bytes lex");
    match ftstream::split_buffers(bytes, size) {
        Ok(bufs) => {
            let mut p = StreamParser::new().strict_splits(true);
            let mut got = Vec::new();
            for b in &bufs {
                assert!(b.len() <= size);
                got.extend(p.feed(b).expect("legal splits feed in strict mode"));
            }
            p.finish().expect("complete");
            assert_eq!(got, whole);
        }
        Err(ftstream::SplitError::AtomTooLarge { .. }) => {
            assert!(
                size < 1100,
                "only a named propDef or a GUID can exceed a buffer of {size}"
            );
        }
        Err(e) => panic!("{e}"),
    }
}

/// The incremental [`SyncReader`](crate::ftstream::SyncReader), fed `data` in
/// chunks of `chunk` bytes, accepts exactly what [`parse`] accepts and its
/// items assemble into the same tree (contentsSync and hierarchySync).
pub fn sync_reader_agrees(data: &[u8], chunk: usize) {
    use crate::ftstream::{SyncReader, assemble};
    for kind in [RootKind::ContentsSync, RootKind::HierarchySync] {
        let whole = parse(kind, data);
        let lexer = StreamParser::new().max_value_len(u64::MAX);
        let mut r = SyncReader::new(kind)
            .expect("a sync root")
            .with_lexer(lexer);
        let mut items = Vec::new();
        let mut res = Ok(());
        for c in data.chunks(chunk.max(1)) {
            match r.feed(c) {
                Ok(mut v) => items.append(&mut v),
                Err(e) => {
                    res = Err(e);
                    break;
                }
            }
        }
        if res.is_ok() {
            res = r.finish();
        }
        match (whole, res) {
            (Ok(t), Ok(())) => assert_eq!(assemble(kind, items), Some(t), "{kind:?}"),
            (Err(_), Err(_)) => {}
            (w, r) => panic!("{kind:?}: parse {w:?} but incremental {r:?}"),
        }
    }
}
