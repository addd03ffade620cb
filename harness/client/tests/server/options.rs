//! Request options against the reference server: buffer sizes, flags, cancel, restrictions.

use super::*;

/// a fixed BufferSize that does not fit the server's output
/// buffer gets RopBufferTooSmall; the client grows (0xBABE) and completes.
#[tokio::test]
async fn buffer_too_small_then_babe() {
    let (mut s, f, _) = seeded(30);
    s.set_max_output(0x1000);
    let opts = SyncOptions {
        buffer: ics_client::sync::ops::BufferSize::Fixed(15480),
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.buffer_too_small, 1);
    assert_eq!(r.download.full, 30);
    assert!(
        r.get_buffer_calls > 1,
        "portions limited by the 4 KiB output buffer"
    );
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// with Progress the client records progressTotal and one
/// progressPerMessage per change; it sees which extra flags were honoured.
#[tokio::test]
async fn progress_and_extra_flags_are_observed() {
    let (s, f, _) = seeded(4);
    let opts = SyncOptions {
        progress: true,
        extra_flags: 0x1 | 0x2 | 0x4,
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(
        r.progress_total.as_ref().map(Vec::len),
        Some(32),
        "ProgressInformation is 32 bytes"
    );
    assert_eq!(r.progress_per_message, 4);
    // the progress report counts the messages begun against progressTotal.
    let p = &r.progress_report;
    assert_eq!(p.messages, Some((4, 4)));
    assert_eq!(p.remaining, Some(Duration::ZERO));
    assert_eq!(p.steps.len() as u64, r.get_buffer_calls);
    assert_eq!(p.steps.last().map(|s| s.bytes), Some(r.bytes));
    assert_eq!(r.headers.total, 4);
    assert_eq!(
        (r.headers.with_mid, r.headers.with_cn, r.headers.with_size),
        (4, 4, 4)
    );
    // Without extra flags the header carries none of them (R-101..R-103 "if and only if").
    let mut s = session();
    let f = inbox(&s);
    add(&mut s, f, "m", false);
    let mut c = connect(
        s,
        SyncOptions {
            extra_flags: 0,
            ..SyncOptions::default()
        },
    )
    .await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.progress_total, None);
    assert_eq!(r.progress_report.messages, None);
    assert_eq!(
        (
            r.headers.total,
            r.headers.with_mid,
            r.headers.with_cn,
            r.headers.with_size
        ),
        (1, 0, 0, 0)
    );
}

/// Probes through the client options: the unknown SendOptions bit 0x80 fails
/// the configure (R-077, expected 0x80070057), and nothing is applied; an
/// unknown SynchronizationExtraFlags bit is ignored.
#[tokio::test]
async fn option_probes_unknown_bits() {
    let mut s = session();
    let f = inbox(&s);
    add(&mut s, f, "m", false);
    let opts = SyncOptions {
        send_options_extra: 0x80,
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    match c.sync_contents(f.to_u64_le(), &CancelToken::new()).await {
        Err(SyncError::Op(OpError::Rop {
            rop: "RopSynchronizationConfigure",
            code,
        })) => assert_eq!(code, 0x8007_0057),
        other => panic!("{other:?}"),
    }
    assert!(
        c.replica()
            .messages_in_fid(f.to_u64_le())
            .unwrap()
            .is_empty()
    );
    c.options_mut().send_options_extra = 0;
    c.options_mut().extra_flags |= 0x0000_0010;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 1);
}

/// a cancel during a busy back-off stops the download with
/// nothing applied; the next sync converges.
#[tokio::test(start_paused = true)]
async fn cancel_against_reference_server() {
    let (mut s, f, _) = seeded(10);
    s.faults_mut().busy_remaining = 1;
    s.faults_mut().busy_backoff = 60_000;
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let c2 = cancel.clone();
    let h = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(10)).await;
        c2.cancel();
    });
    let r = c.sync_contents(f.to_u64_le(), &cancel).await;
    h.await.unwrap();
    assert!(matches!(r, Err(SyncError::Cancelled)), "{r:?}");
    assert!(
        c.replica()
            .messages_in_fid(f.to_u64_le())
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        c.replica().state(&Scope::contents(f.to_u64_le())).unwrap(),
        Default::default()
    );
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 10);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// with a restriction the scope has its own state; a message
/// that stops matching is reported no longer in scope and leaves the replica.
#[tokio::test]
async fn restriction_and_no_longer_in_scope() {
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let with_body = add(&mut s, f, "has body", false);
    let bare = s
        .mailbox_mut()
        .create_message(f, false, MessageContent::with_props([text("no body")]))
        .unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    // ExistRestriction (RestrictType 0x08) on PidTagBody 0x1000001F.
    let scope = Scope {
        restriction: vec![0x08, 0x1F, 0x00, 0x00, 0x10],
        ..Scope::contents(fid)
    };
    let r = c.sync_contents_scope(&scope, &cancel).await.unwrap();
    assert_eq!(
        r.download.full, 1,
        "only the message with a body is in scope"
    );
    let sk = srv(&mut c).mailbox().source_key_of(with_body.0);
    assert!(c.replica().message(&sk).unwrap().is_some());
    let bare_sk = srv(&mut c).mailbox().source_key_of(bare.0);
    assert!(c.replica().message(&bare_sk).unwrap().is_none());
    assert_eq!(
        c.replica().state(&Scope::contents(fid)).unwrap(),
        Default::default(),
        "states per scope"
    );
    server_edit(
        srv(&mut c).mailbox_mut(),
        with_body,
        vec![],
        vec![tags::PID_TAG_BODY],
    );
    let r = c.sync_contents_scope(&scope, &cancel).await.unwrap();
    assert_eq!(r.download.deleted, 1, "no longer in scope");
    assert!(c.replica().message(&sk).unwrap().is_none());
}

/// A server that answers Partial with no data for ever (here: an output buffer
/// too small for any stream byte) does not make the client loop: it gives up
/// after MAX_EMPTY_PORTIONS empty responses and keeps its replica and state.
#[tokio::test]
async fn no_progress_is_bounded() {
    let mut s = session();
    let f = inbox(&s);
    add(&mut s, f, "m", false);
    let mut c = connect(s, SyncOptions::default()).await;
    srv(&mut c).set_max_output(10);
    let r = c.sync_contents(f.to_u64_le(), &CancelToken::new()).await;
    match r {
        Err(SyncError::Op(OpError::Protocol(m))) => assert!(m.contains("no progress"), "{m}"),
        other => panic!("{other:?}"),
    }
    assert!(replica_rows(c.replica(), f).is_empty());
}
