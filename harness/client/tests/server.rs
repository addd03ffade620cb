//! Integration tests against the reference server (`ics-server`) in process:
//! the client talks to it only through ROP buffers (RopSession over an
//! in-memory RopTransport).

mod common;

use std::future::Future;
use std::time::Duration;

use common::subject;
use ics_client::model::{Prop, PropKey, Scope};
use ics_client::replica::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncError, SyncOptions};
use ics_client::sync::ops::OpError;
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::{RopTransport, TransportError};
use ics_server::mailbox::{DeleteKind, Mailbox, MessageContent, MessageEdit};
use ics_server::session::profile::Profile;
use ics_server::session::{Session, SessionError};
use ics_wire::prop::{PropTag, PropValue, TaggedValue, tags};
use ics_wire::{Fid, Mid};

/// The reference server in process.
struct InProcess {
    session: Session,
    start: tokio::time::Instant,
}

impl RopTransport for InProcess {
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        let now = self.start.elapsed().as_millis() as u64;
        let r = self.session.execute_at(&request, now).map_err(|e| match e {
            SessionError::ConnectionLost => TransportError::ConnectionLost,
            SessionError::RpcFormat(_) => TransportError::RpcStatus(0x0000_04B6),
            e => TransportError::Other(e.to_string()),
        });
        std::future::ready(r)
    }
}

type C = Client<RopSession<InProcess>>;

fn session() -> Session {
    Session::new(Mailbox::default(), Profile::default())
}

fn inbox(s: &Session) -> Fid {
    s.special_folders()[4]
}

async fn connect(s: Session, opts: SyncOptions) -> C {
    let t = InProcess {
        session: s,
        start: tokio::time::Instant::now(),
    };
    Client::connect(
        RopSession::new(t, "/o=ics/ou=harness/cn=Recipients/cn=user"),
        Replica::open_in_memory().unwrap(),
        opts,
    )
    .await
    .unwrap()
}

fn srv(c: &mut C) -> &mut Session {
    &mut c.ops_mut().transport_mut().session
}

fn text(v: &str) -> TaggedValue {
    TaggedValue {
        tag: tags::PID_TAG_SUBJECT,
        value: PropValue::unicode(v),
    }
}

fn body(v: &str) -> TaggedValue {
    TaggedValue {
        tag: tags::PID_TAG_BODY,
        value: PropValue::unicode(v),
    }
}

fn add(s: &mut Session, fid: Fid, subject: &str, fai: bool) -> Mid {
    s.mailbox_mut()
        .create_message(
            fid,
            fai,
            MessageContent::with_props([text(subject), body("body")]),
        )
        .unwrap()
}

/// The server changes a stored message itself (no ROP, no client change
/// key): sets `set`, deletes `delete`.
fn server_edit(mb: &mut Mailbox, mid: Mid, set: Vec<TaggedValue>, delete: Vec<PropTag>) {
    mb.modify_message(
        mid,
        MessageEdit {
            set,
            delete,
            ..MessageEdit::default()
        },
        None,
    )
    .unwrap();
}

/// The first message of folder `f` on the server.
fn first_mid(c: &mut C, f: Fid) -> Mid {
    srv(c)
        .mailbox()
        .folder(f)
        .unwrap()
        .messages()
        .next()
        .unwrap()
        .mid
}

/// Conflicting versions of one message: the client creates it (subject
/// "c0", body "cb", at `created`), uploads it, changes its subject to
/// "local" at `local_time`; the server then changes its subject to
/// "server". Returns the message's source key and server MID; the next sync meets the
/// conflict ([MS-OXCFXICS] 3.2.5.9.4.2).
async fn conflicting_versions(c: &mut C, f: Fid, created: u64, local_time: u64) -> (Vec<u8>, Mid) {
    let fid = f.to_u64_le();
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    let props = [
        subject("c0"),
        Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("cb")),
    ];
    let sk = c
        .replica_mut()
        .create_local_message(fid, false, &props, created)
        .unwrap();
    c.sync_contents(fid, &cancel).await.unwrap();
    c.replica_mut()
        .modify_local_message(&sk, &[subject("local")], &[], local_time)
        .unwrap();
    let mid = first_mid(c, f);
    server_edit(srv(c).mailbox_mut(), mid, vec![text("server")], vec![]);
    (sk, mid)
}

/// A reference server whose inbox holds `n` normal messages "m0", "m1", …
fn seeded(n: usize) -> (Session, Fid, Vec<Mid>) {
    let mut s = session();
    let f = inbox(&s);
    let mids = (0..n)
        .map(|i| add(&mut s, f, &format!("m{i}"), false))
        .collect();
    (s, f, mids)
}

/// (source key, read, fai, subject, body) of every message, server side.
type Row = (Vec<u8>, bool, bool, Option<PropValue>, Option<PropValue>);

fn server_rows(s: &Session, fid: Fid) -> Vec<Row> {
    let mb = s.mailbox();
    let mut v: Vec<Row> = mb
        .folder(fid)
        .unwrap()
        .messages()
        .map(|m| {
            let sk = m
                .persisted_source_key
                .clone()
                .unwrap_or_else(|| mb.source_key_of(m.mid.0));
            (
                sk,
                m.read && !m.fai,
                m.fai,
                m.content.props.get(tags::PID_TAG_SUBJECT).cloned(),
                m.content.props.get(tags::PID_TAG_BODY).cloned(),
            )
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn replica_rows(r: &Replica, fid: Fid) -> Vec<Row> {
    let get = |props: &[Prop], t: PropTag| {
        props
            .iter()
            .find(|p| p.key == PropKey::of_tag(t))
            .map(|p| p.value.clone())
    };
    let mut v: Vec<Row> = r
        .messages_in_fid(fid.to_u64_le())
        .unwrap()
        .into_iter()
        .map(|m| {
            let (s, b) = (
                get(&m.props, tags::PID_TAG_SUBJECT),
                get(&m.props, tags::PID_TAG_BODY),
            );
            (m.source_key, m.read, m.fai, s, b)
        })
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

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

/// Upload through the collector: IDs from GetLocalReplicaIds, changes,
/// deletions and read state; the server ends equal and nothing comes back.
#[tokio::test]
async fn upload_against_reference_server() {
    let (s, f, _) = seeded(5);
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    let fid = f.to_u64_le();
    c.sync_contents(fid, &cancel).await.unwrap();
    assert!(c.ensure_ids().await.unwrap());
    let keys: Vec<_> = c
        .replica()
        .messages_in_fid(fid)
        .unwrap()
        .into_iter()
        .map(|m| m.source_key)
        .collect();
    let rep = c.replica_mut();
    rep.create_local_message(
        fid,
        false,
        &[
            subject("from the client"),
            Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("b")),
        ],
        130_000_000_000_000_000,
    )
    .unwrap();
    rep.modify_local_message(
        &keys[0],
        &[subject("edited locally")],
        &[],
        130_000_000_000_000_001,
    )
    .unwrap();
    rep.delete_local_message(&keys[1]).unwrap();
    rep.set_read_local(&keys[2], true).unwrap();
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(
        (r.upload.imported, r.upload.deletes, r.upload.reads),
        (2, 1, 1),
        "{:?}",
        r.upload
    );
    assert!(r.upload.failed.is_empty());
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(
        (r.download.full, r.download.partial, r.download.deleted),
        (0, 0, 0),
        "our uploads do not come back"
    );
}

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

mod converge {
    //! Property: random server changes, random client changes and random
    //! faults (busy, cut connection, cancel) end with the replica equal to the
    //! reference server's folder once fault-free syncs ran.
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        ServerAdd(bool),
        ServerModify(usize),
        ServerDeleteBody(usize),
        ServerDelete(usize, bool),
        ServerRead(usize, bool),
        ClientCreate,
        ClientModify(usize),
        ClientDelete(usize),
        ClientRead(usize, bool),
        Sync(Fault),
    }

    #[derive(Clone, Debug)]
    enum Fault {
        None,
        Busy(u32),
        Cut(u16),
        Cancel,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            3 => any::<bool>().prop_map(Op::ServerAdd),
            2 => any::<usize>().prop_map(Op::ServerModify),
            1 => any::<usize>().prop_map(Op::ServerDeleteBody),
            1 => (any::<usize>(), any::<bool>()).prop_map(|(i, h)| Op::ServerDelete(i, h)),
            1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ServerRead(i, r)),
            2 => Just(Op::ClientCreate),
            2 => any::<usize>().prop_map(Op::ClientModify),
            1 => any::<usize>().prop_map(Op::ClientDelete),
            1 => (any::<usize>(), any::<bool>()).prop_map(|(i, r)| Op::ClientRead(i, r)),
            3 => prop_oneof![
                Just(Fault::None),
                (1u32..3).prop_map(Fault::Busy),
                (1u16..2000).prop_map(Fault::Cut),
                Just(Fault::Cancel),
            ]
            .prop_map(Op::Sync),
        ]
    }

    async fn sync(c: &mut C, fid: u64, cancel: &CancelToken) -> Result<(), SyncError> {
        let r = c.sync_contents(fid, cancel).await;
        if let Err(SyncError::Op(OpError::Transport(TransportError::ConnectionLost))) = &r {
            srv(c).reconnect();
            c.reconnect().await?;
        }
        r.map(|_| ())
    }

    /// `fail_on_conflict`: the client resolves conflicts (true) or leaves
    /// them to the server (false, [MS-OXCFXICS] 3.2.5.9.4.2).
    fn run(ops: Vec<Op>, fail_on_conflict: bool) -> Result<(), TestCaseError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        rt.block_on(async move {
            let s = session();
            let f = inbox(&s);
            let fid = f.to_u64_le();
            let opts = SyncOptions {
                buffer: ics_client::sync::ops::BufferSize::Babe { max: 2048 },
                state_chunk: 64,
                fail_on_conflict,
                ..SyncOptions::default()
            };
            let mut c = connect(s, opts).await;
            c.sync_contents(fid, &CancelToken::new()).await.unwrap();
            let mut t = 134_115_552_000_000_000u64;
            for (n, op) in ops.into_iter().enumerate() {
                t += 10_000_000;
                let mids: Vec<Mid> = srv(&mut c)
                    .mailbox()
                    .folder(f)
                    .unwrap()
                    .messages()
                    .map(|m| m.mid)
                    .collect();
                let local: Vec<Vec<u8>> = c
                    .replica()
                    .messages_in_fid(fid)
                    .unwrap()
                    .into_iter()
                    .filter(|m| m.local != ics_client::replica::schema::LOCAL_DELETED)
                    .map(|m| m.source_key)
                    .collect();
                let pick = |i: usize| mids[i % mids.len()];
                match op {
                    Op::ServerAdd(fai) => {
                        add(srv(&mut c), f, &format!("s{n}"), fai);
                    }
                    Op::ServerModify(i) if !mids.is_empty() => {
                        let e = MessageEdit {
                            set: vec![text(&format!("sm{n}"))],
                            ..MessageEdit::default()
                        };
                        srv(&mut c)
                            .mailbox_mut()
                            .modify_message(pick(i), e, None)
                            .unwrap();
                    }
                    Op::ServerDeleteBody(i) if !mids.is_empty() => {
                        let e = MessageEdit {
                            delete: vec![tags::PID_TAG_BODY],
                            ..MessageEdit::default()
                        };
                        srv(&mut c)
                            .mailbox_mut()
                            .modify_message(pick(i), e, None)
                            .unwrap();
                    }
                    Op::ServerDelete(i, hard) if !mids.is_empty() => {
                        let kind = if hard {
                            DeleteKind::Hard
                        } else {
                            DeleteKind::Soft
                        };
                        srv(&mut c)
                            .mailbox_mut()
                            .delete_message(pick(i), kind)
                            .unwrap();
                    }
                    Op::ServerRead(i, r) if !mids.is_empty() => {
                        srv(&mut c).mailbox_mut().set_read(pick(i), r).unwrap();
                    }
                    Op::ClientCreate => {
                        if c.ensure_ids().await.is_err() {
                            srv(&mut c).reconnect();
                            c.reconnect().await.unwrap();
                            c.ensure_ids().await.unwrap();
                        }
                        let props = [
                            subject(&format!("c{n}")),
                            Prop::tagged(tags::PID_TAG_BODY, PropValue::unicode("cb")),
                        ];
                        c.replica_mut()
                            .create_local_message(fid, false, &props, t)
                            .unwrap();
                    }
                    Op::ClientModify(i) if !local.is_empty() => {
                        let sk = &local[i % local.len()];
                        c.replica_mut()
                            .modify_local_message(sk, &[subject(&format!("cm{n}"))], &[], t)
                            .unwrap();
                    }
                    Op::ClientDelete(i) if !local.is_empty() => {
                        let sk = local[i % local.len()].clone();
                        c.replica_mut().delete_local_message(&sk).unwrap();
                    }
                    Op::ClientRead(i, r) if !local.is_empty() => {
                        let sk = local[i % local.len()].clone();
                        c.replica_mut().set_read_local(&sk, r).unwrap();
                    }
                    Op::Sync(fault) => {
                        let cancel = CancelToken::new();
                        match fault {
                            Fault::None => {}
                            Fault::Busy(k) => {
                                srv(&mut c).faults_mut().busy_remaining = k;
                                srv(&mut c).faults_mut().busy_backoff = 100;
                            }
                            Fault::Cut(b) => {
                                srv(&mut c).faults_mut().cut_after_bytes = Some(usize::from(b))
                            }
                            Fault::Cancel => cancel.cancel(),
                        }
                        let r = sync(&mut c, fid, &cancel).await;
                        srv(&mut c).faults_mut().cut_after_bytes = None;
                        if matches!(fault, Fault::None | Fault::Busy(_)) {
                            prop_assert!(r.is_ok(), "fault-free sync failed: {r:?}");
                        }
                    }
                    _ => {}
                }
            }
            for _ in 0..3 {
                sync(&mut c, fid, &CancelToken::new()).await.unwrap();
            }
            prop_assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
            let p = c.replica().pending(fid).unwrap();
            prop_assert!(
                p.changes.is_empty() && p.deletes.is_empty() && p.reads.is_empty(),
                "{p:?}"
            );
            Ok(())
        })
    }

    proptest! {
        // ICS_CONVERGE_CASES raises the case count for a longer run.
        #![proptest_config(ProptestConfig {
            cases: std::env::var("ICS_CONVERGE_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(48),
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn replica_converges_to_reference_server(ops in proptest::collection::vec(op(), 1..30)) {
            run(ops, true)?;
        }

        #[test]
        fn replica_converges_with_server_resolved_conflicts(ops in proptest::collection::vec(op(), 1..30)) {
            run(ops, false)?;
        }
    }

    /// A case proptest found: a read-state change after the server resolved a
    /// conflict must reach the replica through the versions sent for it (the
    /// read state is the message's, not a version's).
    #[test]
    fn read_change_after_a_server_resolved_conflict_converges() {
        let ops = vec![
            Op::ClientCreate,
            Op::Sync(Fault::None),
            Op::ServerModify(0),
            Op::ClientModify(0),
            Op::Sync(Fault::Cancel),
            Op::ServerAdd(false),
            Op::ServerAdd(false),
            Op::ClientRead(0, true),
            Op::ServerRead(0, false),
            Op::ServerAdd(false),
            Op::ServerAdd(false),
            Op::ServerAdd(false),
        ];
        run(ops, false).unwrap();
    }

    /// A case proptest found: a server edit after the server resolved a
    /// conflict must reach the replica (the conflict resolve message then
    /// goes out as itself, no longer as its earlier versions).
    #[test]
    fn server_edit_after_a_server_resolved_conflict_converges() {
        let ops = vec![
            Op::ServerAdd(false),
            Op::Sync(Fault::None),
            Op::ServerModify(0),
            Op::ClientModify(0),
            Op::Sync(Fault::None),
            Op::ServerModify(0),
        ];
        run(ops, false).unwrap();
    }
}

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

/// reserved IDs that will never be used are reported with
/// RopSetLocalReplicaMidsetDeleted and never handed out again.
#[tokio::test]
async fn unused_reserved_ids_are_reported() {
    let s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let mut c = connect(
        s,
        SyncOptions {
            id_batch: 0x200,
            ..SyncOptions::default()
        },
    )
    .await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    c.ensure_ids().await.unwrap();
    c.replica_mut()
        .create_local_message(fid, false, &[subject("one")], 134_115_552_010_000_000)
        .unwrap();
    c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(c.release_unused_ids(fid).await.unwrap(), 0x1FF);
    assert_eq!(c.replica().reserved_ids().unwrap(), (0, 0x200));
    assert_eq!(
        c.release_unused_ids(fid).await.unwrap(),
        0,
        "nothing left to report"
    );
    assert!(
        c.replica_mut()
            .create_local_message(fid, false, &[], 1)
            .is_err(),
        "never reused (R-309)"
    );
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

/// a changed message is uploaded whole: with recipients and
/// attachments it goes through a FastTransfer upload context (messageContent),
/// and the server keeps them.
#[tokio::test]
async fn upload_keeps_recipients_and_attachments() {
    use ics_server::mailbox::{Attachment, PropertyBag};
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let recipient = PropertyBag::from_values([
        TaggedValue {
            tag: PropTag(0x3000_0003),
            value: PropValue::I32(0),
        },
        TaggedValue {
            tag: tags::PID_TAG_DISPLAY_NAME,
            value: PropValue::unicode("Alice"),
        },
    ]);
    let attachment = Attachment {
        props: PropertyBag::from_values([TaggedValue {
            tag: PropTag(0x3704_001F),
            value: PropValue::unicode("a.txt"),
        }]),
        embedded: None,
    };
    let content = MessageContent {
        props: PropertyBag::from_values([text("with children"), body("b")]),
        recipients: vec![recipient],
        attachments: vec![attachment],
    };
    let mid = s.mailbox_mut().create_message(f, false, content).unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let sk = c.replica().messages_in_fid(fid).unwrap()[0]
        .source_key
        .clone();
    let m = c.replica().message(&sk).unwrap().unwrap();
    assert_eq!(
        (m.recipients.len(), m.attachments.len()),
        (1, 1),
        "children downloaded"
    );
    c.replica_mut()
        .modify_local_message(&sk, &[subject("edited")], &[], 134_115_552_090_000_000)
        .unwrap();
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(r.upload.imported, 1, "{:?}", r.upload);
    let sent = &c.ops_mut().sent_rops;
    assert!(
        sent.contains(&0x53) && sent.contains(&0x54),
        "DestinationConfigure + PutBuffer used"
    );
    let sm = srv(&mut c).mailbox().message(mid).unwrap().clone();
    assert_eq!(
        sm.content.props.get(tags::PID_TAG_SUBJECT),
        Some(&PropValue::unicode("edited"))
    );
    assert_eq!(
        sm.content.recipients.len(),
        1,
        "recipients kept on the server"
    );
    assert_eq!(
        sm.content.attachments.len(),
        1,
        "attachments kept on the server"
    );
    assert_eq!(
        sm.content.attachments[0].props.get(PropTag(0x3704_001F)),
        Some(&PropValue::unicode("a.txt"))
    );
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

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

/// client headers: with OnlySpecifiedProperties only the listed
/// properties arrive.
#[tokio::test]
async fn client_headers_only_specified_properties() {
    let mut s = session();
    let f = inbox(&s);
    add(&mut s, f, "header only", false);
    let opts = SyncOptions {
        only_specified: Some(vec![tags::PID_TAG_SUBJECT]),
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!(r.download.full, 1);
    let m = &c.replica().messages_in_fid(f.to_u64_le()).unwrap()[0];
    assert!(
        m.props
            .iter()
            .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_SUBJECT))
    );
    assert!(
        !m.props
            .iter()
            .any(|p| p.key == PropKey::of_tag(tags::PID_TAG_BODY)),
        "{:?}",
        m.props
    );
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

/// against ics-server: a header downloaded with
/// OnlySpecifiedProperties is completed into the full item through
/// RopFastTransferSourceCopyMessages with SendEntryId; the ICS state is not
/// changed, so the next sync brings nothing.
#[tokio::test]
async fn client_headers_completed_by_copy_messages() {
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    add(&mut s, f, "hdr", false);
    let opts = SyncOptions {
        only_specified: Some(vec![tags::PID_TAG_SUBJECT]),
        ..SyncOptions::default()
    };
    let mut c = connect(s, opts).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let sk = c.replica().messages_in_fid(fid).unwrap()[0]
        .source_key
        .clone();
    let has = |c: &C, t: PropTag| {
        c.replica()
            .message(&sk)
            .unwrap()
            .unwrap()
            .props
            .iter()
            .any(|p| p.key == PropKey::of_tag(t))
    };
    assert!(has(&c, tags::PID_TAG_SUBJECT) && !has(&c, tags::PID_TAG_BODY));
    assert_eq!(
        c.complete_headers(fid, std::slice::from_ref(&sk), &cancel)
            .await
            .unwrap(),
        1
    );
    assert!(has(&c, tags::PID_TAG_SUBJECT) && has(&c, tags::PID_TAG_BODY));
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let m = c.replica().message(&sk).unwrap().unwrap();
    let on_server = srv(&mut c)
        .mailbox()
        .folder(f)
        .unwrap()
        .messages()
        .next()
        .unwrap()
        .last_modified;
    assert_eq!(m.last_modification_time, on_server);
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.download.partial), (0, 0));
}

/// against ics-server: the back-in-time counter lives in a
/// client-owned FAI message read back with CopyMessages; a replica or a
/// server that went back in time is detected.
#[tokio::test]
async fn back_in_time_detection_against_reference_server() {
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    add(&mut s, f, "m", false);
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 0);
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 1);
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 2);
    let sk = c.replica().back_in_time_message().unwrap().unwrap();
    assert!(c.replica().message(&sk).unwrap().unwrap().fai);
    let fai_on_server = srv(&mut c)
        .mailbox()
        .folder(f)
        .unwrap()
        .messages()
        .filter(|m| m.fai)
        .count();
    assert_eq!(fai_on_server, 1, "the counter message reached the server");
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.upload.imported), (0, 0));
    c.replica_mut().set_back_in_time_counter(1).unwrap();
    match c.check_back_in_time(fid, &cancel).await {
        Err(SyncError::BackInTime {
            local: 1,
            server: Some(2),
        }) => {}
        other => panic!("{other:?}"),
    }
    c.replica_mut().set_back_in_time_counter(7).unwrap();
    match c.check_back_in_time(fid, &cancel).await {
        Err(SyncError::BackInTime {
            local: 7,
            server: Some(2),
        }) => {}
        other => panic!("{other:?}"),
    }
    c.replica_mut().set_back_in_time_counter(2).unwrap();
    assert_eq!(c.check_back_in_time(fid, &cancel).await.unwrap(), 3);
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
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

/// end to end: the Message object of an ImportMessageChange
/// for an existing message starts purged, so the client's upload (through
/// its RopSession, ROP bytes only) replaces the whole message: props only
/// drops the server's recipients and attachments; a messageContent upload
/// with one recipient leaves exactly that recipient. The next download
/// brings the replica to the same content.
#[tokio::test]
async fn import_replaces_recipients_and_attachments() {
    use ics_client::model::{Children, Prop as P};
    use ics_client::sync::ops::{IcsOps, ImportHeader, ImportOutcome};
    use ics_server::mailbox::{Attachment, PropertyBag};
    use ics_wire::pcl::Pcl;
    let mut s = session();
    let f = inbox(&s);
    let fid = f.to_u64_le();
    let recipient = |name: &str| {
        PropertyBag::from_values([
            TaggedValue {
                tag: PropTag(0x3000_0003),
                value: PropValue::I32(0),
            },
            TaggedValue {
                tag: tags::PID_TAG_DISPLAY_NAME,
                value: PropValue::unicode(name),
            },
        ])
    };
    let content = MessageContent {
        props: PropertyBag::from_values([text("old"), body("old body")]),
        recipients: vec![recipient("Alice"), recipient("Bob")],
        attachments: vec![Attachment {
            props: PropertyBag::from_values([TaggedValue {
                tag: PropTag(0x3704_001F),
                value: PropValue::unicode("a.txt"),
            }]),
            embedded: None,
        }],
    };
    let mid = s.mailbox_mut().create_message(f, false, content).unwrap();
    let mut c = connect(s, SyncOptions::default()).await;
    let cancel = CancelToken::new();
    c.sync_contents(fid, &cancel).await.unwrap();
    let m = c.replica().messages_in_fid(fid).unwrap().remove(0);
    assert_eq!((m.recipients.len(), m.attachments.len()), (2, 1));
    let ns = ics_wire::Guid::from_bytes([0xC7; 16]);
    let mut pcl = Pcl::decode_lenient(&m.pcl).unwrap();
    let upload = |n: u64, pcl: &mut Pcl| {
        let ck = ics_wire::ids::Xid::new(ns, &n.to_be_bytes()).unwrap();
        pcl.insert(ck);
        ImportHeader {
            source_key: m.source_key.clone(),
            last_modification_time: 134_200_000_000_000_000 + n,
            change_key: ck.to_bytes(),
            pcl: pcl.to_bytes(),
            fail_on_conflict: true,
        }
    };
    let server_children = |c: &mut C| {
        let sm = srv(c).mailbox().message(mid).unwrap().clone();
        (
            sm.content.props.get(tags::PID_TAG_SUBJECT).cloned(),
            sm.content.props.get(tags::PID_TAG_BODY).cloned(),
            sm.content.recipients.len(),
            sm.content.attachments.len(),
        )
    };
    // Properties only (SetProperties path).
    let h = upload(1, &mut pcl);
    let ops = c.ops_mut();
    let folder = ops.open_folder(fid).await.unwrap();
    let col = ops.open_collector(folder, true).await.unwrap();
    let props = [subject("props only")];
    let out = ops
        .import_message(col, false, &h, &props, &Children::default())
        .await
        .unwrap();
    assert_eq!(out, ImportOutcome::Imported);
    assert_eq!(
        server_children(&mut c),
        (Some(PropValue::unicode("props only")), None, 0, 0),
        "nothing of the old message survives"
    );
    // messageContent path with one new recipient.
    let h = upload(2, &mut pcl);
    let rcpt = vec![
        P::tagged(PropTag(0x3000_0003), PropValue::I32(0)),
        P::tagged(tags::PID_TAG_DISPLAY_NAME, PropValue::unicode("Carol")),
    ];
    let children = Children {
        recipients: Some(vec![rcpt]),
        attachments: Some(vec![]),
    };
    let props = [subject("with Carol")];
    let ops = c.ops_mut();
    let out = ops
        .import_message(col, false, &h, &props, &children)
        .await
        .unwrap();
    assert_eq!(out, ImportOutcome::Imported);
    ops.release(col).await.unwrap();
    ops.release(folder).await.unwrap();
    assert_eq!(
        server_children(&mut c),
        (Some(PropValue::unicode("with Carol")), None, 1, 0)
    );
    let sm = srv(&mut c).mailbox().message(mid).unwrap().clone();
    assert_eq!(
        sm.content.recipients[0].get(tags::PID_TAG_DISPLAY_NAME),
        Some(&PropValue::unicode("Carol"))
    );
    // These uploads bypassed the replica: the next download brings them.
    c.sync_contents(fid, &cancel).await.unwrap();
    let m = c.replica().messages_in_fid(fid).unwrap().remove(0);
    assert_eq!((m.recipients.len(), m.attachments.len()), (1, 0));
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// Three messages synchronized, then local changes of every kind: m1
/// deleted, m2 marked read, one message created.
async fn local_changes_of_every_kind(opts: SyncOptions) -> (C, Fid) {
    let mut s = session();
    let f = inbox(&s);
    let mids: Vec<Mid> = (1..=3)
        .map(|i| add(&mut s, f, &format!("m{i}"), false))
        .collect();
    let sks: Vec<Vec<u8>> = mids
        .iter()
        .map(|m| s.mailbox().source_key_of(m.0))
        .collect();
    let mut c = connect(s, opts).await;
    let fid = f.to_u64_le();
    c.sync_contents(fid, &CancelToken::new()).await.unwrap();
    c.ensure_ids().await.unwrap();
    c.replica_mut().delete_local_message(&sks[0]).unwrap();
    assert!(c.replica_mut().set_read_local(&sks[1], true).unwrap());
    c.replica_mut()
        .create_local_message(fid, false, &[subject("new")], 134_115_552_010_000_000)
        .unwrap();
    (c, f)
}

/// R-231 ([MS-OXCFXICS] 3.3.4.3.3.2): the import ROPs may come in any
/// order on one collector; read states first, then deletions, then changes
/// give the same result.
#[tokio::test]
async fn imports_in_another_order_converge() {
    use ics_client::sync::engine::ImportKind;
    let opts = SyncOptions {
        import_order: [
            ImportKind::ReadStates,
            ImportKind::Deletes,
            ImportKind::Changes,
        ],
        ..SyncOptions::default()
    };
    let (mut c, f) = local_changes_of_every_kind(opts).await;
    let up = c.upload_contents(f.to_u64_le()).await.unwrap();
    assert_eq!((up.reads, up.deletes, up.imported), (1, 1, 1), "{up:?}");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c
        .sync_contents(f.to_u64_le(), &CancelToken::new())
        .await
        .unwrap();
    assert_eq!((r.download.full, r.download.deleted), (0, 0), "{r:?}");
}

/// R-139 ([MS-OXCFXICS] 3.3.4.3.3): an upload without state upload works;
/// the saved CnsetSeen stays as it was, so the uploaded change comes down
/// once more, equal to the client's version, and then nothing.
#[tokio::test]
async fn upload_without_state_upload() {
    let opts = SyncOptions {
        upload_state_before_import: false,
        ..SyncOptions::default()
    };
    let (mut c, f) = local_changes_of_every_kind(opts).await;
    let scope = Scope::contents(f.to_u64_le());
    let before = c.replica().state(&scope).unwrap();
    let up = c.upload_contents(f.to_u64_le()).await.unwrap();
    assert_eq!(up.imported, 1);
    let after = c.replica().state(&scope).unwrap();
    assert_eq!(after.cnset_seen, before.cnset_seen);
    assert_ne!(after.idset_given, before.idset_given, "R-212");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let cancel = CancelToken::new();
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.full, 1, "the upload comes back once: {r:?}");
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
    let r = c.sync_contents(f.to_u64_le(), &cancel).await.unwrap();
    assert_eq!(r.download.full, 0, "{r:?}");
}

/// the same version uploaded again (its acknowledgment lost)
/// is answered with SyncIgnore, which the engine counts as done, not as a
/// failure; the upload completes with its state.
#[tokio::test]
async fn reimport_answered_with_sync_ignore_is_not_fatal() {
    let mut s = session();
    let f = inbox(&s);
    let mid = add(&mut s, f, "m1", false);
    let sk = s.mailbox().source_key_of(mid.0);
    let mut c = connect(s, SyncOptions::default()).await;
    let (fid, cancel) = (f.to_u64_le(), CancelToken::new());
    c.sync_contents(fid, &cancel).await.unwrap();
    c.replica_mut()
        .modify_local_message(&sk, &[subject("local")], &[], 134_115_552_010_000_000)
        .unwrap();
    assert_eq!(c.upload_contents(fid).await.unwrap().imported, 1);
    assert!(c.replica_mut().mark_unacknowledged(&sk).unwrap());
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.upload.ignored, r.upload.imported), (1, 0), "{r:?}");
    assert!(r.upload.failed.is_empty());
    assert!(c.replica().pending(fid).unwrap().changes.is_empty());
    assert_eq!(replica_rows(c.replica(), f), server_rows(srv(&mut c), f));
}

/// An output buffer too small for any stream byte does not make the client
/// loop: the reference server refuses the GetBuffer with ecBufferTooSmall
/// (R-009/R-010; it used to answer empty Partial responses for ever, which the
/// client gives up on after MAX_EMPTY_PORTIONS), and the client fails the
/// download and keeps its replica and state.
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
        Err(SyncError::TransferFailed { code: 0x0000_047D }) => {}
        other => panic!("{other:?}"),
    }
    assert!(replica_rows(c.replica(), f).is_empty());
}
