//! The client's life cycle against the reference server in process: a
//! replica restored from an older copy of its database is detected by the
//! back-in-time counter and abandoned ([MS-OXCSYNC] 3.1.3.1.1.1; R-269,
//! R-312); a client restarted from its database keeps its states.

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use ics_client::ReplicaError;
use ics_client::model::Scope;
use ics_client::replica::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncError, SyncOptions};
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::{RopTransport, TransportError};
use ics_server::mailbox::{Mailbox, MessageContent};
use ics_server::session::Session;
use ics_server::session::profile::Profile;
use ics_wire::prop::{PropValue, TaggedValue, tags};

/// One reference server shared by the clients of a test.
#[derive(Clone)]
struct Shared(Arc<Mutex<Session>>);

impl RopTransport for Shared {
    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        let r = self
            .0
            .lock()
            .unwrap()
            .execute(&request)
            .map_err(|e| TransportError::Other(e.to_string()));
        std::future::ready(r)
    }
}

type C = Client<RopSession<Shared>>;

async fn connect(s: &Shared, replica: Replica) -> C {
    Client::connect(
        RopSession::new(s.clone(), "/o=ics/ou=harness/cn=Recipients/cn=user"),
        replica,
        SyncOptions::default(),
    )
    .await
    .unwrap()
}

/// A directory removed when the test ends.
struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let p = std::env::temp_dir().join(format!("ics-client-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        Dir(p)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn server() -> (Shared, u64) {
    let mut s = Session::new(Mailbox::default(), Profile::default());
    let inbox = s.special_folders()[4];
    s.mailbox_mut()
        .create_message(
            inbox,
            false,
            MessageContent::with_props([TaggedValue {
                tag: tags::PID_TAG_SUBJECT,
                value: PropValue::unicode("m"),
            }]),
        )
        .unwrap();
    (Shared(Arc::new(Mutex::new(s))), inbox.to_u64_le())
}

#[tokio::test]
async fn a_replica_restored_from_an_older_copy_is_abandoned() {
    let dir = Dir::new("restore");
    let (s, fid) = server();
    let cancel = CancelToken::new();
    let mut c = connect(&s, Replica::open(dir.0.join("a.db")).unwrap()).await;
    c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!(c.start_session(fid, &cancel).await.unwrap(), 0);
    c.replica().copy_to(dir.0.join("copy.db")).unwrap();
    assert_eq!(c.start_session(fid, &cancel).await.unwrap(), 1);
    assert_eq!(c.replica().abandoned().unwrap(), None);
    drop(c);

    let mut c = connect(&s, Replica::open(dir.0.join("copy.db")).unwrap()).await;
    assert!(!c.replica().unused_id_ranges().unwrap().is_empty());
    match c.start_session(fid, &cancel).await {
        Err(SyncError::BackInTime {
            local: 0,
            server: Some(1),
        }) => {}
        other => panic!("{other:?}"),
    }
    assert!(c.replica().abandoned().unwrap().is_some());
    assert!(c.replica().unused_id_ranges().unwrap().is_empty());
    assert!(matches!(
        c.replica_mut().allocate_ids(1),
        Err(ReplicaError::NoReservedIds)
    ));
    for r in [
        c.start_session(fid, &cancel).await.map(|_| ()),
        c.sync_contents(fid, &cancel).await.map(|_| ()),
        c.upload_contents(fid).await.map(|_| ()),
    ] {
        assert!(matches!(r, Err(SyncError::Abandoned(_))), "{r:?}");
    }

    // The replica that was not restored goes on.
    let mut c = connect(&s, Replica::open(dir.0.join("a.db")).unwrap()).await;
    assert_eq!(c.start_session(fid, &cancel).await.unwrap(), 2);
}

#[tokio::test]
async fn a_restarted_client_keeps_its_states_and_downloads_nothing_again() {
    let dir = Dir::new("restart");
    let (s, fid) = server();
    let cancel = CancelToken::new();
    let mut c = connect(&s, Replica::open(dir.0.join("a.db")).unwrap()).await;
    assert_eq!(
        c.sync_contents(fid, &cancel).await.unwrap().download.full,
        1
    );
    c.sync_hierarchy(fid, &cancel).await.unwrap();
    let path = c.replica().path().unwrap();
    drop(c);
    let mut c = connect(&s, Replica::open(path).unwrap()).await;
    assert_eq!(
        c.replica().saved_scopes().unwrap(),
        [Scope::contents(fid), Scope::hierarchy(fid)]
    );
    let r = c.sync_contents(fid, &cancel).await.unwrap();
    assert_eq!((r.download.full, r.download.partial), (0, 0));
}

/// R-198 ([MS-OXCFXICS] 3.3.5.6): with checkpoints every 10 messages, a
/// download cancelled after 15 keeps the first 10 with a state that covers
/// them, and the next download brings only the rest.
#[tokio::test]
async fn a_cancelled_download_resumes_from_its_last_checkpoint() {
    use ics_client::sync::ops::BufferSize;
    let (s, fid) = server();
    for i in 1..30 {
        let inbox = s.0.lock().unwrap().special_folders()[4];
        s.0.lock()
            .unwrap()
            .mailbox_mut()
            .create_message(
                inbox,
                false,
                MessageContent::with_props([TaggedValue {
                    tag: tags::PID_TAG_SUBJECT,
                    value: PropValue::unicode(&format!("m{i}")),
                }]),
            )
            .unwrap();
    }
    let mut c = connect(&s, Replica::open_in_memory().unwrap()).await;
    c.options_mut().checkpoint_every = Some(10);
    c.options_mut().buffer = BufferSize::Fixed(256);
    let scope = Scope::contents(fid);
    let cancel = CancelToken::new();
    let mut seen = 0;
    let r = c
        .download_observed(&scope, &cancel, &mut |_| {
            seen += 1;
            if seen == 15 {
                cancel.cancel();
            }
        })
        .await;
    assert!(matches!(r, Err(SyncError::Cancelled)), "{r:?}");
    let held = c.replica().messages_in_fid(fid).unwrap().len();
    assert_eq!(
        held, 10,
        "the first checkpoint is kept, the rest rolled back"
    );
    assert_ne!(c.replica().state(&scope).unwrap(), Default::default());
    let r = c.sync_contents(fid, &CancelToken::new()).await.unwrap();
    assert_eq!(
        r.download.full, 20,
        "only what the checkpoint does not cover"
    );
    assert_eq!(r.checkpoints, 2);
    assert_eq!(c.replica().messages_in_fid(fid).unwrap().len(), 30);
    let r = c.sync_contents(fid, &CancelToken::new()).await.unwrap();
    assert_eq!((r.download.full, r.checkpoints), (0, 0));

    // Without Eid and CN there is nothing to build a checkpoint from.
    let mut c = connect(&s, Replica::open_in_memory().unwrap()).await;
    c.options_mut().checkpoint_every = Some(10);
    c.options_mut().extra_flags = 0;
    let r = c.sync_contents(fid, &CancelToken::new()).await;
    assert!(matches!(r, Err(SyncError::Checkpoint(_))), "{r:?}");
    assert!(c.replica().messages_in_fid(fid).unwrap().is_empty());
}
