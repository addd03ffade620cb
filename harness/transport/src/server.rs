//! The mailbox endpoint as a server frame around a ROP handler
//! ([MS-OXCMAPIHTTP] 3.2).

use crate::auth::AuthScheme;
use crate::body::Chunks;
use crate::server_auth::{ConnAuth, Verdict, authenticate};
use crate::server_echo::Echo;
use crate::util::{parse_cookie_header, random_u64};
use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, HeaderValue, WWW_AUTHENTICATE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, ConnectSuccess, DisconnectRequest, DisconnectResponse,
    DisconnectSuccess, ExecuteFlags, ExecuteRequest, ExecuteResponse, ExecuteSuccess, MAX_PAYLOAD,
    NotificationWaitRequest, NotificationWaitResponse, NotificationWaitSuccess, PayloadOptions,
    RequestType, ResponseCode, encode_payloads,
};
use ics_wire::prop::Utf16String;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};
use tokio::net::TcpListener;

/// ecRpcFormat: rgbIn does not parse ([MS-OXCRPC] 3.1.4.2).
const EC_RPC_FORMAT: u32 = 0x0000_04B6;
/// ecBufferTooSmall: the ROP output does not fit MaxRopOut.
const EC_BUFFER_TOO_SMALL: u32 = 0x0000_047D;
/// Largest request body accepted (X-ResponseCode 9 beyond).
const MAX_REQUEST: usize = 0x10_0000;
/// Longest TLS handshake of an https connection.
#[cfg(feature = "tls")]
const TLS_HANDSHAKE: Duration = Duration::from_secs(10);
/// The server's TLS configuration, when there can be one.
#[cfg(feature = "tls")]
type Tls = crate::tls::ServerTls;
/// No TLS without the `tls` feature: an uninhabited stand-in.
#[cfg(not(feature = "tls"))]
#[derive(Clone)]
enum Tls {}
/// Cookie holding the Session Context id.
const SESSION_COOKIE: &str = "sid";

/// The authenticated Session Context a ROP buffer runs in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Session Context id (the `sid` cookie).
    pub id: String,
    /// The authenticated user.
    pub user: String,
    /// Connect's UserDn.
    pub user_dn: String,
    /// Connect's DefaultCodePage.
    pub code_page: u32,
}

/// Why a ROP input buffer produced no ROP output buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RopFailure {
    /// The whole request fails with this Execute ErrorCode (e.g. 0x000004B6
    /// ecRpcFormat, [MS-OXCRPC] 3.1.4.2); rgbOut is empty.
    Rpc(u32),
    /// The connection is cut (fault injection): the Session Context is
    /// destroyed and the HTTP connection closed without a response.
    ConnectionLost,
}

/// Runs ROPs for one Session Context.
pub trait RopHandler: Send + 'static {
    /// Runs one plain ROP input buffer (RopSize, RopsList, handle table;
    /// [MS-OXCROPS] 2.2.1) and returns the ROP output buffer. The frame
    /// handles RPC_HEADER_EXT, XOR and compression on both sides.
    fn execute(&mut self, session: &Session, rop_buffer: &[u8]) -> Result<Vec<u8>, RopFailure>;

    /// [`RopHandler::execute`] with a ROP output buffer of at most `max_out` bytes (what is
    /// left of the request's MaxRopOut, [MS-OXCMAPIHTTP] 2.2.4.2.1), so that a handler that
    /// sizes its output answers RopBufferTooSmall itself ([MS-OXCROPS] 3.2.4.3, R-009). The
    /// default ignores the limit; the frame then fails an Execute whose output is too large
    /// with ecBufferTooSmall.
    fn execute_limited(
        &mut self,
        session: &Session,
        rop_buffer: &[u8],
        max_out: u32,
    ) -> Result<Vec<u8>, RopFailure> {
        let _ = max_out;
        self.execute(session, rop_buffer)
    }
}

/// The service error that makes hyper close the connection without a response.
#[derive(Debug)]
struct Cut;

impl std::fmt::Display for Cut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection cut by fault injection")
    }
}

impl std::error::Error for Cut {}

/// Users and server identity.
#[derive(Debug, Clone, Default)]
pub struct ServerConfig {
    /// user → password.
    pub users: HashMap<String, String>,
    /// Connect response DnPrefix.
    pub dn_prefix: String,
    /// Accepted authentication schemes; empty means Basic only. NTLM and Negotiate (SPNEGO
    /// with NTLM) authenticate the connection, each with its own `sspi` acceptor.
    pub auth: Vec<AuthScheme>,
}

/// Parses a users file: one `user:password` per line; blank lines and lines
/// starting with `#` are skipped. Errors name the 1-based line.
pub fn parse_users(text: &str) -> Result<HashMap<String, String>, String> {
    let mut users = HashMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (u, p) = line
            .split_once(':')
            .ok_or_else(|| format!("line {}: expected user:password", i + 1))?;
        if u.is_empty() {
            return Err(format!("line {}: empty user name", i + 1));
        }
        if users.insert(u.to_string(), p.to_string()).is_some() {
            return Err(format!("line {}: user {u:?} listed twice", i + 1));
        }
    }
    Ok(users)
}

struct Context<H> {
    session: Session,
    handler: H,
}

type Sessions<H> = Mutex<HashMap<String, Arc<Mutex<Context<H>>>>>;

struct Shared<H, F> {
    config: ServerConfig,
    factory: F,
    sessions: Sessions<H>,
    connections: AtomicU64,
}

/// The MAPI/HTTP mailbox endpoint: `F` makes a handler for each new Session Context.
pub struct MapiHttpServer<H, F> {
    shared: Arc<Shared<H, F>>,
}

impl<H, F> Clone for MapiHttpServer<H, F> {
    fn clone(&self) -> Self {
        MapiHttpServer {
            shared: self.shared.clone(),
        }
    }
}

type Resp = Response<Chunks>;

impl<H, F> MapiHttpServer<H, F>
where
    H: RopHandler,
    F: Fn(&Session) -> H + Send + Sync + 'static,
{
    /// A server with `config` and a handler factory.
    pub fn new(config: ServerConfig, factory: F) -> Self {
        MapiHttpServer {
            shared: Arc::new(Shared {
                config,
                factory,
                sessions: Mutex::new(HashMap::new()),
                connections: AtomicU64::new(0),
            }),
        }
    }

    /// Number of live Session Contexts.
    pub fn session_count(&self) -> usize {
        self.shared.sessions.lock().map_or(0, |s| s.len())
    }

    /// Number of TCP connections accepted so far.
    pub fn connection_count(&self) -> u64 {
        self.shared.connections.load(Ordering::Relaxed)
    }

    /// Destroys every Session Context of `user` (e.g. when its mailbox is
    /// replaced); returns how many there were.
    pub fn end_sessions_of(&self, user: &str) -> usize {
        let Ok(mut sessions) = self.shared.sessions.lock() else {
            return 0;
        };
        let before = sessions.len();
        sessions.retain(|_, c| c.lock().map(|c| c.session.user != user).unwrap_or(true));
        before - sessions.len()
    }

    /// Serves connections from `listener` until `shutdown` completes, then
    /// stops accepting and lets open requests finish (at most 5 s).
    pub async fn serve(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        self.serve_with(listener, None, shutdown).await;
    }

    /// [`serve`](Self::serve) over https: each connection's TLS handshake first (at most
    /// 10 s; a failed one drops the connection, the server goes on).
    #[cfg(feature = "tls")]
    pub async fn serve_tls(
        self,
        listener: TcpListener,
        tls: crate::tls::ServerTls,
        shutdown: impl Future<Output = ()>,
    ) {
        self.serve_with(listener, Some(tls), shutdown).await;
    }

    async fn serve_with(
        self,
        listener: TcpListener,
        tls: Option<Tls>,
        shutdown: impl Future<Output = ()>,
    ) {
        let graceful = GracefulShutdown::new();
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                accepted = listener.accept() => {
                    let Ok((stream, _)) = accepted else { continue };
                    self.shared.connections.fetch_add(1, Ordering::Relaxed);
                    let _ = stream.set_nodelay(true); // PROCESSING must go out at once (§3.2.5.2)
                    let server = self.clone();
                    // Per connection: NTLM/Negotiate authenticate the connection.
                    let auth = Arc::new(Mutex::new(ConnAuth::default()));
                    let svc = service_fn(move |req| {
                        let (server, auth) = (server.clone(), auth.clone());
                        async move { server.handle(req, &auth).await }
                    });
                    let watcher = graceful.watcher();
                    let tls = tls.clone();
                    tokio::spawn(async move {
                        let http = http1::Builder::new();
                        match tls {
                            None => {
                                let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), svc)).await;
                            }
                            #[cfg(feature = "tls")]
                            Some(tls) => {
                                let Ok(Ok(stream)) = tokio::time::timeout(TLS_HANDSHAKE, tls.accept(stream)).await else {
                                    return;
                                };
                                let _ = watcher.watch(http.serve_connection(TokioIo::new(stream), svc)).await;
                            }
                        }
                    });
                }
                () = &mut shutdown => break,
            }
        }
        drop(listener);
        let _ = tokio::time::timeout(Duration::from_secs(5), graceful.shutdown()).await;
    }

    async fn handle(&self, req: Request<Incoming>, auth: &Mutex<ConnAuth>) -> Result<Resp, Cut> {
        let (mut cut, mut final_token) = (false, None);
        let mut resp = self
            .handle_inner(req, auth, &mut final_token, &mut cut)
            .await;
        // Negotiate's last token rides on the response that ends the handshake (RFC 4559 5).
        if let Some(v) = final_token.and_then(|v| HeaderValue::from_str(&v).ok()) {
            resp.headers_mut().insert(WWW_AUTHENTICATE, v);
        }
        if cut { Err(Cut) } else { Ok(resp) }
    }

    async fn handle_inner(
        &self,
        req: Request<Incoming>,
        auth: &Mutex<ConnAuth>,
        final_token: &mut Option<String>,
        cut: &mut bool,
    ) -> Resp {
        let started = (Instant::now(), SystemTime::now());
        let h = |n: &str| {
            req.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let echo = Echo {
            request_type: h("X-RequestType"),
            request_id: h("X-RequestId"),
            client_info: h("X-ClientInfo"),
        };
        if req.method() != Method::POST {
            return echo.error(ResponseCode::InvalidVerb, "only POST is allowed");
        }
        let config = &self.shared.config;
        let authorization = h(AUTHORIZATION.as_str());
        let user = match authenticate(&config.auth, &config.users, auth, authorization.as_deref()) {
            Verdict::User { user, header } => {
                *final_token = header;
                user
            }
            Verdict::Challenge(values) => {
                // Read the body, so the connection (and an NTLM handshake) goes on.
                let _ = Limited::new(req.into_body(), MAX_REQUEST).collect().await;
                let mut b = Response::builder().status(StatusCode::UNAUTHORIZED);
                for v in values {
                    b = b.header(WWW_AUTHENTICATE, v);
                }
                return b.body(Chunks::full(Bytes::new())).unwrap_or_default();
            }
        };
        let Some(rt) = echo.request_type.as_deref() else {
            return echo.error(ResponseCode::MissingHeader, "X-RequestType is missing");
        };
        let Ok(request_type) = rt.parse::<RequestType>() else {
            return echo.error(ResponseCode::InvalidRequestType, "unknown X-RequestType");
        };
        if echo.request_id.is_none() {
            return echo.error(ResponseCode::MissingHeader, "X-RequestId is missing");
        }
        if h(CONTENT_TYPE.as_str()).is_none_or(|c| !c.eq_ignore_ascii_case("application/mapi-http"))
        {
            return echo.error(
                ResponseCode::InvalidHeader,
                "Content-Type must be application/mapi-http",
            );
        }
        let sid = h(COOKIE.as_str()).and_then(|c| {
            parse_cookie_header(&c)
                .find(|(n, _)| *n == SESSION_COOKIE)
                .map(|(_, v)| v.to_string())
        });
        let body = match Limited::new(req.into_body(), MAX_REQUEST).collect().await {
            Ok(b) => b.to_bytes(),
            Err(_) => {
                return echo.error(
                    ResponseCode::TooLarge,
                    "request body too large or unreadable",
                );
            }
        };
        let result = match request_type {
            RequestType::Connect => self.connect(&user, sid.as_deref(), &body),
            RequestType::Execute => self.execute(&user, sid.as_deref(), &body, cut),
            RequestType::Disconnect => self.disconnect(&user, sid.as_deref(), &body),
            RequestType::NotificationWait => self.notification_wait(&user, sid.as_deref(), &body),
            RequestType::Ping => self
                .context(&user, sid.as_deref())
                .map(|_| (Vec::new(), None)),
            _ => Err((
                ResponseCode::InvalidRequestType,
                "not a mailbox endpoint request",
            )),
        };
        match result {
            Ok((body, set_cookie)) => echo.success(body, set_cookie, started),
            Err((code, why)) => echo.error(code, why),
        }
    }

    /// The Session Context of `sid`, which must belong to `user` ([MS-OXCMAPIHTTP] 3.2.5.1).
    fn context(
        &self,
        user: &str,
        sid: Option<&str>,
    ) -> Result<Arc<Mutex<Context<H>>>, (ResponseCode, &'static str)> {
        let sid = sid.ok_or((ResponseCode::MissingCookie, "no session cookie"))?;
        let sessions = self
            .shared
            .sessions
            .lock()
            .map_err(|_| (ResponseCode::UnknownFailure, "session table poisoned"))?;
        let ctx = sessions
            .get(sid)
            .ok_or((ResponseCode::ContextNotFound, "no such Session Context"))?
            .clone();
        drop(sessions);
        let same_user = ctx.lock().map(|c| c.session.user == user).unwrap_or(false);
        if !same_user {
            // Another identity than the one that created the context.
            return Err((
                ResponseCode::ContextNotFound,
                "Session Context belongs to another user",
            ));
        }
        Ok(ctx)
    }

    fn connect(&self, user: &str, old_sid: Option<&str>, body: &[u8]) -> Handled {
        let req = ConnectRequest::decode(body)
            .map_err(|_| (ResponseCode::InvalidRequestBody, "malformed Connect body"))?;
        // A reconnect destroys the old context of the same user (§3.2.5.6).
        if let Some(old) = old_sid
            && self.context(user, Some(old)).is_ok()
        {
            self.remove(old);
        }
        let id = format!("{:016x}{:016x}", random_u64(), random_u64());
        let session = Session {
            id: id.clone(),
            user: user.to_string(),
            user_dn: req.user_dn,
            code_page: req.default_code_page,
        };
        let handler = (self.shared.factory)(&session);
        let mut sessions = self
            .shared
            .sessions
            .lock()
            .map_err(|_| (ResponseCode::UnknownFailure, "session table poisoned"))?;
        sessions.insert(
            id.clone(),
            Arc::new(Mutex::new(Context { session, handler })),
        );
        drop(sessions);
        let resp = ConnectResponse::Success(ConnectSuccess {
            error_code: 0,
            polls_max: 60_000,
            retry_count: 6,
            retry_delay: 10_000,
            dn_prefix: self.shared.config.dn_prefix.clone(),
            display_name: Utf16String::from(user),
            auxiliary_buffer: Vec::new(),
        });
        let body = resp
            .encode()
            .map_err(|_| (ResponseCode::UnknownFailure, "DnPrefix is not ASCII"))?;
        Ok((
            body,
            Some(format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly")),
        ))
    }

    fn execute(&self, user: &str, sid: Option<&str>, body: &[u8], cut: &mut bool) -> Handled {
        let ctx = self.context(user, sid)?;
        let req = ExecuteRequest::decode(body)
            .map_err(|_| (ResponseCode::InvalidRequestBody, "malformed Execute body"))?;
        // One outstanding request per Session Context (§3.2.5.1).
        let mut ctx = ctx.try_lock().map_err(|_| {
            (
                ResponseCode::InvalidSequence,
                "concurrent request in this Session Context",
            )
        })?;
        let Context { session, handler } = &mut *ctx;
        let (error_code, rop_buffer) = match req.rop_payloads(0x40000) {
            Err(_) => (EC_RPC_FORMAT, Vec::new()),
            Ok(payloads) => {
                let mut outputs: Vec<Vec<u8>> = Vec::with_capacity(payloads.len());
                let mut failed = None;
                let mut left = req.max_rop_out;
                for p in &payloads {
                    // Each output payload carries an 8-byte RPC_HEADER_EXT ([MS-OXCRPC] 2.2.2.1).
                    let room = left.saturating_sub(8);
                    match handler.execute_limited(session, &p.data, room) {
                        Ok(o) => {
                            left = room.saturating_sub(o.len() as u32);
                            outputs.push(o);
                        }
                        Err(RopFailure::Rpc(code)) => {
                            failed = Some(code);
                            break;
                        }
                        Err(RopFailure::ConnectionLost) => {
                            let id = session.id.clone();
                            drop(ctx);
                            self.remove(&id);
                            *cut = true;
                            return Err((ResponseCode::UnknownFailure, "connection cut"));
                        }
                    }
                }
                let opts = PayloadOptions {
                    compress: !req.flags.contains(ExecuteFlags::NO_COMPRESSION),
                    xor_magic: !req.flags.contains(ExecuteFlags::NO_XOR_MAGIC),
                };
                let refs: Vec<&[u8]> = outputs.iter().map(|o| &o[..]).collect();
                match (failed, encode_payloads(&refs, opts)) {
                    (Some(code), _) => (code, Vec::new()),
                    (None, Ok(out))
                        if out.len() <= req.max_rop_out as usize
                            && outputs.iter().all(|o| o.len() <= MAX_PAYLOAD) =>
                    {
                        (0, out)
                    }
                    _ => (EC_BUFFER_TOO_SMALL, Vec::new()),
                }
            }
        };
        let resp = ExecuteResponse::Success(ExecuteSuccess {
            error_code,
            flags: 0,
            rop_buffer,
            auxiliary_buffer: Vec::new(),
        });
        Ok((
            resp.encode()
                .map_err(|_| (ResponseCode::UnknownFailure, "response too large"))?,
            None,
        ))
    }

    fn disconnect(&self, user: &str, sid: Option<&str>, body: &[u8]) -> Handled {
        self.context(user, sid)?;
        DisconnectRequest::decode(body).map_err(|_| {
            (
                ResponseCode::InvalidRequestBody,
                "malformed Disconnect body",
            )
        })?;
        if let Some(sid) = sid {
            self.remove(sid);
        }
        let resp = DisconnectResponse::Success(DisconnectSuccess {
            error_code: 0,
            auxiliary_buffer: Vec::new(),
        });
        Ok((
            resp.encode()
                .map_err(|_| (ResponseCode::UnknownFailure, "encode"))?,
            None,
        ))
    }

    /// No notifications are generated: answers at once with EventPending 0.
    fn notification_wait(&self, user: &str, sid: Option<&str>, body: &[u8]) -> Handled {
        self.context(user, sid)?;
        NotificationWaitRequest::decode(body).map_err(|_| {
            (
                ResponseCode::InvalidRequestBody,
                "malformed NotificationWait body",
            )
        })?;
        let resp = NotificationWaitResponse::Success(NotificationWaitSuccess {
            error_code: 0,
            event_pending: 0,
            auxiliary_buffer: Vec::new(),
        });
        Ok((
            resp.encode()
                .map_err(|_| (ResponseCode::UnknownFailure, "encode"))?,
            None,
        ))
    }

    fn remove(&self, sid: &str) {
        if let Ok(mut s) = self.shared.sessions.lock() {
            s.remove(sid);
        }
    }
}

/// A response body and an optional Set-Cookie, or an X-ResponseCode and why.
type Handled = Result<(Vec<u8>, Option<String>), (ResponseCode, &'static str)>;
