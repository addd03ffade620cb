//! Downloads from the reference server: bootstrap, incremental changes, busy, cuts, RecoverMode.

use super::*;

/// bootstrap from the empty state, then nothing new.
#[tokio::test]
async fn bootstrap_against_reference_server() {
    let mut s = session();
    let f = inbox(&s);
    for i in 0..25 {
        add(&mut s, f, &format!("m{i}"), i % 5 == 0);
    }
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.full, 25);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(
        (r.download.full, r.download.partial, r.download.deleted),
        (0, 0, 0)
    );
}

/// Incremental changes, deletions and read state from the server.
#[tokio::test]
async fn incremental_deletions_and_read_state() {
    let (s, f, mids) = seeded(10);
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    let mb = srv(&mut c).mailbox_mut();
    server_edit(mb, mids[0], vec![text("changed")], vec![]);
    mb.delete_message(mids[1], DeleteKind::Hard).unwrap();
    mb.delete_message(mids[2], DeleteKind::Soft).unwrap();
    mb.set_read(mids[3], true).unwrap();
    add(srv(&mut c), f, "new", false);
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.full + r.download.partial, 2);
    assert_eq!(r.download.deleted, 2, "hard and soft deletions");
    assert_eq!(r.download.read_changes, 1);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// a partial change deletes only its group's properties.
#[tokio::test]
async fn partial_change_deletes_only_group_properties() {
    let mut s = session();
    let f = inbox(&s);
    let mid = add(&mut s, f, "subject", false);
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    // Delete the body on the server: only the body's group changes.
    server_edit(
        srv(&mut c).mailbox_mut(),
        mid,
        vec![],
        vec![tags::PID_TAG_BODY],
    );
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(
        (r.download.full, r.download.partial),
        (0, 1),
        "a partial change (PartialItem set)"
    );
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let rows = replica_rows(c.replica(), f);
    assert_eq!(rows[0].4, None, "the deleted body is gone");
    assert_eq!(
        rows[0].3,
        Some(PropValue::unicode("subject")),
        "the subject stays"
    );
}

/// busy answers with BackoffTime; the retry arrives no earlier; recorded on both sides.
#[tokio::test(start_paused = true)]
async fn busy_backoff_against_reference_server() {
    let mut s = session();
    let f = inbox(&s);
    add(&mut s, f, "m", false);
    s.faults_mut().busy_remaining = 2;
    s.faults_mut().busy_backoff = 1200;
    let mut c = connect(s, SyncOptions::default()).await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 1);
    assert_eq!(r.busy.len(), 2);
    assert!(r.busy.iter().all(|e| e.code == 0x480
        && e.backoff_ms == Some(1200)
        && e.waited >= Duration::from_millis(1200)));
    let log = srv(&mut c).faults().busy_log.clone();
    assert_eq!(log.len(), 2);
    for b in log {
        let retry = b.retry_at.expect("retried");
        assert!(retry - b.answered_at >= u64::from(b.backoff), "{b:?}");
    }
}

/// a connection cut mid-download changes nothing; after
/// reconnecting (logon again, mailbox checked) the next sync converges.
#[tokio::test]
async fn cut_connection_then_reconnect_and_converge() {
    let mut s = session();
    let f = inbox(&s);
    for i in 0..200 {
        add(
            &mut s,
            f,
            &format!("message number {i} with some padding to make it longer"),
            false,
        );
    }
    s.faults_mut().cut_after_bytes = Some(9000);
    let opts = SyncOptions {
        buffer: ics_client::sync::ops::BufferSize::Babe { max: 4096 },
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let before = c.replica().dump().unwrap();
    match c.sync_contents(f.to_u64_le(), &CancelToken::new()).await {
        Err(SyncError::Op(OpError::Transport(TransportError::ConnectionLost))) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(c.replica().dump().unwrap(), before);
    srv(&mut c).reconnect();
    c.reconnect().await.unwrap();
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 200);
    assert!(r.get_buffer_calls > 1);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// RecoverMode turns an unreadable message into errorInfo; it
/// goes to the unsynchronized folder and the others arrive.
#[tokio::test]
async fn recover_mode_against_reference_server() {
    let (mut s, f, mids) = seeded(4);
    s.mailbox_mut().set_unreadable(mids[1], true).unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 3);
    assert_eq!(r.download.errors.len(), 1);
    let unsync = c.replica().unsynchronized_folder().unwrap();
    assert_eq!(c.replica().messages_in_folder(unsync).unwrap().len(), 1);
}

/// hierarchy sync builds the folder tree below a folder.
#[tokio::test]
async fn hierarchy_sync_against_reference_server() {
    let mut s = session();
    let ipm = s.special_folders()[3];
    let mb = s.mailbox_mut();
    let a = mb.create_folder(ipm, "Projects").unwrap();
    let b = mb.create_folder(a, "2026").unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let r = c.sync_hierarchy(ipm.to_u64_le(), &cancel).await.unwrap();
    assert!(r.download.folders >= 2);
    let root = c.replica().folder_by_fid(ipm.to_u64_le()).unwrap().unwrap();
    let names: Vec<String> = c
        .replica()
        .subfolders(root.id)
        .unwrap()
        .into_iter()
        .map(|f| f.display_name)
        .collect();
    assert!(
        names.contains(&"Projects".to_string()) && names.contains(&"2026".to_string()),
        "{names:?}"
    );
    let (skb, ska) = (
        srv(&mut c).mailbox().source_key_of(b.0),
        srv(&mut c).mailbox().source_key_of(a.0),
    );
    let fb = c.replica().folder_by_source_key(&skb).unwrap().unwrap();
    let fa = c.replica().folder_by_source_key(&ska).unwrap().unwrap();
    assert_eq!(fb.parent_id, Some(fa.id));
    srv(&mut c)
        .mailbox_mut()
        .delete_folder(b, DeleteKind::Hard)
        .unwrap();
    let r = c.sync_hierarchy(ipm.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.deleted, 1);
}

/// a replica bound to another mailbox refuses to sync.
#[tokio::test]
async fn other_mailbox_refused_by_reference_server_client() {
    let s = session();
    let mut r = Replica::open_in_memory().unwrap();
    r.bind_mailbox(ics_wire::Guid::from_bytes([0xEE; 16]))
        .unwrap();
    let t = InProcess {
        session: s,
        start: tokio::time::Instant::now(),
    };
    match Client::connect(
        RopSession::new(t, "/o=ics/cn=user"),
        r,
        SyncOptions::default(),
    )
    .await
    {
        Err(SyncError::Replica(ics_client::ReplicaError::WrongMailbox { .. })) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}
