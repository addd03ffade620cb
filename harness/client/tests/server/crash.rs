//! Crash tests against the reference server: stop at every write point, sync again, compare.

use super::*;

/// The crash test against the reference server: stop the replica before
/// every write of a download, sync again, compare with the server.
#[tokio::test]
async fn crash_at_every_write_point_then_resync() {
    let mut s = session();
    let f = inbox(&s);
    let mids: Vec<Mid> = (0..6)
        .map(|i| add(&mut s, f, &format!("m{i}"), i == 5))
        .collect();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let fid = f.to_u64_le();
    c.sync_contents(fid, &cancel).await.unwrap();
    let mb = srv(&mut c).mailbox_mut();
    server_edit(mb, mids[0], vec![text("x"), body("y")], vec![]);
    mb.delete_message(mids[1], DeleteKind::Hard).unwrap();
    mb.set_read(mids[2], true).unwrap();
    add(srv(&mut c), f, "new", false);
    // Count the write points of this download on a copy of the state.
    let points = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut k = 0;
    loop {
        let before = c.replica().dump().unwrap();
        let p2 = points.clone();
        c.replica_mut().set_fault_hook(Some(Box::new(move |p, _| {
            p2.store(p + 1, std::sync::atomic::Ordering::SeqCst);
            p == k
        })));
        match c.sync_contents(fid, &cancel).await {
            Err(SyncError::Replica(ics_client::ReplicaError::InjectedCrash { point, .. })) => {
                assert_eq!(point, k);
                assert_eq!(
                    c.replica().dump().unwrap(),
                    before,
                    "point {k}: old replica and state"
                );
                k += 1;
            }
            Ok(_) => break,
            Err(e) => panic!("point {k}: {e}"),
        }
    }
    assert!(k > 5, "only {k} write points");
    c.replica_mut().set_fault_hook(None);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let state = c.replica().state(&Scope::contents(fid)).unwrap();
    assert!(!state.cnset_seen.is_empty());
}

/// The crash test of issue 6 with a database file: stop before write point
/// k of a download, close and reopen the database, sync again, compare with
/// the server; for every k.
#[tokio::test]
async fn crash_reopen_resync_compare_file_database() {
    let path = std::env::temp_dir().join(format!("ics-client-srv-crash-{}.db", std::process::id()));
    let clean = |p: &std::path::Path| {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", p.display()));
        }
    };
    clean(&path);
    let (s, f, mids) = seeded(5);
    let fid = f.to_u64_le();
    let t = InProcess {
        session: s,
        start: tokio::time::Instant::now(),
    };
    let ops = RopSession::new(t, "/o=ics/cn=user");
    let mut c = Client::connect(ops, Replica::open(&path).unwrap(), SyncOptions::default())
        .await
        .unwrap();
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let mb = srv(&mut c).mailbox_mut();
    server_edit(mb, mids[0], vec![text("x")], vec![]);
    mb.delete_message(mids[1], DeleteKind::Soft).unwrap();
    mb.set_read(mids[2], true).unwrap();
    add(srv(&mut c), f, "new", true);
    let mut k = 0;
    loop {
        let before = c.replica().dump().unwrap();
        c.replica_mut()
            .set_fault_hook(Some(Box::new(move |p, _| p == k)));
        let r = c.sync_contents(fid, &cancel).await;
        let (ops, replica) = c.into_parts();
        drop(replica);
        let replica = Replica::open(&path).unwrap();
        c = Client::connect(ops, replica, SyncOptions::default())
            .await
            .unwrap();
        match r {
            Err(SyncError::Replica(ics_client::ReplicaError::InjectedCrash { .. })) => {
                assert_eq!(
                    c.replica().dump().unwrap(),
                    before,
                    "point {k}: after reopen, the old replica"
                );
                k += 1;
            }
            Ok(_) => break,
            Err(e) => panic!("point {k}: {e}"),
        }
    }
    assert!(k > 5);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    drop(c);
    clean(&path);
}
