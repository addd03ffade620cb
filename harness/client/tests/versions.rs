//! Versions in conflict against the reference server ([MS-OXCFXICS]
//! 3.1.5.6.2.1): a server holding a conflict resolve message sends each
//! version as a separate message change; a client that downloads them
//! detects the conflict, keeps the same winner as the server (last writer
//! wins) and keeps the losers linked.

mod common;

use std::future::Future;

use common::subject;
use ics_client::model::{Prop, PropKey};
use ics_client::replica::Replica;
use ics_client::sync::cancel::CancelToken;
use ics_client::sync::engine::{Client, SyncOptions};
use ics_client::sync::rop_session::RopSession;
use ics_client::transport::{RopTransport, TransportError};
use ics_server::mailbox::{Mailbox, MessageEdit};
use ics_server::session::profile::Profile;
use ics_server::session::{Session, SessionError};
use ics_wire::prop::{PropValue, TaggedValue, tags};

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
            e => TransportError::Other(e.to_string()),
        });
        std::future::ready(r)
    }
}

type C = Client<RopSession<InProcess>>;

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

fn prop(props: &[Prop], t: ics_wire::prop::PropTag) -> Option<&PropValue> {
    props
        .iter()
        .find(|p| p.key == PropKey::of_tag(t))
        .map(|p| &p.value)
}

/// Client B leaves conflicts to the server (no FailOnConflict): it creates a
/// message, changes it locally at `local_time` while the server changes it
/// too, and syncs; the server keeps a conflict resolve message. Returns the
/// server session and the winner's subject on the server.
async fn server_with_conflict(local_time: u64) -> (Session, String) {
    let s = Session::new(Mailbox::default(), Profile::default());
    let f = s.special_folders()[4];
    let fid = f.to_u64_le();
    let opts = SyncOptions {
        fail_on_conflict: false,
        ..SyncOptions::default()
    };
    let mut b = connect(s, opts).await;
    let cancel = CancelToken::new();
    b.sync_contents(fid, &cancel).await.unwrap();
    b.ensure_ids().await.unwrap();
    let sk = b
        .replica_mut()
        .create_local_message(fid, false, &[subject("c0")], 134_000_000_000_000_000)
        .unwrap();
    b.sync_contents(fid, &cancel).await.unwrap();
    b.replica_mut()
        .modify_local_message(&sk, &[subject("local")], &[], local_time)
        .unwrap();
    let mid = srv(&mut b)
        .mailbox()
        .folder(f)
        .unwrap()
        .messages()
        .next()
        .unwrap()
        .mid;
    let edit = MessageEdit {
        set: vec![TaggedValue {
            tag: tags::PID_TAG_SUBJECT,
            value: PropValue::unicode("server"),
        }],
        ..MessageEdit::default()
    };
    srv(&mut b)
        .mailbox_mut()
        .modify_message(mid, edit, None)
        .unwrap();
    b.sync_contents(fid, &cancel).await.unwrap();
    let s = std::mem::replace(
        srv(&mut b),
        Session::new(Mailbox::default(), Profile::default()),
    );
    let m = s.mailbox().message(mid).unwrap();
    assert!(
        ics_server::session::conflict::is_conflict_resolve(&m.content),
        "the server keeps a conflict resolve message"
    );
    let winner = match m.content.props.get(tags::PID_TAG_SUBJECT) {
        Some(PropValue::Unicode(u)) => u.to_string_lossy(),
        other => panic!("{other:?}"),
    };
    (s, winner)
}

/// A fresh client downloads both versions, detects the conflict, keeps the
/// server's winner in place with the server's ChangeKey and PCL, and keeps
/// the loser in the conflicts folder, linked through PidTagConflictItems.
#[tokio::test]
async fn versions_in_conflict_resolve_to_the_servers_winner() {
    for (local_time, expected) in [
        (134_000_000_000_000_000u64, "server"),
        (u64::MAX / 4, "local"),
    ] {
        let (s, winner) = server_with_conflict(local_time).await;
        assert_eq!(winner, expected);
        let f = s.special_folders()[4];
        let fid = f.to_u64_le();
        let mut a = connect(s, SyncOptions::default()).await;
        let cancel = CancelToken::new();
        let r = a.sync_contents(fid, &cancel).await.unwrap();
        assert_eq!(r.download.conflicts, 1, "{r:?}");
        let msgs = a.replica().messages_in_fid(fid).unwrap();
        assert_eq!(msgs.len(), 1);
        let m = &msgs[0];
        assert_eq!(
            prop(&m.props, tags::PID_TAG_SUBJECT),
            Some(&PropValue::unicode(expected))
        );
        let losers = a
            .replica()
            .messages_in_folder(a.replica().conflicts_folder().unwrap())
            .unwrap();
        assert_eq!(losers.len(), 1);
        let loser = if expected == "server" {
            "local"
        } else {
            "server"
        };
        assert_eq!(
            prop(&losers[0].props, tags::PID_TAG_SUBJECT),
            Some(&PropValue::unicode(loser))
        );
        assert_eq!(
            prop(&m.props, tags::PID_TAG_CONFLICT_ITEMS),
            Some(&PropValue::MvBinary(vec![losers[0].source_key.clone()]))
        );
        // Nothing left to exchange: the replica holds the server's identity.
        let r = a.sync_contents(fid, &cancel).await.unwrap();
        assert_eq!((r.upload.imported, r.download.full), (0, 0), "{r:?}");
    }
}
