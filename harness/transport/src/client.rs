//! The MAPI/HTTP client ([MS-OXCMAPIHTTP] 3.1).

use crate::auth::AuthScheme;
use crate::error::TransportError;
use crate::util::random_guid;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, SET_COOKIE, WWW_AUTHENTICATE,
};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use ics_wire::mapihttp::{
    ConnectRequest, ConnectResponse, DisconnectRequest, DisconnectResponse, ExecuteFlags,
    ExecuteRequest, ExecuteResponse, PayloadOptions, RequestType, ResponseCode, ResponseFrame,
    ResponseParser, encode_payloads,
};
use tokio::net::TcpStream;

/// Requests one request may take: the three legs of an NTLM/Negotiate handshake, plus one
/// for `auto` to learn the server's schemes.
const MAX_LEGS: usize = 4;

pub(crate) const BASE64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;
/// Longest wait for the Disconnect of [`MapiHttpClient::close`] and of a drop.
const CLOSE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

/// Where and as whom to connect.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// Mailbox endpoint, e.g. `http://127.0.0.1:8080/mapi/emsmdb/?MailboxId=user1@example.org`.
    pub url: String,
    /// User name (`user`, `DOMAIN\\user` or `user@domain` for NTLM/Negotiate).
    pub user: String,
    /// Password.
    pub password: String,
    /// HTTP authentication scheme (default Basic).
    pub auth: AuthScheme,
    /// X-ClientApplication ([MS-OXCMAPIHTTP] 2.2.3.3.6).
    pub client_application: String,
    /// For `https://`: trust anchors (DER certificates) added to the Mozilla roots, e.g. a
    /// test server's self-signed certificate.
    pub extra_roots: Vec<Vec<u8>>,
}

impl ClientConfig {
    /// A configuration with the default X-ClientApplication `Outlook/15.00.0856.000`.
    pub fn new(
        url: impl Into<String>,
        user: impl Into<String>,
        password: impl Into<String>,
    ) -> Self {
        ClientConfig {
            url: url.into(),
            user: user.into(),
            password: password.into(),
            auth: AuthScheme::Basic,
            client_application: "Outlook/15.00.0856.000".into(),
            extra_roots: Vec::new(),
        }
    }
}

/// One Session Context of a MAPI/HTTP client on one kept-alive connection.
pub struct MapiHttpClient {
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<crate::tls::Tls>,
    pub(crate) authority: String,
    pub(crate) path_and_query: String,
    pub(crate) auth: AuthScheme,
    pub(crate) user: String,
    pub(crate) password: String,
    /// Number of the current connection (1 for the first; 0 before any).
    pub(crate) connection: u64,
    /// The connection NTLM/Negotiate authenticated, if any.
    pub(crate) authenticated: Option<u64>,
    pub(crate) client_application: String,
    pub(crate) cookies: Vec<(String, String)>,
    pub(crate) request_guid: String,
    pub(crate) request_counter: u64,
    pub(crate) client_info: String,
    pub(crate) sender: Option<SendRequest<Full<Bytes>>>,
    /// The last X-ServerApplication header the server sent ([MS-OXCMAPIHTTP] 2.2.3.3.7).
    pub(crate) server_application: Option<String>,
}

impl MapiHttpClient {
    /// Checks the URL; connects lazily on the first request.
    pub fn new(cfg: ClientConfig) -> Result<Self, TransportError> {
        let bad = |reason| TransportError::Url {
            url: cfg.url.clone(),
            reason,
        };
        let (tls, rest) = if let Some(rest) = cfg.url.strip_prefix("https://") {
            (true, rest)
        } else if let Some(rest) = cfg.url.strip_prefix("http://") {
            (false, rest)
        } else {
            return Err(bad("must start with http:// or https://"));
        };
        if tls && !cfg!(feature = "tls") {
            return Err(bad("https needs ics-transport's `tls` feature"));
        }
        let (authority, path) = match rest.find(['/', '?']) {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        if authority.is_empty() {
            return Err(bad("no host"));
        }
        let authority = if authority
            .rsplit_once(':')
            .is_some_and(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()) && !p.is_empty())
        {
            authority.to_string()
        } else {
            format!("{authority}:{}", if tls { 443 } else { 80 })
        };
        let path = if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        };
        Ok(MapiHttpClient {
            #[cfg(feature = "tls")]
            tls: tls
                .then(|| crate::tls::connector(&cfg.extra_roots, &authority))
                .transpose()?,
            authority,
            path_and_query: path,
            auth: cfg.auth,
            user: cfg.user,
            password: cfg.password,
            connection: 0,
            authenticated: None,
            client_application: cfg.client_application,
            cookies: Vec::new(),
            request_guid: random_guid(),
            request_counter: 0,
            client_info: format!("{{{}}}:1", random_guid()),
            sender: None,
            server_application: None,
        })
    }

    /// The cookies of the Session Context, as last set by the server.
    pub fn cookies(&self) -> &[(String, String)] {
        &self.cookies
    }

    /// Replaces the cookies (e.g. to resume a Session Context).
    pub fn set_cookies(&mut self, cookies: Vec<(String, String)>) {
        self.cookies = cookies;
    }

    /// The server's X-ServerApplication header (e.g. `Exchange/15.02.0000.000`, [MS-OXCMAPIHTTP]
    /// 2.2.3.3.7), once a response carried one: the server version a client limits itself to
    /// ([MS-OXCSYNC] 1.7).
    pub fn server_application(&self) -> Option<&str> {
        self.server_application.as_deref()
    }

    /// Connect: creates the Session Context ([MS-OXCMAPIHTTP] 3.1.5.1). The
    /// body may be the failure form; an ErrorCode is not turned into an error.
    pub async fn connect(
        &mut self,
        req: &ConnectRequest,
    ) -> Result<ConnectResponse, TransportError> {
        let frame = self.post(RequestType::Connect, req.encode()?).await?;
        Ok(ConnectResponse::decode(&frame.body)?)
    }

    /// Execute with a prepared body ([MS-OXCMAPIHTTP] 2.2.4.2).
    pub async fn execute(
        &mut self,
        req: &ExecuteRequest,
    ) -> Result<ExecuteResponse, TransportError> {
        let frame = self.post(RequestType::Execute, req.encode()?).await?;
        Ok(ExecuteResponse::decode(&frame.body)?)
    }

    /// Execute of ROP input buffers: packs them into rgbIn with `opts`,
    /// asks for responses shaped by `flags`, and returns the plain ROP output
    /// buffers of rgbOut. The failure form or a non-zero ErrorCode is an error.
    pub async fn execute_rops(
        &mut self,
        rop_buffers: &[&[u8]],
        opts: PayloadOptions,
        flags: ExecuteFlags,
        max_rop_out: u32,
    ) -> Result<Vec<Vec<u8>>, TransportError> {
        let req = ExecuteRequest {
            flags,
            rop_buffer: encode_payloads(rop_buffers, opts)?,
            max_rop_out,
            auxiliary_buffer: Vec::new(),
        };
        match self.execute(&req).await? {
            ExecuteResponse::Success(s) if s.error_code == 0 => Ok(s
                .rop_payloads(max_rop_out as usize)?
                .into_iter()
                .map(|p| p.data)
                .collect()),
            ExecuteResponse::Success(s) => Err(TransportError::Failed {
                request: "Execute",
                status_code: 0,
                error_code: s.error_code,
            }),
            ExecuteResponse::Failure(f) => Err(TransportError::Failed {
                request: "Execute",
                status_code: f.status_code.get(),
                error_code: 0,
            }),
        }
    }

    /// Disconnect: destroys the Session Context; the cookies are dropped on success.
    pub async fn disconnect(&mut self) -> Result<DisconnectResponse, TransportError> {
        let frame = self
            .post(
                RequestType::Disconnect,
                DisconnectRequest::default().encode()?,
            )
            .await?;
        let resp = DisconnectResponse::decode(&frame.body)?;
        if matches!(resp, DisconnectResponse::Success(_)) {
            self.cookies.clear();
        }
        Ok(resp)
    }

    /// Ends the Session Context, if one is open, with a Disconnect that may take at most 5 s;
    /// its failure does not matter (the server expires idle contexts, [MS-OXCMAPIHTTP]
    /// 2.2.3.3.4 X-ExpirationInfo).
    pub async fn close(mut self) {
        if !self.cookies.is_empty() {
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, self.disconnect()).await;
            self.cookies.clear();
        }
    }

    /// Posts a raw body (for tests of malformed requests) and returns the parsed frame.
    pub async fn post_raw(
        &mut self,
        request_type: RequestType,
        body: Vec<u8>,
    ) -> Result<ResponseFrame, TransportError> {
        self.post(request_type, body).await
    }

    /// The kept-alive connection once it can take a request; reconnects
    /// when the server closed it.
    pub(crate) async fn sender(&mut self) -> Result<&mut SendRequest<Full<Bytes>>, TransportError> {
        if let Some(s) = self.sender.as_mut()
            && s.ready().await.is_err()
        {
            self.sender = None;
        }
        if self.sender.is_none() {
            let stream = TcpStream::connect(&self.authority).await?;
            stream.set_nodelay(true)?;
            #[cfg(feature = "tls")]
            let stream: Box<dyn crate::tls::Stream> = match &self.tls {
                Some(t) => Box::new(t.connect(stream).await?),
                None => Box::new(stream),
            };
            let (mut sender, conn) = http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(async move {
                // Ends when the sender is dropped or the peer closes.
                let _ = conn.await;
            });
            sender.ready().await?;
            self.sender = Some(sender);
            self.connection += 1;
        }
        self.sender
            .as_mut()
            .ok_or(TransportError::Io(std::io::ErrorKind::NotConnected.into()))
    }

    /// One request: common headers ([MS-OXCMAPIHTTP] 2.2.2.1), authentication (one leg for
    /// Basic, up to three on a new connection for NTLM/Negotiate), status and X-ResponseCode
    /// checks, cookie update, streamed preamble parsing.
    async fn post(
        &mut self,
        request_type: RequestType,
        body: Vec<u8>,
    ) -> Result<ResponseFrame, TransportError> {
        self.request_counter += 1;
        let request_id = format!("{{{}}}:{}", self.request_guid, self.request_counter);
        let body = Bytes::from(body);
        let mut handshake = None;
        let mut authorization = self.first_authorization(&mut handshake).await?;
        for _ in 0..MAX_LEGS {
            let req = self.request(request_type, &request_id, authorization.as_deref(), &body)?;
            let resp = self.sender().await?.send_request(req).await?;
            if resp.status() != StatusCode::UNAUTHORIZED {
                if let Some(h) = handshake.take() {
                    self.finish_handshake(h, &resp)?;
                }
                return self.check(resp, &request_id).await;
            }
            let challenges: Vec<String> = resp
                .headers()
                .get_all(WWW_AUTHENTICATE)
                .iter()
                .filter_map(|v| v.to_str().ok().map(str::to_owned))
                .collect();
            text(resp.into_body()).await; // drain, so the connection stays usable
            authorization = self.next_leg(&challenges, &mut handshake).await?;
        }
        Err(TransportError::Auth {
            scheme: self.auth.token(),
            reason: format!("no answer but 401 after {MAX_LEGS} requests"),
        })
    }

    /// The request with the common headers and `authorization`.
    pub(crate) fn request(
        &self,
        request_type: RequestType,
        request_id: &str,
        authorization: Option<&str>,
        body: &Bytes,
    ) -> Result<Request<Full<Bytes>>, TransportError> {
        let mut b = Request::post(&self.path_and_query)
            .header(HOST, &self.authority)
            .header(CONTENT_TYPE, "application/mapi-http")
            .header(CONTENT_LENGTH, body.len())
            .header("X-RequestType", request_type.as_str())
            .header("X-RequestId", request_id)
            .header("X-ClientInfo", &self.client_info)
            .header("X-ClientApplication", &self.client_application);
        if let Some(a) = authorization {
            b = b.header(AUTHORIZATION, a);
        }
        if !self.cookies.is_empty() {
            let c: Vec<String> = self
                .cookies
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect();
            b = b.header(COOKIE, c.join("; "));
        }
        Ok(b.body(Full::new(body.clone()))?)
    }

    async fn check(
        &mut self,
        resp: Response<hyper::body::Incoming>,
        request_id: &str,
    ) -> Result<ResponseFrame, TransportError> {
        let status = resp.status();
        let header = |n: &str| {
            resp.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if status == StatusCode::UNAUTHORIZED {
            let challenge = header(WWW_AUTHENTICATE.as_str());
            text(resp.into_body()).await; // drain, so the connection stays usable
            return Err(TransportError::Unauthorized { challenge });
        }
        let response_code = header("X-ResponseCode");
        if let Some(v) = header("X-ServerApplication") {
            self.server_application = Some(v);
        }
        if status != StatusCode::OK {
            let body = text(resp.into_body()).await;
            return Err(TransportError::Status {
                status: status.as_u16(),
                body,
            });
        }
        for v in resp.headers().get_all(SET_COOKIE) {
            let Some((name, value)) = v
                .to_str()
                .ok()
                .and_then(|s| s.split(';').next())
                .and_then(|p| p.split_once('='))
            else {
                continue;
            };
            let (name, value) = (name.trim().to_string(), value.trim().to_string());
            match self.cookies.iter_mut().find(|(n, _)| *n == name) {
                Some(c) => c.1 = value,
                None => self.cookies.push((name, value)),
            }
        }
        let Some(code) = response_code else {
            return Err(TransportError::Header {
                header: "X-ResponseCode",
                problem: "missing".into(),
            });
        };
        match code.parse::<ResponseCode>() {
            Ok(ResponseCode::Success) => {}
            other => {
                let body = text(resp.into_body()).await;
                return Err(TransportError::ResponseCode {
                    code: other.map_err(|_| code),
                    body,
                });
            }
        }
        match header("X-RequestId") {
            Some(id) if id == request_id => {}
            other => {
                return Err(TransportError::Header {
                    header: "X-RequestId",
                    problem: format!("sent {request_id:?}, echoed {other:?}"),
                });
            }
        }
        let mut body = resp.into_body();
        let mut parser = ResponseParser::new();
        let mut events = Vec::new();
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame?.into_data() {
                parser.feed(&data, &mut events)?;
            }
        }
        let frame = parser.finish()?;
        match frame.response_code() {
            None | Some(Ok(ResponseCode::Success)) => Ok(frame),
            Some(code) => Err(TransportError::ResponseCode {
                code: code.map_err(|e| e.value),
                body: String::from_utf8_lossy(&frame.body)
                    .chars()
                    .take(512)
                    .collect(),
            }),
        }
    }
}

/// The start of a diagnostic body as text.
async fn text(body: hyper::body::Incoming) -> String {
    match body.collect().await {
        Ok(b) => String::from_utf8_lossy(&b.to_bytes())
            .chars()
            .take(512)
            .collect(),
        Err(e) => format!("<body unreadable: {e}>"),
    }
}

impl Drop for MapiHttpClient {
    /// A Session Context still open gets a Disconnect on the live connection, sent by a task
    /// of the current tokio runtime and bounded by 5 s; without a runtime or a live
    /// connection nothing is sent. Never blocks.
    fn drop(&mut self) {
        if self.cookies.is_empty() {
            return;
        }
        let (Some(mut sender), Ok(runtime)) =
            (self.sender.take(), tokio::runtime::Handle::try_current())
        else {
            return;
        };
        let Ok(body) = DisconnectRequest::default().encode() else {
            return;
        };
        // NTLM/Negotiate: the live connection is the authenticated one.
        let authorization = (self.auth == AuthScheme::Basic).then(|| self.basic());
        self.request_counter += 1;
        let request_id = format!("{{{}}}:{}", self.request_guid, self.request_counter);
        let Ok(req) = self.request(
            RequestType::Disconnect,
            &request_id,
            authorization.as_deref(),
            &Bytes::from(body),
        ) else {
            return;
        };
        runtime.spawn(async move {
            let send = async {
                sender.ready().await?;
                sender
                    .send_request(req)
                    .await?
                    .into_body()
                    .collect()
                    .await?;
                Ok::<_, hyper::Error>(())
            };
            let _ = tokio::time::timeout(CLOSE_TIMEOUT, send).await;
        });
    }
}
