//! Integration tests against the reference server (`ics-server`) in process:
//! the client talks to it only through ROP buffers (RopSession over an
//! in-memory RopTransport).

#[path = "../common/mod.rs"]
mod common;

mod conflicts;
mod converge;
mod crash;
mod download;
mod headers;
mod options;
mod upload;

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
