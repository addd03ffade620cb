//! Property: any well-formed contentsSync / hierarchySync stream (arbitrary
//! trees from `ics_wire::ftstream::arbitrary_tree`), split at arbitrary legal
//! points, is either applied or refused as a whole; the client never panics,
//! and a refused download leaves the replica exactly as it was.

use arbitrary::{Arbitrary, Unstructured};
use ics_client::convert::{Converter, state_blobs};
use ics_client::model::{Scope, SyncType};
use ics_client::replica::Replica;
use ics_client::sync::ids::ReplicaMap;
use ics_wire::ftstream as ft;
use ics_wire::{Guid, ReplGuid, ReplId};
use proptest::prelude::*;

fn apply_stream(
    r: &mut Replica,
    scope: &Scope,
    kind: ft::RootKind,
    parts: &[Vec<u8>],
) -> Result<(), String> {
    let map = ReplicaMap::new(ReplId(1), ReplGuid(Guid::from_bytes([0x11; 16])));
    let resolve = |b: &[u8]| map.resolve(b);
    let mut conv = Converter::new(&resolve);
    let mut reader = ft::SyncReader::new(kind).map_err(|e| e.to_string())?;
    let mut txn = r.begin_download(scope).map_err(|e| e.to_string())?;
    let mut state = None;
    for p in parts {
        for item in reader.feed(p).map_err(|e| e.to_string())? {
            let changes = match item {
                ft::SyncItem::Change(ft::ContentsSyncItem::Change { change, .. }) => {
                    vec![conv.message_change(&change).map_err(|e| e.to_string())?]
                }
                ft::SyncItem::Change(ft::ContentsSyncItem::Error(e)) => {
                    vec![conv.error_info(&e).map_err(|e| e.to_string())?]
                }
                ft::SyncItem::FolderChange(f) => {
                    vec![conv.folder_change(&f).map_err(|e| e.to_string())?]
                }
                ft::SyncItem::Deletions(d) => conv.deletions(&d).map_err(|e| e.to_string())?,
                ft::SyncItem::ReadStateChanges(x) => {
                    vec![conv.read_state(&x).map_err(|e| e.to_string())?]
                }
                ft::SyncItem::State(s) => {
                    state = Some(state_blobs(&s));
                    vec![]
                }
                ft::SyncItem::ProgressTotal(_) | ft::SyncItem::End => vec![],
            };
            for c in &changes {
                txn.apply(c).map_err(|e| e.to_string())?;
            }
        }
    }
    reader.finish().map_err(|e| e.to_string())?;
    let state = state.ok_or("no state")?;
    txn.commit(&state).map_err(|e| e.to_string())?;
    Ok(())
}

fn check(data: &[u8], chunk: usize, contents: bool) -> Result<(), TestCaseError> {
    let mut u = Unstructured::new(data);
    let (root, kind, scope) = if contents {
        let Ok(cs) = ft::ContentsSync::arbitrary(&mut u) else {
            return Ok(());
        };
        (
            ft::Root::ContentsSync(cs),
            ft::RootKind::ContentsSync,
            Scope::contents(7),
        )
    } else {
        let Ok(hs) = ft::HierarchySync::arbitrary(&mut u) else {
            return Ok(());
        };
        (
            ft::Root::HierarchySync(hs),
            ft::RootKind::HierarchySync,
            Scope::hierarchy(7),
        )
    };
    let Ok(parts) = ft::produce_split(&root, chunk) else {
        return Ok(());
    };
    let mut r = Replica::open_in_memory().unwrap();
    // A first download, so that a refused second one has something to keep.
    let _ = apply_stream(&mut r, &scope, kind, &parts);
    let before = r.dump().unwrap();
    let state_before = r.state(&scope).unwrap();
    if apply_stream(&mut r, &scope, kind, &parts).is_err() {
        prop_assert_eq!(r.dump().unwrap(), before);
        prop_assert_eq!(r.state(&scope).unwrap(), state_before);
    }
    prop_assert_eq!(scope.sync_type == SyncType::Contents, contents);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_streams_apply_whole_or_not_at_all(
        data in proptest::collection::vec(any::<u8>(), 0..4096),
        chunk in 64usize..2048,
        contents in any::<bool>(),
    ) {
        check(&data, chunk, contents)?;
    }
}
