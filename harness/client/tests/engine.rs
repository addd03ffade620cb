//! Sync engine duties against the in-memory fake server (tests/common/fake.rs).

mod common;

use std::time::Duration;

use common::fake::*;
use common::{replica_content, subject};
use ics_client::ReplicaError;
use ics_client::model::{Prop, PropKey, Scope};
use ics_client::replica::Replica;
use ics_client::sync::busy::{BusyOutcome, BusyPolicy, EC_BUSY_LEGACY, EC_SERVER_BUSY};
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncError, SyncOptions};
use ics_client::sync::ops::OpError;
use ics_client::transport::TransportError;
use ics_wire::Guid;
use ics_wire::prop::{PropValue, tags};

const F: u64 = 0x0001_0000_0000_0001;

fn server_with(n: usize) -> FakeServer {
    let mut s = FakeServer::default();
    s.folder(F);
    for i in 0..n {
        s.add(F, vec![subject(&format!("m{i}"))], i % 7 == 3);
    }
    s
}

async fn client(s: FakeServer, opts: SyncOptions) -> Client<FakeServer> {
    Client::connect(s, Replica::open_in_memory().unwrap(), opts)
        .await
        .unwrap()
}

fn server(c: &mut Client<FakeServer>) -> &mut FakeServer {
    c.ops_mut()
}

/// the first sync uploads zero-length state properties and gets
/// every message; the next sync gets nothing; the replica equals the folder.
#[tokio::test]
async fn r136_empty_state_bootstrap_then_nothing() {
    let mut c = client(server_with(30), SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let r1 = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(r1.download.full, 30);
    assert_eq!(
        r1.state_uploaded.len(),
        4,
        "all four state properties for contents (R-126)"
    );
    assert!(
        r1.state_uploaded
            .iter()
            .all(|(_, len, pieces)| *len == 0 && *pieces == 0),
        "{:?}",
        r1.state_uploaded
    );
    let want = server(&mut c).content(F);
    assert_eq!(replica_content(c.replica(), F), want);
    let r2 = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(
        (
            r2.download.full,
            r2.download.deleted,
            r2.download.read_changes
        ),
        (0, 0, 0)
    );
    assert!(r2.state_uploaded.iter().all(|(_, len, _)| *len > 0));
    assert_eq!(replica_content(c.replica(), F), want);
}

/// each state property is uploaded Begin, Continue in pieces
/// of at most the chunk size, End; the pieces rebuild the stored state.
#[tokio::test]
async fn r121_state_uploaded_in_pieces() {
    let opts = SyncOptions {
        state_chunk: 5,
        ..SyncOptions::default()
    };
    let mut c = client(server_with(40), opts).await;
    let cancel = CancelToken::new();
    c.sync_contents(F, &cancel).await.unwrap();
    let stored = c.replica().state(&Scope::contents(F)).unwrap();
    server(&mut c).continue_sizes.clear();
    server(&mut c).uploaded_state.clear();
    let r = c.sync_contents(F, &cancel).await.unwrap();
    let s = server(&mut c);
    assert!(s.continue_sizes.iter().all(|n| (1..=5).contains(n)));
    let total: usize = s.continue_sizes.iter().sum();
    assert_eq!(
        total,
        stored.idset_given.len()
            + stored.cnset_seen.len()
            + stored.cnset_seen_fai.len()
            + stored.cnset_read.len()
    );
    let got: Vec<_> = s.uploaded_state.iter().map(|(_, d)| d.clone()).collect();
    assert_eq!(
        got,
        vec![
            stored.idset_given,
            stored.cnset_seen,
            stored.cnset_seen_fai,
            stored.cnset_read
        ]
    );
    assert!(r.state_uploaded.iter().any(|(_, _, pieces)| *pieces > 1));
}

/// on 0x00000480 the client waits at least BackoffTime before
/// the retry and records code, value and wait; the legacy code is accepted too.
#[tokio::test(start_paused = true)]
async fn r056_busy_backoff_is_respected_and_recorded() {
    let mut s = server_with(5);
    s.busy.extend([
        (EC_SERVER_BUSY, Some(1500)),
        (EC_SERVER_BUSY, Some(250)),
        (EC_BUSY_LEGACY, None),
    ]);
    let opts = SyncOptions {
        busy: BusyPolicy {
            default_backoff: Duration::from_millis(700),
            ..BusyPolicy::default()
        },
        ..SyncOptions::default()
    };
    let mut c = client(s, opts).await;
    let r = c.sync_contents(F, &CancelToken::new()).await.unwrap();
    assert_eq!(r.download.full, 5);
    assert_eq!(r.busy.len(), 3);
    assert_eq!(
        (r.busy[0].code, r.busy[0].backoff_ms),
        (EC_SERVER_BUSY, Some(1500))
    );
    assert!(r.busy[0].waited >= Duration::from_millis(1500));
    assert!(r.busy[1].waited >= Duration::from_millis(250));
    assert!(r.busy[2].is_legacy_code() && r.busy[2].waited >= Duration::from_millis(700));
    let at = &server(&mut c).get_buffer_at;
    assert!(
        at[1] - at[0] >= Duration::from_millis(1500),
        "the retry came too early"
    );
    assert!(at[2] - at[1] >= Duration::from_millis(250));
    assert!(at[3] - at[2] >= Duration::from_millis(700));
}

/// Bounded retries: a server that stays busy fails the sync; nothing is applied.
#[tokio::test(start_paused = true)]
async fn busy_forever_fails_without_applying() {
    let mut s = server_with(5);
    s.busy
        .extend(std::iter::repeat_n((EC_SERVER_BUSY, Some(10)), 20));
    let opts = SyncOptions {
        busy: BusyPolicy {
            max_retries: 3,
            ..BusyPolicy::default()
        },
        ..SyncOptions::default()
    };
    let mut c = client(s, opts).await;
    let before = c.replica().dump().unwrap();
    match c.sync_contents(F, &CancelToken::new()).await {
        Err(SyncError::Busy {
            outcome: BusyOutcome::TooManyRetries,
            events,
        }) => assert_eq!(events.len(), 4),
        other => panic!("{other:?}"),
    }
    assert_eq!(c.replica().dump().unwrap(), before);
}

/// a connection lost in the middle of a download
/// leaves the old replica and state; the next sync converges, no duplicates.
#[tokio::test]
async fn connection_loss_then_convergence() {
    let mut s = server_with(60);
    s.chunk = 300;
    let mut c = client(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(F, &cancel).await.unwrap();
    // Changes on the server, then a download cut at its third portion.
    let s = server(&mut c);
    for g in s.folders[&F]
        .keys()
        .copied()
        .skip(1)
        .take(10)
        .collect::<Vec<_>>()
    {
        s.modify(F, g, vec![subject("changed")]);
    }
    let first = *s.folders[&F].keys().next().unwrap();
    s.delete(F, first);
    let new = s.add(F, vec![subject("new")], false);
    s.cut_at_get_buffer = Some(s.get_buffer_calls + 3);
    let before = c.replica().dump().unwrap();
    match c.sync_contents(F, &cancel).await {
        Err(SyncError::Op(OpError::Transport(TransportError::ConnectionLost))) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(
        c.replica().dump().unwrap(),
        before,
        "nothing of the cut download is applied"
    );
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.download.deleted), (11, 1));
    assert!(c.replica().message(&sk_of(new)).unwrap().is_some());
    assert_eq!(replica_content(c.replica(), F), server(&mut c).content(F));
}

/// Cancellation between two GetBuffers: nothing applied, state unchanged.
#[tokio::test(start_paused = true)]
async fn cancel_mid_download() {
    let mut s = server_with(50);
    s.chunk = 200;
    s.busy.push_back((EC_SERVER_BUSY, Some(50)));
    let mut c = client(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let h = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        c2.cancel();
    });
    let r = c.sync_contents(F, &cancel).await;
    h.await.unwrap();
    assert!(matches!(r, Err(SyncError::Cancelled)), "{r:?}");
    assert!(c.replica().messages_in_fid(F).unwrap().is_empty());
    assert_eq!(
        c.replica().state(&Scope::contents(F)).unwrap(),
        Default::default()
    );
    let r = c.sync_contents(F, &CancelToken::new()).await.unwrap();
    assert_eq!(r.download.full, 50);
}

/// with RecoverMode an unreadable item arrives as errorInfo,
/// goes to the unsynchronized folder, and the sync completes.
#[tokio::test]
async fn r322_recover_mode_moves_unreadable_item_aside() {
    let mut s = server_with(6);
    let bad = *s.folders[&F].keys().nth(2).unwrap();
    s.unreadable.insert(bad);
    let mut c = client(s, SyncOptions::default()).await;
    let r = c.sync_contents(F, &CancelToken::new()).await.unwrap();
    assert_eq!(r.download.full, 5);
    assert_eq!(r.download.errors.len(), 1);
    assert_eq!(r.download.errors[0].message, Some(sk_of(bad)));
    let unsync = c.replica().unsynchronized_folder().unwrap();
    assert_eq!(
        c.replica().messages_in_folder(unsync).unwrap()[0].source_key,
        sk_of(bad)
    );
    // Without RecoverMode the same download fails as a whole.
    let mut s = server_with(3);
    let bad = *s.folders[&F].keys().next().unwrap();
    s.unreadable.insert(bad);
    let mut c = client(
        s,
        SyncOptions {
            recover_mode: false,
            ..SyncOptions::default()
        },
    )
    .await;
    assert!(matches!(
        c.sync_contents(F, &CancelToken::new()).await,
        Err(SyncError::TransferFailed { .. })
    ));
    assert!(c.replica().messages_in_fid(F).unwrap().is_empty());
}

/// R-318 and the upload duties: local creations (reserved IDs), changes,
/// deletions and read states are uploaded before the download; the new state
/// keeps them from coming back; replica equals the server folder.
#[tokio::test]
async fn upload_before_download_and_state_merge() {
    let mut c = client(server_with(10), SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(F, &cancel).await.unwrap();
    assert!(c.ensure_ids().await.unwrap());
    assert!(
        !c.ensure_ids().await.unwrap(),
        "R-307: no new reservation while most IDs are unused"
    );
    let keys: Vec<_> = c
        .replica()
        .messages_in_fid(F)
        .unwrap()
        .into_iter()
        .map(|m| m.source_key)
        .collect();
    let rep = c.replica_mut();
    let created = rep
        .create_local_message(F, false, &[subject("local")], 5000)
        .unwrap();
    rep.modify_local_message(&keys[0], &[subject("edited")], &[], 5001)
        .unwrap();
    rep.delete_local_message(&keys[1]).unwrap();
    rep.set_read_local(&keys[2], true).unwrap();
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(
        (r.upload.imported, r.upload.deletes, r.upload.reads),
        (2, 1, 1)
    );
    let ops = &server(&mut c).ops;
    let import = ops
        .iter()
        .rposition(|o| *o == "ImportMessageChange")
        .unwrap();
    let configure = ops.iter().rposition(|o| *o == "Configure").unwrap();
    assert!(import < configure, "upload before download (R-318)");
    assert_eq!(r.download.full, 0, "our own changes do not come back");
    assert_eq!(r.download.read_changes, 0);
    assert_eq!(r.download.deletions_unknown, 0);
    assert_eq!(replica_content(c.replica(), F), server(&mut c).content(F));
    let g = g_of(&created).unwrap();
    let (first, _) = server(&mut c).reserved[0];
    assert_eq!(g, first, "the first reserved ID (R-308)");
    // A later server change still arrives.
    server(&mut c).modify(F, g, vec![subject("server edit")]);
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(r.download.full, 1);
    assert_eq!(replica_content(c.replica(), F), server(&mut c).content(F));
}

/// both sides change one message; the conflict is resolved at the
/// download, the winner uploaded at the next sync, and both converge.
#[tokio::test]
async fn conflict_resolution_converges() {
    let mut c = client(server_with(3), SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(F, &cancel).await.unwrap();
    let g = *server(&mut c).folders[&F].keys().next().unwrap();
    // Server edit (newer time), then a local edit with an older time.
    server(&mut c).modify(F, g, vec![subject("server")]);
    c.replica_mut()
        .modify_local_message(&sk_of(g), &[subject("local")], &[], 1)
        .unwrap();
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(
        r.upload.conflicts, 1,
        "the server refuses the conflicting upload"
    );
    assert_eq!(r.download.conflicts, 1);
    let loser = c
        .replica()
        .messages_in_folder(c.replica().conflicts_folder().unwrap())
        .unwrap();
    assert_eq!(loser.len(), 1);
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(r.upload.imported, 1, "the resolved version is uploaded");
    let m = c.replica().message(&sk_of(g)).unwrap().unwrap();
    assert!(m.props.contains(&subject("server")));
    let items = m
        .props
        .iter()
        .find(|p| p.key == PropKey::of_tag(tags::PID_TAG_CONFLICT_ITEMS))
        .unwrap();
    assert_eq!(
        items.value,
        PropValue::MvBinary(vec![loser[0].source_key.clone()])
    );
    let c2 = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!((c2.upload.imported, c2.download.full), (0, 0));
    assert_eq!(replica_content(c.replica(), F), server(&mut c).content(F));
}

/// a replica bound to one mailbox refuses another.
#[tokio::test]
async fn r270_other_mailbox_is_refused() {
    let mut r = Replica::open_in_memory().unwrap();
    r.bind_mailbox(Guid::from_bytes([9; 16])).unwrap();
    match Client::connect(server_with(1), r, SyncOptions::default()).await {
        Err(SyncError::Replica(ReplicaError::WrongMailbox { .. })) => {}
        other => panic!("{:?}", other.map(|_| ())),
    }
}

/// client headers with OnlySpecifiedProperties, then
/// completion through CopyMessages with SendEntryId.
#[tokio::test]
async fn r327_client_headers_completed_by_copy_messages() {
    let mut s = FakeServer::default();
    s.folder(F);
    let body = Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("long body"));
    let g = s.add(F, vec![subject("hdr"), body.clone()], false);
    let opts = SyncOptions {
        only_specified: Some(vec![tags::PID_TAG_SUBJECT]),
        ..SyncOptions::default()
    };
    let mut c = client(s, opts).await;
    let cancel = CancelToken::new();
    c.sync_contents(F, &cancel).await.unwrap();
    let m = c.replica().message(&sk_of(g)).unwrap().unwrap();
    assert_eq!(m.props, vec![subject("hdr")], "only the specified property");
    assert_eq!(
        c.complete_headers(F, &[sk_of(g)], &cancel).await.unwrap(),
        1
    );
    let m = c.replica().message(&sk_of(g)).unwrap().unwrap();
    assert!(m.props.contains(&body) && m.props.contains(&subject("hdr")));
    assert!(server(&mut c).ops.contains(&"CopyMessages"));
    // The ICS state did not change: the next sync brings nothing.
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(r.download.full, 0);
}

/// the back-in-time counter is kept on both sides and read
/// from the server with CopyMessages (independent of the ICS state); a
/// replica or a server that went back in time is detected.
#[tokio::test]
async fn back_in_time_detection() {
    let mut c = client(server_with(2), SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!(
        c.check_back_in_time(F, &cancel).await.unwrap(),
        0,
        "first use creates the counter message"
    );
    assert_eq!(c.check_back_in_time(F, &cancel).await.unwrap(), 1);
    assert_eq!(c.check_back_in_time(F, &cancel).await.unwrap(), 2);
    let sk = c.replica().back_in_time_message().unwrap().unwrap();
    assert!(c.replica().message(&sk).unwrap().unwrap().fai);
    // The counter message syncs like any FAI message.
    let r = c.sync_contents(F, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.upload.imported), (0, 0));
    // The replica restored from an older backup: its counter is behind.
    c.replica_mut().set_back_in_time_counter(1).unwrap();
    match c.check_back_in_time(F, &cancel).await {
        Err(SyncError::BackInTime {
            local: 1,
            server: Some(2),
        }) => {}
        other => panic!("{other:?}"),
    }
    // The server restored from an older backup: its counter is behind.
    c.replica_mut().set_back_in_time_counter(7).unwrap();
    match c.check_back_in_time(F, &cancel).await {
        Err(SyncError::BackInTime {
            local: 7,
            server: Some(2),
        }) => {}
        other => panic!("{other:?}"),
    }
    // A bump that reached the server but was never confirmed is not a rollback.
    c.replica_mut().set_back_in_time_counter(2).unwrap();
    let next = c.check_back_in_time(F, &cancel).await.unwrap();
    assert_eq!(next, 3);
}
