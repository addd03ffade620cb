//! Targets reached over MAPI/HTTP ([MS-OXCMAPIHTTP]): the reference client's
//! [`RopTransport`] over `ics-transport`'s client, the fault-injection control of
//! `ics-harness serve` over its JSON endpoint, and the accounts the scenarios lease.
//!
//! A scenario leases one account for its whole life; with a control endpoint the account's
//! mailbox is reset first, so each scenario starts from an empty mailbox as it does in process.
//! Without one (a third-party server) scenarios share the account one at a time.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use bytes::Bytes;
use http_body_util::{BodyExt as _, Full};
use hyper::Request;
use hyper_util::rt::TokioIo;
use ics_client::transport::{RopTransport, ServerVersion, TransportError};
use ics_server::session::profile::BusyRecord;
use ics_transport::{AuthScheme, ClientConfig, MapiHttpClient};
use ics_wire::Mid;
use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, ExecuteFlags, PayloadOptions, ResponseCode,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::serve::{BusyEntry, ControlOp, ControlRequest, to_hex};
use crate::target::{Control, Exchange, InProc, Reference, Trace};

/// MaxRopOut of each Execute.
const MAX_ROP_OUT: u32 = 0x40000;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Runs a future to completion from synchronous code inside the (multi-threaded) runtime:
/// the future runs as a task and this thread waits on a channel. (A nested `Handle::block_on`
/// on the thread of the outer `Runtime::block_on` shares its park token and can swallow the
/// outer future's wake-up, which hung the suite.)
fn block<T: Send + 'static>(f: impl Future<Output = T> + Send + 'static) -> T {
    let (tx, rx) = std::sync::mpsc::sync_channel(1);
    tokio::runtime::Handle::current().spawn(async move {
        let _ = tx.send(f.await);
    });
    tokio::task::block_in_place(|| rx.recv())
        .unwrap_or_else(|_| panic!("the task running a blocking call was lost"))
}

/// One mailbox account on the server.
#[derive(Clone, Debug)]
pub struct Account {
    /// Mailbox endpoint URL.
    pub url: String,
    pub user: String,
    pub password: String,
    /// The EssDN RopLogon names.
    pub mailbox_dn: String,
    /// Extra trust anchors for https (DER).
    pub extra_roots: Vec<Vec<u8>>,
    /// HTTP authentication scheme.
    pub auth: AuthScheme,
}

/// What the remote targets of this run connect to.
#[derive(Clone, Debug)]
pub struct RemoteConfig {
    pub accounts: Vec<Account>,
    /// `http://127.0.0.1:PORT[/control]` of `ics-harness serve --control`.
    pub control: Option<String>,
}

struct Pool {
    accounts: Vec<Account>,
    free: Mutex<Vec<usize>>,
    permits: Arc<Semaphore>,
    control: Option<String>,
}

static POOL: Mutex<Option<Arc<Pool>>> = Mutex::new(None);

/// Sets the accounts every later [`open`] leases from.
pub fn configure(config: RemoteConfig) {
    let n = config.accounts.len();
    *lock(&POOL) = Some(Arc::new(Pool {
        free: Mutex::new((0..n).rev().collect()),
        permits: Arc::new(Semaphore::new(n)),
        accounts: config.accounts,
        control: config.control,
    }));
}

/// An account leased by one scenario; returned when the scenario's harness is dropped.
struct Lease {
    pool: Arc<Pool>,
    index: usize,
    _permit: OwnedSemaphorePermit,
}

impl Drop for Lease {
    fn drop(&mut self) {
        lock(&self.pool.free).push(self.index);
    }
}

impl Lease {
    fn account(&self) -> &Account {
        &self.pool.accounts[self.index]
    }
}

/// The connection to a target and its control: in process or over MAPI/HTTP.
#[derive(Debug)]
pub enum TargetHandle {
    Reference(Reference),
    Remote(Remote),
}

/// The in-process reference target, or a leased remote account when [`configure`] was called.
pub async fn open() -> Result<TargetHandle, String> {
    let pool = lock(&POOL).clone();
    let Some(pool) = pool else {
        return Ok(TargetHandle::Reference(Reference::new()));
    };
    let permit = pool
        .permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|e| format!("no account: {e}"))?;
    let index = lock(&pool.free)
        .pop()
        .ok_or("account pool out of step with its permits")?;
    let lease = Arc::new(Lease {
        pool: pool.clone(),
        index,
        _permit: permit,
    });
    let control = pool.control.clone().map(|url| ControlClient {
        url,
        user: lease.account().user.clone(),
    });
    if let Some(c) = &control {
        c.call(ControlOp::Reset).await?;
    }
    Ok(TargetHandle::Remote(Remote { lease, control }))
}

impl TargetHandle {
    /// A connection; `trace` records its exchanges.
    pub fn connect(&self, trace: Option<Trace>) -> Conn {
        match self {
            TargetHandle::Reference(r) => Conn::InProc(r.connect(trace)),
            TargetHandle::Remote(r) => Conn::Http(HttpConn {
                lease: r.lease.clone(),
                client: Arc::default(),
                trace,
                max_rop_out: None,
                server_version: Arc::default(),
            }),
        }
    }

    /// The leased account's user (`None` in process).
    pub fn user(&self) -> Option<&str> {
        match self {
            TargetHandle::Reference(_) => None,
            TargetHandle::Remote(r) => Some(&r.lease.account().user),
        }
    }

    /// The EssDN of the mailbox RopLogon opens.
    pub fn mailbox_dn(&self) -> String {
        match self {
            TargetHandle::Reference(_) => "/o=ics/cn=tester".into(),
            TargetHandle::Remote(r) => r.lease.account().mailbox_dn.clone(),
        }
    }

    /// `@needs-fault-injection`: runs `request` (a ROP buffer of another session) right after
    /// the next GetBuffer.
    pub fn after_first_get_buffer(&mut self, request: Vec<u8>) {
        match self {
            TargetHandle::Reference(r) => r.after_first_get_buffer(request),
            TargetHandle::Remote(r) => r.control_op(ControlOp::AfterGetBuffer {
                request_hex: to_hex(&request),
            }),
        }
    }
}

impl Control for TargetHandle {
    fn busy_next(&mut self, n: u32, backoff_ms: u32) {
        match self {
            TargetHandle::Reference(r) => r.busy_next(n, backoff_ms),
            TargetHandle::Remote(r) => r.control_op(ControlOp::BusyNext { n, backoff_ms }),
        }
    }
    fn busy_at(&mut self, n: u32, backoff_ms: u32) {
        match self {
            TargetHandle::Reference(r) => r.busy_at(n, backoff_ms),
            TargetHandle::Remote(r) => r.control_op(ControlOp::BusyAt { n, backoff_ms }),
        }
    }
    fn unreadable(&mut self, mid: Mid) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.unreadable(mid),
            TargetHandle::Remote(r) => r
                .try_control(ControlOp::Unreadable {
                    mid: mid.to_u64_le(),
                })
                .map(drop),
        }
    }
    fn cut_after(&mut self, n: usize) {
        match self {
            TargetHandle::Reference(r) => r.cut_after(n),
            TargetHandle::Remote(r) => r.control_op(ControlOp::CutAfter { bytes: n }),
        }
    }
    fn profile(&mut self, name: &str) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.profile(name),
            TargetHandle::Remote(r) => r
                .try_control(ControlOp::Profile { name: name.into() })
                .map(drop),
        }
    }
    /// `ics-harness serve --control` has no public store: a URL target never declares
    /// `public-folders`, so the runner skips the scenarios that would call this.
    fn expire(&mut self, mid: Mid) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.expire(mid),
            TargetHandle::Remote(_) => {
                Err("the control endpoint offers no public folders (public-folders)".into())
            }
        }
    }

    fn backup(&mut self) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.backup(),
            TargetHandle::Remote(r) => r.try_control(ControlOp::Backup).map(drop),
        }
    }

    fn roll_back(&mut self) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.roll_back(),
            TargetHandle::Remote(r) => r.try_control(ControlOp::RollBack).map(drop),
        }
    }

    fn present_mailbox(&mut self, original: bool) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.present_mailbox(original),
            TargetHandle::Remote(r) => r
                .try_control(ControlOp::PresentMailbox { original })
                .map(drop),
        }
    }

    fn property_groups(&self) -> Result<Vec<Vec<ics_wire::prop::PropTag>>, String> {
        match self {
            TargetHandle::Reference(r) => r.property_groups(),
            TargetHandle::Remote(_) => {
                Err("the control endpoint gives no property-group mapping (property-groups)".into())
            }
        }
    }

    fn deny_read(&mut self, mid: Mid) -> Result<(), String> {
        match self {
            TargetHandle::Reference(r) => r.deny_read(mid),
            TargetHandle::Remote(r) => r
                .try_control(ControlOp::DenyRead {
                    mid: mid.to_u64_le(),
                })
                .map(drop),
        }
    }

    fn busy_log(&self) -> Vec<BusyRecord> {
        match self {
            TargetHandle::Reference(r) => r.busy_log(),
            TargetHandle::Remote(r) => {
                let v = r
                    .try_control(ControlOp::BusyLog)
                    .unwrap_or_else(|e| panic!("control endpoint: busy_log: {e}"));
                let log: Vec<BusyEntry> = serde_json::from_value(v["busy_log"].clone())
                    .unwrap_or_else(|e| panic!("control endpoint: busy_log: {e}"));
                log.into_iter()
                    .map(|e| BusyRecord {
                        answered_at: e.answered_at,
                        backoff: e.backoff,
                        retry_at: e.retry_at,
                    })
                    .collect()
            }
        }
    }
}

/// A leased account on a MAPI/HTTP server, with its control endpoint if any.
pub struct Remote {
    lease: Arc<Lease>,
    control: Option<ControlClient>,
}

impl std::fmt::Debug for Remote {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Remote")
            .field("user", &self.lease.account().user)
            .finish_non_exhaustive()
    }
}

impl Remote {
    fn try_control(&self, op: ControlOp) -> Result<serde_json::Value, String> {
        let c = self
            .control
            .as_ref()
            .ok_or("the target has no control endpoint (--control)")?;
        let c = c.clone();
        block(async move { c.call(op).await })
    }

    /// A control step that cannot report an error: a failure fails the step.
    fn control_op(&self, op: ControlOp) {
        if let Err(e) = self.try_control(op) {
            panic!("control endpoint: {e}");
        }
    }
}

/// The JSON control endpoint of `ics-harness serve`.
#[derive(Clone, Debug)]
struct ControlClient {
    url: String,
    user: String,
}

impl ControlClient {
    async fn call(&self, op: ControlOp) -> Result<serde_json::Value, String> {
        let rest = self
            .url
            .strip_prefix("http://")
            .ok_or_else(|| format!("control URL {:?} must start with http://", self.url))?;
        let (authority, path) = match rest.find('/') {
            Some(i) if &rest[i..] != "/" => (&rest[..i], &rest[i..]),
            Some(i) => (&rest[..i], "/control"),
            None => (rest, "/control"),
        };
        let body = serde_json::to_vec(&ControlRequest {
            user: self.user.clone(),
            op,
        })
        .map_err(|e| e.to_string())?;
        let fail = |e: &dyn std::fmt::Display| format!("control {}: {e}", self.url);
        let stream = tokio::net::TcpStream::connect(authority)
            .await
            .map_err(|e| fail(&e))?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| fail(&e))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        let req = Request::post(path)
            .header(hyper::header::HOST, authority)
            .header(hyper::header::CONTENT_TYPE, "application/json")
            .body(Full::new(Bytes::from(body)))
            .map_err(|e| fail(&e))?;
        let resp = sender.send_request(req).await.map_err(|e| fail(&e))?;
        let bytes = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| fail(&e))?
            .to_bytes();
        let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| fail(&e))?;
        if v["ok"].as_bool() == Some(true) {
            Ok(v)
        } else {
            Err(fail(&v["error"].as_str().unwrap_or("refused")))
        }
    }
}

/// A connection of the reference client: in process or over MAPI/HTTP.
#[derive(Clone, Debug)]
pub enum Conn {
    InProc(InProc),
    Http(HttpConn),
}

impl Conn {
    /// The ROP output buffer size of this connection's calls: the in-process
    /// server's output limit, or MaxRopOut of each Execute over MAPI/HTTP ([MS-OXCMAPIHTTP]
    /// 2.2.4.2.1); `None` restores the default.
    pub fn set_output_buffer(&mut self, n: Option<u32>) {
        match self {
            Conn::InProc(c) => c.set_output_buffer(n),
            Conn::Http(c) => c.max_rop_out = n,
        }
    }

    /// One exchange outside the trace (the other session's set-up ROPs).
    pub fn exchange(&self, request: &[u8]) -> Result<Vec<u8>, TransportError> {
        match self {
            Conn::InProc(c) => c.exchange(request),
            Conn::Http(c) => {
                let (c, request) = (c.clone(), request.to_vec());
                block(async move { c.call(request).await })
            }
        }
    }
}

impl RopTransport for Conn {
    fn server_version(&self) -> Option<ServerVersion> {
        match self {
            Conn::InProc(c) => c.server_version(),
            Conn::Http(c) => *lock(&c.server_version),
        }
    }

    fn execute(
        &mut self,
        request: Vec<u8>,
    ) -> impl Future<Output = Result<Vec<u8>, TransportError>> + Send {
        let mut me = self.clone();
        async move {
            match &mut me {
                Conn::InProc(c) => c.execute(request).await,
                Conn::Http(c) => {
                    let sent = Instant::now();
                    let response = c.call(request.clone()).await;
                    if let Some(t) = &c.trace {
                        lock(t).push(Exchange {
                            sent,
                            answered: Instant::now(),
                            request,
                            response: response.clone(),
                        });
                    }
                    response
                }
            }
        }
    }
}

/// One Session Context on a MAPI/HTTP server, made at the first request and made again
/// after the connection is lost.
#[derive(Clone)]
pub struct HttpConn {
    lease: Arc<Lease>,
    client: Arc<tokio::sync::Mutex<Option<MapiHttpClient>>>,
    trace: Option<Trace>,
    /// MaxRopOut of this connection's Execute requests, when the scenario sets one.
    max_rop_out: Option<u32>,
    /// The version in the server's X-ServerApplication header, once a response carried a
    /// well-formed one ([MS-OXCMAPIHTTP] 2.2.3.3.7).
    server_version: Arc<Mutex<Option<ServerVersion>>>,
}

impl std::fmt::Debug for HttpConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpConn")
            .field("url", &self.lease.account().url)
            .finish_non_exhaustive()
    }
}

/// How a MAPI/HTTP failure shows to the ROP layer.
fn to_rop_error(e: ics_transport::TransportError) -> TransportError {
    use ics_transport::TransportError as T;
    match e {
        T::Failed { error_code, .. } if error_code != 0 => TransportError::RpcStatus(error_code),
        T::Http(_) | T::Io(_) => TransportError::ConnectionLost,
        T::ResponseCode {
            code: Ok(ResponseCode::ContextNotFound),
            ..
        } => TransportError::ConnectionLost,
        other => TransportError::Other(other.to_string()),
    }
}

impl HttpConn {
    /// Execute of one ROP buffer; a lost connection drops the Session Context, so the next
    /// call connects afresh (as the in-process target's reconnect does).
    pub async fn call(&self, request: Vec<u8>) -> Result<Vec<u8>, TransportError> {
        let account = self.lease.account();
        let mut slot = self.client.lock().await;
        if slot.is_none() {
            let mut config = ClientConfig::new(
                account.url.clone(),
                account.user.clone(),
                account.password.clone(),
            );
            config.extra_roots = account.extra_roots.clone();
            config.auth = account.auth;
            let mut c =
                MapiHttpClient::new(config).map_err(|e| TransportError::Other(e.to_string()))?;
            let connect = ConnectRequest {
                user_dn: account.mailbox_dn.clone(),
                flags: 0,
                default_code_page: 1252,
                lcid_sort: 0x409,
                lcid_string: 0x409,
                auxiliary_buffer: Vec::new(),
            };
            match c.connect(&connect).await.map_err(to_rop_error)? {
                ConnectResponse::Success(_) => {
                    *lock(&self.server_version) = c
                        .server_application()
                        .and_then(|v| ServerVersion::from_server_application(v).ok());
                    *slot = Some(c)
                }
                ConnectResponse::Failure(f) => {
                    return Err(TransportError::Other(format!(
                        "Connect failed: StatusCode {:#x}",
                        f.status_code.get()
                    )));
                }
            }
        }
        let Some(c) = slot.as_mut() else {
            return Err(TransportError::Other("no Session Context".into()));
        };
        let opts = PayloadOptions {
            compress: true,
            xor_magic: true,
        };
        let result = c
            .execute_rops(
                &[&request],
                opts,
                ExecuteFlags::default(),
                self.max_rop_out.unwrap_or(MAX_ROP_OUT),
            )
            .await;
        match result {
            Ok(mut out) if out.len() == 1 => Ok(out.remove(0)),
            Ok(out) => Err(TransportError::Other(format!(
                "{} ROP output buffers for one input",
                out.len()
            ))),
            Err(e) => {
                let e = to_rop_error(e);
                if e == TransportError::ConnectionLost {
                    *slot = None;
                }
                Err(e)
            }
        }
    }
}

/// The schemes the loopback server accepts; its accounts use them in turn, so every loopback
/// run covers Basic, NTLM and Negotiate end to end.
const LOOPBACK_SCHEMES: [AuthScheme; 3] =
    [AuthScheme::Basic, AuthScheme::Ntlm, AuthScheme::Negotiate];

/// Accounts of the in-process loopback server: as many scenarios run at once.
pub const LOOPBACK_ACCOUNTS: usize = 8;

/// The loopback server of this process, kept until the process ends.
static LOOPBACK_SERVER: std::sync::OnceLock<crate::serve::Background> = std::sync::OnceLock::new();

/// Sets up the remote accounts a target needs: none for the in-process reference server, a
/// server started on 127.0.0.1 for `loopback`, the given account for a URL.
pub fn configure_for(
    target: &crate::targets::Target,
    options: &crate::runner::RunOptions,
) -> Result<(), String> {
    use crate::targets::{LOOPBACK, is_url};
    if target.name == LOOPBACK {
        let users: Vec<(String, String)> = (0..LOOPBACK_ACCOUNTS)
            .map(|i| (format!("loop{i}"), format!("loopback-secret-{i}")))
            .collect();
        let server = match LOOPBACK_SERVER.get() {
            Some(s) => s,
            None => {
                let s = crate::serve::spawn_background_with(
                    crate::serve::ServeOptions {
                        listen: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
                        users: users.iter().cloned().collect(),
                        control: Some(std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
                    },
                    crate::serve::Security {
                        auth: LOOPBACK_SCHEMES.to_vec(),
                        tls: None,
                    },
                    2,
                )
                .map_err(|e| format!("loopback server: {e}"))?;
                LOOPBACK_SERVER.get_or_init(|| s)
            }
        };
        let control = server
            .control
            .ok_or("loopback server: no control endpoint")?;
        configure(RemoteConfig {
            accounts: users
                .into_iter()
                .enumerate()
                .map(|(i, (user, password))| Account {
                    url: format!(
                        "http://{}/mapi/emsmdb/?MailboxId={user}@ics.invalid",
                        server.mapi
                    ),
                    mailbox_dn: crate::serve::mailbox_dn(&user),
                    extra_roots: Vec::new(),
                    auth: LOOPBACK_SCHEMES[i % LOOPBACK_SCHEMES.len()],
                    user,
                    password,
                })
                .collect(),
            control: Some(format!("http://{control}/control")),
        });
        return Ok(());
    }
    if !is_url(&target.name) {
        *lock(&POOL) = None;
        return Ok(());
    }
    let user = options
        .user
        .clone()
        .ok_or("a URL target needs --user (or ICS_USER)")?;
    let password = password_for(&user)?;
    let extra_roots = match &options.ca_cert {
        Some(path) => {
            let bytes =
                std::fs::read(path).map_err(|e| format!("--ca-cert {}: {e}", path.display()))?;
            ics_transport::certificates_from(&bytes)
                .map_err(|e| format!("--ca-cert {}: {e}", path.display()))?
        }
        None => Vec::new(),
    };
    configure(RemoteConfig {
        accounts: vec![Account {
            url: target.name.clone(),
            mailbox_dn: options
                .mailbox_dn
                .clone()
                .unwrap_or_else(|| crate::serve::mailbox_dn(&user)),
            extra_roots,
            auth: options.auth,
            user,
            password,
        }],
        control: options.control.clone(),
    });
    Ok(())
}

/// The password: env ICS_PASSWORD, else a prompt on the terminal (never a command-line option).
fn password_for(user: &str) -> Result<String, String> {
    use std::io::{BufRead as _, IsTerminal as _, Write as _};
    if let Ok(p) = std::env::var("ICS_PASSWORD") {
        return Ok(p);
    }
    if !std::io::stdin().is_terminal() {
        return Err("no password: set ICS_PASSWORD (standard input is not a terminal)".into());
    }
    let mut err = std::io::stderr();
    let _ = write!(err, "Password for {user} (echoed): ");
    let _ = err.flush();
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password: {e}"))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// How long the pre-flight check of a URL target may take (the transport has no timeout of
/// its own, and an unreachable host may not answer at all).
const PREFLIGHT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Before any scenario runs against a URL target: one connection, one Connect and one
/// RopLogon with the first configured account, then Disconnect. `Err` is a one-line reason
/// (e.g. "authentication refused (HTTP 401)", "connection refused"); `Ok` when no remote
/// account is configured (in-process target).
pub async fn preflight() -> Result<(), String> {
    let pool = lock(&POOL).clone();
    let Some(account) = pool.and_then(|p| p.accounts.first().cloned()) else {
        return Ok(());
    };
    match tokio::time::timeout(PREFLIGHT_TIMEOUT, preflight_account(&account)).await {
        Ok(result) => result.map_err(|e| e.replace(['\r', '\n'], " ")),
        Err(_) => Err(format!(
            "no answer within {} s",
            PREFLIGHT_TIMEOUT.as_secs()
        )),
    }
}

/// A transport failure of the pre-flight check with `scheme`, as a short reason; a 401 that
/// does not offer `scheme` names what the server offers.
fn preflight_reason(e: ics_transport::TransportError, scheme: AuthScheme) -> String {
    use ics_transport::TransportError as T;
    match e {
        T::Unauthorized { challenge } => {
            let offered = ics_transport::parse_challenges(challenge.as_deref());
            let names: Vec<&str> = offered.iter().map(|c| c.scheme.as_str()).collect();
            let ours = scheme == AuthScheme::Auto
                || names.iter().any(|n| n.eq_ignore_ascii_case(scheme.token()));
            if ours || names.is_empty() {
                "authentication refused (HTTP 401)".into()
            } else {
                format!(
                    "authentication refused (HTTP 401): the server offers {}, not {scheme} (see --auth)",
                    names.join(", ")
                )
            }
        }
        T::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
            "connection refused".into()
        }
        T::Io(e) => format!("cannot connect: {e}"),
        T::Status { status, .. } => format!("HTTP status {status}"),
        other => other.to_string(),
    }
}

async fn preflight_account(account: &Account) -> Result<(), String> {
    use ics_wire::rop::flags::{LogonFlags, OpenFlags};
    use ics_wire::rop::logon::{LogonRequest, LogonResult};
    use ics_wire::rop::{
        ResponseContext, RopRequest, RopRequestBuffer, RopResponse, RopResponseBuffer,
    };
    let mut config = ClientConfig::new(
        account.url.clone(),
        account.user.clone(),
        account.password.clone(),
    );
    config.extra_roots = account.extra_roots.clone();
    config.auth = account.auth;
    let mut client = MapiHttpClient::new(config).map_err(|e| preflight_reason(e, account.auth))?;
    let connect = ConnectRequest {
        user_dn: account.mailbox_dn.clone(),
        flags: 0,
        default_code_page: 1252,
        lcid_sort: 0x409,
        lcid_string: 0x409,
        auxiliary_buffer: Vec::new(),
    };
    if let ConnectResponse::Failure(f) = client
        .connect(&connect)
        .await
        .map_err(|e| preflight_reason(e, account.auth))?
    {
        return Err(format!(
            "Connect refused: StatusCode {:#x}",
            f.status_code.get()
        ));
    }
    // RopLogon as the scenarios make it ([MS-OXCROPS] 2.2.3.1).
    let request = RopRequestBuffer {
        rops: vec![RopRequest::Logon(LogonRequest {
            logon_id: 0,
            output_handle_index: 0,
            logon_flags: LogonFlags::PRIVATE,
            open_flags: OpenFlags(
                OpenFlags::USE_PER_MDB_REPLID_MAPPING.0 | OpenFlags::HOME_LOGON.0,
            ),
            store_state: 0,
            essdn: Some(account.mailbox_dn.as_bytes().to_vec()),
        })],
        handles: vec![0xFFFF_FFFF],
    };
    let bytes = request
        .encode()
        .map_err(|e| format!("RopLogon request: {e}"))?;
    let opts = PayloadOptions {
        compress: true,
        xor_magic: true,
    };
    let out = client
        .execute_rops(&[&bytes], opts, ExecuteFlags::default(), MAX_ROP_OUT)
        .await
        .map_err(|e| preflight_reason(e, account.auth))?;
    let first = out.first().ok_or("Execute returned no ROP output buffer")?;
    let response = RopResponseBuffer::decode(first, &request, &ResponseContext::default())
        .map_err(|e| format!("RopLogon response: {e}"))?;
    let result = match response.rops.first() {
        Some(RopResponse::Logon(l)) => match &l.result {
            LogonResult::PrivateSuccess(_) => Ok(()),
            LogonResult::Failure(code) => Err(format!(
                "RopLogon of {} refused: ReturnValue {:#010x}",
                account.mailbox_dn,
                code.to_u32()
            )),
            other => Err(format!(
                "RopLogon of {}: not a private-mailbox success: {other:?}",
                account.mailbox_dn
            )),
        },
        other => Err(format!("not a RopLogon response: {other:?}")),
    };
    // The scenarios make their own sessions; this one is ended (a failure here does not
    // matter).
    let _ = client.disconnect().await;
    result
}
