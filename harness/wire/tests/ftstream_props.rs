//! Property tests: parse(produce(x)) == x for well-formed trees, and split
//! invariance of the streaming lexer (spec digest §4, §5).

mod ftstream_examples;

use arbitrary::{Arbitrary, Unstructured};
use ics_wire::ftstream::*;
use proptest::prelude::*;

/// proptest strategy from an `Arbitrary` type (shrinks on the raw bytes).
fn arb<T: for<'a> Arbitrary<'a> + std::fmt::Debug>() -> impl Strategy<Value = T> {
    proptest::collection::vec(any::<u8>(), 0..4096)
        .prop_filter_map("arbitrary rejected input", |b| {
            T::arbitrary_take_rest(Unstructured::new(&b)).ok()
        })
}

fn roundtrip(root: Root) -> Result<(), TestCaseError> {
    let bytes = produce(&root).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let back = parse(root.kind(), &bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
    prop_assert_eq!(back, root);
    Ok(())
}

/// Feeds `bytes` in chunks of the given sizes (cycled); returns the elements.
fn feed_chunked(bytes: &[u8], sizes: &[usize]) -> Result<Vec<Element>, FeedError> {
    let mut p = StreamParser::new();
    let mut out = Vec::new();
    let mut pos = 0;
    let mut i = 0;
    while pos < bytes.len() {
        let end = (pos + sizes[i % sizes.len()]).min(bytes.len());
        out.extend(p.feed(&bytes[pos..end])?);
        pos = end;
        i += 1;
    }
    p.finish()?;
    Ok(out)
}

proptest! {
    #[test]
    fn contents_sync_roundtrip(x in arb::<ContentsSync>()) {
        roundtrip(Root::ContentsSync(x))?;
    }

    #[test]
    fn hierarchy_sync_roundtrip(x in arb::<HierarchySync>()) {
        roundtrip(Root::HierarchySync(x))?;
    }

    #[test]
    fn message_list_roundtrip(x in arb::<MessageList>()) {
        roundtrip(Root::MessageList(x))?;
    }

    #[test]
    fn any_root_roundtrip(x in arb::<Root>()) {
        roundtrip(x)?;
    }

    /// Random chunk sizes from 1 byte to the whole stream give the same elements.
    #[test]
    fn split_invariance_examples(
        which in 0usize..6,
        sizes in proptest::collection::vec(1usize..600, 1..20),
    ) {
        let (_, _, bytes) = ftstream_examples::all().swap_remove(which);
        let whole = lex_all(&bytes).unwrap();
        prop_assert_eq!(feed_chunked(&bytes, &sizes).unwrap(), whole);
    }

    #[test]
    fn split_invariance_produced(
        root in arb::<Root>(),
        sizes in proptest::collection::vec(1usize..200, 1..20),
    ) {
        let bytes = produce(&root).unwrap();
        let whole = lex_all(&bytes).unwrap();
        prop_assert_eq!(feed_chunked(&bytes, &sizes).unwrap(), whole);
    }

    /// Buffers cut by `split_buffers` are legal: strict streaming accepts them.
    #[test]
    fn produced_splits_are_legal(root in arb::<Root>(), size in 1usize..300) {
        let bytes = produce(&root).unwrap();
        ics_wire::fuzz_bodies::ftstream::roundtrip_split(&bytes, size);
    }

    /// Arbitrary bytes in arbitrary chunks: same result as unsplit, errors included.
    #[test]
    fn chunked_oracle(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        ics_wire::fuzz_bodies::ftstream::ftstream_chunked(&data);
    }
}

proptest! {
    /// The incremental reader gives the same tree as `parse`, whatever the chunking.
    #[test]
    fn sync_reader_matches_parse(x in arb::<ContentsSync>(), chunk in 1usize..300) {
        let bytes = produce(&Root::ContentsSync(x)).unwrap();
        ics_wire::fuzz_bodies::ftstream::sync_reader_agrees(&bytes, chunk);
    }

    #[test]
    fn sync_reader_matches_parse_hierarchy(x in arb::<HierarchySync>(), chunk in 1usize..300) {
        let bytes = produce(&Root::HierarchySync(x)).unwrap();
        ics_wire::fuzz_bodies::ftstream::sync_reader_agrees(&bytes, chunk);
    }

    /// Arbitrary bytes: accepted by the incremental reader exactly when by `parse`.
    #[test]
    fn sync_reader_agrees_on_any_bytes(data in proptest::collection::vec(any::<u8>(), 0..400), chunk in 1usize..40) {
        ics_wire::fuzz_bodies::ftstream::sync_reader_agrees(&data, chunk);
    }
}
