//! `ics-harness serve`: the reference server over MAPI/HTTP ([MS-OXCMAPIHTTP]), one mailbox per
//! user of the users file, Basic, NTLM and/or Negotiate authentication, http or https (PEM
//! certificate and key), Session Contexts bound to the authenticated
//! user (the `ics-transport` frame), RopLogon limited to the user's own mailbox, and the
//! fault-injection control on a separate loopback-only endpoint (small JSON over HTTP).
//!
//! Control protocol: `POST /control` with a JSON object `{"user": U, "op": OP, ...}`; the answer
//! is `{"ok": true, ...}` (HTTP 200) or `{"ok": false, "error": "..."}` (HTTP 400). Operations:
//! `reset` (a fresh mailbox; the user's Session Contexts end), `busy_next {n, backoff_ms}`,
//! `busy_at {n, backoff_ms}`, `unreadable {mid}` (the MID as its little-endian u64),
//! `cut_after {bytes}`, `profile {name}`, `busy_log` (answers `busy_log: [{answered_at,
//! backoff, retry_at}]`), `after_get_buffer {request_hex}`, `backup` (a copy of the mailbox) and
//! `roll_back` (the mailbox restored from it: a server restored from an older backup).

use std::collections::HashMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ics_client::transport::TransportError;
use ics_transport::{
    AuthScheme, MapiHttpServer, RopFailure, RopHandler, ServerConfig, ServerTls, Session,
};
use ics_wire::Mid;
use ics_wire::rop::logon::{LogonResponse, LogonResult};
use ics_wire::rop::{ErrorCode, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;

use crate::target::{Control, Reference};

/// ecLoginFailure ([MS-OXCDATA] 2.4.1): a RopLogon to a mailbox the user may not open.
pub const EC_LOGIN_FAILURE: u32 = 0x8004_0111;
/// ecAccessDenied ([MS-OXCDATA] 2.4.1).
pub const EC_ACCESS_DENIED: u32 = 0x8007_0005;
/// ecError, for failures of the reference server itself.
const EC_ERROR: u32 = 0x8000_4005;
/// Largest control request body.
const MAX_CONTROL_BODY: usize = 0x10_0000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The DN of a user's mailbox as this server expects it in RopLogon's Essdn.
pub fn mailbox_dn(user: &str) -> String {
    format!("/o=ics/cn={user}")
}

/// Whether an Essdn names `user`'s mailbox: its last `/cn=` component is the user name
/// (ASCII case-insensitive, as DNs compare).
pub fn dn_names_user(essdn: &[u8], user: &str) -> bool {
    let Ok(dn) = std::str::from_utf8(essdn) else {
        return false;
    };
    let lower = dn.to_ascii_lowercase();
    lower
        .rfind("/cn=")
        .is_some_and(|i| dn[i + 4..].eq_ignore_ascii_case(user))
}

/// One reference mailbox (with its fault-injection control) per user.
#[derive(Debug, Default)]
pub struct Mailboxes {
    slots: Mutex<HashMap<String, Reference>>,
}

impl Mailboxes {
    /// A fresh mailbox for each user.
    pub fn new<'a>(users: impl IntoIterator<Item = &'a String>) -> Self {
        Mailboxes {
            slots: Mutex::new(
                users
                    .into_iter()
                    .map(|u| (u.clone(), Reference::new()))
                    .collect(),
            ),
        }
    }

    /// The mailbox of `user`.
    pub fn get(&self, user: &str) -> Option<Reference> {
        lock(&self.slots).get(user).cloned()
    }

    /// Replaces the mailbox of `user` by a fresh one; false for an unknown user.
    pub fn reset(&self, user: &str) -> bool {
        match lock(&self.slots).get_mut(user) {
            Some(slot) => {
                *slot = Reference::new();
                true
            }
            None => false,
        }
    }
}

/// The ROP handler of one Session Context: the user's own mailbox only.
pub struct Handler {
    mailboxes: Arc<Mailboxes>,
}

impl Handler {
    /// A RopLogon to another mailbox in `rop_buffer`: the answer that refuses it.
    fn refuse_foreign_logon(user: &str, rop_buffer: &[u8]) -> Option<Result<Vec<u8>, RopFailure>> {
        let req = RopRequestBuffer::decode(rop_buffer).ok()?;
        let foreign = req.rops.iter().any(|r| {
            matches!(r, RopRequest::Logon(l)
                if !l.essdn.as_deref().is_some_and(|dn| dn_names_user(dn, user)))
        });
        if !foreign {
            return None;
        }
        // A buffer of RopLogons only gets their failure responses; anything mixed with a
        // foreign logon fails as a whole.
        let mut rops = Vec::with_capacity(req.rops.len());
        for r in &req.rops {
            let RopRequest::Logon(l) = r else {
                return Some(Err(RopFailure::Rpc(EC_ACCESS_DENIED)));
            };
            rops.push(RopResponse::Logon(LogonResponse {
                output_handle_index: l.output_handle_index,
                result: LogonResult::Failure(ErrorCode::from_u32(EC_LOGIN_FAILURE)),
            }));
        }
        let resp = RopResponseBuffer {
            rops,
            handles: req.handles.clone(),
        };
        Some(resp.encode().map_err(|_| RopFailure::Rpc(EC_ERROR)))
    }
}

impl RopHandler for Handler {
    fn execute(&mut self, session: &Session, rop_buffer: &[u8]) -> Result<Vec<u8>, RopFailure> {
        self.execute_limited(session, rop_buffer, u32::MAX)
    }

    /// The ROP output buffer is the smaller of what MaxRopOut leaves and the server's own.
    fn execute_limited(
        &mut self,
        session: &Session,
        rop_buffer: &[u8],
        max_out: u32,
    ) -> Result<Vec<u8>, RopFailure> {
        if let Some(refused) = Self::refuse_foreign_logon(&session.user, rop_buffer) {
            return refused;
        }
        let mailbox = self
            .mailboxes
            .get(&session.user)
            .ok_or(RopFailure::Rpc(EC_ERROR))?;
        let mut conn = mailbox.connect(None);
        let own = ics_server::session::DEFAULT_MAX_OUTPUT as u32;
        if max_out < own {
            conn.set_output_buffer(Some(max_out));
        }
        conn.exchange(rop_buffer).map_err(|e| match e {
            TransportError::ConnectionLost => RopFailure::ConnectionLost,
            TransportError::RpcStatus(code) => RopFailure::Rpc(code),
            TransportError::Other(_) => RopFailure::Rpc(EC_ERROR),
        })
    }
}

/// What `serve` listens on.
#[derive(Clone, Debug)]
pub struct ServeOptions {
    /// The MAPI/HTTP endpoint.
    pub listen: SocketAddr,
    /// user → password.
    pub users: HashMap<String, String>,
    /// The control endpoint (loopback only), if any.
    pub control: Option<SocketAddr>,
}

/// How `serve` authenticates and whether it speaks https.
#[derive(Clone, Debug, Default)]
pub struct Security {
    /// Accepted schemes; empty means Basic only.
    pub auth: Vec<AuthScheme>,
    /// Certificate and key of the MAPI/HTTP endpoint; `None` for plain http.
    pub tls: Option<ServerTls>,
}

/// Problems starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("the control endpoint must listen on a loopback address, not {0}")]
    ControlNotLoopback(SocketAddr),
    #[error("no users: the users file lists none")]
    NoUsers,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Makes the handler of a new Session Context.
type Factory = Box<dyn Fn(&Session) -> Handler + Send + Sync>;
/// The MAPI/HTTP frame around the handlers.
type Frame = MapiHttpServer<Handler, Factory>;

/// The bound listeners, ready to serve.
pub struct Server {
    mapi: TcpListener,
    tls: Option<ServerTls>,
    control: Option<TcpListener>,
    server: Frame,
    mailboxes: Arc<Mailboxes>,
}

impl Server {
    /// Binds the endpoints (http, Basic); the control endpoint only on a loopback address.
    pub async fn bind(options: ServeOptions) -> Result<Self, ServeError> {
        Self::bind_with(options, Security::default()).await
    }

    /// [`bind`](Self::bind) with other authentication schemes and/or https.
    pub async fn bind_with(options: ServeOptions, security: Security) -> Result<Self, ServeError> {
        if options.users.is_empty() {
            return Err(ServeError::NoUsers);
        }
        if let Some(c) = options.control
            && !c.ip().is_loopback()
        {
            return Err(ServeError::ControlNotLoopback(c));
        }
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| ServeError::Bind { addr, source })
        };
        let mapi = bind(options.listen).await?;
        let control = match options.control {
            Some(c) => Some(bind(c).await?),
            None => None,
        };
        let mailboxes = Arc::new(Mailboxes::new(options.users.keys()));
        let factory: Factory = {
            let mailboxes = mailboxes.clone();
            Box::new(move |_s: &Session| Handler {
                mailboxes: mailboxes.clone(),
            })
        };
        let server = MapiHttpServer::new(
            ServerConfig {
                users: options.users,
                dn_prefix: "/o=ics".into(),
                auth: security.auth,
            },
            factory,
        );
        Ok(Server {
            mapi,
            tls: security.tls,
            control,
            server,
            mailboxes,
        })
    }

    /// The MAPI/HTTP address.
    pub fn mapi_addr(&self) -> Option<SocketAddr> {
        self.mapi.local_addr().ok()
    }

    /// The mailboxes (set-up and inspection beside the ROPs, e.g. for benchmarks).
    pub fn mailboxes(&self) -> Arc<Mailboxes> {
        self.mailboxes.clone()
    }

    /// The control address.
    pub fn control_addr(&self) -> Option<SocketAddr> {
        self.control.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// Serves until `shutdown` completes; open requests then get at most 5 s to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let control = self.control.map(|l| {
            let ctl = ControlService {
                mailboxes: self.mailboxes.clone(),
                server: self.server.clone(),
            };
            let mut rx = rx.clone();
            tokio::spawn(async move {
                ctl.serve(l, async move {
                    let _ = rx.wait_for(|stop| *stop).await;
                })
                .await;
            })
        });
        let mut stop = rx;
        let stopped = async move {
            let _ = stop.wait_for(|stop| *stop).await;
        };
        let mapi = match self.tls {
            Some(tls) => tokio::spawn(self.server.serve_tls(self.mapi, tls, stopped)),
            None => tokio::spawn(self.server.serve(self.mapi, stopped)),
        };
        shutdown.await;
        let _ = tx.send(true);
        let _ = mapi.await;
        if let Some(c) = control {
            let _ = c.await;
        }
    }
}

/// A server on its own thread and runtime (so that blocking callers cannot starve it); it
/// stops when dropped.
pub struct Background {
    /// The MAPI/HTTP address.
    pub mapi: SocketAddr,
    /// The control address.
    pub control: Option<SocketAddr>,
    /// The mailboxes it serves.
    pub mailboxes: Arc<Mailboxes>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::fmt::Debug for Background {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Background")
            .field("mapi", &self.mapi)
            .field("control", &self.control)
            .finish_non_exhaustive()
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Starts a server on a thread of its own with `workers` runtime threads.
pub fn spawn_background(options: ServeOptions, workers: usize) -> Result<Background, ServeError> {
    spawn_background_with(options, Security::default(), workers)
}

/// [`spawn_background`] with other authentication schemes and/or https.
pub fn spawn_background_with(
    options: ServeOptions,
    security: Security,
    workers: usize,
) -> Result<Background, ServeError> {
    let (ready_tx, ready_rx) = std::sync::mpsc::channel();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("ics-serve".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers.max(1))
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(ServeError::Bind {
                        addr: options.listen,
                        source: e,
                    }));
                    return;
                }
            };
            rt.block_on(async move {
                match Server::bind_with(options, security).await {
                    Ok(server) => {
                        let addrs = (
                            server.mapi_addr(),
                            server.control_addr(),
                            server.mailboxes(),
                        );
                        let _ = ready_tx.send(Ok(addrs));
                        server
                            .run(async move {
                                let _ = stop_rx.await;
                            })
                            .await;
                    }
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                    }
                }
            });
        })
        .map_err(|source| ServeError::Bind {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            source,
        })?;
    let (mapi, control, mailboxes) = ready_rx.recv().map_err(|_| ServeError::Bind {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        source: std::io::ErrorKind::BrokenPipe.into(),
    })??;
    let mapi = mapi.ok_or(ServeError::Bind {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        source: std::io::ErrorKind::AddrNotAvailable.into(),
    })?;
    Ok(Background {
        mapi,
        control,
        mailboxes,
        stop: Some(stop),
        thread: Some(thread),
    })
}

/// A control request.
#[derive(Debug, Deserialize, Serialize)]
pub struct ControlRequest {
    /// Whose mailbox.
    pub user: String,
    /// What to do.
    #[serde(flatten)]
    pub op: ControlOp,
}

/// The control operations ([`Control`] of the reference target, plus `reset`).
#[derive(Debug, Deserialize, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum ControlOp {
    Reset,
    BusyNext { n: u32, backoff_ms: u32 },
    BusyAt { n: u32, backoff_ms: u32 },
    Unreadable { mid: u64 },
    CutAfter { bytes: usize },
    Profile { name: String },
    BusyLog,
    AfterGetBuffer { request_hex: String },
    Backup,
    RollBack,
    PresentMailbox { original: bool },
    DenyRead { mid: u64 },
}

/// One busy answer of the busy log, as the control endpoint reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct BusyEntry {
    pub answered_at: u64,
    pub backoff: u32,
    pub retry_at: Option<u64>,
}

/// Decodes lowercase or uppercase hex.
pub fn from_hex(s: &str) -> Result<Vec<u8>, String> {
    if !s.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..s.len())
        .step_by(2)
        .map(|i| {
            s.get(i..i + 2)
                .and_then(|d| u8::from_str_radix(d, 16).ok())
                .ok_or_else(|| format!("bad hex digits at offset {i}"))
        })
        .collect()
}

/// Encodes lowercase hex.
pub fn to_hex(b: &[u8]) -> String {
    b.iter().map(|b| format!("{b:02x}")).collect()
}

#[derive(Clone)]
struct ControlService {
    mailboxes: Arc<Mailboxes>,
    server: Frame,
}

impl ControlService {
    async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, peer)) = accepted else { continue };
                    if !peer.ip().is_loopback() {
                        continue; // dropped: loopback peers only
                    }
                    let ctl = self.clone();
                    let svc = service_fn(move |req| {
                        let ctl = ctl.clone();
                        async move { Ok::<_, Infallible>(ctl.handle(req).await) }
                    });
                    tokio::spawn(async move {
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
                () = &mut shutdown => break,
            }
        }
    }

    async fn handle(&self, req: Request<Incoming>) -> Response<Full<Bytes>> {
        let reply = |status: StatusCode, v: serde_json::Value| {
            Response::builder()
                .status(status)
                .header(hyper::header::CONTENT_TYPE, "application/json")
                .body(Full::new(Bytes::from(v.to_string())))
                .unwrap_or_default()
        };
        let fail = |e: String| {
            reply(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"ok": false, "error": e}),
            )
        };
        if req.method() != Method::POST || req.uri().path() != "/control" {
            return reply(
                StatusCode::NOT_FOUND,
                serde_json::json!({"ok": false, "error": "POST /control only"}),
            );
        }
        let body = match Limited::new(req.into_body(), MAX_CONTROL_BODY)
            .collect()
            .await
        {
            Ok(b) => b.to_bytes(),
            Err(e) => return fail(format!("body: {e}")),
        };
        let request: ControlRequest = match serde_json::from_slice(&body) {
            Ok(r) => r,
            Err(e) => return fail(format!("JSON: {e}")),
        };
        match self.apply(request) {
            Ok(extra) => {
                let mut v = serde_json::json!({"ok": true});
                if let (Some(o), Some(extra)) = (v.as_object_mut(), extra) {
                    o.insert("busy_log".into(), extra);
                }
                reply(StatusCode::OK, v)
            }
            Err(e) => fail(e),
        }
    }

    fn apply(&self, request: ControlRequest) -> Result<Option<serde_json::Value>, String> {
        let user = request.user;
        if let ControlOp::Reset = request.op {
            if !self.mailboxes.reset(&user) {
                return Err(format!("unknown user {user:?}"));
            }
            self.server.end_sessions_of(&user);
            return Ok(None);
        }
        let mut mailbox = self
            .mailboxes
            .get(&user)
            .ok_or_else(|| format!("unknown user {user:?}"))?;
        match request.op {
            ControlOp::Reset => {}
            ControlOp::BusyNext { n, backoff_ms } => mailbox.busy_next(n, backoff_ms),
            ControlOp::BusyAt { n, backoff_ms } => mailbox.busy_at(n, backoff_ms),
            ControlOp::Unreadable { mid } => mailbox.unreadable(Mid::from_u64_le(mid))?,
            ControlOp::CutAfter { bytes } => mailbox.cut_after(bytes),
            ControlOp::Profile { name } => mailbox.profile(&name)?,
            ControlOp::BusyLog => {
                let log: Vec<BusyEntry> = mailbox
                    .busy_log()
                    .into_iter()
                    .map(|r| BusyEntry {
                        answered_at: r.answered_at,
                        backoff: r.backoff,
                        retry_at: r.retry_at,
                    })
                    .collect();
                return serde_json::to_value(log)
                    .map(Some)
                    .map_err(|e| e.to_string());
            }
            ControlOp::AfterGetBuffer { request_hex } => {
                mailbox.after_first_get_buffer(from_hex(&request_hex)?)
            }
            ControlOp::Backup => mailbox.backup()?,
            ControlOp::RollBack => mailbox.roll_back()?,
            ControlOp::PresentMailbox { original } => mailbox.present_mailbox(original)?,
            ControlOp::DenyRead { mid } => mailbox.deny_read(Mid::from_u64_le(mid))?,
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn essdn_must_name_the_user() {
        assert!(dn_names_user(b"/o=ics/cn=alice", "alice"));
        assert!(dn_names_user(b"/o=ICS/CN=Alice", "alice"));
        assert!(!dn_names_user(b"/o=ics/cn=bob", "alice"));
        assert!(!dn_names_user(b"/o=ics/cn=alice2", "alice"));
        assert!(!dn_names_user(b"alice", "alice"));
        assert!(!dn_names_user(&[0xFF, 0xFE], "alice"));
    }

    #[test]
    fn hex_round_trips_and_rejects_garbage() {
        assert_eq!(
            from_hex(&to_hex(&[0, 0xAB, 0x7F])).unwrap(),
            [0, 0xAB, 0x7F]
        );
        assert!(from_hex("abc").is_err());
        assert!(from_hex("zz").is_err());
    }

    #[test]
    fn control_requests_parse_from_json() {
        let r: ControlRequest =
            serde_json::from_str(r#"{"user":"u1","op":"busy_next","n":2,"backoff_ms":50}"#)
                .unwrap();
        assert_eq!(r.user, "u1");
        assert!(matches!(
            r.op,
            ControlOp::BusyNext {
                n: 2,
                backoff_ms: 50
            }
        ));
        assert!(serde_json::from_str::<ControlRequest>(r#"{"user":"u1","op":"fly"}"#).is_err());
        for (json, backup) in [("backup", true), ("roll_back", false)] {
            let r: ControlRequest =
                serde_json::from_str(&format!(r#"{{"user":"u1","op":"{json}"}}"#)).unwrap();
            assert_eq!(matches!(r.op, ControlOp::Backup), backup);
            assert_eq!(matches!(r.op, ControlOp::RollBack), !backup);
        }
    }
}
