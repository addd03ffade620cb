//! Conflicts against the reference server: resolved by the client, resolved by the server.

use super::*;

/// a local change conflicting with a server change is
/// refused (FailOnConflict), resolved by the client at the download (the
/// newer server version wins, the local one is kept and linked), and the
/// resolved version is uploaded; both sides end equal.
#[tokio::test]
async fn conflict_resolved_by_client_against_reference_server() {
    let s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let (sk, mid) =
        conflicting_versions(&mut c, f, 134_115_552_010_000_000, 134_115_552_030_000_000).await;
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(
        r.upload.conflicts, 1,
        "SyncConflict for the conflicting upload"
    );
    assert_eq!(r.download.conflicts, 1);
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(r.upload.imported, 1, "the resolved version goes up");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    assert_eq!(
        replica_rows(c.replica(), f)[0].3,
        Some(PropValue::unicode("server"))
    );
    let losers = c
        .replica()
        .messages_in_folder(c.replica().conflicts_folder().unwrap())
        .unwrap();
    assert_eq!(losers.len(), 1);
    let m = c.replica().message(&sk).unwrap().unwrap();
    let items = m
        .props
        .iter()
        .find(|p| p.key == PropKey::of_tag(tags::PID_TAG_CONFLICT_ITEMS))
        .unwrap();
    assert_eq!(
        items.value,
        PropValue::MvBinary(vec![losers[0].source_key.clone()])
    );
    let stored = srv(&mut c)
        .mailbox()
        .message(mid)
        .unwrap()
        .content
        .props
        .get(tags::PID_TAG_CONFLICT_ITEMS)
        .cloned();
    assert_eq!(
        stored,
        Some(items.value.clone()),
        "the link reached the server"
    );
}

/// [MS-OXCFXICS] 3.2.5.9.4.2 / 3.1.5.6: a client that leaves conflicts to
/// the server (no FailOnConflict) still converges: the upload succeeds, the
/// server keeps the last writer, and the result comes down in the same
/// sync's download because the upload context's state does not claim it.
#[tokio::test]
async fn conflict_resolved_by_server_reaches_the_client() {
    for (local_time, winner) in [
        (134_000_000_000_000_000u64, "server"),
        (u64::MAX / 4, "local"),
    ] {
        let s = session();
        let f = inbox(&s);
        let fid = f.to_u64_le();
        let opts = SyncOptions {
            fail_on_conflict: false,
            ..SyncOptions::default()
        };
        let mut c = connect(s, opts).await;
        let cancel = CancelToken::new();
        conflicting_versions(&mut c, f, 134_000_000_000_000_000, local_time).await;
        let r = c.sync_contents(fid, &cancel).await.unwrap();
        assert_eq!(r.upload.conflicts, 0, "the server accepts it (R-207)");
        assert_eq!(
            replica_rows(c.replica(), f),
            server_rows(srv(&mut c), f),
            "{winner} wins and the replica has it"
        );
        assert_eq!(
            replica_rows(c.replica(), f)[0].3,
            Some(PropValue::unicode(winner))
        );
        let r = c.sync_contents(fid, &cancel).await.unwrap();
        assert_eq!((r.upload.imported, r.download.full), (0, 0), "{r:?}");
        assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    }
}
